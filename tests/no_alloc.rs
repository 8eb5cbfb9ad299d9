//! Deciding a compiled request allocates nothing (issue 3): a counting global allocator in this dedicated
//! test binary counts the allocations of the current thread across many `Prepared::decide` calls on the
//! 50-statement benchmark inventory.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

#[path = "support/inventory.rs"]
mod inventory;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use mintlint::eval::{self, NoTrace};
use mintlint::token::{MINT_ACTION, TAG_ACTION};

/// Counts allocations per thread, so the test harness's other threads cannot disturb the count.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: the thread-local may already be gone while a thread shuts down.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: every method forwards to the system allocator unchanged; counting touches only a thread-local
// `Cell` with a const initializer, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's pointer, layout and size.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn deciding_a_compiled_request_allocates_nothing() {
    let inv = inventory::inventory(500);
    assert_eq!(inventory::statement_count(&inv.set), 50);
    let mint = inv.set.prepare(MINT_ACTION);
    let tag = inv.set.prepare(TAG_ACTION);
    let mut decisions = [0usize; 3];

    let before = allocations();
    for _ in 0..20 {
        for ctx in &inv.contexts {
            let prepared = if *ctx.action == *TAG_ACTION { &tag } else { &mint };
            let outcome = prepared.decide(ctx, &inv.assumptions, &mut NoTrace);
            decisions[outcome.decision as usize] += 1;
        }
    }
    let during = allocations() - before;

    assert_eq!(during, 0, "{during} allocations in {} decisions", decisions.iter().sum::<usize>());
    // The inventory exercises every outcome, so every code path of the decision ran.
    assert!(decisions.iter().all(|n| *n > 0), "allow / explicit-deny / implicit-deny counts: {decisions:?}");
}

/// The counter works: the explaining path records statements and so does allocate.
#[test]
fn the_counter_sees_allocations() {
    let inv = inventory::inventory(10);
    let before = allocations();
    let result = eval::check(&inv.set, &inv.contexts[0], &inv.assumptions);
    assert!(allocations() > before, "check() of {:?} allocated nothing: is the counter installed?", result.decision);
}

/// Evaluates every statement (no early exit) without recording anything.
struct Exhaustive;

impl mintlint::eval::Trace for Exhaustive {
    const EXHAUSTIVE: bool = true;
}

/// Every operator family, the set operators, IfExists, Null, policy variables (with defaults, escapes, in a
/// Bool value) and BinaryEquals, evaluated statement by statement, allocate nothing either.
#[test]
fn every_operator_family_evaluates_without_allocating() {
    use std::sync::Arc;

    use mintlint::eval::{Assumptions, ContextValue, LoadedPolicy, PolicySet};
    use mintlint::policy::{PolicyKind, parse_policy};
    use mintlint::request::{Mint, Network, Request};
    use mintlint::source::SourceFile;
    use mintlint::source::json::{Limits, parse};

    let conditions = [
        r#"{"StringEquals": {"sts:SigningAlgorithm": ["ES384", "RS256"]}}"#,
        r#"{"StringNotEqualsIgnoreCase": {"aws:RequestTag/team": "${aws:PrincipalTag/team, 'none'}"}}"#,
        r#"{"StringLike": {"aws:RequestTag/team": ["d*", "*${*}*", "x?y*z*"]}}"#,
        r#"{"ForAllValues:StringLike": {"sts:IdentityTokenAudience": "https://${aws:PrincipalTag/team}.example/*"}}"#,
        r#"{"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["team"]}}"#,
        r#"{"ForAllValues:StringNotEquals": {"aws:PrincipalOrgPaths": ["o-1/"]}}"#,
        r#"{"NumericLessThanEqualsIfExists": {"sts:DurationSeconds": [300, "900"]}}"#,
        r#"{"NumericNotEquals": {"ec2:RoleDelivery": "2.0"}}"#,
        r#"{"DateGreaterThan": {"aws:CurrentTime": ["2025", "2025-06-01T00:00Z", "1700000000"]}}"#,
        r#"{"DateLessThanIfExists": {"aws:TokenIssueTime": "2026-01-01T00:00:00.5+01:00"}}"#,
        r#"{"Bool": {"aws:SecureTransport": ["true", "${aws:PrincipalTag/secure, 'true'}"]}}"#,
        r#"{"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}"#,
        r#"{"BinaryEquals": {"test:Blob": ["QmluYXJ5", "Zg=="]}}"#,
        r#"{"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32", "198.51.100.7"]}}"#,
        r#"{"NotIpAddress": {"aws:VpcSourceIp": "10.0.0.0/8"}}"#,
        r#"{"ArnLike": {"aws:PrincipalArn": ["arn:aws:iam::*:role/pay*", "arn:aws:iam::${aws:PrincipalAccount}:role/*"]}}"#,
        r#"{"ArnNotEquals": {"lambda:SourceFunctionArn": "arn:aws:lambda:*:*:function:export"}}"#,
        r#"{"Null": {"aws:SourceVpc": "false", "sts:IdentityTokenAudience": "false"}}"#,
        r#"{"ForAllValues:Null": {"aws:TagKeys": "true"}, "ForAnyValue:Null": {"aws:TagKeys": "true"}}"#,
        r#"{"StringEquals": {"sts:IdentityTokenAudience": "https://data.example/x"}}"#,
    ];
    let statements: Vec<String> = conditions
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let effect = if i % 2 == 0 { "Allow" } else { "Deny" };
            format!(r#"{{"Effect": "{effect}", "Action": "sts:*", "Resource": "*", "Condition": {c}}}"#)
        })
        .collect();
    let text = format!(r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#, statements.join(", "));
    let source = Arc::new(SourceFile::new("every-operator.json", "every-operator.json", text));
    let parsed = parse_policy(&parse(&source.text, &Limits::default()).unwrap(), PolicyKind::Identity);
    assert!(parsed.problems.is_empty());
    let set = PolicySet {
        identity: vec![LoadedPolicy::new(Arc::clone(&source), parsed.policy.unwrap(), PolicyKind::Identity)],
        ..PolicySet::default()
    };

    let assumptions = Assumptions::default();
    let mut contexts = Vec::new();
    for (i, tags) in [vec![], vec![("team", "data")], vec![("team", "x*y"), ("job", "n")]].into_iter().enumerate() {
        let ip = ["203.0.113.9", "2001:db8::1", "10.1.2.3"][i].parse().ok();
        let request = Request {
            principal_arn: Some("arn:aws:iam::111122223333:role/payments".into()),
            principal_tags: if i == 1 { vec![("team".into(), "data".into())] } else { Vec::new() },
            tags: tags.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
            time: mintlint::policy::value::date::Timestamp::parse("2026-01-01T12:00:00Z"),
            network: if i == 2 {
                Network::Endpoint { vpc: "vpc-1".into(), vpce: "vpce-1".into(), ip }
            } else {
                Network::Public { ip }
            },
            context: vec![
                ("test:Blob".into(), ContextValue::Single(["QmluYXJ5", "Zg", "eA=="][i].into())),
                ("aws:MultiFactorAuthPresent".into(), ContextValue::Single("true".into())),
                ("ec2:RoleDelivery".into(), ContextValue::Single("1.0".into())),
                ("aws:PrincipalOrgPaths".into(), ContextValue::Multi(vec!["o-1/r-2/".into()])),
            ],
            ..Request::mint(Mint {
                audiences: vec!["https://data.example/x".into(), "https://other.example".into()],
                duration: [None, Some(300), Some(1800)][i],
                signing_algorithm: "ES384".into(),
            })
        };
        for action in request.actions() {
            contexts.push(request.context(action, &assumptions));
        }
    }
    let prepared = [set.prepare(MINT_ACTION), set.prepare(TAG_ACTION)];

    let before = allocations();
    for _ in 0..50 {
        for ctx in &contexts {
            let p = if *ctx.action == *TAG_ACTION { &prepared[1] } else { &prepared[0] };
            std::hint::black_box(p.decide(ctx, &assumptions, &mut Exhaustive));
        }
    }
    assert_eq!(allocations() - before, 0);
}
