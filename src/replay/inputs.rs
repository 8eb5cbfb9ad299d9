//! The policies an event is replayed against: one version (the current inputs, or the baseline), with its
//! principals indexed by their exact ARN (DESIGN §9.5: never by name alone, since another account can have
//! a role of the same name).

use std::collections::HashMap;

use crate::eval::{ContextValue, PolicySet};
use crate::inventory::Inventory;
use crate::lint::Finding;

/// One principal of a version, with everything that applies to it.
#[derive(Clone, Debug)]
pub struct Target {
    /// Its ARN; `None` for the policy files of `--policy`, which stand for every recorded principal.
    pub arn: Option<String>,
    /// How the inputs name it (`aws_iam_role.payments_api (payments-api)`).
    pub describe: String,
    pub set: PolicySet,
    /// Its IAM tags; `None` when the inputs do not say (policy files): `aws:PrincipalTag/*` then vary.
    pub tags: Option<Vec<(String, String)>>,
    /// Keys its placement gives (`aws:PrincipalOrgID`).
    pub context: Vec<(String, ContextValue)>,
    /// What the inputs could not tell about it.
    pub notes: Vec<String>,
}

/// The principals of one version of the policies.
#[derive(Clone, Debug, Default)]
pub struct Version {
    pub targets: Vec<Target>,
    by_arn: HashMap<String, usize>,
    /// ARNs synthesized with the placeholder account, for the skip reason.
    placeholder: Vec<String>,
}

/// How a recorded principal was found in a version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The target at this index.
    Found(usize),
    /// The version does not have the principal.
    Missing,
}

impl Version {
    /// Every principal of an inventory. A principal whose policies are not valid policies makes the whole
    /// version unusable: replaying against half of a principal's policies would answer something else.
    pub fn from_inventory(inventory: &Inventory) -> Result<Version, Vec<Finding>> {
        let mut version = Version::default();
        let mut findings = Vec::new();
        for (index, principal) in inventory.principals.iter().enumerate() {
            match inventory.policies_for(index) {
                Ok(p) => {
                    if p.arn_synthesized && crate::inventory::arn_account(&p.arn) == Some("000000000000") {
                        version.placeholder.push(p.arn.clone());
                    }
                    let target = Target {
                        arn: Some(p.arn.clone()),
                        describe: principal.describe(),
                        set: p.set,
                        tags: Some(p.tags),
                        context: p.context,
                        notes: p.notes,
                    };
                    // Two entries for one ARN (a plan and a snapshot of the same account): the first wins, as
                    // in `simulate --principal`.
                    version.by_arn.entry(p.arn).or_insert(version.targets.len());
                    version.targets.push(target);
                }
                Err(f) => findings.extend(f),
            }
        }
        if findings.is_empty() { Ok(version) } else { Err(findings) }
    }

    /// Policy files that apply to whichever principal made the call (`--policy`): its tags are unknown.
    pub fn from_policies(set: PolicySet, describe: String) -> Version {
        Version {
            targets: vec![Target {
                arn: None,
                describe,
                set,
                tags: None,
                context: Vec::new(),
                notes: vec!["the principal's tags are not known from policy files".to_owned()],
            }],
            by_arn: HashMap::new(),
            placeholder: Vec::new(),
        }
    }

    /// Principals given directly, each under its ARN (the first of an ARN wins).
    pub fn from_targets(targets: Vec<Target>) -> Version {
        let mut by_arn = HashMap::new();
        for (i, t) in targets.iter().enumerate() {
            if let Some(arn) = &t.arn {
                by_arn.entry(arn.clone()).or_insert(i);
            }
        }
        Version { targets, by_arn, placeholder: Vec::new() }
    }

    /// The target of a recorded principal: exactly its ARN, or the policy files that stand for any.
    pub fn lookup(&self, arn: &str) -> Lookup {
        if let Some(&i) = self.by_arn.get(arn) {
            return Lookup::Found(i);
        }
        match self.targets.as_slice() {
            [only] if only.arn.is_none() => Lookup::Found(0),
            _ => Lookup::Missing,
        }
    }

    /// Why a principal is missing, beyond "not in the inputs": the inputs hold the same name in the
    /// placeholder account (a `.tf` tree with no `[accounts]`).
    pub fn missing_hint(&self, arn: &str) -> Option<String> {
        let (_, resource) = arn.rsplit_once(':')?;
        let same = self.placeholder.iter().find(|p| p.rsplit_once(':').is_some_and(|(_, r)| r == resource))?;
        Some(format!(
            "the inputs have `{same}`, whose account is unknown: name the account of the `.tf` tree in mintlint.toml \
             (`[accounts.\"ACCOUNT\"] terraform = [...]`)"
        ))
    }
}

/// The VPC of each interface endpoint: `aws_vpc_endpoint` resources of the inputs (the first input that
/// names an endpoint wins), then `[network.endpoints]` of the configuration over them.
pub fn endpoint_vpcs(
    from_inputs: Vec<(String, String)>,
    config: Option<&crate::config::Config>,
) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    for (vpce, vpc) in from_inputs {
        out.entry(vpce).or_insert(vpc);
    }
    if let Some(c) = config {
        out.extend(c.endpoints.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::endpoint_vpcs;
    use crate::source::SourceFile;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    #[test]
    fn the_first_input_naming_an_endpoint_wins() {
        let out = endpoint_vpcs(pairs(&[("vpce-1", "vpc-a"), ("vpce-1", "vpc-b"), ("vpce-2", "vpc-c")]), None);
        assert_eq!(out.get("vpce-1").map(String::as_str), Some("vpc-a"));
        assert_eq!(out.get("vpce-2").map(String::as_str), Some("vpc-c"));
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn the_configuration_overrides_the_inputs() {
        let text = "[network.endpoints]\n\"vpce-0a1b2c3d4e5f60718\" = \"vpc-0f1e2d3c4b5a69788\"\n\"vpce-0123456789abcdef0\" = \"vpc-0aaaabbbbccccdddd\"\n";
        let config = crate::config::parse(Arc::new(SourceFile::new("mintlint.toml", "mintlint.toml", text)))
            .expect("a valid configuration");
        let out = endpoint_vpcs(
            pairs(&[
                ("vpce-0a1b2c3d4e5f60718", "vpc-01234567890abcdef"),
                ("vpce-0fedcba9876543210", "vpc-0cccccccccccccccc"),
            ]),
            Some(&config),
        );
        let got: Vec<(&str, &str)> = out.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            got,
            [
                ("vpce-0123456789abcdef0", "vpc-0aaaabbbbccccdddd"),
                ("vpce-0a1b2c3d4e5f60718", "vpc-0f1e2d3c4b5a69788"),
                ("vpce-0fedcba9876543210", "vpc-0cccccccccccccccc")
            ]
        );
    }
}
