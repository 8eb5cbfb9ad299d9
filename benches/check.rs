//! `check` benchmarks (DESIGN §7): JSON parsing, policy parsing, the whole `check` of the 1,523 AWS managed
//! policies, and the cold start of the binary on one file.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "benchmark setup")]

use std::path::PathBuf;
use std::process::Command;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mintlint::check::{CheckOptions, RuleSelection, run};
use mintlint::lint::LintContext;
use mintlint::policy::{PolicyKind, parse_document};
use mintlint::source::discover::FileFilter;
use mintlint::source::json::{Limits, parse};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/managed-policies")
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
        limits,
        rules: RuleSelection::default(),
        suppressions: Default::default(),
        lint: LintContext::default(),
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
