//! `diff`: which token requests does the current version allow that the baseline did not (widened), and the
//! reverse (narrowed), per principal, exactly, each with a concrete witness request (DESIGN §2, §5).
//!
//! The comparison works on a neutral [`DiffInput`]: a list of principals, each with the [`PolicySet`] that
//! applies to it (identity policies, boundary, session policies, SCP levels, RCPs) and what is known about
//! it (ARN, tags). Raw policy files become one principal per file ([`load`]); an inventory (Terraform plans,
//! account snapshots) plugs in by building the same structure.
//!
//! For every matched pair, [`space`] cuts the request space into regions (one representative request part
//! per region of every key either side tests), and the product of the representatives is evaluated on both
//! sides with the allocation-free decision procedure. If the product exceeds the budget, the principal is
//! reported `inexact` with the reason instead of guessed.

pub mod count;
pub mod enumerate;
mod explore;
pub mod load;
pub mod reps;
pub mod space;
pub mod strings;
pub mod work;

use std::sync::Arc;

use crate::eval::{Assumptions, Layer, PolicySet, Setting};
use crate::request::Request;
use crate::request::witness::PolicySource;
use crate::source::{SourceFile, Span};

pub use space::PrincipalFacts;

/// Evaluations allowed per principal before it is reported `inexact` (`--budget`). Two million decisions
/// take about a second on one core; real policies need a few thousand.
pub const DEFAULT_BUDGET: u64 = 2_000_000;

/// How a principal is recognised on both sides, most specific first.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalKey {
    Arn(String),
    /// Kind (`role`, `user`) and name: a role created in the same plan has no ARN yet.
    Name {
        kind: String,
        name: String,
    },
    /// A resource address in an infrastructure-as-code plan.
    Address(String),
    /// A policy file's path relative to the compared directory.
    Path(String),
    /// Two single files compared with each other.
    Files,
}

/// One principal and everything that governs its token minting.
#[derive(Clone, Debug)]
pub struct DiffPrincipal {
    /// Every key it can be matched by, most specific first.
    pub keys: Vec<PrincipalKey>,
    /// How the report names it.
    pub display: String,
    pub policies: PolicySet,
    pub facts: PrincipalFacts,
    /// Where its policies come from, to name them on a `simulate` command line that reproduces a witness.
    pub source: PolicySource,
}

/// One side of a comparison.
#[derive(Clone, Debug, Default)]
pub struct DiffInput {
    pub principals: Vec<DiffPrincipal>,
}

#[derive(Clone, Copy, Debug)]
pub struct DiffOptions {
    pub assumptions: Assumptions,
    /// Evaluations per principal before it is reported inexact.
    pub budget: u64,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions { assumptions: Assumptions::default(), budget: DEFAULT_BUDGET }
    }
}

/// What changed, in the words of the token request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dimension {
    /// A principal that can now mint at all (or no longer can).
    CanMint,
    Audience,
    Lifetime,
    TagKeys,
    TagValues,
    SigningAlgorithm,
    Network,
    Time,
    Principal,
    /// Any other condition key.
    Condition,
    /// Only a combination of several request parts changed.
    Combination,
    /// A relying party the principal newly reaches, or no longer reaches (the relying-party join).
    Reach,
}

impl Dimension {
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::CanMint => "can_mint",
            Dimension::Audience => "audience",
            Dimension::Lifetime => "lifetime",
            Dimension::TagKeys => "tag_keys",
            Dimension::TagValues => "tag_values",
            Dimension::SigningAlgorithm => "signing_algorithm",
            Dimension::Network => "network",
            Dimension::Time => "time",
            Dimension::Principal => "principal",
            Dimension::Condition => "condition",
            Dimension::Combination => "combination",
            Dimension::Reach => "reach",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    Baseline,
    Current,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Baseline => "baseline",
            Side::Current => "current",
        }
    }
}

/// Why a statement is cited.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// It allows the witness request.
    Allows,
    /// It denies the witness request.
    Denies,
    /// It allowed a request that differs from the witness only in the changed dimension.
    AllowsNeighbour,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Allows => "allows",
            Role::Denies => "denies",
            Role::AllowsNeighbour => "allows-neighbour",
        }
    }
}

/// A statement that makes the difference, with where it is written.
#[derive(Clone, Debug)]
pub struct StatementLink {
    pub side: Side,
    pub role: Role,
    /// The authorization check it decided (`sts:GetWebIdentityToken` or `sts:TagGetWebIdentityToken`).
    pub action: String,
    pub layer: Layer,
    pub source: Arc<SourceFile>,
    pub span: Span,
    pub sid: Option<String>,
    pub index: usize,
}

/// An assumption under whose alternative value the change does not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    pub setting: Setting,
    pub configured: &'static str,
    pub alternative: &'static str,
}

/// One widening or narrowing: the dimension, in words, proved by a witness request.
#[derive(Clone, Debug)]
pub struct Change {
    pub dimension: Dimension,
    pub description: String,
    /// Allowed by the side that gained it, denied by the other (simulate confirms it).
    pub witness: Request,
    /// A `mintlint simulate` command line that decides the witness against the gaining side.
    pub reproduce: String,
    pub statements: Vec<StatementLink>,
    pub depends_on: Vec<Dependency>,
}

/// The comparison of one principal.
#[derive(Clone, Debug)]
pub struct PrincipalDiff {
    pub principal: String,
    /// Every request was covered: an empty `widened` proves that nothing widened.
    pub exact: bool,
    pub inexact_reason: Option<String>,
    pub widened: Vec<Change>,
    pub narrowed: Vec<Change>,
    /// Representative requests decided (each on both sides).
    pub evaluations: u64,
    /// Whether the budget stopped the enumeration.
    pub over_budget: bool,
}

impl PrincipalDiff {
    /// A principal compared exactly with nothing found, no request decided.
    pub fn unchanged(principal: &str) -> PrincipalDiff {
        PrincipalDiff {
            principal: principal.to_owned(),
            exact: true,
            inexact_reason: None,
            widened: Vec::new(),
            narrowed: Vec::new(),
            evaluations: 0,
            over_budget: false,
        }
    }
}

/// The comparison of two inputs, principals in a stable order.
#[derive(Clone, Debug, Default)]
pub struct DiffReport {
    pub principals: Vec<PrincipalDiff>,
}

impl DiffReport {
    pub fn widened(&self) -> bool {
        self.principals.iter().any(|p| !p.widened.is_empty())
    }

    pub fn narrowed(&self) -> bool {
        self.principals.iter().any(|p| !p.narrowed.is_empty())
    }

    pub fn inexact(&self) -> bool {
        self.principals.iter().any(|p| !p.exact)
    }
}

/// One principal's two policy sets, ready to compare.
#[derive(Clone, Debug)]
pub struct Pair<'a> {
    pub name: String,
    pub baseline: &'a PolicySet,
    pub current: &'a PolicySet,
    pub facts: PrincipalFacts,
    /// Where each side's policies come from (baseline, current).
    pub sources: [PolicySource; 2],
}

impl Pair<'_> {
    /// Compare the two sides.
    pub fn compare(&self, options: &DiffOptions) -> PrincipalDiff {
        let [b, c] = &self.sources;
        explore::compare(&self.name, self.baseline, self.current, &self.facts, options, [b, c])
    }
}

/// Match the principals of two sides by their keys (the first key they share, most specific first); a
/// principal on one side only is paired with `empty` (no policies: it newly can, or no longer can, mint).
/// Sorted by name.
pub fn pair<'a>(baseline: &'a DiffInput, current: &'a DiffInput, empty: &'a PolicySet) -> Vec<Pair<'a>> {
    let mut used = vec![false; baseline.principals.len()];
    let mut pairs: Vec<Pair<'a>> = Vec::new();
    for cur in &current.principals {
        let matched = cur.keys.iter().find_map(|key| {
            baseline
                .principals
                .iter()
                .enumerate()
                .find(|(i, b)| !used.get(*i).copied().unwrap_or(true) && b.keys.contains(key))
        });
        match matched {
            Some((i, base)) => {
                if let Some(u) = used.get_mut(i) {
                    *u = true;
                }
                pairs.push(Pair {
                    name: cur.display.clone(),
                    baseline: &base.policies,
                    current: &cur.policies,
                    facts: merge_facts(&base.facts, &cur.facts),
                    sources: [base.source.clone(), cur.source.clone()],
                });
            }
            None => pairs.push(Pair {
                name: cur.display.clone(),
                baseline: empty,
                current: &cur.policies,
                facts: cur.facts.clone(),
                sources: [PolicySource::Files, cur.source.clone()],
            }),
        }
    }
    for (base, _) in baseline.principals.iter().zip(&used).filter(|(_, u)| !**u) {
        pairs.push(Pair {
            name: base.display.clone(),
            baseline: &base.policies,
            current: empty,
            facts: base.facts.clone(),
            sources: [base.source.clone(), PolicySource::Files],
        });
    }
    pairs.sort_by(|a, b| a.name.cmp(&b.name));
    pairs
}

/// Compare two sides (see [`pair`]).
pub fn diff(baseline: &DiffInput, current: &DiffInput, options: &DiffOptions) -> DiffReport {
    let empty = PolicySet::default();
    let principals = pair(baseline, current, &empty).iter().map(|p| p.compare(options)).collect();
    DiffReport { principals }
}

/// What is known on either side (a role created in this plan has its ARN only after apply).
fn merge_facts(baseline: &PrincipalFacts, current: &PrincipalFacts) -> PrincipalFacts {
    PrincipalFacts {
        arn: current.arn.clone().or_else(|| baseline.arn.clone()),
        tags: current.tags.clone().or_else(|| baseline.tags.clone()),
        context: if current.context.is_empty() { baseline.context.clone() } else { current.context.clone() },
    }
}

/// Compare two policy sets of one principal directly.
pub fn compare(
    name: &str,
    baseline: &PolicySet,
    current: &PolicySet,
    facts: &PrincipalFacts,
    options: &DiffOptions,
) -> PrincipalDiff {
    let files = PolicySource::Files;
    explore::compare(name, baseline, current, facts, options, [&files, &files])
}
