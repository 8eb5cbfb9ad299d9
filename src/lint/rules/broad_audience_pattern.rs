use crate::declare_rule;
use crate::lint::facts::AUDIENCE_KEY;
use crate::lint::{Document, Finding, LintContext};
use crate::policy::{ConditionClause, Family, OperatorKind};

declare_rule! {
    /// ## What it finds
    /// A minting Allow whose audience condition admits far more than a list of services: a `StringLike`
    /// pattern that is `*` alone, starts with `*` (`*.example.com` also matches `evil-example.com`), or is a
    /// scheme with a wildcard right after it and less than a domain of two labels behind that (`https://*`,
    /// `https://*.com`; `https://*.payments.example.com` is anchored and passes); or an audience condition
    /// written only as a deny-list (`StringNotEquals`, `StringNotLike`), which allows every audience not
    /// listed.
    ///
    /// ## Why it matters
    /// Such a guard reads as a restriction but admits audiences nobody reviewed: the token is then valid at
    /// services the organisation never meant to trust it.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAllValues:StringLike": {"sts:IdentityTokenAudience": ["https://*"]},
    ///                 "Null": {"sts:IdentityTokenAudience": "false"}}}]}
    /// ```
    ///
    /// ## Fix
    /// List the audiences (`ForAllValues:StringEquals`), or anchor patterns on a host you own:
    /// `https://*.payments.example.com/` rather than `*example.com`.
    pub static BROAD_AUDIENCE_PATTERN = "MINT101", "broad-audience-pattern", Warning, "audience allowed by a broad pattern (`*`, leading `*`, scheme-only prefix) or by a deny-list operator";
}

fn words(value: Option<&str>, operator: &str) -> (String, String, &'static str) {
    match value {
        Some(pattern) => (
            format!("audience pattern `{pattern}` admits audiences nobody reviewed"),
            "broad pattern".to_owned(),
            "list the audiences with `StringEquals`, or anchor the pattern on a host you own",
        ),
        None => (
            format!("`{operator}` only excludes audiences: every audience not listed may be minted"),
            "deny-list".to_owned(),
            "allow-list the audiences instead: `ForAllValues:StringEquals` with `\"Null\": {\"sts:IdentityTokenAudience\": \"false\"}`",
        ),
    }
}

/// `*` alone, a leading `*`, or `scheme://` followed by a wildcard with less than a registrable domain
/// (two labels) of literal text after it: `https://*`, `https://*.com`; not `https://*.payments.example`.
fn is_broad(pattern: &str) -> bool {
    if pattern.starts_with(['*', '?']) {
        return true;
    }
    let Some((scheme, rest)) = pattern.split_once("://") else { return false };
    let is_scheme = !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c));
    if !is_scheme || !rest.starts_with(['*', '?']) {
        return false;
    }
    let host = rest.split('/').next().unwrap_or_default();
    let labels = host.split('.').filter(|l| !l.is_empty() && !l.contains(['*', '?'])).count();
    labels < 2
}

fn is_like(clause: &ConditionClause) -> bool {
    matches!(clause.operator.node.kind, OperatorKind::StringLike)
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    for view in doc.statements() {
        if !view.facts.grants_mint() {
            continue;
        }
        let audience: Vec<&ConditionClause> = view
            .statement
            .conditions
            .iter()
            .filter(|c| c.key.node.lower() == AUDIENCE_KEY && c.operator.node.kind.family() != Family::Null)
            .collect();
        let has_allow_list = audience.iter().any(|c| !c.operator.node.kind.is_negated());
        for clause in &audience {
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
            for value in clause.values.iter().filter(|v| is_broad(v.node.template.raw())) {
                let (message, label, help) = words(Some(value.node.text()), &operator.to_string());
                out.push(
                    Finding::new(&BROAD_AUDIENCE_PATTERN, &doc.source, value.span, message).label(label).help(help),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_broad;

    #[test]
    fn broad_patterns_are_unanchored() {
        for broad in ["*", "*.example.com", "?ttps://a.example", "https://*", "https://*.com", "api://*/x"] {
            assert!(is_broad(broad), "{broad}");
        }
        for anchored in ["https://*.payments.example.com", "https://api.example.com/*", "api://AzureADTokenExchange"] {
            assert!(!is_broad(anchored), "{anchored}");
        }
    }
}
