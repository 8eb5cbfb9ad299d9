//! Pretty-printed JSON written straight into the report as a nested part of a larger pretty-printed document:
//! a value serialised at `depth` levels in is byte for byte what `serde_json::to_string_pretty` prints for it
//! there, without building a `serde_json::Value` first or printing it to a string of its own and re-indenting
//! it line by line (what a million-row `--cases` report spent most of its time on).

use serde::Serialize;
use serde_json::ser::Formatter;
use std::io;

/// `serde_json`'s `PrettyFormatter` (two spaces) starting `depth` levels in: every line break it writes is
/// followed by the indentation of the enclosing document as well as its own.
pub struct Indented {
    level: usize,
    has_value: bool,
}

impl Indented {
    pub fn at(depth: usize) -> Indented {
        Indented { level: depth, has_value: false }
    }
}

fn indent<W: ?Sized + io::Write>(w: &mut W, level: usize) -> io::Result<()> {
    const SPACES: &[u8; 64] = b"                                                                ";
    let mut n = level * 2;
    while n > 0 {
        let take = n.min(SPACES.len());
        w.write_all(SPACES.get(..take).unwrap_or_default())?;
        n -= take;
    }
    Ok(())
}

impl Formatter for Indented {
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            indent(w, self.level)?;
        }
        w.write_all(b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        indent(w, self.level)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            indent(w, self.level)?;
        }
        w.write_all(b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        indent(w, self.level)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Append `value` pretty-printed as it sits `depth` levels deep in a pretty-printed document, escaped as
/// [`super::escape::json`] escapes a whole report (which maps characters one by one, so escaping the part is
/// escaping the whole). `scratch` is reused between calls.
pub fn write_at(out: &mut String, scratch: &mut Vec<u8>, value: &impl Serialize, depth: usize) {
    scratch.clear();
    let mut serializer = serde_json::Serializer::with_formatter(&mut *scratch, Indented::at(depth));
    // Serialising into memory fails only for a map with non-string keys, which no report holds.
    if value.serialize(&mut serializer).is_err() {
        return;
    }
    // The characters `escape::json` rewrites are all at or above DEL: plain ASCII (nearly every row) is
    // copied as it is.
    if scratch.iter().all(|b| *b < 0x7f) {
        out.push_str(std::str::from_utf8(scratch).unwrap_or_default());
    } else {
        let text = String::from_utf8_lossy(scratch).into_owned();
        out.push_str(&super::escape::json(text));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// What the report writers did before: print on its own, escape, then re-indent line by line.
    fn reference(value: &Value, depth: usize) -> String {
        let text = crate::report::escape::json(serde_json::to_string_pretty(value).unwrap_or_default());
        text.split('\n').collect::<Vec<_>>().join(&format!("\n{}", "  ".repeat(depth)))
    }

    #[test]
    fn same_text_as_printing_alone_and_reindenting() {
        let values = [
            json!(null),
            json!([]),
            json!({}),
            json!({"b": [1, {"c": "x\ny\u{7}"}], "a": null, "e": [], "f": {}, "g": [[], [{}]]}),
            json!("\u{202e}é\u{7f}\u{85}"),
            json!({"k": {"v": [true, false, 1.5, -3, 18446744073709551615u64]}}),
        ];
        let mut scratch = Vec::new();
        for value in &values {
            for depth in [0, 1, 2, 40] {
                let mut out = String::from("prefix");
                write_at(&mut out, &mut scratch, value, depth);
                assert_eq!(out, format!("prefix{}", reference(value, depth)), "{value} at {depth}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_value_at_any_depth(value in crate::report::indented::tests::arb_value(), depth in 0usize..6) {
            let mut out = String::new();
            write_at(&mut out, &mut Vec::new(), &value, depth);
            proptest::prop_assert_eq!(out, reference(&value, depth));
        }
    }

    pub(crate) fn arb_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "\\PC{0,6}|[\u{0}-\u{9f}\u{2028}-\u{202e}\u{feff}]{0,4}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map("[a-z_]{0,4}", inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
