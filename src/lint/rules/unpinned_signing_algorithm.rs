use crate::declare_rule;
use crate::lint::facts::{ALGORITHM_KEY, MINT_ACTION, empty_context, mint_grant_span};
use crate::lint::{Document, Finding, LintContext};

declare_rule! {
    /// ## What it finds
    /// With `signing_algorithms` configured in `mintlint.toml`, a minting Allow that admits a signing
    /// algorithm outside that list: no condition on `sts:SigningAlgorithm`, or one that lets another of the
    /// two algorithms the API offers (`RS256`, `ES384`) through. The evaluator is asked with each algorithm.
    /// Silent when `signing_algorithms` is not configured.
    ///
    /// ## Why it matters
    /// Receiving services validate a fixed algorithm; pinning it in the policy keeps tokens the receiver
    /// would reject (or a weaker algorithm than agreed) from being minted at all.
    ///
    /// ## Example
    /// ```toml
    /// [token]
    /// signing_algorithms = ["ES384"]
    /// ```
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://api.partner.example"]}}}]}
    /// ```
    ///
    /// ## Fix
    /// Add `"StringEquals": {"sts:SigningAlgorithm": "ES384"}` (the configured algorithm).
    pub static UNPINNED_SIGNING_ALGORITHM = "MINT108", "unpinned-signing-algorithm", Info, "no sts:SigningAlgorithm constraint while the config pins one";
}

fn words(admitted: &[&str], pinned: &[String]) -> (String, &'static str, String) {
    let list = |v: &mut dyn Iterator<Item = &str>| v.map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
    let first = pinned.first().map_or("ES384", String::as_str);
    (
        format!(
            "tokens signed with {} may be minted; the configuration allows only {}",
            list(&mut admitted.iter().copied()),
            list(&mut pinned.iter().map(String::as_str))
        ),
        "signing algorithm not pinned",
        format!("add `\"StringEquals\": {{\"sts:SigningAlgorithm\": \"{first}\"}}`"),
    )
}

pub fn check(doc: &Document, ctx: &LintContext, out: &mut Vec<Finding>) {
    let Some(pinned) = &ctx.token.signing_algorithms else { return };
    for view in doc.statements() {
        if !view.facts.grants_mint() {
            continue;
        }
        let mut request = empty_context();
        let admitted: Vec<&str> = ["ES384", "RS256"]
            .into_iter()
            .filter(|alg| !pinned.iter().any(|p| p == alg))
            .filter(|alg| {
                request.insert_single(ALGORITHM_KEY, alg);
                view.facts.clauses_on(ALGORITHM_KEY).all(|(_, c)| c.evaluate(&request, &ctx.assumptions, &mut |_| {}))
            })
            .collect();
        if admitted.is_empty() {
            continue;
        }
        let (message, label, help) = words(&admitted, pinned);
        let span = mint_grant_span(view.statement, MINT_ACTION);
        out.push(Finding::new(&UNPINNED_SIGNING_ALGORITHM, &doc.source, span, message).label(label).help(help));
    }
}
