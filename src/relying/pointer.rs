//! Claim addresses. Vault reads a `bound_claims` key (and `user_claim` with `user_claim_json_pointer`) as an
//! RFC 6901 JSON pointer when it starts with `/` (`~1` is `/`, `~0` is `~`), otherwise as a top-level claim
//! name; AWS's own claims live under the key `https://sts.amazonaws.com/`, so
//! `/https:~1~1sts.amazonaws.com~1/org_id` reaches `org_id` (reference §1.3).

use serde_json::Value;

/// The path of a claim: object keys from the top.
pub type ClaimPath = Vec<String>;

/// The path a claim key names: a JSON pointer when it starts with `/`, else one top-level name. `None` for
/// a malformed pointer (a `~` not followed by `0` or `1`), which matches no claim.
pub fn parse(key: &str) -> Option<ClaimPath> {
    let Some(rest) = key.strip_prefix('/') else { return Some(vec![key.to_owned()]) };
    rest.split('/').map(unescape).collect()
}

fn unescape(token: &str) -> Option<String> {
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// The claim at a path (array elements by index, as `pointerstructure` does).
pub fn get<'v>(claims: &'v Value, path: &[String]) -> Option<&'v Value> {
    let mut at = claims;
    for key in path {
        at = match at {
            Value::Object(map) => map.get(key)?,
            Value::Array(items) => items.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(at)
}

/// Where a claim comes from in a token AWS mints: what decides its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimSource {
    /// A request tag: the caller chooses it, within its `sts:TagGetWebIdentityToken` conditions.
    RequestTag(String),
    /// A principal tag: a property of the principal (or of its session's tags).
    PrincipalTag(String),
    /// The audience list the caller requests.
    Audience,
    /// `source_region`: the STS endpoint the caller calls.
    Region,
    /// The principal's ARN (`sub`), account, organization or OU path: fixed for the principal.
    Principal,
    /// Fixed by AWS (`iss`, `iat`, `exp`, `jti`), or no claim AWS sets.
    Other,
}

/// What decides a claim's value, from its path.
pub fn source(path: &[String]) -> ClaimSource {
    let strs: Vec<&str> = path.iter().map(String::as_str).collect();
    match strs.as_slice() {
        ["aud", ..] => ClaimSource::Audience,
        ["sub"] => ClaimSource::Principal,
        [super::claims::AWS_CLAIM, "request_tags", key] => ClaimSource::RequestTag((*key).to_owned()),
        [super::claims::AWS_CLAIM, "principal_tags", key] => ClaimSource::PrincipalTag((*key).to_owned()),
        [super::claims::AWS_CLAIM, "source_region"] => ClaimSource::Region,
        [super::claims::AWS_CLAIM, "aws_account" | "org_id" | "ou_path"] => ClaimSource::Principal,
        _ => ClaimSource::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_and_names() {
        assert_eq!(parse("sub"), Some(vec!["sub".to_owned()]));
        assert_eq!(
            parse("/https:~1~1sts.amazonaws.com~1/request_tags/team"),
            Some(vec!["https://sts.amazonaws.com/".to_owned(), "request_tags".to_owned(), "team".to_owned()])
        );
        assert_eq!(parse("/a~0b"), Some(vec!["a~b".to_owned()]));
        assert_eq!(parse("/a~2"), None);
        let claims = json!({"https://sts.amazonaws.com/": {"org_id": "o-1"}, "aud": ["a", "b"]});
        let path = parse("/https:~1~1sts.amazonaws.com~1/org_id").unwrap();
        assert_eq!(get(&claims, &path), Some(&json!("o-1")));
        assert_eq!(get(&claims, &parse("/aud/1").unwrap()), Some(&json!("b")));
        assert_eq!(source(&path), ClaimSource::Principal);
        assert_eq!(
            source(&parse("/https:~1~1sts.amazonaws.com~1/request_tags/team").unwrap()),
            ClaimSource::RequestTag("team".into())
        );
    }
}
