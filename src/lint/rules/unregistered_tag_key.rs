use crate::declare_rule;
use crate::lint::facts::TAG_KEYS_KEY;
use crate::lint::{Document, Finding, LintContext};
use crate::policy::{Family, SetOp};

declare_rule! {
    /// ## What it finds
    /// With `allowed_tag_keys` configured in `mintlint.toml`, a tag key that a minting or tagging Allow
    /// permits outside that vocabulary: a value of a positive `aws:TagKeys` condition that is not one of the
    /// allowed keys (compared case-insensitively, as IAM compares tag keys), including any pattern with a
    /// wildcard. Silent when `allowed_tag_keys` is not configured; a grant with no `aws:TagKeys` condition
    /// at all is `unrestricted-request-tags`.
    ///
    /// ## Why it matters
    /// The tag keys are the names of the token's custom claims. The receiving services agree on a
    /// vocabulary; a key outside it is a claim nobody validates, or one that collides with a claim another
    /// service trusts.
    ///
    /// ## Example
    /// ```toml
    /// [token]
    /// allowed_tag_keys = ["team"]
    /// ```
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:TagGetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "role"]}}}]}
    /// ```
    ///
    /// ## Fix
    /// Remove the key from the policy, or add it to `allowed_tag_keys` once the receiving services agree on it.
    pub static UNREGISTERED_TAG_KEY = "MINT106", "unregistered-tag-key", Warning, "tag keys outside the configured vocabulary may be set";
}

fn words(key: &str, allowed: &[String]) -> (String, &'static str, String) {
    let list = allowed.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
    (
        format!("tag key `{key}` is outside the allowed claim vocabulary"),
        "not in `allowed_tag_keys`",
        format!("allowed keys: {list}; remove this one or add it to `allowed_tag_keys` in mintlint.toml"),
    )
}

pub fn check(doc: &Document, ctx: &LintContext, out: &mut Vec<Finding>) {
    let Some(allowed) = &ctx.token.allowed_tag_keys else { return };
    for view in doc.statements() {
        if !(view.facts.grants_tag() || view.facts.grants_mint()) {
            continue;
        }
        for clause in &view.statement.conditions {
            let operator = clause.operator.node;
            let positive = operator.kind.family() == Family::String && !operator.kind.is_negated();
            if clause.key.node.lower() != TAG_KEYS_KEY || !positive || operator.set == Some(SetOp::ForAnyValue) {
                continue;
            }
            for value in &clause.values {
                let key = value.node.text();
                if allowed.iter().any(|a| a.eq_ignore_ascii_case(key)) {
                    continue;
                }
                let (message, label, help) = words(key, allowed);
                out.push(Finding::new(&UNREGISTERED_TAG_KEY, &doc.source, value.span, message).label(label).help(help));
            }
        }
    }
}
