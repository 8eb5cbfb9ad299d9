//! CloudTrail records of `GetWebIdentityToken` and of other calls, written the way CloudTrail writes them
//! (the project reference `reference/cloudtrail.md` beside the corpus: the record of §1-§2, the delivery formats of §4), for the replay
//! fixtures, tests and the replay benchmark (included with `#[path]`).
//!
//! Every field follows the reference: `requestParameters` in lowerCamelCase with `audience` as an array,
//! `durationSeconds` only when sent, tags as `[{"key", "value"}]`; `responseElements` with
//! `webIdentityTokenId` and `expiration` on success, `null` with `errorCode` `AccessDenied` on refusal;
//! `userIdentity` of an assumed-role session with its issuer's role ARN (path included); `vpcEndpointId`
//! only for calls through an interface endpoint, whose `sourceIPAddress` is then a private address.

#![allow(dead_code, reason = "each user takes a different subset")]

use serde_json::{Map, Value, json};

/// Who calls.
#[derive(Clone, Debug)]
pub enum Caller {
    /// A role session: the role (with its path), its unique id, the session name.
    Role { account: String, path: String, name: String, role_id: String, session: String },
    /// An IAM user with long-term access keys.
    User { account: String, name: String, user_id: String },
}

impl Caller {
    pub fn role(account: &str, path: &str, name: &str, role_id: &str, session: &str) -> Caller {
        Caller::Role {
            account: account.into(),
            path: path.into(),
            name: name.into(),
            role_id: role_id.into(),
            session: session.into(),
        }
    }

    pub fn user(account: &str, name: &str, user_id: &str) -> Caller {
        Caller::User { account: account.into(), name: name.into(), user_id: user_id.into() }
    }

    pub fn account(&self) -> &str {
        match self {
            Caller::Role { account, .. } | Caller::User { account, .. } => account,
        }
    }

    /// The ARN that identity policies are attached to.
    pub fn principal_arn(&self) -> String {
        match self {
            Caller::Role { account, path, name, .. } => format!("arn:aws:iam::{account}:role{path}{name}"),
            Caller::User { account, name, .. } => format!("arn:aws:iam::{account}:user/{name}"),
        }
    }

    /// The ARN CloudTrail writes as `userIdentity.arn` (a role session's carries no path).
    fn caller_arn(&self) -> String {
        match self {
            Caller::Role { account, name, session, .. } => {
                format!("arn:aws:sts::{account}:assumed-role/{name}/{session}")
            }
            Caller::User { .. } => self.principal_arn(),
        }
    }

    fn user_identity(&self, key: &str, created: &str) -> Value {
        match self {
            Caller::Role { account, name, role_id, session, .. } => json!({
                "type": "AssumedRole",
                "principalId": format!("{role_id}:{session}"),
                "arn": self.caller_arn(),
                "accountId": account,
                "accessKeyId": format!("ASIA{key}"),
                "sessionContext": {
                    "sessionIssuer": {
                        "type": "Role",
                        "principalId": role_id,
                        "arn": self.principal_arn(),
                        "accountId": account,
                        "userName": name
                    },
                    "attributes": {"creationDate": created, "mfaAuthenticated": "false"}
                }
            }),
            Caller::User { account, name, user_id } => json!({
                "type": "IAMUser",
                "principalId": user_id,
                "arn": self.principal_arn(),
                "accountId": account,
                "accessKeyId": format!("AKIA{key}"),
                "userName": name
            }),
        }
    }
}

/// One `GetWebIdentityToken` call.
#[derive(Clone, Debug)]
pub struct Call {
    pub event_id: String,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub time: String,
    pub region: String,
    pub caller: Caller,
    pub audiences: Vec<String>,
    /// `None`: not sent (the token then lives 300 s).
    pub duration: Option<u32>,
    pub algorithm: String,
    pub tags: Vec<(String, String)>,
    pub source_ip: String,
    /// The interface endpoint the call came through.
    pub vpce: Option<String>,
    /// Refused: the `errorMessage` names the action that was not allowed.
    pub denied: Option<Denial>,
    pub user_agent: String,
}

/// Why a refused call was refused, as the message says it.
#[derive(Clone, Copy, Debug)]
pub enum Denial {
    NoIdentityPolicy,
    ExplicitDeny,
    /// The tags permission (`sts:TagGetWebIdentityToken`) was missing.
    TagPermission,
}

/// The SDKs' user agents (as CloudTrail records them).
pub const USER_AGENTS: [&str; 3] = [
    "aws-sdk-go-v2/1.36.3 ua/2.1 os/linux lang/go#1.24.1 md/GOOS#linux md/GOARCH#amd64 api/sts#1.33.17",
    "Boto3/1.37.12 md/Botocore#1.37.12 ua/2.1 os/linux#6.1.128 md/arch#x86_64 lang/python#3.12.9 \
     md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.37.12",
    "aws-sdk-java/2.31.1 Linux/6.1.128 OpenJDK_64-Bit_Server_VM/21.0.6+7-LTS Java/21.0.6 vendor/Amazon.com_Inc. \
     io/sync http/Apache cfg/retry-mode/legacy",
];

/// A request id or event id shaped like CloudTrail's (a version-4 UUID), derived from a number.
pub fn uuid(n: u64, salt: u64) -> String {
    let a = splitmix(n ^ salt);
    let b = splitmix(a);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48 & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// A deterministic stream of numbers (splitmix64), so generated events are the same on every machine.
pub fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// 16 upper-case characters, as the tail of an access key id.
fn key_tail(seed: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut x = splitmix(seed);
    (0..16)
        .map(|_| {
            let c = ALPHABET[(x & 31) as usize] as char;
            x >>= 5;
            c
        })
        .collect()
}

/// The record of a `GetWebIdentityToken` call.
pub fn record(call: &Call) -> Value {
    let seed = call.event_id.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let mut parameters = Map::new();
    parameters.insert("audience".into(), json!(call.audiences));
    if let Some(d) = call.duration {
        parameters.insert("durationSeconds".into(), json!(d));
    }
    parameters.insert("signingAlgorithm".into(), json!(call.algorithm));
    if !call.tags.is_empty() {
        let tags: Vec<Value> = call.tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect();
        parameters.insert("tags".into(), Value::Array(tags));
    }
    let created = session_start(&call.time);
    let mut record = Map::new();
    record.insert("eventVersion".into(), json!("1.11"));
    record.insert("userIdentity".into(), call.caller.user_identity(&key_tail(seed), &created));
    record.insert("eventTime".into(), json!(call.time));
    record.insert("eventSource".into(), json!("sts.amazonaws.com"));
    record.insert("eventName".into(), json!("GetWebIdentityToken"));
    record.insert("awsRegion".into(), json!(call.region));
    record.insert("sourceIPAddress".into(), json!(call.source_ip));
    record.insert("userAgent".into(), json!(call.user_agent));
    if let Some(denial) = call.denied {
        record.insert("errorCode".into(), json!("AccessDenied"));
        record.insert("errorMessage".into(), json!(denial_message(&call.caller, denial)));
    }
    record.insert("requestParameters".into(), Value::Object(parameters));
    record.insert(
        "responseElements".into(),
        match call.denied {
            Some(_) => Value::Null,
            None => json!({
                "webIdentityTokenId": uuid(seed, 7),
                "expiration": expiration(&call.time, call.duration.unwrap_or(300)),
            }),
        },
    );
    record.insert("requestID".into(), json!(uuid(seed, 3)));
    record.insert("eventID".into(), json!(call.event_id));
    record.insert("readOnly".into(), json!(true));
    record.insert("eventType".into(), json!("AwsApiCall"));
    record.insert("managementEvent".into(), json!(true));
    record.insert("recipientAccountId".into(), json!(call.caller.account()));
    if let Some(vpce) = &call.vpce {
        record.insert("vpcEndpointId".into(), json!(vpce));
        record.insert("vpcEndpointAccountId".into(), json!(call.caller.account()));
    }
    record.insert("eventCategory".into(), json!("Management"));
    record.insert(
        "tlsDetails".into(),
        json!({
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": format!("sts.{}.amazonaws.com", call.region)
        }),
    );
    Value::Object(record)
}

fn denial_message(caller: &Caller, denial: Denial) -> String {
    let who = format!("User: {} is not authorized to perform:", caller.caller_arn());
    match denial {
        Denial::NoIdentityPolicy => format!(
            "{who} sts:GetWebIdentityToken because no identity-based policy allows the sts:GetWebIdentityToken action"
        ),
        Denial::ExplicitDeny => {
            format!("{who} sts:GetWebIdentityToken with an explicit deny in an identity-based policy")
        }
        Denial::TagPermission => format!(
            "{who} sts:TagGetWebIdentityToken because no identity-based policy allows the sts:TagGetWebIdentityToken \
             action"
        ),
    }
}

/// The session began a while before the call (`sessionContext.attributes.creationDate`).
fn session_start(time: &str) -> String {
    shift(time, -17 * 60)
}

/// `expiration` as sibling STS events write it (`Mar 3, 2026, 7:05:00 AM`).
fn expiration(time: &str, seconds: u32) -> String {
    let at = shift(time, i64::from(seconds));
    let (date, clock) = at.split_once('T').unwrap_or((&at, "00:00:00Z"));
    let mut d = date.split('-');
    let (y, m, day) = (d.next().unwrap_or("2026"), d.next().unwrap_or("01"), d.next().unwrap_or("01"));
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = MONTHS[m.parse::<usize>().unwrap_or(1).saturating_sub(1) % 12];
    let mut c = clock.trim_end_matches('Z').split(':');
    let h: u32 = c.next().and_then(|h| h.parse().ok()).unwrap_or(0);
    let (min, sec) = (c.next().unwrap_or("00"), c.next().unwrap_or("00"));
    let (h12, half) = match h {
        0 => (12, "AM"),
        1..=11 => (h, "AM"),
        12 => (12, "PM"),
        _ => (h - 12, "PM"),
    };
    format!("{month} {}, {y}, {h12}:{min}:{sec} {half}", day.trim_start_matches('0'))
}

/// `YYYY-MM-DDTHH:MM:SSZ` moved by `seconds` (within the same month: the fixtures never cross one).
pub fn shift(time: &str, seconds: i64) -> String {
    let secs = epoch(time) + seconds;
    format_epoch(secs)
}

/// Seconds since 1970 of `YYYY-MM-DDTHH:MM:SSZ`.
pub fn epoch(time: &str) -> i64 {
    let n = |range: std::ops::Range<usize>| time.get(range).and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    let days = days_from_civil(y, m, d);
    days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)
}

pub fn format_epoch(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Another call in the same trail, which replay must count and ignore.
#[derive(Clone, Copy, Debug)]
pub enum OtherCall {
    /// `sts:AssumeRole` creating the session (its `requestParameters` carry the session tags).
    AssumeRole,
    GetCallerIdentity,
    /// The destination side of a cross-partition exchange: same token id, another event name.
    AssumeRoleWithWebIdentity,
    /// A data event of another service.
    S3GetObject,
    KmsDecrypt,
}

pub fn other_record(kind: OtherCall, caller: &Caller, event_id: &str, time: &str, region: &str, ip: &str) -> Value {
    let seed = event_id.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let (source, name, parameters, response, read_only) = match kind {
        OtherCall::AssumeRole => (
            "sts.amazonaws.com",
            "AssumeRole",
            json!({
                "roleArn": caller.principal_arn(),
                "roleSessionName": "i-0d6f9a1c2b3e4f5a6",
                "durationSeconds": 3600,
                "tags": [{"key": "team", "value": "payments"}],
                "transitiveTagKeys": ["team"]
            }),
            json!({"credentials": {"accessKeyId": format!("ASIA{}", key_tail(seed)), "sessionToken": "HIDDEN_DUE_TO_SECURITY_REASONS", "expiration": expiration(time, 3600)}}),
            true,
        ),
        OtherCall::GetCallerIdentity => ("sts.amazonaws.com", "GetCallerIdentity", Value::Null, Value::Null, true),
        OtherCall::AssumeRoleWithWebIdentity => (
            "sts.amazonaws.com",
            "AssumeRoleWithWebIdentity",
            json!({
                "roleArn": "arn:aws-us-gov:iam::210987654321:role/partner-ingest",
                "roleSessionName": "exchange",
                "webIdentityTokenId": uuid(seed, 7)
            }),
            json!({"assumedRoleUser": {"arn": "arn:aws-us-gov:sts::210987654321:assumed-role/partner-ingest/exchange"}}),
            true,
        ),
        OtherCall::S3GetObject => (
            "s3.amazonaws.com",
            "GetObject",
            json!({"bucketName": "payments-exports", "Host": "payments-exports.s3.amazonaws.com", "key": "2026/03/ledger.csv"}),
            Value::Null,
            true,
        ),
        OtherCall::KmsDecrypt => {
            ("kms.amazonaws.com", "Decrypt", json!({"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}), Value::Null, true)
        }
    };
    let mut record = Map::new();
    record.insert("eventVersion".into(), json!("1.11"));
    record.insert("userIdentity".into(), caller.user_identity(&key_tail(seed), &session_start(time)));
    record.insert("eventTime".into(), json!(time));
    record.insert("eventSource".into(), json!(source));
    record.insert("eventName".into(), json!(name));
    record.insert("awsRegion".into(), json!(region));
    record.insert("sourceIPAddress".into(), json!(ip));
    record.insert("userAgent".into(), json!(USER_AGENTS[(seed % 3) as usize]));
    record.insert("requestParameters".into(), parameters);
    record.insert("responseElements".into(), response);
    record.insert("requestID".into(), json!(uuid(seed, 3)));
    record.insert("eventID".into(), json!(event_id));
    record.insert("readOnly".into(), json!(read_only));
    record.insert("eventType".into(), json!("AwsApiCall"));
    record.insert("managementEvent".into(), json!(source != "s3.amazonaws.com"));
    record.insert("recipientAccountId".into(), json!(caller.account()));
    record.insert("eventCategory".into(), json!(if source == "s3.amazonaws.com" { "Data" } else { "Management" }));
    Value::Object(record)
}

/// A trail's S3 object: one line, `{"Records": [...]}`.
pub fn s3_object(records: &[Value]) -> String {
    let mut out = serde_json::to_string(&json!({ "Records": records })).unwrap_or_default();
    out.push('\n');
    out
}

/// `aws cloudtrail lookup-events` output: newest first, each record as the `CloudTrailEvent` string, printed as
/// the AWS CLI prints JSON (4-space indent).
pub fn lookup_events(records: &[Value]) -> String {
    let mut sorted: Vec<&Value> = records.iter().collect();
    sorted.sort_by(|a, b| b["eventTime"].as_str().cmp(&a["eventTime"].as_str()));
    let events: Vec<Value> = sorted
        .into_iter()
        .map(|r| {
            let user = match r["userIdentity"]["type"].as_str() {
                Some("AssumedRole") => {
                    r["userIdentity"]["arn"].as_str().and_then(|a| a.rsplit('/').next()).unwrap_or("").to_owned()
                }
                _ => r["userIdentity"]["userName"].as_str().unwrap_or("").to_owned(),
            };
            json!({
                "EventId": r["eventID"],
                "EventName": r["eventName"],
                "ReadOnly": if r["readOnly"].as_bool() == Some(true) { "true" } else { "false" },
                "AccessKeyId": r["userIdentity"]["accessKeyId"],
                "EventTime": r["eventTime"].as_str().map(|t| t.replace('Z', "+00:00")),
                "EventSource": r["eventSource"],
                "Username": user,
                "Resources": [],
                "CloudTrailEvent": serde_json::to_string(r).unwrap_or_default(),
            })
        })
        .collect();
    let value = json!({ "Events": events });
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    serde::Serialize::serialize(&value, &mut ser).unwrap_or_default();
    let mut text = String::from_utf8(out).unwrap_or_default();
    text.push('\n');
    text
}

/// The EventBridge event for a record (`detail-type` `AWS API Call via CloudTrail`).
pub fn eventbridge(record: &Value, id: &str) -> Value {
    let source = record["eventSource"].as_str().and_then(|s| s.strip_suffix(".amazonaws.com")).unwrap_or("");
    json!({
        "version": "0",
        "id": id,
        "detail-type": "AWS API Call via CloudTrail",
        "source": format!("aws.{source}"),
        "account": record["recipientAccountId"],
        "time": record["eventTime"],
        "region": record["awsRegion"],
        "resources": [],
        "detail": record,
    })
}

/// The row Athena's CloudTrail table gives for a record, as an UNLOAD to JSON writes it: every column
/// lowercase (nested struct fields too), and `requestparameters`, `responseelements`, `additionaleventdata`
/// as the JSON text of the object.
pub fn athena_row(record: &Value) -> Value {
    let mut row = Map::new();
    let Some(members) = record.as_object() else { return Value::Null };
    for (key, value) in members {
        let column = key.to_ascii_lowercase();
        let value = match column.as_str() {
            "requestparameters" | "responseelements" | "additionaleventdata" | "serviceeventdetails" => {
                if value.is_null() { Value::Null } else { Value::String(value.to_string()) }
            }
            "useridentity" | "tlsdetails" => lowercase_keys(value),
            "readonly" | "managementevent" => Value::String(value.to_string()),
            _ => value.clone(),
        };
        row.insert(column, value);
    }
    Value::Object(row)
}

fn lowercase_keys(value: &Value) -> Value {
    match value {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.to_ascii_lowercase(), lowercase_keys(v))).collect()),
        other => other.clone(),
    }
}

/// JSON lines: one value per line.
pub fn json_lines(values: &[Value]) -> String {
    values.iter().map(|v| serde_json::to_string(v).unwrap_or_default() + "\n").collect()
}
