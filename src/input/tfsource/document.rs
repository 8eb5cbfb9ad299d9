//! Policies: a `data "aws_iam_policy_document"` assembled as the AWS provider renders it, and any policy
//! attribute (`jsonencode({...})`, a heredoc, `file()`, `templatefile()`, a data source's `json`) turned into
//! span-keeping JSON whose spans point at the HCL (or template, or file) that wrote each piece.
//!
//! A policy with values not known statically is still read: each unknown piece is a placeholder, and its
//! region of the document is recorded so that findings there are not reported (the rule would be judging
//! the placeholder). A piece whose meaning for the whole statement is unknown (its `Effect`, its actions,
//! a condition's operator or key) makes the whole statement such a region; an unknown condition value,
//! resource, principal or `Sid` only itself. Only an unknown document as a whole (or its `Statement` list
//! or `Version`) leaves the policy unread.

use std::sync::Arc;

use hcl_edit::Span as _;
use hcl_edit::structure::{Block, Body};

use crate::source::json::{self, Json, JsonKind, Member};
use crate::source::{Span, Spanned};

use super::eval::{Eval, Scope, Vars, fail};
use super::loader::{Loader, loc};
use super::module::{attribute, blocks};
use super::value::{Entry, FileId, Kind, Loc, PLACEHOLDER, TextMap, Unknown, Value};

/// A policy read from an attribute.
pub(super) struct PolicyText {
    /// The file the spans point into.
    pub file: FileId,
    pub json: Json,
    /// Unknown pieces: the region whose findings are left out, where the piece is written, and why.
    pub unknown: Vec<Hole>,
}

pub(super) struct Hole {
    pub region: Span,
    pub at: Span,
    pub why: Arc<Unknown>,
}

pub(super) enum Policy {
    /// The attribute holds no policy (null, empty).
    Absent,
    Known(PolicyText),
    /// Not known statically as a whole; where (in the file of the attribute) that shows.
    Unknown(Arc<Unknown>, Loc),
    /// Text that is not JSON: the parser's error, in `file`.
    NotJson {
        file: FileId,
        error: json::JsonError,
    },
}

impl Loader {
    /// A policy document data source's document, as the provider renders it: `source_policy_documents` first,
    /// then its own statements (replacing a source statement of the same `sid`), then
    /// `override_policy_documents` (replacing by `sid`, else appended).
    pub fn policy_document(&self, scope: &Scope<'_>, block: &Block) -> Eval {
        let at = loc(scope.file, block.span());
        let key_loc = loc(scope.file, block.ident.span());
        let body = &block.body;
        let mut statements: Vec<Value> = Vec::new();
        let mut version = None;
        let mut statement_unknown: Option<Value> = None;
        for attr in ["source_json", "source_policy_documents", "override_policy_documents", "override_json"] {
            if attr == "override_policy_documents" {
                let mut own = Vec::new();
                let outcome = self.each_block(scope, body, "statement", &mut |s, b| {
                    own.push(self.statement(s, b)?);
                    Ok(())
                })?;
                if let Err(u) = outcome {
                    statement_unknown = Some(u);
                }
                for s in own {
                    merge(&mut statements, s);
                }
            }
            let Some(expr) = attribute(body, attr) else { continue };
            let v = self.eval(scope, expr)?;
            let docs: Vec<Value> = match &v.kind {
                Kind::Null => Vec::new(),
                Kind::List(items) => items.to_vec(),
                Kind::String(_) | Kind::Encoded(_) => vec![v.clone()],
                _ => return Ok(Value::new(v.kind.clone(), v.loc)),
            };
            for doc in docs {
                let doc = match self.decode(&doc)? {
                    Ok(d) => d,
                    Err(u) => return Ok(Value::new(Kind::Unknown(u), doc.loc)),
                };
                if version.is_none() {
                    version = doc.get("Version").cloned();
                }
                match doc.get("Statement").map(|s| &s.kind) {
                    Some(Kind::List(items)) => items.iter().cloned().for_each(|s| merge(&mut statements, s)),
                    Some(_) => doc.get("Statement").cloned().into_iter().for_each(|s| merge(&mut statements, s)),
                    None => {}
                }
            }
        }
        if let Some(u) = statement_unknown {
            // A `dynamic "statement"` over an unknown collection: statements not known statically.
            statements.push(u);
        }
        let version = match attribute(body, "version") {
            Some(e) => self.eval(scope, e)?,
            None => version.unwrap_or_else(|| Value::string("2012-10-17", key_loc)),
        };
        let mut entries = vec![Entry { key: "Version".into(), key_loc: version.loc, value: version }];
        if let Some(id) = attribute(body, "policy_id") {
            let v = self.eval(scope, id)?;
            if !v.is_null() {
                entries.push(Entry { key: "Id".into(), key_loc: v.loc, value: v });
            }
        }
        entries.push(Entry { key: "Statement".into(), key_loc, value: Value::list(statements, at) });
        // Keys in the provider's order (Version, Id, Statement), not sorted: `Value::object` would sort them,
        // and only the order of findings depends on it.
        Ok(Value::new(Kind::Object(Arc::new(entries)), at))
    }

    /// A JSON policy given as text or as an encoded value, as a value.
    fn decode(&self, doc: &Value) -> Result<Result<Value, Arc<Unknown>>, super::eval::Fail> {
        match &doc.kind {
            Kind::Encoded(inner) => Ok(Ok((**inner).clone())),
            Kind::Object(_) => Ok(Ok(doc.clone())),
            Kind::String(t) => match json::parse(&t.text, &self.limits) {
                Ok(j) => Ok(Ok(super::functions::from_json(&j, doc.loc))),
                Err(e) => fail(format!("a policy document that is not JSON: {}", e.message()), doc.loc),
            },
            Kind::Unknown(u) => Ok(Err(Arc::clone(u))),
            Kind::Partial(_) => Ok(Err(super::eval::unknown_arc(doc, doc.loc))),
            _ => fail(format!("a policy document must be a JSON string, not {}", doc.type_name()), doc.loc),
        }
    }

    /// Run `f` on every block `ident` of a body, `dynamic "ident"` blocks expanded (their `content` with the
    /// iterator bound). `Ok(Err(unknown))` when a `dynamic` block's collection is unknown (the other blocks
    /// were still visited).
    pub fn each_block(
        &self,
        scope: &Scope<'_>,
        body: &Body,
        ident: &str,
        f: &mut dyn FnMut(&Scope<'_>, &Block) -> Result<(), super::eval::Fail>,
    ) -> Result<Result<(), Value>, super::eval::Fail> {
        let mut unknown = None;
        for item in body.iter().filter_map(hcl_edit::structure::Structure::as_block) {
            if item.ident.as_str() == ident {
                f(scope, item)?;
                continue;
            }
            if item.ident.as_str() != "dynamic" || item.labels.first().map(|l| l.as_str()) != Some(ident) {
                continue;
            }
            let Some(for_each) = attribute(&item.body, "for_each") else { continue };
            let collection = self.eval(scope, for_each)?;
            let iterator = attribute(&item.body, "iterator")
                .and_then(|e| match e {
                    hcl_edit::expr::Expression::Variable(v) => Some(v.as_str().to_owned()),
                    _ => None,
                })
                .unwrap_or_else(|| ident.to_owned());
            let pairs = match super::eval::iterate(&collection) {
                Ok(Some(p)) => p,
                Ok(None) => return fail("a `dynamic` block iterates a list, set or map", collection.loc),
                Err(u) => {
                    unknown = Some(Value::new(Kind::Unknown(u), loc(scope.file, item.span())));
                    continue;
                }
            };
            let Some(content) = blocks(&item.body, "content").next() else { continue };
            for (k, v) in pairs {
                let object = Value::object(
                    vec![
                        Entry { key: "key".into(), key_loc: k.loc, value: k.clone() },
                        Entry { key: "value".into(), key_loc: v.loc, value: v },
                    ],
                    collection.loc,
                );
                let vars = Vars::Bind(&iterator, object, scope.vars);
                f(&scope.with(&vars), content)?;
            }
        }
        Ok(match unknown {
            Some(u) => Err(u),
            None => Ok(()),
        })
    }

    fn statement(&self, s: &Scope<'_>, block: &Block) -> Eval {
        let at = loc(s.file, block.span());
        let ident = loc(s.file, block.ident.span());
        let body = &block.body;
        let mut entries: Vec<Entry> = Vec::new();
        let key_of = |attr: &str| {
            body.iter()
                .filter_map(hcl_edit::structure::Structure::as_attribute)
                .find(|a| a.key.as_str() == attr)
                .map_or(at, |a| loc(s.file, a.key.span()))
        };
        for (name, attr) in [
            ("Sid", "sid"),
            ("Effect", "effect"),
            ("Action", "actions"),
            ("NotAction", "not_actions"),
            ("Resource", "resources"),
            ("NotResource", "not_resources"),
        ] {
            let Some(e) = attribute(body, attr) else {
                if name == "Effect" {
                    entries.push(Entry { key: "Effect".into(), key_loc: ident, value: Value::string("Allow", ident) });
                }
                continue;
            };
            let v = self.eval(s, e)?;
            // An empty `sid` or list, or null, is how the provider says "not set".
            let empty = v.as_str() == Some("") || v.as_list().is_some_and(<[Value]>::is_empty) || v.is_null();
            if !empty {
                entries.push(Entry { key: name.into(), key_loc: key_of(attr), value: v });
            }
        }
        for (name, ident) in [("Principal", "principals"), ("NotPrincipal", "not_principals")] {
            let mut by_type: Vec<(Arc<str>, Loc, Loc, Vec<Value>)> = Vec::new();
            let mut first: Option<Loc> = None;
            let mut unknown: Option<Value> = None;
            let outcome = self.each_block(s, body, ident, &mut |s, b| {
                let here = loc(s.file, b.span());
                first.get_or_insert(loc(s.file, b.ident.span()));
                let ty = self.required(s, &b.body, "type", here)?;
                let ids = self.required(s, &b.body, "identifiers", here)?;
                let ty_text = match ty.to_text() {
                    Ok(Some(t)) => t,
                    _ => {
                        unknown = Some(ty);
                        return Ok(());
                    }
                };
                let ids = match &ids.kind {
                    Kind::List(items) => items.to_vec(),
                    _ => vec![ids],
                };
                match by_type.iter_mut().find(|(t, _, _, _)| *t == ty_text) {
                    Some((_, _, _, list)) => list.extend(ids),
                    None => by_type.push((ty_text, ty.loc, here, ids)),
                }
                Ok(())
            })?;
            if let Err(u) = outcome {
                unknown.get_or_insert(u);
            }
            let Some(first) = first.or(unknown.as_ref().map(|u| u.loc)) else { continue };
            let value = match (unknown, by_type.as_slice()) {
                (Some(u), _) => u,
                // `type = "*"` with `identifiers = ["*"]` is how the provider writes `"Principal": "*"`.
                (None, [(t, _, _, ids)]) if &**t == "*" => {
                    let star = ids.first().map_or(first, |i| i.loc);
                    Value::string("*", star)
                }
                (None, _) => Value::new(
                    Kind::Object(Arc::new(
                        by_type
                            .into_iter()
                            .map(|(t, l, block, ids)| Entry { key: t, key_loc: l, value: Value::list(ids, block) })
                            .collect(),
                    )),
                    first,
                ),
            };
            entries.push(Entry { key: name.into(), key_loc: first, value });
        }
        let mut operators: Vec<(Arc<str>, Loc, Vec<Entry>)> = Vec::new();
        let mut first: Option<Loc> = None;
        let mut unknown: Option<Value> = None;
        let outcome = self.each_block(s, body, "condition", &mut |s, c| {
            let here = loc(s.file, c.span());
            first.get_or_insert(loc(s.file, c.ident.span()));
            let test = self.required(s, &c.body, "test", here)?;
            let variable = self.required(s, &c.body, "variable", here)?;
            let values = self.required(s, &c.body, "values", here)?;
            let (Ok(Some(test_text)), Ok(Some(variable_text))) = (test.to_text(), variable.to_text()) else {
                // An unknown operator or key: the whole condition is unknown.
                unknown = Some(if test.as_unknown().is_some() { test } else { variable });
                return Ok(());
            };
            let entry = Entry { key: variable_text, key_loc: variable.loc, value: values };
            match operators.iter_mut().find(|(t, _, _)| *t == test_text) {
                Some((_, _, entries)) => entries.push(entry),
                // The operator's key spans the whole `condition` block: a finding on it lands on the block.
                None => operators.push((test_text, here, vec![entry])),
            }
            Ok(())
        })?;
        if let Err(u) = outcome {
            unknown.get_or_insert(u);
        }
        if let Some(first) = first.or(unknown.as_ref().map(|u| u.loc)) {
            let value = match unknown {
                Some(u) => Value::new(u.kind, first),
                None => Value::new(
                    Kind::Object(Arc::new(
                        operators
                            .into_iter()
                            .map(|(t, l, e)| Entry {
                                key: t,
                                key_loc: l,
                                value: Value::new(Kind::Object(Arc::new(e)), l),
                            })
                            .collect(),
                    )),
                    first,
                ),
            };
            entries.push(Entry { key: "Condition".into(), key_loc: first, value });
        }
        Ok(Value::new(Kind::Object(Arc::new(entries)), at))
    }

    fn required(&self, s: &Scope<'_>, body: &Body, attr: &str, at: Loc) -> Eval {
        match attribute(body, attr) {
            Some(e) => self.eval(s, e),
            None => fail(format!("the block has no `{attr}`"), at),
        }
    }

    // ----- policy attributes -----

    /// The policy a value holds, as spanned JSON. `site` is the attribute expression (spans of pieces from
    /// other files fall back to it).
    pub fn policy(&self, value: &Value, site: Loc) -> Policy {
        match &value.kind {
            Kind::Null => Policy::Absent,
            Kind::String(t) if t.text.trim().is_empty() => Policy::Absent,
            Kind::Unknown(u) => {
                Policy::Unknown(Arc::clone(u), if value.loc.file == site.file { value.loc } else { site })
            }
            Kind::Encoded(inner) => self.structured(inner, site),
            Kind::Object(_) => self.structured(value, site),
            Kind::String(t) => {
                let map = t.map.clone().or_else(|| self.literal_map(value));
                self.parsed(&t.text, map.as_deref(), Vec::new(), value.loc, site)
            }
            Kind::Partial(p) => self.parsed(&p.text.text, p.text.map.as_deref(), p.holes.clone(), value.loc, site),
            _ => Policy::Unknown(
                Arc::new(Unknown {
                    why: format!("a policy must be a JSON string, not {}", value.type_name()),
                    loc: value.loc,
                    origin: None,
                }),
                if value.loc.file == site.file { value.loc } else { site },
            ),
        }
    }

    /// A policy built as a value (`jsonencode({...})`, a data source).
    fn structured(&self, value: &Value, site: Loc) -> Policy {
        let mut holes = Vec::new();
        let json = self.to_json(value, site.file, site.span, &mut holes, 0);
        self.finish(site.file, json, holes, site)
    }

    /// A policy given as text: parsed, spans mapped back through the text's map (or all at `fallback`).
    fn parsed(
        &self,
        text: &str,
        map: Option<&TextMap>,
        holes: Vec<(std::ops::Range<u32>, Arc<Unknown>)>,
        value_loc: Loc,
        site: Loc,
    ) -> Policy {
        let file = map.map_or(site.file, |m| m.file);
        // Where a part of the text that the map does not cover is shown: always a span of `file` (a span of
        // another file would point past the end of this one).
        let fallback = if value_loc.file == file {
            value_loc.span
        } else if site.file == file {
            site.span
        } else {
            let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
            map.and_then(|m| m.span(Span::new(0, len))).unwrap_or(Span::at(0))
        };
        let remap = |span: Span| -> Span {
            match map {
                Some(m) => m.span(span).unwrap_or(fallback),
                None => fallback,
            }
        };
        let mut parsed = match json::parse(text, &self.limits) {
            Ok(j) => j,
            Err(mut error) => {
                error.span = remap(error.span);
                return Policy::NotJson { file, error };
            }
        };
        respan(&mut parsed, &remap);
        let holes = holes
            .into_iter()
            .map(|(range, u)| {
                let span = Span::new(range.start, range.end);
                (map.and_then(|m| m.interpolated(span)).unwrap_or_else(|| remap(span)), u)
            })
            .collect();
        self.finish(file, parsed, holes, Loc { file, span: fallback })
    }

    /// Classify the unknown pieces of a policy into regions (see the module documentation).
    fn finish(&self, file: FileId, json: Json, holes: Vec<(Span, Arc<Unknown>)>, whole: Loc) -> Policy {
        let mut unknown = Vec::new();
        for (span, u) in holes {
            match region(&json, span) {
                Region::Document => {
                    return Policy::Unknown(u, if span.is_empty() { whole } else { Loc { file, span } });
                }
                Region::Span(region) => unknown.push(Hole { region, at: span, why: u }),
            }
        }
        Policy::Known(PolicyText { file, json, unknown })
    }

    /// For a plain string literal (no template map), the map from its decoded text to the quoted source.
    fn literal_map(&self, value: &Value) -> Option<Arc<TextMap>> {
        let file = self.file(value.loc.file);
        let raw = file.text.get(value.loc.span.range())?;
        let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
        let start = value.loc.span.start.saturating_add(1);
        let text = value.as_str()?;
        let offsets = super::template::align(text, inner, start);
        Some(Arc::new(TextMap {
            file: value.loc.file,
            pieces: vec![super::value::Piece {
                out: 0..u32::try_from(text.len()).unwrap_or(u32::MAX),
                map: super::value::PieceMap::Aligned(offsets.into()),
            }],
        }))
    }

    /// A value as JSON for a policy; spans from `file` where the value was written there, else `inherited`.
    /// Unknown pieces become placeholders, recorded in `holes`.
    pub fn to_json(
        &self,
        v: &Value,
        file: FileId,
        inherited: Span,
        holes: &mut Vec<(Span, Arc<Unknown>)>,
        depth: usize,
    ) -> Json {
        let span = if v.loc.file == file { v.loc.span } else { inherited };
        let placeholder = |holes: &mut Vec<(Span, Arc<Unknown>)>, u: Arc<Unknown>| {
            holes.push((span, u));
            Json { kind: JsonKind::String(PLACEHOLDER.into()), span }
        };
        if depth > self.limits.max_depth {
            let u =
                Arc::new(Unknown { why: "nested deeper than a policy may be".to_owned(), loc: v.loc, origin: None });
            return placeholder(holes, u);
        }
        match &v.kind {
            Kind::Null => Json { kind: JsonKind::Null, span },
            Kind::Bool(b) => Json { kind: JsonKind::Bool(*b), span },
            Kind::Number(n) => match json::parse(&super::value::format_number(*n), &self.limits) {
                Ok(mut j) => {
                    j.span = span;
                    j
                }
                Err(_) => Json { kind: JsonKind::Null, span },
            },
            Kind::String(t) => Json { kind: JsonKind::String(t.text.to_string().into_boxed_str()), span },
            Kind::Encoded(inner) => match super::value::encode(inner) {
                Ok(text) => Json { kind: JsonKind::String(text.into_boxed_str()), span },
                Err(u) => placeholder(holes, u),
            },
            Kind::List(items) => Json {
                kind: JsonKind::Array(items.iter().map(|i| self.to_json(i, file, span, holes, depth + 1)).collect()),
                span,
            },
            Kind::Object(entries) => Json {
                kind: JsonKind::Object(
                    entries
                        .iter()
                        .map(|e| {
                            let key_span = if e.key_loc.file == file { e.key_loc.span } else { span };
                            Member {
                                key: Spanned::new(e.key.to_string().into_boxed_str(), key_span),
                                value: self.to_json(&e.value, file, span, holes, depth + 1),
                            }
                        })
                        .collect(),
                ),
                span,
            },
            Kind::Unknown(u) => placeholder(holes, Arc::clone(u)),
            Kind::Partial(p) => match p.holes.first() {
                Some((_, u)) => placeholder(holes, Arc::clone(u)),
                None => Json { kind: JsonKind::String(p.text.text.to_string().into_boxed_str()), span },
            },
        }
    }
}

/// Add a statement, replacing one with the same non-empty `Sid`.
fn merge(statements: &mut Vec<Value>, statement: Value) {
    let sid = statement.get("Sid").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
    if let Some(sid) = sid
        && let Some(slot) = statements.iter_mut().find(|s| s.get("Sid").and_then(Value::as_str) == Some(sid.as_str()))
    {
        *slot = statement;
        return;
    }
    statements.push(statement);
}

fn respan(value: &mut Json, remap: &dyn Fn(Span) -> Span) {
    value.span = remap(value.span);
    match &mut value.kind {
        JsonKind::Array(items) => items.iter_mut().for_each(|v| respan(v, remap)),
        JsonKind::Object(members) => {
            for m in members {
                m.key.span = remap(m.key.span);
                respan(&mut m.value, remap);
            }
        }
        _ => {}
    }
}

enum Region {
    /// The document as a whole is not known.
    Document,
    Span(Span),
}

/// Where an unknown piece at `hole` leaves the policy: a leaf (a condition value, a resource, a principal, a
/// `Sid`: its own span), a statement (its effect, actions or a condition's structure: the statement's span),
/// or the whole document (the statement list, the version).
fn region(doc: &Json, hole: Span) -> Region {
    let contains = |j: &Json| j.span.start <= hole.start && hole.end <= j.span.end;
    let Some(members) = doc.as_object() else { return Region::Document };
    if doc.span == hole {
        return Region::Document;
    }
    for m in members {
        if m.key.span == hole || !contains(&m.value) {
            continue;
        }
        match &*m.key.node {
            "Statement" => {
                let statements: Vec<&Json> = match &m.value.kind {
                    JsonKind::Array(items) => items.iter().collect(),
                    _ => vec![&m.value],
                };
                if m.value.span == hole && !matches!(m.value.kind, JsonKind::Object(_)) {
                    return Region::Document;
                }
                for s in statements {
                    if !contains(s) {
                        continue;
                    }
                    if s.span == hole || !matches!(s.kind, JsonKind::Object(_)) {
                        return Region::Span(s.span);
                    }
                    return Region::Span(statement_region(s, hole).unwrap_or(s.span));
                }
                return Region::Span(m.value.span);
            }
            "Version" => return Region::Document,
            _ => return Region::Span(hole),
        }
    }
    Region::Span(hole)
}

/// Within a statement: the hole's own span when it is a leaf value of `Resource`, `Principal`, `Sid` or a
/// condition value; `None` (the whole statement) otherwise.
fn statement_region(statement: &Json, hole: Span) -> Option<Span> {
    let contains = |j: &Json| j.span.start <= hole.start && hole.end <= j.span.end;
    for m in statement.as_object()? {
        if !contains(&m.value) || m.key.span == hole {
            continue;
        }
        match &*m.key.node {
            "Resource" | "NotResource" | "Principal" | "NotPrincipal" | "Sid" => {
                return (m.value.span != hole || matches!(m.value.kind, JsonKind::String(_))).then_some(hole);
            }
            "Condition" => {
                // Condition → operator → key → value(s): only a value is a leaf.
                for op in m.value.as_object()? {
                    if !contains(&op.value) || op.value.span == hole {
                        continue;
                    }
                    for key in op.value.as_object()? {
                        if contains(&key.value) && key.key.span != hole {
                            return Some(hole);
                        }
                    }
                }
                return None;
            }
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Json {
        json::parse(text, &json::Limits::default()).unwrap()
    }

    fn span_of(text: &str, needle: &str) -> Span {
        let at = text.find(needle).unwrap();
        Span::from_range(at, at + needle.len())
    }

    #[test]
    fn unknown_leaves_stay_leaves_and_structure_takes_the_statement() {
        let text = r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "R"},
            {"Effect": "Allow", "Action": "A", "Resource": "*", "Condition": {"StringEquals": {"k": "V"}}}]}"#;
        let d = doc(text);
        let resource = span_of(text, "\"R\"");
        assert!(matches!(region(&d, resource), Region::Span(s) if s == resource));
        let value = span_of(text, "\"V\"");
        assert!(matches!(region(&d, value), Region::Span(s) if s == value));
        let action = span_of(text, "\"A\"");
        let Region::Span(s) = region(&d, action) else { panic!("a statement region") };
        assert!(s.start < action.start && action.end < s.end && s.len() > 40);
        let version = span_of(text, "\"2012-10-17\"");
        assert!(matches!(region(&d, version), Region::Document));
    }
}
