//! Deciding a compiled request allocates nothing (issue 3): a counting global allocator in this dedicated
//! test binary counts the allocations of the current thread across many `Prepared::decide` calls on the
//! 50-statement benchmark inventory.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

#[path = "support/inventory.rs"]
mod inventory;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use mintlint::eval::{self, NoTrace};
use mintlint::token::{MINT_ACTION, TAG_ACTION};

/// Counts allocations per thread, so the test harness's other threads cannot disturb the count.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: the thread-local may already be gone while a thread shuts down.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: every method forwards to the system allocator unchanged; counting touches only a thread-local
// `Cell` with a const initializer, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's pointer, layout and size.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn deciding_a_compiled_request_allocates_nothing() {
    let inv = inventory::inventory(500);
    assert_eq!(inventory::statement_count(&inv.set), 50);
    let mint = inv.set.prepare(MINT_ACTION);
    let tag = inv.set.prepare(TAG_ACTION);
    let mut decisions = [0usize; 3];

    let before = allocations();
    for _ in 0..20 {
        for ctx in &inv.contexts {
            let prepared = if *ctx.action == *TAG_ACTION { &tag } else { &mint };
            let outcome = prepared.decide(ctx, &inv.assumptions, &mut NoTrace);
            decisions[outcome.decision as usize] += 1;
        }
    }
    let during = allocations() - before;

    assert_eq!(during, 0, "{during} allocations in {} decisions", decisions.iter().sum::<usize>());
    // The inventory exercises every outcome, so every code path of the decision ran.
    assert!(decisions.iter().all(|n| *n > 0), "allow / explicit-deny / implicit-deny counts: {decisions:?}");
}

/// The counter works: the explaining path records statements and so does allocate.
#[test]
fn the_counter_sees_allocations() {
    let inv = inventory::inventory(10);
    let before = allocations();
    let result = eval::check(&inv.set, &inv.contexts[0], &inv.assumptions);
    assert!(allocations() > before, "check() of {:?} allocated nothing: is the counter installed?", result.decision);
}
