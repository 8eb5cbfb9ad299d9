use std::sync::Arc;

use crate::declare_rule;
use crate::lint::Finding;
use crate::source::json::{JsonError, JsonErrorKind};
use crate::source::{SourceFile, Span};

declare_rule! {
    /// ## What it finds
    /// A file that is not JSON: a syntax error (a trailing comma, a missing quote, a truncated file), an
    /// empty file, bytes that are not UTF-8 (a UTF-8 byte order mark is allowed), a file over the size limit
    /// (10 MiB by default) or nesting deeper than 128 levels. The finding points at the offending byte.
    ///
    /// ## Why it matters
    /// A policy that cannot be read cannot be reviewed: AWS rejects it at deploy time, or worse, a tool in
    /// the pipeline skips it and an unreviewed policy ships. mintlint never skips such a file.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",}]}
    /// ```
    ///
    /// ## Fix
    /// Correct the syntax at the reported position (here: remove the comma before `}`).
    pub static INVALID_JSON = "MINT000", "invalid-json", Error, "not JSON: a syntax error, an empty or truncated file, bytes that are not UTF-8, or input over the size or nesting limits";
}

/// The finding for a file that could not be read as JSON.
pub fn finding(source: &Arc<SourceFile>, error: &JsonError) -> Finding {
    Finding::new(&INVALID_JSON, source, error.span, error.message()).label(label(&error.kind)).help(error.help())
}

/// The finding for a file that could not be read at all (permissions, a symbolic link loop).
pub fn unreadable(source: &Arc<SourceFile>, reason: &str) -> Finding {
    Finding::new(&INVALID_JSON, source, Span::at(0), format!("cannot read this file: {reason}"))
        .label("unreadable")
        .help("make the file readable, or exclude it with `--exclude`; it was not checked")
}

pub(crate) fn label(kind: &JsonErrorKind) -> &'static str {
    match kind {
        JsonErrorKind::Empty => "no JSON value here",
        JsonErrorKind::UnexpectedEnd { .. } => "the text ends here",
        JsonErrorKind::UnexpectedChar { .. } => "unexpected character",
        JsonErrorKind::TrailingComma => "trailing comma",
        JsonErrorKind::TrailingCharacters => "text after the JSON value",
        JsonErrorKind::InvalidEscape | JsonErrorKind::InvalidUnicodeEscape => "invalid escape",
        JsonErrorKind::ControlCharacterInString => "raw control character",
        JsonErrorKind::InvalidNumber | JsonErrorKind::NumberOutOfRange => "invalid number",
        JsonErrorKind::TooDeep { .. } => "nesting limit reached here",
        JsonErrorKind::TooLarge { .. } => "file too large",
        JsonErrorKind::InvalidUtf8 => "not UTF-8",
        JsonErrorKind::Utf16 => "UTF-16 byte order mark",
    }
}
