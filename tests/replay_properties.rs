//! Replay against the policies that decided: random token requests are built with the one request model
//! (`RequestSpec::build`), decided by the simulator, and written as the CloudTrail records of what happened
//! (issued, or `AccessDenied`). Replayed against the same policies, nothing may change; and the suggestion
//! made from them allows every issuance it came from.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::collections::BTreeMap;
use std::sync::Arc;

use mintlint::eval::{Assumptions, LoadedPolicy, PolicySet};
use mintlint::lint::LintContext;
use mintlint::policy::value::date::Timestamp;
use mintlint::policy::{PolicyKind, parse_document};
use mintlint::replay::engine::{Change, Replayer, Side};
use mintlint::replay::events::EventLimits;
use mintlint::replay::inputs::{Target, Version};
use mintlint::replay::suggest::{Options, suggest};
use mintlint::replay::{Keep, replay_files, replay_to_spill};
use mintlint::report::replay as replay_report;
use mintlint::request::{Defaults, RequestSpec};
use mintlint::source::SourceFile;
use proptest::prelude::*;
use serde_json::{Value, json};

const ARN: &str = "arn:aws:iam::111122223333:role/app/worker";

/// Audiences by literal and by pattern, a lifetime cap, an algorithm, a tag bound to the principal's own,
/// and a Deny outside one VPC (whose endpoints the configuration names).
const POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*", "Condition": {
     "ForAllValues:StringLike": {"sts:IdentityTokenAudience": ["https://api.partner.example", "https://*.vault.example"]},
     "Null": {"sts:IdentityTokenAudience": "false"},
     "NumericLessThanEqualsIfExists": {"sts:DurationSeconds": "900"},
     "StringEquals": {"sts:SigningAlgorithm": "ES384"}}},
  {"Effect": "Deny", "Action": "sts:GetWebIdentityToken", "Resource": "*", "Condition": {
     "StringNotEquals": {"aws:SourceVpc": "vpc-0aaa"}, "Null": {"aws:SourceVpc": "false"}}},
  {"Effect": "Allow", "Action": "sts:TagGetWebIdentityToken", "Resource": "*", "Condition": {
     "ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]},
     "StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}}]}"#;

const AUDIENCES: [&str; 4] =
    ["https://api.partner.example", "https://eu.vault.example", "https://x.other.example", "https://vault.example"];
const TAGS: [(&str, &str); 4] = [("team", "payments"), ("team", "ops"), ("env", "prod"), ("owner", "x")];
/// (endpoint, its VPC, source address); `None`: the public endpoint.
const NETWORKS: [(Option<&str>, Option<&str>, &str); 3] = [
    (None, None, "198.51.100.7"),
    (Some("vpce-0aaa"), Some("vpc-0aaa"), "10.0.0.5"),
    (Some("vpce-0bbb"), Some("vpc-0bbb"), "10.1.0.5"),
];

fn policy_set() -> PolicySet {
    let source = Arc::new(SourceFile::new("policy.json", "policy.json", POLICY));
    let json = mintlint::source::json::parse(&source.text, &Default::default()).unwrap();
    let policy = parse_document(&json, PolicyKind::Identity).remove(0).policy.unwrap();
    PolicySet { identity: vec![LoadedPolicy::new(source, policy, PolicyKind::Identity)], ..PolicySet::default() }
}

#[derive(Clone, Debug)]
struct Call {
    audiences: Vec<String>,
    duration: Option<u32>,
    algorithm: &'static str,
    tags: Vec<(String, String)>,
    network: usize,
}

fn call() -> impl Strategy<Value = Call> {
    (
        proptest::sample::subsequence(AUDIENCES.to_vec(), 1..=3),
        proptest::option::of(proptest::sample::select(vec![60u32, 300, 900, 901, 3600])),
        proptest::sample::select(vec!["ES384", "RS256"]),
        proptest::sample::subsequence(TAGS.to_vec(), 0..=2),
        0..NETWORKS.len(),
    )
        .prop_map(|(audiences, duration, algorithm, tags, network)| {
            let mut seen = Vec::new();
            let tags = tags
                .into_iter()
                .filter(|(k, _)| {
                    let fresh = !seen.contains(k);
                    seen.push(*k);
                    fresh
                })
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            Call { audiences: audiences.into_iter().map(str::to_owned).collect(), duration, algorithm, tags, network }
        })
}

/// The record CloudTrail writes for a call, issued or refused.
fn record(i: usize, c: &Call, time: &str, issued: bool) -> Value {
    let (endpoint, _, ip) = NETWORKS[c.network];
    let mut parameters = json!({"audience": c.audiences, "signingAlgorithm": c.algorithm});
    if let Some(d) = c.duration {
        parameters["durationSeconds"] = json!(d);
    }
    if !c.tags.is_empty() {
        parameters["tags"] = c.tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect();
    }
    let id = format!("00000000-0000-4000-8000-{i:012x}");
    let mut r = json!({
        "eventVersion": "1.11", "eventSource": "sts.amazonaws.com", "eventName": "GetWebIdentityToken",
        "eventID": id, "eventTime": time, "awsRegion": "eu-west-1", "sourceIPAddress": ip,
        "userIdentity": {"type": "AssumedRole", "principalId": "AROAEXAMPLE:task",
            "arn": "arn:aws:sts::111122223333:assumed-role/worker/task", "accountId": "111122223333",
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLE", "arn": ARN,
                "accountId": "111122223333", "userName": "worker"},
                "attributes": {"creationDate": "2026-03-01T00:00:00Z", "mfaAuthenticated": "false"}}},
        "requestParameters": parameters,
        "responseElements": if issued { json!({"webIdentityTokenId": id}) } else { Value::Null },
    });
    if let Some(e) = endpoint {
        r["vpcEndpointId"] = json!(e);
    }
    if !issued {
        r["errorCode"] = json!("AccessDenied");
        r["errorMessage"] = json!("not authorized to perform: sts:GetWebIdentityToken");
    }
    r
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn replaying_what_the_policies_decided_changes_nothing(calls in proptest::collection::vec(call(), 1..24)) {
        let set = policy_set();
        let assumptions = Assumptions::default();
        let principal_tags = vec![("team".to_owned(), "payments".to_owned())];
        let defaults = Defaults { region: Default::default(), now: Timestamp::from_epoch_secs(0) };
        let mut lines = String::new();
        let mut issued = 0u64;
        for (i, c) in calls.iter().enumerate() {
            let (endpoint, vpc, ip) = NETWORKS[c.network];
            let time = format!("2026-03-01T00:{:02}:{:02}Z", i / 60, i % 60);
            let spec = RequestSpec {
                principal: Some(ARN.to_owned()),
                principal_tags: principal_tags.clone(),
                audiences: c.audiences.clone(),
                duration: c.duration,
                signing_algorithm: Some(c.algorithm.to_owned()),
                tags: c.tags.clone(),
                source_vpc: vpc.map(str::to_owned),
                source_vpce: endpoint.map(str::to_owned),
                source_ip: Some(ip.to_owned()),
                region: Some("eu-west-1".to_owned()),
                time: Some(time.clone()),
                ..RequestSpec::default()
            };
            let request = spec.build(&defaults).unwrap();
            let allowed = mintlint::simulate::allows(&set, &request, &assumptions);
            issued += u64::from(allowed);
            lines.push_str(&record(i, c, &time, allowed).to_string());
            lines.push('\n');
        }
        let dir = std::env::temp_dir().join(format!("mintlint-replay-prop-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("events.jsonl");
        std::fs::write(&path, &lines).unwrap();

        let version = Version::from_targets(vec![Target {
            arn: Some(ARN.to_owned()),
            describe: "worker".to_owned(),
            set,
            tags: Some(principal_tags),
            context: Vec::new(),
            notes: Vec::new(),
        }]);
        let endpoints: BTreeMap<String, String> =
            [("vpce-0aaa", "vpc-0aaa"), ("vpce-0bbb", "vpc-0bbb")].iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect();
        let replayer = Replayer::new(Side::new(&version), None, assumptions, &endpoints);
        let report = replay_files(std::slice::from_ref(&path), &replayer, &EventLimits::default(), Keep::All);
        // The streamed reports are the ones rendered from every call kept: JSON written from its spill (calls
        // in event time order whatever order they were decided in), JUnit from changed calls and counts.
        let render = |r: &mintlint::replay::engine::Replayed| replay_report::spilled_json_result(r, &replayer);
        let mut spilled =
            replay_to_spill(std::slice::from_ref(&path), &replayer, &EventLimits::default(), &render).unwrap();
        prop_assert!(spilled.results.is_empty(), "a spilled report keeps no call");
        let mut streamed = Vec::new();
        replay_report::write_json(&mut spilled, &replayer, &mut streamed).unwrap();
        prop_assert_eq!(String::from_utf8(streamed).unwrap(), replay_report::json(&report, &replayer));
        let grouped = replay_files(std::slice::from_ref(&path), &replayer, &EventLimits::default(), Keep::Grouped);
        prop_assert_eq!(replay_report::junit(&grouped, &replayer), replay_report::junit(&report, &replayer));
        std::fs::remove_dir_all(&dir).unwrap();
        prop_assert!(report.skipped.is_empty(), "{:?}", report.skipped);
        prop_assert_eq!(report.replayed, calls.len() as u64);
        for r in &report.results {
            prop_assert_eq!(r.change, Change::Unchanged, "{:?} now {}", r.call.spec, r.now.word());
        }

        let lint = LintContext::default();
        let suggestions = suggest(&report, &replayer, &Options { lint: &lint, assumptions, budget: mintlint::diff::DEFAULT_BUDGET });
        let replayed: u64 = suggestions.suggestions.iter().map(|s| s.verification.replayed).sum();
        prop_assert_eq!(replayed, issued);
        for s in &suggestions.suggestions {
            prop_assert!(s.verification.denied.is_empty() && s.verification.undecided.is_empty(), "{}", s.policy);
            prop_assert_eq!(s.verification.allowed, s.verification.replayed);
            prop_assert!(s.lint.is_empty(), "{}: {:?}", s.policy, s.lint.iter().map(|f| f.message.clone()).collect::<Vec<_>>());
        }
        // In place of the grants (the Deny stays), the suggestion is never wider than the policies it came from.
        for u in &suggestions.unused {
            prop_assert!(u.diff.exact, "{:?}", u.diff.inexact_reason);
            prop_assert!(u.diff.widened.is_empty(), "{:?}", u.diff.widened.iter().map(|w| w.description.clone()).collect::<Vec<_>>());
        }
    }
}
