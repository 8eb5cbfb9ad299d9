//! Deterministic mutation test: hostile variants of real policies (`tests/corpus-sample/`) are fed to the real
//! binary one by one. It must never panic (exit 101), never hang past a per-file bound, and must report
//! every mutant that is not a valid policy.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "test code")]

mod common;

use mintlint::source::classify::text_has_policy_signal;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::corpus_sample;
use serde_json::Value;

/// Generous for a debug build on a loaded 2-core machine; a real hang or blow-up takes far longer.
const PER_FILE_BOUND: Duration = Duration::from_secs(10);

/// A small deterministic generator (no dependency, reproducible everywhere).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// What a mutant must produce.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// Not JSON: an invalid-json finding.
    InvalidJson,
    /// JSON but not a valid policy: an invalid-policy finding.
    InvalidPolicy,
    /// Still JSON with a duplicated key: a duplicate-key finding.
    DuplicateKey,
    /// Anything, as long as nothing crashes (e.g. a valid policy with a 1 MB value).
    NoCrash,
}

fn mutants(name: &str, text: &str, rng: &mut Lcg) -> Vec<(String, Vec<u8>, Expect)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    // Truncations at many offsets: a strict prefix of a JSON object is never JSON.
    for i in 0..12 {
        let cut = (bytes.len() * i / 12).max(1).min(bytes.len() - 1);
        out.push((format!("{name}.truncated-{cut}"), bytes[..cut].to_vec(), Expect::NoCrash));
    }
    // Byte flips anywhere: the oracle is serde_json, decided below.
    for i in 0..10 {
        let mut b = bytes.to_vec();
        let at = rng.below(b.len());
        b[at] ^= [0xFF, 0x20, 0x01, 0x80][i % 4];
        out.push((format!("{name}.flip-{at}"), b, Expect::NoCrash));
    }
    let value: Value = serde_json::from_str(text).unwrap();
    // A deleted `Effect`: valid JSON, not a valid policy.
    let mut deleted = value.clone();
    if let Some(first) = statements_mut(&mut deleted).and_then(|s| s.first_mut()).and_then(Value::as_object_mut) {
        first.remove("Effect");
        out.push((format!("{name}.no-effect"), serde_json::to_vec_pretty(&deleted).unwrap(), Expect::InvalidPolicy));
    }
    // A number where a string belongs.
    let mut number = value.clone();
    if let Some(first) = statements_mut(&mut number).and_then(|s| s.first_mut()).and_then(Value::as_object_mut) {
        first.insert("Effect".into(), Value::from(1));
        out.push((format!("{name}.effect-number"), serde_json::to_vec_pretty(&number).unwrap(), Expect::InvalidPolicy));
    }
    // A duplicated key, written textually (serde_json cannot hold one).
    // The first statement object gets a second `Effect` before its own.
    if let Some(open) = text.find("\"Statement\"").and_then(|s| text[s..].find('{').map(|o| s + o + 1)) {
        let dup = format!("{}\"Effect\": \"Deny\", {}", &text[..open], &text[open..]);
        out.push((format!("{name}.effect-twice"), dup.into_bytes(), Expect::DuplicateKey));
    }
    // Deep nesting around the whole document.
    let deep = format!("{}{}{}", "[".repeat(300), text, "]".repeat(300));
    out.push((format!("{name}.deep"), deep.into_bytes(), Expect::InvalidJson));
    // A 1 MB string value.
    let mut big = value;
    if let Some(first) = statements_mut(&mut big).and_then(|s| s.first_mut()).and_then(Value::as_object_mut) {
        first.insert("Sid".into(), Value::from("S".repeat(1 << 20)));
        out.push((format!("{name}.huge-sid"), serde_json::to_vec(&big).unwrap(), Expect::NoCrash));
    }
    // Decide the oracle for the byte-level mutants with serde_json.
    out.into_iter()
        .map(|(n, b, e)| {
            let e = if e == Expect::NoCrash && serde_json::from_slice::<Value>(&b).is_err() {
                Expect::InvalidJson
            } else {
                e
            };
            (n, b, e)
        })
        .collect()
}

fn statements_mut(policy: &mut Value) -> Option<&mut Vec<Value>> {
    policy.get_mut("Statement")?.as_array_mut()
}

/// Run the binary on one file with a time bound; the JSON report and the exit code.
fn run_bounded(path: &Path) -> (Value, i32, Duration) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mintlint"))
        .args(["check", "--format", "json", "--fail-on", "never"])
        .arg(path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap());
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let text = reader.join().unwrap();
            let report = serde_json::from_str(&text).unwrap_or(Value::Null);
            return (report, status.code().unwrap_or(-1), started.elapsed());
        }
        if started.elapsed() > PER_FILE_BOUND {
            child.kill().unwrap();
            panic!("{} took longer than {PER_FILE_BOUND:?}", path.display());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn hostile_variants_of_real_policies_are_reported_never_crash() {
    let corpus = corpus_sample();
    let sample = [
        "managed-policies/AdministratorAccess.json",
        "managed-policies/AmazonS3ReadOnlyAccess.json",
        "managed-policies/AWSLambdaBasicExecutionRole.json",
        "token-policies/iann0036__iam-dataset__aws_managedpolicies_AmazonInspector2ThirdPartyServiceRolePolicy.json",
        "managed-policies/AdministratorAccess-Amplify.json",
        "token-policies/iann0036__iam-dataset__aws_managedpolicies_AnthropicInferenceAccess.json",
        "token-policies/aws-samples__resource-control-policy-examples__Service-specific-controls_IAM-Restrict-outbound-federation.json",
    ];
    let dir = std::env::temp_dir().join(format!("mintlint-mutants-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Lcg(0x6d69_6e74);
    let mut checked = 0;
    for file in sample {
        let text = std::fs::read_to_string(corpus.join(file)).unwrap();
        let stem = Path::new(file).file_stem().unwrap().to_str().unwrap();
        for (name, bytes, expect) in mutants(stem, &text, &mut rng) {
            let path = dir.join(format!("{name}.json"));
            std::fs::write(&path, &bytes).unwrap();
            let (report, code, _) = run_bounded(&path);
            assert_ne!(code, 101, "{name} panicked");
            assert_eq!(code, 0, "{name}: unexpected exit {code}");
            let rules: Vec<&str> =
                report["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
            match expect {
                // Broken JSON is reported when it still carries a policy signal (DESIGN §9.1): a truncation
                // to `{` is no policy any more, and is skipped.
                Expect::InvalidJson if text_has_policy_signal(&String::from_utf8_lossy(&bytes)) => {
                    assert!(rules.contains(&"MINT000"), "{name}: {rules:?}");
                }
                Expect::InvalidJson => {
                    assert!(rules.is_empty(), "{name}: {rules:?}");
                    assert_eq!(report["stats"]["not_policies"], 1, "{name}");
                }
                Expect::InvalidPolicy => assert!(rules.contains(&"MINT001"), "{name}: {rules:?}"),
                Expect::DuplicateKey => assert!(rules.contains(&"MINT002"), "{name}: {rules:?}"),
                Expect::NoCrash => {}
            }
            // JSON that serde_json accepts is never called invalid JSON (the parser agrees with serde_json).
            if serde_json::from_slice::<Value>(&bytes).is_ok() && expect != Expect::InvalidJson {
                assert!(!rules.contains(&"MINT000"), "{name}: valid JSON reported as invalid");
            }
            checked += 1;
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(checked > 100, "{checked}");
}
