//! Terraform source as real repositories write it: values across module boundaries, attachments made in a
//! child module, `count`/`for_each` instances, `$${` escapes, and tree-level commands (`simulate tree/`,
//! `diff plan.json tree/`, `check --baseline plan.json tree/`, `graph tree/`), on the trees in
//! `fixtures/terraform-trees/`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use std::path::{Path, PathBuf};

use common::{mintlint, root};
use mintlint::input::tfsource::{TfOptions, load};
use mintlint::source::json::Limits;
use serde_json::Value;

const DENY: &str = "fixtures/terraform-trees/module-deny";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mintlint-trees-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The Deny a child module attaches (from `file()`, to the role the root passes in) applies to the role: a
/// 900 s token is denied by it, as AWS would, and a 300 s token is allowed.
#[test]
fn a_deny_attached_in_a_child_module_applies_to_the_role_the_root_passes() {
    let tree = format!("{DENY}/tree");
    let simulate = |duration: &str| {
        mintlint(&[
            "simulate",
            &tree,
            "--principal",
            "payments-minter",
            "--audience",
            "https://payments.partner.example",
            "--duration",
            duration,
            "--format",
            "json",
        ])
    };
    let denied = simulate("900");
    assert_eq!(denied.code, 1, "{}{}", denied.stdout, denied.stderr);
    let json: Value = serde_json::from_str(&denied.stdout).unwrap();
    assert_eq!(json["decision"], "explicit-deny", "{}", denied.stdout);
    assert!(denied.stdout.contains("modules/token-cap/cap.json"), "the Deny is cited where it is written");
    assert_eq!(json["principal"]["incomplete"], Value::Array(Vec::new()), "{}", denied.stdout);
    let allowed = simulate("300");
    assert_eq!(allowed.code, 0, "{}{}", allowed.stdout, allowed.stderr);
    // The plan of the same tree says the same.
    let plan = mintlint(&[
        "simulate",
        &format!("{DENY}/plan.json"),
        "--principal",
        "payments-minter",
        "--audience",
        "https://payments.partner.example",
        "--duration",
        "900",
    ]);
    assert_eq!(plan.code, 1, "{}", plan.stdout);
    assert!(plan.stdout.contains("decision: explicit-deny"), "{}", plan.stdout);
}

/// `diff plan.json tree/` compares a plan with its own source tree: nothing changed. Without the module
/// call, the source widens (the lifetime cap is gone) and says so with a witness.
#[test]
fn diff_compares_a_plan_with_its_source_tree() {
    let same = mintlint(&["diff", &format!("{DENY}/plan.json"), &format!("{DENY}/tree")]);
    assert_eq!(same.code, 0, "{}{}", same.stdout, same.stderr);
    assert!(same.stdout.contains("1 principal compared: 0 widened, 0 narrowed, 0 inexact"), "{}", same.stdout);
    let reversed = mintlint(&["diff", &format!("{DENY}/tree"), &format!("{DENY}/plan.json")]);
    assert_eq!(reversed.code, 0, "{}{}", reversed.stdout, reversed.stderr);

    let dir = scratch("no-cap");
    copy_dir(&root().join(DENY).join("tree"), &dir);
    let main = std::fs::read_to_string(dir.join("main.tf")).unwrap();
    let cut = main.find("module \"cap\"").unwrap();
    std::fs::write(dir.join("main.tf"), &main[..cut]).unwrap();
    let widened = mintlint(&["diff", &format!("{DENY}/plan.json"), dir.to_str().unwrap(), "--format", "json"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(widened.code, 1, "{}{}", widened.stdout, widened.stderr);
    let json: Value = serde_json::from_str(&widened.stdout).unwrap();
    let change = &json["principals"][0]["widened"][0];
    assert_eq!(change["dimension"], "lifetime", "{}", widened.stdout);
    assert!(change["witness"]["duration"].as_u64().unwrap() > 300, "{}", widened.stdout);
}

/// `check --baseline plan.json tree/` reports no drift for the plan's own source; `graph tree/` shows the
/// cap the module's Deny sets.
#[test]
fn check_baseline_and_graph_take_a_tree() {
    let run = mintlint(&[
        "check",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--baseline",
        &format!("{DENY}/plan.json"),
        &format!("{DENY}/tree"),
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let rules: Vec<&str> = json["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert!(!rules.contains(&"MINT300"), "{rules:?}");
    let graph = mintlint(&["graph", &format!("{DENY}/tree"), "--format", "json"]);
    assert_eq!(graph.code, 0, "{}{}", graph.stdout, graph.stderr);
    let json: Value = serde_json::from_str(&graph.stdout).unwrap();
    assert_eq!(json["principals"][0]["max_lifetime"], 300, "{}", graph.stdout);
}

/// `for_each` and `count` make one principal or policy per instance, addressed as Terraform does; a
/// resource whose `count` is zero under the known values does not exist and is not linted.
#[test]
fn instances_are_addressed_and_switched_off_resources_do_not_exist() {
    let inventory =
        load(&[root().join("fixtures/terraform-trees/instances/main.tf")], &TfOptions::new(Limits::default()));
    let mut principals: Vec<(String, String)> =
        inventory.principals.iter().map(|p| (p.origin.entry.clone(), p.name.clone().unwrap_or_default())).collect();
    principals.sort();
    assert_eq!(
        principals,
        [
            ("aws_iam_role.team[\"ledger\"]".to_owned(), "ledger-minter".to_owned()),
            ("aws_iam_role.team[\"payments\"]".to_owned(), "payments-minter".to_owned()),
        ]
    );
    assert!(inventory.documents.iter().all(|d| !d.origin.entry.starts_with("aws_iam_policy.debug")));
    // Each role has its own instance's policy.
    let ledger = inventory.find_principal("ledger-minter").unwrap();
    let policies = inventory.policies_for(ledger).unwrap();
    let text: String = policies.set.identity.iter().map(|l| l.source.name.to_string()).collect();
    assert!(text.contains("aws_iam_role_policy.team[\"ledger\"]"), "{text}");
    let run = mintlint(&["check", "--format", "json", "fixtures/terraform-trees/instances"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let run = mintlint(&[
        "simulate",
        "fixtures/terraform-trees/instances",
        "--principal",
        "aws_iam_role.team[\"ledger\"]",
        "--audience",
        "https://payments.partner.example",
    ]);
    assert_eq!(run.code, 1, "the ledger role may not mint for payments: {}", run.stdout);
}

/// `$${` in a heredoc or a `templatefile()` template is a literal `${`: the policy holds an IAM policy
/// variable, read as one (no finding; the value is `${aws:PrincipalTag/team}`).
#[test]
fn escaped_interpolations_are_iam_policy_variables() {
    let inventory = load(&[root().join("fixtures/terraform-trees/escape/main.tf")], &TfOptions::new(Limits::default()));
    assert_eq!(inventory.documents.len(), 2);
    for d in &inventory.documents {
        let json = d.json.as_ref().unwrap().to_serde();
        assert_eq!(
            json["Statement"][0]["Condition"]["StringEquals"]["aws:RequestTag/team"], "${aws:PrincipalTag/team}",
            "{}",
            d.source.name
        );
        assert!(d.unknown.is_empty(), "{}", d.source.name);
    }
    let run = mintlint(&["check", "--format", "json", "fixtures/terraform-trees/escape"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

/// `diff tree/ tree/`: one principal per role (the JSON file the module reads with `file()` is part of the
/// tree, not a principal of its own); a widening's `reproduce` line names the tree and the principal's
/// Terraform address, and running it gives the decision the witness claims.
#[test]
fn diff_of_two_trees_reproduces_on_the_tree() {
    let same = mintlint(&["diff", &format!("{DENY}/tree"), &format!("{DENY}/tree")]);
    assert_eq!(same.code, 0, "{}{}", same.stdout, same.stderr);
    assert!(same.stdout.contains("1 principal compared: 0 widened"), "{}", same.stdout);

    let dir = scratch("tree-no-cap");
    copy_dir(&root().join(DENY).join("tree"), &dir);
    let main = std::fs::read_to_string(dir.join("main.tf")).unwrap();
    let cut = main.find("module \"cap\"").unwrap();
    std::fs::write(dir.join("main.tf"), &main[..cut]).unwrap();
    let widened = mintlint(&["diff", &format!("{DENY}/tree"), dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(widened.code, 1, "{}{}", widened.stdout, widened.stderr);
    let json: Value = serde_json::from_str(&widened.stdout).unwrap();
    let reproduce = json["principals"][0]["widened"][0]["reproduce"].as_str().unwrap().to_owned();
    let prefix = format!("mintlint simulate {} --principal aws_iam_role.minter ", dir.display());
    assert!(reproduce.starts_with(&prefix), "{reproduce}");
    let args: Vec<&str> = reproduce.split(' ').skip(1).collect();
    let run = mintlint(&args);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(run.code, 0, "the witness is allowed by the current tree: {}{}", run.stdout, run.stderr);
}

/// A directory given to `graph` or `diff` confines its `.tf` trees to itself, not to each file's own
/// directory: an example that calls `../../modules/role` of the same directory given is followed (it was
/// left out when the directory was in no repository, so `graph` and `diff` saw fewer principals than
/// `simulate`).
#[test]
fn a_walked_directory_is_the_root_of_its_trees() {
    let dir = scratch("walked-root");
    std::fs::create_dir_all(dir.join("examples/app")).unwrap();
    std::fs::create_dir_all(dir.join("modules/role")).unwrap();
    std::fs::write(
        dir.join("examples/app/main.tf"),
        "module \"app\" {\n  source = \"../../modules/role\"\n  name   = \"app-minter\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("modules/role/main.tf"),
        r#"variable "name" {
  type = string
}

resource "aws_iam_role" "this" {
  name               = var.name
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ecs-tasks.amazonaws.com" } }] })
}

resource "aws_iam_role_policy" "mint" {
  role = aws_iam_role.this.name
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:GetWebIdentityToken", Resource = "*",
    Condition = { "ForAllValues:StringEquals" = { "sts:IdentityTokenAudience" = ["https://app.example"] }, Null = { "sts:IdentityTokenAudience" = "false" } } }] })
}
"#,
    )
    .unwrap();
    let graph = mintlint(&["graph", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(graph.code, 0, "{}{}", graph.stdout, graph.stderr);
    let json: Value = serde_json::from_str(&graph.stdout).unwrap();
    let principals: Vec<&str> =
        json["principals"].as_array().unwrap().iter().map(|p| p["principal"].as_str().unwrap()).collect();
    assert!(principals.iter().any(|p| p.contains("app-minter") && p.contains("module.app.")), "{principals:?}");
    let diff = mintlint(&["diff", dir.to_str().unwrap(), dir.to_str().unwrap()]);
    assert!(diff.stdout.contains("1 principal compared"), "{}", diff.stdout);
    std::fs::remove_dir_all(&dir).unwrap();
}
