//! Reading a `--cases` file as a stream (DESIGN §9.2: cases files are streamed, up to 4 GiB): the file is
//! scanned once, in fixed-size chunks, for the elements of its `cases` list; each element's text is handed
//! out with its place in the file (byte offset, line, column) and parsed on its own, with spans, by
//! [`super::parse_case`]. Memory is bounded by the chunk, the batch and the per-case limit, never by the number
//! of cases, and an error can still point at its line.
//!
//! The scanner knows only the frame of the file (`{"cases": [ ... ]}`, whitespace, strings and bracket
//! nesting): what is inside a case is the spanned parser's business, so the two cannot disagree about JSON.

use std::io::Read;
use std::ops::Range;

/// What a streamed cases file may weigh.
#[derive(Clone, Copy, Debug)]
pub struct StreamLimits {
    /// The whole file (`--max-input-size`).
    pub max_bytes: u64,
    /// One case: a case is a few hundred bytes; a megabyte is a file that is not a cases file, or an attack.
    pub max_case: usize,
}

impl StreamLimits {
    /// DESIGN §9.2: 4 GiB for a streamed cases file.
    pub const DEFAULT_MAX_BYTES: u64 = crate::source::InputLimits::DEFAULT_STREAM;
    pub const DEFAULT_MAX_CASE: usize = 1024 * 1024;
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits { max_bytes: Self::DEFAULT_MAX_BYTES, max_case: Self::DEFAULT_MAX_CASE }
    }
}

/// Where an element of the `cases` list is: its byte offset in the file, its line (0-based) and the column
/// (in bytes, 0-based) it starts at, and its text's range in [`Batch::text`].
#[derive(Clone, Debug)]
pub struct Element {
    pub index: usize,
    pub offset: u64,
    pub line: u64,
    pub column: usize,
    range: Range<usize>,
}

/// Cases read together: their texts back to back in one buffer that is reused, so reading a case allocates
/// nothing once the buffer has grown to a batch.
#[derive(Debug, Default)]
pub struct Batch {
    text: String,
    pub elements: Vec<Element>,
}

impl Batch {
    pub fn text_of(&self, element: &Element) -> &str {
        self.text.get(element.range.clone()).unwrap_or("")
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.elements.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    pub fn len(&self) -> usize {
        self.elements.len()
    }
}

/// Why the frame of the file cannot be read: the message, label and help of a diagnostic, and where it
/// points (a line of the file with the byte range in it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameError {
    pub message: String,
    pub label: String,
    pub help: String,
    /// Byte offset in the file.
    pub offset: u64,
    /// 0-based line of `offset`, and the text of that line (as far as it was read; lossy UTF-8).
    pub line: u64,
    pub line_text: String,
    /// The offending bytes within `line_text`.
    pub span: Range<usize>,
}

/// A failure to read the stream.
#[derive(Debug)]
pub enum StreamError {
    /// The file could not be read.
    Io(std::io::Error),
    /// It is not JSON, or not a cases file's frame, or over a limit.
    Frame(Box<FrameError>),
}

impl From<std::io::Error> for StreamError {
    fn from(e: std::io::Error) -> Self {
        StreamError::Io(e)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Before the opening `{`.
    Start,
    /// After `{` or after a member: a key, or `}`.
    Member {
        first: bool,
    },
    /// Inside `cases`: an element, or `]`.
    Cases {
        first: bool,
    },
    /// After the closing `}`: only whitespace.
    End,
    Done,
}

/// How much is read from the file at a time.
const CHUNK: usize = 1 << 20;

/// The scanner: reads the frame, hands out the elements of `cases`.
pub struct CaseStream<R> {
    source: R,
    limits: StreamLimits,
    buf: Vec<u8>,
    /// Next byte to look at, in `buf`.
    pos: usize,
    /// File offset of `buf[0]`.
    base: u64,
    /// 0-based line at `pos`, and the file offset where that line starts.
    line: u64,
    line_start: u64,
    eof: bool,
    state: State,
    seen_cases: bool,
    count: usize,
}

impl<R: Read> CaseStream<R> {
    pub fn new(source: R, limits: StreamLimits) -> CaseStream<R> {
        CaseStream {
            source,
            limits,
            buf: Vec::with_capacity(CHUNK),
            pos: 0,
            base: 0,
            line: 0,
            line_start: 0,
            eof: false,
            state: State::Start,
            seen_cases: false,
            count: 0,
        }
    }

    /// Cases read so far.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Read up to `max` more cases into `batch` (cleared first). An empty batch: the list has ended and the
    /// rest of the file is well-formed.
    pub fn fill(&mut self, batch: &mut Batch, max: usize) -> Result<(), StreamError> {
        batch.clear();
        while batch.elements.len() < max {
            match self.state {
                State::Done => break,
                State::Start => {
                    self.skip_bom()?;
                    match self.skip_ws()? {
                        Some(b'{') => {
                            self.advance(1);
                            self.state = State::Member { first: true };
                        }
                        Some(_) => {
                            return Err(self.error_here("a cases file is a JSON object", "not `{`", OBJECT_HELP));
                        }
                        None => return Err(self.error_here("no JSON value: the text is empty", "empty", OBJECT_HELP)),
                    }
                }
                State::Member { first } => match self.skip_ws()? {
                    Some(b'}') => {
                        self.advance(1);
                        if !self.seen_cases {
                            return Err(self.error_at(
                                self.pos.saturating_sub(1),
                                1,
                                "cases file has no `cases` list",
                                "here",
                                "write {\"cases\": [{...}]}",
                            ));
                        }
                        self.state = State::End;
                    }
                    Some(b',') if !first => {
                        let comma = self.mark();
                        self.advance(1);
                        if self.skip_ws()? == Some(b'}') {
                            return Err(self.trailing_comma(comma));
                        }
                        self.key()?;
                    }
                    Some(b'"') if first => self.key()?,
                    Some(_) => return Err(self.error_here("unexpected character, expected `,` or `}`", "here", "")),
                    None => return Err(self.end_error("`}`")),
                },
                State::Cases { first } => match self.skip_ws()? {
                    Some(b']') => {
                        self.advance(1);
                        self.state = State::Member { first: false };
                    }
                    Some(b',') if !first => {
                        let comma = self.mark();
                        self.advance(1);
                        if self.skip_ws()? == Some(b']') {
                            return Err(self.trailing_comma(comma));
                        }
                        self.element(batch)?;
                    }
                    Some(_) if first => self.element(batch)?,
                    Some(_) => {
                        return Err(self.error_here("unexpected character, expected `,` or `]`", "here", ""));
                    }
                    None => return Err(self.end_error("`,` or `]`")),
                },
                State::End => match self.skip_ws()? {
                    None => self.state = State::Done,
                    Some(_) => {
                        return Err(self.error_here(
                            "unexpected text after the JSON value",
                            "text after the JSON value",
                            "a JSON text holds one value: remove the extra text",
                        ));
                    }
                },
            }
        }
        Ok(())
    }

    /// A member key; only `cases` is one, and it holds a list.
    fn key(&mut self) -> Result<(), StreamError> {
        let end = self.scan_string(self.pos)?;
        // Reading on may have moved the key in the buffer: it starts at `pos`.
        let start = self.pos;
        let raw = self.buf.get(start..end).unwrap_or_default();
        let name: String = serde_json::from_slice(raw).unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned());
        if name != "cases" {
            let message = format!("unknown top-level field `{}`", crate::report::escape::text(&name));
            return Err(self.error_at(start, end - start, &message, "not part of a cases file", CASES_ONLY));
        }
        if self.seen_cases {
            return Err(self.error_at(start, end - start, "`cases` is given twice", "again", CASES_ONLY));
        }
        self.seen_cases = true;
        self.advance(end - start);
        if self.skip_ws()? != Some(b':') {
            return Err(self.error_here("unexpected character, expected `:`", "here", ""));
        }
        self.advance(1);
        match self.skip_ws()? {
            Some(b'[') => {
                self.advance(1);
                self.state = State::Cases { first: true };
                Ok(())
            }
            Some(_) => Err(self.error_here("`cases` must be a list", "here", "write \"cases\": [{...}, {...}]")),
            None => Err(self.end_error("a list")),
        }
    }

    /// One element of `cases`, copied into the batch with its place.
    fn element(&mut self, batch: &mut Batch) -> Result<(), StreamError> {
        let end = match self.peek() {
            Some(b'{' | b'[') => self.scan_nested(self.pos)?,
            Some(b'"') => self.scan_string(self.pos)?,
            _ => self.scan_scalar(self.pos)?,
        };
        // Reading on may have moved the element in the buffer: it starts at `pos`.
        let start = self.pos;
        if end == start {
            return Err(self.error_here("unexpected character, expected a JSON value", "here", ""));
        }
        self.state = State::Cases { first: false };
        if end - start > self.limits.max_case {
            let message = format!("a case over {} bytes: a case is a few hundred bytes", self.limits.max_case);
            return Err(self.error_at(start, 1, &message, "this case", "split it, or check that this is a cases file"));
        }
        let (offset, line, column) = (self.base + start as u64, self.line, self.column_of(start));
        let bytes = self.buf.get(start..end).unwrap_or_default();
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                return Err(self.error_at(
                    start + e.valid_up_to(),
                    1,
                    "text is not valid UTF-8",
                    "not UTF-8",
                    UTF8_HELP,
                ));
            }
        };
        let at = batch.text.len();
        batch.text.push_str(text);
        batch.elements.push(Element { index: self.count, offset, line, column, range: at..batch.text.len() });
        self.count += 1;
        // Lines inside the element move the line count on.
        self.advance(end - start);
        Ok(())
    }

    /// Where `pos` is: its file offset, line and line start, to point back at it later.
    fn mark(&self) -> (u64, u64, u64) {
        (self.base + self.pos as u64, self.line, self.line_start)
    }

    /// A comma before a closing bracket, pointed at where it was (if the buffer still holds it; otherwise at
    /// the bracket).
    fn trailing_comma(&mut self, (offset, line, line_start): (u64, u64, u64)) -> StreamError {
        if let Some(at) = offset.checked_sub(self.base).and_then(|a| usize::try_from(a).ok()) {
            self.pos = at;
            self.line = line;
            self.line_start = line_start;
            return self.error_at(at, 1, TRAILING_COMMA, "trailing comma", TRAILING_HELP);
        }
        self.error_here(TRAILING_COMMA, "the list ends here", TRAILING_HELP)
    }

    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Move `pos` on by `n` bytes already in the buffer, counting the lines passed.
    fn advance(&mut self, n: usize) {
        let end = (self.pos + n).min(self.buf.len());
        let passed = self.buf.get(self.pos..end).unwrap_or_default();
        for (i, b) in passed.iter().enumerate() {
            if *b == b'\n' {
                self.line += 1;
                self.line_start = self.base + (self.pos + i + 1) as u64;
            }
        }
        self.pos = end;
    }

    fn column_of(&self, at: usize) -> usize {
        usize::try_from((self.base + at as u64).saturating_sub(self.line_start)).unwrap_or(0)
    }

    /// Read more of the file, keeping `buf[keep..]`. False at the end of the file.
    fn refill(&mut self, keep: usize) -> Result<bool, StreamError> {
        if self.eof {
            return Ok(false);
        }
        if keep > 0 {
            self.buf.drain(..keep.min(self.buf.len()));
            self.base += keep as u64;
            self.pos -= keep.min(self.pos);
        }
        let old = self.buf.len();
        self.buf.resize(old + CHUNK, 0);
        let n = loop {
            match self.source.read(self.buf.get_mut(old..).unwrap_or_default()) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(e.into());
                }
            }
        };
        self.buf.truncate(old + n);
        if n == 0 {
            self.eof = true;
            return Ok(false);
        }
        let read = self.base + self.buf.len() as u64;
        if read > self.limits.max_bytes {
            let too_large = crate::source::limits::TooLarge {
                kind: crate::source::SizeKind::Stream,
                size: read,
                limit: self.limits.max_bytes,
            };
            let message = format!("{too_large} (read so far)");
            return Err(self.error_at(self.pos, 0, &message, "the limit is reached in here", &too_large.help()));
        }
        Ok(true)
    }

    /// Make sure `buf[pos]` exists (reading on, keeping the current line for error messages is not needed:
    /// only what follows `pos` is kept).
    fn fill_at_pos(&mut self) -> Result<bool, StreamError> {
        if self.pos < self.buf.len() {
            return Ok(true);
        }
        let keep = self.pos;
        self.refill(keep)
    }

    fn skip_bom(&mut self) -> Result<(), StreamError> {
        while self.buf.len() < 3 && self.refill(0)? {}
        if self.buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
            self.pos = 3;
            self.line_start = 3;
        } else if self.buf.starts_with(&[0xFF, 0xFE]) || self.buf.starts_with(&[0xFE, 0xFF]) {
            return Err(self.error_at(0, 2, "text is UTF-16, not UTF-8", "UTF-16 byte order mark", UTF8_HELP));
        }
        Ok(())
    }

    /// Skip whitespace; the next byte, or `None` at the end of the file.
    fn skip_ws(&mut self) -> Result<Option<u8>, StreamError> {
        loop {
            if !self.fill_at_pos()? {
                return Ok(None);
            }
            match self.peek() {
                Some(b'\n') => {
                    self.pos += 1;
                    self.line += 1;
                    self.line_start = self.base + self.pos as u64;
                }
                Some(b' ' | b'\t' | b'\r') => self.pos += 1,
                other => return Ok(other),
            }
        }
    }

    /// The byte at `start + i`, reading on (and keeping `buf[start..]`) when needed; `start` may move: the
    /// caller's offsets are relative to it.
    fn byte_at(&mut self, start: &mut usize, i: usize) -> Result<Option<u8>, StreamError> {
        if *start + i >= self.buf.len() {
            if i > self.limits.max_case {
                let message = format!("a case over {} bytes: a case is a few hundred bytes", self.limits.max_case);
                let at = *start;
                return Err(self.error_at(
                    at,
                    1,
                    &message,
                    "this case",
                    "split it, or check that this is a cases file",
                ));
            }
            let keep = *start;
            if !self.refill(keep)? {
                return Ok(None);
            }
            *start = self.pos;
        }
        Ok(self.buf.get(*start + i).copied())
    }

    /// The end (exclusive) of the object or array starting at `start` (`== pos`).
    fn scan_nested(&mut self, start: usize) -> Result<usize, StreamError> {
        let mut s = start;
        let mut i = 0usize;
        let mut depth = 0usize;
        let mut in_string = false;
        loop {
            let Some(b) = self.byte_at(&mut s, i)? else { return Err(self.end_error("the end of the case")) };
            i += 1;
            if in_string {
                match b {
                    b'\\' => i += 1,
                    b'"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok(s + i);
                    }
                }
                _ => {}
            }
        }
    }

    /// The end (exclusive) of the string starting at `start` (`== pos`).
    fn scan_string(&mut self, start: usize) -> Result<usize, StreamError> {
        let mut s = start;
        let mut i = 1usize;
        loop {
            let Some(b) = self.byte_at(&mut s, i)? else { return Err(self.end_error("a closing `\"`")) };
            i += 1;
            match b {
                b'\\' => i += 1,
                b'"' => return Ok(s + i),
                _ => {}
            }
        }
    }

    /// The end (exclusive) of a number or literal starting at `start`: the parser of the case says what is
    /// wrong with it.
    fn scan_scalar(&mut self, start: usize) -> Result<usize, StreamError> {
        let mut s = start;
        let mut i = 0usize;
        loop {
            match self.byte_at(&mut s, i)? {
                None | Some(b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n') => return Ok(s + i),
                Some(_) => i += 1,
            }
        }
    }

    fn error_here(&mut self, message: &str, label: &str, help: &str) -> StreamError {
        let width = usize::from(self.pos < self.buf.len());
        self.error_at(self.pos, width, message, label, help)
    }

    fn end_error(&mut self, expected: &str) -> StreamError {
        let at = self.buf.len();
        self.error_at(
            at,
            0,
            &format!("unexpected end of input, expected {expected}"),
            "the text ends here",
            "the text ends too early: look for an unclosed string, array or object",
        )
    }

    /// A diagnostic at `buf[at..at + width]`, with the text of its line as far as the buffer holds it.
    fn error_at(&mut self, at: usize, width: usize, message: &str, label: &str, help: &str) -> StreamError {
        // Count the lines between `pos` and `at` (an error inside an element is past `pos`).
        let mut line = self.line;
        let mut line_begin = usize::try_from(self.line_start.saturating_sub(self.base)).unwrap_or(0);
        for (i, b) in self.buf.iter().enumerate().take(at).skip(self.pos.min(at)) {
            if *b == b'\n' {
                line += 1;
                line_begin = i + 1;
            }
        }
        let line_begin = line_begin.min(at);
        let line_end = self.buf.iter().skip(at).position(|b| *b == b'\n').map_or(self.buf.len(), |n| at + n);
        let line_end = line_end.min(line_begin + 4096).max(at.min(self.buf.len()));
        let line_text = String::from_utf8_lossy(self.buf.get(line_begin..line_end).unwrap_or_default()).into_owned();
        let from = at - line_begin;
        StreamError::Frame(Box::new(FrameError {
            message: message.to_owned(),
            label: label.to_owned(),
            help: help.to_owned(),
            offset: self.base + at as u64,
            line,
            span: from..(from + width).min(line_text.len().max(from)),
            line_text,
        }))
    }
}

const OBJECT_HELP: &str = "write {\"cases\": [{...}]}";
const CASES_ONLY: &str = "a cases file holds only {\"cases\": [...]}";
const TRAILING_COMMA: &str = "trailing comma before the closing bracket";
const TRAILING_HELP: &str = "remove the comma: JSON does not allow a comma after the last item";
const UTF8_HELP: &str = "save the file as UTF-8";

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, chunk_max: usize) -> Result<Vec<(String, u64, u64, usize)>, StreamError> {
        let mut stream = CaseStream::new(text.as_bytes(), StreamLimits::default());
        let mut batch = Batch::default();
        let mut out = Vec::new();
        loop {
            stream.fill(&mut batch, chunk_max)?;
            if batch.is_empty() {
                return Ok(out);
            }
            for e in &batch.elements {
                out.push((batch.text_of(e).to_owned(), e.offset, e.line, e.column));
            }
        }
    }

    fn frame(text: &str) -> FrameError {
        match read(text, 2) {
            Err(StreamError::Frame(f)) => *f,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn elements_with_their_places() {
        let text = "\u{feff}{\"cases\": [\n  {\"name\": \"a]\\\"}\", \"x\": [1, {}]},\n  {\"b\": 2}\n]}\n";
        let got = read(text, 1).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, "{\"name\": \"a]\\\"}\", \"x\": [1, {}]}");
        assert_eq!((got[0].2, got[0].3), (1, 2));
        assert_eq!(&text[usize::try_from(got[1].1).unwrap()..][..8], "{\"b\": 2}");
        assert_eq!((got[1].2, got[1].3), (2, 2));
        assert!(read("{\"cases\": []}", 5).unwrap().is_empty());
        // Scalars are elements too: the case parser says they are not objects.
        assert_eq!(read("{\"cases\": [1, \"s\", null]}", 5).unwrap().len(), 3);
    }

    #[test]
    fn frame_errors_point_at_their_line() {
        let e = frame("{\"cases\": [\n  {\"a\": 1},\n]}");
        assert_eq!((e.message.as_str(), e.line, e.span.clone()), (TRAILING_COMMA, 1, 10..11));
        assert_eq!(frame("{\"cases\": [{}], \"extra\": 1}").message, "unknown top-level field `extra`");
        assert_eq!(frame("{}").message, "cases file has no `cases` list");
        assert_eq!(frame("{\"cases\": {}}").message, "`cases` must be a list");
        assert_eq!(frame("[]").message, "a cases file is a JSON object");
        assert_eq!(frame("").message, "no JSON value: the text is empty");
        assert!(frame("{\"cases\": [{\"a\": 1}").message.starts_with("unexpected end of input"));
        assert!(frame("{\"cases\": [{\"a\": 1} {}]}").message.contains("expected `,` or `]`"));
        assert!(frame("{\"cases\": []} x").message.contains("after the JSON value"));
        assert!(frame("\u{ff}\u{fe}").message.contains("UTF-8") || frame("\u{ff}").message.contains("JSON"));
    }

    #[test]
    fn limits_hold_whatever_the_chunking() {
        let big = format!("{{\"cases\": [{{\"name\": \"{}\"}}]}}", "x".repeat(3 * CHUNK));
        let mut stream = CaseStream::new(big.as_bytes(), StreamLimits { max_bytes: u64::MAX, max_case: 2 * CHUNK });
        let mut batch = Batch::default();
        match stream.fill(&mut batch, 10) {
            Err(StreamError::Frame(f)) => assert!(f.message.contains("a case over"), "{}", f.message),
            other => panic!("{other:?}"),
        }
        let mut stream = CaseStream::new(big.as_bytes(), StreamLimits { max_bytes: 1000, max_case: usize::MAX });
        match stream.fill(&mut batch, 10) {
            Err(StreamError::Frame(f)) => assert!(f.message.contains("limit (read so far)"), "{}", f.message),
            other => panic!("{other:?}"),
        }
        let ok = format!("{{\"cases\": [{}]}}", vec!["{\"n\": 1}"; 300_000].join(",\n"));
        assert_eq!(read(&ok, 1000).unwrap().len(), 300_000);
    }
}
