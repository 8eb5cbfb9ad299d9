//! The Terraform JSON and account-snapshot loaders on arbitrary JSON: never panic, and every finding's span
//! lies inside its source; every principal's policies can be resolved without a panic.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use mintlint::input::load_inventory_file;
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
});
