use crate::declare_rule;
use crate::lint::{Document, Finding, LintContext};
use crate::source::json::{Json, JsonKind, Member};

declare_rule! {
    /// ## What it finds
    /// A JSON object that holds the same key twice, anywhere in a policy document; and, inside one condition
    /// operator, two condition keys that differ only in case (`aws:SourceVpc` and `aws:sourcevpc`): IAM
    /// compares key names case-insensitively, so they collide (Access Analyzer
    /// `DUPLICATE_KEYS_WITH_DIFFERENT_CASE`).
    ///
    /// ## Why it matters
    /// Most JSON parsers silently keep only the last of two equal keys, so a guard written first simply
    /// vanishes: two `"StringEquals"` blocks in one `Condition` leave only the second one in force. mintlint
    /// evaluates the last occurrence, as those parsers do, and reports the repetition.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"StringEquals": {"sts:SigningAlgorithm": "ES384"},
    ///                 "StringEquals": {"aws:SourceVpc": "vpc-0abc"}}}]}
    /// ```
    ///
    /// ## Fix
    /// Merge the two into one object: `"StringEquals": {"sts:SigningAlgorithm": "ES384", "aws:SourceVpc": "vpc-0abc"}`.
    pub static DUPLICATE_KEY = "MINT002", "duplicate-key", Error, "a JSON object with a key twice: the later one silently wins and a guard can vanish";
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    walk(doc, &doc.json, out);
    for policy in policy_objects(&doc.json) {
        for condition in statement_objects(policy).filter_map(|s| s.get("Condition")).filter_map(Json::as_object) {
            for block in condition {
                if let Some(keys) = block.value.as_object() {
                    case_collisions(doc, keys, out);
                }
            }
        }
    }
}

fn walk(doc: &Document, json: &Json, out: &mut Vec<Finding>) {
    match &json.kind {
        JsonKind::Object(members) => {
            for (i, member) in members.iter().enumerate() {
                if let Some(first) = members.iter().take(i).find(|m| m.key.node == member.key.node) {
                    out.push(
                        Finding::new(
                            &DUPLICATE_KEY,
                            &doc.source,
                            member.key.span,
                            format!("key `{}` appears twice in one object", member.key.node),
                        )
                        .label("written again here: this one wins")
                        .related(&doc.source, first.key.span, "first written here: silently ignored")
                        .help("merge the two values into one key; most parsers keep only the last"),
                    );
                }
                walk(doc, &member.value, out);
            }
        }
        JsonKind::Array(items) => items.iter().for_each(|item| walk(doc, item, out)),
        _ => {}
    }
}

fn case_collisions(doc: &Document, keys: &[Member], out: &mut Vec<Finding>) {
    for (i, key) in keys.iter().enumerate() {
        let earlier =
            keys.iter().take(i).find(|m| m.key.node != key.key.node && m.key.node.eq_ignore_ascii_case(&key.key.node));
        if let Some(first) = earlier {
            out.push(
                Finding::new(
                    &DUPLICATE_KEY,
                    &doc.source,
                    key.key.span,
                    format!("condition key `{}` also appears as `{}`", key.key.node, first.key.node),
                )
                .label("same key, different case")
                .related(&doc.source, first.key.span, "first written here")
                .help("condition key names are case-insensitive: merge the values under one spelling"),
            );
        }
    }
}

/// The policy objects of a document: the top-level object, or each object of a top-level array.
fn policy_objects(json: &Json) -> impl Iterator<Item = &Json> {
    let items: Vec<&Json> = match &json.kind {
        JsonKind::Array(items) => items.iter().collect(),
        _ => vec![json],
    };
    items.into_iter()
}

fn statement_objects(policy: &Json) -> impl Iterator<Item = &Json> {
    let statements: Vec<&Json> = match policy.get("Statement").map(|s| &s.kind) {
        Some(JsonKind::Array(items)) => items.iter().collect(),
        Some(JsonKind::Object(_)) => policy.get("Statement").into_iter().collect(),
        _ => Vec::new(),
    };
    statements.into_iter()
}
