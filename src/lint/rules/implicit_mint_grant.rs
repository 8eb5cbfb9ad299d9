use crate::declare_rule;
use crate::lint::facts::{MINT_ACTION, mint_grant_span};
use crate::lint::{Document, Finding, LintContext};

declare_rule! {
    /// ## What it finds
    /// An Allow that grants `sts:GetWebIdentityToken` only through a wildcard (`*`, `sts:*`, `sts:Get*`,
    /// `sts:*Token`) or through `NotAction`, without naming the action.
    ///
    /// ## Why it matters
    /// Minting a token is a way to present the account's identity to outside services. A grant nobody wrote
    /// down is one nobody reviewed: a `sts:Get*` meant for `sts:GetCallerIdentity` also hands out tokens for
    /// any audience.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:Get*", "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// List the actions meant (`sts:GetCallerIdentity`), and grant minting in its own statement with its
    /// audience, lifetime and tag conditions; or add a Deny for `sts:GetWebIdentityToken`.
    pub static IMPLICIT_MINT_GRANT = "MINT110", "implicit-mint-grant", Warning, "minting granted only through a wildcard action or NotAction";
}

fn words(grant: &str, not_action: bool) -> (String, &'static str, &'static str) {
    let how = if not_action { "`NotAction`".to_owned() } else { format!("the wildcard `{grant}`") };
    (
        format!("{how} also grants `sts:GetWebIdentityToken`: tokens can be minted without anyone having written so"),
        "grants minting implicitly",
        "list the actions meant, and grant minting in its own statement with audience and lifetime conditions",
    )
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    for view in doc.statements() {
        if !view.facts.grants_mint() || view.facts.names_mint {
            continue;
        }
        let span = mint_grant_span(view.statement, MINT_ACTION);
        let written = doc.source.slice(span).trim_matches('"');
        let (message, label, help) = words(written, view.statement.action.node.is_not_action());
        out.push(Finding::new(&IMPLICIT_MINT_GRANT, &doc.source, span, message).label(label).help(help));
    }
}
