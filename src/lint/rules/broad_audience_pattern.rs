use crate::declare_rule;
use crate::eval::condition::{ClauseValues, CompiledClause};
use crate::lint::choice::audience_with_free_authority;
use crate::lint::facts::AUDIENCE_KEY;
use crate::lint::{Document, Finding, LintContext};
use crate::policy::{ConditionClause, Family, OperatorKind};

declare_rule! {
    /// ## What it finds
    /// A minting Allow whose audience condition lets the caller choose the audience's scheme or host: a
    /// `StringLike` pattern with a wildcard before the end of its authority (`scheme://host`, closed by `/`,
    /// `?` or `#`), such as `*`, `https://*`, `https://build-status.example*` (admits
    /// `https://build-status.example.attacker.example`), `https://exampl?.com`, or
    /// `https://*.payments.example.com` (`*` also matches `/`, so it admits
    /// `https://attacker.example/.payments.example.com`, whose host is `attacker.example`); or an audience
    /// condition written only as a deny-list (`StringNotEquals`, `StringNotLike`), which allows every audience
    /// not listed. Wildcards after the host (`https://api.example.com/*`,
    /// `//iam.googleapis.com/projects/*/...`) leave the host fixed and are not reported.
    ///
    /// The verdict comes from the region analysis `diff` uses: the pattern and "the authority is the
    /// literal text's" are compiled into automata and every class of audiences they tell apart is visited;
    /// the finding names an admitted audience whose host is not fixed.
    ///
    /// ## Why it matters
    /// Such a guard reads as a restriction but admits audiences nobody reviewed: the token is then valid at
    /// services on hosts the organisation does not own.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAllValues:StringLike": {"sts:IdentityTokenAudience": ["https://build-status.example*"]},
    ///                 "Null": {"sts:IdentityTokenAudience": "false"}}}]}
    /// ```
    ///
    /// ## Fix
    /// List the audiences (`ForAllValues:StringEquals`), or put wildcards only after the host:
    /// `https://build-status.example.com/*`.
    pub static BROAD_AUDIENCE_PATTERN = "MINT101", "broad-audience-pattern", Warning, "audience allowed by a pattern that lets the caller choose its scheme or host (`*`, `https://*`, `example*`), or by a deny-list operator";
}

fn words(value: Option<(&str, &str)>, operator: &str) -> (String, String, &'static str) {
    match value {
        Some((pattern, witness)) => (
            format!("audience pattern `{pattern}` lets the caller choose the audience's host: it admits `{witness}`"),
            "wildcard before the end of the host".to_owned(),
            "list the audiences with `StringEquals`, or put wildcards only after the host (`https://api.example.com/*`)",
        ),
        None => (
            format!("`{operator}` only excludes audiences: every audience not listed may be minted"),
            "deny-list".to_owned(),
            "allow-list the audiences instead: `ForAllValues:StringEquals` with `\"Null\": {\"sts:IdentityTokenAudience\": \"false\"}`",
        ),
    }
}

fn is_like(clause: &ConditionClause) -> bool {
    matches!(clause.operator.node.kind, OperatorKind::StringLike)
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    for view in doc.statements() {
        if !view.facts.grants_mint() {
            continue;
        }
        let audience: Vec<(&ConditionClause, &CompiledClause)> = view
            .statement
            .conditions
            .iter()
            .zip(view.facts.compiled.clauses.iter())
            .filter(|(c, _)| c.key.node.lower() == AUDIENCE_KEY && c.operator.node.kind.family() != Family::Null)
            .collect();
        let has_allow_list = audience.iter().any(|(c, _)| !c.operator.node.kind.is_negated());
        for &(clause, compiled) in &audience {
            let operator = clause.operator.node;
            if operator.kind.is_negated() {
                if has_allow_list {
                    continue;
                }
                let (message, label, help) = words(None, &operator.to_string());
                out.push(
                    Finding::new(&BROAD_AUDIENCE_PATTERN, &doc.source, clause.operator.span, message)
                        .label(label)
                        .help(help),
                );
                continue;
            }
            if !is_like(clause) {
                continue;
            }
            let ClauseValues::Strings(patterns, _) = &compiled.values else { continue };
            for (value, pattern) in clause.values.iter().zip(patterns.iter()) {
                let Some(witness) = audience_with_free_authority(pattern) else { continue };
                let (message, label, help) = words(Some((value.node.text(), &witness)), &operator.to_string());
                out.push(
                    Finding::new(&BROAD_AUDIENCE_PATTERN, &doc.source, value.span, message).label(label).help(help),
                );
            }
        }
    }
}
