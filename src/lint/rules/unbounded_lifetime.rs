use crate::declare_rule;
use crate::lint::facts::{DURATION_KEY, MINT_ACTION, duration_denies, max_admitted_duration, mint_grant_span};
use crate::lint::{Document, Finding, LintContext};

declare_rule! {
    /// ## What it finds
    /// A minting Allow that admits the longest lifetime the API offers, 3600 s: no condition on
    /// `sts:DurationSeconds`, or conditions that do not cap it. A Deny of the same policy that covers minting
    /// and has only lifetime conditions (`NumericGreaterThan sts:DurationSeconds 900`) counts as a cap.
    /// Caps in other policies (an SCP, a permissions boundary) are not seen by this rule; `mintlint
    /// simulate` and `graph` combine the layers.
    ///
    /// ## Why it matters
    /// A token is a bearer credential until it expires, and disabling the account's issuer does not revoke
    /// tokens already minted. AWS recommends short lifetimes; the API default is 300 s.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://api.partner.example"]}}}]}
    /// ```
    ///
    /// ## Fix
    /// Add `"NumericLessThanEqualsIfExists": {"sts:DurationSeconds": 900}` (`IfExists` keeps requests that
    /// omit the duration, which then get 300 s).
    pub static UNBOUNDED_LIFETIME = "MINT103", "unbounded-lifetime", Warning, "no cap on sts:DurationSeconds: tokens up to 3600 s";
}

fn words(has_condition: bool) -> (&'static str, &'static str, &'static str) {
    let (message, label) = if has_condition {
        (
            "this lifetime condition does not cap `sts:DurationSeconds` below the API maximum: tokens may live 3600 s",
            "admits 3600 s",
        )
    } else {
        ("no cap on `sts:DurationSeconds`: tokens may live 3600 s", "grants minting")
    };
    let help = if has_condition {
        "lower the cap: `\"NumericLessThanEqualsIfExists\": {\"sts:DurationSeconds\": 900}`"
    } else {
        "add `\"NumericLessThanEqualsIfExists\": {\"sts:DurationSeconds\": 900}`"
    };
    (message, label, help)
}

pub fn check(doc: &Document, ctx: &LintContext, out: &mut Vec<Finding>) {
    for view in doc.statements() {
        if !view.facts.grants_mint() {
            continue;
        }
        let denies = duration_denies(doc.policy_facts(view.policy));
        if max_admitted_duration(view.facts, &denies, &ctx.assumptions) != Some(3600) {
            continue;
        }
        // Point at the lifetime condition that fails to cap, or at the grant when there is none.
        let condition = view.statement.conditions.iter().find(|c| c.key.node.lower() == DURATION_KEY);
        let (message, label, help) = words(condition.is_some());
        let span = condition.map_or_else(|| mint_grant_span(view.statement, MINT_ACTION), |c| c.values_span);
        out.push(Finding::new(&UNBOUNDED_LIFETIME, &doc.source, span, message).label(label).help(help));
    }
}
