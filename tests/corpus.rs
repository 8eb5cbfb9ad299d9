//! The shared corpus of real policies (`../shared/corpus`): what the token rules must say about AWS's own
//! token policies. CI clones the repository with `shared/` beside it, so the corpus is required.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use common::{mintlint, shared};
use serde_json::Value;

fn findings(path: &std::path::Path) -> Option<Vec<Value>> {
    assert!(path.exists(), "{} is missing: the shared corpus belongs beside the repository", path.display());
    let run = mintlint(&["check", "--format", "json", "--fail-on", "never", path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    Some(report["findings"].as_array().unwrap().clone())
}

#[test]
fn anthropic_managed_policies_are_any_value_audience_and_the_sample_rcp_is_info_at_most() {
    let dir = shared().join("corpus/token-policies");
    let Some(findings) = findings(&dir) else { return };
    let of = |needle: &str| -> Vec<&Value> {
        findings.iter().filter(|f| f["file"].as_str().unwrap().contains(needle)).collect()
    };
    let anthropic: Vec<String> = std::fs::read_dir(&dir)
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

/// The demo: the payments role has real token findings, the ledger export policy none above info.
#[test]
fn demo_shows_token_findings_only_where_meant() {
    let Some(findings) = findings(&common::root().join("fixtures/demo")) else { return };
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
