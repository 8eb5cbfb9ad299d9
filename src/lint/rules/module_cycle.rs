use std::sync::Arc;

use crate::declare_rule;
use crate::lint::Finding;
use crate::source::{SourceFile, Span};

declare_rule! {
    /// ## What it finds
    /// A Terraform `module` block whose `source` leads back to a module already on its own call path: the
    /// directory itself (`source = "."`, `"./"`, `"../<own directory>"`), or a module that calls its caller
    /// (mutual recursion through any number of modules).
    ///
    /// ## Why it matters
    /// Terraform cannot load such a configuration, so it never reaches an account; but a reader that follows
    /// the call without stopping never ends, and one that drops the directory instead hides every policy in
    /// it: a single line would switch a CI gate off. mintlint reports the call and does not follow it; each
    /// module's own policies are still read, once.
    ///
    /// ## Example
    /// ```hcl
    /// module "again" {
    ///   source = "./"
    /// }
    ///
    /// resource "aws_iam_policy" "mint" {
    ///   policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:*", Resource = "*" }] })
    /// }
    /// ```
    ///
    /// ## Fix
    /// Point `source` at the module's own directory (`./modules/x`), never at a directory on the path that
    /// calls it.
    pub static MODULE_CYCLE = "MINT020", "module-cycle", Error, "a Terraform module that calls itself, directly or through others: the call is not followed";
}

pub fn finding(source: &Arc<SourceFile>, span: Span, address: &str, module_source: &str) -> Finding {
    Finding::new(
        &MODULE_CYCLE,
        source,
        span,
        format!("`{address}` calls `{module_source}`, a module already on its own call path (a module cycle)"),
    )
    .label("leads back to a module that is calling it")
    .help(
        "Terraform cannot load a module cycle; the call is not followed and the module's own policies are checked once",
    )
}
