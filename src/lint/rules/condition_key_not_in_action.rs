use crate::declare_rule;
use crate::lint::facts::{carries_key, listed_actions};
use crate::lint::{Document, Finding, LintContext};
use crate::policy::Effect;
use crate::service::ActionInfo;

declare_rule! {
    /// ## What it finds
    /// A statement that mixes a token-minting action (`sts:GetWebIdentityToken`,
    /// `sts:TagGetWebIdentityToken`) with other actions, where a condition key is carried by some of the
    /// statement's actions but not by others: `sts:IdentityTokenAudience` next to `sts:AssumeRole`, say.
    /// Statements whose actions are `*` or a `NotAction` are not judged (they cover every action;
    /// `implicit-mint-grant` reports the minting part).
    ///
    /// Whether the tag check of a token request sees the `sts:*` keys is not documented by AWS; the
    /// assumption `tag_check_sees_sts_keys` (default `true`) decides it here as in the simulator.
    ///
    /// ## Why it matters
    /// For the actions whose requests never carry the key, the key is absent: in an Allow the statement
    /// silently never applies to them (the grant looks broader than it is), in a Deny the guard never fires
    /// for them. Either way the statement does not mean what it reads.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sts:GetWebIdentityToken", "sts:AssumeRole"],
    ///   "Resource": "*", "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://api.partner.example"]},
    ///   "Null": {"sts:IdentityTokenAudience": "false"}}}]}
    /// ```
    ///
    /// ## Fix
    /// Split the statement: one for the minting actions with the token conditions, one for the other actions
    /// with theirs.
    pub static CONDITION_KEY_NOT_IN_ACTION = "MINT119", "condition-key-not-in-action", Warning, "a statement mixing minting with actions whose requests never carry its condition key";
}

fn words(key: &str, missing: &[String], effect: Effect) -> (String, String, String) {
    let list = missing.iter().take(3).map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
    let more = if missing.len() > 3 { format!(" and {} more", missing.len() - 3) } else { String::new() };
    let consequence = match effect {
        Effect::Allow => "this statement silently never applies to them",
        Effect::Deny => "this Deny guard never fires for them as written",
    };
    (
        format!("requests for {list}{more} never carry `{key}`: {consequence}"),
        format!("not carried by {list}{more}"),
        "split the statement so each one's conditions fit its actions".to_owned(),
    )
}

pub fn check(doc: &Document, ctx: &LintContext, out: &mut Vec<Finding>) {
    for view in doc.statements() {
        if !(view.facts.covers_mint || view.facts.covers_tag) || view.statement.conditions.is_empty() {
            continue;
        }
        let Some(actions) = listed_actions(view.statement) else { continue };
        let mut reported: Vec<&str> = Vec::new();
        for (clause, info) in view.statement.conditions.iter().zip(&view.facts.keys) {
            if info.is_none_or(|i| i.global) || view.key_unknown(clause) || reported.contains(&clause.key.node.lower())
            {
                continue;
            }
            let key = clause.key.node.as_str();
            let (carrying, missing): (Vec<&ActionInfo<'_>>, Vec<&ActionInfo<'_>>) =
                actions.iter().partition(|a| carries_key(a, key, &ctx.assumptions));
            if carrying.is_empty() || missing.is_empty() {
                continue;
            }
            let missing: Vec<String> = missing.iter().map(|a| a.full_name()).collect();
            reported.push(clause.key.node.lower());
            let (message, label, help) = words(key, &missing, view.statement.effect.node);
            out.push(
                Finding::new(&CONDITION_KEY_NOT_IN_ACTION, &doc.source, clause.key.span, message)
                    .label(label)
                    .help(help),
            );
        }
    }
}
