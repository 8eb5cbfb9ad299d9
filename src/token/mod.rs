//! Token minting: the two actions and the API's limits (reference §1.2, §2.1), and the claims the minted JWT
//! would carry (§3). The request itself is the one request model of [`crate::request`].

pub mod claims;

/// Authorized on every call.
pub const MINT_ACTION: &str = "sts:GetWebIdentityToken";
/// Authorized additionally when the request carries tags.
pub const TAG_ACTION: &str = "sts:TagGetWebIdentityToken";

/// API limits (botocore STS model).
pub const MIN_DURATION: u32 = 60;
pub const MAX_DURATION: u32 = 3600;
pub const DEFAULT_DURATION: u32 = 300;
pub const MAX_AUDIENCES: usize = 10;
pub const MAX_AUDIENCE_LEN: usize = 1000;
pub const MAX_TAGS: usize = 50;
pub const MAX_TAG_KEY_LEN: usize = 128;
pub const MAX_TAG_VALUE_LEN: usize = 256;
pub const SIGNING_ALGORITHMS: [&str; 2] = ["RS256", "ES384"];
