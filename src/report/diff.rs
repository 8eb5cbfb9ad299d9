//! Rendering a diff: human (miette, pointing at the statements on both sides that make each difference),
//! JSON (`version`, `principals` with `widened`/`narrowed`), and widening as `drift-widening` findings (for
//! SARIF and `check --baseline`).

use std::fmt::{self, Write as _};
use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use serde_json::{Map, Value, json};

use super::human::{Excerpt, RelatedDiagnostic};
use crate::diff::{Change, DiffReport, PrincipalDiff, Role, Side, StatementLink};
use crate::eval::{ContextValue, Layer, PolicySet};
use crate::lint::Finding;
use crate::lint::rules::drift_widening;
use crate::source::{SourceFile, Span};
use crate::token::TokenRequest;

use super::Style;

/// The report format version; bumped only on an incompatible change.
pub const VERSION: u32 = 1;

/// The witness as a `--cases` entry (without `name` and `expect`): paste it into a cases file to keep it as
/// a regression test. Network facts are written as the context keys they become.
pub fn witness_json(w: &TokenRequest) -> Value {
    let mut obj = Map::new();
    if let Some(p) = &w.principal_arn {
        obj.insert("principal".into(), p.clone().into());
    }
    if !w.principal_tags.is_empty() {
        obj.insert("principal_tags".into(), pairs(&w.principal_tags));
    }
    obj.insert("audience".into(), w.audiences.clone().into());
    obj.insert("duration".into(), w.duration.map_or(Value::Null, Value::from));
    obj.insert("signing_algorithm".into(), w.signing_algorithm.clone().into());
    obj.insert("tags".into(), pairs(&w.tags));
    if let Some(r) = &w.region {
        obj.insert("region".into(), r.clone().into());
    }
    if let Some(t) = &w.time {
        obj.insert("time".into(), t.to_rfc3339().into());
    }
    let context = context_entries(w);
    if !context.is_empty() {
        let map: Map<String, Value> = context
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    ContextValue::Single(s) => Value::from(s.to_string()),
                    ContextValue::Multi(vs) => Value::from(vs.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
                };
                (k, v)
            })
            .collect();
        obj.insert("context".into(), Value::Object(map));
    }
    Value::Object(obj)
}

fn pairs(p: &[(String, String)]) -> Value {
    Value::Object(p.iter().map(|(k, v)| (k.clone(), Value::from(v.clone()))).collect())
}

/// The network facts and other context keys of a witness, as condition keys.
fn context_entries(w: &TokenRequest) -> Vec<(String, ContextValue)> {
    let mut out = Vec::new();
    let vpc = w.source_vpc.is_some() || w.source_vpce.is_some();
    if let Some(v) = &w.source_vpc {
        out.push(("aws:SourceVpc".to_owned(), ContextValue::Single(v.as_str().into())));
    }
    if let Some(v) = &w.source_vpce {
        out.push(("aws:SourceVpce".to_owned(), ContextValue::Single(v.as_str().into())));
    }
    if let Some(ip) = &w.source_ip {
        let key = if vpc { "aws:VpcSourceIp" } else { "aws:SourceIp" };
        out.push((key.to_owned(), ContextValue::Single(ip.as_str().into())));
    }
    out.extend(w.context.iter().cloned());
    out
}

/// One line: what the witness request sends.
pub fn witness_summary(w: &TokenRequest) -> String {
    let mut parts = Vec::new();
    if let Some(p) = &w.principal_arn {
        parts.push(format!("principal `{p}`"));
    }
    for (k, v) in &w.principal_tags {
        parts.push(format!("principal tag `{k}={v}`"));
    }
    let audiences = w.audiences.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
    parts.push(format!("audience [{audiences}]"));
    parts.push(match w.duration {
        Some(d) => format!("duration {d} s"),
        None => "duration omitted".to_owned(),
    });
    parts.push(format!("algorithm {}", w.signing_algorithm));
    if w.tags.is_empty() {
        parts.push("no tags".to_owned());
    } else {
        let tags = w.tags.iter().map(|(k, v)| format!("`{k}={v}`")).collect::<Vec<_>>().join(", ");
        parts.push(format!("tags {tags}"));
    }
    if let Some(r) = &w.region {
        parts.push(format!("region `{r}`"));
    }
    if let Some(t) = &w.time {
        parts.push(format!("at {}", t.to_rfc3339()));
    }
    for (k, v) in context_entries(w) {
        parts.push(format!("`{k}` = {v}"));
    }
    parts.join(", ")
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "_./:=@%+-,".contains(c)) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// A `mintlint simulate` command line that decides the witness against the policies of one side.
pub fn simulate_command(set: &PolicySet, w: &TokenRequest) -> String {
    let mut args: Vec<String> = vec!["mintlint".into(), "simulate".into()];
    // Policies embedded in Terraform JSON or a snapshot are simulated through the inventory: name the files
    // and the principal, the inventory supplies its policies, boundary, organization layers and tags.
    let inventory =
        set.policies().any(|(_, _, p)| p.source.enclosing.is_some() || p.source.path.as_os_str().is_empty());
    if inventory {
        let mut files: Vec<String> = set
            .policies()
            .map(|(_, _, p)| &p.source.path)
            .filter(|p| !p.as_os_str().is_empty())
            .map(|p| crate::source::display_path(p))
            .collect();
        files.sort();
        files.dedup();
        args.extend(files.iter().map(|f| shell_quote(f)));
    }
    let mut flag = |f: &str, v: &str| {
        args.push(f.to_owned());
        args.push(shell_quote(v));
    };
    let path = |p: &crate::eval::LoadedPolicy| crate::source::display_path(&p.source.path);
    let listed: &[crate::eval::LoadedPolicy] = if inventory { &[] } else { &set.identity };
    for p in listed {
        flag("--policy", &path(p));
    }
    if !inventory {
        if let Some(b) = &set.boundary {
            flag("--boundary", &path(b));
        }
        for (level, ps) in set.scp_levels.iter().enumerate() {
            for p in ps {
                flag("--scp", &format!("{level}:{}", path(p)));
            }
        }
        for p in &set.rcps {
            flag("--rcp", &path(p));
        }
        for p in &set.session {
            flag("--session-policy", &path(p));
        }
    }
    if let Some(p) = &w.principal_arn {
        flag("--principal", p);
    }
    if !inventory {
        for (k, v) in &w.principal_tags {
            flag("--principal-tag", &format!("{k}={v}"));
        }
    }
    for a in &w.audiences {
        flag("--audience", a);
    }
    if let Some(d) = w.duration {
        flag("--duration", &d.to_string());
    }
    flag("--signing-algorithm", &w.signing_algorithm);
    for (k, v) in &w.tags {
        flag("--tag", &format!("{k}={v}"));
    }
    if let Some(r) = &w.region {
        flag("--region", r);
    }
    if let Some(t) = &w.time {
        flag("--time", &t.to_rfc3339());
    }
    if let Some(v) = &w.source_vpc {
        flag("--source-vpc", v);
    }
    if let Some(v) = &w.source_vpce {
        flag("--source-vpce", v);
    }
    if let Some(v) = &w.source_ip {
        flag("--source-ip", v);
    }
    for (k, v) in &w.context {
        for value in v.values() {
            flag("--context", &format!("{k}={value}"));
        }
    }
    args.join(" ")
}

fn link_json(l: &StatementLink) -> Value {
    let (start, end) = l.source.range(l.span);
    json!({
        "side": l.side.as_str(),
        "role": l.role.as_str(),
        "action": l.action,
        "layer": l.layer.name(),
        "source": &*l.source.name,
        "sid": l.sid,
        "index": l.index,
        "line": start.line, "column": start.column, "end_line": end.line, "end_column": end.column,
    })
}

fn change_json(c: &Change) -> Value {
    json!({
        "dimension": c.dimension.as_str(),
        "description": c.description,
        "witness": witness_json(&c.witness),
        "statements": c.statements.iter().map(link_json).collect::<Vec<_>>(),
        "depends_on": c.depends_on.iter().map(|d| json!({
            "setting": d.setting.name(),
            "configured": d.configured,
            "alternative": d.alternative,
        })).collect::<Vec<_>>(),
    })
}

fn principal_json(p: &PrincipalDiff) -> Value {
    json!({
        "principal": p.principal,
        "exact": p.exact,
        "inexact_reason": p.inexact_reason,
        "evaluations": p.evaluations,
        "widened": p.widened.iter().map(change_json).collect::<Vec<_>>(),
        "narrowed": p.narrowed.iter().map(change_json).collect::<Vec<_>>(),
    })
}

pub fn render_json(report: &DiffReport) -> String {
    let count = |f: &dyn Fn(&PrincipalDiff) -> bool| report.principals.iter().filter(|p| f(p)).count();
    let value = json!({
        "version": VERSION,
        "principals": report.principals.iter().map(principal_json).collect::<Vec<_>>(),
        "summary": {
            "principals": report.principals.len(),
            "widened": count(&|p| !p.widened.is_empty()),
            "narrowed": count(&|p| !p.narrowed.is_empty()),
            "inexact": count(&|p| !p.exact),
        },
    });
    let mut text = super::escape::json(serde_json::to_string_pretty(&value).unwrap_or_default());
    text.push('\n');
    text
}

/// Widening as `drift-widening` findings, at the current statement that allows each witness. `fallback`
/// names the current input for a widening no current statement allows by itself.
pub fn widening_findings(report: &DiffReport, fallback: &Arc<SourceFile>) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in &report.principals {
        for c in &p.widened {
            let allows = |l: &&StatementLink| l.side == Side::Current && l.role == Role::Allows;
            // The identity statement that grants it, rather than an organization-wide Allow such as FullAWSAccess.
            let at = c
                .statements
                .iter()
                .filter(allows)
                .find(|l| l.layer == Layer::Identity)
                .or_else(|| c.statements.iter().find(allows));
            let (source, span) = match at {
                Some(l) => (Arc::clone(&l.source), l.span),
                None => (Arc::clone(fallback), Span::new(0, 0)),
            };
            let baseline: Vec<(Arc<SourceFile>, Span, bool)> = c
                .statements
                .iter()
                .filter(|l| l.side == Side::Baseline)
                .map(|l| (Arc::clone(&l.source), l.span, l.role == Role::Denies))
                .collect();
            let mut description = c.description.clone();
            if !c.depends_on.is_empty() {
                description.push_str(&format!(" (assumption-dependent: {})", dependency_names(c)));
            }
            out.push(drift_widening::finding(
                &p.principal,
                &description,
                &witness_summary(&c.witness),
                (&source, span),
                &baseline,
            ));
        }
    }
    out
}

fn dependency_names(c: &Change) -> String {
    c.depends_on
        .iter()
        .map(|d| format!("not with {}={}", d.setting.name(), d.alternative))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One change drawn by miette: the statement of the gaining side on the main snippet, the other side's
/// statements as related notes.
struct ChangeDiagnostic {
    message: String,
    widened: bool,
    help: String,
    primary: Option<(Excerpt, Span, String)>,
    related: Vec<RelatedDiagnostic>,
}

impl fmt::Debug for ChangeDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChangeDiagnostic").field("message", &self.message).finish()
    }
}

impl fmt::Display for ChangeDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&super::escape::text(&self.message))
    }
}

impl std::error::Error for ChangeDiagnostic {}

impl Diagnostic for ChangeDiagnostic {
    fn severity(&self) -> Option<miette::Severity> {
        Some(if self.widened { miette::Severity::Error } else { miette::Severity::Warning })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.help))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.primary.as_ref().map(|(s, _, _)| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (source, span, label) = self.primary.as_ref()?;
        let label = super::escape::text(label).into_owned();
        Some(Box::new(std::iter::once(LabeledSpan::new_primary_with_span(Some(label), source.translate(*span)))))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)))
    }
}

fn named(source: &SourceFile) -> Excerpt {
    Excerpt::new(source)
}

fn label(l: &StatementLink, widened: bool) -> String {
    let side = l.side.as_str();
    let sid = l.sid.as_ref().map(|s| format!(" `{s}`")).unwrap_or_default();
    match (l.role, widened) {
        (Role::Allows, _) => format!("{side} statement{sid} allows the witness (`{}`)", l.action),
        (Role::Denies, _) => format!("{side} statement{sid} denies the witness (`{}`)", l.action),
        (Role::AllowsNeighbour, _) => {
            format!("{side} statement{sid} allows only a request that differs in this dimension (`{}`)", l.action)
        }
    }
}

fn render_change(c: &Change, widened: bool, gained_set: &PolicySet, handler: &GraphicalReportHandler) -> String {
    let gained = if widened { Side::Current } else { Side::Baseline };
    // Name a statement the user wrote (an identity policy) rather than an implicit organization default.
    let allows = |l: &&StatementLink| l.side == gained && l.role == Role::Allows;
    let primary = c
        .statements
        .iter()
        .filter(allows)
        .find(|l| l.layer == Layer::Identity)
        .or_else(|| c.statements.iter().find(allows))
        .map(|l| (named(&l.source), l.span, label(l, widened)));
    let related = c
        .statements
        .iter()
        .filter(|l| !(l.side == gained && l.role == Role::Allows) || primary.is_none())
        .filter(|l| !(primary.is_some() && l.side == gained && l.role == Role::Allows))
        .map(|l| RelatedDiagnostic { label: label(l, widened), span: l.span, source: named(&l.source) })
        .collect();
    let kind = if widened { "widened" } else { "narrowed" };
    let mut message = format!("{kind} ({}): {}", c.dimension.as_str(), c.description);
    if !c.depends_on.is_empty() {
        message.push_str(&format!(" [assumption-dependent: {}]", dependency_names(c)));
    }
    let verdict = match (c.dimension, widened) {
        // A reach changes with the relying party as much as with the policies: the request is allowed on the
        // reaching side and its token accepted there.
        (crate::diff::Dimension::Reach, true) => "allowed now, and its token accepted",
        (crate::diff::Dimension::Reach, false) => "allowed by the baseline, and its token accepted there",
        (_, true) => "allowed now, denied by the baseline",
        (_, false) => "allowed by the baseline, denied now",
    };
    let help = format!(
        "witness ({verdict}): {}\n  reproduce: {}",
        super::escape::text(&witness_summary(&c.witness)),
        super::escape::text(&simulate_command(gained_set, &c.witness))
    );
    let diagnostic = ChangeDiagnostic { message, widened, help, primary, related };
    let mut out = String::new();
    if handler.render_report(&mut out, &diagnostic).is_err() {
        out = format!("{}\n", super::escape::text(&diagnostic.message));
    }
    out
}

/// The human report. `sets` gives each principal's (baseline, current) policy sets for the reproduce lines.
pub fn render_human(report: &DiffReport, sets: &[(&PolicySet, &PolicySet)], style: Style) -> String {
    let theme = if style.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(style.width).with_links(false);
    let mut out = String::new();
    let empty = PolicySet::default();
    for (i, p) in report.principals.iter().enumerate() {
        let (b, c) = sets.get(i).copied().unwrap_or((&empty, &empty));
        let exactness = if p.exact {
            format!("exact, {} representative requests", p.evaluations)
        } else {
            format!("inexact: {}", p.inexact_reason.as_deref().unwrap_or("unknown"))
        };
        let _ = writeln!(
            out,
            "principal `{}`: {} widened, {} narrowed ({})",
            super::escape::text(&p.principal),
            p.widened.len(),
            p.narrowed.len(),
            super::escape::text(&exactness)
        );
        for change in &p.widened {
            out.push('\n');
            out.push_str(&render_change(change, true, c, &handler));
        }
        for change in &p.narrowed {
            out.push('\n');
            out.push_str(&render_change(change, false, b, &handler));
        }
        out.push('\n');
    }
    let count = |f: &dyn Fn(&PrincipalDiff) -> bool| report.principals.iter().filter(|p| f(p)).count();
    let n = report.principals.len();
    let _ = writeln!(
        out,
        "{n} {} compared: {} widened, {} narrowed, {} inexact",
        if n == 1 { "principal" } else { "principals" },
        count(&|p| !p.widened.is_empty()),
        count(&|p| !p.narrowed.is_empty()),
        count(&|p| !p.exact)
    );
    out
}
