//! Where policy text comes from: files on disk, documents embedded in them, spans into both, and the
//! span-keeping JSON parser.

pub mod classify;
pub mod discover;
pub mod json;
pub mod limits;
pub mod span;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

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
    /// Where lines and characters start, worked out on the first question about a position: only a text with
    /// a finding is ever asked (most files of a corpus have none), and its clones share the answer.
    index: Arc<OnceLock<LineIndex>>,
}

/// Line starts and the character index of one text.
#[derive(Debug)]
struct LineIndex {
    /// Byte offset of each line start, so every span maps to line/column cheaply.
    line_starts: Box<[u32]>,
    /// For text that is not all ASCII: the number of characters before each [`CHAR_BLOCK`]-byte block, so a
    /// column (counted in characters) costs at most one block of counting, however long the line: a plan is
    /// often one line of hundreds of megabytes, and counting from the line's start for every finding made
    /// `check` quadratic. Empty for ASCII text, where a column is a byte distance.
    char_marks: Box<[u32]>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let mut starts = vec![0u32];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX)),
        );
        let char_marks: Box<[u32]> = if text.is_ascii() {
            Box::new([])
        } else {
            let mut marks = Vec::with_capacity(text.len() / CHAR_BLOCK + 1);
            let mut chars = 0usize;
            for block in text.as_bytes().chunks(CHAR_BLOCK) {
                marks.push(u32::try_from(chars).unwrap_or(u32::MAX));
                chars += block.iter().filter(|&&b| starts_char(b)).count();
            }
            marks.into()
        };
        LineIndex { line_starts: starts.into(), char_marks }
    }
}

/// The block size of [`SourceFile`]'s character index.
const CHAR_BLOCK: usize = 4096;

/// Whether a byte starts a character (is not a UTF-8 continuation byte).
fn starts_char(b: u8) -> bool {
    (b & 0xC0) != 0x80
}

/// A 1-based line and column; the column counts Unicode scalar values (SARIF `unicodeCodePoints`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Self {
        Self { path: path.into(), name: name.into(), text: text.into(), enclosing: None, index: Arc::default() }
    }

    /// Works out the line index now (a worker thread does it for the texts it found problems in, so the
    /// report, written by one thread, does not).
    pub fn index_lines(&self) {
        self.index();
    }

    fn index(&self) -> &LineIndex {
        self.index.get_or_init(|| LineIndex::new(&self.text))
    }

    /// The number of characters before byte `offset` (a char boundary within the text).
    fn chars_before(&self, offset: usize) -> usize {
        let block = offset / CHAR_BLOCK;
        let start = block * CHAR_BLOCK;
        let counted = self.index().char_marks.get(block).map_or(0, |&m| m as usize);
        counted + self.text.as_bytes().get(start..offset).map_or(0, |b| b.iter().filter(|&&b| starts_char(b)).count())
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
        let index = self.index();
        let line_index = index.line_starts.partition_point(|&s| s as usize <= offset).saturating_sub(1);
        let line_start = index.line_starts.get(line_index).map_or(0, |&s| s as usize);
        let column = if index.char_marks.is_empty() {
            offset.saturating_sub(line_start)
        } else {
            self.chars_before(offset).saturating_sub(self.chars_before(line_start))
        };
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
    fn columns_count_chars_across_index_blocks() {
        // Multi-byte characters straddling block boundaries, on one long line and after line breaks.
        let mut text = String::new();
        for i in 0..20_000 {
            text.push(match i % 7 {
                0 => 'é',
                1 => '😀',
                2 => '\n',
                3 => 'ü',
                _ => 'a',
            });
        }
        let f = SourceFile::new("a.json", "a.json", text.as_str());
        for (offset, _) in text.char_indices().step_by(97).chain(std::iter::once((text.len(), ' '))) {
            let before = &text[..offset];
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let expected = LineCol {
                line: u32::try_from(before.matches('\n').count() + 1).unwrap(),
                column: u32::try_from(text[line_start..offset].chars().count() + 1).unwrap(),
            };
            assert_eq!(f.line_col(u32::try_from(offset).unwrap()), expected, "offset {offset}");
        }
    }

    #[test]
    fn paths_display_with_forward_slashes() {
        assert_eq!(display_path(Path::new("./a/b.json")), "a/b.json");
    }
}
