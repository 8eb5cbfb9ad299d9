//! What a simulation decides against, from what a front end was given: policy files for one principal
//! (`--policy`, `--boundary`, `--scp [LEVEL:]FILE`, `--rcp`, `--session-policy`), an inventory to pick
//! principals from (Terraform, account snapshots), and the requests to decide, each resolved to its
//! principal's policy set. `simulate` and `graph` read their policy flags through [`PolicyFiles`]; a second
//! front end (an editor, a GitHub Action, `replay`) needs nothing from `cli/`.

use std::path::{Path, PathBuf};

use crate::eval::PolicySet;
use crate::input::{InventoryError, load_inventory, load_policy_file};
use crate::inventory::{Inventory, PrincipalPolicies};
use crate::lint::Finding;
use crate::policy::PolicyKind;
use crate::request::{Defaults, Request, RequestError, RequestSpec};
use crate::source::display_path;
use crate::source::json::Limits;

/// The deepest SCP level: the root is level 0, AWS Organizations nests OUs at most five levels deep under
/// it when SCPs are enabled (`CreateOrganizationalUnit`: "For service control policies, the limit is five"),
/// and the account is the level below its OU: at most seven levels, 0-6.
pub const MAX_SCP_LEVEL: usize = 6;

/// One `--scp [LEVEL:]FILE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScpFile {
    /// `None`: the level after the previous file's.
    pub level: Option<usize>,
    pub path: PathBuf,
}

impl ScpFile {
    /// `LEVEL:FILE` or `FILE`. A prefix of digits before the first `:` is a level, which must be 0-6; any
    /// other text is the path.
    pub fn parse(spec: &str) -> Result<ScpFile, String> {
        match spec.split_once(':') {
            Some((level, path)) if !level.is_empty() && level.bytes().all(|b| b.is_ascii_digit()) => {
                let level = level.parse::<usize>().ok().filter(|l| *l <= MAX_SCP_LEVEL).ok_or_else(|| {
                    format!(
                        "--scp `{spec}`: level {level} is not an organization level; levels are 0 (the root) to \
                             {MAX_SCP_LEVEL} (root, at most five OU levels, then the account)"
                    )
                })?;
                if path.is_empty() {
                    return Err(format!("--scp `{spec}`: no file after the level"));
                }
                Ok(ScpFile { level: Some(level), path: PathBuf::from(path) })
            }
            _ if spec.is_empty() => Err("--scp: no file given".to_owned()),
            _ => Ok(ScpFile { level: None, path: PathBuf::from(spec) }),
        }
    }
}

/// Why inputs cannot be used: a usage problem (a missing file, a bad flag value), or files that are not
/// valid policies (their findings).
#[derive(Debug)]
pub enum InputError {
    Usage(String),
    Invalid(Vec<Finding>),
}

/// The policy files that describe one principal.
#[derive(Clone, Debug, Default)]
pub struct PolicyFiles {
    pub identity: Vec<PathBuf>,
    pub boundary: Option<PathBuf>,
    pub scps: Vec<ScpFile>,
    pub rcps: Vec<PathBuf>,
    pub session: Vec<PathBuf>,
    /// Policies of the VPC endpoint the call goes through.
    pub endpoint: Vec<PathBuf>,
    /// The principal is in the management account: SCPs and RCPs do not apply.
    pub management_account: bool,
}

impl PolicyFiles {
    pub fn is_empty(&self) -> bool {
        self.identity.is_empty()
            && self.boundary.is_none()
            && self.scps.is_empty()
            && self.rcps.is_empty()
            && self.session.is_empty()
            && self.endpoint.is_empty()
    }

    /// Read every file into one policy set. A file that cannot be read is a usage error naming its flag;
    /// files that are not valid policies are returned as their findings, all of them.
    pub fn load(&self, limits: &Limits) -> Result<PolicySet, InputError> {
        let mut set = PolicySet { management_account: self.management_account, ..PolicySet::default() };
        let mut findings = Vec::new();
        let mut missing = Vec::new();
        let take =
            |path: &Path, kind: PolicyKind, flag: &str, missing: &mut Vec<String>, findings: &mut Vec<Finding>| {
                if let Err(e) = std::fs::metadata(path) {
                    missing.push(format!("{flag} `{}`: {}", display_path(path), io_reason(&e)));
                    return Vec::new();
                }
                load_policy_file(path, kind, limits).unwrap_or_else(|f| {
                    findings.extend(f);
                    Vec::new()
                })
            };
        let mut levels = Vec::new();
        for p in &self.identity {
            set.identity.extend(take(p, PolicyKind::Identity, "--policy", &mut missing, &mut findings));
        }
        if let Some(b) = &self.boundary {
            set.boundary = take(b, PolicyKind::Boundary, "--boundary", &mut missing, &mut findings).into_iter().next();
        }
        for p in &self.session {
            set.session.extend(take(p, PolicyKind::Session, "--session-policy", &mut missing, &mut findings));
        }
        for p in &self.endpoint {
            set.endpoint.extend(take(p, PolicyKind::Resource, "--endpoint-policy", &mut missing, &mut findings));
        }
        for p in &self.rcps {
            set.rcps.extend(take(p, PolicyKind::Rcp, "--rcp", &mut missing, &mut findings));
        }
        let mut next_level = 0;
        for scp in &self.scps {
            let level = scp.level.unwrap_or(next_level);
            if level > MAX_SCP_LEVEL {
                levels.push(format!(
                    "--scp `{}`: a file without a level takes the next one, and level {level} is beyond the \
                     account (level {MAX_SCP_LEVEL} at most); give levels explicitly as LEVEL:FILE",
                    display_path(&scp.path)
                ));
                continue;
            }
            next_level = next_level.max(level + 1);
            let loaded = take(&scp.path, PolicyKind::Scp, "--scp", &mut missing, &mut findings);
            // INVARIANT: level ≤ MAX_SCP_LEVEL, so this allocates at most seven levels.
            if set.scp_levels.len() <= level {
                set.scp_levels.resize_with(level + 1, Vec::new);
            }
            if let Some(l) = set.scp_levels.get_mut(level) {
                l.extend(loaded);
            }
        }
        missing.extend(levels);
        if !missing.is_empty() {
            return Err(InputError::Usage(missing.join("\nerror: ")));
        }
        if findings.is_empty() { Ok(set) } else { Err(InputError::Invalid(findings)) }
    }
}

/// The resource's policy of a generic request (`--resource-policy`): one resource-based policy document, or
/// for `sts:AssumeRole` the role's trust policy (which has no `Resource` element).
pub fn resource_policy(
    path: &Path,
    action: Option<&str>,
    limits: &Limits,
) -> Result<crate::eval::LoadedPolicy, InputError> {
    if let Err(e) = std::fs::metadata(path) {
        return Err(InputError::Usage(format!("--resource-policy `{}`: {}", display_path(path), io_reason(&e))));
    }
    let assumes_role = action.is_some_and(|a| a.to_ascii_lowercase().starts_with("sts:assumerole"));
    let kind = if assumes_role { PolicyKind::Trust } else { PolicyKind::Resource };
    let mut loaded = load_policy_file(path, kind, limits).map_err(InputError::Invalid)?;
    match (loaded.len(), loaded.pop()) {
        (1, Some(p)) => Ok(p),
        _ => Err(InputError::Usage(format!("--resource-policy `{}`: give one policy document", display_path(path)))),
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        _ => e.to_string(),
    }
}

/// Read the inventory of Terraform JSON, Terraform source and account snapshots under `paths`.
pub fn inventory(paths: &[PathBuf], limits: &Limits) -> Result<Inventory, InputError> {
    load_inventory(paths, limits).map_err(|error| match error {
        InventoryError::Missing(path) => {
            InputError::Usage(format!("no such file or directory: `{}`", display_path(&path)))
        }
        InventoryError::NotAnInventory(path, kind) => {
            let what = match kind {
                crate::source::InputKind::Cases => "a cases file (give it with --cases)",
                _ => "a policy document (give it with --policy, --boundary, --scp, --rcp, --session-policy or --endpoint-policy)",
            };
            InputError::Usage(format!(
                "`{}` is {what}, not Terraform JSON, Terraform source or an account snapshot",
                display_path(&path)
            ))
        }
        InventoryError::Unreadable(findings) => InputError::Invalid(findings),
    })
}

/// A principal of the inventory, with everything that applies to it.
#[derive(Clone, Debug)]
pub struct InventoryPrincipal {
    pub index: usize,
    /// How the output names it (`role payments (aws_iam_role.mint in plan.json)`).
    pub describe: String,
    pub policies: PrincipalPolicies,
}

/// Why a request names no principal that can be simulated.
#[derive(Debug)]
pub enum PrincipalError {
    /// Not found, ambiguous, or not named: a usage error.
    Lookup(String),
    /// One of its policies is not a valid policy.
    Invalid(Vec<Finding>),
}

/// Look a principal up by ARN, name or Terraform address, with the policies that apply to it.
pub fn principal(inventory: &Inventory, query: &str) -> Result<InventoryPrincipal, PrincipalError> {
    let index = inventory.find_principal(query).map_err(|e| PrincipalError::Lookup(e.message()))?;
    let policies = inventory.policies_for(index).map_err(PrincipalError::Invalid)?;
    let describe = inventory.principals.get(index).map(crate::inventory::Principal::describe).unwrap_or_default();
    Ok(InventoryPrincipal { index, describe, policies })
}

/// Every principal the inventory defines, sorted, for a message.
pub fn principal_list(inventory: &Inventory) -> String {
    let mut names: Vec<String> = inventory.principals.iter().map(crate::inventory::Principal::describe).collect();
    names.sort();
    if names.is_empty() { "no IAM role or user".to_owned() } else { names.join(", ") }
}

impl InventoryPrincipal {
    /// Why the decision for the simulated action (token minting when `None`) may differ from AWS's: parts of
    /// the principal's policies that are not evaluated and may concern it.
    pub fn incomplete(&self, action: Option<&str>) -> Vec<String> {
        let actions = match action {
            Some(a) => vec![a],
            None => vec![crate::token::MINT_ACTION, crate::token::TAG_ACTION],
        };
        let mut out: Vec<String> = Vec::new();
        for a in actions {
            for reason in self.policies.incomplete_for(a) {
                if !out.iter().any(|r| r == reason) {
                    out.push(reason.to_owned());
                }
            }
        }
        out
    }

    /// The principal's policy set with the policy files added (a boundary file replaces its boundary; SCP
    /// files join the principal's SCPs at their level).
    pub fn policy_set(&self, files: &PolicySet) -> PolicySet {
        let mut set = self.policies.set.clone();
        set.identity.extend(files.identity.iter().cloned());
        if files.boundary.is_some() {
            set.boundary.clone_from(&files.boundary);
        }
        set.session.extend(files.session.iter().cloned());
        set.endpoint.extend(files.endpoint.iter().cloned());
        for (level, scps) in files.scp_levels.iter().enumerate() {
            if set.scp_levels.len() <= level {
                set.scp_levels.resize_with(level + 1, Vec::new);
            }
            if let Some(l) = set.scp_levels.get_mut(level) {
                l.extend(scps.iter().cloned());
            }
        }
        set.rcps.extend(files.rcps.iter().cloned());
        set.management_account |= files.management_account;
        set
    }

    /// The request as this principal sends it: its ARN, its tags (the request's principal tags add to or
    /// override them) and the keys its organization placement gives (the request's context wins).
    pub fn apply(&self, request: &mut Request) {
        request.principal_arn = Some(self.policies.arn.clone());
        let mut tags = self.policies.tags.clone();
        for (k, v) in std::mem::take(&mut request.principal_tags) {
            tags.retain(|(existing, _)| !existing.eq_ignore_ascii_case(&k));
            tags.push((k, v));
        }
        request.principal_tags = tags;
        let own = std::mem::take(&mut request.context);
        let mut context: Vec<_> = self
            .policies
            .context
            .iter()
            .filter(|(k, _)| !own.iter().any(|(o, _)| o.eq_ignore_ascii_case(k)))
            .cloned()
            .collect();
        context.extend(own);
        request.context = context;
    }
}

/// Everything the requests of one run are decided against: the policy files, and an inventory whose
/// principals requests name. Principals are resolved once and kept, so thousands of cases naming a few
/// principals prepare a few policy sets.
#[derive(Debug)]
pub struct Scenario {
    pub inventory: Option<Inventory>,
    /// The policy files' set: the principal's whole set without an inventory, additions with one.
    pub files: PolicySet,
    /// Principals resolved so far, each with its policy set (files added).
    pub principals: Vec<(InventoryPrincipal, PolicySet)>,
    /// Queries already looked up, and the principal each resolved to.
    queries: std::collections::HashMap<String, usize>,
}

/// Why a request cannot be decided.
#[derive(Debug)]
pub enum ResolveError {
    /// The request cannot be built (each error names its field).
    Request(Vec<RequestError>),
    /// The principal it names cannot be found.
    Lookup(String),
    /// A policy of its principal is not valid.
    Invalid(Vec<Finding>),
}

/// A request ready to decide: the request, and which policy set decides it (`None`: the files' set).
#[derive(Clone, Debug)]
pub struct Resolved {
    pub request: Request,
    pub principal: Option<usize>,
}

impl Scenario {
    /// Load the policy files and the inventory (its `.tf` principals placed in the accounts the configuration
    /// assigns). Without an inventory, the files must give identity
    /// policies, unless the principal is the account root user (which has full access without them,
    /// reference §4.2).
    pub fn load(
        inventory_paths: &[PathBuf],
        files: &PolicyFiles,
        principal: Option<&str>,
        config: Option<&crate::config::Config>,
        limits: &Limits,
    ) -> Result<Scenario, InputError> {
        let set = files.load(limits)?;
        let inventory = if inventory_paths.is_empty() {
            None
        } else {
            let mut inventory = inventory(inventory_paths, limits)?;
            // A `.tf` tree's principals live in the account `[accounts]` assigns it (DESIGN §9.7).
            crate::relying::inputs::place_accounts(&mut inventory, config);
            Some(inventory)
        };
        let root = principal.is_some_and(|p| p.starts_with("arn:") && p.ends_with(":root"));
        if inventory.is_none() && set.identity.is_empty() && !root {
            return Err(InputError::Usage(
                "no identity policy: give the principal's policies with --policy FILE, or Terraform JSON, Terraform \
                 source or an account snapshot as PATH with --principal"
                    .into(),
            ));
        }
        Ok(Scenario { inventory, files: set, principals: Vec::new(), queries: std::collections::HashMap::new() })
    }

    /// Build the request and find the policy set that decides it: with an inventory, its principal's
    /// (named by the request's `principal`); otherwise the files'.
    pub fn resolve(&mut self, spec: &RequestSpec, defaults: &Defaults) -> Result<Resolved, ResolveError> {
        let mut request = spec.build(defaults).map_err(ResolveError::Request)?;
        let principal = self.lookup(spec.principal.as_deref())?;
        if let Some((p, _)) = principal.and_then(|at| self.principals.get(at)) {
            p.apply(&mut request);
        }
        Ok(Resolved { request, principal })
    }

    /// The principal a request names, looked up in the inventory (once per query): `None` without an
    /// inventory (the files' set decides). The principal's facts are then given to the request with
    /// [`InventoryPrincipal::apply`].
    pub fn lookup(&mut self, query: Option<&str>) -> Result<Option<usize>, ResolveError> {
        let Some(inventory) = &self.inventory else { return Ok(None) };
        let Some(query) = query else {
            return Err(ResolveError::Lookup(format!(
                "no principal named: give --principal ARN|NAME (or a case's `principal`); the inputs define {}",
                principal_list(inventory)
            )));
        };
        // A name and an ARN may name the same principal: one set each, looked up once per query.
        if let Some(at) = self.queries.get(query) {
            return Ok(Some(*at));
        }
        let p = principal(inventory, query).map_err(|e| match e {
            PrincipalError::Lookup(m) => ResolveError::Lookup(m),
            PrincipalError::Invalid(f) => ResolveError::Invalid(f),
        })?;
        let at = match self.principals.iter().position(|(known, _)| known.index == p.index) {
            Some(at) => at,
            None => {
                let set = p.policy_set(&self.files);
                self.principals.push((p, set));
                self.principals.len() - 1
            }
        };
        self.queries.insert(query.to_owned(), at);
        Ok(Some(at))
    }

    /// The policy set that decides a resolved request.
    pub fn set(&self, principal: Option<usize>) -> &PolicySet {
        principal.and_then(|i| self.principals.get(i)).map_or(&self.files, |(_, set)| set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scp_levels_are_bounded() {
        assert_eq!(ScpFile::parse("2:org/ou.json"), Ok(ScpFile { level: Some(2), path: "org/ou.json".into() }));
        assert_eq!(ScpFile::parse("org/x.json"), Ok(ScpFile { level: None, path: "org/x.json".into() }));
        assert_eq!(ScpFile::parse("dir:x.json"), Ok(ScpFile { level: None, path: "dir:x.json".into() }));
        for bad in ["4294967295:f.json", "7:f.json", "99999999999999999999999:f.json", "3:", ""] {
            assert!(ScpFile::parse(bad).is_err(), "{bad}");
        }
        assert!(ScpFile::parse("6:f.json").is_ok());
    }

    #[test]
    fn a_missing_policy_file_names_its_flag() {
        let files = PolicyFiles { identity: vec!["no/such/file.json".into()], ..PolicyFiles::default() };
        match files.load(&Limits::default()) {
            Err(InputError::Usage(m)) => {
                assert!(m.starts_with("--policy `no/such/file.json`: no such file"), "{m}");
                assert!(!m.contains("--exclude"), "{m}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unlevelled_scp_files_stop_at_the_account() {
        let files = PolicyFiles {
            scps: (0..8)
                .map(|_| ScpFile { level: None, path: "fixtures/demo/org-token-guardrails-scp.json".into() })
                .collect(),
            ..PolicyFiles::default()
        };
        match files.load(&Limits::default()) {
            Err(InputError::Usage(m)) => assert!(m.contains("level 7 is beyond the account"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
