use crate::declare_rule;
use crate::lint::{Document, Finding, LintContext};

declare_rule! {
    /// ## What it finds
    /// Two statements of one policy with the same `Sid`.
    ///
    /// ## Why it matters
    /// IAM requires statement ids to be unique within an identity policy (Access Analyzer
    /// `UNIQUE_SIDS_REQUIRED`), so the policy is rejected at deploy time; and in reviews, logs and
    /// `mintlint simulate` output a Sid names the statement that decided, which is ambiguous when two share it.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [
    ///   {"Sid": "Mint", "Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*"},
    ///   {"Sid": "Mint", "Effect": "Deny", "Action": "sts:TagGetWebIdentityToken", "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// Give each statement its own Sid (`MintTokens`, `DenyTags`).
    pub static DUPLICATE_SID = "MINT004", "duplicate-sid", Warning, "two statements with one Sid";
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    for unit in &doc.policies {
        let sids: Vec<_> = unit.policy.statements.iter().filter_map(|s| s.sid.as_ref()).collect();
        for (i, sid) in sids.iter().enumerate() {
            if sid.node.is_empty() {
                continue;
            }
            if let Some(first) = sids.iter().take(i).find(|s| s.node == sid.node) {
                out.push(
                    Finding::new(
                        &DUPLICATE_SID,
                        &doc.source,
                        sid.span,
                        format!("statement id `{}` is used twice", sid.node),
                    )
                    .label("second statement with this Sid")
                    .related(&doc.source, first.span, "first used here")
                    .help("give each statement a unique Sid"),
                );
            }
        }
    }
}
