//! Template placeholders: text that a templating tool (CloudFormation, a deployment framework, a README's
//! "replace with your value") fills in before the policy reaches IAM. A policy template is checked with
//! those values unknown, never as literals: `<my-corporate-cidr>` is no invalid CIDR, and
//! `${ACCELERATOR_NAME}` is no IAM policy variable.
//!
//! Recognised:
//! - `${...}` that is no IAM policy variable: IAM variables are `${*}`, `${?}`, `${$}` and
//!   `${prefix:key}` (optionally `, 'default'`), where the prefix is a service prefix or an identity
//!   provider (`aws:username`, `saml:sub`, `oidc.eks.us-east-1.amazonaws.com/id/ABC:sub`); anything else
//!   (`${ACCELERATOR_NAME}`, `${AWS::AccountId}`, `${var.bucket}`, `${ACCEL_LOOKUP::...}`) is a template's;
//! - `{{...}}` (Mustache, Jinja, Handlebars, Go templates);
//! - `<name>`, the placeholder convention of AWS's sample policies (`<my-org-id>`, `<OIDC_provider_name_1>`):
//!   no ARN, CIDR, key or identifier IAM accepts contains `<` or `>`;
//! - CloudFormation intrinsic functions in place of a string (`{"Ref": "Bucket"}`, `{"Fn::Sub": "..."}`),
//!   see [`is_intrinsic`].

use crate::source::json::Json;

/// The byte range of the first placeholder in `text`, if any.
pub fn find(text: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let found = match b {
            b'$' if bytes.get(i + 1) == Some(&b'{') => closing(text, i + 2, "}")
                .filter(|&end| is_template_variable(text.get(i + 2..end).unwrap_or("")))
                .map(|end| end + 1),
            b'{' if bytes.get(i + 1) == Some(&b'{') => {
                closing(text, i + 2, "}}").filter(|&end| end > i + 2).map(|end| end + 2)
            }
            b'<' => closing(text, i + 1, ">")
                .filter(|&end| is_angle_name(text.get(i + 1..end).unwrap_or("")))
                .map(|end| end + 1),
            _ => None,
        };
        if let Some(end) = found {
            return Some((i, end));
        }
        i += 1;
    }
    None
}

/// Whether `text` holds an IAM policy variable (`${aws:username}`), as opposed to a template's `${NAME}`.
pub fn has_iam_variable(text: &str) -> bool {
    let mut rest = text;
    while let Some(open) = rest.find("${") {
        let after = rest.get(open + 2..).unwrap_or("");
        let Some(close) = after.find('}') else { return false };
        if is_iam_variable(after.get(..close).unwrap_or("")) {
            return true;
        }
        rest = after.get(close + 1..).unwrap_or("");
    }
    false
}

/// Whether `text` holds a placeholder.
pub fn contains(text: &str) -> bool {
    find(text).is_some()
}

/// A CloudFormation intrinsic function where a string belongs: an object with one member, `Ref` or
/// `Fn::...` (`Fn::Sub`, `Fn::Join`, `Fn::GetAtt`, `Fn::ImportValue`, `Fn::If`, ...). IAM never accepts an
/// object there, so this reading takes nothing away from a policy.
pub fn is_intrinsic(json: &Json) -> bool {
    match json.as_object() {
        Some([member]) => &*member.key.node == "Ref" || member.key.node.starts_with("Fn::"),
        _ => false,
    }
}

fn closing(text: &str, from: usize, close: &str) -> Option<usize> {
    text.get(from..)?.find(close).map(|at| from + at)
}

/// `*`, `?`, `$`, or `prefix:key[, 'default']` with a service or provider prefix: what IAM substitutes.
fn is_iam_variable(inner: &str) -> bool {
    if matches!(inner, "*" | "?" | "$") {
        return true;
    }
    let key = inner.split_once(',').map_or(inner, |(key, _)| key);
    iam_like(key)
        && key.split_once(':').is_some_and(|(_, name)| !name.is_empty() && !name.chars().any(char::is_whitespace))
}

/// The inside of a `${...}` that a template fills in: neither an IAM variable nor a misspelt one (an empty
/// `${}` or `${aws: username}` is IAM's to reject, and `invalid-policy` reports it).
fn is_template_variable(inner: &str) -> bool {
    !inner.is_empty() && !matches!(inner, "*" | "?" | "$") && !iam_like(inner)
}

/// `prefix:...` with a service prefix (`aws`, `s3`, `sts`) or an identity provider's host and path
/// (`cognito-identity.amazonaws.com`, `oidc.eks.us-east-1.amazonaws.com/id/ABC`) and a single colon after
/// it: how every IAM condition key begins. `AWS::AccountId` and `ACCEL_LOOKUP:x` do not.
fn iam_like(inner: &str) -> bool {
    let Some((prefix, rest)) = inner.split_once(':') else { return false };
    !prefix.is_empty()
        && prefix.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '/'))
        && !rest.starts_with(':')
}

/// The inside of `<...>`: a short name of letters, digits, `-`, `_`, `.` and spaces, starting with a letter or
/// digit (so `a < b` and `<=` in prose are not taken for one).
fn is_angle_name(inner: &str) -> bool {
    let mut chars = inner.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && inner.len() <= 80
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::json::{Limits, parse};

    #[test]
    fn iam_variables_are_no_placeholders() {
        for text in [
            "arn:aws:s3:::bucket/${aws:username}/*",
            "${aws:PrincipalTag/team, 'none'}",
            "${cognito-identity.amazonaws.com:sub}",
            "${oidc.eks.us-west-2.amazonaws.com/id/ABC:sub}",
            "${*}${?}${$}",
            "${AWS:userid}",
            "plain text",
            "a < b and c > d",
            "arn:aws:iam::111122223333:role/x",
            "${aws:username",
            "${}",
            "${aws: username}",
        ] {
            assert_eq!(find(text), None, "{text}");
        }
    }

    #[test]
    fn template_placeholders_are_found() {
        assert_eq!(find("alias/${ACCELERATOR_PREFIX_ND}*"), Some((6, 30)));
        assert_eq!(find("${ACCEL_LOOKUP::EC2:VPC:Endpoint}"), Some((0, 33)));
        assert_eq!(find("arn:${AWS::Partition}:s3:::b"), Some((4, 21)));
        assert_eq!(find("${var.bucket}"), Some((0, 13)));
        assert_eq!(find("{{ account_id }}"), Some((0, 16)));
        assert_eq!(find("<my-corporate-cidr>"), Some((0, 19)));
        assert_eq!(find("<OIDC_provider_name_1>:sub"), Some((0, 22)));
        assert_eq!(find("arn:aws:s3:::<YOUR BUCKET>/*"), Some((13, 26)));
        assert!(!contains("{{}}"));
    }

    #[test]
    fn iam_variables_are_told_from_template_variables() {
        assert!(has_iam_variable("home/${aws:username}/*"));
        assert!(has_iam_variable("${Bucket}/${aws:username}"));
        assert!(!has_iam_variable("alias/${ACCELERATOR_PREFIX_ND}*"));
        assert!(!has_iam_variable("no variable"));
    }

    #[test]
    fn intrinsics_are_single_member_ref_or_fn_objects() {
        let json = |t: &str| parse(t, &Limits::default()).unwrap();
        assert!(is_intrinsic(&json(r#"{"Ref": "Bucket"}"#)));
        assert!(is_intrinsic(&json(r#"{"Fn::Sub": "arn:${AWS::Partition}:s3:::b"}"#)));
        assert!(!is_intrinsic(&json(r#"{"Ref": "a", "Other": 1}"#)));
        assert!(!is_intrinsic(&json(r#"{"AWS": "arn:aws:iam::1:root"}"#)));
        assert!(!is_intrinsic(&json(r#""text""#)));
    }
}
