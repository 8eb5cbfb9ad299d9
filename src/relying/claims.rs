//! The token as AWS builds it (reference `relying-parties.md` §1), from a token request: what a relying
//! party sees. The claims come from [`crate::token::claims::preview`], the same function `simulate` shows, so
//! the claims a relying party is matched against are the claims the simulator previews; this module adds
//! what only relying parties need: the issuer of the principal's account, and the token shapes AWS leaves
//! open (`several_audiences_claim`, `user_token_subject`, DESIGN §5).
//!
//! What the caller chooses and what is fixed: `aud` (the requested audiences), `request_tags` (the `Tags`
//! parameter, within the principal's `sts:TagGetWebIdentityToken` conditions), `source_region` (the STS
//! endpoint called) and the signing algorithm are the caller's choice; `sub` (the principal's ARN),
//! `aws_account`, `org_id`, `ou_path` and `principal_tags` are properties of the principal
//! ([`super::pointer::source`] names the origin of any claim).

use serde_json::Value;

use crate::eval::Assumptions;
use crate::eval::assumptions::UserSubject;
use crate::request::Request;
use crate::token::MINT_ACTION;

pub use crate::token::claims::AWS_CLAIM;

/// The `sub` of an IAM user's token under `user_token_subject = "unknown"`: a value no ARN pattern matches.
pub const UNKNOWN_USER_SUBJECT: &str = "(the subject of an IAM user's token is not documented)";

/// A token as a relying party receives it.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    /// The JWT payload.
    pub claims: Value,
    /// The header's `alg`.
    pub algorithm: String,
    /// The requested audiences, in request order (the `aud` claim holds them).
    pub audiences: Vec<String>,
}

/// The token an allowed request yields, with `iss` the issuer of the principal's account when known.
pub fn token(request: &Request, issuer: Option<&str>, assumptions: &Assumptions) -> Token {
    let ctx = request.context(MINT_ACTION, assumptions);
    let mut claims = crate::token::claims::preview(request, &ctx, issuer);
    if let Value::Object(map) = &mut claims {
        if issuer.is_none() {
            // The placeholder issuer of the preview must never match a configured issuer.
            map.insert("iss".into(), Value::Null);
        }
        // Unknown until issued, and never compared by the relying parties modelled here.
        for k in ["iat", "exp", "jti"] {
            map.remove(k);
        }
        let user = request
            .principal_arn
            .as_deref()
            .is_some_and(|a| a.split(':').nth(5).is_some_and(|r| r.starts_with("user/")));
        if user && assumptions.user_token_subject == UserSubject::Unknown {
            map.insert("sub".into(), Value::String(UNKNOWN_USER_SUBJECT.to_owned()));
        }
    }
    let algorithm = request.token().map(|m| m.signing_algorithm.clone()).unwrap_or_default();
    Token { claims, algorithm, audiences: request.audiences().to_vec() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request() -> Request {
        Request {
            principal_arn: Some("arn:aws:iam::111122223333:role/app".into()),
            principal_tags: vec![("team".into(), "payments".into())],
            tags: vec![("env".into(), "prod".into())],
            region: crate::request::Region::parse("eu-west-1").unwrap_or_default(),
            ..Request::mint(crate::request::Mint {
                audiences: vec!["vault.example".into()],
                signing_algorithm: "RS256".into(),
                ..Default::default()
            })
        }
    }

    #[test]
    fn claims_of_a_role_token() {
        let t = token(&request(), Some("https://abc.tokens.sts.global.api.aws"), &Assumptions::default());
        assert_eq!(t.claims["iss"], json!("https://abc.tokens.sts.global.api.aws"));
        assert_eq!(t.claims["sub"], json!("arn:aws:iam::111122223333:role/app"));
        assert_eq!(t.claims["aud"], json!("vault.example"));
        let aws = &t.claims[AWS_CLAIM];
        assert_eq!(aws["aws_account"], json!("111122223333"));
        assert_eq!(aws["source_region"], json!("eu-west-1"));
        assert_eq!(aws["principal_tags"], json!({"team": "payments"}));
        assert_eq!(aws["request_tags"], json!({"env": "prod"}));
        assert_eq!(t.algorithm, "RS256");
    }

    #[test]
    fn several_audiences_are_an_array_and_users_follow_the_setting() {
        let mut r = request();
        r.edit_mint(|m| m.audiences.push("other".into()));
        assert_eq!(token(&r, None, &Assumptions::default()).claims["aud"], json!(["vault.example", "other"]));
        assert_eq!(token(&r, None, &Assumptions::default()).claims["iss"], Value::Null);
        r.principal_arn = Some("arn:aws:iam::111122223333:user/dev".into());
        assert_eq!(token(&r, None, &Assumptions::default()).claims["sub"], json!("arn:aws:iam::111122223333:user/dev"));
        let alt = Assumptions::default().flipped(crate::eval::Setting::UserTokenSubject);
        assert_eq!(token(&r, None, &alt).claims["sub"], json!(UNKNOWN_USER_SUBJECT));
    }
}
