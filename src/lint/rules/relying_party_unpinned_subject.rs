use crate::declare_rule;
use crate::lint::Finding;
use crate::relying::analysis::{PartyResult, Reached};
use crate::relying::join::Principal;

declare_rule! {
    /// ## What it finds
    /// A relying party that binds no subject, or binds it with a pattern (`*`, `startsWith`), while some
    /// principal of the inputs reaches it: every principal that can mint a token it accepts gets in, and the
    /// finding lists them all (each with a witness request).
    ///
    /// A subject is pinned by an exact `bound_subject` (Vault), the `subject` of an Entra federated
    /// credential, an exact `sub` in `required_claims`, `bound_claims` or a `[[relying_party]]` table, or a
    /// Google `attribute_condition` that compares `assertion.sub` (or the attribute mapped from it) with
    /// literal ARNs only.
    ///
    /// ## Why it matters
    /// The audience rarely isolates a relying party (`api://AzureADTokenExchange` is every Entra
    /// credential's audience): without a subject binding, any role that may mint that audience — today's and
    /// tomorrow's — is trusted. The list shows who can get in now.
    ///
    /// ## Example
    /// ```hcl
    /// resource "vault_jwt_auth_backend_role" "any" {
    ///   role_type       = "jwt"
    ///   bound_audiences = ["vault.example"]
    ///   user_claim      = "sub"
    /// }
    /// ```
    ///
    /// ## Fix
    /// Bind the subject to the role ARN that should get in (`bound_subject`, Entra `subject`, EKS
    /// `required_claims = { sub = ... }`, Google `assertion.sub == '...'`).
    pub static RELYING_PARTY_UNPINNED_SUBJECT = "MINT121", "relying-party-unpinned-subject", Warning, "a relying party binds no subject (or a pattern): every listed principal gets in";
}

/// A witness in one line: the principal's request, as the cases file writes it.
pub fn witness_line(reached: &Reached) -> String {
    let r = &reached.witness.request;
    let mut parts =
        vec![format!("audience [{}]", r.audiences().iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", "))];
    if let Some(m) = r.token() {
        parts.push(format!("signing algorithm `{}`", m.signing_algorithm));
    }
    if !r.tags.is_empty() {
        parts.push(format!("tags {}", r.tags.iter().map(|(k, v)| format!("`{k}={v}`")).collect::<Vec<_>>().join(", ")));
    }
    parts.join(", ")
}

pub fn finding(party: &PartyResult, principals: &[(&Principal, &Reached)]) -> Finding {
    let rp = &party.rp;
    let span = rp.subject.as_ref().map_or(rp.span, |(s, _)| s.span);
    let names: Vec<String> = principals.iter().map(|(p, _)| p.display.clone()).collect();
    let detail: Vec<String> = principals.iter().map(|(p, r)| format!("{}: {}", p.display, witness_line(r))).collect();
    Finding::new(
        &RELYING_PARTY_UNPINNED_SUBJECT,
        &rp.source,
        span,
        format!(
            "`{}` pins no subject: {} {} get{} in",
            rp.id,
            names.len(),
            if names.len() == 1 { "principal" } else { "principals" },
            if names.len() == 1 { "s" } else { "" }
        ),
    )
    .label(if rp.subject.is_some() { "a subject pattern" } else { "no subject binding" })
    .help(format!("bind the subject to the one role ARN that should get in; reached by {}", detail.join("; ")))
}
