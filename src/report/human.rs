//! The human report: each finding drawn by miette's graphical handler, with its snippet, label and help.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};

use crate::lint::{Finding, Severity};

use super::Style;
use super::escape;

/// A finding seen through miette.
struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    /// Rule findings show their code; explanation snippets do not.
    show_code: bool,
    source: Excerpt,
    related: Vec<RelatedDiagnostic>,
}

/// A note in another source (an embedded document, another file), drawn under the main finding.
#[derive(Debug)]
pub(crate) struct RelatedDiagnostic {
    pub(crate) label: String,
    pub(crate) span: crate::source::Span,
    pub(crate) source: Excerpt,
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FindingDiagnostic").field("rule", &self.finding.rule.code).finish()
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape::text(&self.finding.message))
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.show_code.then(|| {
            Box::new(format!("{}({})", self.finding.rule.code, self.finding.rule.name)) as Box<dyn fmt::Display>
        })
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.finding.help.as_ref().map(|h| Box::new(escape::text(h).into_owned()) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let primary = LabeledSpan::new_primary_with_span(
            non_empty(&self.finding.label),
            self.source.translate(self.finding.span),
        );
        let same_file = self
            .finding
            .related
            .iter()
            .filter(|r| std::sync::Arc::ptr_eq(&r.source, &self.finding.source))
            .map(|r| LabeledSpan::new_with_span(non_empty(&r.label), self.source.translate(r.span)));
        Some(Box::new(std::iter::once(primary).chain(same_file)))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)))
    }
}

impl fmt::Display for RelatedDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape::text(&self.label))
    }
}

impl std::error::Error for RelatedDiagnostic {}

impl Diagnostic for RelatedDiagnostic {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.source.translate(self.span);
        Some(Box::new(std::iter::once(LabeledSpan::new_primary_with_span(non_empty(&self.label), span))))
    }
}

/// Lines longer than this many bytes are shown as a window around the span.
const LONG_LINE: usize = 400;
/// Bytes shown on each side of a span in a long line.
const WINDOW_MARGIN: usize = 60;

/// A source as miette reads it, with long lines cut to a window around the span. A minified plan or policy
/// is one line of up to megabytes: drawn whole it is unreadable, and miette's padding to a column past
/// 65,535 panics. Line and column numbers stay those of the whole text.
///
/// The text is input: a control character, an ESC sequence or a bidirectional override in it would reach
/// the terminal through the snippet. When the text holds any (rarely), the excerpt shows an escaped copy
/// (`\u{..}`, as everywhere, line breaks and tabs kept) and moves the spans of labels by what escaping
/// added before them ([`Excerpt::translate`]).
pub(crate) struct Excerpt {
    name: String,
    text: std::sync::Arc<str>,
    /// Per escaped character: its byte offset in the original text and the bytes escaping added up to and
    /// including it, in order. Empty when nothing was escaped.
    shifts: Vec<(usize, usize)>,
    /// The 0-based line of the file that `text` starts at: a part of a file (one case of a streamed cases
    /// file) is numbered as the file's lines.
    first_line: usize,
}

impl Excerpt {
    pub(crate) fn new(source: &crate::source::SourceFile) -> Excerpt {
        Excerpt::of_text(&source.name, &source.text, 0)
    }

    /// A text that is not a [`crate::source::SourceFile`] (a cases file or one of its cases, a configuration
    /// file), starting at the file's 0-based line `first_line`: drawn with the same windowing and escaping.
    pub(crate) fn of_text(name: &str, original: &std::sync::Arc<str>, first_line: usize) -> Excerpt {
        let name = escape::text(name).into_owned();
        let keep = |c: char, next: Option<char>| c == '\n' || c == '\t' || (c == '\r' && next == Some('\n'));
        let hostile = |(i, c): (usize, char)| {
            escape::is_hostile(c) && !keep(c, original.get(i + c.len_utf8()..).and_then(|t| t.chars().next()))
        };
        if !original.char_indices().any(hostile) {
            return Excerpt { name, text: std::sync::Arc::clone(original), shifts: Vec::new(), first_line };
        }
        let mut text = String::with_capacity(original.len() + 64);
        let mut shifts = Vec::new();
        let mut added = 0;
        for (i, c) in original.char_indices() {
            if hostile((i, c)) {
                let escaped = escape::text(c.encode_utf8(&mut [0; 4])).into_owned();
                added += escaped.len() - c.len_utf8();
                shifts.push((i, added));
                text.push_str(&escaped);
            } else {
                text.push(c);
            }
        }
        Excerpt { name, text: text.into(), shifts, first_line }
    }

    /// A span of the original text as a span of the text shown: an escaped character inside the span
    /// widens it, escaped characters before it move it.
    pub(crate) fn translate(&self, span: crate::source::Span) -> crate::source::Span {
        if self.shifts.is_empty() {
            return span;
        }
        let before = |offset: usize| {
            let i = self.shifts.partition_point(|&(at, _)| at < offset);
            i.checked_sub(1).and_then(|i| self.shifts.get(i)).map_or(0, |&(_, added)| added)
        };
        let (start, end) = (span.start as usize, span.end.max(span.start) as usize);
        let at = |offset: usize| u32::try_from(offset).unwrap_or(u32::MAX);
        // The end moves by what was added before it, characters inside the span included.
        crate::source::Span::new(at(start + before(start)), at(end + before(end)))
    }
}

impl fmt::Debug for Excerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Excerpt").field("name", &self.name).finish()
    }
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text: &'a str = &self.text;
        let offset = floor_boundary(text, span.offset());
        let line_start = text.get(..offset).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
        let line_end = text.get(offset..).and_then(|t| t.find('\n')).map_or(text.len(), |i| offset + i);
        // Context 0 is the header's position (`file:line:col`): miette's own reading gives it and shows no text.
        if line_end - line_start <= LONG_LINE || (context_lines_before == 0 && context_lines_after == 0) {
            let inner = text.read_span(span, context_lines_before, context_lines_after)?;
            return Ok(Box::new(MietteSpanContents::new_named(
                self.name.clone(),
                inner.data(),
                *inner.span(),
                inner.line().saturating_add(self.first_line),
                inner.column(),
                inner.line_count(),
            )));
        }
        let end = offset.saturating_add(span.len().max(1)).min(line_end);
        let start = floor_boundary(text, offset.saturating_sub(WINDOW_MARGIN).max(line_start));
        let end = floor_boundary(text, end.saturating_add(WINDOW_MARGIN).min(line_end).min(start + 4 * LONG_LINE));
        let data = text.get(start..end).unwrap_or("");
        let line = self
            .first_line
            .saturating_add(text.get(..line_start).map_or(0, |t| t.bytes().filter(|&b| b == b'\n').count()));
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            data.as_bytes(),
            (start, end - start).into(),
            line,
            start - line_start,
            1,
        )))
    }
}

fn non_empty(label: &str) -> Option<String> {
    (!label.is_empty()).then(|| escape::text(label).into_owned())
}

fn handler(style: Style) -> GraphicalReportHandler {
    let theme = if style.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    GraphicalReportHandler::new_themed(theme).with_width(style.width).with_links(false)
}

/// Render one finding as miette draws it.
pub fn render_finding(finding: &Finding, style: Style) -> String {
    render(finding, style, true)
}

/// Render a snippet with a message, label and help but no rule code (explanations).
pub fn render_snippet(finding: &Finding, style: Style) -> String {
    render(finding, style, false)
}

fn render(finding: &Finding, style: Style, show_code: bool) -> String {
    let source = Excerpt::new(&finding.source);
    let related = finding
        .related
        .iter()
        .filter(|r| !std::sync::Arc::ptr_eq(&r.source, &finding.source))
        .map(|r| RelatedDiagnostic { label: r.label.clone(), span: r.span, source: Excerpt::new(&r.source) })
        .collect();
    let diagnostic = FindingDiagnostic { finding, show_code, source, related };
    let mut out = String::new();
    if handler(style).render_report(&mut out, &diagnostic).is_err() {
        out = format!(
            "{}: {} [{}]\n",
            escape::text(&finding.source.name),
            escape::text(&finding.message),
            finding.rule.code
        );
    }
    out
}

/// Render any miette diagnostic (a configuration error) as the human report draws findings.
pub fn render_diagnostic(diagnostic: &dyn Diagnostic, style: Style) -> String {
    let mut out = String::new();
    if handler(style).render_report(&mut out, diagnostic).is_err() {
        out = format!("error: {diagnostic}\n");
    }
    out
}

/// Render every finding, then a summary line.
pub fn render_findings(findings: &[Finding], style: Style) -> String {
    let mut out = String::new();
    for finding in findings {
        out.push_str(&render_finding(finding, style));
        out.push('\n');
    }
    out.push_str(&summary(findings));
    out
}

/// `2 errors, 1 warning, 0 infos` style closing line.
pub fn summary(findings: &[Finding]) -> String {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let plural = |n: usize, word: &str| if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") };
    if findings.is_empty() {
        return "no findings\n".to_owned();
    }
    format!(
        "found {}: {}, {}, {}\n",
        plural(findings.len(), "finding"),
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning"),
        plural(count(Severity::Info), "info")
    )
}
