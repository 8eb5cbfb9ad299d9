//! Reading Terraform JSON and account snapshots into the inventory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::inventory::Inventory;
use crate::lint::Finding;
use crate::lint::rules::invalid_json;
use crate::source::discover::{FileFilter, discover};
use crate::source::json::{Json, Limits};
use crate::source::{InputKind, SizeKind, SourceFile};

use super::{read_json, snapshot, terraform};

/// Read a Terraform JSON document or an account snapshot (already classified) into an inventory of its own.
/// Anything else yields an empty inventory.
pub fn load_inventory_file(source: &Arc<SourceFile>, value: &Json, kind: InputKind, limits: &Limits) -> Inventory {
    let mut inventory = read(source, value, kind, limits);
    inventory.finish();
    inventory
}

fn read(source: &Arc<SourceFile>, value: &Json, kind: InputKind, limits: &Limits) -> Inventory {
    match kind {
        InputKind::TerraformJson => terraform::load(source, value, limits),
        InputKind::AccountSnapshot => snapshot::load(source, value, limits),
        InputKind::Policy | InputKind::CliOutput | InputKind::Cases | InputKind::NotPolicy => Inventory::default(),
    }
}

/// Why the inputs of `simulate` could not be read into an inventory.
#[derive(Debug)]
pub enum InventoryError {
    /// A path on the command line that does not exist.
    Missing(PathBuf),
    /// A file named on the command line that is not Terraform JSON or an account snapshot.
    NotAnInventory(PathBuf, InputKind),
    /// Files that are not JSON.
    Unreadable(Vec<Finding>),
}

/// Read every Terraform JSON document and account snapshot under `paths` into one inventory. Walked
/// directories may hold other JSON (policies, cases files): those are no inventory and are passed over; a
/// file named directly must be one.
pub fn load_inventory(paths: &[PathBuf], limits: &Limits) -> Result<Inventory, InventoryError> {
    load_inventory_within(paths, &[], limits)
}

/// As [`load_inventory`] for files found under `inputs` (the paths the user gave): `.tf` trees are confined to
/// the roots of `inputs`, not of each file (a module in `../../modules` of a walked example is inside the
/// directory given). Empty `inputs`: `paths` are the inputs.
pub fn load_inventory_within(
    paths: &[PathBuf],
    inputs: &[PathBuf],
    limits: &Limits,
) -> Result<Inventory, InventoryError> {
    // `[accounts]` of the nearest mintlint.toml names the account of `.tf` trees.
    let config = paths.first().and_then(|p| crate::config::find(p)).and_then(|c| crate::config::load(&c).ok());
    let mut options = super::tfsource::TfOptions::new(*limits);
    options.config = config;
    options.inputs = inputs.to_vec();
    load_inventory_with(paths, &options)
}

/// As [`load_inventory`], with the `.tf` loader's options (configuration, `.tfvars` files). `.tfvars` files
/// among `paths` are variables for the `.tf` trees.
pub fn load_inventory_with(
    paths: &[PathBuf],
    options: &super::tfsource::TfOptions,
) -> Result<Inventory, InventoryError> {
    let limits = &options.limits;
    let (var_files, paths): (Vec<PathBuf>, Vec<PathBuf>) =
        paths.iter().cloned().partition(|p| super::tfsource::is_tfvars(p) && p.is_file());
    let paths = paths.as_slice();
    let discovered = discover(paths, &FileFilter::default()).map_err(|m| InventoryError::Missing(m.0))?;
    let mut inventory = Inventory::default();
    let mut unreadable = Vec::new();
    for (path, reason) in &discovered.unwalkable {
        unreadable.push(invalid_json::unreadable(&Arc::new(SourceFile::from_path(path, "")), reason));
    }
    let (terraform_source, files): (Vec<&PathBuf>, Vec<&PathBuf>) =
        discovered.files.iter().partition(|p| super::tfsource::is_terraform_source(p));
    let mut plan_dirs = Vec::new();
    for path in files {
        let (source, value) = match read_json(path, &limits.for_kind(SizeKind::Inventory)) {
            Ok(v) => v,
            Err(finding) => {
                unreadable.push(*finding);
                continue;
            }
        };
        let kind = InputKind::classify(&value);
        if !matches!(kind, InputKind::TerraformJson | InputKind::AccountSnapshot) {
            if paths.contains(path) {
                return Err(InventoryError::NotAnInventory(path.clone(), kind));
            }
            continue;
        }
        if kind == InputKind::TerraformJson {
            plan_dirs.push(path.parent().map(Path::to_path_buf));
        }
        let mut one = read(&source, &value, kind, &limits.for_kind(SizeKind::Policy));
        // Findings on the file itself (MINT008, a policy attribute that is no string) are `check`'s: simulate
        // reports a principal's unknown policies through its links. Findings inside embedded documents stay,
        // to explain a principal's policy that cannot be read.
        one.findings.retain(|f| !Arc::ptr_eq(&f.source, &source));
        inventory.extend(one);
    }
    // A walked directory that holds a plan holds it for its own configuration: the plan says the same more
    // exactly (values Terraform computed), and reading both would show every principal twice.
    let terraform_source: Vec<PathBuf> = terraform_source
        .into_iter()
        .filter(|p| paths.contains(p) || !plan_dirs.contains(&p.parent().map(Path::to_path_buf)))
        .cloned()
        .collect();
    if !terraform_source.is_empty() {
        let mut tf_options = options.clone();
        if tf_options.inputs.is_empty() {
            tf_options.inputs = paths.to_vec();
        }
        tf_options.var_files.extend(var_files);
        let mut one = super::tfsource::load(&terraform_source, &tf_options);
        // A `.tf` file that cannot be read is as an unreadable plan: the tree is not judged without it.
        unreadable.extend(one.findings.iter().filter(|f| super::tfsource::is_unreadable(f)).cloned());
        // As for plans: other findings on the `.tf` itself (MINT008) are `check`'s.
        one.findings.retain(|f| !super::tfsource::is_terraform_source(&f.source.path));
        inventory.extend(one);
    }
    if !unreadable.is_empty() {
        return Err(InventoryError::Unreadable(unreadable));
    }
    inventory.finish();
    Ok(inventory)
}
