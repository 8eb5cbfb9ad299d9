//! The trust graph as Mermaid, Graphviz DOT, JSON (`"version": 1`) and Markdown tables, by principal or by
//! audience.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::graph::{AudienceEdge, AudienceGrant, Cite, Graph, PrincipalGraph, TagValue};

/// Which way the graph is read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum View {
    /// Each principal and what it can mint.
    #[default]
    Principal,
    /// Each audience and who can mint tokens for it.
    Audience,
}

fn cite_json(c: &Cite) -> Value {
    let (start, end) = c.source.range(c.span);
    json!({
        "role": c.role.as_str(),
        "action": c.action,
        "layer": c.layer.name(),
        "source": &*c.source.name,
        "sid": c.sid,
        "index": c.index,
        "line": start.line, "column": start.column, "end_line": end.line, "end_column": end.column,
    })
}

fn cites_json(cs: &[Cite]) -> Vec<Value> {
    cs.iter().map(cite_json).collect()
}

fn principal_json(p: &PrincipalGraph) -> Value {
    json!({
        "principal": p.principal,
        "arn": p.arn,
        "arn_assumed": p.arn_assumed,
        "exact": p.exact,
        "inexact_reason": p.inexact_reason,
        "can_mint": p.can_mint,
        "audiences": p.audiences.iter().map(|a| json!({
            "audience": a.grant.label(),
            "kind": a.grant.kind(),
            "witness": a.witness,
            "statements": cites_json(&a.statements),
        })).collect::<Vec<_>>(),
        "max_lifetime": p.max_lifetime,
        "duration_may_be_omitted": p.duration_may_be_omitted,
        "lifetime_statements": cites_json(&p.lifetime_statements),
        "signing_algorithms": p.algorithms,
        "signing_algorithm_statements": cites_json(&p.algorithm_statements),
        "tags": p.tags.iter().map(|t| json!({
            "key": t.key,
            "value": match &t.value { TagValue::Free => "free", TagValue::Bound(_) => "bound" },
            "conditions": match &t.value { TagValue::Free => Vec::new(), TagValue::Bound(c) => c.clone() },
            "statements": cites_json(&t.statements),
        })).collect::<Vec<_>>(),
        "guards": p.guards.iter().map(|g| json!({
            "dimension": g.dimension,
            "conditions": g.conditions,
            "statements": cites_json(&g.statements),
        })).collect::<Vec<_>>(),
        "depends_on": p.depends_on.iter().map(|d| json!({
            "claim": d.claim, "setting": d.setting, "configured": d.configured, "alternative": d.alternative,
        })).collect::<Vec<_>>(),
        "evaluations": p.evaluations,
    })
}

/// The JSON document (both views: `principals` and `audiences`).
pub fn render_json(graph: &Graph) -> String {
    let value = json!({
        "version": 1,
        "principals": graph.principals.iter().map(principal_json).collect::<Vec<_>>(),
        "audiences": graph.by_audience().iter().map(|(grant, ps)| json!({
            "audience": grant.label(),
            "kind": grant.kind(),
            "principals": ps.iter().map(|(p, _)| p.principal.clone()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "cannot_mint": graph.cannot_mint,
        "findings": graph.findings.iter().map(|f| json!({"code": f.code(), "message": f.message()})).collect::<Vec<_>>(),
        "relying_parties": super::relying::json(&graph.relying),
    });
    let mut out = super::escape::json(serde_json::to_string_pretty(&value).unwrap_or_default());
    out.push('\n');
    out
}

/// The lifetime in a few words: `≤ 900 s`, `300 s (omitted only)`.
fn lifetime(p: &PrincipalGraph) -> String {
    match (p.max_lifetime, p.duration_may_be_omitted) {
        (Some(max), true) => format!("≤ {max} s (may omit)"),
        (Some(max), false) => format!("≤ {max} s (duration required)"),
        (None, _) => "300 s (duration omitted only)".to_owned(),
    }
}

/// What an edge says: lifetime and algorithms, and whether the claim is exact.
fn edge_label(p: &PrincipalGraph) -> String {
    let mut label = format!("{} · {}", lifetime(p), p.algorithms.join("/"));
    if !p.depends_on.is_empty() {
        label.push_str(" · assumption-dependent");
    }
    label
}

fn principal_label(p: &PrincipalGraph) -> String {
    match &p.inexact_reason {
        Some(_) if !p.can_mint => format!("{} (inexact: not analysed)", p.principal),
        Some(_) => format!("{} (inexact)", p.principal),
        None => p.principal.clone(),
    }
}

fn audience_label(grant: &AudienceGrant) -> String {
    match grant {
        AudienceGrant::Literal(a) => a.clone(),
        AudienceGrant::Pattern(p) => format!("pattern {p}"),
        AudienceGrant::Any => "ANY audience (unlisted allowed)".to_owned(),
    }
}

/// Mermaid label text inside double quotes: [`super::escape::mermaid`].
fn mermaid_text(s: &str) -> String {
    super::escape::mermaid(s)
}

/// Node ids and labels of both kinds, in a stable order.
struct Nodes<'g> {
    principals: Vec<&'g PrincipalGraph>,
    audiences: Vec<(AudienceGrant, Vec<(&'g PrincipalGraph, &'g AudienceEdge)>)>,
}

impl<'g> Nodes<'g> {
    fn new(graph: &'g Graph) -> Nodes<'g> {
        Nodes { principals: graph.principals.iter().collect(), audiences: graph.by_audience() }
    }

    fn principal_id(&self, p: &PrincipalGraph) -> String {
        let i = self.principals.iter().position(|q| q.principal == p.principal).unwrap_or_default();
        format!("p{i}")
    }

    /// The node of the principal with this name, when it is drawn.
    fn principal_by_name(&self, name: &str) -> Option<String> {
        let i = self.principals.iter().position(|q| q.principal == name)?;
        Some(format!("p{i}"))
    }

    fn audience_id(&self, grant: &AudienceGrant) -> String {
        let i = self.audiences.iter().position(|(g, _)| g == grant).unwrap_or_default();
        format!("a{i}")
    }

    /// Every edge: (principal, audience grant).
    fn edges(&self) -> Vec<(&'g PrincipalGraph, AudienceGrant)> {
        let mut out = Vec::new();
        for (grant, ps) in &self.audiences {
            for (p, _) in ps {
                out.push((*p, grant.clone()));
            }
        }
        out
    }
}

pub fn render_mermaid(graph: &Graph, view: View) -> String {
    let nodes = Nodes::new(graph);
    let mut out = String::from("flowchart LR\n");
    let principal_nodes = |out: &mut String| {
        for p in &nodes.principals {
            let _ = writeln!(out, "    {}[\"{}\"]", nodes.principal_id(p), mermaid_text(&principal_label(p)));
        }
    };
    let audience_nodes = |out: &mut String| {
        for (grant, _) in &nodes.audiences {
            let id = nodes.audience_id(grant);
            let text = mermaid_text(&audience_label(grant));
            match grant {
                AudienceGrant::Any => {
                    let _ = writeln!(out, "    {id}{{{{\"{text}\"}}}}");
                }
                _ => {
                    let _ = writeln!(out, "    {id}([\"{text}\"])");
                }
            }
        }
    };
    match view {
        View::Principal => {
            principal_nodes(&mut out);
            audience_nodes(&mut out);
            for (p, grant) in nodes.edges() {
                let _ = writeln!(
                    out,
                    "    {} -->|\"{}\"| {}",
                    nodes.principal_id(p),
                    mermaid_text(&edge_label(p)),
                    nodes.audience_id(&grant)
                );
            }
        }
        View::Audience => {
            audience_nodes(&mut out);
            principal_nodes(&mut out);
            for (p, grant) in nodes.edges() {
                let _ = writeln!(
                    out,
                    "    {} -->|\"minted by · {}\"| {}",
                    nodes.audience_id(&grant),
                    mermaid_text(&edge_label(p)),
                    nodes.principal_id(p)
                );
            }
        }
    }
    out.push_str(&super::relying::mermaid(&graph.relying, &|arn| nodes.principal_by_name(arn), &mermaid_text));
    if nodes.audiences.iter().any(|(g, _)| *g == AudienceGrant::Any) {
        let _ = writeln!(out, "    classDef any fill:#fdd,stroke:#c00");
        let _ = writeln!(out, "    class {} any", nodes.audience_id(&AudienceGrant::Any));
    }
    out
}

fn dot_text(s: &str) -> String {
    super::escape::dot(s)
}

pub fn render_dot(graph: &Graph, view: View) -> String {
    let nodes = Nodes::new(graph);
    let mut out = String::from("digraph mintlint {\n    rankdir=LR;\n    node [fontname=\"Helvetica\"];\n");
    for p in &nodes.principals {
        let _ =
            writeln!(out, "    {} [shape=box, label=\"{}\"];", nodes.principal_id(p), dot_text(&principal_label(p)));
    }
    for (grant, _) in &nodes.audiences {
        let style = if *grant == AudienceGrant::Any { ", color=red, fontcolor=red" } else { "" };
        let _ = writeln!(
            out,
            "    {} [shape=ellipse, label=\"{}\"{style}];",
            nodes.audience_id(grant),
            dot_text(&audience_label(grant))
        );
    }
    for (p, grant) in nodes.edges() {
        let (from, to, label) = match view {
            View::Principal => (nodes.principal_id(p), nodes.audience_id(&grant), edge_label(p)),
            View::Audience => {
                (nodes.audience_id(&grant), nodes.principal_id(p), format!("minted by · {}", edge_label(p)))
            }
        };
        let _ = writeln!(out, "    {from} -> {to} [label=\"{}\"];", dot_text(&label));
    }
    out.push_str(&super::relying::dot(&graph.relying, &|arn| nodes.principal_by_name(arn), &dot_text));
    out.push_str("}\n");
    out
}

/// A table cell: [`super::escape::markdown`].
fn cell(s: &str) -> String {
    super::escape::markdown(s)
}

fn code(s: &str) -> String {
    super::escape::markdown_code(s)
}

fn cite_text(c: &Cite) -> String {
    let (start, _) = c.source.file_region(c.span);
    let name = c.sid.as_ref().map_or_else(|| format!("statement {}", c.index), |s| format!("`{s}`"));
    format!("{name} ({}, {}, line {})", c.layer.name(), c.source.name, start.line)
}

fn cites_text(cs: &[Cite]) -> String {
    let mut v: Vec<String> = cs.iter().map(cite_text).collect();
    v.dedup();
    v.join("; ")
}

fn audiences_cell(p: &PrincipalGraph) -> String {
    p.audiences
        .iter()
        .map(|a| match &a.grant {
            AudienceGrant::Literal(l) => code(l),
            AudienceGrant::Pattern(pat) => format!("{} (pattern)", code(pat)),
            AudienceGrant::Any => "**any audience**".to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn tags_cell(p: &PrincipalGraph) -> String {
    if p.tags.is_empty() {
        return "none".to_owned();
    }
    p.tags
        .iter()
        .map(|t| {
            let key = t.key.as_deref().map_or_else(|| "**any key**".to_owned(), code);
            match &t.value {
                TagValue::Free => format!("{key} free"),
                TagValue::Bound(cs) if cs.is_empty() => format!("{key} bound"),
                TagValue::Bound(cs) => format!("{key} bound ({})", cs.join("; ")),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn context_cell(p: &PrincipalGraph) -> String {
    if p.guards.is_empty() {
        return "none".to_owned();
    }
    p.guards
        .iter()
        .map(|g| {
            // Each guard escaped as a cell of its own: the `<br>` between them is ours.
            if g.conditions.is_empty() {
                cell(&format!("{}: {}", g.dimension, cites_text(&g.statements)))
            } else {
                cell(&format!("{}: {}", g.dimension, g.conditions.join("; ")))
            }
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

fn lifetime_cell(p: &PrincipalGraph) -> String {
    let mut s = lifetime(p);
    if p.max_lifetime == Some(crate::token::MAX_DURATION) {
        s.push_str(" ⚠ no cap");
    } else if !p.lifetime_statements.is_empty() {
        let _ = write!(s, " by {}", cites_text(&p.lifetime_statements));
    }
    s
}

pub fn render_markdown(graph: &Graph, view: View) -> String {
    let mut out = String::from("## Token minting graph\n\n");
    match view {
        View::Principal => {
            out.push_str(
                "| principal | audiences | lifetime | signing algorithms | request tags | required context |\n",
            );
            out.push_str("|---|---|---|---|---|---|\n");
            for p in &graph.principals {
                if !p.can_mint {
                    let _ = writeln!(
                        out,
                        "| {} | inexact: {} | | | | |",
                        cell(&code(&p.principal)),
                        cell(p.inexact_reason.as_deref().unwrap_or_default())
                    );
                    continue;
                }
                let mut name = code(&p.principal);
                if let Some(reason) = &p.inexact_reason {
                    let _ = write!(name, " (inexact: {reason})");
                }
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} |",
                    cell(&name),
                    cell(&audiences_cell(p)),
                    cell(&lifetime_cell(p)),
                    cell(&p.algorithms.join(", ")),
                    cell(&tags_cell(p)),
                    context_cell(p),
                );
            }
        }
        View::Audience => {
            out.push_str("| audience | kind | principals that can mint for it |\n|---|---|---|\n");
            for (grant, ps) in graph.by_audience() {
                let label = match &grant {
                    AudienceGrant::Any => "**any audience**".to_owned(),
                    g => code(&g.label()),
                };
                let who: Vec<String> =
                    ps.iter().map(|(p, _)| format!("{} ({})", code(&p.principal), lifetime(p))).collect();
                let _ = writeln!(out, "| {} | {} | {} |", cell(&label), grant.kind(), cell(&who.join(", ")));
            }
        }
    }
    let dependent: Vec<String> = graph
        .principals
        .iter()
        .flat_map(|p| {
            p.depends_on.iter().map(move |d| {
                format!(
                    "- {}: {} holds only with `{}={}` (not `{}`)\n",
                    code(&p.principal),
                    cell(&d.claim),
                    d.setting,
                    d.configured,
                    d.alternative
                )
            })
        })
        .collect();
    if !dependent.is_empty() {
        out.push_str("\n**Assumption-dependent:**\n\n");
        out.extend(dependent);
    }
    if !graph.cannot_mint.is_empty() {
        let names: Vec<String> = graph.cannot_mint.iter().map(|n| code(n)).collect();
        let _ = writeln!(out, "\nCannot mint: {}", names.join(", "));
    }
    out.push_str(&super::relying::markdown(&graph.relying, &cell));
    if !graph.findings.is_empty() {
        out.push_str("\n### Findings\n\n");
        for f in &graph.findings {
            let _ = writeln!(out, "- **{}**: {}", f.code(), cell(&f.message()));
        }
    }
    out
}
