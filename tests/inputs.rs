//! Terraform plans and account snapshots as inputs: the loaders on the fixtures of `fixtures/inputs/`, and
//! `check` and `simulate --principal` over them through the real binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use common::{mintlint, root};
use mintlint::input::{load_inventory, load_inventory_file, read_json};
use mintlint::inventory::{Inventory, OrgNodeKind, PolicyRef, PrincipalKind};
use mintlint::policy::PolicyKind;
use mintlint::source::InputKind;
use mintlint::source::json::Limits;
use serde_json::Value;

const PLAN: &str = "fixtures/inputs/plan.json";
const SNAPSHOT: &str = "fixtures/inputs/account-snapshot.json";
const SNAPSHOT_ENCODED: &str = "fixtures/inputs/account-snapshot-url-encoded.json";
const TIME: &str = "2026-05-04T10:00:00Z";

fn load(path: &str) -> Inventory {
    // Relative to the crate root, where cargo runs integration tests, so source names stay relative.
    let (source, value) = read_json(std::path::Path::new(path), &Limits::default()).unwrap();
    load_inventory_file(&source, &value, InputKind::classify(&value), &Limits::default())
}

fn entry_of(inv: &Inventory, r: &PolicyRef) -> String {
    let doc = inv.resolve(r).unwrap_or_else(|e| panic!("{r:?}: {e}"));
    inv.documents[doc].origin.entry.clone()
}

fn simulate_json(args: &[&str]) -> (Value, i32) {
    let mut all = vec!["simulate", "--format", "json", "--time", TIME];
    all.extend_from_slice(args);
    let run = mintlint(&all);
    let value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout, run.stderr));
    (value, run.code)
}

/// The plan fixture reads as its configuration says: links unknown at plan time are followed through the
/// configuration's references.
#[test]
fn plan_fixture_links_resolve_through_references() {
    let inv = load(PLAN);
    let role = inv.principals.iter().find(|p| p.name.as_deref() == Some("payments-token-minter")).unwrap();
    assert_eq!(role.kind, PrincipalKind::Role);
    assert_eq!(role.origin.entry, "aws_iam_role.mint");
    assert_eq!(role.arn, None, "the role is created by the plan");
    assert_eq!(role.account.as_deref(), Some("111122223333"), "from the caller identity of the same provider");
    assert!(role.tags.contains(&("team".into(), "payments".into())));
    assert!(role.tags.contains(&("managed-by".into(), "terraform".into())), "tags_all has the default tags");
    let identity: Vec<String> = role.identity.iter().map(|r| entry_of(&inv, r)).collect();
    // `policy_arn` is unknown until apply: the attachment's references name `aws_iam_policy.mint_tokens`.
    assert_eq!(identity, ["aws_iam_role_policy.mint_tags", "aws_iam_policy.mint_tokens"]);
    let boundary = inv.resolve(role.boundary.as_ref().unwrap()).unwrap();
    assert_eq!(inv.documents[boundary].origin.entry, "aws_iam_policy.mint_boundary");
    assert_eq!(inv.documents[boundary].kind, PolicyKind::Boundary);
    assert_eq!(inv.documents[role.trust.unwrap()].kind, PolicyKind::Trust);

    let org = &inv.organization;
    assert_eq!(org.ids, ["o-a1b2c3d4e5"]);
    assert_eq!(org.management_accounts, ["999988887777"]);
    let node = |key: &str| org.nodes.iter().find(|n| n.key == key).unwrap();
    assert_eq!(node("r-a1b2").kind, OrgNodeKind::Root);
    let ou = node("aws_organizations_organizational_unit.workloads");
    assert_eq!((ou.kind, ou.parent.as_deref()), (OrgNodeKind::Unit, Some("r-a1b2")));
    // The account moves into the new OU: its `parent_id` is unknown, its references name the OU.
    let account = node("111122223333");
    assert_eq!(account.parent.as_deref(), Some("aws_organizations_organizational_unit.workloads"));
    let attached: Vec<(String, PolicyKind)> = org
        .attachments
        .iter()
        .map(|a| (a.target.clone(), inv.documents[inv.resolve(&a.policy).unwrap()].kind))
        .collect();
    assert_eq!(
        attached,
        [
            ("aws_organizations_organizational_unit.workloads".to_owned(), PolicyKind::Scp),
            ("r-a1b2".to_owned(), PolicyKind::Rcp)
        ]
    );
}

/// A data source and the attribute it feeds are one document for `check`: the data source is linted, with
/// the kind of its consumer.
#[test]
fn data_sources_stand_for_the_attributes_they_feed() {
    let inv = load(PLAN);
    let doc = |entry: &str| inv.documents.iter().position(|d| d.origin.entry == entry).unwrap();
    let guardrails = doc("data.aws_iam_policy_document.token_guardrails");
    assert_eq!(inv.documents[guardrails].kind, PolicyKind::Scp);
    assert_eq!(inv.documents[doc("aws_organizations_policy.token_guardrails")].duplicate_of, Some(guardrails));
    assert_eq!(inv.documents[doc("data.aws_iam_policy_document.mint_trust")].kind, PolicyKind::Trust);
    assert_eq!(inv.documents[doc("data.aws_iam_policy_document.mint")].kind, PolicyKind::Identity);
}

#[test]
fn snapshot_fixtures_read_alike_in_both_encodings() {
    for path in [SNAPSHOT, SNAPSHOT_ENCODED] {
        let inv = load(path);
        assert!(inv.findings.is_empty(), "{path}: {:?}", inv.findings);
        let role = &inv.principals[inv.find_principal("ledger-exporter").unwrap()];
        assert_eq!(role.arn.as_deref(), Some("arn:aws:iam::444455556666:role/ledger-exporter"));
        let identity: Vec<String> = role.identity.iter().map(|r| entry_of(&inv, r)).collect();
        assert_eq!(identity, ["role/ledger-exporter", "policy/ledger-mint-tokens"], "{path}");
        // The default version (v2), not v1.
        let managed = inv.resolve(&role.identity[1]).unwrap();
        assert_eq!(inv.documents[managed].origin.attribute, "v2");
        assert_eq!(entry_of(&inv, role.boundary.as_ref().unwrap()), "policy/ledger-boundary");
        let user = &inv.principals[inv.find_principal("audit-bot").unwrap()];
        assert_eq!(user.groups, ["auditors"]);
    }
    // Decoded documents are their own sources; documents that are objects are linted in the file itself.
    let encoded = load(SNAPSHOT_ENCODED);
    assert!(encoded.documents.iter().all(|d| d.source.name.starts_with(&format!("{SNAPSHOT_ENCODED} › "))));
    let plain = load(SNAPSHOT);
    assert!(plain.documents.iter().all(|d| &*d.source.name == SNAPSHOT));
}

/// `check` on the plan: a finding inside an embedded policy carries the plan as `file` and the embedded
/// document as `source`, with line and column inside the document.
#[test]
fn check_points_inside_embedded_policies() {
    let run = mintlint(&["check", "--format", "json", "--fail-on", "never", PLAN]);
    assert_eq!(run.code, 0);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let f = findings.iter().find(|f| f["rule"] == "MINT003").unwrap();
    assert_eq!(f["file"], PLAN);
    assert_eq!(f["source"], "fixtures/inputs/plan.json › aws_iam_role_policy.mint_tags › policy");
    assert_eq!((f["line"].as_u64(), f["column"].as_u64()), (Some(1), Some(158)));
    // Every policy of the plan is linted once: 3 data sources (standing for the attributes they feed), the
    // boundary, the RCP and the inline policy.
    assert_eq!(report["stats"]["policies"], 6);
    for path in [SNAPSHOT, SNAPSHOT_ENCODED] {
        // The snapshot's policies have real token findings (an uncapped lifetime, a group policy minting for
        // any audience); only the count of policies read matters here.
        let run = mintlint(&["check", "--format", "json", "--fail-on", "never", path]);
        assert_eq!(run.code, 0, "{}", run.stdout);
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        // Two managed policies (default versions only), a trust policy, a role and a group inline policy.
        assert_eq!(report["stats"]["policies"], 5, "{path}");
    }
}

/// A token request against the role the plan defines, with its permissions boundary, the SCP on its OU and
/// the RCP on the root.
#[test]
fn simulate_a_role_from_the_plan_with_boundary_and_scp() {
    let base = [PLAN, "--principal", "payments-token-minter"];
    let (allowed, code) =
        simulate_json(&[&base[..], &["--audience", "https://payments.partner.example", "--duration", "600"]].concat());
    assert_eq!(code, 0);
    assert_eq!(allowed["decision"], "allow");
    assert_eq!(allowed["principal"]["arn"], "arn:aws:iam::111122223333:role/payments-token-minter");
    assert_eq!(allowed["principal"]["arn_synthesized"], true);
    let layers: Vec<&str> =
        allowed["checks"][0]["statements"].as_array().unwrap().iter().map(|s| s["layer"].as_str().unwrap()).collect();
    assert_eq!(layers, ["scp level 0", "scp level 1", "scp level 2", "identity", "boundary"]);
    let boundary = &allowed["checks"][0]["statements"][4];
    assert_eq!(boundary["source"], "fixtures/inputs/plan.json › aws_iam_policy.mint_boundary › policy");
    assert_eq!(boundary["sid"], "MintAndTagTokens");
    assert_eq!(allowed["claims"]["https://sts.amazonaws.com/"]["principal_tags"]["team"], "payments");

    let (denied, code) = simulate_json(&[&base[..], &["--audience", "https://evil.example"]].concat());
    assert_eq!(code, 1);
    assert_eq!(denied["decision"], "explicit-deny");
    let check = &denied["checks"][0];
    assert_eq!(check["layer"], "scp level 1");
    assert_eq!(check["statements"][0]["sid"], "DenyTokensForUnregisteredAudiences");
    assert_eq!(
        check["statements"][0]["source"],
        "fixtures/inputs/plan.json › data.aws_iam_policy_document.token_guardrails › json"
    );
}

#[test]
fn simulate_a_role_from_the_snapshot() {
    for path in [SNAPSHOT, SNAPSHOT_ENCODED] {
        let args = [path, "--principal", "ledger-exporter", "--audience", "https://ledger.partner.example"];
        let (allowed, code) = simulate_json(&[&args[..], &["--duration", "600"]].concat());
        assert_eq!((allowed["decision"].as_str(), code), (Some("allow"), 0), "{path}");
        assert_eq!(allowed["principal"]["arn_synthesized"], false);
        let layers: Vec<&str> = allowed["checks"][0]["statements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["layer"].as_str().unwrap())
            .collect();
        assert_eq!(layers, ["identity", "boundary"]);
        // The managed policy caps the lifetime at 600 s.
        let (denied, code) = simulate_json(&[&args[..], &["--duration", "900"]].concat());
        assert_eq!((denied["decision"].as_str(), code), (Some("implicit-deny"), 1), "{path}");
        // A user inherits its group's policies.
        let (user, _) =
            simulate_json(&[path, "--principal", "audit-bot", "--audience", "https://audit.partner.example"]);
        assert_eq!(user["decision"], "allow", "{path}");
    }
}

#[test]
fn cases_name_principals_across_inputs() {
    let run = mintlint(&["simulate", PLAN, SNAPSHOT, "--cases", "fixtures/inputs/mint-cases.json", "--color", "never"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("7 passed, 0 failed"), "{}", run.stdout);
    // A name and an ARN of one principal: described once.
    assert_eq!(run.stdout.matches("principal: role `ledger-exporter`").count(), 1, "{}", run.stdout);
    let run = mintlint(&["simulate", PLAN, SNAPSHOT, "--cases", "fixtures/inputs/mint-cases.json", "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["passed"], 7);
    assert_eq!(report["principals"].as_array().unwrap().len(), 3);
}

/// A role created in a plan that says nothing about its account: simulated as account 000000000000, and
/// the output says so.
#[test]
fn an_unknown_account_is_said() {
    let plan = "fixtures/lint/policy-unknown-until-apply/fail_scp_exempting_role_created_in_same_plan.json";
    let run = mintlint(&[
        "simulate",
        plan,
        "--principal",
        "break-glass",
        "--action",
        "iam:EnableOutboundWebIdentityFederation",
        "--color",
        "never",
        "--time",
        TIME,
    ]);
    assert_eq!(run.code, 1, "no identity policy allows it: {}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("arn: arn:aws:iam::000000000000:role/break-glass (synthesized)"), "{}", run.stdout);
    assert!(run.stdout.contains("its account is unknown"), "{}", run.stdout);
}

#[test]
fn principal_lookup_errors_are_usage_errors() {
    let run = mintlint(&["simulate", PLAN, "--principal", "payments-token-mintr", "--audience", "a"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("did you mean `payments-token-minter`?"), "{}", run.stderr);
    let run = mintlint(&["simulate", PLAN, "--audience", "a"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("give --principal"), "{}", run.stderr);
    assert!(run.stderr.contains("role `payments-token-minter` (aws_iam_role.mint in fixtures/inputs/plan.json)"));
    let run = mintlint(&["simulate", "fixtures/demo/payments-mint-role.json", "--principal", "x", "--audience", "a"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("is a policy document (give it with --policy"), "{}", run.stderr);
}

/// A minified plan is one long line: a finding far into it is drawn as a window around the span, with the
/// line and column of the whole file (miette would panic padding to a column past 65,535).
#[test]
fn findings_far_into_a_minified_plan_are_drawn() {
    let plan = std::fs::read_to_string(
        root().join("fixtures/lint/policy-unknown-until-apply/fail_scp_exempting_role_created_in_same_plan.json"),
    )
    .unwrap();
    let mut value: Value = serde_json::from_str(&plan).unwrap();
    // `configuration` is written first (serde_json sorts keys): the finding in `resource_changes` is far in.
    value["configuration"]["root_module"]["variables"] =
        serde_json::json!({"padding": {"default": "x".repeat(70_000)}});
    let dir = std::env::temp_dir().join(format!("mintlint-minified-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("plan.json");
    std::fs::write(&path, serde_json::to_string(&value).unwrap()).unwrap();
    let run = mintlint(&["check", "--color", "never", path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("MINT008(policy-unknown-until-apply)"), "{}", run.stdout);
    let header = run.stdout.lines().find(|l| l.contains("plan.json:1:")).unwrap();
    let column: usize = header.rsplit(':').next().unwrap().trim_end_matches(']').parse().unwrap();
    assert!(column > 70_000, "{header}");
    assert!(run.stdout.lines().all(|l| l.chars().count() < 1_000), "the line is cut to a window");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Several inputs make one inventory: a directory is walked for plans and snapshots, other JSON is passed
/// over.
#[test]
fn a_directory_of_inputs_is_one_inventory() {
    let inv = load_inventory(&[root().join("fixtures/inputs")], &Limits::default()).unwrap();
    let mut names: Vec<&str> = inv.principals.iter().filter_map(|p| p.name.as_deref()).collect();
    names.sort_unstable();
    // Two snapshots hold the same principals: both are kept (a lookup by name then asks for the file).
    assert_eq!(names, ["audit-bot", "audit-bot", "ledger-exporter", "ledger-exporter", "payments-token-minter"]);
    let run = mintlint(&["simulate", "fixtures/inputs", "--principal", "ledger-exporter", "--audience", "a"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("names 2 principals"), "{}", run.stderr);
}
