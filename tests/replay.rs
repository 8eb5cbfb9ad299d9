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

/// JSON is written from a spill a call at a time and JUnit from the changed calls and a count per group:
/// what they write to `--output` is what they write to standard output, for the pull request and for the
/// month replayed against what was deployed (calls from three files, decided in parallel, in time order).
#[test]
fn streamed_reports_are_the_same_on_stdout_and_in_output_files() {
    let dir = std::env::temp_dir().join(format!("mintlint-replay-output-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let deployed = ["replay", "main", "--events", "trail", "lookup-events.json", "events.jsonl"];
    for (name, base) in [("pr", &PR[..]), ("deployed", &deployed[..])] {
        for format in ["json", "junit"] {
            let mut args = base.to_vec();
            args.extend(["--format", format]);
            let stdout = run(&args);
            let path = dir.join(format!("{name}.{format}"));
            let path_text = path.to_str().unwrap();
            args.extend(["--output", path_text]);
            let file = run(&args);
            assert_eq!(file.code, stdout.code, "{name} {format}: {}", file.stderr);
            assert_eq!(file.stdout, "", "{name} {format}");
            assert_eq!(std::fs::read_to_string(&path).unwrap(), stdout.stdout, "{name} {format}");
            assert!(stdout.stdout.ends_with('\n') && !stdout.stdout.is_empty(), "{name} {format}");
        }
    }
    // Every call is listed once, in event time order, then by event id.
    let v = json(&deployed);
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len() as u64, v["replayed"].as_u64().unwrap());
    let keys: Vec<(String, String)> = results
        .iter()
        .map(|r| (r["time"].as_str().unwrap().to_owned(), r["event_id"].as_str().unwrap().to_owned()))
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    std::fs::remove_dir_all(&dir).unwrap();
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

/// `--suggest` over the deployed policies and the whole month.
const SUGGEST: [&str; 7] = ["replay", "main", "--events", "trail", "lookup-events.json", "events.jsonl", "--suggest"];

#[test]
fn every_format_of_the_suggestion() {
    for format in ["human", "json"] {
        let mut args = SUGGEST.to_vec();
        args.extend(["--format", format]);
        let run = run(&args);
        assert_eq!(run.code, 0, "{format}: a suggestion is written, not judged: {}", run.stderr);
        assert_eq!(run.stderr, "", "{format}");
        insta::assert_snapshot!(format!("suggest__{format}"), run.stdout);
    }
    let sarif = run(&["replay", "main", "--events", "trail", "--suggest", "--format", "sarif"]);
    assert_eq!(sarif.code, 2, "{}", sarif.stderr);
    let baseline = run(&["replay", "infra", "--baseline", "main", "--events", "trail", "--suggest"]);
    assert_eq!(baseline.code, 2, "{}", baseline.stderr);
}

/// What each principal used, exactly: the legacy audience stays (it was used), the cap is the longest
/// lifetime issued, the tags are bound to the principal's own, and the unused grants are what the current
/// policies allow beyond that.
#[test]
fn the_suggestion_is_what_was_used() {
    let v = json(&SUGGEST);
    let suggestions = v["suggestions"].as_array().unwrap();
    let of =
        |arn: &str| suggestions.iter().find(|s| s["principals"].as_array().unwrap().iter().any(|p| p == arn)).unwrap();
    let payments = of("arn:aws:iam::111122223333:role/workloads/payments-api");
    assert_eq!(payments["uses"]["audiences"], serde_json::json!([replay_scenario::LEGACY, replay_scenario::PAYMENTS]));
    assert_eq!(payments["uses"]["max_lifetime"], 900);
    assert_eq!(payments["uses"]["signing_algorithms"], serde_json::json!(["ES384"]));
    assert_eq!(payments["uses"]["tags"][0]["values"]["team"], serde_json::json!({"principal_tag": "team"}));
    let ledger = of("arn:aws:iam::111122223333:role/ledger-exporter");
    assert_eq!(ledger["uses"]["lifetime_omitted"], false);
    assert_eq!(
        ledger["uses"]["endpoints"],
        serde_json::json!([
            {"vpc": "vpc-0f1e2d3c4b5a69788", "vpce": [replay_scenario::LEDGER_VPCE]},
            {"vpc": null, "vpce": [replay_scenario::UNKNOWN_VPCE]},
        ]),
        "each endpoint with its VPC; one endpoint's VPC is unknown"
    );
    let ci = of("arn:aws:iam::111122223333:role/ci/ci-deployer");
    assert_eq!(ci["uses"]["max_lifetime"], 600);
    for s in suggestions {
        assert_eq!(s["check"], serde_json::json!([]), "{s}");
        let replay = &s["replay"];
        assert!(replay["replayed"].as_u64().unwrap() > 0);
        assert_eq!(replay["allowed"], replay["replayed"], "{s}");
    }
    let unused = v["unused"].as_array().unwrap();
    let unused_of = |arn: &str| unused.iter().find(|u| u["principal"] == arn).unwrap();
    let payments = unused_of("arn:aws:iam::111122223333:role/workloads/payments-api");
    let dims: Vec<&str> =
        payments["unused"].as_array().unwrap().iter().map(|c| c["dimension"].as_str().unwrap()).collect();
    assert_eq!(dims, ["tag_values"], "env may take any value now; only the principal's own was sent");
    let ledger = unused_of("arn:aws:iam::111122223333:role/ledger-exporter");
    let dims: Vec<&str> =
        ledger["unused"].as_array().unwrap().iter().map(|c| c["dimension"].as_str().unwrap()).collect();
    assert!(dims.contains(&"lifetime") && dims.contains(&"network"), "{dims:?}");
    assert!(v["unused"].as_array().unwrap().iter().all(|u| u["exact"] == true));
}

/// A suggestion for a principal that never minted: none; its grants are all unused. The pull request's
/// wider CI grant (every Vault cluster) is unused beyond the one audience CI minted for.
#[test]
fn unused_grants_of_the_pull_request() {
    let v = json(&["replay", "infra", "--events", "trail", "lookup-events.json", "events.jsonl", "--suggest"]);
    let ci = v["unused"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["principal"] == "arn:aws:iam::111122223333:role/ci/ci-deployer")
        .unwrap();
    let audience = ci["unused"].as_array().unwrap().iter().find(|c| c["dimension"] == "audience").unwrap();
    assert!(
        audience["description"].as_str().unwrap().contains("by the pattern `https://vault.*.example`"),
        "{audience}"
    );
    // The pull request refuses the legacy audience that payments used: the suggestion (what was used) allows
    // it, and says so.
    let payments = v["unused"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["principal"] == "arn:aws:iam::111122223333:role/workloads/payments-api")
        .unwrap();
    let wider: Vec<&str> =
        payments["suggestion_allows"].as_array().unwrap().iter().map(|c| c["dimension"].as_str().unwrap()).collect();
    assert!(wider.contains(&"audience"), "{payments}");
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mintlint-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every suggested policy passes `check` with no warning, as a JSON policy and as the Terraform block.
#[test]
fn suggested_policies_pass_check() {
    let v = json(&SUGGEST);
    let dir = temp_dir("suggest-check");
    for (i, s) in v["suggestions"].as_array().unwrap().iter().enumerate() {
        std::fs::write(dir.join(format!("policy{i}.json")), serde_json::to_string_pretty(&s["policy"]).unwrap())
            .unwrap();
        std::fs::write(dir.join(format!("policy{i}.tf")), s["terraform"].as_str().unwrap()).unwrap();
    }
    let check = common::mintlint_in(&dir, &["check", ".", "--format", "json"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    let report: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.iter().all(|f| f["severity"] == "info"), "{findings:#?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Deployed as the roles' only minting policies (through the Terraform blocks), the suggestions allow every
/// issuance recorded.
#[test]
fn suggested_policies_replayed_deny_nothing_they_came_from() {
    let v = json(&SUGGEST);
    let dir = temp_dir("suggest-replay");
    let mut tf = String::from(
        "provider \"aws\" {\n  region = \"eu-west-1\"\n  allowed_account_ids = [\"111122223333\"]\n}\n\n\
         locals {\n  trust = jsonencode({Version = \"2012-10-17\", Statement = [{Effect = \"Allow\", \
         Principal = {Service = \"ecs-tasks.amazonaws.com\"}, Action = \"sts:AssumeRole\"}]})\n}\n",
    );
    let roles = [
        ("payments_api", "payments-api", "/workloads/", "{ team = \"payments\", env = \"prod\" }"),
        ("ledger_exporter", "ledger-exporter", "/", "{ team = \"ledger\" }"),
        ("ci_deployer", "ci-deployer", "/ci/", "{}"),
    ];
    for s in v["suggestions"].as_array().unwrap() {
        let terraform = s["terraform"].as_str().unwrap();
        tf.push_str(terraform);
        let data = terraform.split('"').nth(3).unwrap();
        for p in s["principals"].as_array().unwrap() {
            let (id, name, path, tags) =
                roles.iter().find(|(_, name, _, _)| p.as_str().unwrap().ends_with(&format!("/{name}"))).unwrap();
            tf.push_str(&format!(
                "\nresource \"aws_iam_role\" \"{id}\" {{\n  name = \"{name}\"\n  path = \"{path}\"\n  \
                 assume_role_policy = local.trust\n  tags = {tags}\n}}\n\nresource \"aws_iam_role_policy\" \"{id}\" \
                 {{\n  name = \"mint\"\n  role = aws_iam_role.{id}.id\n  policy = data.aws_iam_policy_document.{data}.json\n}}\n"
            ));
        }
    }
    std::fs::write(dir.join("tokens.tf"), tf).unwrap();
    std::fs::copy(fixtures().join("mintlint.toml"), dir.join("mintlint.toml")).unwrap();
    let events: Vec<String> = ["trail", "lookup-events.json", "events.jsonl"]
        .iter()
        .map(|e| fixtures().join(e).to_str().unwrap().to_owned())
        .collect();
    let mut args = vec!["replay", ".", "--format", "json", "--events"];
    args.extend(events.iter().map(String::as_str));
    let run = common::mintlint_in(&dir, &args);
    let replayed: serde_json::Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stderr));
    let issued: Vec<&serde_json::Value> =
        replayed["results"].as_array().unwrap().iter().filter(|r| r["recorded"] == "issued").collect();
    assert_eq!(issued.len() as u64, v["issued"].as_u64().unwrap());
    for r in issued {
        assert_eq!(r["now"], "allow", "{r}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The VPC of an endpoint comes from an `aws_vpc_endpoint` of the inputs (here a state file) as well as from
/// `[network.endpoints]`: the ledger's call through the endpoint nobody configured is then decided.
#[test]
fn endpoint_vpcs_from_the_inventory() {
    let v = json(&["replay", "main", "network/state.json", "--events", "trail", "lookup-events.json", "events.jsonl"]);
    assert_eq!(v["summary"]["undecided"], 0, "{}", v["summary"]);
    assert_eq!(v["summary"]["newly_denied"], 0);
    let suggest = json(&[
        "replay",
        "main",
        "network/state.json",
        "--events",
        "trail",
        "lookup-events.json",
        "events.jsonl",
        "--suggest",
    ]);
    let ledger = suggest["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["principals"][0] == "arn:aws:iam::111122223333:role/ledger-exporter")
        .unwrap();
    assert_eq!(
        ledger["uses"]["endpoints"],
        serde_json::json!([{"vpc": "vpc-0f1e2d3c4b5a69788", "vpce": [replay_scenario::LEDGER_VPCE, replay_scenario::UNKNOWN_VPCE]}])
    );
    let unused =
        suggest["unused"].as_array().unwrap().iter().find(|u| u["principal"] == ledger["principals"][0]).unwrap();
    assert_eq!(unused["suggestion_allows"], serde_json::json!([]), "{unused}");
}

/// The replay rules are documented like check's: `mintlint explain`, and in the SARIF rule metadata a help
/// link to their row of README's rule table and a security severity.
#[test]
fn replay_rules_are_documented() {
    for (code, name) in [("MINT310", "replay-breaks-issuance"), ("MINT311", "replay-allows-denied")] {
        let by_code = run(&["explain", code]);
        assert_eq!(by_code.code, 0, "{}", by_code.stderr);
        assert!(by_code.stdout.contains("## Why it matters"), "{}", by_code.stdout);
        assert_eq!(by_code.stdout, run(&["explain", name]).stdout);
    }
    let mut args = PR.to_vec();
    args.extend(["--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&run(&args).stdout).unwrap();
    for rule in sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap() {
        let code = rule["id"].as_str().unwrap().to_ascii_lowercase();
        assert!(rule["helpUri"].as_str().unwrap().ends_with(&format!("README.md#{code}")), "{rule}");
        assert_eq!(rule["properties"]["security-severity"], "7.5", "{rule}");
    }
}
