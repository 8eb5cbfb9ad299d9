//! The AWS CLI's output around a policy, read as the policy it wraps: `aws iam get-policy-version`
//! (`PolicyVersion.Document`), `get-role-policy` / `get-user-policy` / `get-group-policy` (`PolicyDocument`),
//! `get-role` (`Role.AssumeRolePolicyDocument`), `aws organizations describe-policy` (`Policy.Content`) and the
//! resource-policy getters that return `{"Policy": "<document>"}` (`aws s3api get-bucket-policy`,
//! `aws kms get-key-policy`, ...). The document is an object (the CLI decodes IAM's URL-encoded documents) or
//! a string, URL-encoded or not; a string becomes its own source (`out.json › PolicyVersion.Document`).

use std::sync::Arc;

use crate::policy::PolicyKind;
use crate::source::SourceFile;
use crate::source::classify::{WrappedRole, cli_wrapped};
use crate::source::json::{Json, Limits};

use super::embedded::{self, EmbeddedDocument};

/// The document a CLI output wraps, read, with the kind its command tells; `None` when `value` is no CLI
/// output.
pub fn wrapped_document(
    file: &Arc<SourceFile>,
    value: &Json,
    limits: &Limits,
) -> Option<(EmbeddedDocument, PolicyKind)> {
    let wrapped = cli_wrapped(value)?;
    let kind = match wrapped.role {
        // A managed policy may be a customer's or AWS's, an identity policy or a boundary: its content (and
        // the configuration) decide.
        WrappedRole::ManagedPolicy | WrappedRole::ResourcePolicy => PolicyKind::Unknown,
        WrappedRole::InlinePolicy => PolicyKind::Identity,
        WrappedRole::TrustPolicy => PolicyKind::Trust,
        WrappedRole::ServiceControlPolicy => PolicyKind::Scp,
        WrappedRole::ResourceControlPolicy => PolicyKind::Rcp,
    };
    let name = format!("{} › {}", file.name, wrapped.path);
    Some((embedded::read(file, wrapped.document, name, wrapped.path, limits), kind))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::json::parse;

    #[test]
    fn the_wrapped_document_is_read_with_its_commands_kind() {
        let text = r#"{"RoleName": "r", "PolicyName": "p", "PolicyDocument": "%7B%22Statement%22%3A%5B%5D%7D"}"#;
        let file = Arc::new(SourceFile::new("out.json", "out.json", text));
        let json = parse(text, &Limits::default()).unwrap();
        let Some((EmbeddedDocument::Read(source, doc), kind)) = wrapped_document(&file, &json, &Limits::default())
        else {
            panic!("not read")
        };
        assert_eq!(kind, PolicyKind::Identity);
        assert_eq!(&*source.name, "out.json › PolicyDocument");
        assert!(doc.get("Statement").is_some());
        let plain = parse(r#"{"name": "x"}"#, &Limits::default()).unwrap();
        assert!(wrapped_document(&file, &plain, &Limits::default()).is_none());
    }
}
