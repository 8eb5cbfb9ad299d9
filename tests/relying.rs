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
    assert_eq!(w.request.audiences(), ["vault.example"]);
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

/// The graph of the example in every format (snapshots read before accepting).
#[test]
fn graph_outputs_show_the_relying_parties() {
    for format in ["mermaid", "dot", "json", "markdown"] {
        let run = mintlint(&["graph", "fixtures/relying/example", "--format", format]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        insta::assert_snapshot!(format!("relying_graph_{format}"), run.stdout);
    }
    let plan = mintlint(&["graph", "fixtures/relying/plan", "--format", "json"]);
    let value: Value = serde_json::from_str(&plan.stdout).unwrap();
    let reached: BTreeMap<String, Vec<String>> = value["relying_parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let who =
                p["reached_by"].as_array().unwrap().iter().map(|r| r["arn"].as_str().unwrap().to_owned()).collect();
            (p["id"].as_str().unwrap().to_owned(), who)
        })
        .collect();
    assert_eq!(reached, reach_sets(&join("fixtures/relying/plan")));
}

#[test]
fn simulate_tells_whether_the_relying_party_accepts_the_token() {
    let base = [
        "simulate",
        "fixtures/relying/example",
        "--principal",
        "payments",
        "--audience",
        "vault.example",
        "--duration",
        "600",
        "--format",
        "json",
        "--relying-party",
        "vault_jwt_auth_backend_role.payments",
    ];
    let mut accepted = base.to_vec();
    accepted.extend(["--tag", "team=payments"]);
    let run = mintlint(&accepted);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["relying_party"]["accepted"], true);
    assert_eq!(v["relying_party"]["claims"]["sub"], "arn:aws:iam::111122223333:role/payments");
    let mut rejected = base.to_vec();
    rejected.extend(["--tag", "team=ledger"]);
    let run = mintlint(&rejected);
    assert_eq!(run.code, 1);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["relying_party"]["accepted"], false);
    assert_eq!(v["relying_party"]["failure"]["part"], "claim `/https:~1~1sts.amazonaws.com~1/request_tags/team`");
    // The Entra credential accepts only ledger-export's subject.
    let run = mintlint(&[
        "simulate",
        "fixtures/relying/example",
        "--principal",
        "payments",
        "--audience",
        "api://AzureADTokenExchange",
        "--relying-party",
        "azuread_application_federated_identity_credential.ledger",
    ]);
    assert_eq!(run.code, 1);
    let typo = mintlint(&[
        "simulate",
        "fixtures/relying/example",
        "--principal",
        "payments",
        "--audience",
        "vault.example",
        "--relying-party",
        "vault_jwt_auth_backend_role.paymnts",
    ]);
    assert_eq!(typo.code, 2);
    assert!(typo.stderr.contains("did you mean `vault_jwt_auth_backend_role.payments`?"), "{}", typo.stderr);
}

/// A relying party that newly trusts a principal is widening in the `reach` dimension, with a witness.
#[test]
fn diff_reports_newly_reached_relying_parties() {
    let run =
        mintlint(&["diff", "fixtures/relying/diff/baseline", "fixtures/relying/diff/current", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let widened: Vec<&Value> =
        v["principals"].as_array().unwrap().iter().flat_map(|p| p["widened"].as_array().unwrap()).collect();
    assert_eq!(widened.len(), 1, "{widened:?}");
    assert_eq!(widened[0]["dimension"], "reach");
    assert!(
        widened[0]["description"]
            .as_str()
            .unwrap()
            .contains("azuread_application_federated_identity_credential.payments")
    );
    assert_eq!(widened[0]["witness"]["audience"], serde_json::json!(["vault.example"]));
    // Reversed, the same pair is narrowing.
    let back =
        mintlint(&["diff", "fixtures/relying/diff/current", "fixtures/relying/diff/baseline", "--format", "json"]);
    let v: Value = serde_json::from_str(&back.stdout).unwrap();
    let narrowed: usize =
        v["principals"].as_array().unwrap().iter().map(|p| p["narrowed"].as_array().unwrap().len()).sum();
    assert_eq!(narrowed, 1);
    assert_eq!(back.code, 0);
    // check --baseline reports it as drift-widening.
    let check = mintlint(&[
        "check",
        "--baseline",
        "fixtures/relying/diff/baseline",
        "fixtures/relying/diff/current",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    let v: Value = serde_json::from_str(&check.stdout).unwrap();
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "MINT300" && f["message"].as_str().unwrap().contains("reach")),
        "{}",
        check.stdout
    );
}

/// The same trust written as `.tf` source (references, variables, glob claims, both Entra resources).
#[test]
fn every_kind_from_source_is_reached_by_exactly_its_role() {
    let report = join("fixtures/relying/source");
    let reach = reach_sets(&report);
    let expected: BTreeMap<String, Vec<String>> = [
        ("aws_eks_identity_provider_config.aws", "eks-client"),
        ("azuread_application_federated_identity_credential.client", "entra-client"),
        ("azurerm_federated_identity_credential.uami", "uami-client"),
        ("google_iam_workload_identity_pool_provider.aws", "gcp-client"),
        ("vault_jwt_auth_backend_role.client", "vault-client"),
    ]
    .into_iter()
    .map(|(id, role)| (id.to_owned(), vec![format!("arn:aws:iam::111122223333:role/{role}")]))
    .collect();
    assert_eq!(reach, expected);
    // The Vault role binds `sub` with a glob: unpinned; nothing else is reported.
    let mut rules = rules_of("fixtures/relying/source");
    rules.retain(|r| r.starts_with("MINT12"));
    assert_eq!(rules, ["MINT121"]);
}

/// Google's CEL: constants compared with a caller-chosen claim are decided exactly; `size()` of one is not.
#[test]
fn google_cel_is_decided_over_requests_or_said_to_be_undecided() {
    let report = join("fixtures/relying/cel");
    let party = |id: &str| report.parties.iter().find(|p| p.rp.id.ends_with(id)).unwrap();
    assert!(party(".deploy").reached_by.is_empty() && party(".deploy").undecided.is_empty());
    let release = party(".release");
    assert_eq!(release.reached_by.len(), 1);
    assert_eq!(release.reached_by[0].witness.request.tags, [("stage".to_owned(), "build-release".to_owned())]);
    let sized = party(".sized");
    assert!(sized.reached_by.is_empty());
    assert!(sized.undecided[0].1.contains("size"), "{:?}", sized.undecided);
    let mut rules = rules_of("fixtures/relying/cel");
    rules.retain(|r| r.starts_with("MINT12"));
    assert_eq!(rules, ["MINT122"]);
}
