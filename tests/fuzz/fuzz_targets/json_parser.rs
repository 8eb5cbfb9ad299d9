//! The span-keeping JSON parser on arbitrary bytes: never panics; whatever it accepts, serde_json accepts
//! too (up to the one documented depth difference), and every span lies inside the text. Parsing with a filter
//! (the Terraform plan reader's) accepts and rejects exactly the same texts, with the same error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mintlint::source::json::{Json, JsonKind, Limits, decode, parse, parse_kept};

fn check_spans(value: &Json, len: usize) {
    assert!(value.span.start <= value.span.end && value.span.end as usize <= len);
    match &value.kind {
        JsonKind::Array(items) => items.iter().for_each(|i| check_spans(i, len)),
        JsonKind::Object(members) => members.iter().for_each(|m| {
            assert!(m.key.span.end as usize <= len);
            check_spans(&m.value, len);
        }),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let Ok(text) = decode(data, &limits) else { return };
    let whole = parse(text, &limits);
    let kept = parse_kept(text, &limits, &mintlint::input::terraform::PARTS);
    assert_eq!(whole.as_ref().err(), kept.as_ref().err());
    if let Ok(kept) = &kept {
        check_spans(&kept.value, text.len());
    }
    match whole {
        Ok(value) => {
            check_spans(&value, text.len());
            let body = text.strip_prefix('\u{feff}').unwrap_or(text);
            if let Ok(theirs) = serde_json::from_str::<serde_json::Value>(body) {
                assert_eq!(value.to_serde(), theirs);
            }
        }
        Err(error) => assert!(error.span.end as usize <= text.len()),
    }
});
