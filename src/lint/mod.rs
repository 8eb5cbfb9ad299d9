//! The lint engine: the rule registry, the finding type, and running the rules over parsed documents.
//! Each rule lives in its own file under `rules/`, its doc comment being its documentation.

pub mod choice;
pub mod document;
pub mod facts;
pub mod finding;
pub mod provider_keys;
pub mod rules;

use std::fmt;

pub use document::{Document, PolicyUnit, StatementView};
pub use finding::{Finding, Fix, Related};

/// How serious a finding is. Ordered so that `Error > Warning > Info`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The static description of a rule: stable code, kebab-case name, default severity, one-line summary, and
/// the full documentation taken from the rule's doc comment.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub default_severity: Severity,
    pub summary: &'static str,
    pub docs: &'static str,
}

impl RuleMeta {
    /// The rule's documentation with the one leading space rustdoc keeps on every doc line removed.
    pub fn documentation(&self) -> String {
        self.docs.lines().map(|l| l.strip_prefix(' ').unwrap_or(l)).collect::<Vec<_>>().join("\n").trim().to_owned()
    }

    /// Whether `text` names this rule, by code or by name (case-insensitive).
    pub fn is_named(&self, text: &str) -> bool {
        self.code.eq_ignore_ascii_case(text) || self.name.eq_ignore_ascii_case(text)
    }
}

/// What a rule looks at: one document (with its JSON and every policy read from it).
pub type CheckFn = fn(&Document, &LintContext, &mut Vec<Finding>);

/// A rule: its description and its check. Rules whose findings are produced while reading input
/// (`invalid-json`, `invalid-policy`) have no check of their own.
pub struct Rule {
    pub meta: &'static RuleMeta,
    pub check: Option<CheckFn>,
}

/// Settings the rules read: the organisation's token vocabulary (`mintlint.toml` `[token]`), the evaluation
/// assumptions, and facts about the whole input that a rule looking at one document cannot see.
#[derive(Clone, Debug, Default)]
pub struct LintContext {
    pub token: TokenSettings,
    pub assumptions: crate::eval::Assumptions,
    pub input: InputFacts,
}

/// `[token]` of `mintlint.toml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenSettings {
    /// The longest token lifetime, in seconds, the organisation accepts (MINT104).
    pub max_duration: u32,
    /// The audience registry; empty when none is configured (MINT102 is then silent).
    pub audiences: Vec<RegisteredAudience>,
    /// The request-tag keys (custom claims) the organisation uses; `None`: not configured (MINT106 silent).
    pub allowed_tag_keys: Option<Vec<String>>,
    /// The signing algorithms allowed; `None`: not configured (MINT108 silent).
    pub signing_algorithms: Option<Vec<String>>,
    /// Whether every minting grant must carry a network guard (MINT109).
    pub require_network_guard: bool,
}

impl Default for TokenSettings {
    fn default() -> Self {
        TokenSettings {
            max_duration: 900,
            audiences: Vec::new(),
            allowed_tag_keys: None,
            signing_algorithms: None,
            require_network_guard: false,
        }
    }
}

/// One entry of the audience registry: an audience (or an IAM-style pattern of them) and who owns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredAudience {
    pub name: String,
    pub owner: Option<String>,
}

/// What the whole input shows, worked out before any document is linted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InputFacts {
    /// Some Allow anywhere in the input grants `sts:TagGetWebIdentityToken`.
    pub grants_tag_minting: bool,
}

impl InputFacts {
    /// Fold one document into the facts.
    pub fn add(&mut self, doc: &Document) {
        self.grants_tag_minting |= doc.statements().any(|s| s.facts.grants_tag());
    }
}

/// Declares a rule's metadata; the doc comment written above becomes both the rustdoc of the static and the
/// text `mintlint explain` prints, so code and documentation cannot drift apart.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis static $ident:ident = $code:literal, $name:literal, $severity:ident, $summary:literal;
    ) => {
        $(#[doc = $doc])*
        $vis static $ident: $crate::lint::RuleMeta = $crate::lint::RuleMeta {
            code: $code,
            name: $name,
            default_severity: $crate::lint::Severity::$severity,
            summary: $summary,
            docs: concat!($($doc, "\n"),*),
        };
    };
}

/// Every rule, in code order.
pub fn all_rules() -> &'static [Rule] {
    rules::ALL
}

/// Every documented rule: the catalogue `check` runs, then the rules of `replay`'s SARIF report, which judge
/// recorded calls rather than documents (README's rule table and `mintlint explain` show them all).
pub fn documented_rules() -> impl Iterator<Item = &'static Rule> {
    all_rules().iter().chain(crate::replay::rules::REPLAY_RULES)
}

/// A documented rule by code or name (`mintlint explain`).
pub fn find_documented_rule(text: &str) -> Option<&'static Rule> {
    documented_rules().find(|r| r.meta.is_named(text))
}

/// The documented rule code or name nearest to a misspelt one.
pub fn nearest_documented_rule_name(text: &str) -> Option<&'static str> {
    crate::text::nearest(text, documented_rules().flat_map(|r| [r.meta.code, r.meta.name]))
}

/// The rule table of README.md (`## Rules`), generated from the registry so it cannot go stale (a test
/// compares it with the README).
pub fn rule_table_markdown() -> String {
    let mut out = String::from("| code | name | default severity | finds |\n|---|---|---|---|\n");
    for rule in documented_rules() {
        let meta = rule.meta;
        out.push_str(&format!(
            "| <a id=\"{}\"></a>{} | `{}` | {} | {} |\n",
            rule_anchor(meta),
            meta.code,
            meta.name,
            meta.default_severity,
            meta.summary.replace('|', "\\|")
        ));
    }
    out
}

/// The anchor of a rule's row in README.md's rule table (`mint002`): SARIF's `helpUri` links to it.
pub fn rule_anchor(meta: &RuleMeta) -> String {
    meta.code.to_ascii_lowercase()
}

/// The rule code or name nearest to a misspelt one, for a "did you mean" (`duplicate-keys` → `duplicate-key`).
pub fn nearest_rule_name(text: &str) -> Option<&'static str> {
    crate::text::nearest(text, all_rules().iter().flat_map(|r| [r.meta.code, r.meta.name]))
}

/// Look a rule up by code or name.
pub fn find_rule(text: &str) -> Option<&'static Rule> {
    all_rules().iter().find(|r| r.meta.is_named(text))
}

/// Run every rule with a check over one document (the whole-input rules excepted, see
/// [`lint_document_input`]).
pub fn lint_document(doc: &Document, ctx: &LintContext, out: &mut Vec<Finding>) {
    let start = out.len();
    for rule in all_rules() {
        if let Some(check) = rule.check {
            check(doc, ctx, out);
        }
    }
    drop_unknown(doc, out, start);
}

/// Findings added from `start` that judged a placeholder of a value not known statically are removed.
fn drop_unknown(doc: &Document, out: &mut Vec<Finding>, start: usize) {
    if doc.unknown.is_empty() {
        return;
    }
    let mut i = start;
    while i < out.len() {
        if out.get(i).is_some_and(|f| doc.judges_unknown(f)) {
            out.remove(i);
        } else {
            i += 1;
        }
    }
}

/// Whether the whole-input rules can say anything about this document: it grants minting or tagging.
pub fn needs_input_rules(doc: &Document) -> bool {
    doc.statements().any(|s| s.facts.grants_mint() || s.facts.grants_tag())
}

/// Run the rules that need `ctx.input` complete, once every document has been folded into it.
pub fn lint_document_input(doc: &Document, ctx: &LintContext, out: &mut Vec<Finding>) {
    let start = out.len();
    for rule in rules::INPUT_RULES {
        if let Some(check) = rule.check {
            check(doc, ctx, out);
        }
    }
    drop_unknown(doc, out, start);
}
