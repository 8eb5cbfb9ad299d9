//! The findings of `replay --format sarif` (DESIGN §9.5, codes MINT310-319). They judge recorded calls, not
//! policy text, so `check` never reports them and they are not in its catalogue; README's rule table and
//! `mintlint explain` show them.

use crate::declare_rule;
use crate::lint::Rule;

/// The replay rules, for README's rule table and `mintlint explain` (see [`crate::lint::documented_rules`]).
pub static REPLAY_RULES: &[Rule] =
    &[Rule { meta: &REPLAY_BREAKS_ISSUANCE, check: None }, Rule { meta: &REPLAY_ALLOWS_DENIED, check: None }];

declare_rule! {
    /// ## What it finds
    /// With `replay`: a `GetWebIdentityToken` call that CloudTrail recorded as issued (or that the baseline
    /// allows) and that the current policies deny. The finding sits on the statement that now decides it: the
    /// Deny that matches, or the Allow whose condition the call no longer meets.
    ///
    /// ## Why it matters
    /// A workload that really mints this token will fail after the change is deployed.
    ///
    /// ## Example
    /// The role minted for `https://billing-legacy.partner.example` last week; the change drops that
    /// audience from its policy.
    ///
    /// ## Fix
    /// Keep the audience, lifetime or tag the workload uses, or move the workload off it before deploying.
    pub static REPLAY_BREAKS_ISSUANCE = "MINT310", "replay-breaks-issuance", Error, "a recorded issuance would now be denied";
}

declare_rule! {
    /// ## What it finds
    /// With `replay`: a `GetWebIdentityToken` call that CloudTrail recorded as `AccessDenied` (or that the
    /// baseline denies) and that the current policies allow. The finding sits on the statement that now
    /// allows it.
    ///
    /// ## Why it matters
    /// Someone tried to mint this token and was refused; after the change, they would succeed.
    ///
    /// ## Example
    /// CI was refused a token for `https://vault.prod.example`; the change lets it mint for
    /// `https://vault.*.example`.
    ///
    /// ## Fix
    /// Narrow the grant to what the workloads need, or confirm that the refused caller should now succeed.
    pub static REPLAY_ALLOWS_DENIED = "MINT311", "replay-allows-denied", Error, "a recorded refused request would now be allowed";
}
