//! Pretty-printed JSON whose one large array is written item by item. A report of 20,000 findings built as
//! one `serde_json::Value` held every finding's tree at once (several times the text it prints: SARIF took
//! 900 MB); here the skeleton is a small value with a marker where the array goes, and each item is built,
//! printed and dropped in turn. The text is byte for byte what `to_string_pretty` of the whole value gives.

use serde_json::Value;

/// Stands for the array in the skeleton; no input reaches the skeleton, so it cannot occur there otherwise.
pub const ITEMS: &str = "\u{0}mintlint-items\u{0}";

/// `serde_json::to_string_pretty` of `skeleton` with the string [`ITEMS`] replaced by the array of `items`,
/// each escaped with `escape` as the whole text would be (it maps characters one by one).
pub fn with_items(skeleton: &Value, items: impl Iterator<Item = Value>, escape: fn(String) -> String) -> String {
    let text = escape(serde_json::to_string_pretty(skeleton).unwrap_or_default());
    let marker = serde_json::to_string(ITEMS).unwrap_or_default();
    let Some(at) = text.find(&marker) else { return text };
    let (before, after) = (text.get(..at).unwrap_or_default(), text.get(at + marker.len()..).unwrap_or_default());
    // The array's members sit one level (two spaces) deeper than the line that holds it.
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let depth = before.get(line_start..).map_or(0, |line| line.len() - line.trim_start_matches(' ').len());
    let inner = format!("\n{}", " ".repeat(depth + 2));
    let mut out = String::with_capacity(text.len());
    out.push_str(before);
    out.push('[');
    let mut any = false;
    for item in items {
        if any {
            out.push(',');
        }
        any = true;
        out.push_str(&inner);
        // Strings never hold a raw line break (JSON escapes it), so every `\n` is the printer's own.
        let printed = escape(serde_json::to_string_pretty(&item).unwrap_or_default());
        out.push_str(&printed.replace('\n', &inner));
    }
    if any {
        out.push('\n');
        out.push_str(&" ".repeat(depth));
    }
    out.push(']');
    out.push_str(after);
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn same_text_as_the_whole_value() {
        let items = [json!({"b": [1, {"c": "x\ny"}], "a": null}), json!("s"), json!([]), json!({})];
        for n in 0..=items.len() {
            let taken: Vec<Value> = items.iter().take(n).cloned().collect();
            let whole = json!({"z": 1, "runs": [{"results": taken, "k": {"v": true}}], "a": "\u{202e}"});
            let skeleton = json!({"z": 1, "runs": [{"results": ITEMS, "k": {"v": true}}], "a": "\u{202e}"});
            let escape: fn(String) -> String = crate::report::escape::json;
            assert_eq!(
                with_items(&skeleton, taken.iter().cloned(), escape),
                escape(serde_json::to_string_pretty(&whole).unwrap()),
                "{n} items"
            );
        }
    }
}
