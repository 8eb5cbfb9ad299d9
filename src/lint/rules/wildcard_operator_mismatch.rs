use crate::declare_rule;
use crate::lint::facts::{has_operator_text, operator_siblings, quoted};
use crate::lint::{Document, Finding, LintContext, Severity};
use crate::policy::{ConditionClause, Operator, OperatorKind, Part};

declare_rule! {
    /// ## What it finds
    /// `StringEquals`/`StringNotEquals` (or their `IgnoreCase` forms) with a `*` in a value (a warning), and
    /// `StringLike`/`StringNotLike` whose values hold no wildcard at all (reported at `info`: it behaves
    /// exactly like `StringEquals`, so it is only a readability issue; AWS's own managed policies write
    /// `StringLike` for exact service names hundreds of times). Policy-variable escapes (`${*}`) are literal
    /// and never count. A `?` under `StringEquals` is left alone: it is common in literal URLs.
    ///
    /// ## Why it matters
    /// `StringEquals` compares `https://*.partner.example` character by character, so the `*` matches only
    /// itself: an allow-list with it grants nothing, a deny-list with it never fires (Access Analyzer
    /// `WILDCARD_WITHOUT_LIKE_OPERATOR`). `StringLike` without wildcards is an exact match that reads like a
    /// pattern, inviting someone to "fix" it into one later.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://*.partner.example"]}}}]}
    /// ```
    ///
    /// ## Fix
    /// Swap the operator: `StringLike` when the `*` is meant as a pattern, `StringEquals` when no value is one.
    pub static WILDCARD_OPERATOR_MISMATCH = "MINT017", "wildcard-operator-mismatch", Warning, "StringLike without wildcards, or StringEquals with a `*` that was meant as a pattern";
}

fn words(operator: &Operator, like: bool) -> (String, String, String) {
    if like {
        // Name the exact operator it behaves like, set prefix and all: `ForAnyValue:StringNotLike` is
        // `ForAnyValue:StringNotEquals`, not `StringEquals`.
        let exact = swapped(operator.kind).map_or_else(String::new, |kind| Operator { kind, ..*operator }.to_string());
        (
            format!("`{operator}` without a wildcard in any value: it matches exactly, like `{exact}`"),
            "no `*` or `?` here".to_owned(),
            "use the `Equals` form so the exact match reads as one".to_owned(),
        )
    } else {
        (
            format!("`{operator}` compares `*` literally: a value written as a pattern matches only itself"),
            "literal `*`".to_owned(),
            "use the `Like` form to match a pattern".to_owned(),
        )
    }
}

/// The operator with the Like/Equals part swapped, when the swap exists.
fn swapped(kind: OperatorKind) -> Option<OperatorKind> {
    use OperatorKind::*;
    Some(match kind {
        StringLike => StringEquals,
        StringNotLike => StringNotEquals,
        StringEquals => StringLike,
        StringNotEquals => StringNotLike,
        _ => return None,
    })
}

/// Literal text of a value with `*`/`?` that act as wildcards (escapes and variables excluded).
fn wildcard_chars(clause: &ConditionClause, chars: &[char]) -> bool {
    clause.values.iter().any(|v| {
        let template = &v.node.template;
        if template.parts().is_empty() {
            return template.raw().contains(chars);
        }
        template.parts().iter().any(|p| matches!(p, Part::Text(t) if t.contains(chars)))
    })
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    for view in doc.statements() {
        for clause in &view.statement.conditions {
            if view.clause_unknown(clause) {
                continue;
            }
            let operator = clause.operator.node;
            let like = matches!(operator.kind, OperatorKind::StringLike | OperatorKind::StringNotLike);
            let equals = matches!(
                operator.kind,
                OperatorKind::StringEquals
                    | OperatorKind::StringNotEquals
                    | OperatorKind::StringEqualsIgnoreCase
                    | OperatorKind::StringNotEqualsIgnoreCase
            );
            let mismatch = (like && !wildcard_chars(clause, &['*', '?'])) || (equals && wildcard_chars(clause, &['*']));
            if !mismatch {
                continue;
            }
            let (message, label, help) = words(&operator, like);
            let mut finding = match first_wildcard_value(clause).filter(|_| !like) {
                Some(value) => Finding::new(&WILDCARD_OPERATOR_MISMATCH, &doc.source, value, message).related(
                    &doc.source,
                    clause.operator.span,
                    "compares literally",
                ),
                None => Finding::new(&WILDCARD_OPERATOR_MISMATCH, &doc.source, clause.operator.span, message),
            }
            .label(label)
            .help(help);
            if like {
                finding.severity = Severity::Info;
            }
            if let Some(kind) = swapped(operator.kind) {
                let replacement = Operator { kind, ..operator }.to_string();
                // Swapping the operator element rewrites every key under it: only when all of them agree.
                let siblings_agree = operator_siblings(view.statement, clause)
                    .all(|c| if like { !wildcard_chars(c, &['*', '?']) } else { !wildcard_chars(c, &['?']) });
                if siblings_agree && !has_operator_text(view.statement, &replacement) {
                    finding = finding.fix(format!("use `{replacement}`"), clause.operator.span, quoted(&replacement));
                }
            }
            out.push(finding);
        }
    }
}

fn first_wildcard_value(clause: &ConditionClause) -> Option<crate::source::Span> {
    clause.values.iter().find(|v| v.node.template.raw().contains('*')).map(|v| v.span)
}
