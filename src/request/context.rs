//! The request context of each authorization check a request makes (reference §2.2-§2.3, §4.1).

use crate::eval::assumptions::{Assumptions, DurationKey, MintingResource};
use crate::eval::context::KnownKey;
use crate::eval::{ContextValue, RequestContext, RequestResource};
use crate::token::{DEFAULT_DURATION, TAG_ACTION};

use super::{Network, Operation, Request};

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

/// The context keys request tags set, in the order they are inserted: `aws:TagKeys`, and
/// `aws:RequestTag/<key>` for each tag; none without tags. The enumeration of `diff` sets the same keys
/// from these without building whole contexts.
pub fn tag_entries(tags: &[(String, String)]) -> Vec<(String, ContextValue)> {
    if tags.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(tags.len() + 1);
    out.push(("aws:TagKeys".to_owned(), ContextValue::Multi(tags.iter().map(|(k, _)| k.as_str().into()).collect())));
    out.extend(tags.iter().map(|(k, v)| (format!("aws:RequestTag/{k}"), ContextValue::Single(v.as_str().into()))));
    out
}

/// `aws:CurrentTime` and `aws:EpochTime` of an instant. The requests of a cases file or of an analysis mostly
/// share one instant, so each thread keeps the last one formatted.
fn time_values(t: crate::policy::value::date::Timestamp) -> (Box<str>, Box<str>) {
    type Formatted = Option<(crate::policy::value::date::Timestamp, Box<str>, Box<str>)>;
    thread_local! {
        static LAST: std::cell::RefCell<Formatted> = const { std::cell::RefCell::new(None) };
    }
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        match &*last {
            Some((at, current, epoch)) if *at == t => (current.clone(), epoch.clone()),
            _ => {
                let (current, epoch): (Box<str>, Box<str>) = (t.to_rfc3339().into(), t.epoch_secs().to_string().into());
                *last = Some((t, current.clone(), epoch.clone()));
                (current, epoch)
            }
        }
    })
}

impl Request {
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

    /// The request context of one authorization check (one of [`Request::actions`]).
    pub fn context(&self, action: &str, assumptions: &Assumptions) -> RequestContext {
        let resource = match &self.operation {
            Operation::Mint(_) => match (assumptions.minting_resource, self.account()) {
                (MintingResource::SelfArn, Some(account)) => {
                    let partition = self.principal_arn.as_deref().and_then(|a| a.split(':').nth(1)).unwrap_or("aws");
                    RequestResource::Arn(format!("arn:{partition}:sts::{account}:self").into())
                }
                _ => RequestResource::Star,
            },
            Operation::Action(call) => match &call.resource {
                Some(arn) => RequestResource::Arn(arn.as_str().into()),
                None => RequestResource::Star,
            },
        };
        let mut ctx = RequestContext::new(action, resource);
        if let Operation::Mint(m) = &self.operation
            && sees_sts_keys(action, assumptions)
        {
            ctx.insert_known(const { KnownKey::new(AUDIENCE_KEY) }, audience_value(&m.audiences));
            ctx.insert_known_single(const { KnownKey::new("sts:SigningAlgorithm") }, &m.signing_algorithm);
            match (m.duration, assumptions.duration_key_when_omitted) {
                (Some(d), _) => ctx.insert_known_single(const { KnownKey::new("sts:DurationSeconds") }, &d.to_string()),
                (None, DurationKey::Default300) => ctx
                    .insert_known_single(const { KnownKey::new("sts:DurationSeconds") }, &DEFAULT_DURATION.to_string()),
                (None, DurationKey::Absent) => {}
            }
        }
        // Key names compare case-insensitively, so of two tags whose keys differ only in case the later one's
        // value is what `aws:RequestTag/<key>` holds (only reachable under the assumption
        // `case_variant_tag_keys = accepted`; by default the API rejects such a request).
        for (k, v) in tag_entries(&self.tags) {
            ctx.insert(&k, v);
        }
        self.principal_context(&mut ctx);
        ctx.insert_known_single(const { KnownKey::new("aws:RequestedRegion") }, self.region.as_str());
        if let Some(t) = self.time {
            let (current, epoch) = time_values(t);
            ctx.insert_known(const { KnownKey::new("aws:CurrentTime") }, ContextValue::Single(current));
            ctx.insert_known(const { KnownKey::new("aws:EpochTime") }, ContextValue::Single(epoch));
        }
        // STS is called over TLS by every SDK; a caller can still override it with `--context`.
        ctx.insert_known_single(const { KnownKey::new("aws:SecureTransport") }, "true");
        ctx.insert_known_single(const { KnownKey::new("aws:ViaAWSService") }, "false");
        match &self.network {
            Network::Public { ip } => {
                if let Some(ip) = ip {
                    ctx.insert_known_single(const { KnownKey::new("aws:SourceIp") }, &ip.to_string());
                }
            }
            // Through a VPC endpoint the address is `aws:VpcSourceIp`; `aws:SourceIp` is absent there.
            Network::Endpoint { vpc, vpce, ip } => {
                ctx.insert_known_single(const { KnownKey::new("aws:SourceVpc") }, vpc);
                ctx.insert_known_single(const { KnownKey::new("aws:SourceVpce") }, vpce);
                if let Some(ip) = ip {
                    ctx.insert_known_single(const { KnownKey::new("aws:VpcSourceIp") }, &ip.to_string());
                }
            }
        }
        for (k, v) in &self.context {
            ctx.insert(k, v.clone());
        }
        ctx
    }

    fn principal_context(&self, ctx: &mut RequestContext) {
        if let Some(arn) = &self.principal_arn {
            ctx.insert_known_single(
                const { KnownKey::new("aws:PrincipalArn") },
                &self.principal_arn_key().unwrap_or_else(|| arn.clone()),
            );
            if let Some(account) = self.account() {
                ctx.insert_known_single(const { KnownKey::new("aws:PrincipalAccount") }, account);
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
                ctx.insert_known_single(const { KnownKey::new("aws:PrincipalType") }, ptype);
            }
            if let Some(u) = username {
                ctx.insert_known_single(const { KnownKey::new("aws:username") }, u);
            }
        }
        ctx.insert_known_single(const { KnownKey::new("aws:PrincipalIsAWSService") }, "false");
        for (k, v) in &self.principal_tags {
            ctx.insert_single(&format!("aws:PrincipalTag/{k}"), v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Setting;
    use crate::request::ActionCall;
    use crate::request::tests::base;
    use crate::token::MINT_ACTION;

    #[test]
    fn duration_key_only_when_given_by_default() {
        let a = Assumptions::default();
        assert!(base().context(MINT_ACTION, &a).get("sts:DurationSeconds").is_none());
        let mut r = base();
        if let Some(m) = r.token_mut() {
            m.duration = Some(900);
        }
        assert_eq!(r.context(MINT_ACTION, &a).get("sts:DurationSeconds"), Some(&ContextValue::Single("900".into())));
        let alt = a.flipped(Setting::DurationKeyWhenOmitted);
        assert_eq!(
            base().context(MINT_ACTION, &alt).get("sts:DurationSeconds"),
            Some(&ContextValue::Single("300".into()))
        );
    }

    #[test]
    fn tags_make_a_second_check_and_tag_keys() {
        let r = Request { tags: vec![("team".into(), "data".into())], ..base() };
        let ctx = r.context(TAG_ACTION, &Assumptions::default());
        assert_eq!(ctx.get("aws:TagKeys"), Some(&ContextValue::Multi(vec!["team".into()])));
        assert!(ctx.get("sts:IdentityTokenAudience").is_some());
        let alt = Assumptions::default().flipped(Setting::TagCheckSeesStsKeys);
        assert!(r.context(TAG_ACTION, &alt).get("sts:IdentityTokenAudience").is_none());
        assert!(base().context(MINT_ACTION, &Assumptions::default()).get("aws:TagKeys").is_none());
    }

    #[test]
    fn every_request_carries_its_region() {
        let ctx = base().context(MINT_ACTION, &Assumptions::default());
        assert_eq!(ctx.get("aws:RequestedRegion"), Some(&ContextValue::Single("us-east-1".into())));
    }

    #[test]
    fn network_paths() {
        let a = Assumptions::default();
        let public = Request { network: Network::Public { ip: "203.0.113.7".parse().ok() }, ..base() };
        let ctx = public.context(MINT_ACTION, &a);
        assert!(ctx.get("aws:SourceIp").is_some() && ctx.get("aws:SourceVpc").is_none());
        let endpoint = Request {
            network: Network::Endpoint { vpc: "vpc-1".into(), vpce: "vpce-1".into(), ip: "10.0.0.7".parse().ok() },
            ..base()
        };
        let ctx = endpoint.context(MINT_ACTION, &a);
        for key in ["aws:SourceVpc", "aws:SourceVpce", "aws:VpcSourceIp"] {
            assert!(ctx.get(key).is_some(), "{key}");
        }
        assert!(ctx.get("aws:SourceIp").is_none());
    }

    /// Another action's context holds no token parameters and acts on its resource.
    #[test]
    fn generic_action_context() {
        let r = Request {
            operation: Operation::Action(ActionCall {
                action: "s3:GetObject".into(),
                resource: Some("arn:aws:s3:::bucket/key".into()),
                resource_account: None,
            }),
            ..base()
        };
        let ctx = r.context("s3:GetObject", &Assumptions::default());
        assert!(ctx.get("sts:IdentityTokenAudience").is_none() && ctx.get("sts:SigningAlgorithm").is_none());
        assert_eq!(ctx.resource, RequestResource::Arn("arn:aws:s3:::bucket/key".into()));
    }
}
