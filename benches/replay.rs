//! `replay` throughput (issue 19: at least 1,000,000 events per minute for a 100-principal inventory): 100
//! roles, each allowed one audience, a lifetime cap, one algorithm and a tag bound to its own, and 20,000
//! generated records (issued with and without a lifetime or a tag, AccessDenied, other calls) in one
//! JSON-lines file, read, decided and folded into the report as `mintlint replay` does. divan reports
//! events per second; `scripts/gen-events` measures the whole command on a million.
//!
//! Run with `cargo bench --bench replay`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "benchmark setup: a failure to build the inputs is a failed run"
)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use divan::Bencher;
use divan::counter::ItemsCount;
use mintlint::eval::{Assumptions, LoadedPolicy, PolicySet};
use mintlint::policy::{PolicyKind, parse_document};
use mintlint::replay::engine::{Replayer, Side};
use mintlint::replay::events::EventLimits;
use mintlint::replay::inputs::{Target, Version};
use mintlint::replay::{Keep, replay_files};
use mintlint::source::SourceFile;

const ROLES: usize = 100;
const EVENTS: usize = 20_000;

fn main() {
    divan::main();
}

fn role_arn(i: usize) -> String {
    format!("arn:aws:iam::111122223333:role/gen/role-{i}")
}

fn version() -> Version {
    let targets = (0..ROLES)
        .map(|i| {
            let text = format!(
                r#"{{"Version": "2012-10-17", "Statement": [
  {{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*", "Condition": {{
     "ForAllValues:StringEquals": {{"sts:IdentityTokenAudience": ["https://svc{}.example"]}},
     "Null": {{"sts:IdentityTokenAudience": "false"}},
     "NumericLessThanEqualsIfExists": {{"sts:DurationSeconds": "900"}},
     "StringEquals": {{"sts:SigningAlgorithm": "RS256"}}}}}},
  {{"Effect": "Allow", "Action": "sts:TagGetWebIdentityToken", "Resource": "*", "Condition": {{
     "ForAllValues:StringEquals": {{"aws:TagKeys": ["team"]}},
     "StringEquals": {{"aws:RequestTag/team": "${{aws:PrincipalTag/team}}"}}}}}}]}}"#,
                i % 10
            );
            let source = Arc::new(SourceFile::new("mint.json", "mint.json", text));
            let json = mintlint::source::json::parse(&source.text, &Default::default()).unwrap();
            let policy = parse_document(&json, PolicyKind::Identity).remove(0).policy.unwrap();
            let set = PolicySet {
                identity: vec![LoadedPolicy::new(source, policy, PolicyKind::Identity)],
                ..PolicySet::default()
            };
            Target {
                arn: Some(role_arn(i)),
                describe: format!("role-{i}"),
                set,
                tags: Some(vec![("team".to_owned(), format!("t{}", i % 10))]),
                context: Vec::new(),
                notes: Vec::new(),
            }
        })
        .collect();
    Version::from_targets(targets)
}

/// The records, one per line, in the mix of `scripts/gen-events`.
fn events() -> String {
    let mut out = String::new();
    for i in 0..EVENTS {
        let r = i % ROLES;
        let id = format!("{i:08x}-0000-4000-8000-{i:012x}");
        let time = format!("2026-03-01T{:02}:{:02}:{:02}Z", i / 3600 % 24, i / 60 % 60, i % 60);
        let who = format!(
            r#"{{"type":"AssumedRole","principalId":"AROAGEN{r:05}:task","arn":"arn:aws:sts::111122223333:assumed-role/role-{r}/task","accountId":"111122223333","sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"AROAGEN{r:05}","arn":"{}","accountId":"111122223333","userName":"role-{r}"}},"attributes":{{"creationDate":"{time}","mfaAuthenticated":"false"}}}}}}"#,
            role_arn(r)
        );
        let common = format!(
            r#""eventVersion":"1.11","userIdentity":{who},"eventTime":"{time}","eventSource":"sts.amazonaws.com","awsRegion":"eu-west-1","sourceIPAddress":"198.51.100.{r}","userAgent":"aws-sdk-go-v2/1.36.3","requestID":"{id}","eventID":"{id}","eventType":"AwsApiCall","recipientAccountId":"111122223333""#
        );
        let audience = format!("https://svc{}.example", r % 10);
        let _ = match i % 10 {
            8 => writeln!(
                out,
                r#"{{"eventName":"AssumeRole",{common},"requestParameters":{{"roleArn":"{}","roleSessionName":"task"}}}}"#,
                role_arn(r)
            ),
            7 => writeln!(
                out,
                r#"{{"eventName":"GetWebIdentityToken",{common},"errorCode":"AccessDenied","errorMessage":"not authorized","requestParameters":{{"audience":["https://other{}.example"],"signingAlgorithm":"RS256"}},"responseElements":null}}"#,
                i % 1000
            ),
            k => {
                let mut params = format!(r#""audience":["{audience}"],"signingAlgorithm":"RS256""#);
                if k != 6 {
                    let _ = write!(params, r#","durationSeconds":{}"#, 60 + i % 841);
                }
                if k == 9 {
                    let _ = write!(params, r#","tags":[{{"key":"team","value":"t{}"}}]"#, r % 10);
                }
                writeln!(
                    out,
                    r#"{{"eventName":"GetWebIdentityToken",{common},"requestParameters":{{{params}}},"responseElements":{{"webIdentityTokenId":"{id}"}}}}"#
                )
            }
        };
    }
    out
}

#[divan::bench(sample_count = 10)]
fn replay_events(bencher: Bencher) {
    let version = version();
    let dir = std::env::temp_dir().join(format!("mintlint-bench-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("events.jsonl");
    std::fs::write(&path, events()).unwrap();
    let endpoints = BTreeMap::new();
    let replayer = Replayer::new(Side::new(&version), None, Assumptions::default(), &endpoints);
    let files = [path];
    bencher.counter(ItemsCount::new(EVENTS)).bench_local(|| {
        let report = replay_files(&files, &replayer, &EventLimits::default(), Keep::Changed);
        assert_eq!(report.events, EVENTS as u64);
        assert!(!report.failed(), "the generated outcomes are the policies' own");
        report.replayed
    });
    std::fs::remove_dir_all(&dir).unwrap();
}
