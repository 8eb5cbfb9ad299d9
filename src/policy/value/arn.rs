//! ARN matching for the `Resource`/`NotResource` elements (reference §5.4)
//! and the `ArnEquals`/`ArnLike`/`ArnNotEquals`/`ArnNotLike` condition
//! operators (§5.8, §6.1).
//!
//! Both split an ARN into its six colon-separated components
//! `arn:partition:service:region:account:resource` and glob-match the
//! components one by one, case-sensitively, so a `*` in the first five
//! components cannot consume a `:`. The resource component is everything
//! after the fifth colon, so a `*` there spans `/` and `:` alike. `ArnEquals`
//! and `ArnLike` behave identically (both honour wildcards), as do their
//! negations, which callers build by negating [`arn_matches`].
//!
//! Two further rules cover patterns that are not six components long:
//!
//! * A pattern made only of `*` (normally just `"*"`) matches every value,
//!   ARN-shaped or not. AWS documents `"Resource": "*"` as matching all
//!   resources; it does not document `ArnLike` with `"*"` against a
//!   non-ARN context value, and we choose "matches" so that both uses of a
//!   bare `*` mean the same thing (and a resource-less action, whose request
//!   resource is `*` rather than an ARN, is matched by `"Resource": "*"`).
//! * The IAM User Guide's `Resource` page says that "if the `*` wildcard is
//!   the last character of a resource ARN segment, it can expand to match
//!   beyond the colon boundaries". AWS does not say precisely when; we
//!   apply it to patterns with fewer than six components whose last
//!   component ends with `*`: that last component is matched against the
//!   rest of the value, colons included, so `arn:aws:s3:*` matches every S3
//!   ARN. Six-component patterns stay strictly component-wise (that is what
//!   the condition-operator page states), and shorter patterns that do not
//!   end with `*` match nothing. The reference summary (§5.4/§5.8) omits
//!   this sentence of the User Guide; the rule is applied to both
//!   `Resource` and the Arn operators, which we model as one matcher.
//!
//! Values (the request's resource ARN or the context value) must be
//! ARN-shaped: six components, the first exactly `arn`.

use super::super::wildcard::{Cursor, Elem, StrCursor, Token, TokenCursor, UntilColon, after_colon, glob};

/// Number of components in an ARN; the last one keeps any further colons.
const COMPONENTS: usize = 6;

/// Whether an ARN-operator policy value can be read: `*` alone (any number of them), or six components.
pub fn reads_as_arn(text: &str) -> bool {
    (!text.is_empty() && text.chars().all(|c| c == '*')) || split_arn(text).is_some()
}

/// Splits `arn:partition:service:region:account:resource` into its six
/// components. The resource component is everything after the fifth colon
/// and may contain `:` and `/`. Components may be empty (S3 ARNs leave the
/// region and account empty).
///
/// Returns `None` for fewer than six components or when the first component
/// is not exactly `arn`. AWS does not document whether the `arn` prefix is
/// case-insensitive; we require lowercase because ARNs are compared
/// case-sensitively and AWS always emits `arn`.
pub fn split_arn(s: &str) -> Option<[&str; COMPONENTS]> {
    component_rests(s).map(components)
}

/// IAM's Arn-operator match of a plain pattern string (every `*`/`?` a
/// wildcard) against a context value. See the module documentation for the
/// exact rules.
pub fn arn_matches(pattern: &str, value: &str) -> bool {
    arn_glob(StrCursor(pattern), value)
}

/// [`arn_matches`] for a pattern whose policy variables have already been
/// substituted into [`Token`]s. Literal tokens are split at their `:`
/// characters exactly as a plain pattern would be (so a substituted value
/// containing `:` acts as a component separator, just as if the policy had
/// spelled it out); `*`/`?` inside literal tokens stay literal.
pub fn arn_matches_tokens(pattern: &[Token<'_>], value: &str) -> bool {
    arn_glob(TokenCursor::new(pattern), value)
}

/// Whether a `Resource`/`NotResource` entry matches the request's resource.
///
/// `"*"` matches any resource, ARN or not; otherwise this is the same
/// component-wise matching as [`arn_matches`] (reference §5.4 and §5.8
/// describe the same rule).
pub fn resource_matches(pattern: &str, arn: &str) -> bool {
    arn_matches(pattern, arn)
}

/// [`resource_matches`] for a `Resource` entry containing policy variables
/// (allowed in the resource component, reference §5.4), after substitution.
pub fn resource_matches_tokens(pattern: &[Token<'_>], arn: &str) -> bool {
    arn_matches_tokens(pattern, arn)
}

/// For each component index `i`, the value text from the start of component
/// `i` to the end. Component `i` is the text of `rests[i]` up to its first
/// colon (the whole of it for the resource).
fn component_rests(s: &str) -> Option<[&str; COMPONENTS]> {
    let r0 = s;
    let r1 = after_first_colon(r0)?;
    let r2 = after_first_colon(r1)?;
    let r3 = after_first_colon(r2)?;
    let r4 = after_first_colon(r3)?;
    let r5 = after_first_colon(r4)?;
    (before_first_colon(r0) == "arn").then_some([r0, r1, r2, r3, r4, r5])
}

/// The components themselves, given [`component_rests`].
fn components(rests: [&str; COMPONENTS]) -> [&str; COMPONENTS] {
    let [r0, r1, r2, r3, r4, r5] = rests;
    [
        before_first_colon(r0),
        before_first_colon(r1),
        before_first_colon(r2),
        before_first_colon(r3),
        before_first_colon(r4),
        r5,
    ]
}

fn after_first_colon(s: &str) -> Option<&str> {
    s.split_once(':').map(|(_, tail)| tail)
}

fn before_first_colon(s: &str) -> &str {
    s.split_once(':').map_or(s, |(head, _)| head)
}

fn arn_glob<C: Cursor>(pattern: C, value: &str) -> bool {
    if only_stars(pattern) {
        return true;
    }
    let Some(rests) = component_rests(value) else {
        return false;
    };
    let parts = components(rests);
    let mut cur = pattern;
    for (part, rest) in parts.iter().zip(rests.iter()).take(COMPONENTS - 1) {
        match after_colon(cur) {
            Some(next) => {
                if !glob(UntilColon(cur), part, false) {
                    return false;
                }
                cur = next;
            }
            // Fewer than six pattern components: `cur` is the last one.
            None => return ends_with_star(cur) && glob(cur, rest, false),
        }
    }
    let resource = parts.last().copied().unwrap_or_default();
    glob(cur, resource, false)
}

/// At least one element, and every element is `*`.
fn only_stars<C: Cursor>(pattern: C) -> bool {
    let mut cur = pattern;
    let mut any = false;
    while let Some((elem, rest)) = cur.next() {
        if elem != Elem::AnyMany {
            return false;
        }
        any = true;
        cur = rest;
    }
    any
}

fn ends_with_star<C: Cursor>(pattern: C) -> bool {
    let mut cur = pattern;
    let mut last = None;
    while let Some((elem, rest)) = cur.next() {
        last = Some(elem);
        cur = rest;
    }
    last == Some(Elem::AnyMany)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ROLE: &str = "arn:aws:iam::123456789012:role/path/Deployer";

    #[test]
    fn split_arn_table() {
        #[rustfmt::skip]
        let rows: &[(&str, Option<[&str; 6]>)] = &[
            // Six plain components.
            ("arn:aws:sqs:us-east-2:123456789012:queue1",
             Some(["arn", "aws", "sqs", "us-east-2", "123456789012", "queue1"])),
            // Empty region and account (S3).
            ("arn:aws:s3:::bucket/key", Some(["arn", "aws", "s3", "", "", "bucket/key"])),
            // The resource keeps later colons and slashes.
            ("arn:aws:logs:us-east-1:123456789012:log-group:/x:log-stream:y",
             Some(["arn", "aws", "logs", "us-east-1", "123456789012", "log-group:/x:log-stream:y"])),
            // Empty resource is still six components.
            ("arn:aws:s3:::", Some(["arn", "aws", "s3", "", "", ""])),
            // Fewer than six components.
            ("arn:aws:s3::", None),
            ("arn:aws:s3", None),
            ("*", None),
            ("", None),
            // The first component must be exactly `arn`.
            ("ARN:aws:s3:::bucket", None),
            ("urn:aws:s3:::bucket", None),
            (" arn:aws:s3:::bucket", None),
        ];
        for (s, want) in rows {
            assert_eq!(split_arn(s), *want, "split_arn({s:?})");
        }
    }

    #[test]
    fn arn_matches_table() {
        #[rustfmt::skip]
        let rows: &[(&str, &str, bool)] = &[
            // (pattern, value, expected)
            // Exact match, case-sensitive in every component.
            (ROLE, ROLE, true),
            ("arn:aws:iam::123456789012:role/path/deployer", ROLE, false),
            ("arn:AWS:iam::123456789012:role/path/Deployer", ROLE, false),
            // `*` within a component.
            ("arn:aws:iam::*:role/path/Deployer", ROLE, true),
            ("arn:aws:iam::1234*:role/*", ROLE, true),
            ("arn:*:iam::123456789012:role/path/Deployer", ROLE, true),
            ("arn:aws-*:iam::123456789012:role/path/Deployer", ROLE, false),
            // `*` in the resource component spans `/` and `:`.
            ("arn:aws:iam::123456789012:*", ROLE, true),
            ("arn:aws:iam::123456789012:role/*", ROLE, true),
            ("arn:aws:logs:us-east-1:123456789012:log-group:*",
             "arn:aws:logs:us-east-1:123456789012:log-group:/aws/x:log-stream:y", true),
            ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a:b/c", true),
            // `*` cannot consume a colon between the first five components:
            // here it would have to swallow "123456789012:role" to match.
            ("arn:aws:iam::*/path/Deployer", ROLE, false),
            ("arn:aws:iam:*:role/path/Deployer", ROLE, false),
            ("arn:aws:*:role/path/Deployer", ROLE, false),
            // StringLike would match this; ArnLike must not (reference §5.8).
            ("arn:aws:iam::*:role/x", "arn:aws:iam::111:evil:role/x", false),
            // `?` is exactly one character within a component.
            ("arn:aws:iam::12345678901?:role/path/Deployer", ROLE, true),
            ("arn:aws:iam::1234567890?:role/path/Deployer", ROLE, false),
            ("arn:aws:s3:?::bucket", "arn:aws:s3:::bucket", false),
            // Empty components match only empty components (or `*`).
            ("arn:aws:s3:::bucket", "arn:aws:s3:::bucket", true),
            ("arn:aws:s3:*:*:bucket", "arn:aws:s3:::bucket", true),
            ("arn:aws:s3:::bucket", "arn:aws:s3:us-east-1::bucket", false),
            // All six components wildcarded matches any ARN.
            ("*:*:*:*:*:*", ROLE, true),
            ("arn:*:*:*:*:*", "arn:aws:s3:::b", true),
            // Bare `*` (or only stars) matches anything, ARN-shaped or not.
            ("*", ROLE, true),
            ("**", ROLE, true),
            ("*", "not-an-arn", true),
            ("*", "", true),
            // A trailing `*` on a short pattern expands across colons.
            ("arn:aws:s3:*", "arn:aws:s3:::bucket/key", true),
            ("arn:aws:iam::*", ROLE, true),
            ("arn:aws:iam:*", ROLE, true),
            ("arn:aws:*", ROLE, true),
            ("arn*", ROLE, true),
            ("arn:aws:s3:*", ROLE, false),
            ("arn:aws:iam::1234*", ROLE, true),
            ("arn:aws:iam::9*", ROLE, false),
            // ...but only for patterns shorter than six components.
            ("arn:aws:logs:us-east-1:*:g", "arn:aws:logs:us-east-1:123:log-group:g", false),
            // Short patterns not ending in `*` match nothing.
            ("arn:aws:iam", ROLE, false),
            ("arn:aws:iam::123456789012", ROLE, false),
            ("arn:aws:iam::123456789012?", ROLE, false),
            ("", ROLE, false),
            // Non-ARN values match only all-star patterns.
            ("arn:*", "not-an-arn", false),
            ("*:*:*:*:*:*", "a:b:c:d:e:f", false),
            ("arn:aws:s3:::*", "arn:aws:s3", false),
            ("arn:aws:s3:::*", "ARN:aws:s3:::bucket", false),
        ];
        for (pattern, value, want) in rows {
            assert_eq!(arn_matches(pattern, value), *want, "arn_matches({pattern:?}, {value:?})");
            assert_eq!(resource_matches(pattern, value), *want, "resource_matches agrees");
            let tokens = tokenize(pattern);
            assert_eq!(arn_matches_tokens(&tokens, value), *want, "token form of {pattern:?}");
        }
    }

    #[test]
    fn arn_tokens_table() {
        use Token::{AnyMany, AnyOne, Literal};
        #[rustfmt::skip]
        let rows: &[(&[Token<'_>], &str, bool)] = &[
            // Substituted variable inside the resource component.
            (&[Literal("arn:aws:s3:::home/"), Literal("alice"), Literal("/"), AnyMany],
             "arn:aws:s3:::home/alice/notes.txt", true),
            (&[Literal("arn:aws:s3:::home/"), Literal("alice"), Literal("/"), AnyMany],
             "arn:aws:s3:::home/bob/notes.txt", false),
            // Literal `*` from `${*}` matches only a `*`.
            (&[Literal("arn:aws:s3:::b/"), Literal("*")], "arn:aws:s3:::b/*", true),
            (&[Literal("arn:aws:s3:::b/"), Literal("*")], "arn:aws:s3:::b/x", false),
            // A literal `*` alone is not the match-all pattern.
            (&[Literal("*")], ROLE, false),
            (&[Literal("*")], "*", false),
            // A literal trailing `*` does not trigger the short-pattern rule.
            (&[Literal("arn:aws:iam::"), Literal("*")], ROLE, false),
            // Component boundaries inside and across tokens.
            (&[Literal("arn:aws:"), Literal("iam:"), Literal(":1234"), AnyMany, Literal(":role/"), AnyMany], ROLE, true),
            (&[Literal("arn"), Literal(":"), AnyMany, Literal(":iam::"), AnyMany, Literal(":"), AnyMany], ROLE, true),
            // A substituted value containing `:` acts as a separator.
            (&[Literal("arn:aws:iam::"), Literal("123456789012:role"), Literal("/path/Deployer")], ROLE, true),
            // `?` tokens within a component.
            (&[Literal("arn:aws:iam::12345678901"), AnyOne, Literal(":role/path/Deployer")], ROLE, true),
            // Empty token streams and empty literals.
            (&[], ROLE, false),
            (&[Literal(""), AnyMany, Literal("")], "anything", true),
        ];
        for (tokens, value, want) in rows {
            assert_eq!(arn_matches_tokens(tokens, value), *want, "{tokens:?} vs {value:?}");
            assert_eq!(resource_matches_tokens(tokens, value), *want, "resource form agrees");
        }
    }

    fn tokenize(pattern: &str) -> Vec<Token<'_>> {
        let mut tokens = Vec::new();
        let mut start = 0;
        for (i, c) in pattern.char_indices() {
            if c == '*' || c == '?' {
                tokens.push(Token::Literal(&pattern[start..i]));
                tokens.push(if c == '*' { Token::AnyMany } else { Token::AnyOne });
                start = i + 1;
            }
        }
        tokens.push(Token::Literal(&pattern[start..]));
        tokens
    }

    /// Splits every literal token at every character boundary, the most
    /// fragmented token stream for the same pattern.
    fn fragment<'a>(tokens: &[Token<'a>]) -> Vec<Token<'a>> {
        tokens
            .iter()
            .flat_map(|t| match *t {
                Token::Literal(s) => {
                    s.char_indices().map(|(i, c)| Token::Literal(&s[i..i + c.len_utf8()])).collect::<Vec<_>>()
                }
                other => vec![other],
            })
            .collect()
    }

    fn component() -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(vec!['a', 'b', '/', '*', '?']), 0..4)
            .prop_map(|v| v.into_iter().collect())
    }

    fn value_component() -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(vec!['a', 'b', '/']), 0..4)
            .prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #[test]
        fn six_component_patterns_are_component_wise(
            pat in proptest::collection::vec(component(), 4),
            pat_res in "[ab:/*?]{0,5}",
            val in proptest::collection::vec(value_component(), 4),
            val_res in "[ab:/]{0,5}",
        ) {
            let pattern = format!("arn:{}:{}", pat.join(":"), pat_res);
            let value = format!("arn:{}:{}", val.join(":"), val_res);
            let want = pat.iter().zip(&val).all(|(p, v)| crate_matches(p, v))
                && crate_matches(&pat_res, &val_res);
            prop_assert_eq!(arn_matches(&pattern, &value), want, "{} vs {}", pattern, value);
        }

        #[test]
        fn token_form_agrees_with_plain_form(
            pattern in "[ab:*?]{0,12}",
            value in "arn(:[ab]{0,2}){5}[ab:]{0,3}",
        ) {
            let tokens = tokenize(&pattern);
            let want = arn_matches(&pattern, &value);
            prop_assert_eq!(arn_matches_tokens(&tokens, &value), want);
            prop_assert_eq!(arn_matches_tokens(&fragment(&tokens), &value), want);
        }

        #[test]
        fn arn_like_implies_string_like(
            pattern in "arn(:[ab*?]{0,2}){5}[ab:*?]{0,3}",
            value in "arn(:[ab]{0,2}){5}[ab:]{0,3}",
        ) {
            // Component-wise matching is never looser than a plain glob.
            if arn_matches(&pattern, &value) {
                prop_assert!(crate_matches(&pattern, &value));
            }
        }
    }

    fn crate_matches(pattern: &str, text: &str) -> bool {
        super::super::super::wildcard::matches(pattern, text, false)
    }
}
