//! The typed policy AST: every element of the IAM policy grammar, each node with the span it was read
//! from. Equality ignores spans, so a policy compares equal to itself re-laid-out.

use crate::source::{Span, Spanned};

use super::operator::Operator;
use super::template::Template;

/// One IAM policy document.
#[derive(Clone, Debug)]
pub struct Policy {
    pub version: Option<Spanned<Version>>,
    pub id: Option<Spanned<Box<str>>>,
    pub statements: Vec<Statement>,
    /// Whether `Statement` held a single object rather than an array (kept for faithful rendering).
    pub single_statement: bool,
    /// The whole document.
    pub span: Span,
}

// Equality ignores spans (Spanned fields compare their nodes only; raw spans are skipped here).
impl PartialEq for Policy {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
            && self.id == other.id
            && self.statements == other.statements
            && self.single_statement == other.single_statement
    }
}
impl Eq for Policy {}

impl Policy {
    /// Policy variables are substituted only under `2012-10-17`; otherwise `${...}` is literal text.
    pub fn substitutes_variables(&self) -> bool {
        matches!(self.version.as_ref().map(|v| v.node), Some(Version::V2012_10_17))
    }
}

/// The policy language version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    /// `2012-10-17`, the current language: policy variables are substituted.
    V2012_10_17,
    /// `2008-10-17`, the legacy language: `${...}` is literal text.
    V2008_10_17,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V2012_10_17 => "2012-10-17",
            Version::V2008_10_17 => "2008-10-17",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Statement {
    pub sid: Option<Spanned<Box<str>>>,
    pub effect: Spanned<Effect>,
    pub principal: Option<Spanned<PrincipalClause>>,
    pub action: Spanned<ActionClause>,
    /// `None` only where the policy type allows it (a role trust policy has no `Resource`).
    pub resource: Option<Spanned<ResourceClause>>,
    pub conditions: Vec<ConditionClause>,
    /// The `Condition` element, when present (also when it is an empty object).
    pub condition_span: Option<Span>,
    /// Template placeholders in the statement (values a templating tool fills in before deployment, see
    /// `policy::placeholder`), in source order: the values there are unknown, so what depends on them is not
    /// judged. Empty for an ordinary policy.
    pub placeholders: Vec<Span>,
    pub span: Span,
}

impl PartialEq for Statement {
    fn eq(&self, other: &Self) -> bool {
        self.sid == other.sid
            && self.effect == other.effect
            && self.principal == other.principal
            && self.action == other.action
            && self.resource == other.resource
            && self.conditions == other.conditions
            && self.condition_span.is_some() == other.condition_span.is_some()
    }
}
impl Eq for Statement {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    Allow,
    Deny,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// `Action` or `NotAction`: exactly one of them, by construction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionClause {
    Action(Vec<Spanned<ActionPattern>>),
    NotAction(Vec<Spanned<ActionPattern>>),
}

impl ActionClause {
    pub fn patterns(&self) -> &[Spanned<ActionPattern>] {
        match self {
            ActionClause::Action(p) | ActionClause::NotAction(p) => p,
        }
    }

    pub fn is_not_action(&self) -> bool {
        matches!(self, ActionClause::NotAction(_))
    }

    pub fn element_name(&self) -> &'static str {
        if self.is_not_action() { "NotAction" } else { "Action" }
    }
}

/// An action or action pattern as written: `*`, or `service:name` where either part may hold `*`/`?`.
/// Equality ignores case, as IAM does for action names.
#[derive(Clone, Debug)]
pub struct ActionPattern {
    raw: Box<str>,
    /// Byte offset of the `:` (0 for `*`, which has none): every rule asks for the two parts, so the text
    /// is split once, when it is read.
    colon: u32,
    /// The text holds `*` or `?`.
    wildcard: bool,
}

impl ActionPattern {
    /// `None` when the text is neither `*` nor of the form `service:name` with non-empty parts.
    pub fn parse(raw: &str) -> Option<ActionPattern> {
        if raw == "*" {
            return Some(ActionPattern { raw: raw.into(), colon: 0, wildcard: true });
        }
        // One pass over the bytes finds the colons, wildcards and ASCII whitespace (every entry of every
        // policy is parsed here); text that is not all ASCII is asked for Unicode whitespace afterwards.
        let (mut colon, mut colons, mut wildcard, mut spaced, mut ascii) = (None, 0, false, false, true);
        for (i, b) in raw.bytes().enumerate() {
            match b {
                b':' => {
                    colons += 1;
                    colon.get_or_insert(i);
                }
                b'*' | b'?' => wildcard = true,
                // `char::is_whitespace` on ASCII is these six bytes.
                b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r' => spaced = true,
                0x80.. => ascii = false,
                _ => {}
            }
        }
        if !ascii {
            spaced = raw.chars().any(char::is_whitespace);
        }
        let colon = colon?;
        // A second colon would be part of the name; an empty service or name is no pattern.
        if colons != 1 || colon == 0 || colon + 1 == raw.len() || spaced {
            return None;
        }
        Some(ActionPattern { raw: raw.into(), colon: u32::try_from(colon).ok()?, wildcard })
    }

    pub fn as_str(&self) -> &str {
        &self.raw
    }

    pub fn is_any(&self) -> bool {
        &*self.raw == "*"
    }

    /// The service prefix, `None` for `*`.
    pub fn service(&self) -> Option<&str> {
        if self.is_any() { None } else { self.raw.get(..self.colon as usize) }
    }

    /// The action-name part, `None` for `*`.
    pub fn name(&self) -> Option<&str> {
        if self.is_any() { None } else { self.raw.get(self.colon as usize + 1..) }
    }

    pub fn has_wildcard(&self) -> bool {
        self.wildcard
    }
}

impl PartialEq for ActionPattern {
    fn eq(&self, other: &Self) -> bool {
        self.raw.eq_ignore_ascii_case(&other.raw)
    }
}
impl Eq for ActionPattern {}

/// `Resource` or `NotResource`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResourceClause {
    Resource(Vec<Spanned<Template>>),
    NotResource(Vec<Spanned<Template>>),
}

impl ResourceClause {
    pub fn patterns(&self) -> &[Spanned<Template>] {
        match self {
            ResourceClause::Resource(p) | ResourceClause::NotResource(p) => p,
        }
    }

    pub fn is_not_resource(&self) -> bool {
        matches!(self, ResourceClause::NotResource(_))
    }

    pub fn element_name(&self) -> &'static str {
        if self.is_not_resource() { "NotResource" } else { "Resource" }
    }
}

/// `Principal` or `NotPrincipal` (resource-based policies, trust policies and RCPs only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrincipalClause {
    Principal(PrincipalSet),
    NotPrincipal(PrincipalSet),
}

impl PrincipalClause {
    pub fn set(&self) -> &PrincipalSet {
        match self {
            PrincipalClause::Principal(s) | PrincipalClause::NotPrincipal(s) => s,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrincipalSet {
    /// `"*"`: everyone (anonymous included).
    Any,
    /// `{"AWS": [...], "Service": ...}`.
    Typed(Vec<PrincipalEntry>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrincipalEntry {
    pub kind: Spanned<PrincipalKind>,
    pub values: Vec<Spanned<Box<str>>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    Aws,
    Service,
    Federated,
    CanonicalUser,
}

impl PrincipalKind {
    pub const ALL: [(&'static str, PrincipalKind); 4] = [
        ("AWS", PrincipalKind::Aws),
        ("Service", PrincipalKind::Service),
        ("Federated", PrincipalKind::Federated),
        ("CanonicalUser", PrincipalKind::CanonicalUser),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Aws => "AWS",
            PrincipalKind::Service => "Service",
            PrincipalKind::Federated => "Federated",
            PrincipalKind::CanonicalUser => "CanonicalUser",
        }
    }
}

/// One key under one operator: `"StringEquals": {"sts:SigningAlgorithm": ["ES384"]}`. A `Condition` block is
/// the AND of its clauses; a clause is the OR (NOR for negated operators) of its values.
#[derive(Clone, Debug)]
pub struct ConditionClause {
    pub operator: Spanned<Operator>,
    pub key: Spanned<ConditionKey>,
    pub values: Vec<Spanned<ConditionValue>>,
    /// The value element (a scalar or the array).
    pub values_span: Span,
}

impl PartialEq for ConditionClause {
    fn eq(&self, other: &Self) -> bool {
        self.operator == other.operator && self.key == other.key && self.values == other.values
    }
}
impl Eq for ConditionClause {}

/// A condition key as written; equality and hashing ignore ASCII case, as IAM does for key names (tag-key
/// part included).
#[derive(Clone, Debug)]
pub struct ConditionKey {
    name: Box<str>,
    lower: Box<str>,
}

impl ConditionKey {
    pub fn new(name: &str) -> Self {
        Self { name: name.into(), lower: name.to_ascii_lowercase().into() }
    }

    /// The key as written.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The key in lower case, for lookups.
    pub fn lower(&self) -> &str {
        &self.lower
    }

    /// `aws:RequestTag/team` → `Some(("aws:requesttag/", "team"))`: the lower-case template prefix and the tag
    /// key as written.
    pub fn tag_key(&self) -> Option<(&str, &str)> {
        let slash = self.name.find('/')?;
        let prefix = self.lower.get(..=slash)?;
        let tag = self.name.get(slash + 1..)?;
        Some((prefix, tag))
    }
}

impl PartialEq for ConditionKey {
    fn eq(&self, other: &Self) -> bool {
        self.lower == other.lower
    }
}
impl Eq for ConditionKey {}
impl std::hash::Hash for ConditionKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.lower.hash(state);
    }
}

/// A condition value kept as written: IAM reads `"300"`, `300` and `true`/`"true"` by the operator, so the
/// JSON type is kept for lints (mixed types in one list) and the text for every operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionValue {
    pub literal: Literal,
    /// The string form with policy variables parsed (numbers and booleans become their JSON text).
    pub template: Template,
}

impl ConditionValue {
    /// The value's text as IAM reads it (`300` and `"300"` both give `300`).
    pub fn text(&self) -> &str {
        match &self.literal {
            Literal::String(s) | Literal::Number(s) => s,
            Literal::Bool(true) => "true",
            Literal::Bool(false) => "false",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Literal {
    String(Box<str>),
    /// A JSON number, as written.
    Number(Box<str>),
    Bool(bool),
}

impl Literal {
    pub fn type_name(&self) -> &'static str {
        match self {
            Literal::String(_) => "string",
            Literal::Number(_) => "number",
            Literal::Bool(_) => "boolean",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ActionPattern;

    /// `ActionPattern::parse` as first written (split at the first colon, then each test on its own): the
    /// one-pass parser must accept exactly the same texts with the same parts.
    fn reference(raw: &str) -> Option<(Option<String>, Option<String>, bool)> {
        if raw == "*" {
            return Some((None, None, true));
        }
        let (service, name) = raw.split_once(':')?;
        if service.is_empty() || name.is_empty() || name.contains(':') || raw.chars().any(char::is_whitespace) {
            return None;
        }
        Some((Some(service.to_owned()), Some(name.to_owned()), raw.contains(['*', '?'])))
    }

    fn parsed(raw: &str) -> Option<(Option<String>, Option<String>, bool)> {
        let p = ActionPattern::parse(raw)?;
        assert_eq!(p.as_str(), raw);
        Some((p.service().map(str::to_owned), p.name().map(str::to_owned), p.has_wildcard()))
    }

    #[test]
    fn edge_cases_parse_as_before() {
        for raw in ["*", "s3:*", ":x", "x:", "a:b:c", "s3 :x", "s3:Get\u{a0}Object", "sts:Get?", "é:x", "::", "**"] {
            assert_eq!(parsed(raw), reference(raw), "{raw:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn one_pass_parse_equals_the_reference(raw in "[a-z3:*? \t\u{a0}\u{2003}é\u{b}]{0,12}") {
            proptest::prop_assert_eq!(parsed(&raw), reference(&raw));
        }
    }
}
