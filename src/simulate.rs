//! `simulate`: decide a token request (or any action) against a principal's policies, explain which
//! statements decided, report assumption-dependent outcomes, and preview the token's claims.

use serde_json::Value;

use crate::eval::{
    self, Assumptions, CheckResult, Decision, NoTrace, PolicySet, Prepared, RequestContext, RequestResource, Setting,
};
use crate::token::{InvalidRequest, MINT_ACTION, TAG_ACTION, TokenRequest, claims};

/// The outcome of a whole request: a policy decision, or an API-level refusal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Decided(Decision),
    Invalid(InvalidRequest),
}

impl Verdict {
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Decided(d) => d.as_str(),
            Verdict::Invalid(i) => i.decision_name(),
        }
    }

    pub fn is_allow(&self) -> bool {
        matches!(self, Verdict::Decided(Decision::Allow))
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
}

/// What to simulate: a token request, or another action with its context.
#[derive(Clone, Debug)]
pub enum Subject {
    Token(TokenRequest),
    Action { action: String, resource: Option<String>, request: TokenRequest },
}

/// A policy set with its statements prepared once for the two minting actions, so that many requests
/// (a `--cases` file, and the assumption alternatives of each) do not re-match every statement's actions.
pub struct Simulator<'a> {
    set: &'a PolicySet,
    mint: Prepared<'a>,
    tag: Prepared<'a>,
}

impl<'a> Simulator<'a> {
    pub fn new(set: &'a PolicySet) -> Simulator<'a> {
        Simulator { set, mint: set.prepare(MINT_ACTION), tag: set.prepare(TAG_ACTION) }
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
    fn verdict_only(&self, subject: &Subject, contexts: &[RequestContext], assumptions: &Assumptions) -> Verdict {
        let decisions = contexts
            .iter()
            .map(|ctx| self.with_prepared(&ctx.action, |p| p.decide(ctx, assumptions, &mut NoTrace).decision));
        overall(subject, decisions)
    }

    /// Simulate a request under the configured assumptions, and under each alternative.
    pub fn simulate(&self, subject: &Subject, assumptions: &Assumptions, issuer: Option<&str>) -> Simulation {
        let contexts = match request_contexts(subject, assumptions) {
            Ok(contexts) => contexts,
            Err(invalid) => return invalid_simulation(invalid, assumptions),
        };
        let checks = self.explained(&contexts, assumptions);
        let verdict_now = overall(subject, checks.iter().map(|c| c.decision));
        let depends_on = Setting::ALL
            .into_iter()
            .filter_map(|setting| {
                let alt = assumptions.flipped(setting);
                // Most settings change only evaluation: the contexts built above serve them too.
                let alt_verdict = if setting.shapes_request_context() {
                    match request_contexts(subject, &alt) {
                        Ok(alt_contexts) => self.verdict_only(subject, &alt_contexts, &alt),
                        Err(invalid) => Verdict::Invalid(invalid),
                    }
                } else {
                    self.verdict_only(subject, &contexts, &alt)
                };
                (alt_verdict != verdict_now).then(|| Dependency {
                    setting,
                    configured: assumptions.get(setting),
                    alternative: alt.get(setting),
                    alternative_verdict: alt_verdict,
                })
            })
            .collect();
        let mut absent_keys: Vec<String> = checks.iter().flat_map(|c| c.absent_keys.iter().cloned()).collect();
        absent_keys.sort();
        absent_keys.dedup();
        let claims = match (subject, &verdict_now) {
            (Subject::Token(request), Verdict::Decided(Decision::Allow)) => {
                contexts.first().map(|ctx| claims::preview(request, ctx, issuer))
            }
            _ => None,
        };
        Simulation {
            verdict: verdict_now,
            checks,
            contexts,
            absent_keys,
            assumptions: *assumptions,
            depends_on,
            claims,
        }
    }
}

/// A request the API refuses before authorization: no checks, and no setting changes that.
fn invalid_simulation(invalid: InvalidRequest, assumptions: &Assumptions) -> Simulation {
    Simulation {
        verdict: Verdict::Invalid(invalid),
        checks: Vec::new(),
        contexts: Vec::new(),
        absent_keys: Vec::new(),
        assumptions: *assumptions,
        depends_on: Vec::new(),
        claims: None,
    }
}

/// Every check must allow: the strongest denial among them decides; then the API-level refusals that
/// come after authorization (reference §4.7), which only an authorized request reaches.
fn overall(subject: &Subject, decisions: impl Iterator<Item = Decision>) -> Verdict {
    let decision = decisions
        .max_by_key(|d| match d {
            Decision::Allow => 0,
            Decision::ImplicitDeny => 1,
            Decision::ExplicitDeny => 2,
        })
        .unwrap_or(Decision::ImplicitDeny);
    if let (Subject::Token(request), Decision::Allow) = (subject, decision)
        && let Err(refused) = request.check_session_duration()
    {
        return Verdict::Invalid(refused);
    }
    Verdict::Decided(decision)
}

fn request_contexts(subject: &Subject, assumptions: &Assumptions) -> Result<Vec<RequestContext>, InvalidRequest> {
    match subject {
        Subject::Token(request) => {
            request.validate_parameters()?;
            Ok(request.actions().into_iter().map(|a| request.context(a, assumptions)).collect())
        }
        Subject::Action { action, resource, request } => {
            let mut ctx = request.context(action, assumptions);
            ctx.resource = match resource {
                Some(arn) => RequestResource::Arn(arn.as_str().into()),
                None => RequestResource::Star,
            };
            Ok(vec![ctx])
        }
    }
}

/// Simulate a request under the configured assumptions, and under each alternative. For many requests
/// against one set, build a [`Simulator`] once.
pub fn simulate(set: &PolicySet, subject: &Subject, assumptions: &Assumptions, issuer: Option<&str>) -> Simulation {
    Simulator::new(set).simulate(subject, assumptions, issuer)
}
