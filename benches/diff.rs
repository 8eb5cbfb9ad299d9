//! `diff` of two generated 200-principal inventories (DESIGN §7: under 1 s). Each principal has a realistic
//! minting policy (audience allow-list, lifetime cap, algorithm pin, tag keys and a tag value, a network
//! guard); a tenth of them widen in the current inventory.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr,
    reason = "benchmark setup: a failure is a broken benchmark; the size of the work is reported on stderr"
)]

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use mintlint::diff::{DiffInput, DiffOptions, DiffPrincipal, PrincipalFacts, PrincipalKey, diff};
use mintlint::eval::{LoadedPolicy, PolicySet};
use mintlint::policy::{PolicyKind, parse_document};
use mintlint::source::SourceFile;

fn policy(i: usize, widened: bool) -> String {
    let extra = if widened { r#", "https://debug.example""# } else { "" };
    let cap = if widened { 3600 } else { 900 };
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [
  {{"Sid": "Mint", "Effect": "Allow", "Action": ["sts:GetWebIdentityToken", "sts:TagGetWebIdentityToken"], "Resource": "*",
    "Condition": {{
      "ForAllValues:StringEquals": {{"sts:IdentityTokenAudience": ["https://api{i}.partner.example", "https://audit.example", "https://svc-{i}.internal"{extra}],
                                   "aws:TagKeys": ["team", "env"]}},
      "Null": {{"sts:IdentityTokenAudience": "false"}},
      "NumericLessThanEqualsIfExists": {{"sts:DurationSeconds": "{cap}"}},
      "StringEquals": {{"sts:SigningAlgorithm": "ES384"}},
      "StringEqualsIfExists": {{"aws:RequestTag/team": "team-{i}"}}}}}},
  {{"Sid": "OnlyThroughTheEndpoint", "Effect": "Deny", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    "Condition": {{"StringNotEquals": {{"aws:SourceVpce": "vpce-{i:08}"}}}}}}]}}"#
    )
}

fn inventory(widen_every: usize) -> DiffInput {
    let principals = (0..200)
        .map(|i| {
            let name = format!("role-{i:03}.json");
            let text = policy(i, widen_every > 0 && i % widen_every == 0);
            let source = Arc::new(SourceFile::new(&name, name.as_str(), text));
            let json = mintlint::source::json::parse(&source.text, &Default::default()).unwrap();
            let parsed = parse_document(&json, PolicyKind::Identity).into_iter().next().unwrap();
            let loaded = LoadedPolicy::new(Arc::clone(&source), parsed.policy.unwrap(), PolicyKind::Identity);
            DiffPrincipal {
                keys: vec![PrincipalKey::Path(name.clone())],
                display: name,
                policies: PolicySet { identity: vec![loaded], ..PolicySet::default() },
                facts: PrincipalFacts::default(),
                source: mintlint::request::witness::PolicySource::Files,
            }
        })
        .collect();
    DiffInput { principals }
}

fn bench(c: &mut Criterion) {
    let baseline = inventory(0);
    let current = inventory(10);
    let options = DiffOptions::default();
    let report = diff(&baseline, &current, &options);
    assert_eq!(report.principals.iter().filter(|p| !p.widened.is_empty()).count(), 20);
    assert!(report.principals.iter().all(|p| p.exact));
    let evaluations: u64 = report.principals.iter().map(|p| p.evaluations).sum();
    eprintln!("diff of 200 principals: {evaluations} representative requests, each decided on both sides");
    let mut group = c.benchmark_group("diff");
    group.sample_size(10);
    group.bench_function("200 principals, 20 widened", |b| b.iter(|| diff(&baseline, &current, &options)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
