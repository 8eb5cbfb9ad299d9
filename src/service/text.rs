//! Small ASCII-case-insensitive string helpers: ordering, IAM action globs, condition key templates and a bounded
//! edit distance. Everything works on bytes; the reference's names are ASCII.

use std::cmp::Ordering;

/// Orders strings by their ASCII-lower-cased bytes (the table's sort order).
pub(crate) fn cmp_ci(a: &str, b: &str) -> Ordering {
    // A plain byte loop: this runs in every binary search of an action or service name (tens of thousands of
    // times over a corpus), where the chained iterators of `cmp_ci_parts` cost several times more.
    let (a, b) = (a.as_bytes(), b.as_bytes());
    for (x, y) in a.iter().zip(b) {
        match x.to_ascii_lowercase().cmp(&y.to_ascii_lowercase()) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    a.len().cmp(&b.len())
}

/// Orders the concatenation `a_head + a_tail` against `b`, ASCII-case-insensitively, without building it.
pub(crate) fn cmp_ci_parts(a_head: &[u8], a_tail: &[u8], b: &[u8]) -> Ordering {
    let a = a_head.iter().chain(a_tail).map(u8::to_ascii_lowercase);
    a.cmp(b.iter().map(u8::to_ascii_lowercase))
}

/// IAM action pattern matching: `*` matches any sequence (also empty), `?` exactly one character; everything else
/// compares ASCII-case-insensitively.
pub(crate) fn glob_matches(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    // Position of the last `*` in the pattern and the text position it is currently assumed to extend to.
    let mut star: Option<(usize, usize)> = None;
    loop {
        match (pattern.get(p), text.get(t)) {
            (Some(b'*'), _) => {
                star = Some((p, t));
                p += 1;
            }
            (Some(&pc), Some(&tc)) if pc == b'?' || pc.eq_ignore_ascii_case(&tc) => {
                p += 1;
                t += 1;
            }
            (None, None) => return true,
            _ => match star {
                // Let the last star swallow one more character and retry.
                Some((sp, st)) if st < text.len() => {
                    star = Some((sp, st + 1));
                    p = sp + 1;
                    t = st + 1;
                }
                _ => return false,
            },
        }
    }
}

/// The placeholder at the start of `template`, if any: `${Name}` or `<name>`. Returns the rest after it.
fn placeholder(template: &[u8]) -> Option<&[u8]> {
    let close = match template.first() {
        Some(b'$') if template.get(1) == Some(&b'{') => b'}',
        Some(b'<') => b'>',
        _ => return None,
    };
    let end = template.iter().position(|&b| b == close)?;
    template.get(end + 1..)
}

/// Does the condition key `template` contain a placeholder?
pub(crate) fn is_template(template: &str) -> bool {
    let bytes = template.as_bytes();
    (0..bytes.len()).any(|i| bytes.get(i..).and_then(placeholder).is_some())
}

/// Number of literal (non-placeholder) bytes of a template: the more, the more specific the template.
pub(crate) fn literal_len(template: &str) -> usize {
    let mut rest = template.as_bytes();
    let mut n = 0;
    while let Some((_, tail)) = rest.split_first() {
        match placeholder(rest) {
            Some(after) => rest = after,
            None => {
                n += 1;
                rest = tail;
            }
        }
    }
    n
}

/// The literal text before the template's only placeholder, when that placeholder ends the template
/// (`aws:RequestTag/${TagKey}` -> `aws:RequestTag/`).
pub(crate) fn trailing_placeholder_head(template: &str) -> Option<&str> {
    let bytes = template.as_bytes();
    let start = (0..bytes.len()).find(|&i| bytes.get(i..).and_then(placeholder).is_some())?;
    let after = bytes.get(start..).and_then(placeholder)?;
    if after.is_empty() { template.get(..start) } else { None }
}

/// Matches a concrete condition key against a key template: each placeholder matches one or more characters, the
/// literal parts compare ASCII-case-insensitively. A template without placeholders must equal the key.
pub(crate) fn template_matches(template: &[u8], key: &[u8]) -> bool {
    let mut template = template;
    let mut key = key;
    loop {
        if let Some(after) = placeholder(template) {
            // One or more characters, then the rest of the template.
            return (1..=key.len()).any(|n| key.get(n..).is_some_and(|k| template_matches(after, k)));
        }
        match (template.split_first(), key.split_first()) {
            (None, None) => return true,
            (Some((tc, t_rest)), Some((kc, k_rest))) if tc.eq_ignore_ascii_case(kc) => {
                template = t_rest;
                key = k_rest;
            }
            _ => return false,
        }
    }
}

/// Largest edit distance at which a "did you mean" suggestion is still offered, by the length of what was typed:
/// nothing below 3 characters, 1 edit up to 5, 2 edits up to 11, 3 edits beyond.
pub(crate) fn max_suggestion_distance(len: usize) -> usize {
    match len {
        0..=2 => 0,
        3..=5 => 1,
        6..=11 => 2,
        _ => 3,
    }
}

/// Optimal-string-alignment distance (Levenshtein plus transposition of adjacent characters), ASCII
/// case-insensitive, with three reusable rows.
#[derive(Default)]
pub(crate) struct EditDistance {
    before: Vec<usize>,
    previous: Vec<usize>,
    current: Vec<usize>,
}

impl EditDistance {
    /// The distance between `a` and `b` if it is at most `max`; stops early once it must exceed `max`.
    pub(crate) fn within(&mut self, a: &[u8], b: &[u8], max: usize) -> Option<usize> {
        if a.len().abs_diff(b.len()) > max {
            return None;
        }
        const FAR: usize = usize::MAX / 4;
        self.before.clear();
        self.before.resize(b.len() + 1, FAR);
        self.previous.clear();
        self.previous.extend(0..=b.len());
        let mut last_a: Option<u8> = None;
        for (i, &ca) in a.iter().enumerate() {
            let ca = ca.to_ascii_lowercase();
            self.current.clear();
            self.current.push(i + 1);
            let mut row_min = i + 1;
            let mut last_b: Option<u8> = None;
            for (j, &cb) in b.iter().enumerate() {
                let cb = cb.to_ascii_lowercase();
                // Cells farther than `max` from the diagonal exceed `max` anyway (band).
                if j.abs_diff(i) > max {
                    self.current.push(FAR);
                    last_b = Some(cb);
                    continue;
                }
                let diagonal = self.previous.get(j).copied().unwrap_or(FAR);
                let above = self.previous.get(j + 1).copied().unwrap_or(FAR);
                let left = self.current.last().copied().unwrap_or(FAR);
                let mut d = (diagonal + usize::from(ca != cb)).min(above + 1).min(left + 1);
                if last_a == Some(cb) && last_b == Some(ca) && ca != cb {
                    let swapped = self.before.get(j.wrapping_sub(1)).copied().unwrap_or(FAR);
                    d = d.min(swapped + 1);
                }
                self.current.push(d);
                row_min = row_min.min(d);
                last_b = Some(cb);
            }
            if row_min > max {
                return None;
            }
            std::mem::swap(&mut self.before, &mut self.previous);
            std::mem::swap(&mut self.previous, &mut self.current);
            last_a = Some(ca);
        }
        self.previous.last().copied().filter(|&d| d <= max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob() {
        let m = |p: &str, t: &str| glob_matches(p.as_bytes(), t.as_bytes());
        assert!(m("*", "sts:GetWebIdentityToken"));
        assert!(m("sts:*Token", "sts:GetWebIdentityToken"));
        assert!(m("STS:get*", "sts:GetWebIdentityToken"));
        assert!(m("s?s:*Token", "sts:GetWebIdentityToken"));
        assert!(m("sts:Get*Id*Token", "sts:GetWebIdentityToken"));
        assert!(m("sts:GetWebIdentityToken*", "sts:GetWebIdentityToken"));
        assert!(!m("sts:*Token", "sts:GetWebIdentityTokens"));
        assert!(!m("sts:?", "sts:"));
        assert!(!m("sts", "sts:GetWebIdentityToken"));
        assert!(m("", ""));
        assert!(!m("", "x"));
        assert!(m("a*b*c", "aXXbYYc") && !m("a*b*c", "aXXbYY"));
    }

    #[test]
    fn templates() {
        let m = |t: &str, k: &str| template_matches(t.as_bytes(), k.as_bytes());
        assert!(m("aws:RequestTag/${TagKey}", "aws:RequestTag/team"));
        assert!(m("aws:RequestTag/${TagKey}", "AWS:requesttag/TEAM"));
        assert!(m("aws:RequestTag/${TagKey}", "aws:RequestTag/a/b:c"));
        assert!(!m("aws:RequestTag/${TagKey}", "aws:RequestTag/"));
        assert!(m("s3:ExistingObjectTag/<key>", "s3:ExistingObjectTag/x"));
        assert!(m("agent.${Domain}.buildkite.dev:build_branch", "agent.acme.buildkite.dev:build_branch"));
        assert!(!m("agent.${Domain}.buildkite.dev:build_branch", "agent.buildkite.dev:build_branch"));
        assert!(m("events:Metadata/${MetadataKey}/Matcher", "events:Metadata/k/Matcher"));
        assert!(m("aws:TagKeys", "aws:tagkeys") && !m("aws:TagKeys", "aws:tagkey"));
        assert!(is_template("a:${X}") && is_template("a:<k>") && !is_template("a:b$c"));
        assert_eq!(literal_len("aws:RequestTag/${TagKey}"), 15);
        assert_eq!(literal_len("events:Metadata/${MetadataKey}/Matcher"), 24);
        assert_eq!(trailing_placeholder_head("aws:RequestTag/${TagKey}"), Some("aws:RequestTag/"));
        assert_eq!(trailing_placeholder_head("s3:ExistingObjectTag/<key>"), Some("s3:ExistingObjectTag/"));
        assert_eq!(trailing_placeholder_head("events:Metadata/${K}/Matcher"), None);
        assert_eq!(trailing_placeholder_head("aws:TagKeys"), None);
    }

    #[test]
    fn edit_distance() {
        let mut ed = EditDistance::default();
        let mut d = |a: &str, b: &str| ed.within(a.as_bytes(), b.as_bytes(), 5);
        assert_eq!(d("stss", "sts"), Some(1));
        assert_eq!(d("GetWebIdentityTokn", "GetWebIdentityToken"), Some(1));
        assert_eq!(d("GetWebIdentityTokne", "GetWebIdentityToken"), Some(1));
        assert_eq!(d("kitten", "SITTING"), Some(3));
        assert_eq!(d("", "abc"), Some(3));
        assert_eq!(d("abc", "abc"), Some(0));
        assert_eq!(d("ca", "abc"), Some(3));
        assert_eq!(d("abcdefgh", "stuvwxyz"), None);
        assert_eq!(ed.within(b"abcdef", b"abcxyz", 2), None);
        assert_eq!(ed.within(b"abcdef", b"abcxyz", 3), Some(3));
    }
}
