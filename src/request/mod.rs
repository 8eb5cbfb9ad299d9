//! The one request model (DESIGN §9.3): what a caller sends to AWS, for token minting
//! (`sts:GetWebIdentityToken`) and for any other action, with the network path, region, time and caller it
//! comes with.
//!
//! Every consumer builds and reads the same [`Request`]: `simulate` flags and `--cases` files go through
//! [`RequestSpec::build`] (the one constructor path from user input), `diff` and `graph` enumerate
//! requests of this type, and their witnesses serialise back to exactly the cases-file format and to a
//! `simulate` command line ([`witness`]). Requests AWS cannot produce are not representable: a call
//! through a VPC endpoint carries both `aws:SourceVpc` and `aws:SourceVpce` ([`Network`]), and every
//! request has a region ([`Region`]). What the API itself rejects stays representable, because
//! `simulate` must answer `invalid-request` for it ([`validate`]).

pub mod build;
pub mod context;
pub mod validate;
pub mod witness;

use std::fmt;
use std::net::IpAddr;

use crate::eval::ContextValue;
use crate::policy::value::date::Timestamp;
use crate::token::{MINT_ACTION, TAG_ACTION};

pub use build::{Defaults, Field, RequestError, RequestSpec};
pub use validate::InvalidRequest;

/// The region of a request that names none, and whose configuration names none (`[defaults] region`).
pub const DEFAULT_REGION: &str = "us-east-1";

/// One call by one principal: who calls, what it asks for, and the facts of the call that condition keys
/// can test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The calling principal's ARN (for a role session: the role ARN, as `aws:PrincipalArn` gives it).
    pub principal_arn: Option<String>,
    /// IAM tags of the principal (or session tags, which override them), `aws:PrincipalTag/*`.
    pub principal_tags: Vec<(String, String)>,
    pub operation: Operation,
    /// Request tags (`aws:RequestTag/*`, `aws:TagKeys`). For token minting they are the `Tags` parameter:
    /// custom claims, and a second authorization check of `sts:TagGetWebIdentityToken`.
    pub tags: Vec<(String, String)>,
    /// The region of the endpoint called (`aws:RequestedRegion`). `GetWebIdentityToken` is served only on
    /// regional endpoints, so every request has one.
    pub region: Region,
    /// Request time: `aws:CurrentTime` and `aws:EpochTime`. `None` only in requests built by analyses whose
    /// policies test no time (the keys are then left out of the context).
    pub time: Option<Timestamp>,
    pub network: Network,
    /// Expiry of the caller's session (temporary credentials): a token may not outlive it.
    pub session_expiry: Option<Timestamp>,
    /// Any other condition key, applied last so it overrides what the fields above set. Keys that the
    /// fields model (network, region, time) are never here: [`RequestSpec::build`] lifts them into their
    /// fields, so that they cannot contradict each other.
    pub context: Vec<(String, ContextValue)>,
}

/// What the request asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operation {
    /// `GetWebIdentityToken`: authorized as `sts:GetWebIdentityToken`, plus `sts:TagGetWebIdentityToken`
    /// when it carries tags.
    Mint(Mint),
    /// Any other action (`simulate --action`), against one resource.
    Action(ActionCall),
}

/// The parameters of a `GetWebIdentityToken` call (reference §1.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mint {
    pub audiences: Vec<String>,
    /// `None`: the parameter is not sent (the API then issues a 300 s token).
    pub duration: Option<u32>,
    /// As sent: anything but `RS256` or `ES384` is an API validation error, which `simulate` must report.
    pub signing_algorithm: String,
}

impl Default for Mint {
    fn default() -> Self {
        Mint { audiences: Vec::new(), duration: None, signing_algorithm: DEFAULT_SIGNING_ALGORITHM.to_owned() }
    }
}

/// The signing algorithm a request that names none is simulated with.
pub const DEFAULT_SIGNING_ALGORITHM: &str = "ES384";

/// Another action, and the resource it acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionCall {
    /// `service:Action`, as given.
    pub action: String,
    /// The resource's ARN; `None` for an action authorized against `*`.
    pub resource: Option<String>,
    /// The account that owns the resource, as given (`--resource-account`); see [`ActionCall::account`].
    pub resource_account: Option<String>,
}

impl ActionCall {
    /// The service prefix of the action (`kms` of `kms:Decrypt`), lower-cased.
    pub fn service(&self) -> String {
        self.action.split(':').next().unwrap_or("").to_ascii_lowercase()
    }

    /// The account that owns the resource: as given, else the account field of its ARN (`aws` for
    /// AWS-managed policies); `None` when neither says (an S3 bucket's ARN names no account).
    pub fn account(&self) -> Option<&str> {
        if let Some(a) = &self.resource_account {
            return Some(a);
        }
        self.resource.as_deref()?.split(':').nth(4).filter(|a| !a.is_empty() && !a.contains('*'))
    }
}

/// The network path of a call. A call through an interface VPC endpoint carries `aws:SourceVpc` and
/// `aws:SourceVpce` (and the caller's address as `aws:VpcSourceIp`); a call over the public endpoint
/// carries `aws:SourceIp` and none of the three (reference §2.3). No other combination reaches AWS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Network {
    /// Over the public endpoint; `ip` is `aws:SourceIp` when known.
    Public { ip: Option<IpAddr> },
    /// Through a VPC endpoint; `ip` is `aws:VpcSourceIp` when known.
    Endpoint { vpc: String, vpce: String, ip: Option<IpAddr> },
}

impl Default for Network {
    fn default() -> Self {
        Network::Public { ip: None }
    }
}

/// An AWS region name (`us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`): the region label of a
/// regional endpoint's host name (`sts.<region>.amazonaws.com`), so 1-64 lowercase ASCII letters, digits and
/// hyphens. AWS adds regions over time, so no list is checked: the check catches what no endpoint can be
/// named (`US East`, `us_east_1`, an empty string), and `diff` enumerates exactly this set.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Region(String);

/// The longest region name accepted (a DNS label is at most 63 bytes).
pub const MAX_REGION_LEN: usize = 64;

/// Whether a character may appear in a region name.
pub fn region_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
}

impl Region {
    /// A region name, or `None` when the text cannot be one.
    pub fn parse(text: &str) -> Option<Region> {
        (!text.is_empty() && text.len() <= MAX_REGION_LEN && text.chars().all(region_char))
            .then(|| Region(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Region {
    fn default() -> Self {
        Region(DEFAULT_REGION.to_owned())
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Default for Request {
    fn default() -> Self {
        Request::mint(Mint::default())
    }
}

impl Request {
    /// A token request with every other fact neutral: no principal, no tags, the default region, no time,
    /// the public endpoint without a known address.
    pub fn mint(mint: Mint) -> Request {
        Request {
            principal_arn: None,
            principal_tags: Vec::new(),
            operation: Operation::Mint(mint),
            tags: Vec::new(),
            region: Region::default(),
            time: None,
            network: Network::default(),
            session_expiry: None,
            context: Vec::new(),
        }
    }

    /// The token parameters, when this is a token request.
    pub fn token(&self) -> Option<&Mint> {
        match &self.operation {
            Operation::Mint(m) => Some(m),
            Operation::Action(_) => None,
        }
    }

    pub fn token_mut(&mut self) -> Option<&mut Mint> {
        match &mut self.operation {
            Operation::Mint(m) => Some(m),
            Operation::Action(_) => None,
        }
    }

    /// Change the token parameters of a token request; another action's request is left as it is.
    pub fn edit_mint(&mut self, f: impl FnOnce(&mut Mint)) {
        if let Some(m) = self.token_mut() {
            f(m);
        }
    }

    /// The audiences of a token request (none for another action).
    pub fn audiences(&self) -> &[String] {
        self.token().map_or(&[], |m| m.audiences.as_slice())
    }

    /// The lifetime a token request asks for (`None`: not sent, or another action).
    pub fn duration(&self) -> Option<u32> {
        self.token().and_then(|m| m.duration)
    }

    pub fn is_mint(&self) -> bool {
        matches!(self.operation, Operation::Mint(_))
    }

    /// The actions this request is authorized as, in order: for token minting the minting action, plus the
    /// tag action when it carries tags (both must allow); otherwise the one action.
    pub fn actions(&self) -> Vec<&str> {
        match &self.operation {
            Operation::Mint(_) if self.tags.is_empty() => vec![MINT_ACTION],
            Operation::Mint(_) => vec![MINT_ACTION, TAG_ACTION],
            Operation::Action(a) => vec![a.action.as_str()],
        }
    }

    /// The account of the principal ARN (`arn:aws:iam::111122223333:role/x` → `111122223333`).
    pub fn account(&self) -> Option<&str> {
        let arn = self.principal_arn.as_deref()?;
        arn.split(':').nth(4).filter(|a| !a.is_empty())
    }

    /// `aws:SourceVpc`, `aws:SourceVpce` and the source address as the request carries them.
    pub fn network_keys(&self) -> Vec<(&'static str, String)> {
        match &self.network {
            Network::Public { ip } => ip.iter().map(|ip| ("aws:SourceIp", ip.to_string())).collect(),
            Network::Endpoint { vpc, vpce, ip } => {
                let mut keys = vec![("aws:SourceVpc", vpc.clone()), ("aws:SourceVpce", vpce.clone())];
                keys.extend(ip.iter().map(|ip| ("aws:VpcSourceIp", ip.to_string())));
                keys
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A token request of a role with one audience, for the module's tests.
    pub(crate) fn base() -> Request {
        Request {
            principal_arn: Some("arn:aws:iam::111122223333:role/payments".into()),
            ..Request::mint(Mint { audiences: vec!["https://api.example".into()], ..Mint::default() })
        }
    }

    #[test]
    fn region_names() {
        for ok in ["us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1", "ap-southeast-3", "eusc-de-east-1"] {
            assert_eq!(Region::parse(ok).map(|r| r.0), Some(ok.to_owned()), "{ok}");
        }
        for bad in ["", "US-EAST-1", "us-east-1 ", "us_east_1", "eu west", "é-1"] {
            assert_eq!(Region::parse(bad), None, "{bad}");
        }
        assert_eq!(Region::parse(&"a".repeat(65)), None);
    }

    #[test]
    fn actions_of_each_operation() {
        let mut r = Request::default();
        assert_eq!(r.actions(), [MINT_ACTION]);
        r.tags.push(("team".into(), "data".into()));
        assert_eq!(r.actions(), [MINT_ACTION, TAG_ACTION]);
        r.operation =
            Operation::Action(ActionCall { action: "s3:GetObject".into(), resource: None, resource_account: None });
        assert_eq!(r.actions(), ["s3:GetObject"]);
        assert!(r.token().is_none());
    }
}
