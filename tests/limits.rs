//! Size limits per kind of input (DESIGN §9.2), through the real binary: a policy document (loose or embedded),
//! a Terraform plan or snapshot, a `.tf` file, an events file. Each over-limit message names the kind and the
//! setting that raises it; flags override `[limits]` of mintlint.toml, which overrides the defaults.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "test code")]

mod common;

use std::path::Path;

use common::{Run, Scratch, mintlint, mintlint_in, root};
use serde_json::Value;

const POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*", "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["payments-api"]}, "NumericLessThanEquals": {"sts:DurationSeconds": 300}, "Null": {"aws:TagKeys": "true"}}}]}"#;

/// A fresh directory holding `files` (name, text); `mintlint.toml` among them configures the run.
fn dir_with(name: &str, files: &[(&str, &str)]) -> Scratch {
    let dir = Scratch::new(&format!("limits-{name}"));
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

fn plan() -> String {
    std::fs::read_to_string(root().join("fixtures/inputs/plan.json")).unwrap()
}

/// The MINT000 findings of a JSON check report: (source, message, help).
fn too_large(run: &Run) -> Vec<(String, String, String)> {
    let report: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout, run.stderr));
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "MINT000")
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_owned();
            (s("source"), s("message"), s("help"))
        })
        .collect()
}

fn check_json(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["check", "--format", "json", "."];
    args.extend_from_slice(extra);
    mintlint_in(dir, &args)
}

#[test]
fn policy_over_its_limit_names_the_kind_and_the_flag() {
    let dir = dir_with("policy-flag", &[("mint.json", POLICY)]);
    let run = check_json(&dir, &["--max-policy-size", "64"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found = too_large(&run);
    assert_eq!(found.len(), 1, "{found:?}");
    let (source, message, help) = &found[0];
    assert_eq!(source, "mint.json");
    assert_eq!(message, &format!("policy document of {} bytes, over the 64 bytes limit", POLICY.len()));
    assert!(help.contains("`--max-policy-size` or `[limits] policy`"), "{help}");
    // `--max-input-size` (and its alias `--max-file-size`) is not the policy limit: the policy is checked.
    for flag in ["--max-input-size", "--max-file-size"] {
        let run = check_json(&dir, &[flag, "64"]);
        assert!(too_large(&run).is_empty(), "{flag}: {}", run.stdout);
    }
    // Sizes take binary units.
    assert!(too_large(&check_json(&dir, &["--max-policy-size", "1KiB"])).is_empty());
}

#[test]
fn config_limits_apply_and_flags_override_them() {
    let dir = dir_with("policy-config", &[("mint.json", POLICY), ("mintlint.toml", "[limits]\npolicy = 64\n")]);
    let found = too_large(&check_json(&dir, &[]));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1.starts_with("policy document of "), "{found:?}");
    assert!(too_large(&check_json(&dir, &["--max-policy-size", "1MiB"])).is_empty());
    // A string with a unit is a size too.
    std::fs::write(dir.join("mintlint.toml"), "[limits]\npolicy = \"1KiB\"\n").unwrap();
    assert!(too_large(&check_json(&dir, &[])).is_empty());
}

#[test]
fn plan_over_its_limit_names_the_kind_and_the_flag() {
    let text = plan();
    let dir = dir_with("plan", &[("plan.json", &text)]);
    for flag in ["--max-input-size", "--max-file-size"] {
        let run = check_json(&dir, &[flag, "1000"]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let found = too_large(&run);
        assert_eq!(found.len(), 1, "{flag}: {found:?}");
        let (source, message, help) = &found[0];
        assert_eq!(source, "plan.json");
        assert!(message.starts_with("Terraform plan/state or account snapshot of "), "{message}");
        assert!(message.contains(&format!("({} bytes), over the 1000 bytes limit", text.len())), "{message}");
        assert!(help.contains("`--max-input-size` or `[limits] input`"), "{help}");
    }
    // The plan's limit is not the policy limit: a plan far over 64 bytes is read, its policies are not.
    let run = check_json(&dir, &["--max-policy-size", "64"]);
    let found = too_large(&run);
    assert!(!found.is_empty());
    for (source, message, _) in &found {
        assert!(source.starts_with("plan.json › "), "an embedded document: {source}");
        assert!(message.starts_with("policy document of "), "{message}");
    }
    std::fs::write(dir.join("mintlint.toml"), "[limits]\ninput = 1000\n").unwrap();
    assert_eq!(too_large(&check_json(&dir, &[])).len(), 1);
    assert!(too_large(&check_json(&dir, &["--max-input-size", "1GiB"])).is_empty());
}

#[test]
fn tf_file_limit_is_configured() {
    let tf = std::fs::read_to_string(root().join("fixtures/inputs/main.tf")).unwrap();
    let dir = dir_with("tf", &[("main.tf", &tf), ("mintlint.toml", "[limits]\ntf_file = 100\n")]);
    let run = mintlint_in(&dir, &["check", "--format", "json", "main.tf"]);
    let report: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout, run.stderr));
    let messages: Vec<&str> =
        report["findings"].as_array().unwrap().iter().filter_map(|f| f["message"].as_str()).collect();
    assert!(
        messages.iter().any(|m| m.contains("over the 100 bytes limit") && m.contains("`[limits] tf_file`")),
        "{messages:?}"
    );
    // The default reads it.
    std::fs::remove_file(dir.join("mintlint.toml")).unwrap();
    let run = mintlint_in(&dir, &["check", "--format", "json", "main.tf"]);
    assert!(!run.stdout.contains("`[limits] tf_file`"), "{}", run.stdout);
}

#[test]
fn every_command_takes_the_limits() {
    let dir = dir_with("commands", &[("a.json", POLICY), ("b.json", POLICY), ("plan.json", &plan())]);
    let runs = [
        (
            "simulate",
            mintlint_in(&dir, &["simulate", "--policy", "a.json", "--audience", "x", "--max-policy-size", "64"]),
        ),
        ("diff", mintlint_in(&dir, &["diff", "a.json", "b.json", "--max-policy-size", "64"])),
        ("graph", mintlint_in(&dir, &["graph", "plan.json", "--max-input-size", "1000"])),
        (
            "check --baseline",
            mintlint_in(&dir, &["check", "a.json", "--baseline", "b.json", "--max-policy-size", "64"]),
        ),
    ];
    for (what, run) in runs {
        assert_eq!(run.code, 2, "{what}: {}{}", run.stdout, run.stderr);
        let out = format!("{}{}", run.stdout, run.stderr);
        assert!(out.contains("over the"), "{what}: {out}");
        // The help may be wrapped, inside a flag's name too.
        let joined: String = out.split_whitespace().collect();
        assert!(joined.contains("--max-policy-size") || joined.contains("--max-input-size"), "{what}: {out}");
    }
    // Within the limits, the same commands run.
    let run = mintlint_in(&dir, &["diff", "a.json", "b.json", "--max-policy-size", "1MiB"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn replay_events_obey_the_input_limit() {
    let dir = root().join("fixtures/replay");
    let run = mintlint(&[
        "replay",
        "--events",
        &dir.join("events.jsonl").display().to_string(),
        &dir.join("main").display().to_string(),
        "--max-input-size",
        "100",
    ]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("events file over the 100 bytes limit"), "{}", run.stderr);
    assert!(run.stderr.contains("--max-input-size"), "{}", run.stderr);
}

#[test]
fn limits_keys_are_checked() {
    for (toml, wanted) in [
        ("[limits]\npolcy = 64\n", "did you mean `policy`"),
        ("[limits]\npolicy = 0\n", "at least 1 byte"),
        ("[limits]\npolicy = -5\n", "at least 1 byte"),
        ("[limits]\ninput = \"ten\"\n", "not a size"),
        ("[limits]\ntf_file = \"10 parsecs\"\n", "unknown size unit"),
        ("[limits]\ninput = true\n", "not a boolean"),
    ] {
        let dir = dir_with("keys", &[("mint.json", POLICY), ("mintlint.toml", toml)]);
        let run = mintlint_in(&dir, &["check", "--color", "never", "."]);
        assert_eq!(run.code, 2, "{toml}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(wanted), "{toml}: {}", run.stderr);
    }
    let run = mintlint(&["check", "--max-policy-size", "0", "fixtures/demo"]);
    assert_eq!(run.code, 2);
    let run = mintlint(&["check", "--max-input-size", "1.5GiB", "fixtures/demo"]);
    assert_eq!(run.code, 2);
}
