//! Table-driven tests of every condition operator family (reference §6): one table per family, each row an
//! operator as written, the policy values, the request's value for the key (present, absent, empty,
//! multi-valued), the expected truth value of the clause and the reference rule the row encodes. Rows run
//! through the real parser and the compiled evaluator, so a row tests what a policy file would do.
//!
//! Every failing row of a table is reported at once, with its rule, so one run shows the whole picture.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use mintlint::eval::{Assumptions, CompiledStatement, ContextValue, RequestContext, RequestResource};
use mintlint::policy::{PolicyKind, parse_policy};
use mintlint::source::json::{Limits, parse};

/// The request's value for a key.
#[derive(Clone, Copy, Debug)]
enum V {
    /// The key is not in the request context.
    Absent,
    /// A single value.
    One(&'static str),
    /// A single empty string.
    Empty,
    /// A multi-valued key with these values.
    Many(&'static [&'static str]),
    /// A multi-valued key with no values.
    NoValues,
}

impl V {
    fn value(self) -> Option<ContextValue> {
        match self {
            V::Absent => None,
            V::One(s) => Some(ContextValue::Single(s.into())),
            V::Empty => Some(ContextValue::Single("".into())),
            V::Many(vs) => Some(ContextValue::Multi(vs.iter().map(|v| (*v).into()).collect())),
            V::NoValues => Some(ContextValue::Multi(Vec::new())),
        }
    }
}

/// One clause: `{"<op>": {"<key>": <values>}}` against one context value.
struct Row {
    op: &'static str,
    key: &'static str,
    /// JSON text of the values: `"x"`, `300`, `true` or `["a", "b"]`.
    values: &'static str,
    ctx: V,
    want: bool,
    /// The reference rule the row encodes.
    why: &'static str,
    /// `NAME=VALUE` assumption settings the row runs under (defaults otherwise).
    assume: &'static [&'static str],
}

const fn r(op: &'static str, key: &'static str, values: &'static str, ctx: V, want: bool, why: &'static str) -> Row {
    Row { op, key, values, ctx, want, why, assume: &[] }
}

impl Row {
    const fn under(self, assume: &'static [&'static str]) -> Row {
        Row { assume, ..self }
    }
}

/// A whole condition block against a whole context, for rows about several keys, operators and variables.
struct Block {
    condition: &'static str,
    ctx: &'static [(&'static str, V)],
    want: bool,
    why: &'static str,
    version: &'static str,
    /// `NAME=VALUE` assumption settings the block runs under (defaults otherwise).
    assume: &'static [&'static str],
}

const fn b(condition: &'static str, ctx: &'static [(&'static str, V)], want: bool, why: &'static str) -> Block {
    Block { condition, ctx, want, why, version: "2012-10-17", assume: &[] }
}

fn assumptions(settings: &[&str]) -> Assumptions {
    let mut a = Assumptions::default();
    for s in settings {
        a.apply(s).unwrap_or_else(|e| panic!("assumption `{s}`: {}", e.message));
    }
    a
}

/// Parse a one-statement Allow policy with this condition block and evaluate its conditions.
fn evaluate(condition: &str, version: &str, ctx: &[(&str, V)], a: &Assumptions) -> Result<bool, String> {
    let text = format!(
        r#"{{"Version": "{version}", "Statement": [{{"Effect": "Allow", "Action": "sts:GetWebIdentityToken",
            "Resource": "*", "Condition": {condition}}}]}}"#
    );
    let json = parse(&text, &Limits::default()).map_err(|e| format!("bad JSON: {}", e.message()))?;
    let parsed = parse_policy(&json, PolicyKind::Identity);
    if let Some(p) = parsed.problems.first() {
        return Err(format!("policy problem: {}", p.message));
    }
    let policy = parsed.policy.ok_or("no policy")?;
    let statement = CompiledStatement::compile(0, &policy.statements[0]);
    let mut request = RequestContext::new("sts:GetWebIdentityToken", RequestResource::Star);
    for (key, v) in ctx {
        if let Some(value) = v.value() {
            request.insert(key, value);
        }
    }
    Ok(statement.conditions_hold(&request, a, &mut |_| {}).is_ok())
}

fn run_rows(family: &str, rows: &[Row]) {
    let mut failures = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let condition = format!(r#"{{"{}": {{"{}": {}}}}}"#, row.op, row.key, row.values);
        let ctx = [(row.key, row.ctx)];
        match evaluate(&condition, "2012-10-17", &ctx, &assumptions(row.assume)) {
            Ok(got) if got == row.want => {}
            Ok(got) => failures.push(format!(
                "row {i}: {} {} {} with {:?} {:?}: got {got}, want {} ({})",
                row.op, row.key, row.values, row.ctx, row.assume, row.want, row.why
            )),
            Err(e) => failures.push(format!("row {i}: {}: {e}", row.op)),
        }
    }
    assert!(failures.is_empty(), "{family}: {} of {} rows fail:\n{}", failures.len(), rows.len(), failures.join("\n"));
}

fn run_blocks(name: &str, blocks: &[Block]) {
    let mut failures = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        match evaluate(block.condition, block.version, block.ctx, &assumptions(block.assume)) {
            Ok(got) if got == block.want => {}
            Ok(got) => failures.push(format!(
                "block {i}: {} with {:?}: got {got}, want {} ({})",
                block.condition, block.ctx, block.want, block.why
            )),
            Err(e) => failures.push(format!("block {i}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{name}: {} of {} fail:\n{}", failures.len(), blocks.len(), failures.join("\n"));
}

use V::*;

const ALG: &str = "sts:SigningAlgorithm";
const AUD: &str = "sts:IdentityTokenAudience";

#[test]
#[rustfmt::skip]
fn string_equals_family() {
    run_rows(
        "String",
        &[
            r("StringEquals", ALG, r#""ES384""#, One("ES384"), true, "§6.1: exact match"),
            r("StringEquals", ALG, r#""ES384""#, One("es384"), false, "§6.1: StringEquals is case-sensitive"),
            r("StringEquals", ALG, r#""ES384""#, One("ES3840"), false, "§6.1: exact, not prefix"),
            r("StringEquals", ALG, r#"["RS256", "ES384"]"#, One("ES384"), true, "§6.3: several values are ORed"),
            r("StringEquals", ALG, r#"["RS256", "ES384"]"#, One("HS256"), false, "§6.3: OR of no match is false"),
            r("StringEquals", ALG, r#""ES*""#, One("ES384"), false, "§6.1: no wildcards in StringEquals"),
            r("StringEquals", ALG, r#""ES*""#, One("ES*"), true, "§6.1: `*` is a literal in StringEquals"),
            r("StringEquals", ALG, r#""E?384""#, One("ES384"), false, "§6.1: `?` is a literal in StringEquals"),
            r("StringEquals", ALG, r#""ES384""#, Absent, false, "§6.2: positive operator on a missing key is false"),
            r("StringEquals", ALG, r#""""#, Empty, true, "§6.1: an empty string equals an empty string"),
            r("StringEquals", "aws:EpochTime", "1767268800", One("1767268800"), true, "§5.6: a JSON number is read as its text"),
            r("StringEqualsIfExists", ALG, r#""ES384""#, Absent, true, "§6.1: IfExists is true on a missing key"),
            r("StringEqualsIfExists", ALG, r#""ES384""#, One("RS256"), false, "§6.1: IfExists evaluates a present key"),
            r("StringEqualsIfExists", ALG, r#""ES384""#, One("ES384"), true, "§6.1: IfExists evaluates a present key"),
            r("StringNotEquals", ALG, r#""ES384""#, One("RS256"), true, "§6.1: negated match"),
            r("StringNotEquals", ALG, r#""ES384""#, One("ES384"), false, "§6.1: negated match"),
            r("StringNotEquals", ALG, r#""ES384""#, One("es384"), true, "§6.1: case-sensitive, so a case variant differs"),
            r("StringNotEquals", ALG, r#""ES384""#, Absent, true, "§6.2: negated operator on a missing key is true"),
            r("StringNotEquals", ALG, r#"["ES384", "RS256"]"#, One("RS256"), false, "§6.3: negated is NOR over values"),
            r("StringNotEquals", ALG, r#"["ES384", "RS256"]"#, One("HS256"), true, "§6.3: negated is NOR over values"),
            r("StringNotEqualsIfExists", ALG, r#""ES384""#, Absent, true, "§6.2: IfExists on a missing key is true"),
            r("StringNotEqualsIfExists", ALG, r#""ES384""#, One("ES384"), false, "§6.1: IfExists evaluates a present key"),
            // An empty value list (§5.6): its runtime effect is UNCONFIRMED; both settings of the assumption.
            r("StringEquals", ALG, "[]", One("ES384"), false, "§5.6: no value matches (assumption empty_condition_values=no-match)"),
            r("StringNotEquals", ALG, "[]", One("ES384"), true, "§5.6/§6.3: the NOR of no values is true (no-match)"),
            r("StringEquals", ALG, "[]", One("ES384"), true, "§5.6: the clause does not affect the policy (assumption ignored)").under(&["empty_condition_values=ignored"]),
            r("ForAllValues:StringEquals", AUD, "[]", Many(&["https://a.example"]), false, "§5.6 EMPTY_ARRAY_CONDITION_FORALLVALUES: matches only if the key is missing"),
            r("ForAllValues:StringEquals", AUD, "[]", Absent, true, "§5.6 EMPTY_ARRAY_CONDITION_FORALLVALUES: matches only if the key is missing"),
            r("ForAnyValue:StringEquals", AUD, "[]", Many(&["https://a.example"]), false, "§5.6 EMPTY_ARRAY_CONDITION_FORANYVALUE: never matches"),
            r("ForAnyValue:StringEquals", AUD, "[]", Many(&["https://a.example"]), false, "§5.6: set operators keep their reading under either setting").under(&["empty_condition_values=ignored"]),
            r("StringEqualsIfExists", ALG, "[]", One("ES384"), false, "§5.6 EMPTY_ARRAY_CONDITION_IFEXISTS: matches only if the key is missing"),
            r("StringEqualsIfExists", ALG, "[]", Absent, true, "§5.6 EMPTY_ARRAY_CONDITION_IFEXISTS: matches only if the key is missing"),
        ],
    );
}

#[test]
#[rustfmt::skip]
fn string_ignore_case_family() {
    run_rows(
        "StringIgnoreCase",
        &[
            r("StringEqualsIgnoreCase", ALG, r#""es384""#, One("ES384"), true, "§6.1: exact, case-insensitive"),
            r("StringEqualsIgnoreCase", ALG, r#""ES384""#, One("Es384"), true, "§6.1: exact, case-insensitive"),
            r("StringEqualsIgnoreCase", ALG, r#""es384""#, One("RS256"), false, "§6.1: still exact"),
            r("StringEqualsIgnoreCase", ALG, r#""es*""#, One("ES384"), false, "§6.1: no wildcards outside Like/Arn"),
            r("StringEqualsIgnoreCase", ALG, r#""es384""#, Absent, false, "§6.2: positive operator on a missing key"),
            r("StringEqualsIgnoreCase", ALG, r#"["rs256", "es384"]"#, One("ES384"), true, "§6.3: values ORed"),
            r("StringEqualsIgnoreCaseIfExists", ALG, r#""es384""#, Absent, true, "§6.1: IfExists on a missing key"),
            r("StringNotEqualsIgnoreCase", ALG, r#""es384""#, One("ES384"), false, "§6.1: negated, case-insensitive"),
            r("StringNotEqualsIgnoreCase", ALG, r#""es384""#, One("RS256"), true, "§6.1: negated, case-insensitive"),
            r("StringNotEqualsIgnoreCase", ALG, r#""es384""#, Absent, true, "§6.2: StringNotEqualsIgnoreCase on a missing key is true"),
            r("StringNotEqualsIgnoreCase", ALG, r#"["ES384", "rs256"]"#, One("RS256"), false, "§6.3: NOR over values"),
            r("ForAnyValue:StringEqualsIgnoreCase", AUD, r#""HTTPS://API.EXAMPLE""#, Many(&["https://api.example"]), true, "§6.4: set operator with case-insensitive compare"),
        ],
    );
}

#[test]
#[rustfmt::skip]
fn string_like_family() {
    run_rows(
        "StringLike",
        &[
            r("StringLike", ALG, r#""ES*""#, One("ES384"), true, "§6.1: `*` matches any sequence"),
            r("StringLike", ALG, r#""ES384*""#, One("ES384"), true, "§6.1: `*` matches the empty sequence"),
            r("StringLike", ALG, r#""E?384""#, One("ES384"), true, "§6.1: `?` matches exactly one character"),
            r("StringLike", ALG, r#""E?384""#, One("E384"), false, "§6.1: `?` needs one character"),
            r("StringLike", ALG, r#""E?384""#, One("EXX384"), false, "§6.1: `?` matches only one character"),
            r("StringLike", ALG, r#""es*""#, One("ES384"), false, "§6.1: StringLike is case-sensitive"),
            r("StringLike", ALG, r#""ES384""#, One("ES384"), true, "§6.1: a pattern without wildcards is exact"),
            r("StringLike", ALG, r#"["RS*", "ES*"]"#, One("ES384"), true, "§6.3: values ORed"),
            r("StringLike", ALG, r#""ES*""#, Absent, false, "§6.2: StringLike on a missing key is false"),
            r("StringLike", "aws:PrincipalArn", r#""arn:aws:*/payments""#, One("arn:aws:iam::111122223333:role/payments"), true, "§5.8: in StringLike `*` spans colons and slashes"),
            r("StringLike", "aws:PrincipalArn", r#""arn:aws:iam::*:role/payments""#, One("arn:aws:iam::111122223333:extra:role/payments"), true, "§5.8: StringLike's `*` consumes a colon that ArnLike would not"),
            r("StringLikeIfExists", ALG, r#""ES*""#, Absent, true, "§6.1: IfExists on a missing key"),
            r("StringNotLike", ALG, r#""ES*""#, One("RS256"), true, "§6.1: negated glob"),
            r("StringNotLike", ALG, r#""ES*""#, One("ES384"), false, "§6.1: negated glob"),
            r("StringNotLike", ALG, r#""ES*""#, Absent, true, "§6.2: StringNotLike on a missing key is true (documented example)"),
            r("StringNotLike", ALG, r#"["ES*", "RS*"]"#, One("RS256"), false, "§6.3: NOR over patterns"),
            r("StringNotLikeIfExists", ALG, r#""ES*""#, Absent, true, "§6.1: IfExists on a missing key"),
        ],
    );
}

#[test]
#[rustfmt::skip]
fn set_operators_on_string_keys() {
    let allowed = r#"["https://a.example", "https://b.example"]"#;
    run_rows(
        "set operators",
        &[
            r("ForAnyValue:StringEquals", AUD, allowed, Many(&["https://a.example", "https://evil.example"]), true, "§6.4 footgun 2: ForAnyValue admits an extra, unlisted audience"),
            r("ForAnyValue:StringEquals", AUD, allowed, Many(&["https://evil.example"]), false, "§6.4: no requested value is listed"),
            r("ForAnyValue:StringEquals", AUD, allowed, Absent, false, "§6.2/§6.4: ForAnyValue on a missing key is false"),
            r("ForAnyValue:StringEquals", AUD, allowed, NoValues, false, "§6.4: ForAnyValue on an empty set is false"),
            r("ForAllValues:StringEquals", AUD, allowed, Many(&["https://a.example", "https://evil.example"]), false, "§6.4: every requested value must be listed"),
            r("ForAllValues:StringEquals", AUD, allowed, Many(&["https://a.example", "https://b.example"]), true, "§6.4: every requested value is listed"),
            r("ForAllValues:StringEquals", AUD, allowed, Many(&["https://b.example"]), true, "§6.4: a subset of the list is fine"),
            r("ForAllValues:StringEquals", AUD, allowed, Absent, true, "§6.2/§6.4 footgun 1: ForAllValues on a missing key is vacuously true"),
            r("ForAllValues:StringEquals", AUD, allowed, NoValues, true, "§6.4: ForAllValues on an empty set is true"),
            r("ForAllValues:StringEquals", "aws:RequestTag/team", r#""data""#, Empty, true, "§6.4: an empty string is an empty set for set operators"),
            r("ForAnyValue:StringEquals", "aws:RequestTag/team", r#""data""#, Empty, false, "§6.4: an empty string is an empty set for set operators"),
            r("ForAnyValue:StringNotEquals", AUD, allowed, Many(&["https://a.example", "https://evil.example"]), true, "§6.4: some requested value is outside the list"),
            r("ForAnyValue:StringNotEquals", AUD, allowed, Many(&["https://a.example"]), false, "§6.4: every requested value is listed"),
            r("ForAnyValue:StringNotEquals", AUD, allowed, Absent, false, "§6.4 footgun 3: ForAnyValue Deny guard does not fire on a missing key"),
            r("ForAllValues:StringNotEquals", AUD, allowed, Many(&["https://x.example", "https://y.example"]), true, "§6.4: no requested value is listed"),
            r("ForAllValues:StringNotEquals", AUD, allowed, Many(&["https://a.example", "https://y.example"]), false, "§6.4: one requested value is listed"),
            r("ForAllValues:StringNotEquals", AUD, allowed, Absent, true, "§6.4 footgun 4: ForAllValues negated on a missing key, general rule (default assumption)"),
            r("ForAllValues:StringNotEquals", AUD, allowed, Absent, false, "§6.4 item 8: the docs' example table (assumption for_all_values_negated_missing=false)").under(&["for_all_values_negated_missing=false"]),
            r("ForAllValues:StringNotLike", AUD, r#""https://*.internal""#, Absent, false, "§6.4 item 8: the docs' example table (assumption)").under(&["for_all_values_negated_missing=false"]),
            r("ForAllValues:StringEquals", AUD, allowed, Absent, true, "§6.4: the assumption is about negated operators only").under(&["for_all_values_negated_missing=false"]),
            r("ForAllValues:StringLike", AUD, r#""https://*.example""#, Many(&["https://a.example", "https://b.example"]), true, "§6.4: ForAllValues with glob matching"),
            r("ForAllValues:StringLike", AUD, r#""https://*.example""#, Many(&["https://a.example", "http://b.example"]), false, "§6.4: ForAllValues with glob matching"),
            r("ForAnyValue:StringLike", AUD, r#""https://*.example""#, Many(&["ftp://x", "https://b.example"]), true, "§6.4: ForAnyValue with glob matching"),
            r("ForAnyValue:StringNotLike", AUD, r#"["https://a.example", "https://b.example"]"#, Many(&["https://a.example", "https://c.example"]), true, "§6.4: some audience matches no pattern (the aws-samples RCP guard)"),
            r("ForAllValues:StringNotLike", AUD, r#""https://*.internal""#, Many(&["https://a.example"]), true, "§6.4: no r matches any pattern"),
            r("ForAllValues:StringEqualsIfExists", AUD, allowed, Absent, true, "§6.2: IfExists on a missing key is true"),
            r("ForAnyValue:StringEqualsIfExists", AUD, allowed, Absent, true, "§6.2: any ...IfExists on a missing key is true"),
            r("ForAllValues:StringEquals", ALG, r#""ES384""#, One("ES384"), true, "§6.4 footgun 5: a set operator on a single-valued key sees a one-value set"),
            r("ForAnyValue:StringEquals", ALG, r#""ES384""#, One("RS256"), false, "§6.4: a set operator on a single-valued key sees a one-value set"),
            // A plain operator on a multi-valued key is UNCONFIRMED (§6.4): both settings of the assumption.
            r("StringEquals", AUD, allowed, Many(&["https://a.example", "https://evil.example"]), true, "§6.4: plain operator on a multi-valued key, like ForAnyValue (assumption any-value)"),
            r("StringEquals", AUD, allowed, Many(&["https://evil.example"]), false, "§6.4: plain operator on a multi-valued key, like ForAnyValue (assumption any-value)"),
            r("StringNotEquals", AUD, allowed, Many(&["https://a.example", "https://evil.example"]), false, "§6.4: negated plain operator is the negation of any-value"),
            r("StringEquals", AUD, allowed, Many(&["https://a.example"]), false, "§6.4: plain operator on a multi-valued key never matches (assumption no-match)").under(&["plain_operator_on_multivalued=no-match"]),
            r("StringNotEquals", AUD, allowed, Many(&["https://a.example"]), true, "§6.4: negated plain operator under no-match is true").under(&["plain_operator_on_multivalued=no-match"]),
        ],
    );
}

#[test]
#[rustfmt::skip]
fn numeric_family() {
    const D: &str = "sts:DurationSeconds";
    run_rows(
        "Numeric",
        &[
            r("NumericLessThanEquals", D, r#""300""#, One("300"), true, "§6.1: numeric string value"),
            r("NumericLessThanEquals", D, "300", One("300"), true, "§6.1: JSON number value"),
            r("NumericLessThanEquals", D, "300", One("301"), false, "§6.1: numeric compare"),
            r("NumericLessThanEquals", D, r#""300""#, One("60"), true, "§6.1: numeric, not lexical (\"60\" > \"300\" as text)"),
            r("NumericLessThanEquals", D, r#""300""#, Absent, false, "§6.2/§2.2: numeric operator on a missing key is false"),
            r("NumericLessThanEqualsIfExists", D, r#""300""#, Absent, true, "§6.5: IfExists avoids failing when the duration is omitted"),
            r("NumericLessThanEqualsIfExists", D, r#""300""#, One("900"), false, "§6.1: IfExists evaluates a present key"),
            r("NumericLessThanEquals", D, r#"["300", "900"]"#, One("600"), true, "§6.3: several values ORed (the greatest matters)"),
            r("NumericLessThan", D, "900", One("900"), false, "§6.1: strict"),
            r("NumericLessThan", "ec2:RoleDelivery", r#""2.0""#, One("1.0"), true, "§2.3: decimals compare numerically"),
            r("NumericLessThan", "ec2:RoleDelivery", r#""2.0""#, One("2"), false, "§6.1: 2 == 2.0"),
            r("NumericEquals", D, r#""900""#, One("900"), true, "§6.1: equality"),
            r("NumericEquals", D, "900", One("900.0"), true, "§6.1: numeric equality ignores spelling"),
            r("NumericEquals", D, r#""900""#, One("901"), false, "§6.1: equality"),
            r("NumericGreaterThan", D, r#""900""#, One("901"), true, "§2.5: cap-lifetime Deny fires above the cap"),
            r("NumericGreaterThan", D, r#""900""#, One("900"), false, "§2.5: strict"),
            r("NumericGreaterThan", D, r#""900""#, Absent, false, "§2.5: a cap Deny does nothing when the duration is omitted"),
            r("NumericGreaterThanEquals", D, "900", One("900"), true, "§6.1: inclusive"),
            r("NumericGreaterThanEqualsIfExists", D, "900", Absent, true, "§6.1: IfExists on a missing key"),
            r("NumericEquals", D, "1e3", One("1000"), true, "§6.1: a JSON number may use an exponent"),
            r("NumericEquals", D, r#""300""#, One("abc"), false, "§6.1: a request value that is not a number matches nothing"),
            r("NumericNotEquals", D, r#""300""#, One("300"), false, "§6.1: negated equality"),
            r("NumericNotEquals", D, r#""300""#, One("900"), true, "§6.1: negated equality"),
            r("NumericNotEquals", D, r#"["300", "900"]"#, One("900"), false, "§6.3: negated is NOR over values"),
            r("NumericNotEquals", D, r#""300""#, Absent, true, "§6.2: negated Numeric on a missing key is true by analogy (§10.16, default assumption)"),
            r("NumericNotEquals", D, r#""300""#, Absent, false, "§10.16: the alternative reading of the open question").under(&["negated_numeric_date_ip_missing=false"]),
            r("NumericNotEqualsIfExists", D, r#""300""#, Absent, true, "§6.1: IfExists wins over the open question").under(&["negated_numeric_date_ip_missing=false"]),
            // A value the operator cannot read: Access Analyzer flags it ("Type mismatch number: Add a valid
            // numeric value for the condition operator") but the policy is accepted; its run-time effect is
            // undocumented, so a negated operator answers by the assumption negated_unreadable_value.
            r("NumericEquals", D, r#""abc""#, One("300"), false, "§6.1: an unreadable policy value equals nothing"),
            r("NumericNotEquals", D, r#""abc""#, One("300"), true, "negated_unreadable_value=true: nothing equals the unreadable value, so the NOR holds"),
            r("NumericNotEquals", D, r#""abc""#, One("300"), false, "negated_unreadable_value=false: the comparison fails").under(&["negated_unreadable_value=false"]),
            r("NumericNotEquals", D, r#"["abc", "900"]"#, One("300"), false, "negated_unreadable_value=false: one unreadable value fails the clause").under(&["negated_unreadable_value=false"]),
            r("NumericNotEquals", D, r#""abc""#, Absent, true, "§6.2: a missing key is decided before any value is compared").under(&["negated_unreadable_value=false"]),
            r("NumericNotEquals", D, r#""15m""#, One("300"), true, "a duration written `15m` is no number: the default reading"),
        ],
    );
}

#[test]
#[rustfmt::skip]
fn date_family() {
    const T: &str = "aws:CurrentTime";
    // 2026-01-01T12:00:00Z is epoch 1767268800.
    const NOON: V = One("2026-01-01T12:00:00Z");
    run_rows(
        "Date",
        &[
            r("DateLessThan", T, r#""2027""#, NOON, true, "§6.1: YYYY form"),
            r("DateGreaterThan", T, r#""2026""#, NOON, true, "§6.1: YYYY is the start of the year"),
            r("DateLessThan", T, r#""2026-02""#, NOON, true, "§6.1: YYYY-MM form"),
            r("DateLessThan", T, r#""2026-01""#, NOON, false, "§6.1: YYYY-MM is the start of the month"),
            r("DateGreaterThan", T, r#""2026-01-01""#, NOON, true, "§6.1: YYYY-MM-DD is midnight UTC"),
            r("DateLessThan", T, r#""2026-01-02""#, NOON, true, "§6.1: YYYY-MM-DD form"),
            r("DateEquals", T, r#""2026-01-01T12:00Z""#, NOON, true, "§6.1: YYYY-MM-DDThh:mmTZD form"),
            r("DateEquals", T, r#""2026-01-01T12:00:00Z""#, NOON, true, "§6.1: YYYY-MM-DDThh:mm:ssTZD form"),
            r("DateEquals", T, r#""2026-01-01T13:00:00+01:00""#, NOON, true, "§6.1: TZD offsets are applied"),
            r("DateEquals", T, r#""2026-01-01T07:00-05:00""#, NOON, true, "§6.1: negative TZD offset, hh:mm form"),
            r("DateEquals", T, r#""2026-01-01T12:00:00.000Z""#, NOON, true, "§6.1: YYYY-MM-DDThh:mm:ss.sTZD form"),
            r("DateEquals", T, r#""2026-01-01T12:00:00.5Z""#, NOON, false, "§6.1: fractions of a second count"),
            r("DateLessThan", T, r#""2026-01-01T12:00:00.5Z""#, NOON, true, "§6.1: fractions of a second count"),
            r("DateEquals", T, r#""1767268800""#, NOON, true, "§6.1: epoch seconds as a string"),
            r("DateEquals", T, "1767268800", NOON, true, "§6.1: epoch seconds as a JSON number"),
            r("DateLessThanEquals", T, r#""2026-01-01T12:00:00Z""#, NOON, true, "§6.1: inclusive"),
            r("DateGreaterThanEquals", T, r#""2026-01-01T12:00:01Z""#, NOON, false, "§6.1: one second later"),
            r("DateEquals", "aws:EpochTime", r#""2026-01-01T12:00:00Z""#, One("1767268800"), true, "§2.3: aws:EpochTime as a date"),
            r("DateLessThan", T, r#""not-a-date""#, NOON, false, "§6.1: an unreadable value matches nothing (TYPE_MISMATCH_DATE)"),
            r("DateLessThan", T, r#"["2020", "2027"]"#, NOON, true, "§6.3: values ORed"),
            r("DateLessThan", "aws:TokenIssueTime", r#""2027""#, Absent, false, "§2.3/§6.2: aws:TokenIssueTime is absent for long-term keys"),
            r("DateLessThanIfExists", "aws:TokenIssueTime", r#""2027""#, Absent, true, "§6.1: IfExists on a missing key"),
            r("DateNotEquals", T, r#""2026-01-01T12:00:00Z""#, NOON, false, "§6.1: negated equality"),
            r("DateNotEquals", T, r#""2026-01-02""#, NOON, true, "§6.1: negated equality"),
            r("DateNotEquals", T, r#""2026""#, Absent, true, "§6.2: negated Date on a missing key is true by analogy (§10.16)"),
            r("DateNotEquals", T, r#""2026""#, Absent, false, "§10.16: the alternative reading").under(&["negated_numeric_date_ip_missing=false"]),
            r("DateNotEquals", T, r#""yesterday""#, NOON, true, "Access Analyzer TYPE_MISMATCH_DATE; negated_unreadable_value=true: the NOR of no match"),
            r("DateNotEquals", T, r#""yesterday""#, NOON, false, "negated_unreadable_value=false: the comparison fails").under(&["negated_unreadable_value=false"]),
            r("DateGreaterThan", T, r#""yesterday""#, NOON, false, "§6.1: an unreadable date matches nothing, whatever the assumption").under(&["negated_unreadable_value=false"]),
        ],
    );
}

#[test]
#[rustfmt::skip]
fn bool_family() {
    const S: &str = "aws:SecureTransport";
    const MFA: &str = "aws:MultiFactorAuthPresent";
    run_rows(
        "Bool",
        &[
            r("Bool", S, r#""true""#, One("true"), true, "§6.1: string boolean"),
            r("Bool", S, "true", One("true"), true, "§6.1: JSON boolean"),
            r("Bool", S, r#""false""#, One("true"), false, "§6.1: boolean compare"),
            r("Bool", S, "false", One("false"), true, "§6.1: JSON boolean"),
            r("Bool", MFA, r#""true""#, Absent, false, "§2.3/§6.2: MFA key absent for long-term keys, Bool is false"),
            r("BoolIfExists", MFA, r#""true""#, Absent, true, "§6.2: BoolIfExists on a missing key is true"),
            r("BoolIfExists", MFA, r#""false""#, Absent, true, "§6.2: the classic footgun: BoolIfExists false also passes when absent"),
            r("BoolIfExists", MFA, r#""true""#, One("false"), false, "§6.1: IfExists evaluates a present key"),
            r("Bool", S, r#""true""#, One("yes"), false, "§6.1: only true/false are booleans"),
        ],
    );
}

#[test]
#[rustfmt::skip]
fn binary_family() {
    const K: &str = "test:Blob";
    run_rows(
        "Binary",
        &[
            r("BinaryEquals", K, r#""QmluYXJ5""#, One("QmluYXJ5"), true, "§6.1: byte-for-byte compare of base64 values"),
            r("BinaryEquals", K, r#""QmluYXJ5""#, One("YmluYXJ5"), false, "§6.1: different bytes (case of the decoded text)"),
            r("BinaryEquals", K, r#""Zg==""#, One("Zg=="), true, "§6.1: padded base64"),
            r("BinaryEquals", K, r#"["YmluYXJ5", "QmluYXJ5"]"#, One("QmluYXJ5"), true, "§6.3: values ORed"),
            r("BinaryEquals", K, r#""QmluYXJ5""#, Absent, false, "§6.2: positive operator on a missing key"),
            r("BinaryEqualsIfExists", K, r#""QmluYXJ5""#, Absent, true, "§6.1: IfExists on a missing key"),
        ],
    );
}

#[test]
#[rustfmt::skip]
fn ip_address_family() {
    const IP: &str = "aws:SourceIp";
    run_rows(
        "IpAddress",
        &[
            r("IpAddress", IP, r#""203.0.113.0/24""#, One("203.0.113.7"), true, "§6.1: IPv4 CIDR contains the address"),
            r("IpAddress", IP, r#""203.0.113.0/24""#, One("198.51.100.1"), false, "§6.1: outside the block"),
            r("IpAddress", IP, r#""203.0.113.7""#, One("203.0.113.7"), true, "§6.1: a bare IPv4 address is a /32 host"),
            r("IpAddress", IP, r#""203.0.113.7""#, One("203.0.113.8"), false, "§6.1: a bare IPv4 address is a /32 host"),
            r("IpAddress", IP, r#""2001:db8::/32""#, One("2001:db8:1::1"), true, "§6.1: IPv6 CIDR with :: notation"),
            r("IpAddress", IP, r#""2001:db8::/32""#, One("2001:db9::1"), false, "§6.1: outside the IPv6 block"),
            r("IpAddress", IP, r#""2001:db8::1""#, One("2001:db8::1"), true, "§6.1: a bare IPv6 address is a /128 host (presumed)"),
            r("IpAddress", IP, r#""2001:db8::1""#, One("2001:db8::2"), false, "§6.1: a bare IPv6 address is a /128 host (presumed)"),
            r("IpAddress", IP, r#""203.0.113.0/24""#, One("2001:db8::1"), false, "§6.1: an IPv6 address is not in an IPv4 block"),
            r("IpAddress", IP, r#"["10.0.0.0/8", "203.0.113.0/24"]"#, One("203.0.113.7"), true, "§6.3: values ORed"),
            r("IpAddress", IP, r#""203.0.113.0/24""#, Absent, false, "§6.2: aws:SourceIp is absent via a VPC endpoint, IpAddress is false"),
            r("IpAddressIfExists", IP, r#""203.0.113.0/24""#, Absent, true, "§6.1: IfExists on a missing key"),
            r("NotIpAddress", IP, r#""203.0.113.0/24""#, One("198.51.100.1"), true, "§6.1: negated CIDR match"),
            r("NotIpAddress", IP, r#""203.0.113.0/24""#, One("203.0.113.7"), false, "§6.1: negated CIDR match"),
            r("NotIpAddress", IP, r#"["10.0.0.0/8", "203.0.113.0/24"]"#, One("10.1.2.3"), false, "§6.3: negated is NOR"),
            r("NotIpAddress", IP, r#""203.0.113.0/24""#, Absent, true, "§6.2: negated IP operator on a missing key is true by analogy (§10.16)"),
            r("NotIpAddress", IP, r#""203.0.113.0/24""#, Absent, false, "§10.16: the alternative reading").under(&["negated_numeric_date_ip_missing=false"]),
            r("NotIpAddress", IP, r#""203.0.113.0/33""#, One("198.51.100.1"), true, "Access Analyzer TYPE_MISMATCH_IP_RANGE (\"Specify the IP range in standard CIDR format\"); negated_unreadable_value=true"),
            r("NotIpAddress", IP, r#""203.0.113.0/33""#, One("198.51.100.1"), false, "negated_unreadable_value=false: the comparison fails").under(&["negated_unreadable_value=false"]),
            r("NotIpAddress", IP, r#"["203.0.113.0/33", "10.0.0.0/8"]"#, One("10.1.2.3"), false, "§6.3: NOR, a readable value matches either way"),
        ],
    );
}

#[test]
#[rustfmt::skip]
fn arn_family() {
    const P: &str = "aws:PrincipalArn";
    const ROLE: V = One("arn:aws:iam::111122223333:role/payments");
    run_rows(
        "Arn",
        &[
            r("ArnEquals", P, r#""arn:aws:iam::111122223333:role/payments""#, ROLE, true, "§6.1: exact ARN"),
            r("ArnLike", P, r#""arn:aws:iam::*:role/payments""#, ROLE, true, "§6.1: a wildcard component"),
            r("ArnEquals", P, r#""arn:aws:iam::*:role/payments""#, ROLE, true, "§5.8: ArnEquals honours wildcards like ArnLike"),
            r("ArnLike", P, r#""arn:aws:iam::111122223333:role/*""#, One("arn:aws:iam::111122223333:role/team/payments"), true, "§5.4/§5.8: `*` in the resource part spans `/`"),
            r("ArnLike", P, r#""arn:aws:iam::111122223333:role/Payments""#, ROLE, false, "§6.1: Arn operators are case-sensitive"),
            r("ArnLike", P, r#""arn:aws:iam::*:role/payments""#, One("arn:aws:iam::111122223333:extra:role/payments"), false, "§5.8: component-wise: `*` cannot consume the colon StringLike would"),
            r("ArnLike", P, r#""arn:aws:iam::1111?2223333:role/payments""#, ROLE, true, "§6.1: `?` in a component"),
            r("ArnLike", P, r#""arn:aws:iam::*:role/payments""#, One("payments"), false, "§6.1: a value that is not an ARN matches no ARN pattern"),
            r("ArnLike", P, r#"["arn:aws:iam::*:role/ops", "arn:aws:iam::*:role/payments"]"#, ROLE, true, "§6.3: values ORed"),
            r("ArnLike", P, r#""arn:aws:iam::*:role/payments""#, Absent, false, "§6.2: ArnLike on a missing key is false"),
            r("ArnLikeIfExists", P, r#""arn:aws:iam::*:role/payments""#, Absent, true, "§6.1: IfExists on a missing key"),
            r("ArnNotLike", P, r#""arn:aws:iam::*:role/BreakGlass""#, ROLE, true, "§2.5: the break-glass guard fires for other roles"),
            r("ArnNotLike", P, r#""arn:aws:iam::*:role/BreakGlass""#, One("arn:aws:iam::111122223333:role/BreakGlass"), false, "§2.5: not for the break-glass role"),
            r("ArnNotLike", P, r#""arn:aws:iam::*:role/BreakGlass""#, Absent, true, "§6.2: ArnNotLike on a missing key is true (documented example)"),
            r("ArnNotEquals", P, r#""arn:aws:iam::*:role/payments""#, ROLE, false, "§5.8: ArnNotEquals = ArnNotLike"),
            r("ArnNotEquals", P, r#""arn:aws:iam::111122223333:role/payments""#, Absent, true, "§6.2: ArnNotEquals on a missing key is true"),
            r("ArnNotLike", P, r#"["arn:aws:iam::*:role/ops", "arn:aws:iam::*:role/payments"]"#, ROLE, false, "§6.3: NOR over values"),
            r("ArnNotLike", P, r#""payments""#, ROLE, true, "a value that is no ARN matches no ARN; negated_unreadable_value=true: the NOR holds"),
            r("ArnNotLike", P, r#""payments""#, ROLE, false, "negated_unreadable_value=false: the comparison fails").under(&["negated_unreadable_value=false"]),
            r("ArnNotLike", P, r#""*""#, ROLE, false, "`*` alone is a readable ARN pattern: no assumption").under(&["negated_unreadable_value=false"]),
            r("ArnNotLike", P, r#""arn:aws:iam::${aws:PrincipalAccount}:role/x""#, ROLE, true, "a variable makes the value readable once substituted (missing: documented null, inverted operators match)").under(&["negated_unreadable_value=false"]),
            r("ForAnyValue:ArnLike", "aws:CalledVia", r#""arn:aws:*:*:*:*""#, Many(&["athena.amazonaws.com"]), false, "§6.4: set operator over a list, value not an ARN"),
        ],
    );
}

#[test]
#[rustfmt::skip]
fn null_operator() {
    const K: &str = "sts:IdentityTokenAudience";
    run_rows(
        "Null",
        &[
            r("Null", K, r#""true""#, Absent, true, "§6.1: Null true holds iff the key is absent"),
            r("Null", K, r#""true""#, Many(&["https://a.example"]), false, "§6.1: Null true fails on a present key"),
            r("Null", K, r#""true""#, NoValues, true, "§6.1: an empty list counts as null"),
            r("Null", "aws:RequestTag/team", r#""true""#, Empty, true, "§6.1/§6.4: an empty string counts as null"),
            r("Null", K, r#""false""#, Absent, false, "§6.1: Null false fails on a missing key"),
            r("Null", K, r#""false""#, Many(&["https://a.example"]), true, "§6.5: Null false requires the key"),
            r("Null", K, "false", Many(&["https://a.example"]), true, "§6.1: JSON boolean value"),
            r("Null", K, "true", Absent, true, "§6.1: JSON boolean value"),
            r("ForAllValues:Null", K, r#""false""#, Absent, true, "Access Analyzer NULL_WITH_QUALIFIER: \"When you use the Null condition operator with ForAllValues, the statement always returns true\""),
            r("ForAllValues:Null", K, r#""true""#, Many(&["https://a.example"]), true, "Access Analyzer NULL_WITH_QUALIFIER: \"When you use the Null condition operator with ForAllValues, the statement always returns true\""),
            r("ForAnyValue:Null", K, r#""true""#, Absent, false, "Access Analyzer NULL_WITH_QUALIFIER: \"When you use the Null condition operator with ForAnyValue, the statement always returns false\""),
            r("ForAnyValue:Null", K, r#""false""#, Many(&["https://a.example"]), false, "Access Analyzer NULL_WITH_QUALIFIER: \"When you use the Null condition operator with ForAnyValue, the statement always returns false\""),
        ],
    );
}

#[test]
#[rustfmt::skip]
fn several_keys_operators_and_case_insensitive_key_names() {
    run_blocks(
        "blocks",
        &[
            b(r#"{"StringEquals": {"AWS:SourceVPC": "vpc-1"}}"#, &[("aws:SourceVpc", One("vpc-1"))], true, "§5.6: key names are case-insensitive"),
            b(r#"{"StringEquals": {"aws:sourcevpc": "vpc-1"}}"#, &[("AWS:SourceVpc", One("vpc-1"))], true, "§5.6: key names are case-insensitive"),
            b(r#"{"StringEquals": {"aws:SourceVpc": "VPC-1"}}"#, &[("aws:SourceVpc", One("vpc-1"))], false, "§5.6: values are not (under StringEquals)"),
            b(r#"{"StringEquals": {"aws:RequestTag/TEAM": "data"}}"#, &[("aws:RequestTag/team", One("data"))], true, "§2.2/§5.6: the tag-key part is case-insensitive"),
            b(r#"{"StringEquals": {"aws:PrincipalTag/Team": "data"}}"#, &[("AWS:PRINCIPALTAG/TEAM", One("data"))], true, "§5.6: the tag-key part of aws:PrincipalTag too"),
            b(r#"{"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}"#, &[("aws:TagKeys", Many(&["Team"]))], false, "§5.6: aws:TagKeys values are values, compared case-sensitively"),
            b(r#"{"StringEquals": {"sts:SigningAlgorithm": "ES384", "aws:SourceVpc": "vpc-1"}}"#, &[("sts:SigningAlgorithm", One("ES384")), ("aws:SourceVpc", One("vpc-1"))], true, "§6.3: several keys under one operator are ANDed"),
            b(r#"{"StringEquals": {"sts:SigningAlgorithm": "ES384", "aws:SourceVpc": "vpc-1"}}"#, &[("sts:SigningAlgorithm", One("ES384")), ("aws:SourceVpc", One("vpc-2"))], false, "§6.3: several keys are ANDed"),
            b(r#"{"StringEquals": {"sts:SigningAlgorithm": "ES384", "aws:SourceVpc": "vpc-1"}}"#, &[("sts:SigningAlgorithm", One("ES384"))], false, "§6.3: AND with a missing key"),
            b(r#"{"StringNotEquals": {"sts:SigningAlgorithm": "ES384", "aws:SourceVpc": "vpc-1"}}"#, &[("sts:SigningAlgorithm", One("RS256")), ("aws:SourceVpc", One("vpc-1"))], false, "§6.3: keys ANDed under a negated operator too"),
            b(r#"{"StringEquals": {"sts:SigningAlgorithm": "ES384"}, "NumericLessThanEquals": {"sts:DurationSeconds": "900"}}"#, &[("sts:SigningAlgorithm", One("ES384")), ("sts:DurationSeconds", One("600"))], true, "§6.3: several operators are ANDed"),
            b(r#"{"StringEquals": {"sts:SigningAlgorithm": "ES384"}, "NumericLessThanEquals": {"sts:DurationSeconds": "900"}}"#, &[("sts:SigningAlgorithm", One("ES384")), ("sts:DurationSeconds", One("1200"))], false, "§6.3: several operators are ANDed"),
            b(r#"{"NumericGreaterThanEquals": {"sts:DurationSeconds": "300"}, "NumericLessThan": {"sts:DurationSeconds": "900"}}"#, &[("sts:DurationSeconds", One("600"))], true, "§6.3: the same key under two operators, a range"),
            b(r#"{"NumericGreaterThanEquals": {"sts:DurationSeconds": "300"}, "NumericLessThan": {"sts:DurationSeconds": "900"}}"#, &[("sts:DurationSeconds", One("900"))], false, "§6.3: the same key under two operators, a range"),
            b(r#"{"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://a.example"]}, "Null": {"sts:IdentityTokenAudience": "false"}}"#, &[], false, "§6.5: the recommended guard: Null false closes the vacuous ForAllValues"),
            b(r#"{"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://a.example"]}, "Null": {"sts:IdentityTokenAudience": "false"}}"#, &[("sts:IdentityTokenAudience", Many(&["https://a.example"]))], true, "§6.5: the recommended guard"),
            b(r#"{}"#, &[], true, "§5.6: an empty Condition block does not affect the statement"),
        ],
    );
}

#[test]
#[rustfmt::skip]
fn policy_variables() {
    const TEAM: (&str, V) = ("aws:PrincipalTag/team", One("data"));
    run_blocks(
        "variables",
        &[
            b(r#"{"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}"#, &[TEAM, ("aws:RequestTag/team", One("data"))], true, "§5.9: a variable is substituted before matching"),
            b(r#"{"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}"#, &[TEAM, ("aws:RequestTag/team", One("ops"))], false, "§5.9: a variable is substituted before matching"),
            b(r#"{"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}"#, &[("aws:RequestTag/team", One("data"))], false, "§5.9: a missing variable without default makes the condition not match"),
            b(r#"{"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team, 'shared'}"}}"#, &[("aws:RequestTag/team", One("shared"))], true, "§5.9: the default is used when the key is absent"),
            b(r#"{"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team,'shared'}"}}"#, &[("aws:RequestTag/team", One("shared"))], true, "§5.9: the space after the comma is optional"),
            b(r#"{"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team, 'shared'}"}}"#, &[TEAM, ("aws:RequestTag/team", One("shared"))], false, "§5.9: the default is not used when the key is present"),
            b(r#"{"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}"#, &[("aws:principaltag/TEAM", One("data")), ("aws:RequestTag/team", One("data"))], true, "§5.6: the variable's key is looked up case-insensitively, like any key"),
            b(r#"{"ForAllValues:StringLike": {"sts:IdentityTokenAudience": "https://api.example.com/${aws:PrincipalTag/tenant}/*"}}"#, &[("aws:PrincipalTag/tenant", One("acme")), ("sts:IdentityTokenAudience", Many(&["https://api.example.com/acme/v1"]))], true, "§5.9: per-principal audiences with a variable and a wildcard"),
            b(r#"{"ForAllValues:StringLike": {"sts:IdentityTokenAudience": "https://api.example.com/${aws:PrincipalTag/tenant}/*"}}"#, &[("aws:PrincipalTag/tenant", One("acme")), ("sts:IdentityTokenAudience", Many(&["https://api.example.com/other/v1"]))], false, "§5.9: another tenant's audience"),
            b(r#"{"StringLike": {"aws:RequestTag/note": "literal${*}"}}"#, &[("aws:RequestTag/note", One("literal*"))], true, "§5.9: ${*} is a literal `*`"),
            b(r#"{"StringLike": {"aws:RequestTag/note": "literal${*}"}}"#, &[("aws:RequestTag/note", One("literalX"))], false, "§5.9: ${*} is not a wildcard"),
            b(r#"{"StringLike": {"aws:RequestTag/note": "a${?}"}}"#, &[("aws:RequestTag/note", One("a?"))], true, "§5.9: ${?} is a literal `?`"),
            b(r#"{"StringLike": {"aws:RequestTag/note": "a${?}"}}"#, &[("aws:RequestTag/note", One("ab"))], false, "§5.9: ${?} is not a wildcard"),
            b(r#"{"StringEquals": {"aws:RequestTag/note": "cost${$}"}}"#, &[("aws:RequestTag/note", One("cost$"))], true, "§5.9: ${$} is a literal `$`"),
            b(r#"{"StringLike": {"aws:RequestTag/note": "*${*}*"}}"#, &[("aws:RequestTag/note", One("a*b"))], true, "§5.9: wildcards around a literal `*`"),
            b(r#"{"StringLike": {"aws:RequestTag/note": "*${*}*"}}"#, &[("aws:RequestTag/note", One("ab"))], false, "§5.9: the literal `*` must be there"),
            b(r#"{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:role/*"}}"#, &[("aws:PrincipalAccount", One("111122223333")), ("aws:PrincipalArn", One("arn:aws:iam::111122223333:role/x"))], true, "§5.9: variables in Arn operator values"),
            b(r#"{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:role/*"}}"#, &[("aws:PrincipalAccount", One("444455556666")), ("aws:PrincipalArn", One("arn:aws:iam::111122223333:role/x"))], false, "§5.9: variables in Arn operator values"),
            b(r#"{"StringEquals": {"aws:RequestTag/who": "${aws:TagKeys}"}}"#, &[("aws:TagKeys", Many(&["who"])), ("aws:RequestTag/who", One("who"))], false, "§5.9: a multi-valued key cannot be a variable"),
            b(r#"{"StringEqualsIgnoreCase": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}"#, &[TEAM, ("aws:RequestTag/team", One("DATA"))], true, "§5.9/§6.1: variables in IgnoreCase values"),
            Block { version: "2008-10-17", ..b(r#"{"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}"#, &[TEAM, ("aws:RequestTag/team", One("${aws:PrincipalTag/team}"))], true, "§5.1: under 2008-10-17 `${...}` is literal text") },
            Block { version: "2008-10-17", ..b(r#"{"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}"#, &[TEAM, ("aws:RequestTag/team", One("data"))], false, "§5.1: under 2008-10-17 variables are not substituted") },
            // Whether `*`/`?` in a substituted value are wildcards is UNCONFIRMED (§5.9): both settings.
            b(r#"{"StringLike": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}"#, &[("aws:PrincipalTag/team", One("*")), ("aws:RequestTag/team", One("anything"))], false, "§5.9: a substituted `*` is literal (assumption variable_wildcards=literal)"),
            b(r#"{"StringLike": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}"#, &[("aws:PrincipalTag/team", One("*")), ("aws:RequestTag/team", One("*"))], true, "§5.9: a substituted `*` matches itself (literal)"),
            Block { assume: &["variable_wildcards=wildcard"], ..b(r#"{"StringLike": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}"#, &[("aws:PrincipalTag/team", One("*")), ("aws:RequestTag/team", One("anything"))], true, "§5.9: a substituted `*` is a wildcard (assumption variable_wildcards=wildcard)") },
            Block { assume: &["variable_wildcards=wildcard"], ..b(r#"{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/${aws:PrincipalTag/team}"}}"#, &[("aws:PrincipalTag/team", One("d?ta")), ("aws:PrincipalArn", One("arn:aws:iam::1:role/data"))], true, "§5.9: a substituted `?` is a wildcard in Arn operators too (assumption)") },
            Block { assume: &["variable_wildcards=wildcard"], ..b(r#"{"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}"#, &[("aws:PrincipalTag/team", One("*")), ("aws:RequestTag/team", One("anything"))], false, "§6.1: StringEquals reads no wildcards, substituted or not") },
            Block { assume: &["variable_wildcards=wildcard"], ..b(r#"{"StringLike": {"aws:RequestTag/team": "a${*}"}}"#, &[("aws:RequestTag/team", One("ab"))], false, "§5.9: ${*} stays literal whatever the assumption") },
            // A variable with no value (IAM User Guide, "Policy variables with no value"): "the value is
            // effectively null. There is no equal or like value." The same page's note: "If AWS cannot resolve
            // a variable this might cause the entire statement to be invalid": the assumption
            // unresolved_variable, `null` (default) or `invalid-statement`.
            b(r#"{"StringNotEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}"#, &[("aws:RequestTag/team", One("data"))], true, "\"Inverted condition operators like StringNotEquals or StringNotLike do match against a null value\""),
            b(r#"{"StringNotLike": {"aws:RequestTag/team": "${aws:PrincipalTag/team}*"}}"#, &[("aws:RequestTag/team", One("data"))], true, "\"Inverted condition operators ... do match against a null value\""),
            Block { assume: &["unresolved_variable=invalid-statement"], ..b(r#"{"StringNotEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}"#, &[("aws:RequestTag/team", One("data"))], false, "unresolved_variable=invalid-statement: \"this might cause the entire statement to be invalid\"") },
            b(r#"{"StringEquals": {"aws:RequestTag/team": ["${aws:PrincipalTag/team}", "data"]}}"#, &[("aws:RequestTag/team", One("data"))], true, "null: the other value still matches"),
            Block { assume: &["unresolved_variable=invalid-statement"], ..b(r#"{"StringEquals": {"aws:RequestTag/team": ["${aws:PrincipalTag/team}", "data"]}}"#, &[("aws:RequestTag/team", One("data"))], false, "invalid-statement: the whole statement is void") },
            Block { assume: &["unresolved_variable=invalid-statement"], ..b(r#"{"StringNotEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}"#, &[TEAM, ("aws:RequestTag/team", One("ops"))], true, "invalid-statement changes nothing when the variable resolves") },
            Block { assume: &["unresolved_variable=invalid-statement"], ..b(r#"{"StringNotEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team, 'none'}"}}"#, &[("aws:RequestTag/team", One("ops"))], true, "a variable with a default always resolves") },
        ],
    );
}
