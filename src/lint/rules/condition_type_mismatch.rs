use crate::declare_rule;
use crate::lint::{Document, Finding, LintContext};
use crate::policy::Family;
use crate::service::KeyType;

declare_rule! {
    /// ## What it finds
    /// A condition operator whose family does not fit the type the AWS service reference gives the key:
    /// `StringEquals` on `sts:DurationSeconds` (Numeric), `NumericLessThan` on `aws:SourceVpc` (String),
    /// `Bool` on `aws:CurrentTime` (Date). Accepted pairs: String operators on String and ARN keys, ARN
    /// operators on ARN and String keys (several String-typed keys hold ARNs, e.g. `aws:SourceVpcArn`),
    /// Numeric on Numeric (and on `aws:EpochTime`, which AWS documents as Date or Numeric), Date on Date,
    /// `Bool` on Bool, IP operators on IPAddress, `BinaryEquals` on Binary, and `Null` on anything.
    /// Multivalued keys are judged by their element type. Unknown keys are `unknown-condition-key`'s.
    ///
    /// ## Why it matters
    /// The operator reads the request's value in its own family: `StringEquals` compares `"900"` as text, so
    /// `900` and `900.0` differ and no bound is enforced; a Numeric operator on text never matches. The
    /// condition quietly means something else (Access Analyzer `TYPE_MISMATCH`).
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://api.partner.example"]},
    ///                 "StringEquals": {"sts:DurationSeconds": "300"}}}]}
    /// ```
    ///
    /// ## Fix
    /// Use an operator of the key's family: `NumericLessThanEquals` for a lifetime cap, `IpAddress` for
    /// `aws:SourceIp`, `DateGreaterThan` for `aws:CurrentTime`.
    pub static CONDITION_TYPE_MISMATCH = "MINT011", "condition-type-mismatch", Error, "operator family does not fit the key's type (e.g. StringEquals on sts:DurationSeconds)";
}

fn words(operator: &str, key: &str, ty: KeyType) -> (String, String, String) {
    let help = match ty.scalar() {
        KeyType::Numeric => "use a Numeric operator such as `NumericLessThanEquals`",
        KeyType::Date => "use a Date operator such as `DateGreaterThan`",
        KeyType::Bool => "use `Bool`",
        KeyType::IpAddress => "use `IpAddress` or `NotIpAddress`",
        KeyType::Arn => "use an ARN operator such as `ArnLike` (or a String operator)",
        KeyType::Binary => "use `BinaryEquals`",
        _ => "use a String operator such as `StringEquals` or `StringLike`",
    };
    (
        format!("`{operator}` compares `{key}` as the wrong type: the key is {}", ty.as_str()),
        format!("{} key", ty.as_str()),
        help.to_owned(),
    )
}

/// Whether an operator family reads values of the key's (element) type.
fn fits(family: Family, ty: KeyType, lower_key: &str) -> bool {
    let scalar = ty.scalar();
    match family {
        Family::Null => true,
        Family::String => matches!(scalar, KeyType::String | KeyType::Arn),
        Family::Arn => matches!(scalar, KeyType::Arn | KeyType::String),
        Family::Numeric => scalar == KeyType::Numeric || lower_key == "aws:epochtime",
        Family::Date => scalar == KeyType::Date,
        Family::Bool => scalar == KeyType::Bool,
        Family::Ip => scalar == KeyType::IpAddress,
        Family::Binary => scalar == KeyType::Binary,
    }
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    for view in doc.statements() {
        for (clause, info) in view.statement.conditions.iter().zip(&view.facts.keys) {
            let Some(info) = info.filter(|_| !view.key_unknown(clause)) else { continue };
            if matches!(info.ty.scalar(), KeyType::Other(_)) {
                continue;
            }
            let operator = clause.operator.node;
            if fits(operator.kind.family(), info.ty, clause.key.node.lower()) {
                continue;
            }
            let (message, label, help) = words(&operator.to_string(), clause.key.node.as_str(), info.ty);
            out.push(
                Finding::new(&CONDITION_TYPE_MISMATCH, &doc.source, clause.operator.span, message)
                    .label(label)
                    .related(&doc.source, clause.key.span, "this key")
                    .help(help),
            );
        }
    }
}
