use crate::declare_rule;
use crate::lint::facts::holds_when_absent;
use crate::lint::{Document, Finding, LintContext};
use crate::policy::{Family, SetOp};

declare_rule! {
    /// ## What it finds
    /// `ForAllValues:` in an Allow on a multivalued key that can be absent or empty where absence widens the
    /// grant: `aws:PrincipalOrgPaths` (absent outside an organization), `aws:CalledVia` (absent for direct
    /// calls), `aws:ResourceOrgPaths`, `aws:SourceOrgPaths`, `aws:VpceOrgPaths` and
    /// `aws:PrincipalServiceNamesList`. Not reported: `aws:TagKeys`, whose absence only means "no tags
    /// requested"; `sts:IdentityTokenAudience`, which every token request carries (the API requires 1-10
    /// audiences); a statement that also requires the key, e.g. with `"Null": {"<key>": "false"}` or a
    /// `ForAnyValue:` clause on it; and service-specific `ArrayOf...` keys, because AWS does not document
    /// when they are absent (`kms:GrantOperations`, for one, is always present on `kms:CreateGrant`, whose
    /// `Operations` parameter is required).
    ///
    /// ## Why it matters
    /// `ForAllValues:` asks "is every requested value in the list?", which is vacuously true when there is no
    /// value at all. The guard then passes by default: a principal outside the organization satisfies an
    /// org-path allow-list (reference §6.4, footgun 1).
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAllValues:StringLike": {"aws:PrincipalOrgPaths": ["o-a1b2c3/r-ab12/ou-ab12-payments/*"]},
    ///                 "ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://api.partner.example"]}}}]}
    /// ```
    ///
    /// ## Fix
    /// Add `"Null": {"aws:PrincipalOrgPaths": "false"}` next to the guard so the key must be present.
    pub static VACUOUS_FOR_ALL_VALUES = "MINT015", "vacuous-for-all-values", Warning, "ForAllValues: in an Allow on a key that can be absent: the guard passes by default";
}

/// Global multivalued keys that are absent for some callers, where absence is not "nothing requested".
fn absence_widens(lower_key: &str) -> bool {
    matches!(
        lower_key,
        "aws:principalorgpaths"
            | "aws:calledvia"
            | "aws:resourceorgpaths"
            | "aws:sourceorgpaths"
            | "aws:vpceorgpaths"
            | "aws:principalservicenameslist"
    )
}

fn words(key: &str) -> (String, String, String) {
    (
        format!("`ForAllValues:` is true when `{key}` is absent or empty: this guard passes by default"),
        "vacuously true without a value".to_owned(),
        format!("add `\"Null\": {{\"{key}\": \"false\"}}` so the key must be present"),
    )
}

pub fn check(doc: &Document, ctx: &LintContext, out: &mut Vec<Finding>) {
    for view in doc.statements() {
        if !view.facts.is_allow() {
            continue;
        }
        for ((clause, info), compiled) in
            view.statement.conditions.iter().zip(&view.facts.keys).zip(view.facts.compiled.clauses.iter())
        {
            let operator = clause.operator.node;
            let lower = clause.key.node.lower();
            if operator.set != Some(SetOp::ForAllValues)
                || operator.kind.family() == Family::Null
                || view.key_unknown(clause)
            {
                continue;
            }
            // Single-valued keys are `set-operator-on-single-valued-key`'s; only keys whose absence is documented
            // and widens the grant are judged.
            if !info.is_some_and(|i| i.ty.is_multi_valued()) || !absence_widens(lower) {
                continue;
            }
            if !holds_when_absent(compiled, &ctx.assumptions) || view.facts.requires_presence(lower, &ctx.assumptions) {
                continue;
            }
            let (message, label, help) = words(clause.key.node.as_str());
            out.push(
                Finding::new(&VACUOUS_FOR_ALL_VALUES, &doc.source, clause.operator.span, message)
                    .label(label)
                    .related(&doc.source, clause.key.span, "can be absent")
                    .help(help),
            );
        }
    }
}
