//! Terraform source (`.tf`): real configuration/plan pairs (3 in `tests/corpus-sample/terraform-source`, and
//! with `scripts/corpus-check` the 7 of the shared corpus) read from `main.tf` mean what their plans mean
//! (every document, and `mintlint diff plan.json main.tf` and `mintlint diff plan.json tree/` find no drift), and snapshots of the rendered
//! diagnostics on `.tf` fixtures. Read each snapshot before accepting it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{corpus_sample, mintlint, root, shared};
use mintlint::input::tfsource;
use mintlint::input::{load_inventory_file, read_json};
use mintlint::source::InputKind;
use mintlint::source::json::Limits;
use serde_json::Value;

/// The configuration/plan pair folders under `dir`, sorted.
fn pairs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.join("main.tf").is_file()).collect();
    dirs.sort();
    dirs
}

/// A policy as IAM reads it: a single string is a one-element list, lists are sets, an empty `Sid` is none.
fn normalize(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, v)| !(k.as_str() == "Sid" && v.as_str() == Some("")))
                .map(|(k, v)| (k.clone(), normalize(v)))
                .collect(),
        ),
        Value::Array(items) => {
            let mut items: Vec<Value> =
                items.iter().map(|v| if v.is_object() { normalize(v) } else { scalar(v) }).collect();
            items.sort_by_key(Value::to_string);
            items.dedup();
            Value::Array(items)
        }
        Value::String(_) | Value::Number(_) | Value::Bool(_) => Value::Array(vec![scalar(value)]),
        Value::Null => Value::Null,
    }
}

fn scalar(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(s.clone()),
        other => Value::String(other.to_string()),
    }
}

/// Documents by address and attribute (a data source's own document as `json`).
fn documents(inventory: &mintlint::inventory::Inventory) -> BTreeMap<String, Value> {
    inventory
        .documents
        .iter()
        .filter_map(|d| {
            let attribute = if d.origin.attribute.is_empty() { "json" } else { d.origin.attribute.as_str() };
            Some((format!("{} {attribute}", d.origin.entry), normalize(&d.json.as_ref()?.to_serde())))
        })
        .collect()
}

#[test]
fn sample_pairs_mean_what_their_plans_mean() {
    pairs_mean_what_their_plans_mean(&corpus_sample().join("terraform-source"), 3);
}

#[test]
#[ignore = "corpus: run scripts/corpus-check"]
fn corpus_pairs_mean_what_their_plans_mean() {
    pairs_mean_what_their_plans_mean(&shared().join("corpus/terraform-source"), 7);
}

fn pairs_mean_what_their_plans_mean(dir: &Path, count: usize) {
    let limits = Limits::default();
    let pairs = pairs(dir);
    assert_eq!(pairs.len(), count, "{}: configuration/plan pairs", dir.display());
    for dir in pairs {
        let (source, json) = read_json(&dir.join("plan.json"), &limits).unwrap();
        let plan = load_inventory_file(&source, &json, InputKind::classify(&json), &limits);
        let tf = tfsource::load(&[dir.join("main.tf")], &tfsource::TfOptions::new(limits));
        let (plan, tf) = (documents(&plan), documents(&tf));
        assert!(!tf.is_empty(), "{}: no policy read from main.tf", dir.display());
        // Every document the plan knows is in main.tf with the same meaning, and main.tf has no other.
        assert_eq!(plan, tf, "{}", dir.display());

        let run = mintlint(&["diff", dir.join("plan.json").to_str().unwrap(), dir.join("main.tf").to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}: {}{}", dir.display(), run.stdout, run.stderr);
        assert!(run.stdout.contains(" 0 widened, 0 narrowed, 0 inexact"), "{}: {}", dir.display(), run.stdout);
        // The plan against its source as a tree (a directory without the plan: one holding a plan is read
        // from the plan), both ways round.
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let tree = std::env::temp_dir().join(format!("mintlint-pair-tree-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&tree).unwrap();
        std::fs::copy(dir.join("main.tf"), tree.join("main.tf")).unwrap();
        let plan = dir.join("plan.json");
        for (a, b) in [(plan.as_path(), tree.as_path()), (tree.as_path(), plan.as_path())] {
            let run = mintlint(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
            assert_eq!(run.code, 0, "{}: {}{}", dir.display(), run.stdout, run.stderr);
            assert!(run.stdout.contains(" 0 widened, 0 narrowed, 0 inexact"), "{}: {}", dir.display(), run.stdout);
        }
        std::fs::remove_dir_all(&tree).unwrap();
    }
}

fn fixtures() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root().join("fixtures/terraform"))
        .unwrap()
        .map(|e| format!("fixtures/terraform/{}/main.tf", e.unwrap().file_name().into_string().unwrap()))
        .collect();
    out.sort();
    out
}

fn snapshot_name(path: &str) -> String {
    path.trim_start_matches("fixtures/terraform/").trim_end_matches("/main.tf").to_owned()
}

#[test]
fn tf_human_diagnostics() {
    for path in fixtures() {
        let run = mintlint(&["check", "--color", "never", "--fail-on", "never", &path]);
        insta::assert_snapshot!(format!("tf_human__{}", snapshot_name(&path)), run.stdout);
    }
}

#[test]
fn tf_json_diagnostics() {
    for path in fixtures() {
        let run = mintlint(&["check", "--format", "json", "--fail-on", "never", &path]);
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        insta::assert_json_snapshot!(format!("tf_json__{}", snapshot_name(&path)), report);
    }
}

/// Every snapshot of this file belongs to a fixture.
#[test]
fn no_orphaned_tf_snapshots() {
    let expected: std::collections::BTreeSet<String> = fixtures()
        .iter()
        .flat_map(|p| {
            let n = snapshot_name(p);
            [format!("terraform_source__tf_human__{n}.snap"), format!("terraform_source__tf_json__{n}.snap")]
        })
        .collect();
    for entry in std::fs::read_dir(root().join("tests/snapshots")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.starts_with("terraform_source__") {
            assert!(expected.contains(&name), "orphaned snapshot {name}");
        }
    }
}

/// The inventory links a role to its policies through references, so `simulate` works on source.
#[test]
fn simulate_reads_terraform_source() {
    let run = mintlint(&[
        "simulate",
        "fixtures/terraform/policy-document/main.tf",
        "--principal",
        "payments-mint",
        "--audience",
        "https://payments.partner.example",
    ]);
    // The misspelt operator makes the policy invalid: simulate refuses to evaluate it rather than guess.
    assert_ne!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("StringEqualz") || run.stderr.contains("StringEqualz"), "{}{}", run.stdout, run.stderr);
}

/// The demo configuration beside its plan: the role read from source links its managed policy (from a data
/// source), its boundary and its inline policy, and means what the plan means.
#[test]
fn demo_configuration_simulates_and_diffs_like_its_plan() {
    let run = mintlint(&[
        "simulate",
        "fixtures/inputs/main.tf",
        "--principal",
        "payments-token-minter",
        "--audience",
        "https://payments.partner.example",
        "--signing-algorithm",
        "ES384",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("decision: allow"), "{}", run.stdout);
    assert!(run.stdout.contains("main.tf › data.aws_iam_policy_document.mint:175:3"), "{}", run.stdout);
    let run = mintlint(&["diff", "fixtures/inputs/plan.json", "fixtures/inputs/main.tf"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("1 principal compared: 0 widened, 0 narrowed, 0 inexact"), "{}", run.stdout);
}

/// Two directories of Terraform source: each principal is compared once.
#[test]
fn directories_of_terraform_source_diff_each_principal_once() {
    let base = std::env::temp_dir().join(format!("mintlint-tf-dirs-{}", std::process::id()));
    let (a, b) = (base.join("a"), base.join("b"));
    for dir in [&a, &b] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::copy(root().join("fixtures/inputs/main.tf"), dir.join("main.tf")).unwrap();
    }
    let run = mintlint(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    std::fs::remove_dir_all(&base).unwrap();
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("1 principal compared: 0 widened, 0 narrowed, 0 inexact"), "{}", run.stdout);
}
