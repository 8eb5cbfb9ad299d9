//! What a `GetWebIdentityToken` record says, read into the request it made (`reference/cloudtrail.md` §5):
//! the principal behind the session, the request parameters, the network path, region and time, and what
//! CloudTrail recorded (issued, or denied). A record that does not say all of that in a documented shape is
//! skipped with the reason, never completed by a guess. Where the shape is unconfirmed (the reference marks
//! most of `requestParameters` as observed by a third party only), the variant read is kept in
//! [`Readings`] so the report can say which field was read.
//!
//! This module only fills a [`CallSpec`] with what the record gives, as written; [`super::request`] is the
//! one place that turns it into the library's request. What the record cannot give comes later from the
//! inventory and the configuration (the principal's tags, the VPC of an endpoint).

use std::fmt;

use crate::eval::ContextValue;
use crate::policy::value::date::Timestamp;

use super::events::{EVENT_SOURCE, Field, Loose, Member, Number, RawRecord, Spelling};

/// What CloudTrail recorded as the call's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Recorded {
    /// No `errorCode`: the token was issued.
    Issued,
    /// `errorCode` `AccessDenied`: authorization refused it.
    Denied,
}

impl Recorded {
    pub fn as_str(self) -> &'static str {
        match self {
            Recorded::Issued => "issued",
            Recorded::Denied => "denied",
        }
    }
}

/// The kind of caller the record names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Caller {
    /// A role session (`AssumedRole`): the principal is the session issuer's role ARN, path included.
    RoleSession,
    /// An IAM user (`IAMUser`): the principal is `userIdentity.arn`.
    User,
}

/// The request a record gives, as written (the fields of the request model's spec that a record can fill).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallSpec {
    pub principal: Option<String>,
    pub audiences: Vec<String>,
    /// `None`: not sent (the record has no `durationSeconds`).
    pub duration: Option<u32>,
    pub signing_algorithm: Option<String>,
    pub tags: Vec<(String, String)>,
    pub source_vpce: Option<String>,
    pub source_ip: Option<String>,
    pub region: Option<String>,
    /// RFC 3339, as recorded.
    pub time: Option<String>,
    /// Global keys the record gives about the session.
    pub context: Vec<(String, ContextValue)>,
}

/// A record read into the call it made.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedCall {
    pub event_id: Option<String>,
    /// `eventTime`: when the request completed (`aws:CurrentTime`).
    pub time: Timestamp,
    /// The principal's ARN, as replay matches it against the inventory (exactly).
    pub principal: String,
    pub caller: Caller,
    pub recorded: Recorded,
    /// The request as the record gives it: principal, audiences, duration (only when sent), algorithm, tags,
    /// source address, VPC endpoint, region, time, and the session facts the record carries
    /// (`aws:TokenIssueTime`, `aws:MultiFactorAuthPresent`, `aws:SourceIdentity`, `aws:userid`,
    /// `aws:username`). Principal tags and the VPC of an endpoint are not in the record.
    pub spec: CallSpec,
    /// `vpcEndpointId`: the call came through this interface endpoint, whose VPC the record does not name.
    pub endpoint: Option<String>,
    /// `sourceIPAddress` when it is not an address (`AWS Internal`, a service name): the address keys are
    /// then unknown, not absent.
    pub unknown_source: Option<String>,
    /// `requestParameters.subjectMode`: it changes the token's `sub` claim, and no condition key tests it.
    pub subject_mode: Option<String>,
    pub readings: Readings,
}

/// Why a record that may be a `GetWebIdentityToken` call is not replayed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip {
    pub event_id: Option<String>,
    pub reason: String,
}

/// Shapes of the record that the reference does not confirm from an AWS source, and which of them a
/// record was read in. One bit per shape, so counting them over millions of records costs nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Readings(u32);

/// One shape a field was read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reading {
    AudienceArray,
    AudienceString,
    DurationNumber,
    DurationString,
    DurationAbsent,
    DurationNull,
    TagsLowercase,
    TagsCapitalized,
    SubjectMode,
    VpcEndpointId,
    ParametersString,
    UserIdentityString,
    SessionIssuerArn,
    UserArn,
    DeniedWithParameters,
    SourceNotAnAddress,
}

impl Reading {
    pub const ALL: [Reading; 16] = [
        Reading::AudienceArray,
        Reading::AudienceString,
        Reading::DurationNumber,
        Reading::DurationString,
        Reading::DurationAbsent,
        Reading::DurationNull,
        Reading::TagsLowercase,
        Reading::TagsCapitalized,
        Reading::SubjectMode,
        Reading::VpcEndpointId,
        Reading::ParametersString,
        Reading::UserIdentityString,
        Reading::SessionIssuerArn,
        Reading::UserArn,
        Reading::DeniedWithParameters,
        Reading::SourceNotAnAddress,
    ];

    /// The field read, as the record names it.
    pub fn field(self) -> &'static str {
        match self {
            Reading::AudienceArray | Reading::AudienceString => "requestParameters.audience",
            Reading::DurationNumber | Reading::DurationString | Reading::DurationAbsent | Reading::DurationNull => {
                "requestParameters.durationSeconds"
            }
            Reading::TagsLowercase | Reading::TagsCapitalized => "requestParameters.tags",
            Reading::SubjectMode => "requestParameters.subjectMode",
            Reading::VpcEndpointId => "vpcEndpointId",
            Reading::ParametersString => "requestParameters",
            Reading::UserIdentityString => "userIdentity",
            Reading::SessionIssuerArn => "userIdentity.sessionContext.sessionIssuer.arn",
            Reading::UserArn => "userIdentity.arn",
            Reading::DeniedWithParameters => "requestParameters",
            Reading::SourceNotAnAddress => "sourceIPAddress",
        }
    }

    /// How it was read and how sure the reference is of that shape.
    pub fn shape(self) -> &'static str {
        match self {
            Reading::AudienceArray => "an array of strings (observed by a third party)",
            Reading::AudienceString => "a bare string, read as one audience (accepted, never observed)",
            Reading::DurationNumber => "a number (observed by a third party)",
            Reading::DurationString => "a string of digits (accepted, never observed)",
            Reading::DurationAbsent => {
                "absent, replayed as not sent (unconfirmed: sibling STS records log only what was sent)"
            }
            Reading::DurationNull => "null, replayed as not sent (accepted, never observed)",
            Reading::TagsLowercase => "`[{\"key\", \"value\"}]` (observed by a third party; AssumeRole's shape)",
            Reading::TagsCapitalized => "`[{\"Key\", \"Value\"}]` (accepted, never observed)",
            Reading::SubjectMode => "carried, not replayed: it changes the `sub` claim and no condition key tests it",
            Reading::VpcEndpointId => "the interface endpoint called (documented for CloudTrail, unconfirmed for STS)",
            Reading::ParametersString => "a JSON string holding the object (Athena's column type)",
            Reading::UserIdentityString => "a JSON string holding the object",
            Reading::SessionIssuerArn => "the role behind the session, path included (documented)",
            Reading::UserArn => "the IAM user (documented)",
            Reading::DeniedWithParameters => {
                "present on an AccessDenied record (unconfirmed that STS logs a refused call's parameters)"
            }
            Reading::SourceNotAnAddress => "not an IP address: the source address keys are unknown",
        }
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl Readings {
    pub fn insert(&mut self, reading: Reading) {
        self.0 |= reading.bit();
    }

    pub fn contains(self, reading: Reading) -> bool {
        self.0 & reading.bit() != 0
    }

    pub fn iter(self) -> impl Iterator<Item = Reading> {
        Reading::ALL.into_iter().filter(move |r| self.contains(*r))
    }
}

/// The names of the request parameters of `GetWebIdentityToken` (API reference: `Audience`,
/// `DurationSeconds`, `SigningAlgorithm`, `Tags`, `SubjectMode`), in CloudTrail's lowerCamelCase.
const PARAMETERS: [&str; 5] = ["audience", "durationSeconds", "signingAlgorithm", "tags", "subjectMode"];

/// The error code of an authorization failure of an STS call.
pub const ACCESS_DENIED: &str = "AccessDenied";

/// Read a record into the call it made, or the reason it cannot be replayed.
pub fn interpret(record: &RawRecord) -> Result<RecordedCall, Skip> {
    let event_id = record.event_id().map(str::to_owned);
    let skip = |reason: String| Skip { event_id: event_id.clone(), reason };
    if let Some(why) = &record.unreadable {
        return Err(skip(why.clone()));
    }
    for (field, _) in &record.fields {
        if record.get(*field) == Member::Duplicate {
            return Err(skip(format!(
                "the record has `{}` twice: which one CloudTrail meant is unknown",
                field.name()
            )));
        }
    }
    let text = |field: Field| -> Result<Option<&str>, Skip> {
        match record.get(field) {
            Member::Present(Loose::Str(s)) => Ok(Some(s)),
            Member::Present(Loose::Null) | Member::Absent => Ok(None),
            Member::Present(other) => Err(skip(format!("`{}` is {}, not a string", field.name(), other.type_name()))),
            Member::Duplicate => Err(skip(format!("the record has `{}` twice", field.name()))),
        }
    };
    let Some(_) = text(Field::EventName)? else {
        return Err(skip(
            "the record names no event (`eventName`): it may be a token request, but which call it \
                         records is unknown"
                .to_owned(),
        ));
    };
    match text(Field::EventSource)? {
        Some(EVENT_SOURCE) => {}
        Some(other) => return Err(skip(format!("`eventSource` is `{other}`, not `{EVENT_SOURCE}`"))),
        None => return Err(skip("the record has no `eventSource`: it cannot be confirmed as an STS call".to_owned())),
    }
    let mut readings = Readings::default();

    let recorded = match text(Field::ErrorCode)? {
        None => Recorded::Issued,
        Some(ACCESS_DENIED) => Recorded::Denied,
        Some(code) => {
            return Err(skip(format!(
                "`errorCode` `{code}`: the call failed for a reason other than authorization, so no policy decision \
                 can be compared with it"
            )));
        }
    };

    let time_text = text(Field::EventTime)?.ok_or_else(|| skip("the record has no `eventTime`".to_owned()))?;
    let time = parse_event_time(time_text)
        .ok_or_else(|| skip(format!("`eventTime` `{time_text}` is not an RFC 3339 date and time")))?;
    let region = text(Field::AwsRegion)?.ok_or_else(|| skip("the record has no `awsRegion`".to_owned()))?;

    let identity =
        object_or_json(record.get(Field::UserIdentity), "userIdentity", Reading::UserIdentityString, &mut readings)
            .map_err(&skip)?
            .ok_or_else(|| skip("the record has no `userIdentity`".to_owned()))?;
    let (principal, caller) = principal(&identity, &mut readings).map_err(&skip)?;

    let parameters = object_or_json(
        record.get(Field::RequestParameters),
        "requestParameters",
        Reading::ParametersString,
        &mut readings,
    )
    .map_err(&skip)?
    .ok_or_else(|| {
        skip(match recorded {
            Recorded::Denied => "the AccessDenied record has no `requestParameters`: the request cannot be rebuilt \
                                 (whether STS logs a refused call's parameters is unconfirmed)"
                .to_owned(),
            Recorded::Issued => "the record has no `requestParameters`".to_owned(),
        })
    })?;
    if recorded == Recorded::Denied {
        readings.insert(Reading::DeniedWithParameters);
    }
    let mut spec = CallSpec { principal: Some(principal.clone()), ..CallSpec::default() };
    let subject_mode = request_parameters(&parameters, &mut spec, &mut readings).map_err(&skip)?;

    spec.region = Some(region.to_owned());
    spec.time = Some(time_text.to_owned());
    let endpoint = text(Field::VpcEndpointId)?.filter(|e| !e.is_empty()).map(str::to_owned);
    if let Some(vpce) = &endpoint {
        readings.insert(Reading::VpcEndpointId);
        spec.source_vpce = Some(vpce.clone());
    }
    let mut unknown_source = None;
    match text(Field::SourceIpAddress)? {
        Some(ip) if crate::policy::value::ip::parse_addr(ip).is_some() => spec.source_ip = Some(ip.to_owned()),
        Some(other) => {
            readings.insert(Reading::SourceNotAnAddress);
            unknown_source = Some(other.to_owned());
        }
        None => return Err(skip("the record has no `sourceIPAddress`".to_owned())),
    }
    session_facts(&identity, caller, &mut spec).map_err(&skip)?;

    Ok(RecordedCall {
        event_id,
        time,
        principal,
        caller,
        recorded,
        spec,
        endpoint,
        unknown_source,
        subject_mode,
        readings,
    })
}

/// `eventTime`: a full RFC 3339 date and time (CloudTrail writes `YYYY-MM-DDTHH:MM:SSZ`). The date-only and
/// epoch forms a policy value may take are not accepted here: a record with them was not written by
/// CloudTrail.
pub fn parse_event_time(text: &str) -> Option<Timestamp> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() >= 20 && bytes.get(10) == Some(&b'T') && bytes.get(16) == Some(&b':');
    shaped.then(|| Timestamp::parse(text)).flatten()
}

/// A member that is an object, or (Athena's columns) a JSON string holding one.
fn object_or_json(
    member: Member<'_>,
    name: &str,
    as_string: Reading,
    readings: &mut Readings,
) -> Result<Option<Loose>, String> {
    match member {
        Member::Absent | Member::Present(Loose::Null) => Ok(None),
        Member::Present(value @ Loose::Object(_)) => Ok(Some(value.clone())),
        Member::Present(Loose::Str(text)) => match serde_json::from_str::<Loose>(text) {
            Ok(Loose::Null) => Ok(None),
            Ok(value @ Loose::Object(_)) => {
                readings.insert(as_string);
                Ok(Some(value))
            }
            Ok(other) => Err(format!("`{name}` holds {} as a JSON string, not an object", other.type_name())),
            Err(e) => Err(format!("`{name}` is a string that is not JSON: {e}")),
        },
        Member::Present(other) => Err(format!("`{name}` is {}, not an object", other.type_name())),
        Member::Duplicate => Err(format!("the record has `{name}` twice")),
    }
}

/// A member of a nested object, in CloudTrail's spelling or Athena's lowercase.
fn nested<'a>(object: &'a Loose, camel: &'static str) -> Result<Option<&'a Loose>, String> {
    let lower = camel.to_ascii_lowercase();
    match object.member(&[camel, lower.as_str()]) {
        Member::Absent | Member::Present(Loose::Null) => Ok(None),
        Member::Present(v) => Ok(Some(v)),
        Member::Duplicate => Err(format!("`{camel}` appears twice")),
    }
}

fn nested_str<'a>(object: &'a Loose, path: &str, camel: &'static str) -> Result<Option<&'a str>, String> {
    match nested(object, camel)? {
        None => Ok(None),
        Some(Loose::Str(s)) => Ok(Some(s)),
        Some(other) => Err(format!("`{path}.{camel}` is {}, not a string", other.type_name())),
    }
}

/// The principal whose policies decided the call (reference §2): for a role session the session issuer's
/// role ARN (path included: the session ARN has none); for an IAM user its ARN. Other callers are not
/// replayed.
fn principal(identity: &Loose, readings: &mut Readings) -> Result<(String, Caller), String> {
    let kind = nested_str(identity, "userIdentity", "type")?.ok_or("`userIdentity` has no `type`")?;
    match kind {
        "AssumedRole" => {
            let issuer =
                nested(identity, "sessionContext")?.map(|c| nested(c, "sessionIssuer")).transpose()?.flatten().ok_or(
                    "the role session's `userIdentity` has no `sessionContext.sessionIssuer`: the role (with its \
                        path) cannot be known from the session ARN",
                )?;
            let issuer_type = nested_str(issuer, "userIdentity.sessionContext.sessionIssuer", "type")?;
            if issuer_type.is_some_and(|t| t != "Role") {
                return Err(format!(
                    "the session's issuer is of type `{}`, not a role",
                    issuer_type.unwrap_or_default()
                ));
            }
            let arn = nested_str(issuer, "userIdentity.sessionContext.sessionIssuer", "arn")?
                .ok_or("the role session's `sessionIssuer` has no `arn`")?;
            if !is_role_arn(arn) {
                return Err(format!("`sessionIssuer.arn` `{arn}` is not an IAM role ARN"));
            }
            readings.insert(Reading::SessionIssuerArn);
            Ok((arn.to_owned(), Caller::RoleSession))
        }
        "IAMUser" => {
            let arn =
                nested_str(identity, "userIdentity", "arn")?.ok_or("the IAM user's `userIdentity` has no `arn`")?;
            if !is_user_arn(arn) {
                return Err(format!("`userIdentity.arn` `{arn}` is not an IAM user ARN"));
            }
            readings.insert(Reading::UserArn);
            Ok((arn.to_owned(), Caller::User))
        }
        "Root" => Err("the caller is the account's root user, which identity policies do not govern".to_owned()),
        "FederatedUser" => Err("the caller is a federated user session, whose session policy the record does not \
                                hold"
            .to_owned()),
        other => Err(format!("callers of type `{other}` are not replayed (only role sessions and IAM users)")),
    }
}

fn is_role_arn(arn: &str) -> bool {
    iam_resource(arn).is_some_and(|r| r.strip_prefix("role/").is_some_and(|n| !n.is_empty()))
}

fn is_user_arn(arn: &str) -> bool {
    iam_resource(arn).is_some_and(|r| r.strip_prefix("user/").is_some_and(|n| !n.is_empty()))
}

/// The resource part of an IAM ARN (`arn:PARTITION:iam::ACCOUNT:RESOURCE`) with a 12-digit account.
fn iam_resource(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    (!partition.is_empty() && account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(resource)
}

/// The request parameters into the spec; the subject mode, when sent.
fn request_parameters(
    parameters: &Loose,
    spec: &mut CallSpec,
    readings: &mut Readings,
) -> Result<Option<String>, String> {
    let Loose::Object(members) = parameters else {
        return Err("`requestParameters` is not an object".to_owned());
    };
    for (name, _) in members {
        if !PARAMETERS.contains(&name.as_str()) {
            return Err(format!(
                "request parameter `{name}` is not one of GetWebIdentityToken's ({}): the request cannot be rebuilt \
                 exactly",
                PARAMETERS.join(", ")
            ));
        }
    }
    let get = |name: &'static str| match parameters.member(&[name]) {
        Member::Absent => Ok(None),
        Member::Present(v) => Ok(Some(v)),
        Member::Duplicate => Err(format!("`requestParameters.{name}` appears twice")),
    };

    spec.audiences = match get("audience")? {
        Some(Loose::Array(items)) => {
            readings.insert(Reading::AudienceArray);
            items
                .iter()
                .map(|a| {
                    a.as_str().map(str::to_owned).ok_or_else(|| {
                        format!("`requestParameters.audience` holds {}, not only strings", a.type_name())
                    })
                })
                .collect::<Result<Vec<_>, _>>()?
        }
        Some(Loose::Str(one)) if one.trim_start().starts_with('[') => {
            return Err(format!(
                "`requestParameters.audience` is the string `{one}`, which looks like an encoded list: whether it is one \
                 audience or several is unknown"
            ));
        }
        Some(Loose::Str(one)) => {
            readings.insert(Reading::AudienceString);
            vec![one.clone()]
        }
        Some(other) => return Err(format!("`requestParameters.audience` is {}", other.type_name())),
        None => return Err("`requestParameters` has no `audience` (a required parameter)".to_owned()),
    };
    if spec.audiences.is_empty() {
        return Err("`requestParameters.audience` is empty: the API takes 1 to 10 audiences".to_owned());
    }

    spec.duration = match get("durationSeconds")? {
        None => {
            readings.insert(Reading::DurationAbsent);
            None
        }
        Some(Loose::Null) => {
            readings.insert(Reading::DurationNull);
            None
        }
        Some(Loose::Number(n)) => {
            readings.insert(Reading::DurationNumber);
            Some(whole_seconds(*n).ok_or_else(|| {
                format!(
                    "`requestParameters.durationSeconds` `{n}` is not a whole \
                                                           number of seconds"
                )
            })?)
        }
        Some(Loose::Str(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            readings.insert(Reading::DurationString);
            Some(s.parse::<u32>().map_err(|_| format!("`requestParameters.durationSeconds` `{s}` is out of range"))?)
        }
        Some(other) => {
            return Err(format!("`requestParameters.durationSeconds` is {}, not a number", other.type_name()));
        }
    };

    spec.signing_algorithm = match get("signingAlgorithm")? {
        Some(Loose::Str(s)) => Some(s.clone()),
        Some(other) => return Err(format!("`requestParameters.signingAlgorithm` is {}", other.type_name())),
        None => return Err("`requestParameters` has no `signingAlgorithm` (a required parameter)".to_owned()),
    };

    spec.tags = match get("tags")? {
        None | Some(Loose::Null) => Vec::new(),
        Some(Loose::Array(items)) => {
            let mut tags = Vec::with_capacity(items.len());
            for item in items {
                let (pair, reading) = tag(item)?;
                readings.insert(reading);
                tags.push(pair);
            }
            tags
        }
        Some(other) => {
            return Err(format!("`requestParameters.tags` is {}, not a list of key/value objects", other.type_name()));
        }
    };

    match get("subjectMode")? {
        None | Some(Loose::Null) => Ok(None),
        Some(Loose::Str(mode)) => {
            readings.insert(Reading::SubjectMode);
            Ok(Some(mode.clone()))
        }
        Some(other) => Err(format!("`requestParameters.subjectMode` is {}", other.type_name())),
    }
}

fn whole_seconds(n: Number) -> Option<u32> {
    match n {
        Number::Unsigned(u) => u32::try_from(u).ok(),
        Number::Signed(i) => u32::try_from(i).ok(),
        Number::Float(f) if f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&f) =>
        {
            #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "whole and in range")]
            Some(f as u32)
        }
        Number::Float(_) => None,
    }
}

/// A tag read, and the shape it was read in.
type TagRead = ((String, String), Reading);

/// One request tag: `{"key": K, "value": V}` (the observed shape) or `{"Key": K, "Value": V}`.
fn tag(item: &Loose) -> Result<TagRead, String> {
    let Loose::Object(members) = item else {
        return Err(format!("`requestParameters.tags` holds {}, not a key/value object", item.type_name()));
    };
    let shape = |key: &str, value: &str, reading| -> Option<Result<TagRead, String>> {
        let (k, v) = (item.member(&[key]), item.member(&[value]));
        if k == Member::Absent && v == Member::Absent {
            return None;
        }
        Some(match (k, v) {
            (Member::Present(Loose::Str(k)), Member::Present(Loose::Str(v))) if members.len() == 2 => {
                Ok(((k.clone(), v.clone()), reading))
            }
            _ => Err(format!("a tag in `requestParameters.tags` is not `{{\"{key}\": string, \"{value}\": string}}`")),
        })
    };
    shape("key", "value", Reading::TagsLowercase)
        .or_else(|| shape("Key", "Value", Reading::TagsCapitalized))
        .unwrap_or_else(|| {
            Err("a tag in `requestParameters.tags` has neither `key`/`value` nor `Key`/`Value`".to_owned())
        })
}

/// Global condition keys the record gives about the session (reference §2): when it was issued, with MFA or
/// not, its source identity, and the caller's ids.
fn session_facts(identity: &Loose, caller: Caller, spec: &mut CallSpec) -> Result<(), String> {
    let mut put = |key: &str, value: &str| spec.context.push((key.to_owned(), ContextValue::Single(value.into())));
    if let Some(id) = nested_str(identity, "userIdentity", "principalId")? {
        put("aws:userid", id);
    }
    if caller == Caller::User
        && let Some(name) = nested_str(identity, "userIdentity", "userName")?
    {
        put("aws:username", name);
    }
    let Some(session) = nested(identity, "sessionContext")? else { return Ok(()) };
    if let Some(attributes) = nested(session, "attributes")? {
        let path = "userIdentity.sessionContext.attributes";
        if let Some(created) = nested_str(attributes, path, "creationDate")? {
            let at = parse_event_time(created)
                .ok_or_else(|| format!("`{path}.creationDate` `{created}` is not an RFC 3339 date and time"))?;
            put("aws:TokenIssueTime", &at.to_rfc3339());
        }
        match nested_str(attributes, path, "mfaAuthenticated")? {
            Some(flag @ ("true" | "false")) => put("aws:MultiFactorAuthPresent", flag),
            Some(other) => return Err(format!("`{path}.mfaAuthenticated` is `{other}`, not `true` or `false`")),
            None => {}
        }
    }
    if let Some(source) = nested_str(session, "userIdentity.sessionContext", "sourceIdentity")? {
        put("aws:SourceIdentity", source);
    }
    Ok(())
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.event_id {
            Some(id) => write!(f, "{id}: {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

/// Whether the record's member names were Athena's (for the report's account of what was read).
pub fn athena(record: &RawRecord) -> bool {
    record.spelling == Spelling::Lower
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::events::{EventLimits, Tally, read_stream};
    use super::*;

    fn base() -> Value {
        json!({
            "eventVersion": "1.11",
            "userIdentity": {
                "type": "AssumedRole",
                "principalId": "AROAEXAMPLEID:i-0abc",
                "arn": "arn:aws:sts::111122223333:assumed-role/payments/i-0abc",
                "accountId": "111122223333",
                "sessionContext": {
                    "sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::111122223333:role/workloads/payments"},
                    "attributes": {"creationDate": "2026-03-03T06:00:00Z", "mfaAuthenticated": "false"}
                }
            },
            "eventTime": "2026-03-03T07:00:00Z",
            "eventSource": "sts.amazonaws.com",
            "eventName": "GetWebIdentityToken",
            "awsRegion": "eu-west-1",
            "sourceIPAddress": "198.51.100.7",
            "requestParameters": {"audience": ["https://a.example"], "signingAlgorithm": "ES384"},
            "eventID": "11111111-1111-4111-8111-111111111111"
        })
    }

    fn interpret_value(v: &Value) -> Result<RecordedCall, Skip> {
        let text = v.to_string();
        let mut records = Vec::new();
        let mut tally = Tally::default();
        let read = read_stream(text.as_bytes(), &EventLimits::default(), false, &mut |r| records.push(r), &mut tally);
        assert!(read.is_ok(), "{read:?}");
        assert_eq!(records.len(), 1, "{text}");
        interpret(&records[0])
    }

    fn with(edit: impl FnOnce(&mut Value)) -> Result<RecordedCall, Skip> {
        let mut v = base();
        edit(&mut v);
        interpret_value(&v)
    }

    fn reason(r: Result<RecordedCall, Skip>) -> String {
        match r {
            Ok(call) => panic!("replayed: {call:?}"),
            Err(skip) => skip.reason,
        }
    }

    #[test]
    fn a_role_session_is_its_role_with_the_path() {
        let call = interpret_value(&base()).unwrap();
        assert_eq!(call.principal, "arn:aws:iam::111122223333:role/workloads/payments");
        assert_eq!(call.caller, Caller::RoleSession);
        assert_eq!(call.recorded, Recorded::Issued);
        assert_eq!(call.spec.audiences, ["https://a.example"]);
        assert_eq!(call.spec.duration, None, "not sent: no duration, not 300");
        assert!(call.readings.contains(Reading::DurationAbsent));
        assert_eq!(call.spec.source_ip.as_deref(), Some("198.51.100.7"));
        assert_eq!(call.spec.region.as_deref(), Some("eu-west-1"));
        let keys: Vec<&str> = call.spec.context.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["aws:userid", "aws:TokenIssueTime", "aws:MultiFactorAuthPresent"]);
    }

    #[test]
    fn parameters_in_every_accepted_shape() {
        let call = with(|v| {
            v["requestParameters"] = json!({"audience": "https://one.example", "durationSeconds": "900",
                "signingAlgorithm": "RS256", "tags": [{"Key": "team", "Value": "data"}]});
        })
        .unwrap();
        assert_eq!(call.spec.audiences, ["https://one.example"]);
        assert_eq!(call.spec.duration, Some(900));
        assert_eq!(call.spec.tags, [("team".to_owned(), "data".to_owned())]);
        for r in [Reading::AudienceString, Reading::DurationString, Reading::TagsCapitalized] {
            assert!(call.readings.contains(r), "{r:?}");
        }
        // Athena: the parameters object as a JSON string, lowercase member names.
        let athena = with(|v| {
            let params = v["requestParameters"].to_string();
            v["requestparameters"] = params.into();
            v.as_object_mut().unwrap().remove("requestParameters");
        })
        .unwrap();
        assert!(athena.readings.contains(Reading::ParametersString));
        assert_eq!(athena.spec.audiences, ["https://a.example"]);
    }

    #[test]
    fn an_endpoint_call_keeps_its_private_address_and_the_endpoint() {
        let call = with(|v| {
            v["vpcEndpointId"] = "vpce-0abc".into();
            v["sourceIPAddress"] = "10.0.1.17".into();
        })
        .unwrap();
        assert_eq!(call.endpoint.as_deref(), Some("vpce-0abc"));
        assert_eq!(call.spec.source_vpce.as_deref(), Some("vpce-0abc"));
        assert_eq!(call.spec.source_ip.as_deref(), Some("10.0.1.17"));
        let internal = with(|v| v["sourceIPAddress"] = "AWS Internal".into()).unwrap();
        assert_eq!(internal.spec.source_ip, None);
        assert_eq!(internal.unknown_source.as_deref(), Some("AWS Internal"));
    }

    #[test]
    fn denied_and_other_errors() {
        let denied = with(|v| v["errorCode"] = "AccessDenied".into()).unwrap();
        assert_eq!(denied.recorded, Recorded::Denied);
        assert!(denied.readings.contains(Reading::DeniedWithParameters));
        let bare = reason(with(|v| {
            v["errorCode"] = "AccessDenied".into();
            v["requestParameters"] = Value::Null;
        }));
        assert!(bare.contains("no `requestParameters`"), "{bare}");
        let other = reason(with(|v| v["errorCode"] = "ValidationError".into()));
        assert!(other.contains("other than authorization"), "{other}");
    }

    type Edit = Box<dyn FnOnce(&mut Value)>;

    #[test]
    fn what_cannot_be_replayed_is_skipped_with_the_reason() {
        let cases: Vec<(Edit, &str)> = vec![
            (Box::new(|v| v["userIdentity"]["type"] = "Root".into()), "root user"),
            (Box::new(|v| v["userIdentity"]["sessionContext"] = Value::Null), "sessionIssuer"),
            (Box::new(|v| v["requestParameters"]["audience"] = json!([])), "empty"),
            (Box::new(|v| v["requestParameters"]["audience"] = json!("[\"a\",\"b\"]")), "encoded list"),
            (Box::new(|v| v["requestParameters"]["unknownParam"] = json!(1)), "not one of"),
            (Box::new(|v| v["requestParameters"]["durationSeconds"] = json!(900.5)), "whole number"),
            (Box::new(|v| v["requestParameters"]["tags"] = json!([{"key": "a"}])), "not `{\"key\""),
            (Box::new(|v| v["eventTime"] = "2026-03-03".into()), "RFC 3339"),
            (
                Box::new(|v| v["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"] = "payments".into()),
                "not an IAM role ARN",
            ),
        ];
        for (edit, expected) in cases {
            let why = reason(with(edit));
            assert!(why.contains(expected), "{why} (expected `{expected}`)");
        }
    }

    #[test]
    fn an_iam_user_is_its_arn() {
        let call = with(|v| {
            v["userIdentity"] = json!({"type": "IAMUser", "principalId": "AIDAEXAMPLE",
                "arn": "arn:aws:iam::111122223333:user/ops/audit-bot", "userName": "audit-bot"});
        })
        .unwrap();
        assert_eq!(call.principal, "arn:aws:iam::111122223333:user/ops/audit-bot");
        assert_eq!(call.caller, Caller::User);
    }
}
