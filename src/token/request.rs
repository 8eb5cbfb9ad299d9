//! A token request and the request contexts of its authorization checks.

use crate::eval::assumptions::{Assumptions, DurationKey, MintingResource};
use crate::eval::{ContextValue, RequestContext, RequestResource};
use crate::policy::value::date::Timestamp;

use super::*;

/// One `GetWebIdentityToken` call by one principal, with the request and environment facts that condition
/// keys can test.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenRequest {
    /// The calling principal's ARN (for a role session: the role ARN, as `aws:PrincipalArn` gives it).
    pub principal_arn: Option<String>,
    /// IAM tags of the principal (or session tags, which override them), `aws:PrincipalTag/*`.
    pub principal_tags: Vec<(String, String)>,
    pub audiences: Vec<String>,
    /// `None`: the parameter is not sent (the API then uses 300 s).
    pub duration: Option<u32>,
    pub signing_algorithm: String,
    /// Request tags (custom claims); sending any makes a second check of `sts:TagGetWebIdentityToken`.
    pub tags: Vec<(String, String)>,
    pub region: Option<String>,
    /// Request time; `aws:CurrentTime` and `aws:EpochTime`.
    pub time: Option<Timestamp>,
    pub source_vpc: Option<String>,
    pub source_vpce: Option<String>,
    pub source_ip: Option<String>,
    /// Expiry of the caller's session (temporary credentials): a token may not outlive it.
    pub session_expiry: Option<Timestamp>,
    /// Any other condition key, applied last so it overrides what the fields above set.
    pub context: Vec<(String, ContextValue)>,
}

/// Why the API would reject the request before authorization matters, or refuse it after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvalidRequest {
    /// A `ValidationError`: the request breaks the API's parameter constraints.
    Validation(String),
    /// `SessionDurationEscalationException`: the token would outlive the caller's session.
    SessionDurationEscalation(String),
}

impl InvalidRequest {
    pub fn decision_name(&self) -> &'static str {
        match self {
            InvalidRequest::Validation(_) => "invalid-request",
            InvalidRequest::SessionDurationEscalation(_) => "session-duration-escalation",
        }
    }

    pub fn reason(&self) -> &str {
        match self {
            InvalidRequest::Validation(r) | InvalidRequest::SessionDurationEscalation(r) => r,
        }
    }
}

fn tag_chars_ok(text: &str) -> bool {
    // [\p{L}\p{Z}\p{N}_.:/=+\-@]: \p{Z} holds the space and line/paragraph separators, not the control
    // characters (tab, newline) that `char::is_whitespace` also accepts.
    text.chars().all(|c| {
        c.is_alphabetic() || c.is_numeric() || (c.is_whitespace() && !c.is_control()) || "_.:/=+-@".contains(c)
    })
}

impl TokenRequest {
    /// Everything the API refuses besides authorization: the parameters, then the session duration.
    pub fn validate(&self) -> Result<(), InvalidRequest> {
        self.validate_parameters()?;
        self.check_session_duration()
    }

    /// The API's parameter validation (reference §1.2, §8), which comes before authorization.
    pub fn validate_parameters(&self) -> Result<(), InvalidRequest> {
        let invalid = |m: String| Err(InvalidRequest::Validation(m));
        if self.audiences.is_empty() {
            return invalid("at least one audience is required".into());
        }
        if self.audiences.len() > MAX_AUDIENCES {
            return invalid(format!(
                "{} audiences given; the API accepts at most {MAX_AUDIENCES}",
                self.audiences.len()
            ));
        }
        for a in &self.audiences {
            let len = a.chars().count();
            if len == 0 || len > MAX_AUDIENCE_LEN {
                return invalid(format!("audience `{a}` is {len} characters; each must be 1-{MAX_AUDIENCE_LEN}"));
            }
        }
        if !SIGNING_ALGORITHMS.contains(&self.signing_algorithm.as_str()) {
            return invalid(format!("signing algorithm `{}` is not RS256 or ES384", self.signing_algorithm));
        }
        if let Some(d) = self.duration.filter(|d| !(MIN_DURATION..=MAX_DURATION).contains(d)) {
            return invalid(format!("duration {d} s is outside {MIN_DURATION}-{MAX_DURATION} s"));
        }
        if self.tags.len() > MAX_TAGS {
            return invalid(format!("{} tags given; the API accepts at most {MAX_TAGS}", self.tags.len()));
        }
        for (k, v) in &self.tags {
            let klen = k.chars().count();
            if klen == 0 || klen > MAX_TAG_KEY_LEN || !tag_chars_ok(k) {
                return invalid(format!(
                    "tag key `{k}` must be 1-{MAX_TAG_KEY_LEN} letters, digits, spaces or _.:/=+-@"
                ));
            }
            if v.chars().count() > MAX_TAG_VALUE_LEN || !tag_chars_ok(v) {
                return invalid(format!(
                    "tag value `{v}` must be 0-{MAX_TAG_VALUE_LEN} letters, digits, spaces or _.:/=+-@"
                ));
            }
        }
        Ok(())
    }

    /// `SessionDurationEscalationException`: a token may not outlive the caller's session. An API-level
    /// check that the reference's algorithm (§4.7) runs after authorization; their relative order is not
    /// documented (§10.12), and the simulator reports the authorization outcome first.
    pub fn check_session_duration(&self) -> Result<(), InvalidRequest> {
        if let (Some(expiry), Some(now)) = (self.session_expiry, self.time) {
            let lifetime = i64::from(self.duration.unwrap_or(DEFAULT_DURATION));
            if now.epoch_secs().saturating_add(lifetime) > expiry.epoch_secs() {
                return Err(InvalidRequest::SessionDurationEscalation(format!(
                    "a {lifetime} s token issued at {} would outlive the session, which expires at {}",
                    now.to_rfc3339(),
                    expiry.to_rfc3339()
                )));
            }
        }
        Ok(())
    }

    /// The account of the principal ARN (`arn:aws:iam::111122223333:role/x` → `111122223333`).
    pub fn account(&self) -> Option<&str> {
        let arn = self.principal_arn.as_deref()?;
        arn.split(':').nth(4).filter(|a| !a.is_empty())
    }

    /// `aws:PrincipalArn` for a role session ARN (`arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`): the
    /// role's ARN, not the session's (reference §2.3). A session ARN does not carry the role's path, so a
    /// role with a path should be given by its role ARN. `None` for every other ARN, which is used as given.
    pub fn principal_arn_key(&self) -> Option<String> {
        let arn = self.principal_arn.as_deref()?;
        let mut parts = arn.splitn(6, ':');
        let (Some("arn"), Some(partition), Some("sts"), Some(_), Some(account), Some(resource)) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let role = resource.strip_prefix("assumed-role/")?.split('/').next().filter(|r| !r.is_empty())?;
        Some(format!("arn:{partition}:iam::{account}:role/{role}"))
    }

    /// The actions this request is authorized as: always the minting action, plus the tag action with tags.
    pub fn actions(&self) -> Vec<&'static str> {
        if self.tags.is_empty() { vec![MINT_ACTION] } else { vec![MINT_ACTION, TAG_ACTION] }
    }

    /// The request context of one authorization check (reference §2.2-§2.3).
    pub fn context(&self, action: &str, assumptions: &Assumptions) -> RequestContext {
        let resource = match (assumptions.minting_resource, self.account()) {
            (MintingResource::SelfArn, Some(account)) => {
                let partition = self.principal_arn.as_deref().and_then(|a| a.split(':').nth(1)).unwrap_or("aws");
                RequestResource::Arn(format!("arn:{partition}:sts::{account}:self").into())
            }
            _ => RequestResource::Star,
        };
        let mut ctx = RequestContext::new(action, resource);
        if sees_sts_keys(action, assumptions) {
            ctx.insert(AUDIENCE_KEY, audience_value(&self.audiences));
            ctx.insert_single("sts:SigningAlgorithm", &self.signing_algorithm);
            match (self.duration, assumptions.duration_key_when_omitted) {
                (Some(d), _) => ctx.insert_single("sts:DurationSeconds", &d.to_string()),
                (None, DurationKey::Default300) => {
                    ctx.insert_single("sts:DurationSeconds", &DEFAULT_DURATION.to_string())
                }
                (None, DurationKey::Absent) => {}
            }
        }
        for (k, v) in tag_entries(&self.tags) {
            ctx.insert(&k, v);
        }
        self.principal_context(&mut ctx);
        if let Some(r) = &self.region {
            ctx.insert_single("aws:RequestedRegion", r);
        }
        if let Some(t) = self.time {
            ctx.insert_single("aws:CurrentTime", &t.to_rfc3339());
            ctx.insert_single("aws:EpochTime", &t.epoch_secs().to_string());
        }
        // STS is called over TLS by every SDK; a caller can still override it with `--context`.
        ctx.insert_single("aws:SecureTransport", "true");
        ctx.insert_single("aws:ViaAWSService", "false");
        if let Some(v) = &self.source_vpc {
            ctx.insert_single("aws:SourceVpc", v);
        }
        if let Some(v) = &self.source_vpce {
            ctx.insert_single("aws:SourceVpce", v);
        }
        if let Some(ip) = &self.source_ip {
            // Through a VPC endpoint the address is `aws:VpcSourceIp`; `aws:SourceIp` is absent there.
            let key = if self.source_vpce.is_some() || self.source_vpc.is_some() {
                "aws:VpcSourceIp"
            } else {
                "aws:SourceIp"
            };
            ctx.insert_single(key, ip);
        }
        for (k, v) in &self.context {
            ctx.insert(k, v.clone());
        }
        ctx
    }

    fn principal_context(&self, ctx: &mut RequestContext) {
        if let Some(arn) = &self.principal_arn {
            ctx.insert_single("aws:PrincipalArn", &self.principal_arn_key().unwrap_or_else(|| arn.clone()));
            if let Some(account) = self.account() {
                ctx.insert_single("aws:PrincipalAccount", account);
            }
            let resource = arn.splitn(6, ':').nth(5).unwrap_or("");
            // Token minting is called with credentials: a role is always used through a session.
            let (ptype, username) = if resource.starts_with("role/") || resource.starts_with("assumed-role/") {
                ("AssumedRole", None)
            } else if let Some(user) = resource.strip_prefix("user/") {
                ("User", Some(user.rsplit('/').next().unwrap_or(user)))
            } else if resource.starts_with("federated-user/") {
                ("FederatedUser", None)
            } else if resource == "root" {
                ("Account", None)
            } else {
                ("", None)
            };
            if !ptype.is_empty() {
                ctx.insert_single("aws:PrincipalType", ptype);
            }
            if let Some(u) = username {
                ctx.insert_single("aws:username", u);
            }
        }
        ctx.insert_single("aws:PrincipalIsAWSService", "false");
        for (k, v) in &self.principal_tags {
            ctx.insert_single(&format!("aws:PrincipalTag/{k}"), v);
        }
    }
}

/// The key that carries the requested audiences.
pub const AUDIENCE_KEY: &str = "sts:IdentityTokenAudience";

/// Whether the check of `action` sees the minting keys (`sts:IdentityTokenAudience`, `sts:SigningAlgorithm`,
/// `sts:DurationSeconds`): the minting check always, the tag check by assumption.
pub fn sees_sts_keys(action: &str, assumptions: &Assumptions) -> bool {
    !action.eq_ignore_ascii_case(TAG_ACTION) || assumptions.tag_check_sees_sts_keys
}

/// The value of `sts:IdentityTokenAudience` for a list of audiences.
pub fn audience_value(audiences: &[String]) -> ContextValue {
    ContextValue::Multi(audiences.iter().map(|a| a.as_str().into()).collect())
}

/// The context keys request tags set: `aws:TagKeys`, and `aws:RequestTag/<key>` for each tag; none without
/// tags.
pub fn tag_entries(tags: &[(String, String)]) -> Vec<(String, ContextValue)> {
    if tags.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(tags.len() + 1);
    out.push(("aws:TagKeys".to_owned(), ContextValue::Multi(tags.iter().map(|(k, _)| k.as_str().into()).collect())));
    out.extend(tags.iter().map(|(k, v)| (format!("aws:RequestTag/{k}"), ContextValue::Single(v.as_str().into()))));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> TokenRequest {
        TokenRequest {
            principal_arn: Some("arn:aws:iam::111122223333:role/payments".into()),
            audiences: vec!["https://api.example".into()],
            signing_algorithm: "ES384".into(),
            ..TokenRequest::default()
        }
    }

    #[test]
    fn duration_key_only_when_given_by_default() {
        let a = Assumptions::default();
        assert!(base().context(MINT_ACTION, &a).get("sts:DurationSeconds").is_none());
        let r = TokenRequest { duration: Some(900), ..base() };
        assert_eq!(r.context(MINT_ACTION, &a).get("sts:DurationSeconds"), Some(&ContextValue::Single("900".into())));
        let alt = a.flipped(crate::eval::Setting::DurationKeyWhenOmitted);
        assert_eq!(
            base().context(MINT_ACTION, &alt).get("sts:DurationSeconds"),
            Some(&ContextValue::Single("300".into()))
        );
    }

    #[test]
    fn tags_make_a_second_check_and_tag_keys() {
        assert_eq!(base().actions(), [MINT_ACTION]);
        let r = TokenRequest { tags: vec![("team".into(), "data".into())], ..base() };
        assert_eq!(r.actions(), [MINT_ACTION, TAG_ACTION]);
        let ctx = r.context(TAG_ACTION, &Assumptions::default());
        assert_eq!(ctx.get("aws:TagKeys"), Some(&ContextValue::Multi(vec!["team".into()])));
        assert!(ctx.get("sts:IdentityTokenAudience").is_some());
        let alt = Assumptions::default().flipped(crate::eval::Setting::TagCheckSeesStsKeys);
        assert!(r.context(TAG_ACTION, &alt).get("sts:IdentityTokenAudience").is_none());
        assert!(base().context(MINT_ACTION, &Assumptions::default()).get("aws:TagKeys").is_none());
    }

    #[test]
    fn validation_limits() {
        assert!(base().validate().is_ok());
        assert!(TokenRequest { duration: Some(59), ..base() }.validate().is_err());
        assert!(TokenRequest { duration: Some(3601), ..base() }.validate().is_err());
        assert!(TokenRequest { duration: Some(60), ..base() }.validate().is_ok());
        assert!(TokenRequest { audiences: vec![], ..base() }.validate().is_err());
        assert!(TokenRequest { audiences: vec!["a".into(); 11], ..base() }.validate().is_err());
        assert!(TokenRequest { audiences: vec!["a".repeat(1001)], ..base() }.validate().is_err());
        assert!(TokenRequest { signing_algorithm: "es384".into(), ..base() }.validate().is_err());
        let tags = (0..51).map(|i| (format!("k{i}"), "v".to_owned())).collect();
        assert!(TokenRequest { tags, ..base() }.validate().is_err());
        assert!(TokenRequest { tags: vec![("bad*key".into(), "v".into())], ..base() }.validate().is_err());
    }

    #[test]
    fn session_escalation() {
        let now = Timestamp::parse("2026-01-01T00:00:00Z");
        let expiry = Timestamp::parse("2026-01-01T00:10:00Z");
        let r = TokenRequest { time: now, session_expiry: expiry, duration: Some(900), ..base() };
        assert!(matches!(r.validate(), Err(InvalidRequest::SessionDurationEscalation(_))));
        let r = TokenRequest { time: now, session_expiry: expiry, duration: Some(600), ..base() };
        assert!(r.validate().is_ok());
    }
}
