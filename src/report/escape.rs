//! Escaping input-derived text for each output format (DESIGN §9.6).
//!
//! A policy's Sid, a condition value, a file name or a relying party's name is chosen by whoever wrote the
//! input, which in CI is the author of a pull request. Printed as it is, such text can rewrite the terminal
//! (ESC sequences), reorder what a reviewer reads (bidirectional overrides, "Trojan Source"), hide text
//! (zero-width characters), or start a line of its own that the CI runner takes as a command
//! (`::error ...`, `::add-mask::...`, `::stop-commands::...`). So every input-derived string is escaped for
//! the format it is written into, by the one function here for that format, and nothing input-derived can
//! contain a line break in any output.
//!
//! The characters escaped everywhere ([`is_hostile`]) are shown as `\u{..}` (Rust's notation: unambiguous,
//! and plain ASCII), except in JSON, whose own `\uXXXX` escape keeps the value intact for a parser.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Characters that never reach output as themselves: C0 controls (line breaks and tabs included), DEL, C1
/// controls, and the invisible formatting characters that reorder or hide text: bidirectional marks,
/// embeddings, overrides and isolates, zero-width spaces and joiners, word joiner and invisible operators,
/// line and paragraph separators, the byte-order mark, interlinear annotation characters.
pub fn is_hostile(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{061c}'
        | '\u{180e}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}'
    )
}

/// Whether any character of `s` must be escaped.
pub fn needs_escape(s: &str) -> bool {
    s.chars().any(is_hostile)
}

/// `\u{..}` for one character.
fn push_escaped(out: &mut String, c: char) {
    let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
}

/// Text for a terminal or any plain-text format (the human report, `--format text`, stderr messages): every
/// hostile character as `\u{..}`. Borrowed when nothing needs escaping, which is nearly always.
pub fn text(s: &str) -> Cow<'_, str> {
    if !needs_escape(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_hostile(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Markdown table cell or inline text: [`text`], pipes escaped so a value cannot add table columns, and
/// `<`, `>` as entities so a value cannot write HTML (which GitHub renders in Markdown).
pub fn markdown(s: &str) -> String {
    text(s).replace('|', "\\|").replace('<', "&lt;").replace('>', "&gt;")
}

/// Markdown inline code: [`text`] in backticks; a backtick in the value becomes `'` (inline code has no
/// escape for it). Inside a table, pass the result through [`markdown`] too (pipes end a cell even in code).
pub fn markdown_code(s: &str) -> String {
    format!("`{}`", text(s).replace('`', "'"))
}

/// Text inside a double-quoted Mermaid label: [`text`], quotes and pipes as Mermaid's entity codes (`#quot;`,
/// `#124;`), and `#` itself as `#35;` so input cannot write an entity of its own.
pub fn mermaid(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in text(s).chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '|' => out.push_str("#124;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// Text inside a double-quoted DOT string: [`text`] (whose `\u{..}` escapes are then escaped like any
/// backslash, so Graphviz shows them as written), backslashes and quotes escaped.
pub fn dot(s: &str) -> String {
    text(s).replace('\\', "\\\\").replace('"', "\\\"")
}

/// Text in XML character data or a double-quoted attribute value (JUnit): `&`, `<`, `>` and `"` as
/// entities (`'` needs none there), and every hostile
/// character as `\u{..}` (most C0 characters are not allowed in XML 1.0 at all, even as references).
/// U+FFFE and U+FFFF are not XML characters either.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if is_hostile(c) || c == '\u{fffe}' || c == '\u{ffff}' => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// The message part of a GitHub workflow command (`::error ...::MESSAGE`): the runner's own escapes for
/// `%`, CR and LF (so the message stays one line and decodes to what was meant), and every other hostile
/// character as `\u{..}`.
pub fn github_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if is_hostile(c) => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// A property value of a workflow command (`file=`, `title=`): [`github_data`], and `:` and `,`, which
/// delimit properties.
pub fn github_property(s: &str) -> String {
    github_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Rendered JSON (or SARIF): the hostile characters serde_json leaves as they are (DEL, C1, the invisible
/// formatting characters; it escapes C0 itself) as `\uXXXX`. Such characters can only occur inside JSON
/// strings, where the escape means the same character, so a parser reads the same value.
pub fn json(rendered: String) -> String {
    let escaped = |c: char| is_hostile(c) && !matches!(c, '\n' | '\r' | '\t');
    if !rendered.chars().any(escaped) {
        return rendered;
    }
    let mut out = String::with_capacity(rendered.len() + 16);
    for c in rendered.chars() {
        if escaped(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// The last line of defence for every format but `github`: a line of output that the GitHub or Azure
/// runner would take as a command (`::name ...`, `##[name]...`, `##vso[...]`) has its first character
/// escaped. Input text cannot start a line (every input-derived string is escaped above, line breaks
/// included), so this changes nothing in well-formed output; it only guarantees the property whatever a
/// renderer does.
pub fn neutralise_commands(output: &str, workflow_commands: bool) -> Cow<'_, str> {
    let is_command = |line: &str| {
        let t = line.trim_start();
        let ours = workflow_commands
            && ["::error file=", "::warning file=", "::notice file="].iter().any(|p| line.starts_with(p));
        !ours && (t.starts_with("::") || t.starts_with("##[") || t.starts_with("##vso["))
    };
    if !any_line(output, is_command) {
        return Cow::Borrowed(output);
    }
    let mut out = String::with_capacity(output.len() + 16);
    for (i, line) in output.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if is_command(line) {
            let indent = line.len() - line.trim_start().len();
            let (head, rest) = line.split_at(indent);
            out.push_str(head);
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                push_escaped(&mut out, c);
            }
            out.push_str(chars.as_str());
        } else {
            out.push_str(line);
        }
    }
    Cow::Owned(out)
}

/// Whether `is_command` holds for a line of `output`: asked only of the lines whose first character after
/// leading whitespace could start a command (`:` or `#`) or is not ASCII (where Unicode whitespace may hide
/// one), so a report of millions of lines is scanned byte by byte rather than split and trimmed line by line.
fn any_line(output: &str, is_command: impl Fn(&str) -> bool) -> bool {
    let bytes = output.as_bytes();
    let mut start = 0;
    while start <= bytes.len() {
        let rest = bytes.get(start..).unwrap_or_default();
        let end = rest.iter().position(|b| *b == b'\n').map_or(bytes.len(), |n| start + n);
        // ASCII whitespace as `char::is_whitespace` (what `trim_start` removes) counts it.
        let first = rest.iter().take(end - start).find(|b| !matches!(b, b'\t' | b'\x0b' | b'\x0c' | b'\r' | b' '));
        if matches!(first, Some(b':' | b'#' | 0x80..)) && is_command(output.get(start..end).unwrap_or_default()) {
            return true;
        }
        start = end + 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The scan asks exactly the lines splitting and trimming would find.
        #[test]
        fn scan_finds_what_splitting_finds(text in "([ \t\r\u{b}\u{c}\u{1c}\u{85}\u{a0}\u{3000}\n]{0,3}(::|##\\[|##vso\\[|#|:|a|é)?[a-z:#\\[]{0,3}){0,8}") {
            let is_command = |line: &str| {
                let t = line.trim_start();
                t.starts_with("::") || t.starts_with("##[") || t.starts_with("##vso[")
            };
            proptest::prop_assert_eq!(any_line(&text, is_command), text.split('\n').any(is_command));
        }
    }

    /// Strings a pull request can put in a Sid, a condition value, a tag or a file name.
    pub(crate) const HOSTILE: &[&str] = &[
        "line\n::error file=x,line=1::forged",
        "\n::add-mask::secret",
        "::stop-commands::token",
        "\r\n##[error]forged",
        "##vso[task.setvariable variable=x]1",
        "\u{1b}[2J\u{1b}[1;1Hcleared",
        "\u{1b}]8;;https://evil.example\u{7}link\u{1b}]8;;\u{7}",
        "\u{9b}31mred",
        "admin\u{202e}txt.exe",
        "a\u{2066}b\u{2069}c",
        "zero\u{200b}width\u{feff}",
        "sep\u{2028}arator\u{2029}",
        "nul\u{0}byte\u{7f}",
        "tab\tand\u{b}vertical",
        "pipe | \"quote\" <tag> & 'apos' `tick` #35; %0A",
    ];

    fn no_raw_hostile(s: &str) {
        assert!(!s.chars().any(|c| is_hostile(c) && c != '\n'), "{s:?}");
    }

    #[test]
    fn every_format_escapes_every_hostile_string() {
        for h in HOSTILE {
            for out in [
                text(h).into_owned(),
                markdown(h),
                markdown_code(h),
                mermaid(h),
                dot(h),
                xml(h),
                github_data(h),
                github_property(h),
            ] {
                assert!(!out.chars().any(is_hostile), "{h:?} -> {out:?}");
                assert!(!out.contains('\n'), "{h:?} -> {out:?}");
            }
        }
    }

    #[test]
    fn text_escapes_visibly_and_borrows_clean_text() {
        assert!(matches!(text("arn:aws:iam::1:role/x"), Cow::Borrowed(_)));
        assert_eq!(text("a\nb\u{1b}[0m\u{202e}"), "a\\u{a}b\\u{1b}[0m\\u{202e}");
        assert_eq!(text("é日本"), "é日本");
    }

    #[test]
    fn format_metacharacters() {
        assert_eq!(markdown("a|b<br>"), "a\\|b&lt;br&gt;");
        assert_eq!(markdown_code("a`b"), "`a'b`");
        assert_eq!(mermaid("\"x\"|#y<"), "#quot;x#quot;#124;#35;y#lt;");
        assert_eq!(dot("a\"b\\c\n"), "a\\\"b\\\\c\\\\u{a}");
        assert_eq!(xml("<a href=\"x\">&\u{0}'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;\\u{0}'&lt;/a&gt;");
        assert_eq!(github_data("a%b\nc\u{1b}"), "a%25b%0Ac\\u{1b}");
        assert_eq!(github_property("a:b,c"), "a%3Ab%2Cc");
    }

    #[test]
    fn json_keeps_values_and_escapes_invisible_characters() {
        for h in HOSTILE {
            let rendered = serde_json::to_string_pretty(&serde_json::json!({ "sid": h })).unwrap_or_default();
            let escaped = json(rendered);
            no_raw_hostile(&escaped);
            let back: serde_json::Value = serde_json::from_str(&escaped).unwrap_or_default();
            assert_eq!(back["sid"], *h, "{escaped}");
        }
    }

    #[test]
    fn no_line_starts_a_runner_command() {
        let out = "ok\n::error::x\n  ##[group]y\n##vso[z]\n## heading\n::error file=a,line=1::ours\n";
        assert_eq!(
            neutralise_commands(out, false),
            "ok\n\\u{3a}:error::x\n  \\u{23}#[group]y\n\\u{23}#vso[z]\n## heading\n\\u{3a}:error file=a,line=1::ours\n"
        );
        assert!(neutralise_commands(out, true).ends_with("\n::error file=a,line=1::ours\n"));
        assert!(matches!(neutralise_commands("plain\n## heading\n", false), Cow::Borrowed(_)));
    }
}
