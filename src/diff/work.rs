//! A bound on the work of one principal's region analysis, shared by all of its steps.
//!
//! The budget (`--budget`) bounds the representative requests; this bounds what it takes to find them: the
//! automaton steps that construct the regions of long patterns, the condition evaluations that classify
//! candidate values, the value sets of a multi-valued key. Each step spends from one meter, in units of
//! roughly one elementary operation (a few nanoseconds), and stops as soon as the meter is empty, so a
//! hostile policy costs at most the bound. A stopped step makes the principal `inexact` with the reason;
//! nothing is guessed. The unit count is deterministic: the same input stops at the same place on every
//! machine.

use std::cell::Cell;

/// Units of work per principal: about a second of analysis.
pub const DEFAULT_WORK: u64 = 400_000_000;

/// The work bound that goes with a budget of representative requests: raising `--budget` lets the
/// analysis work harder too.
pub fn bound_for(budget: u64) -> u64 {
    DEFAULT_WORK.max(budget.saturating_mul(200))
}

/// The meter ran dry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfWork;

#[derive(Debug)]
pub struct Work {
    limit: u64,
    spent: Cell<u64>,
}

impl Work {
    pub fn new(limit: u64) -> Work {
        Work { limit, spent: Cell::new(0) }
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Spend `units`; fails once the total exceeds the limit (and on every later call).
    pub fn spend(&self, units: u64) -> Result<(), OutOfWork> {
        let spent = self.spent.get().saturating_add(units);
        self.spent.set(spent);
        if spent > self.limit { Err(OutOfWork) } else { Ok(()) }
    }

    pub fn exhausted(&self) -> bool {
        self.spent.get() > self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dry_meter_stays_dry() {
        let w = Work::new(10);
        assert_eq!(w.spend(6), Ok(()));
        assert_eq!(w.spend(6), Err(OutOfWork));
        assert!(w.exhausted());
        assert_eq!(w.spend(0), Err(OutOfWork));
    }
}
