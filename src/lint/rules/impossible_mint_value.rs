use crate::declare_rule;
use crate::lint::facts::{ALGORITHM_KEY, AUDIENCE_KEY, DURATION_KEY, quoted};
use crate::lint::{Document, Finding, LintContext};
use crate::policy::value::number::Number;
use crate::policy::{Family, OperatorKind, wildcard};

declare_rule! {
    /// ## What it finds
    /// A condition value on a token key that the API never sends (reference §1.2):
    ///
    /// * `sts:DurationSeconds` below 60 or above 3600 (the API rejects other lifetimes);
    /// * `sts:SigningAlgorithm` other than `RS256` or `ES384`, including a wrong case under `StringEquals`
    ///   (`es384`), and a `StringLike` pattern that matches neither;
    /// * an `sts:IdentityTokenAudience` value over 1000 characters.
    ///
    /// A value written as a template placeholder, `<YOUR_SIGNING_ALGORITHM>` (as in AWS's sample policies),
    /// is not judged: `template-placeholder` says the template's values are unknown.
    ///
    /// ## Why it matters
    /// The value can never be compared equal to a real request: an allow-list entry grants nothing, a bound
    /// is dead or redundant, a deny-list entry never fires. Usually it is a typo (`ES348`, `es384`) or a
    /// unit slip (minutes written as seconds).
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://api.partner.example"]},
    ///                 "StringEquals": {"sts:SigningAlgorithm": "es384"}}}]}
    /// ```
    ///
    /// ## Fix
    /// Use a value the API sends: `ES384` or `RS256` (case-sensitive), a lifetime from 60 to 3600.
    pub static IMPOSSIBLE_MINT_VALUE = "MINT115", "impossible-mint-value", Warning, "a condition value the API can never send: duration outside 60-3600, unknown algorithm, audience over 1000 characters";
}

const ALGORITHMS: [&str; 2] = ["RS256", "ES384"];

enum Problem<'a> {
    Duration(&'a str),
    Algorithm(&'a str, Option<&'static str>),
    LongAudience(usize),
}

fn words(problem: &Problem<'_>) -> (String, &'static str, String) {
    match problem {
        Problem::Duration(v) => (
            format!("no token request has a lifetime of `{v}` s: the API accepts 60 to 3600"),
            "outside 60-3600",
            "use a lifetime from 60 to 3600 seconds".to_owned(),
        ),
        Problem::Algorithm(v, suggestion) => (
            format!("no token request is signed with `{v}`: the algorithms are `RS256` and `ES384`"),
            "not an algorithm the API sends",
            match suggestion {
                Some(s) => format!("write `{s}` (the comparison is case-sensitive)"),
                None => "use `ES384` or `RS256`".to_owned(),
            },
        ),
        Problem::LongAudience(len) => (
            format!("this audience is {len} characters: the API accepts at most 1000"),
            "longer than any audience",
            "shorten the audience to what the receiving service expects".to_owned(),
        ),
    }
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    for view in doc.statements() {
        for clause in &view.statement.conditions {
            let kind = clause.operator.node.kind;
            let lower = clause.key.node.lower();
            for value in &clause.values {
                let text = value.node.text();
                if view.key_unknown(clause) || view.holds_placeholder(value.span) {
                    continue;
                }
                let problem = match (lower, kind.family()) {
                    (DURATION_KEY, Family::Numeric) => Number::parse(text)
                        .filter(|n| !(60.0..=3600.0).contains(&n.value()))
                        .map(|_| Problem::Duration(text)),
                    (ALGORITHM_KEY, Family::String) if !value.node.template.has_variables() => {
                        algorithm_problem(kind, text)
                    }
                    (AUDIENCE_KEY, Family::String) if text.chars().count() > 1000 => {
                        Some(Problem::LongAudience(text.chars().count()))
                    }
                    _ => None,
                };
                let Some(problem) = problem else { continue };
                let (message, label, help) = words(&problem);
                let mut finding =
                    Finding::new(&IMPOSSIBLE_MINT_VALUE, &doc.source, value.span, message).label(label).help(help);
                if let Problem::Algorithm(_, Some(suggestion)) = problem {
                    finding = finding.fix(format!("use `{suggestion}`"), value.span, quoted(suggestion));
                }
                out.push(finding);
            }
        }
    }
}

fn algorithm_problem(kind: OperatorKind, text: &str) -> Option<Problem<'_>> {
    let positive = kind.positive();
    let matches_one = match positive {
        OperatorKind::StringLike => ALGORITHMS.iter().any(|a| wildcard::matches(text, a, false)),
        OperatorKind::StringEqualsIgnoreCase => ALGORITHMS.iter().any(|a| a.eq_ignore_ascii_case(text)),
        _ => ALGORITHMS.contains(&text),
    };
    if matches_one {
        return None;
    }
    let suggestion = ALGORITHMS.into_iter().find(|a| a.eq_ignore_ascii_case(text));
    Some(Problem::Algorithm(text, suggestion.filter(|_| positive != OperatorKind::StringLike)))
}
