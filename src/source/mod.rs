//! Where policy text comes from: files on disk, documents embedded in them, spans into both, and the
//! span-keeping JSON parser.

pub mod classify;
pub mod discover;
pub mod json;
pub mod limits;
pub mod span;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use classify::InputKind;
pub use limits::{InputLimits, SizeKind};
pub use span::{Span, Spanned};

/// One text that findings point into: a file on disk, or a policy document embedded in one (a Terraform
/// attribute, an account-snapshot policy version) which is shown as its own source.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The file on disk this text came from, as the user named it (relative paths stay relative).
    pub path: PathBuf,
    /// The name shown to the user: the path for a file, `plan.json › aws_iam_role_policy.mint › policy` for
    /// an embedded document.
    pub name: Arc<str>,
    pub text: Arc<str>,
    /// For an embedded document: where its string literal sits in the file on disk, so formats that can
    /// only name positions in real files (SARIF, GitHub annotations) point at the right place.
    pub enclosing: Option<(LineCol, LineCol)>,
    /// Byte offset of each line start, computed once so every span maps to line/column cheaply.
    line_starts: Arc<[u32]>,
}

/// A 1-based line and column; the column counts Unicode scalar values (SARIF `unicodeCodePoints`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        let mut starts = vec![0u32];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX)),
        );
        Self { path: path.into(), name: name.into(), text, enclosing: None, line_starts: starts.into() }
    }

    /// Mark this text as embedded in its file at `span` of `file` (the string literal that holds it).
    pub fn embedded_at(mut self, file: &SourceFile, span: Span) -> Self {
        self.enclosing = Some(file.range(span));
        self
    }

    /// The region to name in the file on disk: the span itself for a file, the enclosing string literal for
    /// an embedded document.
    pub fn file_region(&self, span: Span) -> (LineCol, LineCol) {
        self.enclosing.unwrap_or_else(|| self.range(span))
    }

    /// A file on disk, named by its path.
    pub fn from_path(path: &Path, text: impl Into<Arc<str>>) -> Self {
        Self::new(path, display_path(path), text)
    }

    /// Line and column of a byte offset (clamped to the text, snapped back to a char boundary).
    pub fn line_col(&self, offset: u32) -> LineCol {
        let mut offset = (offset as usize).min(self.text.len());
        while offset > 0 && !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line_index = self.line_starts.partition_point(|&s| s as usize <= offset).saturating_sub(1);
        let line_start = self.line_starts.get(line_index).map_or(0, |&s| s as usize);
        let column = self.text.get(line_start..offset).map_or(0, |s| s.chars().count());
        LineCol {
            line: u32::try_from(line_index + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }

    /// The start position of a span and the position just past its end (SARIF regions are end-exclusive).
    pub fn range(&self, span: Span) -> (LineCol, LineCol) {
        (self.line_col(span.start), self.line_col(span.end))
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

/// Paths are shown with `/` separators on every platform so output and snapshots do not depend on the
/// machine.
pub fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    let text = text.strip_prefix("./").unwrap_or(&text);
    text.replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars_from_one() {
        let f = SourceFile::new("a.json", "a.json", "{\n  \"é\": 1\n}");
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(2), LineCol { line: 2, column: 1 });
        // `1` sits after `  "é": ` — the é is two bytes but one column
        let one = f.text.find('1').unwrap() as u32;
        assert_eq!(f.line_col(one), LineCol { line: 2, column: 8 });
        assert_eq!(f.line_col(10_000), LineCol { line: 3, column: 2 });
    }

    #[test]
    fn paths_display_with_forward_slashes() {
        assert_eq!(display_path(Path::new("./a/b.json")), "a/b.json");
    }
}
