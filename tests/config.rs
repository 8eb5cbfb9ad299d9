//! `mintlint.toml`: found upward from the first path or named with `--config`; every setting takes effect,
//! command-line flags override it, and anything unknown or mistyped is exit 2 with a span into the TOML.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use std::path::Path;

use common::{Scratch, mintlint_in, root};
use serde_json::Value;

/// A scratch directory holding the demo's payments policy and the given configuration.
fn project(name: &str, config: &str) -> Scratch {
    let dir = Scratch::new(&format!("config-{name}"));
    std::fs::create_dir_all(dir.join("policies/legacy")).unwrap();
    let demo = std::fs::read_to_string(root().join("fixtures/demo/payments-mint-role.json")).unwrap();
    std::fs::write(dir.join("policies/payments.json"), &demo).unwrap();
    std::fs::write(dir.join("policies/legacy/old.json"), &demo).unwrap();
    std::fs::write(dir.join("mintlint.toml"), config).unwrap();
    dir
}

fn rules_found(dir: &Path, args: &[&str]) -> Vec<(String, String, String)> {
    let mut all = vec!["check", "--format", "json", "--fail-on", "never"];
    all.extend_from_slice(args);
    let run = mintlint_in(dir, &all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_owned();
            (s("rule"), s("severity"), s("file"))
        })
        .collect()
}

#[test]
fn settings_select_rules_change_severity_and_feed_the_token_rules() {
    let dir = project(
        "settings",
        r#"
[token]
max_duration = 600
require_network_guard = true
[[token.audience]]
name = "https://ledger.partner.example"
owner = "ledger-team"

[rules]
ignore = ["duplicate-key"]
[rules.severity]
MINT004 = "info"
"#,
    );
    let found = rules_found(&dir, &["policies/payments.json"]);
    let has = |rule: &str, severity: &str| found.iter().any(|(r, s, _)| r == rule && s == severity);
    assert!(!found.iter().any(|(r, _, _)| r == "MINT002"), "{found:?}");
    assert!(has("MINT004", "info"), "{found:?}");
    // The registry lists only the ledger audience: payments' is unregistered.
    assert!(has("MINT102", "error"), "{found:?}");
    // SourceVpc is a network guard, so MINT109 stays silent although it is required.
    assert!(!found.iter().any(|(r, _, _)| r == "MINT109"), "{found:?}");
}

#[test]
fn command_line_overrides_the_file() {
    let dir = project("override", "[rules]\nselect = [\"MINT002\"]\n");
    let from_file = rules_found(&dir, &["policies/payments.json"]);
    assert!(from_file.iter().all(|(r, _, _)| r == "MINT002") && !from_file.is_empty(), "{from_file:?}");
    let from_flag = rules_found(&dir, &["--select", "MINT113", "policies/payments.json"]);
    assert!(from_flag.iter().all(|(r, _, _)| r == "MINT113") && !from_flag.is_empty(), "{from_flag:?}");
}

#[test]
fn per_path_ignores_apply_and_unused_ones_are_reported() {
    let dir = project(
        "per-path",
        r#"
[[rules.per_path]]
paths = ["policies/legacy/**"]
ignore = ["MINT113", "MINT118"]
"#,
    );
    let found = rules_found(&dir, &["policies"]);
    let legacy = |rule: &str| found.iter().any(|(r, _, f)| r == rule && f.contains("legacy"));
    assert!(!legacy("MINT113"), "{found:?}");
    assert!(found.iter().any(|(r, _, f)| r == "MINT113" && f.ends_with("payments.json")), "{found:?}");
    // MINT118 never fires on these files: its ignore is dead and reported, pointing into mintlint.toml.
    assert!(found.iter().any(|(r, s, f)| r == "MINT009" && s == "info" && f == "mintlint.toml"), "{found:?}");
    // Checking only the other file does not judge the legacy ignore.
    let other = rules_found(&dir, &["policies/payments.json"]);
    assert!(!other.iter().any(|(r, _, _)| r == "MINT009"), "{other:?}");
}

#[test]
fn files_globs_and_config_flag() {
    let dir = project("files", "[files]\nexclude = [\"legacy/**\"]\n");
    let found = rules_found(&dir, &["policies"]);
    assert!(!found.is_empty() && found.iter().all(|(_, _, f)| !f.contains("legacy")), "{found:?}");
    // `--config` names a file anywhere; its settings replace the nearest one.
    let other = dir.join("other.toml");
    std::fs::write(&other, "[rules]\nselect = [\"duplicate-sid\"]\n").unwrap();
    let found = rules_found(&dir, &["--config", other.to_str().unwrap(), "policies"]);
    assert!(found.iter().all(|(r, _, _)| r == "MINT004") && !found.is_empty(), "{found:?}");
}

#[test]
fn found_upward_from_a_bare_file_name() {
    let dir = project("upward", "[rules]\nselect = [\"duplicate-sid\"]\n");
    let found = rules_found(&dir.join("policies/legacy"), &["old.json"]);
    assert!(!found.is_empty() && found.iter().all(|(r, _, _)| r == "MINT004"), "{found:?}");
}

fn config_error(name: &str, config: &str) -> String {
    let dir = project(name, config);
    let run = mintlint_in(&dir, &["check", "--color", "never", "policies"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stdout.is_empty());
    run.stderr
}

#[test]
fn a_misspelt_key_is_exit_2_with_a_span_and_did_you_mean() {
    let stderr = config_error("typo", "[token]\nmax_duraton = 300\n");
    assert!(stderr.contains("unknown field `max_duraton`"), "{stderr}");
    assert!(stderr.contains("mintlint.toml:2:1"), "{stderr}");
    assert!(stderr.contains("did you mean `max_duration`?"), "{stderr}");
}

#[test]
fn wrong_types_and_values_are_exit_2() {
    let stderr = config_error("type", "[token]\nrequire_network_guard = \"yes\"\n");
    assert!(stderr.contains("wrong type") && stderr.contains("`true` or `false`"), "{stderr}");
    let stderr = config_error("range", "[token]\nmax_duration = 7200\n");
    assert!(stderr.contains("outside 60-3600"), "{stderr}");
    let stderr = config_error("rule", "[rules]\nignore = [\"any-value-audiance\"]\n");
    assert!(stderr.contains("did you mean `any-value-audience`?"), "{stderr}");
    let stderr = config_error("severity", "[rules.severity]\nMINT103 = \"fatal\"\n");
    assert!(stderr.contains("unknown severity `fatal`"), "{stderr}");
    let stderr = config_error("assumption", "[assumptions]\nplain_operator_on_multivalued = \"all\"\n");
    assert!(stderr.contains("`any-value` or `no-match`"), "{stderr}");
    let stderr = config_error("algorithm", "[token]\nsigning_algorithms = [\"HS256\"]\n");
    assert!(stderr.contains("unknown signing algorithm `HS256`"), "{stderr}");
}

#[test]
fn assumptions_reach_the_rules() {
    // Under `tag_check_sees_sts_keys = false` the tag check never carries the audience key, so an audience
    // condition on a statement that also grants the tag permission is reported by MINT119.
    let dir = project("assumptions", "[assumptions]\ntag_check_sees_sts_keys = false\n");
    let policy = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Action": ["sts:GetWebIdentityToken", "sts:TagGetWebIdentityToken"], "Resource": "*",
      "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://a.example"], "aws:TagKeys": ["team"]}}}]}"#;
    std::fs::write(dir.join("policies/both.json"), policy).unwrap();
    let with = rules_found(&dir, &["policies/both.json"]);
    std::fs::write(dir.join("mintlint.toml"), "").unwrap();
    let without = rules_found(&dir, &["policies/both.json"]);
    assert!(with.iter().any(|(r, _, _)| r == "MINT119"), "{with:?}");
    assert!(!without.iter().any(|(r, _, _)| r == "MINT119"), "{without:?}");
}

/// `[defaults] region` gives every request that names none its region; `--region` wins; the output shows it.
#[test]
fn default_region_comes_from_the_configuration() {
    let dir = project("region", "[defaults]\nregion = \"eu-central-2\"\n");
    let region = |extra: &[&str]| -> String {
        let mut args =
            vec!["simulate", "--policy", "policies/payments.json", "--audience", "https://payments.partner.example"];
        args.extend_from_slice(&["--format", "json"]);
        args.extend_from_slice(extra);
        let run = mintlint_in(&dir, &args);
        let report: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stderr));
        report["request"]["region"].as_str().unwrap().to_owned()
    };
    assert_eq!(region(&[]), "eu-central-2");
    assert_eq!(region(&["--region", "ap-south-2"]), "ap-south-2");
    // Without a configuration, the documented default.
    let bare = Scratch::new("config-bare");
    std::fs::copy(dir.join("policies/payments.json"), bare.join("p.json")).unwrap();
    let run = mintlint_in(
        &bare,
        &["simulate", "--policy", "p.json", "--audience", "https://payments.partner.example", "--format", "json"],
    );
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["request"]["region"], "us-east-1");

    let bad = project("bad-region", "[defaults]\nregion = \"EU West\"\n");
    let run = mintlint_in(&bad, &["check", "policies", "--color", "never"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("`EU West` is not an AWS region name"), "{}", run.stderr);
}

/// `[assumptions]` apply to `simulate`, `diff` and `graph` as to `check`; `--assume` overrides one setting.
#[test]
fn assumptions_apply_to_every_command() {
    let policy = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken",
        "Resource": "*", "Condition": {"NumericLessThanEquals": {"sts:DurationSeconds": 900}}}]}"#;
    let dir = project("assume", "[assumptions]\nduration_key_when_omitted = \"default-300\"\n");
    std::fs::write(dir.join("policies/capped.json"), policy).unwrap();
    let simulate = |extra: &[&str]| {
        let mut args = vec!["simulate", "--policy", "policies/capped.json", "--audience", "https://a.example"];
        args.extend_from_slice(extra);
        mintlint_in(&dir, &args).code
    };
    // With the key present at 300 when omitted, the cap allows an omitted duration.
    assert_eq!(simulate(&[]), 0);
    assert_eq!(simulate(&["--assume", "duration_key_when_omitted=absent"]), 1);
    let graph = mintlint_in(&dir, &["graph", "policies/capped.json", "--format", "json"]);
    let report: Value = serde_json::from_str(&graph.stdout).unwrap();
    assert_eq!(report["principals"][0]["duration_may_be_omitted"], true, "{}", graph.stdout);
}

#[test]
fn accounts_are_part_of_the_schema_and_validated() {
    let valid = r#"
[accounts."111122223333"]
name = "payments-prod"
issuer = "https://a1b2c3d4-0000-4111-8222-333344445555.tokens.sts.global.api.aws"
org_id = "o-a1b2c3d4e5"
terraform = ["infra/prod/**"]

[accounts."444455556666"]
name = "sandbox"
"#;
    let dir = project("accounts", valid);
    let run = mintlint_in(&dir, &["check", "--format", "json", "--fail-on", "never", "policies"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let stderr = config_error("account-id", "[accounts.\"1111\"]\nname = \"x\"\n");
    assert!(stderr.contains("`1111` is not an AWS account id"), "{stderr}");
    let stderr = config_error("account-issuer", "[accounts.\"111122223333\"]\nissuer = \"http://x.example\"\n");
    assert!(stderr.contains("invalid issuer") && stderr.contains("`https://` URL"), "{stderr}");
    let stderr = config_error(
        "account-slash",
        "[accounts.\"111122223333\"]\nissuer = \"https://x.tokens.sts.global.api.aws/\"\n",
    );
    assert!(stderr.contains("trailing `/`"), "{stderr}");
    let stderr = config_error("account-org", "[accounts.\"111122223333\"]\norg_id = \"org-1\"\n");
    assert!(stderr.contains("not an organization id"), "{stderr}");
    let stderr = config_error("account-key", "[accounts.\"111122223333\"]\nisuer = \"https://x\"\n");
    assert!(stderr.contains("did you mean `issuer`?"), "{stderr}");
    let stderr = config_error("account-glob", "[accounts.\"111122223333\"]\nterraform = [\"infra/[\"]\n");
    assert!(stderr.contains("invalid glob"), "{stderr}");
}
