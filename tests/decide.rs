//! The decision procedure (reference §4.2) and token requests (§1.2, §2.1-§2.3, §3) through the library:
//! which layer decides, the one or two authorization checks, API validation, assumption-dependent
//! outcomes, and the claims preview.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::sync::Arc;

use mintlint::eval::{Assumptions, Decision, Layer, LoadedPolicy, PolicySet, Setting};
use mintlint::policy::{PolicyKind, parse_policy};
use mintlint::request::{InvalidRequest, Mint, Network, Region, Request};
use mintlint::simulate::{Simulation, Verdict, simulate};
use mintlint::source::SourceFile;
use mintlint::source::json::{Limits, parse};
use mintlint::token::{MINT_ACTION, TAG_ACTION};

const ROLE: &str = "arn:aws:iam::111122223333:role/payments";

fn policy(name: &str, kind: PolicyKind, text: &str) -> LoadedPolicy {
    let source = Arc::new(SourceFile::new(name, name, text));
    let json = parse(&source.text, &Limits::default()).unwrap();
    let parsed = parse_policy(&json, kind);
    assert!(parsed.problems.is_empty(), "{name}: {:?}", parsed.problems.iter().map(|p| &p.message).collect::<Vec<_>>());
    LoadedPolicy::new(Arc::clone(&source), parsed.policy.unwrap(), kind)
}

/// A one-statement policy; `extra` is spliced into the statement (e.g. a Condition or a Principal).
fn stmt(effect: &str, action: &str, extra: &str) -> String {
    let extra = if extra.is_empty() { String::new() } else { format!(", {extra}") };
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "{effect}", "Action": {action}, "Resource": "*"{extra}}}]}}"#
    )
}

fn allow_mint() -> String {
    stmt("Allow", r#""sts:GetWebIdentityToken""#, "")
}

fn identity(text: &str) -> LoadedPolicy {
    policy("identity.json", PolicyKind::Identity, text)
}

fn scp(text: &str) -> LoadedPolicy {
    policy("scp.json", PolicyKind::Scp, text)
}

fn full_aws_access() -> LoadedPolicy {
    scp(&stmt("Allow", r#""*""#, ""))
}

fn rcp(text: &str) -> LoadedPolicy {
    policy("rcp.json", PolicyKind::Rcp, text)
}

/// A token request written flat, as the tests vary one field at a time.
#[derive(Clone, Default)]
struct Req {
    principal_arn: Option<String>,
    principal_tags: Vec<(String, String)>,
    audiences: Vec<String>,
    duration: Option<u32>,
    signing_algorithm: String,
    tags: Vec<(String, String)>,
    region: Option<String>,
    time: Option<mintlint::policy::value::date::Timestamp>,
    /// A VPC endpoint: (VPC, endpoint).
    endpoint: Option<(&'static str, &'static str)>,
    session_expiry: Option<mintlint::policy::value::date::Timestamp>,
    context: Vec<(String, mintlint::eval::ContextValue)>,
}

impl Req {
    fn build(self) -> Request {
        Request {
            principal_arn: self.principal_arn,
            principal_tags: self.principal_tags,
            tags: self.tags,
            region: self.region.as_deref().and_then(Region::parse).unwrap_or_default(),
            time: self.time,
            network: match self.endpoint {
                Some((vpc, vpce)) => Network::Endpoint { vpc: vpc.into(), vpce: vpce.into(), ip: None },
                None => Network::Public { ip: None },
            },
            session_expiry: self.session_expiry,
            context: self.context,
            ..Request::mint(Mint {
                audiences: self.audiences,
                duration: self.duration,
                signing_algorithm: self.signing_algorithm,
            })
        }
    }

    fn context(self, action: &str, a: &Assumptions) -> mintlint::eval::RequestContext {
        self.build().context(action, a)
    }
}

fn request() -> Req {
    Req {
        principal_arn: Some(ROLE.into()),
        audiences: vec!["https://api.partner.example".into()],
        signing_algorithm: "ES384".into(),
        region: Some("eu-west-1".into()),
        time: mintlint::policy::value::date::Timestamp::parse("2026-01-01T12:00:00Z"),
        ..Req::default()
    }
}

fn run(set: &PolicySet, r: Req) -> Simulation {
    simulate(set, &r.build(), &Assumptions::default(), None)
}

fn run_with(set: &PolicySet, r: Req, assume: &str) -> Simulation {
    let mut a = Assumptions::default();
    a.apply(assume).unwrap();
    simulate(set, &r.build(), &a, None)
}

/// The verdict and the layer of the first check that did not allow (or of the last check when all allow).
fn outcome(sim: &Simulation) -> (Verdict, Option<Layer>) {
    let layer = sim.checks.iter().find(|c| c.decision != Decision::Allow).or(sim.checks.last()).and_then(|c| c.layer);
    (sim.verdict.clone(), layer)
}

fn decided(d: Decision, layer: Layer) -> (Verdict, Option<Layer>) {
    (Verdict::Decided(d), Some(layer))
}

fn depends(sim: &Simulation) -> Vec<Setting> {
    sim.depends_on.iter().map(|d| d.setting).collect()
}

/// A set where every layer allows minting: identity, boundary, session, two SCP levels, an RCP.
fn everything_allows() -> PolicySet {
    PolicySet {
        identity: vec![identity(&allow_mint())],
        boundary: Some(policy("boundary.json", PolicyKind::Boundary, &allow_mint())),
        session: vec![policy("session.json", PolicyKind::Session, &allow_mint())],
        scp_levels: vec![vec![full_aws_access()], vec![full_aws_access()]],
        rcps: vec![rcp(&stmt("Allow", r#""*""#, r#""Principal": "*""#))],
        endpoint: Vec::new(),
        management_account: false,
    }
}

const DENY_MINT: &str = r#""sts:GetWebIdentityToken""#;

#[test]
fn every_layer_allowing_allows() {
    assert_eq!(outcome(&run(&everything_allows(), request())), decided(Decision::Allow, Layer::Identity));
}

/// §4.2 step 2: a matching Deny in any applicable policy decides, whichever layer it sits in.
#[test]
fn explicit_deny_in_each_layer_wins() {
    let deny = stmt("Deny", DENY_MINT, "");
    type AddDeny<'a> = Box<dyn Fn(&mut PolicySet) + 'a>;
    let cases: Vec<(Layer, AddDeny<'_>)> = vec![
        (Layer::Identity, Box::new(|s| s.identity.push(identity(&deny)))),
        (Layer::Boundary, Box::new(|s| s.boundary = Some(policy("b.json", PolicyKind::Boundary, &deny)))),
        (Layer::Session, Box::new(|s| s.session.push(policy("s.json", PolicyKind::Session, &deny)))),
        (Layer::Scp(0), Box::new(|s| s.scp_levels[0].push(scp(&deny)))),
        (Layer::Scp(1), Box::new(|s| s.scp_levels[1].push(scp(&deny)))),
        (Layer::Rcp, Box::new(|s| s.rcps.push(rcp(&stmt("Deny", DENY_MINT, r#""Principal": "*""#))))),
    ];
    for (layer, add) in cases {
        let mut set = everything_allows();
        add(&mut set);
        let sim = run(&set, request());
        assert_eq!(outcome(&sim), decided(Decision::ExplicitDeny, layer), "deny in {layer}");
        assert_eq!(sim.checks[0].statements.len(), 1, "the deciding Deny is reported");
        assert_eq!(sim.checks[0].statements[0].layer, layer);
    }
}

/// §4.2: an explicit Deny beats an implicit deny elsewhere (no identity Allow at all).
#[test]
fn explicit_deny_is_reported_over_a_missing_allow() {
    let set = PolicySet {
        identity: vec![identity(&stmt("Allow", r#""s3:GetObject""#, ""))],
        scp_levels: vec![vec![full_aws_access(), scp(&stmt("Deny", DENY_MINT, ""))]],
        ..PolicySet::default()
    };
    assert_eq!(outcome(&run(&set, request())), decided(Decision::ExplicitDeny, Layer::Scp(0)));
}

/// §4.2 step 4: every SCP level needs a matching Allow, the root (level 0) first.
#[test]
fn every_scp_level_needs_an_allow() {
    let deny_other = scp(&stmt("Deny", r#""s3:*""#, ""));
    let mut set = everything_allows();
    set.scp_levels[1] = vec![deny_other.clone()];
    assert_eq!(outcome(&run(&set, request())), decided(Decision::ImplicitDeny, Layer::Scp(1)));
    set.scp_levels[0] = vec![deny_other];
    assert_eq!(outcome(&run(&set, request())), decided(Decision::ImplicitDeny, Layer::Scp(0)), "root reported first");
    // An Allow that names the action (not FullAWSAccess) is enough at its level.
    set.scp_levels = vec![vec![scp(&stmt("Allow", r#"["sts:GetWebIdentityToken"]"#, ""))]];
    assert_eq!(outcome(&run(&set, request())).0, Verdict::Decided(Decision::Allow));
    // An SCP Allow with a condition allows only when it holds (full IAM language SCPs, §4.5).
    set.scp_levels = vec![vec![scp(&stmt(
        "Allow",
        r#""sts:*""#,
        r#""Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}"#,
    ))]];
    assert_eq!(outcome(&run(&set, request())), decided(Decision::ImplicitDeny, Layer::Scp(0)));
}

/// §4.2 order: SCPs are checked before the identity policies, so a missing SCP Allow is reported even when
/// the identity policy would not allow either.
#[test]
fn missing_scp_allow_is_reported_before_missing_identity_allow() {
    let set = PolicySet {
        identity: vec![identity(&stmt("Allow", r#""s3:*""#, ""))],
        scp_levels: vec![vec![scp(&stmt("Allow", r#""s3:*""#, ""))]],
        ..PolicySet::default()
    };
    assert_eq!(outcome(&run(&set, request())), decided(Decision::ImplicitDeny, Layer::Scp(0)));
}

/// §4.4: SCPs (and RCPs) do not apply to the management account.
#[test]
fn management_account_is_exempt_from_scps_and_rcps() {
    let mut set = everything_allows();
    set.scp_levels[0] = vec![scp(&stmt("Deny", DENY_MINT, ""))];
    set.scp_levels[1] = vec![];
    set.rcps.push(rcp(&stmt("Deny", DENY_MINT, r#""Principal": "*""#)));
    assert_eq!(outcome(&run(&set, request())).0, Verdict::Decided(Decision::ExplicitDeny));
    set.management_account = true;
    assert_eq!(outcome(&run(&set, request())), decided(Decision::Allow, Layer::Identity));
}

/// §4.2 step 4, §4.4: service-linked roles are not restricted by SCPs nor RCPs.
#[test]
fn service_linked_role_is_exempt_from_scps_and_rcps() {
    let mut set = everything_allows();
    set.scp_levels[1] = vec![scp(&stmt("Deny", DENY_MINT, ""))];
    set.rcps.push(rcp(&stmt("Deny", DENY_MINT, r#""Principal": "*""#)));
    let slr = Req {
        principal_arn: Some(
            "arn:aws:iam::111122223333:role/aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2"
                .into(),
        ),
        ..request()
    };
    assert_eq!(outcome(&run(&set, slr)), decided(Decision::Allow, Layer::Identity));
    // The identity-side layers still apply to it.
    set.identity = vec![identity(&stmt("Deny", DENY_MINT, ""))];
    set.scp_levels[1].clear();
    let slr = Req {
        principal_arn: Some("arn:aws:iam::111122223333:role/aws-service-role/x.amazonaws.com/Role".into()),
        ..request()
    };
    assert_eq!(outcome(&run(&set, slr)), decided(Decision::ExplicitDeny, Layer::Identity));
}

/// §4.2 step 3 and DESIGN §5: an RCP Deny decides when RCPs apply to minting (the default), and the result
/// says it depends on `rcp_applies_to_minting`.
#[test]
fn rcp_deny_and_its_assumption() {
    let mut set = everything_allows();
    set.rcps.push(rcp(&stmt(
        "Deny",
        DENY_MINT,
        r#""Principal": "*", "Condition": {"NumericGreaterThan": {"sts:DurationSeconds": "300"}}"#,
    )));
    let long = Req { duration: Some(900), ..request() };
    let sim = run(&set, long.clone());
    assert_eq!(outcome(&sim), decided(Decision::ExplicitDeny, Layer::Rcp));
    assert_eq!(depends(&sim), [Setting::RcpAppliesToMinting]);
    let sim = run_with(&set, long, "rcp_applies_to_minting=false");
    assert_eq!(outcome(&sim).0, Verdict::Decided(Decision::Allow));
    assert_eq!(depends(&sim), [Setting::RcpAppliesToMinting]);
    // Short lifetimes are not denied, and then nothing depends on the assumption.
    let sim = run(&set, Req { duration: Some(300), ..request() });
    assert_eq!(outcome(&sim).0, Verdict::Decided(Decision::Allow));
    assert!(depends(&sim).is_empty());
}

/// §4.2 step 7: a permissions boundary must allow too.
#[test]
fn boundary_must_allow() {
    let mut set = everything_allows();
    set.boundary = Some(policy("boundary.json", PolicyKind::Boundary, &stmt("Allow", r#""s3:*""#, "")));
    let sim = run(&set, request());
    assert_eq!(outcome(&sim), decided(Decision::ImplicitDeny, Layer::Boundary));
    // A boundary narrower than the identity policy: only some audiences.
    set.boundary = Some(policy(
        "boundary.json",
        PolicyKind::Boundary,
        &stmt(
            "Allow",
            r#""sts:*""#,
            r#""Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://api.partner.example"]}}"#,
        ),
    ));
    assert_eq!(outcome(&run(&set, request())).0, Verdict::Decided(Decision::Allow));
    let other = Req { audiences: vec!["https://other.example".into()], ..request() };
    let sim = run(&set, other);
    assert_eq!(outcome(&sim), decided(Decision::ImplicitDeny, Layer::Boundary));
    assert_eq!(sim.checks[0].near_misses.len(), 1, "the boundary Allow that failed a condition is reported");
}

/// §4.2 step 8: a session policy, when the session has one, must allow.
#[test]
fn session_policy_must_allow() {
    let mut set = everything_allows();
    set.session = vec![policy("session.json", PolicyKind::Session, &stmt("Allow", r#""s3:*""#, ""))];
    assert_eq!(outcome(&run(&set, request())), decided(Decision::ImplicitDeny, Layer::Session));
    set.session.clear();
    assert_eq!(outcome(&run(&set, request())).0, Verdict::Decided(Decision::Allow), "no session policy: no limit");
}

/// §4.2 step 6: without a matching identity Allow the request is implicitly denied by the identity layer.
#[test]
fn identity_must_allow() {
    let set = PolicySet { identity: vec![identity(&stmt("Allow", r#""sts:AssumeRole""#, ""))], ..PolicySet::default() };
    assert_eq!(outcome(&run(&set, request())), decided(Decision::ImplicitDeny, Layer::Identity));
}

/// §5.3: action names are case-insensitive and take `*`/`?` anywhere; NotAction grants everything else.
#[test]
fn action_matching_wildcards_and_not_action() {
    let allows = |action: &str, not: bool| {
        let element = if not { "NotAction" } else { "Action" };
        let text = format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "{element}": {action}, "Resource": "*"}}]}}"#
        );
        let set = PolicySet { identity: vec![identity(&text)], ..PolicySet::default() };
        run(&set, request()).verdict == Verdict::Decided(Decision::Allow)
    };
    for a in [
        r#""sts:GetWebIdentityToken""#,
        r#""STS:getwebidentitytoken""#,
        r#""sts:*""#,
        r#""*""#,
        r#""sts:Get*""#,
        r#""sts:*Token""#,
        r#""sts:Get?ebIdentityToken""#,
        r#"["s3:*", "sts:GetWebIdentity*"]"#,
    ] {
        assert!(allows(a, false), "Action {a} grants minting");
    }
    for a in [r#""sts:Tag*""#, r#""sts:GetWebIdentityTokens""#, r#""sts:AssumeRole""#, r#""s3:*""#] {
        assert!(!allows(a, false), "Action {a} does not grant minting");
    }
    for a in [r#""iam:*""#, r#"["s3:*", "sts:AssumeRole"]"#] {
        assert!(allows(a, true), "NotAction {a} grants minting");
    }
    for a in [r#""sts:*""#, r#""sts:GetWebIdentityToken""#, r#""*""#] {
        assert!(!allows(a, true), "NotAction {a} does not grant minting");
    }
    // A Deny with NotAction denies everything except the listed actions.
    let mut set = everything_allows();
    set.identity
        .push(identity(&stmt("Deny", r#""sts:GetWebIdentityToken""#, "").replace("\"Action\"", "\"NotAction\"")));
    assert_eq!(run(&set, request()).verdict, Verdict::Decided(Decision::Allow));
    set.identity.push(identity(&stmt("Deny", r#""s3:*""#, "").replace("\"Action\"", "\"NotAction\"")));
    assert_eq!(outcome(&run(&set, request())), decided(Decision::ExplicitDeny, Layer::Identity));
}

/// §2.1, §5.4: the minting actions have no resource type, so only `"Resource": "*"` matches (or a
/// NotResource that excludes something else); a specific ARN silently never matches under the default
/// `minting_resource` assumption.
#[test]
fn resource_star_and_not_resource() {
    let with_resource = |resource: &str| {
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", {resource}}}]}}"#
        )
    };
    let verdict = |text: &str| {
        let set = PolicySet { identity: vec![identity(text)], ..PolicySet::default() };
        run(&set, request())
    };
    assert!(verdict(&with_resource(r#""Resource": "*""#)).verdict.is_allow());
    assert!(verdict(&with_resource(r#""Resource": ["*"]"#)).verdict.is_allow());
    assert!(verdict(&with_resource(r#""NotResource": "arn:aws:s3:::*""#)).verdict.is_allow());
    assert!(!verdict(&with_resource(r#""NotResource": "*""#)).verdict.is_allow());
    let self_arn = verdict(&with_resource(r#""Resource": "arn:aws:sts::111122223333:self""#));
    assert_eq!(self_arn.verdict, Verdict::Decided(Decision::ImplicitDeny));
    assert_eq!(self_arn.checks[0].resource_misses.len(), 1, "the statement that names the action is reported");
    assert_eq!(depends(&self_arn), [Setting::MintingResource]);
    let set = PolicySet {
        identity: vec![identity(&with_resource(r#""Resource": "arn:aws:sts::111122223333:self""#))],
        ..PolicySet::default()
    };
    assert!(run_with(&set, request(), "minting_resource=self-arn").verdict.is_allow());
}

/// §2.1: with tags, the call is also authorized as `sts:TagGetWebIdentityToken`; both checks must allow.
#[test]
fn tags_make_two_checks_and_both_must_allow() {
    let tagged = Req { tags: vec![("job".into(), "nightly".into())], ..request() };
    let set = PolicySet { identity: vec![identity(&allow_mint())], ..PolicySet::default() };
    let sim = run(&set, tagged.clone());
    let actions: Vec<_> = sim.checks.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(actions, [MINT_ACTION, TAG_ACTION]);
    assert_eq!(sim.checks[0].decision, Decision::Allow);
    assert_eq!(sim.checks[1].decision, Decision::ImplicitDeny);
    assert_eq!(sim.verdict, Verdict::Decided(Decision::ImplicitDeny));
    assert!(sim.claims.is_none(), "no claims for a denied request");

    let set = PolicySet {
        identity: vec![identity(&stmt("Allow", r#"["sts:GetWebIdentityToken", "sts:TagGetWebIdentityToken"]"#, ""))],
        ..PolicySet::default()
    };
    assert!(run(&set, tagged.clone()).verdict.is_allow());
    // Untagged: one check only, so a tag Deny does not matter.
    let mut set = set;
    set.identity.push(identity(&stmt("Deny", r#""sts:TagGetWebIdentityToken""#, "")));
    assert_eq!(run(&set, request()).checks.len(), 1);
    assert!(run(&set, request()).verdict.is_allow());
    let sim = run(&set, tagged);
    assert_eq!(sim.checks[1].decision, Decision::ExplicitDeny);
    assert_eq!(sim.verdict, Verdict::Decided(Decision::ExplicitDeny));
}

/// §2.1 / §10.4: which keys the tag check sees is the assumption `tag_check_sees_sts_keys`.
#[test]
fn tag_check_sees_sts_keys_is_an_assumption() {
    let set = PolicySet {
        identity: vec![
            identity(&allow_mint()),
            identity(&stmt(
                "Allow",
                r#""sts:TagGetWebIdentityToken""#,
                r#""Condition": {"StringEquals": {"sts:SigningAlgorithm": "ES384"}}"#,
            )),
        ],
        ..PolicySet::default()
    };
    let tagged = Req { tags: vec![("job".into(), "nightly".into())], ..request() };
    let sim = run(&set, tagged.clone());
    assert!(sim.verdict.is_allow());
    assert_eq!(depends(&sim), [Setting::TagCheckSeesStsKeys]);
    let sim = run_with(&set, tagged, "tag_check_sees_sts_keys=false");
    assert_eq!(outcome(&sim), decided(Decision::ImplicitDeny, Layer::Identity));
    assert!(sim.absent_keys.contains(&"sts:signingalgorithm".to_owned()));
}

/// §2.2, §6.5, DESIGN §5: `sts:DurationSeconds` is in the context only when a duration is given (default
/// assumption `duration_key_when_omitted = absent`), so a cap without IfExists refuses omitted durations.
#[test]
fn duration_key_only_when_given() {
    let capped = |op: &str| {
        let cond = format!(r#""Condition": {{"{op}": {{"sts:DurationSeconds": "900"}}}}"#);
        PolicySet { identity: vec![identity(&stmt("Allow", DENY_MINT, &cond))], ..PolicySet::default() }
    };
    let strict = capped("NumericLessThanEquals");
    let sim = run(&strict, request());
    assert_eq!(outcome(&sim), decided(Decision::ImplicitDeny, Layer::Identity));
    assert_eq!(sim.absent_keys, ["sts:durationseconds"]);
    assert_eq!(depends(&sim), [Setting::DurationKeyWhenOmitted]);
    assert!(run_with(&strict, request(), "duration_key_when_omitted=default-300").verdict.is_allow());
    assert!(run(&strict, Req { duration: Some(900), ..request() }).verdict.is_allow());
    assert!(!run(&strict, Req { duration: Some(901), ..request() }).verdict.is_allow());

    let lenient = capped("NumericLessThanEqualsIfExists");
    let sim = run(&lenient, request());
    assert!(sim.verdict.is_allow());
    assert!(depends(&sim).is_empty(), "IfExists resolves the ambiguity (§2.2)");
    assert!(!run(&lenient, Req { duration: Some(3600), ..request() }).verdict.is_allow());
}

/// §2.2: `aws:TagKeys` and `aws:RequestTag/*` are in the context only when tags are given, so an Allow with
/// `ForAllValues:StringEquals aws:TagKeys` also allows untagged requests, and a Deny written with
/// `ForAllValues:StringNotEquals` fires on them (§6.4 footguns 1 and 4).
#[test]
fn tag_keys_only_when_tags_are_given() {
    let mut set = everything_allows();
    set.scp_levels[0].push(scp(&stmt(
        "Deny",
        r#""sts:*""#,
        r#""Condition": {"ForAllValues:StringNotEquals": {"aws:TagKeys": ["job"]}}"#,
    )));
    let sim = run(&set, request());
    assert_eq!(outcome(&sim), decided(Decision::ExplicitDeny, Layer::Scp(0)));
    assert_eq!(sim.absent_keys, ["aws:tagkeys"]);
    assert_eq!(depends(&sim), [Setting::ForAllValuesNegatedMissing]);
    // Rewritten with ForAnyValue the guard leaves untagged requests alone and still catches other keys.
    let mut set = everything_allows();
    set.identity[0] = identity(&stmt("Allow", r#""sts:*""#, ""));
    set.boundary = None;
    set.session.clear();
    set.scp_levels[0].push(scp(&stmt(
        "Deny",
        r#""sts:*""#,
        r#""Condition": {"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["job"]}}"#,
    )));
    assert!(run(&set, request()).verdict.is_allow());
    let ok = Req { tags: vec![("job".into(), "nightly".into())], ..request() };
    assert!(run(&set, ok).verdict.is_allow());
    let bad = Req { tags: vec![("job".into(), "x".into()), ("admin".into(), "true".into())], ..request() };
    assert_eq!(outcome(&run(&set, bad)), decided(Decision::ExplicitDeny, Layer::Scp(0)));
}

/// §1.2: parameters outside the API's limits are a validation error before authorization.
#[test]
fn api_validation_gives_invalid_request() {
    let set = PolicySet { identity: vec![identity(&stmt("Allow", r#""*""#, ""))], ..PolicySet::default() };
    let invalid = |r: Req| {
        let sim = run(&set, r);
        assert!(sim.checks.is_empty(), "no authorization check for an invalid request");
        match sim.verdict {
            Verdict::Invalid(InvalidRequest::Validation(reason)) => reason,
            other => panic!("expected invalid-request, got {}", other.name()),
        }
    };
    assert!(invalid(Req { duration: Some(59), ..request() }).contains("60-3600"));
    assert!(invalid(Req { duration: Some(3601), ..request() }).contains("60-3600"));
    assert!(invalid(Req { audiences: vec![], ..request() }).contains("audience"));
    assert!(invalid(Req { audiences: vec!["a".into(); 11], ..request() }).contains("at most 10"));
    assert!(invalid(Req { audiences: vec!["a".repeat(1001)], ..request() }).contains("1-1000"));
    assert!(invalid(Req { signing_algorithm: "HS256".into(), ..request() }).contains("RS256 or ES384"));
    assert!(invalid(Req { signing_algorithm: "es384".into(), ..request() }).contains("RS256 or ES384"));
    let many = (0..51).map(|i| (format!("k{i}"), "v".to_owned())).collect();
    assert!(invalid(Req { tags: many, ..request() }).contains("at most 50"));
    assert!(invalid(Req { tags: vec![("a".repeat(129), "v".into())], ..request() }).contains("tag key"));
    assert!(invalid(Req { tags: vec![("k".into(), "v".repeat(257))], ..request() }).contains("tag value"));
    // The limits themselves are valid.
    for r in [
        Req { duration: Some(60), ..request() },
        Req { duration: Some(3600), ..request() },
        Req { audiences: vec!["a".repeat(1000); 10], ..request() },
        Req { tags: vec![("k".repeat(128), String::new())], ..request() },
    ] {
        assert!(run(&set, r).verdict.is_allow());
    }
    assert_eq!(Verdict::Invalid(InvalidRequest::Validation(String::new())).name(), "invalid-request");
}

/// §1.4: a token that would outlive the caller's session is refused with SessionDurationEscalation; the
/// omitted duration counts as the 300 s default.
#[test]
fn session_expiry_gives_session_duration_escalation() {
    let set = PolicySet { identity: vec![identity(&allow_mint())], ..PolicySet::default() };
    let expiry = mintlint::policy::value::date::Timestamp::parse("2026-01-01T12:10:00Z");
    let sim = run(&set, Req { session_expiry: expiry, duration: Some(900), ..request() });
    assert!(matches!(sim.verdict, Verdict::Invalid(InvalidRequest::SessionDurationEscalation(_))));
    assert_eq!(sim.verdict.name(), "session-duration-escalation");
    assert!(run(&set, Req { session_expiry: expiry, duration: Some(600), ..request() }).verdict.is_allow());
    assert!(run(&set, Req { session_expiry: expiry, ..request() }).verdict.is_allow(), "300 s default fits");
    let soon = mintlint::policy::value::date::Timestamp::parse("2026-01-01T12:04:00Z");
    assert!(!run(&set, Req { session_expiry: soon, ..request() }).verdict.is_allow(), "300 s default does not");
}

/// §3: the claims preview of an allowed request.
#[test]
fn claims_preview() {
    let set = PolicySet { identity: vec![identity(&stmt("Allow", r#""sts:*""#, ""))], ..PolicySet::default() };
    let r = Req {
        audiences: vec!["https://a.example".into(), "https://b.example".into()],
        duration: Some(900),
        principal_tags: vec![("team".into(), "data".into())],
        tags: vec![("job".into(), "nightly".into())],
        context: vec![(
            "lambda:SourceFunctionArn".into(),
            mintlint::eval::ContextValue::Single("arn:aws:lambda:eu-west-1:111122223333:function:export".into()),
        )],
        ..request()
    };
    let sim = run(&set, r);
    let claims = sim.claims.unwrap();
    assert_eq!(claims["sub"], ROLE);
    assert_eq!(claims["aud"], serde_json::json!(["https://a.example", "https://b.example"]));
    assert_eq!(claims["iat"], 1_767_268_800);
    assert_eq!(claims["exp"], 1_767_268_800 + 900);
    assert!(claims["iss"].as_str().unwrap().ends_with(".tokens.sts.global.api.aws"));
    let aws = &claims["https://sts.amazonaws.com/"];
    assert_eq!(aws["aws_account"], "111122223333");
    assert_eq!(aws["source_region"], "eu-west-1");
    assert_eq!(aws["principal_tags"], serde_json::json!({"team": "data"}));
    assert_eq!(aws["request_tags"], serde_json::json!({"job": "nightly"}));
    assert_eq!(aws["lambda_source_function_arn"], "arn:aws:lambda:eu-west-1:111122223333:function:export");
    assert!(aws.get("org_id").is_none(), "claims appear only when their context exists");

    // One audience is a string; an omitted duration is the 300 s default.
    let sim = run(&set, request());
    let claims = sim.claims.unwrap();
    assert_eq!(claims["aud"], "https://api.partner.example");
    assert_eq!(claims["exp"], 1_767_268_800 + 300);
    let issuer = "https://00000000-1111-2222-3333-444444444444.tokens.sts.global.api.aws";
    let sim = simulate(&set, &request().build(), &Assumptions::default(), Some(issuer));
    assert_eq!(sim.claims.unwrap()["iss"], issuer);
}

/// §4.2 and DESIGN §2: the absent keys that a condition tested are listed, lower-cased.
#[test]
fn absent_keys_are_reported() {
    let set = PolicySet {
        identity: vec![identity(&stmt(
            "Allow",
            DENY_MINT,
            r#""Condition": {"StringEquals": {"aws:SourceVpc": "vpc-0abc"}}"#,
        ))],
        ..PolicySet::default()
    };
    let sim = run(&set, request());
    assert_eq!(sim.absent_keys, ["aws:sourcevpc"]);
    assert_eq!(sim.checks[0].near_misses.len(), 1);
    let via_vpc = Req { endpoint: Some(("vpc-0abc", "vpce-0abc")), ..request() };
    let sim = run(&set, via_vpc);
    assert!(sim.verdict.is_allow());
    assert!(sim.absent_keys.is_empty());
}

/// §3.5: the claims are built from the request context the evaluator decided on, so a `--context` override
/// of `aws:PrincipalArn` or of a principal tag shows in `sub` and `principal_tags` exactly as it was
/// evaluated.
#[test]
fn claims_follow_the_evaluated_context() {
    use mintlint::eval::ContextValue;
    let set = PolicySet {
        identity: vec![identity(&stmt(
            "Allow",
            DENY_MINT,
            r#""Condition": {"StringEquals": {"aws:PrincipalTag/team": "ops"}}"#,
        ))],
        ..PolicySet::default()
    };
    let r = Req {
        principal_tags: vec![("team".into(), "data".into()), ("env".into(), "prod".into())],
        context: vec![
            ("aws:PrincipalTag/team".into(), ContextValue::Single("ops".into())),
            ("aws:PrincipalArn".into(), ContextValue::Single("arn:aws:iam::111122223333:role/ops".into())),
        ],
        ..request()
    };
    let sim = run(&set, r);
    assert!(sim.verdict.is_allow());
    let claims = sim.claims.unwrap();
    assert_eq!(claims["sub"], "arn:aws:iam::111122223333:role/ops");
    assert_eq!(
        claims["https://sts.amazonaws.com/"]["principal_tags"],
        serde_json::json!({"team": "ops", "env": "prod"})
    );
}

/// §1.2: tag keys and values match `[\p{L}\p{Z}\p{N}_.:/=+\-@]`; a tab or newline is not a separator (\p{Z}).
#[test]
fn tag_pattern_rejects_control_characters() {
    let set = PolicySet { identity: vec![identity(&stmt("Allow", r#""*""#, ""))], ..PolicySet::default() };
    for (k, v) in [("a\tb", "v"), ("k", "line\nbreak"), ("k", "nul\u{0}")] {
        let sim = run(&set, Req { tags: vec![(k.into(), v.into())], ..request() });
        assert_eq!(sim.verdict.name(), "invalid-request", "tag {k:?}={v:?}");
    }
    for (k, v) in [("cost center", "a b"), ("équipe", "données"), ("k", "no\u{2003}break"), ("a:b/c=d+e-f@g_h.i", "")]
    {
        let sim = run(&set, Req { tags: vec![(k.into(), v.into())], ..request() });
        assert!(sim.verdict.is_allow(), "tag {k:?}={v:?}: {}", sim.verdict.name());
    }
}

/// DESIGN §2: the absent keys that were tested include the key of a policy variable that had no value, which
/// is why a `${aws:PrincipalTag/team}` guard fails for an untagged principal (reference §5.9).
#[test]
fn absent_policy_variable_keys_are_reported() {
    let set = PolicySet {
        identity: vec![identity(&stmt(
            "Allow",
            r#""sts:*""#,
            r#""Condition": {"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}"#,
        ))],
        ..PolicySet::default()
    };
    let tagged = Req { tags: vec![("team".into(), "data".into())], ..request() };
    let sim = run(&set, tagged.clone());
    assert!(!sim.verdict.is_allow());
    assert_eq!(sim.absent_keys, ["aws:principaltag/team"]);
    let sim = run(&set, Req { principal_tags: vec![("team".into(), "data".into())], ..tagged });
    assert!(sim.verdict.is_allow());
    assert!(sim.absent_keys.is_empty());
}

/// §4.7 (and §10.12): parameter validation comes before authorization (§1.2), but the session-duration
/// check is an API-level check after it: a request that policies deny is reported as denied, with the
/// deciding statements, even when its token would also outlive the session.
#[test]
fn authorization_comes_before_the_session_duration_check() {
    let set = PolicySet {
        identity: vec![identity(&stmt(
            "Allow",
            DENY_MINT,
            r#""Condition": {"NumericLessThanEquals": {"sts:DurationSeconds": "600"}}"#,
        ))],
        ..PolicySet::default()
    };
    let expiry = mintlint::policy::value::date::Timestamp::parse("2026-01-01T12:05:00Z");
    let sim = run(&set, Req { session_expiry: expiry, duration: Some(900), ..request() });
    assert_eq!(outcome(&sim), decided(Decision::ImplicitDeny, Layer::Identity));
    let sim = run(&set, Req { session_expiry: expiry, duration: Some(600), ..request() });
    assert_eq!(sim.verdict.name(), "session-duration-escalation");
    assert_eq!(sim.checks.len(), 1, "the authorization checks that passed are still reported");
    assert!(sim.claims.is_none(), "no token, no claims");
    // Invalid parameters are refused before any authorization check.
    let sim = run(&set, Req { session_expiry: expiry, duration: Some(30), ..request() });
    assert_eq!(sim.verdict.name(), "invalid-request");
    assert!(sim.checks.is_empty());
}

/// §2.3: for a role session `aws:PrincipalArn` is the role ARN, not the `assumed-role` session ARN, and
/// `aws:PrincipalType` is `AssumedRole`; the `sub` claim follows `aws:PrincipalArn` (§3.2).
#[test]
fn assumed_role_session_arn_becomes_the_role_arn() {
    let set = PolicySet {
        identity: vec![identity(&stmt(
            "Allow",
            DENY_MINT,
            r#""Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/payments"}, "StringEquals": {"aws:PrincipalType": "AssumedRole"}}"#,
        ))],
        ..PolicySet::default()
    };
    let session =
        Req { principal_arn: Some("arn:aws:sts::111122223333:assumed-role/payments/ci-job-42".into()), ..request() };
    let sim = run(&set, session.clone());
    assert!(sim.verdict.is_allow(), "{:?}", sim.checks);
    let claims = sim.claims.unwrap();
    assert_eq!(claims["sub"], ROLE);
    assert_eq!(claims["https://sts.amazonaws.com/"]["aws_account"], "111122223333");
    let ctx = session.context(MINT_ACTION, &Assumptions::default());
    assert_eq!(ctx.get("aws:PrincipalArn"), Some(&mintlint::eval::ContextValue::Single(ROLE.into())));
    // Other principal kinds keep their ARN and get their documented type.
    for (arn, kind) in [
        ("arn:aws:iam::111122223333:user/ops/alice", "User"),
        ("arn:aws:iam::111122223333:root", "Account"),
        ("arn:aws:sts::111122223333:federated-user/bob", "FederatedUser"),
    ] {
        let ctx = Req { principal_arn: Some(arn.into()), ..request() }.context(MINT_ACTION, &Assumptions::default());
        assert_eq!(ctx.get("aws:PrincipalArn"), Some(&mintlint::eval::ContextValue::Single(arn.into())));
        assert_eq!(ctx.get("aws:PrincipalType"), Some(&mintlint::eval::ContextValue::Single(kind.into())), "{arn}");
    }
}

/// §4.2 step 1: the account root user has full access without any identity policy; in a member account it
/// is still restricted by SCPs (and RCPs), and explicit denies still win.
#[test]
fn root_user_needs_no_identity_allow() {
    let root = Req { principal_arn: Some("arn:aws:iam::111122223333:root".into()), ..request() };
    let set = PolicySet::default();
    assert_eq!(outcome(&run(&set, root.clone())), decided(Decision::Allow, Layer::Identity));
    let set = PolicySet { scp_levels: vec![vec![full_aws_access()]], ..PolicySet::default() };
    assert!(run(&set, root.clone()).verdict.is_allow());
    let set = PolicySet { scp_levels: vec![vec![scp(&stmt("Allow", r#""s3:*""#, ""))]], ..PolicySet::default() };
    assert_eq!(outcome(&run(&set, root.clone())), decided(Decision::ImplicitDeny, Layer::Scp(0)));
    let set = PolicySet {
        scp_levels: vec![vec![full_aws_access(), scp(&stmt("Deny", DENY_MINT, ""))]],
        ..PolicySet::default()
    };
    assert_eq!(outcome(&run(&set, root.clone())), decided(Decision::ExplicitDeny, Layer::Scp(0)));
    // Only the root user: an IAM user or role still needs its Allow.
    let user = Req { principal_arn: Some("arn:aws:iam::111122223333:user/root".into()), ..request() };
    assert_eq!(outcome(&run(&PolicySet::default(), user)), decided(Decision::ImplicitDeny, Layer::Identity));
}

/// §4.2 step 8: a federated-user session (GetFederationToken) created without a session policy has no
/// permissions, whatever the IAM user's policies allow; with one, the session policy must allow.
#[test]
fn federated_user_session_needs_a_session_policy() {
    let federated = Req { principal_arn: Some("arn:aws:sts::111122223333:federated-user/bob".into()), ..request() };
    let mut set = PolicySet { identity: vec![identity(&allow_mint())], ..PolicySet::default() };
    assert_eq!(outcome(&run(&set, federated.clone())), decided(Decision::ImplicitDeny, Layer::Session));
    set.session = vec![policy("session.json", PolicyKind::Session, &allow_mint())];
    assert!(run(&set, federated).verdict.is_allow());
    // A role session without a session policy is not limited by one.
    set.session.clear();
    assert!(run(&set, request()).verdict.is_allow());
}

/// IAM User Guide, "Policy variables with no value": a variable whose key the request lacks is null, and
/// "inverted condition operators like `StringNotEquals` or `StringNotLike` do match against a null value"
/// (its example: "Access is explicitly denied when `aws:principaltag/Team` is not set"). The same page's
/// note, "If AWS cannot resolve a variable this might cause the entire statement to be invalid", is the
/// alternative: both outcomes, and the decision says it depends on `unresolved_variable`.
#[test]
fn unresolved_variable_in_a_negated_operator_is_flagged() {
    let deny = identity(&stmt(
        "Deny",
        DENY_MINT,
        r#""Condition": {"StringNotEquals": {"sts:SigningAlgorithm": "${aws:PrincipalTag/alg}"}}"#,
    ));
    let set = PolicySet { identity: vec![identity(&allow_mint()), deny], ..PolicySet::default() };
    let sim = run(&set, request());
    assert_eq!(outcome(&sim), decided(Decision::ExplicitDeny, Layer::Identity));
    assert_eq!(depends(&sim), [Setting::UnresolvedVariable]);
    assert_eq!(sim.depends_on[0].alternative_verdict, Verdict::Decided(Decision::Allow));
    assert!(sim.absent_keys.iter().any(|k| k == "aws:principaltag/alg"), "{:?}", sim.absent_keys);
    let void = run_with(&set, request(), "unresolved_variable=invalid-statement");
    assert!(void.verdict.is_allow());
    assert_eq!(depends(&void), [Setting::UnresolvedVariable]);
    // With the tag set, the variable resolves: no assumption is involved.
    let tagged = Req { principal_tags: vec![("alg".into(), "ES384".into())], ..request() };
    let sim = run(&set, tagged);
    assert!(sim.verdict.is_allow());
    assert!(depends(&sim).is_empty());
}

/// A negated operator with a value it cannot read: Access Analyzer reports the value ("Type mismatch
/// number: Add a valid numeric value for the condition operator", a general warning, so the policy is
/// accepted) and AWS documents no run-time effect: `negated_unreadable_value`, both outcomes.
#[test]
fn negated_operator_with_an_unreadable_value_is_flagged() {
    let allow =
        identity(&stmt("Allow", DENY_MINT, r#""Condition": {"NumericNotEquals": {"sts:DurationSeconds": "abc"}}"#));
    let set = PolicySet { identity: vec![allow], ..PolicySet::default() };
    let with_duration = Req { duration: Some(300), ..request() };
    let sim = run(&set, with_duration.clone());
    assert!(sim.verdict.is_allow());
    assert_eq!(depends(&sim), [Setting::NegatedUnreadableValue]);
    assert_eq!(sim.depends_on[0].alternative_verdict, Verdict::Decided(Decision::ImplicitDeny));
    let strict = run_with(&set, with_duration, "negated_unreadable_value=false");
    assert_eq!(outcome(&strict), decided(Decision::ImplicitDeny, Layer::Identity));
    // Without the key the missing-key rule decides first (negated: true), whatever the value.
    let sim = run(&set, request());
    assert!(sim.verdict.is_allow());
    assert!(!depends(&sim).contains(&Setting::NegatedUnreadableValue));
}

/// Access Analyzer, "Null with qualifier": "When you use the `Null` condition operator with `ForAllValues`,
/// the statement always returns `true`. When you use the `Null` condition operator with `ForAnyValue`, the
/// statement always returns `false`." Documented, so decided without an assumption.
#[test]
fn null_with_a_set_qualifier_is_documented() {
    let with = |condition: &str| {
        let set = PolicySet {
            identity: vec![identity(&stmt("Allow", DENY_MINT, &format!(r#""Condition": {condition}"#)))],
            ..PolicySet::default()
        };
        run(&set, request())
    };
    let any = with(r#"{"ForAnyValue:Null": {"sts:IdentityTokenAudience": "false"}}"#);
    assert_eq!(outcome(&any), decided(Decision::ImplicitDeny, Layer::Identity));
    assert!(depends(&any).is_empty());
    let all = with(r#"{"ForAllValues:Null": {"sts:IdentityTokenAudience": "true"}}"#);
    assert!(all.verdict.is_allow());
    assert!(depends(&all).is_empty());
}

/// IAM refuses a wildcard in an action's service prefix when the policy is created ("MalformedPolicyDocument:
/// Action vendors (e.g., aws, ec2, etc.) must not contain wildcards"; the Action element page documents
/// wildcards in the action name only). Such a document is refused with a finding, never judged.
#[test]
fn wildcard_in_the_service_prefix_is_refused() {
    let problems = |action: &str, element: &str| {
        let text = format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "{element}": {action}, "Resource": "*"}}]}}"#
        );
        let json = parse(&text, &Limits::default()).unwrap();
        parse_policy(&json, PolicyKind::Identity).problems.into_iter().map(|p| p.message).collect::<Vec<_>>()
    };
    for action in [r#""*:GetWebIdentityToken""#, r#""s?s:GetWebIdentityToken""#, r#"["sts:Get*", "st*:*"]"#] {
        for element in ["Action", "NotAction"] {
            let found = problems(action, element);
            assert_eq!(found.len(), 1, "{element} {action}: {found:?}");
            assert!(found[0].contains("holds a wildcard: IAM rejects the policy"), "{found:?}");
        }
    }
    for action in [r#""*""#, r#""sts:*""#, r#""sts:Get*Token""#, r#""sts:Get?ebIdentityToken""#] {
        assert!(problems(action, "Action").is_empty(), "{action}");
    }
}

/// IAM User Guide, "Principal": "You must use the `Principal` element in resource-based policies": a
/// resource policy statement without one is refused, never read as applying to everyone.
#[test]
fn resource_policy_statement_needs_a_principal() {
    let problems = |text: &str, kind: PolicyKind| {
        let json = parse(text, &Limits::default()).unwrap();
        parse_policy(&json, kind).problems.into_iter().map(|p| p.message).collect::<Vec<_>>()
    };
    let without =
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#;
    assert_eq!(problems(without, PolicyKind::Resource), ["a statement of a resource-based policy has no `Principal`"]);
    assert!(problems(without, PolicyKind::Identity).is_empty());
    let with = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}"#;
    assert!(problems(with, PolicyKind::Resource).is_empty());
}

/// Reference §4.4: a call through a VPC endpoint whose policy is given is authorized by that policy too: an
/// explicit deny there wins, and without an Allow there the request is implicitly denied at that layer.
#[test]
fn vpc_endpoint_policy_must_allow() {
    let endpoint = |effect: &str, action: &str| {
        policy("endpoint.json", PolicyKind::Resource, &stmt(effect, action, r#""Principal": "*""#))
    };
    let with = |endpoint: Vec<LoadedPolicy>| PolicySet {
        identity: vec![identity(&allow_mint())],
        endpoint,
        ..PolicySet::default()
    };
    assert!(run(&with(Vec::new()), request()).verdict.is_allow(), "no endpoint policy restricts nothing");
    assert!(run(&with(vec![endpoint("Allow", r#""sts:*""#)]), request()).verdict.is_allow());
    assert_eq!(
        outcome(&run(&with(vec![endpoint("Allow", r#""sts:GetCallerIdentity""#)]), request())),
        decided(Decision::ImplicitDeny, Layer::Endpoint)
    );
    let denying = vec![endpoint("Allow", r#""*""#), endpoint("Deny", DENY_MINT)];
    assert_eq!(outcome(&run(&with(denying), request())), decided(Decision::ExplicitDeny, Layer::Endpoint));
}
