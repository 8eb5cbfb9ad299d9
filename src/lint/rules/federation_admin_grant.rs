use crate::declare_rule;
use crate::lint::{Document, Finding, LintContext};
use crate::policy::{ActionClause, wildcard};

declare_rule! {
    /// ## What it finds
    /// An Allow that grants `iam:EnableOutboundWebIdentityFederation` or
    /// `iam:DisableOutboundWebIdentityFederation`, by name or by a narrow wildcard (`iam:Enable*`,
    /// `iam:*OutboundWebIdentityFederation`). Whole-service and whole-account grants (`iam:*`, `*`,
    /// `NotAction`) are not reported: they hand out all of IAM, of which switching the issuer is a small part,
    /// and a finding on every administrator policy would drown the ones that matter.
    ///
    /// ## Why it matters
    /// Enabling the account's issuer lets every principal with a minting grant start minting tokens;
    /// disabling it breaks every integration that relies on them (tokens already minted stay valid until
    /// they expire). Both are account-wide switches that belong to few hands.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:EnableOutboundWebIdentityFederation", "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// Keep the permission to a break-glass role, and guard it organisation-wide with an SCP Deny except
    /// for that role.
    pub static FEDERATION_ADMIN_GRANT = "MINT111", "federation-admin-grant", Warning, "an Allow that switches the account's token issuer on or off (iam:Enable/DisableOutboundWebIdentityFederation)";
}

const SWITCHES: [&str; 2] = ["iam:EnableOutboundWebIdentityFederation", "iam:DisableOutboundWebIdentityFederation"];

fn words(pattern: &str) -> (String, &'static str, &'static str) {
    (
        format!("`{pattern}` lets this principal switch the account's token issuer on or off"),
        "account-wide switch",
        "keep it to a break-glass role and guard it with an SCP Deny for everyone else",
    )
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    for view in doc.statements() {
        // Only an identity policy's Allow grants (boundaries, SCPs and RCPs limit; resource and trust
        // policies restrict); a template's is not known yet.
        if !view.facts.is_allow() || !view.facts.can_grant {
            continue;
        }
        let ActionClause::Action(patterns) = &view.statement.action.node else { continue };
        for pattern in patterns {
            let text = pattern.node.as_str();
            // Cheap first: only an `iam` entry (or one with a wildcard prefix) can reach the switches.
            let service = pattern.node.service().unwrap_or("*");
            if !service.eq_ignore_ascii_case("iam") && !crate::policy::wildcard::has_wildcard(service) {
                continue;
            }
            let broad = pattern.node.is_any() || pattern.node.name().is_some_and(|n| n.chars().all(|c| c == '*'));
            if broad || !SWITCHES.iter().any(|s| wildcard::matches(text, s, true)) {
                continue;
            }
            let (message, label, help) = words(text);
            out.push(Finding::new(&FEDERATION_ADMIN_GRANT, &doc.source, pattern.span, message).label(label).help(help));
        }
    }
}
