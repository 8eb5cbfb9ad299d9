use crate::declare_rule;
use crate::eval::condition::{ClauseValues, StrPattern};
use crate::lint::{Document, Finding, LintContext};
use crate::policy::value::arn::reads_as_arn;
use crate::policy::value::parse_bool;
use crate::policy::{Family, Literal};

declare_rule! {
    /// ## What it finds
    /// A condition value the operator cannot read: a number that is not one for a Numeric operator, a date
    /// that is neither a W3C/ISO 8601 date nor epoch seconds for a Date operator, a malformed CIDR for
    /// `IpAddress`, anything but `true`/`false` for `Bool` and `Null`, text that is not base64 for
    /// `BinaryEquals`, and a value that is not an ARN (nor `*`, nor a policy variable) for the ARN operators.
    ///
    /// ## Why it matters
    /// IAM compares nothing against an unreadable value, so the value matches no request: in an Allow that
    /// part of the grant is gone, in a Deny that part of the guard is gone. A cap written `"15m"` is no cap.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"NumericGreaterThan": {"sts:DurationSeconds": "15m"}}}]}
    /// ```
    ///
    /// ## Fix
    /// Write the value in the operator's format: `900` for Numeric, `2026-01-31T00:00:00Z` for Date,
    /// `10.0.0.0/8` for `IpAddress`, `"true"` for `Bool`, a full `arn:...` for ARN operators.
    pub static INVALID_CONDITION_VALUE = "MINT012", "invalid-condition-value", Error, "a value the operator cannot read: number, date, CIDR, boolean, ARN";
}

fn words(value: &str, family: Family) -> (String, &'static str, &'static str) {
    let (what, help) = match family {
        Family::Numeric => ("a number", "write a number such as `900`"),
        Family::Date => ("a date", "write an ISO 8601 date such as `2026-01-31T00:00:00Z`, or epoch seconds"),
        Family::Ip => ("an IP address or CIDR", "write an address or CIDR such as `203.0.113.0/24`"),
        Family::Bool | Family::Null => ("`true` or `false`", "write `\"true\"` or `\"false\"`"),
        Family::Binary => ("base64", "write the bytes base64-encoded"),
        Family::Arn => ("an ARN", "write a full ARN such as `arn:aws:iam::111122223333:role/name` (wildcards allowed)"),
        Family::String => ("text", "write a string"),
    };
    (format!("`{value}` is not {what}: it matches no request"), "unreadable for this operator", help)
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    for view in doc.statements() {
        for (clause, compiled) in view.statement.conditions.iter().zip(view.facts.compiled.clauses.iter()) {
            // `<my-corporate-cidr>` is a template's placeholder, not a bad CIDR.
            if view.clause_unknown(clause) {
                continue;
            }
            let family = clause.operator.node.kind.family();
            let unreadable: Vec<bool> = match &compiled.values {
                ClauseValues::Strings(..) => continue,
                ClauseValues::Numbers(v) => v.iter().map(Option::is_none).collect(),
                ClauseValues::Dates(v) => v.iter().map(Option::is_none).collect(),
                ClauseValues::Binary(v) => v.iter().map(Option::is_none).collect(),
                ClauseValues::Cidrs(v) => v.iter().map(Option::is_none).collect(),
                ClauseValues::Null(v) => v.iter().map(Option::is_none).collect(),
                ClauseValues::Bools(v) => {
                    v.iter().map(|p| matches!(p, StrPattern::Plain(text) if parse_bool(text).is_none())).collect()
                }
                ClauseValues::Arns(v, _) => {
                    v.iter().map(|p| matches!(p, StrPattern::Plain(text) if !reads_as_arn(text))).collect()
                }
            };
            for (value, bad) in clause.values.iter().zip(unreadable) {
                // A JSON `true` under `Null`/`Bool` reads fine; only text can be unreadable there.
                if !bad
                    || (matches!(value.node.literal, Literal::Bool(_)) && matches!(family, Family::Bool | Family::Null))
                {
                    continue;
                }
                let (message, label, help) = words(value.node.text(), family);
                out.push(
                    Finding::new(&INVALID_CONDITION_VALUE, &doc.source, value.span, message).label(label).help(help),
                );
            }
        }
    }
}
