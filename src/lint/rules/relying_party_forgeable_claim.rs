use crate::declare_rule;
use crate::lint::Finding;
use crate::relying::analysis::{PartyResult, Reached};
use crate::relying::join::Principal;
use crate::relying::matching::Check;

declare_rule! {
    /// ## What it finds
    /// A relying party (a Vault role, a Google provider, a `[[relying_party]]` table) whose claim condition
    /// is met through a **request tag** that a principal which reaches it may set to any value: the minting
    /// policy lets the caller choose the tag's value freely (a value no policy names is allowed too), and
    /// the relying party accepts the token only because the caller chose the value it binds. The finding
    /// points at the claim condition (or the CEL condition) and names the principal and the request tag.
    ///
    /// Decided by the join of the relying party with every principal's minting policies (the region
    /// analysis of `diff`), with a witness: the request the principal may make, and the same request with
    /// another value, also allowed, that the relying party then rejects.
    ///
    /// ## Why it matters
    /// Request tags are the caller's input (`request_tags` in the token): a condition on them is only as
    /// strong as the minting policy's control of that tag. A Vault role that binds
    /// `request_tags/team = payments` to mean "the payments workload" is open to every principal that may
    /// set `team` freely. Bind a property of the principal instead (`sub`, `principal_tags`), or make the
    /// minting policy bind the tag to one (`aws:RequestTag/team` = `${aws:PrincipalTag/team}`).
    ///
    /// ## Example
    /// ```hcl
    /// resource "vault_jwt_auth_backend_role" "payments" {
    ///   role_type       = "jwt"
    ///   bound_audiences = ["vault.example"]
    ///   bound_claims    = { "/https:~1~1sts.amazonaws.com~1/request_tags/team" = "payments" }
    ///   user_claim      = "sub"
    /// }
    /// ```
    /// next to a role whose policy allows `sts:TagGetWebIdentityToken` with any `team` value.
    ///
    /// ## Fix
    /// Bind `sub` (the role ARN) or a principal tag in the relying party, or constrain the tag's value in the
    /// minting policy with `"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}`.
    pub static RELYING_PARTY_FORGEABLE_CLAIM = "MINT120", "relying-party-forgeable-claim", Error, "a relying party's claim condition is met by a request tag the caller sets freely";
}

pub fn finding(
    party: &PartyResult,
    principal: &Principal,
    reached: &Reached,
    tag: &str,
    value: &str,
    check: &Check,
) -> Finding {
    let rp = &party.rp;
    Finding::new(
        &RELYING_PARTY_FORGEABLE_CLAIM,
        &rp.source,
        check.span,
        format!("`{}` accepts request tag `{tag}={value}`, which {} may set to any value", rp.id, principal.display),
    )
    .label("met by a caller-chosen request tag")
    .help(format!(
        "bind a property of the principal (`sub`, principal tags) instead, or bind the tag in the minting policy: \
         `aws:RequestTag/{tag}` = `${{aws:PrincipalTag/{tag}}}`; witness: {}",
        super::relying_party_unpinned_subject::witness_line(reached)
    ))
}
