//! Replaying recorded calls: each becomes a request ([`super::request`]), decided against the current
//! policies and the baseline with the full decision procedure, and compared with what CloudTrail recorded.
//!
//! What a record cannot tell is never filled in with a guess. The VPC of an interface endpoint (unless the
//! configuration names it), the address of a call that AWS made for the caller (`sourceIPAddress` `AWS
//! Internal`), and the tags of a principal known only from policy files are varied over the regions that
//! the region analysis of `diff` gives for those keys: the answer stands when every region agrees, and is
//! `undecided`, with each outcome, when they do not.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::diff::space::{self, DimKind, PrincipalFacts, Rep};
use crate::eval::{Assumptions, CheckResult, Decision, StatementRef};
use crate::request::{Network, Request};
use crate::simulate::{Dependency, Simulator, Verdict};

use super::inputs::{Lookup, Target, Version};
use super::record::{Recorded, RecordedCall, Skip};
use super::request::{Principal, token_request};

/// The most variants of one request tried for the facts a record does not give.
pub const MAX_VARIANTS: usize = 256;

/// How one version judged one call.
#[derive(Clone, Debug)]
pub enum Judged {
    /// A verdict, with the assumption settings whose other value would change it.
    Decided { verdict: Verdict, depends_on: Vec<Dependency>, checks: Vec<CheckResult> },
    /// The verdict depends on a fact the record does not give: what is unknown, and each outcome.
    Undecided { unknown: Vec<String>, outcomes: Vec<(String, Verdict)> },
}

impl Judged {
    /// Allowed (`Some(true)`), not allowed (`Some(false)`), or unknown.
    pub fn allowed(&self) -> Option<bool> {
        match self {
            Judged::Decided { verdict, .. } => Some(verdict.is_allow()),
            Judged::Undecided { .. } => None,
        }
    }

    /// Drop the explained checks (kept only for calls whose deciding statements are cited).
    pub fn forget_checks(&mut self) {
        if let Judged::Decided { checks, .. } = self {
            *checks = Vec::new();
        }
    }

    /// The decision word of `simulate`, or `undecided`.
    pub fn word(&self) -> &'static str {
        match self {
            Judged::Decided { verdict, .. } => verdict.name(),
            Judged::Undecided { .. } => "undecided",
        }
    }

    /// The statements that decided: the Allows of an allow, the Denies of an explicit deny, and for an
    /// implicit deny the Allows that failed a condition in the deciding layer.
    pub fn statements(&self) -> Vec<(StatementRef, Option<usize>)> {
        let Judged::Decided { checks, .. } = self else { return Vec::new() };
        let refused: Vec<&CheckResult> = checks.iter().filter(|c| c.decision != Decision::Allow).collect();
        if refused.is_empty() {
            return checks.iter().flat_map(|c| c.statements.iter().map(|s| (*s, None))).collect();
        }
        refused
            .iter()
            .flat_map(|c| match c.decision {
                Decision::ExplicitDeny => c.statements.iter().map(|s| (*s, None)).collect::<Vec<_>>(),
                _ => c.near_misses.iter().map(|(s, clause)| (*s, Some(*clause))).collect(),
            })
            .collect()
    }
}

/// What changed for one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Change {
    /// Issued (or allowed by the baseline), and now denied: the change breaks it.
    NewlyDenied,
    /// Denied (or denied by the baseline), and now allowed: someone tried, and would now succeed.
    NewlyAllowed,
    Unchanged,
    /// The current verdict, or the one it is compared with, depends on a fact the record does not give.
    Undecided,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::NewlyDenied => "newly-denied",
            Change::NewlyAllowed => "newly-allowed",
            Change::Unchanged => "unchanged",
            Change::Undecided => "undecided",
        }
    }
}

/// One call replayed.
#[derive(Clone, Debug)]
pub struct Replayed {
    pub call: RecordedCall,
    /// Index of the target in the current version.
    pub target: usize,
    pub now: Judged,
    /// `None` without `--baseline`; `Some(None)` when the baseline does not have the principal.
    pub baseline: Option<Option<(usize, Judged)>>,
    pub change: Change,
    /// The baseline's verdict differs from what CloudTrail recorded: the baseline is not what was deployed
    /// then, or something outside the inputs decided (a session policy, an SCP not in the inputs).
    pub baseline_disagrees: bool,
}

/// The values tried for the facts a record does not give, per principal: the representatives of every
/// region of the keys that hold them, from the region analysis of `diff` over both versions' policies (so
/// that one variant means the same fact on both sides).
#[derive(Clone, Debug, Default)]
struct Regions {
    /// `aws:SourceVpc` values, when the policies test it.
    vpcs: Vec<String>,
    /// Source addresses over the public endpoint (`None`: absent).
    public_ips: Vec<Option<String>>,
    /// Source addresses through an endpoint.
    vpc_ips: Vec<Option<String>>,
    /// Per principal tag key tested, its representatives.
    principal_tags: Vec<Vec<Rep>>,
}

fn regions(now: &Target, baseline: Option<&Target>, assumptions: &Assumptions) -> Regions {
    let facts = PrincipalFacts { arn: now.arn.clone(), tags: now.tags.clone(), context: now.context.clone() };
    let work = crate::diff::work::Work::new(crate::diff::DEFAULT_BUDGET);
    let space = space::build(
        baseline.map_or(&now.set, |b| &b.set),
        &now.set,
        &facts,
        assumptions,
        crate::diff::DEFAULT_BUDGET,
        &work,
    );
    let mut out = Regions::default();
    for dim in &space.dims {
        match &dim.kind {
            DimKind::Network => {
                for rep in (0..dim.len().unwrap_or(0).min(4096)).filter_map(|i| dim.rep(i)) {
                    let rep = rep.as_ref();
                    let Rep::Network(network) = rep else { continue };
                    let (vpc, ip) = match network {
                        Network::Endpoint { vpc, ip, .. } => (Some(vpc), ip.map(|a| a.to_string())),
                        Network::Public { ip } => (None, ip.map(|a| a.to_string())),
                    };
                    let ip = &ip;
                    match vpc {
                        Some(v) => {
                            if !out.vpcs.contains(v) {
                                out.vpcs.push(v.clone());
                            }
                            if !out.vpc_ips.contains(ip) {
                                out.vpc_ips.push(ip.clone());
                            }
                        }
                        None if !out.public_ips.contains(ip) => out.public_ips.push(ip.clone()),
                        None => {}
                    }
                }
            }
            DimKind::PrincipalTag(_) => out.principal_tags.push(
                (0..dim.len().unwrap_or(0).min(256))
                    .filter_map(|i| dim.rep(i).map(std::borrow::Cow::into_owned))
                    .collect(),
            ),
            _ => {}
        }
    }
    out
}

/// One version, ready to decide: a simulator per target, its statements prepared once.
pub struct Side<'a> {
    version: &'a Version,
    simulators: Vec<Simulator<'a>>,
}

impl<'a> Side<'a> {
    pub fn new(version: &'a Version) -> Side<'a> {
        Side { version, simulators: version.targets.iter().map(|t| Simulator::new(&t.set)).collect() }
    }

    pub fn version(&self) -> &'a Version {
        self.version
    }
}

/// One way to fill in what a record does not give: its description, and the edits to the request.
type Variant = (String, Vec<Rep>);

/// Replays calls against the current version and, optionally, a baseline.
pub struct Replayer<'a> {
    pub now: Side<'a>,
    pub baseline: Option<Side<'a>>,
    pub assumptions: Assumptions,
    /// `[network.endpoints]`: the VPC of each interface endpoint the configuration names.
    pub endpoints: &'a BTreeMap<String, String>,
    /// Per current target, the regions of the unknown facts, computed the first time a record needs them.
    regions: Vec<OnceLock<Regions>>,
}

impl<'a> Replayer<'a> {
    pub fn new(
        now: Side<'a>,
        baseline: Option<Side<'a>>,
        assumptions: Assumptions,
        endpoints: &'a BTreeMap<String, String>,
    ) -> Replayer<'a> {
        let regions = now.version.targets.iter().map(|_| OnceLock::new()).collect();
        Replayer { now, baseline, assumptions, endpoints, regions }
    }

    /// Replay one call, or say why it cannot be.
    pub fn replay(&self, call: RecordedCall) -> Result<Replayed, Skip> {
        let target = match self.now.version.lookup(&call.principal) {
            Lookup::Found(i) => i,
            Lookup::Missing => {
                let mut reason = format!("principal `{}` is not in the inputs", call.principal);
                if let Some(b) = &self.baseline
                    && b.version.lookup(&call.principal) != Lookup::Missing
                {
                    reason.push_str(" (the baseline has it: the change removes it)");
                }
                if let Some(hint) = self.now.version.missing_hint(&call.principal) {
                    reason.push_str(&format!("; {hint}"));
                }
                return Err(Skip { event_id: call.event_id.clone(), reason });
            }
        };
        let baseline_target = self.baseline.as_ref().map(|side| match side.version.lookup(&call.principal) {
            Lookup::Found(i) => Some(i),
            Lookup::Missing => None,
        });
        let vpc = call.endpoint.as_deref().and_then(|e| self.endpoints.get(e)).map(String::as_str);
        let (unknown, variants) = self.variants(target, baseline_target.flatten(), &call, vpc);
        let skip = |reason: String| Skip { event_id: call.event_id.clone(), reason };
        let now_each = self.decide_each(&self.now, target, &call, vpc, &variants).map_err(skip)?;
        let baseline_each = match (&self.baseline, baseline_target) {
            (Some(side), Some(Some(i))) => {
                Some(Some((i, self.decide_each(side, i, &call, vpc, &variants).map_err(skip)?)))
            }
            (Some(_), _) => Some(None),
            (None, _) => None,
        };
        let recorded_allowed = call.recorded == Recorded::Issued;
        // The change under each variant: it is decided when every variant gives the same one.
        let changes: Vec<Change> = (0..now_each.len())
            .map(|v| {
                let now = now_each.get(v).is_some_and(|j| j.allowed() == Some(true));
                let reference = match &baseline_each {
                    Some(Some((_, each))) => each.get(v).is_some_and(|j| j.allowed() == Some(true)),
                    _ => recorded_allowed,
                };
                match (reference, now) {
                    (true, false) => Change::NewlyDenied,
                    (false, true) => Change::NewlyAllowed,
                    _ => Change::Unchanged,
                }
            })
            .collect();
        let change = match changes.as_slice() {
            [first, rest @ ..] if rest.iter().all(|c| c == first) => *first,
            _ => Change::Undecided,
        };
        let now = merge(now_each, &variants, &unknown);
        let baseline = baseline_each.map(|b| b.map(|(i, each)| (i, merge(each, &variants, &unknown))));
        let baseline_disagrees = matches!(&baseline, Some(Some((_, j))) if j.allowed() == Some(!recorded_allowed));
        Ok(Replayed { call, target, now, baseline, change, baseline_disagrees })
    }

    /// What the record does not give, and the variants that cover its regions (none when it gives all
    /// that the policies test).
    fn variants(
        &self,
        target: usize,
        baseline: Option<usize>,
        call: &RecordedCall,
        vpc: Option<&str>,
    ) -> (Vec<String>, Vec<Variant>) {
        let Some(now) = self.now.version.targets.get(target) else { return (Vec::new(), Vec::new()) };
        let vpc_unknown = call.endpoint.is_some() && vpc.is_none();
        let ip_unknown = call.unknown_source.is_some();
        let tags_unknown = now.tags.is_none();
        if !(vpc_unknown || ip_unknown || tags_unknown) {
            return (Vec::new(), Vec::new());
        }
        let baseline = self.baseline.as_ref().zip(baseline).and_then(|(side, i)| side.version.targets.get(i));
        let Some(regions) =
            self.regions.get(target).map(|r| r.get_or_init(|| regions(now, baseline, &self.assumptions)))
        else {
            return (Vec::new(), Vec::new());
        };
        // Each unknown fact: what it is, and the request edits that cover its regions.
        let mut unknowns: Vec<(String, Vec<(String, Rep)>)> = Vec::new();
        let through_endpoint = call.endpoint.is_some();
        let vpcs: Vec<Option<String>> = if vpc_unknown && !regions.vpcs.is_empty() {
            regions.vpcs.iter().cloned().map(Some).collect()
        } else {
            vec![vpc.filter(|_| through_endpoint).map(str::to_owned)]
        };
        let ips: Vec<Option<String>> = match (ip_unknown, through_endpoint) {
            (false, _) => vec![call.spec.source_ip.clone()],
            (true, true) => with_absent(&regions.vpc_ips),
            (true, false) => with_absent(&regions.public_ips),
        };
        if vpcs.len() > 1 || ips.len() > 1 {
            let mut edits = Vec::new();
            for vpc in &vpcs {
                for ip in &ips {
                    let mut name = Vec::new();
                    if vpcs.len() > 1 {
                        name.push(format!("aws:SourceVpc={}", vpc.as_deref().unwrap_or("(absent)")));
                    }
                    if ips.len() > 1 {
                        let key = if through_endpoint { "aws:VpcSourceIp" } else { "aws:SourceIp" };
                        name.push(format!("{key}={}", ip.as_deref().unwrap_or("(absent)")));
                    }
                    let ip = ip.as_deref().and_then(crate::policy::value::ip::parse_addr);
                    let network = match (vpc, &call.spec.source_vpce) {
                        (Some(vpc), Some(vpce)) => Network::Endpoint { vpc: vpc.clone(), vpce: vpce.clone(), ip },
                        _ => Network::Public { ip },
                    };
                    edits.push((name.join(", "), Rep::Network(network)));
                }
            }
            let mut what = Vec::new();
            if vpcs.len() > 1 {
                what.push(format!(
                    "the VPC of endpoint `{}` (name it in mintlint.toml `[network.endpoints]`)",
                    call.endpoint.as_deref().unwrap_or_default()
                ));
            }
            if ips.len() > 1 {
                what.push(format!(
                    "the source address (`sourceIPAddress` is `{}`)",
                    call.unknown_source.as_deref().unwrap_or_default()
                ));
            }
            unknowns.push((what.join(" and "), edits));
        }
        if tags_unknown {
            for reps in &regions.principal_tags {
                let Some(Rep::PrincipalTag(key, _)) = reps.first().cloned() else { continue };
                let mut reps = reps.clone();
                // A tag bound to a request tag (`${aws:PrincipalTag/team}`) must also be tried at the value
                // the request sent.
                for (_, value) in &call.spec.tags {
                    let rep = Rep::PrincipalTag(key.clone(), Some(value.clone()));
                    if !reps.contains(&rep) {
                        reps.push(rep);
                    }
                }
                let edits = reps
                    .into_iter()
                    .map(|rep| {
                        let name = match &rep {
                            Rep::PrincipalTag(k, Some(v)) => format!("aws:PrincipalTag/{k}={v}"),
                            Rep::PrincipalTag(k, None) => format!("aws:PrincipalTag/{k} absent"),
                            _ => String::new(),
                        };
                        (name, rep)
                    })
                    .collect();
                unknowns.push((format!("the principal's tag `{key}` (the inputs are policy files)"), edits));
            }
        }
        let what: Vec<String> = unknowns.iter().map(|(w, _)| w.clone()).collect();
        if unknowns.is_empty() {
            return (what, Vec::new());
        }
        let total = unknowns.iter().map(|(_, e)| e.len().max(1)).try_fold(1usize, usize::checked_mul);
        if total.is_none_or(|t| t > MAX_VARIANTS) {
            let mut what = what;
            what.push(format!("more than {MAX_VARIANTS} combinations of them: not tried"));
            return (what, Vec::new());
        }
        // Every combination (odometer order).
        let mut variants = Vec::new();
        let mut index = vec![0usize; unknowns.len()];
        loop {
            let mut names = Vec::new();
            let mut reps = Vec::new();
            for (i, (_, edits)) in index.iter().zip(&unknowns) {
                if let Some((name, rep)) = edits.get(*i) {
                    names.push(name.clone());
                    reps.push(rep.clone());
                }
            }
            variants.push((names.join(", "), reps));
            let mut k = 0;
            loop {
                let Some(slot) = index.get_mut(k) else { return (what, variants) };
                *slot += 1;
                if *slot < unknowns.get(k).map_or(0, |(_, e)| e.len()) {
                    break;
                }
                *slot = 0;
                k += 1;
            }
        }
    }

    /// Decide one call against one target under each variant (once, when there are none).
    fn decide_each(
        &self,
        side: &Side<'_>,
        index: usize,
        call: &RecordedCall,
        vpc: Option<&str>,
        variants: &[Variant],
    ) -> Result<Vec<Judged>, String> {
        let (Some(target), Some(simulator)) = (side.version.targets.get(index), side.simulators.get(index)) else {
            return Ok(Vec::new());
        };
        let arn = target.arn.as_deref().unwrap_or(&call.principal);
        let tags = target.tags.as_deref().unwrap_or(&[]);
        let base = token_request(call, Principal { arn, tags, context: &target.context }, vpc)?;
        if variants.is_empty() {
            return Ok(vec![decided(simulator, base, &self.assumptions)]);
        }
        Ok(variants
            .iter()
            .map(|(_, reps)| {
                let mut request = base.clone();
                for rep in reps {
                    rep.apply(&mut request);
                }
                decided(simulator, request, &self.assumptions)
            })
            .collect())
    }
}

fn with_absent(ips: &[Option<String>]) -> Vec<Option<String>> {
    let mut out = vec![None];
    out.extend(ips.iter().filter(|ip| ip.is_some()).cloned());
    out
}

/// One side's judgements under every variant, as one: the first when all verdicts agree, otherwise
/// undecided with each outcome. Too many variants to try (none tried while something is unknown) is
/// undecided too.
fn merge(each: Vec<Judged>, variants: &[Variant], unknown: &[String]) -> Judged {
    let verdicts: Vec<Option<Verdict>> = each
        .iter()
        .map(|j| match j {
            Judged::Decided { verdict, .. } => Some(verdict.clone()),
            Judged::Undecided { .. } => None,
        })
        .collect();
    let agree = verdicts.windows(2).all(|w| matches!(w, [Some(a), Some(b)] if a == b));
    let tried = !variants.is_empty() || unknown.is_empty();
    if agree
        && tried
        && let Some(first) = each.into_iter().next()
    {
        return first;
    }
    let outcomes = variants.iter().zip(verdicts).filter_map(|((name, _), v)| v.map(|v| (name.clone(), v))).collect();
    Judged::Undecided { unknown: unknown.to_vec(), outcomes }
}

fn decided(simulator: &Simulator<'_>, request: Request, assumptions: &Assumptions) -> Judged {
    let (verdict, depends_on, checks) = simulator.judge(&request, assumptions);
    Judged::Decided { verdict, depends_on, checks }
}
