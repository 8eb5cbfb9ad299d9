use crate::declare_rule;
use crate::lint::Finding;
use crate::relying::analysis::PartyResult;
use crate::relying::join::Principal;
use crate::relying::matching::Check;

declare_rule! {
    /// ## What it finds
    /// A relying party whose issuer is a configured account's (`[accounts]` in `mintlint.toml`), where no
    /// principal of that account in the inputs can obtain a token it accepts: the subject names no role of
    /// the inputs (a typo, with "did you mean"), no principal may mint its audience, the algorithms do not
    /// meet, a claim condition never holds, or a Vault role refuses JWT login (`role_type` unset is
    /// `oidc`) or binds no audience. The finding says which part fails and points at it.
    ///
    /// Reported only when the join decided every principal (none undecided) and the inputs hold principals
    /// of the relying party's account: a trust configured for roles defined elsewhere is not a finding.
    ///
    /// ## Why it matters
    /// A dead trust is a misconfiguration nobody notices until the integration is needed, or a leftover that
    /// starts working the day someone creates a role with the typo'd name.
    ///
    /// ## Example
    /// ```hcl
    /// resource "azuread_application_federated_identity_credential" "ledger" {
    ///   audiences = ["api://AzureADTokenExchange"]
    ///   issuer    = "https://abc123.tokens.sts.global.api.aws"
    ///   subject   = "arn:aws:iam::111122223333:role/ledger-exprot"
    /// }
    /// ```
    ///
    /// ## Fix
    /// Correct the failing part (the subject ARN, the audience, the algorithm), or remove the trust.
    pub static RELYING_PARTY_UNREACHABLE = "MINT122", "relying-party-unreachable", Warning, "no principal of the inputs can obtain a token the relying party accepts";
}

pub fn finding(party: &PartyResult, failure: Option<&Check>, nearest: Option<&Principal>) -> Finding {
    let rp = &party.rp;
    let (span, why) = match failure {
        Some(c) => (c.span, format!("{}: {}", c.part.as_str(), c.detail)),
        None => (rp.span, "no principal of its account can mint any token".to_owned()),
    };
    let mut f = Finding::new(
        &RELYING_PARTY_UNREACHABLE,
        &rp.source,
        span,
        format!("no principal of the inputs reaches `{}` ({why})", rp.id),
    )
    .label(failure.map_or_else(|| "unreachable".to_owned(), |c| format!("the {} fails", c.part.as_str())));
    f = match nearest {
        Some(p) => f.help(format!("did you mean `{}` ({})?", p.arn, p.display)),
        None => f.help("correct the failing part, or remove the trust if it is no longer used"),
    };
    f
}
