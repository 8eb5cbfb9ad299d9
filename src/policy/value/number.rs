//! Values of the `Numeric*` condition operators (reference §6.1): policy
//! values written as JSON numbers or numeric strings, and numeric context
//! values such as `sts:DurationSeconds`.

use std::cmp::Ordering;
use std::fmt;

/// A finite numeric condition value.
///
/// Stored as `f64`. That is exact for every integer of magnitude up to 2^53
/// (9,007,199,254,740,992), which covers every numeric context key IAM
/// defines (durations, counts, ports, epoch seconds). For non-integers, any
/// two *distinct* decimal literals with at most 15 significant digits (and
/// magnitudes within the normal `f64` range) convert to distinct doubles in
/// the same order, because 15 decimal digits always survive a round trip
/// through `f64` and correctly rounded conversion is monotonic. Literals
/// with more significant digits may compare equal when their decimal values
/// differ (e.g. `9007199254740993` and `9007199254740992`).
///
/// AWS does not document the precision of numeric comparisons; we choose
/// `f64` because it is exact for every value seen in practice and the
/// documented operands are "integers or decimals", not arbitrary precision.
#[derive(Clone, Copy, Debug)]
pub struct Number(f64);

impl Number {
    /// Parses a numeric policy or context value.
    ///
    /// Grammar: `-? digits ( "." digits )? ( ("e" | "E") ("+" | "-")? digits )?`
    /// with ASCII digits only and nothing around it.
    ///
    /// * AWS documents numeric values as integers or decimals (reference
    ///   §6.1) and does not document signs, exponents or leading zeros.
    /// * We accept a leading `-` because negative numbers are integers too.
    /// * We reject a leading `+` because neither JSON numbers nor any AWS
    ///   example use it; treating it as a type mismatch lets the linter flag
    ///   a spelling whose meaning to AWS is undocumented.
    /// * We accept an exponent because a policy value may be a JSON number
    ///   and JSON's number grammar includes exponents: rejecting `1e3` would
    ///   make a valid JSON number a type error.
    /// * We require digits on both sides of a decimal point (`.5` and `5.`
    ///   are rejected), as JSON does.
    /// * We accept leading zeros in integer digits (`007` is 7): the value is
    ///   unambiguous and context values come from AWS as plain digit strings.
    /// * Values that overflow `f64` (e.g. `1e400`) are rejected; values that
    ///   underflow round to zero, as correctly rounded parsing does.
    /// * `-0` is stored as `0` so that it compares equal to `0`.
    ///
    /// Empty input, surrounding whitespace, `NaN`, `inf`, hexadecimal and
    /// digit grouping (`1,000`) are rejected.
    pub fn parse(s: &str) -> Option<Number> {
        if !is_numeric_literal(s) {
            return None;
        }
        let value: f64 = s.parse().ok()?;
        Number::from_f64(value)
    }

    /// Wraps a finite `f64`; `None` for NaN and infinities, which have no
    /// total order with the rest.
    pub fn from_f64(value: f64) -> Option<Number> {
        if !value.is_finite() {
            return None;
        }
        // Normalise -0.0 so that `total_cmp` agrees with numeric equality.
        Some(Number(if value == 0.0 { 0.0 } else { value }))
    }

    /// The numeric value.
    pub fn value(self) -> f64 {
        self.0
    }
}

/// Total numeric order of two parsed values.
pub fn compare(a: Number, b: Number) -> Ordering {
    // Numbers are finite and never -0.0, so IEEE total order is numeric order.
    a.0.total_cmp(&b.0)
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        compare(*self, *other) == Ordering::Equal
    }
}

impl Eq for Number {}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        compare(*self, *other)
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

fn is_numeric_literal(s: &str) -> bool {
    let rest = s.strip_prefix('-').unwrap_or(s);
    let (mantissa, exponent) = match rest.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (rest, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => all_digits(int) && all_digits(frac),
        None => all_digits(mantissa),
    };
    let exponent_ok = match exponent {
        Some(e) => all_digits(e.strip_prefix(['+', '-']).unwrap_or(e)),
        None => true,
    };
    mantissa_ok && exponent_ok
}

/// Non-empty and ASCII digits only.
fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap_or_else(|| panic!("{s:?} should parse"))
    }

    #[test]
    fn parse_table() {
        #[rustfmt::skip]
        let rows: &[(&str, Option<f64>)] = &[
            // Plain integers, as in `sts:DurationSeconds` values.
            ("300", Some(300.0)),
            ("0", Some(0.0)),
            ("3600", Some(3600.0)),
            // Negative integers.
            ("-5", Some(-5.0)),
            // `-0` is zero.
            ("-0", Some(0.0)),
            // Decimals need digits on both sides of the point.
            ("1.5", Some(1.5)),
            ("-0.25", Some(-0.25)),
            (".5", None),
            ("5.", None),
            ("-.5", None),
            // Leading zeros are accepted (decimal, never octal).
            ("007", Some(7.0)),
            ("00.5", Some(0.5)),
            // JSON exponent syntax is accepted.
            ("1e3", Some(1000.0)),
            ("1E3", Some(1000.0)),
            ("2.5e-1", Some(0.25)),
            ("1e+2", Some(100.0)),
            ("1e", None),
            ("e3", None),
            ("1e+", None),
            ("1e3.5", None),
            // Overflow is rejected, underflow rounds to zero.
            ("1e400", None),
            ("1e-400", Some(0.0)),
            // Integers above 2^53 still parse (rounded).
            ("9007199254740993", Some(9_007_199_254_740_992.0)),
            // A leading `+` is rejected.
            ("+5", None),
            // Only one sign, only at the front.
            ("--5", None),
            ("5-", None),
            // Whitespace padding is rejected.
            (" 5", None),
            ("5 ", None),
            ("\t5", None),
            // Empty and sign-only strings.
            ("", None),
            ("-", None),
            // Non-finite spellings accepted by `f64::from_str` are rejected.
            ("NaN", None),
            ("nan", None),
            ("inf", None),
            ("-inf", None),
            ("Infinity", None),
            // Hex, digit grouping, JSON booleans, non-ASCII digits.
            ("0x10", None),
            ("1,000", None),
            ("1_000", None),
            ("true", None),
            ("١٢", None),
            // Two decimal points.
            ("1.2.3", None),
        ];
        for (s, want) in rows {
            assert_eq!(Number::parse(s).map(Number::value), *want, "parse({s:?})");
        }
    }

    #[test]
    fn compare_table() {
        #[rustfmt::skip]
        let rows: &[(&str, &str, Ordering)] = &[
            ("300", "900", Ordering::Less),                  // plain integers
            ("900", "300", Ordering::Greater),               // reversed
            ("300", "300.0", Ordering::Equal),               // integer vs decimal spelling
            ("300", "3e2", Ordering::Equal),                 // exponent spelling
            ("007", "7", Ordering::Equal),                   // leading zeros
            ("-0", "0", Ordering::Equal),                    // signed zero
            ("-1", "0", Ordering::Less),                     // negatives sort first
            ("-2", "-1", Ordering::Less),                    // negative magnitudes
            ("0.1", "0.10000000000001", Ordering::Less),     // 15 significant digits keep order
            ("99999999999999.9", "99999999999999.8", Ordering::Greater), // 15 digits, large
            ("9007199254740992", "9007199254740991", Ordering::Greater), // exact up to 2^53
            // Documented limitation: beyond 2^53 distinct integers may collide.
            ("9007199254740993", "9007199254740992", Ordering::Equal),
        ];
        for (a, b, want) in rows {
            assert_eq!(compare(n(a), n(b)), *want, "compare({a}, {b})");
            assert_eq!(n(a).cmp(&n(b)), *want, "Ord agrees with compare");
            assert_eq!(n(a) == n(b), *want == Ordering::Equal, "Eq agrees with compare");
        }
    }

    #[test]
    fn from_f64_rejects_non_finite() {
        assert!(Number::from_f64(f64::NAN).is_none());
        assert!(Number::from_f64(f64::INFINITY).is_none());
        assert!(Number::from_f64(f64::NEG_INFINITY).is_none());
        assert_eq!(Number::from_f64(-0.0).map(|x| x.value().is_sign_positive()), Some(true));
    }

    /// Exact comparison of m1/10^k1 and m2/10^k2 by cross-multiplying.
    fn exact_cmp(m1: i64, k1: u32, m2: i64, k2: u32) -> Ordering {
        let a = i128::from(m1) * 10i128.pow(15 - k1);
        let b = i128::from(m2) * 10i128.pow(15 - k2);
        a.cmp(&b)
    }

    fn decimal_string(m: i64, k: u32) -> String {
        let digits = m.unsigned_abs().to_string();
        let k = k as usize;
        let padded = format!("{digits:0>width$}", width = k + 1);
        let (int, frac) = padded.split_at(padded.len() - k);
        let sign = if m < 0 { "-" } else { "" };
        if frac.is_empty() { format!("{sign}{int}") } else { format!("{sign}{int}.{frac}") }
    }

    const MAX_15_DIGITS: i64 = 999_999_999_999_999;

    proptest! {
        #[test]
        fn integers_up_to_2_pow_53_are_exact(a in -(1i64 << 53)..=(1i64 << 53), b in -(1i64 << 53)..=(1i64 << 53)) {
            prop_assert_eq!(compare(n(&a.to_string()), n(&b.to_string())), a.cmp(&b));
        }

        #[test]
        fn decimals_of_15_significant_digits_keep_order(
            m1 in -MAX_15_DIGITS..=MAX_15_DIGITS, k1 in 0u32..=15,
            m2 in -MAX_15_DIGITS..=MAX_15_DIGITS, k2 in 0u32..=15,
        ) {
            let (a, b) = (decimal_string(m1, k1), decimal_string(m2, k2));
            prop_assert_eq!(compare(n(&a), n(&b)), exact_cmp(m1, k1, m2, k2), "{} vs {}", a, b);
        }

        #[test]
        fn never_panics_and_only_finite(s in "[-+0-9.eE ]{0,8}") {
            if let Some(x) = Number::parse(&s) {
                prop_assert!(x.value().is_finite());
            }
        }
    }
}
