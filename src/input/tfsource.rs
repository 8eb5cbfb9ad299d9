//! Terraform source (`.tf`) into the inventory, read statically.
//!
//! Parsed with `hcl-edit`: unlike `hcl-rs` (values only) it keeps the byte span of every attribute, block and
//! expression, and findings must point at the HCL line a developer just changed.
//!
//! Each policy becomes a JSON value whose spans are HCL spans of the `.tf` file: a policy-document data
//! source is assembled from its `statement` blocks (a condition's operator spans its `condition` block),
//! `jsonencode({...})` maps each key to the HCL key, and heredoc JSON is parsed in place. The document's
//! source is the `.tf` text itself, named `main.tf › data.aws_iam_policy_document.mint`, so line and
//! column are the file's own. A policy read by `file("x.json")` points into that file.
//!
//! What cannot be known without applying (resource attributes, variables without a literal value,
//! `for` expressions, `dynamic` blocks, function calls other than `jsonencode`/`file`) is never guessed: the
//! document is reported unknown (MINT008) at the expression that makes it so.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::template::{Element, Template};

use crate::inventory::{Group, Inventory, Origin, PolicyDocument, PolicyRef, Principal, PrincipalKind};
use crate::lint::Finding;
use crate::lint::rules::{invalid_json, invalid_policy, policy_unknown_until_apply};
use crate::policy::{PolicyKind, PolicyProblem};
use crate::source::json::{self, Json, JsonKind, Limits, Member};
use crate::source::{SourceFile, Span, Spanned};

use super::terraform::RESOURCE_POLICIES;

/// How deep locals may refer to locals: a cycle in malformed input must end.
const MAX_DEPTH: usize = 16;

/// Whether a path is Terraform source, by extension (HCL is not JSON: content cannot tell).
pub fn is_terraform_source(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("tf"))
}

/// A value that cannot be known statically, and the expression that makes it so.
#[derive(Clone, Debug)]
struct Unknown {
    span: Span,
    why: String,
}

type Value = Result<Json, Unknown>;

struct TfFile {
    source: Arc<SourceFile>,
    body: Body,
}

/// One module: the `.tf` files of a directory, with its variables, locals and policy-document data sources.
struct Module {
    dir: PathBuf,
    files: Vec<TfFile>,
    /// Name → (file, expression): the `terraform.tfvars` value or else the literal `default`.
    variables: HashMap<String, (usize, Expression)>,
    /// For a child module: the values its `module` block passes (they win over defaults).
    bound: HashMap<String, Value>,
    /// `module.NAME.` for each module call above this one; empty for the root module.
    prefix: String,
    locals: HashMap<String, (usize, Expression)>,
    data_documents: HashMap<String, (usize, Block)>,
    limits: Limits,
    findings: Vec<Finding>,
}

fn span_of(range: Option<std::ops::Range<usize>>, fallback: Span) -> Span {
    range.map_or(fallback, |r| Span::from_range(r.start, r.end))
}

fn string(text: impl Into<Box<str>>, span: Span) -> Json {
    Json { kind: JsonKind::String(text.into()), span }
}

fn member(key: &str, key_span: Span, value: Json) -> Member {
    Member { key: Spanned::new(key.into(), key_span), value }
}

/// Point every node of a value at one span (a value computed elsewhere, shown where it is used).
fn respan(value: &mut Json, span: Span) {
    value.span = span;
    match &mut value.kind {
        JsonKind::Array(items) => items.iter_mut().for_each(|v| respan(v, span)),
        JsonKind::Object(members) => {
            for m in members {
                m.key.span = span;
                respan(&mut m.value, span);
            }
        }
        _ => {}
    }
}

/// Move every span of a value parsed from a slice to the slice's place in the file.
fn shift(value: &mut Json, by: u32) {
    value.span = Span::new(value.span.start.saturating_add(by), value.span.end.saturating_add(by));
    match &mut value.kind {
        JsonKind::Array(items) => items.iter_mut().for_each(|v| shift(v, by)),
        JsonKind::Object(members) => {
            for m in members {
                m.key.span = Span::new(m.key.span.start.saturating_add(by), m.key.span.end.saturating_add(by));
                shift(&mut m.value, by);
            }
        }
        _ => {}
    }
}

fn label(block: &Block, i: usize) -> Option<&str> {
    block.labels.get(i).map(|l| l.as_str())
}

fn blocks<'a>(body: &'a Body, ident: &'a str) -> impl Iterator<Item = &'a Block> {
    body.iter().filter_map(Structure::as_block).filter(move |b| b.ident.as_str() == ident)
}

fn attribute<'a>(body: &'a Body, key: &str) -> Option<&'a Expression> {
    body.iter().filter_map(Structure::as_attribute).find(|a| a.key.as_str() == key).map(|a| &a.value)
}

fn attribute_key_span(body: &Body, key: &str, fallback: Span) -> Span {
    body.iter()
        .filter_map(Structure::as_attribute)
        .find(|a| a.key.as_str() == key)
        .map_or(fallback, |a| span_of(a.key.span(), fallback))
}

impl Module {
    fn read(dir: &Path, paths: &[PathBuf], limits: &Limits) -> Module {
        let mut module = Module {
            dir: dir.to_path_buf(),
            files: Vec::new(),
            variables: HashMap::new(),
            bound: HashMap::new(),
            prefix: String::new(),
            locals: HashMap::new(),
            data_documents: HashMap::new(),
            limits: *limits,
            findings: Vec::new(),
        };
        for path in paths {
            if let Some((source, body)) = module.parse(path) {
                module.files.push(TfFile { source, body });
            }
        }
        let mut tfvars = Vec::new();
        for (f, file) in module.files.iter().enumerate() {
            for block in file.body.iter().filter_map(Structure::as_block) {
                match (block.ident.as_str(), label(block, 0), label(block, 1)) {
                    ("variable", Some(name), _) => {
                        if let Some(default) = attribute(&block.body, "default") {
                            module.variables.insert(name.to_owned(), (f, default.clone()));
                        }
                    }
                    ("locals", _, _) => {
                        for a in block.body.iter().filter_map(Structure::as_attribute) {
                            module.locals.insert(a.key.as_str().to_owned(), (f, a.value.clone()));
                        }
                    }
                    ("data", Some("aws_iam_policy_document"), Some(name)) => {
                        module.data_documents.insert(name.to_owned(), (f, block.clone()));
                    }
                    _ => {}
                }
            }
        }
        // `terraform.tfvars` beside the configuration wins over defaults, as `terraform plan` reads it.
        let tfvars_path = dir.join("terraform.tfvars");
        if tfvars_path.is_file()
            && let Some((source, body)) = module.parse(&tfvars_path)
        {
            let f = module.files.len();
            for a in body.iter().filter_map(Structure::as_attribute) {
                tfvars.push((a.key.as_str().to_owned(), (f, a.value.clone())));
            }
            module.files.push(TfFile { source, body: Body::new() });
        }
        module.variables.extend(tfvars);
        module
    }

    fn parse(&mut self, path: &Path) -> Option<(Arc<SourceFile>, Body)> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                let source = Arc::new(SourceFile::from_path(path, ""));
                self.findings.push(invalid_json::unreadable(&source, &e.to_string()));
                return None;
            }
        };
        let source = match super::decode_text(path, &bytes, &self.limits) {
            Ok(s) => s,
            Err((source, error)) => {
                self.findings.push(invalid_json::finding(&source, &error));
                return None;
            }
        };
        match hcl_edit::parser::parse_body(&source.text) {
            Ok(body) => Some((source, body)),
            Err(error) => {
                let at = error.location().offset();
                let problem = PolicyProblem {
                    span: Span::from_range(at, at.saturating_add(1)),
                    message: format!("`{}` is not valid HCL: {}", source.name, error.message()),
                    label: "the parser stopped here".to_owned(),
                    help: "fix the syntax (`terraform validate` says the same); no policy of this file was checked"
                        .to_owned(),
                };
                self.findings.push(invalid_policy::finding(&source, &problem));
                None
            }
        }
    }

    fn source(&self, f: usize) -> Option<&Arc<SourceFile>> {
        self.files.get(f).map(|t| &t.source)
    }

    // ----- expressions -----

    /// The value of an expression of file `f`, spans into that file.
    fn eval(&self, f: usize, expr: &Expression, depth: usize) -> Value {
        let span = span_of(expr.span(), Span::at(0));
        let unknown = |why: &str| Err(Unknown { span, why: why.to_owned() });
        if depth > MAX_DEPTH {
            return unknown("a reference cycle among locals");
        }
        match expr {
            Expression::Null(_) => Ok(Json { kind: JsonKind::Null, span }),
            Expression::Bool(b) => Ok(Json { kind: JsonKind::Bool(*b.value()), span }),
            Expression::Number(n) => {
                let mut v = json::parse(&n.value().to_string(), &self.limits)
                    .map_err(|_| Unknown { span, why: "a number JSON cannot hold".to_owned() })?;
                v.span = span;
                Ok(v)
            }
            Expression::String(s) => Ok(string(s.value().as_str(), span)),
            Expression::Array(a) => {
                let items = a.iter().map(|e| self.eval(f, e, depth)).collect::<Result<Vec<_>, _>>()?;
                Ok(Json { kind: JsonKind::Array(items), span })
            }
            Expression::Object(o) => {
                let mut members = Vec::new();
                for (k, v) in o.iter() {
                    let (key, key_span) = match k {
                        ObjectKey::Ident(id) => (id.as_str().to_owned(), span_of(id.span(), span)),
                        ObjectKey::Expression(e) => {
                            let key = self.eval(f, e, depth)?;
                            match key.kind {
                                JsonKind::String(s) => (s.to_string(), key.span),
                                _ => {
                                    return Err(Unknown {
                                        span: key.span,
                                        why: "an object key that is no string".into(),
                                    });
                                }
                            }
                        }
                    };
                    members.push(member(&key, key_span, self.eval(f, v.expr(), depth)?));
                }
                Ok(Json { kind: JsonKind::Object(members), span })
            }
            Expression::StringTemplate(t) => self.template(f, t, span, depth),
            Expression::HeredocTemplate(h) => self.template(f, &h.template, span, depth),
            Expression::Parenthesis(p) => self.eval(f, p.inner(), depth),
            Expression::Traversal(t) => self.traversal(f, t, span, depth),
            Expression::FuncCall(call) => match call.name.name.as_str() {
                // Conversions that leave a policy's meaning as written: a list, a set and a string are all
                // JSON arrays or strings to IAM.
                "jsonencode" | "tolist" | "toset" | "tostring" => {
                    let mut args = call.args.iter();
                    match (args.next(), args.next()) {
                        (Some(arg), None) => {
                            let mut v = self.eval(f, arg, depth)?;
                            if call.name.name.as_str() == "tostring"
                                && let JsonKind::Number(n) = &v.kind
                            {
                                v = string(n.raw(), v.span);
                            }
                            Ok(v)
                        }
                        _ => unknown("a conversion takes one argument"),
                    }
                }
                "concat" => {
                    let mut items = Vec::new();
                    for arg in call.args.iter() {
                        let v = self.eval(f, arg, depth)?;
                        match v.kind {
                            JsonKind::Array(more) => items.extend(more),
                            _ => return Err(Unknown { span: v.span, why: "`concat` of something not a list".into() }),
                        }
                    }
                    Ok(Json { kind: JsonKind::Array(items), span })
                }
                name => Err(Unknown { span, why: format!("the result of `{name}(...)` is not computed statically") }),
            },
            Expression::Variable(v) => {
                Err(Unknown { span, why: format!("`{}` is known only while Terraform evaluates", v.as_str()) })
            }
            Expression::ForExpr(_) => unknown("a `for` expression is not evaluated statically"),
            Expression::Conditional(_) => unknown("a conditional expression is not evaluated statically"),
            Expression::UnaryOp(_) | Expression::BinaryOp(_) => unknown("an operation is not evaluated statically"),
        }
    }

    fn template(&self, f: usize, template: &Template, span: Span, depth: usize) -> Value {
        let mut text = String::new();
        for element in template.iter() {
            match element {
                Element::Literal(s) => text.push_str(s.value()),
                Element::Interpolation(i) => {
                    let v = self.eval(f, &i.expr, depth)?;
                    match &v.kind {
                        JsonKind::String(s) => text.push_str(s),
                        JsonKind::Number(n) => text.push_str(n.raw()),
                        JsonKind::Bool(b) => text.push_str(if *b { "true" } else { "false" }),
                        _ => return Err(Unknown { span: v.span, why: "an interpolation that is no string".into() }),
                    }
                }
                Element::Directive(_) => {
                    return Err(Unknown { span, why: "a template directive is not evaluated statically".into() });
                }
            }
        }
        Ok(string(text, span))
    }

    fn traversal(&self, f: usize, t: &hcl_edit::expr::Traversal, span: Span, depth: usize) -> Value {
        let root = t.expr.as_variable().map(|v| v.as_str().to_owned()).unwrap_or_default();
        let names: Vec<Option<&str>> = t
            .operators
            .iter()
            .map(|op| match op.value() {
                TraversalOperator::GetAttr(id) => Some(id.as_str()),
                _ => None,
            })
            .collect();
        let first = names.first().copied().flatten();
        let mut text = root.clone();
        for name in names.iter().map_while(|n| *n) {
            text.push('.');
            text.push_str(name);
        }
        let unknown = |why: String| Err(Unknown { span, why });
        let (mut value, rest) = match (root.as_str(), first) {
            ("var", Some(name)) if self.bound.contains_key(name) => match self.bound.get(name) {
                Some(Ok(v)) => (v.clone(), 1),
                _ => return unknown(format!("the module call's `{name}` is not known statically")),
            },
            ("var", Some(name)) => match self.variables.get(name) {
                Some((vf, e)) => (
                    self.eval(*vf, e, depth + 1)
                        .map_err(|_| Unknown { span, why: format!("`var.{name}` has no literal value") })?,
                    1,
                ),
                None => return unknown(format!("`var.{name}` has no literal default and no `terraform.tfvars` value")),
            },
            ("local", Some(name)) => match self.locals.get(name) {
                Some((lf, e)) => (self.eval(*lf, e, depth + 1).map_err(|u| Unknown { span, why: u.why })?, 1),
                None => return unknown(format!("`local.{name}` is not defined in this module")),
            },
            ("path", Some("module" | "root")) => (string(".", span), 1),
            ("data", Some("aws_iam_policy_document")) => {
                let name = names.get(1).copied().flatten().unwrap_or_default();
                let attr = names.get(2).copied().flatten();
                match (self.data_documents.get(name), attr) {
                    (Some((df, block)), Some("json" | "minified_json")) => {
                        let doc = self.policy_document(*df, block, depth + 1)?;
                        if *df == f {
                            return Ok(doc);
                        }
                        (doc, 3)
                    }
                    _ => return unknown(format!("`{text}` is not a policy document of this module")),
                }
            }
            _ => return unknown(format!("`{text}` is known only after apply")),
        };
        // A value defined elsewhere (a variable default, a local) is shown where it is used.
        respan(&mut value, span);
        for op in t.operators.iter().skip(rest) {
            let next = match op.value() {
                TraversalOperator::GetAttr(id) => value.get(id.as_str()).cloned(),
                TraversalOperator::Index(e) => match self.eval(f, e, depth)?.kind {
                    JsonKind::Number(n) => {
                        n.as_u64().and_then(|i| value.as_array()?.get(usize::try_from(i).ok()?).cloned())
                    }
                    JsonKind::String(k) => value.get(&k).cloned(),
                    _ => None,
                },
                TraversalOperator::LegacyIndex(i) => {
                    usize::try_from(*i.value()).ok().and_then(|i| value.as_array()?.get(i).cloned())
                }
                _ => None,
            };
            value = match next {
                Some(v) => v,
                None => return unknown(format!("`{text}` is not known statically")),
            };
        }
        Ok(value)
    }

    // ----- policy documents -----

    /// A `data "aws_iam_policy_document"` block as the provider renders it: `source_policy_documents` first,
    /// then its own statements (replacing a source statement of the same `sid`), then
    /// `override_policy_documents` (replacing by `sid`, else appended).
    fn policy_document(&self, f: usize, block: &Block, depth: usize) -> Value {
        let span = span_of(block.span(), Span::at(0));
        if depth > MAX_DEPTH {
            return Err(Unknown { span, why: "policy documents that include each other".into() });
        }
        if let Some(d) = blocks(&block.body, "dynamic").next() {
            return Err(Unknown {
                span: span_of(d.span(), span),
                why: "a `dynamic` block is expanded only while Terraform evaluates".into(),
            });
        }
        let mut statements: Vec<Json> = Vec::new();
        let mut version = None;
        for attr in ["source_policy_documents", "override_policy_documents"] {
            if attr == "override_policy_documents" {
                for s in blocks(&block.body, "statement") {
                    merge(&mut statements, self.statement(f, s, depth)?);
                }
            }
            let Some(expr) = attribute(&block.body, attr) else { continue };
            let list = self.eval(f, expr, depth)?;
            for doc in list.as_array().unwrap_or_default() {
                let doc = self.policy_text(doc.clone())?;
                if version.is_none() {
                    version = doc.get("Version").cloned();
                }
                let list: Vec<Json> = match doc.get("Statement").map(|s| &s.kind) {
                    Some(JsonKind::Array(items)) => items.clone(),
                    Some(_) => doc.get("Statement").cloned().into_iter().collect(),
                    None => Vec::new(),
                };
                for s in list {
                    merge(&mut statements, s);
                }
            }
        }
        let version = match attribute(&block.body, "version") {
            Some(e) => self.eval(f, e, depth)?,
            None => version.unwrap_or_else(|| string("2012-10-17", span_of(block.ident.span(), span))),
        };
        let key = span_of(block.ident.span(), span);
        let mut members = vec![member("Version", version.span, version)];
        if let Some(id) = attribute(&block.body, "policy_id") {
            let v = self.eval(f, id, depth)?;
            members.push(member("Id", v.span, v));
        }
        members.push(member("Statement", key, Json { kind: JsonKind::Array(statements), span }));
        Ok(Json { kind: JsonKind::Object(members), span })
    }

    /// A policy given as a string (heredoc, `file`, a data source's `json`) or an object: the document.
    fn policy_text(&self, value: Json) -> Value {
        match &value.kind {
            JsonKind::Object(_) => Ok(value),
            JsonKind::String(s) => match json::parse(s, &self.limits) {
                Ok(mut v) => {
                    respan(&mut v, value.span);
                    Ok(v)
                }
                Err(_) => Err(Unknown { span: value.span, why: "a policy string that is not JSON".into() }),
            },
            _ => Err(Unknown {
                span: value.span,
                why: format!("a policy must be a JSON string, not {}", value.type_name()),
            }),
        }
    }

    fn statement(&self, f: usize, block: &Block, depth: usize) -> Value {
        let span = span_of(block.span(), Span::at(0));
        let key = span_of(block.ident.span(), span);
        let body = &block.body;
        if let Some(d) = blocks(body, "dynamic").next() {
            return Err(Unknown {
                span: span_of(d.span(), span),
                why: "a `dynamic` block is expanded only while Terraform evaluates".into(),
            });
        }
        let mut members = Vec::new();
        let put = |name: &str, attr: &str, members: &mut Vec<Member>| -> Result<(), Unknown> {
            if let Some(e) = attribute(body, attr) {
                let v = self.eval(f, e, depth)?;
                // An empty `sid` or list is how the provider says "not set".
                let empty = v.as_str() == Some("") || v.as_array().is_some_and(<[Json]>::is_empty) || v.is_null();
                if !empty {
                    members.push(member(name, attribute_key_span(body, attr, span), v));
                }
            }
            Ok(())
        };
        put("Sid", "sid", &mut members)?;
        match attribute(body, "effect") {
            Some(_) => put("Effect", "effect", &mut members)?,
            None => members.push(member("Effect", key, string("Allow", key))),
        }
        put("Action", "actions", &mut members)?;
        put("NotAction", "not_actions", &mut members)?;
        put("Resource", "resources", &mut members)?;
        put("NotResource", "not_resources", &mut members)?;
        for (name, ident) in [("Principal", "principals"), ("NotPrincipal", "not_principals")] {
            let mut by_type: Vec<Member> = Vec::new();
            let mut first = None;
            for p in blocks(body, ident) {
                let pspan = span_of(p.span(), span);
                first.get_or_insert(span_of(p.ident.span(), pspan));
                let ty = self.required(f, &p.body, "type", pspan, depth)?;
                let ids = self.required(f, &p.body, "identifiers", pspan, depth)?;
                let ty_text = ty.as_str().unwrap_or_default().to_owned();
                let ids: Vec<Json> = match ids.kind {
                    JsonKind::Array(items) => items,
                    _ => vec![ids],
                };
                match by_type.iter_mut().find(|m| *m.key.node == *ty_text) {
                    Some(m) => {
                        if let JsonKind::Array(items) = &mut m.value.kind {
                            items.extend(ids);
                        }
                    }
                    None => by_type.push(member(&ty_text, ty.span, Json { kind: JsonKind::Array(ids), span: pspan })),
                }
            }
            if let Some(first) = first {
                // `type = "*"` with `identifiers = ["*"]` is how the provider writes `"Principal": "*"`.
                let value = match by_type.as_slice() {
                    [m] if &*m.key.node == "*" => string("*", m.value.span),
                    _ => Json { kind: JsonKind::Object(by_type), span: first },
                };
                members.push(member(name, first, value));
            }
        }
        let mut operators: Vec<Member> = Vec::new();
        let mut first = None;
        for c in blocks(body, "condition") {
            let cspan = span_of(c.span(), span);
            first.get_or_insert(span_of(c.ident.span(), cspan));
            let test = self.required(f, &c.body, "test", cspan, depth)?;
            let variable = self.required(f, &c.body, "variable", cspan, depth)?;
            let values = self.required(f, &c.body, "values", cspan, depth)?;
            let test_text = test.as_str().unwrap_or_default().to_owned();
            let variable_text = variable.as_str().unwrap_or_default();
            let entry = member(variable_text, variable.span, values);
            match operators.iter_mut().find(|m| *m.key.node == *test_text) {
                Some(m) => {
                    if let JsonKind::Object(entries) = &mut m.value.kind {
                        entries.push(entry);
                    }
                }
                // The operator's key spans the whole `condition` block: a finding on it lands on the block.
                None => {
                    operators.push(member(&test_text, cspan, Json { kind: JsonKind::Object(vec![entry]), span: cspan }))
                }
            }
        }
        if let Some(first) = first {
            members.push(member("Condition", first, Json { kind: JsonKind::Object(operators), span: first }));
        }
        Ok(Json { kind: JsonKind::Object(members), span })
    }

    fn required(&self, f: usize, body: &Body, attr: &str, span: Span, depth: usize) -> Value {
        match attribute(body, attr) {
            Some(e) => self.eval(f, e, depth),
            None => Err(Unknown { span, why: format!("the block has no `{attr}`") }),
        }
    }

    /// The policy an attribute holds, with the source its spans point into.
    fn policy_of(&self, f: usize, expr: &Expression) -> Result<(Arc<SourceFile>, Json), PolicyError> {
        let own = self.source(f).cloned().ok_or(PolicyError::Absent)?;
        let span = span_of(expr.span(), Span::at(0));
        match expr {
            Expression::FuncCall(call) if matches!(call.name.name.as_str(), "file" | "templatefile") => {
                let arg = call.args.iter().next().ok_or(PolicyError::Absent)?;
                let path = self.eval(f, arg, 0).map_err(PolicyError::Unknown)?;
                let path = path.as_str().unwrap_or_default();
                let path = self.dir.join(path.strip_prefix("./").unwrap_or(path));
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    PolicyError::Unknown(Unknown { span, why: format!("`{}` cannot be read: {e}", path.display()) })
                })?;
                if call.name.name.as_str() == "templatefile" && (text.contains("${") || text.contains("%{")) {
                    return Err(PolicyError::Unknown(Unknown {
                        span,
                        why: "a template with interpolations is rendered only while Terraform evaluates".into(),
                    }));
                }
                let source = Arc::new(SourceFile::from_path(&path, text));
                match json::parse(&source.text, &self.limits) {
                    Ok(v) => Ok((source, v)),
                    Err(e) => Err(PolicyError::Invalid(Box::new(invalid_json::finding(&source, &e)))),
                }
            }
            Expression::HeredocTemplate(h)
                if h.template.iter().count() == 1
                    && h.template.iter().all(Element::is_literal)
                    && h.template
                        .iter()
                        .filter_map(|e| e.as_literal()?.span())
                        .all(|r| own.text.get(r).is_some_and(|t| !t.contains("$${") && !t.contains("%%{"))) =>
            {
                // Parsed in place, so spans are the file's own; `<<-` indentation is JSON whitespace.
                let range = h.template.iter().next().and_then(|e| e.as_literal()).and_then(|l| l.span());
                let Some(range) = range else { return Err(PolicyError::Absent) };
                let text = own.text.get(range.clone()).unwrap_or_default();
                match json::parse(text, &self.limits) {
                    Ok(mut v) => {
                        shift(&mut v, u32::try_from(range.start).unwrap_or(u32::MAX));
                        Ok((own, v))
                    }
                    Err(mut e) => {
                        let by = u32::try_from(range.start).unwrap_or(u32::MAX);
                        e.span = Span::new(e.span.start.saturating_add(by), e.span.end.saturating_add(by));
                        Err(PolicyError::Invalid(Box::new(invalid_json::finding(&own, &e))))
                    }
                }
            }
            Expression::HeredocTemplate(h) => {
                // Rendered (interpolations resolved, escapes decoded) and parsed; each span is mapped back
                // through the pieces it came from: a literal piece offset by offset, an interpolation to
                // the expression that produced it.
                let mut text = String::new();
                // (rendered start, source span, source offset of each rendered byte of a literal piece)
                let mut pieces: Vec<(u32, Span, Option<Vec<u32>>)> = Vec::new();
                for element in h.template.iter() {
                    let at = u32::try_from(text.len()).unwrap_or(u32::MAX);
                    match element {
                        Element::Literal(l) => {
                            text.push_str(l.value());
                            let source = span_of(l.span(), span);
                            let raw = own.text.get(source.range()).unwrap_or_default();
                            pieces.push((at, source, Some(align(l.value(), raw, source.start))));
                        }
                        Element::Interpolation(i) => {
                            let v = self.eval(f, &i.expr, 0).map_err(PolicyError::Unknown)?;
                            match &v.kind {
                                JsonKind::String(s) => text.push_str(s),
                                JsonKind::Number(n) => text.push_str(n.raw()),
                                JsonKind::Bool(b) => text.push_str(if *b { "true" } else { "false" }),
                                _ => {
                                    return Err(PolicyError::Unknown(Unknown {
                                        span: span_of(i.expr.span(), span),
                                        why: "an interpolation that is no string".into(),
                                    }));
                                }
                            }
                            pieces.push((at, span_of(i.span(), span), None));
                        }
                        Element::Directive(_) => {
                            return Err(PolicyError::Unknown(Unknown {
                                span,
                                why: "a template directive is not evaluated statically".into(),
                            }));
                        }
                    }
                }
                let map = |offset: u32, end: bool| -> u32 {
                    let piece = pieces.iter().rev().find(|(at, _, _)| *at < offset || (!end && *at == offset));
                    match piece {
                        Some((at, source, Some(offsets))) => {
                            offsets.get((offset - at) as usize).copied().unwrap_or(source.end)
                        }
                        Some((_, source, None)) => {
                            if end {
                                source.end
                            } else {
                                source.start
                            }
                        }
                        None => span.start,
                    }
                };
                match json::parse(&text, &self.limits) {
                    Ok(mut v) => {
                        remap(&mut v, &map);
                        Ok((own, v))
                    }
                    Err(mut e) => {
                        e.span =
                            Span::new(map(e.span.start, false), map(e.span.end, true).max(map(e.span.start, false)));
                        Err(PolicyError::Invalid(Box::new(invalid_json::finding(&own, &e))))
                    }
                }
            }
            _ => {
                let value = self.eval(f, expr, 0).map_err(PolicyError::Unknown)?;
                if value.is_null() {
                    return Err(PolicyError::Absent);
                }
                let value = self.policy_text(value).map_err(PolicyError::Unknown)?;
                Ok((own, value))
            }
        }
    }
}

/// MINT008 for a policy that depends on a value not known statically (`var.x` without a value, a resource
/// attribute, `for`, `dynamic`): the expression's span, why, and that the policy is left unchecked.
fn not_static(
    source: &Arc<SourceFile>,
    u: &Unknown,
    entry: &str,
    attr: &str,
    kind: PolicyKind,
    subject: &str,
) -> crate::lint::Finding {
    let mut finding = policy_unknown_until_apply::finding(source, u.span, entry, attr, kind);
    finding.message = format!("{subject} is not known statically");
    finding.label = u.why.clone();
    finding.help = Some(
        "this policy is not checked: give it literal values, or check the plan (`terraform show -json`)".to_owned(),
    );
    finding
}

/// Why an attribute yields no document.
enum PolicyError {
    Absent,
    Unknown(Unknown),
    Invalid(Box<Finding>),
}

/// The source offset of each byte of a decoded heredoc literal (and one past its end). The decoded text is
/// the raw text with characters removed (`<<-` indentation, the first `$` of `$${`), so a greedy walk that
/// skips raw characters until the next decoded one matches finds where each came from.
fn align(decoded: &str, raw: &str, start: u32) -> Vec<u32> {
    let raw = raw.as_bytes();
    let mut out = Vec::with_capacity(decoded.len() + 1);
    let mut j = 0usize;
    for &b in decoded.as_bytes() {
        while raw.get(j).is_some_and(|&r| r != b) {
            j += 1;
        }
        out.push(start.saturating_add(u32::try_from(j).unwrap_or(u32::MAX)));
        if j < raw.len() {
            j += 1;
        }
    }
    out.push(start.saturating_add(u32::try_from(j).unwrap_or(u32::MAX)));
    out
}

/// Map every span of a value parsed from rendered text back to the source.
fn remap(value: &mut Json, map: &dyn Fn(u32, bool) -> u32) {
    value.span = Span::new(map(value.span.start, false), map(value.span.end, true));
    match &mut value.kind {
        JsonKind::Array(items) => items.iter_mut().for_each(|v| remap(v, map)),
        JsonKind::Object(members) => {
            for m in members {
                m.key.span = Span::new(map(m.key.span.start, false), map(m.key.span.end, true));
                remap(&mut m.value, map);
            }
        }
        _ => {}
    }
}

/// Add a statement, replacing one with the same non-empty `Sid`.
fn merge(statements: &mut Vec<Json>, statement: Json) {
    let sid = statement.get("Sid").and_then(Json::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
    if let Some(sid) = sid
        && let Some(slot) = statements.iter_mut().find(|s| s.get("Sid").and_then(Json::as_str) == Some(sid.as_str()))
    {
        *slot = statement;
        return;
    }
    statements.push(statement);
}

/// What an attribute refers to: a resource address (`aws_iam_role.x`), or a literal name or ARN.
enum Target {
    Address(String),
    Literal(String),
    Unknown(String),
}

/// Inventory being built, with resource addresses for the link pass.
#[derive(Default)]
struct Builder {
    inv: Inventory,
    principal_of: HashMap<String, usize>,
    group_of: HashMap<String, usize>,
    document_of: HashMap<String, usize>,
    unknown_document: HashMap<String, String>,
    data_documents: Vec<usize>,
}

impl Module {
    fn origin(&self, f: usize, entry: &str, attribute: &str) -> Origin {
        let file = self.source(f).map(|s| Arc::clone(&s.name)).unwrap_or_else(|| Arc::from(""));
        Origin { file, entry: format!("{}{entry}", self.prefix), attribute: attribute.to_owned() }
    }

    /// Make a document of a policy attribute: unknown → MINT008 at the expression; bad JSON → its finding.
    #[expect(clippy::too_many_arguments, reason = "one call site per attribute kind")]
    fn embed(
        &self,
        b: &mut Builder,
        f: usize,
        entry: &str,
        attr: &str,
        expr: Option<&Expression>,
        kind: PolicyKind,
        name: Option<String>,
    ) -> Option<usize> {
        let expr = expr?;
        let origin = self.origin(f, entry, attr);
        match self.policy_of(f, expr) {
            Ok((source, json)) => {
                // A policy read from another file keeps that file; one in the `.tf` is named after its block.
                let source = if source.path.extension().is_some_and(|e| e == "tf") {
                    Arc::new(SourceFile::new(source.path.clone(), origin.source_name(), Arc::clone(&source.text)))
                } else {
                    source
                };
                let index = b.inv.documents.len();
                b.inv.documents.push(PolicyDocument {
                    source,
                    json: Some(json),
                    kind,
                    origin,
                    ids: Vec::new(),
                    name,
                    duplicate_of: None,
                });
                Some(index)
            }
            Err(PolicyError::Absent) => None,
            Err(PolicyError::Invalid(finding)) => {
                b.inv.findings.push(*finding);
                b.unknown_document.insert(entry.to_owned(), format!("`{attr}` of `{entry}` is not valid JSON"));
                None
            }
            Err(PolicyError::Unknown(u)) => {
                // A consumer of an unknown data source is unknown for the same reason, already reported.
                let reported = b.inv.findings.iter().any(|x| x.span == u.span && x.rule.code == "MINT008");
                if !reported && let Some(source) = self.source(f) {
                    let subject = format!("`{attr}` of `{entry}`");
                    b.inv.findings.push(not_static(source, &u, entry, attr, kind, &subject));
                }
                b.unknown_document
                    .insert(entry.to_owned(), format!("`{attr}` of `{entry}` is not known statically: {}", u.why));
                b.inv.unknown.push(origin);
                None
            }
        }
    }

    fn target(&self, f: usize, body: &Body, attr: &str) -> Vec<Target> {
        let Some(expr) = attribute(body, attr) else { return Vec::new() };
        let items: Vec<&Expression> = match expr {
            Expression::Array(a) => a.iter().collect(),
            e => vec![e],
        };
        items
            .into_iter()
            .map(|e| {
                if let Expression::Traversal(t) = e
                    && let Some(root) = t.expr.as_variable()
                    && !matches!(root.as_str(), "var" | "local" | "data" | "path" | "module")
                    && let Some(TraversalOperator::GetAttr(name)) = t.operators.first().map(|o| o.value())
                {
                    return Target::Address(format!("{}.{}", root.as_str(), name.as_str()));
                }
                match self.eval(f, e, 0) {
                    Ok(v) => match v.as_str() {
                        Some(s) => Target::Literal(s.to_owned()),
                        None => Target::Unknown(format!("`{attr}` is not a string")),
                    },
                    Err(u) => Target::Unknown(u.why),
                }
            })
            .collect()
    }

    fn text(&self, f: usize, body: &Body, attr: &str) -> Option<String> {
        let v = self.eval(f, attribute(body, attr)?, 0).ok()?;
        v.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
    }

    fn entity(&self, f: usize, block: &Block, b: &mut Builder) {
        let (Some(ty), Some(name)) = (label(block, 0), label(block, 1)) else { return };
        let data = block.ident.as_str() == "data";
        if !data && block.ident.as_str() != "resource" {
            return;
        }
        let address = if data { format!("data.{ty}.{name}") } else { format!("{ty}.{name}") };
        let body = &block.body;
        let policy = |attr: &str| attribute(body, attr);
        match (data, ty) {
            (true, "aws_iam_policy_document") => {
                let origin = self.origin(f, &address, "");
                let doc = self.policy_document(f, block, 0);
                let Some(source) = self.source(f) else { return };
                match doc {
                    Ok(json) => {
                        let source = Arc::new(SourceFile::new(
                            source.path.clone(),
                            origin.source_name(),
                            Arc::clone(&source.text),
                        ));
                        b.data_documents.push(b.inv.documents.len());
                        b.document_of.insert(address.clone(), b.inv.documents.len());
                        b.inv.documents.push(PolicyDocument {
                            source,
                            json: Some(json),
                            kind: PolicyKind::Unknown,
                            origin,
                            ids: Vec::new(),
                            name: None,
                            duplicate_of: None,
                        });
                    }
                    Err(u) => {
                        let subject = format!("`{address}`");
                        b.inv.findings.push(not_static(source, &u, &address, "json", PolicyKind::Unknown, &subject));
                        b.unknown_document
                            .insert(address.clone(), format!("`{address}` is not known statically: {}", u.why));
                        b.inv.unknown.push(origin);
                    }
                }
            }
            (false, "aws_iam_role" | "aws_iam_user") => {
                let kind = if ty == "aws_iam_role" { PrincipalKind::Role } else { PrincipalKind::User };
                let mut p = Principal::new(kind, self.origin(f, &address, ""));
                p.name = self.text(f, body, "name");
                p.path = self.text(f, body, "path").unwrap_or_else(|| "/".to_owned());
                if let Some(Ok(tags)) = attribute(body, "tags").map(|e| self.eval(f, e, 0)) {
                    let mut t: Vec<(String, String)> = tags
                        .as_object()
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|m| Some((m.key.node.to_string(), m.value.as_str()?.to_owned())))
                        .collect();
                    t.sort();
                    p.tags = t;
                }
                if kind == PrincipalKind::Role {
                    p.trust = self.embed(
                        b,
                        f,
                        &address,
                        "assume_role_policy",
                        policy("assume_role_policy"),
                        PolicyKind::Trust,
                        None,
                    );
                    for (k, inline) in blocks(body, "inline_policy").enumerate() {
                        let name = self.text(f, &inline.body, "name");
                        let attr = format!("inline_policy[{k}].policy");
                        let expr = attribute(&inline.body, "policy");
                        match self.embed(b, f, &address, &attr, expr, PolicyKind::Identity, name.clone()) {
                            Some(doc) => p.identity.push(PolicyRef::Document(doc)),
                            None if expr.is_some() => p.identity.push(PolicyRef::Unresolved(format!(
                                "inline policy `{}` of `{address}` is not known statically",
                                name.unwrap_or_default()
                            ))),
                            None => {}
                        }
                    }
                }
                b.principal_of.insert(address, b.inv.principals.len());
                b.inv.principals.push(p);
            }
            (false, "aws_iam_group") => {
                let key = self.text(f, body, "name").unwrap_or_else(|| address.clone());
                b.group_of.insert(address.clone(), b.inv.groups.len());
                b.inv.groups.push(Group { key, identity: Vec::new(), origin: self.origin(f, &address, "") });
            }
            (false, "aws_iam_policy" | "aws_iam_role_policy" | "aws_iam_user_policy" | "aws_iam_group_policy") => {
                let name = self.text(f, body, "name");
                if let Some(doc) = self.embed(b, f, &address, "policy", policy("policy"), PolicyKind::Identity, name) {
                    b.document_of.insert(address, doc);
                }
            }
            (false, "aws_organizations_policy") => {
                let kind = match self.text(f, body, "type").as_deref().unwrap_or("SERVICE_CONTROL_POLICY") {
                    "SERVICE_CONTROL_POLICY" => PolicyKind::Scp,
                    "RESOURCE_CONTROL_POLICY" => PolicyKind::Rcp,
                    _ => return,
                };
                if let Some(doc) =
                    self.embed(b, f, &address, "content", policy("content"), kind, self.text(f, body, "name"))
                {
                    b.document_of.insert(address, doc);
                }
            }
            (false, ty) => {
                for (_, attr) in RESOURCE_POLICIES.iter().filter(|(t, _)| *t == ty) {
                    if let Some(doc) = self.embed(b, f, &address, attr, policy(attr), PolicyKind::Unknown, None) {
                        b.document_of.insert(address.clone(), doc);
                    }
                }
            }
            (true, _) => {}
        }
    }

    /// A policy reference: a literal ARN, or the document of the policy resource referred to.
    fn policy_ref(&self, target: Target, b: &Builder) -> PolicyRef {
        match target {
            Target::Literal(arn) => PolicyRef::Id(arn),
            Target::Address(address) => match (b.document_of.get(&address), b.unknown_document.get(&address)) {
                (Some(&d), _) => PolicyRef::Document(d),
                (None, Some(why)) => PolicyRef::Unresolved(why.clone()),
                (None, None) => PolicyRef::Unresolved(format!("`{address}` has no policy in this module")),
            },
            Target::Unknown(why) => PolicyRef::Unresolved(why),
        }
    }

    fn principals(&self, targets: Vec<Target>, kind: PrincipalKind, origin: Origin, b: &mut Builder) -> Vec<usize> {
        targets
            .into_iter()
            .filter_map(|t| match t {
                Target::Address(a) => b.principal_of.get(&a).copied(),
                Target::Literal(name) => Some(
                    b.inv
                        .principals
                        .iter()
                        .position(|p| {
                            p.kind == kind && p.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&name))
                        })
                        .unwrap_or_else(|| {
                            let mut p = Principal::new(kind, origin.clone());
                            p.name = Some(name);
                            p.external = true;
                            b.inv.principals.push(p);
                            b.inv.principals.len() - 1
                        }),
                ),
                Target::Unknown(_) => None,
            })
            .collect()
    }

    fn groups(&self, targets: Vec<Target>, b: &Builder) -> Vec<usize> {
        targets
            .into_iter()
            .filter_map(|t| match t {
                Target::Address(a) => b.group_of.get(&a).copied(),
                Target::Literal(name) => b.inv.groups.iter().position(|g| g.key.eq_ignore_ascii_case(&name)),
                Target::Unknown(_) => None,
            })
            .collect()
    }

    fn links(&self, f: usize, block: &Block, b: &mut Builder) {
        let (Some(ty), Some(name)) = (label(block, 0), label(block, 1)) else { return };
        if block.ident.as_str() != "resource" {
            return;
        }
        let address = format!("{ty}.{name}");
        let body = &block.body;
        let origin = self.origin(f, &address, "");
        let own = || match b.document_of.get(&address) {
            Some(&d) => PolicyRef::Document(d),
            None => PolicyRef::Unresolved(
                b.unknown_document.get(&address).cloned().unwrap_or_else(|| format!("`{address}` has no policy")),
            ),
        };
        let (policy, principals, groups) = match ty {
            "aws_iam_role" | "aws_iam_user" => {
                let boundary =
                    self.target(f, body, "permissions_boundary").into_iter().next().map(|t| self.policy_ref(t, b));
                let managed: Vec<PolicyRef> =
                    self.target(f, body, "managed_policy_arns").into_iter().map(|t| self.policy_ref(t, b)).collect();
                if let Some(p) = b.principal_of.get(&address).and_then(|&p| b.inv.principals.get_mut(p)) {
                    p.boundary = boundary;
                    p.identity.extend(managed);
                }
                return;
            }
            "aws_iam_role_policy" => {
                let policy = own();
                (policy, self.principals(self.target(f, body, "role"), PrincipalKind::Role, origin, b), Vec::new())
            }
            "aws_iam_user_policy" => {
                let policy = own();
                (policy, self.principals(self.target(f, body, "user"), PrincipalKind::User, origin, b), Vec::new())
            }
            "aws_iam_group_policy" => (own(), Vec::new(), self.groups(self.target(f, body, "group"), b)),
            "aws_iam_role_policy_attachment" => {
                let policy = self.target(f, body, "policy_arn").into_iter().next().map(|t| self.policy_ref(t, b));
                let Some(policy) = policy else { return };
                (policy, self.principals(self.target(f, body, "role"), PrincipalKind::Role, origin, b), Vec::new())
            }
            "aws_iam_user_policy_attachment" => {
                let policy = self.target(f, body, "policy_arn").into_iter().next().map(|t| self.policy_ref(t, b));
                let Some(policy) = policy else { return };
                (policy, self.principals(self.target(f, body, "user"), PrincipalKind::User, origin, b), Vec::new())
            }
            "aws_iam_group_policy_attachment" => {
                let policy = self.target(f, body, "policy_arn").into_iter().next().map(|t| self.policy_ref(t, b));
                let Some(policy) = policy else { return };
                (policy, Vec::new(), self.groups(self.target(f, body, "group"), b))
            }
            "aws_iam_policy_attachment" => {
                let policy = self.target(f, body, "policy_arn").into_iter().next().map(|t| self.policy_ref(t, b));
                let Some(policy) = policy else { return };
                let mut p = self.principals(self.target(f, body, "roles"), PrincipalKind::Role, origin.clone(), b);
                p.extend(self.principals(self.target(f, body, "users"), PrincipalKind::User, origin, b));
                (policy, p, self.groups(self.target(f, body, "groups"), b))
            }
            "aws_iam_user_group_membership" => {
                let groups: Vec<String> = self
                    .target(f, body, "groups")
                    .into_iter()
                    .filter_map(|t| match t {
                        Target::Address(a) => {
                            b.group_of.get(&a).and_then(|&g| b.inv.groups.get(g)).map(|g| g.key.clone())
                        }
                        Target::Literal(n) => Some(n),
                        Target::Unknown(_) => None,
                    })
                    .collect();
                for p in self.principals(self.target(f, body, "user"), PrincipalKind::User, origin, b) {
                    if let Some(p) = b.inv.principals.get_mut(p) {
                        p.groups.extend(groups.iter().cloned());
                    }
                }
                return;
            }
            _ => return,
        };
        for p in principals {
            if let Some(p) = b.inv.principals.get_mut(p)
                && !p.identity.contains(&policy)
            {
                p.identity.push(policy.clone());
            }
        }
        for g in groups {
            if let Some(g) = b.inv.groups.get_mut(g) {
                g.identity.push(policy.clone());
            }
        }
    }

    // ----- relying parties -----

    /// The resources of the relying-party types, their attributes evaluated statically: a value, a
    /// reference to another resource's attribute (`aws_iam_role.app.arn`, resolved at the join), or unknown.
    fn relying_resources(&self) -> Vec<crate::relying::terraform::Resource> {
        use crate::relying::terraform::{Resource as RpResource, TYPES};
        let mut out = Vec::new();
        for (f, file) in self.files.iter().enumerate() {
            for block in blocks(&file.body, "resource") {
                let (Some(ty), Some(name)) = (label(block, 0), label(block, 1)) else { continue };
                if !TYPES.contains(&ty) {
                    continue;
                }
                let span = span_of(block.span(), Span::at(0));
                out.push(RpResource {
                    address: format!("{}{ty}.{name}", self.prefix),
                    ty: ty.to_owned(),
                    source: Arc::clone(&file.source),
                    span,
                    attrs: self.relying_attrs(f, &block.body, 0),
                });
            }
        }
        out
    }

    fn relying_attrs(
        &self,
        f: usize,
        body: &Body,
        depth: usize,
    ) -> std::collections::BTreeMap<String, crate::relying::terraform::Attr> {
        use crate::relying::terraform::Attr;
        let mut attrs = std::collections::BTreeMap::new();
        for structure in body.iter() {
            if let Some(a) = structure.as_attribute() {
                let span = span_of(a.value.span(), Span::at(0));
                let value = match reference_text(&a.value) {
                    Some(target) if !target.starts_with("var.") && !target.starts_with("local.") => {
                        Attr::Reference { target, span }
                    }
                    _ => match self.eval(f, &a.value, 0) {
                        Ok(v) => Attr::Value(v),
                        Err(u) => Attr::Unknown { why: u.why, span: u.span },
                    },
                };
                attrs.insert(a.key.as_str().to_owned(), value);
            } else if let Some(b) = structure.as_block()
                && depth < 2
            {
                attrs.insert(b.ident.as_str().to_owned(), Attr::Block(self.relying_attrs(f, &b.body, depth + 1)));
            }
        }
        attrs
    }

    /// Local child modules (`source = "./x"`), read with the values their call passes.
    fn children(&self) -> Vec<Module> {
        let mut out = Vec::new();
        // Module trees are shallow; the bound stops a module that calls itself.
        if self.prefix.matches("module.").count() >= MAX_DEPTH {
            return out;
        }
        for (f, file) in self.files.iter().enumerate() {
            for block in blocks(&file.body, "module") {
                let Some(name) = label(block, 0) else { continue };
                let Some(source) = self.text(f, &block.body, "source") else { continue };
                // Registry and remote modules are not on disk: only local paths are read.
                if !(source.starts_with("./") || source.starts_with("../")) {
                    continue;
                }
                // `./` dropped so paths read `dir/modules/x/main.tf`, not `dir/./modules/x/main.tf`.
                let dir = self.dir.join(source.strip_prefix("./").unwrap_or(&source));
                let mut child = Module::read(&dir, &module_files(&dir), &self.limits);
                child.prefix = format!("{}module.{name}.", self.prefix);
                for a in block.body.iter().filter_map(Structure::as_attribute) {
                    let key = a.key.as_str();
                    if !matches!(key, "source" | "version" | "providers" | "count" | "for_each" | "depends_on") {
                        child.bound.insert(key.to_owned(), self.eval(f, &a.value, 0));
                    }
                }
                out.push(child);
            }
        }
        out
    }

    fn inventory(self) -> Inventory {
        let mut b = Builder::default();
        // Data sources first: a consumer of an unknown one is then reported through it, once.
        for data in [true, false] {
            for (f, file) in self.files.iter().enumerate() {
                for block in file.body.iter().filter_map(Structure::as_block) {
                    if (block.ident.as_str() == "data") == data {
                        self.entity(f, block, &mut b);
                    }
                }
            }
        }
        for (f, file) in self.files.iter().enumerate() {
            for block in file.body.iter().filter_map(Structure::as_block) {
                self.links(f, block, &mut b);
            }
        }
        crate::inventory::mark_data_source_duplicates(&mut b.inv.documents, &b.data_documents);
        b.inv.relying = self.relying_resources();
        let children = self.children();
        b.inv.findings.extend(self.findings);
        let mut inventory = b.inv;
        for child in children {
            inventory.extend(child.inventory());
        }
        inventory
    }
}

/// The text of an expression that is only a reference to another resource's attribute
/// (`aws_iam_role.app.arn`, or `"${aws_iam_role.app.arn}"`).
fn reference_text(expr: &Expression) -> Option<String> {
    let expr = match expr {
        Expression::StringTemplate(t) => match t.iter().collect::<Vec<_>>().as_slice() {
            [Element::Interpolation(i)] => &i.expr,
            _ => return None,
        },
        other => other,
    };
    let Expression::Traversal(t) = expr else { return None };
    let mut text = t.expr.as_variable()?.as_str().to_owned();
    for op in t.operators.iter() {
        match op.value() {
            TraversalOperator::GetAttr(id) => {
                text.push('.');
                text.push_str(id.as_str());
            }
            _ => return None,
        }
    }
    (text.matches('.').count() >= 2).then_some(text)
}

/// The `.tf` files of a directory, sorted.
fn module_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| is_terraform_source(p)).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn dir_of(path: &Path) -> PathBuf {
    path.parent().map_or_else(
        || PathBuf::from("."),
        |d| if d.as_os_str().is_empty() { PathBuf::from(".") } else { d.to_path_buf() },
    )
}

/// The inventory of the modules that hold these `.tf` files (every `.tf` of each directory is read, since
/// variables, locals and data sources may be defined in a sibling file).
pub fn load(paths: &[PathBuf], limits: &Limits) -> Inventory {
    let mut dirs: Vec<PathBuf> = paths.iter().map(|p| dir_of(p)).collect();
    dirs.sort();
    dirs.dedup();
    let mut modules = Vec::new();
    for dir in dirs {
        let mut files = module_files(&dir);
        // A file named directly is read even when its directory listing is not (a path with `./`).
        for p in paths.iter().filter(|p| dir_of(p) == dir) {
            if !files.iter().any(|f| f.file_name() == p.file_name()) {
                files.push(p.clone());
            }
        }
        // Files are named as the user named them: `dir/main.tf`, not a rebuilt path.
        let files: Vec<PathBuf> = files
            .into_iter()
            .map(|f| paths.iter().find(|p| p.file_name() == f.file_name() && dir_of(p) == dir).cloned().unwrap_or(f))
            .collect();
        modules.push(Module::read(&dir, &files, limits));
    }
    // A directory that another one calls as a child module is read through that call (with its values and
    // its `module.` address), not a second time as a configuration of its own.
    let called: Vec<PathBuf> = modules
        .iter()
        .flat_map(|m| {
            let mut sources = Vec::new();
            for (f, file) in m.files.iter().enumerate() {
                for block in blocks(&file.body, "module") {
                    if let Some(source) = m.text(f, &block.body, "source") {
                        sources.extend(std::fs::canonicalize(m.dir.join(source)).ok());
                    }
                }
            }
            sources
        })
        .collect();
    let mut inventory = Inventory::default();
    for module in modules {
        if std::fs::canonicalize(&module.dir).is_ok_and(|d| called.contains(&d)) {
            continue;
        }
        inventory.extend(module.inventory());
    }
    inventory
}

/// The inventory of one `.tf` file for `check`: its module is read for context, only its own documents and
/// findings are kept.
pub fn load_file(path: &Path, limits: &Limits) -> Inventory {
    let mut inventory = load(&[path.to_path_buf()], limits);
    let own = |source: &SourceFile| source.path == path;
    // A child module's policies are checked with the values its call passes: they are reported with the
    // file that holds the `module` block (a text match on the block header, which HCL writes one way).
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let called = |entry: &str| {
        entry
            .strip_prefix("module.")
            .and_then(|rest| rest.split('.').next())
            .is_some_and(|name| text.contains(&format!("module \"{name}\"")))
    };
    let keep: Vec<bool> = inventory
        .documents
        .iter()
        .map(|d| {
            own(&d.source) || d.origin.file.as_ref() == crate::source::display_path(path) || called(&d.origin.entry)
        })
        .collect();
    let mut kept = Vec::new();
    for (d, k) in inventory.documents.into_iter().zip(&keep) {
        if *k {
            kept.push(d);
        }
    }
    // Duplicates point at indexes of the full list: keep only the flag that they are duplicates. Either the
    // document they stand for is in this file (and linted here) or in a sibling file (linted when that file
    // is checked), so a duplicate is never linted here.
    for d in &mut kept {
        if d.duplicate_of.is_some() {
            d.duplicate_of = Some(usize::MAX);
        }
    }
    inventory.documents = kept;
    inventory.findings.retain(|f| own(&f.source) || f.source.path.extension().is_none_or(|e| e != "tf"));
    inventory
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn align_skips_indentation_and_escapes() {
        // `<<-` removed two spaces of indentation; `$${` decoded to `${`.
        let raw = "  {\n  \"a\": \"$${x}\"\n";
        let decoded = "{\n\"a\": \"${x}\"\n";
        let offsets = align(decoded, raw, 100);
        assert_eq!(offsets.len(), decoded.len() + 1);
        for (i, b) in decoded.bytes().enumerate() {
            let at = (offsets[i] - 100) as usize;
            assert_eq!(raw.as_bytes()[at], b, "byte {i}");
        }
        // A span that starts at the decoded `${` starts at the escape as written, `$${`.
        let dollar = decoded.find('$').unwrap();
        assert_eq!(offsets[dollar] - 100, raw.find("$${").unwrap() as u32);
    }

    #[test]
    fn merge_replaces_by_sid_and_appends_the_rest() {
        let parse = |t: &str| json::parse(t, &Limits::default()).unwrap();
        let mut statements = vec![parse(r#"{"Sid": "A", "Effect": "Allow"}"#), parse(r#"{"Effect": "Allow"}"#)];
        merge(&mut statements, parse(r#"{"Sid": "A", "Effect": "Deny"}"#));
        merge(&mut statements, parse(r#"{"Effect": "Deny"}"#));
        let effects: Vec<&str> = statements.iter().filter_map(|s| s.get("Effect")?.as_str()).collect();
        assert_eq!(effects, ["Deny", "Allow", "Deny"]);
    }
}
