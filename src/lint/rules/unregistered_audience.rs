use crate::declare_rule;
use crate::lint::facts::AUDIENCE_KEY;
use crate::lint::{Document, Finding, LintContext, RegisteredAudience};
use crate::policy::wildcard;
use crate::policy::{Family, OperatorKind};

declare_rule! {
    /// ## What it finds
    /// With an audience registry configured (`[[token.audience]]` in `mintlint.toml`), an audience a minting
    /// Allow permits that the registry does not list: a value of a positive audience condition that equals
    /// no registered name and matches no registered pattern (registry names may use `*` and `?`). A
    /// `StringLike` pattern in the policy counts as registered only when it is written exactly as a
    /// registry entry. Values built from policy variables are not judged. Silent without a registry.
    ///
    /// ## Why it matters
    /// The registry is the organisation's list of services it mints tokens for, each with an owner. An
    /// audience outside it is a token for a service nobody is accountable for.
    ///
    /// ## Example
    /// ```toml
    /// [[token.audience]]
    /// name = "https://payments.partner.example"
    /// owner = "payments-team"
    /// ```
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://ledger.partner.example"]},
    ///                 "Null": {"sts:IdentityTokenAudience": "false"}}}]}
    /// ```
    ///
    /// ## Fix
    /// Register the audience with its owner in `mintlint.toml`, or remove it from the policy.
    pub static UNREGISTERED_AUDIENCE = "MINT102", "unregistered-audience", Error, "an audience that the configured registry does not list";
}

fn words(audience: &str, registry: &[RegisteredAudience]) -> (String, &'static str, String) {
    (
        format!("audience `{audience}` is not in the audience registry"),
        "not registered",
        format!(
            "register it with its owner under `[[token.audience]]` in mintlint.toml ({} registered), or remove it",
            registry.len()
        ),
    )
}

fn registered(value: &str, like: bool, registry: &[RegisteredAudience]) -> bool {
    registry.iter().any(|entry| entry.name == value || (!like && wildcard::matches(&entry.name, value, false)))
}

pub fn check(doc: &Document, ctx: &LintContext, out: &mut Vec<Finding>) {
    let registry = &ctx.token.audiences;
    if registry.is_empty() {
        return;
    }
    for view in doc.statements() {
        if !view.facts.grants_mint() {
            continue;
        }
        for clause in &view.statement.conditions {
            let kind = clause.operator.node.kind;
            if clause.key.node.lower() != AUDIENCE_KEY || kind.family() != Family::String || kind.is_negated() {
                continue;
            }
            let like = kind == OperatorKind::StringLike;
            for value in &clause.values {
                if value.node.template.has_variables() || registered(value.node.text(), like, registry) {
                    continue;
                }
                let (message, label, help) = words(value.node.text(), registry);
                out.push(
                    Finding::new(&UNREGISTERED_AUDIENCE, &doc.source, value.span, message).label(label).help(help),
                );
            }
        }
    }
}
