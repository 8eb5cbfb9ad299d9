//! `--cases` files: batch expectation tests ("role X may mint for aud Y, never for Z"), read with spans so
//! a typo such as `duraton` is an error that points at it, never a silently different test.

use crate::eval::ContextValue;
use crate::eval::Decision;
use crate::policy::PolicyProblem;
use crate::request::{Field, RequestSpec};
use crate::simulate::Verdict;
use crate::source::Span;
use crate::source::json::{Json, JsonKind};

pub mod fast;
pub mod run;
pub mod stream;

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

/// One expectation: a request (as given: fields the case leaves out come from the command line) and what
/// its decision must be.
#[derive(Clone, Debug)]
pub struct Case {
    pub name: String,
    pub request: RequestSpec,
    pub expect: Expect,
    /// The whole case.
    pub span: Span,
    /// Where each field is written, so a request that cannot be built is reported at its field.
    pub fields: Vec<(Field, Span)>,
}

impl Case {
    /// The span of a field of the case (a context key's value for a context key), else the whole case.
    pub fn span_of(&self, field: &Field) -> Span {
        self.fields.iter().find(|(f, _)| f == field).map_or(self.span, |(_, s)| *s)
    }
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
    "resource_account",
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

    fn time(&mut self, field: &str, v: &Json) -> Option<String> {
        let text = self.string(field, v)?;
        if crate::policy::value::date::Timestamp::parse(&text).is_none() {
            self.problem(
                v.span,
                format!("`{field}` is not a date: `{text}`"),
                "write an RFC 3339 time such as 2026-01-01T12:00:00Z",
            );
        }
        Some(text)
    }

    fn case(&mut self, index: usize, json: &Json) -> Option<Case> {
        let Some(members) = json.as_object() else {
            self.problem(json.span, "a case must be an object".into(), "write {\"name\": ..., \"expect\": ...}");
            return None;
        };
        let before = self.problems.len();
        let mut case = Case {
            name: format!("case {}", index + 1),
            request: RequestSpec::default(),
            expect: Expect::Deny,
            span: json.span,
            fields: Vec::new(),
        };
        let mut expect_seen = false;
        for m in members {
            let v = &m.value;
            let field = match &*m.key.node {
                "principal" => Some(Field::Principal),
                "principal_tags" => Some(Field::PrincipalTag),
                "audience" => Some(Field::Audience),
                "duration" => Some(Field::Duration),
                "signing_algorithm" => Some(Field::SigningAlgorithm),
                "tags" => Some(Field::Tag),
                "region" => Some(Field::Region),
                "time" => Some(Field::Time),
                "session_expiry" => Some(Field::SessionExpiry),
                "action" => Some(Field::Action),
                "resource" => Some(Field::Resource),
                "resource_account" => Some(Field::ResourceAccount),
                _ => None,
            };
            if let Some(field) = field {
                case.fields.push((field, v.span));
            }
            let r = &mut case.request;
            match &*m.key.node {
                "name" => case.name = self.string("name", v).unwrap_or(case.name),
                "principal" => r.principal = self.string("principal", v),
                "principal_tags" => r.principal_tags = self.pairs("principal_tags", v),
                "audience" => r.audiences = self.strings("audience", v),
                "duration" => match &v.kind {
                    JsonKind::Number(n) => match n.as_u64().and_then(|d| u32::try_from(d).ok()) {
                        Some(d) => r.duration = Some(d),
                        None => self.problem(v.span, "`duration` must be a whole number of seconds".into(), "e.g. 900"),
                    },
                    _ => self.problem(v.span, "`duration` must be a number".into(), "e.g. \"duration\": 900"),
                },
                "signing_algorithm" => r.signing_algorithm = self.string("signing_algorithm", v),
                "tags" => r.tags = self.pairs("tags", v),
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
                        case.fields.push((Field::Context(e.key.node.to_string()), e.value.span));
                        let value = match &e.value.kind {
                            JsonKind::Array(_) => ContextValue::Multi(
                                self.strings("context", &e.value).into_iter().map(Into::into).collect(),
                            ),
                            JsonKind::Number(n) => ContextValue::Single(n.raw().into()),
                            JsonKind::Bool(b) => ContextValue::Single(if *b { "true" } else { "false" }.into()),
                            _ => ContextValue::Single(self.string("context", &e.value).unwrap_or_default().into()),
                        };
                        case.request.context.push((e.key.node.to_string(), value));
                    }
                }
                "region" => r.region = self.string("region", v),
                "time" => r.time = self.time("time", v),
                "session_expiry" => r.session_expiry = self.time("session_expiry", v),
                "action" => r.action = self.string("action", v),
                "resource" => r.resource = self.string("resource", v),
                "resource_account" => r.resource_account = self.string("resource_account", v),
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

/// Read one case of a streamed file from its own text (spans are relative to `text`): `index` names it
/// (`case 3`) when it has no `name`.
pub fn parse_case(index: usize, text: &str) -> Result<Case, Vec<PolicyProblem>> {
    let json =
        crate::source::json::parse(text, &crate::source::json::Limits { max_bytes: usize::MAX, ..Default::default() })
            .map_err(|e| {
                vec![PolicyProblem {
                    span: e.span,
                    message: e.message(),
                    label: crate::lint::rules::invalid_json::label(&e.kind).to_owned(),
                    help: e.help(),
                }]
            })?;
    let mut reader = Reader { problems: Vec::new() };
    match reader.case(index, &json) {
        Some(case) if reader.problems.is_empty() => Ok(case),
        _ => Err(reader.problems),
    }
}

/// A request problem of a case, at its field (or at the whole case, when a flag gave it): spans relative to
/// the case's own text when it was read on its own.
pub fn case_problem(case: &Case, error: &crate::request::RequestError) -> PolicyProblem {
    let given_by_case = case.fields.iter().any(|(f, _)| *f == error.field);
    let (what, label) = if given_by_case {
        (format!("`{}`", error.field.case_field()), "this value".to_owned())
    } else {
        (error.field.flag(), format!("the case takes {} from the command line", error.field.flag()))
    };
    let span = if given_by_case { case.span_of(&error.field) } else { Span::new(case.span.start, case.span.start + 1) };
    PolicyProblem {
        span,
        message: format!("case `{}`: {what}: {}", case.name, error.message),
        label,
        help: String::new(),
    }
}

/// A problem in a cases file, or a case whose request cannot be built: a diagnostic of its own
/// (`mintlint::cases`), pointing into the file, never mistaken for a finding about a policy.
#[derive(Debug)]
pub struct CasesError {
    pub message: String,
    pub label: String,
    pub help: Option<String>,
    pub span: Span,
    /// The text the diagnostic is drawn from: the whole file, or (for a streamed file too large to hold) the
    /// one case or line it is about, numbered as the file's lines; windowed and escaped as findings are.
    source: crate::report::human::Excerpt,
}

impl CasesError {
    pub fn new(file: &crate::source::SourceFile, problem: &PolicyProblem) -> CasesError {
        CasesError {
            message: problem.message.clone(),
            label: problem.label.clone(),
            help: (!problem.help.is_empty()).then(|| problem.help.clone()),
            span: problem.span,
            source: crate::report::human::Excerpt::new(file),
        }
    }

    /// A problem drawn from an excerpt of the file: `text` starts at the 0-based `first_line`, and the
    /// problem's span is relative to `text`.
    pub fn in_excerpt(name: &str, text: String, first_line: u64, problem: &PolicyProblem) -> CasesError {
        CasesError {
            message: problem.message.clone(),
            label: problem.label.clone(),
            help: (!problem.help.is_empty()).then(|| problem.help.clone()),
            span: problem.span,
            source: crate::report::human::Excerpt::of_text(
                name,
                &text.into(),
                usize::try_from(first_line).unwrap_or(usize::MAX),
            ),
        }
    }
}

impl CasesError {
    /// A cases file that is not JSON (or not text): the reader's finding, drawn as a cases-file problem, since
    /// a cases file is not a policy and its problems are not lint findings.
    pub fn from_finding(finding: &crate::lint::finding::Finding) -> CasesError {
        CasesError {
            message: finding.message.clone(),
            label: finding.label.clone(),
            help: finding.help.clone(),
            span: finding.span,
            source: crate::report::human::Excerpt::new(&finding.source),
        }
    }
}

impl std::fmt::Display for CasesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Messages quote the file (an unknown field's name): escaped like every input-derived string.
        f.write_str(&crate::report::escape::text(&self.message))
    }
}

impl std::error::Error for CasesError {}

impl miette::Diagnostic for CasesError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new("mintlint::cases"))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(crate::report::escape::text(h)) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let label = (!self.label.is_empty()).then(|| crate::report::escape::text(&self.label).into_owned());
        let span = self.source.translate(self.span);
        Some(Box::new(std::iter::once(miette::LabeledSpan::new_primary_with_span(label, span))))
    }
}
