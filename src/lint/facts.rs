//! What the rules ask about each statement, worked out once per document: the compiled statement (the
//! evaluator's action matcher and conditions), whether it is a minting grant, and the service-reference entry
//! of each condition key. Rules read these instead of compiling or looking anything up again, so a corpus of
//! thousands of policies costs one compile and one key lookup per statement and clause.

use crate::eval::condition::CompiledClause;
use crate::eval::{Assumptions, CompiledStatement, RequestContext, RequestResource};
use crate::policy::{ActionClause, ConditionClause, Effect, Policy, PolicyKind, Statement};
use crate::service::{KeyInfo, ServiceReference};

/// The action every token request is authorized as.
pub const MINT_ACTION: &str = "sts:GetWebIdentityToken";
/// The second action a token request with `Tags` is authorized as.
pub const TAG_ACTION: &str = "sts:TagGetWebIdentityToken";

pub const AUDIENCE_KEY: &str = "sts:identitytokenaudience";
pub const DURATION_KEY: &str = "sts:durationseconds";
pub const ALGORITHM_KEY: &str = "sts:signingalgorithm";
pub const TAG_KEYS_KEY: &str = "aws:tagkeys";
pub const REQUEST_TAG_PREFIX: &str = "aws:requesttag/";

/// Facts about every statement of every policy in a document, in policy and statement order.
pub struct DocumentFacts {
    pub policies: Vec<Vec<StatementFacts>>,
}

impl DocumentFacts {
    pub fn new<'a>(policies: impl Iterator<Item = (&'a Policy, PolicyKind)>) -> DocumentFacts {
        let empty = empty_context();
        DocumentFacts {
            policies: policies
                .map(|(p, kind)| {
                    p.statements
                        .iter()
                        .enumerate()
                        .map(|(i, s)| {
                            let mut facts = StatementFacts::new(i, s, &empty);
                            // Boundaries, session policies, SCPs and RCPs only limit, and resource-based and
                            // trust policies are read for what they restrict: an Allow in them grants nothing
                            // by itself, so the token rules (which judge grants) do not read them. A statement
                            // with template placeholders is not judged as a grant either: what it grants is
                            // not known until the template is filled.
                            facts.can_grant = kind.by_content(p).can_grant() && s.placeholders.is_empty();
                            facts
                        })
                        .collect()
                })
                .collect(),
        }
    }
}

pub struct StatementFacts {
    pub compiled: CompiledStatement,
    /// Whether an Allow here grants anything: true for identity policies (and loose files), false for the
    /// policy types that only limit (permissions boundary, session policy, SCP, RCP).
    pub can_grant: bool,
    /// Applies to a `sts:GetWebIdentityToken` request, whatever the effect: its action matches (directly, by
    /// wildcard or through `NotAction`) and its resource admits the request's resource, `*` (the minting
    /// actions have no resource type; a `sts:*` grant on role ARNs is an AssumeRole grant, not a minting one).
    pub covers_mint: bool,
    /// Applies to a `sts:TagGetWebIdentityToken` request, whatever the effect.
    pub covers_tag: bool,
    /// An `Action` entry names `sts:GetWebIdentityToken` without a wildcard.
    pub names_mint: bool,
    /// An `Action` entry names `sts:TagGetWebIdentityToken` without a wildcard.
    pub names_tag: bool,
    /// The reference entry of each condition clause's key, in clause order (`None`: no service has it).
    pub keys: Vec<Option<KeyInfo<'static>>>,
    /// What the service reference knows of each `Action`/`NotAction` entry, in entry order.
    pub actions: Vec<ActionStatus>,
    /// Lower-cased keys that every `Resource` entry substitutes as a policy variable without a default: a
    /// request without them matches no resource, so the statement requires them.
    pub resource_variables: Vec<Box<str>>,
}

impl StatementFacts {
    /// `empty`: a request without keys ([`empty_context`]), built once per document.
    fn new(index: usize, statement: &Statement, empty: &RequestContext) -> StatementFacts {
        let compiled = CompiledStatement::compile(index, statement);
        let reference = ServiceReference::get();
        let named = |action: &str| match &statement.action.node {
            ActionClause::Action(patterns) => {
                patterns.iter().any(|p| !p.node.has_wildcard() && p.node.as_str().eq_ignore_ascii_case(action))
            }
            ActionClause::NotAction(_) => false,
        };
        StatementFacts {
            can_grant: true,
            covers_mint: compiled.matches_action(MINT_ACTION)
                && compiled.matches_resource(empty, &crate::eval::Assumptions::default()),
            covers_tag: compiled.matches_action(TAG_ACTION)
                && compiled.matches_resource(empty, &crate::eval::Assumptions::default()),
            names_mint: named(MINT_ACTION),
            names_tag: named(TAG_ACTION),
            keys: statement.conditions.iter().map(|c| condition_key_cached(reference, c.key.node.lower())).collect(),
            resource_variables: resource_variables(statement),
            actions: statement
                .action
                .node
                .patterns()
                .iter()
                .map(|p| ActionStatus::cached(reference, &p.node))
                .collect(),
            compiled,
        }
    }

    pub fn is_allow(&self) -> bool {
        self.compiled.effect == Effect::Allow
    }

    /// An Allow that grants minting: the statements the token rules judge.
    pub fn grants_mint(&self) -> bool {
        self.is_allow() && self.covers_mint && self.can_grant
    }

    /// An Allow that grants the tag permission of a token request.
    pub fn grants_tag(&self) -> bool {
        self.is_allow() && self.covers_tag && self.can_grant
    }

    /// The compiled clauses on one key (lower-cased), with their index in the statement.
    pub fn clauses_on<'a>(&'a self, lower_key: &'a str) -> impl Iterator<Item = (usize, &'a CompiledClause)> + 'a {
        self.compiled.clauses.iter().enumerate().filter(move |(_, c)| &*c.key == lower_key)
    }

    pub fn has_clause_on(&self, lower_key: &str) -> bool {
        self.clauses_on(lower_key).next().is_some()
    }

    /// Whether the statement applies only when `lower_key` is present: some clause on the key is false when
    /// the key is absent (e.g. `"Null": {key: "false"}`, a plain `StringEquals`, `ForAnyValue:`). Asks the
    /// evaluator with a request that carries no keys at all.
    pub fn requires_presence(&self, lower_key: &str, assumptions: &Assumptions) -> bool {
        if self.resource_variables.iter().any(|k| &**k == lower_key) {
            return true;
        }
        let empty = empty_context();
        self.clauses_on(lower_key).any(|(_, c)| !c.evaluate(&empty, assumptions, &mut |_| {}))
    }
}

/// Keys a statement substitutes as policy variables without a default where a missing value makes the
/// statement fail: in every `Resource` entry (a request without the key matches no resource), or in every
/// value of a positive condition that is false without a value (nothing equals or is like null).
fn resource_variables(statement: &Statement) -> Vec<Box<str>> {
    fn required_by<'t>(templates: impl Iterator<Item = &'t crate::policy::Template>) -> Option<Vec<Box<str>>> {
        let mut keys: Option<Vec<Box<str>>> = None;
        for template in templates {
            let here: Vec<Box<str>> = template
                .variables()
                .filter(|v| v.default.is_none())
                .map(|v| v.key.to_ascii_lowercase().into_boxed_str())
                .collect();
            match &mut keys {
                None => keys = Some(here),
                Some(keys) => keys.retain(|k| here.contains(k)),
            }
        }
        keys
    }
    let mut required = Vec::new();
    if let Some(crate::policy::ResourceClause::Resource(entries)) = statement.resource.as_ref().map(|r| &r.node) {
        required.extend(required_by(entries.iter().map(|e| &e.node)).unwrap_or_default());
    }
    for clause in &statement.conditions {
        let op = clause.operator.node;
        let fails_without_value =
            !op.kind.is_negated() && !op.if_exists && op.set != Some(crate::policy::SetOp::ForAllValues);
        if fails_without_value && op.kind.takes_variables() {
            required.extend(required_by(clause.values.iter().map(|v| &v.node.template)).unwrap_or_default());
        }
    }
    required
}

/// FNV-1a: the run-wide caches below are keyed by short strings (action and key names), where std's SipHash
/// costs more than the lookup it saves; these keys come from the policies, but a collision only costs time.
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

type FastMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

/// [`crate::service::ActionInfo::has_own_key`] remembered per action and key for the run: the same pairs
/// recur across a corpus, and resolving an action's key list is the costly part of `unknown-condition-key`.
/// Keyed by the lower-cased key, then the action's identity in the reference; a hit allocates nothing.
fn has_own_key_cached(action: &crate::service::ActionInfo<'_>, key: &str) -> bool {
    type Seen = FastMap<Box<str>, FastMap<(usize, usize), bool>>;
    thread_local! {
        static SEEN: std::cell::RefCell<(Seen, String)> = std::cell::RefCell::new((Seen::default(), String::new()));
    }
    SEEN.with(|cell| {
        let (seen, lower) = &mut *cell.borrow_mut();
        lower.clear();
        lower.extend(key.chars().map(|c| c.to_ascii_lowercase()));
        let id = action.id();
        if let Some(known) = seen.get(lower.as_str()).and_then(|per_action| per_action.get(&id)) {
            return *known;
        }
        let known = action.has_own_key(key);
        seen.entry(lower.as_str().into()).or_default().insert(id, known);
        known
    })
}

/// [`ServiceReference::condition_key`] remembered per (lower-cased) key for the run: a key not in the
/// reference verbatim (`aws:ResourceTag/team`) is matched against every template.
fn condition_key_cached(reference: &'static ServiceReference, lower_key: &str) -> Option<KeyInfo<'static>> {
    thread_local! {
        static SEEN: std::cell::RefCell<FastMap<Box<str>, Option<KeyInfo<'static>>>> =
            std::cell::RefCell::new(FastMap::default());
    }
    SEEN.with(|seen| {
        if let Some(known) = seen.borrow().get(lower_key) {
            return *known;
        }
        let mut info = reference.condition_key(lower_key);
        if let Some(info) = info.as_mut().filter(|_| super::provider_keys::is_multivalued_provider_key(lower_key)) {
            info.ty = crate::service::KeyType::ArrayOfString;
        }
        seen.borrow_mut().insert(lower_key.into(), info);
        info
    })
}

/// Remember a "did you mean" per text for the run: unknown entries (a retired service's actions) repeat
/// across policies, and each suggestion scans every service or action name.
pub fn suggestion_cached(kind: u8, text: &str, suggest: impl FnOnce() -> Option<String>) -> Option<String> {
    type Suggestions = FastMap<(u8, Box<str>), Option<String>>;
    thread_local! {
        static SEEN: std::cell::RefCell<Suggestions> = std::cell::RefCell::new(Suggestions::default());
    }
    SEEN.with(|seen| {
        if let Some(known) = seen.borrow().get(&(kind, Box::from(text))) {
            return known.clone();
        }
        let found = suggest();
        seen.borrow_mut().insert((kind, text.into()), found.clone());
        found
    })
}

/// What the service reference knows of one `Action`/`NotAction` entry. Looked up once per entry, then read
/// by `unknown-action` and `unknown-service-prefix`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionStatus {
    /// `*`, a known action, or a pattern matching at least one.
    Known,
    /// No service has the prefix (or, for a prefix with wildcards, no service matches it).
    UnknownService,
    /// The service exists but has no such action (no action matches the pattern).
    UnknownAction,
}

impl ActionStatus {
    /// [`ActionStatus::of`], remembered per pattern text for the run when the entry has a wildcard (matching
    /// one globs a service's action names). An entry without one is two hash lookups in the reference, cheaper
    /// than the cache (AWS policies have tens of thousands of distinct action texts).
    fn cached(reference: &ServiceReference, action: &crate::policy::ActionPattern) -> ActionStatus {
        if !action.has_wildcard() {
            return ActionStatus::of(reference, action);
        }
        thread_local! {
            static SEEN: std::cell::RefCell<FastMap<Box<str>, ActionStatus>> =
                std::cell::RefCell::new(FastMap::default());
        }
        SEEN.with(|seen| {
            if let Some(status) = seen.borrow().get(action.as_str()) {
                return *status;
            }
            let status = ActionStatus::of(reference, action);
            seen.borrow_mut().insert(action.as_str().into(), status);
            status
        })
    }

    fn of(reference: &ServiceReference, action: &crate::policy::ActionPattern) -> ActionStatus {
        let (Some(service), Some(name)) = (action.service(), action.name()) else { return ActionStatus::Known };
        if crate::policy::wildcard::has_wildcard(service) {
            let matched = reference.actions_matching(action.as_str()).next().is_some()
                || reference.services().any(|s| crate::policy::wildcard::matches(service, s.prefix, true));
            return if matched { ActionStatus::Known } else { ActionStatus::UnknownService };
        }
        let known = if action.has_wildcard() {
            reference.actions_matching(action.as_str()).next().is_some()
        } else {
            reference.action(service, name).is_some()
        };
        if known {
            ActionStatus::Known
        } else if reference.has_service(service) {
            ActionStatus::UnknownAction
        } else {
            ActionStatus::UnknownService
        }
    }
}

/// A request that carries no condition keys: what a clause sees when its key is absent.
pub fn empty_context() -> RequestContext {
    RequestContext::new(MINT_ACTION, RequestResource::Star)
}

/// Whether a clause holds when its key is absent (asks the evaluator).
pub fn holds_when_absent(clause: &CompiledClause, assumptions: &Assumptions) -> bool {
    clause.evaluate(&empty_context(), assumptions, &mut |_| {})
}

/// The clauses sharing one operator element (`"StringLike": {k1: ..., k2: ...}`): a fix that rewrites the
/// operator text rewrites them all.
pub fn operator_siblings<'a>(
    statement: &'a Statement,
    clause: &'a ConditionClause,
) -> impl Iterator<Item = &'a ConditionClause> + 'a {
    statement.conditions.iter().filter(move |c| c.operator.span == clause.operator.span)
}

/// Whether the statement already has an operator element spelled `text` (a rename onto it would write the
/// operator twice, and the later one would silently win).
pub fn has_operator_text(statement: &Statement, text: &str) -> bool {
    statement.conditions.iter().any(|c| c.operator.node.to_string() == text)
}

/// `"text"`: a JSON string literal for a fix replacement.
pub fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("\"{text}\""))
}

/// The actions a statement's `Action` element names or matches, from the service reference. `None` when the
/// statement covers every action (`*`, or `NotAction`), and then every key is carried by some action.
/// Entries with an unknown service or name contribute nothing (rules `unknown-action` and
/// `unknown-service-prefix` report them).
pub fn listed_actions<'s>(statement: &'s Statement) -> Option<Vec<crate::service::ActionInfo<'s>>> {
    let ActionClause::Action(patterns) = &statement.action.node else { return None };
    if patterns.iter().any(|p| p.node.is_any() || p.node.service().is_some_and(crate::policy::wildcard::has_wildcard)) {
        return None;
    }
    let reference = ServiceReference::get();
    let mut actions = Vec::new();
    for pattern in patterns {
        if pattern.node.has_wildcard() {
            actions.extend(reference.actions_matching(pattern.node.as_str()));
        } else if let Some(action) = reference.find_action(pattern.node.as_str()) {
            actions.push(action);
        }
    }
    Some(actions)
}

/// Whether a request for `action` carries `key`. The tag check of a token request is an open question
/// (reference §10.4): under `tag_check_sees_sts_keys` it also carries the minting request's keys.
///
/// Callers ask only about keys that are not global (a global key is carried by every request), so only the
/// action's own keys are consulted.
pub fn carries_key(action: &crate::service::ActionInfo<'_>, key: &str, assumptions: &Assumptions) -> bool {
    if has_own_key_cached(action, key) {
        return true;
    }
    let tag_check =
        action.service.eq_ignore_ascii_case("sts") && action.name.eq_ignore_ascii_case("TagGetWebIdentityToken");
    tag_check
        && assumptions.tag_check_sees_sts_keys
        && ServiceReference::get().action("sts", "GetWebIdentityToken").is_some_and(|mint| mint.supports_key(key))
}

/// Keys every token request carries (required API parameters) or every request carries at all: a guard on
/// them cannot be bypassed by leaving them out.
pub fn always_present(lower_key: &str) -> bool {
    matches!(
        lower_key,
        AUDIENCE_KEY
            | ALGORITHM_KEY
            | "aws:currenttime"
            | "aws:epochtime"
            | "aws:securetransport"
            | "aws:requestedregion"
            | "aws:principalarn"
            | "aws:principalaccount"
            | "aws:principaltype"
            | "aws:principalisawsservice"
            | "aws:userid"
            | "aws:viaawsservice"
    )
}

/// Keys AWS documents as absent from some requests, where the absence is the caller's (or the principal's)
/// situation rather than "nothing was requested": a guard that passes when they are absent can be bypassed.
/// Service-specific keys are not listed: AWS does not document when most of them are present.
pub fn absent_from_some_requests(lower_key: &str) -> bool {
    matches!(
        lower_key,
        "aws:sourcevpc"
            | "aws:sourcevpce"
            | "aws:sourcevpcarn"
            | "aws:vpcsourceip"
            | "aws:sourceip"
            | "aws:multifactorauthpresent"
            | "aws:multifactorauthage"
            | "aws:principalorgid"
            | "aws:principalorgpaths"
            | "aws:ec2instancesourcevpc"
            | "aws:ec2instancesourceprivateipv4"
            | "ec2:sourceinstancearn"
            | "ec2:roledelivery"
            | "aws:sourceidentity"
            | "aws:federatedprovider"
            | "aws:tokenissuetime"
            | DURATION_KEY
    ) || lower_key.starts_with("aws:principaltag/")
}

/// The network guard keys (a request's source VPC, VPC endpoint or IP).
pub fn is_network_key(lower_key: &str) -> bool {
    matches!(lower_key, "aws:sourcevpc" | "aws:sourcevpce" | "aws:sourcevpcarn" | "aws:sourceip" | "aws:vpcsourceip")
}

/// `DurationSeconds` is an integer from 60 to 3600 (reference §1.2): the integers next to each constant, the
/// default and the ends represent every region the constants cut that range into.
pub fn duration_representatives(constants: &[f64]) -> Vec<i64> {
    let mut out = vec![60, 300, 3600];
    for c in constants {
        if !c.is_finite() {
            continue;
        }
        #[expect(clippy::cast_possible_truncation, reason = "clamped to a small range first")]
        let (floor, ceil) = (c.floor().clamp(0.0, 4000.0) as i64, c.ceil().clamp(0.0, 4000.0) as i64);
        out.extend([floor - 1, floor, ceil, ceil + 1]);
    }
    out.retain(|d| (60..=3600).contains(d));
    out.sort_unstable();
    out.dedup();
    out
}

/// The span a token finding points at: the `Action` entry that grants minting (the first that matches
/// it), or the whole `NotAction` element.
pub fn mint_grant_span(statement: &Statement, action: &str) -> crate::source::Span {
    match &statement.action.node {
        ActionClause::Action(patterns) => patterns
            .iter()
            .find(|p| crate::policy::wildcard::matches(p.node.as_str(), action, true))
            .map_or(statement.action.span, |p| p.span),
        ActionClause::NotAction(_) => statement.action.span,
    }
}

/// The longest lifetime a minting Allow admits, asking the evaluator for each representative duration: its
/// own clauses on `sts:DurationSeconds` must hold, and no unconditional-but-for-duration Deny of the same
/// policy may fire. `None` when no duration passes (the statement is `unsatisfiable-statement`'s).
pub fn max_admitted_duration(
    allow: &StatementFacts,
    denies: &[&StatementFacts],
    assumptions: &Assumptions,
) -> Option<i64> {
    let mut constants: Vec<f64> = Vec::new();
    for facts in std::iter::once(&allow).chain(denies) {
        for (_, clause) in facts.clauses_on(DURATION_KEY) {
            if let crate::eval::condition::ClauseValues::Numbers(values) = &clause.values {
                constants.extend(values.iter().flatten().map(|n| n.value()));
            }
        }
    }
    let mut ctx = empty_context();
    duration_representatives(&constants).into_iter().rev().find(|d| {
        ctx.insert_single(DURATION_KEY, &d.to_string());
        let allowed = allow.clauses_on(DURATION_KEY).all(|(_, c)| c.evaluate(&ctx, assumptions, &mut |_| {}));
        let denied =
            denies.iter().any(|deny| deny.compiled.clauses.iter().all(|c| c.evaluate(&ctx, assumptions, &mut |_| {})));
        allowed && !denied
    })
}

/// Deny statements of a policy that can cap minting by lifetime alone: they cover the minting action and
/// every condition they have is on `sts:DurationSeconds`.
pub fn duration_denies(policy: &[StatementFacts]) -> Vec<&StatementFacts> {
    policy
        .iter()
        .filter(|f| {
            !f.is_allow()
                && f.covers_mint
                && !f.compiled.clauses.is_empty()
                && f.compiled.clauses.iter().all(|c| &*c.key == DURATION_KEY)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{PolicyKind, parse_policy};
    use crate::source::json::{Limits, parse};

    fn facts(statement: &str) -> StatementFacts {
        let text = format!(r#"{{"Version": "2012-10-17", "Statement": [{statement}]}}"#);
        let json = parse(&text, &Limits::default()).unwrap();
        let policy = parse_policy(&json, PolicyKind::Unknown).policy.unwrap();
        StatementFacts::new(0, &policy.statements[0], &empty_context())
    }

    #[test]
    fn minting_grants_need_the_action_and_a_resource_admitting_star() {
        assert!(facts(r#"{"Effect": "Allow", "Action": "sts:Get*", "Resource": "*"}"#).grants_mint());
        assert!(facts(r#"{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}"#).grants_mint());
        let on_roles = facts(r#"{"Effect": "Allow", "Action": "sts:*", "Resource": "arn:aws:iam::1:role/x"}"#);
        assert!(!on_roles.grants_mint() && !on_roles.covers_mint);
        let tag_only = facts(r#"{"Effect": "Allow", "Action": "sts:TagGetWebIdentityToken", "Resource": "*"}"#);
        assert!(!tag_only.grants_mint() && tag_only.grants_tag());
        assert!(!facts(r#"{"Effect": "Deny", "Action": "*", "Resource": "*"}"#).grants_mint());
    }

    #[test]
    fn presence_is_required_by_null_false_positive_clauses_and_resource_variables() {
        let a = Assumptions::default();
        let null = facts(
            r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"Null": {"aws:PrincipalTag/team": "false"}, "StringNotEquals": {"aws:PrincipalTag/team": ""}}}"#,
        );
        assert!(null.requires_presence("aws:principaltag/team", &a));
        let negated = facts(
            r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": ""}}}"#,
        );
        assert!(!negated.requires_presence("aws:principaltag/team", &a));
        let variable = facts(
            r#"{"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::${aws:PrincipalTag/Team}/*", "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": ""}}}"#,
        );
        assert!(variable.requires_presence("aws:principaltag/team", &a));
    }

    #[test]
    fn duration_representatives_stay_in_the_api_range() {
        assert_eq!(duration_representatives(&[]), vec![60, 300, 3600]);
        assert_eq!(duration_representatives(&[900.5]), vec![60, 300, 899, 900, 901, 902, 3600]);
        assert_eq!(duration_representatives(&[7200.0, 10.0]), vec![60, 300, 3600]);
    }

    #[test]
    fn action_status_tells_unknown_services_from_unknown_actions() {
        let unknown = facts(
            r#"{"Effect": "Deny", "Action": ["sts:GetWebIdentityToken", "sts:GetWebIdentityTokn", "stss:Get*", "sts:Nothing*", "*"], "Resource": "*"}"#,
        );
        use ActionStatus::*;
        assert_eq!(unknown.actions, vec![Known, UnknownAction, UnknownService, UnknownAction, Known]);
    }
}
