use crate::declare_rule;
use crate::lint::facts::{has_operator_text, operator_siblings, quoted};
use crate::lint::{Document, Finding, LintContext};
use crate::policy::{Effect, Family, Operator, SetOp};

declare_rule! {
    /// ## What it finds
    /// A plain operator (no `ForAllValues:`/`ForAnyValue:`) on a key the AWS service reference types as
    /// multivalued (`ArrayOf...`): `sts:IdentityTokenAudience`, `aws:TagKeys`, `aws:PrincipalOrgPaths`,
    /// `aws:CalledVia`. `Null` is exempt: it takes no set operator, and `"Null": {key: "false"}` is the
    /// recommended pairing.
    ///
    /// ## Why it matters
    /// AWS only documents the set operators for multivalued keys (Access Analyzer `MISSING_QUALIFIER`);
    /// what a plain operator does with a list of values is not documented. mintlint assumes it matches when
    /// any value matches (setting `plain_operator_on_multivalued`), which for an audience allow-list means a
    /// caller can add any extra audience next to an allowed one.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"StringEquals": {"sts:IdentityTokenAudience": "https://api.partner.example"}}}]}
    /// ```
    ///
    /// ## Fix
    /// In an Allow, `ForAllValues:` (every value must be allowed) together with `"Null": {key: "false"}`; in
    /// a Deny, `ForAnyValue:` (fires when any value is unwanted).
    pub static MISSING_SET_OPERATOR = "MINT014", "missing-set-operator", Error, "plain operator on a multivalued key such as sts:IdentityTokenAudience or aws:TagKeys";
}

fn words(operator: &Operator, key: &str, set: SetOp) -> (String, String, String) {
    let prefixed = Operator { set: Some(set), ..*operator };
    let help = match set {
        SetOp::ForAllValues => format!("use `{prefixed}` and add `\"Null\": {{\"{key}\": \"false\"}}`"),
        SetOp::ForAnyValue => format!("use `{prefixed}`: the Deny then fires when any value is unwanted"),
    };
    (
        format!(
            "`{operator}` on multivalued `{key}` without a set operator: what it does with several values is undocumented"
        ),
        "multivalued key".to_owned(),
        help,
    )
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    for view in doc.statements() {
        for (clause, info) in view.statement.conditions.iter().zip(&view.facts.keys) {
            let operator = clause.operator.node;
            if operator.set.is_some() || operator.kind.family() == Family::Null || view.key_unknown(clause) {
                continue;
            }
            if !info.is_some_and(|i| i.ty.is_multi_valued()) {
                continue;
            }
            let set = match view.statement.effect.node {
                Effect::Allow => SetOp::ForAllValues,
                Effect::Deny => SetOp::ForAnyValue,
            };
            let (message, label, help) = words(&operator, clause.key.node.as_str(), set);
            let mut finding =
                Finding::new(&MISSING_SET_OPERATOR, &doc.source, clause.operator.span, message).label(label).help(help);
            let prefixed = Operator { set: Some(set), ..operator }.to_string();
            let alone = operator_siblings(view.statement, clause).count() == 1;
            if alone && !has_operator_text(view.statement, &prefixed) {
                finding = finding.fix(format!("use `{prefixed}`"), clause.operator.span, quoted(&prefixed));
            }
            out.push(finding);
        }
    }
}
