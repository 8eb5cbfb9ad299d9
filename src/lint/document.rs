//! What the rules look at: one source document, its JSON, and the policies read from it.

use std::sync::Arc;

use crate::policy::{Policy, PolicyKind};
use crate::source::SourceFile;
use crate::source::json::Json;

/// One JSON text that holds policies (a file, or a document embedded in one).
pub struct Document {
    pub source: Arc<SourceFile>,
    pub json: Json,
    pub policies: Vec<PolicyUnit>,
}

/// A policy read from a document, with the role it plays.
pub struct PolicyUnit {
    pub policy: Policy,
    pub kind: PolicyKind,
}
