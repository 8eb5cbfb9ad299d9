//! `simulate --cases` throughput in process (issue 20: at least 600,000 cases per second end to end): 20,000
//! cases in the mix of `scripts/gen-cases` against fixtures/simulate/cases-ci-gate (a role that may mint for
//! one audience, 15 minutes, ES384 and its own team tag; an SCP that denies outside one VPC), streamed,
//! read, decided and reported as `mintlint simulate --cases` does, the report written to a sink. divan
//! reports cases per second; `scripts/compare-peers.sh` measures the whole command on 100,000 and 1,000,000.
//!
//! Run with `cargo bench --bench cases`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "benchmark setup: a failure to build the inputs is a failed run"
)]

use std::fmt::Write as _;
use std::path::PathBuf;

use divan::Bencher;
use divan::counter::ItemsCount;
use mintlint::cases::run::{Rows, Setup, run};
use mintlint::cases::stream::{CaseStream, StreamLimits};
use mintlint::eval::Assumptions;
use mintlint::report::Style;
use mintlint::report::simulate::{HumanRows, JsonRows, JunitRows};
use mintlint::request::{Defaults, RequestSpec};
use mintlint::simulate::inputs::{PolicyFiles, Scenario, ScpFile};
use mintlint::source::json::Limits;

const CASES: usize = 20_000;
const GATE: &str = "fixtures/simulate/cases-ci-gate";

fn main() {
    divan::main();
}

/// The cases file, as `scripts/gen-cases` writes it.
fn cases() -> String {
    let mut out = String::from("{\"cases\": [\n");
    for i in 0..CASES {
        let fields = match i % 8 {
            0 => r#""audience": ["https://api.partner.example"], "duration": 900, "expect": "allow""#.to_owned(),
            1 => r#""audience": ["https://api.partner.example"], "expect": "allow""#.to_owned(),
            2 => format!(r#""audience": ["https://attacker{i}.example"], "expect": "implicit-deny""#),
            3 => format!(r#""audience": ["https://api.partner.example"], "duration": {}, "expect": "deny""#, 901 + i % 2700),
            4 => r#""audience": ["https://api.partner.example"], "signing_algorithm": "RS256", "expect": "deny""#.to_owned(),
            5 => r#""audience": ["https://api.partner.example"], "context": {"aws:SourceVpc": "vpc-0other", "aws:SourceVpce": "vpce-0other"}, "expect": "explicit-deny""#.to_owned(),
            6 => r#""principal_tags": {"team": "data"}, "audience": ["https://api.partner.example"], "tags": {"team": "data"}, "expect": "allow""#.to_owned(),
            _ => r#""principal_tags": {"team": "data"}, "audience": ["https://api.partner.example"], "tags": {"team": "ops"}, "expect": "deny""#.to_owned(),
        };
        let comma = if i + 1 < CASES { "," } else { "" };
        writeln!(out, "  {{\"name\": \"case {i}\", {fields}}}{comma}").unwrap();
    }
    out.push_str("]}\n");
    out
}

/// The command line's request and policies (`scripts/compare-peers.sh`'s flags).
fn scenario() -> (Scenario, RequestSpec) {
    let files = PolicyFiles {
        identity: vec![PathBuf::from(format!("{GATE}/payments-role.json"))],
        boundary: None,
        scps: vec![ScpFile::parse(&format!("{GATE}/org-scp.json")).unwrap()],
        rcps: Vec::new(),
        session: Vec::new(),
        endpoint: Vec::new(),
        management_account: false,
    };
    let base = RequestSpec {
        principal: Some("arn:aws:iam::111122223333:role/payments".into()),
        source_vpc: Some("vpc-0abc1234".into()),
        source_vpce: Some("vpce-0123".into()),
        time: Some("2026-01-01T12:00:00Z".into()),
        ..RequestSpec::default()
    };
    let scenario = Scenario::load(&[], &files, base.principal.as_deref(), None, &Limits::default()).unwrap();
    (scenario, base)
}

fn bench_rows(bencher: Bencher, rows: &impl Rows) {
    let text = cases();
    let (mut scenario, base) = scenario();
    let defaults = Defaults::now(None);
    let assumptions = Assumptions::default();
    let setup =
        Setup { base: &base, defaults: &defaults, assumptions: &assumptions, issuer: None, resource_policy: None };
    bencher.counter(ItemsCount::new(CASES)).bench_local(|| {
        let mut stream = CaseStream::new(text.as_bytes(), StreamLimits::default());
        let totals = run(&mut stream, &mut scenario, &setup, rows, &mut std::io::sink()).unwrap();
        assert_eq!((totals.passed, totals.failed), (CASES as u64, 0));
    });
}

#[divan::bench(sample_count = 10)]
fn human(bencher: Bencher) {
    bench_rows(bencher, &HumanRows { explain: false, style: Style { color: false, width: 100 }, action: None });
}

#[divan::bench(sample_count = 10)]
fn junit(bencher: Bencher) {
    bench_rows(bencher, &JunitRows { explain: false });
}

#[divan::bench(sample_count = 10)]
fn json(bencher: Bencher) {
    bench_rows(bencher, &JsonRows { action: None });
}
