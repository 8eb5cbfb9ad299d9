//! `mintlint replay`: the fixtures of `fixtures/replay/` and the real binary on them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

#[path = "support/cloudtrail.rs"]
mod cloudtrail;
#[path = "support/replay_scenario.rs"]
mod replay_scenario;

use std::io::{Read, Write};
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    common::root().join("fixtures/replay")
}

fn read_text(path: &std::path::Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if path.extension().is_some_and(|e| e == "gz") {
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes.as_slice()).read_to_string(&mut text).unwrap();
        text
    } else {
        String::from_utf8(bytes).unwrap()
    }
}

/// The event fixtures are what the scenario generates (`MINTLINT_REGENERATE=1` rewrites them).
#[test]
fn event_fixtures_are_generated_from_the_scenario() {
    let regenerate = std::env::var_os("MINTLINT_REGENERATE").is_some();
    for (path, text) in replay_scenario::files() {
        let path = fixtures().join(path);
        if regenerate {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let bytes = if path.extension().is_some_and(|e| e == "gz") {
                let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                gz.write_all(text.as_bytes()).unwrap();
                gz.finish().unwrap()
            } else {
                text.clone().into_bytes()
            };
            std::fs::write(&path, bytes).unwrap();
        }
        assert!(read_text(&path) == text, "{} is stale: run with MINTLINT_REGENERATE=1", path.display());
    }
}

/// The replay of the fixtures' month against the pull request, with `main` as the baseline.
const PR: [&str; 8] =
    ["replay", "infra", "--baseline", "main", "--events", "trail", "lookup-events.json", "events.jsonl"];

fn run(args: &[&str]) -> common::Run {
    common::mintlint_in(&fixtures(), args)
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut args = args.to_vec();
    args.extend(["--format", "json"]);
    let run = run(&args);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout, run.stderr))
}

#[test]
fn every_format_of_the_pull_request() {
    for format in ["human", "json", "sarif", "junit"] {
        let mut args = PR.to_vec();
        args.extend(["--format", format]);
        let run = run(&args);
        assert_eq!(run.code, 1, "{format}: breaking and widening exit 1: {}", run.stderr);
        assert_eq!(run.stderr, "", "{format}");
        insta::assert_snapshot!(format!("pr__{format}"), run.stdout);
    }
}

#[test]
fn the_pull_request_breaks_five_issuances_and_allows_two_refused_requests() {
    let v = json(&PR);
    let summary = &v["summary"];
    assert_eq!(summary["newly_denied"], 5);
    assert_eq!(summary["newly_allowed"], 2);
    assert_eq!(summary["undecided"], 0);
    assert_eq!(summary["baseline_disagrees"], 0, "main is what was deployed: it reproduces every record");
    let results = v["results"].as_array().unwrap();
    let changed = |change: &str| -> Vec<(String, Vec<String>)> {
        results
            .iter()
            .filter(|r| r["change"] == change)
            .map(|r| {
                let audiences = r["audience"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_owned());
                (r["principal"].as_str().unwrap().to_owned(), audiences.collect())
            })
            .collect()
    };
    let payments = "arn:aws:iam::111122223333:role/workloads/payments-api";
    let denied = changed("newly-denied");
    assert!(denied.iter().all(|(p, _)| p == payments), "{denied:?}");
    // The legacy audience (alone or beside the other), and the 900 s tokens of the partner audience.
    assert_eq!(denied.iter().filter(|(_, a)| a.contains(&replay_scenario::LEGACY.to_owned())).count(), 3);
    let allowed = changed("newly-allowed");
    assert!(allowed.iter().all(|(p, _)| p == "arn:aws:iam::111122223333:role/ci/ci-deployer"), "{allowed:?}");
    for r in results.iter().filter(|r| r["change"] != "unchanged") {
        assert!(!r["statements"].as_array().unwrap().is_empty(), "a change names its deciding statement: {r}");
    }
}

/// Every event is accounted for once: replayed, ignored (another call), a duplicate, skipped or not an
/// event.
#[test]
fn every_event_is_accounted_for() {
    let v = json(&PR);
    let sum = ["replayed", "ignored", "duplicates", "unrecognized"].iter().map(|k| v[k].as_u64().unwrap()).sum::<u64>()
        + v["skipped"].as_array().unwrap().len() as u64;
    assert_eq!(v["events"].as_u64().unwrap(), sum);
    assert_eq!(v["duplicates"], 1, "the lookup-events output repeats one record of the trail");
    let ids: Vec<&str> = v["results"].as_array().unwrap().iter().map(|r| r["event_id"].as_str().unwrap()).collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(ids.len(), unique.len());
}

#[test]
fn skipped_records_say_why() {
    let v = json(&PR);
    let reasons: Vec<&str> = v["skipped"].as_array().unwrap().iter().map(|s| s["reason"].as_str().unwrap()).collect();
    assert!(reasons.iter().any(|r| r.contains("OutboundWebIdentityFederationDisabledException")), "{reasons:?}");
    // The same role name in another account is not the role of the inputs.
    assert!(reasons.iter().any(|r| r.contains("arn:aws:iam::444455556666:role/workloads/payments-api")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("role/experiments/sandbox")), "{reasons:?}");
}

/// Replayed against what was deployed, the records are reproduced: nothing breaks, nothing widens. The
/// ledger's call through an endpoint nobody configured cannot be decided without its VPC.
#[test]
fn the_deployed_policies_reproduce_the_records() {
    let run = run(&["replay", "main", "--events", "trail", "lookup-events.json", "events.jsonl"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    insta::assert_snapshot!("deployed__human", run.stdout);
    let v = json(&["replay", "main", "--events", "trail", "lookup-events.json", "events.jsonl"]);
    assert_eq!(v["summary"]["newly_denied"], 0);
    assert_eq!(v["summary"]["newly_allowed"], 0);
    let undecided: Vec<&serde_json::Value> =
        v["results"].as_array().unwrap().iter().filter(|r| r["change"] == "undecided").collect();
    assert_eq!(undecided.len(), 1);
    let outcomes = undecided[0]["undecided"]["outcomes"].as_array().unwrap();
    let decisions: Vec<&str> = outcomes.iter().map(|o| o["decision"].as_str().unwrap()).collect();
    assert!(decisions.contains(&"allow") && decisions.contains(&"implicit-deny"), "{decisions:?}");
    assert!(outcomes.iter().any(|o| o["when"] == "aws:SourceVpc=vpc-0f1e2d3c4b5a69788"), "{outcomes:?}");
}

/// Inventory paths may follow `--events` (its values are told apart by content).
#[test]
fn inventory_after_events() {
    let a = json(&["replay", "--events", "trail", "lookup-events.json", "events.jsonl", "infra", "--baseline", "main"]);
    let b = json(&PR);
    assert_eq!(a["summary"], b["summary"]);
}

#[test]
fn usage_errors_exit_2() {
    let missing = run(&["replay", "infra", "--events", "no-such-trail"]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(missing.stderr.contains("no-such-trail"), "{}", missing.stderr);
    let nothing = run(&["replay", "--events", "trail"]);
    assert_eq!(nothing.code, 2);
    assert!(nothing.stderr.contains("nothing to replay against"), "{}", nothing.stderr);
}

/// With policy files instead of an inventory, every recorded principal is replayed against them.
#[test]
fn policy_files_stand_for_every_principal() {
    let dir = std::env::temp_dir().join(format!("mintlint-replay-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("mint.json");
    std::fs::write(
        &policy,
        r#"{"Version": "2012-10-17", "Statement": [{"Sid": "OnlyVault", "Effect": "Allow",
            "Action": "sts:GetWebIdentityToken", "Resource": "*",
            "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://vault.internal.example"]},
                          "Null": {"sts:IdentityTokenAudience": "false"}}}]}"#,
    )
    .unwrap();
    let policy = policy.to_str().unwrap();
    let v = json(&["replay", "--events", "lookup-events.json", "--policy", policy]);
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for r in results {
        let vault = r["audience"][0] == replay_scenario::VAULT;
        assert_eq!(r["now"], if vault { "allow" } else { "implicit-deny" }, "{r}");
        assert_eq!(r["change"], if vault { "unchanged" } else { "newly-denied" }, "{r}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
