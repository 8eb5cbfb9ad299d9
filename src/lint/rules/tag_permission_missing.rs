use crate::declare_rule;
use crate::lint::facts::{REQUEST_TAG_PREFIX, TAG_ACTION, TAG_KEYS_KEY, mint_grant_span};
use crate::lint::rules::unrestricted_request_tags::{constrains_tag_keys, minting_constrains_tags};
use crate::lint::{Document, Finding, LintContext};
use crate::policy::value::parse_bool;
use crate::policy::{ConditionClause, Family};

declare_rule! {
    /// ## What it finds
    /// Two mismatches between the minting grant and the tag permission of a token request:
    ///
    /// * a minting Allow with conditions on request tags (`aws:TagKeys`, `aws:RequestTag/...`) while no
    ///   Allow anywhere in the checked input grants `sts:TagGetWebIdentityToken`: every tagged request is
    ///   denied by the second check, so those conditions never come into play;
    /// * the reverse: a grant of `sts:TagGetWebIdentityToken` with no condition of its own, whose tags are
    ///   bounded only by the `aws:TagKeys` conditions of the minting grants next to it. That holds as long as
    ///   no other policy grants minting to the same principal.
    ///
    /// A `"Null": {"aws:TagKeys": "true"}` guard (the request must carry no tags) is not reported: it says
    /// what the missing grant already enforces, and it keeps holding if a tag grant is added later.
    ///
    /// Only the files given to `check` are seen: a tag permission granted in a policy outside them is not.
    ///
    /// ## Why it matters
    /// A tagged token request is authorized twice, as `sts:GetWebIdentityToken` and as
    /// `sts:TagGetWebIdentityToken`, and both must allow. Guards written on the one check while the other is
    /// missing or wide open are either dead or fragile.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://api.partner.example"],
    ///                                               "aws:TagKeys": ["team"]}}}]}
    /// ```
    ///
    /// ## Fix
    /// Grant `sts:TagGetWebIdentityToken` with the same `aws:TagKeys` condition, or drop the tag conditions
    /// if tokens are never tagged.
    pub static TAG_PERMISSION_MISSING = "MINT116", "tag-permission-missing", Info, "tag conditions on minting but no grant of sts:TagGetWebIdentityToken anywhere, or an unconstrained tag grant";
}

fn words(missing: bool) -> (&'static str, &'static str, &'static str) {
    if missing {
        (
            "tag conditions on minting, but nothing grants `sts:TagGetWebIdentityToken`: every tagged request is denied",
            "tag condition",
            "grant `sts:TagGetWebIdentityToken` with the same `aws:TagKeys` condition, or drop the tag conditions",
        )
    } else {
        (
            "this tag permission has no condition: only the minting grants' `aws:TagKeys` conditions bound the tags",
            "unconstrained tag permission",
            "repeat the `aws:TagKeys` condition here, so another minting grant cannot open all tags",
        )
    }
}

fn is_tag_key(lower: &str) -> bool {
    lower == TAG_KEYS_KEY || lower.starts_with(REQUEST_TAG_PREFIX)
}

/// `"Null": {key: "true"}`: the clause requires the key to be absent, so on a tag key it refuses every
/// tagged request, exactly what a missing tag grant does.
fn requires_absence(clause: &ConditionClause) -> bool {
    let op = &clause.operator.node;
    op.kind.family() == Family::Null
        && op.set.is_none()
        && !clause.values.is_empty()
        && clause.values.iter().all(|v| parse_bool(v.node.text()) == Some(true))
}

pub fn check(doc: &Document, ctx: &LintContext, out: &mut Vec<Finding>) {
    for view in doc.statements() {
        let missing_tag_grant = view.facts.grants_mint() && !view.facts.covers_tag && !ctx.input.grants_tag_minting;
        let tag_condition =
            view.statement.conditions.iter().find(|c| is_tag_key(c.key.node.lower()) && !requires_absence(c));
        if let Some(clause) = tag_condition.filter(|_| missing_tag_grant) {
            let (message, label, help) = words(true);
            out.push(
                Finding::new(&TAG_PERMISSION_MISSING, &doc.source, clause.key.span, message).label(label).help(help),
            );
        }
        if view.facts.grants_tag()
            && view.facts.names_tag
            && !view.facts.covers_mint
            && view.statement.conditions.is_empty()
            && !constrains_tag_keys(view.facts)
            && minting_constrains_tags(doc)
        {
            let (message, label, help) = words(false);
            let span = mint_grant_span(view.statement, TAG_ACTION);
            out.push(Finding::new(&TAG_PERMISSION_MISSING, &doc.source, span, message).label(label).help(help));
        }
    }
}
