use std::sync::Arc;

use crate::declare_rule;
use crate::lint::Finding;
use crate::source::{SourceFile, Span};

declare_rule! {
    /// ## What it finds
    /// With `check --baseline PATH`: a token request that the baseline denied and the checked policies now
    /// allow (semantic drift toward more access). Each finding names what widened (new audiences, a higher
    /// maximum lifetime, new tag keys or freely chosen tag values, the signing algorithm, a lost network or
    /// time guard, a principal that can now mint at all) and carries a witness request that
    /// `mintlint simulate` allows on the current policies and denies on the baseline. It points at the
    /// current statement that allows the witness; the baseline statement that allowed a neighbouring request,
    /// or the baseline Deny that denied it, is shown beside it.
    ///
    /// The comparison is exact: it covers every request, not samples, and says `inexact` (with why) for a
    /// principal whose policies it cannot cover within the budget.
    ///
    /// ## Why it matters
    /// Widening is how incidents outlive their fix: someone allows an extra audience or a longer lifetime to
    /// unblock a deploy and forgets to revert it. A textual diff cannot tell that apart from a harmless
    /// reorder; this rule only fires when some request is really allowed now that was denied before.
    ///
    /// ## Example
    /// The baseline (`--baseline`):
    /// ```json baseline
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://api.partner.example"]},
    ///                 "Null": {"sts:IdentityTokenAudience": "false"}}}]}
    /// ```
    /// The checked policy allows a second audience:
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://api.partner.example", "https://debug.example"]},
    ///                 "Null": {"sts:IdentityTokenAudience": "false"}}}]}
    /// ```
    ///
    /// ## Fix
    /// If the widening is not intended, restore the guard the finding names. If it is intended, review it and
    /// update the baseline (for example the plan of the main branch) so the next comparison starts from it.
    pub static DRIFT_WIDENING = "MINT300", "drift-widening", Error, "a token request the baseline denied is now allowed";
}

/// The finding for one widening of one principal, at the current statement that allows the witness (`at`),
/// with the baseline statements beside it: each one either denied the witness (`true`) or allowed only a
/// request that differs from it in the widened dimension (`false`).
pub fn finding(
    principal: &str,
    description: &str,
    witness: &str,
    at: (&Arc<SourceFile>, Span),
    baseline: &[(Arc<SourceFile>, Span, bool)],
) -> Finding {
    let mut f = Finding::new(&DRIFT_WIDENING, at.0, at.1, format!("`{principal}` widened: {description}"))
        .label("allows the witness request; the baseline denied it")
        .help(format!("witness: {witness}; restore the guard if this is not intended, or update the baseline"));
    for (source, span, denied) in baseline {
        let label = if *denied {
            "the baseline denied the witness here"
        } else {
            "the baseline allowed only a neighbouring request here"
        };
        f = f.related(source, *span, label);
    }
    f
}

/// A principal the comparison could not cover within its budget or language: no widening can be ruled out.
pub fn inexact(principal: &str, reason: &str, source: &Arc<SourceFile>) -> Finding {
    Finding::new(&DRIFT_WIDENING, source, Span::new(0, 0), format!("`{principal}` could not be compared exactly"))
        .label("widening cannot be ruled out here")
        .help(format!("{reason}; simplify the conditions, or raise the budget with `mintlint diff --budget`"))
}
