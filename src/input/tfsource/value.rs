//! Values of Terraform expressions, read statically.
//!
//! A value is Terraform's (null, bool, number, string, list/tuple/set, object/map), or **unknown**: something
//! only `terraform plan` or `apply` would know (a resource attribute computed by the provider, a variable
//! without a value). Unknowns sit *inside* values: `[aws_iam_role.x.arn, "arn:aws:iam::111122223333:root"]`
//! is a list whose first element is unknown, so a policy built from it is known everywhere else and only the
//! rules that look at that element are left out.
//!
//! Every value remembers where it was written ([`Loc`]: a file and a byte span), so a finding on a policy
//! assembled across variables, locals and modules lands on the HCL that produced the offending piece.
//! Strings rendered from templates keep a [`TextMap`] from their bytes back to the template, so JSON parsed
//! out of a heredoc or a `templatefile()` points at its own line.

use std::sync::Arc;

use crate::source::Span;

/// Index of a file in the loader's file table (`.tf` files, templates, files read by `file()`).
pub(super) type FileId = u32;

/// Where a value was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct Loc {
    pub file: FileId,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub(super) struct Value {
    pub kind: Kind,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub(super) enum Kind {
    Null,
    Bool(bool),
    Number(f64),
    String(Text),
    /// A list, tuple or set (sets are kept sorted and without duplicates by the functions that make them).
    List(Arc<Vec<Value>>),
    /// An object or map: entries sorted by key (Terraform iterates maps in lexical key order), keys unique.
    Object(Arc<Vec<Entry>>),
    /// A string that holds the JSON encoding of a value: `jsonencode(...)` and a policy document's `json`.
    /// Kept as the value so a policy built with `jsonencode({...})` points at its HCL keys and values.
    Encoded(Arc<Value>),
    Unknown(Arc<Unknown>),
    /// A string rendered from a template in which some interpolations are unknown: unknown as a string, but
    /// a policy written as that template is read with those pieces left out (placeholders whose findings
    /// are dropped), so only the rules that need them are unknown.
    Partial(Arc<Partial>),
}

/// The rendering of a template with unknown interpolations: the text with a placeholder for each, and
/// which bytes are placeholders.
#[derive(Debug)]
pub(super) struct Partial {
    pub text: Text,
    pub holes: Vec<(std::ops::Range<u32>, Arc<Unknown>)>,
}

/// What stands for an unknown value inside a policy read with unknown parts (Terraform's own words for it).
pub(super) const PLACEHOLDER: &str = "(known after apply)";

/// A string, and where each of its bytes came from when it was rendered from a template or read from a file.
#[derive(Clone, Debug)]
pub(super) struct Text {
    pub text: Arc<str>,
    pub map: Option<Arc<TextMap>>,
}

/// An object entry; the key keeps its own place (a finding on a `Condition` operator lands on the HCL key).
#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub key: Arc<str>,
    pub key_loc: Loc,
    pub value: Value,
}

/// Why a value is not known statically, where that comes from, and, for a resource attribute, which one
/// (links between resources follow it even when the value itself is unknown).
#[derive(Debug)]
pub(super) struct Unknown {
    pub why: String,
    pub loc: Loc,
    pub origin: Option<Origin>,
}

/// A resource attribute: `module.m.aws_iam_policy.deny` and `arn`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Origin {
    pub address: String,
    pub attribute: String,
}

/// The source of a rendered string's bytes, all in one file.
#[derive(Debug)]
pub(super) struct TextMap {
    pub file: FileId,
    pub pieces: Vec<Piece>,
}

/// Bytes `out` of the string came from the source as `map` says.
#[derive(Debug)]
pub(super) struct Piece {
    pub out: std::ops::Range<u32>,
    pub map: PieceMap,
}

#[derive(Debug)]
pub(super) enum PieceMap {
    /// Byte for byte from `start` (a file read as is).
    Identity { start: u32 },
    /// The source offset of each byte and of the end (a template literal: escapes and `<<-` indentation
    /// make the source longer than the text).
    Aligned(Arc<[u32]>),
    /// The whole piece came from one expression (an interpolation).
    Whole(Span),
}

impl TextMap {
    /// The source offset of a byte of the text (`end`: of the byte just past a span).
    pub fn map(&self, offset: u32, end: bool) -> Option<u32> {
        let piece = self
            .pieces
            .iter()
            .find(|p| if end { p.out.start < offset && offset <= p.out.end } else { p.out.contains(&offset) })
            .or_else(|| self.pieces.iter().find(|p| p.out.start == offset && p.out.end == offset))?;
        let inside = offset.saturating_sub(piece.out.start);
        Some(match &piece.map {
            PieceMap::Identity { start } => start.saturating_add(inside),
            PieceMap::Aligned(offsets) => {
                // For an end, the source end of the last byte: one past that byte's own offset.
                if end && inside > 0 {
                    offsets.get(inside as usize - 1).map_or(0, |o| o.saturating_add(1))
                } else {
                    offsets.get(inside as usize).copied().unwrap_or(0)
                }
            }
            PieceMap::Whole(span) => {
                if end {
                    span.end
                } else {
                    span.start
                }
            }
        })
    }

    /// A span of the text as a span of the source; `None` when it is not covered (it then belongs to the
    /// whole string).
    pub fn span(&self, span: Span) -> Option<Span> {
        // An empty span at the end of the text (a truncated document's error) is the end of the last piece.
        let start = if span.is_empty() {
            self.map(span.start, false).or_else(|| self.map(span.start, true))?
        } else {
            self.map(span.start, false)?
        };
        let end = if span.is_empty() { start } else { self.map(span.end, true)? };
        Some(Span::new(start, end.max(start)))
    }

    /// Whether a span of the text falls in an interpolated piece (not literal template text).
    pub fn interpolated(&self, span: Span) -> Option<Span> {
        self.pieces.iter().find_map(|p| match p.map {
            PieceMap::Whole(s) if p.out.start < span.end.max(span.start + 1) && span.start < p.out.end => Some(s),
            _ => None,
        })
    }
}

impl Value {
    pub fn new(kind: Kind, loc: Loc) -> Value {
        Value { kind, loc }
    }

    pub fn null(loc: Loc) -> Value {
        Value::new(Kind::Null, loc)
    }

    pub fn string(text: impl Into<Arc<str>>, loc: Loc) -> Value {
        Value::new(Kind::String(Text { text: text.into(), map: None }), loc)
    }

    pub fn list(items: Vec<Value>, loc: Loc) -> Value {
        Value::new(Kind::List(Arc::new(items)), loc)
    }

    /// An object from entries in any order; a later entry with the same key wins.
    pub fn object(mut entries: Vec<Entry>, loc: Loc) -> Value {
        entries.reverse();
        entries.sort_by(|a, b| a.key.cmp(&b.key));
        entries.dedup_by(|later, earlier| later.key == earlier.key);
        Value::new(Kind::Object(Arc::new(entries)), loc)
    }

    pub fn unknown(why: impl Into<String>, loc: Loc) -> Value {
        Value::new(Kind::Unknown(Arc::new(Unknown { why: why.into(), loc, origin: None })), loc)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    pub fn as_unknown(&self) -> Option<&Arc<Unknown>> {
        match &self.kind {
            Kind::Unknown(u) => Some(u),
            Kind::Partial(p) => p.holes.first().map(|(_, u)| u),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(t) => Some(&t.text),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match &self.kind {
            Kind::List(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[Entry]> {
        match &self.kind {
            Kind::Object(entries) => Some(entries),
            _ => None,
        }
    }

    /// An attribute of an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        // Objects built here are sorted, but a policy document keeps the provider's key order: a plain scan.
        self.as_object()?.iter().rev().find(|e| &*e.key == key).map(|e| &e.value)
    }

    /// Terraform's name for the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "bool",
            Kind::Number(_) => "number",
            Kind::String(_) | Kind::Encoded(_) | Kind::Partial(_) => "string",
            Kind::List(_) => "list",
            Kind::Object(_) => "object",
            Kind::Unknown(_) => "unknown",
        }
    }

    /// The first unknown inside the value, if any.
    pub fn first_unknown(&self) -> Option<&Arc<Unknown>> {
        match &self.kind {
            Kind::Unknown(u) => Some(u),
            Kind::Partial(p) => p.holes.first().map(|(_, u)| u),
            Kind::List(items) => items.iter().find_map(Value::first_unknown),
            Kind::Object(entries) => entries.iter().find_map(|e| e.value.first_unknown()),
            Kind::Encoded(inner) => inner.first_unknown(),
            _ => None,
        }
    }

    /// Number of nodes, for the size budget.
    pub fn size(&self) -> usize {
        match &self.kind {
            Kind::List(items) => items.iter().map(Value::size).sum::<usize>() + 1,
            Kind::Object(entries) => entries.iter().map(|e| e.value.size()).sum::<usize>() + 1,
            Kind::Encoded(inner) => inner.size() + 1,
            _ => 1,
        }
    }

    /// The value as a string, converting numbers and bools as Terraform does; `None` for other types.
    /// Errors (`Err`) carry the unknown that makes the text unknown.
    pub fn to_text(&self) -> Result<Option<Arc<str>>, Arc<Unknown>> {
        Ok(Some(match &self.kind {
            Kind::String(t) => Arc::clone(&t.text),
            Kind::Number(n) => format_number(*n).into(),
            Kind::Bool(b) => if *b { "true" } else { "false" }.into(),
            Kind::Encoded(inner) => encode(inner)?.into(),
            Kind::Unknown(u) => return Err(Arc::clone(u)),
            Kind::Partial(p) => {
                return Err(p.holes.first().map_or_else(|| unknown_text(self.loc), |(_, u)| Arc::clone(u)));
            }
            Kind::Null | Kind::List(_) | Kind::Object(_) => return Ok(None),
        }))
    }

    /// Deep equality as Terraform's `==` (types must agree; a number and a string are never equal). `None`
    /// when an unknown decides it.
    pub fn equals(&self, other: &Value) -> Option<bool> {
        match (&self.kind, &other.kind) {
            (Kind::Unknown(_) | Kind::Partial(_), _) | (_, Kind::Unknown(_) | Kind::Partial(_)) => None,
            (Kind::Null, Kind::Null) => Some(true),
            (Kind::Bool(a), Kind::Bool(b)) => Some(a == b),
            (Kind::Number(a), Kind::Number(b)) => Some(a == b),
            (Kind::String(_) | Kind::Encoded(_), Kind::String(_) | Kind::Encoded(_)) => {
                match (self.to_text(), other.to_text()) {
                    (Ok(a), Ok(b)) => Some(a == b),
                    _ => None,
                }
            }
            (Kind::List(a), Kind::List(b)) => {
                if a.len() != b.len() {
                    return Some(false);
                }
                let mut all = Some(true);
                for (x, y) in a.iter().zip(b.iter()) {
                    match x.equals(y) {
                        Some(false) => return Some(false),
                        None => all = None,
                        Some(true) => {}
                    }
                }
                all
            }
            (Kind::Object(a), Kind::Object(b)) => {
                if a.len() != b.len() || a.iter().zip(b.iter()).any(|(x, y)| x.key != y.key) {
                    return Some(false);
                }
                let mut all = Some(true);
                for (x, y) in a.iter().zip(b.iter()) {
                    match x.value.equals(&y.value) {
                        Some(false) => return Some(false),
                        None => all = None,
                        Some(true) => {}
                    }
                }
                all
            }
            _ => Some(false),
        }
    }
}

/// A number as Terraform prints it: integers without a fraction, others in the shortest form.
pub(super) fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        // INVARIANT: integral and within ±2^53, so the conversion is exact.
        #[expect(clippy::cast_possible_truncation, reason = "integral and within ±2^53, checked above")]
        let i = n as i64;
        i.to_string()
    } else if n.is_finite() {
        n.to_string()
    } else {
        "0".to_owned()
    }
}

/// The JSON text `jsonencode()` produces (keys sorted; `<`, `>`, `&` and the line separators escaped as
/// Terraform does). `Err` when an unknown is inside.
pub(super) fn encode(value: &Value) -> Result<String, Arc<Unknown>> {
    let text = serde_json::to_string(&to_serde(value)?).unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// The value as serde_json's, for encoding and comparisons.
pub(super) fn to_serde(value: &Value) -> Result<serde_json::Value, Arc<Unknown>> {
    Ok(match &value.kind {
        Kind::Null => serde_json::Value::Null,
        Kind::Bool(b) => serde_json::Value::Bool(*b),
        Kind::Number(n) => {
            let text = format_number(*n);
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
        }
        Kind::String(t) => serde_json::Value::String(t.text.to_string()),
        Kind::Encoded(inner) => serde_json::Value::String(encode(inner)?),
        Kind::List(items) => serde_json::Value::Array(items.iter().map(to_serde).collect::<Result<_, _>>()?),
        Kind::Object(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|e| Ok((e.key.to_string(), to_serde(&e.value)?)))
                .collect::<Result<_, Arc<Unknown>>>()?,
        ),
        Kind::Unknown(u) => return Err(Arc::clone(u)),
        Kind::Partial(p) => {
            return Err(p.holes.first().map_or_else(|| unknown_text(value.loc), |(_, u)| Arc::clone(u)));
        }
    })
}

/// An unknown for a partial string that lost its holes (never built that way; a safe answer all the same).
fn unknown_text(loc: Loc) -> Arc<Unknown> {
    Arc::new(Unknown { why: "a string with parts not known statically".to_owned(), loc, origin: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(n: u32) -> Loc {
        Loc { file: 0, span: Span::new(n, n + 1) }
    }

    #[test]
    fn objects_sort_keys_and_keep_the_last_duplicate() {
        let entry = |k: &str, v: &str| Entry { key: k.into(), key_loc: at(0), value: Value::string(v, at(0)) };
        let o = Value::object(vec![entry("b", "1"), entry("a", "2"), entry("b", "3")], at(0));
        let keys: Vec<&str> = o.as_object().unwrap().iter().map(|e| &*e.key).collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(o.get("b").and_then(Value::as_str), Some("3"));
    }

    #[test]
    fn numbers_print_as_terraform_prints_them() {
        assert_eq!(format_number(900.0), "900");
        assert_eq!(format_number(-3.0), "-3");
        assert_eq!(format_number(0.5), "0.5");
    }

    #[test]
    fn encoding_escapes_as_jsonencode_does() {
        let v = Value::string("a<b>&c", at(0));
        assert_eq!(encode(&v).unwrap(), r#""a\u003cb\u003e\u0026c""#);
        let u = Value::list(vec![Value::unknown("x", at(1))], at(0));
        assert!(encode(&u).is_err());
    }

    #[test]
    fn equality_is_typed_and_unknown_aware() {
        let s = Value::string("1", at(0));
        let n = Value::new(Kind::Number(1.0), at(0));
        assert_eq!(s.equals(&n), Some(false));
        assert_eq!(n.equals(&n), Some(true));
        assert_eq!(Value::unknown("x", at(0)).equals(&n), None);
    }

    #[test]
    fn text_maps_point_bytes_back_at_their_source() {
        // `ab${x}c`: "ab" at 10..12, the interpolation 12..16, "c" at 16.
        let map = TextMap {
            file: 0,
            pieces: vec![
                Piece { out: 0..2, map: PieceMap::Identity { start: 10 } },
                Piece { out: 2..5, map: PieceMap::Whole(Span::new(12, 16)) },
                Piece { out: 5..6, map: PieceMap::Identity { start: 16 } },
            ],
        };
        assert_eq!(map.span(Span::new(0, 2)), Some(Span::new(10, 12)));
        assert_eq!(map.span(Span::new(3, 4)), Some(Span::new(12, 16)));
        assert_eq!(map.span(Span::new(0, 6)), Some(Span::new(10, 17)));
        assert_eq!(map.interpolated(Span::new(2, 3)), Some(Span::new(12, 16)));
    }
}
