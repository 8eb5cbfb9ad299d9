//! The suggested grant as text: an IAM policy document (JSON) and the same statements as a Terraform
//! `data "aws_iam_policy_document"` block. Both are written from one list of statements, so they cannot
//! say different things.

use std::fmt::Write as _;

use crate::token::{MINT_ACTION, TAG_ACTION};

use super::needs::{Needs, TagValue};

/// One condition: operator, key, values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    pub operator: &'static str,
    pub key: String,
    pub values: Vec<String>,
}

/// One Allow statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub sid: String,
    pub action: &'static str,
    pub conditions: Vec<Condition>,
}

/// A value written into a policy as itself: `${` would start a policy variable, so it is written `${$}{`.
pub fn literal(value: &str) -> String {
    value.replace("${", "${$}{")
}

/// The statements that grant what `needs` lists.
pub fn statements(needs: &Needs) -> Vec<Statement> {
    let mut mint = vec![
        Condition {
            operator: "ForAllValues:StringEquals",
            key: "sts:IdentityTokenAudience".into(),
            values: needs.audiences.iter().map(|a| literal(a)).collect(),
        },
        Condition { operator: "Null", key: "sts:IdentityTokenAudience".into(), values: vec!["false".into()] },
        Condition {
            // A call that omitted the lifetime must still pass, whether or not the key is then present.
            operator: if needs.omitted { "NumericLessThanEqualsIfExists" } else { "NumericLessThanEquals" },
            key: "sts:DurationSeconds".into(),
            values: vec![needs.cap.to_string()],
        },
    ];
    if let Some(algorithms) = &needs.algorithms {
        mint.push(Condition {
            operator: "StringEquals",
            key: "sts:SigningAlgorithm".into(),
            values: algorithms.clone(),
        });
    }
    // One statement per VPC: an endpoint is granted only with the VPC it is known to be in.
    let networks: Vec<Vec<Condition>> = match &needs.endpoints {
        None => vec![Vec::new()],
        Some(groups) => groups
            .iter()
            .map(|(vpc, vpces)| {
                let mut network = vec![Condition {
                    operator: "StringEquals",
                    key: "aws:SourceVpce".into(),
                    values: vpces.iter().map(|v| literal(v)).collect(),
                }];
                if let Some(vpc) = vpc {
                    network.push(Condition {
                        operator: "StringEquals",
                        key: "aws:SourceVpc".into(),
                        values: vec![literal(vpc)],
                    });
                }
                network
            })
            .collect(),
    };
    let several = networks.len() > 1;
    let mut out: Vec<Statement> = networks
        .into_iter()
        .enumerate()
        .map(|(i, network)| {
            let mut conditions = mint.clone();
            conditions.extend(network);
            let sid = if several { format!("MintAsUsed{}", i + 1) } else { "MintAsUsed".to_owned() };
            Statement { sid, action: MINT_ACTION, conditions }
        })
        .collect();
    let numbered = needs.tags.len() > 1;
    for (i, grant) in needs.tags.iter().enumerate() {
        let mut conditions = vec![Condition {
            operator: "ForAllValues:StringEquals",
            key: "aws:TagKeys".into(),
            values: grant.keys.iter().map(|k| literal(k)).collect(),
        }];
        for (key, value) in &grant.values {
            let values = match value {
                TagValue::PrincipalTag(tag) => vec![format!("${{aws:PrincipalTag/{tag}}}")],
                TagValue::Literal(values) => values.iter().map(|v| literal(v)).collect(),
            };
            conditions.push(Condition { operator: "StringEquals", key: format!("aws:RequestTag/{key}"), values });
        }
        let sid = if numbered { format!("TagAsUsed{}", i + 1) } else { "TagAsUsed".to_owned() };
        out.push(Statement { sid, action: TAG_ACTION, conditions });
    }
    out
}

fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

fn json_values(values: &[String]) -> String {
    match values {
        [one] => quoted(one),
        many => format!("[{}]", many.iter().map(|v| quoted(v)).collect::<Vec<_>>().join(", ")),
    }
}

/// The policy document, pretty-printed in the order IAM's own examples use.
pub fn policy_json(statements: &[Statement]) -> String {
    let mut out = String::from("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n");
    for (i, s) in statements.iter().enumerate() {
        let _ = writeln!(out, "    {{");
        let _ = writeln!(out, "      \"Sid\": {},", quoted(&s.sid));
        let _ = writeln!(out, "      \"Effect\": \"Allow\",");
        let _ = writeln!(out, "      \"Action\": {},", quoted(s.action));
        let _ = writeln!(out, "      \"Resource\": \"*\",");
        let _ = writeln!(out, "      \"Condition\": {{");
        // One block per operator, in the order first used.
        let mut operators: Vec<&'static str> = Vec::new();
        for c in &s.conditions {
            if !operators.contains(&c.operator) {
                operators.push(c.operator);
            }
        }
        for (j, op) in operators.iter().enumerate() {
            let _ = writeln!(out, "        {}: {{", quoted(op));
            let entries: Vec<&Condition> = s.conditions.iter().filter(|c| c.operator == *op).collect();
            for (k, c) in entries.iter().enumerate() {
                let comma = if k + 1 < entries.len() { "," } else { "" };
                let _ = writeln!(out, "          {}: {}{comma}", quoted(&c.key), json_values(&c.values));
            }
            let comma = if j + 1 < operators.len() { "," } else { "" };
            let _ = writeln!(out, "        }}{comma}");
        }
        let _ = writeln!(out, "      }}");
        let comma = if i + 1 < statements.len() { "," } else { "" };
        let _ = writeln!(out, "    }}{comma}");
    }
    out.push_str("  ]\n}\n");
    out
}

/// A string as an HCL quoted template: escapes, and `${`/`%{` doubled so that Terraform writes them as
/// they are (an IAM policy variable stays one).
fn hcl_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn hcl_list(values: &[String]) -> String {
    format!("[{}]", values.iter().map(|v| hcl_string(v)).collect::<Vec<_>>().join(", "))
}

/// A Terraform name from a principal's ARN: its last path segment, in lower case, non-alphanumerics as
/// `_`, with `_minting` after it.
pub fn terraform_name(arn: &str) -> String {
    let last = arn.rsplit(['/', ':']).next().unwrap_or_default();
    let mut name: String =
        last.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name.insert_str(0, "p_");
    }
    name.push_str("_minting");
    name
}

/// The same statements as a `data "aws_iam_policy_document"` block.
pub fn terraform_block(name: &str, statements: &[Statement]) -> String {
    let mut out = format!("data \"aws_iam_policy_document\" \"{name}\" {{\n");
    for (i, s) in statements.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "  statement {{");
        let _ = writeln!(out, "    sid       = {}", hcl_string(&s.sid));
        let _ = writeln!(out, "    effect    = \"Allow\"");
        let _ = writeln!(out, "    actions   = [{}]", hcl_string(s.action));
        let _ = writeln!(out, "    resources = [\"*\"]");
        for c in &s.conditions {
            let _ = writeln!(out, "\n    condition {{");
            let _ = writeln!(out, "      test     = {}", hcl_string(c.operator));
            let _ = writeln!(out, "      variable = {}", hcl_string(&c.key));
            let _ = writeln!(out, "      values   = {}", hcl_list(&c.values));
            let _ = writeln!(out, "    }}");
        }
        let _ = writeln!(out, "  }}");
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_that_look_like_variables_stay_literal() {
        assert_eq!(literal("a${aws:username}b"), "a${$}{aws:username}b");
        assert_eq!(literal("plain"), "plain");
    }

    #[test]
    fn hcl_strings_escape_quotes_controls_and_templates() {
        assert_eq!(hcl_string("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(hcl_string("${aws:PrincipalTag/team}"), "\"$${aws:PrincipalTag/team}\"");
        assert_eq!(hcl_string("%{ if }"), "\"%%{ if }\"");
        assert_eq!(hcl_string("$5 {x}"), "\"$5 {x}\"");
        assert_eq!(hcl_string("\u{7}"), "\"\\u0007\"");
    }

    #[test]
    fn terraform_names_come_from_the_last_path_segment() {
        assert_eq!(terraform_name("arn:aws:iam::111122223333:role/workloads/payments-api"), "payments_api_minting");
        assert_eq!(terraform_name("arn:aws:iam::111122223333:user/9lives"), "p_9lives_minting");
    }
}
