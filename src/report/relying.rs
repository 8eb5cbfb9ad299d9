//! The relying-party part of the trust graph: principal → relying party (with the audience and request tags
//! of the witness) → what it grants, in every graph format, and the `relying_parties` JSON of DESIGN §9.4.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::relying::analysis::{PartyResult, Reached, RelyingReport};
use crate::relying::join::witness_case;

/// `relying_parties` of the graph JSON.
pub fn json(report: &RelyingReport) -> Value {
    Value::Array(report.parties.iter().map(|p| party_json(report, p)).collect())
}

fn reached_json(report: &RelyingReport, r: &Reached) -> Value {
    let principal = report.principals.get(r.principal);
    let name = principal.map_or("", |p| p.display.as_str());
    let arn = principal.map_or("", |p| p.arn.as_str());
    let w = &r.witness;
    json!({
        "principal": name,
        "arn": arn,
        "audience": w.request.audiences(),
        "request_tags": w.request.tags.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
        "signing_algorithm": w.request.token().map(|m| m.signing_algorithm.as_str()),
        "witness": witness_case(&w.request, arn),
        "claims": w.token.claims,
        "conditions": w.checks.iter().map(|c| json!({"part": c.part.as_str(), "detail": c.detail})).collect::<Vec<_>>(),
        "undocumented": w.undocumented,
        "depends_on": w.depends_on.iter().map(|d| json!({
            "setting": d.setting.name(), "configured": d.configured, "alternative": d.alternative,
        })).collect::<Vec<_>>(),
    })
}

fn party_json(report: &RelyingReport, p: &PartyResult) -> Value {
    let (start, end) = p.rp.source.range(p.rp.span);
    let findings = crate::relying::analysis::party_findings(report, p, &report.accounts);
    json!({
        "id": p.rp.id,
        "kind": p.rp.kind.as_str(),
        "issuer": p.issuer,
        "source": &*p.rp.source.name,
        "line": start.line, "column": start.column, "end_line": end.line, "end_column": end.column,
        "grants": p.rp.grants,
        "reached_by": p.reached_by.iter().map(|r| reached_json(report, r)).collect::<Vec<_>>(),
        "undecided": p.undecided.iter().map(|(i, why)| json!({
            "principal": report.principals.get(*i).map_or("", |x| x.display.as_str()),
            "why": why,
        })).collect::<Vec<_>>(),
        "findings": findings.iter().map(|f| json!({
            "rule": f.rule.code, "name": f.rule.name, "severity": f.severity.as_str(), "message": f.message,
        })).collect::<Vec<_>>(),
    })
}

/// The label of a reach edge: the witness's audience and request tags.
fn edge_label(r: &Reached) -> String {
    let w = &r.witness.request;
    let mut s = format!("aud {}", w.audiences().join(", "));
    if !w.tags.is_empty() {
        let _ = write!(s, " · tags {}", w.tags.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", "));
    }
    s
}

fn rp_label(p: &PartyResult) -> String {
    format!("{} ({})", p.rp.id, p.rp.kind.as_str())
}

/// Mermaid lines, given the id of each principal's node by its name (principals not drawn get their own node).
pub fn mermaid(
    report: &RelyingReport,
    node_of: &dyn Fn(&str) -> Option<String>,
    text: &dyn Fn(&str) -> String,
) -> String {
    let mut out = String::new();
    for (i, p) in report.parties.iter().enumerate() {
        let _ = writeln!(out, "    r{i}[/\"{}\"/]", text(&rp_label(p)));
        for (g, grant) in p.rp.grants.iter().enumerate() {
            let _ = writeln!(out, "    r{i}g{g}[\"{}\"]", text(grant));
            let _ = writeln!(out, "    r{i} -->|\"grants\"| r{i}g{g}");
        }
        for r in &p.reached_by {
            let Some(principal) = report.principals.get(r.principal) else { continue };
            let from = node_of(&principal.display).unwrap_or_else(|| format!("x{}", r.principal));
            if node_of(&principal.display).is_none() {
                let _ = writeln!(out, "    {from}[\"{}\"]", text(&principal.display));
            }
            let _ = writeln!(out, "    {from} -.->|\"{}\"| r{i}", text(&edge_label(r)));
        }
    }
    out
}

/// DOT lines, as [`mermaid`].
pub fn dot(report: &RelyingReport, node_of: &dyn Fn(&str) -> Option<String>, text: &dyn Fn(&str) -> String) -> String {
    let mut out = String::new();
    for (i, p) in report.parties.iter().enumerate() {
        let _ = writeln!(out, "    r{i} [shape=parallelogram, label=\"{}\"];", text(&rp_label(p)));
        for (g, grant) in p.rp.grants.iter().enumerate() {
            let _ = writeln!(out, "    r{i}g{g} [shape=note, label=\"{}\"];", text(grant));
            let _ = writeln!(out, "    r{i} -> r{i}g{g} [label=\"grants\"];");
        }
        for r in &p.reached_by {
            let Some(principal) = report.principals.get(r.principal) else { continue };
            let from = node_of(&principal.display).unwrap_or_else(|| format!("x{}", r.principal));
            if node_of(&principal.display).is_none() {
                let _ = writeln!(out, "    {from} [shape=box, label=\"{}\"];", text(&principal.display));
            }
            let _ = writeln!(out, "    {from} -> r{i} [style=dashed, label=\"{}\"];", text(&edge_label(r)));
        }
    }
    out
}

/// The Markdown section: one row per relying party.
pub fn markdown(report: &RelyingReport, cell: &dyn Fn(&str) -> String) -> String {
    if report.parties.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "\n### Relying parties\n\n| relying party | kind | issuer | reached by | grants | findings |\n|---|---|---|---|---|---|\n",
    );
    for p in &report.parties {
        let reached: Vec<String> = p
            .reached_by
            .iter()
            .filter_map(|r| Some(format!("{} ({})", report.principals.get(r.principal)?.display, edge_label(r))))
            .chain(
                p.undecided
                    .iter()
                    .filter_map(|(i, why)| Some(format!("{}: undecided ({why})", report.principals.get(*i)?.display))),
            )
            .collect();
        let findings: Vec<String> = crate::relying::analysis::party_findings(report, p, &report.accounts)
            .iter()
            .map(|f| format!("{} {}: {}", f.rule.code, f.rule.name, f.message))
            .collect();
        let lines = |items: &[String]| items.iter().map(|i| cell(i)).collect::<Vec<_>>().join("<br>");
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            cell(&p.rp.id),
            p.rp.kind.as_str(),
            p.issuer.as_deref().map_or_else(|| "unknown".to_owned(), |i| format!("`{}`", cell(i))),
            // Each item escaped on its own: the `<br>` between them is ours.
            if reached.is_empty() { "nobody".to_owned() } else { lines(&reached) },
            lines(&p.rp.grants),
            if findings.is_empty() { "none".to_owned() } else { lines(&findings) },
        );
    }
    out
}

/// `simulate --relying-party`, human: whether the relying party accepts the token, and why.
pub fn judgement_human(j: &crate::relying::simulate::Judgement, minted: bool) -> String {
    use crate::relying::matching::Verdict;
    let mut out = String::new();
    let _ = write!(out, "\nrelying party `{}` ({}): ", j.id, j.kind.as_str());
    if !minted {
        let _ = writeln!(out, "no token is minted, so nothing is presented to it");
        return out;
    }
    match &j.verdict {
        Verdict::Accepted { checks, undocumented } => {
            let _ = writeln!(out, "accepted");
            for c in checks {
                let _ = writeln!(out, "  ✓ {}: {}", c.part.as_str(), c.detail);
            }
            for u in undocumented {
                let _ = writeln!(out, "  note: {u}");
            }
        }
        Verdict::Rejected(c) => {
            let _ = writeln!(out, "rejected");
            let _ = writeln!(out, "  ✗ {}: {}", c.part.as_str(), c.detail);
        }
        Verdict::Undecided { why, .. } => {
            let _ = writeln!(out, "undecided: {why}");
        }
    }
    out
}

/// `simulate --relying-party`, JSON.
pub fn judgement_json(j: &crate::relying::simulate::Judgement, minted: bool) -> Value {
    use crate::relying::matching::Verdict;
    let (accepted, conditions, failure, undecided) = match (&j.verdict, minted) {
        (_, false) => (json!(false), Vec::new(), Value::Null, Value::Null),
        (Verdict::Accepted { checks, .. }, true) => (
            json!(true),
            checks.iter().map(|c| json!({"part": c.part.as_str(), "detail": c.detail})).collect(),
            Value::Null,
            Value::Null,
        ),
        (Verdict::Rejected(c), true) => {
            (json!(false), Vec::new(), json!({"part": c.part.as_str(), "detail": c.detail}), Value::Null)
        }
        (Verdict::Undecided { why, .. }, true) => (Value::Null, Vec::new(), Value::Null, json!(why)),
    };
    json!({
        "id": j.id,
        "kind": j.kind.as_str(),
        "minted": minted,
        "accepted": accepted,
        "conditions": conditions,
        "failure": failure,
        "undecided": undecided,
        "claims": j.token.claims,
    })
}
