//! String templates (`"arn:${local.p}:iam"`, heredocs, `templatefile()` files): interpolations and the
//! `%{if}` / `%{for}` directives with their `~` strip markers, rendered with a map from each byte of the
//! result back to the template, so JSON parsed out of a rendered policy points at its own line.
//!
//! `$${` in a template is Terraform's escape for a literal `${` (and `%%{` for `%{`): the parser decodes it,
//! so `$${aws:username}` renders `${aws:username}`, an IAM policy variable, and the byte map still points at
//! the escape as written.
//!
//! An interpolation whose value is unknown leaves a placeholder in the text (inside a JSON string as is,
//! elsewhere as a JSON string), and the result is a partial string: unknown to anything that needs its
//! text, but a policy written as the template is read with only that piece unknown.

use std::sync::Arc;

use hcl_edit::Span as _;
use hcl_edit::template::{Directive, Element, Strip, Template};

use super::eval::{Eval, Scope, Vars, as_bool, fail, iterate};
use super::loader::{Loader, loc};
use super::value::{Kind, Loc, PLACEHOLDER, Partial, Piece, PieceMap, Text, TextMap, Unknown, Value};

/// Renders one template into text, map and holes.
struct Render {
    text: String,
    pieces: Vec<Piece>,
    holes: Vec<(std::ops::Range<u32>, Arc<Unknown>)>,
    /// Whether the text so far ends inside a JSON string (for where a placeholder goes).
    in_string: bool,
    escaped: bool,
}

impl Render {
    fn offset(&self) -> u32 {
        u32::try_from(self.text.len()).unwrap_or(u32::MAX)
    }

    fn scan(&mut self, s: &str) {
        for c in s.chars() {
            if self.escaped {
                self.escaped = false;
            } else if self.in_string && c == '\\' {
                self.escaped = true;
            } else if c == '"' {
                self.in_string = !self.in_string;
            }
        }
    }

    fn push(&mut self, s: &str, map: PieceMap) {
        let start = self.offset();
        self.text.push_str(s);
        self.scan(s);
        self.pieces.push(Piece { out: start..self.offset(), map });
    }

    fn hole(&mut self, unknown: Arc<Unknown>, from: Loc) {
        let start = self.offset();
        if self.in_string {
            self.text.push_str(PLACEHOLDER);
        } else {
            self.text.push('"');
            self.text.push_str(PLACEHOLDER);
            self.text.push('"');
        }
        let range = start..self.offset();
        self.pieces.push(Piece { out: range.clone(), map: PieceMap::Whole(from.span) });
        self.holes.push((range, unknown));
    }
}

/// One element after strip markers were applied to the literals around it.
enum Part<'a> {
    Literal { text: &'a str, offsets: Arc<[u32]> },
    Interpolation(&'a hcl_edit::template::Interpolation),
    Directive(&'a Directive),
}

impl Loader {
    pub fn template(&self, s: &Scope<'_>, template: &Template, at: Loc) -> Eval {
        let mut render =
            Render { text: String::new(), pieces: Vec::new(), holes: Vec::new(), in_string: false, escaped: false };
        if let Err(u) = self.render(s, template, &mut render, (false, false))? {
            return Ok(Value::new(Kind::Unknown(u), at));
        }
        if render.text.len() > self.limits.max_bytes || !self.spend(render.text.len() as u64 / 64, at) {
            return Ok(Value::unknown(super::eval::SIZE_WHY, at));
        }
        let text =
            Text { text: render.text.into(), map: Some(Arc::new(TextMap { file: s.file, pieces: render.pieces })) };
        if render.holes.is_empty() {
            return Ok(Value::new(Kind::String(text), at));
        }
        Ok(Value::new(Kind::Partial(Arc::new(Partial { text, holes: render.holes })), at))
    }

    /// Render into `out`; `Ok(Err(unknown))` when the structure itself (a directive's condition or
    /// collection) is unknown.
    /// `strip`: whether the enclosing directive's markers trim the start of the first and the end of the
    /// last literal.
    fn render(
        &self,
        s: &Scope<'_>,
        template: &Template,
        out: &mut Render,
        strip: (bool, bool),
    ) -> Result<Result<(), Arc<Unknown>>, super::eval::Fail> {
        let file = self.file(s.file);
        let parts = parts(template, &file.text, strip);
        for part in parts {
            match part {
                Part::Literal { text, offsets } => {
                    out.push(text, PieceMap::Aligned(offsets));
                }
                Part::Interpolation(i) => {
                    let v = self.eval(s, &i.expr)?;
                    let from = loc(s.file, i.span());
                    match &v.kind {
                        Kind::Unknown(u) => out.hole(Arc::clone(u), from),
                        Kind::Partial(p) => {
                            let u = p
                                .holes
                                .first()
                                .map(|(_, u)| Arc::clone(u))
                                .unwrap_or_else(|| super::eval::unknown_arc(&v, from));
                            out.hole(u, from);
                        }
                        Kind::Null => return fail("a template cannot interpolate null", from),
                        Kind::List(_) | Kind::Object(_) => {
                            return fail(format!("a template cannot interpolate a {}", v.type_name()), from);
                        }
                        _ => match v.to_text() {
                            Ok(Some(t)) => out.push(&t, PieceMap::Whole(from.span)),
                            Ok(None) => return fail("a template cannot interpolate this value", from),
                            Err(u) => out.hole(u, from),
                        },
                    }
                }
                Part::Directive(Directive::If(d)) => {
                    let cond = self.eval(s, &d.if_expr.cond_expr)?;
                    match as_bool(&cond)? {
                        Ok(true) => {
                            let closing = d.else_expr.as_ref().map_or(d.endif_expr.strip, |e| e.strip);
                            let strip = (d.if_expr.strip.strip_end(), closing.strip_start());
                            if let Err(u) = self.render(s, &d.if_expr.template, out, strip)? {
                                return Ok(Err(u));
                            }
                        }
                        Ok(false) => {
                            if let Some(e) = &d.else_expr {
                                let strip = (e.strip.strip_end(), d.endif_expr.strip.strip_start());
                                if let Err(u) = self.render(s, &e.template, out, strip)? {
                                    return Ok(Err(u));
                                }
                            }
                        }
                        Err(u) => return Ok(Err(u)),
                    }
                }
                Part::Directive(Directive::For(d)) => {
                    let f = &d.for_expr;
                    let collection = self.eval(s, &f.collection_expr)?;
                    let pairs = match iterate(&collection) {
                        Ok(Some(p)) => p,
                        Ok(None) => {
                            return fail(
                                format!("a template `for` cannot iterate over {}", collection.type_name()),
                                collection.loc,
                            );
                        }
                        Err(u) => return Ok(Err(u)),
                    };
                    for (k, v) in pairs {
                        let inner = Vars::Bind(f.value_var.as_str(), v, s.vars);
                        let outer;
                        let vars = match &f.key_var {
                            Some(key) => {
                                outer = Vars::Bind(key.as_str(), k, &inner);
                                &outer
                            }
                            None => &inner,
                        };
                        let strip = (f.strip.strip_end(), d.endfor_expr.strip.strip_start());
                        if let Err(u) = self.render(&s.with(vars), &f.template, out, strip)? {
                            return Ok(Err(u));
                        }
                        if out.text.len() > self.limits.max_bytes {
                            return Ok(Err(super::eval::unknown_arc(
                                &Value::unknown(super::eval::SIZE_WHY, collection.loc),
                                collection.loc,
                            )));
                        }
                    }
                }
            }
        }
        Ok(Ok(()))
    }
}

/// The elements of a template with `~` strip markers applied: a marker on an interpolation or directive trims
/// the whitespace of the literal just before (`~` at its start) or just after (`~` at its end).
fn parts<'a>(template: &'a Template, source: &str, strip: (bool, bool)) -> Vec<Part<'a>> {
    let elements: Vec<&Element> = template.iter().collect();
    let strip_of = |e: &Element| -> Strip {
        match e {
            Element::Interpolation(i) => i.strip,
            Element::Directive(d) => match &**d {
                Directive::If(i) => Strip::from((i.if_expr.strip.strip_start(), i.endif_expr.strip.strip_end())),
                Directive::For(f) => Strip::from((f.for_expr.strip.strip_start(), f.endfor_expr.strip.strip_end())),
            },
            Element::Literal(_) => Strip::None,
        }
    };
    let mut out = Vec::with_capacity(elements.len());
    for (i, element) in elements.iter().enumerate() {
        match element {
            Element::Literal(l) => {
                let value = l.value().as_str();
                let range = l.span().unwrap_or(0..0);
                let raw = source.get(range.clone()).unwrap_or_default();
                let offsets = align(value, raw, u32::try_from(range.start).unwrap_or(u32::MAX));
                let before = match i.checked_sub(1).and_then(|j| elements.get(j)) {
                    Some(e) => strip_of(e).strip_end(),
                    None => strip.0,
                };
                let after = match elements.get(i + 1) {
                    Some(e) => strip_of(e).strip_start(),
                    None => strip.1,
                };
                let mut start = 0;
                let mut end = value.len();
                if before {
                    start = value.len() - value.trim_start().len();
                }
                if after {
                    end = start + value.get(start..).unwrap_or_default().trim_end().len();
                }
                let text = value.get(start..end).unwrap_or_default();
                let offsets: Arc<[u32]> = offsets.get(start..=end).unwrap_or_default().into();
                out.push(Part::Literal { text, offsets });
            }
            Element::Interpolation(i) => out.push(Part::Interpolation(i)),
            Element::Directive(d) => out.push(Part::Directive(d)),
        }
    }
    out
}

/// The source offset of each byte of a decoded template literal (and one past its end). The decoded text is
/// the raw text with characters removed (`<<-` indentation, the first `$` of `$${`, the backslash of an
/// escape), so a greedy walk that skips raw characters until the next decoded one matches finds where each
/// came from.
pub(super) fn align(decoded: &str, raw: &str, start: u32) -> Vec<u32> {
    let raw = raw.as_bytes();
    let mut out = Vec::with_capacity(decoded.len() + 1);
    let mut j = 0usize;
    for &b in decoded.as_bytes() {
        let from = j;
        while raw.get(j).is_some_and(|&r| r != b) {
            j += 1;
        }
        // An escape (`\n`, `\"`) decodes to a byte the raw text may not hold at all: stay where it started.
        if j >= raw.len() {
            j = from;
        }
        out.push(start.saturating_add(u32::try_from(j).unwrap_or(u32::MAX)));
        if j < raw.len() {
            j += 1;
        }
    }
    out.push(start.saturating_add(u32::try_from(j).unwrap_or(u32::MAX)));
    out
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
}
