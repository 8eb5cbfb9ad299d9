use std::sync::Arc;

use crate::declare_rule;
use crate::lint::Finding;
use crate::policy::PolicyKind;
use crate::source::{SourceFile, Span};

declare_rule! {
    /// ## What it finds
    /// A policy in a Terraform plan whose text is not known until apply: the plan marks the attribute in
    /// `after_unknown` (an `aws_iam_policy` built from the ARN of a resource created in the same plan, a
    /// policy-document data source whose read is deferred to apply, an SCP that exempts a role the plan
    /// creates). The finding names the resource address and the attribute, and points at the plan's
    /// `after_unknown` entry.
    ///
    /// ## Why it matters
    /// The policy cannot be checked, simulated or diffed before it is deployed, so a mistake in it reaches
    /// the account unreviewed; and a principal whose policy is unknown is simulated without it (the output
    /// says so). Nothing is dropped silently: this is information, not an error.
    ///
    /// ## Example
    /// ```json
    /// {"format_version": "1.2", "terraform_version": "1.9.8",
    ///  "resource_changes": [{"address": "aws_iam_policy.mint", "mode": "managed", "type": "aws_iam_policy", "name": "mint",
    ///    "change": {"actions": ["create"], "before": null, "after": {"name": "mint"},
    ///               "after_unknown": {"arn": true, "id": true, "policy": true}}}]}
    /// ```
    ///
    /// ## Fix
    /// Build the policy from values known at plan time (a name-based ARN pattern such as
    /// `arn:aws:iam::${account}:role/break-glass` instead of `aws_iam_role.break_glass.arn`), or check the
    /// applied state (`terraform show -json` after apply) with mintlint.
    pub static POLICY_UNKNOWN_UNTIL_APPLY = "MINT008", "policy-unknown-until-apply", Info, "a Terraform policy whose text is not known at plan time: it cannot be checked until apply";
}

/// The finding for a policy attribute that the plan marks unknown; `span` is its `after_unknown` entry.
pub fn finding(source: &Arc<SourceFile>, span: Span, address: &str, attribute: &str, kind: PolicyKind) -> Finding {
    let what = match kind {
        PolicyKind::Unknown => "policy",
        other => other.as_str(),
    };
    Finding::new(
        &POLICY_UNKNOWN_UNTIL_APPLY,
        source,
        span,
        format!("`{attribute}` of `{address}` is unknown until apply"),
    )
    .label(format!("the {what} is known only after apply"))
    .help(format!(
        "this {what} is not checked: build it from values known at plan time, or check the state after apply"
    ))
}
