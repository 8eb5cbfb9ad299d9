use crate::declare_rule;
use crate::lint::facts::{DURATION_KEY, duration_denies, max_admitted_duration};
use crate::lint::{Document, Finding, LintContext};

declare_rule! {
    /// ## What it finds
    /// A minting Allow whose lifetime cap admits tokens longer than the organisation's `max_duration`
    /// (`[token] max_duration` in `mintlint.toml`, default 900 s) but not the full 3600 s (that is
    /// `unbounded-lifetime`). The longest admitted lifetime is worked out by the evaluator from every
    /// condition on `sts:DurationSeconds`, including same-policy Deny statements that only cap lifetime.
    ///
    /// ## Why it matters
    /// Tokens cannot be revoked before they expire; a cap above the agreed maximum widens the window in
    /// which a leaked token works.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://api.partner.example"]},
    ///                 "NumericLessThanEqualsIfExists": {"sts:DurationSeconds": 1800}}}]}
    /// ```
    ///
    /// ## Fix
    /// Lower the cap to the maximum: `"NumericLessThanEqualsIfExists": {"sts:DurationSeconds": 900}`, or
    /// raise `max_duration` if the longer lifetime is agreed.
    pub static LIFETIME_ABOVE_MAXIMUM = "MINT104", "lifetime-above-maximum", Warning, "the cap admits lifetimes above max_duration (default 900 s)";
}

fn words(admitted: i64, maximum: u32) -> (String, String, String) {
    (
        format!("tokens may live {admitted} s, above the maximum of {maximum} s"),
        format!("admits up to {admitted} s"),
        format!("cap `sts:DurationSeconds` at {maximum} or less, or raise `max_duration` in mintlint.toml"),
    )
}

pub fn check(doc: &Document, ctx: &LintContext, out: &mut Vec<Finding>) {
    let maximum = ctx.token.max_duration;
    for view in doc.statements() {
        if !view.facts.grants_mint() {
            continue;
        }
        let denies = duration_denies(doc.policy_facts(view.policy));
        let Some(admitted) = max_admitted_duration(view.facts, &denies, &ctx.assumptions) else { continue };
        if admitted >= 3600 || admitted <= i64::from(maximum) {
            continue;
        }
        // Point at the cap that admits too much: the Allow's own duration condition.
        let span = view
            .statement
            .conditions
            .iter()
            .find(|c| c.key.node.lower() == DURATION_KEY)
            .map_or(view.statement.action.span, |c| c.values_span);
        let (message, label, help) = words(admitted, maximum);
        out.push(Finding::new(&LIFETIME_ABOVE_MAXIMUM, &doc.source, span, message).label(label).help(help));
    }
}
