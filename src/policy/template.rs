//! Strings that may hold policy variables: `${aws:PrincipalTag/team}`, `${key, 'default'}`, and the literal
//! escapes `${*}`, `${?}`, `${$}` (reference §5.9).

use std::fmt;

/// A `Resource` entry or condition value with its policy variables parsed. Variables are substituted only
/// in `2012-10-17` policies; otherwise the raw text is used as written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Template {
    raw: Box<str>,
    /// Empty when the text holds no `${`: the common case costs no parsing at evaluation time.
    parts: Box<[Part]>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    Text(Box<str>),
    /// `${*}`, `${?}` or `${$}`: the character itself, never a wildcard.
    Escaped(char),
    Variable(Variable),
}

/// `${key}` or `${key, 'default'}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Variable {
    /// The key as written.
    pub key: Box<str>,
    /// The value used when the key is absent from the request.
    pub default: Option<Box<str>>,
}

/// A malformed `${...}` with the byte range (relative to the string's content) it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    pub kind: TemplateErrorKind,
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TemplateErrorKind {
    /// `${aws:username` (Access Analyzer `MISSING_BRACE_IN_VARIABLE`).
    MissingBrace,
    /// `${}` (`EMPTY_VARIABLE`).
    Empty,
    /// `${key, default}` without single quotes (`MISSING_QUOTE_IN_VARIABLE`).
    MissingQuote,
    /// a space inside the key (`UNSUPPORTED_SPACE_IN_VARIABLE`).
    Space,
}

impl TemplateErrorKind {
    pub fn message(self) -> &'static str {
        match self {
            TemplateErrorKind::MissingBrace => "policy variable is missing its closing `}`",
            TemplateErrorKind::Empty => "empty policy variable `${}`",
            TemplateErrorKind::MissingQuote => "policy variable default must be in single quotes",
            TemplateErrorKind::Space => "policy variable key contains a space",
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            TemplateErrorKind::MissingBrace => "close the variable: `${aws:username}`",
            TemplateErrorKind::Empty => "name a key (`${aws:username}`), or write `$` as `${$}`",
            TemplateErrorKind::MissingQuote => "write the default as `${aws:PrincipalTag/team, 'none'}`",
            TemplateErrorKind::Space => "remove the space; only `, 'default'` may follow the key",
        }
    }
}

impl Template {
    /// Text with no variables at all (numbers, booleans, legacy-version strings).
    pub fn literal(raw: &str) -> Template {
        Template { raw: raw.into(), parts: Box::new([]) }
    }

    pub fn parse(raw: &str) -> Result<Template, TemplateError> {
        if !raw.contains("${") {
            return Ok(Template::literal(raw));
        }
        let mut parts = Vec::new();
        let mut rest = raw;
        let mut offset = 0;
        while let Some(open) = rest.find("${") {
            if open > 0 {
                parts.push(Part::Text(rest.get(..open).unwrap_or("").into()));
            }
            let after = rest.get(open + 2..).unwrap_or("");
            let start = offset + open;
            let Some(close) = after.find('}') else {
                return Err(TemplateError { kind: TemplateErrorKind::MissingBrace, start, end: raw.len() });
            };
            let inner = after.get(..close).unwrap_or("");
            let end = start + 2 + close + 1;
            parts.push(parse_variable(inner).map_err(|kind| TemplateError { kind, start, end })?);
            rest = after.get(close + 1..).unwrap_or("");
            offset = end;
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.into()));
        }
        Ok(Template { raw: raw.into(), parts: parts.into() })
    }

    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The parsed parts; empty when the text holds no `${`, then [`Template::raw`] is the whole text.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    pub fn variables(&self) -> impl Iterator<Item = &Variable> {
        self.parts.iter().filter_map(|p| match p {
            Part::Variable(v) => Some(v),
            _ => None,
        })
    }

    pub fn has_variables(&self) -> bool {
        !self.parts.is_empty()
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

fn parse_variable(inner: &str) -> Result<Part, TemplateErrorKind> {
    match inner {
        "*" => return Ok(Part::Escaped('*')),
        "?" => return Ok(Part::Escaped('?')),
        "$" => return Ok(Part::Escaped('$')),
        "" => return Err(TemplateErrorKind::Empty),
        _ => {}
    }
    let (key, default) = match inner.split_once(',') {
        Some((key, default)) => {
            let default = default.strip_prefix(' ').unwrap_or(default);
            let quoted = default.strip_prefix('\'').and_then(|d| d.strip_suffix('\''));
            match quoted {
                Some(d) if !d.contains('\'') => (key, Some(d)),
                _ => return Err(TemplateErrorKind::MissingQuote),
            }
        }
        None => (inner, None),
    };
    if key.is_empty() {
        return Err(TemplateErrorKind::Empty);
    }
    if key.chars().any(char::is_whitespace) {
        return Err(TemplateErrorKind::Space);
    }
    Ok(Part::Variable(Variable { key: key.into(), default: default.map(Into::into) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_has_no_parts() {
        let t = Template::parse("arn:aws:s3:::bucket/*").unwrap();
        assert!(t.parts().is_empty());
        assert_eq!(t.raw(), "arn:aws:s3:::bucket/*");
    }

    #[test]
    fn variables_defaults_and_escapes() {
        let t = Template::parse("home/${aws:username}/${aws:PrincipalTag/team, 'all'}${*}").unwrap();
        assert_eq!(
            t.parts(),
            &[
                Part::Text("home/".into()),
                Part::Variable(Variable { key: "aws:username".into(), default: None }),
                Part::Text("/".into()),
                Part::Variable(Variable { key: "aws:PrincipalTag/team".into(), default: Some("all".into()) }),
                Part::Escaped('*'),
            ]
        );
        let t = Template::parse("${a:b,'x'}").unwrap();
        assert_eq!(t.variables().next().unwrap().default.as_deref(), Some("x"));
    }

    #[test]
    fn malformed_variables() {
        let err = |s: &str| Template::parse(s).unwrap_err();
        assert_eq!(err("a${aws:username").kind, TemplateErrorKind::MissingBrace);
        assert_eq!(err("a${aws:username").start, 1);
        assert_eq!(err("${}").kind, TemplateErrorKind::Empty);
        assert_eq!(err("${aws:x, none}").kind, TemplateErrorKind::MissingQuote);
        assert_eq!(err("${aws: x}").kind, TemplateErrorKind::Space);
        assert_eq!((err("ab${}cd").start, err("ab${}cd").end), (2, 5));
    }
}
