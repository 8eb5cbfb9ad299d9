//! Real token policies: what the token rules must say about AWS's own token policies, on the sample that ships
//! in `tests/corpus-sample/` and (`scripts/corpus-check`) on the whole shared corpus.

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

fn findings(path: &std::path::Path) -> Vec<Value> {
    assert!(path.exists(), "{} is missing", path.display());
    let run = mintlint(&["check", "--format", "json", "--fail-on", "never", path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    report["findings"].as_array().unwrap().clone()
}

/// The four Anthropic managed policies are any-value-audience; AWS's sample RCP has nothing above info.
fn token_rules_on_real_token_policies(dir: &std::path::Path) {
    let findings = findings(dir);
    let of = |needle: &str| -> Vec<&Value> {
        findings.iter().filter(|f| f["file"].as_str().unwrap().contains(needle)).collect()
    };
    let anthropic: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("managedpolicies_Anthropic"))
        .collect();
    assert_eq!(anthropic.len(), 4, "{anthropic:?}");
    for name in &anthropic {
        let rules: Vec<&str> = of(name).iter().map(|f| f["rule"].as_str().unwrap()).collect();
        assert!(rules.contains(&"MINT113"), "{name}: {rules:?}");
    }
    let rcp = of("IAM-Restrict-outbound-federation");
    assert!(rcp.iter().all(|f| f["severity"] == "info"), "{rcp:#?}");
}

#[test]
fn sample_token_policies() {
    token_rules_on_real_token_policies(&corpus_sample().join("token-policies"));
}

#[test]
#[ignore = "corpus: run scripts/corpus-check"]
fn corpus_token_policies() {
    token_rules_on_real_token_policies(&shared().join("corpus/token-policies"));
}

/// The demo: the payments role has real token findings, the ledger export policy none above info.
#[test]
fn demo_shows_token_findings_only_where_meant() {
    let findings = findings(&common::root().join("fixtures/demo"));
    let rules_in = |file: &str| -> Vec<(&str, &str)> {
        findings
            .iter()
            .filter(|f| f["file"].as_str().unwrap().ends_with(file))
            .map(|f| (f["rule"].as_str().unwrap(), f["severity"].as_str().unwrap()))
            .collect()
    };
    let payments = rules_in("payments-mint-role.json");
    for rule in ["MINT113", "MINT103", "MINT105"] {
        assert!(payments.iter().any(|(r, _)| *r == rule), "{payments:?}");
    }
    let ledger = rules_in("ledger-export-mint.json");
    assert!(ledger.iter().all(|(_, s)| *s == "info"), "{ledger:?}");
    let scp = rules_in("org-token-guardrails-scp.json");
    assert!(scp.iter().all(|(_, s)| *s == "info"), "{scp:?}");
}
