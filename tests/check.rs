//! `mintlint check` through the real binary: bad input, output formats, exit codes, the corpus.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use common::{corpus_sample, mintlint, shared};
use serde_json::Value;

fn json_findings(args: &[&str]) -> (Vec<Value>, i32) {
    let mut all = vec!["check", "--format", "json", "--color", "never"];
    all.extend_from_slice(args);
    let run = mintlint(&all);
    let report: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    (report["findings"].as_array().cloned().unwrap_or_default(), run.code)
}

fn rules_of(findings: &[Value]) -> Vec<String> {
    findings.iter().map(|f| f["rule"].as_str().unwrap().to_owned()).collect()
}

/// Every bad input of the foundation issue gives a finding with a span and help, and nothing panics.
#[test]
fn bad_inputs_each_get_a_finding() {
    let cases = [
        ("trailing-comma.json", "MINT000"),
        ("truncated.json", "MINT000"),
        ("invalid-utf8.json", "MINT000"),
        ("nesting-5000-deep.json", "MINT000"),
        ("number-for-string.json", "MINT001"),
        ("effect-lowercase.json", "MINT001"),
        ("action-with-notaction.json", "MINT001"),
        ("misspelled-statement.json", "MINT001"),
        ("unknown-version.json", "MINT001"),
        ("key-twice.json", "MINT002"),
    ];
    for (file, rule) in cases {
        let path = format!("fixtures/parse/{file}");
        let (findings, code) = json_findings(&[&path]);
        assert_eq!(code, 1, "{file}");
        assert!(rules_of(&findings).contains(&rule.to_owned()), "{file}: {findings:?}");
        for f in &findings {
            assert!(f["line"].as_u64().unwrap() >= 1, "{file}");
            assert!(f["help"].is_string(), "{file}: no help");
            assert_eq!(f["file"], path);
        }
    }
}

/// One bad file does not stop the others: the whole directory is checked.
#[test]
fn other_files_are_still_checked() {
    let (findings, code) = json_findings(&["fixtures/parse"]);
    assert_eq!(code, 1);
    let files: std::collections::BTreeSet<_> =
        findings.iter().map(|f| f["file"].as_str().unwrap().to_owned()).collect();
    assert_eq!(files.len(), std::fs::read_dir("fixtures/parse").unwrap().count());
}

#[test]
fn all_problems_in_a_file_are_reported() {
    let (findings, _) = json_findings(&["fixtures/parse/several-problems.json"]);
    let messages: Vec<_> = findings.iter().map(|f| f["message"].as_str().unwrap()).collect();
    assert!(messages.len() >= 5, "{messages:#?}");
    assert!(messages.iter().any(|m| m.contains("StringEqual")));
    assert!(messages.iter().any(|m| m.contains("NullIfExists")));
    assert!(messages.iter().any(|m| m.contains("Permit")));
    assert!(messages.iter().any(|m| m.contains("Resourc")));
    assert!(messages.iter().any(|m| m.contains("number")));
}

#[test]
fn misspelled_element_suggests_the_right_one() {
    let (findings, _) = json_findings(&["fixtures/parse/misspelled-statement.json"]);
    let helps: Vec<_> = findings.iter().map(|f| f["help"].as_str().unwrap()).collect();
    assert!(helps.iter().any(|h| h.contains("did you mean `Statement`?")), "{helps:?}");
}

#[test]
fn missing_path_and_bad_flag_are_usage_errors() {
    assert_eq!(mintlint(&["check", "does/not/exist.json"]).code, 2);
    assert_eq!(mintlint(&["check", "--fail-on", "sometimes", "fixtures/demo"]).code, 2);
    assert_eq!(mintlint(&["check", "--select", "MINT999", "fixtures/demo"]).code, 2);
}

/// A misspelt rule in `--select` or `--ignore` is a usage error that names the flag and the rule meant.
#[test]
fn unknown_rule_in_select_or_ignore_suggests_the_rule_meant() {
    let run = mintlint(&["check", "--select", "duplicate-keys", "fixtures/demo"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown rule `duplicate-keys` in --select: did you mean `duplicate-key`?"),
        "{}",
        run.stderr
    );
    let run = mintlint(&["check", "--ignore", "MINT113,unbounded-lifetme", "fixtures/demo"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown rule `unbounded-lifetme` in --ignore: did you mean `unbounded-lifetime`?"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("`MINT113`"), "{}", run.stderr);
    // Nothing near: no guess, the list of rules is where to look.
    let run = mintlint(&["check", "--select", "no-such-thing-at-all", "fixtures/demo"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("unknown rule `no-such-thing-at-all` in --select; `mintlint rules`"), "{}", run.stderr);
}

#[test]
fn fail_on_and_selection() {
    // Only the two rules under test report: the fixture's minting grant has token findings too.
    let path = "fixtures/lint/duplicate-sid/fail_same_sid_twice.json";
    let only = |extra: &[&str]| {
        let mut args = vec!["check", "--select", "MINT004,MINT002", path];
        args.extend_from_slice(extra);
        mintlint(&args).code
    };
    assert_eq!(only(&[]), 1);
    assert_eq!(only(&["--fail-on", "error"]), 0);
    assert_eq!(only(&["--fail-on", "never"]), 0);
    assert_eq!(mintlint(&["check", "--select", "duplicate-sid", "--ignore", "duplicate-sid", path]).code, 0);
    assert_eq!(mintlint(&["check", "--select", "MINT002", path]).code, 0);
}

#[test]
fn demo_renders_a_snippet_with_label_and_help_and_fails() {
    let run = mintlint(&["check", "--color", "never", "fixtures/demo"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("MINT002"), "{}", run.stdout);
    assert!(run.stdout.contains("help:"), "{}", run.stdout);
    assert!(run.stdout.contains("payments-mint-role.json:"), "{}", run.stdout);
}

#[test]
fn json_report_has_version_and_stats() {
    let run = mintlint(&["check", "--format", "json", "fixtures/demo"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["version"], 1);
    assert_eq!(report["data_version"], mintlint::data_version());
    // Four policies and the expectation-test file.
    assert_eq!(report["stats"]["files"], 5);
    assert_eq!(report["stats"]["policies"], 4);
    assert!(report["stats"]["statements"].as_u64().unwrap() >= 6);
    // Timing is not part of the report: the same inputs give the same bytes.
    assert!(report["stats"].get("elapsed_ms").is_none(), "{}", report["stats"]);
}

#[test]
fn stats_go_to_stderr() {
    let run = mintlint(&["check", "--stats", "--fail-on", "never", "fixtures/demo"]);
    assert!(run.stderr.contains("5 files, 4 policies"), "{}", run.stderr);
    let first = run.stderr.lines().next().unwrap_or_default();
    assert!(first.ends_with(" ms"), "{}", run.stderr);
    assert!(run.stderr.contains("skipped, not a policy: 0"), "{}", run.stderr);
}

#[test]
fn sarif_has_rules_and_regions() {
    let run = mintlint(&["check", "--format", "sarif", "--select", "MINT002", "fixtures/parse/key-twice.json"]);
    let log: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["properties"]["data_version"], mintlint::data_version());
    assert!(driver["rules"].as_array().unwrap().iter().all(|r| r["help"]["text"].as_str().unwrap().contains("## Fix")));
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "MINT002");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 10);
    assert_eq!(region["startColumn"], 9);
    assert!(result["partialFingerprints"]["mintlint/v1"].is_string(), "{result:#}");
}

/// SARIF rules carry what GitHub code scanning ranks and links with: a security severity by the documented
/// mapping (critical for the rules that let a caller choose any audience or claim), the `security` tag, and a
/// `helpUri` whose anchor is a row of README.md's rule table.
#[test]
fn sarif_rules_have_security_severity_and_a_help_link_that_exists() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let run = mintlint(&["check", "--format", "sarif", "fixtures/demo"]);
    let log: Value = serde_json::from_str(&run.stdout).unwrap();
    let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), mintlint::lint::all_rules().len());
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        let severity: f64 = rule["properties"]["security-severity"].as_str().unwrap().parse().unwrap();
        let expected = match (id, rule["defaultConfiguration"]["level"].as_str().unwrap()) {
            ("MINT100" | "MINT105" | "MINT113", _) => 9.0,
            (_, "error") => 7.5,
            (_, "warning") => 5.0,
            _ => 2.0,
        };
        assert!((severity - expected).abs() < f64::EPSILON, "{id}: {severity}");
        assert_eq!(rule["properties"]["tags"][0], "security", "{id}");
        let uri = rule["helpUri"].as_str().unwrap();
        let (_, anchor) = uri.split_once('#').unwrap();
        assert!(readme.contains(&format!("<a id=\"{anchor}\"></a>{id} |")), "{id}: no anchor `{anchor}` in README.md");
    }
}

/// A finding keeps its fingerprint when lines are added above it (code scanning tracks the alert across
/// commits), and two findings of one rule get different fingerprints.
#[test]
fn sarif_fingerprints_follow_a_finding_that_moves() {
    let dir = std::env::temp_dir().join(format!("mintlint-fingerprint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("policy.json");
    let original = std::fs::read_to_string(common::root().join("fixtures/demo/payments-mint-role.json")).unwrap();
    let fingerprints = |text: &str| -> Vec<(String, u64, String)> {
        std::fs::write(&path, text).unwrap();
        let run = mintlint(&["check", "--format", "sarif", path.to_str().unwrap()]);
        let log: Value = serde_json::from_str(&run.stdout).unwrap();
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_owned(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap(),
                    r["partialFingerprints"]["mintlint/v1"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let before = fingerprints(&original);
    // A new statement at the top of the list moves every finding down by three lines.
    let moved = original.replacen(
        "\"Statement\": [",
        "\"Statement\": [\n    {\"Effect\": \"Deny\", \"Action\": \"s3:DeleteBucket\",\n     \"Resource\": \"*\"},\n",
        1,
    );
    let after = fingerprints(&moved);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!before.is_empty());
    assert_eq!(before.len(), after.len(), "{before:?} {after:?}");
    for ((rule, line, print), (rule2, line2, print2)) in before.iter().zip(&after) {
        assert_eq!(rule, rule2);
        assert_eq!(line + 3, *line2, "{rule}");
        assert_eq!(print, print2, "{rule} moved from line {line} to {line2}");
    }
    let mut prints: Vec<&String> = before.iter().map(|(_, _, p)| p).collect();
    prints.sort();
    prints.dedup();
    assert_eq!(prints.len(), before.len(), "{before:?}");
}

/// `check --format json` and `--format sarif` are the same bytes on every run of the same inputs (no time, no
/// machine-dependent path), so reports can be cached and compared.
#[test]
fn json_and_sarif_reports_are_reproducible() {
    for format in ["json", "sarif"] {
        for input in ["fixtures/demo", "fixtures/inputs", "fixtures/terraform/unknowns/main.tf"] {
            let args = ["check", "--format", format, "--fail-on", "never", input];
            let (first, second) = (mintlint(&args), mintlint(&args));
            assert_eq!(first.code, 0, "{format} {input}: {}", first.stderr);
            assert!(!first.stdout.is_empty());
            assert!(first.stdout == second.stdout, "{format} {input}: two runs differ");
        }
    }
}

#[test]
fn github_annotations() {
    let run = mintlint(&["check", "--format", "github", "--select", "MINT002", "fixtures/parse/key-twice.json"]);
    let line = run.stdout.lines().next().unwrap();
    assert!(line.starts_with("::error file=fixtures/parse/key-twice.json,line=10,col=9,endLine=10,endColumn=36,title=MINT002 duplicate-key::"), "{line}");
}

#[test]
fn color_always_colours_and_never_does_not() {
    let path = "fixtures/parse/effect-lowercase.json";
    assert!(mintlint(&["check", "--color", "always", path]).stdout.contains("\u{1b}["));
    assert!(!mintlint(&["check", "--color", "never", path]).stdout.contains("\u{1b}["));
}

/// Real AWS managed policies parse: no invalid-json or invalid-policy finding, one policy per file.
fn managed_policies_parse(dir: &std::path::Path, files: usize) {
    let dir = dir.to_str().unwrap();
    let (findings, code) = json_findings(&["--fail-on", "never", dir]);
    assert_eq!(code, 0);
    let bad: Vec<_> = findings.iter().filter(|f| f["rule"] == "MINT000" || f["rule"] == "MINT001").collect();
    assert!(bad.is_empty(), "{bad:#?}");
    let run = mintlint(&["check", "--format", "json", "--fail-on", "never", dir]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["stats"]["files"], files);
    assert_eq!(report["stats"]["policies"], files);
}

#[test]
fn sample_managed_policies_parse() {
    managed_policies_parse(&corpus_sample().join("managed-policies"), 23);
}

#[test]
#[ignore = "corpus: run scripts/corpus-check"]
fn corpus_managed_policies_parse() {
    managed_policies_parse(&shared().join("corpus/managed-policies"), 1523);
}

#[test]
fn file_over_the_size_limit_is_a_finding_not_read() {
    let run = mintlint(&["check", "--color", "never", "--max-policy-size", "64", "fixtures/parse/key-twice.json"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("human__over_size_limit", run.stdout);
}

/// UTF-16 with a byte order mark (what PowerShell's `>` writes) is decoded, not rejected.
#[test]
fn utf16_with_bom_is_decoded() {
    let (findings, _) = json_findings(&["fixtures/parse/utf16-bom.json"]);
    assert_eq!(rules_of(&findings), ["MINT001"]);
    assert_eq!((findings[0]["line"].as_u64(), findings[0]["column"].as_u64()), (Some(1), Some(52)));
}
