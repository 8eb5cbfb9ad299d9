//! What the rules look at: one source document, its JSON, and the policies read from it.

use std::sync::{Arc, OnceLock};

use crate::policy::{Policy, PolicyKind};
use crate::source::SourceFile;
use crate::source::json::Json;

use super::facts::{DocumentFacts, StatementFacts};

/// One JSON text that holds policies (a file, or a document embedded in one).
pub struct Document {
    pub source: Arc<SourceFile>,
    pub json: Json,
    pub policies: Vec<PolicyUnit>,
    /// Worked out on first use by a rule, then shared by all of them.
    facts: OnceLock<DocumentFacts>,
}

/// A policy read from a document, with the role it plays.
pub struct PolicyUnit {
    pub policy: Policy,
    pub kind: PolicyKind,
}

/// One statement with everything a rule needs to judge it.
pub struct StatementView<'a> {
    /// Index of the policy in the document.
    pub policy: usize,
    pub unit: &'a PolicyUnit,
    pub statement: &'a crate::policy::Statement,
    pub facts: &'a StatementFacts,
}

impl StatementView<'_> {
    /// Whether the statement holds template placeholders (`${ACCOUNT_ID}`, `<my-org-id>`, `{"Ref": ...}`):
    /// what depends on them is not judged, since the values are not known until the template is filled.
    pub fn is_template(&self) -> bool {
        !self.statement.placeholders.is_empty()
    }

    /// Whether a template placeholder lies within `span`.
    pub fn holds_placeholder(&self, span: crate::source::Span) -> bool {
        self.statement.placeholders.iter().any(|p| span.contains(*p))
    }

    /// Whether the clause's key is a template's (`<OIDC_provider_name_1>:sub`): nothing about the key is known.
    pub fn key_unknown(&self, clause: &crate::policy::ConditionClause) -> bool {
        self.holds_placeholder(clause.key.span)
    }

    /// Whether the clause's key or any of its values is a template's.
    pub fn clause_unknown(&self, clause: &crate::policy::ConditionClause) -> bool {
        self.key_unknown(clause) || self.holds_placeholder(clause.values_span)
    }
}

impl Document {
    pub fn new(source: Arc<SourceFile>, json: Json, policies: Vec<PolicyUnit>) -> Document {
        Document { source, json, policies, facts: OnceLock::new() }
    }

    pub fn facts(&self) -> &DocumentFacts {
        self.facts.get_or_init(|| DocumentFacts::new(self.policies.iter().map(|u| (&u.policy, u.kind))))
    }

    /// The facts of every statement of one policy.
    pub fn policy_facts(&self, policy: usize) -> &[StatementFacts] {
        self.facts().policies.get(policy).map_or(&[], Vec::as_slice)
    }

    /// Every statement of every policy, with its facts.
    pub fn statements(&self) -> impl Iterator<Item = StatementView<'_>> {
        self.policies.iter().zip(&self.facts().policies).enumerate().flat_map(|(policy, (unit, facts))| {
            unit.policy.statements.iter().zip(facts).map(move |(statement, facts)| StatementView {
                policy,
                unit,
                statement,
                facts,
            })
        })
    }

    /// The statements of one policy, with their facts.
    pub fn policy_statements(&self, policy: usize) -> impl Iterator<Item = StatementView<'_>> {
        let unit = self.policies.get(policy);
        let facts = self.facts().policies.get(policy);
        unit.zip(facts).into_iter().flat_map(move |(unit, facts)| {
            unit.policy.statements.iter().zip(facts).map(move |(statement, facts)| StatementView {
                policy,
                unit,
                statement,
                facts,
            })
        })
    }
}
