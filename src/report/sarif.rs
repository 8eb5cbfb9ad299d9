//! SARIF 2.1.0: rule metadata with help text, and every finding with its physical location and region.

use serde_json::{Value, json};

use crate::lint::{Finding, Severity, all_rules};

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub fn render(findings: &[Finding]) -> String {
    let rules: Vec<Value> = all_rules()
        .iter()
        .map(|r| {
            json!({
                "id": r.meta.code,
                "name": r.meta.name,
                "shortDescription": {"text": r.meta.summary},
                "fullDescription": {"text": r.meta.summary},
                "help": {"text": r.meta.documentation(), "markdown": r.meta.documentation()},
                "defaultConfiguration": {"level": level(r.meta.default_severity)},
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let (start, end) = f.source.file_region(f.span);
            let rule_index = all_rules().iter().position(|r| std::ptr::eq(r.meta, f.rule));
            let mut message = f.message.clone();
            if f.source.enclosing.is_some() {
                let inner = f.source.line_col(f.span.start);
                message = format!("{message} (in {} at line {}, column {})", f.source.name, inner.line, inner.column);
            }
            if let Some(help) = &f.help {
                message = format!("{message}\nhelp: {help}");
            }
            let mut result = json!({
                "ruleId": f.rule.code,
                "ruleIndex": rule_index,
                "level": level(f.severity),
                "message": {"text": message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&crate::source::display_path(&f.source.path))},
                        "region": {
                            "startLine": start.line, "startColumn": start.column,
                            "endLine": end.line, "endColumn": end.column,
                        }
                    },
                    "logicalLocations": [{"fullyQualifiedName": &*f.source.name}],
                }],
            });
            let fix = f.fix.as_ref().filter(|_| f.source.enclosing.is_none());
            if let (Some(fix), Some(obj)) = (fix, result.as_object_mut()) {
                let (fs, fe) = f.source.range(fix.span);
                obj.insert(
                    "fixes".into(),
                    json!([{
                        "description": {"text": fix.description},
                        "artifactChanges": [{
                            "artifactLocation": {"uri": uri(&crate::source::display_path(&f.source.path))},
                            "replacements": [{
                                "deletedRegion": {"startLine": fs.line, "startColumn": fs.column, "endLine": fe.line, "endColumn": fe.column},
                                "insertedContent": {"text": fix.replacement},
                            }]
                        }]
                    }]),
                );
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "mintlint",
                "version": env!("CARGO_PKG_VERSION"),
                // The date of the embedded AWS data decides which actions and keys are known.
                "properties": {"data_version": crate::data_version()},
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

/// A relative URI reference for a path: percent-encode what may not appear in one.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
