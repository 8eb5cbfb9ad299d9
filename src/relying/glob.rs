//! The `*`-only glob relying parties use (Vault's `bound_claims_type = "glob"`, `ryanuber/go-glob`, and the
//! `match = "glob"` of `[[relying_party]]`): `*` matches any run of characters, `?` and every other character
//! only itself, and a pattern without `*` compares for equality.

use crate::diff::strings::{Atom, CharEq, Piece, string_atom};

use super::Compare;

/// Whether `text` matches `pattern` under `*`-only glob rules.
pub fn matches(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == text;
    };
    if parts.len() == 1 {
        return pattern == text;
    }
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    for part in middle {
        // Leftmost occurrence: taking the earliest match of each literal run leaves the most room for the rest.
        match rest.find(part) {
            Some(at) => rest = rest.get(at + part.len()..).unwrap_or(""),
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Compare a configured value with a claim value.
pub fn compare(how: Compare, configured: &str, actual: &str) -> bool {
    match how {
        Compare::Exact => configured == actual,
        Compare::Glob => matches(configured, actual),
    }
}

/// The region-analysis predicate of a configured value: the strings it accepts, as an automaton atom of
/// [`crate::diff::strings`] (case-sensitive; `?` is literal here, unlike IAM's `StringLike`).
pub fn atom(how: Compare, configured: &str) -> Atom {
    match how {
        Compare::Exact => string_atom(&[Piece::Literal(configured.to_owned())], false, CharEq::Exact),
        Compare::Glob => {
            let mut pieces = Vec::new();
            for (i, part) in configured.split('*').enumerate() {
                if i > 0 {
                    pieces.push(Piece::Glob("*".to_owned()));
                }
                if !part.is_empty() {
                    pieces.push(Piece::Literal(part.to_owned()));
                }
            }
            string_atom(&pieces, true, CharEq::Exact)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::strings::atom_accepts;
    use proptest::prelude::*;

    #[test]
    fn star_only() {
        assert!(matches("arn:aws:iam::1:role/app-*", "arn:aws:iam::1:role/app-x"));
        assert!(matches("*", ""));
        assert!(matches("a*a", "aa"));
        assert!(!matches("a*a", "a"));
        assert!(!matches("a?c", "abc"));
        assert!(matches("a?c", "a?c"));
        assert!(matches("*b*", "abc"));
        assert!(!matches("", "x"));
    }

    /// Brute force: a glob with `*` matches iff some split of the text lines up the literal runs in order.
    fn reference(pattern: &[char], text: &[char]) -> bool {
        match pattern.split_first() {
            None => text.is_empty(),
            Some(('*', rest)) => (0..=text.len()).any(|i| reference(rest, &text[i..])),
            Some((c, rest)) => text.first() == Some(c) && reference(rest, &text[1..]),
        }
    }

    proptest! {
        #[test]
        fn agrees_with_brute_force_and_the_automaton(pattern in "[ab*?]{0,6}", text in "[ab?]{0,6}") {
            let p: Vec<char> = pattern.chars().collect();
            let t: Vec<char> = text.chars().collect();
            let expected = reference(&p, &t);
            prop_assert_eq!(matches(&pattern, &text), expected);
            prop_assert_eq!(atom_accepts(&atom(Compare::Glob, &pattern), &text), expected);
            prop_assert_eq!(atom_accepts(&atom(Compare::Exact, &pattern), &text), pattern == text);
        }
    }
}
