use crate::declare_rule;
use crate::lint::facts::{carries_key, holds_when_absent, listed_actions, quoted, suggestion_cached};
use crate::lint::provider_keys::{carries_oidc_claims, is_oidc_claim_key, is_provider_url};
use crate::lint::{Document, Finding, LintContext, Severity};
use crate::policy::Effect;
use crate::service::ServiceReference;

declare_rule! {
    /// ## What it finds
    /// A condition key that no request for any of the statement's actions carries: a key no AWS service
    /// defines (`sts:IdentityTokenAudiance`, with the nearest known key as "did you mean"), or a real key of
    /// another service (`ec2:Region` on `sts:GetWebIdentityToken`). Global keys (`aws:*` and the few others
    /// the reference lists as global) are carried by every request. A statement whose actions are `*` or a
    /// `NotAction` covers every action, so only keys no service defines are reported there. When at least
    /// one of the statement's actions carries the key, `condition-key-not-in-action` judges it instead.
    ///
    /// A key of the actions' own service that the reference does not list for them
    /// (`aws-marketplace:ProductId` on `aws-marketplace:Subscribe`) is reported at `info` only: the Service
    /// Authorization Reference is known to omit some per-action keys that AWS's own documentation and
    /// managed policies use, so whether AWS sends the key there is unknown. Likewise the few keys no
    /// reference entry defines but AWS's own managed policies use (`aws:PrincipalOrgMasterAccountId` in
    /// `AWSSSOServiceRolePolicy`, `lakeformation:GlueARN`) are reported at `info` as undocumented.
    ///
    /// The keys of identity providers, `<provider-url>:<claim>` (`token.actions.githubusercontent.com:sub`,
    /// `oidc.eks.<region>.amazonaws.com/id/<id>:aud`, `accounts.google.com:aud`, `saml:sub`), are carried by
    /// the federation requests (`sts:AssumeRoleWithWebIdentity`, `sts:AssumeRoleWithSAML`): known in a role
    /// trust policy, reported elsewhere (an identity policy's requests never carry them) with a message that
    /// says so.
    ///
    /// A key whose service is not in the embedded AWS service reference at all (a service newer than the
    /// data) is a warning that names the reference's version: the key may well exist.
    ///
    /// Key names compare case-insensitively, including the tag-key part of `aws:RequestTag/...`.
    ///
    /// ## Why it matters
    /// A key the request does not carry is absent, so a positive operator on it never matches: an Allow
    /// grants nothing, and a Deny guard silently never fires (a negated operator, the other way round,
    /// always fires). A misspelt audience key in an organisation's Deny is a guard that does not exist.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAnyValue:StringNotEquals": {"sts:IdentityTokenAudiance": ["https://api.partner.example"]}}}]}
    /// ```
    ///
    /// ## Fix
    /// Correct the key (`sts:IdentityTokenAudience`), or move the condition to a statement whose actions
    /// carry it.
    pub static UNKNOWN_CONDITION_KEY = "MINT010", "unknown-condition-key", Error, "a condition key that no request for the statement's actions carries: the guard never applies";
}

/// Keys no entry of the reference defines that AWS's own managed policies nevertheless use (seen in the
/// managed-policy corpus, MAMIP snapshot of 2026-03-07): AWS evidently sends them, undocumented.
const UNDOCUMENTED_BUT_USED_BY_AWS: &[&str] = &["aws:principalorgmasteraccountid", "lakeformation:gluearn"];

/// Where the key is defined, as far as the statement's actions are concerned.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Defined {
    Nowhere,
    /// By another service than the actions'.
    Elsewhere,
    /// By the actions' own service, but the reference does not list it for them.
    OwnServiceUnlisted,
    /// Nowhere in the reference, but AWS's own managed policies use it.
    Undocumented,
    /// A claim of an identity provider's token, which only federation requests carry.
    ProviderClaim,
    /// Of a service the reference does not have at all.
    ServiceNotInReference,
}

fn words(key: &str, defined: Defined, effect: Effect, holds_when_absent: bool) -> (String, &'static str) {
    match defined {
        Defined::OwnServiceUnlisted => {
            let message = format!(
                "the AWS service reference does not list `{key}` for these actions: if AWS does not send it here, this condition never applies as written"
            );
            return (message, "not listed for these actions");
        }
        Defined::Undocumented => {
            let message = format!(
                "`{key}` is undocumented: AWS's own policies use it, but no reference says when a request carries it"
            );
            return (message, "undocumented condition key");
        }
        Defined::ProviderClaim => {
            let consequence = match (holds_when_absent, effect) {
                (true, Effect::Deny) => "here it is always absent, so the Deny fires on every request",
                (true, Effect::Allow) => {
                    "here it is always absent, so this condition always holds and restricts nothing"
                }
                (false, Effect::Allow) => "here the condition never matches and the statement grants nothing",
                (false, Effect::Deny) => "here it is always absent, so this Deny guard never fires",
            };
            let message = format!(
                "`{key}` is a claim of an identity provider's token: only `sts:AssumeRoleWithWebIdentity` requests carry it, never a request for these actions; {consequence}"
            );
            return (message, "identity provider key outside a trust policy");
        }
        Defined::ServiceNotInReference => {
            let prefix = key.split_once(':').map_or(key, |(p, _)| p);
            let message = format!(
                "`{key}`: no service `{prefix}` is in the AWS service reference (version {}); if no request carries the key, {}",
                crate::service::data_version(),
                match (holds_when_absent, effect) {
                    (true, Effect::Deny) => "this condition always holds and the Deny fires on every request",
                    (true, Effect::Allow) => "this condition always holds",
                    (false, Effect::Allow) => "the statement grants nothing",
                    (false, Effect::Deny) => "this Deny guard never fires",
                }
            );
            return (message, "not in the service reference");
        }
        Defined::Nowhere | Defined::Elsewhere => {}
    }
    let consequence = match (holds_when_absent, effect) {
        (true, Effect::Deny) => {
            "the key is always absent, so this condition always holds and the Deny fires on every request"
        }
        (true, Effect::Allow) => "the key is always absent, so this condition always holds and restricts nothing",
        (false, Effect::Allow) => "the condition never matches and the statement grants nothing",
        (false, Effect::Deny) => "the key is always absent, so this Deny guard never fires",
    };
    let what =
        if defined == Defined::Elsewhere { "no request for these actions carries" } else { "no AWS service defines" };
    (format!("{what} `{key}`: {consequence}"), "unknown condition key")
}

/// Some action carries the key. Actions of the key's own service are asked first: they usually carry it, and
/// the answer then comes without resolving the key lists of every other action.
fn any_carries(actions: &[crate::service::ActionInfo<'_>], key: &str, ctx: &LintContext) -> bool {
    let prefix = key.split_once(':').map_or("", |(p, _)| p);
    let (own, other): (Vec<_>, Vec<_>) = actions.iter().partition(|a| a.service.eq_ignore_ascii_case(prefix));
    own.into_iter().chain(other).any(|a| carries_key(a, key, &ctx.assumptions))
}

pub fn check(doc: &Document, ctx: &LintContext, out: &mut Vec<Finding>) {
    let reference = ServiceReference::get();
    for view in doc.statements() {
        // Listed lazily: only service-specific keys need the statement's actions.
        let mut actions = None;
        for ((clause, info), compiled) in
            view.statement.conditions.iter().zip(&view.facts.keys).zip(view.facts.compiled.clauses.iter())
        {
            if view.key_unknown(clause) {
                continue;
            }
            let key = clause.key.node.as_str();
            let prefix = key.split_once(':').map_or("", |(p, _)| p);
            let defined = match info {
                Some(info) if info.global => continue,
                Some(_) => {
                    let listed = actions.get_or_insert_with(|| listed_actions(view.statement));
                    match listed {
                        None => continue,
                        Some(list) if list.is_empty() => continue,
                        Some(list) if any_carries(list, key, ctx) => continue,
                        Some(_) if is_provider_url(prefix) => Defined::ProviderClaim,
                        Some(list) if list.iter().any(|a| a.service.eq_ignore_ascii_case(prefix)) => {
                            Defined::OwnServiceUnlisted
                        }
                        Some(_) => Defined::Elsewhere,
                    }
                }
                None if UNDOCUMENTED_BUT_USED_BY_AWS.contains(&clause.key.node.lower()) => Defined::Undocumented,
                // `token.actions.githubusercontent.com:sub`: the provider's URL is the account's choice, so the
                // reference cannot list it; a web identity request carries it.
                None if is_oidc_claim_key(key) => match actions.get_or_insert_with(|| listed_actions(view.statement)) {
                    None => continue,
                    Some(list) if list.is_empty() || list.iter().any(carries_oidc_claims) => continue,
                    Some(_) => Defined::ProviderClaim,
                },
                None if !prefix.is_empty() && !is_provider_url(prefix) && !reference.has_service(prefix) => {
                    match suggestion_cached(2, key, || reference.suggest_key(key)) {
                        Some(_) => Defined::Nowhere,
                        None => Defined::ServiceNotInReference,
                    }
                }
                None => Defined::Nowhere,
            };
            let (message, label) =
                words(key, defined, view.statement.effect.node, holds_when_absent(compiled, &ctx.assumptions));
            let mut finding = Finding::new(&UNKNOWN_CONDITION_KEY, &doc.source, clause.key.span, message).label(label);
            match defined {
                Defined::OwnServiceUnlisted | Defined::Undocumented => finding.severity = Severity::Info,
                Defined::ServiceNotInReference => finding.severity = Severity::Warning,
                _ => {}
            }
            // A provider's key is no misspelt service key: a suggestion would send the reader astray.
            let suggestion = match defined {
                Defined::ProviderClaim | Defined::ServiceNotInReference => None,
                _ => suggestion_cached(2, key, || reference.suggest_key(key)),
            };
            finding = match suggestion {
                Some(suggestion) => finding.help(format!("did you mean `{suggestion}`?")).fix(
                    format!("use `{suggestion}`"),
                    clause.key.span,
                    quoted(&suggestion),
                ),
                None if defined == Defined::Undocumented => {
                    finding.help("prefer a documented key where one exists; this one may change without notice")
                }
                None if defined == Defined::OwnServiceUnlisted => finding.help(
                    "check the service's documentation for these actions; if the key is not sent, move the condition",
                ),
                None if defined == Defined::Elsewhere => {
                    finding.help("move the condition to a statement whose actions carry this key, or remove it")
                }
                None if defined == Defined::ProviderClaim => finding.help(
                    "test the token's claims in the role's trust policy; in this policy test what the role's sessions carry (aws:PrincipalTag, aws:PrincipalArn)",
                ),
                None if defined == Defined::ServiceNotInReference => finding.help(
                    "check the key against the service's documentation; refresh the service reference if the service is newer",
                ),
                None => finding.help("check the key against the AWS global condition keys and the service's keys"),
            };
            out.push(finding);
        }
    }
}
