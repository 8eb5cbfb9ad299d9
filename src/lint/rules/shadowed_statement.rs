use crate::declare_rule;
use crate::lint::facts::{StatementFacts, listed_actions};
use crate::lint::{Document, Finding, LintContext};
use crate::policy::{ResourceClause, Statement};

declare_rule! {
    /// ## What it finds
    /// Within one policy:
    ///
    /// * an Allow that an explicit Deny always overrides: the Deny has no conditions, covers every action
    ///   the Allow lists (the evaluator's action matcher is asked for each action the Allow's entries name or
    ///   match in the service reference) and every resource (`"Resource": "*"`, or the same entries);
    /// * an Allow that repeats another Allow of the policy (same actions, resources and conditions; the `Sid`
    ///   may differ).
    ///
    /// An Allow with `*` or `NotAction` is judged only against a Deny of `*`.
    ///
    /// ## Why it matters
    /// The statement does nothing, yet a reader (and a reviewer of a change to it) believes it grants
    /// something. Dead statements hide the real shape of a policy.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [
    ///   {"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///    "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://api.partner.example"]}}},
    ///   {"Effect": "Deny", "Action": "sts:*", "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// Delete the dead statement, or narrow the Deny if the Allow is meant to work.
    pub static SHADOWED_STATEMENT = "MINT112", "shadowed-statement", Info, "an Allow that an explicit Deny in the same policy always overrides, or a duplicate of another Allow";
}

fn words(duplicate: bool) -> (&'static str, &'static str, &'static str, &'static str) {
    if duplicate {
        (
            "this Allow repeats an earlier one: it grants nothing more",
            "repeats an earlier Allow",
            "the earlier Allow",
            "delete the repetition",
        )
    } else {
        (
            "an unconditional Deny in this policy always overrides this Allow: it grants nothing",
            "never takes effect",
            "overridden by this Deny",
            "delete the Allow, or narrow the Deny if the Allow is meant to work",
        )
    }
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    for (index, unit) in doc.policies.iter().enumerate() {
        let facts = doc.policy_facts(index);
        // A template's statements are not known until it is filled: none shadows or repeats another yet.
        let statements: Vec<(&Statement, &StatementFacts)> =
            unit.policy.statements.iter().zip(facts).filter(|(s, _)| s.placeholders.is_empty()).collect();
        for (i, (allow, allow_facts)) in statements.iter().enumerate() {
            if !allow_facts.is_allow() {
                continue;
            }
            let earlier = statements.iter().take(i).find(|(other, f)| f.is_allow() && same_grant(allow, other));
            let shadow = statements
                .iter()
                .find(|(deny, f)| !f.is_allow() && deny.conditions.is_empty() && overrides(deny, f, allow));
            let (related, duplicate) = match (earlier, shadow) {
                (Some((other, _)), _) => (other.span, true),
                (None, Some((deny, _))) => (deny.span, false),
                (None, None) => continue,
            };
            let (message, label, related_label, help) = words(duplicate);
            out.push(
                Finding::new(&SHADOWED_STATEMENT, &doc.source, allow.effect.span, message)
                    .label(label)
                    .related(&doc.source, related, related_label)
                    .help(help),
            );
        }
    }
}

/// Equal but for the `Sid` (spans never count).
fn same_grant(a: &Statement, b: &Statement) -> bool {
    // Counts first: policies with hundreds of statements compare every pair.
    a.conditions.len() == b.conditions.len()
        && a.action.node.patterns().len() == b.action.node.patterns().len()
        && a.action == b.action
        && a.resource == b.resource
        && a.principal == b.principal
        && a.conditions.len() == b.conditions.len()
        && a.conditions
            .iter()
            .zip(&b.conditions)
            .all(|(x, y)| x.operator.node == y.operator.node && x.key.node == y.key.node && x.values == y.values)
}

/// The unconditional Deny covers every action and resource of the Allow.
fn overrides(deny: &Statement, deny_facts: &StatementFacts, allow: &Statement) -> bool {
    if deny.principal.is_some() || allow.principal.is_some() || !covers_resources(deny, allow) {
        return false;
    }
    if deny_facts.compiled.matches_action("*") && deny.action.node.patterns().iter().any(|p| p.node.is_any()) {
        return true;
    }
    let Some(actions) = listed_actions(allow) else { return false };
    !actions.is_empty() && actions.iter().all(|a| deny_facts.compiled.matches_action(&a.full_name()))
}

fn covers_resources(deny: &Statement, allow: &Statement) -> bool {
    let (Some(deny_resource), Some(allow_resource)) = (&deny.resource, &allow.resource) else { return false };
    let ResourceClause::Resource(deny_entries) = &deny_resource.node else { return false };
    if deny_entries.iter().any(|e| e.node.raw() == "*") {
        return true;
    }
    let ResourceClause::Resource(allow_entries) = &allow_resource.node else { return false };
    allow_entries.iter().all(|a| deny_entries.iter().any(|d| d.node == a.node))
}
