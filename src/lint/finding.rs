//! A finding: what is wrong, where, why, and how to fix it.

use std::sync::Arc;

use crate::source::{SourceFile, Span};

use super::{RuleMeta, Severity};

#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub source: Arc<SourceFile>,
    pub span: Span,
    /// One line, lowercase, no trailing period; user input in backticks.
    pub message: String,
    /// The text on the span.
    pub label: String,
    pub help: Option<String>,
    /// Other places that explain the finding (the first occurrence of a duplicate, an overriding Deny).
    pub related: Vec<Related>,
    /// A mechanical fix, when there is one.
    pub fix: Option<Fix>,
}

#[derive(Clone, Debug)]
pub struct Related {
    pub source: Arc<SourceFile>,
    pub span: Span,
    pub label: String,
}

/// Replace the text at `span` with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub description: String,
    pub span: Span,
    pub replacement: String,
}

impl Finding {
    pub fn new(rule: &'static RuleMeta, source: &Arc<SourceFile>, span: Span, message: impl Into<String>) -> Self {
        Finding {
            rule,
            severity: rule.default_severity,
            source: Arc::clone(source),
            span,
            message: message.into(),
            label: String::new(),
            help: None,
            related: Vec::new(),
            fix: None,
        }
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn related(mut self, source: &Arc<SourceFile>, span: Span, label: impl Into<String>) -> Self {
        self.related.push(Related { source: Arc::clone(source), span, label: label.into() });
        self
    }

    pub fn fix(mut self, description: impl Into<String>, span: Span, replacement: impl Into<String>) -> Self {
        self.fix = Some(Fix { description: description.into(), span, replacement: replacement.into() });
        self
    }

    /// Deterministic report order: file, then position, then rule.
    pub fn sort_key(&self) -> (&str, u32, u32, &'static str) {
        (&self.source.name, self.span.start, self.span.end, self.rule.code)
    }
}
