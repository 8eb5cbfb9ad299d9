use crate::declare_rule;
use crate::lint::Finding;
use crate::relying::analysis::PartyResult;

declare_rule! {
    /// ## What it finds
    /// A relying party that trusts an AWS outbound-federation issuer (`https://<id>.tokens.sts.global.api.aws`,
    /// or a near miss such as one with a trailing `/`) that is no configured account's issuer in
    /// `mintlint.toml` (`[accounts."ID"] issuer = ...`). Silent when no account issuer is configured.
    ///
    /// ## Why it matters
    /// Issuers are compared as exact strings: a typo, a trailing slash or the issuer of another account means
    /// the relying party accepts tokens of an account nobody here reviews, or none at all.
    ///
    /// ## Example
    /// ```hcl
    /// resource "vault_jwt_auth_backend" "aws" {
    ///   bound_issuer = "https://abc123.tokens.sts.global.api.aws/"
    /// }
    /// ```
    /// with `[accounts."111122223333"] issuer = "https://abc123.tokens.sts.global.api.aws"`.
    ///
    /// ## Fix
    /// Use the account's issuer exactly as `aws iam get-outbound-web-identity-federation-info` returns it, or
    /// add the account to `[accounts]` if it is one of yours.
    pub static RELYING_PARTY_ISSUER_UNKNOWN = "MINT123", "relying-party-issuer-unknown", Warning, "a relying party trusts an issuer that is no configured account's";
}

pub fn finding(party: &PartyResult, issuer: &str, known: &[String]) -> Finding {
    let rp = &party.rp;
    let span = rp.issuer.as_ref().map_or(rp.span, |i| i.span);
    let hint = crate::text::nearest(issuer, known.iter().map(String::as_str));
    Finding::new(
        &RELYING_PARTY_ISSUER_UNKNOWN,
        &rp.source,
        span,
        format!("`{}` trusts issuer `{issuer}`, which is no configured account's", rp.id),
    )
    .label("not an account issuer of mintlint.toml")
    .help(match hint {
        Some(h) => format!("did you mean `{h}`?"),
        None => "use an account's issuer exactly, or add the account to `[accounts]` in mintlint.toml".to_owned(),
    })
}
