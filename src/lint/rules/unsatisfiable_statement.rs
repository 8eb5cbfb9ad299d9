use crate::declare_rule;
use crate::eval::assumptions::DurationKey;
use crate::eval::condition::{ClauseValues, CompiledClause, StrPattern};
use crate::eval::{Assumptions, RequestContext, RequestResource};
use crate::lint::facts::{ALGORITHM_KEY, DURATION_KEY, MINT_ACTION, always_present, duration_representatives};
use crate::lint::{Document, Finding, LintContext};
use crate::policy::value::number::Number;
use crate::policy::{Effect, OperatorKind};

declare_rule! {
    /// ## What it finds
    /// A statement with conditions on one key that no request can satisfy together: `NumericLessThan
    /// sts:DurationSeconds 60` (the API only sends 60-3600), a lifetime both above 900 and below 600,
    /// `StringEquals sts:SigningAlgorithm HS256` (only `RS256` and `ES384` exist), `"Null":
    /// {"sts:SigningAlgorithm": "true"}` (the parameter is required), `Bool` both `true` and `false`.
    ///
    /// The evaluator decides: every condition on the key is evaluated against a representative of each
    /// region its constants cut the value space into (and against the key being absent, unless every request
    /// carries it); the statement is reported only when none passes. Keys compared with wildcards,
    /// case-insensitively, through policy variables or with set operators are not judged, because such a
    /// finite set of representatives would not be complete for them.
    ///
    /// ## Why it matters
    /// The statement can never apply: an Allow grants nothing (the author believed it grants something), a
    /// Deny guards nothing (the author believed it guards something).
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://api.partner.example"]},
    ///                 "NumericLessThan": {"sts:DurationSeconds": 60}}}]}
    /// ```
    ///
    /// ## Fix
    /// Correct the bound or the value (`NumericLessThanEquals` `900`; `ES384`), or delete the statement.
    pub static UNSATISFIABLE_STATEMENT = "MINT018", "unsatisfiable-statement", Warning, "a statement whose conditions can never hold, so it grants or guards nothing";
}

fn words(key: &str, effect: Effect) -> (String, &'static str, &'static str) {
    let consequence = match effect {
        Effect::Allow => "this statement grants nothing",
        Effect::Deny => "this Deny never fires",
    };
    (
        format!("no request satisfies every condition on `{key}`: {consequence}"),
        "can never hold",
        "correct the bound or value, or delete the statement",
    )
}

pub fn check(doc: &Document, ctx: &LintContext, out: &mut Vec<Finding>) {
    for view in doc.statements() {
        // A template's values are not known: whether its conditions can hold is not either.
        if view.is_template() {
            continue;
        }
        let mut judged: Vec<&str> = Vec::new();
        for clause in &view.statement.conditions {
            let lower = clause.key.node.lower();
            if judged.contains(&lower) {
                continue;
            }
            judged.push(lower);
            let clauses: Vec<&CompiledClause> = view.facts.clauses_on(lower).map(|(_, c)| c).collect();
            if satisfiable(lower, &clauses, &ctx.assumptions) != Some(false) {
                continue;
            }
            let (message, label, help) = words(clause.key.node.as_str(), view.statement.effect.node);
            let mut finding =
                Finding::new(&UNSATISFIABLE_STATEMENT, &doc.source, clause.key.span, message).label(label).help(help);
            for other in view.statement.conditions.iter().filter(|c| c.key.node.lower() == lower).skip(1) {
                finding = finding.related(&doc.source, other.key.span, "also on this key");
            }
            out.push(finding);
        }
    }
}

/// `Some(false)` when no value of the key (nor its absence) satisfies every clause; `None` when the clauses
/// are of a kind whose representatives would not be complete.
fn satisfiable(lower_key: &str, clauses: &[&CompiledClause], assumptions: &Assumptions) -> Option<bool> {
    let mut candidates: Vec<Option<String>> = Vec::new();
    // An omitted duration is sent as 300 under `duration_key_when_omitted = default-300`.
    let duration_defaulted =
        lower_key == DURATION_KEY && assumptions.duration_key_when_omitted == DurationKey::Default300;
    let absent_possible = !(always_present(lower_key) || duration_defaulted);
    if absent_possible {
        candidates.push(None);
    }
    if clauses.iter().any(|c| c.operator.set.is_some()) {
        return None;
    }
    if lower_key == ALGORITHM_KEY {
        // The API accepts exactly these two values: a finite domain, complete for every operator.
        candidates.extend(["RS256", "ES384"].map(|a| Some(a.to_owned())));
    } else {
        let mut numbers = Vec::new();
        let mut strings = Vec::new();
        let mut families = 0u8;
        for clause in clauses {
            match &clause.values {
                ClauseValues::Null(_) => {}
                ClauseValues::Numbers(values) => {
                    families |= 1;
                    numbers.extend(values.iter().flatten().map(|n| n.value()));
                }
                ClauseValues::Bools(_) => {
                    families |= 2;
                    strings.extend(["true", "false"].map(str::to_owned));
                }
                ClauseValues::Strings(patterns, _)
                    if matches!(clause.operator.kind, OperatorKind::StringEquals | OperatorKind::StringNotEquals) =>
                {
                    families |= 4;
                    for pattern in patterns.iter() {
                        let StrPattern::Plain(text) = pattern else { return None };
                        strings.push(text.to_string());
                    }
                    // A value equal to none of the literals behaves like any other such value.
                    strings.push("\u{0}mintlint-other".to_owned());
                }
                _ => return None,
            }
        }
        if families.count_ones() > 1 {
            return None;
        }
        if families == 0 {
            strings.push("present".to_owned());
        }
        candidates.extend(strings.into_iter().map(Some));
        if lower_key == DURATION_KEY {
            candidates.extend(duration_representatives(&numbers).into_iter().map(|d| Some(d.to_string())));
        } else {
            candidates.extend(number_representatives(numbers).into_iter().map(Some));
        }
    }
    let mut ctx = RequestContext::new(MINT_ACTION, RequestResource::Star);
    let satisfied = candidates.iter().any(|candidate| {
        match candidate {
            Some(value) => ctx.insert_single(lower_key, value),
            None => ctx.remove(lower_key),
        }
        clauses.iter().all(|c| c.evaluate(&ctx, assumptions, &mut |_| {}))
    });
    Some(satisfied)
}

/// A representative of every region the constants cut the number line into: each constant, one below the
/// least, one above the greatest, and the midpoint of each gap.
fn number_representatives(mut constants: Vec<f64>) -> Vec<String> {
    constants.retain(|c| c.is_finite());
    constants.sort_by(f64::total_cmp);
    constants.dedup();
    let mut out = Vec::new();
    if let (Some(first), Some(last)) = (constants.first(), constants.last()) {
        out.push(first - 1.0);
        out.push(last + 1.0);
    }
    out.extend(constants.windows(2).filter_map(|w| Some((w.first()? + w.get(1)?) / 2.0)));
    out.extend(constants.iter().copied());
    out.into_iter().filter_map(Number::from_f64).map(|n| n.value().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{ConditionClause, ConditionKey, ConditionValue, Literal, Operator, Template};
    use crate::source::{Span, Spanned};

    fn clause(operator: &str, key: &str, value: &str) -> CompiledClause {
        let value = ConditionValue { literal: Literal::String(value.into()), template: Template::literal(value) };
        CompiledClause::compile(&ConditionClause {
            operator: Spanned::new(Operator::parse(operator).unwrap(), Span::default()),
            key: Spanned::new(ConditionKey::new(key), Span::default()),
            values: vec![Spanned::new(value, Span::default())],
            values_span: Span::default(),
        })
    }

    fn judge(clauses: &[CompiledClause]) -> Option<bool> {
        let refs: Vec<&CompiledClause> = clauses.iter().collect();
        let key = clauses.first().map(|c| c.key.to_string()).unwrap_or_default();
        satisfiable(&key, &refs, &Assumptions::default())
    }

    #[test]
    fn numeric_regions_are_complete() {
        let d = "sts:DurationSeconds";
        assert_eq!(judge(&[clause("NumericLessThan", d, "60")]), Some(false));
        assert_eq!(judge(&[clause("NumericLessThanEquals", d, "60")]), Some(true));
        assert_eq!(judge(&[clause("NumericGreaterThan", d, "900"), clause("NumericLessThan", d, "901")]), Some(false));
        assert_eq!(judge(&[clause("NumericGreaterThan", d, "900"), clause("NumericLessThan", d, "902")]), Some(true));
        // Absent keys satisfy IfExists and negated operators.
        assert_eq!(judge(&[clause("NumericLessThanIfExists", d, "60")]), Some(true));
        let k = "ec2:RoleDelivery";
        assert_eq!(judge(&[clause("NumericGreaterThan", k, "1.5"), clause("NumericLessThan", k, "1.6")]), Some(true));
    }

    #[test]
    fn algorithm_domain_and_unjudged_operators() {
        let a = "sts:SigningAlgorithm";
        assert_eq!(judge(&[clause("StringEquals", a, "HS256")]), Some(false));
        assert_eq!(judge(&[clause("StringLike", a, "ES*")]), Some(true));
        assert_eq!(judge(&[clause("Null", a, "true")]), Some(false));
        // Patterns on an open domain are not judged.
        assert_eq!(judge(&[clause("StringLike", "aws:SourceVpc", "vpc-*")]), None);
        let v = "aws:SourceVpc";
        assert_eq!(judge(&[clause("StringEquals", v, "vpc-1"), clause("StringNotEquals", v, "vpc-1")]), Some(false));
        assert_eq!(judge(&[clause("StringEquals", v, "vpc-1"), clause("StringNotEquals", v, "vpc-2")]), Some(true));
    }
}
