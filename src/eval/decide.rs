//! The IAM decision procedure (reference §4.2): explicit deny in any applicable policy wins; otherwise every
//! SCP level needs a matching Allow, the identity policies need one (not for the account root user), and so
//! do the permissions boundary and the session policy when present (a federated-user session always needs
//! one); otherwise the request is implicitly denied. SCPs and RCPs do not apply to the management account
//! nor to service-linked roles.

use std::fmt;

use crate::policy::Effect;

use super::assumptions::Assumptions;
use super::context::{KnownKey, RequestContext};
use super::statement::{CompiledStatement, LoadedPolicy};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::ExplicitDeny => "explicit-deny",
            Decision::ImplicitDeny => "implicit-deny",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a policy sits in the evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// An SCP level, 0 = the organization root, then each OU, then the account.
    Scp(usize),
    Rcp,
    Identity,
    Boundary,
    Session,
    /// The policy of the VPC endpoint the call goes through (reference §4.4).
    Endpoint,
}

impl Layer {
    pub fn name(self) -> String {
        match self {
            Layer::Scp(level) => format!("scp level {level}"),
            Layer::Rcp => "rcp".to_owned(),
            Layer::Identity => "identity".to_owned(),
            Layer::Boundary => "boundary".to_owned(),
            Layer::Session => "session".to_owned(),
            Layer::Endpoint => "vpc endpoint".to_owned(),
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// Every policy that applies to one principal, by layer.
#[derive(Clone, Debug, Default)]
pub struct PolicySet {
    pub identity: Vec<LoadedPolicy>,
    pub boundary: Option<LoadedPolicy>,
    /// Session policies (inline and managed) of the calling session, when it was created with any.
    pub session: Vec<LoadedPolicy>,
    /// The policies of the VPC endpoint the call goes through, when given: one of them must allow (AWS's
    /// default endpoint policy allows everything, so none given restricts nothing).
    pub endpoint: Vec<LoadedPolicy>,
    /// SCP levels, root first; each level is the set of SCPs attached there.
    pub scp_levels: Vec<Vec<LoadedPolicy>>,
    /// RCPs on the path of the account. `RCPFullAWSAccess` is attached to every target and cannot be
    /// detached, so RCPs restrict only through their Deny statements.
    pub rcps: Vec<LoadedPolicy>,
    /// The management account is exempt from SCPs and RCPs.
    pub management_account: bool,
}

/// A statement by position: its layer, the policy's index within the layer (SCP: within the level), and the
/// statement's index in the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatementRef {
    pub layer: Layer,
    pub policy: usize,
    pub statement: usize,
}

impl PolicySet {
    /// Whether two sets hold the same documents in the same layers (spans and file names aside): then they
    /// decide every request alike.
    pub fn same_documents(&self, other: &PolicySet) -> bool {
        self.management_account == other.management_account
            && self.scp_levels.len() == other.scp_levels.len()
            && self.policies().count() == other.policies().count()
            && self
                .policies()
                .zip(other.policies())
                .all(|((la, ia, a), (lb, ib, b))| la == lb && ia == ib && a.kind == b.kind && a.policy == b.policy)
    }

    /// Every policy with its layer and index.
    pub fn policies(&self) -> impl Iterator<Item = (Layer, usize, &LoadedPolicy)> {
        let scps = self
            .scp_levels
            .iter()
            .enumerate()
            .flat_map(|(l, ps)| ps.iter().enumerate().map(move |(i, p)| (Layer::Scp(l), i, p)));
        let rcps = self.rcps.iter().enumerate().map(|(i, p)| (Layer::Rcp, i, p));
        let identity = self.identity.iter().enumerate().map(|(i, p)| (Layer::Identity, i, p));
        let boundary = self.boundary.iter().map(|p| (Layer::Boundary, 0, p));
        let session = self.session.iter().enumerate().map(|(i, p)| (Layer::Session, i, p));
        let endpoint = self.endpoint.iter().enumerate().map(|(i, p)| (Layer::Endpoint, i, p));
        scps.chain(rcps).chain(identity).chain(boundary).chain(session).chain(endpoint)
    }

    pub fn policy(&self, layer: Layer, index: usize) -> Option<&LoadedPolicy> {
        match layer {
            Layer::Scp(level) => self.scp_levels.get(level)?.get(index),
            Layer::Rcp => self.rcps.get(index),
            Layer::Identity => self.identity.get(index),
            Layer::Boundary => self.boundary.as_ref(),
            Layer::Session => self.session.get(index),
            Layer::Endpoint => self.endpoint.get(index),
        }
    }

    /// The statements that can apply to an action, by layer, resolved once so that deciding many requests
    /// for one action only evaluates conditions.
    pub fn prepare(&self, action: &str) -> Prepared<'_> {
        let mut statements = Vec::new();
        for (layer, policy_index, policy) in self.policies() {
            for s in policy.statements.iter().filter(|s| s.matches_action(action)) {
                statements.push(PreparedStatement {
                    at: StatementRef { layer, policy: policy_index, statement: s.index },
                    statement: s,
                    targets_everything: s.covers_every_resource() && s.admits_every_principal(),
                });
            }
        }
        Prepared { set: self, action: action.into(), statements }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct PreparedStatement<'a> {
    pub at: StatementRef,
    pub statement: &'a CompiledStatement,
    /// The statement's resource and principal elements admit every request (`"Resource": "*"`, no or a
    /// `"*"` principal), so only its conditions need evaluating: the common case, decided once.
    pub targets_everything: bool,
}

/// A policy set narrowed to the statements whose `Action`/`NotAction` covers one action.
#[derive(Clone, Debug)]
pub struct Prepared<'a> {
    pub set: &'a PolicySet,
    pub action: Box<str>,
    statements: Vec<PreparedStatement<'a>>,
}

/// What evaluation reports as it goes; the no-op implementation compiles away so the decision loop
/// allocates nothing.
pub trait Trace {
    /// Evaluate every statement rather than stopping at the first that decides.
    const EXHAUSTIVE: bool;
    fn absent(&mut self, _key: &str) {}
    /// A statement that applies to the request matched (`Ok`) or failed at a condition clause (`Err`).
    fn statement(&mut self, _at: StatementRef, _effect: Effect, _outcome: Result<(), usize>) {}
}

/// Decide without recording anything.
pub struct NoTrace;

impl Trace for NoTrace {
    const EXHAUSTIVE: bool = false;
}

/// The layer whose missing Allow decided an implicit deny, or the layer of the explicit Deny.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub decision: Decision,
    pub layer: Option<Layer>,
}

impl Prepared<'_> {
    /// Statements and condition clauses one decision may evaluate: a bound on what deciding a request costs.
    pub fn size(&self) -> usize {
        self.statements.iter().map(|s| 1 + s.statement.clauses.len()).sum()
    }

    /// The statements whose `Action`/`NotAction` covers the action, with where they sit.
    pub fn statements(&self) -> impl Iterator<Item = (StatementRef, &CompiledStatement)> {
        self.statements.iter().map(|p| (p.at, p.statement))
    }

    /// Decide one request.
    pub fn decide<T: Trace>(&self, ctx: &RequestContext, assumptions: &Assumptions, trace: &mut T) -> Outcome {
        let set = self.set;
        // One lookup of the caller's ARN serves the principal-kind exemptions below.
        let principal = ctx.single_known(PRINCIPAL_ARN).map(|arn| arn.principal_kind()).unwrap_or_default();
        let organization_applies = !set.management_account && !principal.service_linked_role;
        let rcps_apply =
            organization_applies && (assumptions.rcp_applies_to_minting || !is_minting_action(&self.action));
        let mut deny_layer = None;
        let mut allowed = Allowed::default();
        for p in &self.statements {
            let layer = p.at.layer;
            let applicable = match layer {
                Layer::Scp(_) => organization_applies,
                Layer::Rcp => rcps_apply,
                _ => true,
            };
            if !applicable {
                continue;
            }
            // Only an Allow that could still change the outcome needs evaluating in the fast path.
            if p.statement.effect == Effect::Allow && !T::EXHAUSTIVE && (deny_layer.is_some() || allowed.has(layer)) {
                continue;
            }
            if !p.targets_everything
                && (!p.statement.matches_resource(ctx, assumptions) || !p.statement.matches_principal(ctx))
            {
                continue;
            }
            let outcome = p.statement.conditions_hold(ctx, assumptions, &mut |k| trace.absent(k));
            trace.statement(p.at, p.statement.effect, outcome);
            if outcome.is_err() {
                continue;
            }
            match p.statement.effect {
                Effect::Deny => {
                    deny_layer.get_or_insert(layer);
                    if !T::EXHAUSTIVE {
                        return Outcome { decision: Decision::ExplicitDeny, layer: Some(layer) };
                    }
                }
                Effect::Allow => allowed.set(layer),
            }
        }
        if let Some(layer) = deny_layer {
            return Outcome { decision: Decision::ExplicitDeny, layer: Some(layer) };
        }
        if organization_applies {
            for level in 0..set.scp_levels.len() {
                if !allowed.has(Layer::Scp(level)) {
                    return Outcome { decision: Decision::ImplicitDeny, layer: Some(Layer::Scp(level)) };
                }
            }
        }
        // The account root user has full access without identity policies (reference §4.2 step 1); only
        // the organization's policies and explicit denies, checked above, restrict it.
        if !allowed.identity && !principal.root_user {
            return Outcome { decision: Decision::ImplicitDeny, layer: Some(Layer::Identity) };
        }
        if set.boundary.is_some() && !allowed.boundary {
            return Outcome { decision: Decision::ImplicitDeny, layer: Some(Layer::Boundary) };
        }
        // A federated-user session made without a session policy has no permissions at all (reference
        // §4.2 step 8); other sessions without one are not limited by it.
        let session_required = !set.session.is_empty() || principal.federated_user;
        if session_required && !allowed.session {
            return Outcome { decision: Decision::ImplicitDeny, layer: Some(Layer::Session) };
        }
        // A call through a VPC endpoint is also authorized by the endpoint's policy (reference §4.4).
        if !set.endpoint.is_empty() && !allowed.endpoint {
            return Outcome { decision: Decision::ImplicitDeny, layer: Some(Layer::Endpoint) };
        }
        Outcome { decision: Decision::Allow, layer: Some(Layer::Identity) }
    }
}

/// Which layers have a matching Allow so far. SCP levels are few (root, at most five OU levels, the
/// account), so a bit set covers them without allocating.
#[derive(Default)]
struct Allowed {
    identity: bool,
    boundary: bool,
    session: bool,
    endpoint: bool,
    scp_levels: u64,
}

impl Allowed {
    fn set(&mut self, layer: Layer) {
        match layer {
            Layer::Scp(level) => self.scp_levels |= 1u64.checked_shl(level as u32).unwrap_or(0),
            Layer::Identity => self.identity = true,
            Layer::Boundary => self.boundary = true,
            Layer::Session => self.session = true,
            Layer::Endpoint => self.endpoint = true,
            // RCPFullAWSAccess allows everything anyway; an RCP Allow changes nothing.
            Layer::Rcp => {}
        }
    }

    fn has(&self, layer: Layer) -> bool {
        match layer {
            // Levels beyond 64 cannot exist in AWS Organizations; treat them as allowed rather than guess.
            Layer::Scp(level) => 1u64.checked_shl(level as u32).is_none_or(|bit| self.scp_levels & bit != 0),
            Layer::Identity => self.identity,
            Layer::Boundary => self.boundary,
            Layer::Session => self.session,
            Layer::Endpoint => self.endpoint,
            Layer::Rcp => true,
        }
    }
}

const PRINCIPAL_ARN: KnownKey = KnownKey::new("aws:PrincipalArn");

pub fn is_minting_action(action: &str) -> bool {
    action.eq_ignore_ascii_case(crate::token::MINT_ACTION) || action.eq_ignore_ascii_case(crate::token::TAG_ACTION)
}
