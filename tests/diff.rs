//! `mintlint diff` through the real binary and the library: one fixture pair per dimension with snapshots
//! of the human and JSON reports, exit codes, equal rewrites, and witnesses that simulate confirms.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use std::path::Path;

use common::{Scratch, mintlint, root};
use mintlint::diff::load::load_pair;
use mintlint::diff::{DiffOptions, DiffReport, compare, pair};
use mintlint::eval::{Assumptions, PolicySet};
use mintlint::simulate::simulate;
use mintlint::source::json::Limits;
use serde_json::Value;

/// Every fixture pair: a directory under `fixtures/diff` with `baseline` and `current` (files or
/// directories).
fn pairs() -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root().join("fixtures/diff")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let dir = format!("fixtures/diff/{name}");
        let (b, c) = if root().join(&dir).join("baseline").is_dir() {
            (format!("{dir}/baseline"), format!("{dir}/current"))
        } else {
            (format!("{dir}/baseline.json"), format!("{dir}/current.json"))
        };
        out.push((name, b, c));
    }
    out.sort();
    out
}

fn report(baseline: &str, current: &str) -> Value {
    let run = mintlint(&["diff", "--format", "json", baseline, current]);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout, run.stderr))
}

#[test]
fn human_reports() {
    for (name, b, c) in pairs() {
        let run = mintlint(&["diff", "--color", "never", &b, &c]);
        insta::assert_snapshot!(format!("human__{name}"), run.stdout);
    }
}

#[test]
fn json_reports() {
    for (name, b, c) in pairs() {
        insta::assert_json_snapshot!(format!("json__{name}"), report(&b, &c));
    }
}

/// Each dimension's fixture widens exactly that dimension, and nothing narrows.
#[test]
fn each_fixture_shows_its_dimension() {
    let expected = [
        ("audience", "audience"),
        ("can-mint", "can_mint"),
        ("lifetime", "lifetime"),
        ("network", "network"),
        ("signing-algorithm", "signing_algorithm"),
        ("tag-keys", "tag_keys"),
        ("tag-values", "tag_values"),
        ("time", "time"),
    ];
    for (name, dimension) in expected {
        let r = report(&format!("fixtures/diff/{name}/baseline.json"), &format!("fixtures/diff/{name}/current.json"));
        let p = &r["principals"][0];
        assert_eq!(p["exact"], true, "{name}");
        let dims: Vec<&str> =
            p["widened"].as_array().unwrap().iter().map(|c| c["dimension"].as_str().unwrap()).collect();
        assert_eq!(dims, [dimension], "{name}");
        assert_eq!(p["narrowed"].as_array().unwrap().len(), 0, "{name}");
    }
}

#[test]
fn exit_codes() {
    let widened = mintlint(&["diff", "fixtures/diff/audience/baseline.json", "fixtures/diff/audience/current.json"]);
    assert_eq!(widened.code, 1);
    let reverse = mintlint(&["diff", "fixtures/diff/audience/current.json", "fixtures/diff/audience/baseline.json"]);
    assert_eq!(reverse.code, 0, "narrowing alone passes");
    let strict = mintlint(&[
        "diff",
        "--fail-on-narrowing",
        "fixtures/diff/audience/current.json",
        "fixtures/diff/audience/baseline.json",
    ]);
    assert_eq!(strict.code, 1);
    let same = mintlint(&["diff", "fixtures/diff/audience/current.json", "fixtures/diff/audience/current.json"]);
    assert_eq!(same.code, 0);
    let missing = mintlint(&["diff", "fixtures/diff/nope.json", "fixtures/diff/audience/current.json"]);
    assert_eq!(missing.code, 2);
    let bad = mintlint(&["diff", "fixtures/parse/trailing-comma.json", "fixtures/diff/audience/current.json"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("MINT000"), "{}", bad.stderr);
    let mixed = mintlint(&["diff", "fixtures/diff/directories/baseline", "fixtures/diff/audience/current.json"]);
    assert_eq!(mixed.code, 2);
    let assume = mintlint(&[
        "diff",
        "--assume",
        "nope=1",
        "fixtures/diff/audience/current.json",
        "fixtures/diff/audience/current.json",
    ]);
    assert_eq!(assume.code, 2);
}

/// Over the budget, a principal is inexact (and the gate fails), never guessed.
#[test]
fn over_budget_is_inexact() {
    let run = mintlint(&[
        "diff",
        "--format",
        "json",
        "--budget",
        "3",
        "fixtures/diff/tag-values/baseline.json",
        "fixtures/diff/tag-values/current.json",
    ]);
    assert_eq!(run.code, 1);
    let r: Value = serde_json::from_str(&run.stdout).unwrap();
    let p = &r["principals"][0];
    assert_eq!(p["exact"], false);
    let reason = p["inexact_reason"].as_str().unwrap();
    assert!(reason.contains("exceed the budget of 3") && reason.contains("tag sets"), "{reason}");
}

/// Reordered statements and values, renamed or removed Sids, an Action list split per action, duplicated
/// values, lower-case action names and differently cased keys report nothing.
#[test]
fn equal_rewrites_report_nothing() {
    let r = report("fixtures/diff/equivalent-rewrite/baseline.json", "fixtures/diff/equivalent-rewrite/current.json");
    let p = &r["principals"][0];
    assert_eq!(p["exact"], true);
    assert_eq!(p["widened"], Value::Array(Vec::new()));
    assert_eq!(p["narrowed"], Value::Array(Vec::new()));
}

/// Splitting a `ForAllValues:` audience list into one statement per audience loses the request for both at
/// once: a narrowing.
#[test]
fn splitting_for_all_values_narrows() {
    let r =
        report("fixtures/diff/split-for-all-values/baseline.json", "fixtures/diff/split-for-all-values/current.json");
    let p = &r["principals"][0];
    assert_eq!(p["widened"], Value::Array(Vec::new()));
    let narrowed = &p["narrowed"][0];
    assert_eq!(narrowed["dimension"], "audience");
    assert_eq!(narrowed["witness"]["audience"], serde_json::json!(["https://a.example", "https://b.example"]));
}

/// Directories match files by relative path; a file on one side only is a principal that newly can (or no
/// longer can) mint.
#[test]
fn directories_match_by_path() {
    let r = report("fixtures/diff/directories/baseline", "fixtures/diff/directories/current");
    let summary: Vec<(String, Vec<String>, Vec<String>)> = r["principals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let dims = |k: &str| {
                p[k].as_array().unwrap().iter().map(|c| c["dimension"].as_str().unwrap().to_owned()).collect()
            };
            (p["principal"].as_str().unwrap().to_owned(), dims("widened"), dims("narrowed"))
        })
        .collect();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        summary,
        [
            ("ledger.json".to_owned(), s(&["can_mint"]), s(&[])),
            ("legacy.json".to_owned(), s(&[]), s(&["can_mint"])),
            ("payments.json".to_owned(), s(&["lifetime"]), s(&[])),
            ("unchanged.json".to_owned(), s(&[]), s(&[])),
        ]
    );
}

fn library_report(b: &str, c: &str) -> (DiffReport, Vec<(PolicySet, PolicySet)>) {
    let (base, cur) = load_pair(&root().join(b), &root().join(c), &Limits::default()).unwrap();
    let empty = PolicySet::default();
    let pairs = pair(&base, &cur, &empty);
    let options = DiffOptions::default();
    let report = DiffReport {
        principals: pairs.iter().map(|p| compare(&p.name, p.baseline, p.current, &p.facts, &options)).collect(),
    };
    let sets = pairs.iter().map(|p| (p.baseline.clone(), p.current.clone())).collect();
    (report, sets)
}

/// Every witness of every fixture is allowed by the side that gained it and denied by the other, as
/// `simulate` decides it.
#[test]
fn witnesses_simulate_as_claimed() {
    let a = Assumptions::default();
    for (name, b, c) in pairs() {
        let (report, sets) = library_report(&b, &c);
        for (p, (base, cur)) in report.principals.iter().zip(&sets) {
            for (changes, gained, other) in [(&p.widened, cur, base), (&p.narrowed, base, cur)] {
                for change in changes {
                    let witness = &change.witness;
                    assert!(simulate(gained, witness, &a, None).verdict.is_allow(), "{name}: {change:?}");
                    assert!(!simulate(other, witness, &a, None).verdict.is_allow(), "{name}: {change:?}");
                }
            }
        }
    }
}

/// Comparing anything with itself reports nothing.
#[test]
fn a_policy_against_itself_is_empty() {
    for (name, b, c) in pairs() {
        for side in [&b, &c] {
            let (report, _) = library_report(side, side);
            for p in &report.principals {
                assert!(p.widened.is_empty() && p.narrowed.is_empty(), "{name}: {p:?}");
            }
        }
    }
}

/// `check --baseline` reports widening as MINT300 at the current statement, in every format.
#[test]
fn check_baseline_reports_drift_widening() {
    let args = [
        "check",
        "--format",
        "sarif",
        "--baseline",
        "fixtures/diff/lifetime/baseline.json",
        "fixtures/diff/lifetime/current.json",
    ];
    let run = mintlint(&args);
    assert_eq!(run.code, 1);
    let sarif: Value = serde_json::from_str(&run.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let widening: Vec<&Value> = results.iter().filter(|r| r["ruleId"] == "MINT300").collect();
    assert_eq!(widening.len(), 1);
    assert_eq!(widening[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 4);
    let ignored = mintlint(&[&args[..], &["--ignore", "drift-widening", "--fail-on", "error"]].concat());
    let sarif: Value = serde_json::from_str(&ignored.stdout).unwrap();
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().iter().any(|r| r["ruleId"] == "MINT300"));
    let two =
        mintlint(&["check", "--baseline", "fixtures/diff/lifetime/baseline.json", "fixtures/diff", "fixtures/lint"]);
    assert_eq!(two.code, 2);
    let diff_sarif = mintlint(&[
        "diff",
        "--format",
        "sarif",
        "fixtures/diff/lifetime/baseline.json",
        "fixtures/diff/lifetime/current.json",
    ]);
    let sarif: Value = serde_json::from_str(&diff_sarif.stdout).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "MINT300");
}

/// Every snapshot of this file belongs to a fixture pair.
#[test]
fn no_orphaned_snapshots() {
    let expected: std::collections::BTreeSet<String> = pairs()
        .iter()
        .flat_map(|(n, _, _)| [format!("diff__human__{n}.snap"), format!("diff__json__{n}.snap")])
        .collect();
    for entry in std::fs::read_dir(Path::new(&root()).join("tests/snapshots")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.starts_with("diff__") {
            assert!(expected.contains(&name), "orphaned snapshot {name}");
        }
    }
}

/// Terraform plans are compared principal by principal (a role the plan creates is matched by kind and
/// name): raising the lifetime cap in a copy of the plan fixture is a lifetime widening, found exactly,
/// whose witness the current plan allows and the baseline plan denies; `check --baseline` reports it.
#[test]
fn terraform_plans_diff_by_principal() {
    let dir = std::env::temp_dir().join(format!("mintlint-diff-plan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let plan = std::fs::read_to_string(root().join("fixtures/inputs/plan.json")).unwrap();
    let widened = plan.replace(r#"DurationSeconds\":\"900\""#, r#"DurationSeconds\":\"3600\""#);
    assert_ne!(plan, widened);
    let current = dir.join("plan.json");
    std::fs::write(&current, widened).unwrap();
    let run = mintlint(&["diff", "--format", "json", "fixtures/inputs/plan.json", current.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let principal =
        report["principals"].as_array().unwrap().iter().find(|p| !p["widened"].as_array().unwrap().is_empty()).unwrap();
    assert_eq!(principal["exact"], true);
    let change = &principal["widened"][0];
    assert_eq!(change["dimension"], "lifetime");
    assert_eq!(change["witness"]["duration"], 3600);
    // The witness re-simulates as claimed on both plans.
    let args = |plan: &str| -> Vec<String> {
        let w = &change["witness"];
        let mut a =
            vec!["simulate".to_owned(), plan.to_owned(), "--principal".into(), w["principal"].as_str().unwrap().into()];
        for aud in w["audience"].as_array().unwrap() {
            a.extend(["--audience".into(), aud.as_str().unwrap().into()]);
        }
        a.extend([
            "--duration".into(),
            "3600".into(),
            "--signing-algorithm".into(),
            w["signing_algorithm"].as_str().unwrap().into(),
        ]);
        a
    };
    let now: Vec<String> = args(current.to_str().unwrap());
    let before: Vec<String> = args("fixtures/inputs/plan.json");
    assert_eq!(mintlint(&now.iter().map(String::as_str).collect::<Vec<_>>()).code, 0);
    assert_eq!(mintlint(&before.iter().map(String::as_str).collect::<Vec<_>>()).code, 1);
    let check = mintlint(&[
        "check",
        "--format",
        "json",
        "--select",
        "MINT300",
        "--baseline",
        "fixtures/inputs/plan.json",
        current.to_str().unwrap(),
    ]);
    let findings: Value = serde_json::from_str(&check.stdout).unwrap();
    assert_eq!(findings["findings"][0]["rule"], "MINT300");
    assert!(findings["findings"][0]["source"].as_str().unwrap().contains("plan.json › "));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Quote a word for `sh -c` (every word, for simplicity).
fn sh_word(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Run a `mintlint ...` line as printed (the `reproduce` line), with extra arguments, through the shell.
fn run_printed(line: &str, extra: &[&str]) -> common::Run {
    let rest = line.strip_prefix("mintlint ").unwrap_or_else(|| panic!("not a mintlint line: {line}"));
    let extra: Vec<String> = extra.iter().map(|a| sh_word(a)).collect();
    let script = format!("{} {rest} {}", sh_word(env!("CARGO_BIN_EXE_mintlint")), extra.join(" "));
    let out = std::process::Command::new("sh").arg("-c").arg(&script).current_dir(root()).output().unwrap();
    common::Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

/// Every witness of every `diff` fixture (policy files, directories, a Terraform plan, Terraform source)
/// replays: its printed `reproduce` line is allowed, and the witness as a cases-file entry (the JSON report's
/// `witness`, with a name and `expect`) passes and is read back as the same request.
#[test]
fn every_witness_replays_through_its_reproduce_line_and_a_cases_file() {
    let dir = Scratch::new("diff-replay");
    std::fs::create_dir_all(dir.join("tf")).unwrap();
    let plan = std::fs::read_to_string(root().join("fixtures/inputs/plan.json")).unwrap();
    std::fs::write(
        dir.join("plan.json"),
        plan.replace(r#"DurationSeconds\":\"900\""#, r#"DurationSeconds\":\"3600\""#),
    )
    .unwrap();
    let tf = std::fs::read_to_string(root().join("fixtures/inputs/main.tf")).unwrap();
    let widened_tf = tf.replace("default     = 900", "default     = 3600");
    assert_ne!(tf, widened_tf);
    std::fs::write(dir.join("tf/main.tf"), widened_tf).unwrap();
    let mut inputs: Vec<(String, String, String)> = pairs();
    inputs.push(("plan".into(), "fixtures/inputs/plan.json".into(), dir.join("plan.json").display().to_string()));
    inputs.push(("tf".into(), "fixtures/inputs/main.tf".into(), dir.join("tf/main.tf").display().to_string()));
    let mut replayed = 0;
    for (name, b, c) in inputs {
        let report = report(&b, &c);
        for p in report["principals"].as_array().unwrap() {
            for change in p["widened"].as_array().unwrap().iter().chain(p["narrowed"].as_array().unwrap()) {
                let line = change["reproduce"].as_str().unwrap();
                let run = run_printed(line, &[]);
                assert_eq!(run.code, 0, "{name}: `{line}` does not reproduce:\n{}{}", run.stdout, run.stderr);
                let mut case = change["witness"].clone();
                let obj = case.as_object_mut().unwrap();
                assert!(obj.values().all(|v| !v.is_null()), "{name}: a null in {case}");
                obj.insert("name".into(), "witness".into());
                obj.insert("expect".into(), "allow".into());
                let cases = dir.join(format!("{name}-{replayed}.json"));
                std::fs::write(&cases, serde_json::json!({ "cases": [case] }).to_string()).unwrap();
                let run = run_printed(line, &["--cases", cases.to_str().unwrap(), "--format", "json"]);
                assert_eq!(run.code, 0, "{name}: the witness as a case fails:\n{}{}", run.stdout, run.stderr);
                let result: Value = serde_json::from_str(&run.stdout).unwrap();
                // A witness of policies that test no time names none; simulate then decides it now.
                let mut read = result["cases"][0]["request"].clone();
                if change["witness"].get("time").is_none() {
                    read.as_object_mut().unwrap().remove("time");
                }
                assert_eq!(read, change["witness"], "{name}: read back differently");
                replayed += 1;
            }
        }
    }
    assert!(replayed >= 14, "only {replayed} witnesses");
}

/// `diff P P` is empty and exact for every policy document under `fixtures/` and the vendored sample of
/// token policies.
#[test]
fn every_policy_against_itself_is_empty_and_exact() {
    let mut files = Vec::new();
    for top in [root().join("fixtures"), common::corpus_sample()] {
        for entry in walkdir::WalkDir::new(top).into_iter().filter_map(Result::ok) {
            let path = entry.path().to_path_buf();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    let mut compared = 0;
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let Ok(json) = mintlint::source::json::parse(&text, &Default::default()) else { continue };
        let docs = mintlint::policy::parse_document(&json, mintlint::policy::PolicyKind::Identity);
        let [doc] = docs.as_slice() else { continue };
        let (Some(policy), true) = (&doc.policy, doc.problems.is_empty()) else { continue };
        let source = std::sync::Arc::new(mintlint::source::SourceFile::new("p", "p", text.clone()));
        let set = PolicySet {
            identity: vec![mintlint::eval::LoadedPolicy::new(
                source,
                policy.clone(),
                mintlint::policy::PolicyKind::Identity,
            )],
            ..PolicySet::default()
        };
        let result = compare("p", &set, &set, &Default::default(), &DiffOptions::default());
        let name = path.display();
        assert!(result.widened.is_empty() && result.narrowed.is_empty(), "{name}: {result:?}");
        if result.over_budget {
            continue;
        }
        assert!(result.exact, "{name}: {:?}", result.inexact_reason);
        compared += 1;
    }
    assert!(compared >= 100, "only {compared} policies compared");
}
