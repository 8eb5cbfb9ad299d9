use crate::declare_rule;
use crate::lint::facts::{carries_key, holds_when_absent, listed_actions, quoted};
use crate::lint::{Document, Finding, LintContext};
use crate::policy::Effect;
use crate::service::ServiceReference;

declare_rule! {
    /// ## What it finds
    /// A condition key that no request for any of the statement's actions carries: a key no AWS service
    /// defines (`sts:IdentityTokenAudiance`, with the nearest known key as "did you mean"), or a real key of
    /// another service (`ec2:Region` on `sts:GetWebIdentityToken`). Global keys (`aws:*` and the few others
    /// the reference lists as global) are carried by every request. A statement whose actions are `*` or a
    /// `NotAction` covers every action, so only keys no service defines are reported there. When at least
    /// one of the statement's actions carries the key, `condition-key-not-in-action` judges it instead.
    ///
    /// Key names compare case-insensitively, including the tag-key part of `aws:RequestTag/...`.
    ///
    /// ## Why it matters
    /// A key the request does not carry is absent, so a positive operator on it never matches: an Allow
    /// grants nothing, and a Deny guard silently never fires (a negated operator, the other way round,
    /// always fires). A misspelt audience key in an organisation's Deny is a guard that does not exist.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAnyValue:StringNotEquals": {"sts:IdentityTokenAudiance": ["https://api.partner.example"]}}}]}
    /// ```
    ///
    /// ## Fix
    /// Correct the key (`sts:IdentityTokenAudience`), or move the condition to a statement whose actions
    /// carry it.
    pub static UNKNOWN_CONDITION_KEY = "MINT010", "unknown-condition-key", Error, "a condition key that no request for the statement's actions carries: the guard never applies";
}

fn words(key: &str, defined_elsewhere: bool, effect: Effect, holds_when_absent: bool) -> (String, &'static str) {
    let consequence = match (holds_when_absent, effect) {
        (true, _) => "the key is always absent, so this condition always holds and restricts nothing",
        (false, Effect::Allow) => "the condition never matches and the statement grants nothing",
        (false, Effect::Deny) => "the key is always absent, so this Deny guard never fires",
    };
    let what = if defined_elsewhere { "no request for these actions carries" } else { "no AWS service defines" };
    (format!("{what} `{key}`: {consequence}"), "unknown condition key")
}

/// Some action carries the key. Actions of the key's own service are asked first: they usually carry it, and
/// the answer then comes without resolving the key lists of every other action.
fn any_carries(actions: &[crate::service::ActionInfo<'_>], key: &str, ctx: &LintContext) -> bool {
    let prefix = key.split_once(':').map_or("", |(p, _)| p);
    let (own, other): (Vec<_>, Vec<_>) = actions.iter().partition(|a| a.service.eq_ignore_ascii_case(prefix));
    own.into_iter().chain(other).any(|a| carries_key(a, key, &ctx.assumptions))
}

pub fn check(doc: &Document, ctx: &LintContext, out: &mut Vec<Finding>) {
    let reference = ServiceReference::get();
    for view in doc.statements() {
        // Listed lazily: only service-specific keys need the statement's actions.
        let mut actions = None;
        for ((clause, info), compiled) in
            view.statement.conditions.iter().zip(&view.facts.keys).zip(view.facts.compiled.clauses.iter())
        {
            let key = clause.key.node.as_str();
            let defined_elsewhere = match info {
                Some(info) if info.global => continue,
                Some(_) => {
                    let listed = actions.get_or_insert_with(|| listed_actions(view.statement));
                    match listed {
                        None => continue,
                        Some(list) if list.is_empty() => continue,
                        Some(list) if any_carries(list, key, ctx) => continue,
                        Some(_) => true,
                    }
                }
                None => false,
            };
            let (message, label) = words(
                key,
                defined_elsewhere,
                view.statement.effect.node,
                holds_when_absent(compiled, &ctx.assumptions),
            );
            let mut finding = Finding::new(&UNKNOWN_CONDITION_KEY, &doc.source, clause.key.span, message).label(label);
            finding = match reference.suggest_key(key) {
                Some(suggestion) => finding.help(format!("did you mean `{suggestion}`?")).fix(
                    format!("use `{suggestion}`"),
                    clause.key.span,
                    quoted(&suggestion),
                ),
                None if defined_elsewhere => {
                    finding.help("move the condition to a statement whose actions carry this key, or remove it")
                }
                None => finding.help("check the key against the AWS global condition keys and the service's keys"),
            };
            out.push(finding);
        }
    }
}
