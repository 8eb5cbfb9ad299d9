use crate::declare_rule;
use crate::lint::choice::tag_value_free;
use crate::lint::facts::{REQUEST_TAG_PREFIX, TAG_KEYS_KEY};
use crate::lint::{Document, Finding, LintContext};
use crate::policy::{OperatorKind, SetOp};
use crate::source::Span;

declare_rule! {
    /// ## What it finds
    /// A tag key that a tagging Allow permits by name (`"ForAllValues:StringEquals": {"aws:TagKeys":
    /// ["team"]}`) while no statement of the document that grants minting or tagging constrains its value,
    /// `aws:RequestTag/team`. A condition that admits every value except ones it names (`"StringLike":
    /// {"aws:RequestTag/team": "*"}`, `?*`, a `StringNotEquals` list, a variable the caller sets such as
    /// `${aws:RequestTag/team}`) constrains nothing: whether it does is decided by the region analysis `diff`
    /// uses, over every tag value (1-256 characters of the tag character set). Tag-key names compare
    /// case-insensitively.
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

fn words(key: &str, free_condition: bool) -> (String, &'static str, String) {
    let how = if free_condition { ": its condition admits every value" } else { "" };
    (
        format!("the caller chooses the value of claim tag `{key}` freely{how}"),
        "value unconstrained",
        format!(
            "bind it to the caller: `\"StringEquals\": {{\"aws:RequestTag/{key}\": \"${{aws:PrincipalTag/{key}}}\"}}`"
        ),
    )
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    // The value conditions of every grant that takes part in a tagged token request.
    // (tag key, whether the condition leaves the value free, its span)
    let conditions: Vec<(&str, bool, Span)> = doc
        .statements()
        .filter(|s| s.facts.grants_tag() || s.facts.grants_mint())
        .flat_map(|s| s.statement.conditions.iter().zip(s.facts.compiled.clauses.iter()))
        .filter_map(|(c, compiled)| {
            let key = c.key.node.lower().strip_prefix(REQUEST_TAG_PREFIX)?;
            Some((key, tag_value_free(compiled), c.key.span))
        })
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
                let on_key = || conditions.iter().filter(|(k, _, _)| k.eq_ignore_ascii_case(key));
                if on_key().any(|(_, free, _)| !free) {
                    continue;
                }
                let free = on_key().next();
                let (message, label, help) = words(key, free.is_some());
                let mut finding =
                    Finding::new(&UNCONSTRAINED_TAG_VALUE, &doc.source, value.span, message).label(label).help(help);
                if let Some(&(_, _, span)) = free {
                    finding = finding.related(&doc.source, span, "admits every value");
                }
                out.push(finding);
            }
        }
    }
}
