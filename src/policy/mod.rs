//! The IAM policy language: the typed AST, its parser from span-keeping JSON, operators, policy variables,
//! and the typed values conditions compare.

pub mod ast;
pub mod operator;
pub mod parse;
pub mod render;
pub mod template;
pub mod value;
pub mod wildcard;

pub use ast::*;
pub use operator::{Family, Operator, OperatorKind, SetOp};
pub use parse::{PolicyProblem, parse_document, parse_policy};
pub use template::{Part, Template, Variable};

/// What a policy document is for; decides which elements it may hold and its size quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyKind {
    /// A loose file whose role is not known: read permissively (identity or resource-based by content).
    Unknown,
    /// Inline or managed policy attached to a user, group or role.
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
}

impl PolicyKind {
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
        }
    }

    /// Identity-side documents never name a principal.
    pub fn forbids_principal(self) -> bool {
        matches!(self, PolicyKind::Identity | PolicyKind::Boundary | PolicyKind::Session | PolicyKind::Scp)
    }

    pub fn requires_principal(self) -> bool {
        matches!(self, PolicyKind::Trust | PolicyKind::Rcp)
    }
}
