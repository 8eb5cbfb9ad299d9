//! `simulate`: decide a token request (or any action) against a principal's policies, explain which
//! statements decided, report assumption-dependent outcomes, and preview the token's claims.

mod flip;
pub mod inputs;
pub mod resource;

use serde_json::Value;

use crate::eval::{
    self, Assumptions, CheckResult, ContextValue, Decision, LoadedPolicy, NoTrace, PolicySet, Prepared, RequestContext,
    Setting,
};
use crate::policy::{Family, OperatorKind, SetOp};
use crate::request::validate::case_variant_keys;
use crate::request::{InvalidRequest, Request};
use crate::token::{MINT_ACTION, TAG_ACTION, claims};

/// The outcome of a whole request: a policy decision, or an API-level refusal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Decided(Decision),
    Invalid(InvalidRequest),
    /// What decides the request is not modelled (a KMS key without its key policy): never an allow.
    NotModelled(String),
}

impl Verdict {
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Decided(d) => d.as_str(),
            Verdict::Invalid(i) => i.decision_name(),
            Verdict::NotModelled(_) => "not-modelled",
        }
    }

    pub fn is_allow(&self) -> bool {
        matches!(self, Verdict::Decided(Decision::Allow))
    }

    /// Why the API refused the request, or why it is not modelled.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Verdict::Decided(_) => None,
            Verdict::Invalid(i) => Some(i.reason()),
            Verdict::NotModelled(why) => Some(why),
        }
    }
}

/// A setting whose alternative value changes the verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    pub setting: Setting,
    pub configured: &'static str,
    pub alternative: &'static str,
    pub alternative_verdict: Verdict,
}

#[derive(Clone, Debug)]
pub struct Simulation {
    /// The request decided, as built (region and time filled in).
    pub request: Request,
    pub verdict: Verdict,
    /// One per authorization check, in order (empty when the API rejects the request first).
    pub checks: Vec<CheckResult>,
    /// Request contexts of the checks, for explanations.
    pub contexts: Vec<RequestContext>,
    pub absent_keys: Vec<String>,
    pub assumptions: Assumptions,
    pub depends_on: Vec<Dependency>,
    /// The JWT claims, for an allowed token request.
    pub claims: Option<Value>,
    /// Why a generic request's verdict is not the principal's own decision (the resource's policy and
    /// account, a service rule: [`resource`]).
    pub note: Option<String>,
}

/// A policy set with its statements prepared once for the two minting actions, so that many requests
/// (a `--cases` file, and the assumption alternatives of each) do not re-match every statement's actions.
pub struct Simulator<'a> {
    set: &'a PolicySet,
    /// The resource's policy, for a generic request (`--resource-policy`).
    resource_policy: Option<&'a LoadedPolicy>,
    mint: Prepared<'a>,
    tag: Prepared<'a>,
    /// What in the set can make each assumption setting matter (see [`Simulator::can_matter`]).
    features: Features,
}

/// Facts about a policy set that decide which assumption settings can change any of its decisions.
#[derive(Default)]
struct Features {
    rcps: bool,
    narrow_resource: bool,
    variables: bool,
    empty_values: bool,
    for_all_values_negated: bool,
    negated_numeric_date_ip: bool,
    negated_unreadable: bool,
    duration_key: bool,
    /// Lower-cased keys under a plain (no set prefix), non-`Null` operator.
    plain_keys: Vec<Box<str>>,
}

impl Features {
    fn of(set: &PolicySet) -> Features {
        let mut f = Features { rcps: !set.rcps.is_empty(), ..Features::default() };
        for (_, _, policy) in set.policies() {
            for st in policy.statements.iter() {
                f.narrow_resource |= !st.covers_every_resource();
                f.variables |= st.has_variables();
                for c in st.clauses.iter() {
                    let op = c.operator;
                    let negated = op.kind.is_negated();
                    f.empty_values |= c.values.is_empty();
                    f.for_all_values_negated |= negated && op.set == Some(SetOp::ForAllValues);
                    f.negated_numeric_date_ip |=
                        negated && matches!(op.kind.family(), Family::Numeric | Family::Date | Family::Ip);
                    f.negated_unreadable |= negated && c.unreadable;
                    f.duration_key |= &*c.key == "sts:durationseconds";
                    if op.set.is_none() && op.kind != OperatorKind::Null && !f.plain_keys.contains(&c.key) {
                        f.plain_keys.push(c.key.clone());
                    }
                }
            }
        }
        f
    }
}

impl<'a> Simulator<'a> {
    pub fn new(set: &'a PolicySet) -> Simulator<'a> {
        Simulator {
            set,
            resource_policy: None,
            mint: set.prepare(MINT_ACTION),
            tag: set.prepare(TAG_ACTION),
            features: Features::of(set),
        }
    }

    /// The same, for generic requests on a resource that has this policy.
    pub fn with_resource_policy(mut self, policy: Option<&'a LoadedPolicy>) -> Simulator<'a> {
        self.resource_policy = policy;
        self
    }

    /// A generic request's verdict after the resource side and the service rules ([`resource::rule`]).
    fn resource_rule(
        &self,
        request: &Request,
        contexts: &[RequestContext],
        decision: Decision,
        assumptions: &Assumptions,
    ) -> Option<(Verdict, String)> {
        let ctx = contexts.first().filter(|_| !request.is_mint())?;
        resource::rule(request, self.set, self.resource_policy, ctx, decision, assumptions)
    }

    /// Whether the other value of a setting could change this request's verdict at all. Only a setting
    /// that cannot is skipped (DESIGN §5: the request must touch it), so the flip loop stays exact; the
    /// law `depends_on_names_exactly_the_deciding_settings` checks that against full re-simulation.
    fn can_matter(&self, setting: Setting, request: &Request, contexts: &[RequestContext]) -> bool {
        let f = &self.features;
        match setting {
            // A variable could read the key too (`${sts:DurationSeconds}`).
            Setting::DurationKeyWhenOmitted => {
                (f.duration_key || f.variables) && request.token().is_some_and(|m| m.duration.is_none())
            }
            Setting::RcpAppliesToMinting => f.rcps,
            Setting::TagCheckSeesStsKeys => !request.tags.is_empty(),
            Setting::PlainOperatorOnMultivalued => f
                .plain_keys
                .iter()
                .any(|k| contexts.iter().any(|ctx| matches!(ctx.get_lower(k), Some(ContextValue::Multi(_))))),
            Setting::ForAllValuesNegatedMissing => f.for_all_values_negated,
            Setting::NegatedNumericDateIpMissing => f.negated_numeric_date_ip,
            Setting::MintingResource => f.narrow_resource,
            Setting::VariableWildcards | Setting::UnresolvedVariable => f.variables,
            Setting::NegatedUnreadableValue => f.negated_unreadable,
            // Only a generic request on a resource whose policy grants to `*`, by a bounded principal.
            Setting::StarPrincipalGrant => {
                !request.is_mint()
                    && self.set.boundary.is_some()
                    && self.resource_policy.is_some_and(|p| p.statements.iter().any(|s| s.names_everyone()))
            }
            Setting::EmptyConditionValues => f.empty_values,
            Setting::CaseVariantTagKeys => request.is_mint() && case_variant_keys(&request.tags).is_some(),
            // The shape of the minted token, not its authorization: only relying-party reach reads them.
            Setting::SeveralAudiencesClaim | Setting::UserTokenSubject => false,
        }
    }

    /// The prepared statements for an action: cached for the minting actions, prepared on demand otherwise.
    fn with_prepared<R>(&self, action: &str, f: impl FnOnce(&Prepared<'a>) -> R) -> R {
        if action.eq_ignore_ascii_case(MINT_ACTION) {
            f(&self.mint)
        } else if action.eq_ignore_ascii_case(TAG_ACTION) {
            f(&self.tag)
        } else {
            f(&self.set.prepare(action))
        }
    }

    /// Decide and explain every check of the request.
    fn explained(&self, contexts: &[RequestContext], assumptions: &Assumptions) -> Vec<CheckResult> {
        contexts
            .iter()
            .map(|ctx| self.with_prepared(&ctx.action, |p| eval::check_prepared(p, ctx, assumptions)))
            .collect()
    }

    /// The verdict alone, on the fast path (no trace): what the assumption-flip loop needs for every
    /// setting, so a simulation costs one explained evaluation plus a few fast ones.
    fn verdict_only(&self, request: &Request, contexts: &[RequestContext], assumptions: &Assumptions) -> Verdict {
        let decisions: Vec<Decision> = contexts
            .iter()
            .map(|ctx| self.with_prepared(&ctx.action, |p| p.decide(ctx, assumptions, &mut NoTrace).decision))
            .collect();
        let verdict = overall(request, decisions.iter().copied());
        match (&verdict, decisions.first()) {
            (Verdict::Decided(_), Some(d)) => {
                self.resource_rule(request, contexts, *d, assumptions).map_or(verdict, |(v, _)| v)
            }
            _ => verdict,
        }
    }

    /// Whether the request is allowed, on the fast path: valid, every check allowed, and not refused after
    /// authorization. What `diff` and `graph` ask of every representative request.
    pub fn allows(&self, request: &Request, assumptions: &Assumptions) -> bool {
        match request_contexts(request, assumptions) {
            Ok(contexts) => self.verdict_only(request, &contexts, assumptions).is_allow(),
            Err(_) => false,
        }
    }

    /// Decide a request under the configured assumptions, and under each alternative.
    fn decide(&self, request: &Request, assumptions: &Assumptions) -> Decided {
        let mut contexts = match request_contexts(request, assumptions) {
            Ok(contexts) => contexts,
            Err(invalid) => {
                let verdict = Verdict::Invalid(invalid);
                // A refusal that only an assumption causes (tag keys differing in case) is flagged too.
                let depends_on = self.dependencies(request, &mut [], &verdict, assumptions);
                return Decided { verdict, checks: Vec::new(), contexts: Vec::new(), depends_on, note: None };
            }
        };
        let checks = self.explained(&contexts, assumptions);
        let mut verdict = overall(request, checks.iter().map(|c| c.decision));
        let mut note = None;
        if let (Verdict::Decided(d), false) = (&verdict, request.is_mint())
            && let Some((v, why)) = self.resource_rule(request, &contexts, *d, assumptions)
        {
            verdict = v;
            note = Some(why).filter(|w| !w.is_empty());
        }
        let depends_on = self.dependencies(request, &mut contexts, &verdict, assumptions);
        Decided { verdict, checks, contexts, depends_on, note }
    }

    /// What [`Simulator::simulate`] decides, without what only its report shows (the claims preview, the
    /// keys found absent, a copy of the request and its contexts): replay judges every recorded call with it.
    pub fn judge(&self, request: &Request, assumptions: &Assumptions) -> (Verdict, Vec<Dependency>, Vec<CheckResult>) {
        let d = self.decide(request, assumptions);
        (d.verdict, d.depends_on, d.checks)
    }

    /// The verdict and the settings it depends on, without what only a detailed report shows (the statements
    /// that decided, the keys found absent, the claims preview, copies of the request and its contexts): what
    /// a `--cases` row of a passing case prints. The same contexts and decisions as [`Simulator::simulate`],
    /// on the fast path.
    pub fn outcome(&self, request: &Request, assumptions: &Assumptions) -> (Verdict, Vec<Dependency>) {
        match request_contexts(request, assumptions) {
            Ok(mut contexts) => {
                let verdict = self.verdict_only(request, &contexts, assumptions);
                let depends_on = self.dependencies(request, &mut contexts, &verdict, assumptions);
                (verdict, depends_on)
            }
            Err(invalid) => {
                let verdict = Verdict::Invalid(invalid);
                let depends_on = self.dependencies(request, &mut [], &verdict, assumptions);
                (verdict, depends_on)
            }
        }
    }

    /// Simulate a request under the configured assumptions, and under each alternative.
    pub fn simulate(&self, request: &Request, assumptions: &Assumptions, issuer: Option<&str>) -> Simulation {
        let d = self.decide(request, assumptions);
        let mut absent_keys: Vec<String> = d.checks.iter().flat_map(|c| c.absent_keys.iter().cloned()).collect();
        absent_keys.sort();
        absent_keys.dedup();
        let claims = match (request.is_mint(), &d.verdict) {
            (true, Verdict::Decided(Decision::Allow)) => {
                d.contexts.first().map(|ctx| claims::preview(request, ctx, issuer))
            }
            _ => None,
        };
        Simulation {
            request: request.clone(),
            verdict: d.verdict,
            checks: d.checks,
            contexts: d.contexts,
            absent_keys,
            assumptions: *assumptions,
            depends_on: d.depends_on,
            claims,
            note: d.note,
        }
    }

    /// The settings whose alternative value changes the verdict.
    fn dependencies(
        &self,
        request: &Request,
        contexts: &mut [RequestContext],
        verdict_now: &Verdict,
        assumptions: &Assumptions,
    ) -> Vec<Dependency> {
        let mut out = Vec::new();
        for setting in Setting::ALL {
            // A request the API refused has no contexts: only settings that shape the request can matter.
            if !((!contexts.is_empty() || setting.shapes_request_context())
                && self.can_matter(setting, request, contexts))
            {
                continue;
            }
            let alt = assumptions.flipped(setting);
            // Most settings change only evaluation: the contexts built above serve them too. Of those that
            // shape the contexts, the two that only add or remove a few keys change them in place.
            let alt_verdict = if contexts.is_empty() {
                verdict_anew(self, request, &alt)
            } else if setting.shapes_request_context() {
                flip::with_flipped(request, contexts, setting, &alt, |flipped| {
                    self.verdict_only(request, flipped, &alt)
                })
                .unwrap_or_else(|| verdict_anew(self, request, &alt))
            } else {
                self.verdict_only(request, contexts, &alt)
            };
            if alt_verdict != *verdict_now {
                out.push(Dependency {
                    setting,
                    configured: assumptions.get(setting),
                    alternative: alt.get(setting),
                    alternative_verdict: alt_verdict,
                });
            }
        }
        out
    }
}

/// One request decided: what [`Simulator::simulate`] and [`Simulator::judge`] share.
struct Decided {
    verdict: Verdict,
    checks: Vec<CheckResult>,
    contexts: Vec<RequestContext>,
    depends_on: Vec<Dependency>,
    note: Option<String>,
}

/// Every check must allow: the strongest denial among them decides; then the API-level refusals that
/// come after authorization (reference §4.7), which only an authorized request reaches.
fn overall(request: &Request, decisions: impl Iterator<Item = Decision>) -> Verdict {
    let decision = decisions
        .max_by_key(|d| match d {
            Decision::Allow => 0,
            Decision::ImplicitDeny => 1,
            Decision::ExplicitDeny => 2,
        })
        .unwrap_or(Decision::ImplicitDeny);
    if decision == Decision::Allow
        && let Err(refused) = request.check_session_duration()
    {
        return Verdict::Invalid(refused);
    }
    Verdict::Decided(decision)
}

/// The verdict under `alt` with the request's contexts built anew.
fn verdict_anew(simulator: &Simulator<'_>, request: &Request, alt: &Assumptions) -> Verdict {
    match request_contexts(request, alt) {
        Ok(alt_contexts) => simulator.verdict_only(request, &alt_contexts, alt),
        Err(invalid) => Verdict::Invalid(invalid),
    }
}

/// The contexts of the request's checks, or the API's refusal before authorization.
fn request_contexts(request: &Request, assumptions: &Assumptions) -> Result<Vec<RequestContext>, InvalidRequest> {
    request.validate_parameters(assumptions)?;
    Ok(request.actions().into_iter().map(|a| request.context(a, assumptions)).collect())
}

/// Simulate a request under the configured assumptions, and under each alternative. For many requests
/// against one set, build a [`Simulator`] once.
pub fn simulate(set: &PolicySet, request: &Request, assumptions: &Assumptions, issuer: Option<&str>) -> Simulation {
    Simulator::new(set).simulate(request, assumptions, issuer)
}

/// Whether the policy set allows the request (valid, every check allowed, not refused after authorization):
/// the one answer `simulate`, `diff` and `graph` give for a request.
pub fn allows(set: &PolicySet, request: &Request, assumptions: &Assumptions) -> bool {
    let Ok(contexts) = request_contexts(request, assumptions) else { return false };
    let decisions = contexts.iter().map(|ctx| set.prepare(&ctx.action).decide(ctx, assumptions, &mut NoTrace).decision);
    overall(request, decisions).is_allow()
}
