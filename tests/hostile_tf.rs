//! Terraform source a pull request can carry, tried as an attacker would (issue 15's `.tf` items): reads outside
//! the input's root (absolute paths, `..`, links, devices, FIFOs), a module that calls its own directory to
//! hide it, `$${` escapes, and evaluation blow-ups (exponential locals, self-calling modules, long chains).
//! Every input is generated here in a scratch directory; every run is bounded (killed after 60 s, which is a
//! failure): the time and memory figures are in the notes, measured with `/usr/bin/time -v`, not asserted.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// What no output may ever contain: it is only in files outside the root and in the environment.
const SECRET: &str = "TOPSECRET-d41d8cd98f00b204";

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

/// The binary, in `dir`, with the secret in its environment; killed (and failed) after 60 s.
fn run_in(dir: &Path, args: &[&str]) -> Run {
    let child = Command::new(env!("CARGO_BIN_EXE_mintlint"))
        .args(args)
        .current_dir(dir)
        .env("CI_SECRET_TOKEN", SECRET)
        .env("COLUMNS", "100")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    // Output is read while the process runs (a large report fills the pipe), on a thread, so the wait can
    // give up.
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || send.send(child.wait_with_output()));
    let Ok(out) = receive.recv_timeout(Duration::from_secs(60)) else {
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        panic!("mintlint {args:?} did not finish in 60 s");
    };
    let out = out.unwrap();
    let run = Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    };
    assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET), "leaked: {}{}", run.stdout, run.stderr);
    run
}

/// A scratch directory `base` with the input's root `base/root` (not in any repository: the root is the
/// directory given) and a policy holding the secret beside it, outside the root.
fn scratch(name: &str) -> (PathBuf, PathBuf) {
    let base = std::env::temp_dir().join(format!("mintlint-hostile-tf-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(base.join("root")).unwrap();
    let secret = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "{SECRET}"}}]}}"#
    );
    std::fs::write(base.join("secret.json"), secret).unwrap();
    (base.clone(), base.join("root"))
}

fn rules(run: &Run) -> Vec<String> {
    let json: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout, run.stderr));
    json["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_owned()).collect()
}

fn findings(run: &Run) -> Vec<Value> {
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    json["findings"].as_array().unwrap().clone()
}

const GRANT: &str =
    r#"jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:*", Resource = "*" }] })"#;

/// `file()` and `templatefile()` of absolute paths, `..`, a link out of the root, `/proc/self/environ`: each
/// is a `read-outside-root` finding naming the path as written, the content is never read or quoted, and the
/// rest of the policy is still checked.
#[test]
fn reads_outside_the_root_are_findings_never_content() {
    let (base, root) = scratch("outside");
    #[cfg(unix)]
    std::os::unix::fs::symlink("../secret.json", root.join("link.json")).unwrap();
    let tf = format!(
        r#"
resource "aws_iam_policy" "parent" {{
  policy = file("../secret.json")
}}
resource "aws_iam_policy" "environ" {{
  policy = file("/proc/self/environ")
}}
resource "aws_iam_policy" "passwd" {{
  policy = file("../../../../../../../../etc/passwd")
}}
resource "aws_iam_policy" "hostname" {{
  policy = templatefile("/etc/hostname", {{}})
}}
resource "aws_iam_policy" "link" {{
  policy = file("${{path.module}}/link.json")
}}
resource "aws_iam_policy" "mixed" {{
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Action = "sts:*", Resource = "*",
    Condition = {{ StringEquals = {{ "aws:RequestTag/team" = file("../secret.json") }} }} }}] }})
}}
resource "aws_iam_policy" "grant" {{
  policy = {GRANT}
}}
"#
    );
    std::fs::write(root.join("main.tf"), tf).unwrap();
    for format in ["json", "human", "github", "sarif", "junit", "markdown"] {
        run_in(&root, &["check", "--format", format, "."]);
    }
    let run = run_in(&root, &["check", "--format", "json", "."]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let outside: Vec<String> = findings(&run)
        .iter()
        .filter(|f| f["rule"] == "MINT022")
        .map(|f| f["message"].as_str().unwrap().to_owned())
        .collect();
    let expected = [
        "`../secret.json`",
        "`/proc/self/environ`",
        "`../../../../../../../../etc/passwd`",
        "`/etc/hostname`",
        "`./link.json`",
    ];
    for path in expected {
        assert!(outside.iter().any(|m| m.starts_with(path) && m.contains("outside")), "{path}: {outside:?}");
    }
    // The policy with one unread value is still checked: its `sts:*` grant is reported.
    let mixed: Vec<Value> =
        findings(&run).into_iter().filter(|f| f["source"].as_str().unwrap_or("").contains("mixed")).collect();
    assert!(mixed.iter().any(|f| f["rule"] == "MINT110"), "{mixed:?}");
    // Every command on the tree.
    run_in(&root, &["graph", ".", "--format", "json"]);
    run_in(&root, &["diff", ".", "."]);
    std::fs::remove_dir_all(base).unwrap();
}

/// `/dev/zero` and a FIFO are not read (no memory exhausted, no hang): each is a finding.
#[cfg(unix)]
#[test]
fn devices_and_fifos_are_refused_without_reading() {
    let (base, root) = scratch("special");
    let fifo = Command::new("mkfifo").arg(root.join("pipe.json")).status();
    std::os::unix::fs::symlink("/dev/zero", root.join("zero.json")).unwrap();
    let tf = format!(
        r#"
resource "aws_iam_policy" "zero" {{
  policy = file("/dev/zero")
}}
resource "aws_iam_policy" "zero_link" {{
  policy = file("zero.json")
}}
resource "aws_iam_policy" "pipe" {{
  policy = file("pipe.json")
}}
resource "aws_iam_policy" "grant" {{
  policy = {GRANT}
}}
"#
    );
    std::fs::write(root.join("main.tf"), tf).unwrap();
    let run = run_in(&root, &["check", "--format", "json", "main.tf"]);
    let messages: Vec<String> = findings(&run)
        .iter()
        .filter(|f| f["rule"] == "MINT022")
        .map(|f| f["message"].as_str().unwrap().to_owned())
        .collect();
    assert!(messages.iter().any(|m| m.starts_with("`/dev/zero`")), "{messages:?}");
    assert!(messages.iter().any(|m| m.starts_with("`zero.json`")), "{messages:?}");
    if fifo.is_ok_and(|s| s.success()) {
        assert!(messages.iter().any(|m| m.starts_with("`pipe.json` is a FIFO")), "{messages:?}");
    }
    assert!(rules(&run).contains(&"MINT110".to_owned()), "the other policies are still checked");
    std::fs::remove_dir_all(base).unwrap();
}

/// A module that calls its own directory (`.`, `./`, `../<own dir>`) is a module cycle, and hides nothing:
/// `check` still reports the directory's grant, `diff` and `check --baseline` the widening it adds.
#[test]
fn a_module_calling_its_own_directory_hides_nothing() {
    for source in [".", "./", "../current"] {
        let (base, _) = scratch("cycle");
        let (baseline, current) = (base.join("baseline"), base.join("current"));
        std::fs::create_dir_all(&baseline).unwrap();
        std::fs::create_dir_all(&current).unwrap();
        let role = r#"
resource "aws_iam_role" "ci" {
  name               = "ci"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }] })
}
"#;
        std::fs::write(baseline.join("main.tf"), role).unwrap();
        let added = format!(
            r#"{role}
module "again" {{
  source = "{source}"
}}
resource "aws_iam_policy" "mint" {{
  policy = {GRANT}
}}
resource "aws_iam_role_policy_attachment" "mint" {{
  role       = aws_iam_role.ci.name
  policy_arn = aws_iam_policy.mint.arn
}}
"#
        );
        std::fs::write(current.join("main.tf"), added).unwrap();
        let check = run_in(&base, &["check", "--format", "json", "current"]);
        let found = rules(&check);
        assert!(found.contains(&"MINT020".to_owned()), "{source}: {found:?}");
        assert!(found.contains(&"MINT110".to_owned()), "{source}: {found:?}");
        assert_eq!(check.code, 1);
        let diff = run_in(&base, &["diff", "baseline", "current"]);
        assert_eq!(diff.code, 1, "{source}: {}", diff.stdout);
        assert!(diff.stdout.contains("1 widened"), "{source}: {}", diff.stdout);
        let drift = run_in(&base, &["check", "--format", "json", "--baseline", "baseline", "current"]);
        assert!(rules(&drift).contains(&"MINT300".to_owned()), "{source}: {}", drift.stdout);
        std::fs::remove_dir_all(base).unwrap();
    }
}

/// `$${` in a template is Terraform's escape for a literal `${`: the policy holds the IAM policy variable and
/// is checked like any other (its grant is an error, not an info finding with exit 0).
#[test]
fn an_escaped_policy_variable_does_not_switch_the_policy_off() {
    let (base, root) = scratch("escape");
    std::fs::write(
        root.join("mint.json.tpl"),
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*",
  "Condition": {"StringEquals": {"aws:RequestTag/user": "$${aws:username}", "aws:RequestTag/env": "${env}"}}}]}"#,
    )
    .unwrap();
    std::fs::write(
        root.join("main.tf"),
        "resource \"aws_iam_policy\" \"mint\" {\n  policy = templatefile(\"${path.module}/mint.json.tpl\", { env = \"prod\" })\n}\n",
    )
    .unwrap();
    let run = run_in(&root, &["check", "--format", "json", "."]);
    let found = rules(&run);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(!found.contains(&"MINT008".to_owned()), "{found:?}");
    assert!(found.contains(&"MINT110".to_owned()), "{found:?}");
    std::fs::remove_dir_all(base).unwrap();
}

/// Exponential locals (40 levels of `concat(local.x, local.x, local.x)`), three modules that call themselves
/// and each other, and a chain of 60 locals: each ends quickly; the blow-up is one unknown value that says
/// why, the cycles are findings, the chain is no "cycle" and its value is known.
#[test]
fn evaluation_blow_ups_are_bounded() {
    let (base, root) = scratch("blowups");
    let mut concat = String::from("locals {\n  l0 = [\"sts:GetWebIdentityToken\"]\n");
    for i in 1..=40 {
        concat.push_str(&format!("  l{i} = concat(local.l{p}, local.l{p}, local.l{p})\n", p = i - 1));
    }
    concat.push_str("}\nresource \"aws_iam_policy\" \"p\" {\n  policy = jsonencode({ Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\", Action = local.l40, Resource = \"*\" }] })\n}\n");
    std::fs::create_dir_all(root.join("concat")).unwrap();
    std::fs::write(root.join("concat/main.tf"), concat).unwrap();
    let run = run_in(&root, &["check", "--format", "json", "concat"]);
    let budget: Vec<Value> = findings(&run).into_iter().filter(|f| f["rule"] == "MINT008").collect();
    assert_eq!(budget.len(), 1, "{}", run.stdout);
    // A policy cut off by the budget does not pass the gate unchecked.
    assert_eq!(budget[0]["severity"], "warning", "{}", run.stdout);
    assert_eq!(run.code, 1, "{}", run.stdout);

    std::fs::create_dir_all(root.join("modules")).unwrap();
    std::fs::write(root.join("modules/main.tf"), "module \"a\" {\n  source = \"./a\"\n}\n").unwrap();
    for (name, next) in [("a", "b"), ("b", "c"), ("c", "a")] {
        std::fs::create_dir_all(root.join("modules").join(name)).unwrap();
        std::fs::write(
            root.join("modules").join(name).join("main.tf"),
            format!(
                "module \"self\" {{\n  source = \"./\"\n}}\nmodule \"next\" {{\n  source = \"../{next}\"\n}}\nresource \"aws_iam_policy\" \"p\" {{\n  policy = {GRANT}\n}}\n"
            ),
        )
        .unwrap();
    }
    let run = run_in(&root, &["check", "--format", "json", "modules"]);
    let found = rules(&run);
    assert!(found.iter().filter(|r| *r == "MINT020").count() >= 3, "{found:?}");
    // Each module's own policy is read once: three grants.
    assert_eq!(found.iter().filter(|r| *r == "MINT110").count(), 3, "{found:?}");

    let mut chain = String::from("locals {\n  c0 = \"sts:GetWebIdentityToken\"\n");
    for i in 1..=60 {
        chain.push_str(&format!("  c{i} = local.c{}\n", i - 1));
    }
    chain.push_str("}\nresource \"aws_iam_policy\" \"p\" {\n  policy = jsonencode({ Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\", Action = local.c60, Resource = \"*\" }] })\n}\n");
    std::fs::create_dir_all(root.join("chain")).unwrap();
    std::fs::write(root.join("chain/main.tf"), chain).unwrap();
    let run = run_in(&root, &["check", "--format", "json", "chain"]);
    assert!(!run.stdout.contains("cycle"), "{}", run.stdout);
    assert!(rules(&run).contains(&"MINT100".to_owned()), "{}", run.stdout);
    std::fs::remove_dir_all(base).unwrap();
}

/// Found by the `tf_loader` fuzz target: a truncated JSON file read by `file()` is one `invalid-json` finding
/// at the end of that file (its span was a span of the `.tf` file, past the end of the JSON one), reported once
/// although the file is also walked as a loose policy.
#[test]
fn a_truncated_policy_file_is_one_finding_inside_it() {
    let (base, root) = scratch("truncated");
    std::fs::write(root.join("policy.json"), "{\n  \"Version\": \"2012-10-1").unwrap();
    std::fs::write(
        root.join("main.tf"),
        "resource \"aws_iam_policy\" \"x\" {\n  name   = \"x\"\n  policy = file(\"${path.module}/policy.json\")\n}\n",
    )
    .unwrap();
    let run = run_in(&root, &["check", "--format", "json", "."]);
    let all = findings(&run);
    assert_eq!(all.len(), 1, "{}", run.stdout);
    assert_eq!(all[0]["rule"], "MINT000");
    assert_eq!((all[0]["line"].as_u64(), all[0]["column"].as_u64()), (Some(2), Some(24)), "{}", run.stdout);
    let human = run_in(&root, &["check", "--color", "never", "."]);
    assert!(!human.stdout.contains("OutOfBounds"), "{}", human.stdout);
    std::fs::remove_dir_all(base).unwrap();
}

/// A `.tf` file that does not parse hides nothing: `diff`, `graph` and `simulate` stop with its diagnostic
/// (exit 2) rather than judge the tree as if the file were not there; `check` reports it and checks the rest.
#[test]
fn a_file_that_does_not_parse_is_never_skipped() {
    let (base, root) = scratch("syntax");
    let role = "resource \"aws_iam_role\" \"ci\" {\n  name               = \"ci\"\n  assume_role_policy = jsonencode({ Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\", Action = \"sts:AssumeRole\", Principal = { Service = \"ec2.amazonaws.com\" } }] })\n}\n";
    std::fs::write(root.join("main.tf"), role).unwrap();
    std::fs::write(
        root.join("grant.tf"),
        format!(
            "resource \"aws_iam_role_policy\" \"mint\" {{\n  role   = aws_iam_role.ci.name\n  policy = {GRANT}\n\n"
        ),
    )
    .unwrap();
    for args in [
        vec!["diff", "main.tf", "."],
        vec!["graph", ".", "--format", "json"],
        vec!["simulate", ".", "--principal", "ci", "--audience", "https://example.com"],
    ] {
        let run = run_in(&root, &args);
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains("grant.tf") && run.stderr.contains("not valid HCL"), "{args:?}: {}", run.stderr);
    }
    let check = run_in(&root, &["check", "--format", "json", "."]);
    assert_eq!(check.code, 1);
    assert!(rules(&check).contains(&"MINT001".to_owned()), "{}", check.stdout);
    std::fs::remove_dir_all(base).unwrap();
}
