//! Condition keys of identity providers: the claims of a web identity (OIDC) token that IAM puts in the
//! request context of `sts:AssumeRoleWithWebIdentity`, named after the provider's URL without `https://`:
//! `token.actions.githubusercontent.com:sub` (GitHub Actions), `oidc.eks.us-west-2.amazonaws.com/id/ABC:aud`
//! (EKS service accounts), `cognito-identity.amazonaws.com:amr`, `accounts.google.com:aud`, any
//! `<host>[/path]:aud` of a provider registered in IAM.
//!
//! The service reference lists a few of them (Google, Cognito, Facebook, Amazon, some GitHub claims), but the
//! URL of a provider is the account's choice, so most cannot be listed: a key whose prefix is a host name (a
//! dot in it; no AWS service prefix has one) and whose claim is one IAM reads from every OIDC token (`aud`,
//! `azp`, `sub`, `amr`, `oaud`) is such a key. Requests for other actions never carry them. (SAML's keys,
//! `saml:*`, are in the reference.)

use crate::service::ActionInfo;

/// The claims IAM reads from any OIDC provider's token (IAM User Guide, "Available keys for AWS OIDC
/// federation"): `aud` (the `azp` claim when present, else `aud`), `azp`, `sub`, `amr` and Google's `oaud`.
const OIDC_CLAIMS: [&str; 5] = ["aud", "azp", "sub", "amr", "oaud"];

/// Whether `key` is a claim key of a web identity (OIDC) provider: `<provider-url>:<claim>`.
pub fn is_oidc_claim_key(key: &str) -> bool {
    let Some((provider, claim)) = key.rsplit_once(':') else { return false };
    is_provider_url(provider) && OIDC_CLAIMS.iter().any(|c| c.eq_ignore_ascii_case(claim))
}

/// Whether the prefix of a key is an identity provider's URL (`accounts.google.com`,
/// `oidc.eks.us-east-1.amazonaws.com/id/ABC`, `auth.example.com/`) rather than a service prefix: a host name
/// with a dot, then an optional path.
pub fn is_provider_url(prefix: &str) -> bool {
    let host = prefix.split_once('/').map_or(prefix, |(host, _)| host);
    host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        && prefix.chars().all(|c| !c.is_whitespace() && !c.is_control())
}

/// Whether a request for this action carries the claims of a web identity token.
pub fn carries_oidc_claims(action: &ActionInfo<'_>) -> bool {
    action.service.eq_ignore_ascii_case("sts") && action.name.eq_ignore_ascii_case("AssumeRoleWithWebIdentity")
}

/// Keys whose values are several strings although the reference types them as one: Cognito's `amr`
/// (authentication methods: `authenticated` and the login provider), which AWS's own examples test with
/// `ForAnyValue:StringLike`.
pub fn is_multivalued_provider_key(lower_key: &str) -> bool {
    lower_key == "cognito-identity.amazonaws.com:amr"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_claims_are_told_from_service_keys() {
        for key in [
            "token.actions.githubusercontent.com:sub",
            "token.actions.githubusercontent.com:aud",
            "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud",
            "oidc.eks.eu-central-1.amazonaws.com/id/0123:sub",
            "cognito-identity.amazonaws.com:amr",
            "accounts.google.com:oaud",
            "auth-dev.mozilla.auth0.com/:aud",
            "gitlab.example.com:SUB",
            "app.terraform.io:azp",
        ] {
            assert!(is_oidc_claim_key(key), "{key}");
        }
        for key in [
            "sts:IdentityTokenAudience",
            "aws:PrincipalTag/team",
            "s3:prefix",
            "token.actions.githubusercontent.com:repository_owner",
            ".example.com:sub",
            "example:sub",
            "a b.com:sub",
            "sub",
        ] {
            assert!(!is_oidc_claim_key(key), "{key}");
        }
    }

    #[test]
    fn only_web_identity_requests_carry_the_claims() {
        let reference = crate::service::ServiceReference::get();
        let web = reference.find_action("sts:AssumeRoleWithWebIdentity").unwrap();
        let assume = reference.find_action("sts:AssumeRole").unwrap();
        assert!(carries_oidc_claims(&web));
        assert!(!carries_oidc_claims(&assume));
    }
}
