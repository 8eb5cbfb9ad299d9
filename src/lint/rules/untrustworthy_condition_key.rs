use crate::declare_rule;
use crate::lint::{Document, Finding, LintContext};

declare_rule! {
    /// ## What it finds
    /// A condition on a key whose value the caller sets freely: `aws:UserAgent` and `aws:Referer` (Access
    /// Analyzer `UNTRUSTWORTHY_CONDITION_KEY`), in an Allow or a Deny.
    ///
    /// ## Why it matters
    /// The caller writes these headers itself, so a guard on them stops only callers who play along: an
    /// Allow limited to a user agent admits anyone who sends that string, and a Deny on one is evaded by
    /// sending another.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://api.partner.example"]},
    ///                 "StringLike": {"aws:UserAgent": "payments-worker/*"}}}]}
    /// ```
    ///
    /// ## Fix
    /// Guard on something the caller cannot choose: the network (`aws:SourceVpce`), the principal
    /// (`aws:PrincipalArn`, `aws:PrincipalTag/...`), or the organization (`aws:PrincipalOrgID`).
    pub static UNTRUSTWORTHY_CONDITION_KEY = "MINT118", "untrustworthy-condition-key", Warning, "a guard on a client-controlled key such as aws:UserAgent or aws:Referer";
}

fn words(key: &str) -> (String, &'static str, &'static str) {
    (
        format!("the caller sets `{key}` freely: this guard stops only callers who play along"),
        "client-controlled",
        "guard on the network, the principal or the organization instead",
    )
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    for view in doc.statements() {
        for clause in &view.statement.conditions {
            if !matches!(clause.key.node.lower(), "aws:useragent" | "aws:referer") || view.key_unknown(clause) {
                continue;
            }
            let (message, label, help) = words(clause.key.node.as_str());
            out.push(
                Finding::new(&UNTRUSTWORTHY_CONDITION_KEY, &doc.source, clause.key.span, message)
                    .label(label)
                    .help(help),
            );
        }
    }
}
