//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per finding, which GitHub
//! shows as an annotation on the changed line.

use crate::lint::{Finding, Severity};

pub fn render(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let (start, end) = f.source.file_region(f.span);
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = f.message.clone();
        if f.source.enclosing.is_some() {
            let inner = f.source.line_col(f.span.start);
            message = format!("{message} (in {} at line {}, column {})", f.source.name, inner.line, inner.column);
        }
        if let Some(help) = &f.help {
            message = format!("{message}\nhelp: {help}");
        }
        out.push_str(&format!(
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            property(&crate::source::display_path(&f.source.path)),
            start.line,
            start.column,
            end.line,
            end.column,
            property(&format!("{} {}", f.rule.code, f.rule.name)),
            data(&message)
        ));
    }
    out
}

use super::escape::{github_data as data, github_property as property};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(data("a%b\nc"), "a%25b%0Ac");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
