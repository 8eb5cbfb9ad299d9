//! What a JSON file holds, decided from its content (never from its name): an IAM policy, the AWS CLI's output
//! around one, a Terraform plan or state, an account snapshot, a cases file, or something else entirely
//! (`package.json`, `tsconfig.json`, a renovate configuration), which is skipped.
//!
//! A file is a policy only when it carries a *policy signal* (DESIGN §9.1): a `Version` of `2012-10-17` or
//! `2008-10-17`, a `Statement` key or a near-miss of it (edit distance at most 2, so a misspelt `Statment` is
//! still linted and reported), or objects with `Effect` and `Action`/`NotAction` (a bare statement, or a list
//! of them). Anything else is not a policy: linting it would only report that it is not one.

use super::json::{Json, JsonKind};

/// What a JSON file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// An IAM policy document, or an array of them (a file with a policy signal).
    Policy,
    /// The AWS CLI's output around a policy (`aws iam get-policy-version`, `get-role-policy`, ...): the
    /// policy is read from inside it, see [`cli_wrapped`].
    CliOutput,
    /// `terraform show -json` of a plan or of state.
    TerraformJson,
    /// `aws iam get-account-authorization-details`.
    AccountSnapshot,
    /// A `--cases` file of expectation tests.
    Cases,
    /// JSON with no policy signal: skipped (counted in `--stats` as "not a policy").
    NotPolicy,
}

impl InputKind {
    /// Classify a parsed JSON document by the members that tell the formats apart.
    pub fn classify(value: &Json) -> InputKind {
        if let Some(members) = value.as_object() {
            let has = |k: &str| members.iter().any(|m| &*m.key.node == k);
            if has("format_version")
                && (has("planned_values") || has("values") || has("resource_changes") || has("terraform_version"))
            {
                return InputKind::TerraformJson;
            }
            if has("RoleDetailList") || has("UserDetailList") || has("GroupDetailList") || has("Policies") {
                return InputKind::AccountSnapshot;
            }
            if has("cases") && !has("Statement") {
                return InputKind::Cases;
            }
        }
        if has_policy_signal(value) {
            InputKind::Policy
        } else if cli_wrapped(value).is_some() {
            InputKind::CliOutput
        } else {
            InputKind::NotPolicy
        }
    }

    /// Whether files of this kind are read by `check`, `simulate --policy` and `diff` as policy files.
    pub fn holds_policy(self) -> bool {
        matches!(self, InputKind::Policy | InputKind::CliOutput)
    }
}

/// The top-level elements of a policy document and of a statement that mark a JSON value as a policy.
const STATEMENT: &str = "Statement";

/// Whether the value is a policy, a statement, or a list of either (DESIGN §9.1).
pub fn has_policy_signal(value: &Json) -> bool {
    match &value.kind {
        JsonKind::Object(_) => object_signal(value),
        JsonKind::Array(items) => items.iter().any(object_signal),
        _ => false,
    }
}

fn object_signal(value: &Json) -> bool {
    let Some(members) = value.as_object() else { return false };
    let key = |name: &str| members.iter().find(|m| m.key.node.eq_ignore_ascii_case(name));
    // Asked in turn, cheapest and likeliest first: a policy's `Version` settles it without the edit distances.
    let version = || key("Version").and_then(|m| m.value.as_str()).is_some_and(is_policy_version);
    let statement = || members.iter().any(|m| is_statement_key(&m.key.node));
    let bare_statement = || key("Effect").is_some() && (key("Action").is_some() || key("NotAction").is_some());
    version() || statement() || bare_statement()
}

/// `Statement`, or a near-miss of it: a typo of the element must be reported, not skipped.
fn is_statement_key(key: &str) -> bool {
    // The length check keeps the edit distance off long keys of unrelated files.
    key.len().abs_diff(STATEMENT.len()) <= 2
        && (key.eq_ignore_ascii_case(STATEMENT) || crate::text::edit_distance(key, STATEMENT) <= 2)
}

fn is_policy_version(text: &str) -> bool {
    matches!(text, "2012-10-17" | "2008-10-17")
}

/// The same signal read from text that is not valid JSON, so that a broken policy is still reported
/// (`invalid-json`) while a broken `tsconfig.json` (JSON with comments) is skipped: some quoted key near
/// `Statement` (in double or single quotes), `Effect` beside `Action`/`NotAction`, or a policy language
/// version.
pub fn text_has_policy_signal(text: &str) -> bool {
    if text.contains("2012-10-17") || text.contains("2008-10-17") {
        return true;
    }
    let mut effect = false;
    let mut action = false;
    for key in quoted_keys(text) {
        if is_statement_key(key) {
            return true;
        }
        effect |= key.eq_ignore_ascii_case("Effect");
        action |= key.eq_ignore_ascii_case("Action") || key.eq_ignore_ascii_case("NotAction");
        if effect && action {
            return true;
        }
    }
    false
}

/// The contents of every `"..."` (or `'...'`) followed, after whitespace, by `:`: the keys of a JSON-like
/// text, without parsing it. Escapes are skipped over, not decoded (a policy's element names have none).
fn quoted_keys(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let Some(open) = bytes.get(i..).and_then(|rest| rest.iter().position(|&b| b == b'"' || b == b'\'')) else {
                i = bytes.len();
                return None;
            };
            let quote = bytes.get(i + open).copied().unwrap_or(b'"');
            let start = i + open + 1;
            let mut end = start;
            while let Some(&b) = bytes.get(end) {
                if b == b'\\' {
                    end += 2;
                } else if b == quote || b == b'\n' {
                    break;
                } else {
                    end += 1;
                }
            }
            let after = end + 1;
            i = after;
            let is_key = bytes
                .get(after..)
                .and_then(|rest| rest.iter().find(|b| !b.is_ascii_whitespace()))
                .is_some_and(|&b| b == b':');
            if is_key && let Some(key) = text.get(start..end.min(bytes.len())) {
                return Some(key);
            }
        }
        None
    })
}

/// What the AWS CLI (or the API it calls) wraps a policy document in, and what that tells about its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WrappedRole {
    /// `aws iam get-policy-version`: a managed policy's `PolicyVersion.Document`.
    ManagedPolicy,
    /// `aws iam get-role-policy`, `get-user-policy`, `get-group-policy`: an inline policy's `PolicyDocument`.
    InlinePolicy,
    /// `aws iam get-role`: the role's `Role.AssumeRolePolicyDocument`.
    TrustPolicy,
    /// `aws organizations describe-policy` of a `SERVICE_CONTROL_POLICY`: `Policy.Content`.
    ServiceControlPolicy,
    /// `aws organizations describe-policy` of a `RESOURCE_CONTROL_POLICY`: `Policy.Content`.
    ResourceControlPolicy,
    /// `{"Policy": "<document>"}`: `aws s3api get-bucket-policy`, `aws kms get-key-policy`,
    /// `aws lambda get-policy` and other services' resource-based policies, as a JSON string.
    ResourcePolicy,
}

/// A policy document inside a CLI output.
#[derive(Clone, Copy, Debug)]
pub struct Wrapped<'j> {
    /// The document: an object (the AWS CLI decodes IAM's URL-encoded documents) or a string holding the
    /// document, URL-encoded (the raw API) or not.
    pub document: &'j Json,
    /// Where it sits, for naming it: `PolicyVersion.Document`.
    pub path: &'static str,
    pub role: WrappedRole,
}

/// The policy document a CLI output holds, if it is one of the outputs above. Only the exact shapes are
/// recognised, and a string is taken only when it holds a JSON object (`{...}`, URL-encoded or not), so a
/// configuration file with a `Policy` setting is not mistaken for one.
pub fn cli_wrapped<'j>(value: &'j Json) -> Option<Wrapped<'j>> {
    let members = value.as_object()?;
    let get = |k: &str| members.iter().find(|m| &*m.key.node == k).map(|m| &m.value);
    let wrapped = |member: &'static str, path: &'static str, role: WrappedRole, within: &'j Json| {
        within.get(member).filter(|d| document_shape(d)).map(|document| Wrapped { document, path, role })
    };
    if let Some(version) = get("PolicyVersion") {
        return wrapped("Document", "PolicyVersion.Document", WrappedRole::ManagedPolicy, version);
    }
    if let Some(role) = get("Role") {
        return wrapped("AssumeRolePolicyDocument", "Role.AssumeRolePolicyDocument", WrappedRole::TrustPolicy, role);
    }
    let inline_owner = get("RoleName").or_else(|| get("UserName")).or_else(|| get("GroupName"));
    if inline_owner.is_some() && get("PolicyName").is_some() {
        return wrapped("PolicyDocument", "PolicyDocument", WrappedRole::InlinePolicy, value);
    }
    let policy = get("Policy")?;
    if let Some(content) = policy.get("Content") {
        let kind = policy.get("PolicySummary").and_then(|s| s.get("Type")).and_then(Json::as_str);
        let role = match kind {
            Some("SERVICE_CONTROL_POLICY") => WrappedRole::ServiceControlPolicy,
            Some("RESOURCE_CONTROL_POLICY") => WrappedRole::ResourceControlPolicy,
            // Tag, backup and AI opt-out policies are not IAM policy language.
            _ => return None,
        };
        return document_shape(content).then_some(Wrapped { document: content, path: "Policy.Content", role });
    }
    match &policy.kind {
        JsonKind::String(s) if holds_object(s) => {
            Some(Wrapped { document: policy, path: "Policy", role: WrappedRole::ResourcePolicy })
        }
        _ => None,
    }
}

/// An object, or a string that holds one.
fn document_shape(json: &Json) -> bool {
    match &json.kind {
        JsonKind::Object(_) => true,
        JsonKind::String(s) => holds_object(s),
        _ => false,
    }
}

/// A string holding a JSON object: `{` first, or its URL encoding `%7B`.
fn holds_object(text: &str) -> bool {
    let text = text.trim_start();
    text.starts_with('{') || text.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("%7B"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::json::{Limits, parse};

    fn kind(text: &str) -> InputKind {
        InputKind::classify(&parse(text, &Limits::default()).unwrap())
    }

    #[test]
    fn policies_are_told_by_a_signal() {
        assert_eq!(kind(r#"{"Version": "2012-10-17", "Statement": []}"#), InputKind::Policy);
        assert_eq!(kind(r#"{"Version": "2008-10-17"}"#), InputKind::Policy);
        assert_eq!(kind(r#"{"Statment": []}"#), InputKind::Policy);
        assert_eq!(kind(r#"{"statements": {}}"#), InputKind::Policy);
        assert_eq!(kind(r#"{"Effect": "Allow", "Action": "s3:*"}"#), InputKind::Policy);
        assert_eq!(kind(r#"[{"Effect": "Deny", "NotAction": "s3:*"}]"#), InputKind::Policy);
        assert_eq!(kind(r#"[{"Version": "2012-10-17", "Statement": []}, {}]"#), InputKind::Policy);
    }

    #[test]
    fn other_json_is_not_a_policy() {
        assert_eq!(kind(r#"{"name": "app", "version": "1.0.0", "scripts": {}}"#), InputKind::NotPolicy);
        assert_eq!(kind(r#"{"compilerOptions": {"strict": true}}"#), InputKind::NotPolicy);
        assert_eq!(kind(r#"{"extends": ["config:base"], "statement_timeout": 5}"#), InputKind::NotPolicy);
        assert_eq!(kind(r#"{"Effect": "Allow"}"#), InputKind::NotPolicy);
        assert_eq!(kind("[]"), InputKind::NotPolicy);
        assert_eq!(kind("[1, 2]"), InputKind::NotPolicy);
        assert_eq!(kind(r#""Statement""#), InputKind::NotPolicy);
        assert_eq!(kind(r#"{"Version": "1.0"}"#), InputKind::NotPolicy);
    }

    #[test]
    fn other_formats_keep_their_detection() {
        assert_eq!(kind(r#"{"format_version": "1.2", "planned_values": {}}"#), InputKind::TerraformJson);
        assert_eq!(kind(r#"{"RoleDetailList": []}"#), InputKind::AccountSnapshot);
        assert_eq!(kind(r#"{"cases": []}"#), InputKind::Cases);
    }

    #[test]
    fn cli_outputs_wrap_a_policy() {
        let role = |text: &str| {
            let json = parse(text, &Limits::default()).unwrap();
            cli_wrapped(&json).map(|w| (w.role, w.path))
        };
        let version =
            r#"{"PolicyVersion": {"Document": {"Statement": []}, "VersionId": "v1", "IsDefaultVersion": true}}"#;
        assert_eq!(role(version), Some((WrappedRole::ManagedPolicy, "PolicyVersion.Document")));
        assert_eq!(kind(version), InputKind::CliOutput);
        let inline = r#"{"RoleName": "r", "PolicyName": "p", "PolicyDocument": "%7B%22Statement%22%3A%5B%5D%7D"}"#;
        assert_eq!(role(inline), Some((WrappedRole::InlinePolicy, "PolicyDocument")));
        let user = r#"{"UserName": "u", "PolicyName": "p", "PolicyDocument": {"Statement": []}}"#;
        assert_eq!(role(user), Some((WrappedRole::InlinePolicy, "PolicyDocument")));
        let trust = r#"{"Role": {"RoleName": "r", "AssumeRolePolicyDocument": {"Statement": []}}}"#;
        assert_eq!(role(trust), Some((WrappedRole::TrustPolicy, "Role.AssumeRolePolicyDocument")));
        let scp =
            r#"{"Policy": {"PolicySummary": {"Type": "SERVICE_CONTROL_POLICY"}, "Content": "{\"Statement\": []}"}}"#;
        assert_eq!(role(scp), Some((WrappedRole::ServiceControlPolicy, "Policy.Content")));
        let bucket = r#"{"Policy": "{\"Statement\": []}"}"#;
        assert_eq!(role(bucket), Some((WrappedRole::ResourcePolicy, "Policy")));
        // Look-alikes that hold no document.
        assert_eq!(role(r#"{"Policy": "strict"}"#), None);
        assert_eq!(role(r#"{"Policy": {"PolicySummary": {"Type": "TAG_POLICY"}, "Content": "{}"}}"#), None);
        assert_eq!(role(r#"{"Role": {"RoleName": "r"}}"#), None);
        assert_eq!(kind(r#"{"Policy": "strict"}"#), InputKind::NotPolicy);
    }

    #[test]
    fn broken_text_is_judged_by_its_keys() {
        assert!(text_has_policy_signal("{\"Statement\": [ // comment\n]}"));
        assert!(text_has_policy_signal("{\"Version\": \"2012-10-17\", oops}"));
        assert!(text_has_policy_signal("[{\"Effect\" : \"Allow\", \"Action\": \"*\",]"));
        assert!(text_has_policy_signal("{'Statement': []}"));
        assert!(!text_has_policy_signal("{\"compilerOptions\": {\"strict\": true,}, // comment\n}"));
        assert!(!text_has_policy_signal("{\"Effect\": 1}"));
        assert!(!text_has_policy_signal(""));
        assert!(!text_has_policy_signal("\"unterminated"));
    }
}
