//! What the rules look at: one source document, its JSON, and the policies read from it.

use std::sync::{Arc, OnceLock};

use crate::policy::{Policy, PolicyKind};
use crate::source::json::Json;
use crate::source::{SourceFile, Span};

use super::facts::{DocumentFacts, StatementFacts};

/// One JSON text that holds policies (a file, or a document embedded in one).
pub struct Document {
    pub source: Arc<SourceFile>,
    pub json: Json,
    pub policies: Vec<PolicyUnit>,
    /// Regions written with values not known statically (a Terraform source policy with unknown parts): a
    /// placeholder stands there, and findings that touch a region are not reported.
    pub unknown: Vec<Span>,
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
        Document { source, json, policies, unknown: Vec::new(), facts: OnceLock::new() }
    }

    /// A document with regions not known statically.
    pub fn with_unknown(mut self, unknown: Vec<Span>) -> Document {
        self.unknown = unknown;
        self
    }

    /// Whether a finding rests on a region not known statically: its span, or a related place in this
    /// document, touches one. Such a finding judged the placeholder, not the policy.
    pub fn judges_unknown(&self, finding: &super::Finding) -> bool {
        if self.unknown.is_empty() {
            return false;
        }
        let same = |source: &SourceFile| source.path == self.source.path && source.name == self.source.name;
        let places = std::iter::once((&finding.source, finding.span))
            .chain(finding.related.iter().map(|r| (&r.source, r.span)))
            .filter(|(s, _)| same(s));
        places.into_iter().any(|(_, span)| self.unknown.iter().any(|r| touches(span, *r)))
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

/// Whether two spans share a byte (an empty span: whether it lies inside the other).
pub fn touches(a: Span, b: Span) -> bool {
    if a.is_empty() {
        return b.start <= a.start && a.start < b.end.max(b.start + 1);
    }
    if b.is_empty() {
        return a.start <= b.start && b.start < a.end;
    }
    a.start < b.end && b.start < a.end
}
