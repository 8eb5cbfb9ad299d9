//! `diff` against brute force: for random small policy pairs over small value domains, the widened and
//! narrowed verdicts equal those of enumerating every request in a domain that holds a member of every
//! region the pool of policy values can cut, and every witness simulates as claimed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::sync::Arc;

use mintlint::diff::{DiffOptions, PrincipalFacts, compare};
use mintlint::eval::{Assumptions, LoadedPolicy, PolicySet};
use mintlint::policy::{PolicyKind, parse_document};
use mintlint::request::{Mint, Request};
use mintlint::simulate::simulate;
use mintlint::source::SourceFile;
use proptest::prelude::*;
use serde_json::{Value, json};

/// One condition, as operator, key and values.
fn condition() -> impl Strategy<Value = (String, String, Value)> {
    let audience_ops = prop::sample::select(vec![
        "ForAllValues:StringEquals",
        "ForAnyValue:StringEquals",
        "ForAllValues:StringLike",
        "ForAnyValue:StringLike",
        "ForAllValues:StringNotEquals",
        "ForAnyValue:StringNotLike",
    ]);
    let audiences = prop::sample::subsequence(vec!["a", "ab", "a*", "*b"], 1..=2);
    let audience = (audience_ops, audiences)
        .prop_map(|(op, vs)| (op.to_owned(), "sts:IdentityTokenAudience".to_owned(), json!(vs)));
    let duration_ops = prop::sample::select(vec![
        "NumericLessThanEquals",
        "NumericLessThan",
        "NumericGreaterThan",
        "NumericLessThanEqualsIfExists",
        "NumericNotEquals",
    ]);
    let duration = (duration_ops, prop::sample::select(vec!["300", "900"]))
        .prop_map(|(op, v)| (op.to_owned(), "sts:DurationSeconds".to_owned(), json!(v)));
    let algorithm = prop::sample::select(vec![
        ("StringEquals", "ES384"),
        ("StringNotEquals", "RS256"),
        ("StringEqualsIgnoreCase", "es384"),
    ])
    .prop_map(|(op, v)| (op.to_owned(), "sts:SigningAlgorithm".to_owned(), json!(v)));
    let tags = prop::sample::select(vec![
        ("StringEquals", "aws:RequestTag/team", json!(["x", "y"])),
        ("StringLike", "aws:RequestTag/team", json!("x*")),
        ("StringNotEqualsIfExists", "aws:RequestTag/team", json!("y")),
        ("ForAllValues:StringEquals", "aws:TagKeys", json!(["team"])),
        ("ForAnyValue:StringEquals", "aws:TagKeys", json!(["env"])),
        ("ForAllValues:StringEqualsIgnoreCase", "aws:TagKeys", json!(["TEAM", "env"])),
        ("Null", "aws:TagKeys", json!("true")),
        ("Null", "sts:IdentityTokenAudience", json!("false")),
    ])
    .prop_map(|(op, k, v)| (op.to_owned(), k.to_owned(), v));
    prop_oneof![3 => audience, 2 => duration, 1 => algorithm, 2 => tags]
}

/// A statement with one of `effects`, one of `actions`, and up to three conditions drawn from `conditions`.
fn statement_of(
    effects: Vec<&'static str>,
    actions: Vec<Value>,
    conditions: impl Strategy<Value = (String, String, Value)>,
) -> impl Strategy<Value = Value> {
    let effect = prop::sample::select(effects);
    let action = prop::sample::select(actions);
    (effect, action, prop::collection::vec(conditions, 0..=3)).prop_map(|(effect, action, conditions)| {
        let mut block = serde_json::Map::new();
        for (op, key, values) in conditions {
            let entry = block.entry(op).or_insert_with(|| json!({}));
            entry.as_object_mut().unwrap().insert(key, values);
        }
        json!({"Effect": effect, "Action": action, "Resource": "*", "Condition": block})
    })
}

fn statement() -> impl Strategy<Value = Value> {
    let actions = vec![
        json!("sts:GetWebIdentityToken"),
        json!(["sts:GetWebIdentityToken", "sts:TagGetWebIdentityToken"]),
        json!("sts:TagGetWebIdentityToken"),
        json!("sts:*"),
    ];
    statement_of(vec!["Allow", "Allow", "Allow", "Deny"], actions, condition())
}

fn policy() -> impl Strategy<Value = Value> {
    prop::collection::vec(statement(), 1..=3).prop_map(|s| json!({"Version": "2012-10-17", "Statement": s}))
}

fn load(name: &str, policy: &Value) -> PolicySet {
    let text = serde_json::to_string_pretty(policy).unwrap();
    let source = Arc::new(SourceFile::new(name, name, text));
    let json = mintlint::source::json::parse(&source.text, &Default::default()).unwrap();
    let parsed = parse_document(&json, PolicyKind::Identity).into_iter().next().unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let policy = parsed.policy.unwrap();
    PolicySet { identity: vec![LoadedPolicy::new(source, policy, PolicyKind::Identity)], ..PolicySet::default() }
}

/// Every request of the brute-force domain: a member of every region the value pool can cut.
fn domain() -> Vec<Request> {
    // Strings over the pool {a, ab, a*, *b} (patterns under `StringLike`, literal text under
    // `StringEquals`): "a", "ab", "aab" (a* and *b, not ab), "ac" (a* only), "cb" (*b only), "c" (nothing),
    // and the pattern texts themselves. Sets of up to four of them: a set is characterised by the regions
    // it touches, and a generated statement has at most three conditions (a brute-force bound, not a proof:
    // a mismatch found only with larger sets would show up as a false failure here, never be hidden).
    let strings = ["a", "ab", "aab", "ac", "cb", "c", "a*", "*b"];
    let mut audience_sets: Vec<Vec<String>> = Vec::new();
    for mask in (1u32..(1 << strings.len())).filter(|m| m.count_ones() <= 4) {
        audience_sets.push(
            strings.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, s)| s.to_string()).collect(),
        );
    }
    let durations = [None, Some(60), Some(300), Some(301), Some(900), Some(901)];
    // Tag sets: every combination of the team tag (absent, each value region, a differently cased key), an
    // `env` tag and an unrelated tag, so conditions on `aws:TagKeys` and `aws:RequestTag/team` combine freely.
    let teams: [Option<(&str, &str)>; 6] = [
        None,
        Some(("team", "x")),
        Some(("team", "xz")),
        Some(("team", "y")),
        Some(("team", "z")),
        Some(("Team", "x")),
    ];
    let mut tag_sets: Vec<Vec<(&str, &str)>> = Vec::new();
    for team in teams {
        for env in [false, true] {
            for other in [false, true] {
                let mut set: Vec<(&str, &str)> = team.into_iter().collect();
                if env {
                    set.push(("env", "x"));
                }
                if other {
                    set.push(("other", "x"));
                }
                tag_sets.push(set);
            }
        }
    }
    let mut out = Vec::new();
    for audiences in &audience_sets {
        for duration in durations {
            for algorithm in ["ES384", "RS256"] {
                for tags in &tag_sets {
                    out.push(Request {
                        tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
                        ..Request::mint(Mint {
                            audiences: audiences.clone(),
                            duration,
                            signing_algorithm: algorithm.to_owned(),
                        })
                    });
                }
            }
        }
    }
    out
}

fn prepare(s: &PolicySet) -> [mintlint::eval::Prepared<'_>; 2] {
    [s.prepare("sts:GetWebIdentityToken"), s.prepare("sts:TagGetWebIdentityToken")]
}

/// Both checks' decisions, the fast way (the witnesses below go through `simulate`).
fn allows(prepared: &[mintlint::eval::Prepared<'_>; 2], r: &Request, a: &Assumptions) -> bool {
    r.validate(a).is_ok()
        && r.actions().into_iter().zip(prepared).all(|(action, p)| {
            let ctx = r.context(action, a);
            p.decide(&ctx, a, &mut mintlint::eval::NoTrace).decision == mintlint::eval::Decision::Allow
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn diff_equals_brute_force(baseline in policy(), current in policy()) {
        let a = Assumptions::default();
        let (b, c) = (load("baseline.json", &baseline), load("current.json", &current));
        let result = compare("p", &b, &c, &PrincipalFacts::default(), &DiffOptions::default());
        prop_assert!(result.exact, "{:?}", result.inexact_reason);
        let mut widened = false;
        let mut narrowed = false;
        let (pb, pc) = (prepare(&b), prepare(&c));
        for r in domain() {
            let (in_b, in_c) = (allows(&pb, &r, &a), allows(&pc, &r, &a));
            widened |= in_c && !in_b;
            narrowed |= in_b && !in_c;
            if widened && narrowed {
                break;
            }
        }
        prop_assert_eq!(!result.widened.is_empty(), widened, "widened: {}\nvs\n{}", baseline, current);
        prop_assert_eq!(!result.narrowed.is_empty(), narrowed, "narrowed: {}\nvs\n{}", baseline, current);
        for (changes, gained, other) in [(&result.widened, &c, &b), (&result.narrowed, &b, &c)] {
            for change in changes {
                prop_assert!(simulate(gained, &change.witness, &a, None).verdict.is_allow(), "{:?}", change);
                prop_assert!(!simulate(other, &change.witness, &a, None).verdict.is_allow(), "{:?}", change);
            }
        }
        // diff(a, a) is empty.
        let same = compare("p", &c, &c, &PrincipalFacts::default(), &DiffOptions::default());
        prop_assert!(same.widened.is_empty() && same.narrowed.is_empty());
    }
}

/// A condition on the facts every request carries beside its token parameters: the region, the network
/// path, request tags whose keys may differ only in case, and the "deny without MFA" guard (a `Null` test
/// beside a `Bool` test of one key).
fn request_condition() -> impl Strategy<Value = (String, String, Value)> {
    prop::sample::select(vec![
        ("StringEquals", "aws:RequestedRegion", json!("eu-west-1")),
        ("StringNotEquals", "aws:RequestedRegion", json!(["us-east-1"])),
        ("StringLike", "aws:RequestedRegion", json!("eu-*")),
        ("StringEquals", "aws:SourceVpc", json!("vpc-1")),
        ("StringEqualsIfExists", "aws:SourceVpce", json!("vpce-1")),
        ("StringNotEquals", "aws:SourceVpce", json!("vpce-1")),
        ("Null", "aws:SourceVpc", json!("false")),
        ("Null", "aws:SourceVpce", json!("true")),
        ("Null", "aws:MultiFactorAuthPresent", json!("true")),
        ("Null", "aws:MultiFactorAuthPresent", json!("false")),
        ("Bool", "aws:MultiFactorAuthPresent", json!("false")),
        ("BoolIfExists", "aws:MultiFactorAuthPresent", json!("true")),
        ("StringEquals", "aws:RequestTag/team", json!("x")),
        ("StringEqualsIgnoreCase", "aws:RequestTag/Team", json!("Y")),
        ("ForAllValues:StringEquals", "aws:TagKeys", json!(["team"])),
        ("ForAnyValue:StringEquals", "aws:TagKeys", json!(["Team"])),
    ])
    .prop_map(|(op, k, v)| (op.to_owned(), k.to_owned(), v))
}

fn request_statement() -> impl Strategy<Value = Value> {
    let actions = vec![
        json!(["sts:GetWebIdentityToken", "sts:TagGetWebIdentityToken"]),
        json!("sts:GetWebIdentityToken"),
        json!("sts:*"),
    ];
    statement_of(vec!["Allow", "Allow", "Deny"], actions, request_condition())
}

fn request_policy() -> impl Strategy<Value = Value> {
    prop::collection::vec(request_statement(), 1..=3).prop_map(|s| json!({"Version": "2012-10-17", "Statement": s}))
}

/// Every request of the second domain: each region region (the two named, another `eu-*`, one none names), each network
/// path a request can take (public; through the named endpoint of the named VPC or of another VPC, another
/// endpoint of the named VPC, another VPC's endpoint), tags whose keys differ only in case, and the MFA key absent, true or false.
/// A request AWS cannot produce (an endpoint without its VPC) is not in it: the request model cannot hold one.
fn request_domain() -> Vec<Request> {
    use mintlint::eval::ContextValue;
    use mintlint::request::{Network, Region};
    let networks = [
        Network::Public { ip: None },
        Network::Endpoint { vpc: "vpc-1".into(), vpce: "vpce-1".into(), ip: None },
        Network::Endpoint { vpc: "vpc-1".into(), vpce: "vpce-2".into(), ip: None },
        Network::Endpoint { vpc: "vpc-2".into(), vpce: "vpce-3".into(), ip: None },
        // The policies do not say which VPC an endpoint id belongs to.
        Network::Endpoint { vpc: "vpc-2".into(), vpce: "vpce-1".into(), ip: None },
    ];
    // Every combination of a `team` tag (absent, x, y, z), a `Team` tag (absent, x, y) and an `env` tag.
    let mut tag_sets: Vec<Vec<(&str, &str)>> = Vec::new();
    for team in [None, Some("x"), Some("y"), Some("z")] {
        for upper in [None, Some("x"), Some("y")] {
            for env in [false, true] {
                let mut set: Vec<(&str, &str)> = team.map(|v| ("team", v)).into_iter().collect();
                set.extend(upper.map(|v| ("Team", v)));
                if env {
                    set.push(("env", "x"));
                }
                tag_sets.push(set);
            }
        }
    }
    let mut out = Vec::new();
    for region in ["us-east-1", "eu-west-1", "eu-central-2", "ap-south-2"] {
        for network in &networks {
            for tags in &tag_sets {
                for mfa in [None, Some("true"), Some("false")] {
                    for audiences in [vec!["a".to_owned()], vec!["a".to_owned(), "b".to_owned()]] {
                        out.push(Request {
                            region: Region::parse(region).unwrap(),
                            network: network.clone(),
                            tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
                            context: mfa
                                .map(|v| ("aws:MultiFactorAuthPresent".to_owned(), ContextValue::Single(v.into())))
                                .into_iter()
                                .collect(),
                            ..Request::mint(Mint { audiences, ..Mint::default() })
                        });
                    }
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The same agreement over regions, network paths, case-variant tag keys and Null+Bool guards, under
    /// both values of `case_variant_tag_keys`.
    #[test]
    fn diff_equals_brute_force_over_request_facts(baseline in request_policy(), current in request_policy()) {
        for a in [Assumptions::default(), Assumptions::default().flipped(mintlint::eval::Setting::CaseVariantTagKeys)] {
            let (b, c) = (load("baseline.json", &baseline), load("current.json", &current));
            let options = DiffOptions { assumptions: a, ..DiffOptions::default() };
            let result = compare("p", &b, &c, &PrincipalFacts::default(), &options);
            // Under `accepted`, several spellings of one tag key are not analysed: said, never guessed.
            if !result.exact && a != Assumptions::default() {
                let reason = result.inexact_reason.clone().unwrap_or_default();
                prop_assert!(reason.contains("case_variant_tag_keys = accepted"), "{}", reason);
                continue;
            }
            prop_assert!(result.exact, "{:?}", result.inexact_reason);
            let (pb, pc) = (prepare(&b), prepare(&c));
            let mut widened = false;
            let mut narrowed = false;
            for r in request_domain() {
                let (in_b, in_c) = (allows(&pb, &r, &a), allows(&pc, &r, &a));
                widened |= in_c && !in_b;
                narrowed |= in_b && !in_c;
            }
            prop_assert_eq!(!result.widened.is_empty(), widened, "widened: {}\nvs\n{}", baseline, current);
            prop_assert_eq!(!result.narrowed.is_empty(), narrowed, "narrowed: {}\nvs\n{}", baseline, current);
            for (changes, gained, other) in [(&result.widened, &c, &b), (&result.narrowed, &b, &c)] {
                for change in changes {
                    prop_assert!(simulate(gained, &change.witness, &a, None).verdict.is_allow(), "{:?}", change);
                    prop_assert!(!simulate(other, &change.witness, &a, None).verdict.is_allow(), "{:?}", change);
                }
            }
            let same = compare("p", &c, &c, &PrincipalFacts::default(), &options);
            prop_assert!(same.exact && same.widened.is_empty() && same.narrowed.is_empty(), "{:?}", same);
        }
    }
}

/// Conditions whose answer AWS leaves open: a policy variable with no value inside a negated operator (the
/// assumption `unresolved_variable`) and a negated operator with a value it cannot read
/// (`negated_unreadable_value`), beside ordinary tests of the same keys.
fn open_condition() -> impl Strategy<Value = (String, String, Value)> {
    prop::sample::select(vec![
        ("StringNotEquals", "aws:RequestTag/team", json!("${aws:PrincipalTag/team}")),
        ("StringEquals", "aws:RequestTag/team", json!(["${aws:PrincipalTag/team}", "x"])),
        ("StringNotLike", "aws:RequestTag/team", json!("${aws:PrincipalTag/team}")),
        ("StringEquals", "aws:RequestTag/team", json!("x")),
        ("Null", "aws:PrincipalTag/team", json!("true")),
        ("NumericNotEquals", "sts:DurationSeconds", json!("abc")),
        ("NumericNotEquals", "sts:DurationSeconds", json!(["abc", "900"])),
        ("NumericLessThanEquals", "sts:DurationSeconds", json!("300")),
    ])
    .prop_map(|(op, k, v)| (op.to_owned(), k.to_owned(), v))
}

fn open_policy() -> impl Strategy<Value = Value> {
    let actions = vec![json!(["sts:GetWebIdentityToken", "sts:TagGetWebIdentityToken"]), json!("sts:*")];
    prop::collection::vec(statement_of(vec!["Allow", "Allow", "Deny"], actions, open_condition()), 1..=3)
        .prop_map(|s| json!({"Version": "2012-10-17", "Statement": s}))
}

/// Principal tags `team` and `alg` absent or set (to a value a condition names, to another, and `team` to
/// the empty string, which `Null` calls null but a variable substitutes), the request tag `team` absent or
/// set likewise, and the duration omitted, at a named value, or another.
fn open_domain() -> Vec<Request> {
    let mut out = Vec::new();
    for team in [None, Some("x"), Some("y"), Some("")] {
        for alg in [None, Some("ES384"), Some("RS256")] {
            for tag in [None, Some("x"), Some("y"), Some("")] {
                for duration in [None, Some(300), Some(900), Some(600)] {
                    let mut principal_tags: Vec<(String, String)> =
                        team.map(|v| ("team".to_owned(), v.to_owned())).into_iter().collect();
                    principal_tags.extend(alg.map(|v| ("alg".to_owned(), v.to_owned())));
                    out.push(Request {
                        principal_tags,
                        tags: tag.map(|v| ("team".to_owned(), v.to_owned())).into_iter().collect(),
                        ..Request::mint(Mint {
                            audiences: vec!["a".to_owned()],
                            duration,
                            signing_algorithm: "ES384".to_owned(),
                        })
                    });
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// `diff` agrees with brute force under both values of the two settings, and names a setting in a
    /// change's `depends_on` exactly when `simulate` of the witness under the setting's other value no
    /// longer shows the change: one evaluator, one way of reporting what depends on an assumption.
    #[test]
    fn diff_equals_brute_force_over_open_questions(baseline in open_policy(), current in open_policy()) {
        use mintlint::eval::Setting;
        let settings = [Setting::UnresolvedVariable, Setting::NegatedUnreadableValue];
        let configurations = [
            Assumptions::default(),
            Assumptions::default().flipped(settings[0]),
            Assumptions::default().flipped(settings[1]),
        ];
        for a in configurations {
            let (b, c) = (load("baseline.json", &baseline), load("current.json", &current));
            let options = DiffOptions { assumptions: a, ..DiffOptions::default() };
            let result = compare("p", &b, &c, &PrincipalFacts::default(), &options);
            prop_assert!(result.exact, "{:?}", result.inexact_reason);
            let (pb, pc) = (prepare(&b), prepare(&c));
            let mut widened = false;
            let mut narrowed = false;
            for r in open_domain() {
                let (in_b, in_c) = (allows(&pb, &r, &a), allows(&pc, &r, &a));
                widened |= in_c && !in_b;
                narrowed |= in_b && !in_c;
            }
            prop_assert_eq!(!result.widened.is_empty(), widened, "widened under {:?}: {}\nvs\n{}", a, baseline, current);
            prop_assert_eq!(!result.narrowed.is_empty(), narrowed, "narrowed under {:?}: {}\nvs\n{}", a, baseline, current);
            for (changes, gained, other) in [(&result.widened, &c, &b), (&result.narrowed, &b, &c)] {
                for change in changes {
                    prop_assert!(simulate(gained, &change.witness, &a, None).verdict.is_allow(), "{:?}", change);
                    prop_assert!(!simulate(other, &change.witness, &a, None).verdict.is_allow(), "{:?}", change);
                    for setting in settings {
                        let alt = a.flipped(setting);
                        let holds = simulate(gained, &change.witness, &alt, None).verdict.is_allow()
                            && !simulate(other, &change.witness, &alt, None).verdict.is_allow();
                        let named = change.depends_on.iter().any(|d| d.setting == setting);
                        prop_assert_eq!(named, !holds, "{:?} on {:?}", setting, change);
                    }
                }
            }
            let same = compare("p", &c, &c, &PrincipalFacts::default(), &options);
            prop_assert!(same.exact && same.widened.is_empty() && same.narrowed.is_empty(), "{:?}", same);
        }
    }
}
