use crate::declare_rule;
use crate::lint::facts::{AUDIENCE_KEY, MINT_ACTION, mint_grant_span};
use crate::lint::{Document, Finding, LintContext};
use crate::policy::Family;

declare_rule! {
    /// ## What it finds
    /// An Allow that grants `sts:GetWebIdentityToken` (directly, through a wildcard such as `sts:*` or `*`,
    /// or through `NotAction`) with no condition on `sts:IdentityTokenAudience`. A `Null` test alone is no
    /// constraint: every token request carries an audience. Like every token rule it judges only statements
    /// whose `Resource` admits the minting request's `*` (a `sts:*` grant on role ARNs is an AssumeRole
    /// grant; `mint-resource-not-star` reports a minting action named with such a resource).
    ///
    /// ## Why it matters
    /// The audience (`aud` claim) names the service the token is for. Without a constraint the principal can
    /// mint a token that any external service trusting the account's issuer accepts: one compromised
    /// workload can impersonate the account everywhere the issuer is trusted.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// Allow only the audiences the principal needs:
    /// `"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://api.partner.example"]}` and
    /// `"Null": {"sts:IdentityTokenAudience": "false"}`.
    pub static UNRESTRICTED_AUDIENCE = "MINT100", "unrestricted-audience", Error, "minting allowed with no constraint on sts:IdentityTokenAudience";
}

fn words(grant: &str) -> (String, String, &'static str) {
    (
        format!(
            "{grant} lets this principal mint tokens for any audience: no condition on `sts:IdentityTokenAudience`"
        ),
        "grants minting".to_owned(),
        "allow only the audiences needed: add `\"ForAllValues:StringEquals\": {\"sts:IdentityTokenAudience\": [...]}` and `\"Null\": {\"sts:IdentityTokenAudience\": \"false\"}`",
    )
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    for view in doc.statements() {
        if !view.facts.grants_mint() {
            continue;
        }
        let constrained = view.facts.clauses_on(AUDIENCE_KEY).any(|(_, c)| c.operator.kind.family() != Family::Null);
        if constrained {
            continue;
        }
        let span = mint_grant_span(view.statement, MINT_ACTION);
        let grant = format!("`{}`", doc.source.slice(span).trim_matches('"'));
        let grant = if view.statement.action.node.is_not_action() { "`NotAction`".to_owned() } else { grant };
        let (message, label, help) = words(&grant);
        out.push(Finding::new(&UNRESTRICTED_AUDIENCE, &doc.source, span, message).label(label).help(help));
    }
}
