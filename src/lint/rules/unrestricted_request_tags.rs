use crate::declare_rule;
use crate::lint::facts::{StatementFacts, TAG_ACTION, TAG_KEYS_KEY, mint_grant_span};
use crate::lint::{Document, Finding, LintContext};
use crate::policy::Family;

declare_rule! {
    /// ## What it finds
    /// An Allow that grants `sts:TagGetWebIdentityToken` (directly, by wildcard or through `NotAction`) with
    /// no constraint on `aws:TagKeys`, when the minting grants of the same document do not constrain the tag
    /// keys either. (Both checks of a tagged request must allow, so a `aws:TagKeys` condition on every
    /// minting grant also bounds the tags; `tag-permission-missing` then notes the unconstrained tag grant.)
    /// A `Null` test with `"false"` is no constraint.
    ///
    /// ## Why it matters
    /// Request tags become custom claims (`request_tags`) in the token, which the receiving service may use
    /// for authorization. If any tag may be set, the caller writes its own claims: `role=admin`,
    /// `tenant=someone-else`.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:TagGetWebIdentityToken", "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// Allow only the claim keys the receiving service expects:
    /// `"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}`, and bind each value with
    /// `"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}`.
    pub static UNRESTRICTED_REQUEST_TAGS = "MINT105", "unrestricted-request-tags", Error, "any request tag (custom claim) may be set: no aws:TagKeys constraint";
}

fn words() -> (&'static str, &'static str, &'static str) {
    (
        "any request tag may be set: the caller writes its own custom claims into the token",
        "grants tagging of tokens",
        "allow only the expected claim keys: `\"ForAllValues:StringEquals\": {\"aws:TagKeys\": [\"team\"]}`",
    )
}

/// A condition on `aws:TagKeys` that bounds it (anything but `"Null": "false"`).
pub fn constrains_tag_keys(facts: &StatementFacts) -> bool {
    facts.clauses_on(TAG_KEYS_KEY).any(|(_, c)| {
        c.operator.kind.family() != Family::Null
            || matches!(&c.values, crate::eval::condition::ClauseValues::Null(v) if v.contains(&Some(true)))
    })
}

/// Every minting grant of the document bounds the tag keys (and there is one).
pub fn minting_constrains_tags(doc: &Document) -> bool {
    let mut grants = doc.statements().filter(|s| s.facts.grants_mint()).peekable();
    grants.peek().is_some() && grants.all(|s| constrains_tag_keys(s.facts))
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    let mut minting_bounds = None;
    for view in doc.statements() {
        if !view.facts.grants_tag() || constrains_tag_keys(view.facts) {
            continue;
        }
        if *minting_bounds.get_or_insert_with(|| minting_constrains_tags(doc)) {
            continue;
        }
        let (message, label, help) = words();
        let span = mint_grant_span(view.statement, TAG_ACTION);
        out.push(Finding::new(&UNRESTRICTED_REQUEST_TAGS, &doc.source, span, message).label(label).help(help));
    }
}
