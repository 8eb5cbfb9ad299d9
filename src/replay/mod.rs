//! `mintlint replay` (DESIGN §9.5): what a proposed policy change would do to the tokens really issued, as
//! CloudTrail recorded them. [`events`] reads the records.

pub mod events;
