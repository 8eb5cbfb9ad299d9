//! The evaluator on random requests against random policies: never panics, and the allocation-free fast
//! path (which stops at the first deciding statement) always agrees with the exhaustive, explaining path.
#![no_main]

use std::sync::Arc;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mintlint::eval::{self, Assumptions, LoadedPolicy, NoTrace, PolicySet, Setting};
use mintlint::policy::{PolicyKind, parse_policy};
use mintlint::source::SourceFile;
use mintlint::source::json::{Limits, parse};
use mintlint::request::{Mint, Network, Request};

const ACTIONS: &[&str] = &["sts:GetWebIdentityToken", "sts:TagGetWebIdentityToken", "sts:*", "*", "sts:Get*", "s3:*"];
const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringNotLike",
    "StringEqualsIgnoreCase",
    "ForAllValues:StringEquals",
    "ForAnyValue:StringEquals",
    "ForAnyValue:StringNotEquals",
    "ForAllValues:StringLike",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericLessThanEqualsIfExists",
    "DateLessThan",
    "Bool",
    "Null",
    "IpAddress",
    "NotIpAddress",
    "ArnLike",
    "ArnNotLike",
    "StringNotEqualsIfExists",
    "BinaryEquals",
];
const KEYS: &[&str] = &[
    "sts:IdentityTokenAudience",
    "sts:DurationSeconds",
    "sts:SigningAlgorithm",
    "aws:TagKeys",
    "aws:RequestTag/team",
    "aws:PrincipalTag/team",
    "aws:SourceVpc",
    "aws:SourceIp",
    "aws:PrincipalArn",
    "aws:CurrentTime",
    "aws:SecureTransport",
];
const VALUES: &[&str] = &[
    "a",
    "b",
    "*",
    "a*",
    "?",
    "300",
    "900",
    "ES384",
    "RS256",
    "team",
    "${aws:PrincipalTag/team}",
    "${aws:x, 'a'}",
    "vpc-1",
    "10.0.0.0/8",
    "arn:aws:iam::*:role/*",
    "2026-01-01T00:00:00Z",
    "true",
    "false",
    "",
    "${*}",
    "YQ==",
];

#[derive(Arbitrary, Debug)]
struct Clause {
    operator: u8,
    key: u8,
    values: Vec<u8>,
}

#[derive(Arbitrary, Debug)]
struct Stmt {
    allow: bool,
    not_action: bool,
    actions: Vec<u8>,
    resource_star: bool,
    clauses: Vec<Clause>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    layers: Vec<(u8, Vec<Stmt>)>,
    audiences: Vec<u8>,
    duration: Option<u16>,
    rs256: bool,
    tags: Vec<(u8, u8)>,
    principal_tag: Option<u8>,
    source_ip: bool,
    management: bool,
}

fn pick<'a>(list: &[&'a str], i: u8) -> &'a str {
    list.get(usize::from(i) % list.len()).copied().unwrap_or("")
}

fn policy_text(statements: &[Stmt]) -> String {
    let statements: Vec<serde_json::Value> = statements
        .iter()
        .map(|s| {
            let mut condition = serde_json::Map::new();
            for c in &s.clauses {
                let op = condition.entry(pick(OPERATORS, c.operator)).or_insert_with(|| serde_json::json!({}));
                let values: Vec<&str> = c.values.iter().map(|v| pick(VALUES, *v)).collect();
                if let Some(obj) = op.as_object_mut() {
                    obj.insert(pick(KEYS, c.key).to_owned(), serde_json::json!(values));
                }
            }
            let actions: Vec<&str> = s.actions.iter().map(|a| pick(ACTIONS, *a)).collect();
            let mut st = serde_json::json!({
                "Effect": if s.allow { "Allow" } else { "Deny" },
                (if s.not_action { "NotAction" } else { "Action" }): if actions.is_empty() { vec!["*"] } else { actions },
                "Resource": if s.resource_star { "*" } else { "arn:aws:sts::1:self" },
            });
            if !condition.is_empty() {
                st["Condition"] = serde_json::Value::Object(condition);
            }
            st
        })
        .collect();
    serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

fn load(statements: &[Stmt], kind: PolicyKind) -> Option<LoadedPolicy> {
    let text = policy_text(statements);
    let json = parse(&text, &Limits::default()).ok()?;
    let policy = parse_policy(&json, kind).policy?;
    Some(LoadedPolicy::new(Arc::new(SourceFile::new("fuzz.json", "fuzz.json", text.as_str())), policy, kind))
}

fuzz_target!(|input: Input| {
    let mut set = PolicySet { management_account: input.management, ..PolicySet::default() };
    for (layer, statements) in input.layers.iter().take(6) {
        match layer % 5 {
            0 | 1 => set.identity.extend(load(statements, PolicyKind::Identity)),
            2 => set.boundary = load(statements, PolicyKind::Boundary),
            3 => set.scp_levels.push(load(statements, PolicyKind::Scp).into_iter().collect()),
            _ => set.rcps.extend(load(statements, PolicyKind::Identity)),
        }
    }
    let request = Request {
        principal_arn: Some("arn:aws:iam::111122223333:role/fuzz".into()),
        principal_tags: input.principal_tag.map(|t| vec![("team".into(), pick(VALUES, t).into())]).unwrap_or_default(),
        tags: input
            .tags
            .iter()
            .take(4)
            .map(|(k, v)| (pick(VALUES, *k).to_owned(), pick(VALUES, *v).to_owned()))
            .collect(),
        network: Network::Public { ip: input.source_ip.then(|| [10, 1, 2, 3].into()) },
        time: mintlint::policy::value::date::Timestamp::parse("2026-06-01T00:00:00Z"),
        ..Request::mint(Mint {
            audiences: input.audiences.iter().take(12).map(|a| pick(VALUES, *a).to_owned()).collect(),
            duration: input.duration.map(u32::from),
            signing_algorithm: if input.rs256 { "RS256".into() } else { "ES384".into() },
        })
    };
    for assumptions in
        std::iter::once(Assumptions::default()).chain(Setting::ALL.iter().map(|s| Assumptions::default().flipped(*s)))
    {
        for action in request.actions() {
            let ctx = request.context(action, &assumptions);
            let fast = set.prepare(action).decide(&ctx, &assumptions, &mut NoTrace);
            let explained = eval::check(&set, &ctx, &assumptions);
            assert_eq!(fast.decision, explained.decision, "{ctx:?}");
            assert_eq!(fast.layer, explained.layer);
        }
    }
    let _ = mintlint::simulate::simulate(&set, &request, &Assumptions::default(), None);
});
