//! A straightforward reference evaluation of condition blocks, kept in test code, and the property that the
//! compiled path (slots, cached value parsing, operators resolved once, pre-split patterns) decides exactly
//! as it does, reporting the same absent keys, over random conditions, contexts and assumption settings.
//!
//! The reference reads the policy's AST directly, looks keys up in a plain list of (key as given, value)
//! pairs by ASCII-case-insensitive comparison (the last setting wins), parses every value at every use, and
//! matches patterns with the general glob and ARN matchers.

use proptest::prelude::*;
use proptest::sample::select;

use crate::policy::value::arn::{arn_matches, arn_matches_tokens, reads_as_arn};
use crate::policy::value::binary::decode_base64;
use crate::policy::value::date::Timestamp;
use crate::policy::value::ip::{Cidr, parse_addr};
use crate::policy::value::number::{self, Number};
use crate::policy::value::parse_bool;
use crate::policy::wildcard::{self, Token};
use crate::policy::{ConditionClause, Family, OperatorKind, Part, PolicyKind, SetOp, Statement, parse_policy};
use crate::source::json::{Limits, parse};

use super::assumptions::{Assumptions, EmptyValues, PlainOnMulti, Setting, UnresolvedVariable, VariableWildcards};
use super::context::{ContextValue, RequestContext, RequestResource};
use super::statement::CompiledStatement;

/// The request's keys as set, in order; a later setting of a key (any case) replaces an earlier one.
type Model = Vec<(String, ContextValue)>;

fn lookup<'a>(ctx: &'a Model, key: &str) -> Option<&'a ContextValue> {
    ctx.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
}

fn single<'a>(ctx: &'a Model, key: &str) -> Option<&'a str> {
    match lookup(ctx, key)? {
        ContextValue::Single(v) => Some(v),
        ContextValue::Multi(_) => None,
    }
}

fn is_null(v: &ContextValue) -> bool {
    match v {
        ContextValue::Single(s) => s.is_empty(),
        ContextValue::Multi(vs) => vs.is_empty(),
    }
}

/// The statement's conditions: `Ok` when all hold, else the first failing clause.
fn conditions(st: &Statement, ctx: &Model, a: &Assumptions, absent: &mut Vec<String>) -> Result<(), usize> {
    if a.unresolved_variable == UnresolvedVariable::InvalidStatement {
        let mut failed: Option<usize> = None;
        for (i, clause) in st.conditions.iter().enumerate() {
            let mut seen: Vec<String> = Vec::new();
            for v in &clause.values {
                if !clause.operator.node.kind.takes_variables() {
                    continue;
                }
                for var in v.node.template.variables() {
                    let key = var.key.to_ascii_lowercase();
                    if var.default.is_none() && !seen.contains(&key) && single(ctx, &key).is_none() {
                        seen.push(key.clone());
                        absent.push(key);
                        failed = Some(failed.map_or(i, |f| f.min(i)));
                    }
                }
            }
        }
        if let Some(at) = failed {
            return Err(at);
        }
    }
    for (i, clause) in st.conditions.iter().enumerate() {
        if !clause_holds(clause, ctx, a, absent) {
            return Err(i);
        }
    }
    Ok(())
}

fn clause_holds(c: &ConditionClause, ctx: &Model, a: &Assumptions, absent: &mut Vec<String>) -> bool {
    let op = c.operator.node;
    let key = c.key.node.lower().to_owned();
    let family = op.kind.family();
    let value = lookup(ctx, &key);
    if family == Family::Null {
        match op.set {
            Some(SetOp::ForAllValues) => return true,
            Some(SetOp::ForAnyValue) => return false,
            None => {}
        }
        if value.is_none() {
            absent.push(key.clone());
        }
        let null = value.is_none_or(is_null);
        return c.values.iter().any(|v| match parse_bool(v.node.text()) {
            Some(true) => null,
            Some(false) => !null,
            None => false,
        });
    }
    if op.set.is_none() && !op.if_exists && c.values.is_empty() && a.empty_condition_values == EmptyValues::Ignored {
        return true;
    }
    let negated = op.kind.is_negated();
    let present = match value {
        Some(v) if op.set.is_some() && is_null(v) => None,
        v => v,
    };
    let Some(present) = present else {
        absent.push(key);
        if op.if_exists {
            return true;
        }
        return match op.set {
            Some(SetOp::ForAllValues) => !negated || a.for_all_values_negated_missing,
            Some(SetOp::ForAnyValue) => false,
            None => negated && (matches!(family, Family::String | Family::Arn) || a.negated_numeric_date_ip_missing),
        };
    };
    if matches!(family, Family::String | Family::Arn | Family::Bool) {
        for v in &c.values {
            for var in v.node.template.variables() {
                if var.default.is_none() && single(ctx, &var.key).is_none() {
                    absent.push(var.key.to_ascii_lowercase());
                }
            }
        }
    }
    let unreadable = c.values.iter().any(|v| {
        let text = v.node.text();
        match family {
            Family::Numeric => Number::parse(text).is_none(),
            Family::Date => Timestamp::parse(text).is_none(),
            Family::Binary => decode_base64(text).is_none(),
            Family::Ip => Cidr::parse(text).is_none(),
            Family::Arn => v.node.template.parts().is_empty() && !reads_as_arn(text),
            _ => false,
        }
    });
    if negated && unreadable && !a.negated_unreadable_value {
        return false;
    }
    let any = |r: &str| matches_any(c, r, ctx, a);
    match (op.set, present) {
        (None, ContextValue::Single(r)) => any(r) != negated,
        (None, ContextValue::Multi(rs)) => match a.plain_operator_on_multivalued {
            PlainOnMulti::AnyValue => rs.iter().any(|r| any(r)) != negated,
            PlainOnMulti::NoMatch => negated,
        },
        (Some(SetOp::ForAllValues), v) => values(v).iter().all(|r| any(r) != negated),
        (Some(SetOp::ForAnyValue), v) => values(v).iter().any(|r| any(r) != negated),
    }
}

fn values(v: &ContextValue) -> Vec<&str> {
    match v {
        ContextValue::Single(s) => vec![s],
        ContextValue::Multi(vs) => vs.iter().map(|s| &**s).collect(),
    }
}

/// A policy value's tokens with variables substituted; `None` when a variable has no value and no default.
fn tokens<'a>(parts: &'a [Part], ctx: &'a Model, wild: bool, substituted_wild: bool) -> Option<Vec<Token<'a>>> {
    let mut out = Vec::new();
    let push = |text: &'a str, wild: bool, out: &mut Vec<Token<'a>>| {
        if !wild {
            out.push(Token::Literal(text));
            return;
        }
        let mut start = 0;
        for (i, ch) in text.char_indices() {
            if ch == '*' || ch == '?' {
                if i > start {
                    out.push(Token::Literal(&text[start..i]));
                }
                out.push(if ch == '*' { Token::AnyMany } else { Token::AnyOne });
                start = i + 1;
            }
        }
        if start < text.len() {
            out.push(Token::Literal(&text[start..]));
        }
    };
    for part in parts {
        match part {
            Part::Text(t) => push(t, wild, &mut out),
            Part::Escaped(c) => out.push(Token::Literal(match c {
                '*' => "*",
                '?' => "?",
                _ => "$",
            })),
            Part::Variable(var) => {
                let value = single(ctx, &var.key).or(var.default.as_deref())?;
                push(value, wild && substituted_wild, &mut out);
            }
        }
    }
    Some(out)
}

fn compare(kind: OperatorKind, ordering: std::cmp::Ordering) -> bool {
    use OperatorKind::*;
    use std::cmp::Ordering::*;
    match kind {
        NumericEquals | DateEquals => ordering == Equal,
        NumericLessThan | DateLessThan => ordering == Less,
        NumericLessThanEquals | DateLessThanEquals => ordering != Greater,
        NumericGreaterThan | DateGreaterThan => ordering == Greater,
        NumericGreaterThanEquals | DateGreaterThanEquals => ordering != Less,
        _ => false,
    }
}

fn matches_any(c: &ConditionClause, r: &str, ctx: &Model, a: &Assumptions) -> bool {
    let kind = c.operator.node.kind.positive();
    let sub_wild = a.variable_wildcards == VariableWildcards::Wildcard;
    let like = kind == OperatorKind::StringLike;
    let fold = kind.ignores_case();
    c.values.iter().any(|v| {
        let template = &v.node.template;
        let text = v.node.text();
        match kind.family() {
            Family::String if template.parts().is_empty() => {
                if like {
                    wildcard::matches(template.raw(), r, fold)
                } else {
                    wildcard::matches_tokens(&[Token::Literal(template.raw())], r, fold)
                }
            }
            Family::String => {
                tokens(template.parts(), ctx, like, sub_wild).is_some_and(|t| wildcard::matches_tokens(&t, r, fold))
            }
            Family::Arn if template.parts().is_empty() => arn_matches(template.raw(), r),
            Family::Arn => tokens(template.parts(), ctx, true, sub_wild).is_some_and(|t| arn_matches_tokens(&t, r)),
            Family::Bool => {
                let Some(want) = parse_bool(r) else { return false };
                if template.parts().is_empty() {
                    return parse_bool(template.raw()) == Some(want);
                }
                tokens(template.parts(), ctx, false, false).is_some_and(|t| {
                    let joined: String = t
                        .iter()
                        .map(|t| match t {
                            Token::Literal(s) => *s,
                            Token::AnyMany => "*",
                            Token::AnyOne => "?",
                        })
                        .collect();
                    parse_bool(&joined) == Some(want)
                })
            }
            Family::Numeric => match (Number::parse(r), Number::parse(text)) {
                (Some(x), Some(p)) => compare(kind, number::compare(x, p)),
                _ => false,
            },
            Family::Date => match (Timestamp::parse(r), Timestamp::parse(text)) {
                (Some(x), Some(p)) => compare(kind, x.cmp(&p)),
                _ => false,
            },
            Family::Binary => matches!((decode_base64(text), decode_base64(r)), (Some(x), Some(y)) if x == y),
            Family::Ip => matches!((Cidr::parse(text), parse_addr(r)), (Some(cidr), Some(addr)) if cidr.contains(addr)),
            Family::Null => false,
        }
    })
}

const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

/// Key names of every kind, in several cases: known keys (slots), tag keys and other keys (hashed scan).
const KEYS: &[&str] = &[
    "sts:DurationSeconds",
    "STS:durationseconds",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:SourceIp",
    "aws:sourceip",
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "sts:IdentityTokenAudience",
    "aws:TagKeys",
    "aws:SecureTransport",
    "aws:RequestTag/team",
    "aws:requesttag/TEAM",
    "aws:PrincipalTag/team",
    "test:Blob",
    "s3:prefix",
];

/// Values of every type, with wildcards, variables (with and without defaults, escaped characters) and
/// values no family reads.
const POLICY_VALUES: &[&str] = &[
    "900",
    "300.0",
    "-1",
    "abc",
    "",
    "2026-01-01T12:00:00Z",
    "2026",
    "1767225600",
    "10.0.0.0/8",
    "203.0.113.7",
    "2001:db8::/32",
    "true",
    "False",
    "Zm9v",
    "Zm9v==",
    "arn:aws:iam::111122223333:role/payments",
    "arn:aws:iam::*:role/pay*",
    "arn:aws:iam::${aws:PrincipalAccount}:role/*",
    "arn:*:sts::*:*",
    "https://partner*.example",
    "https://partner*.example/*",
    "*.internal.example",
    "d?ta",
    "data",
    "DATA",
    "${aws:PrincipalTag/team}",
    "${aws:PrincipalTag/team, 'none'}",
    "x${*}y",
    "${aws:username}",
    "${aws:SecureTransport, 'true'}",
    "é*",
];

const REQUEST_VALUES: &[&str] = &[
    "900",
    "900.5",
    "3600",
    "",
    "abc",
    "2026-01-01T12:00:00Z",
    "2025-06-01T00:00Z",
    "1767225600",
    "10.1.2.3",
    "203.0.113.7",
    "2001:db8::1",
    "true",
    "TRUE",
    "false",
    "Zm9v",
    "Zm9vYg",
    "arn:aws:iam::111122223333:role/payments",
    "arn:aws:iam::111122223333:role/aws-service-role/x",
    "arn:aws:sts::111122223333:federated-user/f",
    "arn:aws:iam::111122223333:root",
    "111122223333",
    "https://partner7.example",
    "https://partner7.example/v2",
    "http://x.internal.example",
    "data",
    "DATA",
    "x*y",
    "éa",
];

fn clause_json() -> impl Strategy<Value = (String, String, Vec<&'static str>)> {
    let prefix = select(&["", "", "ForAllValues:", "ForAnyValue:"][..]);
    let suffix = select(&["", "", "IfExists"][..]);
    (prefix, select(OPERATORS), suffix, select(KEYS), proptest::collection::vec(select(POLICY_VALUES), 0..4)).prop_map(
        |(prefix, op, suffix, key, values)| {
            let suffix = if op == "Null" { "" } else { suffix };
            (format!("{prefix}{op}{suffix}"), key.to_owned(), values)
        },
    )
}

fn context_value() -> impl Strategy<Value = ContextValue> {
    prop_oneof![
        3 => select(REQUEST_VALUES).prop_map(|v| ContextValue::Single(v.into())),
        1 => proptest::collection::vec(select(REQUEST_VALUES), 0..3)
            .prop_map(|vs| ContextValue::Multi(vs.into_iter().map(Into::into).collect())),
    ]
}

fn assumptions() -> impl Strategy<Value = Assumptions> {
    proptest::collection::vec(any::<bool>(), Setting::ALL.len()).prop_map(|flips| {
        let mut a = Assumptions::default();
        for (setting, flip) in Setting::ALL.into_iter().zip(flips) {
            if flip {
                a = a.flipped(setting);
            }
        }
        a
    })
}

/// One statement with these clauses, through the real parser; `None` when the policy has problems (an
/// operator that takes no qualifier, two clauses of one operator and key).
fn statement(clauses: &[(String, String, Vec<&str>)]) -> Option<Statement> {
    let mut block: Vec<(String, Vec<String>)> = Vec::new();
    for (op, key, values) in clauses {
        let values = values.iter().map(|v| serde_json::to_string(v).unwrap_or_default()).collect::<Vec<_>>();
        let entry = format!("{}: [{}]", serde_json::to_string(key).ok()?, values.join(", "));
        match block.iter_mut().find(|(o, _)| o == op) {
            Some((_, entries)) => entries.push(entry),
            None => block.push((op.clone(), vec![entry])),
        }
    }
    let condition = block
        .iter()
        .map(|(op, entries)| format!("{}: {{{}}}", serde_json::to_string(op).unwrap_or_default(), entries.join(", ")))
        .collect::<Vec<_>>()
        .join(", ");
    let text = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "sts:*", "Resource": "*",
            "Condition": {{{condition}}}}}]}}"#
    );
    let json = parse(&text, &Limits::default()).ok()?;
    let parsed = parse_policy(&json, PolicyKind::Identity);
    parsed.policy?.statements.into_iter().next()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// The compiled evaluation decides every condition block exactly as the reference does, reports the
    /// same absent keys in the same order, and does so again once the context's parsed values are cached.
    #[test]
    fn compiled_conditions_decide_as_the_reference(
        clauses in proptest::collection::vec(clause_json(), 1..4),
        sets in proptest::collection::vec((select(KEYS), context_value()), 0..10),
        removals in proptest::collection::vec(select(KEYS), 0..2),
        a in assumptions(),
    ) {
        let Some(st) = statement(&clauses) else { return Ok(()) };
        let mut model: Model = Vec::new();
        let mut ctx = RequestContext::new("sts:GetWebIdentityToken", RequestResource::Star);
        for (key, value) in &sets {
            ctx.insert(key, value.clone());
            model.push(((*key).to_owned(), value.clone()));
        }
        for key in &removals {
            ctx.remove(key);
            model.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
        }
        let mut want_absent = Vec::new();
        let want = conditions(&st, &model, &a, &mut want_absent);
        let compiled = CompiledStatement::compile(0, &st);
        for round in 0..2 {
            let mut absent = Vec::new();
            let got = compiled.conditions_hold(&ctx, &a, &mut |k: &str| absent.push(k.to_owned()));
            prop_assert_eq!(got, want, "round {}: {:?}", round, clauses);
            prop_assert_eq!(&absent, &want_absent, "round {}", round);
        }
    }
}
