//! Relying parties: the systems outside AWS that accept the tokens `GetWebIdentityToken` mints (Vault,
//! Entra ID, Google Cloud, EKS, and anything configured in `mintlint.toml`), each with the trust
//! configuration that decides which token it accepts (reference `relying-parties.md`, DESIGN §9.4).
//!
//! This module holds what a relying party *is* and how it matches a token's claims, read from Terraform
//! (plans and `.tf` source, [`terraform`]) and from `[[relying_party]]` tables ([`config`]). Every value keeps
//! the span it was read from, so findings point at the HCL, JSON or TOML that configured it. A value that
//! cannot be known statically stays [`Text::Unknown`] and is never guessed: a relying party with such a value
//! is reported as undecided rather than matched.
//!
//! The token a request yields is [`claims`]; whether a relying party accepts it is [`matching`].

pub mod analysis;
pub mod cel;
pub mod claims;
pub mod config;
pub mod drift;
pub mod glob;
pub mod inputs;
pub mod join;
pub mod matching;
pub mod pointer;
pub mod simulate;
pub mod terraform;

use std::sync::Arc;

use crate::source::{SourceFile, Span};

/// The kinds of relying party (DESIGN §9.4), as JSON and the reports name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// HashiCorp Vault JWT auth: `vault_jwt_auth_backend` + `vault_jwt_auth_backend_role`.
    Vault,
    /// Microsoft Entra ID federated identity credential (app registration or managed identity).
    Entra,
    /// Google Cloud workload identity pool provider of the `oidc` type.
    Gcp,
    /// Amazon EKS OIDC identity provider configuration.
    Eks,
    /// A `[[relying_party]]` table: exact or glob matching on issuer, audience, subject and claims.
    Exact,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Vault => "vault",
            Kind::Entra => "entra",
            Kind::Gcp => "gcp",
            Kind::Eks => "eks",
            Kind::Exact => "exact",
        }
    }
}

/// A configured string: known, a reference to something the inputs define (resolved at the join), or not
/// known statically (the reason says why; nothing is guessed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Text {
    Known(String),
    /// The ARN of a principal the inputs define, by its Terraform address (`aws_iam_role.app.arn`).
    PrincipalArn(String),
    /// The issuer of the account whose Terraform defines this outbound-federation resource
    /// (`aws_iam_outbound_web_identity_federation.this.issuer_identifier`).
    AccountIssuer(String),
    Unknown(String),
}

impl Text {
    pub fn known(&self) -> Option<&str> {
        match self {
            Text::Known(s) => Some(s),
            _ => None,
        }
    }

    /// How a report shows the value.
    pub fn shown(&self) -> String {
        match self {
            Text::Known(s) => s.clone(),
            Text::PrincipalArn(a) => format!("{a}.arn"),
            Text::AccountIssuer(a) => format!("{a}.issuer_identifier"),
            Text::Unknown(why) => format!("(unknown: {why})"),
        }
    }
}

/// A value with the span of the configuration that set it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Located<T> {
    pub fn new(value: T, span: Span) -> Self {
        Located { value, span }
    }
}

/// How a configured value is compared with a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Compare {
    /// Equal strings (Vault `bound_claims_type = "string"`, Entra, EKS, exact tables).
    Exact,
    /// `*` matches any run of characters, nothing else is special (Vault `glob`, `ryanuber/go-glob`).
    Glob,
}

/// Which audiences a relying party accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AudienceRule {
    /// The token's audience list holds one of these (Vault `bound_audiences`, Google `allowed_audiences`,
    /// exact tables).
    AnyOf(Vec<Located<Text>>),
    /// The one audience configured (Entra's single audience, EKS `client_id`).
    Single(Located<Text>),
    /// A Vault JWT role without `bound_audiences`: a token that carries any audience is rejected, and every
    /// AWS token carries one.
    RejectAny(Span),
    /// Google with no `allowed_audiences`: the audience must be the provider's canonical resource name,
    /// with or without `https:` (`None` when the project number or ids are not known statically).
    GoogleDefault(Option<String>, Span),
}

/// A condition on one claim: it holds when the claim exists and one configured value matches one of its
/// values (Vault's `validateBoundClaims`; EKS `required_claims` with one value each).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimRule {
    /// The claim as written: a top-level name, or a JSON pointer (`/https:~1~1sts.amazonaws.com~1/org_id`).
    pub claim: Located<String>,
    pub values: Vec<Located<Text>>,
    pub compare: Compare,
}

/// The signing algorithms a relying party accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Algorithms {
    /// Configured explicitly (Vault `jwt_supported_algs`, exact tables).
    Listed(Located<Vec<String>>),
    /// Every asymmetric algorithm, both of AWS's among them (Vault's default for JWT login).
    All,
    /// Not documented: whether AWS's `ES384` is accepted is unconfirmed (Google, EKS). Reach that needs it
    /// says so.
    Undocumented,
}

/// What a Google provider computes and checks with CEL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoogleCel {
    /// `attribute_mapping`: target (`google.subject`, `attribute.team`) → CEL over `assertion`.
    pub mapping: Vec<(Located<String>, Located<Text>)>,
    /// `attribute_condition`: CEL over `assertion`, `google`, `attribute`; `None` accepts every valid token.
    pub condition: Option<Located<Text>>,
}

/// One relying party and its trust configuration.
#[derive(Clone, Debug)]
pub struct RelyingParty {
    /// The Terraform address (module prefix and instance key included) or the TOML `name`.
    pub id: String,
    pub kind: Kind,
    /// The text findings point into (the `.tf` file, the plan, `mintlint.toml`).
    pub source: Arc<SourceFile>,
    /// The resource block, plan object or TOML table.
    pub span: Span,
    /// `None` when the relying party does not check the issuer itself and its keys cannot be tied to one
    /// (Vault with static public keys and no `bound_issuer`).
    pub issuer: Option<Located<Text>>,
    pub audience: AudienceRule,
    /// `None`: the subject is not checked by this rule (claims or CEL may still test `sub`).
    pub subject: Option<(Located<Text>, Compare)>,
    pub claims: Vec<ClaimRule>,
    pub google: Option<GoogleCel>,
    pub algorithms: Algorithms,
    /// A claim that must exist as a string for the login to succeed (Vault `user_claim`, EKS
    /// `username_claim`), as a JSON pointer or top-level name.
    pub user_claim: Option<Located<String>>,
    /// A claim that must exist as a string, boolean, number or list (Vault `groups_claim`).
    pub list_claim: Option<Located<String>>,
    /// What a successful exchange grants (Vault policies, an Entra application, a label from the TOML).
    pub grants: Vec<String>,
    /// Why the relying party accepts no AWS token whatever the claims (a Vault role of type `oidc`).
    pub refuses: Option<Located<String>>,
}

impl RelyingParty {
    /// Every configured value that is not known statically, with its span: the join cannot decide such a
    /// relying party.
    pub fn unknown_parts(&self) -> Vec<(Span, String)> {
        let mut out = Vec::new();
        if let AudienceRule::GoogleDefault(None, span) = &self.audience {
            out.push((*span, "the provider's resource name (its project number) is not known statically".into()));
        }
        let mut take = |t: &Located<Text>| {
            if let Text::Unknown(why) = &t.value {
                out.push((t.span, why.clone()));
            }
        };
        if let Some(i) = &self.issuer {
            take(i);
        }
        match &self.audience {
            AudienceRule::AnyOf(list) => list.iter().for_each(&mut take),
            AudienceRule::Single(a) => take(a),
            AudienceRule::RejectAny(_) | AudienceRule::GoogleDefault(..) => {}
        }
        if let Some((s, _)) = &self.subject {
            take(s);
        }
        for c in &self.claims {
            c.values.iter().for_each(&mut take);
        }
        if let Some(g) = &self.google {
            g.mapping.iter().for_each(|(_, e)| take(e));
            if let Some(c) = &g.condition {
                take(c);
            }
        }
        out
    }
}

/// Whether a URL names an AWS outbound-federation issuer, `https://<id>.tokens.sts.global.api.aws` (reference
/// §1.2), possibly with a typo after the host (a trailing `/`): relying parties that trust another issuer
/// (GitHub Actions, an Azure tenant) are not part of the graph.
pub fn is_aws_issuer(url: &str) -> bool {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).unwrap_or(url);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    host.len() > ".tokens.sts.global.api.aws".len() && host.to_ascii_lowercase().ends_with(".tokens.sts.global.api.aws")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_issuer_shape() {
        assert!(is_aws_issuer("https://abc123-def456.tokens.sts.global.api.aws"));
        assert!(is_aws_issuer("https://abc.tokens.sts.global.api.aws/"));
        assert!(!is_aws_issuer("https://token.actions.githubusercontent.com"));
        assert!(!is_aws_issuer("https://.tokens.sts.global.api.aws"));
    }
}
