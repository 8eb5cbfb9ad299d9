//! `simulate --cases` streams its file (DESIGN §9.2, issue "performance, round two"): files of more than one
//! batch give the same report as small ones, a problem in a later batch still points at its line, and a file
//! too large to be drawn whole still gets diagnostics with the file's line numbers. Throughput and memory are
//! measured by `scripts/compare-peers.sh`, never asserted here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "test code")]

mod common;

use std::fmt::Write as _;
use std::path::PathBuf;

use common::mintlint;
use serde_json::Value;

const GATE: &str = "fixtures/simulate/cases-ci-gate";

/// A generated cases file (megabytes), in a directory of its own, removed with it when dropped: a run of the
/// suite leaves nothing in the temporary directory.
struct TempFile(PathBuf);

impl std::ops::Deref for TempFile {
    type Target = PathBuf;

    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

fn temp_file(name: &str, text: &str) -> TempFile {
    let dir = std::env::temp_dir().join(format!("mintlint-cases-stream-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    TempFile(path)
}

/// `n` cases, one per line, alternating an allowed and a denied audience; `bad` (0-based) has a typo.
fn cases(n: usize, bad: Option<usize>) -> String {
    let mut out = String::from("{\"cases\": [\n");
    for i in 0..n {
        let (aud, expect) =
            if i % 2 == 0 { ("https://api.partner.example", "allow") } else { ("https://evil.example", "deny") };
        let field = if bad == Some(i) { "duraton" } else { "duration" };
        let sep = if i + 1 < n { "," } else { "" };
        let _ = writeln!(
            out,
            "  {{\"name\": \"c{i}\", \"audience\": [\"{aud}\"], \"{field}\": 600, \"expect\": \"{expect}\"}}{sep}"
        );
    }
    out.push_str("]}\n");
    out
}

fn args(cases: &str, format: &str) -> Vec<String> {
    [
        "simulate",
        "--policy",
        &format!("{GATE}/payments-role.json"),
        "--scp",
        &format!("{GATE}/org-scp.json"),
        "--principal",
        "arn:aws:iam::111122223333:role/payments",
        "--source-vpc",
        "vpc-0abc1234",
        "--source-vpce",
        "vpce-0123",
        "--time",
        "2026-01-01T12:00:00Z",
        "--cases",
        cases,
        "--format",
        format,
    ]
    .iter()
    .map(ToString::to_string)
    .collect()
}

fn run(cases: &str, format: &str) -> common::Run {
    let args = args(cases, format);
    mintlint(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn several_batches_make_one_report() {
    let n = 9_000;
    let path = temp_file("many.json", &cases(n, None));
    let path = path.to_str().unwrap();
    let json = run(path, "json");
    assert_eq!(json.code, 0, "{}", json.stderr);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["passed"], n);
    assert_eq!(report["failed"], 0);
    let rows = report["cases"].as_array().unwrap();
    assert_eq!(rows.len(), n);
    // In file order, whatever thread decided them.
    assert!(rows.iter().enumerate().all(|(i, r)| r["name"] == format!("c{i}")));
    let human = run(path, "human");
    assert_eq!(human.stdout.lines().filter(|l| l.starts_with("PASS ")).count(), n);
    assert!(
        human.stdout.ends_with(&format!("\n{n} passed, 0 failed\n")),
        "{}",
        &human.stdout[human.stdout.len() - 100..]
    );
    let junit = run(path, "junit");
    assert!(junit.stdout.contains(&format!("<testsuites tests=\"{n}\" failures=\"0\">")));
    assert_eq!(junit.stdout.matches("<testcase ").count(), n);
    assert!(junit.stdout.ends_with("</testsuites>\n"));
}

#[test]
fn a_problem_in_a_later_batch_points_at_its_line() {
    let path = temp_file("late-typo.json", &cases(6_000, Some(5_000)));
    let out = run(path.to_str().unwrap(), "human");
    assert_eq!(out.code, 2, "{}", out.stdout);
    // The case is on line 5002 (the list opens on line 1).
    assert!(out.stderr.contains("late-typo.json:5002:"), "{}", out.stderr);
    assert!(out.stderr.contains("did you mean `duration`?"), "{}", out.stderr);
    assert!(!out.stdout.contains("passed,"), "no summary for an incomplete run: {}", out.stdout);
}

/// Over 10 MiB the file is not read whole to draw a problem: the case is drawn alone, numbered as in the
/// file; every problem is counted, the first 100 shown.
#[test]
fn a_large_file_is_drawn_by_its_cases() {
    let mut text = cases(120_000, Some(3));
    text = text.replacen("\"expect\": \"deny\"}", "\"expect\": \"maybe\"}", 150);
    assert!(text.len() > 10 * 1024 * 1024);
    let path = temp_file("large.json", &text);
    let out = run(path.to_str().unwrap(), "json");
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stdout.is_empty(), "nothing decided in the first batch is written");
    assert!(out.stderr.contains("large.json:5:"), "{}", out.stderr);
    assert!(out.stderr.contains("unknown case field `duraton`"), "{}", out.stderr);
    assert!(out.stderr.contains("151 problems in the cases; the first 100 are shown"), "{}", out.stderr);
}

#[test]
fn a_broken_frame_after_many_cases_is_reported() {
    let mut text = cases(5_000, None);
    text.truncate(text.len() - 3);
    text.push_str(",\n]}\n");
    let path = temp_file("trailing.json", &text);
    let out = run(path.to_str().unwrap(), "junit");
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("trailing comma"), "{}", out.stderr);
}

/// DESIGN §9.2: the streamed limit is `--max-input-size`; the message names the kind and the flag.
#[test]
fn the_cases_limit_is_max_input_size() {
    let path = temp_file("limited.json", &cases(100, None));
    let mut a = args(path.to_str().unwrap(), "human");
    a.extend(["--max-input-size".to_owned(), "1KiB".to_owned()]);
    let out = mintlint(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("cases or CloudTrail events file"), "{}", out.stderr);
    assert!(out.stderr.contains("--max-input-size"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

/// A passing row is decided on the fast path (no trace, no claims), a row that shows why in full: both give
/// the same verdict and the same assumption dependencies, whatever the case (the mix of `scripts/gen-cases`,
/// with expectations that fail too).
#[test]
fn the_fast_path_agrees_with_the_full_simulation() {
    let kinds = [
        "\"audience\": [\"https://api.partner.example\"], \"duration\": 900",
        "\"audience\": [\"https://api.partner.example\"]",
        "\"audience\": [\"https://attacker.example\"]",
        "\"audience\": [\"https://api.partner.example\"], \"duration\": 1901",
        "\"audience\": [\"https://api.partner.example\"], \"signing_algorithm\": \"RS256\"",
        "\"audience\": [\"https://api.partner.example\"], \"context\": {\"aws:SourceVpc\": \"vpc-0other\", \"aws:SourceVpce\": \"vpce-0other\"}",
        "\"principal_tags\": {\"team\": \"data\"}, \"audience\": [\"https://api.partner.example\"], \"tags\": {\"team\": \"data\"}",
        "\"principal_tags\": {\"team\": \"data\"}, \"audience\": [\"https://api.partner.example\"], \"tags\": {\"team\": \"ops\"}",
        "\"audience\": [\"https://api.partner.example\"], \"tags\": {\"Team\": \"a\", \"team\": \"b\"}",
        "\"audience\": [\"https://api.partner.example\"], \"duration\": 30",
    ];
    let expects = ["allow", "deny", "explicit-deny", "implicit-deny"];
    let mut text = String::from("{\"cases\": [\n");
    let mut first = true;
    for (k, kind) in kinds.iter().enumerate() {
        for expect in expects {
            if !first {
                text.push_str(",\n");
            }
            first = false;
            let _ = write!(text, "  {{\"name\": \"k{k} {expect}\", {kind}, \"expect\": \"{expect}\"}}");
        }
    }
    text.push_str("\n]}\n");
    let path = temp_file("mix.json", &text);
    let path = path.to_str().unwrap();
    let verdict_lines = |out: &str| -> Vec<String> {
        out.lines().filter(|l| l.starts_with("PASS ") || l.starts_with("FAIL ")).map(str::to_owned).collect()
    };
    let fast = run(path, "human");
    let mut explained_args = args(path, "human");
    explained_args.push("--explain".into());
    let full = mintlint(&explained_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(fast.code, 1, "some expectations fail: {}", fast.stderr);
    assert_eq!(verdict_lines(&fast.stdout), verdict_lines(&full.stdout));
    assert_eq!(verdict_lines(&fast.stdout).len(), kinds.len() * expects.len());
    // JSON decides every row in full: its decisions are the human lines' too.
    let json: Value = serde_json::from_str(&run(path, "json").stdout).unwrap();
    for (row, line) in json["cases"].as_array().unwrap().iter().zip(verdict_lines(&fast.stdout)) {
        let got = format!("got {}", row["decision"].as_str().unwrap());
        assert!(line.contains(&got), "{line} / {got}");
        assert_eq!(line.starts_with("PASS"), row["passed"] == true, "{line}");
    }
}
