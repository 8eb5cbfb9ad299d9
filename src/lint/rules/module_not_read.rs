use std::sync::Arc;

use crate::declare_rule;
use crate::lint::Finding;
use crate::source::{SourceFile, Span};

declare_rule! {
    /// ## What it finds
    /// A Terraform `module` block whose module mintlint does not read: a registry or remote source (`source =
    /// "terraform-aws-modules/iam/aws//modules/iam-assumable-role"`, `git::...`) that `terraform init` has not
    /// downloaded (no `.terraform/modules/modules.json` entry), a local directory that does not exist, or a
    /// module tree beyond the loader's budget (modules nested more than 32 deep, more than 5,000 instances).
    ///
    /// ## Why it matters
    /// The policies that module creates or attaches are not checked, simulated or diffed, and its outputs are
    /// unknown to the configuration that uses them. Nothing is dropped silently: this is information.
    ///
    /// ## Example
    /// ```hcl
    /// module "deploy_role" {
    ///   source  = "terraform-aws-modules/iam/aws//modules/iam-assumable-role"
    ///   version = "5.0.0"
    /// }
    /// ```
    ///
    /// ## Fix
    /// Run `terraform init` before `mintlint` (it reads `.terraform/modules/modules.json` as tflint and
    /// checkov do), or check the plan (`terraform show -json`), which holds every module's resources.
    pub static MODULE_NOT_READ = "MINT021", "module-not-read", Info, "a Terraform module that is not read: remote and not downloaded, missing, or over the loader's budget";
}

pub fn remote(source: &Arc<SourceFile>, span: Span, address: &str, module_source: &str) -> Finding {
    Finding::new(
        &MODULE_NOT_READ,
        source,
        span,
        format!("`{address}` comes from `{module_source}`, which is not downloaded: its policies are not read"),
    )
    .label("a registry or remote module")
    .help("run `terraform init` first (mintlint then reads `.terraform/modules/modules.json`), or check the plan (`terraform show -json`)")
}

pub fn missing(source: &Arc<SourceFile>, span: Span, message: &str) -> Finding {
    Finding::new(&MODULE_NOT_READ, source, span, format!("{message}: its policies are not read"))
        .label("the module's directory")
        .help("point `source` at the module's directory, or check the plan (`terraform show -json`)")
}

pub fn budget(source: &Arc<SourceFile>, span: Span, address: &str, why: &str) -> Finding {
    Finding::new(&MODULE_NOT_READ, source, span, format!("`{address}` is not read: {why}"))
        .label("beyond the loader's budget")
        .help("check the plan (`terraform show -json`) for a tree this large")
}
