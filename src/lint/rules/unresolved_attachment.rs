use std::sync::Arc;

use crate::declare_rule;
use crate::lint::Finding;
use crate::source::{SourceFile, Span};

declare_rule! {
    /// ## What it finds
    /// A Terraform attachment (`aws_iam_role_policy_attachment`, `aws_iam_policy_attachment`,
    /// `aws_iam_role_policy`, the user and group equivalents) one of whose ends is not known statically:
    /// the role, user or group it attaches to (`role = var.role_name` with no value), or the policy it
    /// attaches (`policy_arn` from a variable without a value, or a policy whose text is unknown).
    ///
    /// ## Why it matters
    /// `simulate` and `diff` cannot tell which principal the policy reaches. Leaving it out would make a
    /// Deny disappear (a token AWS denies would be reported allowed); attaching it everywhere would invent
    /// one. Every principal it may reach is reported `incomplete` instead, and the finding names both ends.
    ///
    /// ## Example
    /// ```hcl
    /// variable "role_name" {}
    ///
    /// resource "aws_iam_role_policy_attachment" "cap" {
    ///   role       = var.role_name
    ///   policy_arn = "arn:aws:iam::111122223333:policy/token-cap"
    /// }
    /// ```
    ///
    /// ## Fix
    /// Give the value statically (a default, a `.tfvars` file, the module call's argument), check the
    /// configuration that calls this module, or check the plan (`terraform show -json`).
    pub static UNRESOLVED_ATTACHMENT = "MINT023", "unresolved-attachment", Info, "a Terraform attachment whose principal or policy is not known statically: simulate and diff of what it may reach are incomplete";
}

pub fn target(source: &Arc<SourceFile>, span: Span, address: &str, policy: &str, kind: &str, why: &str) -> Finding {
    Finding::new(
        &UNRESOLVED_ATTACHMENT,
        source,
        span,
        format!("`{address}` attaches {policy} to a {kind} that is not known statically"),
    )
    .label(why.to_owned())
    .help(format!("every {kind} of the configuration is simulated as possibly having this policy (`incomplete`); give the {kind} statically, or check the plan"))
}

pub fn policy(source: &Arc<SourceFile>, span: Span, address: &str, why: &str) -> Finding {
    Finding::new(&UNRESOLVED_ATTACHMENT, source, span, format!("the policy that `{address}` attaches is not known statically"))
        .label(why.to_owned())
        .help("the principals it attaches to are simulated without it (`incomplete`); give the policy statically, or check the plan")
}
