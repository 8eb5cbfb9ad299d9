//! Laws of the decision procedure (reference §4.2), checked with proptest on random small policy sets over a
//! vocabulary of minting actions, condition keys, operators and values, and random token requests under
//! random assumption settings.
//!
//! Why the monotonicity laws hold, and exactly when: the verdict of a check is
//! `no Deny matches ∧ every required layer has a matching Allow`. It is antitone in the set of Deny
//! statements that match and monotone in the set of Allow statements that match, and a statement matches
//! when its action, resource and every condition clause (an AND) hold. So:
//! * adding a Deny statement anywhere can only add a matching Deny: a denied request stays denied;
//! * removing one clause (operator + key) from an Allow statement can only make it match more requests:
//!   an allowed request stays allowed. The same removal from a Deny statement makes the Deny match more
//!   and so can only narrow. Removing one *value* from a clause is not monotone either way (values are
//!   ORed for positive operators but NORed for negated ones), and removing a whole policy is not (removing
//!   a boundary widens, removing an SCP Allow narrows), so the law says nothing about those.
//!
//! API validation is unaffected by policies, so the laws hold for whole simulations too.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::collections::BTreeSet;
use std::sync::Arc;

use mintlint::eval::{self, Assumptions, Decision, Layer, LoadedPolicy, NoTrace, PolicySet, Setting};
use mintlint::policy::{PolicyKind, parse_policy};
use mintlint::request::{Mint, Network, Request};
use mintlint::simulate::{Verdict, simulate};
use mintlint::source::SourceFile;
use mintlint::source::json::{Limits, parse};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};

const ACTIONS: &[&str] =
    &["sts:GetWebIdentityToken", "sts:TagGetWebIdentityToken", "sts:*", "sts:Get*", "sts:Tag*", "*", "s3:GetObject"];

const STRING_OPS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringNotLike",
    "StringEqualsIfExists",
    "StringNotEqualsIfExists",
    "StringEqualsIgnoreCase",
];
const SET_OPS: &[&str] = &[
    "ForAllValues:StringEquals",
    "ForAnyValue:StringEquals",
    "ForAllValues:StringNotEquals",
    "ForAnyValue:StringNotEquals",
    "ForAnyValue:StringLike",
    "ForAllValues:StringLike",
    // Plain operators on a multi-valued key exercise `plain_operator_on_multivalued`.
    "StringEquals",
    "StringNotEquals",
];
const NUMERIC_OPS: &[&str] = &[
    "NumericLessThanEquals",
    "NumericLessThanEqualsIfExists",
    "NumericGreaterThan",
    "NumericNotEquals",
    "NumericEquals",
];

/// A condition key with the values policies and requests draw from, and the operators that fit it.
struct Key {
    name: &'static str,
    values: &'static [&'static str],
    ops: &'static [&'static str],
}

const KEYS: &[Key] = &[
    Key { name: "sts:IdentityTokenAudience", values: &["https://a", "https://b", "https://*"], ops: SET_OPS },
    Key { name: "aws:TagKeys", values: &["team", "job"], ops: SET_OPS },
    Key { name: "sts:DurationSeconds", values: &["300", "900", "3600"], ops: NUMERIC_OPS },
    Key { name: "sts:SigningAlgorithm", values: &["ES384", "RS256", "ES*"], ops: STRING_OPS },
    Key { name: "aws:SourceVpc", values: &["vpc-1", "vpc-2"], ops: STRING_OPS },
    Key { name: "aws:RequestTag/team", values: &["data", "${aws:PrincipalTag/team}", "d*"], ops: STRING_OPS },
];

#[derive(Clone, Debug)]
struct Clause {
    op: &'static str,
    key: &'static str,
    values: Vec<&'static str>,
}

#[derive(Clone, Debug)]
struct Stmt {
    allow: bool,
    not_action: bool,
    actions: Vec<&'static str>,
    clauses: Vec<Clause>,
}

#[derive(Clone, Debug)]
struct Pol {
    stmts: Vec<Stmt>,
}

#[derive(Clone, Debug)]
struct Set {
    identity: Vec<Pol>,
    boundary: Option<Pol>,
    session: Option<Pol>,
    scps: Vec<Vec<Pol>>,
    rcps: Vec<Pol>,
}

fn clause() -> impl Strategy<Value = Clause> {
    (0..KEYS.len(), any::<prop::sample::Index>(), any::<bool>()).prop_flat_map(|(k, op, null)| {
        let key = &KEYS[k];
        if null && op.index(4) == 0 {
            return select(vec!["true", "false"])
                .prop_map(move |v| Clause { op: "Null", key: key.name, values: vec![v] })
                .boxed();
        }
        let op = *op.get(key.ops);
        subsequence(key.values.to_vec(), 1..=key.values.len())
            .prop_map(move |values| Clause { op, key: key.name, values })
            .boxed()
    })
}

fn stmt(deny_only: bool) -> impl Strategy<Value = Stmt> {
    (
        // Mostly Allows: with as many Denies as Allows nearly every request is explicitly denied.
        prop::bool::weighted(0.8),
        prop::bool::weighted(0.15),
        subsequence(ACTIONS.to_vec(), 1..=2),
        prop::collection::vec(clause(), 0..=3),
    )
        .prop_map(move |(allow, not_action, actions, clauses)| {
            // One clause per operator and key: a JSON object cannot name a key twice.
            let mut seen = BTreeSet::new();
            let clauses = clauses.into_iter().filter(|c| seen.insert((c.op, c.key))).collect();
            Stmt { allow: allow && !deny_only, not_action: not_action && !deny_only, actions, clauses }
        })
}

fn pol(deny_only: bool) -> impl Strategy<Value = Pol> {
    prop::collection::vec(stmt(deny_only), 1..=3).prop_map(|stmts| Pol { stmts })
}

fn set() -> impl Strategy<Value = Set> {
    (
        prop::collection::vec(pol(false), 1..=2),
        prop::option::weighted(0.3, pol(false)),
        prop::option::weighted(0.2, pol(false)),
        prop::collection::vec(prop::collection::vec(pol(false), 1..=2), 0..=2),
        prop::collection::vec(pol(true), 0..=1),
    )
        .prop_map(|(identity, boundary, session, scps, rcps)| Set { identity, boundary, session, scps, rcps })
}

fn request() -> impl Strategy<Value = Request> {
    (
        subsequence(vec!["https://a", "https://b", "https://c"], 1..=3),
        select(vec![None, Some(300u32), Some(900), Some(3600)]),
        select(vec!["ES384", "RS256"]),
        select(vec![None, Some("vpc-1"), Some("vpc-2")]),
        subsequence(vec![("team", "data"), ("job", "nightly")], 0..=2),
        any::<bool>(),
    )
        .prop_map(|(audiences, duration, alg, vpc, tags, tagged_principal)| Request {
            principal_arn: Some("arn:aws:iam::111122223333:role/payments".into()),
            principal_tags: if tagged_principal { vec![("team".into(), "data".into())] } else { Vec::new() },
            tags: tags.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
            network: match vpc {
                Some(vpc) => Network::Endpoint { vpc: vpc.into(), vpce: format!("vpce-{vpc}"), ip: None },
                None => Network::Public { ip: None },
            },
            time: mintlint::policy::value::date::Timestamp::parse("2026-01-01T12:00:00Z"),
            ..Request::mint(Mint {
                audiences: audiences.into_iter().map(str::to_owned).collect(),
                duration,
                signing_algorithm: alg.into(),
            })
        })
}

fn assumptions() -> impl Strategy<Value = Assumptions> {
    prop::collection::vec(any::<bool>(), Setting::ALL.len()).prop_map(|flips| {
        let mut a = Assumptions::default();
        for (setting, flip) in Setting::ALL.into_iter().zip(flips) {
            if flip {
                a = a.flipped(setting);
            }
        }
        a
    })
}

fn json_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("{i:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

fn render(p: &Pol, kind: PolicyKind) -> String {
    let stmts: Vec<String> = p
        .stmts
        .iter()
        .map(|s| {
            let mut ops: Vec<&str> = s.clauses.iter().map(|c| c.op).collect();
            ops.sort_unstable();
            ops.dedup();
            let blocks: Vec<String> = ops
                .iter()
                .map(|op| {
                    let keys: Vec<String> = s
                        .clauses
                        .iter()
                        .filter(|c| c.op == *op)
                        .map(|c| format!("{:?}: {}", c.key, json_list(&c.values)))
                        .collect();
                    format!("{op:?}: {{{}}}", keys.join(", "))
                })
                .collect();
            let principal = if kind == PolicyKind::Rcp { r#""Principal": "*", "# } else { "" };
            format!(
                r#"{{"Effect": "{}", {principal}"{}": {}, "Resource": "*", "Condition": {{{}}}}}"#,
                if s.allow { "Allow" } else { "Deny" },
                if s.not_action { "NotAction" } else { "Action" },
                json_list(&s.actions),
                blocks.join(", ")
            )
        })
        .collect();
    format!(r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#, stmts.join(", "))
}

fn load(p: &Pol, kind: PolicyKind) -> LoadedPolicy {
    let text = render(p, kind);
    let source = Arc::new(SourceFile::new("p.json", "p.json", text));
    let json = parse(&source.text, &Limits::default()).unwrap();
    let parsed = parse_policy(&json, kind);
    assert!(
        parsed.problems.is_empty(),
        "{}: {:?}",
        source.text,
        parsed.problems.iter().map(|p| &p.message).collect::<Vec<_>>()
    );
    LoadedPolicy::new(Arc::clone(&source), parsed.policy.unwrap(), kind)
}

fn full_aws_access() -> Pol {
    Pol { stmts: vec![Stmt { allow: true, not_action: false, actions: vec!["*"], clauses: Vec::new() }] }
}

fn build(s: &Set) -> PolicySet {
    PolicySet {
        identity: s.identity.iter().map(|p| load(p, PolicyKind::Identity)).collect(),
        boundary: s.boundary.as_ref().map(|p| load(p, PolicyKind::Boundary)),
        session: s.session.iter().map(|p| load(p, PolicyKind::Session)).collect(),
        scp_levels: s.scps.iter().map(|level| level.iter().map(|p| load(p, PolicyKind::Scp)).collect()).collect(),
        rcps: s.rcps.iter().map(|p| load(p, PolicyKind::Rcp)).collect(),
        endpoint: Vec::new(),
        management_account: false,
    }
}

/// The verdict and, per check, the decision and the deciding layer.
fn decide(s: &Set, r: &Request, a: &Assumptions) -> (Verdict, Vec<(Decision, Option<Layer>)>) {
    let sim = simulate(&build(s), r, a, None);
    (sim.verdict, sim.checks.iter().map(|c| (c.decision, c.layer)).collect())
}

fn allowed(s: &Set, r: &Request, a: &Assumptions) -> bool {
    decide(s, r, a).0.is_allow()
}

/// Every (policy, statement) position in a set, in the order layers are listed.
fn statements_mut(s: &mut Set) -> Vec<&mut Stmt> {
    let mut out = Vec::new();
    for p in s.identity.iter_mut().chain(s.boundary.iter_mut()).chain(s.session.iter_mut()) {
        out.extend(p.stmts.iter_mut());
    }
    for p in s.scps.iter_mut().flatten().chain(s.rcps.iter_mut()) {
        out.extend(p.stmts.iter_mut());
    }
    out
}

fn policies_mut(s: &mut Set) -> Vec<&mut Pol> {
    let mut out: Vec<&mut Pol> = s.identity.iter_mut().collect();
    out.extend(s.boundary.iter_mut());
    out.extend(s.session.iter_mut());
    out.extend(s.scps.iter_mut().flatten());
    out.extend(s.rcps.iter_mut());
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Adding a Deny statement to any policy never turns a denied request into an allowed one.
    #[test]
    fn adding_a_deny_never_allows(s in set(), r in request(), a in assumptions(), deny in stmt(true), at in any::<prop::sample::Index>()) {
        let before = allowed(&s, &r, &a);
        let mut widened = s.clone();
        let mut pols = policies_mut(&mut widened);
        let i = at.index(pols.len());
        pols[i].stmts.push(deny);
        let after = allowed(&widened, &r, &a);
        prop_assert!(before || !after, "adding a Deny allowed a denied request");
    }

    /// Removing one clause from an Allow statement never turns an allowed request into a denied one; removing
    /// one from a Deny statement never turns a denied request into an allowed one.
    #[test]
    fn removing_a_condition_is_monotone(s in set(), r in request(), a in assumptions(), at in any::<prop::sample::Index>(), clause in any::<prop::sample::Index>()) {
        let before = allowed(&s, &r, &a);
        let mut changed = s.clone();
        let mut stmts = statements_mut(&mut changed);
        let i = at.index(stmts.len());
        let target = &mut stmts[i];
        prop_assume!(!target.clauses.is_empty());
        let was_allow = target.allow;
        let c = clause.index(target.clauses.len());
        target.clauses.remove(c);
        let after = allowed(&changed, &r, &a);
        if was_allow {
            prop_assert!(!before || after, "removing a condition from an Allow denied an allowed request");
        } else {
            prop_assert!(before || !after, "removing a condition from a Deny allowed a denied request");
        }
    }

    /// The order of statements in a policy and of values in a clause never changes a decision or the layer
    /// that decided it.
    #[test]
    fn statement_and_value_order_never_matter(s in set(), r in request(), a in assumptions()) {
        let before = decide(&s, &r, &a);
        let mut reordered = s.clone();
        for p in policies_mut(&mut reordered) {
            p.stmts.reverse();
            for st in &mut p.stmts {
                st.actions.reverse();
                st.clauses.reverse();
                for c in &mut st.clauses {
                    c.values.reverse();
                }
            }
        }
        prop_assert_eq!(before, decide(&reordered, &r, &a));
        // Audience order in the request does not matter either.
        let mut r2 = r.clone();
        r2.edit_mint(|m| m.audiences.reverse());
        prop_assert_eq!(decide(&s, &r, &a), decide(&s, &r2, &a));
    }

    /// A chain of SCP levels holding only FullAWSAccess decides exactly like no SCPs.
    #[test]
    fn full_aws_access_chain_equals_no_scps(s in set(), r in request(), a in assumptions(), levels in 1usize..=4) {
        let mut without = s.clone();
        without.scps.clear();
        let mut with = without.clone();
        with.scps = vec![vec![full_aws_access()]; levels];
        prop_assert_eq!(decide(&without, &r, &a), decide(&with, &r, &a));
    }

    /// The management account decides like a member account without SCPs and RCPs.
    #[test]
    fn management_account_ignores_organization_policies(s in set(), r in request(), a in assumptions()) {
        let mut without = s.clone();
        without.scps.clear();
        without.rcps.clear();
        let mut management = build(&s);
        management.management_account = true;
        let sim = simulate(&management, &r, &a, None);
        let got = (sim.verdict, sim.checks.iter().map(|c| (c.decision, c.layer)).collect::<Vec<_>>());
        prop_assert_eq!(decide(&without, &r, &a), got);
    }

    /// `depends_on` names exactly the settings whose other value changes the verdict, with that verdict
    /// (checked against full simulations under each flipped setting).
    #[test]
    fn depends_on_names_exactly_the_deciding_settings(s in set(), r in request(), a in assumptions()) {
        let set = build(&s);
        let sim = simulate(&set, &r, &a, None);
        for setting in Setting::ALL {
            let flipped = simulate(&set, &r, &a.flipped(setting), None).verdict;
            let listed = sim.depends_on.iter().find(|d| d.setting == setting);
            match listed {
                Some(d) => prop_assert_eq!(&d.alternative_verdict, &flipped),
                None => prop_assert_eq!(&sim.verdict, &flipped, "{} changes the verdict but is not listed", setting),
            }
        }
    }

    /// The fast path (`Prepared::decide` with `NoTrace`, used by benchmarks and batch runs) decides exactly
    /// like the explaining path.
    #[test]
    fn fast_path_agrees_with_the_explaining_path(s in set(), r in request(), a in assumptions()) {
        let set = build(&s);
        prop_assume!(r.validate(&a).is_ok());
        for action in r.actions() {
            let ctx = r.context(action, &a);
            let fast = set.prepare(action).decide(&ctx, &a, &mut NoTrace);
            let explained = eval::check(&set, &ctx, &a);
            prop_assert_eq!((fast.decision, fast.layer), (explained.decision, explained.layer));
        }
    }
}

/// The laws are not vacuous: the generators produce allowed, implicitly and explicitly denied requests in
/// useful proportions.
#[test]
fn generators_reach_every_decision() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut counts = std::collections::BTreeMap::new();
    for _ in 0..400 {
        let s = set().new_tree(&mut runner).unwrap().current();
        let r = request().new_tree(&mut runner).unwrap().current();
        *counts.entry(decide(&s, &r, &Assumptions::default()).0.name()).or_insert(0) += 1;
    }
    for decision in ["allow", "explicit-deny", "implicit-deny"] {
        let n = counts.get(decision).copied().unwrap_or(0);
        assert!(n >= 40, "only {n} of 400 samples are {decision}: {counts:?}");
    }
}
