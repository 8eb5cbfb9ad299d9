use crate::declare_rule;
use crate::lint::facts::{MINT_ACTION, is_network_key, mint_grant_span};
use crate::lint::{Document, Finding, LintContext};

declare_rule! {
    /// ## What it finds
    /// With `require_network_guard = true` in `mintlint.toml`, a minting Allow with no condition on where the
    /// request comes from: `aws:SourceVpc`, `aws:SourceVpce`, `aws:SourceVpcArn`, `aws:SourceIp` or
    /// `aws:VpcSourceIp`. Silent unless the configuration requires a guard. (A guard that passes when its
    /// key is absent is `vacuous-if-exists`.)
    ///
    /// ## Why it matters
    /// Without a network guard, credentials that leak from the workload mint tokens from anywhere on the
    /// internet; with one, only from the organisation's network.
    ///
    /// ## Example
    /// ```toml
    /// [token]
    /// require_network_guard = true
    /// ```
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://api.partner.example"]}}}]}
    /// ```
    ///
    /// ## Fix
    /// Add `"StringEquals": {"aws:SourceVpce": "vpce-..."}` (the STS interface endpoint) or an
    /// `aws:SourceVpc` condition.
    pub static MISSING_NETWORK_GUARD = "MINT109", "missing-network-guard", Info, "no source VPC/VPCE/IP guard while the config requires one";
}

fn words() -> (&'static str, &'static str, &'static str) {
    (
        "tokens may be minted from any network: no `aws:SourceVpc`, `aws:SourceVpce` or `aws:SourceIp` condition",
        "no network guard",
        "add `\"StringEquals\": {\"aws:SourceVpce\": \"vpce-...\"}` for the STS interface endpoint",
    )
}

pub fn check(doc: &Document, ctx: &LintContext, out: &mut Vec<Finding>) {
    if !ctx.token.require_network_guard {
        return;
    }
    for view in doc.statements() {
        if !view.facts.grants_mint() || view.facts.compiled.clauses.iter().any(|c| is_network_key(&c.key)) {
            continue;
        }
        let (message, label, help) = words();
        let span = mint_grant_span(view.statement, MINT_ACTION);
        out.push(Finding::new(&MISSING_NETWORK_GUARD, &doc.source, span, message).label(label).help(help));
    }
}
