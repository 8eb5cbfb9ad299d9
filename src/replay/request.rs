//! The one place where a recorded call becomes a request of the library's request model: everything replay
//! decides goes through [`token_request`], so the events and `simulate` cannot disagree on what a request
//! carries.

use crate::eval::ContextValue;
use crate::policy::value::date::Timestamp;
use crate::token::TokenRequest;

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

/// The request a recorded call made, as the principal's policies see it. `vpc` is the VPC of the endpoint
/// the call came through, when the inputs name it; a call through an endpoint whose VPC is unknown is
/// built without `aws:SourceVpc`, and the caller varies that key over its regions before deciding anything.
pub fn token_request(call: &RecordedCall, principal: Principal<'_>, vpc: Option<&str>) -> TokenRequest {
    let spec = &call.spec;
    let mut context: Vec<(String, ContextValue)> = principal.context.to_vec();
    context.extend(spec.context.iter().cloned());
    TokenRequest {
        principal_arn: Some(principal.arn.to_owned()),
        principal_tags: principal.tags.to_vec(),
        audiences: spec.audiences.clone(),
        duration: spec.duration,
        signing_algorithm: spec.signing_algorithm.clone().unwrap_or_default(),
        tags: spec.tags.clone(),
        region: spec.region.clone(),
        time: Some(call.time),
        source_vpc: spec.source_vpce.as_ref().and(vpc.map(str::to_owned)),
        source_vpce: spec.source_vpce.clone(),
        source_ip: spec.source_ip.clone(),
        // The session's expiry is not in the record (reference §2): `SessionDurationEscalationException`
        // cannot be replayed.
        session_expiry: None::<Timestamp>,
        context,
    }
}
