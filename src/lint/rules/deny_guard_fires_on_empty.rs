use crate::declare_rule;
use crate::lint::facts::{always_present, holds_when_absent};
use crate::lint::{Document, Finding, LintContext};
use crate::policy::{Family, SetOp};

declare_rule! {
    /// ## What it finds
    /// A Deny with a `ForAllValues:` condition on a multivalued key:
    ///
    /// * on a key that can be absent (`aws:TagKeys` on every untagged request), unless the statement also
    ///   requires the key (`"Null": {key: "false"}`): the Deny fires on every request without it;
    /// * with a negated operator on a key every request carries (`ForAllValues:StringNotEquals` on
    ///   `sts:IdentityTokenAudience`): the Deny fires only when *every* requested value is unlisted, so a
    ///   request that mixes an allowed audience with any other passes the guard.
    ///
    /// A Deny allow-list written `ForAnyValue:StringEquals` cannot be told apart from a deny-list, which is
    /// written the same way, and is not reported. Nor is `aws:CalledVia`: its absence means the principal
    /// called directly, and "deny unless called via one of these services" (AWS's data perimeter policies)
    /// means to deny exactly then.
    ///
    /// ## Why it matters
    /// `ForAllValues:` is vacuously true on an empty set, so an organisation guard meant to restrict tag keys
    /// blocks every untagged token; and as an allow-list it only catches requests made wholly of unlisted
    /// values. The correct guard is `ForAnyValue:StringNotEquals` ("some value is not allowed"), which is
    /// false when the key is absent.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAllValues:StringNotEquals": {"sts:IdentityTokenAudience": ["https://api.partner.example"]}}}]}
    /// ```
    ///
    /// ## Fix
    /// Write the guard as `ForAnyValue:StringNotEquals`: it fires when any requested value is outside the list.
    pub static DENY_GUARD_FIRES_ON_EMPTY = "MINT117", "deny-guard-fires-on-empty", Warning, "a Deny guard with ForAllValues: on a multivalued key: it fires on an empty set, or lets mixed sets through";
}

fn words(operator: &str, key: &str, mixed: bool) -> (String, &'static str, &'static str) {
    if mixed {
        (
            format!(
                "`{operator}` fires only when every value of `{key}` is unlisted: a request mixing a listed and an unlisted value passes this Deny"
            ),
            "mixed sets pass",
            "use `ForAnyValue:StringNotEquals`: it fires when any value is outside the list",
        )
    } else {
        (
            format!("`{operator}` is true when `{key}` is absent: this Deny fires on every request without it"),
            "fires on an empty set",
            "use `ForAnyValue:StringNotEquals`, which is false when the key is absent, or add a `Null` \"false\" test",
        )
    }
}

pub fn check(doc: &Document, ctx: &LintContext, out: &mut Vec<Finding>) {
    for view in doc.statements() {
        if view.facts.is_allow() {
            continue;
        }
        for ((clause, info), compiled) in
            view.statement.conditions.iter().zip(&view.facts.keys).zip(view.facts.compiled.clauses.iter())
        {
            let operator = clause.operator.node;
            let lower = clause.key.node.lower();
            if operator.set != Some(SetOp::ForAllValues)
                || view.key_unknown(clause)
                || operator.kind.family() == Family::Null
                || !info.is_some_and(|i| i.ty.is_multi_valued())
            {
                continue;
            }
            // Absent `aws:CalledVia` is a direct call, which an "unless called via" exemption means to deny.
            let absence_intended = lower == "aws:calledvia";
            let mixed = if always_present(lower) {
                if !operator.kind.is_negated() {
                    continue;
                }
                true
            } else {
                if absence_intended
                    || !holds_when_absent(compiled, &ctx.assumptions)
                    || view.facts.requires_presence(lower, &ctx.assumptions)
                {
                    continue;
                }
                false
            };
            let (message, label, help) = words(&operator.to_string(), clause.key.node.as_str(), mixed);
            out.push(
                Finding::new(&DENY_GUARD_FIRES_ON_EMPTY, &doc.source, clause.operator.span, message)
                    .label(label)
                    .help(help),
            );
        }
    }
}
