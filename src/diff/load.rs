//! Reading the two sides of a comparison from disk: two policy files are one principal; two directories are
//! matched file by file (by path relative to each directory), each file the identity policy of one
//! principal. Terraform plans and account snapshots arrive as an inventory built elsewhere; they plug in by
//! producing a [`DiffInput`] with ARN- or name-keyed principals.

use std::path::Path;

use crate::eval::PolicySet;
use crate::input::{InventoryError, load_inventory_within, load_policy_file, read_json};
use crate::lint::Finding;
use crate::policy::PolicyKind;
use crate::request::witness::PolicySource;
use crate::source::discover::{FileFilter, discover};
use crate::source::json::Limits;
use crate::source::{InputKind, display_path};

use super::{DiffInput, DiffPrincipal, PrincipalFacts, PrincipalKey};

/// Why a side could not be read: a usage problem, or the findings of files that are not valid policies.
#[derive(Debug)]
pub enum LoadError {
    Usage(String),
    Invalid(Vec<Finding>),
}

/// Read both sides. A directory compared with an inventory file (a plan, state, snapshot or `.tf` file) is
/// read as the inventory of everything in it: `diff plan.json tree/` compares a plan with its own source.
pub fn load_pair(baseline: &Path, current: &Path, limits: &Limits) -> Result<(DiffInput, DiffInput), LoadError> {
    let (b, c) = sides(baseline, current, limits)?;
    both(load_side_as(baseline, b, limits), load_side_as(current, c, limits))
}

/// How each side is read: `true` for a directory read as one inventory (it faces an inventory file).
pub fn sides(baseline: &Path, current: &Path, limits: &Limits) -> Result<(bool, bool), LoadError> {
    let (b, c) = (is_dir(baseline)?, is_dir(current)?);
    if b == c {
        return Ok((false, false));
    }
    let file = if b { current } else { baseline };
    if !is_inventory_file(file, limits) {
        return Err(mismatch(baseline, current));
    }
    Ok((b, c))
}

/// Read one side, a directory as one inventory when `as_inventory`.
pub fn load_side_as(path: &Path, as_inventory: bool, limits: &Limits) -> Result<DiffInput, LoadError> {
    if as_inventory { inventory_side(&[path.to_path_buf()], limits) } else { load_side(path, limits) }
}

/// Whether a file is an inventory: Terraform source, a plan or state, or an account snapshot.
fn is_inventory_file(path: &Path, limits: &Limits) -> bool {
    crate::input::tfsource::is_terraform_source(path)
        || read_json(path, &limits.any_document()).is_ok_and(|(_, json)| {
            matches!(InputKind::classify(&json), InputKind::TerraformJson | InputKind::AccountSnapshot)
        })
}

/// Whether a side is a directory (a usage error when it does not exist).
pub fn is_dir(path: &Path) -> Result<bool, LoadError> {
    std::fs::metadata(path)
        .map(|m| m.is_dir())
        .map_err(|_| LoadError::Usage(format!("no such file or directory: `{}`", display_path(path))))
}

/// A file compared with a directory.
pub fn mismatch(baseline: &Path, current: &Path) -> LoadError {
    LoadError::Usage(format!(
        "cannot compare a file with a directory: `{}` and `{}` must both be policy files or both directories \
         (a directory is compared with a Terraform plan, state, `.tf` file or account snapshot as the inventory it holds)",
        display_path(baseline),
        display_path(current)
    ))
}

/// Read one side: a policy file is one principal (matched with the other side's single file), a directory
/// one principal per policy file.
pub fn load_side(path: &Path, limits: &Limits) -> Result<DiffInput, LoadError> {
    if is_dir(path)? {
        return directory(path, limits);
    }
    if crate::input::tfsource::is_terraform_source(path) {
        return inventory_side(&[path.to_path_buf()], limits);
    }
    if let Ok((_, json)) = read_json(path, &limits.any_document())
        && matches!(InputKind::classify(&json), InputKind::TerraformJson | InputKind::AccountSnapshot)
    {
        return inventory_side(&[path.to_path_buf()], limits);
    }
    Ok(DiffInput { principals: vec![file_principal(path, PrincipalKey::Files, limits)?] })
}

/// The principals of Terraform JSON or account snapshots, each keyed by its ARN when known, then by kind and
/// name (a role the plan creates has no ARN yet), then by its resource address.
fn inventory_side(paths: &[std::path::PathBuf], limits: &Limits) -> Result<DiffInput, LoadError> {
    inventory_and_files(paths, &[], limits).map(|(side, _)| side)
}

/// As [`inventory_side`], with the files its documents were read from (canonical): the JSON and template files
/// a `.tf` tree reads with `file()` and `templatefile()` are parts of the tree, not principals of their own.
/// `inputs`: the directory these paths were found under (empty: the paths themselves), whose root confines
/// the `.tf` trees.
fn inventory_and_files(
    paths: &[std::path::PathBuf],
    inputs: &[std::path::PathBuf],
    limits: &Limits,
) -> Result<(DiffInput, std::collections::HashSet<std::path::PathBuf>), LoadError> {
    let inventory = load_inventory_within(paths, inputs, limits).map_err(|e| match e {
        InventoryError::Unreadable(findings) => LoadError::Invalid(findings),
        InventoryError::Missing(path) => {
            LoadError::Usage(format!("no such file or directory: `{}`", display_path(&path)))
        }
        InventoryError::NotAnInventory(path, _) => {
            LoadError::Usage(format!("`{}` is not a Terraform plan or an account snapshot", display_path(&path)))
        }
    })?;
    let mut principals = Vec::new();
    let mut findings = Vec::new();
    for (index, p) in inventory.principals.iter().enumerate() {
        let policies = match inventory.policies_for(index) {
            Ok(policies) => policies,
            Err(f) => {
                findings.extend(f);
                continue;
            }
        };
        let mut keys = Vec::new();
        if let Some(arn) = &p.arn {
            keys.push(PrincipalKey::Arn(arn.clone()));
        }
        if let Some(name) = &p.name {
            keys.push(PrincipalKey::Name { kind: p.kind.as_str().to_owned(), name: name.clone() });
        }
        keys.push(PrincipalKey::Address(p.origin.entry.clone()));
        principals.push(DiffPrincipal {
            keys,
            // The file is left out: the same principal is read from two files, one per side.
            display: format!(
                "{} {} ({})",
                p.kind.as_str(),
                p.name.as_deref().unwrap_or("(name unknown until apply)"),
                p.origin.entry
            ),
            policies: policies.set,
            facts: PrincipalFacts { arn: Some(policies.arn), tags: Some(policies.tags), context: policies.context },
            source: source_of(p, &inventory, inputs_or(paths, inputs)),
        });
    }
    let read: std::collections::HashSet<std::path::PathBuf> = inventory
        .documents
        .iter()
        .filter(|d| !d.source.path.as_os_str().is_empty())
        .filter_map(|d| std::fs::canonicalize(&d.source.path).ok())
        .collect();
    if findings.is_empty() { Ok((DiffInput { principals }, read)) } else { Err(LoadError::Invalid(findings)) }
}

fn inputs_or<'a>(paths: &'a [std::path::PathBuf], inputs: &'a [std::path::PathBuf]) -> &'a [std::path::PathBuf] {
    if inputs.is_empty() { paths } else { inputs }
}

/// How a `simulate` command line names a principal: one of `.tf` source by its Terraform address (when no other
/// principal of the inputs has it), others by their ARN.
fn source_of(
    p: &crate::inventory::Principal,
    inventory: &crate::inventory::Inventory,
    inputs: &[std::path::PathBuf],
) -> PolicySource {
    let tf = p.origin.file.ends_with(".tf");
    let unique = || inventory.principals.iter().filter(|q| q.origin.entry == p.origin.entry).count() == 1;
    if tf && unique() {
        PolicySource::Tree { inputs: inputs.to_vec(), address: p.origin.entry.clone() }
    } else {
        PolicySource::Inventory(inputs.to_vec())
    }
}

/// Both results, or every finding of both.
fn both<A, B>(a: Result<A, LoadError>, b: Result<B, LoadError>) -> Result<(A, B), LoadError> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(LoadError::Invalid(mut f)), Err(LoadError::Invalid(g))) => {
            f.extend(g);
            Err(LoadError::Invalid(f))
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

fn file_principal(path: &Path, key: PrincipalKey, limits: &Limits) -> Result<DiffPrincipal, LoadError> {
    let policies = load_policy_file(path, PolicyKind::Identity, limits).map_err(LoadError::Invalid)?;
    Ok(DiffPrincipal {
        keys: vec![key],
        display: display_path(path),
        policies: PolicySet { identity: policies, ..PolicySet::default() },
        facts: PrincipalFacts::default(),
        source: PolicySource::Files,
    })
}

/// Every policy file under a directory, one principal each, keyed by its relative path, then the principals
/// of the inventories in it (plans, snapshots, `.tf` trees; a file a `.tf` tree reads is part of that tree).
/// Cases files are not principals and are skipped.
fn directory(dir: &Path, limits: &Limits) -> Result<DiffInput, LoadError> {
    let found = discover(&[dir.to_path_buf()], &FileFilter::default())
        .map_err(|m| LoadError::Usage(format!("no such file or directory: `{}`", display_path(&m.0))))?;
    if let Some((path, reason)) = found.unwalkable.first() {
        return Err(LoadError::Usage(format!("cannot read `{}`: {reason}", display_path(path))));
    }
    let mut principals = Vec::new();
    let mut findings = Vec::new();
    let mut inventories = Vec::new();
    let mut policies = Vec::new();
    for path in &found.files {
        if crate::input::tfsource::is_terraform_source(path) {
            inventories.push(path.clone());
            continue;
        }
        match read_json(path, &limits.any_document()) {
            Ok((_, json)) => match InputKind::classify(&json) {
                InputKind::Policy | InputKind::CliOutput => policies.push(path),
                // Cases files, and JSON that is no policy (`package.json` beside the policies).
                InputKind::Cases | InputKind::NotPolicy => {}
                InputKind::TerraformJson | InputKind::AccountSnapshot => inventories.push(path.clone()),
            },
            Err(f) => findings.push(*f),
        }
    }
    let mut read_by_inventories = std::collections::HashSet::new();
    let mut inventory_principals = Vec::new();
    if !inventories.is_empty() {
        match inventory_and_files(&inventories, &[dir.to_path_buf()], limits) {
            Ok((mut side, read)) => {
                // A tree of `.tf` source is reproduced as the directory (`simulate tree/ --principal ...`), not as
                // the list of its files (a directory with a plan in it would be read from the plan).
                if inventories.iter().all(|p| crate::input::tfsource::is_terraform_source(p)) {
                    for p in &mut side.principals {
                        match &mut p.source {
                            PolicySource::Inventory(inputs) | PolicySource::Tree { inputs, .. } => {
                                *inputs = vec![dir.to_path_buf()];
                            }
                            PolicySource::Files => {}
                        }
                    }
                }
                inventory_principals = side.principals;
                read_by_inventories = read;
            }
            Err(LoadError::Invalid(f)) => findings.extend(f),
            Err(e) => return Err(e),
        }
    }
    for path in policies {
        if std::fs::canonicalize(path).is_ok_and(|c| read_by_inventories.contains(&c)) {
            continue;
        }
        let relative = path.strip_prefix(dir).map_or_else(|_| path.clone(), Path::to_path_buf);
        match file_principal(path, PrincipalKey::Path(display_path(&relative)), limits) {
            Ok(mut p) => {
                p.display = display_path(&relative);
                principals.push(p);
            }
            Err(LoadError::Invalid(f)) => findings.extend(f),
            Err(e) => return Err(e),
        }
    }
    principals.extend(inventory_principals);
    if findings.is_empty() { Ok(DiffInput { principals }) } else { Err(LoadError::Invalid(findings)) }
}
