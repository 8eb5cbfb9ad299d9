//! The claims of the JWT an allowed request would mint (reference §3), built from the same request context
//! the evaluator decided on, so the preview cannot disagree with the decision.

use serde_json::{Map, Value, json};

use crate::eval::{ContextValue, RequestContext};

use super::DEFAULT_DURATION;
use crate::request::Request;

/// The name of the claim holding AWS's own claims (with the trailing slash).
pub const AWS_CLAIM: &str = "https://sts.amazonaws.com/";

/// Shown when no `--issuer` is given: the real issuer is per account and known only to AWS.
pub const ISSUER_PLACEHOLDER: &str = "https://<account-issuer-id>.tokens.sts.global.api.aws";

const PRINCIPAL_TAG: &str = "aws:PrincipalTag/";

/// Session-context claims and the context key each one mirrors (reference §3.3).
const SESSION_CLAIMS: &[(&str, &str)] = &[
    ("federated_provider", "aws:FederatedProvider"),
    ("identity_store_user_id", "identitystore:UserId"),
    ("identity_store_arn", "identitystore:IdentityStoreArn"),
    ("ec2_source_instance_arn", "ec2:SourceInstanceArn"),
    ("ec2_instance_source_vpc", "aws:Ec2InstanceSourceVpc"),
    ("ec2_instance_source_private_ipv4", "aws:Ec2InstanceSourcePrivateIPv4"),
    ("ec2_role_delivery", "ec2:RoleDelivery"),
    ("source_identity", "aws:SourceIdentity"),
    ("lambda_source_function_arn", "lambda:SourceFunctionArn"),
    ("glue_credential_issuing_service", "glue:CredentialIssuingService"),
];

fn value_json(v: &ContextValue) -> Value {
    match v {
        ContextValue::Single(s) => Value::String(s.to_string()),
        ContextValue::Multi(vs) => Value::Array(vs.iter().map(|s| Value::String(s.to_string())).collect()),
    }
}

/// The claims preview: registered claims, then the AWS object with the claims whose context exists.
pub fn preview(request: &Request, ctx: &RequestContext, issuer: Option<&str>) -> Value {
    let iat = request.time.map(|t| t.epoch_secs());
    let (audiences, duration) = request.token().map_or((&[][..], None), |m| (m.audiences.as_slice(), m.duration));
    let lifetime = i64::from(duration.unwrap_or(DEFAULT_DURATION));
    let aud = match audiences {
        // AWS does not document whether one audience is a string or a one-element array (reference §10.6).
        [one] => Value::String(one.clone()),
        many => Value::Array(many.iter().map(|a| Value::String(a.clone())).collect()),
    };
    let mut aws = Map::new();
    let mut put = |claim: &str, key: &str| {
        if let Some(v) = ctx.get(key) {
            aws.insert(claim.to_owned(), value_json(v));
        }
    };
    put("aws_account", "aws:PrincipalAccount");
    put("source_region", "aws:RequestedRegion");
    put("org_id", "aws:PrincipalOrgID");
    put("ou_path", "aws:PrincipalOrgPaths");
    for (claim, key) in SESSION_CLAIMS {
        put(claim, key);
    }
    // Principal tags as the evaluator saw them (`--context` may override a tag), keyed by the tag key as
    // written; reference §3.5 wants one source of truth for decision and claims.
    let principal_tags: Map<String, Value> = ctx
        .iter()
        .filter_map(|(key, value)| {
            let tag = key.get(..PRINCIPAL_TAG.len()).filter(|p| p.eq_ignore_ascii_case(PRINCIPAL_TAG))?;
            let name = key.get(tag.len()..)?;
            Some((name.to_owned(), value_json(value)))
        })
        .collect();
    if !principal_tags.is_empty() {
        aws.insert("principal_tags".into(), Value::Object(principal_tags));
    }
    // Request tags are the `Tags` parameter itself: the JWT carries what was sent.
    if !request.tags.is_empty() {
        let tags = request.tags.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        aws.insert("request_tags".into(), Value::Object(tags));
    }
    if let Some(expiry) = request.session_expiry {
        aws.insert("original_session_exp".into(), Value::String(expiry.to_rfc3339()));
    }
    json!({
        "iss": issuer.unwrap_or(ISSUER_PLACEHOLDER),
        // `sub` is the principal ARN as `aws:PrincipalArn` gives it (reference §3.2).
        "sub": ctx.single_lower("aws:principalarn").map(str::to_owned).or_else(|| request.principal_arn.clone()),
        "aud": aud,
        "iat": iat,
        "exp": iat.map(|i| i + lifetime),
        "jti": "<unique per token>",
        AWS_CLAIM: Value::Object(aws),
    })
}
