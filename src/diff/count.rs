//! How many representative requests a space holds, computed arithmetically before anything is built.
//!
//! A hostile policy can make the product of the dimensions astronomically large (200 audience literals
//! give more than 10^16 audience lists), so a count is exact while it fits in a `u128` and otherwise
//! carries only its order of magnitude, which is all a report needs and all a budget comparison needs.

use std::fmt;

/// A non-negative count: exact while it fits in a `u128`, else approximate (by its base-10 logarithm).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Count {
    exact: Option<u128>,
    /// `log10` of the count; `-inf` for zero.
    log10: f64,
}

impl Count {
    pub const ZERO: Count = Count { exact: Some(0), log10: f64::NEG_INFINITY };
    pub const ONE: Count = Count { exact: Some(1), log10: 0.0 };

    pub fn of(n: u128) -> Count {
        // INVARIANT: u128 → f64 loses precision only far beyond any count compared exactly.
        Count { exact: Some(n), log10: if n == 0 { f64::NEG_INFINITY } else { (n as f64).log10() } }
    }

    /// The exact value, when it fits in a `u64` (what an enumeration can index).
    pub fn as_u64(self) -> Option<u64> {
        self.exact.and_then(|n| u64::try_from(n).ok())
    }

    /// Whether the count exceeds `limit`.
    pub fn exceeds(self, limit: u64) -> bool {
        match self.exact {
            Some(n) => n > u128::from(limit),
            None => true,
        }
    }

    pub fn is_zero(self) -> bool {
        self.exact == Some(0)
    }

    pub fn times(self, other: Count) -> Count {
        if self.is_zero() || other.is_zero() {
            return Count::ZERO;
        }
        Count {
            exact: self.exact.zip(other.exact).and_then(|(a, b)| a.checked_mul(b)),
            log10: self.log10 + other.log10,
        }
    }

    pub fn plus(self, other: Count) -> Count {
        let (hi, lo) = if self.log10 >= other.log10 { (self.log10, other.log10) } else { (other.log10, self.log10) };
        let log10 = if lo == f64::NEG_INFINITY { hi } else { hi + (1.0 + 10f64.powf(lo - hi)).log10() };
        Count { exact: self.exact.zip(other.exact).and_then(|(a, b)| a.checked_add(b)), log10 }
    }

    /// Compare two counts by size.
    pub fn cmp_size(&self, other: &Count) -> std::cmp::Ordering {
        match (self.exact, other.exact) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => self.log10.total_cmp(&other.log10),
        }
    }

    /// `n` choose `k`.
    pub fn binomial(n: usize, k: usize) -> Count {
        if k > n {
            return Count::ZERO;
        }
        let k = k.min(n - k);
        let mut exact: Option<u128> = Some(1);
        let mut log10 = 0.0;
        for i in 0..k {
            let (num, den) = ((n - i) as u128, (i + 1) as u128);
            // INVARIANT: the running product times (n - i) is divisible by (i + 1) (it is C(n, i + 1) · (i + 1)).
            exact = exact.and_then(|e| e.checked_mul(num)).map(|e| e / den);
            log10 += (num as f64).log10() - (den as f64).log10();
        }
        Count { exact, log10 }
    }

    /// 2 to the power `n`.
    pub fn power_of_two(n: usize) -> Count {
        Count { exact: u32::try_from(n).ok().and_then(|n| 1u128.checked_shl(n)), log10: n as f64 * 2f64.log10() }
    }

    /// Subsets of `n` elements with `min..=max` members.
    pub fn subsets(n: usize, min: usize, max: usize) -> Count {
        if max >= n && min <= 1 {
            // Every subset, less the empty one when it is excluded: no sum of n binomials.
            let all = Count::power_of_two(n);
            return if min == 0 { all } else { Count { exact: all.exact.map(|e| e - 1), log10: all.log10 } };
        }
        (min..=max.min(n)).fold(Count::ZERO, |acc, k| acc.plus(Count::binomial(n, k)))
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.exact {
            Some(n) if n < 10u128.pow(18) => write!(f, "{n}"),
            _ if self.log10.is_finite() => {
                let exponent = self.log10.floor();
                let mantissa = 10f64.powf(self.log10 - exponent);
                write!(f, "about {mantissa:.1} × 10^{exponent}")
            }
            _ => write!(f, "more than 10^308"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomials_are_exact_while_they_fit() {
        assert_eq!(Count::binomial(5, 2).as_u64(), Some(10));
        assert_eq!(Count::binomial(5, 7).as_u64(), Some(0));
        assert_eq!(Count::binomial(201, 10).as_u64(), Some(23_626_449_560_794_080));
        assert_eq!(Count::subsets(19, 1, 10).as_u64(), Some(354_521));
        assert_eq!(Count::subsets(3, 0, 50).as_u64(), Some(8));
        assert_eq!(Count::subsets(3, 1, 3).as_u64(), Some(7));
        assert_eq!(Count::subsets(127, 1, 127).as_u64(), None);
        assert!(Count::subsets(20_000, 1, 20_000).to_string().ends_with("10^6020"));
    }

    #[test]
    fn huge_counts_keep_their_magnitude() {
        let c = Count::binomial(2000, 50);
        assert!(c.as_u64().is_none());
        assert!(c.exceeds(u64::MAX));
        assert_eq!(c.to_string(), "about 2.0 × 10^100");
        let product = c.times(c);
        assert!(product.to_string().ends_with("10^200"), "{product}");
    }

    #[test]
    fn zero_absorbs() {
        assert!(Count::binomial(2000, 50).times(Count::ZERO).is_zero());
        assert_eq!(Count::ZERO.plus(Count::of(3)).as_u64(), Some(3));
        assert!(!Count::of(3).exceeds(3));
        assert!(Count::of(4).exceeds(3));
    }
}
