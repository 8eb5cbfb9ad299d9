//! `simulate`: decide a token request (or any action) against a principal's policies, explain which
//! statements decided, report assumption-dependent outcomes, and preview the token's claims.

use serde_json::Value;

use crate::eval::{
    self, Assumptions, CheckResult, Decision, NoTrace, PolicySet, RequestContext, RequestResource, Setting,
};
use crate::token::{InvalidRequest, TokenRequest, claims};

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

/// Decide the verdict only (no explanation): the assumption-flip loop uses this.
fn verdict(
    set: &PolicySet,
    subject: &Subject,
    assumptions: &Assumptions,
) -> (Verdict, Vec<CheckResult>, Vec<RequestContext>) {
    let contexts = match contexts(subject, assumptions) {
        Ok(c) => c,
        Err(invalid) => return (Verdict::Invalid(invalid), Vec::new(), Vec::new()),
    };
    let checks: Vec<CheckResult> = contexts.iter().map(|ctx| eval::check(set, ctx, assumptions)).collect();
    let verdict = overall(subject, checks.iter().map(|c| c.decision));
    (verdict, checks, contexts)
}

/// The verdict alone, on the fast path (prepared statements, no trace): what the assumption-flip loop
/// needs for every setting, so a simulation costs one explained evaluation plus a few fast ones.
fn verdict_only(set: &PolicySet, subject: &Subject, assumptions: &Assumptions) -> Verdict {
    match contexts(subject, assumptions) {
        Ok(contexts) => overall(
            subject,
            contexts.iter().map(|ctx| set.prepare(&ctx.action).decide(ctx, assumptions, &mut NoTrace).decision),
        ),
        Err(invalid) => Verdict::Invalid(invalid),
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

fn contexts(subject: &Subject, assumptions: &Assumptions) -> Result<Vec<RequestContext>, InvalidRequest> {
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

/// Simulate a request under the configured assumptions, and under each alternative.
pub fn simulate(set: &PolicySet, subject: &Subject, assumptions: &Assumptions, issuer: Option<&str>) -> Simulation {
    let (verdict_now, checks, contexts) = verdict(set, subject, assumptions);
    let depends_on = Setting::ALL
        .into_iter()
        .filter_map(|setting| {
            let alt = assumptions.flipped(setting);
            let alt_verdict = verdict_only(set, subject, &alt);
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
    Simulation { verdict: verdict_now, checks, contexts, absent_keys, assumptions: *assumptions, depends_on, claims }
}
