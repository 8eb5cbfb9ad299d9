//! The Terraform JSON and account-snapshot loaders on arbitrary JSON: never panic, and every finding's span
//! lies inside its source; every principal's policies can be resolved without a panic. The plan reader, which
//! builds only the parts of Terraform JSON the loader reads, gives the inventory the whole tree gives.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use mintlint::input::{load_inventory_file, parse_input};
use mintlint::source::json::{Limits, decode, parse};
use mintlint::source::{InputKind, SourceFile};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let Ok(text) = decode(data, &limits) else { return };
    let Ok(json) = parse(text, &limits) else { return };
    let source = Arc::new(SourceFile::new("plan.json", "plan.json", text));
    for kind in [InputKind::TerraformJson, InputKind::AccountSnapshot] {
        let mut inventory = load_inventory_file(&source, &json, kind, &limits);
        inventory.finish();
        for f in &inventory.findings {
            assert!(f.span.end as usize <= f.source.text.len());
        }
        for i in 0..inventory.principals.len() {
            let _ = inventory.policies_for(i);
        }
    }
    let parts = parse_input(text, &limits).expect("the plan reader accepts what the parser accepts");
    let kind = InputKind::classify(&json);
    assert_eq!(kind, InputKind::classify(&parts));
    if kind == InputKind::TerraformJson {
        let whole = load_inventory_file(&source, &json, kind, &limits);
        let read = load_inventory_file(&source, &parts, kind, &limits);
        assert_eq!(format!("{whole:?}"), format!("{read:?}"));
    } else {
        assert_eq!(format!("{json:?}"), format!("{parts:?}"));
    }
});
