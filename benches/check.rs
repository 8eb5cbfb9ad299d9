//! `check` benchmarks (DESIGN §7): JSON parsing, policy parsing, the whole `check` of the 1,523 AWS managed
//! policies (the shared corpus), and the cold start of the binary on one file.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "benchmark setup")]

use std::path::PathBuf;
use std::process::Command;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mintlint::check::{CheckOptions, RuleSelection, run};
use mintlint::lint::LintContext;
use mintlint::policy::{PolicyKind, parse_document};
use mintlint::source::discover::FileFilter;
use mintlint::source::json::{Limits, parse};

/// The managed policies to measure: under `cargo bench`, the 1,523 of the shared corpus (`$MINTLINT_SHARED`,
/// else `../shared` beside the repository); when `cargo test` runs each benchmark once as a test, the sample
/// that ships in `tests/corpus-sample/`, so the test suite needs nothing beside the repository.
fn corpus() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    if !std::env::args().any(|a| a == "--bench") {
        return root.join("tests/corpus-sample/managed-policies");
    }
    let shared = std::env::var_os("MINTLINT_SHARED").map_or_else(|| root.join("../shared"), PathBuf::from);
    let dir = shared.join("corpus/managed-policies");
    assert!(dir.is_dir(), "{} is missing: set MINTLINT_SHARED to the shared directory", dir.display());
    dir
}

fn texts() -> Vec<String> {
    let mut paths: Vec<_> = std::fs::read_dir(corpus()).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
}

fn benches(c: &mut Criterion) {
    let texts = texts();
    let bytes: u64 = texts.iter().map(|t| t.len() as u64).sum();
    let limits = Limits::default();

    let mut group = c.benchmark_group("managed-policy corpus");
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("json parse", |b| {
        b.iter(|| texts.iter().filter(|t| parse(t, &limits).is_ok()).count());
    });
    let parsed: Vec<_> = texts.iter().map(|t| parse(t, &limits).unwrap()).collect();
    group.bench_function("policy parse", |b| {
        b.iter(|| parsed.iter().map(|j| parse_document(j, PolicyKind::Unknown).len()).sum::<usize>());
    });
    let options = CheckOptions {
        paths: vec![corpus()],
        filter: FileFilter::default(),
        limits: mintlint::source::InputLimits::default(),
        rules: RuleSelection::default(),
        suppressions: Default::default(),
        kinds: Default::default(),
        lint: LintContext::default(),
        config: None,
    };
    group.sample_size(20);
    group.bench_function("check (read, parse, lint, sort)", |b| b.iter(|| run(&options).unwrap().findings.len()));
    group.finish();

    let one = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/payments-mint-role.json");
    let mut group = c.benchmark_group("process");
    group.sample_size(30);
    group.bench_function("cold start: check one file", |b| {
        b.iter(|| Command::new(env!("CARGO_BIN_EXE_mintlint")).arg("check").arg(&one).output().unwrap().status)
    });
    group.finish();
}

criterion_group!(check, benches);
criterion_main!(check);
