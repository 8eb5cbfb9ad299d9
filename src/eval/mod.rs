//! Evaluation: the request context, compiled conditions and statements, assumptions, and the IAM decision
//! procedure with the statements that decided.

pub mod assumptions;
pub mod condition;
pub mod context;
pub mod decide;
pub mod keys;
#[cfg(test)]
mod reference;
pub mod statement;

use std::collections::BTreeSet;

pub use assumptions::{Assumptions, Setting};
pub use context::{ContextValue, RequestContext, RequestResource};
pub use decide::{Decision, Layer, NoTrace, Outcome, PolicySet, Prepared, StatementRef, Trace};
pub use statement::{CompiledStatement, LoadedPolicy};

use crate::policy::Effect;

/// Everything evaluation saw, for explanations: matched statements, statements that failed at a
/// condition, and keys that were tested but absent.
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    pub absent: BTreeSet<String>,
    pub matched: Vec<(StatementRef, Effect)>,
    /// Statements whose action, resource and principal applied but a condition clause failed.
    pub failed: Vec<(StatementRef, Effect, usize)>,
}

impl Trace for Recorder {
    const EXHAUSTIVE: bool = true;

    fn absent(&mut self, key: &str) {
        if !self.absent.contains(key) {
            self.absent.insert(key.to_owned());
        }
    }

    fn statement(&mut self, at: StatementRef, effect: Effect, outcome: Result<(), usize>) {
        match outcome {
            Ok(()) => self.matched.push((at, effect)),
            Err(clause) => self.failed.push((at, effect, clause)),
        }
    }
}

/// The result of one authorization check, with the statements that decided it.
#[derive(Clone, Debug)]
pub struct CheckResult {
    pub action: String,
    pub decision: Decision,
    pub layer: Option<Layer>,
    /// Explicit deny: every matching Deny. Allow: the matching Allows of every layer. Implicit deny: none
    /// matched in the deciding layer; `near_misses` lists the Allows there that failed a condition.
    pub statements: Vec<StatementRef>,
    pub near_misses: Vec<(StatementRef, usize)>,
    /// Implicit deny: the Allows of the deciding layer that name the action but whose `Resource` does not
    /// cover the request's resource (for the resource-less minting actions, anything but `*`: reference
    /// §2.1 warns that such a statement silently never applies).
    pub resource_misses: Vec<StatementRef>,
    /// Lower-cased keys that a condition tested and the request did not carry.
    pub absent_keys: Vec<String>,
}

/// Decide one request and explain it.
pub fn check(set: &PolicySet, ctx: &RequestContext, assumptions: &Assumptions) -> CheckResult {
    check_prepared(&set.prepare(&ctx.action), ctx, assumptions)
}

/// [`check`] with the statements already prepared for the request's action (`PolicySet::prepare`).
pub fn check_prepared(prepared: &Prepared<'_>, ctx: &RequestContext, assumptions: &Assumptions) -> CheckResult {
    let mut recorder = Recorder::default();
    let outcome = prepared.decide(ctx, assumptions, &mut recorder);
    let statements = match outcome.decision {
        Decision::ExplicitDeny => {
            recorder.matched.iter().filter(|(_, e)| *e == Effect::Deny).map(|(at, _)| *at).collect()
        }
        Decision::Allow => recorder.matched.iter().filter(|(_, e)| *e == Effect::Allow).map(|(at, _)| *at).collect(),
        Decision::ImplicitDeny => Vec::new(),
    };
    let near_misses = match outcome.decision {
        Decision::ImplicitDeny => recorder
            .failed
            .iter()
            .filter(|(at, effect, _)| *effect == Effect::Allow && Some(at.layer) == outcome.layer)
            .map(|(at, _, clause)| (*at, *clause))
            .collect(),
        _ => Vec::new(),
    };
    let resource_misses = match outcome.decision {
        Decision::ImplicitDeny => prepared
            .statements()
            .filter(|(at, st)| {
                st.effect == Effect::Allow
                    && Some(at.layer) == outcome.layer
                    && !st.matches_resource(ctx, assumptions)
                    && st.matches_principal(ctx)
            })
            .map(|(at, _)| at)
            .collect(),
        _ => Vec::new(),
    };
    CheckResult {
        resource_misses,
        action: ctx.action.to_string(),
        decision: outcome.decision,
        layer: outcome.layer,
        statements,
        near_misses,
        absent_keys: recorder.absent.into_iter().collect(),
    }
}
