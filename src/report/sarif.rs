//! SARIF 2.1.0: rule metadata with help text, a link to the rule's documentation and a security severity, and
//! every finding with its physical location, region and a fingerprint that follows it across commits.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::lint::{Finding, RuleMeta, Severity, all_rules};

/// Rules whose finding means a caller can obtain tokens for any audience or write any claim into them: the
/// worst a token-minting policy can do, so code scanning ranks them critical.
const CRITICAL: &[&str] = &["MINT100", "MINT105", "MINT113"];

/// GitHub code scanning's `security-severity` (0.0-10.0; 9.0 and above critical, 7.0 high, 4.0 medium, below
/// low): critical for [`CRITICAL`], else by the rule's default severity (error high 7.5, warning medium 5.0,
/// info low 2.0). README.md ("sarif") documents the same mapping.
pub fn security_severity(rule: &RuleMeta) -> &'static str {
    if CRITICAL.contains(&rule.code) {
        return "9.0";
    }
    match rule.default_severity {
        Severity::Error => "7.5",
        Severity::Warning => "5.0",
        Severity::Info => "2.0",
    }
}

/// Where a rule is documented: its row in README.md's rule table, which carries the anchor
/// (`<a id="mint002"></a>`, see [`crate::lint::rule_table_markdown`]). With a `repository` in Cargo.toml the
/// link is absolute and names this version's README; without one it is relative to the repository root.
pub fn help_uri(rule: &RuleMeta) -> String {
    let anchor = crate::lint::rule_anchor(rule);
    match env!("CARGO_PKG_REPOSITORY") {
        "" => format!("README.md#{anchor}"),
        repo => format!("{}/blob/v{}/README.md#{anchor}", repo.trim_end_matches('/'), env!("CARGO_PKG_VERSION")),
    }
}

/// The name of mintlint's fingerprint in `partialFingerprints`.
pub const FINGERPRINT: &str = "mintlint/v1";

/// FNV-1a, 64 bits: a hash whose value is fixed by its definition (std's hashers may change between Rust
/// releases), so a fingerprint is the same on every machine and every version.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// A fingerprint of each finding that does not move when lines are added or removed elsewhere: the rule, the
/// file, the document inside it, and the text under the span with its whitespace collapsed; findings alike in
/// all of these are told apart by their order in the file (as GitHub's own line hash does).
fn fingerprints(findings: &[Finding]) -> Vec<String> {
    let mut seen: HashMap<u64, usize> = HashMap::new();
    findings
        .iter()
        .map(|f| {
            let text = f.source.text.get(f.span.start as usize..f.span.end as usize).unwrap_or("");
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let path = crate::source::display_path(&f.source.path);
            let base = fnv1a(&[f.rule.code, &path, &f.source.name, &text]);
            let n = seen.entry(base).or_insert(0);
            *n += 1;
            format!("{base:016x}:{n}")
        })
        .collect()
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The log is a function of the findings only (no time, no absolute path), byte for byte.
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
                "helpUri": help_uri(r.meta),
                "defaultConfiguration": {"level": level(r.meta.default_severity)},
                "properties": {
                    "security-severity": security_severity(r.meta),
                    "tags": ["security"],
                },
            })
        })
        .collect();
    let results = findings.iter().zip(fingerprints(findings)).map(|(f, fingerprint)| {
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
                "partialFingerprints": {FINGERPRINT: fingerprint},
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
    });
    log_items(rules, results)
}

/// The SARIF log around a run's rules and results, one for every command that writes SARIF (check, replay):
/// the same tool description, and the same escaping pass, so no input text reaches the log unescaped.
pub fn log(rules: Vec<serde_json::Value>, results: Vec<serde_json::Value>) -> String {
    log_items(rules, results.into_iter())
}

/// As [`log`], each result built only as it is written (see [`super::pretty`]).
pub fn log_items(rules: Vec<serde_json::Value>, results: impl Iterator<Item = serde_json::Value>) -> String {
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
            "results": super::pretty::ITEMS,
        }]
    });
    let mut text = super::pretty::with_items(&log, results, super::escape::json);
    text.push('\n');
    text
}

/// A relative URI reference for a path: percent-encode what may not appear in one.
pub fn uri(path: &str) -> String {
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
