//! The IAM policy language: the typed AST, its parser from span-keeping JSON, operators, policy variables,
//! and the typed values conditions compare.

pub mod ast;
pub mod operator;
pub mod parse;
pub mod placeholder;
pub mod render;
pub mod template;
pub mod value;
pub mod wildcard;

pub use ast::*;
pub use operator::{Family, Operator, OperatorKind, SetOp};
pub use parse::{PolicyProblem, parse_document, parse_policy};
pub use template::{Part, Template, Variable};

/// What a policy document is for (DESIGN §9.1); decides which elements it may hold, its size quota, and
/// whether its Allow statements grant anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyKind {
    /// Not said by the input: read permissively, then decided by content with [`PolicyKind::by_content`].
    Unknown,
    /// Inline or customer managed policy attached to a user, group or role.
    Identity,
    /// Permissions boundary.
    Boundary,
    /// Session policy passed to `AssumeRole*` / `GetFederationToken`.
    Session,
    /// Service control policy (AWS Organizations).
    Scp,
    /// Resource control policy (AWS Organizations).
    Rcp,
    /// Role trust policy (`assume_role_policy`).
    Trust,
    /// Any other resource-based policy.
    Resource,
    /// A managed policy AWS authors (`arn:aws:iam::aws:policy/...`): an identity policy, but not under the
    /// customer managed policy quota.
    AwsManaged,
}

impl PolicyKind {
    /// The kinds a user names in `mintlint.toml` (`[[files.kind]]`) and with `--kind`.
    pub const NAMED: [(&'static str, PolicyKind); 8] = [
        ("identity", PolicyKind::Identity),
        ("boundary", PolicyKind::Boundary),
        ("session", PolicyKind::Session),
        ("scp", PolicyKind::Scp),
        ("rcp", PolicyKind::Rcp),
        ("resource", PolicyKind::Resource),
        ("trust", PolicyKind::Trust),
        ("aws-managed", PolicyKind::AwsManaged),
    ];

    /// A kind by its name in [`PolicyKind::NAMED`].
    pub fn from_name(name: &str) -> Option<PolicyKind> {
        Self::NAMED.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Unknown => "policy",
            PolicyKind::Identity => "identity policy",
            PolicyKind::Boundary => "permissions boundary",
            PolicyKind::Session => "session policy",
            PolicyKind::Scp => "service control policy",
            PolicyKind::Rcp => "resource control policy",
            PolicyKind::Trust => "role trust policy",
            PolicyKind::Resource => "resource-based policy",
            PolicyKind::AwsManaged => "AWS managed policy",
        }
    }

    /// Identity-side documents never name a principal.
    pub fn forbids_principal(self) -> bool {
        matches!(
            self,
            PolicyKind::Identity
                | PolicyKind::Boundary
                | PolicyKind::Session
                | PolicyKind::Scp
                | PolicyKind::AwsManaged
        )
    }

    pub fn requires_principal(self) -> bool {
        matches!(self, PolicyKind::Trust | PolicyKind::Rcp)
    }

    /// Whether an Allow in a document of this kind grants anything. Boundaries, session policies, SCPs and RCPs
    /// only limit what identity policies grant; resource-based and trust policies are read here as what they
    /// restrict (a VPC endpoint or bucket policy with `"Principal": "*"` grants nobody a token).
    pub fn can_grant(self) -> bool {
        matches!(self, PolicyKind::Identity | PolicyKind::AwsManaged)
    }

    /// The kind a document the input does not name has, by its content (DESIGN §9.1): a statement with
    /// `Principal` or `NotPrincipal` makes it a role trust policy when every statement names a principal and
    /// only the actions of assuming a role (`sts:AssumeRole*`, with `sts:TagSession`, `sts:SetSourceIdentity`,
    /// `sts:SetContext` beside them), a resource-based policy otherwise; a document without principals is an
    /// identity policy. A kind the input names is kept.
    pub fn by_content(self, policy: &Policy) -> PolicyKind {
        if self != PolicyKind::Unknown {
            return self;
        }
        if !policy.statements.iter().any(|s| s.principal.is_some()) {
            return PolicyKind::Identity;
        }
        let trust_statement = |s: &Statement| {
            let ActionClause::Action(patterns) = &s.action.node else { return false };
            let matches_any = |p: &ActionPattern, actions: &[&str]| {
                p.service().is_some_and(|service| service.eq_ignore_ascii_case("sts"))
                    && actions.iter().any(|a| wildcard::matches(p.as_str(), a, true))
            };
            s.principal.is_some()
                && patterns.iter().all(|p| matches_any(&p.node, &TRUST_ACTIONS))
                && patterns.iter().any(|p| matches_any(&p.node, &ASSUME_ACTIONS))
        };
        if policy.statements.iter().all(trust_statement) { PolicyKind::Trust } else { PolicyKind::Resource }
    }
}

/// The actions that assume a role: a role trust policy is about these.
const ASSUME_ACTIONS: [&str; 3] = ["sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity"];
/// Everything a role trust policy authorizes: assuming the role, and what a session may carry into it.
const TRUST_ACTIONS: [&str; 6] = [
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession",
    "sts:SetSourceIdentity",
    "sts:SetContext",
];
