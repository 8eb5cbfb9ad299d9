//! The relying-party join against brute force: for random minting policies and random relying-party
//! constants, "reaches" equals enumerating every request of a small domain that holds a member of every
//! region the policies' and the relying party's values can cut, and every witness is allowed and accepted.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::sync::Arc;

use mintlint::diff::PrincipalFacts;
use mintlint::eval::{Assumptions, LoadedPolicy, PolicySet};
use mintlint::policy::{PolicyKind, parse_document};
use mintlint::relying::claims::token;
use mintlint::relying::join::{Accounts, JoinOptions, Principal, Reach, reach_all};
use mintlint::relying::matching::{NoReferences, accepts};
use mintlint::relying::{Algorithms, AudienceRule, ClaimRule, Compare, Kind, Located, RelyingParty, Text};
use mintlint::request::{Mint, Request};
use mintlint::source::{SourceFile, Span};
use proptest::prelude::*;
use serde_json::{Value, json};

const ISSUER: &str = "https://a1b2c3d4.tokens.sts.global.api.aws";
const ARN: &str = "arn:aws:iam::111122223333:role/app";

fn condition() -> impl Strategy<Value = (String, String, Value)> {
    let audience = (
        prop::sample::select(vec![
            "ForAllValues:StringEquals",
            "ForAnyValue:StringEquals",
            "ForAllValues:StringLike",
            "ForAnyValue:StringNotLike",
        ]),
        prop::sample::subsequence(vec!["a", "ab", "a*", "*b"], 1..=2),
    )
        .prop_map(|(op, vs)| (op.to_owned(), "sts:IdentityTokenAudience".to_owned(), json!(vs)));
    let other = prop::sample::select(vec![
        ("StringEquals", "sts:SigningAlgorithm", json!("ES384")),
        ("StringEquals", "aws:RequestTag/team", json!(["x", "y"])),
        ("StringLike", "aws:RequestTag/team", json!("x*")),
        ("StringNotEqualsIfExists", "aws:RequestTag/team", json!("y")),
        ("ForAllValues:StringEquals", "aws:TagKeys", json!(["team"])),
        ("ForAnyValue:StringEquals", "aws:TagKeys", json!(["env"])),
        ("Null", "aws:TagKeys", json!("true")),
    ])
    .prop_map(|(op, k, v)| (op.to_owned(), k.to_owned(), v));
    prop_oneof![2 => audience, 2 => other]
}

fn policy() -> impl Strategy<Value = Value> {
    let statement = (
        prop::sample::select(vec!["Allow", "Allow", "Deny"]),
        prop::sample::select(vec![
            json!("sts:GetWebIdentityToken"),
            json!(["sts:GetWebIdentityToken", "sts:TagGetWebIdentityToken"]),
            json!("sts:TagGetWebIdentityToken"),
        ]),
        prop::collection::vec(condition(), 0..=2),
    )
        .prop_map(|(effect, action, conditions)| {
            let mut block = serde_json::Map::new();
            for (op, key, values) in conditions {
                block.entry(op).or_insert_with(|| json!({})).as_object_mut().unwrap().insert(key, values);
            }
            json!({"Effect": effect, "Action": action, "Resource": "*", "Condition": block})
        });
    prop::collection::vec(statement, 1..=3).prop_map(|s| json!({"Version": "2012-10-17", "Statement": s}))
}

fn located(text: &str) -> Located<Text> {
    Located::new(Text::Known(text.to_owned()), Span::default())
}

/// A relying party with random constants: audiences, a claim on the `team` request tag, algorithms, subject.
fn relying_party() -> impl Strategy<Value = RelyingParty> {
    (
        prop::sample::subsequence(vec!["a", "ab", "c"], 1..=2),
        prop::option::of((prop::sample::subsequence(vec!["x", "xz", "y", "x*"], 1..=2), any::<bool>())),
        prop::sample::select(vec![None, Some("RS256"), Some("ES384")]),
        prop::sample::select(vec![None, Some(ARN), Some("arn:aws:iam::111122223333:role/other")]),
    )
        .prop_map(|(audiences, claim, alg, subject)| RelyingParty {
            id: "rp".into(),
            kind: Kind::Exact,
            source: Arc::new(SourceFile::new("mintlint.toml", "mintlint.toml", "")),
            span: Span::default(),
            issuer: Some(located(ISSUER)),
            audience: AudienceRule::AnyOf(audiences.iter().map(|a| located(a)).collect()),
            subject: subject.map(|s| (located(s), Compare::Exact)),
            claims: claim
                .map(|(values, glob)| ClaimRule {
                    claim: Located::new("/https:~1~1sts.amazonaws.com~1/request_tags/team".into(), Span::default()),
                    values: values.iter().map(|v| located(v)).collect(),
                    compare: if glob { Compare::Glob } else { Compare::Exact },
                })
                .into_iter()
                .collect(),
            google: None,
            algorithms: match alg {
                None => Algorithms::All,
                Some(a) => Algorithms::Listed(Located::new(vec![a.to_owned()], Span::default())),
            },
            user_claim: None,
            list_claim: None,
            grants: Vec::new(),
            refuses: None,
        })
}

fn load(policy: &Value) -> PolicySet {
    let text = serde_json::to_string_pretty(policy).unwrap();
    let source = Arc::new(SourceFile::new("p.json", "p.json", text));
    let json = mintlint::source::json::parse(&source.text, &Default::default()).unwrap();
    let parsed = parse_document(&json, PolicyKind::Identity).into_iter().next().unwrap();
    PolicySet {
        identity: vec![LoadedPolicy::new(source, parsed.policy.unwrap(), PolicyKind::Identity)],
        ..PolicySet::default()
    }
}

/// Every request of the brute-force domain: audience sets of up to three strings that fall in every region
/// the pool {a, ab, c, a*, *b} cuts (the pattern texts included: `StringEquals` reads them literally), every `team` value region (x, xz, y, z, absent, a differently cased
/// key), an unrelated tag, both algorithms.
fn domain() -> Vec<Request> {
    let strings = ["a", "ab", "aab", "ac", "cb", "c", "a*", "*b"];
    let mut audience_sets = Vec::new();
    for mask in (1u32..(1 << strings.len())).filter(|m| m.count_ones() <= 3) {
        audience_sets.push(
            strings
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, s)| s.to_string())
                .collect::<Vec<_>>(),
        );
    }
    let teams = [
        None,
        Some(("team", "x")),
        Some(("team", "xz")),
        Some(("team", "y")),
        Some(("team", "z")),
        Some(("Team", "x")),
    ];
    let mut out = Vec::new();
    for audiences in &audience_sets {
        for team in teams {
            for env in [false, true] {
                for algorithm in ["ES384", "RS256"] {
                    let mut tags: Vec<(String, String)> =
                        team.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
                    if env {
                        tags.push(("env".into(), "x".into()));
                    }
                    out.push(Request {
                        principal_arn: Some(ARN.into()),
                        tags,
                        ..Request::mint(Mint {
                            audiences: audiences.clone(),
                            signing_algorithm: algorithm.into(),
                            duration: None,
                        })
                    });
                }
            }
        }
    }
    out
}

fn allowed(set: &PolicySet, r: &Request, a: &Assumptions) -> bool {
    r.validate(a).is_ok()
        && r.actions().into_iter().all(|action| {
            let ctx = r.context(action, a);
            set.prepare(action).decide(&ctx, a, &mut mintlint::eval::NoTrace).decision
                == mintlint::eval::Decision::Allow
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn reaches_equals_brute_force(policy in policy(), rp in relying_party()) {
        let a = Assumptions::default();
        let set = load(&policy);
        let principal = Principal {
            display: "app".into(),
            address: None,
            arn: ARN.into(),
            arn_assumed: false,
            policies: set.clone(),
            facts: PrincipalFacts { arn: Some(ARN.into()), tags: Some(Vec::new()), context: Vec::new() },
        };
        let mut accounts = Accounts::default();
        accounts.issuers.insert("111122223333".into(), ISSUER.into());
        let result = reach_all(&rp, std::slice::from_ref(&principal), &accounts, &JoinOptions::default());
        let brute = domain().into_iter().any(|r| {
            allowed(&set, &r, &a) && accepts(&rp, &token(&r, Some(ISSUER), &a), &a, &NoReferences).accepted()
        });
        match &result[0] {
            Reach::Reaches(w) => {
                prop_assert!(brute, "join reaches, brute force does not: {policy}\n{rp:?}\n{:?}", w.request);
                prop_assert!(allowed(&set, &w.request, &a), "witness not allowed: {:?}", w.request);
                prop_assert!(accepts(&rp, &token(&w.request, Some(ISSUER), &a), &a, &NoReferences).accepted());
            }
            Reach::NotReached { .. } => prop_assert!(!brute, "brute force reaches, join does not: {policy}\n{rp:?}"),
            Reach::Undecided { why, .. } => prop_assert!(false, "undecided: {why}"),
        }
    }
}
