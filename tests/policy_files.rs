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

#[test]
fn a_policy_mirrored_into_its_parent_is_reported_once() {
    // `aws_s3_bucket.policy` holds the text `aws_s3_bucket_policy` manages: one document reached twice. A
    // bucket the standalone resource does not name keeps its own finding.
    let report = check(&["--fail-on", "never", "fixtures/inputs/mirrored-bucket-policy/plan.json"]);
    let sources: Vec<&str> = report.rules().iter().filter(|(r, _)| *r == "MINT017").map(|(_, s)| *s).collect();
    assert_eq!(sources.len(), 2, "{sources:?}");
    assert!(sources.iter().any(|s| s.ends_with("aws_s3_bucket_policy.logs › policy")), "{sources:?}");
    assert!(sources.iter().any(|s| s.ends_with("aws_s3_bucket.other › policy")), "{sources:?}");
}

#[test]
fn the_size_of_a_policy_from_terraform_source_is_its_rendered_json() {
    // The HCL that writes a trust policy is far longer than the 2,048 characters of its JSON quota; the JSON
    // it renders to is not.
    let dir = tempdir("tf-size");
    let padding: String = (0..60).map(|i| format!("  # comment line {i} that makes the HCL long\n")).collect();
    std::fs::write(
        dir.join("main.tf"),
        format!(
            "data \"aws_iam_policy_document\" \"trust\" {{\n{padding}  statement {{\n    actions = [\"sts:AssumeRole\"]\n    principals {{\n      type        = \"Service\"\n      identifiers = [\"ec2.amazonaws.com\"]\n    }}\n  }}\n}}\n\nresource \"aws_iam_role\" \"r\" {{\n  name               = \"r\"\n  assume_role_policy = data.aws_iam_policy_document.trust.json\n}}\n"
        ),
    )
    .unwrap();
    let report = check_in(&dir, &["--fail-on", "never", "main.tf"]);
    assert!(!report.rules().iter().any(|(r, _)| *r == "MINT005"), "{:#?}", report.findings);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_generated_pattern_that_matches_nothing_in_an_allow_is_info() {
    let dir = tempdir("pattern-nothing");
    std::fs::write(
        dir.join("p.json"),
        r#"{"Version": "2012-10-17", "Statement": [
             {"Effect": "Allow", "Action": ["autoscaling:View*", "s3:GetObject"], "Resource": "*"},
             {"Effect": "Deny", "Action": "autoscaling:View*", "Resource": "*"}]}"#,
    )
    .unwrap();
    let report = check_in(&dir, &["--fail-on", "never", "p.json"]);
    let severities: Vec<&str> =
        report.findings.iter().filter(|f| f["rule"] == "MINT006").map(|f| f["severity"].as_str().unwrap()).collect();
    assert_eq!(severities, ["info", "warning"], "{:#?}", report.findings);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_empty_policy_document_that_feeds_nothing_is_not_linted() {
    // `"Statement": null` is how the provider renders a policy document data source without statements; one
    // that no resource uses is deployed nowhere. The same text in a policy resource is reported.
    let report = check(&["--fail-on", "never", "fixtures/inputs/empty-policy-document/plan.json"]);
    let sources: Vec<&str> = report.rules().iter().filter(|(r, _)| *r == "MINT001").map(|(_, s)| *s).collect();
    assert_eq!(sources.len(), 1, "{sources:?}");
    assert!(sources[0].ends_with("aws_iam_policy.broken › policy"), "{sources:?}");
}

#[test]
fn main_tf_beside_its_own_plan_is_reported_once() {
    // The plan holds the same document as the source: the source's finding (readable line) stands for both.
    let report = check(&["--fail-on", "never", "fixtures/inputs/plan-beside-source"]);
    let sources: Vec<&str> = report.rules().iter().filter(|(r, _)| *r == "MINT006").map(|(_, s)| *s).collect();
    assert_eq!(sources, ["fixtures/inputs/plan-beside-source/main.tf › data.aws_iam_policy_document.reports"]);
    // Alone, the plan still reports it.
    let report = check(&["--fail-on", "never", "fixtures/inputs/plan-beside-source/plan.json"]);
    assert!(report.rules().iter().any(|(r, _)| *r == "MINT006"), "{:?}", report.rules());
}

#[test]
fn documents_that_count_switches_off_are_not_linted_with_defaults() {
    let dir = tempdir("count-off");
    std::fs::write(
        dir.join("main.tf"),
        r#"variable "create_policy" {
  type    = bool
  default = false
}

resource "aws_iam_policy" "optional" {
  count  = var.create_policy ? 1 : 0
  name   = "optional"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}

data "aws_iam_policy_document" "off" {
  count = 0
  statement {
    actions   = ["*"]
    resources = ["*"]
  }
}
"#,
    )
    .unwrap();
    let report = check_in(&dir, &["--fail-on", "never", "main.tf"]);
    assert!(report.findings.iter().all(|f| f["severity"] == "info"), "{:#?}", report.findings);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_aws_managed_policy_read_by_a_data_source_has_no_customer_quota() {
    // `data "aws_iam_policy"` of `arn:aws:iam::aws:policy/...` is one of AWS's own policies; the same text
    // as the account's own managed policy is over the 6,144-character quota.
    let report = check(&["--fail-on", "never", "fixtures/inputs/aws-managed-data-source/plan.json"]);
    let sources: Vec<&str> = report.rules().iter().filter(|(r, _)| *r == "MINT005").map(|(_, s)| *s).collect();
    assert_eq!(sources.len(), 1, "{sources:?}");
    assert!(sources[0].ends_with("data.aws_iam_policy.own › policy"), "{sources:?}");
}
