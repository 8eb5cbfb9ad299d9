//! The fuzz workspace (`tests/fuzz/`, outside the main workspace) has its own lock file. It must not drift from
//! the main one: every package both use at the main lock's version, so `cargo fuzz build` needs nothing the main
//! build has not already fetched, and fuzzing exercises the dependencies that ship.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::collections::BTreeMap;

/// `name -> versions` of a Cargo.lock (a name may be locked at several versions).
fn packages(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut name = None;
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_owned());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take()) {
            out.entry(n).or_default().push(v.trim_matches('"').to_owned());
        }
    }
    out
}

#[test]
fn fuzz_lock_follows_the_main_lock() {
    let root = env!("CARGO_MANIFEST_DIR");
    let main = packages(&std::fs::read_to_string(format!("{root}/Cargo.lock")).unwrap());
    let fuzz = packages(&std::fs::read_to_string(format!("{root}/tests/fuzz/Cargo.lock")).unwrap());
    assert!(fuzz.contains_key("libfuzzer-sys") && fuzz.contains_key("mintlint"), "not the fuzz lock: {fuzz:?}");
    let drifted: Vec<String> = fuzz
        .iter()
        .filter_map(|(name, versions)| {
            let locked = main.get(name)?;
            versions.iter().any(|v| !locked.contains(v)).then(|| format!("{name} {versions:?} (main {locked:?})"))
        })
        .collect();
    assert!(
        drifted.is_empty(),
        "tests/fuzz/Cargo.lock drifted from Cargo.lock: {drifted:?}; refresh it as README \"Fuzzing\" says"
    );
}
