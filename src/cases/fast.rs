//! Reading a case straight from its bytes into its request, without the spanned tree: the plain JSON a cases
//! file is made of (strings without escapes, whole-number durations, objects without repeated keys) is read
//! here; anything else, and every case with a problem, is left to [`super::parse_case`], whose spans point
//! at the problem. A case read here carries no field spans: a request that then cannot be built, or names an
//! unknown principal, is read again by [`super::parse_case`] for its diagnostic.

use super::{Case, Expect};
use crate::eval::ContextValue;
use crate::request::RequestSpec;
use crate::source::Span;

/// The case in `text`, or `None` when it is not in the plain form this reader takes (or not a valid case).
/// What it returns is what [`super::parse_case`] reads from the same text.
pub fn read(index: usize, text: &str) -> Option<Case> {
    let mut c = Cursor { text, at: 0 };
    let mut case = Case {
        name: String::new(),
        request: RequestSpec::default(),
        expect: Expect::Deny,
        span: Span::new(0, u32::try_from(text.len()).ok()?),
        fields: Vec::new(),
    };
    let (mut named, mut expect) = (false, false);
    c.object(|c, key| {
        let r = &mut case.request;
        match key {
            "name" => {
                case.name = c.string()?.to_owned();
                named = true;
            }
            "principal" => r.principal = Some(c.string()?.to_owned()),
            "principal_tags" => r.principal_tags = c.pairs()?,
            "audience" => r.audiences = c.strings()?,
            "duration" => r.duration = Some(c.whole()?),
            "signing_algorithm" => r.signing_algorithm = Some(c.string()?.to_owned()),
            "tags" => r.tags = c.pairs()?,
            "context" => {
                c.object(|c, key| {
                    let value = match c.peek()? {
                        b'[' => ContextValue::Multi(c.strings()?.into_iter().map(Into::into).collect()),
                        _ => ContextValue::Single(c.string()?.into()),
                    };
                    r.context.push((key.to_owned(), value));
                    Some(())
                })?;
            }
            "region" => r.region = Some(c.string()?.to_owned()),
            "time" => r.time = Some(c.time()?),
            "session_expiry" => r.session_expiry = Some(c.time()?),
            "action" => r.action = Some(c.string()?.to_owned()),
            "resource" => r.resource = Some(c.string()?.to_owned()),
            "resource_account" => r.resource_account = Some(c.string()?.to_owned()),
            "expect" => {
                case.expect = match c.string()? {
                    "allow" => Expect::Allow,
                    "deny" => Expect::Deny,
                    "explicit-deny" => Expect::ExplicitDeny,
                    "implicit-deny" => Expect::ImplicitDeny,
                    _ => return None,
                };
                expect = true;
            }
            _ => return None,
        }
        Some(())
    })?;
    c.ws();
    if c.at != text.len() || !expect {
        return None;
    }
    if !named {
        case.name = format!("case {}", index + 1);
    }
    Some(case)
}

struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    /// Skip JSON whitespace.
    fn ws(&mut self) {
        while matches!(self.text.as_bytes().get(self.at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.text.as_bytes().get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// A string with neither escapes nor control characters (which only the spanned reader takes).
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        let rest = self.text.as_bytes().get(start..)?;
        let len = rest.iter().position(|b| matches!(b, b'"' | b'\\' | 0..=0x1f))?;
        if rest.get(len) != Some(&b'"') {
            return None;
        }
        self.at = start + len + 1;
        self.text.get(start..start + len)
    }

    /// A string, or a list of strings (`"audience": "a"` is `["a"]`).
    fn strings(&mut self) -> Option<Vec<String>> {
        if self.peek()? != b'[' {
            return Some(vec![self.string()?.to_owned()]);
        }
        self.at += 1;
        let mut out = Vec::new();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(out);
        }
        loop {
            out.push(self.string()?.to_owned());
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(out);
                }
                _ => return None,
            }
        }
    }

    /// An object of strings, in order.
    fn pairs(&mut self) -> Option<Vec<(String, String)>> {
        let mut out = Vec::new();
        self.object(|c, key| {
            out.push((key.to_owned(), c.string()?.to_owned()));
            Some(())
        })?;
        Some(out)
    }

    /// A whole number of seconds as JSON writes it (no sign, fraction, exponent or leading zero), within
    /// `u32`.
    fn whole(&mut self) -> Option<u32> {
        self.ws();
        let rest = self.text.as_bytes().get(self.at..)?;
        let len = rest.iter().position(|b| !b.is_ascii_digit()).unwrap_or(rest.len());
        let digits = self.text.get(self.at..self.at + len)?;
        if len == 0 || len > 10 || (len > 1 && digits.starts_with('0')) {
            return None;
        }
        if matches!(rest.get(len), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        self.at += len;
        digits.parse::<u64>().ok().and_then(|d| u32::try_from(d).ok())
    }

    /// An RFC 3339 time (as given; checked as the spanned reader checks it).
    fn time(&mut self) -> Option<String> {
        let text = self.string()?;
        crate::policy::value::date::Timestamp::parse(text).map(|_| text.to_owned())
    }

    /// An object: `member` reads the value of each key. A key given twice is left to the spanned reader.
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        let mut seen: Vec<&str> = Vec::new();
        loop {
            let key = self.string()?;
            if seen.contains(&key) {
                return None;
            }
            seen.push(key);
            self.eat(b':')?;
            member(self, key)?;
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The fields of a read case that the spanned reader also gives (spans aside).
    fn same(fast: &Case, slow: &Case) -> bool {
        fast.name == slow.name && fast.request == slow.request && fast.expect == slow.expect
    }

    fn check(text: &str) -> Result<(), TestCaseError> {
        let slow = super::super::parse_case(7, text);
        if let Some(fast) = read(7, text) {
            let slow = slow.map_err(|p| TestCaseError::fail(format!("{text}: read fast, refused slow: {p:?}")))?;
            prop_assert!(same(&fast, &slow), "{}: {:?} vs {:?}", text, fast, slow);
        }
        Ok(())
    }

    /// Pieces of cases, well-formed and not: every combination reads the same fast as with spans, or is
    /// left to the spanned reader.
    fn member() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(r#""name": "a case""#.to_owned()),
            Just(r#""name": "e\u00e9\n""#.to_owned()),
            Just(r#""name": 3"#.to_owned()),
            Just(r#""principal": "arn:aws:iam::111122223333:role/x""#.to_owned()),
            Just(r#""principal_tags": {"team": "data", "Team": "ops"}"#.to_owned()),
            Just(r#""principal_tags": {"team": 1}"#.to_owned()),
            Just(r#""audience": ["https://a", "https://b"]"#.to_owned()),
            Just(r#""audience": "https://a""#.to_owned()),
            Just(r#""audience": []"#.to_owned()),
            Just(r#""audience": [1]"#.to_owned()),
            "\"duration\": (0|900|4294967295|4294967296|09|-1|9.5|9e2|1E1|12345678901)",
            Just(r#""signing_algorithm": "RS256""#.to_owned()),
            Just(r#""tags": {"team": "data"}"#.to_owned()),
            Just(r#""tags": {}"#.to_owned()),
            Just(r#""tags": {"a": "1", "a": "2"}"#.to_owned()),
            Just(r#""context": {"aws:SourceVpc": "vpc-1", "aws:SourceVpce": "vpce-1"}"#.to_owned()),
            Just(r#""context": {"aws:TagKeys": ["a", "b"], "x": []}"#.to_owned()),
            Just(r#""context": {"n": 5, "b": true}"#.to_owned()),
            Just(r#""context": []"#.to_owned()),
            Just(r#""region": "eu-west-1""#.to_owned()),
            "\"(time|session_expiry)\": \"(2026-01-01T12:00:00Z|2026-13-01T00:00:00Z|x)\"",
            Just(r#""action": "s3:GetObject""#.to_owned()),
            Just(r#""resource": "arn:aws:s3:::b/k""#.to_owned()),
            Just(r#""resource_account": "111122223333""#.to_owned()),
            "\"expect\": \"(allow|deny|explicit-deny|implicit-deny|maybe)\"",
            Just(r#""duraton": 900"#.to_owned()),
            Just(r#""expect": null"#.to_owned()),
        ]
    }

    proptest! {
        #[test]
        fn fast_reads_what_the_spanned_reader_reads(
            members in prop::collection::vec(member(), 0..7),
            ws in "[ \t\n\r]{0,2}",
            tail in "|,|}| x",
        ) {
            let text = format!("{{{ws}{}{ws}}}{tail}", members.join(&format!(",{ws}")));
            check(&text)?;
        }

        /// Arbitrary text is never read differently either.
        #[test]
        fn arbitrary_text(text in "\\{[\"a-z:, \\[\\]{}0-9\\\\]{0,40}") {
            check(&text)?;
        }
    }

    #[test]
    fn plain_cases_are_read_fast() {
        for text in [
            r#"{"name": "case 0", "audience": ["https://api.partner.example"], "duration": 900, "expect": "allow"}"#,
            r#"{"principal_tags": {"team": "data"}, "audience": ["a"], "tags": {"team": "ops"}, "expect": "deny"}"#,
            r#"{"audience": ["a"], "context": {"aws:SourceVpc": "v", "aws:SourceVpce": "e"}, "expect": "explicit-deny"}"#,
        ] {
            let fast = read(0, text).unwrap_or_else(|| panic!("{text}"));
            assert!(same(&fast, &super::super::parse_case(0, text).unwrap()), "{text}");
        }
        assert_eq!(read(4, r#"{"expect": "deny"}"#).map(|c| c.name), Some("case 5".to_owned()));
    }
}
