//! Snapshots of the rendered diagnostics (human and JSON) for every parse fixture and every failing lint
//! fixture. Read each snapshot before accepting it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use common::{mintlint, root};

fn fixtures() -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root().join("fixtures/parse")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        out.push(format!("fixtures/parse/{name}"));
    }
    for dir in std::fs::read_dir(root().join("fixtures/lint")).unwrap() {
        let dir = dir.unwrap();
        let rule = dir.file_name().into_string().unwrap();
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.starts_with("fail_") {
                out.push(format!("fixtures/lint/{rule}/{name}"));
            }
        }
    }
    out.sort();
    out
}

/// Input fixtures (Terraform plans, account snapshots) whose `check` output is snapshotted: findings inside
/// embedded documents, named `plan.json › address › attribute`.
const INPUT_FIXTURES: &[&str] = &["fixtures/inputs/plan.json"];

/// `check` of one fixture; a rule that compares with a baseline keeps it as `baseline.json` beside it.
fn check<'a>(path: &'a str, args: &[&'a str]) -> common::Run {
    let baseline = std::path::Path::new(path).with_file_name("baseline.json");
    let baseline = baseline.to_string_lossy().into_owned();
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    if path.starts_with("fixtures/lint/") && root().join(&baseline).is_file() {
        all.extend(["--baseline", baseline.as_str()]);
    }
    all.push(path);
    mintlint(&all)
}

fn snapshot_name(path: &str) -> String {
    path.trim_start_matches("fixtures/").trim_end_matches(".json").replace('/', "__")
}

#[test]
fn human_diagnostics() {
    for path in fixtures() {
        let run = check(&path, &["--color", "never", "--fail-on", "never"]);
        insta::assert_snapshot!(format!("human__{}", snapshot_name(&path)), run.stdout);
    }
}

#[test]
fn json_diagnostics() {
    for path in fixtures() {
        let run = check(&path, &["--format", "json", "--fail-on", "never"]);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        insta::assert_json_snapshot!(format!("json__{}", snapshot_name(&path)), report);
    }
}

#[test]
fn input_diagnostics() {
    for path in INPUT_FIXTURES {
        let run = mintlint(&["check", "--color", "never", "--fail-on", "never", path]);
        insta::assert_snapshot!(format!("human__{}", snapshot_name(path)), run.stdout);
        let run = mintlint(&["check", "--format", "json", "--fail-on", "never", path]);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        insta::assert_json_snapshot!(format!("json__{}", snapshot_name(path)), report);
    }
}

/// Every snapshot file belongs to a fixture: removed fixtures must not leave stale snapshots behind.
#[test]
fn no_orphaned_snapshots() {
    let expected: std::collections::BTreeSet<String> = fixtures()
        .iter()
        .map(String::as_str)
        .chain(INPUT_FIXTURES.iter().copied())
        .flat_map(|p| {
            let n = snapshot_name(p);
            [format!("snapshots__human__{n}.snap"), format!("snapshots__json__{n}.snap")]
        })
        .collect();
    let dir = root().join("tests/snapshots");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.starts_with("snapshots__") {
            assert!(expected.contains(&name), "orphaned snapshot {name}");
        }
    }
}
