//! Property: a random policy rendered to JSON text and parsed back is the same policy (equality ignores
//! spans), and rendering is a fixed point.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "test code")]

use mintlint::policy::render::to_json_text;
use mintlint::policy::*;
use mintlint::source::json::{Limits, parse};
use mintlint::source::{Span, Spanned};
use proptest::prelude::*;

fn sp<T>(node: T) -> Spanned<T> {
    Spanned::new(node, Span::default())
}

const ACTIONS: &[&str] = &[
    "sts:GetWebIdentityToken",
    "sts:TagGetWebIdentityToken",
    "sts:*",
    "*",
    "sts:Get*",
    "s3:GetObject",
    "sts:*Token",
    "iam:?et*",
];
const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:iam::111122223333:role/${aws:username}",
    "arn:aws:s3:::b/${*}x${?}",
    "arn:aws:sts::*:self",
];
const KEYS: &[&str] = &[
    "sts:IdentityTokenAudience",
    "sts:DurationSeconds",
    "sts:SigningAlgorithm",
    "aws:RequestTag/team",
    "aws:TagKeys",
    "aws:SourceVpc",
    "AWS:SourceIp",
    "aws:PrincipalArn",
    "aws:CurrentTime",
];
const STRINGS: &[&str] = &[
    "https://api.partner.example",
    "ES384",
    "${aws:PrincipalTag/team}",
    "${aws:PrincipalTag/team, 'none'}",
    "vpc-0abc",
    "a\"quoted\\\\value\u{e9}\n",
    "",
    "arn:aws:iam::*:role/*",
    "2026-01-01T00:00:00Z",
    "203.0.113.0/24",
];

fn version() -> impl Strategy<Value = Option<Version>> {
    prop_oneof![Just(None), Just(Some(Version::V2012_10_17)), Just(Some(Version::V2008_10_17))]
}

fn template(text: &str, substitutes: bool) -> Template {
    if substitutes { Template::parse(text).unwrap() } else { Template::literal(text) }
}

fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        prop::sample::select(STRINGS).prop_map(|s| Literal::String(s.into())),
        prop_oneof![Just("300"), Just("-1.5"), Just("0"), Just("1e3"), Just("3600")]
            .prop_map(|n| Literal::Number(n.into())),
        any::<bool>().prop_map(Literal::Bool),
    ]
}

fn operator() -> impl Strategy<Value = Operator> {
    let kinds = prop::sample::select(OperatorKind::ALL);
    let sets = prop_oneof![Just(None), Just(Some(SetOp::ForAllValues)), Just(Some(SetOp::ForAnyValue))];
    (kinds, sets, any::<bool>()).prop_map(|(kind, set, if_exists)| Operator {
        kind,
        set,
        if_exists: if_exists && kind != OperatorKind::Null,
    })
}

/// Operator → keys → values, flattened the way the parser reads them (grouped by operator).
fn conditions(substitutes: bool) -> impl Strategy<Value = Vec<ConditionClause>> {
    let block = (
        operator(),
        prop::sample::subsequence(KEYS, 1..=3),
        prop::collection::vec(prop::collection::vec(literal(), 0..3), 3),
    );
    prop::collection::vec(block, 0..3).prop_map(move |blocks| {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for (op, keys, values) in blocks {
            if seen.contains(&op) {
                continue;
            }
            seen.push(op);
            for (key, vals) in keys.iter().zip(values) {
                let values = vals
                    .into_iter()
                    .map(|literal| {
                        let template = match &literal {
                            Literal::String(s) if op.kind.takes_variables() => template(s, substitutes),
                            Literal::String(s) | Literal::Number(s) => Template::literal(s),
                            Literal::Bool(b) => Template::literal(if *b { "true" } else { "false" }),
                        };
                        sp(ConditionValue { literal, template })
                    })
                    .collect();
                out.push(ConditionClause {
                    operator: sp(op),
                    key: sp(ConditionKey::new(key)),
                    values,
                    values_span: Span::default(),
                });
            }
        }
        out
    })
}

fn statement(substitutes: bool) -> impl Strategy<Value = Statement> {
    (
        prop::option::of("[A-Za-z0-9]{0,8}"),
        any::<bool>(),
        any::<bool>(),
        prop::sample::subsequence(ACTIONS, 1..=3),
        prop::option::of((any::<bool>(), prop::sample::subsequence(RESOURCES, 0..=3))),
        conditions(substitutes),
        any::<bool>(),
    )
        .prop_map(move |(sid, allow, not_action, actions, resource, conditions, empty_condition)| {
            let actions = actions.iter().map(|a| sp(ActionPattern::parse(a).unwrap())).collect();
            let resource = resource.map(|(not, rs)| {
                let patterns = rs.iter().map(|r| sp(template(r, substitutes))).collect();
                sp(if not { ResourceClause::NotResource(patterns) } else { ResourceClause::Resource(patterns) })
            });
            let has_condition = !conditions.is_empty() || empty_condition;
            Statement {
                sid: sid.map(|s| sp(s.into())),
                effect: sp(if allow { Effect::Allow } else { Effect::Deny }),
                // A statement without Resource must name a principal to be valid in a loose file.
                principal: resource.is_none().then(|| {
                    sp(PrincipalClause::Principal(PrincipalSet::Typed(vec![PrincipalEntry {
                        kind: sp(PrincipalKind::Aws),
                        values: vec![sp("arn:aws:iam::111122223333:root".into())],
                    }])))
                }),
                action: sp(if not_action { ActionClause::NotAction(actions) } else { ActionClause::Action(actions) }),
                resource,
                conditions,
                condition_span: has_condition.then(Span::default),
                placeholders: Vec::new(),
                span: Span::default(),
            }
        })
}

fn policy() -> impl Strategy<Value = Policy> {
    version().prop_flat_map(|version| {
        let substitutes = version == Some(Version::V2012_10_17);
        (prop::option::of("[ -~é☃]{0,12}"), prop::collection::vec(statement(substitutes), 1..4), any::<bool>())
            .prop_map(move |(id, statements, single)| Policy {
                version: version.map(sp),
                id: id.map(|i| sp(i.into())),
                single_statement: single && statements.len() == 1,
                statements,
                span: Span::default(),
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn render_then_parse_is_identity(policy in policy()) {
        let text = to_json_text(&policy);
        let json = parse(&text, &Limits::default()).expect("rendered policy is JSON");
        let parsed = parse_policy(&json, PolicyKind::Unknown);
        prop_assert!(parsed.problems.is_empty(), "{:?}\n{text}", parsed.problems);
        let back = parsed.policy.expect("a policy");
        prop_assert_eq!(&back, &policy, "{}", text);
        // Stronger than AST equality (which ignores key case): rendering is a fixed point.
        prop_assert_eq!(to_json_text(&back), text);
    }
}
