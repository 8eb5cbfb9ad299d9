//! `--cases` files: batch expectation tests ("role X may mint for aud Y, never for Z"), read with spans so
//! a typo such as `duraton` is an error that points at it, never a silently different test.

use crate::eval::ContextValue;
use crate::eval::Decision;
use crate::policy::PolicyProblem;
use crate::policy::value::date::Timestamp;
use crate::simulate::Verdict;
use crate::source::Span;
use crate::source::json::{Json, JsonKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    Allow,
    /// Anything but allow: an explicit or implicit deny, or a request the API refuses.
    Deny,
    ExplicitDeny,
    ImplicitDeny,
}

impl Expect {
    pub fn as_str(self) -> &'static str {
        match self {
            Expect::Allow => "allow",
            Expect::Deny => "deny",
            Expect::ExplicitDeny => "explicit-deny",
            Expect::ImplicitDeny => "implicit-deny",
        }
    }

    pub fn holds(self, verdict: &Verdict) -> bool {
        match self {
            Expect::Allow => verdict.is_allow(),
            Expect::Deny => !verdict.is_allow(),
            Expect::ExplicitDeny => *verdict == Verdict::Decided(Decision::ExplicitDeny),
            Expect::ImplicitDeny => *verdict == Verdict::Decided(Decision::ImplicitDeny),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Case {
    pub name: String,
    pub principal: Option<String>,
    pub principal_tags: Vec<(String, String)>,
    pub audience: Vec<String>,
    pub duration: Option<u32>,
    pub signing_algorithm: Option<String>,
    pub tags: Vec<(String, String)>,
    pub context: Vec<(String, ContextValue)>,
    pub region: Option<String>,
    pub time: Option<Timestamp>,
    pub session_expiry: Option<Timestamp>,
    pub action: Option<String>,
    pub resource: Option<String>,
    pub expect: Expect,
    pub span: Span,
}

const FIELDS: &[&str] = &[
    "name",
    "principal",
    "principal_tags",
    "audience",
    "duration",
    "signing_algorithm",
    "tags",
    "context",
    "region",
    "time",
    "session_expiry",
    "action",
    "resource",
    "expect",
];

struct Reader {
    problems: Vec<PolicyProblem>,
}

impl Reader {
    fn problem(&mut self, span: Span, message: String, help: &str) {
        self.problems.push(PolicyProblem { span, message, label: "here".into(), help: help.into() });
    }

    fn string(&mut self, field: &str, v: &Json) -> Option<String> {
        match &v.kind {
            JsonKind::String(s) => Some(s.to_string()),
            _ => {
                self.problem(
                    v.span,
                    format!("`{field}` must be a string, not {}", v.type_name()),
                    "write it in double quotes",
                );
                None
            }
        }
    }

    fn strings(&mut self, field: &str, v: &Json) -> Vec<String> {
        match &v.kind {
            JsonKind::String(s) => vec![s.to_string()],
            JsonKind::Array(items) => items.iter().filter_map(|i| self.string(field, i)).collect(),
            _ => {
                self.problem(v.span, format!("`{field}` must be a list of strings"), "write [\"...\"]");
                Vec::new()
            }
        }
    }

    fn pairs(&mut self, field: &str, v: &Json) -> Vec<(String, String)> {
        let Some(members) = v.as_object() else {
            self.problem(v.span, format!("`{field}` must be an object of strings"), "write {\"key\": \"value\"}");
            return Vec::new();
        };
        members.iter().filter_map(|m| Some((m.key.node.to_string(), self.string(field, &m.value)?))).collect()
    }

    fn time(&mut self, field: &str, v: &Json) -> Option<Timestamp> {
        let text = self.string(field, v)?;
        let parsed = Timestamp::parse(&text);
        if parsed.is_none() {
            self.problem(
                v.span,
                format!("`{field}` is not a date: `{text}`"),
                "write an RFC 3339 time such as 2026-01-01T12:00:00Z",
            );
        }
        parsed
    }

    fn case(&mut self, index: usize, json: &Json) -> Option<Case> {
        let Some(members) = json.as_object() else {
            self.problem(json.span, "a case must be an object".into(), "write {\"name\": ..., \"expect\": ...}");
            return None;
        };
        let before = self.problems.len();
        let mut case = Case {
            name: format!("case {}", index + 1),
            principal: None,
            principal_tags: Vec::new(),
            audience: Vec::new(),
            duration: None,
            signing_algorithm: None,
            tags: Vec::new(),
            context: Vec::new(),
            region: None,
            time: None,
            session_expiry: None,
            action: None,
            resource: None,
            expect: Expect::Deny,
            span: json.span,
        };
        let mut expect_seen = false;
        for m in members {
            let v = &m.value;
            match &*m.key.node {
                "name" => case.name = self.string("name", v).unwrap_or(case.name),
                "principal" => case.principal = self.string("principal", v),
                "principal_tags" => case.principal_tags = self.pairs("principal_tags", v),
                "audience" => case.audience = self.strings("audience", v),
                "duration" => match &v.kind {
                    JsonKind::Number(n) => match n.as_u64().and_then(|d| u32::try_from(d).ok()) {
                        Some(d) => case.duration = Some(d),
                        None => self.problem(v.span, "`duration` must be a whole number of seconds".into(), "e.g. 900"),
                    },
                    _ => self.problem(v.span, "`duration` must be a number".into(), "e.g. \"duration\": 900"),
                },
                "signing_algorithm" => case.signing_algorithm = self.string("signing_algorithm", v),
                "tags" => case.tags = self.pairs("tags", v),
                "context" => {
                    let Some(entries) = v.as_object() else {
                        self.problem(
                            v.span,
                            "`context` must be an object".into(),
                            "write {\"aws:SourceVpc\": \"vpc-...\"}",
                        );
                        continue;
                    };
                    for e in entries {
                        let value = match &e.value.kind {
                            JsonKind::Array(_) => ContextValue::Multi(
                                self.strings("context", &e.value).into_iter().map(Into::into).collect(),
                            ),
                            JsonKind::Number(n) => ContextValue::Single(n.raw().into()),
                            JsonKind::Bool(b) => ContextValue::Single(if *b { "true" } else { "false" }.into()),
                            _ => ContextValue::Single(self.string("context", &e.value).unwrap_or_default().into()),
                        };
                        case.context.push((e.key.node.to_string(), value));
                    }
                }
                "region" => case.region = self.string("region", v),
                "time" => case.time = self.time("time", v),
                "session_expiry" => case.session_expiry = self.time("session_expiry", v),
                "action" => case.action = self.string("action", v),
                "resource" => case.resource = self.string("resource", v),
                "expect" => {
                    expect_seen = true;
                    let text = self.string("expect", v).unwrap_or_default();
                    match text.as_str() {
                        "allow" => case.expect = Expect::Allow,
                        "deny" => case.expect = Expect::Deny,
                        "explicit-deny" => case.expect = Expect::ExplicitDeny,
                        "implicit-deny" => case.expect = Expect::ImplicitDeny,
                        _ => self.problem(
                            v.span,
                            format!("unknown expectation `{text}`"),
                            "use allow, deny, explicit-deny or implicit-deny",
                        ),
                    }
                }
                other => {
                    let help = crate::text::nearest(other, FIELDS.iter().copied()).map_or_else(
                        || format!("case fields are {}", FIELDS.join(", ")),
                        |s| format!("did you mean `{s}`?"),
                    );
                    self.problems.push(PolicyProblem {
                        span: m.key.span,
                        message: format!("unknown case field `{other}`"),
                        label: "not a case field".into(),
                        help,
                    });
                }
            }
        }
        if !expect_seen {
            self.problem(
                Span::new(json.span.start, json.span.start + 1),
                format!("case `{}` has no `expect`", case.name),
                "add \"expect\": \"allow\" or \"deny\"",
            );
        }
        (self.problems.len() == before).then_some(case)
    }
}

/// Read a cases file; every problem is returned with its span.
pub fn parse_cases(json: &Json) -> Result<Vec<Case>, Vec<PolicyProblem>> {
    let mut reader = Reader { problems: Vec::new() };
    let list = match json.get("cases") {
        Some(list) => list,
        None => {
            reader.problem(
                Span::new(json.span.start, json.span.start + 1),
                "cases file has no `cases` list".into(),
                "write {\"cases\": [{...}]}",
            );
            return Err(reader.problems);
        }
    };
    if let Some(members) = json.as_object() {
        for m in members.iter().filter(|m| &*m.key.node != "cases") {
            reader.problems.push(PolicyProblem {
                span: m.key.span,
                message: format!("unknown top-level field `{}`", m.key.node),
                label: "not part of a cases file".into(),
                help: "a cases file holds only {\"cases\": [...]}".into(),
            });
        }
    }
    let Some(items) = list.as_array() else {
        reader.problem(list.span, "`cases` must be a list".into(), "write \"cases\": [{...}, {...}]");
        return Err(reader.problems);
    };
    let cases: Vec<Case> = items.iter().enumerate().filter_map(|(i, c)| reader.case(i, c)).collect();
    if reader.problems.is_empty() { Ok(cases) } else { Err(reader.problems) }
}
