//! The events of `fixtures/replay/`: a month of token requests in the workload account 111122223333 against
//! the roles of `fixtures/replay/main/` (what was deployed when they were made), in the three ways
//! CloudTrail delivers them. `tests/replay.rs` regenerates the files from here and fails when they differ.
//!
//! Against the pull request in `fixtures/replay/infra/` (payments loses the legacy billing audience and its
//! lifetime cap drops from 900 s to 600 s; CI may mint for every Vault cluster), five issuances break and two
//! refused requests would now succeed.

#![allow(dead_code, reason = "each user takes a different subset")]

use serde_json::Value;

use super::cloudtrail::{
    Call, Caller, Denial, OtherCall, USER_AGENTS, athena_row, eventbridge, json_lines, lookup_events, other_record,
    record, s3_object, uuid,
};

pub const ACCOUNT: &str = "111122223333";
pub const REGION: &str = "eu-west-1";

pub const PAYMENTS: &str = "https://payments.partner.example";
pub const LEGACY: &str = "https://billing-legacy.partner.example";
pub const SNOWFLAKE: &str = "https://ledger.snowflake.example";
pub const VAULT: &str = "https://vault.internal.example";

/// The interface endpoint of the ledger VPC (`mintlint.toml` names its VPC).
pub const LEDGER_VPCE: &str = "vpce-0a1b2c3d4e5f60718";
/// A second endpoint nobody configured: its VPC is unknown.
pub const UNKNOWN_VPCE: &str = "vpce-0ffe1d2c3b4a59687";

fn payments(session: &str) -> Caller {
    Caller::role(ACCOUNT, "/workloads/", "payments-api", "AROARZ2T3EXAMPLEPAY01", session)
}

fn ledger() -> Caller {
    Caller::role(ACCOUNT, "/", "ledger-exporter", "AROARZ2T3EXAMPLELED02", "ledger-export-7f3a")
}

fn ci() -> Caller {
    Caller::role(ACCOUNT, "/ci/", "ci-deployer", "AROARZ2T3EXAMPLECID03", "deploy-4512")
}

fn audit_bot() -> Caller {
    Caller::user(ACCOUNT, "audit-bot", "AIDARZ2T3EXAMPLEAUD04")
}

fn sandbox() -> Caller {
    Caller::role(ACCOUNT, "/experiments/", "sandbox", "AROARZ2T3EXAMPLESBX05", "alice")
}

/// The same role name in another account: never matched by name.
fn foreign_payments() -> Caller {
    Caller::role("444455556666", "/workloads/", "payments-api", "AROAU7V8W9EXAMPLEPAY9", "i-0c1d2e3f4a5b6c7d8")
}

/// A token request: who, when, for which audiences and how long; ES384 unless said, from the NAT address.
fn call(n: u64, caller: Caller, time: &str, audiences: &[&str], duration: Option<u32>) -> Call {
    Call {
        event_id: uuid(n, 0x5eed),
        time: time.into(),
        region: REGION.into(),
        caller,
        audiences: audiences.iter().map(|a| (*a).to_owned()).collect(),
        duration,
        algorithm: "ES384".into(),
        tags: Vec::new(),
        source_ip: "198.51.100.23".into(),
        vpce: None,
        denied: None,
        user_agent: USER_AGENTS[(n % 3) as usize].into(),
    }
}

fn tags(mut c: Call, tags: &[(&str, &str)]) -> Call {
    c.tags = tags.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    c
}

fn rs256(mut c: Call) -> Call {
    c.algorithm = "RS256".into();
    c
}

fn via(mut c: Call, vpce: &str, ip: &str) -> Call {
    c.vpce = Some(vpce.into());
    c.source_ip = ip.into();
    c
}

fn denied(mut c: Call, why: Denial) -> Call {
    c.denied = Some(why);
    c
}

fn other(n: u64, kind: OtherCall, caller: &Caller, time: &str) -> Value {
    other_record(kind, caller, &uuid(n, 0x0de7), time, REGION, "198.51.100.23")
}

/// The trail's two S3 objects: (path under `trail/`, records).
pub fn trail() -> Vec<(String, Vec<Value>)> {
    let team = [("team", "payments"), ("env", "prod")];
    let day1 = vec![
        other(1, OtherCall::AssumeRole, &payments("i-0a1b2c3d4e5f6a7b8"), "2026-03-01T08:58:40Z"),
        record(&tags(call(1, payments("i-0a1b2c3d4e5f6a7b8"), "2026-03-01T08:59:02Z", &[PAYMENTS], Some(900)), &team)),
        record(&tags(
            call(2, payments("i-0a1b2c3d4e5f6a7b8"), "2026-03-01T09:00:13Z", &[PAYMENTS], Some(300)),
            &team[..1],
        )),
        record(&call(3, payments("i-0a1b2c3d4e5f6a7b8"), "2026-03-01T09:01:27Z", &[LEGACY], None)),
        record(&via(
            rs256(call(4, ledger(), "2026-03-01T09:02:55Z", &[SNOWFLAKE], Some(900))),
            LEDGER_VPCE,
            "10.20.3.41",
        )),
        other(2, OtherCall::S3GetObject, &ledger(), "2026-03-01T09:03:10Z"),
        record(&denied(
            rs256(call(5, ci(), "2026-03-01T09:04:48Z", &["https://vault.staging.example"], None)),
            Denial::NoIdentityPolicy,
        )),
        record(&rs256(call(6, ci(), "2026-03-01T09:05:30Z", &[VAULT], Some(600)))),
        record(&denied(
            call(7, audit_bot(), "2026-03-01T09:06:02Z", &["https://audit.partner.example"], None),
            Denial::NoIdentityPolicy,
        )),
    ];
    let day2 = vec![
        record(&call(8, payments("i-0f9e8d7c6b5a49382"), "2026-03-02T14:20:11Z", &[PAYMENTS, LEGACY], Some(600))),
        record(&tags(call(9, payments("i-0f9e8d7c6b5a49382"), "2026-03-02T14:21:40Z", &[PAYMENTS], Some(600)), &team)),
        record(&denied(
            tags(
                call(10, payments("i-0f9e8d7c6b5a49382"), "2026-03-02T14:22:05Z", &[PAYMENTS], Some(300)),
                &[("team", "ledger")],
            ),
            Denial::TagPermission,
        )),
        other(3, OtherCall::KmsDecrypt, &payments("i-0f9e8d7c6b5a49382"), "2026-03-02T14:22:30Z"),
        other(4, OtherCall::GetCallerIdentity, &ci(), "2026-03-02T14:23:00Z"),
        record(&call(11, sandbox(), "2026-03-02T14:24:45Z", &["https://sandbox.partner.example"], Some(3600))),
        record(&via(
            rs256(call(12, ledger(), "2026-03-02T14:26:19Z", &[SNOWFLAKE], Some(900))),
            UNKNOWN_VPCE,
            "10.40.1.9",
        )),
    ];
    let name = |day: &str, at: &str, tail: &str| {
        format!(
            "AWSLogs/{ACCOUNT}/CloudTrail/{REGION}/2026/03/{day}/{ACCOUNT}_CloudTrail_{REGION}_202603{day}T{at}Z_{tail}.json.gz"
        )
    };
    vec![(name("01", "0910", "Kq3vB8xN2mT7pR4w"), day1), (name("02", "1430", "c9HdW1sF6yJ0aL5e"), day2)]
}

/// `aws cloudtrail lookup-events` output of March 3rd (with one record also in the trail: a user who passes
/// both reads it once).
pub fn lookup() -> Vec<Value> {
    vec![
        record(&call(13, payments("i-0123456789abcdef0"), "2026-03-03T10:15:00Z", &[PAYMENTS], Some(900))),
        other(5, OtherCall::AssumeRoleWithWebIdentity, &payments("i-0123456789abcdef0"), "2026-03-03T10:16:00Z"),
        record(&rs256(call(14, ci(), "2026-03-03T10:17:42Z", &[VAULT], None))),
        record(&tags(
            call(2, payments("i-0a1b2c3d4e5f6a7b8"), "2026-03-01T09:00:13Z", &[PAYMENTS], Some(300)),
            &[("team", "payments")],
        )),
    ]
}

/// JSON lines: EventBridge events, rows of an Athena UNLOAD, and plain records (`jq -c '.Records[]'`).
pub fn lines() -> Vec<Value> {
    let team = [("team", "payments"), ("env", "prod")];
    let mut failed = call(18, payments("i-0a1b2c3d4e5f6a7b8"), "2026-03-04T07:31:00Z", &[PAYMENTS], Some(300));
    failed.denied = None;
    let mut failed = record(&failed);
    if let Some(r) = failed.as_object_mut() {
        r.insert("errorCode".into(), "OutboundWebIdentityFederationDisabledException".into());
        r.insert("errorMessage".into(), "Outbound web identity federation is disabled for this account".into());
        r.insert("responseElements".into(), Value::Null);
    }
    vec![
        eventbridge(
            &record(&tags(
                call(15, payments("i-0123456789abcdef0"), "2026-03-03T16:02:09Z", &[PAYMENTS], Some(450)),
                &team,
            )),
            &uuid(15, 0xeb),
        ),
        eventbridge(
            &other(6, OtherCall::AssumeRole, &payments("i-0123456789abcdef0"), "2026-03-03T16:01:50Z"),
            &uuid(6, 0xeb),
        ),
        athena_row(&record(&denied(
            rs256(call(16, ci(), "2026-03-04T06:12:33Z", &["https://vault.prod.example"], Some(600))),
            Denial::NoIdentityPolicy,
        ))),
        athena_row(&record(&call(17, payments("i-0123456789abcdef0"), "2026-03-04T06:40:05Z", &[LEGACY], Some(300)))),
        failed,
        record(&call(19, foreign_payments(), "2026-03-04T08:00:00Z", &[PAYMENTS], Some(300))),
        other(7, OtherCall::KmsDecrypt, &ledger(), "2026-03-04T08:05:00Z"),
    ]
}

/// Every fixture file: path under `fixtures/replay/`, and its text (gzip'd when the path ends in `.gz`).
pub fn files() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> =
        trail().into_iter().map(|(path, records)| (format!("trail/{path}"), s3_object(&records))).collect();
    files.push(("lookup-events.json".into(), lookup_events(&lookup())));
    files.push(("events.jsonl".into(), json_lines(&lines())));
    files
}
