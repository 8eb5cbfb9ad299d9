use crate::declare_rule;
use crate::lint::facts::{AUDIENCE_KEY, has_operator_text, operator_siblings, quoted};
use crate::lint::{Document, Finding, LintContext};
use crate::policy::{Family, Operator, SetOp};

declare_rule! {
    /// ## What it finds
    /// A minting Allow that restricts `sts:IdentityTokenAudience` only with `ForAnyValue:` (no positive
    /// `ForAllValues:` condition on it). AWS's own example policy and the AWS managed `Anthropic*` policies
    /// are written this way.
    ///
    /// ## Why it matters
    /// A request may carry up to 10 audiences, and `ForAnyValue:` is satisfied when one of them is allowed.
    /// A caller can add any audience next to an allowed one; the token's `aud` then lists both, and the
    /// token is valid at the other service too.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAnyValue:StringEquals": {"sts:IdentityTokenAudience": ["https://api.partner.example"]}}}]}
    /// ```
    ///
    /// ## Fix
    /// Use `ForAllValues:StringEquals` and add `"Null": {"sts:IdentityTokenAudience": "false"}`: every
    /// requested audience must then be allowed.
    pub static ANY_VALUE_AUDIENCE = "MINT113", "any-value-audience", Error, "audience restricted only with ForAnyValue: a caller can add any extra audience next to an allowed one";
}

fn words() -> (&'static str, &'static str, &'static str) {
    (
        "a caller can add any audience next to an allowed one: the token is then valid at the other service too",
        "one allowed audience is enough",
        "use `ForAllValues:StringEquals` and add `\"Null\": {\"sts:IdentityTokenAudience\": \"false\"}`",
    )
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    for view in doc.statements() {
        if !view.facts.grants_mint() {
            continue;
        }
        let positive = view.statement.conditions.iter().filter(|c| {
            c.key.node.lower() == AUDIENCE_KEY
                && c.operator.node.kind.family() != Family::Null
                && !c.operator.node.kind.is_negated()
        });
        let (any_value, other): (Vec<_>, Vec<_>) =
            positive.partition(|c| c.operator.node.set == Some(SetOp::ForAnyValue));
        if !other.is_empty() {
            continue;
        }
        for clause in any_value {
            let (message, label, help) = words();
            let mut finding =
                Finding::new(&ANY_VALUE_AUDIENCE, &doc.source, clause.operator.span, message).label(label).help(help);
            let all_values = Operator { set: Some(SetOp::ForAllValues), ..clause.operator.node }.to_string();
            let alone = operator_siblings(view.statement, clause).count() == 1;
            if alone && !has_operator_text(view.statement, &all_values) {
                finding = finding.fix(format!("use `{all_values}`"), clause.operator.span, quoted(&all_values));
            }
            out.push(finding);
        }
    }
}
