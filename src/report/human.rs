//! The human report: each finding drawn by miette's graphical handler, with its snippet, label and help.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};

use crate::lint::{Finding, Severity};

use super::Style;

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
        f.write_str(&self.finding.message)
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
        self.finding.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let primary = LabeledSpan::new_primary_with_span(non_empty(&self.finding.label), self.finding.span);
        let same_file = self
            .finding
            .related
            .iter()
            .filter(|r| std::sync::Arc::ptr_eq(&r.source, &self.finding.source))
            .map(|r| LabeledSpan::new_with_span(non_empty(&r.label), r.span));
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
        f.write_str(&self.label)
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
        Some(Box::new(std::iter::once(LabeledSpan::new_primary_with_span(Some(self.label.clone()), self.span))))
    }
}

/// Lines longer than this many bytes are shown as a window around the span.
const LONG_LINE: usize = 400;
/// Bytes shown on each side of a span in a long line.
const WINDOW_MARGIN: usize = 60;

/// A source as miette reads it, with long lines cut to a window around the span. A minified plan or policy
/// is one line of up to megabytes: drawn whole it is unreadable, and miette's padding to a column past
/// 65,535 panics. Line and column numbers stay those of the whole text.
pub(crate) struct Excerpt {
    name: String,
    text: std::sync::Arc<str>,
}

impl Excerpt {
    pub(crate) fn new(source: &crate::source::SourceFile) -> Excerpt {
        Excerpt { name: source.name.to_string(), text: std::sync::Arc::clone(&source.text) }
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
                inner.line(),
                inner.column(),
                inner.line_count(),
            )));
        }
        let end = offset.saturating_add(span.len().max(1)).min(line_end);
        let start = floor_boundary(text, offset.saturating_sub(WINDOW_MARGIN).max(line_start));
        let end = floor_boundary(text, end.saturating_add(WINDOW_MARGIN).min(line_end).min(start + 4 * LONG_LINE));
        let data = text.get(start..end).unwrap_or("");
        let line = text.get(..line_start).map_or(0, |t| t.bytes().filter(|&b| b == b'\n').count());
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
    (!label.is_empty()).then(|| label.to_owned())
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
        out = format!("{}: {} [{}]\n", finding.source.name, finding.message, finding.rule.code);
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
