//! Rendering a diff: human (miette, pointing at the statements on both sides that make each difference),
//! JSON (`version`, `principals` with `widened`/`narrowed`), and widening as `drift-widening` findings (for
//! SARIF and `check --baseline`).

use std::fmt::{self, Write as _};
use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use serde_json::{Value, json};

use super::human::{Excerpt, RelatedDiagnostic};
use crate::diff::{Change, DiffReport, PrincipalDiff, Role, Side, StatementLink};
use crate::eval::Layer;
use crate::lint::Finding;
use crate::lint::rules::drift_widening;
use crate::request::Request;
use crate::source::{SourceFile, Span};

use super::Style;

/// The report format version; bumped only on an incompatible change.
pub const VERSION: u32 = 1;

/// The witness as a `--cases` entry (without `name` and `expect`): paste it into a cases file to keep it as
/// a regression test.
pub fn witness_json(w: &Request) -> Value {
    w.case_json()
}

/// One line: what the witness request sends.
pub fn witness_summary(w: &Request) -> String {
    w.summary()
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

pub fn change_json(c: &Change) -> Value {
    json!({
        "dimension": c.dimension.as_str(),
        "description": c.description,
        "witness": witness_json(&c.witness),
        "reproduce": c.reproduce,
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

fn render_change(c: &Change, widened: bool, handler: &GraphicalReportHandler) -> String {
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
        super::escape::text(&c.reproduce)
    );
    let diagnostic = ChangeDiagnostic { message, widened, help, primary, related };
    let mut out = String::new();
    if handler.render_report(&mut out, &diagnostic).is_err() {
        out = format!("{}\n", super::escape::text(&diagnostic.message));
    }
    out
}

/// The human report.
pub fn render_human(report: &DiffReport, style: Style) -> String {
    let theme = if style.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(style.width).with_links(false);
    let mut out = String::new();
    for p in &report.principals {
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
            out.push_str(&render_change(change, true, &handler));
        }
        for change in &p.narrowed {
            out.push('\n');
            out.push_str(&render_change(change, false, &handler));
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
