use crate::declare_rule;
use crate::lint::facts::{REQUEST_TAG_PREFIX, TAG_KEYS_KEY};
use crate::lint::{Document, Finding, LintContext};
use crate::policy::{OperatorKind, SetOp};

declare_rule! {
    /// ## What it finds
    /// A tag key that a tagging Allow permits by name (`"ForAllValues:StringEquals": {"aws:TagKeys":
    /// ["team"]}`) while no statement of the document that grants minting or tagging has a condition on
    /// its value, `aws:RequestTag/team`. Tag-key names compare case-insensitively.
    ///
    /// ## Why it matters
    /// The key is fixed but the caller chooses the value, so the claim `team` says whatever the caller
    /// wants: `team=payments` from the ledger workload. A receiving service that authorizes on the claim is
    /// then fooled.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:TagGetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}}]}
    /// ```
    ///
    /// ## Fix
    /// Bind the value to the caller: `"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}`,
    /// or list the values allowed.
    pub static UNCONSTRAINED_TAG_VALUE = "MINT107", "unconstrained-tag-value", Warning, "an allowed claim tag whose value the caller chooses freely";
}

fn words(key: &str) -> (String, &'static str, String) {
    (
        format!("the caller chooses the value of claim tag `{key}` freely"),
        "value unconstrained",
        format!(
            "bind it to the caller: `\"StringEquals\": {{\"aws:RequestTag/{key}\": \"${{aws:PrincipalTag/{key}}}\"}}`"
        ),
    )
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    // The value conditions of every grant that takes part in a tagged token request.
    let constrained: Vec<&str> = doc
        .statements()
        .filter(|s| s.facts.grants_tag() || s.facts.grants_mint())
        .flat_map(|s| s.statement.conditions.iter())
        .filter_map(|c| c.key.node.lower().strip_prefix(REQUEST_TAG_PREFIX))
        .collect();
    for view in doc.statements() {
        if !view.facts.grants_tag() {
            continue;
        }
        for clause in &view.statement.conditions {
            let operator = clause.operator.node;
            let listing = matches!(operator.kind, OperatorKind::StringEquals | OperatorKind::StringEqualsIgnoreCase)
                && operator.set == Some(SetOp::ForAllValues);
            if clause.key.node.lower() != TAG_KEYS_KEY || !listing {
                continue;
            }
            for value in &clause.values {
                let key = value.node.text();
                if constrained.iter().any(|c| c.eq_ignore_ascii_case(key)) {
                    continue;
                }
                let (message, label, help) = words(key);
                out.push(
                    Finding::new(&UNCONSTRAINED_TAG_VALUE, &doc.source, value.span, message).label(label).help(help),
                );
            }
        }
    }
}
