//! Typed values of IAM condition operators (reference §6.1): parsing policy
//! and context values, and the comparisons the operators perform.
//!
//! String operators need no parsing (see [`super::wildcard`] for `Like` and
//! `IgnoreCase` matching); every other family has a module here:
//! [`number`] (`Numeric*`), [`date`] (`Date*`), [`ip`] (`IpAddress`,
//! `NotIpAddress`), [`arn`] (`Arn*` and the `Resource` element),
//! [`binary`] (`BinaryEquals`) and [`parse_bool`] (`Bool`).
//!
//! Every parser is strict: a value that does not parse is a type mismatch,
//! which the linter reports and the simulator treats as "does not match".
//! Where AWS documentation is silent the item's documentation says so and
//! states the choice made.

pub mod arn;
pub mod binary;
pub mod date;
pub mod ip;
pub mod number;

pub use arn::{arn_matches, arn_matches_tokens, resource_matches, resource_matches_tokens, split_arn};
pub use binary::{binary_equals, decode_base64};
pub use date::Timestamp;
pub use ip::{Cidr, parse_addr};
pub use number::Number;

/// Parses a `Bool` operator value (policy or context side).
///
/// The reference (§6.1) gives the values as `"true"`/`"false"`, written as a
/// JSON string or JSON boolean (the caller passes a JSON boolean as its
/// text). AWS does not document whether other capitalisations are accepted;
/// we choose ASCII case-insensitive matching (`"True"`, `"FALSE"`), because
/// the operator compares truth values rather than strings, and because
/// common boolean parsers accept any case, so a policy written `"True"` most
/// likely behaves as `true`. Anything else (`"yes"`, `"1"`, `""`,
/// whitespace-padded text) is not a boolean. The linter can still flag
/// non-lowercase spellings by comparing the raw text.
pub fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_bool_table() {
        #[rustfmt::skip]
        let rows: &[(&str, Option<bool>)] = &[
            ("true", Some(true)),     // documented spelling
            ("false", Some(false)),   // documented spelling
            ("True", Some(true)),     // ASCII case-insensitive
            ("FALSE", Some(false)),   // ASCII case-insensitive
            ("tRuE", Some(true)),     // any mix of case
            ("yes", None),            // not a boolean word IAM documents
            ("1", None),              // numbers are not booleans
            ("0", None),              // numbers are not booleans
            ("", None),               // empty
            (" true", None),          // no trimming
            ("true ", None),          // no trimming
            ("truee", None),          // no prefix matching
            ("tru", None),            // no prefix matching
            ("\u{0130}rue", None),    // non-ASCII capital I with dot is not `T`/`t`
        ];
        for (s, want) in rows {
            assert_eq!(parse_bool(s), *want, "parse_bool({s:?})");
        }
    }

    #[test]
    fn reexports_are_usable() {
        // The re-exported names are the ones the evaluator imports.
        assert!(arn_matches("arn:aws:s3:::*", "arn:aws:s3:::b"));
        assert!(resource_matches("*", "*"));
        assert!(split_arn("arn:aws:s3:::b").is_some());
        assert!(binary_equals("Zg==", "Zg"));
        assert_eq!(decode_base64("Zg=="), Some(b"f".to_vec()));
        assert!(Timestamp::parse("2020").is_some());
        assert!(Cidr::parse("10.0.0.0/8").is_some_and(|c| parse_addr("10.1.1.1").is_some_and(|a| c.contains(a))));
        assert!(Number::parse("1").is_some());
        let tokens = [super::super::wildcard::Token::AnyMany];
        assert!(arn_matches_tokens(&tokens, "x"));
        assert!(resource_matches_tokens(&tokens, "x"));
    }
}
