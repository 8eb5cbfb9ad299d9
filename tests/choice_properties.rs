//! What a caller may choose, by brute force: for random audience patterns, `broad-audience-pattern`'s verdict
//! (from the region analysis `diff` uses) equals "some admitted audience has another scheme or host than
//! another", found by enumerating the pattern's admitted values; for random conditions on a request tag's
//! value, `unconstrained-tag-value`'s verdict equals "every value the condition rejects is one it names",
//! found by enumerating every short value. Admission is decided by the evaluator's own glob matcher.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "test code")]

use mintlint::eval::condition::{CompiledClause, StrPattern};
use mintlint::lint::choice::{audience_with_free_authority, tag_value_free};
use mintlint::policy::template::Template;
use mintlint::policy::{PolicyKind, parse_policy, wildcard};
use mintlint::source::json::{Limits, parse};
use proptest::prelude::*;

/// The authority (scheme and host) of an audience, read as a URL parser does, written here independently:
/// `scheme://` needs a scheme (a letter, then letters, digits, `+-.`) before the first `://`; `//` starts a
/// scheme-relative URL; otherwise the whole text is the host. The host ends at `/`, `?` or `#`.
fn authority(text: &str) -> String {
    let scheme_end = text.find("://").filter(|&at| {
        let scheme = &text[..at];
        scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    let start = match scheme_end {
        Some(at) => at + 3,
        None if text.starts_with("//") => 2,
        None => 0,
    };
    let end = text[start..].find(['/', '?', '#']).map_or(text.len(), |at| start + at);
    text[..end].to_owned()
}

/// Every way to fill the pattern's wildcards with short text over the characters that matter to a URL.
fn admitted_samples(pattern: &str) -> Vec<String> {
    const STAR: [&str; 10] = ["", "a", "x", "/", ":", ".", "#", "//", ":/", "x/"];
    const MARK: [&str; 6] = ["a", "x", "/", ":", ".", "#"];
    let mut out = vec![String::new()];
    for c in pattern.chars() {
        let fills: Vec<&str> = match c {
            '*' => STAR.to_vec(),
            '?' => MARK.to_vec(),
            c => vec![c.encode_utf8(&mut [0; 4]).to_owned().leak()],
        };
        out = out.iter().flat_map(|prefix| fills.iter().map(move |f| format!("{prefix}{f}"))).collect();
    }
    out.retain(|s| !s.is_empty());
    out
}

fn audience_pattern() -> impl Strategy<Value = String> {
    let prefix = prop::sample::select(vec!["", "h://", "//", "h:/", "/", "h"]);
    let body = prop::collection::vec(prop::sample::select(vec!['a', '.', '/', ':', '#', '*', '?']), 0..6);
    (prefix, body)
        .prop_map(|(p, b)| format!("{p}{}", b.into_iter().collect::<String>()))
        .prop_filter("at most three wildcards, not empty", |p| {
            !p.is_empty() && p.chars().filter(|c| matches!(c, '*' | '?')).count() <= 3
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn audience_verdict_equals_brute_force(pattern in audience_pattern()) {
        let compiled = StrPattern::compile(&Template::parse(&pattern).unwrap());
        let verdict = audience_with_free_authority(&compiled);
        let samples = admitted_samples(&pattern);
        let mut authorities: Vec<String> = samples.iter().map(|s| authority(s)).collect();
        authorities.sort();
        authorities.dedup();
        prop_assert_eq!(verdict.is_some(), authorities.len() > 1, "{} admits {:?}", pattern, authorities);
        if let Some(witness) = verdict {
            prop_assert!(wildcard::matches(&pattern, &witness, false), "{pattern}: witness {witness} not admitted");
            let fixed = samples.iter().map(|s| authority(s)).filter(|a| *a != authority(&witness)).count();
            prop_assert!(fixed > 0, "{pattern}: witness {witness} has the only authority");
        }
    }
}

/// A condition on `aws:RequestTag/team` in a tagging Allow, compiled as the evaluator does.
fn tag_clause(operator: &str, values: &[String]) -> CompiledClause {
    let text = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:TagGetWebIdentityToken", "Resource": "*",
                       "Condition": {operator: {"aws:RequestTag/team": values}}}]
    })
    .to_string();
    let json = parse(&text, &Limits::default()).unwrap();
    let policy = parse_policy(&json, PolicyKind::Identity).policy.unwrap();
    CompiledClause::compile(&policy.statements[0].conditions[0])
}

/// Every tag value of one to four characters over the pattern characters and one other.
fn short_values() -> Vec<String> {
    let mut all = Vec::new();
    let mut layer = vec![String::new()];
    for _ in 0..4 {
        layer = layer.iter().flat_map(|p| ["a", "b", "x"].map(|c| format!("{p}{c}"))).collect();
        all.extend(layer.iter().cloned());
    }
    all
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn tag_value_verdict_equals_brute_force(
        operator in prop::sample::select(vec!["StringEquals", "StringLike", "StringNotEquals", "StringNotLike"]),
        values in prop::collection::vec(
            prop::collection::vec(prop::sample::select(vec!['a', 'b', '*', '?']), 1..4)
                .prop_map(|v| v.into_iter().collect::<String>()),
            1..4,
        ),
    ) {
        let like = operator.contains("Like");
        let negated = operator.contains("Not");
        let verdict = tag_value_free(&tag_clause(operator, &values));
        let matches = |v: &str, p: &str| if like { wildcard::matches(p, v, false) } else { p == v };
        let listed = |v: &str| values.iter().any(|p| p == v && !(like && wildcard::has_wildcard(p)));
        let free = short_values().iter().all(|v| (values.iter().any(|p| matches(v, p)) != negated) || listed(v));
        prop_assert_eq!(verdict, free, "{} {:?}", operator, values);
    }
}

#[test]
fn the_core_risks_are_caller_choices() {
    let audience = StrPattern::compile(&Template::parse("https://build-status.example*").unwrap());
    assert!(audience_with_free_authority(&audience).is_some());
    assert!(tag_value_free(&tag_clause("StringLike", &["*".to_owned()])));
    assert!(tag_value_free(&tag_clause("StringLike", &["?*".to_owned()])));
    assert!(tag_value_free(&tag_clause("StringEquals", &["${aws:RequestTag/team}".to_owned()])));
    assert!(!tag_value_free(&tag_clause("StringEquals", &["${aws:PrincipalTag/team}".to_owned()])));
    assert!(!tag_value_free(&tag_clause("StringLike", &["payments-*".to_owned()])));
}
