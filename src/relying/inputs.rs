//! What the join reads from the inputs: the principals of an inventory (with the account `[accounts]` gives
//! a `.tf` tree, DESIGN §9.7), the relying parties of its Terraform and of `mintlint.toml`, and the
//! accounts' issuers and organizations.

use std::path::PathBuf;

use crate::config::Config;
use crate::diff::PrincipalFacts;
use crate::inventory::Inventory;
use crate::lint::Finding;

use super::RelyingParty;
use super::join::{Accounts, Principal};

/// The accounts `mintlint.toml` configures.
pub fn accounts(config: Option<&Config>) -> Accounts {
    let mut out = Accounts::default();
    for a in config.map(|c| c.accounts.as_slice()).unwrap_or_default() {
        if let Some(i) = &a.issuer {
            out.issuers.insert(a.id.clone(), i.clone());
        }
        if let Some(o) = &a.org_id {
            out.orgs.insert(a.id.clone(), o.clone());
        }
    }
    out
}

/// Principals of `.tf` trees whose account the inputs do not give take the account `[accounts]` assigns
/// their files (DESIGN §9.7).
pub fn place_accounts(inventory: &mut Inventory, config: Option<&Config>) {
    let Some(config) = config else { return };
    for p in &mut inventory.principals {
        if p.arn.is_some() || p.account.is_some() || !p.origin.file.ends_with(".tf") {
            continue;
        }
        if let Some(a) = config.account_for_terraform(&[PathBuf::from(p.origin.file.as_ref())]) {
            p.account = Some(a.id.clone());
            p.account_from = Some("`[accounts]` in mintlint.toml".into());
        }
    }
}

/// Every principal of an inventory, with the policies that apply to it; principals whose policies cannot be
/// read are left out, with the findings that say why.
pub fn principals(inventory: &Inventory) -> (Vec<Principal>, Vec<Finding>) {
    let mut out = Vec::new();
    let mut findings = Vec::new();
    for (i, p) in inventory.principals.iter().enumerate() {
        match inventory.policies_for(i) {
            Ok(policies) => out.push(Principal {
                display: format!(
                    "{} {} ({})",
                    p.kind.as_str(),
                    p.name.as_deref().unwrap_or("(name unknown until apply)"),
                    p.origin.entry
                ),
                address: Some(p.origin.entry.clone()),
                arn: policies.arn.clone(),
                arn_assumed: false,
                policies: policies.set,
                facts: PrincipalFacts { arn: Some(policies.arn), tags: Some(policies.tags), context: policies.context },
            }),
            Err(f) => findings.extend(f),
        }
    }
    (out, findings)
}

/// The relying parties of the inventory's Terraform and of `[[relying_party]]`.
pub fn relying_parties(inventory: &Inventory, config: Option<&Config>) -> Vec<RelyingParty> {
    let mut out = super::terraform::relying_parties(&inventory.relying);
    out.extend(config.map(|c| c.relying_parties.clone()).unwrap_or_default());
    out
}

/// Everything the join needs from paths on the command line: the inventories under them (Terraform, account
/// snapshots), the configuration's relying parties and accounts, joined. Paths that hold no inventory give
/// no principals; a path that cannot be read is left to the command's own loading to report.
pub fn join_paths(
    paths: &[PathBuf],
    limits: &crate::source::json::Limits,
    config: Option<&Config>,
    options: &super::join::JoinOptions,
) -> super::analysis::RelyingReport {
    let mut inventory = Inventory::default();
    for path in paths {
        // One path at a time: a policy file named directly is no inventory, and must not hide the others.
        if let Ok(i) = crate::input::load_inventory(std::slice::from_ref(path), limits) {
            inventory.extend(i);
        }
    }
    place_accounts(&mut inventory, config);
    let (principals, _) = principals(&inventory);
    let rps = relying_parties(&inventory, config);
    let accounts = accounts(config);
    super::analysis::analyse(rps, principals, &accounts, options)
}
