//! Relying parties: the inputs of every kind (Terraform source, plans, `[[relying_party]]`), the exact join
//! with what principals may mint, and the findings it yields.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use std::collections::BTreeMap;

use common::{mintlint, root};
use mintlint::relying::analysis::{RelyingReport, analyse};
use mintlint::relying::inputs;
use mintlint::relying::join::JoinOptions;
use serde_json::Value;

/// The join over a fixture directory, as `check` runs it.
fn join(dir: &str) -> RelyingReport {
    let dir = root().join(dir);
    let config = mintlint::config::load(&dir.join("mintlint.toml")).ok();
    let mut inventory = mintlint::input::load_inventory(&[dir], &Default::default()).unwrap();
    inputs::place_accounts(&mut inventory, config.as_ref());
    let (principals, findings) = inputs::principals(&inventory);
    assert!(findings.is_empty(), "{findings:?}");
    let rps = inputs::relying_parties(&inventory, config.as_ref());
    analyse(rps, principals, &inputs::accounts(config.as_ref()), &JoinOptions::default())
}

/// Relying party id → the ARNs of the principals that reach it.
fn reach_sets(report: &RelyingReport) -> BTreeMap<String, Vec<String>> {
    report
        .parties
        .iter()
        .map(|p| {
            assert!(p.undecided.is_empty(), "{}: {:?}", p.rp.id, p.undecided);
            let mut arns: Vec<String> =
                p.reached_by.iter().map(|r| report.principals[r.principal].arn.clone()).collect();
            arns.sort();
            (p.rp.id.clone(), arns)
        })
        .collect()
}

fn rules_of(dir: &str) -> Vec<String> {
    let run = mintlint(&["check", "--format", "json", "--fail-on", "never", dir]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    report["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn every_kind_from_a_plan_is_reached_by_exactly_its_role() {
    let report = join("fixtures/relying/plan");
    let reach = reach_sets(&report);
    let expected: BTreeMap<String, Vec<String>> = [
        ("aws_eks_identity_provider_config.aws", "eks-client"),
        ("azuread_application_federated_identity_credential.client", "entra-client"),
        ("google_iam_workload_identity_pool_provider.aws", "gcp-client"),
        ("vault_jwt_auth_backend_role.client", "vault-client"),
    ]
    .into_iter()
    .map(|(id, role)| (id.to_owned(), vec![format!("arn:aws:iam::111122223333:role/{role}")]))
    .collect();
    assert_eq!(reach, expected);
    assert!(rules_of("fixtures/relying/plan").iter().all(|r| !r.starts_with("MINT12")));
}

#[test]
fn the_example_reaches_vault_through_a_forgeable_tag_and_entra_by_reference() {
    let report = join("fixtures/relying/example");
    let reach = reach_sets(&report);
    assert_eq!(reach["vault_jwt_auth_backend_role.payments"], ["arn:aws:iam::111122223333:role/payments"]);
    assert_eq!(
        reach["azuread_application_federated_identity_credential.ledger"],
        ["arn:aws:iam::111122223333:role/ledger-export"]
    );
    let vault = report.parties.iter().find(|p| p.rp.id == "vault_jwt_auth_backend_role.payments").unwrap();
    let w = &vault.reached_by[0].witness;
    // The witness is a request the policy allows whose token carries the bound claim.
    assert_eq!(w.request.audiences, ["vault.example"]);
    assert_eq!(w.request.tags, [("team".to_owned(), "payments".to_owned())]);
    assert_eq!(w.token.claims["https://sts.amazonaws.com/"]["request_tags"]["team"], "payments");
    let mut rules = rules_of("fixtures/relying/example");
    rules.retain(|r| r.starts_with("MINT12"));
    rules.sort();
    assert_eq!(rules, ["MINT120", "MINT121"]);
}

#[test]
fn findings_point_into_the_hcl_of_the_relying_party() {
    let run = mintlint(&["check", "--format", "json", "--fail-on", "never", "fixtures/relying/example"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let forgeable = report["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "MINT120").unwrap();
    assert_eq!(forgeable["file"], "fixtures/relying/example/trust.tf");
    assert_eq!(forgeable["line"], 16);
    assert_eq!(forgeable["column"], 5);
}

#[test]
fn without_account_issuers_nothing_is_decided_or_reported() {
    let dir = std::env::temp_dir().join(format!("mintlint-relying-noaccounts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["roles.tf", "trust.tf"] {
        std::fs::copy(root().join("fixtures/relying/example").join(f), dir.join(f)).unwrap();
    }
    let rules = rules_of(dir.to_str().unwrap());
    assert!(rules.iter().all(|r| !r.starts_with("MINT12")), "{rules:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
