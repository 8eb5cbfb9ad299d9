use crate::declare_rule;
use crate::lint::facts::{has_operator_text, operator_siblings, quoted};
use crate::lint::{Document, Finding, LintContext, Severity};
use crate::policy::{Family, Operator, SetOp};

declare_rule! {
    /// ## What it finds
    /// `ForAllValues:` or `ForAnyValue:` on a key the AWS service reference types as single-valued
    /// (`sts:SigningAlgorithm`, `sts:DurationSeconds`, `aws:RequestTag/...`, `aws:SourceVpc`), and either set
    /// prefix on `Null`.
    ///
    /// ## Why it matters
    /// The set operators are for multivalued keys. On a single-valued key `ForAllValues:` is also true when
    /// the key is absent, so an Allow guard passes for every request that lacks the key (Access Analyzer
    /// `FORALLVALUES_WITH_SINGLE_VALUED_KEY`). `ForAnyValue:` with a negated operator is false when the key
    /// is absent, where the plain negated operator is true. `ForAnyValue:` with a positive operator behaves
    /// exactly like the plain operator: that case is reported at `info`, as a readability issue only (AWS's
    /// own managed policies write it). `ForAllValues:Null` is always true and `ForAnyValue:Null` always
    /// false (`NULL_WITH_QUALIFIER`).
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAllValues:StringEquals": {"sts:SigningAlgorithm": "ES384"}}}]}
    /// ```
    ///
    /// ## Fix
    /// Drop the set prefix: `"StringEquals": {"sts:SigningAlgorithm": "ES384"}`.
    pub static SET_OPERATOR_ON_SINGLE_VALUED_KEY = "MINT013", "set-operator-on-single-valued-key", Warning, "ForAllValues:/ForAnyValue: on a single-valued key";
}

fn words(set: SetOp, operator: &Operator, key: &str) -> (String, String, String) {
    let consequence = match (set, operator.kind.family()) {
        (SetOp::ForAllValues, Family::Null) => "`ForAllValues:Null` is always true",
        (SetOp::ForAnyValue, Family::Null) => "`ForAnyValue:Null` is always false",
        (SetOp::ForAllValues, _) => "it is also true when the key is absent, so the guard passes by default",
        (SetOp::ForAnyValue, _) if operator.kind.is_negated() => {
            "it is false when the key is absent, unlike the plain negated operator"
        }
        (SetOp::ForAnyValue, _) => "it acts like the plain operator and misleads the reader",
    };
    (
        format!("`{operator}` on single-valued `{key}`: {consequence}"),
        "set operator on a single-valued key".to_owned(),
        format!("drop the `{}` prefix", set.prefix()),
    )
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    for view in doc.statements() {
        for (clause, info) in view.statement.conditions.iter().zip(&view.facts.keys) {
            let operator = clause.operator.node;
            let Some(set) = operator.set.filter(|_| !view.key_unknown(clause)) else { continue };
            let is_null = operator.kind.family() == Family::Null;
            if !is_null && info.is_none_or(|i| i.ty.is_multi_valued()) {
                continue;
            }
            let (message, label, help) = words(set, &operator, clause.key.node.as_str());
            let mut finding =
                Finding::new(&SET_OPERATOR_ON_SINGLE_VALUED_KEY, &doc.source, clause.operator.span, message)
                    .label(label)
                    .help(help);
            if set == SetOp::ForAnyValue && !is_null && !operator.kind.is_negated() {
                finding.severity = Severity::Info;
            }
            let plain = Operator { set: None, ..operator }.to_string();
            let alone = operator_siblings(view.statement, clause).count() == 1;
            if alone && !has_operator_text(view.statement, &plain) {
                finding = finding.fix(format!("use `{plain}`"), clause.operator.span, quoted(&plain));
            }
            out.push(finding);
        }
    }
}
