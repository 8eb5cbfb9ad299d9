//! From span-keeping JSON to the typed AST. Every problem in a document is collected (not just the first),
//! each with the span of the offending node, a message and a help line; statements that are well formed are
//! kept so later rules still see them.

use crate::source::json::{Json, JsonKind, Member};
use crate::source::{Span, Spanned};
use crate::text::nearest;

use super::PolicyKind;
use super::ast::*;
use super::operator::{Operator, OperatorError};
use super::placeholder;
use super::template::Template;

/// Why a document is not a valid policy (rule `invalid-policy`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyProblem {
    pub span: Span,
    pub message: String,
    pub label: String,
    pub help: String,
}

/// A document read as a policy: the policy when the top level could be read (holding only the well-formed
/// statements), and every problem found.
#[derive(Clone, Debug, Default)]
pub struct ParsedPolicy {
    pub policy: Option<Policy>,
    pub problems: Vec<PolicyProblem>,
}

const TOP_LEVEL: &[&str] = &["Version", "Id", "Statement"];
const STATEMENT_ELEMENTS: &[&str] =
    &["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"];

/// A file's JSON read as policies: one object is one policy; an array holds several.
pub fn parse_document(json: &Json, kind: PolicyKind) -> Vec<ParsedPolicy> {
    match &json.kind {
        JsonKind::Array(items) => items.iter().map(|item| parse_policy(item, kind)).collect(),
        _ => vec![parse_policy(json, kind)],
    }
}

/// Read one policy document.
pub fn parse_policy(json: &Json, kind: PolicyKind) -> ParsedPolicy {
    let mut p = Parser { problems: Vec::new(), placeholders: Vec::new(), kind, substitutes: false };
    let policy = p.policy(json);
    ParsedPolicy { policy, problems: p.problems }
}

struct Parser {
    problems: Vec<PolicyProblem>,
    /// Template placeholders of the statement being read (see [`super::placeholder`]).
    placeholders: Vec<Span>,
    kind: PolicyKind,
    /// Whether the policy's version substitutes `${...}`; otherwise variables are literal text.
    substitutes: bool,
}

/// The first byte of a node: where "missing element" problems point, so the snippet stays one line.
fn opening(span: Span) -> Span {
    Span::new(span.start, span.start.saturating_add(1).min(span.end.max(span.start + 1)))
}

fn article(type_name: &str) -> &'static str {
    match type_name {
        "array" | "object" => "an",
        _ => "a",
    }
}

impl Parser {
    fn problem(&mut self, span: Span, message: impl Into<String>, label: impl Into<String>, help: impl Into<String>) {
        self.problems.push(PolicyProblem { span, message: message.into(), label: label.into(), help: help.into() });
    }

    fn wrong_type(&mut self, element: &str, expected: &str, found: &Json, help: &str) {
        let found_name = found.type_name();
        // Element names are quoted as code; descriptions ("a policy") are prose.
        let subject = if element.starts_with("a ") { element.to_owned() } else { format!("`{element}`") };
        self.problem(
            found.span,
            format!("{subject} must be {expected}, not {} {found_name}", article(found_name)),
            format!("this is {} {found_name}", article(found_name)),
            help,
        );
    }

    fn unknown_element(&mut self, key: &Spanned<Box<str>>, known: &[&str], place: &str) {
        let suggestion = nearest(&key.node, known.iter().copied());
        let help = match suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "{place} elements are {}",
                known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            ),
        };
        self.problem(key.span, format!("unknown {place} element `{}`", key.node), "not a policy element", help);
    }

    fn policy(&mut self, json: &Json) -> Option<Policy> {
        let Some(members) = json.as_object() else {
            self.wrong_type(
                "a policy",
                "a JSON object with a `Statement`",
                json,
                "write the policy as {\"Version\": \"2012-10-17\", \"Statement\": [...]}",
            );
            return None;
        };
        let mut version = None;
        let mut id = None;
        let mut statement: Option<&Json> = None;
        for m in members {
            match &*m.key.node {
                "Version" => version = self.version(&m.value),
                "Id" => id = self.string("Id", &m.value),
                "Statement" => statement = Some(&m.value),
                _ => self.unknown_element(&m.key, TOP_LEVEL, "top-level"),
            }
        }
        self.substitutes = matches!(version.as_ref().map(|v| v.node), Some(Version::V2012_10_17));
        let Some(statement) = statement else {
            self.problem(
                opening(json.span),
                "policy has no `Statement`",
                "this object has no `Statement` element",
                "add \"Statement\": [{\"Effect\": ..., \"Action\": ..., \"Resource\": ...}]",
            );
            return Some(Policy { version, id, statements: Vec::new(), single_statement: false, span: json.span });
        };
        let (items, single) = match &statement.kind {
            JsonKind::Array(items) => (items.iter().collect::<Vec<_>>(), false),
            JsonKind::Object(_) => (vec![statement], true),
            _ => {
                self.wrong_type(
                    "Statement",
                    "an object or an array of objects",
                    statement,
                    "list statements as [{...}, {...}]",
                );
                (Vec::new(), false)
            }
        };
        let statements = items.into_iter().filter_map(|s| self.statement(s)).collect();
        Some(Policy { version, id, statements, single_statement: single, span: json.span })
    }

    fn version(&mut self, json: &Json) -> Option<Spanned<Version>> {
        let text = self.string("Version", json)?;
        match &*text.node {
            "2012-10-17" => Some(text.map(|_| Version::V2012_10_17)),
            "2008-10-17" => Some(text.map(|_| Version::V2008_10_17)),
            other => {
                self.problem(
                    json.span,
                    format!("unknown policy language version `{other}`"),
                    "not a policy language version",
                    "use \"2012-10-17\" (the version is a fixed language identifier, not a date)",
                );
                None
            }
        }
    }

    fn string(&mut self, element: &str, json: &Json) -> Option<Spanned<Box<str>>> {
        match &json.kind {
            JsonKind::String(s) => Some(Spanned::new(s.clone(), json.span)),
            _ => {
                self.wrong_type(element, "a string", json, "write the value in double quotes");
                None
            }
        }
    }

    /// A string or an array of strings (Action, Resource, principal values). A CloudFormation intrinsic in
    /// place of a string or of the list is a placeholder: recorded, not read.
    fn strings<'j>(&mut self, element: &str, json: &'j Json) -> Vec<(&'j str, Span)> {
        if placeholder::is_intrinsic(json) {
            self.placeholders.push(json.span);
            return Vec::new();
        }
        match &json.kind {
            JsonKind::String(s) => vec![(s, json.span)],
            JsonKind::Array(items) => items
                .iter()
                .filter_map(|item| match &item.kind {
                    JsonKind::String(s) => Some((&**s, item.span)),
                    _ if placeholder::is_intrinsic(item) => {
                        self.placeholders.push(item.span);
                        None
                    }
                    _ => {
                        self.wrong_type(element, "a string", item, "every entry must be a string in double quotes");
                        None
                    }
                })
                .collect(),
            _ => {
                self.wrong_type(element, "a string or an array of strings", json, "write [\"...\", \"...\"]");
                Vec::new()
            }
        }
    }

    fn statement(&mut self, json: &Json) -> Option<Statement> {
        let Some(members) = json.as_object() else {
            self.wrong_type(
                "Statement",
                "an object",
                json,
                "each statement is {\"Effect\": ..., \"Action\": ..., ...}",
            );
            return None;
        };
        let before = self.problems.len();
        self.placeholders.clear();
        let mut sid = None;
        let mut effect = None;
        let mut actions: Vec<&Member> = Vec::new();
        let mut resources: Vec<&Member> = Vec::new();
        let mut principals: Vec<&Member> = Vec::new();
        let mut condition = None;
        let mut effect_seen = false;
        for m in members {
            match &*m.key.node {
                "Sid" => sid = self.string("Sid", &m.value),
                "Effect" => {
                    effect_seen = true;
                    effect = self.effect(&m.value);
                }
                "Action" | "NotAction" => push_last(&mut actions, m),
                "Resource" | "NotResource" => push_last(&mut resources, m),
                "Principal" | "NotPrincipal" => push_last(&mut principals, m),
                "Condition" => condition = Some(&m.value),
                _ => self.unknown_element(&m.key, STATEMENT_ELEMENTS, "statement"),
            }
        }
        if !effect_seen {
            self.problem(
                opening(json.span),
                "statement has no `Effect`",
                "this statement has no `Effect`",
                "add \"Effect\": \"Allow\" or \"Effect\": \"Deny\"",
            );
        }
        let action = self.action_clause(json, &actions);
        let principal = self.principal_clause(&principals);
        // A resource-based policy names who it applies to in every statement (IAM User Guide, "Principal":
        // "You must use the `Principal` element in resource-based policies"); services refuse one without it.
        if principals.is_empty() && self.kind == PolicyKind::Resource {
            self.problem(
                opening(json.span),
                "a statement of a resource-based policy has no `Principal`",
                "no `Principal` or `NotPrincipal`",
                "name who the statement applies to: \"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:role/name\"}, \
                 or \"*\"",
            );
        }
        // Judge a missing Resource by whether a principal was written, even if that element is itself wrong.
        let resource = self.resource_clause(json, &resources, !principals.is_empty());
        let conditions = condition.map(|c| self.conditions(c)).unwrap_or_default();
        if self.problems.len() > before {
            return None;
        }
        Some(Statement {
            sid,
            effect: effect?,
            principal,
            action: action?,
            resource,
            conditions,
            condition_span: condition.map(|c| c.span),
            placeholders: std::mem::take(&mut self.placeholders),
            span: json.span,
        })
    }

    fn effect(&mut self, json: &Json) -> Option<Spanned<Effect>> {
        let text = self.string("Effect", json)?;
        match &*text.node {
            "Allow" => Some(text.map(|_| Effect::Allow)),
            "Deny" => Some(text.map(|_| Effect::Deny)),
            other => {
                let help = match nearest(other, ["Allow", "Deny"]) {
                    Some(s) => format!("did you mean `{s}`? `Effect` is case-sensitive"),
                    None => "`Effect` is exactly \"Allow\" or \"Deny\"".to_owned(),
                };
                self.problem(json.span, format!("invalid `Effect` value `{other}`"), "not `Allow` or `Deny`", help);
                None
            }
        }
    }

    /// Exactly one of a pair of mutually exclusive elements (`Action`/`NotAction`, ...), else a problem.
    fn exclusive<'m>(&mut self, found: &[&'m Member], pair: (&str, &str)) -> Option<&'m Member> {
        if let [first, second, ..] = found {
            let (later, earlier) =
                if first.key.span.start > second.key.span.start { (first, second) } else { (second, first) };
            self.problems.push(PolicyProblem {
                span: later.key.span,
                message: format!("statement has both `{}` and `{}`", pair.0, pair.1),
                label: format!("`{}` here", later.key.node),
                help: format!(
                    "keep only one: `{}` and `{}` cannot be combined (`{}` is also given)",
                    pair.0, pair.1, earlier.key.node
                ),
            });
            return None;
        }
        found.first().copied()
    }

    fn action_clause(&mut self, statement: &Json, found: &[&Member]) -> Option<Spanned<ActionClause>> {
        if found.is_empty() {
            self.problem(
                opening(statement.span),
                "statement has no `Action` or `NotAction`",
                "this statement names no action",
                "add \"Action\": \"sts:GetWebIdentityToken\" (or the actions it governs)",
            );
            return None;
        }
        let member = self.exclusive(found, ("Action", "NotAction"))?;
        let mut patterns = Vec::new();
        for (text, span) in self.strings(&member.key.node, &member.value) {
            // `${Service}:Get*` is filled in by a template: no action to read yet.
            if placeholder::contains(text) {
                self.placeholders.push(span);
                continue;
            }
            match ActionPattern::parse(text) {
                // IAM refuses a wildcard in the service prefix when the policy is created ("Action vendors
                // (e.g., aws, ec2, etc.) must not contain wildcards"); AWS documents wildcards only in the
                // action name. Judging such a policy would answer for one AWS never holds.
                Some(p) if p.service().is_some_and(crate::policy::wildcard::has_wildcard) => self.problem(
                    span,
                    format!("the service prefix of `{text}` holds a wildcard: IAM rejects the policy"),
                    "wildcard in the service prefix",
                    "name the service (`sts:GetWebIdentityToken`); wildcards may appear in the action name, or \
                     write `*` alone for every action",
                ),
                Some(p) => patterns.push(Spanned::new(p, span)),
                None => self.problem(
                    span,
                    format!("invalid action `{text}`"),
                    "not of the form `service:action`",
                    "write actions as `service:ActionName` (e.g. `sts:GetWebIdentityToken`), or `*`",
                ),
            }
        }
        let clause = if &*member.key.node == "NotAction" {
            ActionClause::NotAction(patterns)
        } else {
            ActionClause::Action(patterns)
        };
        Some(Spanned::new(clause, member.value.span))
    }

    fn resource_clause(
        &mut self,
        statement: &Json,
        found: &[&Member],
        has_principal: bool,
    ) -> Option<Spanned<ResourceClause>> {
        if found.is_empty() {
            // Role trust policies have no Resource; a statement naming a principal may be one.
            let may_omit =
                matches!(self.kind, PolicyKind::Trust) || (has_principal && self.kind == PolicyKind::Unknown);
            if !may_omit {
                self.problem(
                    opening(statement.span),
                    "statement has no `Resource` or `NotResource`",
                    "this statement names no resource",
                    "add \"Resource\": \"*\" (token minting has no resource type)",
                );
            }
            return None;
        }
        let member = self.exclusive(found, ("Resource", "NotResource"))?;
        if self.kind == PolicyKind::Trust {
            self.problem(
                member.key.span,
                format!("a role trust policy cannot have `{}`", member.key.node),
                "not allowed in a trust policy",
                "remove it: the role itself is the resource of its trust policy",
            );
            return None;
        }
        let mut patterns = Vec::new();
        for (text, span) in self.strings(&member.key.node, &member.value) {
            self.note_placeholder(text, span);
            if let Some(t) = self.template(text, span) {
                patterns.push(Spanned::new(t, span));
            }
        }
        let clause = if &*member.key.node == "NotResource" {
            ResourceClause::NotResource(patterns)
        } else {
            ResourceClause::Resource(patterns)
        };
        Some(Spanned::new(clause, member.value.span))
    }

    /// Record `span` as a placeholder when `text` holds one.
    fn note_placeholder(&mut self, text: &str, span: Span) {
        if placeholder::contains(text) {
            self.placeholders.push(span);
        }
    }

    /// Parse policy variables; a malformed `${...}` is a problem pointing into the string (unless the string
    /// is a template's: `${ a b }` is its placeholder, not a misspelt variable).
    fn template(&mut self, text: &str, span: Span) -> Option<Template> {
        if !self.substitutes {
            return Some(Template::literal(text));
        }
        match Template::parse(text) {
            Ok(t) => Some(t),
            Err(_) if placeholder::contains(text) => Some(Template::literal(text)),
            Err(e) => {
                // +1 skips the opening quote; offsets inside are exact when the string has no escapes.
                let inner = Span::new(span.start + 1, span.end.saturating_sub(1));
                let sub = Span::from_range(inner.start as usize + e.start, inner.start as usize + e.end);
                let target = if sub.end <= inner.end { sub } else { span };
                self.problem(target, e.kind.message(), "malformed policy variable", e.kind.help());
                None
            }
        }
    }

    fn principal_clause(&mut self, found: &[&Member]) -> Option<Spanned<PrincipalClause>> {
        let member = self.exclusive(found, ("Principal", "NotPrincipal"))?;
        if self.kind.forbids_principal() {
            self.problem(
                member.key.span,
                format!("an {} cannot name a principal", self.kind.as_str()),
                format!("`{}` is for resource-based policies", member.key.node),
                "remove it: the principal is whoever the policy is attached to",
            );
            return None;
        }
        let set = match &member.value.kind {
            JsonKind::String(s) if &**s == "*" => PrincipalSet::Any,
            JsonKind::Object(entries) => {
                let mut out = Vec::new();
                for e in entries {
                    let Some(kind) = PrincipalKind::ALL.iter().find(|(n, _)| *n == &*e.key.node).map(|(_, k)| *k)
                    else {
                        let names: Vec<&str> = PrincipalKind::ALL.iter().map(|(n, _)| *n).collect();
                        self.unknown_element(&e.key, &names, "principal");
                        continue;
                    };
                    let values = self
                        .strings(&member.key.node, &e.value)
                        .into_iter()
                        .map(|(v, span)| {
                            self.note_placeholder(v, span);
                            Spanned::new(Box::<str>::from(v), span)
                        })
                        .collect();
                    out.push(PrincipalEntry { kind: Spanned::new(kind, e.key.span), values });
                }
                PrincipalSet::Typed(out)
            }
            _ => {
                self.wrong_type(
                    &member.key.node,
                    "\"*\" or an object such as {\"AWS\": \"arn:...\"}",
                    &member.value,
                    "write {\"AWS\": [\"arn:aws:iam::111122223333:root\"]} or \"*\"",
                );
                return None;
            }
        };
        let clause = if &*member.key.node == "NotPrincipal" {
            PrincipalClause::NotPrincipal(set)
        } else {
            PrincipalClause::Principal(set)
        };
        Some(Spanned::new(clause, member.value.span))
    }

    fn conditions(&mut self, json: &Json) -> Vec<ConditionClause> {
        let Some(blocks) = json.as_object() else {
            self.wrong_type("Condition", "an object", json, "write {\"StringEquals\": {\"key\": \"value\"}}");
            return Vec::new();
        };
        let mut clauses = Vec::new();
        for block in last_wins(blocks) {
            let operator = match Operator::parse(&block.key.node) {
                Ok(op) => Spanned::new(op, block.key.span),
                Err(e) => {
                    self.operator_problem(&block.key, e);
                    continue;
                }
            };
            let Some(keys) = block.value.as_object() else {
                self.wrong_type(
                    &block.key.node,
                    "an object of condition keys",
                    &block.value,
                    "write {\"aws:SourceVpc\": \"vpc-...\"}",
                );
                continue;
            };
            for entry in last_wins(keys) {
                if placeholder::contains(&entry.key.node) {
                    self.placeholders.push(entry.key.span);
                    // `${ConditionKey}` is no key at all until the template is filled.
                    if !entry.key.node.contains(':') {
                        continue;
                    }
                }
                if !entry.key.node.contains(':') || entry.key.node.starts_with(':') || entry.key.node.ends_with(':') {
                    self.problem(
                        entry.key.span,
                        format!("invalid condition key `{}`", entry.key.node),
                        "not of the form `prefix:name`",
                        "condition keys look like `aws:SourceVpc` or `sts:IdentityTokenAudience`",
                    );
                    continue;
                }
                let values = self.condition_values(&entry.value, operator.node);
                clauses.push(ConditionClause {
                    operator,
                    key: Spanned::new(ConditionKey::new(&entry.key.node), entry.key.span),
                    values,
                    values_span: entry.value.span,
                });
            }
        }
        clauses
    }

    fn operator_problem(&mut self, key: &Spanned<Box<str>>, error: OperatorError) {
        let (message, help) = match error {
            OperatorError::NullWithIfExists => (
                "`NullIfExists` is not an operator".to_owned(),
                "use `Null`: it already tests whether the key is present".to_owned(),
            ),
            OperatorError::Unknown { suggestion } | OperatorError::BadSetPrefix { suggestion } => (
                format!("unknown condition operator `{}`", key.node),
                match suggestion {
                    Some(s) => format!("did you mean `{s}`? operator names are case-sensitive"),
                    None => "see the IAM condition operators (StringEquals, NumericLessThanEquals, ...)".to_owned(),
                },
            ),
        };
        self.problem(key.span, message, "not a condition operator", help);
    }

    fn condition_values(&mut self, json: &Json, operator: Operator) -> Vec<Spanned<ConditionValue>> {
        let items: Vec<&Json> = match &json.kind {
            JsonKind::Array(items) => items.iter().collect(),
            _ => vec![json],
        };
        let mut out = Vec::new();
        for item in items {
            if placeholder::is_intrinsic(item) {
                self.placeholders.push(item.span);
                continue;
            }
            let literal = match &item.kind {
                JsonKind::String(s) => {
                    self.note_placeholder(s, item.span);
                    Literal::String(s.clone())
                }
                JsonKind::Number(n) => Literal::Number(n.raw().into()),
                JsonKind::Bool(b) => Literal::Bool(*b),
                _ => {
                    self.wrong_type(
                        "a condition value",
                        "a string, number, boolean or an array of them",
                        item,
                        "write \"value\" or [\"value1\", \"value2\"]",
                    );
                    continue;
                }
            };
            let template = match &literal {
                Literal::String(s) if operator.kind.takes_variables() => self.template(s, item.span),
                Literal::String(s) => Some(Template::literal(s)),
                Literal::Number(n) => Some(Template::literal(n)),
                Literal::Bool(b) => Some(Template::literal(if *b { "true" } else { "false" })),
            };
            if let Some(template) = template {
                out.push(Spanned::new(ConditionValue { literal, template }, item.span));
            }
        }
        out
    }
}

/// Keep one member per pair element, the later one when an element is written twice (most JSON parsers keep
/// the last; rule `duplicate-key` reports the repetition).
fn push_last<'m>(found: &mut Vec<&'m Member>, member: &'m Member) {
    found.retain(|m| m.key.node != member.key.node);
    found.push(member);
}

/// Members with a repeated key reduced to the last occurrence, in source order of that occurrence.
fn last_wins(members: &[Member]) -> impl Iterator<Item = &Member> {
    members
        .iter()
        .enumerate()
        .filter(move |(i, m)| !members.iter().skip(i + 1).any(|later| later.key.node == m.key.node))
        .map(|(_, m)| m)
}
