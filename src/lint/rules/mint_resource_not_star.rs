use crate::declare_rule;
use crate::lint::{Document, Finding, LintContext};
use crate::policy::{Effect, ResourceClause};

declare_rule! {
    /// ## What it finds
    /// A statement that names `sts:GetWebIdentityToken` or `sts:TagGetWebIdentityToken` with a `Resource`
    /// entry other than `"*"`. Statements reaching the minting actions only through a wildcard are not
    /// judged: their resources are usually meant for the other actions.
    ///
    /// ## Why it matters
    /// The minting actions have no resource type (Service Authorization Reference), so the request is
    /// authorized against `*` and only `"Resource": "*"` matches it. A role or `arn:aws:sts::...:self` ARN
    /// silently matches nothing: an Allow grants nothing, a Deny guard never fires. (A third-party claim that
    /// the request is authorized against `arn:aws:sts::ACCOUNT:self` is unconfirmed; the simulator's
    /// `minting_resource` setting explores it.)
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken",
    ///   "Resource": "arn:aws:iam::111122223333:role/payments",
    ///   "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://api.partner.example"]}}}]}
    /// ```
    ///
    /// ## Fix
    /// Write `"Resource": "*"`, and scope the grant with conditions (audience, lifetime, network).
    pub static MINT_RESOURCE_NOT_STAR = "MINT114", "mint-resource-not-star", Warning, "a Resource other than \"*\" for the minting actions, which have no resource type";
}

fn words(resource: &str, effect: Effect) -> (String, &'static str, &'static str) {
    let consequence = match effect {
        Effect::Allow => "this Allow grants no minting",
        Effect::Deny => "this Deny never fires for minting",
    };
    (
        format!("the minting actions have no resource type, so `{resource}` never matches: {consequence}"),
        "never matches a token request",
        "write `\"Resource\": \"*\"` and scope the grant with conditions",
    )
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    for view in doc.statements() {
        if !(view.facts.names_mint || view.facts.names_tag) {
            continue;
        }
        let Some(resource) = &view.statement.resource else { continue };
        let ResourceClause::Resource(entries) = &resource.node else { continue };
        for entry in entries {
            let text = entry.node.raw();
            if !text.is_empty() && text.chars().all(|c| c == '*') {
                continue;
            }
            let (message, label, help) = words(text, view.statement.effect.node);
            out.push(Finding::new(&MINT_RESOURCE_NOT_STAR, &doc.source, entry.span, message).label(label).help(help));
        }
    }
}
