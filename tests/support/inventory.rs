//! The 50-statement benchmark inventory of `fixtures/bench/` and a spread of token requests against it,
//! shared by `benches/decisions.rs` and `tests/no_alloc.rs` (included with `#[path]`).

use std::path::PathBuf;

use mintlint::eval::{Assumptions, PolicySet, RequestContext};
use mintlint::input::load_policy_file;
use mintlint::policy::PolicyKind;
use mintlint::policy::value::date::Timestamp;
use mintlint::request::{Mint, Network, Region, Request};
use mintlint::source::json::Limits;

pub struct Inventory {
    pub set: PolicySet,
    pub assumptions: Assumptions,
    /// The request contexts of every authorization check of the requests, in request order.
    pub contexts: Vec<RequestContext>,
}

fn load(name: &str, kind: PolicyKind) -> Vec<mintlint::eval::LoadedPolicy> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/bench").join(name);
    match load_policy_file(&path, kind, &Limits::default()) {
        Ok(p) => p,
        Err(findings) => panic!("{name}: {} problems", findings.len()),
    }
}

/// Statements across every policy of the set.
pub fn statement_count(set: &PolicySet) -> usize {
    set.policies().map(|(_, _, p)| p.statements.len()).sum()
}

/// `requests` token requests: partner audiences (some unregistered), every duration form, the VPC guard
/// met or not, and tags on every fifth request, so allows, implicit and explicit denies all occur.
pub fn inventory(requests: usize) -> Inventory {
    let set = PolicySet {
        identity: load("identity.json", PolicyKind::Identity),
        boundary: load("boundary.json", PolicyKind::Boundary).into_iter().next(),
        session: Vec::new(),
        scp_levels: vec![load("scp-root.json", PolicyKind::Scp), load("scp-ou.json", PolicyKind::Scp)],
        rcps: load("rcp.json", PolicyKind::Rcp),
        endpoint: Vec::new(),
        management_account: false,
    };
    let assumptions = Assumptions::default();
    let mut contexts = Vec::new();
    for i in 0..requests {
        let mut audiences = vec![format!("https://partner{}.example", i % 31)];
        if i % 7 == 0 {
            audiences.push(format!("https://partner{}.example/v2", i % 31));
        }
        let ip = "10.0.1.5".parse().ok();
        let request = Request {
            principal_arn: Some("arn:aws:iam::111122223333:role/payments".into()),
            principal_tags: vec![("team".into(), "data".into())],
            tags: if i % 5 == 0 { vec![("team".into(), "data".into())] } else { Vec::new() },
            region: Region::parse("eu-west-1").unwrap_or_default(),
            time: Timestamp::parse("2026-01-01T12:00:00Z"),
            network: if i % 13 != 0 {
                Network::Endpoint { vpc: "vpc-0abc1234".into(), vpce: "vpce-0abc1234".into(), ip }
            } else {
                Network::Public { ip }
            },
            ..Request::mint(Mint {
                audiences,
                duration: [None, Some(300), Some(900), Some(1800)][i % 4],
                signing_algorithm: if i % 11 == 0 { "RS256" } else { "ES384" }.into(),
            })
        };
        for action in request.actions() {
            contexts.push(request.context(action, &assumptions));
        }
    }
    Inventory { set, assumptions, contexts }
}
