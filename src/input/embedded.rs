//! A policy document held inside another JSON file: as a JSON object (read where it is), or as a string of
//! JSON, URL-encoded (RFC 3986) as the IAM API returns it or already decoded. A string becomes its own
//! virtual source, named after where it sits (`snapshot.json › role/mint › RolePolicyList › mint-tokens`),
//! so findings point at the line and column inside the document.

use std::sync::Arc;

use crate::lint::Finding;
use crate::lint::rules::{invalid_json, invalid_policy};
use crate::policy::PolicyProblem;
use crate::source::json::{self, Json, JsonError, JsonErrorKind, JsonKind, Limits};
use crate::source::{SourceFile, Span};

/// What reading an embedded document gave.
pub enum EmbeddedDocument {
    /// The document's text (the file itself for an object) and its JSON.
    Read(Arc<SourceFile>, Json),
    /// A string that decodes to text which is not JSON: its source, and the finding that says why.
    NotJson(Arc<SourceFile>, Box<Finding>),
    /// A string that cannot be URL-decoded, or a value that is no document at all: a finding in the file.
    Invalid(Box<Finding>),
}

/// Read the document `value` of `file`; `name` names the virtual source of a string document and
/// `attribute` the member in messages.
pub fn read(file: &Arc<SourceFile>, value: &Json, name: String, attribute: &str, limits: &Limits) -> EmbeddedDocument {
    let text = match &value.kind {
        JsonKind::Object(_) => return EmbeddedDocument::Read(Arc::clone(file), value.clone()),
        JsonKind::String(s) => s,
        _ => {
            let problem = PolicyProblem {
                span: value.span,
                message: format!("`{attribute}` must be a policy document, not {}", value.type_name()),
                label: "here".to_owned(),
                help: "a policy document is a JSON object or a URL-encoded string of one".to_owned(),
            };
            return EmbeddedDocument::Invalid(Box::new(invalid_policy::finding(file, &problem)));
        }
    };
    // A decoded document starts with `{`; an encoded one with `%7B`.
    let decoded = if text.trim_start().starts_with('{') { Ok(text.as_bytes().to_vec()) } else { percent_decode(text) };
    match decoded.map(String::from_utf8) {
        Ok(Ok(text)) => {
            let source = Arc::new(SourceFile::new(file.path.clone(), name, text).embedded_at(file, value.span));
            match json::parse(&source.text, &limits.for_kind(crate::source::SizeKind::Policy)) {
                Ok(json) => EmbeddedDocument::Read(source, json),
                Err(error) => {
                    let finding = invalid_json::finding(&source, &error);
                    EmbeddedDocument::NotJson(source, Box::new(finding))
                }
            }
        }
        Ok(Err(bad)) => {
            let at = bad.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(bad.as_bytes()).into_owned();
            let source = Arc::new(SourceFile::new(file.path.clone(), name, text).embedded_at(file, value.span));
            let error = JsonError { kind: JsonErrorKind::InvalidUtf8, span: Span::from_range(at, at + 1) };
            let finding = invalid_json::finding(&source, &error);
            EmbeddedDocument::NotJson(source, Box::new(finding))
        }
        Err(at) => {
            // Point into the file: the bad escape is inside the string value.
            let start = (value.span.start as usize).saturating_add(1).saturating_add(at);
            let problem = PolicyProblem {
                span: Span::from_range(start, start + 1),
                message: format!("`{attribute}` is not a valid URL-encoded policy document"),
                label: "here".to_owned(),
                help: "`%` must start an escape of two hex digits (`%7B` is `{`)".to_owned(),
            };
            EmbeddedDocument::Invalid(Box::new(invalid_policy::finding(file, &problem)))
        }
    }
}

/// Decode `%XX` escapes (RFC 3986; `+` is a literal plus). `Err` holds the byte offset of a bad escape.
pub fn percent_decode(text: &str) -> Result<Vec<u8>, usize> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(decoded) => out.push(decoded),
                None => return Err(i),
            }
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_is_rfc_3986() {
        assert_eq!(percent_decode("%7B%22a%22%3A%20%22b+c%22%7D").unwrap(), br#"{"a": "b+c"}"#.to_vec());
        assert_eq!(percent_decode("abc%2").unwrap_err(), 3);
        assert_eq!(percent_decode("%zz").unwrap_err(), 0);
    }

    fn file(text: &str) -> (Arc<SourceFile>, Json) {
        let file = Arc::new(SourceFile::new("f.json", "f.json", text));
        let json = json::parse(text, &Limits::default()).unwrap();
        (file, json)
    }

    #[test]
    fn strings_become_their_own_source_and_objects_stay_in_the_file() {
        let (f, json) = file(r#"{"D": "%7B%22Statement%22%3A%5B%5D%7D", "O": {"Statement": []}, "N": 1}"#);
        let limits = Limits::default();
        match read(&f, json.get("D").unwrap(), "f.json › D".into(), "D", &limits) {
            EmbeddedDocument::Read(source, doc) => {
                assert_eq!(&*source.name, "f.json › D");
                assert_eq!(&*source.text, r#"{"Statement":[]}"#);
                assert!(doc.get("Statement").is_some());
            }
            _ => panic!("not read"),
        }
        match read(&f, json.get("O").unwrap(), "x".into(), "O", &limits) {
            EmbeddedDocument::Read(source, _) => assert!(Arc::ptr_eq(&source, &f)),
            _ => panic!("not read"),
        }
        assert!(matches!(read(&f, json.get("N").unwrap(), "x".into(), "N", &limits), EmbeddedDocument::Invalid(_)));
    }
}
