//! `simulate --relying-party ID`: whether one relying party accepts the token a simulated request yields,
//! and by which of its conditions (or which one fails).

use std::path::PathBuf;

use crate::eval::Assumptions;
use crate::inventory::Inventory;
use crate::request::Request;

use super::claims::{Token, token};
use super::join::{Accounts, Principal};
use super::matching::{Resolve, Verdict, accepts};
use super::{Kind, RelyingParty};

/// The relying party's answer for the simulated token.
#[derive(Clone, Debug)]
pub struct Judgement {
    pub id: String,
    pub kind: Kind,
    pub token: Token,
    pub verdict: Verdict,
}

struct Refs<'a> {
    principals: &'a [Principal],
    accounts: &'a Accounts,
    issuer: Option<String>,
}

impl Resolve for Refs<'_> {
    fn principal_arn(&self, address: &str) -> Option<String> {
        self.principals.iter().find(|p| p.address.as_deref() == Some(address)).map(|p| p.arn.clone())
    }
    fn account_issuer(&self, _: &str) -> Option<String> {
        self.issuer.clone().or_else(|| {
            (self.accounts.issuers.len() == 1).then(|| self.accounts.issuers.values().next().cloned()).flatten()
        })
    }
}

/// Judge the token of `request` by relying party `id`, read from the inputs' Terraform and the nearest
/// `mintlint.toml`. `issuer` (the `--issuer` flag) wins over the account's configured issuer.
pub fn judge(
    id: &str,
    request: &Request,
    inventory: Option<&Inventory>,
    issuer: Option<&str>,
    paths: &[PathBuf],
    policies: &[PathBuf],
    assumptions: &Assumptions,
) -> Result<Judgement, String> {
    let config_path = paths.first().or(policies.first()).and_then(|p| crate::config::find(p));
    let config = match config_path {
        Some(p) => Some(crate::config::load(&p).map_err(|e| format!("{e}"))?),
        None => None,
    };
    let empty = Inventory::default();
    let inventory = inventory.unwrap_or(&empty);
    let rps: Vec<RelyingParty> = super::inputs::relying_parties(inventory, config.as_ref());
    let Some(rp) = rps.iter().find(|r| r.id == id) else {
        let ids: Vec<&str> = rps.iter().map(|r| r.id.as_str()).collect();
        let hint = match crate::text::nearest(id, ids.iter().copied()) {
            Some(n) => format!("; did you mean `{n}`?"),
            None if ids.is_empty() => ": the inputs and mintlint.toml configure none".to_owned(),
            None => format!(
                "; the inputs configure {}",
                ids.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
            ),
        };
        return Err(format!("--relying-party: no relying party `{id}`{hint}"));
    };
    let accounts = super::inputs::accounts(config.as_ref());
    let account_issuer = request.account().and_then(|a| accounts.issuers.get(a)).cloned();
    let issuer = issuer.map(str::to_owned).or(account_issuer);
    let (principals, _) = super::inputs::principals(inventory);
    let refs = Refs { principals: &principals, accounts: &accounts, issuer: issuer.clone() };
    let t = token(request, issuer.as_deref(), assumptions);
    let verdict = accepts(rp, &t, assumptions, &refs);
    Ok(Judgement { id: rp.id.clone(), kind: rp.kind, token: t, verdict })
}
