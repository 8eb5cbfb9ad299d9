//! The rule registry: every rule is documented, has fixtures that prove it, and is listed and explained.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use common::{mintlint, root};
use mintlint::lint::all_rules;
use serde_json::Value;

fn findings_for(path: &str) -> Vec<String> {
    findings_with_baseline(path, baseline_beside(path).as_deref())
}

/// A rule that compares with a baseline (`drift-widening`) keeps it as `baseline.json` beside its fixtures.
fn baseline_beside(path: &str) -> Option<String> {
    let dir = std::path::Path::new(path).parent()?;
    let baseline = dir.join("baseline.json");
    root().join(&baseline).is_file().then(|| baseline.to_string_lossy().into_owned())
}

fn findings_with_baseline(path: &str, baseline: Option<&str>) -> Vec<String> {
    let mut args = vec!["check", "--format", "json", "--fail-on", "never", path];
    if let Some(b) = baseline {
        args.extend(["--baseline", b]);
    }
    let run = mintlint(&args);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    report["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn codes_are_unique_and_in_order() {
    let codes: Vec<_> = all_rules().iter().map(|r| r.meta.code).collect();
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(codes, sorted);
    for r in all_rules() {
        assert!(r.meta.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{}", r.meta.name);
        assert!(!r.meta.summary.ends_with('.'), "{}", r.meta.code);
    }
}

#[test]
fn every_rule_is_documented() {
    for r in all_rules() {
        let docs = r.meta.documentation();
        for section in ["## What it finds", "## Why it matters", "## Example", "## Fix"] {
            assert!(docs.contains(section), "{} lacks `{section}`", r.meta.code);
        }
    }
}

/// Each rule has a directory of fixtures: every `fail_*` file triggers it, no `pass_*` file does.
#[test]
fn every_rule_has_fixtures_that_prove_it() {
    for r in all_rules() {
        let dir = root().join("fixtures/lint").join(r.meta.name);
        let mut fails = 0;
        let mut passes = 0;
        for entry in
            std::fs::read_dir(&dir).unwrap_or_else(|_| panic!("{} has no fixtures at {}", r.meta.code, dir.display()))
        {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            let rel = format!("fixtures/lint/{}/{name}", r.meta.name);
            let rules = findings_for(&rel);
            if name.starts_with("fail_") {
                fails += 1;
                assert!(rules.iter().any(|c| c == r.meta.code), "{rel} does not trigger {}: {rules:?}", r.meta.code);
            } else if name.starts_with("pass_") {
                passes += 1;
                assert!(!rules.iter().any(|c| c == r.meta.code), "{rel} triggers {}", r.meta.code);
            }
        }
        assert!(fails > 0 && passes > 0, "{} needs fail_ and pass_ fixtures", r.meta.code);
    }
}

/// The JSON example in a rule's documentation triggers the rule.
#[test]
fn documented_examples_trigger_their_rule() {
    let dir = std::env::temp_dir().join(format!("mintlint-doc-examples-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for r in all_rules() {
        let docs = r.meta.documentation();
        let Some(example) = block(&docs, "json") else { continue };
        // Rules that read mintlint.toml show the configuration they need in a ```toml block.
        let rule_dir = dir.join(r.meta.name);
        std::fs::create_dir_all(&rule_dir).unwrap();
        if let Some(config) = block(&docs, "toml") {
            std::fs::write(rule_dir.join("mintlint.toml"), config).unwrap();
        }
        let path = rule_dir.join("example.json");
        std::fs::write(&path, example).unwrap();
        // A rule that compares two inputs documents its baseline in a block marked ```json baseline.
        let baseline = docs.find("```json baseline\n").map(|start| {
            let rest = &docs[start + 17..];
            let path = dir.join(format!("{}.baseline.json", r.meta.name));
            std::fs::write(&path, &rest[..rest.find("```").unwrap()]).unwrap();
            path.to_str().unwrap().to_owned()
        });
        let rules = findings_with_baseline(path.to_str().unwrap(), baseline.as_deref());
        assert!(
            rules.iter().any(|c| c == r.meta.code),
            "the example of {} does not trigger it: {rules:?}",
            r.meta.code
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The text of the first fenced block of a language in a rule's documentation.
fn block<'d>(docs: &'d str, language: &str) -> Option<&'d str> {
    let fence = format!("```{language}\n");
    let start = docs.find(&fence)? + fence.len();
    let rest = &docs[start..];
    Some(&rest[..rest.find("```")?])
}

#[test]
fn rules_lists_every_rule() {
    let run = mintlint(&["rules"]);
    assert_eq!(run.code, 0);
    for r in all_rules() {
        assert!(run.stdout.contains(r.meta.code) && run.stdout.contains(r.meta.name));
    }
    let json: Value = serde_json::from_str(&mintlint(&["rules", "--format", "json"]).stdout).unwrap();
    assert_eq!(json["rules"].as_array().unwrap().len(), all_rules().len());
}

#[test]
fn explain_by_code_or_name() {
    let by_code = mintlint(&["explain", "MINT002"]);
    let by_name = mintlint(&["explain", "duplicate-key"]);
    assert_eq!(by_code.code, 0);
    assert_eq!(by_code.stdout, by_name.stdout);
    assert!(by_code.stdout.contains("## Why it matters"));
    let typo = mintlint(&["explain", "duplicate-kye"]);
    assert_eq!(typo.code, 2);
    assert!(typo.stderr.contains("did you mean `duplicate-key`?"), "{}", typo.stderr);
}
