//! Every relying party of the inputs joined with every principal ([`super::join`]), and what the join shows
//! about each relying party (the facts the `relying-party-*` rules report). Findings are only drawn from
//! decided pairs: a pair the join could not decide is listed as undecided and never turned into a finding.

use crate::eval::Assumptions;
use crate::request::Request;

use super::join::{self, Accounts, JoinOptions, Principal, Reach, Witness};
use super::matching::{Check, Part, Verdict, accepts};
use super::pointer::{self, ClaimSource};
use super::{RelyingParty, Text};

/// A value no policy and no relying party names, to test whether a request tag's value is the caller's free
/// choice.
pub const FREE_VALUE: &str = "mintlint-any-value";

/// One principal that reaches a relying party.
#[derive(Clone, Debug)]
pub struct Reached {
    /// Index into the principals.
    pub principal: usize,
    pub witness: Witness,
}

/// A fact about one relying party that deserves attention (DESIGN §9.4 rules).
#[derive(Clone, Debug)]
pub enum Fact {
    /// A claim condition met through a request tag the reaching principal sets freely.
    ForgeableClaim { principal: usize, tag: String, value: String, check: Check },
    /// No subject binding, or a pattern: every listed principal gets in.
    UnpinnedSubject { principals: Vec<usize> },
    /// No principal of the issuer's account obtains an accepted token; `failure` is the part that fails.
    Unreachable { failure: Option<Check>, nearest: Option<usize> },
    /// An AWS issuer that no configured account has.
    IssuerUnknown { issuer: String },
    /// Google's `google.subject` of a principal that would otherwise be accepted is over 127 bytes.
    SubjectTooLong { principal: usize, check: Check },
}

/// The join's answer for one relying party.
#[derive(Clone, Debug)]
pub struct PartyResult {
    pub rp: RelyingParty,
    /// The issuer it trusts, resolved (`None` when not known).
    pub issuer: Option<String>,
    pub reached_by: Vec<Reached>,
    /// Principals the join could not decide, with why.
    pub undecided: Vec<(usize, String)>,
    pub facts: Vec<Fact>,
}

/// The whole join.
#[derive(Clone, Debug, Default)]
pub struct RelyingReport {
    pub principals: Vec<Principal>,
    /// The accounts the join used (for the findings' "did you mean").
    pub accounts: Accounts,
    pub parties: Vec<PartyResult>,
    /// Relying parties that trust an issuer that is not AWS's (not part of the graph).
    pub other_issuers: Vec<String>,
}

/// Join every relying party with every principal.
pub fn analyse(
    rps: Vec<RelyingParty>,
    principals: Vec<Principal>,
    accounts: &Accounts,
    options: &JoinOptions,
) -> RelyingReport {
    let mut parties = Vec::new();
    let mut other_issuers = Vec::new();
    let mut rps = rps;
    rps.sort_by(|a, b| a.id.cmp(&b.id));
    for rp in rps {
        if !join::is_aws_relying_party(&rp, accounts) {
            other_issuers.push(rp.id.clone());
            continue;
        }
        let issuer = join::issuer_of(&rp, &principals, accounts);
        let reaches = join::reach_all(&rp, &principals, accounts, options);
        let mut result = PartyResult { rp, issuer, reached_by: Vec::new(), undecided: Vec::new(), facts: Vec::new() };
        let mut failures: Vec<(usize, Option<Check>)> = Vec::new();
        for (i, r) in reaches.into_iter().enumerate() {
            match r {
                Reach::Reaches(w) => result.reached_by.push(Reached { principal: i, witness: *w }),
                Reach::NotReached { failure } => failures.push((i, failure)),
                Reach::Undecided { why, .. } => result.undecided.push((i, why)),
            }
        }
        result.facts = facts(&result, &principals, &failures, accounts, &options.assumptions);
        parties.push(result);
    }
    RelyingReport { principals, parties, other_issuers, accounts: accounts.clone() }
}

fn facts(
    r: &PartyResult,
    principals: &[Principal],
    failures: &[(usize, Option<Check>)],
    accounts: &Accounts,
    assumptions: &Assumptions,
) -> Vec<Fact> {
    let mut out = Vec::new();
    let rp = &r.rp;
    if let Some(issuer) = &r.issuer
        && super::is_aws_issuer(issuer)
        && !accounts.issuers.is_empty()
        && !accounts.knows_issuer(issuer)
    {
        out.push(Fact::IssuerUnknown { issuer: issuer.clone() });
    }
    for reached in &r.reached_by {
        if let Some(p) = principals.get(reached.principal)
            && let Some(f) = forgeable(rp, p, reached, accounts, assumptions)
        {
            out.push(f);
        }
    }
    if !r.reached_by.is_empty() && !join::pinned_subject(rp) {
        out.push(Fact::UnpinnedSubject { principals: r.reached_by.iter().map(|x| x.principal).collect() });
    }
    for (i, failure) in failures {
        if let Some(check) = failure.as_ref().filter(|c| c.part == Part::SubjectLength) {
            out.push(Fact::SubjectTooLong { principal: *i, check: check.clone() });
        }
    }
    // Unreachable: decided for every principal, its issuer a configured account's, and that account has
    // principals in the inputs, none of which gets in.
    let in_account: Vec<usize> = match &r.issuer {
        Some(issuer) => principals
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.arn_assumed && p.account().and_then(|a| accounts.issuers.get(a)) == Some(issuer))
            .map(|(i, _)| i)
            .collect(),
        None => Vec::new(),
    };
    let too_long = out.iter().any(|f| matches!(f, Fact::SubjectTooLong { .. }));
    if r.reached_by.is_empty() && r.undecided.is_empty() && !in_account.is_empty() && !too_long {
        // When the subject names a principal of the inputs, its failure is the one that matters (the others
        // fail on the subject); otherwise the failure furthest along the relying party's checks.
        let named = match rp.subject.as_ref().map(|(s, _)| &s.value) {
            Some(Text::Known(subject)) => principals.iter().position(|p| p.arn == *subject),
            Some(Text::PrincipalArn(address)) => {
                principals.iter().position(|p| p.address.as_deref() == Some(address.as_str()))
            }
            _ => None,
        };
        let failure = match named.and_then(|n| failures.iter().find(|(i, _)| *i == n)) {
            Some((_, f)) => f.clone(),
            None => failures
                .iter()
                .filter(|(i, _)| in_account.contains(i))
                .filter_map(|(_, f)| f.clone())
                .max_by(|a, b| a.part.cmp(&b.part)),
        };
        let nearest = match (&failure, &rp.subject) {
            (Some(c), Some((s, _))) if c.part == Part::Subject => match &s.value {
                Text::Known(subject) => {
                    let candidates: Vec<Principal> =
                        in_account.iter().filter_map(|&i| principals.get(i).cloned()).collect();
                    join::nearest_principal(subject, &candidates)
                        .and_then(|n| principals.iter().position(|p| p.arn == n.arn))
                }
                _ => None,
            },
            _ => None,
        };
        out.push(Fact::Unreachable { failure, nearest });
    }
    out
}

/// A claim condition of the relying party the witness meets through a request tag whose value the
/// principal may set to anything: with a value no policy names the request is still allowed, and the
/// relying party then rejects it (so the condition is what the tag satisfies).
fn forgeable(
    rp: &RelyingParty,
    p: &Principal,
    reached: &Reached,
    accounts: &Accounts,
    assumptions: &Assumptions,
) -> Option<Fact> {
    let w = &reached.witness;
    let issuer = p.account().and_then(|a| accounts.issuers.get(a)).cloned();
    for (key, value) in &w.request.tags {
        let mut fresh: Request = w.request.clone();
        for (k, v) in &mut fresh.tags {
            if k == key {
                FREE_VALUE.clone_into(v);
            }
        }
        if !crate::simulate::allows(&p.policies, &fresh, assumptions) {
            continue;
        }
        let t = super::claims::token(&fresh, issuer.as_deref(), assumptions);
        let refs = NoRefs { principals: std::slice::from_ref(p), accounts };
        if let Verdict::Rejected(_) = accepts(rp, &t, assumptions, &refs) {
            // The check the witness met on this tag: a claim condition on it, or the CEL condition.
            let check = w
                .checks
                .iter()
                .find(|c| match &c.part {
                    Part::Claim(name) => pointer::parse(name)
                        .is_some_and(|path| pointer::source(&path) == ClaimSource::RequestTag(key.clone())),
                    _ => false,
                })
                .or_else(|| w.checks.iter().find(|c| c.part == Part::Condition))
                .cloned()?;
            return Some(Fact::ForgeableClaim {
                principal: reached.principal,
                tag: key.clone(),
                value: value.clone(),
                check,
            });
        }
    }
    None
}

/// References resolve to this principal only (a forgeability re-check of its own witness).
struct NoRefs<'a> {
    principals: &'a [Principal],
    accounts: &'a Accounts,
}

impl super::matching::Resolve for NoRefs<'_> {
    fn principal_arn(&self, address: &str) -> Option<String> {
        self.principals.iter().find(|p| p.address.as_deref() == Some(address)).map(|p| p.arn.clone())
    }
    fn account_issuer(&self, _: &str) -> Option<String> {
        self.principals.first().and_then(|p| p.account()).and_then(|a| self.accounts.issuers.get(a)).cloned()
    }
}

/// The findings of the `relying-party-*` rules (MINT120-MINT124), each at the relying party's configuration.
pub fn findings(report: &RelyingReport, accounts: &Accounts) -> Vec<crate::lint::Finding> {
    report.parties.iter().flat_map(|party| party_findings(report, party, accounts)).collect()
}

/// The findings about one relying party.
pub fn party_findings(report: &RelyingReport, party: &PartyResult, accounts: &Accounts) -> Vec<crate::lint::Finding> {
    use crate::lint::rules::{
        relying_party_forgeable_claim as forgeable, relying_party_issuer_unknown as issuer,
        relying_party_subject_too_long as too_long, relying_party_unpinned_subject as unpinned,
        relying_party_unreachable as unreachable,
    };
    let known: Vec<String> = accounts.issuers.values().cloned().collect();
    let mut out = Vec::new();
    {
        for fact in &party.facts {
            let principal = |i: &usize| report.principals.get(*i);
            let reached = |i: &usize| party.reached_by.iter().find(|r| r.principal == *i);
            match fact {
                Fact::ForgeableClaim { principal: i, tag, value, check } => {
                    if let (Some(p), Some(r)) = (principal(i), reached(i)) {
                        out.push(forgeable::finding(party, p, r, tag, value, check));
                    }
                }
                Fact::UnpinnedSubject { principals } => {
                    let list: Vec<_> = principals.iter().filter_map(|i| Some((principal(i)?, reached(i)?))).collect();
                    out.push(unpinned::finding(party, &list));
                }
                Fact::Unreachable { failure, nearest } => {
                    out.push(unreachable::finding(party, failure.as_ref(), nearest.as_ref().and_then(principal)));
                }
                Fact::IssuerUnknown { issuer: i } => out.push(issuer::finding(party, i, &known)),
                Fact::SubjectTooLong { principal: i, check } => {
                    if let Some(p) = principal(i) {
                        out.push(too_long::finding(party, p, check));
                    }
                }
            }
        }
    }
    out
}
