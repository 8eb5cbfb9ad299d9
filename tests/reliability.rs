//! Hostile environments: symlink loops, dangling links, unusual path names, a closed stdout.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "test code")]

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::{mintlint, root};
use serde_json::Value;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mintlint-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn copy_demo(to: &std::path::Path, name: &str) {
    std::fs::copy(root().join("fixtures/demo/payments-mint-role.json"), to.join(name)).unwrap();
}

#[cfg(unix)]
#[test]
fn symlink_loop_and_dangling_link_are_findings_and_the_walk_goes_on() {
    let dir = temp_dir("links");
    std::fs::create_dir(dir.join("sub")).unwrap();
    copy_demo(&dir.join("sub"), "policy.json");
    std::os::unix::fs::symlink(&dir, dir.join("sub").join("loop")).unwrap();
    std::os::unix::fs::symlink(dir.join("missing.json"), dir.join("dangling.json")).unwrap();
    let run = mintlint(&["check", "--format", "json", "--fail-on", "never", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let messages: Vec<String> = findings.iter().map(|f| format!("{} {}", f["file"], f["message"])).collect();
    assert!(messages.iter().any(|m| m.contains("loop") && m.contains("symbolic link loop")), "{messages:#?}");
    assert!(messages.iter().any(|m| m.contains("dangling.json") && m.contains("cannot read")), "{messages:#?}");
    // The real policy beside them was still checked.
    assert!(
        findings.iter().any(|f| f["file"].as_str().unwrap().ends_with("sub/policy.json") && f["rule"] == "MINT002")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn paths_with_spaces_and_non_ascii_characters() {
    let dir = temp_dir("names");
    let nested = dir.join("équipe données").join("rôle à jeton");
    std::fs::create_dir_all(&nested).unwrap();
    copy_demo(&nested, "politique de jeton.json");
    let run = mintlint(&["check", "--format", "json", "--fail-on", "never", dir.to_str().unwrap()]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let file = report["findings"][0]["file"].as_str().unwrap();
    assert!(file.ends_with("équipe données/rôle à jeton/politique de jeton.json"), "{file}");
    let sarif = mintlint(&["check", "--format", "sarif", "--fail-on", "never", dir.to_str().unwrap()]);
    let log: Value = serde_json::from_str(&sarif.stdout).unwrap();
    let uri =
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap();
    assert!(
        uri.ends_with("%C3%A9quipe%20donn%C3%A9es/r%C3%B4le%20%C3%A0%20jeton/politique%20de%20jeton.json"),
        "{uri}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `mintlint check | head -1`: the reader goes away; mintlint exits without a panic or an error message.
#[test]
fn closed_stdout_exits_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mintlint"))
        .args(["check", "--color", "never", "fixtures/parse"])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_ne!(out.status.code(), Some(101));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn output_file_is_written_whole_and_no_temporary_is_left() {
    let dir = temp_dir("output");
    let out = dir.join("report.sarif");
    std::fs::write(&out, "stale").unwrap();
    let run = mintlint(&["check", "--format", "sarif", "--output", out.to_str().unwrap(), "fixtures/demo"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["report.sarif"]);
    let bad = mintlint(&["check", "--output", "/nonexistent-dir/x/report.json", "fixtures/demo"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("cannot write"));
    std::fs::remove_dir_all(&dir).unwrap();
}
