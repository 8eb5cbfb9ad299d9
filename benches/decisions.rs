//! Decisions per second for compiled policies on the 50-statement inventory of `fixtures/bench/`
//! (DESIGN §7: at least 1,000,000 per second per core). Each iteration decides 1,000 prepared request
//! contexts; divan reports the throughput as items (decisions) per second.
//!
//! Run with `cargo bench --bench decisions`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "benchmark setup: a failure to load the inventory is a failed run"
)]

#[path = "../tests/support/inventory.rs"]
mod inventory;

use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use mintlint::eval::{self, Decision, NoTrace};
use mintlint::token::{MINT_ACTION, TAG_ACTION};

const REQUESTS: usize = 1000;

fn main() {
    divan::main();
}

/// The batch path: statements prepared once per action, conditions evaluated with no trace.
#[divan::bench]
fn decide_prepared(bencher: Bencher) {
    let inv = inventory::inventory(REQUESTS);
    assert_eq!(inventory::statement_count(&inv.set), 50);
    let mint = inv.set.prepare(MINT_ACTION);
    let tag = inv.set.prepare(TAG_ACTION);
    bencher.counter(ItemsCount::new(inv.contexts.len())).bench_local(|| {
        let mut allowed = 0usize;
        for ctx in &inv.contexts {
            let prepared = if *ctx.action == *TAG_ACTION { &tag } else { &mint };
            let outcome = prepared.decide(black_box(ctx), &inv.assumptions, &mut NoTrace);
            allowed += usize::from(outcome.decision == Decision::Allow);
        }
        allowed
    });
}

/// The explaining path `simulate` uses for one request: prepare, evaluate every statement, record.
#[divan::bench]
fn check_explained(bencher: Bencher) {
    let inv = inventory::inventory(REQUESTS);
    bencher.counter(ItemsCount::new(inv.contexts.len())).bench_local(|| {
        let mut allowed = 0usize;
        for ctx in &inv.contexts {
            let result = eval::check(&inv.set, black_box(ctx), &inv.assumptions);
            allowed += usize::from(result.decision == Decision::Allow);
        }
        allowed
    });
}
