use std::sync::Arc;

use crate::declare_rule;
use crate::lint::Finding;
use crate::source::{SourceFile, Span};

declare_rule! {
    /// ## What it finds
    /// A file that Terraform source asks mintlint to read and that it refuses: a `file()`,
    /// `templatefile()` or `fileexists()` path, a module `source`, a `.tfvars` or
    /// `.terraform/modules/modules.json` that resolves (after following links) outside the input's root (the
    /// repository holding the input, else the directory given), or that is not a regular file (a FIFO, a
    /// device such as `/dev/zero`, a directory), or that is over the 16 MiB limit for `.tf` files and the
    /// files they read. The finding names the path as written, never the file's content.
    ///
    /// ## Why it matters
    /// A pull request's configuration is untrusted input to a CI gate: `file("/proc/self/environ")` would
    /// print the CI's secrets into the log, `file("/dev/zero")` would exhaust memory, a FIFO would hang the
    /// job. The value is unknown instead, and the rules that depend on it are not checked.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_iam_policy" "x" {
    ///   policy = file("/proc/self/environ")
    /// }
    /// ```
    ///
    /// ## Fix
    /// Keep policy files inside the repository, as regular files: `file("${path.module}/policy.json")`.
    pub static READ_OUTSIDE_ROOT = "MINT022", "read-outside-root", Warning, "Terraform source reads a file outside the input's root, or a file that is not a regular file: not read";
}

/// `message` names the path as written and why it was refused.
pub fn finding(source: &Arc<SourceFile>, span: Span, message: &str) -> Finding {
    Finding::new(&READ_OUTSIDE_ROOT, source, span, message.to_owned())
        .label("not read")
        .help("keep files the configuration reads inside the repository, as regular files; the value is unknown and the rules that need it are not checked")
}
