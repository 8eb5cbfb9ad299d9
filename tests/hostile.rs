//! Hostile inputs (issue 15, DESIGN §9.6): what a pull request can put in the files a CI gate reads. Each
//! attack has a test here; the inputs are under `tests/hostile/` or made in a temporary directory (FIFOs,
//! links and file names git cannot carry well). Time and memory are measured by `scripts/hostile-measure`,
//! never asserted here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "test code")]

mod common;

use std::path::Path;

use common::{Run, Scratch, mintlint, mintlint_in};
use serde_json::Value;

const INJECTION: &str = "tests/hostile/injection/policy.json";

fn temp_dir(name: &str) -> Scratch {
    Scratch::new(&format!("hostile-{name}"))
}

/// A character no output may carry as itself (the escaping functions' set, restated independently).
fn hostile(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// No hostile character, and no line a CI runner would take as a command (only `--format github` writes
/// workflow commands, and only its own `::level file=...` lines).
fn assert_clean(what: &str, out: &str, github: bool) {
    if let Some(c) = out.chars().find(|&c| hostile(c)) {
        panic!("{what}: raw {c:?} in output:\n{out}");
    }
    for line in out.lines() {
        let t = line.trim_start();
        let ours = github && ["::error file=", "::warning file=", "::notice file="].iter().any(|p| line.starts_with(p));
        assert!(
            ours || !(t.starts_with("::") || t.starts_with("##[") || t.starts_with("##vso[")),
            "{what}: a line starts a runner command: {line:?}"
        );
    }
}

fn clean_run(what: &str, run: &Run, github: bool) {
    assert_clean(&format!("{what} (stdout)"), &run.stdout, github);
    assert_clean(&format!("{what} (stderr)"), &run.stderr, false);
}

#[test]
fn check_escapes_input_text_in_every_format() {
    for format in ["human", "json", "sarif", "github"] {
        let run = mintlint(&["check", "tests/hostile/injection", "--format", format, "--color", "never"]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        clean_run(&format!("check --format {format}"), &run, format == "github");
    }
    // With colour the human report writes its own ESC sequences, and only those: input text is escaped.
    let run = mintlint(&["check", INJECTION, "--color", "always"]);
    assert!(!run.stdout.contains("\u{1b}[2J") && !run.stdout.contains("\u{202e}"), "{}", run.stdout);
    assert!(run.stdout.contains("\\u{202e}"), "{}", run.stdout);
}

#[test]
fn json_reports_keep_the_values_a_parser_reads() {
    // An audience with a bidi override: escaped as JSON (`\u202e`), so it still decodes to the character.
    let run = mintlint(&["graph", INJECTION, "--format", "json"]);
    assert!(!run.stdout.contains('\u{202e}'), "{}", run.stdout);
    assert!(run.stdout.contains("\\u202e"), "{}", run.stdout);
    let graph: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(graph.to_string().contains("https://c\u{202e}example"), "{graph}");
}

#[test]
fn graph_escapes_input_text_in_every_format() {
    for format in ["mermaid", "dot", "markdown", "json"] {
        let run = mintlint(&["graph", INJECTION, "--format", format]);
        assert_ne!(run.code, 2, "{format}: {}", run.stderr);
        clean_run(&format!("graph --format {format}"), &run, false);
    }
    let run = mintlint(&["graph", INJECTION, "--format", "markdown"]);
    assert!(run.stdout.contains("\\u{a}::error::forged"), "{}", run.stdout);
    let run = mintlint(&["graph", INJECTION, "--format", "json"]);
    let graph: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(graph.to_string().contains("::error::forged"), "{}", run.stdout);
}

#[test]
fn simulate_cases_escape_names_and_values_in_text_and_junit() {
    for format in ["human", "json", "junit"] {
        let run = mintlint(&[
            "simulate",
            "--policy",
            INJECTION,
            "--cases",
            "tests/hostile/injection/cases.json",
            "--format",
            format,
            "--time",
            "2026-01-01T12:00:00Z",
        ]);
        assert_ne!(run.code, 2, "{format}: {}", run.stderr);
        clean_run(&format!("simulate --cases --format {format}"), &run, false);
        if format == "junit" {
            assert!(run.stdout.contains("&lt;x&gt; &amp;"), "{}", run.stdout);
            assert!(!run.stdout.contains("<x>"), "{}", run.stdout);
        }
    }
}

/// The diagnostics of a bad cases file or a bad mintlint.toml quote the file: escaped and windowed as a
/// policy finding's snippet is (an ESC sequence in an unknown field's name, a runner command after a raw line
/// break, a minified one-line file of 600 KB).
#[test]
fn cases_and_config_diagnostics_escape_and_window_the_file() {
    let dir = temp_dir("diagnostics");
    let policy = common::root().join(INJECTION);
    let evil = "{\"cases\": [{\"name\": \"x\", \"\u{1b}[31mevil\n::error::pwned\u{202e}\": 1, \"expect\": \"allow\"}]}";
    std::fs::write(dir.join("evil.json"), evil).unwrap();
    let unknown = "{\"cases\": [{\"name\": \"x\", \"\\u001b[31mevil\": 1, \"expect\": \"allow\"}]}";
    std::fs::write(dir.join("unknown.json"), unknown).unwrap();
    // One line of 400 KB. The bad case first: a snippet drawn from the line's start printed the whole line.
    // The bad case last: past column 65,535 miette's padding panicked.
    let good =
        |i: usize| format!("{{\"name\": \"c{i}\", \"audience\": [\"https://a.example\"], \"expect\": \"allow\"}}");
    let bad = "{\"name\": \"bad\", \"audiense\": [\"https://a.example\"], \"expect\": \"allow\"}";
    let many = (0..6000).map(good).collect::<Vec<_>>().join(", ");
    std::fs::write(dir.join("long-first.json"), format!("{{\"cases\": [{bad}, {many}]}}")).unwrap();
    std::fs::write(dir.join("long-last.json"), format!("{{\"cases\": [{many}, {bad}]}}")).unwrap();
    for file in ["evil.json", "unknown.json", "long-first.json", "long-last.json"] {
        let run =
            mintlint_in(&dir, &["simulate", "--policy", policy.to_str().unwrap(), "--cases", file, "--color", "never"]);
        assert_eq!(run.code, 2, "{file}: {}", run.stderr);
        assert!(run.stderr.contains("mintlint::cases"), "{file}: {}", run.stderr);
        clean_run(&format!("simulate --cases {file}"), &run, false);
        assert!(run.stderr.len() < 2_000, "{file}: the snippet is a window, not the line: {} bytes", run.stderr.len());
    }
    for file in ["long-first.json", "long-last.json"] {
        let run =
            mintlint_in(&dir, &["simulate", "--policy", policy.to_str().unwrap(), "--cases", file, "--format", "json"]);
        assert!(run.stderr.contains("audiense") && run.stderr.contains(&format!("{file}:1:")), "{}", run.stderr);
        // `--output` keeps the last good report: the rows streamed before the problem are dropped, and no
        // empty report replaces it.
        std::fs::write(dir.join("report.json"), "previous").unwrap();
        let args = [
            "simulate",
            "--policy",
            policy.to_str().unwrap(),
            "--cases",
            file,
            "--format",
            "json",
            "--output",
            "report.json",
        ];
        let run = mintlint_in(&dir, &args);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert_eq!(std::fs::read_to_string(dir.join("report.json")).unwrap(), "previous", "{file}");
        let left: Vec<String> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert!(left.iter().all(|n| n.ends_with(".json") || n == "config"), "temporary files left: {left:?}");
    }

    let config = dir.join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("mintlint.toml"), "[token]\n\"\u{1b}[2Jevil\u{202e}\" = 1\n").unwrap();
    std::fs::write(config.join("p.json"), std::fs::read(&policy).unwrap()).unwrap();
    let run = mintlint_in(&config, &["check", "p.json", "--color", "never"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("mintlint::config"), "{}", run.stderr);
    clean_run("check with a hostile mintlint.toml", &run, false);
}

#[test]
fn diff_escapes_witnesses_and_reproduce_lines() {
    let run = mintlint(&["diff", "tests/hostile/audiences/baseline/mint.json", INJECTION, "--color", "never"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    clean_run("diff", &run, false);
    let run = mintlint(&["diff", "tests/hostile/audiences/baseline/mint.json", INJECTION, "--format", "json"]);
    clean_run("diff --format json", &run, false);
    serde_json::from_str::<Value>(&run.stdout).unwrap();
}

#[cfg(unix)]
#[test]
fn hostile_file_names_are_escaped() {
    let dir = temp_dir("names");
    let name = "a\n::error file=x::forged\u{1b}[31m\u{202e}.json";
    std::fs::copy(common::root().join("fixtures/demo/payments-mint-role.json"), dir.join(name)).unwrap();
    for format in ["human", "json", "sarif", "github"] {
        let run = mintlint(&["check", dir.to_str().unwrap(), "--format", format, "--color", "never"]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        clean_run(&format!("check --format {format} on a hostile file name"), &run, format == "github");
    }
    for format in ["mermaid", "dot", "markdown"] {
        let run = mintlint(&["graph", dir.to_str().unwrap(), "--format", format]);
        clean_run(&format!("graph --format {format} on a hostile file name"), &run, false);
    }
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn fifos_and_devices_are_reported_never_opened() {
    let dir = temp_dir("fifo");
    std::fs::copy(common::root().join("fixtures/demo/payments-mint-role.json"), dir.join("policy.json")).unwrap();
    mkfifo(&dir.join("pipe.json"));
    // Walked: a finding, and the rest is still checked.
    let run = mintlint(&["check", dir.to_str().unwrap(), "--format", "json", "--fail-on", "never"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["file"].as_str().unwrap().ends_with("pipe.json")
                && f["message"].as_str().unwrap().contains("FIFO")),
        "{findings:#?}"
    );
    assert!(findings.iter().any(|f| f["file"].as_str().unwrap().ends_with("policy.json")));
    // Named on the command line: an unreadable path, exit 2, the other paths still checked.
    let pipe = dir.join("pipe.json");
    let policy = dir.join("policy.json");
    let run = mintlint(&["check", pipe.to_str().unwrap(), policy.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stdout.contains("MINT103"), "{}", run.stdout);
    // An endless device is not read until the limit and then called "0 bytes over the limit".
    let run = mintlint(&["check", "/dev/zero"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("a character device, not a regular file"), "{}", run.stdout);
}

#[cfg(unix)]
#[test]
fn walked_links_stay_inside_the_directory() {
    let dir = temp_dir("links");
    let outside = temp_dir("outside");
    std::fs::write(outside.join("secret.json"), "{\"SECRET_TOKEN\": \"hunter2\"").unwrap();
    std::fs::create_dir(dir.join("tree")).unwrap();
    std::os::unix::fs::symlink(outside.join("secret.json"), dir.join("tree/leak.json")).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("tree/linked-dir")).unwrap();
    let run = mintlint(&["check", dir.join("tree").to_str().unwrap(), "--fail-on", "never", "--color", "never"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("hunter2") && !run.stdout.contains("SECRET_TOKEN"), "{}", run.stdout);
    assert_eq!(run.stdout.matches("outside the directory being checked").count(), 2, "{}", run.stdout);
}

#[cfg(unix)]
#[test]
fn output_replaces_only_regular_files() {
    let dir = temp_dir("output");
    // A regular file and a new path: written whole.
    std::fs::write(dir.join("report.json"), "old").unwrap();
    for name in ["report.json", "new.json"] {
        let path = dir.join(name);
        let run = mintlint(&["rules", "--format", "json", "--output", path.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.is_empty());
        serde_json::from_str::<Value>(&std::fs::read_to_string(&path).unwrap()).unwrap();
    }
    // A link to a regular file: neither the link nor its target is replaced.
    std::fs::write(dir.join("target.txt"), "keep").unwrap();
    std::os::unix::fs::symlink(dir.join("target.txt"), dir.join("link.json")).unwrap();
    let run = mintlint(&["rules", "--output", dir.join("link.json").to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(dir.join("target.txt")).unwrap(), "keep");
    assert!(std::fs::symlink_metadata(dir.join("link.json")).unwrap().file_type().is_symlink());
    // A device is written in place, never replaced.
    let run = mintlint(&["rules", "--output", "/dev/null"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    {
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());
    }
    // A FIFO nobody reads: an error, not a wait; the FIFO stays.
    mkfifo(&dir.join("pipe"));
    let run = mintlint(&["rules", "--output", dir.join("pipe").to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    {
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::metadata(dir.join("pipe")).unwrap().file_type().is_fifo());
    }
    // A directory: exit 2.
    let run = mintlint(&["rules", "--output", dir.to_str().unwrap()]);
    assert_eq!(run.code, 2);
}

/// 200 one-audience statements: more than 10^16 audience lists. The count is computed, nothing is built,
/// and the true size is in the message whatever the budget.
#[test]
fn diff_counts_huge_spaces_before_building_them() {
    for budget in ["1", "2000000"] {
        let run = mintlint(&[
            "diff",
            "tests/hostile/audiences/baseline",
            "tests/hostile/audiences/current",
            "--budget",
            budget,
            "--format",
            "json",
        ]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        let reason = report["principals"][0]["inexact_reason"].as_str().unwrap();
        assert!(reason.contains("24916830617948111 audience lists"), "{reason}");
        assert_eq!(report["principals"][0]["exact"], false);
    }
    let run = mintlint(&["graph", "tests/hostile/audiences/current", "--format", "json"]);
    let graph: Value = serde_json::from_str(&run.stdout).unwrap();
    let reason = graph["principals"][0]["inexact_reason"].as_str().unwrap_or_default();
    assert!(reason.contains("exceed the budget"), "{}", run.stdout);
}

/// One value per statement on a multi-valued key: 2^19 sets of regions, counted; with a budget below it the
/// principal is inexact at once, with the count.
#[test]
fn multi_valued_keys_are_counted_not_enumerated() {
    let run = mintlint(&[
        "diff",
        "tests/hostile/multivalued/baseline",
        "tests/hostile/multivalued/current",
        "--budget",
        "1000",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let reason = report["principals"][0]["inexact_reason"].as_str().unwrap();
    assert!(reason.contains("524288 values of `aws:calledvia`"), "{reason}");
}

/// A 2,000-character `StringLike` pattern: the automaton work is bounded, and the answer says what it could
/// not do rather than guessing.
#[test]
fn long_patterns_have_a_work_bound() {
    let run = mintlint(&[
        "diff",
        "tests/hostile/long-pattern/baseline",
        "tests/hostile/long-pattern/current",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let p = &report["principals"][0];
    assert_eq!(p["exact"], false, "{p}");
    assert!(p["inexact_reason"].as_str().unwrap().contains("sts:identitytokenaudience"), "{p}");
}
