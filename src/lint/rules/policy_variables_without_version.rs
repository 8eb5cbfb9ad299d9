use crate::declare_rule;
use crate::lint::{Document, Finding, LintContext};
use crate::policy::placeholder::has_iam_variable;
use crate::policy::{Policy, Version};
use crate::source::Span;

declare_rule! {
    /// ## What it finds
    /// A policy variable (`${aws:username}`, `${aws:PrincipalTag/team}`) in a `Resource` or a condition
    /// value of a policy that does not declare `"Version": "2012-10-17"`.
    ///
    /// ## Why it matters
    /// Without that version (no `Version` at all means the legacy `2008-10-17`), IAM does not substitute
    /// variables: `${aws:PrincipalTag/team}` is compared as those literal characters, so a guard that binds a
    /// claim to the caller's team matches nothing (an Allow grants nothing) or everything (a negated Deny
    /// always fires).
    ///
    /// ## Example
    /// ```json
    /// {"Statement": [{"Effect": "Allow", "Action": "sts:TagGetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}}]}
    /// ```
    ///
    /// ## Fix
    /// Add `"Version": "2012-10-17"` at the top of the policy (or replace `2008-10-17` with it).
    pub static POLICY_VARIABLES_WITHOUT_VERSION = "MINT003", "policy-variables-without-version", Warning, "`${...}` in a policy without \"Version\": \"2012-10-17\": variables are then literal text";
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    for unit in &doc.policies {
        let policy = &unit.policy;
        if policy.substitutes_variables() {
            continue;
        }
        for span in variable_spans(policy) {
            let text = doc.source.slice(span);
            let mut finding = Finding::new(
                &POLICY_VARIABLES_WITHOUT_VERSION,
                &doc.source,
                span,
                format!("policy variable in {text} is literal text without \"Version\": \"2012-10-17\""),
            )
            .label("compared as these literal characters");
            finding = match &policy.version {
                Some(v) if v.node == Version::V2008_10_17 => finding
                    .related(&doc.source, v.span, "the legacy language version")
                    .help("set \"Version\": \"2012-10-17\" so IAM substitutes the variable")
                    .fix("use the current policy language", v.span, "\"2012-10-17\""),
                _ => {
                    let after_brace = Span::new(policy.span.start + 1, policy.span.start + 1);
                    finding
                        .help(
                            "add \"Version\": \"2012-10-17\" at the top of the policy so IAM substitutes the variable",
                        )
                        .fix("declare the current policy language", after_brace, "\"Version\": \"2012-10-17\", ")
                }
            };
            out.push(finding);
        }
    }
}

/// Spans of the `Resource` entries and condition values that hold an IAM policy variable (a template's
/// `${ACCOUNT_ID}` is filled in before IAM sees the policy, whatever its version).
fn variable_spans(policy: &Policy) -> Vec<Span> {
    let mut spans = Vec::new();
    for statement in &policy.statements {
        if let Some(resource) = &statement.resource {
            spans.extend(resource.node.patterns().iter().filter(|p| has_iam_variable(p.node.raw())).map(|p| p.span));
        }
        for clause in &statement.conditions {
            spans.extend(clause.values.iter().filter(|v| has_iam_variable(v.node.template.raw())).map(|v| v.span));
        }
    }
    spans
}
