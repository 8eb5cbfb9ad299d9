use std::sync::Arc;

use crate::declare_rule;
use crate::lint::Finding;
use crate::policy::PolicyProblem;
use crate::source::SourceFile;

declare_rule! {
    /// ## What it finds
    /// JSON that is not a valid IAM policy: a value of the wrong type (a number where a string belongs), an
    /// unknown element (`Statment`, with a "did you mean"), a missing `Statement`, `Effect`, `Action` or
    /// `Resource`, an `Effect` other than exactly `Allow` or `Deny`, an unknown `Version`, `Action` together
    /// with `NotAction`, an unknown condition operator, `NullIfExists`, a malformed policy variable, or a
    /// wildcard in an action's service prefix (`*:GetWebIdentityToken`, which IAM refuses with "Action
    /// vendors (e.g., aws, ec2, etc.) must not contain wildcards").
    /// Every problem in the file is reported, not just the first.
    ///
    /// ## Why it matters
    /// IAM rejects such a policy when it is deployed, so the change fails late; and a tool that reads it
    /// leniently (ignoring the misspelt `Condition`, say) would judge a different policy from the one
    /// written.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "allow", "Action": "sts:GetWebIdentityToken", "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// Follow the help line: here, write `"Effect": "Allow"` (the value is case-sensitive).
    pub static INVALID_POLICY = "MINT001", "invalid-policy", Error, "JSON that is not a valid policy: wrong types, unknown elements, bad Effect or Version, Action with NotAction, no Statement";
}

pub fn finding(source: &Arc<SourceFile>, problem: &PolicyProblem) -> Finding {
    Finding::new(&INVALID_POLICY, source, problem.span, problem.message.clone())
        .label(problem.label.clone())
        .help(problem.help.clone())
}
