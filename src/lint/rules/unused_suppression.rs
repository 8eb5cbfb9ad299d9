use std::sync::Arc;

use crate::declare_rule;
use crate::lint::Finding;
use crate::source::{SourceFile, Span};

declare_rule! {
    /// ## What it finds
    /// An entry of `ignore` under `[[rules.per_path]]` in `mintlint.toml` that suppressed no finding in this
    /// run, although its `paths` matched at least one checked file. Entries whose paths matched no checked
    /// file are not judged (a pre-commit run checks only a few files).
    ///
    /// ## Why it matters
    /// Per-path ignores let a team adopt a rule gradually. Once the files are fixed the ignore is dead, and a
    /// dead ignore silently hides the next regression in those files. Reporting it keeps suppressions from
    /// rotting.
    ///
    /// ## Example
    /// ```toml
    /// [[rules.per_path]]
    /// paths = ["legacy/**"]
    /// ignore = ["MINT103"]   # legacy/ caps every lifetime now: this ignore is reported
    /// ```
    ///
    /// ## Fix
    /// Delete the rule from `ignore` (and the entry, when its list is empty).
    pub static UNUSED_SUPPRESSION = "MINT009", "unused-suppression", Info, "a per-path ignore in mintlint.toml that no longer suppresses any finding";
}

fn words(rule: &str) -> (String, &'static str, &'static str) {
    (
        format!("`{rule}` is ignored here but no longer reported in the matching files"),
        "suppresses nothing",
        "delete it from `ignore`, so the next regression in these files is reported",
    )
}

pub fn finding(config: &Arc<SourceFile>, span: Span, rule: &str) -> Finding {
    let (message, label, help) = words(rule);
    Finding::new(&UNUSED_SUPPRESSION, config, span, message).label(label).help(help)
}
