//! The JSON report of `check` (schema in README: `version`, `data_version`, `findings`, `stats`).

use serde_json::{Value, json};

use crate::check::Stats;
use crate::lint::Finding;

/// The report format version; bumped only on an incompatible change.
pub const VERSION: u32 = 1;

pub fn finding_json(f: &Finding) -> Value {
    let (start, end) = f.source.range(f.span);
    json!({
        "rule": f.rule.code,
        "name": f.rule.name,
        "severity": f.severity.as_str(),
        "file": crate::source::display_path(&f.source.path),
        "source": &*f.source.name,
        "line": start.line,
        "column": start.column,
        "end_line": end.line,
        "end_column": end.column,
        "message": f.message,
        "help": f.help,
        "fix": f.fix.as_ref().map(|fix| {
            let (fs, fe) = f.source.range(fix.span);
            json!({
                "description": fix.description,
                "line": fs.line, "column": fs.column, "end_line": fe.line, "end_column": fe.column,
                "replacement": fix.replacement,
            })
        }),
    })
}

/// The report is a function of the inputs only, byte for byte (no timing: `--stats` prints that on stderr),
/// so reports can be cached and compared.
pub fn render(findings: &[Finding], stats: Option<&Stats>) -> String {
    let mut report = json!({
        "version": VERSION,
        "data_version": crate::data_version(),
        "findings": super::pretty::ITEMS,
    });
    if let (Some(stats), Some(obj)) = (stats, report.as_object_mut()) {
        obj.insert(
            "stats".into(),
            json!({
                "files": stats.files,
                "not_policies": stats.not_policies,
                "policies": stats.policies,
                "statements": stats.statements,
                "findings": stats.findings,
            }),
        );
    }
    let mut text = super::pretty::with_items(&report, findings.iter().map(finding_json), super::escape::json);
    text.push('\n');
    text
}
