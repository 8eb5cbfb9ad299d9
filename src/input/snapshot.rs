//! Account snapshots (`aws iam get-account-authorization-details`) into the inventory.
//!
//! The API returns policy documents URL-encoded (RFC 3986); the AWS CLI decodes them into JSON objects.
//! Both are read (see [`super::embedded`]): a string is decoded and becomes its own virtual source
//! (`snapshot.json › role/mint › RolePolicyList › mint-tokens`), an object is linted where it is, in the file.

use std::sync::Arc;

use crate::inventory::{
    Group, Inventory, Origin, PolicyDocument, PolicyRef, Principal, PrincipalKind, arn_account, is_aws_managed_arn,
};
use crate::lint::rules::invalid_policy;
use crate::policy::{PolicyKind, PolicyProblem};
use crate::source::json::{Json, Limits};
use crate::source::{SourceFile, Span};

use super::embedded::EmbeddedDocument;

struct Reader<'a> {
    source: &'a Arc<SourceFile>,
    limits: &'a Limits,
    inv: Inventory,
}

/// Read one account snapshot into an inventory of its own.
pub fn load(source: &Arc<SourceFile>, root: &Json, limits: &Limits) -> Inventory {
    let mut r = Reader { source, limits, inv: Inventory::default() };
    for policy in list(root, "Policies") {
        r.managed_policy(policy);
    }
    for group in list(root, "GroupDetailList") {
        r.group(group);
    }
    for role in list(root, "RoleDetailList") {
        r.principal(role, PrincipalKind::Role);
    }
    for user in list(root, "UserDetailList") {
        r.principal(user, PrincipalKind::User);
    }
    r.inv
}

fn list<'j>(value: &'j Json, key: &str) -> &'j [Json] {
    value.get(key).and_then(Json::as_array).unwrap_or_default()
}

fn text<'j>(value: &'j Json, key: &str) -> Option<&'j str> {
    value.get(key).and_then(Json::as_str).filter(|s| !s.is_empty())
}

impl Reader<'_> {
    fn origin(&self, entry: &str, attribute: &str) -> Origin {
        Origin { file: Arc::clone(&self.source.name), entry: entry.to_owned(), attribute: attribute.to_owned() }
    }

    fn problem(&mut self, span: Span, message: String, help: &str) {
        let problem = PolicyProblem { span, message, label: "here".to_owned(), help: help.to_owned() };
        self.inv.findings.push(invalid_policy::finding(self.source, &problem));
    }

    /// A policy document: a URL-encoded (or plain) JSON string, or a JSON object already.
    fn document(
        &mut self,
        value: Option<&Json>,
        origin: Origin,
        kind: PolicyKind,
        name: Option<String>,
        ids: Vec<String>,
    ) -> Option<usize> {
        let value = value.filter(|v| !v.is_null())?;
        let (source, json) =
            match super::embedded::read(self.source, value, origin.source_name(), &origin.attribute, self.limits) {
                EmbeddedDocument::Read(source, json) => (source, Some(json)),
                EmbeddedDocument::NotJson(source, finding) => {
                    self.inv.findings.push(*finding);
                    (source, None)
                }
                EmbeddedDocument::Invalid(finding) => {
                    self.inv.findings.push(*finding);
                    return None;
                }
            };
        let index = self.inv.documents.len();
        self.inv.documents.push(PolicyDocument {
            source,
            json,
            kind,
            origin,
            ids,
            name,
            duplicate_of: None,
            unknown: Vec::new(),
        });
        Some(index)
    }

    fn managed_policy(&mut self, entry: &Json) {
        let name = text(entry, "PolicyName").unwrap_or("(unnamed)").to_owned();
        let entry_name = format!("policy/{name}");
        let ids: Vec<String> = ["Arn", "PolicyId"].iter().filter_map(|k| text(entry, k)).map(str::to_owned).collect();
        let default = text(entry, "DefaultVersionId");
        let versions = list(entry, "PolicyVersionList");
        let version = versions
            .iter()
            .find(|v| v.get("IsDefaultVersion").and_then(Json::as_bool) == Some(true))
            .or_else(|| versions.iter().find(|v| default.is_some() && text(v, "VersionId") == default));
        let Some(version) = version else {
            self.problem(
                Span::new(entry.span.start, entry.span.start.saturating_add(1)),
                format!("managed policy `{name}` has no default version in `PolicyVersionList`"),
                "export the snapshot with `aws iam get-account-authorization-details` without filtering versions",
            );
            return;
        };
        let attribute = text(version, "VersionId").unwrap_or("default version").to_owned();
        let origin = self.origin(&entry_name, &attribute);
        // AWS's own managed policies (`arn:aws:iam::aws:policy/...`) are not under the customer quota.
        let kind = if text(entry, "Arn").is_some_and(is_aws_managed_arn) {
            PolicyKind::AwsManaged
        } else {
            PolicyKind::Identity
        };
        self.document(version.get("Document"), origin, kind, Some(name), ids);
    }

    /// Inline policies (`*PolicyList`) and attached managed policies of a role, user or group.
    fn policies(&mut self, entry: &Json, entry_name: &str, inline_key: &str) -> Vec<PolicyRef> {
        let mut refs = Vec::new();
        for inline in list(entry, inline_key) {
            let name = text(inline, "PolicyName").unwrap_or("(unnamed)").to_owned();
            let origin = self.origin(entry_name, &format!("{inline_key} › {name}"));
            if let Some(doc) =
                self.document(inline.get("PolicyDocument"), origin, PolicyKind::Identity, Some(name), Vec::new())
            {
                refs.push(PolicyRef::Document(doc));
            }
        }
        for attached in list(entry, "AttachedManagedPolicies") {
            if let Some(arn) = text(attached, "PolicyArn") {
                refs.push(PolicyRef::Id(arn.to_owned()));
            }
        }
        refs
    }

    fn group(&mut self, entry: &Json) {
        let Some(name) = text(entry, "GroupName") else { return };
        let entry_name = format!("group/{name}");
        let identity = self.policies(entry, &entry_name, "GroupPolicyList");
        let origin = self.origin(&entry_name, "");
        self.inv.groups.push(Group { key: name.to_owned(), identity, origin });
    }

    fn principal(&mut self, entry: &Json, kind: PrincipalKind) {
        let name_key = match kind {
            PrincipalKind::Role => "RoleName",
            PrincipalKind::User => "UserName",
        };
        let name = text(entry, name_key).map(str::to_owned);
        let entry_name = format!("{}/{}", kind.as_str(), name.as_deref().unwrap_or("(unnamed)"));
        let mut p = Principal::new(kind, self.origin(&entry_name, ""));
        p.name = name;
        p.path = text(entry, "Path").unwrap_or("/").to_owned();
        p.arn = text(entry, "Arn").map(str::to_owned);
        p.account = p.arn.as_deref().and_then(arn_account).map(str::to_owned);
        p.tags = list(entry, "Tags")
            .iter()
            .filter_map(|t| Some((text(t, "Key")?.to_owned(), t.get("Value")?.as_str()?.to_owned())))
            .collect();
        let inline_key = match kind {
            PrincipalKind::Role => "RolePolicyList",
            PrincipalKind::User => "UserPolicyList",
        };
        p.identity = self.policies(entry, &entry_name, inline_key);
        if kind == PrincipalKind::Role {
            let origin = self.origin(&entry_name, "AssumeRolePolicyDocument");
            p.trust = self.document(entry.get("AssumeRolePolicyDocument"), origin, PolicyKind::Trust, None, Vec::new());
        }
        p.groups = list(entry, "GroupList").iter().filter_map(Json::as_str).map(str::to_owned).collect();
        p.boundary = entry
            .get("PermissionsBoundary")
            .and_then(|b| text(b, "PermissionsBoundaryArn"))
            .map(|arn| PolicyRef::Id(arn.to_owned()));
        self.inv.principals.push(p);
    }
}

#[cfg(test)]
mod tests {
    use crate::inventory::is_aws_managed_arn;

    #[test]
    fn aws_managed_policies_are_told_by_their_account() {
        assert!(is_aws_managed_arn("arn:aws:iam::aws:policy/ReadOnlyAccess"));
        assert!(is_aws_managed_arn("arn:aws-us-gov:iam::aws:policy/job-function/ViewOnlyAccess"));
        assert!(!is_aws_managed_arn("arn:aws:iam::111122223333:policy/aws"));
    }
}
