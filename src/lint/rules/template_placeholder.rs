use crate::declare_rule;
use crate::lint::{Document, Finding, LintContext};
use crate::policy::placeholder;

declare_rule! {
    /// ## What it finds
    /// A policy *template*: a document with values a templating tool fills in before it reaches IAM, such as
    /// `${ACCELERATOR_NAME}` or `${AWS::AccountId}` (a `${...}` that is no IAM policy variable),
    /// `{{ account_id }}`, the `<my-org-id>` placeholders of AWS's sample policies, or CloudFormation
    /// intrinsics (`{"Ref": "Bucket"}`, `{"Fn::Sub": "..."}`) where a string belongs. Reported once per
    /// document, at the first placeholder, at `info`.
    ///
    /// ## Why it matters
    /// The placeholders are checked as unknown values, never as the literal text: `<my-corporate-cidr>` is no
    /// invalid CIDR and `${ACCELERATOR_NAME}` no IAM variable. What depends on them is therefore not judged:
    /// a statement holding a placeholder is not read as a minting grant (its actions, resources or
    /// conditions are not known yet), and a condition whose key or values are placeholders is skipped by the
    /// condition rules. The other statements and conditions are checked as usual. This finding says where
    /// that happened, so a clean report on a template is not mistaken for a clean policy: check the rendered
    /// policy too (the Terraform plan, `cdk synth` output, the deployed version).
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": "${PARTNER_AUDIENCE}"}}}]}
    /// ```
    ///
    /// ## Fix
    /// Nothing to fix in the template; lint what it renders to as well. Ignore the rule (`--ignore
    /// template-placeholder`) where templates are expected.
    pub static TEMPLATE_PLACEHOLDER = "MINT019", "template-placeholder", Info, "a policy template: placeholders filled in before deployment are checked as unknown values";
}

fn words(first: &str, count: usize) -> (String, &'static str, &'static str) {
    let what = match count {
        0 | 1 => "is a template placeholder, filled in before deployment: checked as an unknown value".to_owned(),
        n => format!(
            "and {} other{} are template placeholders, filled in before deployment: checked as unknown values",
            n - 1,
            if n == 2 { "" } else { "s" }
        ),
    };
    (
        format!("`{first}` {what}, never as written"),
        "a template's placeholder",
        "what depends on the placeholders is not judged here: lint the rendered policy too",
    )
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    for unit in &doc.policies {
        let mut placeholders = unit.policy.statements.iter().flat_map(|s| s.placeholders.iter().copied());
        let Some(first) = placeholders.next() else { continue };
        let count = 1 + placeholders.count();
        let text = doc.source.slice(first);
        // Quote the placeholder itself, or an intrinsic by its first line: the label points at all of it.
        let shown = match intrinsic_name(text) {
            Some(name) => format!("{{\"{name}\": ...}}"),
            None => placeholder::find(text).and_then(|(start, end)| text.get(start..end)).unwrap_or(text).to_owned(),
        };
        let shown: String = shown.lines().next().unwrap_or("").chars().take(60).collect();
        let (message, label, help) = words(&shown, count);
        out.push(Finding::new(&TEMPLATE_PLACEHOLDER, &doc.source, first, message).label(label).help(help));
    }
}

/// `Fn::Sub` of the intrinsic `{"Fn::Sub": ...}` (its text as written).
fn intrinsic_name(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('{')?.trim_start().strip_prefix('"')?;
    rest.get(..rest.find('"')?)
}
