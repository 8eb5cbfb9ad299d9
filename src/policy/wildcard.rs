//! IAM glob matching, shared by `Action`/`NotAction`, `Resource`/`NotResource`
//! and the `StringLike`/`ArnLike` condition operators (reference §5.3, §5.4,
//! §5.8, §6.1).
//!
//! IAM globs have exactly two wildcards: `*` matches any sequence of
//! characters including the empty one and crosses `:` and `/`; `?` matches
//! exactly one Unicode scalar value. There is no escape character: a policy
//! writes a literal `*`, `?` or `$` as the policy variable `${*}`, `${?}` or
//! `${$}` (reference §5.9). Because variable substitution happens before
//! matching, the matcher works on a [`Token`] stream in which the substituted
//! text is a [`Token::Literal`] whose `*`/`?` characters are *not* wildcards.
//!
//! The matcher is the classic greedy two-pointer glob algorithm with a single
//! backtrack point: on a mismatch it resumes after the most recent `*`, one
//! character further into the text. That is complete for `*`/`?` globs (an
//! earlier `*` never needs to be revisited, because anything an earlier `*`
//! could absorb the latest one can absorb too), runs in O(pattern × text)
//! time in the worst case, and allocates nothing.

/// One element of a glob pattern after policy-variable substitution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token<'a> {
    /// Text matched character by character; `*` and `?` inside it are literal.
    Literal(&'a str),
    /// `*`: any sequence of characters, including none.
    AnyMany,
    /// `?`: exactly one character.
    AnyOne,
}

/// Matches a token sequence (literals concatenated, wildcards between them)
/// against the whole of `text`.
///
/// With `fold_case`, two characters are equal when their full Unicode
/// lowercase mappings (`char::to_lowercase`) are equal. The comparison is
/// char-by-char, so mappings that change the number of characters (e.g.
/// `ß` vs `SS`) do not match; that keeps `?` meaning "one character" in both
/// modes. AWS does not document how `StringEqualsIgnoreCase` treats
/// non-ASCII text; we choose per-character full lowercase mapping because it
/// is locale-independent and needs no allocation.
pub fn matches_tokens(pattern: &[Token<'_>], text: &str, fold_case: bool) -> bool {
    glob(TokenCursor::new(pattern), text, fold_case)
}

/// Matches a plain pattern string, in which every `*` and `?` is a wildcard,
/// against the whole of `text`.
pub fn matches(pattern: &str, text: &str, fold_case: bool) -> bool {
    glob(StrCursor(pattern), text, fold_case)
}

/// Whether `s` contains a glob wildcard character (`*` or `?`).
pub fn has_wildcard(s: &str) -> bool {
    // Bytes, not `contains(['*', '?'])`: the char-set searcher costs several times more, and this runs for
    // every action entry of every policy. Both are ASCII, so no byte of a longer character can match.
    s.bytes().any(|b| b == b'*' || b == b'?')
}

/// Case-insensitive equality under the same per-character folding as
/// [`matches()`] with `fold_case`, without allocating. Used for action names,
/// condition key names and the `...IgnoreCase` operators.
pub fn eq_fold(a: &str, b: &str) -> bool {
    let mut a = a.chars();
    let mut b = b.chars();
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if chars_eq(x, y, true) => {}
            _ => return false,
        }
    }
}

fn chars_eq(a: char, b: char, fold_case: bool) -> bool {
    if a == b {
        return true;
    }
    if !fold_case {
        return false;
    }
    // The ASCII fast path is only valid when both sides are ASCII: non-ASCII
    // characters such as U+212A KELVIN SIGN lowercase to ASCII letters.
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(&b);
    }
    a.to_lowercase().eq(b.to_lowercase())
}

fn split_first_char(s: &str) -> Option<(char, &str)> {
    let mut chars = s.chars();
    let c = chars.next()?;
    Some((c, chars.as_str()))
}

/// One pattern element as the matcher sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Elem {
    Char(char),
    AnyMany,
    AnyOne,
}

/// A position in a pattern. `Copy` so that the matcher can remember the
/// backtrack point by value; pattern representations (a plain string, a
/// token slice, a colon-bounded view of either for ARN components) only
/// differ in how they produce the next element.
pub(super) trait Cursor: Copy {
    /// The element at this position and the position after it, or `None` at
    /// the end of the pattern.
    fn next(self) -> Option<(Elem, Self)>;
}

/// A plain pattern string: `*` and `?` are always wildcards.
#[derive(Clone, Copy, Debug)]
pub(super) struct StrCursor<'a>(pub(super) &'a str);

impl Cursor for StrCursor<'_> {
    fn next(self) -> Option<(Elem, Self)> {
        let (c, rest) = split_first_char(self.0)?;
        let elem = match c {
            '*' => Elem::AnyMany,
            '?' => Elem::AnyOne,
            other => Elem::Char(other),
        };
        Some((elem, StrCursor(rest)))
    }
}

/// A token stream; `lit` is the unconsumed rest of the literal being read.
#[derive(Clone, Copy, Debug)]
pub(super) struct TokenCursor<'p, 'a> {
    tokens: &'p [Token<'a>],
    lit: &'a str,
}

impl<'p, 'a> TokenCursor<'p, 'a> {
    pub(super) fn new(tokens: &'p [Token<'a>]) -> Self {
        TokenCursor { tokens, lit: "" }
    }
}

impl Cursor for TokenCursor<'_, '_> {
    fn next(self) -> Option<(Elem, Self)> {
        let mut cur = self;
        loop {
            if let Some((c, lit)) = split_first_char(cur.lit) {
                return Some((Elem::Char(c), TokenCursor { lit, ..cur }));
            }
            let (first, tokens) = cur.tokens.split_first()?;
            match *first {
                Token::Literal(lit) => cur = TokenCursor { tokens, lit },
                Token::AnyMany => return Some((Elem::AnyMany, TokenCursor { tokens, lit: "" })),
                Token::AnyOne => return Some((Elem::AnyOne, TokenCursor { tokens, lit: "" })),
            }
        }
    }
}

/// A view of another cursor that ends just before its first literal `:`.
/// ARN matching uses it to glob one colon-delimited component in place.
#[derive(Clone, Copy, Debug)]
pub(super) struct UntilColon<C>(pub(super) C);

impl<C: Cursor> Cursor for UntilColon<C> {
    fn next(self) -> Option<(Elem, Self)> {
        match self.0.next()? {
            (Elem::Char(':'), _) => None,
            (elem, rest) => Some((elem, UntilColon(rest))),
        }
    }
}

/// The position just after the first literal `:` of `cursor`, or `None` if
/// the pattern has no further literal colon.
pub(super) fn after_colon<C: Cursor>(cursor: C) -> Option<C> {
    let mut cur = cursor;
    loop {
        let (elem, rest) = cur.next()?;
        if elem == Elem::Char(':') {
            return Some(rest);
        }
        cur = rest;
    }
}

/// Greedy glob match of the whole pattern against the whole text.
pub(super) fn glob<C: Cursor>(pattern: C, text: &str, fold_case: bool) -> bool {
    let mut pat = pattern;
    let mut txt = text;
    // Pattern position just after the latest `*`, and the text position that
    // `*` currently extends to. Only the latest `*` is ever retried.
    let mut backtrack: Option<(C, &str)> = None;
    loop {
        let advanced = match pat.next() {
            Some((Elem::AnyMany, rest)) => {
                pat = rest;
                backtrack = Some((rest, txt));
                continue;
            }
            Some((Elem::AnyOne, rest)) => match split_first_char(txt) {
                Some((_, txt_rest)) => {
                    pat = rest;
                    txt = txt_rest;
                    true
                }
                None => false,
            },
            Some((Elem::Char(pc), rest)) => match split_first_char(txt) {
                Some((tc, txt_rest)) if chars_eq(pc, tc, fold_case) => {
                    pat = rest;
                    txt = txt_rest;
                    true
                }
                _ => false,
            },
            None => {
                if txt.is_empty() {
                    return true;
                }
                false
            }
        };
        if !advanced {
            // Let the latest `*` absorb one more character and retry from
            // just after it; with no `*` seen yet the mismatch is final.
            let Some((star_pat, star_txt)) = backtrack else {
                return false;
            };
            let Some((_, star_txt)) = split_first_char(star_txt) else {
                return false;
            };
            backtrack = Some((star_pat, star_txt));
            pat = star_pat;
            txt = star_txt;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_pattern_table() {
        #[rustfmt::skip]
        let rows: &[(&str, &str, bool, bool)] = &[
            // (pattern, text, fold_case, expected)
            // Exact literal match, whole string only.
            ("sts:GetWebIdentityToken", "sts:GetWebIdentityToken", false, true),
            ("sts:Get", "sts:GetWebIdentityToken", false, false),
            ("sts:GetWebIdentityToken", "sts:Get", false, false),
            // Case-sensitive unless folding is requested.
            ("sts:getwebidentitytoken", "sts:GetWebIdentityToken", false, false),
            ("sts:getwebidentitytoken", "sts:GetWebIdentityToken", true, true),
            // `*` alone matches everything, including the empty string.
            ("*", "", false, true),
            ("*", "anything:at/all", false, true),
            // `*` matches the empty sequence in every position.
            ("sts:*Token", "sts:Token", false, true),
            ("*sts:Token*", "sts:Token", false, true),
            // `*` crosses `:` and `/` (StringLike semantics, §6.1).
            ("arn:*:role/x", "arn:aws:iam::123456789012:role/x", false, true),
            ("bucket/*", "bucket/a/b/c:d", false, true),
            // Prefix, suffix and infix wildcards (§5.3 examples).
            ("sts:Get*", "sts:GetWebIdentityToken", false, true),
            ("sts:*Token", "sts:GetWebIdentityToken", false, true),
            ("sts:Tag*", "sts:TagGetWebIdentityToken", false, true),
            ("sts:Tag*", "sts:GetWebIdentityToken", false, false),
            // `?` is exactly one character: never zero, never two.
            ("a?c", "abc", false, true),
            ("a?c", "ac", false, false),
            ("a?c", "abbc", false, false),
            ("?", "", false, false),
            // `?` is one Unicode character, not one byte.
            ("a?c", "aéc", false, true),
            ("a?c", "a😀c", false, true),
            ("??", "é", false, false),
            // `?` may match a `:` or `/`.
            ("a?b", "a:b", false, true),
            ("a?b", "a/b", false, true),
            // Backtracking past a false start.
            ("*ab", "aab", false, true),
            ("*aab", "aaab", false, true),
            ("a*b*c", "axxbyyc", false, true),
            ("a*b*c", "axxbyy", false, false),
            ("*a*b", "bbbab", false, true),
            ("*?*?", "x", false, false),
            ("*?*?", "xy", false, true),
            // Empty pattern matches only empty text.
            ("", "", false, true),
            ("", "a", false, false),
            // Folding applies to literal characters, including non-ASCII ones.
            ("ÉTÉ*", "été-2024", true, true),
            ("ÉTÉ*", "été-2024", false, false),
            // Kelvin sign lowercases to ASCII `k`, so it folds to `K` and `k`.
            ("\u{212A}ey", "key", true, true),
            ("Key", "\u{212A}ey", true, true),
            // Per-character folding: `ß` does not expand to `ss`.
            ("STRASSE", "straße", true, false),
        ];
        for (pattern, text, fold, want) in rows {
            assert_eq!(matches(pattern, text, *fold), *want, "matches({pattern:?}, {text:?}, fold={fold})");
        }
    }

    #[test]
    fn token_table() {
        use Token::{AnyMany, AnyOne, Literal};
        #[rustfmt::skip]
        let rows: &[(&[Token<'_>], &str, bool)] = &[
            // A `*` inside a literal (from `${*}`) is a literal star, not a wildcard.
            (&[Literal("a*b")], "a*b", true),
            (&[Literal("a*b")], "axxb", false),
            (&[Literal("a?b")], "axb", false),
            (&[Literal("a"), Literal("*"), Literal("b")], "a*b", true),
            // Wildcard tokens behave like `*` and `?`.
            (&[Literal("a"), AnyMany, Literal("b")], "a-anything-b", true),
            (&[Literal("a"), AnyOne, Literal("b")], "axb", true),
            (&[Literal("a"), AnyOne, Literal("b")], "ab", false),
            // Literal `*` followed by wildcard `*`.
            (&[Literal("x*"), AnyMany], "x*yz", true),
            (&[Literal("x*"), AnyMany], "xyz", false),
            // Empty literals and empty token streams.
            (&[], "", true),
            (&[], "a", false),
            (&[Literal(""), Literal("")], "", true),
            (&[Literal(""), AnyMany, Literal("")], "abc", true),
            // Literals concatenate across token boundaries.
            (&[Literal("ab"), Literal("cd")], "abcd", true),
            (&[Literal("ab"), Literal("cd")], "ab", false),
            // Consecutive stars are one star.
            (&[AnyMany, AnyMany, Literal("z")], "xyz", true),
        ];
        for (tokens, text, want) in rows {
            assert_eq!(matches_tokens(tokens, text, false), *want, "matches_tokens({tokens:?}, {text:?})");
        }
    }

    #[test]
    fn token_folding() {
        // Folding also applies to literal stars' neighbours in token form.
        let tokens = [Token::Literal("ACME-"), Token::AnyMany];
        assert!(matches_tokens(&tokens, "acme-prod", true));
        assert!(!matches_tokens(&tokens, "acme-prod", false));
    }

    #[test]
    fn has_wildcard_table() {
        #[rustfmt::skip]
        let rows: &[(&str, bool)] = &[
            ("sts:GetWebIdentityToken", false), // plain name
            ("sts:Get*", true),                 // star
            ("sts:Get?ebIdentityToken", true),  // question mark
            ("", false),                        // empty
            ("${aws:username}", false),         // `$`, `{` are not wildcards
        ];
        for (s, want) in rows {
            assert_eq!(has_wildcard(s), *want, "{s:?}");
        }
    }

    #[test]
    fn eq_fold_table() {
        #[rustfmt::skip]
        let rows: &[(&str, &str, bool)] = &[
            ("aws:SourceIp", "AWS:SOURCEIP", true),   // key names are case-insensitive (§5.6)
            ("aws:SourceIp", "aws:SourceIpx", false), // different lengths
            ("", "", true),                           // both empty
            ("a", "", false),                         // one empty
            ("Ünïcödé", "üNÏCÖDÉ", true),             // non-ASCII letters fold
            ("\u{212A}", "k", true),                  // Kelvin sign folds to ASCII k
            ("ß", "SS", false),                       // char-by-char: no expansion
            ("*", "*", true),                         // no wildcard meaning
            ("*", "a", false),                        // no wildcard meaning
        ];
        for (a, b, want) in rows {
            assert_eq!(eq_fold(a, b), *want, "eq_fold({a:?}, {b:?})");
            assert_eq!(eq_fold(b, a), *want, "eq_fold is symmetric");
            // eq_fold must agree with a wildcard-free fold match.
            if !has_wildcard(a) {
                assert_eq!(matches(a, b, true), *want, "matches({a:?}, {b:?}, fold)");
            }
        }
    }

    #[test]
    fn pathological_patterns_finish() {
        // Exponential backtracking matchers blow up here; ours is O(n*m).
        let text = "a".repeat(10_000);
        assert!(!matches("a*a*a*a*a*b", &text, false));
        assert!(matches("a*a*a*a*a*a", &text, false));
        let many_stars = format!("{}b", "*a".repeat(500));
        assert!(!matches(&many_stars, &text, false));
        assert!(!matches(&many_stars, &text, true));
        let tokens: Vec<Token<'_>> = std::iter::repeat_n([Token::AnyMany, Token::Literal("a")], 500)
            .flatten()
            .chain([Token::Literal("b")])
            .collect();
        assert!(!matches_tokens(&tokens, &text, false));
    }

    /// Reference matcher: textbook dynamic programming over chars.
    fn reference(pattern: &str, text: &str, fold: bool) -> bool {
        let p: Vec<char> = pattern.chars().collect();
        let t: Vec<char> = text.chars().collect();
        let eq = |a: char, b: char| {
            if fold { a.to_lowercase().collect::<String>() == b.to_lowercase().collect::<String>() } else { a == b }
        };
        // dp[i][j]: p[..i] matches t[..j].
        let mut dp = vec![vec![false; t.len() + 1]; p.len() + 1];
        dp[0][0] = true;
        for i in 1..=p.len() {
            for j in 0..=t.len() {
                dp[i][j] = match p[i - 1] {
                    '*' => dp[i - 1][j] || (j > 0 && dp[i][j - 1]),
                    '?' => j > 0 && dp[i - 1][j - 1],
                    c => j > 0 && dp[i - 1][j - 1] && eq(c, t[j - 1]),
                };
            }
        }
        dp[p.len()][t.len()]
    }

    const ALPHABET: &[char] = &['a', 'A', 'b', 'B', ':', '/', 'é', 'É', 'ß', '\u{212A}', 'k', '😀'];

    fn pattern_strategy() -> impl Strategy<Value = String> {
        let mut chars = ALPHABET.to_vec();
        chars.extend(['*', '*', '?']);
        proptest::collection::vec(proptest::sample::select(chars), 0..10).prop_map(|v| v.into_iter().collect())
    }

    fn text_strategy() -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(ALPHABET.to_vec()), 0..12)
            .prop_map(|v| v.into_iter().collect())
    }

    /// Splits a plain pattern into wildcard tokens and literal runs, cutting
    /// literal runs further wherever `cuts` says so (cut points index chars).
    fn tokenize_with_cuts<'a>(pattern: &'a str, cuts: &[bool]) -> Vec<Token<'a>> {
        let mut tokens = Vec::new();
        let mut start = 0;
        for (n, (i, c)) in pattern.char_indices().enumerate() {
            let cut = cuts.get(n).copied().unwrap_or(false);
            if c == '*' || c == '?' || cut {
                tokens.push(Token::Literal(&pattern[start..i]));
                start = i;
            }
            if c == '*' || c == '?' {
                tokens.push(if c == '*' { Token::AnyMany } else { Token::AnyOne });
                start = i + c.len_utf8();
            }
        }
        tokens.push(Token::Literal(&pattern[start..]));
        tokens
    }

    proptest! {
        #[test]
        fn agrees_with_reference(p in pattern_strategy(), t in text_strategy(), fold in any::<bool>()) {
            prop_assert_eq!(matches(&p, &t, fold), reference(&p, &t, fold));
        }

        #[test]
        fn pattern_matches_itself_when_wildcard_free(t in text_strategy(), fold in any::<bool>()) {
            // A text used as a pattern (no wildcards in ALPHABET) matches itself.
            prop_assert!(matches(&t, &t, fold));
            prop_assert!(eq_fold(&t, &t));
        }

        #[test]
        fn eq_fold_agrees_with_fold_match(a in text_strategy(), b in text_strategy()) {
            prop_assert_eq!(eq_fold(&a, &b), matches(&a, &b, true));
        }

        #[test]
        fn split_tokens_equal_joined_pattern(
            p in pattern_strategy(),
            t in text_strategy(),
            fold in any::<bool>(),
            cuts in proptest::collection::vec(any::<bool>(), 0..10),
        ) {
            let tokens = tokenize_with_cuts(&p, &cuts);
            prop_assert_eq!(matches_tokens(&tokens, &t, fold), matches(&p, &t, fold));
        }
    }
}
