//! Statements and policies compiled for evaluation: action, resource and principal matchers plus compiled
//! conditions.

use std::sync::Arc;

use crate::policy::value::arn::{resource_matches, resource_matches_tokens};
use crate::policy::wildcard;
use crate::policy::{
    ActionClause, Effect, Policy, PolicyKind, PrincipalClause, PrincipalKind, PrincipalSet, ResourceClause, Statement,
};
use crate::source::SourceFile;

use super::assumptions::{Assumptions, UnresolvedVariable, VariableWildcards};
use super::condition::{ClauseValues, CompiledClause, PatternPart, StrPattern};
use super::context::{KnownKey, RequestContext, RequestResource};

const PRINCIPAL_ARN: KnownKey = KnownKey::new("aws:PrincipalArn");
const PRINCIPAL_ACCOUNT: KnownKey = KnownKey::new("aws:PrincipalAccount");

#[derive(Clone, Debug)]
pub struct CompiledStatement {
    pub effect: Effect,
    /// Index in the policy's statement list (for spans and Sids).
    pub index: usize,
    not_action: bool,
    actions: Box<[Box<str>]>,
    resource: Option<(bool, Box<[StrPattern]>)>,
    /// Whether an entry of the resource element is `*` alone (or `**`...), the only entry that covers a
    /// resource-less action; computed once, as every minting check asks it.
    star_listed: bool,
    principal: Option<(bool, PrincipalSet)>,
    pub clauses: Box<[CompiledClause]>,
    /// The policy variables without a default the statement substitutes (in its resource element or a
    /// condition value), lower-cased with their hashes, and the clause each is in (`None`: the resource).
    variables: Box<[VariableUse]>,
}

/// A policy variable without a default: its lower-cased key, the key's hash and slot, and the clause it is
/// in (`None`: the resource element).
type VariableUse = (Box<str>, u64, u8, Option<usize>);

impl CompiledStatement {
    pub fn compile(index: usize, statement: &Statement) -> CompiledStatement {
        let (not_action, actions) = match &statement.action.node {
            ActionClause::Action(p) => (false, p),
            ActionClause::NotAction(p) => (true, p),
        };
        let resource = statement.resource.as_ref().map(|r| match &r.node {
            ResourceClause::Resource(p) => (false, p.iter().map(|t| StrPattern::compile(&t.node)).collect()),
            ResourceClause::NotResource(p) => (true, p.iter().map(|t| StrPattern::compile(&t.node)).collect()),
        });
        let principal = statement.principal.as_ref().map(|p| match &p.node {
            PrincipalClause::Principal(s) => (false, s.clone()),
            PrincipalClause::NotPrincipal(s) => (true, s.clone()),
        });
        let star_listed = resource.as_ref().is_some_and(|(_, patterns): &(bool, Box<[StrPattern]>)| {
            patterns.iter().any(|p| match p {
                StrPattern::Plain(text) => !text.is_empty() && text.chars().all(|c| c == '*'),
                StrPattern::Parts(_) => false,
            })
        });
        let clauses: Box<[CompiledClause]> = statement.conditions.iter().map(CompiledClause::compile).collect();
        let mut variables = Vec::new();
        if let Some((_, patterns)) = &resource {
            collect_variables(patterns, None, &mut variables);
        }
        for (i, clause) in clauses.iter().enumerate() {
            if let ClauseValues::Strings(patterns, _)
            | ClauseValues::Arns(patterns, _)
            | ClauseValues::Bools(patterns) = &clause.values
            {
                collect_variables(patterns, Some(i), &mut variables);
            }
        }
        CompiledStatement {
            variables: variables.into(),
            star_listed,
            effect: statement.effect.node,
            index,
            not_action,
            actions: actions.iter().map(|a| Box::from(a.node.as_str())).collect(),
            resource,
            principal,
            clauses,
        }
    }

    /// `Action` contains a pattern matching the action, or `NotAction` contains none (case-insensitive).
    pub fn matches_action(&self, action: &str) -> bool {
        let listed = self.actions.iter().any(|p| wildcard::matches(p, action, true));
        listed != self.not_action
    }

    /// Whether the resource element admits the request's resource. A statement without one (a trust
    /// policy) applies to its own resource.
    pub fn matches_resource(&self, ctx: &RequestContext, assumptions: &Assumptions) -> bool {
        let substituted_wildcards = assumptions.variable_wildcards == VariableWildcards::Wildcard;
        let Some((not_resource, patterns)) = &self.resource else { return true };
        let listed = match &ctx.resource {
            // A resource-less action is authorized against `*`: only an entry of `*` alone covers it.
            RequestResource::Star => self.star_listed,
            RequestResource::Arn(arn) => patterns.iter().any(|p| match p {
                StrPattern::Plain(text) => resource_matches(text, arn),
                StrPattern::Parts(_) => p
                    .with_tokens(ctx, true, substituted_wildcards, |t| resource_matches_tokens(t, arn))
                    .unwrap_or(false),
            }),
        };
        listed != *not_resource
    }

    /// Whether the resource element covers every resource (an entry of `*` alone in `Resource`, or no
    /// element), so no choice of request resource can change whether the statement applies.
    pub fn covers_every_resource(&self) -> bool {
        match &self.resource {
            None => true,
            Some((not_resource, _)) => !*not_resource && self.star_listed,
        }
    }

    /// Whether a policy variable appears in a resource entry or a condition value.
    pub fn has_variables(&self) -> bool {
        let in_resource = self
            .resource
            .as_ref()
            .is_some_and(|(_, patterns)| patterns.iter().any(|p| matches!(p, StrPattern::Parts(_))));
        in_resource || self.clauses.iter().any(CompiledClause::has_variables)
    }

    /// Whether the principal element is `Principal` naming everyone: `"*"` or an AWS entry `"*"`.
    pub fn names_everyone(&self) -> bool {
        match &self.principal {
            Some((false, PrincipalSet::Any)) => true,
            Some((false, PrincipalSet::Typed(entries))) => {
                entries.iter().any(|e| e.kind.node == PrincipalKind::Aws && e.values.iter().any(|v| &*v.node == "*"))
            }
            _ => false,
        }
    }

    /// Whether the statement's principal element is `NotPrincipal`.
    pub fn has_not_principal(&self) -> bool {
        matches!(self.principal, Some((true, _)))
    }

    /// Whether the principal element admits every caller: none (identity-side policies) or `"*"`.
    pub fn admits_every_principal(&self) -> bool {
        matches!(self.principal, None | Some((false, PrincipalSet::Any)))
    }

    /// Principal matching for resource-based policies and RCPs; identity-side statements have none.
    pub fn matches_principal(&self, ctx: &RequestContext) -> bool {
        let Some((not_principal, set)) = &self.principal else { return true };
        let listed = match set {
            PrincipalSet::Any => true,
            PrincipalSet::Typed(entries) => entries.iter().any(|e| {
                e.kind.node == PrincipalKind::Aws && e.values.iter().any(|v| aws_principal_matches(&v.node, ctx))
            }),
        };
        listed != *not_principal
    }

    /// Whether the principal element names the caller itself: `"*"`, or its ARN (`aws:PrincipalArn`), not
    /// merely its account. A resource policy that names an account delegates to that account's IAM
    /// policies, which must then allow too.
    pub fn names_principal_directly(&self, ctx: &RequestContext) -> bool {
        matches!(self.principal, Some((false, PrincipalSet::Any))) || self.names_principal_arn(ctx, true)
    }

    /// Whether an AWS entry of the principal element is the caller's ARN (or, with `star`, `"*"`).
    pub fn names_principal_arn(&self, ctx: &RequestContext, star: bool) -> bool {
        let Some((false, PrincipalSet::Typed(entries))) = &self.principal else { return false };
        let arn = ctx.single_known(PRINCIPAL_ARN).map(|v| v.text);
        entries.iter().any(|e| {
            e.kind.node == PrincipalKind::Aws
                && e.values.iter().any(|v| (star && &*v.node == "*") || arn == Some(&*v.node))
        })
    }

    /// Action, resource and principal (everything but the conditions).
    pub fn applies_to(&self, ctx: &RequestContext, assumptions: &Assumptions) -> bool {
        self.matches_action(&ctx.action) && self.matches_resource(ctx, assumptions) && self.matches_principal(ctx)
    }

    /// Whether every condition holds; the index of the first failing clause otherwise.
    pub fn conditions_hold<F: FnMut(&str) + ?Sized>(
        &self,
        ctx: &RequestContext,
        assumptions: &Assumptions,
        on_absent: &mut F,
    ) -> Result<(), usize> {
        // Under the assumption that an unresolvable variable invalidates its statement (reference §5.9's
        // note), the statement fails at the first clause using one (past the last clause for a resource's).
        if assumptions.unresolved_variable == UnresolvedVariable::InvalidStatement {
            let mut failed = None;
            for (key, hash, slot, clause) in self.variables.iter() {
                if ctx.single_slotted(*slot, *hash, key).is_none() {
                    on_absent(key);
                    let at = clause.unwrap_or(self.clauses.len());
                    failed = Some(failed.map_or(at, |f: usize| f.min(at)));
                }
            }
            if let Some(at) = failed {
                return Err(at);
            }
        }
        for (i, clause) in self.clauses.iter().enumerate() {
            if !clause.evaluate(ctx, assumptions, on_absent) {
                return Err(i);
            }
        }
        Ok(())
    }
}

/// The variables without a default in these patterns, with where they are.
fn collect_variables(patterns: &[StrPattern], clause: Option<usize>, out: &mut Vec<VariableUse>) {
    for pattern in patterns {
        let StrPattern::Parts(parts) = pattern else { continue };
        for part in parts.iter() {
            if let PatternPart::Variable { key, hash, slot, default: None } = part
                && !out.iter().any(|(k, _, _, c)| k == key && *c == clause)
            {
                out.push((key.clone(), *hash, *slot, clause));
            }
        }
    }
}

/// `"*"`, a 12-digit account, `arn:...:root`, or a principal ARN.
fn aws_principal_matches(value: &str, ctx: &RequestContext) -> bool {
    if value == "*" {
        return true;
    }
    let account = ctx.single_known(PRINCIPAL_ACCOUNT).map(|v| v.text);
    let arn = ctx.single_known(PRINCIPAL_ARN).map(|v| v.text);
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return account == Some(value);
    }
    if let Some(acct) = value.strip_prefix("arn:aws:iam::").and_then(|r| r.strip_suffix(":root")) {
        return account == Some(acct);
    }
    arn == Some(value)
}

/// A policy ready to evaluate, with where it came from.
#[derive(Clone, Debug)]
pub struct LoadedPolicy {
    pub source: Arc<SourceFile>,
    pub policy: Policy,
    pub kind: PolicyKind,
    pub statements: Box<[CompiledStatement]>,
}

impl LoadedPolicy {
    pub fn new(source: Arc<SourceFile>, policy: Policy, kind: PolicyKind) -> LoadedPolicy {
        let statements = policy.statements.iter().enumerate().map(|(i, s)| CompiledStatement::compile(i, s)).collect();
        LoadedPolicy { source, policy, kind, statements }
    }

    /// The AST statement a compiled one came from.
    pub fn statement(&self, index: usize) -> Option<&Statement> {
        self.policy.statements.get(index)
    }
}
