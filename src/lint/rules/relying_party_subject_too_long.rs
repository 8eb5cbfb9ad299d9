use crate::declare_rule;
use crate::lint::Finding;
use crate::relying::analysis::PartyResult;
use crate::relying::join::Principal;
use crate::relying::matching::Check;

declare_rule! {
    /// ## What it finds
    /// A Google workload identity provider whose `google.subject` mapping yields more than 127 bytes for a
    /// principal that meets every other condition: Google rejects the exchange. Role ARNs with a long path
    /// or name (`arn:aws:iam::111122223333:role/platform/ci/...`) pass 127 bytes easily when mapped whole
    /// (`"google.subject" = "assertion.sub"`).
    ///
    /// ## Why it matters
    /// The trust looks right and fails at run time for exactly the principals it was written for.
    ///
    /// ## Example
    /// ```hcl
    /// resource "google_iam_workload_identity_pool_provider" "aws" {
    ///   attribute_mapping = { "google.subject" = "assertion.sub" }
    ///   oidc { issuer_uri = "https://abc123.tokens.sts.global.api.aws" allowed_audiences = ["gcp"] }
    /// }
    /// ```
    /// with a role whose ARN is longer than 127 bytes.
    ///
    /// ## Fix
    /// Map a shorter value: `assertion.sub.extract('role/{name}')`, or a hash of the ARN, and bind that.
    pub static RELYING_PARTY_SUBJECT_TOO_LONG = "MINT124", "relying-party-subject-too-long", Error, "Google's google.subject would exceed 127 bytes for a principal";
}

pub fn finding(party: &PartyResult, principal: &Principal, check: &Check) -> Finding {
    let rp = &party.rp;
    Finding::new(
        &RELYING_PARTY_SUBJECT_TOO_LONG,
        &rp.source,
        check.span,
        format!("`{}` rejects {}: {}", rp.id, principal.display, check.detail),
    )
    .label("google.subject over 127 bytes")
    .help("map a shorter subject, such as `assertion.sub.extract('role/{name}')`")
}
