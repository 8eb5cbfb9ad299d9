//! The one place where a recorded call becomes a request of the library's request model: the record's
//! facts fill a [`RequestSpec`] and go through its one constructor path ([`RequestSpec::build`]), so the
//! events, `simulate` flags and cases files cannot disagree on what a request carries.

use crate::eval::ContextValue;
use crate::request::{Defaults, Request, RequestSpec};

use super::record::RecordedCall;

/// What the inputs know about the principal behind a call (the record gives only its ARN).
#[derive(Clone, Copy, Debug)]
pub struct Principal<'a> {
    /// The ARN the principal is simulated as (the record's, matched exactly).
    pub arn: &'a str,
    /// Its IAM tags: `aws:PrincipalTag/*` (session tags are not in the record).
    pub tags: &'a [(String, String)],
    /// Keys its placement gives (`aws:PrincipalOrgID`).
    pub context: &'a [(String, ContextValue)],
}

/// The VPC a call through an endpoint whose VPC nobody named is built with. Replay varies `aws:SourceVpc`
/// over its regions whenever the policies test it, so this value decides nothing; it only keeps the
/// request one that AWS can produce (an endpoint always comes with its VPC).
pub const UNKNOWN_VPC: &str = "vpc-00000000";

/// The request a recorded call made, as the principal's policies see it. `vpc` is the VPC of the endpoint
/// the call came through, when the inputs name it. A record the request model refuses (a region or
/// address it cannot read) is an error naming why.
pub fn token_request(call: &RecordedCall, principal: Principal<'_>, vpc: Option<&str>) -> Result<Request, String> {
    let spec = &call.spec;
    let mut context: Vec<(String, ContextValue)> = principal.context.to_vec();
    context.extend(spec.context.iter().cloned());
    let request = RequestSpec {
        principal: Some(principal.arn.to_owned()),
        principal_tags: principal.tags.to_vec(),
        audiences: spec.audiences.clone(),
        duration: spec.duration,
        signing_algorithm: spec.signing_algorithm.clone(),
        tags: spec.tags.clone(),
        source_vpc: spec.source_vpce.as_ref().map(|_| vpc.unwrap_or(UNKNOWN_VPC).to_owned()),
        source_vpce: spec.source_vpce.clone(),
        source_ip: spec.source_ip.clone(),
        region: spec.region.clone(),
        time: spec.time.clone(),
        // The session's expiry is not in the record (reference §2): `SessionDurationEscalationException`
        // cannot be replayed.
        session_expiry: None,
        context,
        ..RequestSpec::default()
    };
    // Every field the defaults would fill (region, time) is in the record.
    let defaults = Defaults { region: Default::default(), now: call.time };
    request.build(&defaults).map_err(|errors| {
        let why: Vec<String> = errors.iter().map(|e| format!("{}: {}", e.field.case_field(), e.message)).collect();
        format!("the recorded request cannot be built: {}", why.join("; "))
    })
}
