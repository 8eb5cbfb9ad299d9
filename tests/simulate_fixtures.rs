//! Scenario fixtures under `fixtures/simulate/`, each run through the real `mintlint simulate` binary with
//! a snapshot of its output and exit code. Read each snapshot before accepting it.
//!
//! A scenario is a directory with its policies (and cases file) and an `args` file: `#` lines describe the
//! scenario, every other line is one command-line argument, as a CI job would pass it from the crate root
//! (`mintlint simulate $(grep -v '^#' args)` when no argument holds a space). The test adds
//! `--color never`, and `--time 2026-01-01T12:00:00Z` unless the scenario sets a time, so snapshots do not
//! depend on the machine or the clock.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use common::{mintlint, root};

const FIXED_TIME: &str = "2026-01-01T12:00:00Z";

struct Scenario {
    name: String,
    args: Vec<String>,
}

fn scenarios() -> Vec<Scenario> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root().join("fixtures/simulate")).unwrap() {
        let entry = entry.unwrap();
        if !entry.file_type().unwrap().is_dir() {
            continue;
        }
        let name = entry.file_name().into_string().unwrap();
        let text = std::fs::read_to_string(entry.path().join("args"))
            .unwrap_or_else(|e| panic!("fixtures/simulate/{name}/args: {e}"));
        let args = text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).map(str::to_owned).collect();
        out.push(Scenario { name, args });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn command(scenario: &Scenario) -> Vec<String> {
    let mut args = vec!["simulate".to_owned()];
    args.extend(scenario.args.iter().cloned());
    args.extend(["--color".to_owned(), "never".to_owned()]);
    if !scenario.args.iter().any(|a| a == "--time") {
        args.extend(["--time".to_owned(), FIXED_TIME.to_owned()]);
    }
    args
}

#[test]
fn scenarios_match_their_snapshots() {
    let all = scenarios();
    assert!(all.len() >= 40, "issue 3 asks for at least 40 scenarios, found {}", all.len());
    for scenario in &all {
        let args = command(scenario);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = mintlint(&refs);
        let mut report = format!("exit: {}\n", run.code);
        if !run.stdout.is_empty() {
            report.push_str(&format!("--- stdout\n{}", run.stdout));
        }
        if !run.stderr.is_empty() {
            report.push_str(&format!("--- stderr\n{}", run.stderr));
        }
        insta::with_settings!({description => scenario.args.join(" "), omit_expression => true}, {
            insta::assert_snapshot!(scenario.name.clone(), report);
        });
    }
}

/// Every human single-request scenario shows the `--explain` output, which is what the snapshots are for.
#[test]
fn single_request_scenarios_explain() {
    for scenario in scenarios() {
        let human = !scenario.args.iter().any(|a| a == "--format" || a == "--cases");
        if human {
            assert!(scenario.args.iter().any(|a| a == "--explain"), "{} should pass --explain", scenario.name);
        }
    }
}

/// Every snapshot of this binary belongs to a scenario: a removed fixture must not leave one behind.
#[test]
fn no_orphaned_scenario_snapshots() {
    let names: std::collections::BTreeSet<String> =
        scenarios().into_iter().map(|s| format!("simulate_fixtures__{}.snap", s.name)).collect();
    for entry in std::fs::read_dir(root().join("tests/snapshots")).unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        if file.starts_with("simulate_fixtures__") {
            assert!(names.contains(&file), "orphaned snapshot {file}");
        }
    }
}
