//! What `check` reads as a policy, and as which kind (DESIGN §9.1), through the real binary: non-policy JSON is
//! skipped and counted, the AWS CLI's outputs are read as the policy they wrap, templates are checked with
//! their placeholders unknown, the walk skips hidden, dependency and virtualenv directories, the
//! configuration's exclusions hold for files named on the command line, and the kind of a loose file
//! (`--kind`, `[[files.kind]]`, or its content) decides which rules apply.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use common::{mintlint, mintlint_in, root};
use serde_json::Value;

struct Report {
    findings: Vec<Value>,
    stats: Value,
    code: i32,
}

fn check_in(dir: &std::path::Path, args: &[&str]) -> Report {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let run = mintlint_in(dir, &all);
    let report: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout, run.stderr));
    Report {
        findings: report["findings"].as_array().cloned().unwrap_or_default(),
        stats: report["stats"].clone(),
        code: run.code,
    }
}

fn check(args: &[&str]) -> Report {
    check_in(&root(), args)
}

impl Report {
    fn rules(&self) -> Vec<(&str, &str)> {
        self.findings.iter().map(|f| (f["rule"].as_str().unwrap(), f["source"].as_str().unwrap())).collect()
    }

    fn rules_in(&self, source_end: &str) -> Vec<&str> {
        self.rules().into_iter().filter(|(_, s)| s.ends_with(source_end)).map(|(r, _)| r).collect()
    }
}

#[test]
fn json_without_a_policy_signal_is_skipped_and_counted() {
    let report = check(&["fixtures/not-policy"]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.code, 0);
    // package.json, tsconfig.json (comments: not JSON), renovate.json, an empty file, PNG bytes, web/cdk.json;
    // `.vscode/`, `.github/` and the virtualenv `venv/` are not walked, though they hold policy-like files.
    assert_eq!(report.stats["files"], 6, "{}", report.stats);
    assert_eq!(report.stats["not_policies"], 6, "{}", report.stats);
    assert_eq!(report.stats["policies"], 0);
}

#[test]
fn named_non_policy_files_are_skipped_too_and_stats_say_so() {
    let run = mintlint(&[
        "check",
        "--stats",
        "fixtures/not-policy/package.json",
        "fixtures/not-policy/tsconfig.json",
        "fixtures/not-policy/empty.json",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("skipped, not a policy: 3"), "{}", run.stderr);
}

#[test]
fn a_misspelt_statement_is_still_a_policy() {
    let report = check(&["fixtures/parse/misspelled-statement.json"]);
    assert!(report.rules().iter().any(|(r, _)| *r == "MINT001"), "{:?}", report.rules());
    assert_eq!(report.stats["not_policies"], 0);
}

#[test]
fn a_hidden_directory_named_directly_is_checked() {
    let report = check(&["fixtures/not-policy/.github"]);
    assert!(report.rules().iter().any(|(r, _)| *r == "MINT100"), "{:?}", report.rules());
    let report = check(&["fixtures/not-policy/venv/lib/policy.json"]);
    assert!(report.rules().iter().any(|(r, _)| *r == "MINT100"), "{:?}", report.rules());
}

#[test]
fn cli_outputs_are_read_as_the_policy_they_wrap() {
    let report = check(&["--fail-on", "never", "fixtures/cli-output"]);
    // `get-policy-version`: the document where it is, in the file.
    assert_eq!(report.rules_in("get-policy-version.json"), ["MINT113"]);
    // `get-role-policy`, URL-encoded: decoded into a source of its own; the misspelt audience key is found
    // (and so is the missing audience guard it causes).
    let encoded = report.rules_in("get-role-policy-url-encoded.json › PolicyDocument");
    assert!(encoded.contains(&"MINT010") && encoded.contains(&"MINT100"), "{encoded:?}");
    // `describe-policy` of an SCP: its `Allow *` only limits, so no minting rule reads it as a grant.
    assert!(report.rules_in("describe-policy-scp.json › Policy.Content").is_empty(), "{:?}", report.rules());
    // `get-bucket-policy`: a resource policy (`Principal: *`) grants no token.
    assert!(report.rules_in("get-bucket-policy.json › Policy").is_empty(), "{:?}", report.rules());
    assert_eq!(report.stats["not_policies"], 0);
}

#[test]
fn templates_are_checked_with_their_placeholders_unknown() {
    let report = check(&["fixtures/templates"]);
    // No invalid CIDR for `<my-corporate-cidr>`, no unknown key for `<OIDC_provider_name_1>:sub`, no
    // unknown action or string-type error for the intrinsics, no grant read from a templated statement: one
    // note per template that says its placeholders were not judged.
    let rules: Vec<&str> = report.rules().iter().map(|(r, _)| *r).collect();
    assert_eq!(rules, ["MINT019", "MINT019", "MINT019"], "{:#?}", report.findings);
    assert_eq!(report.code, 0);
}

#[test]
fn placeholders_do_not_hide_the_rest_of_a_template() {
    let dir = tempdir("template-rest");
    std::fs::write(
        dir.join("policy.json"),
        r#"{"Version": "2012-10-17", "Statement": [
             {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::${BUCKET}/*",
              "Condition": {"StringEquals": {"aws:SourceVpce": "<vpce-id>"}, "StringEqual": {"aws:SourceVpc": "v"}}},
             {"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*"}]}"#,
    )
    .unwrap();
    let report = check_in(&dir, &["--fail-on", "never", "policy.json"]);
    let rules: Vec<&str> = report.rules().iter().map(|(r, _)| *r).collect();
    // The misspelt operator of the templated statement and the untemplated grant are still judged.
    assert!(rules.contains(&"MINT001"), "{rules:?}");
    assert!(rules.contains(&"MINT100"), "{rules:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mintlint-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const ADMIN: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

#[test]
fn configured_exclusions_hold_for_files_named_on_the_command_line() {
    let dir = tempdir("named-exclude");
    std::fs::create_dir_all(dir.join("legacy")).unwrap();
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::write(dir.join("legacy/admin.json"), ADMIN).unwrap();
    std::fs::write(dir.join("policies/admin.json"), ADMIN).unwrap();
    std::fs::write(dir.join("mintlint.toml"), "[files]\nexclude = [\"legacy/**\"]\n").unwrap();
    // As pre-commit calls the hook: every changed file named, from the repository root.
    let report = check_in(&dir, &["legacy/admin.json", "policies/admin.json"]);
    let sources: Vec<&str> = report.rules().iter().map(|(_, s)| *s).collect();
    assert!(sources.iter().all(|s| s.starts_with("policies/")), "{sources:?}");
    assert!(!sources.is_empty());
    // From elsewhere, the configuration's globs still apply relative to its directory.
    let report = check_in(&dir.join("legacy"), &["--config", "../mintlint.toml", "admin.json"]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    // A command-line `--exclude` too.
    let report = check_in(&dir, &["--exclude", "policies/**", "policies/admin.json"]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn statements_naming_a_principal_grant_nothing() {
    let report = check(&["fixtures/kinds/endpoints"]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.code, 0);
}

#[test]
fn files_kind_in_the_configuration_decides_which_rules_apply() {
    let report = check(&["--fail-on", "never", "fixtures/kinds"]);
    // The SCPs only limit: their `Allow *` is no minting grant. The same text as an identity policy is one.
    assert!(report.rules_in("org/scps/full-aws-access.json").is_empty(), "{:?}", report.rules());
    assert!(report.rules_in("identity/admin.json").contains(&"MINT100"), "{:?}", report.rules());
    // AWS managed policies are not under the customer managed policy quota.
    assert!(!report.rules_in("aws-managed/large-aws-managed-policy.json").contains(&"MINT005"));
    let named = check(&["--fail-on", "never", "fixtures/kinds/org/scps/full-aws-access.json"]);
    assert!(named.findings.is_empty(), "the configuration applies to named files too: {:?}", named.rules());
}

#[test]
fn kind_on_the_command_line_overrides_content_and_configuration() {
    let report = check(&["--fail-on", "never", "--kind", "scp", "fixtures/kinds/identity/admin.json"]);
    assert!(report.findings.is_empty(), "{:?}", report.rules());
    let report = check(&["--fail-on", "never", "--kind", "identity", "fixtures/kinds/org/scps/full-aws-access.json"]);
    assert!(report.rules().iter().any(|(r, _)| *r == "MINT100"), "{:?}", report.rules());
    let report = check(&[
        "--fail-on",
        "never",
        "--kind",
        "identity",
        "fixtures/lint/policy-too-large/fail_managed_policy_over_quota.json",
    ]);
    assert!(report.rules().iter().any(|(r, _)| *r == "MINT005"));
    let report = check(&[
        "--fail-on",
        "never",
        "--kind",
        "aws-managed",
        "fixtures/lint/policy-too-large/fail_managed_policy_over_quota.json",
    ]);
    assert!(!report.rules().iter().any(|(r, _)| *r == "MINT005"), "{:?}", report.rules());
    // A principal in an identity policy is wrong, and said so.
    let report =
        check(&["--fail-on", "never", "--kind", "identity", "fixtures/kinds/endpoints/default-endpoint-policy.json"]);
    assert!(report.rules().iter().any(|(r, _)| *r == "MINT001"), "{:?}", report.rules());
}

#[test]
fn an_unknown_kind_in_the_configuration_is_an_error_with_a_suggestion() {
    let dir = tempdir("bad-kind");
    std::fs::write(dir.join("mintlint.toml"), "[[files.kind]]\npaths = [\"org/**\"]\nkind = \"aws_managed\"\n")
        .unwrap();
    std::fs::write(dir.join("a.json"), ADMIN).unwrap();
    let run = mintlint_in(&dir, &["check", "--color", "never", "a.json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown policy kind `aws_managed`") && run.stderr.contains("did you mean `aws-managed`?"),
        "{}",
        run.stderr
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
