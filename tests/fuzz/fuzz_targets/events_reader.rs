//! The CloudTrail events reader on arbitrary bytes (plain and as a gzip stream): never panics, never hands
//! on more records than it counted events, and stops at the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mintlint::replay::events::{EventLimits, Tally, read_stream};

fuzz_target!(|data: &[u8]| {
    let limits = EventLimits { file: 1 << 20, record: 64 * 1024 };
    let mut handed_on = 0u64;
    let mut tally = Tally::default();
    let _ = read_stream(data, &limits, false, &mut |_| handed_on += 1, &mut tally);
    assert!(handed_on <= tally.events - tally.ignored);
    let decoded = std::io::BufReader::new(flate2::bufread::MultiGzDecoder::new(data));
    let mut tally = Tally::default();
    let _ = read_stream(decoded, &limits, true, &mut |_| {}, &mut tally);
});
