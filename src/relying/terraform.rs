//! Relying parties from Terraform: the resources each loader (plans and state in `input::terraform`,
//! `.tf` source in `input::tfsource`) hands over as neutral [`Resource`]s, read here the way each provider
//! sends them to its API (reference §2):
//!
//! - `vault_jwt_auth_backend` + `vault_jwt_auth_backend_role` (`hashicorp/terraform-provider-vault`): a role
//!   belongs to the backend whose `path` its `backend` names (default `jwt`); `bound_claims` values are split
//!   at commas and trimmed unless `disable_bound_claims_parsing`; `role_type` unset is `oidc`, which refuses
//!   JWT login;
//! - `azuread_application_federated_identity_credential`, `azurerm_federated_identity_credential`;
//! - `google_iam_workload_identity_pool_provider` with an `oidc` block (the `aws` block is the SigV4 flow,
//!   which does not take these tokens, and is not read);
//! - `aws_eks_identity_provider_config` (`oidc { client_id, issuer_url, required_claims, username_claim }`).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::source::json::{Json, JsonKind};
use crate::source::{SourceFile, Span};

use super::{Algorithms, AudienceRule, ClaimRule, Compare, GoogleCel, Kind, Located, RelyingParty, Text};

/// The resource types read as relying parties (and the Vault backend they need).
pub const TYPES: [&str; 6] = [
    "vault_jwt_auth_backend",
    "vault_jwt_auth_backend_role",
    "azuread_application_federated_identity_credential",
    "azurerm_federated_identity_credential",
    "google_iam_workload_identity_pool_provider",
    "aws_eks_identity_provider_config",
];

/// An attribute as a loader read it.
#[derive(Clone, Debug)]
pub enum Attr {
    Value(Json),
    /// A nested block (`oidc { ... }`): its attributes.
    Block(BTreeMap<String, Attr>),
    /// A reference to another resource's attribute, as written (`aws_iam_role.app.arn`, module prefix
    /// included), which the loader could not resolve to a value.
    Reference {
        target: String,
        span: Span,
    },
    Unknown {
        why: String,
        span: Span,
    },
}

impl Attr {
    fn span(&self) -> Option<Span> {
        match self {
            Attr::Value(j) => Some(j.span),
            Attr::Reference { span, .. } | Attr::Unknown { span, .. } => Some(*span),
            Attr::Block(_) => None,
        }
    }
}

/// One resource of a relying-party type.
#[derive(Clone, Debug)]
pub struct Resource {
    /// The address as in a plan (`module.x.vault_jwt_auth_backend_role.app["a"]`).
    pub address: String,
    pub ty: String,
    pub source: Arc<SourceFile>,
    /// The resource block or plan object.
    pub span: Span,
    pub attrs: BTreeMap<String, Attr>,
}

impl Resource {
    fn attr(&self, key: &str) -> Option<&Attr> {
        self.attrs.get(key).filter(|a| !matches!(a, Attr::Value(Json { kind: JsonKind::Null, .. })))
    }

    fn block(&self, key: &str) -> Option<&BTreeMap<String, Attr>> {
        match self.attrs.get(key) {
            Some(Attr::Block(b)) => Some(b),
            _ => None,
        }
    }

    /// The module prefix of the address (`module.x.`), for references written inside the module.
    fn module_prefix(&self) -> &str {
        let at = self.address.rfind(&format!("{}.", self.ty)).unwrap_or(0);
        self.address.get(..at).unwrap_or("")
    }
}

/// A string attribute as a configured text: empty or absent is `None`.
fn text(attr: Option<&Attr>, prefix: &str, fallback: Span) -> Option<Located<Text>> {
    let attr = attr?;
    let span = attr.span().unwrap_or(fallback);
    Some(match attr {
        Attr::Value(j) => match &j.kind {
            JsonKind::String(s) if s.is_empty() => return None,
            JsonKind::String(s) => Located::new(Text::Known(s.to_string()), span),
            JsonKind::Number(n) => Located::new(Text::Known(n.raw().to_owned()), span),
            JsonKind::Bool(b) => Located::new(Text::Known(b.to_string()), span),
            JsonKind::Null => return None,
            _ => Located::new(Text::Unknown("a value that is not a string".into()), span),
        },
        Attr::Reference { target, .. } => Located::new(reference(target, prefix), span),
        Attr::Unknown { why, .. } => Located::new(Text::Unknown(why.clone()), span),
        Attr::Block(_) => Located::new(Text::Unknown("a block where a string belongs".into()), span),
    })
}

/// What a reference stands for: the ARN of a role or user the inputs define, the issuer of the account that
/// enables outbound federation, or something not known statically.
fn reference(target: &str, prefix: &str) -> Text {
    let full = if target.starts_with("module.") { target.to_owned() } else { format!("{prefix}{target}") };
    let (address, attribute) = match full.rsplit_once('.') {
        Some(p) => p,
        None => return Text::Unknown(format!("`{target}` is known only after apply")),
    };
    let ty = address.rsplit('.').nth(1).unwrap_or("");
    let ty = ty.split('[').next().unwrap_or(ty);
    match (ty, attribute) {
        ("aws_iam_role" | "aws_iam_user", "arn") => Text::PrincipalArn(address.to_owned()),
        ("aws_iam_outbound_web_identity_federation", "issuer_identifier") => Text::AccountIssuer(address.to_owned()),
        _ => Text::Unknown(format!("`{target}` is known only after apply")),
    }
}

/// A list of strings (a list, a set, or one string), each located.
fn texts(attr: Option<&Attr>, prefix: &str, fallback: Span) -> Vec<Located<Text>> {
    match attr {
        Some(Attr::Value(Json { kind: JsonKind::Array(items), .. })) => {
            items.iter().filter_map(|i| text(Some(&Attr::Value(i.clone())), prefix, fallback)).collect()
        }
        Some(a) => text(Some(a), prefix, fallback).into_iter().collect(),
        None => Vec::new(),
    }
}

fn strings(attr: Option<&Attr>) -> Vec<String> {
    match attr {
        Some(Attr::Value(Json { kind: JsonKind::Array(items), .. })) => {
            items.iter().filter_map(Json::as_str).map(str::to_owned).collect()
        }
        Some(Attr::Value(Json { kind: JsonKind::String(s), .. })) if !s.is_empty() => vec![s.to_string()],
        _ => Vec::new(),
    }
}

fn boolean(attr: Option<&Attr>) -> Option<bool> {
    match attr {
        Some(Attr::Value(j)) => j.as_bool(),
        _ => None,
    }
}

/// A map attribute's entries (`bound_claims`, `required_claims`, `attribute_mapping`); `Err` with the span
/// when the map itself is not known statically.
/// A map's entries, or where and why it is not known.
type Entries = Result<Vec<(Located<String>, Attr)>, (Span, String)>;

fn map_entries(attr: Option<&Attr>) -> Entries {
    match attr {
        None => Ok(Vec::new()),
        Some(Attr::Value(Json { kind: JsonKind::Object(members), .. })) => Ok(members
            .iter()
            .map(|m| (Located::new(m.key.node.to_string(), m.key.span), Attr::Value(m.value.clone())))
            .collect()),
        Some(Attr::Value(Json { kind: JsonKind::Null, .. })) => Ok(Vec::new()),
        Some(Attr::Unknown { why, span }) => Err((*span, why.clone())),
        Some(Attr::Reference { target, span }) => Err((*span, format!("`{target}` is known only after apply"))),
        Some(other) => Err((other.span().unwrap_or_default(), "a map that is not an object".into())),
    }
}

/// Every relying party the resources configure, Vault roles joined with their backends.
pub fn relying_parties(resources: &[Resource]) -> Vec<RelyingParty> {
    let backends: Vec<&Resource> = resources.iter().filter(|r| r.ty == "vault_jwt_auth_backend").collect();
    let mut out = Vec::new();
    for r in resources {
        let rp = match r.ty.as_str() {
            "vault_jwt_auth_backend_role" => Some(vault_role(r, &backends)),
            "azuread_application_federated_identity_credential" => Some(entra(r, "audiences", "application_id")),
            "azurerm_federated_identity_credential" => Some(entra(r, "audience", "parent_id")),
            "google_iam_workload_identity_pool_provider" => google(r),
            "aws_eks_identity_provider_config" => eks(r),
            _ => None,
        };
        out.extend(rp);
    }
    out
}

fn base(r: &Resource, kind: Kind) -> RelyingParty {
    RelyingParty {
        id: r.address.clone(),
        kind,
        source: Arc::clone(&r.source),
        span: r.span,
        issuer: None,
        audience: AudienceRule::AnyOf(Vec::new()),
        subject: None,
        claims: Vec::new(),
        google: None,
        algorithms: Algorithms::All,
        user_claim: None,
        list_claim: None,
        grants: Vec::new(),
        refuses: None,
    }
}

/// The backend a role's `backend` names: by reference, else by path (default `jwt`, slashes trimmed).
fn backend_of<'r>(role: &Resource, backends: &[&'r Resource]) -> Result<&'r Resource, String> {
    let prefix = role.module_prefix();
    match role.attr("backend") {
        Some(Attr::Reference { target, .. }) => {
            let full = if target.starts_with("module.") { target.clone() } else { format!("{prefix}{target}") };
            let address = full.rsplit_once('.').map_or(full.as_str(), |(a, _)| a);
            backends
                .iter()
                .find(|b| b.address == address)
                .copied()
                .ok_or_else(|| format!("the role's backend `{address}` is not in the inputs"))
        }
        Some(Attr::Unknown { why, .. }) => Err(why.clone()),
        other => {
            let path = match other {
                Some(Attr::Value(j)) => j.as_str().unwrap_or("jwt").trim_matches('/').to_owned(),
                _ => "jwt".to_owned(),
            };
            let path_of = |b: &Resource| match b.attr("path") {
                Some(Attr::Value(j)) => j.as_str().map(|p| p.trim_matches('/').to_owned()),
                None => Some("jwt".to_owned()),
                _ => None,
            };
            backends
                .iter()
                .find(|b| path_of(b).as_deref() == Some(path.as_str()))
                .copied()
                .ok_or_else(|| format!("no `vault_jwt_auth_backend` with path `{path}` is in the inputs"))
        }
    }
}

fn vault_role(r: &Resource, backends: &[&Resource]) -> RelyingParty {
    let mut rp = base(r, Kind::Vault);
    let prefix = r.module_prefix();
    let span_of = |key: &str| r.attr(key).and_then(Attr::span).unwrap_or(r.span);
    match backend_of(r, backends) {
        Ok(b) => {
            let bprefix = b.module_prefix();
            rp.issuer = text(b.attr("bound_issuer"), bprefix, b.span)
                .or_else(|| text(b.attr("oidc_discovery_url"), bprefix, b.span))
                .or_else(|| {
                    // Keys fetched from an issuer's JWKS verify only that issuer's tokens.
                    let url = text(b.attr("jwks_url"), bprefix, b.span)?;
                    let issuer = match &url.value {
                        Text::Known(u) => u.strip_suffix("/.well-known/jwks.json").map(|i| Text::Known(i.to_owned())),
                        _ => None,
                    };
                    Some(Located::new(
                        issuer.unwrap_or_else(|| {
                            Text::Unknown("the keys of `jwks_url` cannot be tied to an issuer".into())
                        }),
                        url.span,
                    ))
                });
            if rp.issuer.is_none() {
                // Static keys and no `bound_issuer`: which issuer's tokens they verify is not in the configuration.
                rp.issuer = Some(Located::new(
                    Text::Unknown("the backend checks no issuer and its keys cannot be tied to one".into()),
                    b.span,
                ));
            }
            let algs = strings(b.attr("jwt_supported_algs"));
            if !algs.is_empty() {
                rp.algorithms = Algorithms::Listed(Located::new(
                    algs,
                    b.attr("jwt_supported_algs").and_then(Attr::span).unwrap_or(b.span),
                ));
            }
        }
        Err(why) => rp.issuer = Some(Located::new(Text::Unknown(why), span_of("backend"))),
    }
    let role_type = match r.attr("role_type") {
        Some(Attr::Value(j)) => j.as_str().map(str::to_owned),
        Some(_) => None,
        None => Some("oidc".to_owned()),
    };
    match role_type.as_deref() {
        Some("jwt") => {}
        Some(t) => {
            let span = r.attr("role_type").and_then(Attr::span).unwrap_or(r.span);
            let unset = if r.attr("role_type").is_none() { " (`role_type` unset is `oidc`)" } else { "" };
            rp.refuses = Some(Located::new(
                format!(
                    "the role is of type `{t}`{unset}, and Vault refuses JWT login to it: set `role_type = \"jwt\"`"
                ),
                span,
            ));
        }
        None => {
            rp.refuses = None;
        }
    }
    let audiences = texts(r.attr("bound_audiences"), prefix, r.span);
    rp.audience = if audiences.is_empty() {
        AudienceRule::RejectAny(r.attrs.get("bound_audiences").and_then(Attr::span).unwrap_or(r.span))
    } else {
        AudienceRule::AnyOf(audiences)
    };
    rp.subject = text(r.attr("bound_subject"), prefix, r.span).map(|s| (s, Compare::Exact));
    let compare = match r.attr("bound_claims_type") {
        Some(Attr::Value(j)) if j.as_str() == Some("glob") => Compare::Glob,
        _ => Compare::Exact,
    };
    let split = !boolean(r.attr("disable_bound_claims_parsing")).unwrap_or(false);
    match map_entries(r.attr("bound_claims")) {
        Ok(entries) => {
            for (claim, value) in entries {
                let values = match text(Some(&value), prefix, claim.span) {
                    Some(Located { value: Text::Known(v), span }) if split => {
                        v.split(',').map(|p| Located::new(Text::Known(p.trim().to_owned()), span)).collect()
                    }
                    Some(Located { value: Text::Known(v), span }) => {
                        vec![Located::new(Text::Known(v.trim().to_owned()), span)]
                    }
                    Some(other) => vec![other],
                    None => vec![Located::new(Text::Known(String::new()), claim.span)],
                };
                rp.claims.push(ClaimRule { claim, values, compare });
            }
        }
        Err((span, why)) => rp.claims.push(ClaimRule {
            claim: Located::new("bound_claims".into(), span),
            values: vec![Located::new(Text::Unknown(why), span)],
            compare,
        }),
    }
    if let Some(user) = text(r.attr("user_claim"), prefix, r.span)
        .and_then(|u| u.value.known().map(|k| Located::new(k.to_owned(), u.span)))
    {
        // Without `user_claim_json_pointer` the name is a top-level claim even when it starts with `/`.
        let pointer = boolean(r.attr("user_claim_json_pointer")).unwrap_or(false);
        let name = if pointer || !user.value.starts_with('/') {
            user.value
        } else {
            format!("/{}", user.value.replace('~', "~0").replace('/', "~1"))
        };
        rp.user_claim = Some(Located::new(name, user.span));
    }
    if let Some(groups) = text(r.attr("groups_claim"), prefix, r.span)
        .and_then(|g| g.value.known().map(|k| Located::new(k.to_owned(), g.span)))
    {
        rp.list_claim = Some(groups);
    }
    let policies = strings(r.attr("token_policies"));
    let name = text(r.attr("role_name"), prefix, r.span).and_then(|t| t.value.known().map(str::to_owned));
    rp.grants = match name {
        Some(n) if policies.is_empty() => vec![format!("Vault role `{n}`")],
        Some(n) => vec![format!("Vault role `{n}`: policies {}", policies.join(", "))],
        None if policies.is_empty() => Vec::new(),
        None => vec![format!("Vault policies {}", policies.join(", "))],
    };
    rp
}

fn entra(r: &Resource, audience_key: &str, grant_key: &str) -> RelyingParty {
    let mut rp = base(r, Kind::Entra);
    let prefix = r.module_prefix();
    rp.issuer = Some(
        text(r.attr("issuer"), prefix, r.span)
            .unwrap_or_else(|| Located::new(Text::Unknown("no `issuer`".into()), r.span)),
    );
    let audiences = texts(r.attr(audience_key), prefix, r.span);
    rp.audience = match audiences.as_slice() {
        [one] => AudienceRule::Single(one.clone()),
        _ => AudienceRule::AnyOf(audiences),
    };
    rp.subject = Some((
        text(r.attr("subject"), prefix, r.span)
            .unwrap_or_else(|| Located::new(Text::Unknown("no `subject`".into()), r.span)),
        Compare::Exact,
    ));
    // Entra names no algorithm; its token exchange takes the issuer's published keys.
    rp.algorithms = Algorithms::All;
    let target = text(r.attr(grant_key).or_else(|| r.attr("application_object_id")), prefix, r.span);
    if let Some(t) = target {
        let what = if r.ty.starts_with("azurerm") { "managed identity" } else { "application" };
        rp.grants.push(format!("Entra {what} `{}`", t.value.shown()));
    }
    rp
}

fn google(r: &Resource) -> Option<RelyingParty> {
    let oidc = r.block("oidc")?;
    let mut rp = base(r, Kind::Gcp);
    let prefix = r.module_prefix();
    rp.issuer = Some(
        text(oidc.get("issuer_uri"), prefix, r.span)
            .unwrap_or_else(|| Located::new(Text::Unknown("no `issuer_uri`".into()), r.span)),
    );
    let audiences = texts(oidc.get("allowed_audiences"), prefix, r.span);
    rp.audience = if audiences.is_empty() {
        let name = match r.attr("name") {
            Some(Attr::Value(j)) => j.as_str().filter(|n| !n.is_empty()).map(|n| format!("//iam.googleapis.com/{n}")),
            _ => None,
        };
        let project = text(r.attr("project"), prefix, r.span).and_then(|p| p.value.known().map(str::to_owned));
        let pool =
            text(r.attr("workload_identity_pool_id"), prefix, r.span).and_then(|p| p.value.known().map(str::to_owned));
        let id = text(r.attr("workload_identity_pool_provider_id"), prefix, r.span)
            .and_then(|p| p.value.known().map(str::to_owned));
        let built = match (project, pool, id) {
            // The canonical name holds the project *number*; a project id cannot be turned into one offline.
            (Some(p), Some(pool), Some(id)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => Some(format!(
                "//iam.googleapis.com/projects/{p}/locations/global/workloadIdentityPools/{pool}/providers/{id}"
            )),
            _ => None,
        };
        let span = oidc.get("allowed_audiences").and_then(Attr::span).unwrap_or(r.span);
        AudienceRule::GoogleDefault(name.or(built), span)
    } else {
        AudienceRule::AnyOf(audiences)
    };
    rp.algorithms = Algorithms::Undocumented;
    let mut mapping = Vec::new();
    match map_entries(r.attr("attribute_mapping")) {
        Ok(entries) => {
            for (target, expr) in entries {
                let e = text(Some(&expr), prefix, target.span)
                    .unwrap_or_else(|| Located::new(Text::Known(String::new()), target.span));
                mapping.push((target, e));
            }
        }
        Err((span, why)) => {
            mapping.push((Located::new("google.subject".into(), span), Located::new(Text::Unknown(why), span)))
        }
    }
    let condition = text(r.attr("attribute_condition"), prefix, r.span);
    rp.google = Some(GoogleCel { mapping, condition });
    if boolean(r.attr("disabled")) == Some(true) {
        let span = r.attr("disabled").and_then(Attr::span).unwrap_or(r.span);
        rp.refuses = Some(Located::new("the provider is disabled (`disabled = true`)".into(), span));
    }
    let pool = text(r.attr("workload_identity_pool_id"), prefix, r.span);
    if let Some(p) = pool {
        rp.grants.push(format!("Google workload identity pool `{}`", p.value.shown()));
    }
    Some(rp)
}

fn eks(r: &Resource) -> Option<RelyingParty> {
    let oidc = r.block("oidc")?;
    let mut rp = base(r, Kind::Eks);
    let prefix = r.module_prefix();
    rp.issuer = Some(
        text(oidc.get("issuer_url"), prefix, r.span)
            .unwrap_or_else(|| Located::new(Text::Unknown("no `issuer_url`".into()), r.span)),
    );
    rp.audience = AudienceRule::Single(
        text(oidc.get("client_id"), prefix, r.span)
            .unwrap_or_else(|| Located::new(Text::Unknown("no `client_id`".into()), r.span)),
    );
    match map_entries(oidc.get("required_claims")) {
        Ok(entries) => {
            for (claim, value) in entries {
                // Kubernetes names top-level claims only: escape the name so a `/` in it is not a pointer.
                let name = format!("/{}", claim.value.replace('~', "~0").replace('/', "~1"));
                let v = text(Some(&value), prefix, claim.span)
                    .unwrap_or_else(|| Located::new(Text::Known(String::new()), claim.span));
                rp.claims.push(ClaimRule {
                    claim: Located::new(name, claim.span),
                    values: vec![v],
                    compare: Compare::Exact,
                });
            }
        }
        Err((span, why)) => rp.claims.push(ClaimRule {
            claim: Located::new("required_claims".into(), span),
            values: vec![Located::new(Text::Unknown(why), span)],
            compare: Compare::Exact,
        }),
    }
    let username = text(oidc.get("username_claim"), prefix, r.span)
        .and_then(|u| {
            u.value.known().map(|k| Located::new(format!("/{}", k.replace('~', "~0").replace('/', "~1")), u.span))
        })
        .unwrap_or_else(|| Located::new("sub".into(), r.span));
    rp.user_claim = Some(username);
    rp.algorithms = Algorithms::Undocumented;
    if let Some(c) = text(r.attr("cluster_name"), prefix, r.span) {
        rp.grants.push(format!("EKS cluster `{}`", c.value.shown()));
    }
    Some(rp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::json::{Limits, parse};

    fn resource(ty: &str, address: &str, json: &str) -> Resource {
        let source = Arc::new(SourceFile::new("t.json", "t.json", json));
        let value = parse(json, &Limits::default()).unwrap();
        let mut attrs = BTreeMap::new();
        for m in value.as_object().unwrap() {
            let attr = match &m.value.kind {
                JsonKind::Array(items) if m.key.node.as_ref() == "oidc" => {
                    let mut block = BTreeMap::new();
                    for inner in items[0].as_object().unwrap() {
                        block.insert(inner.key.node.to_string(), Attr::Value(inner.value.clone()));
                    }
                    Attr::Block(block)
                }
                _ => Attr::Value(m.value.clone()),
            };
            attrs.insert(m.key.node.to_string(), attr);
        }
        Resource { address: address.into(), ty: ty.into(), source, span: value.span, attrs }
    }

    #[test]
    fn vault_role_joins_its_backend_and_splits_claims() {
        let backend = resource(
            "vault_jwt_auth_backend",
            "vault_jwt_auth_backend.aws",
            r#"{"path": "aws-jwt", "bound_issuer": "https://a.tokens.sts.global.api.aws", "jwt_supported_algs": ["RS256"]}"#,
        );
        let role = resource(
            "vault_jwt_auth_backend_role",
            "vault_jwt_auth_backend_role.app",
            r#"{"backend": "aws-jwt", "role_name": "app", "role_type": "jwt", "bound_audiences": ["vault"],
                "bound_claims": {"/https:~1~1sts.amazonaws.com~1/request_tags/team": "pay, ledger"},
                "user_claim": "sub", "token_policies": ["read"]}"#,
        );
        let rps = relying_parties(&[backend, role]);
        assert_eq!(rps.len(), 1);
        let rp = &rps[0];
        assert_eq!(rp.issuer.as_ref().unwrap().value, Text::Known("https://a.tokens.sts.global.api.aws".into()));
        assert_eq!(
            rp.claims[0].values.iter().map(|v| v.value.clone()).collect::<Vec<_>>(),
            [Text::Known("pay".into()), Text::Known("ledger".into())]
        );
        assert!(matches!(&rp.algorithms, Algorithms::Listed(l) if l.value == ["RS256"]));
        assert!(rp.refuses.is_none());
        assert_eq!(rp.grants, ["Vault role `app`: policies read"]);
    }

    #[test]
    fn vault_role_without_type_or_audiences() {
        let backend = resource(
            "vault_jwt_auth_backend",
            "vault_jwt_auth_backend.jwt",
            r#"{"bound_issuer": "https://a.tokens.sts.global.api.aws"}"#,
        );
        let role = resource(
            "vault_jwt_auth_backend_role",
            "vault_jwt_auth_backend_role.x",
            r#"{"role_name": "x", "user_claim": "sub", "bound_subject": "s"}"#,
        );
        let rp = &relying_parties(&[backend, role])[0];
        assert!(rp.refuses.as_ref().unwrap().value.contains("`oidc`"));
        assert!(matches!(rp.audience, AudienceRule::RejectAny(_)));
    }

    #[test]
    fn references_become_principals_and_issuers() {
        assert_eq!(
            reference("aws_iam_role.app.arn", "module.m."),
            Text::PrincipalArn("module.m.aws_iam_role.app".into())
        );
        assert_eq!(
            reference("aws_iam_outbound_web_identity_federation.this.issuer_identifier", ""),
            Text::AccountIssuer("aws_iam_outbound_web_identity_federation.this".into())
        );
        assert!(matches!(reference("aws_iam_role.app.name", ""), Text::Unknown(_)));
    }

    #[test]
    fn google_and_eks() {
        let g = resource(
            "google_iam_workload_identity_pool_provider",
            "google_iam_workload_identity_pool_provider.aws",
            r#"{"workload_identity_pool_id": "pool", "attribute_mapping": {"google.subject": "assertion.sub"},
                "oidc": [{"issuer_uri": "https://a.tokens.sts.global.api.aws", "allowed_audiences": []}], "project": "123"}"#,
        );
        let e = resource(
            "aws_eks_identity_provider_config",
            "aws_eks_identity_provider_config.c",
            r#"{"cluster_name": "prod", "oidc": [{"client_id": "k8s", "issuer_url": "https://a.tokens.sts.global.api.aws", "required_claims": {"sub": "arn:aws:iam::1:role/x"}}]}"#,
        );
        let rps = relying_parties(&[g, e]);
        assert!(matches!(&rps[0].audience, AudienceRule::GoogleDefault(None, _)));
        assert!(matches!(&rps[1].audience, AudienceRule::Single(a) if a.value == Text::Known("k8s".into())));
        assert_eq!(rps[1].claims[0].claim.value, "/sub");
    }
}
