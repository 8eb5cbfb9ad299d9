//! Values of the `Date*` condition operators (reference §6.1): policy values
//! and context values such as `aws:CurrentTime`, `aws:EpochTime` and
//! `aws:TokenIssueTime`.

use std::fmt;

const SECS_PER_DAY: i64 = 86_400;
const NANOS_PER_SEC: u32 = 1_000_000_000;

/// An instant in UTC with nanosecond resolution.
///
/// Ordering is chronological: `secs` first, then `nanos` (always below
/// 1,000,000,000).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    secs: i64,
    nanos: u32,
}

impl Timestamp {
    /// Parses a date condition value.
    ///
    /// Accepted forms (the W3C profile of ISO 8601 that AWS documents, plus
    /// epoch seconds):
    ///
    /// | form | meaning |
    /// |---|---|
    /// | `YYYY` | 00:00:00 UTC on 1 January of that year |
    /// | `YYYY-MM` | 00:00:00 UTC on the first of that month |
    /// | `YYYY-MM-DD` | 00:00:00 UTC on that day |
    /// | `YYYY-MM-DDThh:mmTZD` | seconds are zero |
    /// | `YYYY-MM-DDThh:mm:ssTZD` | |
    /// | `YYYY-MM-DDThh:mm:ss.sTZD` | one or more fraction digits |
    /// | digits only (not 4 of them) | seconds since 1970-01-01T00:00:00Z |
    ///
    /// `TZD` is `Z` or `+hh:mm` / `-hh:mm`. Every field has exactly the
    /// number of digits shown (so `2020-1-1` is rejected), and ranges are
    /// checked: month 1-12, day within its month (Gregorian leap years),
    /// hour 0-23, minute 0-59, second 0-59, offset hour 0-23, offset minute
    /// 0-59. Years are 0000-9999 (proleptic Gregorian). Nothing may
    /// surround the value.
    ///
    /// Decisions where AWS documentation is silent:
    ///
    /// * A four-digit string is ambiguous between the `YYYY` form and epoch
    ///   seconds. AWS does not document which wins; we choose the year,
    ///   because ISO 8601 is the primary documented form and Access Analyzer
    ///   steers authors away from epoch values (`INVALID_DATE_VALUE`). So
    ///   `2024` is 2024-01-01T00:00:00Z, not 1970-01-01T00:33:44Z. Every
    ///   other all-digit string is epoch seconds, including ISO 8601 basic
    ///   format such as `20200101` (not part of the W3C profile), which is
    ///   1970-08-22T19:08:21Z.
    /// * Epoch seconds: AWS does not document negative or fractional epoch
    ///   values; we accept only unsigned digit strings that fit in `i64`,
    ///   because `aws:EpochTime` is an integer count of seconds and a sign
    ///   or point would make the value look like something else. Leading
    ///   zeros are accepted (`00000` is epoch 0).
    /// * Leap seconds: AWS does not document `:60`; we reject it, because the
    ///   W3C profile limits seconds to 00-59 and epoch-second arithmetic has
    ///   no representation for an inserted second.
    /// * Fractions: AWS does not document their precision; we keep the first
    ///   nine digits (nanoseconds) and truncate the rest, because rounding
    ///   could carry into the seconds and make two values that agree to the
    ///   nanosecond compare unequal.
    /// * Case: AWS does not document lowercase designators; we reject `t`
    ///   and `z`, because the W3C profile spells them `T` and `Z`, and a
    ///   linter should flag a spelling AWS may not accept.
    /// * `-00:00` is accepted as UTC: the W3C profile gives it no special
    ///   meaning (unlike RFC 3339's "unknown local offset").
    /// * Offsets are limited to 23:59 in magnitude, the range of the `hh:mm`
    ///   fields, not to the ±14:00 that real zones use.
    pub fn parse(s: &str) -> Option<Timestamp> {
        let bytes = s.as_bytes();
        if !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit) {
            if bytes.len() == 4 {
                let year = digits(bytes)?;
                return Timestamp::from_civil(year, 1, 1, 0, 0, 0, 0, 0);
            }
            let secs: i64 = s.parse().ok()?;
            return Some(Timestamp::from_epoch_secs(secs));
        }
        parse_iso(bytes)
    }

    /// The instant `secs` seconds after 1970-01-01T00:00:00Z (before it when
    /// negative).
    pub fn from_epoch_secs(secs: i64) -> Timestamp {
        Timestamp { secs, nanos: 0 }
    }

    /// Whole seconds since the Unix epoch, rounded towards negative infinity.
    pub fn epoch_secs(&self) -> i64 {
        self.secs
    }

    /// The fraction of the second, in nanoseconds (0 to 999,999,999).
    pub fn subsec_nanos(&self) -> u32 {
        self.nanos
    }

    /// `YYYY-MM-DDThh:mm:ssZ`, with a `.fraction` (trailing zeros removed)
    /// only when the fraction is non-zero. Years outside 0000-9999 are
    /// written with a sign and at least four digits (`+10000`, `-0001`), the
    /// ISO 8601 expanded form; [`Timestamp::parse`] does not read those back.
    pub fn to_rfc3339(&self) -> String {
        let days = self.secs.div_euclid(SECS_PER_DAY);
        let secs_of_day = self.secs.rem_euclid(SECS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let (hour, minute, second) = (secs_of_day / 3600, secs_of_day % 3600 / 60, secs_of_day % 60);
        let year = if (0..=9999).contains(&year) { format!("{year:04}") } else { format!("{year:+05}") };
        let mut out = format!("{year}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
        if self.nanos != 0 {
            let fraction = format!("{:09}", self.nanos);
            out.push('.');
            out.push_str(fraction.trim_end_matches('0'));
        }
        out.push('Z');
        out
    }

    /// Builds a timestamp from validated-on-entry civil fields and a UTC
    /// offset in seconds east of Greenwich.
    #[allow(clippy::too_many_arguments)]
    fn from_civil(
        year: i64,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
        nanos: u32,
        offset_secs: i64,
    ) -> Option<Timestamp> {
        let valid = (1..=12).contains(&month)
            && (1..=days_in_month(year, month)).contains(&day)
            && hour < 24
            && minute < 60
            && second < 60
            && nanos < NANOS_PER_SEC;
        if !valid {
            return None;
        }
        let local = days_from_civil(year, month, day) * SECS_PER_DAY
            + i64::from(hour) * 3600
            + i64::from(minute) * 60
            + i64::from(second);
        Some(Timestamp { secs: local - offset_secs, nanos })
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// Parses the ISO forms other than the bare year.
fn parse_iso(b: &[u8]) -> Option<Timestamp> {
    let (year, b) = take_digits(b, 4)?;
    let b = expect(b, b'-')?;
    let (month, b) = take_digits(b, 2)?;
    if b.is_empty() {
        return Timestamp::from_civil(year, u32::try_from(month).ok()?, 1, 0, 0, 0, 0, 0);
    }
    let b = expect(b, b'-')?;
    let (day, b) = take_digits(b, 2)?;
    let (month, day) = (u32::try_from(month).ok()?, u32::try_from(day).ok()?);
    if b.is_empty() {
        return Timestamp::from_civil(year, month, day, 0, 0, 0, 0, 0);
    }
    let b = expect(b, b'T')?;
    let (hour, b) = take_digits(b, 2)?;
    let b = expect(b, b':')?;
    let (minute, b) = take_digits(b, 2)?;
    let (second, nanos, b) = match b.split_first() {
        Some((b':', rest)) => {
            let (second, rest) = take_digits(rest, 2)?;
            let (nanos, rest) = match rest.split_first() {
                Some((b'.', frac)) => take_fraction(frac)?,
                _ => (0, rest),
            };
            (second, nanos, rest)
        }
        _ => (0, 0, b),
    };
    let offset_secs = parse_tzd(b)?;
    Timestamp::from_civil(
        year,
        month,
        day,
        u32::try_from(hour).ok()?,
        u32::try_from(minute).ok()?,
        u32::try_from(second).ok()?,
        nanos,
        offset_secs,
    )
}

/// `Z` or `±hh:mm`, which must be the whole of `b`; seconds east of UTC.
fn parse_tzd(b: &[u8]) -> Option<i64> {
    let (sign, rest) = match b.split_first()? {
        (b'Z', []) => return Some(0),
        (b'+', rest) => (1, rest),
        (b'-', rest) => (-1, rest),
        _ => return None,
    };
    let (hours, rest) = take_digits(rest, 2)?;
    let rest = expect(rest, b':')?;
    let (minutes, rest) = take_digits(rest, 2)?;
    if !rest.is_empty() || hours > 23 || minutes > 59 {
        return None;
    }
    Some(sign * (hours * 3600 + minutes * 60))
}

/// One or more fraction digits; the first nine become nanoseconds.
fn take_fraction(b: &[u8]) -> Option<(u32, &[u8])> {
    let len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if len == 0 {
        return None;
    }
    let (all, rest) = b.split_at_checked(len)?;
    let mut nanos: u32 = 0;
    for i in 0..9 {
        let digit = all.get(i).map_or(0, |c| u32::from(c - b'0'));
        nanos = nanos * 10 + digit;
    }
    Some((nanos, rest))
}

/// Exactly `n` ASCII digits at the front of `b`.
fn take_digits(b: &[u8], n: usize) -> Option<(i64, &[u8])> {
    let (head, rest) = b.split_at_checked(n)?;
    Some((digits(head)?, rest))
}

/// The decimal value of a short all-digit slice.
fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0')))
}

fn expect(b: &[u8], want: u8) -> Option<&[u8]> {
    match b.split_first()? {
        (&c, rest) if c == want => Some(rest),
        _ => None,
    }
}

fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`). Works on 400-year eras, which repeat exactly, with
/// years starting in March so that the leap day is the last day of a year.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let (month, day) = (i64::from(month), i64::from(day));
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let mp = (month + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + day - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`]: (year, month, day) of a day count.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // March = 0
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both are in range by construction ([1, 31] and [1, 12]).
    (year, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap_or_else(|| panic!("{s:?} should parse"))
    }

    #[test]
    fn accepted_forms_table() {
        #[rustfmt::skip]
        let rows: &[(&str, i64, u32)] = &[
            // (input, epoch seconds, nanos)
            // YYYY: midnight UTC on 1 January.
            ("2020", 1_577_836_800, 0),
            ("1970", 0, 0),
            // YYYY-MM: midnight UTC on the first of the month.
            ("2020-02", 1_580_515_200, 0),
            // YYYY-MM-DD: midnight UTC.
            ("2020-01-01", 1_577_836_800, 0),
            ("2024-02-29", 1_709_164_800, 0),
            // hh:mm with Z: seconds are zero.
            ("2020-01-01T00:00Z", 1_577_836_800, 0),
            ("2020-01-01T12:34Z", 1_577_882_040, 0),
            // hh:mm:ss.
            ("2020-01-01T12:34:56Z", 1_577_882_096, 0),
            // Fractions of any length; nine digits kept.
            ("2020-01-01T00:00:00.5Z", 1_577_836_800, 500_000_000),
            ("2020-01-01T00:00:00.123456789Z", 1_577_836_800, 123_456_789),
            ("2020-01-01T00:00:00.000000001Z", 1_577_836_800, 1),
            // Beyond nine fraction digits the rest is truncated, not rounded.
            ("2020-01-01T00:00:00.9999999999Z", 1_577_836_800, 999_999_999),
            ("2020-01-01T00:00:00.0000000009Z", 1_577_836_800, 0),
            // Offsets: local time minus offset is UTC.
            ("2020-01-01T01:00+01:00", 1_577_836_800, 0),
            ("2019-12-31T19:00-05:00", 1_577_836_800, 0),
            ("2020-01-01T05:30:00+05:30", 1_577_836_800, 0),
            ("2020-01-01T00:00:00.25+00:00", 1_577_836_800, 250_000_000),
            // `-00:00` is UTC.
            ("2020-01-01T00:00-00:00", 1_577_836_800, 0),
            // Largest offsets the fields can express.
            ("2020-01-01T23:59+23:59", 1_577_836_800, 0),
            // Epoch seconds: any digit string that is not four digits long.
            ("1700000000", 1_700_000_000, 0),
            ("0", 0, 0),
            ("86400", 86_400, 0),
            ("00000", 0, 0),
            ("9223372036854775807", i64::MAX, 0),
            // ISO basic format is not in the W3C profile: eight digits are epoch seconds.
            ("20200101", 20_200_101, 0),
            // Four digits are a year, never epoch seconds.
            ("2024", 1_704_067_200, 0),
            ("0001", -62_135_596_800, 0),
            // Year 0000 exists in the proleptic Gregorian calendar (and is leap).
            ("0000-02-29", -62_162_121_600, 0),
            ("9999-12-31T23:59:59Z", 253_402_300_799, 0),
            // Leap-year rules: divisible by 400 is leap.
            ("2000-02-29", 951_782_400, 0),
        ];
        for (s, secs, nanos) in rows {
            let t = ts(s);
            assert_eq!((t.epoch_secs(), t.subsec_nanos()), (*secs, *nanos), "parse({s:?})");
        }
    }

    #[test]
    fn rejected_forms_table() {
        #[rustfmt::skip]
        let rows: &[&str] = &[
            // Invalid calendar dates.
            "2020-02-30",              // February never has 30 days
            "2021-02-29",              // 2021 is not a leap year
            "1900-02-29",              // divisible by 100 but not 400: not leap
            "2020-04-31",              // April has 30 days
            "2020-13-01",              // month 13
            "2020-00-01",              // month 0
            "2020-01-00",              // day 0
            "2020-13",                 // month 13 in YYYY-MM form
            // Field widths are fixed.
            "2020-1-1",
            "2020-01-1",
            "20-01-01",
            "02020-01-01",
            "2020-01-01T1:00Z",
            "2020-01-01T01:0Z",
            "2020-01-01T01:00:0Z",
            "2020-01-01T01:00+1:00",
            "2020-01-01T01:00+0100",
            // Time ranges.
            "2020-01-01T24:00Z",       // hour 24
            "2020-01-01T00:60Z",       // minute 60
            "2020-01-01T23:59:60Z",    // leap second rejected
            "2020-01-01T00:00+24:00",  // offset hour 24
            "2020-01-01T00:00+00:60",  // offset minute 60
            // Time forms need a TZD.
            "2020-01-01T00:00",
            "2020-01-01T00:00:00",
            "2020-01-01T00:00:00.5",
            // Lowercase designators.
            "2020-01-01t00:00Z",
            "2020-01-01T00:00z",
            // Hour-only and other non-profile shapes.
            "2020-01-01T00Z",
            "2020-01-01 00:00Z",
            "2020-01-01T",
            "2020-01-01Z",
            "2020-01Z",
            "2020-",
            // Fractions need at least one digit and only after seconds.
            "2020-01-01T00:00:00.Z",
            "2020-01-01T00:00.5Z",
            // Trailing or leading junk, whitespace.
            "2020-01-01T00:00ZZ",
            "2020-01-01T00:00+01:00:00",
            " 2020",
            "2020 ",
            "2020-01-01\n",
            // Epoch values with a sign, fraction or overflow.
            "-1",
            "+1700000000",
            "1700000000.5",
            "9223372036854775808",
            // Empty and non-digit.
            "",
            "now",
            "２０２０",                // full-width digits
        ];
        for s in rows {
            assert_eq!(Timestamp::parse(s), None, "parse({s:?}) should fail");
        }
    }

    #[test]
    fn ordering_table() {
        #[rustfmt::skip]
        let rows: &[(&str, &str, std::cmp::Ordering)] = &[
            // Same instant in different spellings is equal.
            ("2020-01-01T01:00+01:00", "2020-01-01T00:00Z", std::cmp::Ordering::Equal),
            ("2020", "2020-01-01T00:00:00.000Z", std::cmp::Ordering::Equal),
            ("2020-01", "2020-01-01", std::cmp::Ordering::Equal),
            ("1577836800", "2020-01-01", std::cmp::Ordering::Equal),
            // Fractions order within a second.
            ("2020-01-01T00:00:00.1Z", "2020-01-01T00:00:00.2Z", std::cmp::Ordering::Less),
            ("2020-01-01T00:00:00.999Z", "2020-01-01T00:00:01Z", std::cmp::Ordering::Less),
            // A positive offset is earlier in UTC than the same wall clock in Z.
            ("2020-01-01T00:00+01:00", "2020-01-01T00:00Z", std::cmp::Ordering::Less),
            // Across years and eras.
            ("1969-12-31T23:59:59Z", "1970", std::cmp::Ordering::Less),
            ("0000", "9999", std::cmp::Ordering::Less),
            // Year form vs epoch: "2024" is a year, far later than epoch 2025.
            ("2024", "02025", std::cmp::Ordering::Greater),
        ];
        for (a, b, want) in rows {
            assert_eq!(ts(a).cmp(&ts(b)), *want, "{a} vs {b}");
        }
    }

    #[test]
    fn to_rfc3339_table() {
        #[rustfmt::skip]
        let rows: &[(Timestamp, &str)] = &[
            // Whole seconds: no fraction.
            (Timestamp::from_epoch_secs(0), "1970-01-01T00:00:00Z"),
            (Timestamp::from_epoch_secs(1_700_000_000), "2023-11-14T22:13:20Z"),
            // An eight-digit epoch value (what `20200101` parses to).
            (Timestamp::from_epoch_secs(20_200_101), "1970-08-22T19:08:21Z"),
            // Before the epoch.
            (Timestamp::from_epoch_secs(-1), "1969-12-31T23:59:59Z"),
            // Fraction with trailing zeros trimmed.
            (Timestamp { secs: 0, nanos: 500_000_000 }, "1970-01-01T00:00:00.5Z"),
            (Timestamp { secs: 0, nanos: 1 }, "1970-01-01T00:00:00.000000001Z"),
            (Timestamp { secs: 0, nanos: 120_000_000 }, "1970-01-01T00:00:00.12Z"),
            // Expanded years outside 0000-9999.
            (Timestamp::from_epoch_secs(253_402_300_800), "+10000-01-01T00:00:00Z"),
            (Timestamp::from_epoch_secs(-62_167_219_201), "-0001-12-31T23:59:59Z"),
        ];
        for (t, want) in rows {
            assert_eq!(t.to_rfc3339(), *want);
            assert_eq!(t.to_string(), *want, "Display matches to_rfc3339");
        }
    }

    #[test]
    fn extreme_epochs_format_without_overflow() {
        // Any i64 is a valid epoch; formatting must not overflow.
        assert!(Timestamp::from_epoch_secs(i64::MAX).to_rfc3339().starts_with('+'));
        assert!(Timestamp::from_epoch_secs(i64::MIN).to_rfc3339().starts_with('-'));
    }

    #[test]
    fn days_from_civil_anchors() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(0, 3, 1), -719_468);
        assert_eq!(civil_from_days(-719_468), (0, 3, 1));
    }

    /// Naive day count for cross-checking: whole years, then whole months.
    fn naive_days(year: i64, month: u32, day: u32) -> i64 {
        let mut days = 0;
        if year >= 1970 {
            for y in 1970..year {
                days += if is_leap_year(y) { 366 } else { 365 };
            }
        } else {
            for y in year..1970 {
                days -= if is_leap_year(y) { 366 } else { 365 };
            }
        }
        for m in 1..month {
            days += i64::from(days_in_month(year, m));
        }
        days + i64::from(day) - 1
    }

    fn civil_strategy() -> impl Strategy<Value = (i64, u32, u32)> {
        (0i64..=9999, 1u32..=12).prop_flat_map(|(y, m)| (Just(y), Just(m), 1..=days_in_month(y, m)))
    }

    proptest! {
        #[test]
        fn civil_round_trip((y, m, d) in civil_strategy()) {
            let days = days_from_civil(y, m, d);
            prop_assert_eq!(civil_from_days(days), (y, m, d));
            prop_assert_eq!(days, naive_days(y, m, d));
        }

        #[test]
        fn rfc3339_round_trip(
            (y, m, d) in civil_strategy(),
            hh in 0u32..24, mm in 0u32..60, ss in 0u32..60,
            nanos in prop_oneof![Just(0u32), 0u32..NANOS_PER_SEC],
        ) {
            let t = Timestamp::from_civil(y, m, d, hh, mm, ss, nanos, 0).unwrap();
            let text = t.to_rfc3339();
            prop_assert_eq!(Timestamp::parse(&text), Some(t), "{}", text);
        }

        #[test]
        fn offset_is_subtracted(
            (y, m, d) in civil_strategy(),
            hh in 0u32..24, mm in 0u32..60,
            off_h in 0i64..24, off_m in 0i64..60, east in any::<bool>(),
        ) {
            let sign = if east { '+' } else { '-' };
            let text = format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}{sign}{off_h:02}:{off_m:02}");
            let utc = format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}Z");
            let offset = (off_h * 3600 + off_m * 60) * if east { 1 } else { -1 };
            prop_assert_eq!(ts(&text).epoch_secs(), ts(&utc).epoch_secs() - offset);
        }

        #[test]
        fn epoch_round_trip(secs in 0i64..=253_402_300_799) {
            let t = Timestamp::from_epoch_secs(secs);
            prop_assert_eq!(Timestamp::parse(&t.to_rfc3339()), Some(t));
        }

        #[test]
        fn never_panics(s in "[0-9TZ:.+-]{0,30}") {
            let _ = Timestamp::parse(&s);
        }
    }
}
