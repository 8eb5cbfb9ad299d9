//! The one constructor path from user input to a [`Request`]: `simulate` flags, `--cases` entries and
//! other front ends fill a [`RequestSpec`] with what they were given, as written, and
//! [`RequestSpec::build`] parses, defaults and checks it. Every error names the field that caused it
//! ([`Field`]), so a front end can point at its flag or at its place in a file.
//!
//! Condition keys given in `context` that a field models (the network path, the region, the time) are
//! lifted into their field: a request cannot carry `aws:SourceVpce` without `aws:SourceVpc`, nor an
//! `aws:CurrentTime` that contradicts its `aws:EpochTime`, whichever way they were given.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;

use crate::eval::ContextValue;
use crate::policy::value::date::Timestamp;
use crate::policy::value::ip::parse_addr;
use crate::service::ServiceReference;
use crate::token::{MINT_ACTION, TAG_ACTION};

use super::{ActionCall, DEFAULT_SIGNING_ALGORITHM, Mint, Network, Operation, Region, Request};

/// A request as given: every field optional and unparsed, so that flags, a cases file or an event can say
/// as much or as little as they know.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestSpec {
    /// An ARN, or (with an inventory) the name of a principal in it.
    pub principal: Option<String>,
    pub principal_tags: Vec<(String, String)>,
    /// `None` (or `sts:GetWebIdentityToken`): token minting.
    pub action: Option<String>,
    pub resource: Option<String>,
    /// The account that owns the resource, when its ARN does not name one (S3 buckets).
    pub resource_account: Option<String>,
    pub audiences: Vec<String>,
    pub duration: Option<u32>,
    pub signing_algorithm: Option<String>,
    pub tags: Vec<(String, String)>,
    pub source_vpc: Option<String>,
    pub source_vpce: Option<String>,
    pub source_ip: Option<String>,
    pub region: Option<String>,
    /// RFC 3339.
    pub time: Option<String>,
    /// RFC 3339.
    pub session_expiry: Option<String>,
    pub context: Vec<(String, ContextValue)>,
}

/// What a request that does not say takes: the configured region (`[defaults] region`, else
/// [`super::DEFAULT_REGION`]) and the time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Defaults {
    pub region: Region,
    pub now: Timestamp,
}

impl Defaults {
    /// The configured region (if any) and the current time.
    pub fn now(region: Option<Region>) -> Defaults {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Defaults { region: region.unwrap_or_default(), now: Timestamp::from_epoch_secs(secs) }
    }
}

/// The field of a request a problem is about, to be named as its flag or as its place in a cases file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Principal,
    PrincipalTag,
    Action,
    Resource,
    ResourceAccount,
    Audience,
    Duration,
    SigningAlgorithm,
    Tag,
    SourceVpc,
    SourceVpce,
    SourceIp,
    Region,
    Time,
    SessionExpiry,
    /// A condition key given in `context` (`--context KEY=VALUE`).
    Context(String),
}

impl Field {
    /// The command-line flag that gives the field.
    pub fn flag(&self) -> String {
        match self {
            Field::Principal => "--principal".into(),
            Field::PrincipalTag => "--principal-tag".into(),
            Field::Action => "--action".into(),
            Field::Resource => "--resource".into(),
            Field::ResourceAccount => "--resource-account".into(),
            Field::Audience => "--audience".into(),
            Field::Duration => "--duration".into(),
            Field::SigningAlgorithm => "--signing-algorithm".into(),
            Field::Tag => "--tag".into(),
            Field::SourceVpc => "--source-vpc".into(),
            Field::SourceVpce => "--source-vpce".into(),
            Field::SourceIp => "--source-ip".into(),
            Field::Region => "--region".into(),
            Field::Time => "--time".into(),
            Field::SessionExpiry => "--session-expiry".into(),
            Field::Context(key) if key.is_empty() => "--context".into(),
            Field::Context(key) => format!("--context {key}"),
        }
    }

    /// The field of a `--cases` entry that gives it.
    pub fn case_field(&self) -> String {
        match self {
            Field::Principal => "principal".into(),
            Field::PrincipalTag => "principal_tags".into(),
            Field::Action => "action".into(),
            Field::Resource => "resource".into(),
            Field::ResourceAccount => "resource_account".into(),
            Field::Audience => "audience".into(),
            Field::Duration => "duration".into(),
            Field::SigningAlgorithm => "signing_algorithm".into(),
            Field::Tag => "tags".into(),
            Field::SourceVpc => "context.aws:SourceVpc".into(),
            Field::SourceVpce => "context.aws:SourceVpce".into(),
            Field::SourceIp => "context.aws:SourceIp".into(),
            Field::Region => "region".into(),
            Field::Time => "time".into(),
            Field::SessionExpiry => "session_expiry".into(),
            Field::Context(key) if key.is_empty() => "context".into(),
            Field::Context(key) => format!("context.{key}"),
        }
    }
}

/// A request that cannot be built: a value that cannot be read, or a combination AWS cannot produce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestError {
    pub field: Field,
    /// Lowercase, one line; names the value, not the field (the front end names the field).
    pub message: String,
}

impl RequestError {
    fn new(field: Field, message: impl Into<String>) -> RequestError {
        RequestError { field, message: message.into() }
    }

    /// The message for a command line: `--source-ip: ...`.
    pub fn flag_message(&self) -> String {
        format!("{}: {}", self.field.flag(), self.message)
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.flag_message())
    }
}

/// Split `K=V` (`--tag`, `--principal-tag`, `--context`) at the first `=`.
pub fn parse_pair(text: &str, field: Field) -> Result<(String, String), RequestError> {
    text.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| RequestError::new(field, format!("`{text}` is not KEY=VALUE")))
}

/// `--context KEY=VALUE` entries: a key given several times (any case) is one multi-valued key, and a
/// multi-valued key (`aws:TagKeys`, `sts:IdentityTokenAudience`) is a list even with one value, so that set
/// operators see what a real request carries. Linear in the number of entries.
pub fn parse_context(entries: &[String]) -> Result<Vec<(String, ContextValue)>, RequestError> {
    let mut out: Vec<(String, Vec<Box<str>>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for entry in entries {
        let (key, value) = parse_pair(entry, Field::Context(String::new()))?;
        match index.get(&key.to_ascii_lowercase()) {
            Some(&at) => {
                if let Some((_, values)) = out.get_mut(at) {
                    values.push(value.into());
                }
            }
            None => {
                index.insert(key.to_ascii_lowercase(), out.len());
                out.push((key, vec![value.into()]));
            }
        }
    }
    Ok(out
        .into_iter()
        .map(|(k, values)| {
            let value = match <[Box<str>; 1]>::try_from(values) {
                Ok([one]) => ContextValue::Single(one),
                Err(many) => ContextValue::Multi(many),
            };
            let value = as_key_type(&k, value);
            (k, value)
        })
        .collect())
}

/// A single value of a multi-valued key becomes a one-element list.
fn as_key_type(key: &str, value: ContextValue) -> ContextValue {
    match value {
        ContextValue::Single(v)
            if ServiceReference::get().condition_key(key).is_some_and(|i| i.ty.is_multi_valued()) =>
        {
            ContextValue::Multi(vec![v])
        }
        other => other,
    }
}

/// Keys that a field of the request models, lifted out of `context` into it.
const NETWORK_KEYS: [&str; 4] = ["aws:sourcevpc", "aws:sourcevpce", "aws:sourceip", "aws:vpcsourceip"];
const LIFTED_KEYS: [&str; 7] = [
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:vpcsourceip",
    "aws:requestedregion",
    "aws:currenttime",
    "aws:epochtime",
];

impl RequestSpec {
    /// This spec with `over`'s fields laid on top: what `over` gives wins, what it leaves out is kept (a
    /// `--cases` entry over the command line's flags). Principal tags merge by key; context keys given in
    /// both take `over`'s value. A case that names another action does not inherit the token parameters.
    pub fn overlay(&self, over: &RequestSpec) -> RequestSpec {
        let mut out = self.clone();
        let pick = |base: &Option<String>, top: &Option<String>| top.clone().or_else(|| base.clone());
        out.principal = pick(&self.principal, &over.principal);
        for (k, v) in &over.principal_tags {
            out.principal_tags.retain(|(existing, _)| !existing.eq_ignore_ascii_case(k));
            out.principal_tags.push((k.clone(), v.clone()));
        }
        out.action = pick(&self.action, &over.action);
        out.resource = pick(&self.resource, &over.resource);
        out.resource_account = pick(&self.resource_account, &over.resource_account);
        if over.action.as_deref().is_some_and(|a| !a.eq_ignore_ascii_case(MINT_ACTION)) {
            out.audiences.clear();
            out.duration = None;
            out.signing_algorithm = None;
        }
        if !over.audiences.is_empty() {
            out.audiences.clone_from(&over.audiences);
        }
        out.duration = over.duration.or(out.duration);
        out.signing_algorithm = pick(&out.signing_algorithm, &over.signing_algorithm);
        if !over.tags.is_empty() {
            out.tags.clone_from(&over.tags);
        }
        out.source_vpc = pick(&self.source_vpc, &over.source_vpc);
        out.source_vpce = pick(&self.source_vpce, &over.source_vpce);
        out.source_ip = pick(&self.source_ip, &over.source_ip);
        out.region = pick(&self.region, &over.region);
        out.time = pick(&self.time, &over.time);
        out.session_expiry = pick(&self.session_expiry, &over.session_expiry);
        for (k, v) in &over.context {
            out.context.retain(|(existing, _)| !existing.eq_ignore_ascii_case(k));
            out.context.push((k.clone(), v.clone()));
        }
        out
    }

    /// Parse, default and check the request. Every problem is returned, each naming its field.
    pub fn build(&self, defaults: &Defaults) -> Result<Request, Vec<RequestError>> {
        let mut errors = Vec::new();
        let mut lifted = Lifted::default();
        let mut context = Vec::new();
        for (key, value) in &self.context {
            let lower = key.to_ascii_lowercase();
            match LIFTED_KEYS.iter().find(|k| **k == lower) {
                Some(k) => {
                    lifted.0.insert(k, (key.clone(), value.clone()));
                }
                None => context.push((key.clone(), as_key_type(key, value.clone()))),
            }
        }
        let given = |value: &Option<String>, field: Field| value.clone().map(|v| (v, field));

        // Region: the context key wins over the field, as `--context` overrides every other flag.
        let region_text =
            lifted.take("aws:requestedregion", &mut errors).or_else(|| given(&self.region, Field::Region));
        let region = match region_text {
            None => defaults.region.clone(),
            Some((text, field)) => Region::parse(&text).unwrap_or_else(|| {
                errors.push(RequestError::new(
                    field,
                    format!(
                        "`{text}` is not an AWS region name (lowercase letters, digits and hyphens, such as \
                         `us-east-1`)"
                    ),
                ));
                defaults.region.clone()
            }),
        };

        let time = self.time(defaults, &mut lifted, &mut errors);
        let session_expiry = self.session_expiry.as_deref().and_then(|t| {
            parse_time(t).or_else(|| {
                errors.push(RequestError::new(Field::SessionExpiry, not_a_time(t)));
                None
            })
        });

        let network = {
            let vpc = lifted.take("aws:sourcevpc", &mut errors).or_else(|| given(&self.source_vpc, Field::SourceVpc));
            let vpce =
                lifted.take("aws:sourcevpce", &mut errors).or_else(|| given(&self.source_vpce, Field::SourceVpce));
            let public_ip = lifted.take("aws:sourceip", &mut errors);
            let vpc_ip = lifted.take("aws:vpcsourceip", &mut errors);
            network(vpc, vpce, given(&self.source_ip, Field::SourceIp), public_ip, vpc_ip, &mut errors)
        };

        let operation = self.operation(&mut errors);
        let mut request = Request {
            principal_arn: self.principal.clone(),
            principal_tags: self.principal_tags.clone(),
            operation,
            tags: self.tags.clone(),
            region,
            time,
            network,
            session_expiry,
            context,
        };
        errors.extend(unknown_context_keys(&request));
        if !errors.is_empty() {
            return Err(errors);
        }
        request.context.shrink_to_fit();
        Ok(request)
    }

    /// `--time`, or `aws:CurrentTime` / `aws:EpochTime` in context (one instant: they must agree), or now.
    fn time(&self, defaults: &Defaults, lifted: &mut Lifted, errors: &mut Vec<RequestError>) -> Option<Timestamp> {
        let mut instant: Option<(Timestamp, Field)> = None;
        let mut agree = |t: Timestamp, field: Field, errors: &mut Vec<RequestError>| match &instant {
            Some((earlier, other)) if earlier.epoch_secs() != t.epoch_secs() => errors.push(RequestError::new(
                field,
                format!("contradicts {}: `aws:CurrentTime` and `aws:EpochTime` are one instant", other.flag()),
            )),
            Some(_) => {}
            None => instant = Some((t, field)),
        };
        if let Some((text, field)) = lifted.take("aws:currenttime", errors) {
            match parse_time(&text) {
                Some(t) => agree(t, field, errors),
                None => errors.push(RequestError::new(field, not_a_time(&text))),
            }
        }
        if let Some((text, field)) = lifted.take("aws:epochtime", errors) {
            match text.parse::<i64>().ok().map(Timestamp::from_epoch_secs).or_else(|| parse_time(&text)) {
                Some(t) => agree(t, field, errors),
                None => errors.push(RequestError::new(field, format!("`{text}` is not a time in epoch seconds"))),
            }
        }
        if let Some(text) = &self.time {
            match parse_time(text) {
                // The context keys override the flag, as `--context` overrides every other flag.
                Some(t) if instant.is_none() => instant = Some((t, Field::Time)),
                Some(_) => {}
                None => errors.push(RequestError::new(Field::Time, not_a_time(text))),
            }
        }
        Some(instant.map_or(defaults.now, |(t, _)| t))
    }

    fn operation(&self, errors: &mut Vec<RequestError>) -> Operation {
        let action = self.action.as_deref().filter(|a| !a.eq_ignore_ascii_case(MINT_ACTION));
        match action {
            None => {
                if self.resource_account.is_some() {
                    errors.push(RequestError::new(
                        Field::ResourceAccount,
                        "token minting has no resource; --resource-account goes with --action",
                    ));
                }
                if self.resource.is_some() {
                    errors.push(RequestError::new(
                        Field::Resource,
                        "token minting has no resource (the minting actions have no resource type); --resource \
                         goes with --action",
                    ));
                }
                Operation::Mint(Mint {
                    audiences: self.audiences.clone(),
                    duration: self.duration,
                    signing_algorithm: self
                        .signing_algorithm
                        .clone()
                        .unwrap_or_else(|| DEFAULT_SIGNING_ALGORITHM.to_owned()),
                })
            }
            Some(action) => {
                if !action.contains(':') || action.starts_with(':') || action.ends_with(':') {
                    errors.push(RequestError::new(Field::Action, format!("`{action}` is not `service:Action`")));
                }
                let token_only = [
                    (!self.audiences.is_empty(), Field::Audience),
                    (self.duration.is_some(), Field::Duration),
                    (self.signing_algorithm.is_some(), Field::SigningAlgorithm),
                ];
                for (_, field) in token_only.into_iter().filter(|(given, _)| *given) {
                    errors.push(RequestError::new(
                        field,
                        format!("is a token-minting parameter; `{action}` does not take it"),
                    ));
                }
                let resource_account = match &self.resource_account {
                    Some(a) if a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()) => Some(a.clone()),
                    Some(a) => {
                        errors.push(RequestError::new(
                            Field::ResourceAccount,
                            format!("`{a}` is not an AWS account id (12 digits)"),
                        ));
                        None
                    }
                    None => None,
                };
                Operation::Action(ActionCall {
                    action: action.to_owned(),
                    resource: self.resource.clone(),
                    resource_account,
                })
            }
        }
    }
}

/// The context keys a field models, as given (key as written, value), by lower-cased name.
#[derive(Default)]
struct Lifted(HashMap<&'static str, (String, ContextValue)>);

impl Lifted {
    /// A lifted key's one value with the field that names it, or an error when it was given as a list.
    fn take(&mut self, name: &'static str, errors: &mut Vec<RequestError>) -> Option<(String, Field)> {
        let (key, value) = self.0.remove(name)?;
        match value {
            ContextValue::Single(v) => Some((v.to_string(), Field::Context(key))),
            ContextValue::Multi(_) => {
                errors.push(RequestError::new(Field::Context(key), "takes one value, not a list"));
                None
            }
        }
    }
}

fn parse_time(text: &str) -> Option<Timestamp> {
    Timestamp::parse(text)
}

fn not_a_time(text: &str) -> String {
    format!("`{text}` is not an RFC 3339 time (such as 2026-01-01T12:00:00Z)")
}

/// The network path from what was given: a VPC endpoint needs both its VPC and its id; the source address
/// is `aws:SourceIp` on the public endpoint and `aws:VpcSourceIp` through an endpoint.
fn network(
    vpc: Option<(String, Field)>,
    vpce: Option<(String, Field)>,
    ip_flag: Option<(String, Field)>,
    public_ip: Option<(String, Field)>,
    vpc_ip: Option<(String, Field)>,
    errors: &mut Vec<RequestError>,
) -> Network {
    let address = |given: Option<(String, Field)>, errors: &mut Vec<RequestError>| -> Option<IpAddr> {
        let (text, field) = given?;
        parse_addr(&text).or_else(|| {
            errors.push(RequestError::new(field, format!("`{text}` is not an IP address (IPv4 or IPv6, no prefix)")));
            None
        })
    };
    match (vpc, vpce) {
        (Some((vpc, vpc_field)), Some((vpce, vpce_field))) => {
            for (id, field) in [(&vpc, vpc_field), (&vpce, vpce_field)] {
                if id.is_empty() {
                    errors.push(RequestError::new(
                        field,
                        "is empty: a call through a VPC endpoint names its VPC and endpoint",
                    ));
                }
            }
            if let Some((_, field)) = &public_ip {
                errors.push(RequestError::new(
                    field.clone(),
                    "a call through a VPC endpoint carries no `aws:SourceIp`; its address is `aws:VpcSourceIp`",
                ));
            }
            // `--source-ip` names the caller's address on whichever path it takes; `aws:VpcSourceIp` in
            // context overrides it.
            let ip = address(vpc_ip.or(ip_flag), errors);
            Network::Endpoint { vpc, vpce, ip }
        }
        (Some((_, field)), None) => {
            errors.push(RequestError::new(
                field,
                "needs the VPC endpoint too (--source-vpce or `aws:SourceVpce`): a call through a VPC endpoint \
                 carries both `aws:SourceVpc` and `aws:SourceVpce`",
            ));
            Network::default()
        }
        (None, Some((_, field))) => {
            errors.push(RequestError::new(
                field,
                "needs its VPC too (--source-vpc or `aws:SourceVpc`): a call through a VPC endpoint carries both \
                 `aws:SourceVpc` and `aws:SourceVpce`",
            ));
            Network::default()
        }
        (None, None) => {
            if let Some((_, field)) = &vpc_ip {
                errors.push(RequestError::new(
                    field.clone(),
                    "only a call through a VPC endpoint carries `aws:VpcSourceIp`: give --source-vpc and \
                     --source-vpce, or use `aws:SourceIp`",
                ));
            }
            Network::Public { ip: address(public_ip.or(ip_flag), errors) }
        }
    }
}

/// Context keys that no request for the request's actions carries: a typo would test something else. A key
/// passes if either check of a tagged token request carries it.
fn unknown_context_keys(request: &Request) -> Vec<RequestError> {
    let reference = ServiceReference::get();
    let carried = |action: &str, key: &str| {
        let (prefix, name) = action.split_once(':').unwrap_or(("", action));
        reference.action_supports_key(prefix, name, key)
    };
    let actions: Vec<&str> = match &request.operation {
        Operation::Mint(_) if request.tags.is_empty() => vec![MINT_ACTION],
        Operation::Mint(_) => vec![MINT_ACTION, TAG_ACTION],
        Operation::Action(a) => vec![a.action.as_str()],
    };
    let shown = actions.first().copied().unwrap_or(MINT_ACTION);
    request
        .context
        .iter()
        .filter(|(k, _)| !NETWORK_KEYS.contains(&k.to_ascii_lowercase().as_str()))
        .filter(|(k, _)| !actions.iter().any(|a| carried(a, k)))
        .map(|(k, _)| {
            let hint = reference.suggest_key(k).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
            RequestError::new(Field::Context(k.clone()), format!("no `{shown}` request carries this key{hint}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Defaults {
        Defaults { region: Region::default(), now: Timestamp::from_epoch_secs(1_767_225_600) }
    }

    fn spec() -> RequestSpec {
        RequestSpec { audiences: vec!["https://api.example".into()], ..RequestSpec::default() }
    }

    fn error_fields(spec: &RequestSpec) -> Vec<Field> {
        spec.build(&defaults()).unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn defaults_fill_region_time_and_algorithm() {
        let r = spec().build(&defaults()).unwrap();
        assert_eq!(r.region.as_str(), "us-east-1");
        assert_eq!(r.time, Some(defaults().now));
        assert_eq!(r.token().map(|m| m.signing_algorithm.as_str()), Some("ES384"));
        let configured = Defaults { region: Region::parse("eu-west-1").unwrap(), ..defaults() };
        assert_eq!(spec().build(&configured).unwrap().region.as_str(), "eu-west-1");
        let given = RequestSpec { region: Some("ap-south-2".into()), ..spec() };
        assert_eq!(given.build(&configured).unwrap().region.as_str(), "ap-south-2");
    }

    #[test]
    fn a_vpc_endpoint_needs_its_vpc() {
        assert_eq!(error_fields(&RequestSpec { source_vpce: Some("vpce-1".into()), ..spec() }), [Field::SourceVpce]);
        assert_eq!(error_fields(&RequestSpec { source_vpc: Some("vpc-1".into()), ..spec() }), [Field::SourceVpc]);
        let via_context =
            RequestSpec { context: vec![("aws:SourceVpce".into(), ContextValue::Single("vpce-1".into()))], ..spec() };
        assert_eq!(error_fields(&via_context), [Field::Context("aws:SourceVpce".into())]);
        let both = RequestSpec {
            source_vpc: Some("vpc-1".into()),
            context: vec![("aws:SourceVpce".into(), ContextValue::Single("vpce-1".into()))],
            source_ip: Some("10.0.0.7".into()),
            ..spec()
        };
        let r = both.build(&defaults()).unwrap();
        assert_eq!(
            r.network,
            Network::Endpoint { vpc: "vpc-1".into(), vpce: "vpce-1".into(), ip: "10.0.0.7".parse().ok() }
        );
        assert!(r.context.is_empty(), "the network keys are lifted out of context");
    }

    #[test]
    fn addresses_are_checked() {
        assert_eq!(error_fields(&RequestSpec { source_ip: Some("300.1.1.1".into()), ..spec() }), [Field::SourceIp]);
        assert_eq!(error_fields(&RequestSpec { source_ip: Some("10.0.0.0/8".into()), ..spec() }), [Field::SourceIp]);
        let vpc_ip_public = RequestSpec {
            context: vec![("aws:VpcSourceIp".into(), ContextValue::Single("10.0.0.1".into()))],
            ..spec()
        };
        assert_eq!(error_fields(&vpc_ip_public), [Field::Context("aws:VpcSourceIp".into())]);
    }

    #[test]
    fn regions_and_times_are_checked() {
        assert_eq!(error_fields(&RequestSpec { region: Some("US East".into()), ..spec() }), [Field::Region]);
        assert_eq!(error_fields(&RequestSpec { time: Some("yesterday".into()), ..spec() }), [Field::Time]);
        let contradiction = RequestSpec {
            context: vec![
                ("aws:CurrentTime".into(), ContextValue::Single("2026-01-01T00:00:00Z".into())),
                ("aws:EpochTime".into(), ContextValue::Single("5".into())),
            ],
            ..spec()
        };
        assert_eq!(error_fields(&contradiction), [Field::Context("aws:EpochTime".into())]);
        let epoch = RequestSpec {
            context: vec![("aws:EpochTime".into(), ContextValue::Single("1767225600".into()))],
            time: Some("2020-01-01T00:00:00Z".into()),
            ..spec()
        };
        assert_eq!(epoch.build(&defaults()).unwrap().time, Timestamp::parse("2026-01-01T00:00:00Z"));
    }

    #[test]
    fn context_keys_are_checked_against_the_action() {
        let typo = RequestSpec {
            context: vec![("sts:IdentityTokenAudiance".into(), ContextValue::Single("x".into()))],
            ..spec()
        };
        let errors = typo.build(&defaults()).unwrap_err();
        assert!(errors[0].message.contains("did you mean `sts:IdentityTokenAudience`"), "{errors:?}");
        let global =
            RequestSpec { context: vec![("aws:PrincipalOrgID".into(), ContextValue::Single("o-1".into()))], ..spec() };
        assert!(global.build(&defaults()).is_ok());
    }

    #[test]
    fn repeated_context_keys_are_one_list() {
        let entries: Vec<String> = (0..20_000).map(|i| format!("aws:CalledVia=svc{i}")).collect();
        let parsed = parse_context(&entries).unwrap();
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].1.values().len(), 20_000);
        let one = parse_context(&["aws:TagKeys=team".into()]).unwrap();
        assert_eq!(one[0].1, ContextValue::Multi(vec!["team".into()]));
        assert!(parse_context(&["novalue".into()]).is_err());
    }

    #[test]
    fn token_parameters_and_other_actions() {
        let generic = RequestSpec { action: Some("s3:GetObject".into()), ..spec() };
        assert_eq!(error_fields(&generic), [Field::Audience]);
        let resource_on_mint = RequestSpec { resource: Some("arn:aws:s3:::b".into()), ..spec() };
        assert_eq!(error_fields(&resource_on_mint), [Field::Resource]);
        // A case naming another action does not inherit the command line's audiences.
        let case = RequestSpec { action: Some("s3:GetObject".into()), ..RequestSpec::default() };
        assert!(spec().overlay(&case).build(&defaults()).is_ok());
    }

    #[test]
    fn overlay_keeps_what_the_case_leaves_out() {
        let flags = RequestSpec {
            principal_tags: vec![("team".into(), "a".into()), ("env".into(), "prod".into())],
            region: Some("eu-west-1".into()),
            ..spec()
        };
        let case = RequestSpec {
            principal_tags: vec![("TEAM".into(), "b".into())],
            duration: Some(600),
            ..RequestSpec::default()
        };
        let merged = flags.overlay(&case);
        assert_eq!(merged.principal_tags, [("env".to_owned(), "prod".to_owned()), ("TEAM".to_owned(), "b".to_owned())]);
        assert_eq!(merged.region.as_deref(), Some("eu-west-1"));
        assert_eq!(merged.duration, Some(600));
        assert_eq!(merged.audiences, spec().audiences);
    }
}
