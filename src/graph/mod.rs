//! `graph`: the minting trust graph. For every principal that can mint, what tokens it can obtain (the
//! audiences, the maximum lifetime, the signing algorithms, the request tags) and what bounds them (the
//! network and time context, and the statements that decide), read off the evaluator (DESIGN §2).
//!
//! Nothing here reads statement text to decide what is allowed: the request space of the principal is cut
//! into regions by the diff's region analysis ([`crate::diff::space`], built with the same policy set on
//! both sides), every representative request is decided, and each fact is read off the allowed ones.
//! Statement text is used only to *name* what the evaluator found (which literal or pattern an allowed
//! audience region stands for, which clauses a cited statement holds). A principal whose space exceeds the
//! budget, or that uses a construct the region analysis does not cover, is reported `inexact` instead of
//! guessed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::diff::enumerate::{Grid, decide_all};
use crate::diff::space::{self, DimKind, PrincipalFacts, Space};
use crate::diff::work::{Work, bound_for};
use crate::diff::{DiffInput, PrincipalKey};
use crate::eval::{self, Assumptions, Decision, Layer, PolicySet, StatementRef};
use crate::policy::wildcard;
use crate::request::Request;
use crate::simulate;
use crate::source::{SourceFile, Span};
use crate::token::{MAX_DURATION, SIGNING_ALGORITHMS};

/// Representative requests decided per principal before it is reported inexact (`--budget`). Lower than
/// the diff's: each point is decided through a whole request, not incrementally.
pub const DEFAULT_BUDGET: u64 = 200_000;

/// The ARN given to a principal whose ARN is unknown (raw policy files without `--principal`): an ordinary
/// role in a member account. Its ARN is a fact about the principal, not a choice of the caller, so it must
/// not vary like a request value (a service-linked role, which SCPs do not restrict, would otherwise make
/// every organization guard look bypassable).
pub const ASSUMED_ARN: &str = "arn:aws:iam::111122223333:role/mintlint-principal";

/// A value no policy names, to test whether a request tag's value is the caller's free choice.
const FREE_VALUE: &str = "mintlint-any-value";

#[derive(Clone, Debug)]
pub struct GraphOptions {
    pub assumptions: Assumptions,
    pub budget: u64,
    pub registry: Option<Registry>,
}

impl Default for GraphOptions {
    fn default() -> Self {
        GraphOptions { assumptions: Assumptions::default(), budget: DEFAULT_BUDGET, registry: None }
    }
}

/// The organisation's audience registry (DESIGN §3 `mintlint.toml`, MINT102): each audience and the
/// principal that owns it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Registry {
    pub audiences: Vec<RegisteredAudience>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredAudience {
    pub name: String,
    /// A principal's ARN or name; `None` when the registry names no owner.
    pub owner: Option<String>,
}

/// How an allowed audience region is named.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AudienceGrant {
    /// An audience a policy lists literally.
    Literal(String),
    /// Audiences matching a policy's wildcard pattern.
    Pattern(String),
    /// An audience no policy lists or matches: unlisted audiences are allowed.
    Any,
}

impl AudienceGrant {
    pub fn kind(&self) -> &'static str {
        match self {
            AudienceGrant::Literal(_) => "literal",
            AudienceGrant::Pattern(_) => "pattern",
            AudienceGrant::Any => "any",
        }
    }

    /// The text a report shows.
    pub fn label(&self) -> String {
        match self {
            AudienceGrant::Literal(a) | AudienceGrant::Pattern(a) => a.clone(),
            AudienceGrant::Any => "any audience".to_owned(),
        }
    }
}

/// Why a statement is cited.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CiteRole {
    /// It allows the request that shows the fact.
    Allows,
    /// It denies (explicitly, or as the allow whose condition failed) the request just beyond the fact.
    Bounds,
}

impl CiteRole {
    pub fn as_str(self) -> &'static str {
        match self {
            CiteRole::Allows => "allows",
            CiteRole::Bounds => "bounds",
        }
    }
}

/// A statement with where it is written.
#[derive(Clone, Debug)]
pub struct Cite {
    pub role: CiteRole,
    pub action: String,
    pub layer: Layer,
    pub source: Arc<SourceFile>,
    pub span: Span,
    pub sid: Option<String>,
    pub index: usize,
}

impl Cite {
    fn key(&self) -> (CiteRole, String, String, u32, String) {
        (self.role, self.layer.name(), self.source.name.to_string(), self.span.start, self.action.clone())
    }
}

#[derive(Clone, Debug)]
pub struct AudienceEdge {
    pub grant: AudienceGrant,
    /// An audience of the region that the evaluator allowed.
    pub witness: String,
    pub statements: Vec<Cite>,
    /// An allowed request whose audience list holds the witness (not rendered).
    pub request: Request,
}

/// What a request tag's value may be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagValue {
    /// The caller chooses it.
    Free,
    /// Bound by these conditions (operator, values as written).
    Bound(Vec<String>),
}

#[derive(Clone, Debug)]
pub struct TagGrant {
    /// The key as a policy names it, or `None` for keys no policy names (any tag key may be set).
    pub key: Option<String>,
    pub value: TagValue,
    pub statements: Vec<Cite>,
}

/// A part of the request context that must hold for minting (network path, time, principal, other keys).
#[derive(Clone, Debug)]
pub struct Guard {
    /// `network`, `time`, `principal`, `region`, or a condition key.
    pub dimension: String,
    /// The clauses of the bounding statements on this dimension's keys, as written.
    pub conditions: Vec<String>,
    pub statements: Vec<Cite>,
}

/// An assumption under whose alternative value a claim does not hold.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dependency {
    pub claim: String,
    pub setting: &'static str,
    pub configured: &'static str,
    pub alternative: &'static str,
}

/// Everything one principal can mint.
#[derive(Clone, Debug)]
pub struct PrincipalGraph {
    pub principal: String,
    pub arn: Option<String>,
    /// The ARN is [`ASSUMED_ARN`]: the inputs do not give it.
    pub arn_assumed: bool,
    /// The principal's name in its inventory, or the policy file's path.
    pub name: Option<String>,
    pub exact: bool,
    pub inexact_reason: Option<String>,
    /// Whether any request is allowed; `false` also when the budget stopped the analysis.
    pub can_mint: bool,
    pub audiences: Vec<AudienceEdge>,
    /// The largest `DurationSeconds` allowed; `None` when only an omitted duration (300 s) is.
    pub max_lifetime: Option<u32>,
    pub duration_may_be_omitted: bool,
    pub lifetime_statements: Vec<Cite>,
    pub algorithms: Vec<String>,
    pub algorithm_statements: Vec<Cite>,
    pub tags: Vec<TagGrant>,
    pub guards: Vec<Guard>,
    pub depends_on: Vec<Dependency>,
    pub evaluations: u64,
    /// The policies, to check claims against (not rendered).
    pub policies: PolicySet,
    /// An allowed request with the maximum lifetime, to check claims against (not rendered).
    pub example: Option<Request>,
    /// The request space and the indices of its allowed points (not rendered): kept as indices, since a
    /// large space can allow hundreds of thousands of representative requests.
    space: Option<Space>,
    allowed_points: Vec<usize>,
}

impl PrincipalGraph {
    /// Every allowed representative request: one per allowed combination of regions.
    pub fn allowed_requests(&self) -> impl Iterator<Item = Request> + '_ {
        let points = self.space.as_ref().and_then(|s| Grid::new(s, u64::MAX));
        self.allowed_points.iter().filter_map(move |&i| points.as_ref().map(|p| p.request(i)))
    }
}

/// A fact the graph makes visible that deserves attention.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum GraphFinding {
    /// Tokens of the API's maximum lifetime (3600 s) can be minted.
    UnboundedLifetime { principal: String },
    /// A registered audience that principals other than its owner can obtain.
    AudienceBeyondOwner { audience: String, owner: String, others: Vec<String> },
}

impl GraphFinding {
    pub fn code(&self) -> &'static str {
        match self {
            GraphFinding::UnboundedLifetime { .. } => "unbounded-lifetime",
            GraphFinding::AudienceBeyondOwner { .. } => "audience-beyond-owner",
        }
    }

    pub fn message(&self) -> String {
        match self {
            GraphFinding::UnboundedLifetime { principal } => {
                format!("`{principal}` can mint tokens with no lifetime cap (3600 s reachable)")
            }
            GraphFinding::AudienceBeyondOwner { audience, owner, others } => format!(
                "audience `{audience}` is owned by `{owner}` but {} can mint for it: {}",
                if others.len() == 1 { "another principal" } else { "other principals" },
                others.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

/// The whole graph: principals that can mint (or could not be analysed exactly), in input order sorted by
/// name.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    pub principals: Vec<PrincipalGraph>,
    /// Principals whose every request is denied.
    pub cannot_mint: Vec<String>,
    pub findings: Vec<GraphFinding>,
    /// The relying parties of the inputs joined with their principals (empty when the inputs configure none).
    pub relying: crate::relying::analysis::RelyingReport,
}

impl Graph {
    /// The audience view: every audience grant with the principals that reach it, sorted.
    pub fn by_audience(&self) -> Vec<(AudienceGrant, Vec<(&PrincipalGraph, &AudienceEdge)>)> {
        let mut map: BTreeMap<AudienceGrant, Vec<(&PrincipalGraph, &AudienceEdge)>> = BTreeMap::new();
        for p in self.principals.iter().filter(|p| p.can_mint) {
            for a in &p.audiences {
                map.entry(a.grant.clone()).or_default().push((p, a));
            }
        }
        map.into_iter().collect()
    }
}

/// Build the graph of every principal.
pub fn graph(input: &DiffInput, options: &GraphOptions) -> Graph {
    let mut principals = Vec::new();
    let mut cannot_mint = Vec::new();
    for p in &input.principals {
        let name = p.keys.iter().find_map(|k| match k {
            PrincipalKey::Name { name, .. } => Some(name.clone()),
            PrincipalKey::Path(path) => Some(path.clone()),
            _ => None,
        });
        let mut facts = p.facts.clone();
        let arn_assumed = facts.arn.is_none();
        if arn_assumed {
            facts.arn = Some(ASSUMED_ARN.to_owned());
        }
        let mut g = principal(&p.display, name, &p.policies, &facts, options);
        g.arn_assumed = arn_assumed;
        if g.can_mint || !g.exact {
            principals.push(g);
        } else {
            cannot_mint.push(g.principal);
        }
    }
    principals.sort_by(|a, b| a.principal.cmp(&b.principal));
    cannot_mint.sort();
    let mut findings: Vec<GraphFinding> = principals
        .iter()
        .filter(|p| p.max_lifetime == Some(MAX_DURATION))
        .map(|p| GraphFinding::UnboundedLifetime { principal: p.principal.clone() })
        .collect();
    if let Some(registry) = &options.registry {
        findings.extend(owner_findings(&principals, registry, &options.assumptions));
    }
    findings.sort();
    Graph { principals, cannot_mint, findings, relying: Default::default() }
}

/// Registered audiences that principals other than the owner can obtain: decided by the evaluator, on
/// every allowed request with the audience list replaced by the registered audience alone.
fn owner_findings(principals: &[PrincipalGraph], registry: &Registry, assumptions: &Assumptions) -> Vec<GraphFinding> {
    let mut out = Vec::new();
    for entry in &registry.audiences {
        let Some(owner) = &entry.owner else { continue };
        let others: Vec<String> = principals
            .iter()
            .filter(|p| p.can_mint && !is_owner(p, owner))
            .filter(|p| reaches(p, &entry.name, assumptions))
            .map(|p| p.principal.clone())
            .collect();
        if !others.is_empty() {
            out.push(GraphFinding::AudienceBeyondOwner { audience: entry.name.clone(), owner: owner.clone(), others });
        }
    }
    out
}

fn is_owner(p: &PrincipalGraph, owner: &str) -> bool {
    p.principal == owner || (!p.arn_assumed && p.arn.as_deref() == Some(owner)) || p.name.as_deref() == Some(owner)
}

/// Whether the principal can obtain a token for `audience`, from one of its allowed requests.
fn reaches(p: &PrincipalGraph, audience: &str, assumptions: &Assumptions) -> bool {
    // A token whose audience list holds the audience is accepted by it, so the audience counts when it can be
    // requested alone or added to a list that is allowed (`ForAnyValue:` grants allow the latter).
    p.allowed_requests().any(|r| {
        let mut alone = r.clone();
        alone.edit_mint(|m| m.audiences = vec![audience.to_owned()]);
        let mut added = r.clone();
        added.edit_mint(|m| m.audiences.push(audience.to_owned()));
        allows(&p.policies, &alone, assumptions) || allows(&p.policies, &added, assumptions)
    })
}

/// Decisions on whole requests, paid for from a principal's work bound: describing what a large space
/// allows asks many of them (a renamed tag on every allowed request), so they count like the enumeration.
struct Meter<'a> {
    work: &'a Work,
    /// Units per decision: building the request's contexts, and the statements of both checks.
    cost: u64,
}

impl Meter<'_> {
    fn allows(&self, set: &PolicySet, request: &Request, assumptions: &Assumptions) -> bool {
        // A spent meter is reported once the description is done; the answers until then stay true.
        let _ = self.work.spend(self.cost);
        allows(set, request, assumptions)
    }
}

/// Whether a whole request is allowed: the one answer `simulate` gives.
fn allows(set: &PolicySet, request: &Request, assumptions: &Assumptions) -> bool {
    simulate::allows(set, request, assumptions)
}

/// The statements that allow an allowed request.
fn allowing(set: &PolicySet, request: &Request, assumptions: &Assumptions) -> Vec<Cite> {
    let mut out = Vec::new();
    for a in request.actions() {
        let check = eval::check(set, &request.context(a, assumptions), assumptions);
        out.extend(cites(set, &check.statements, CiteRole::Allows, a));
    }
    out
}

/// The statements that deny a denied request: the matching Denies, or the Allows of the deciding layer
/// whose condition failed.
fn bounding(set: &PolicySet, request: &Request, assumptions: &Assumptions) -> Vec<Cite> {
    let mut out = Vec::new();
    for a in request.actions() {
        let check = eval::check(set, &request.context(a, assumptions), assumptions);
        let refs: Vec<StatementRef> = match check.decision {
            Decision::Allow => continue,
            Decision::ExplicitDeny => check.statements,
            Decision::ImplicitDeny => check.near_misses.iter().map(|(r, _)| *r).collect(),
        };
        out.extend(cites(set, &refs, CiteRole::Bounds, a));
    }
    out
}

fn cites(set: &PolicySet, refs: &[StatementRef], role: CiteRole, action: &str) -> Vec<Cite> {
    refs.iter()
        .filter_map(|at| {
            let policy = set.policy(at.layer, at.policy)?;
            let statement = policy.statement(at.statement)?;
            // An organization-wide Allow with no condition (FullAWSAccess) bounds nothing about this fact.
            if role == CiteRole::Allows
                && matches!(at.layer, Layer::Scp(_) | Layer::Rcp)
                && statement.conditions.is_empty()
            {
                return None;
            }
            Some(Cite {
                role,
                action: action.to_owned(),
                layer: at.layer,
                source: Arc::clone(&policy.source),
                span: statement.span,
                sid: statement.sid.as_ref().map(|s| s.node.to_string()),
                index: at.statement,
            })
        })
        .collect()
}

fn dedup(mut cites: Vec<Cite>) -> Vec<Cite> {
    cites.sort_by_key(Cite::key);
    cites.dedup_by(|a, b| a.key() == b.key());
    cites
}

/// Condition values on a key (lower-cased) in the statements of the minting checks, as written.
fn values_on(set: &PolicySet, key: &str) -> Vec<String> {
    let mut out = BTreeSet::new();
    for (_, _, policy) in set.policies() {
        for s in &policy.policy.statements {
            // A `Null` clause's `true`/`false` says whether the key is present, not a value it may have.
            let named = |c: &&crate::policy::ConditionClause| {
                c.key.node.lower() == key && c.operator.node.kind.family() != crate::policy::Family::Null
            };
            for c in s.conditions.iter().filter(named) {
                out.extend(c.values.iter().map(|v| v.node.text().to_owned()));
            }
        }
    }
    out.into_iter().collect()
}

/// Name the region of an allowed value by the literal or pattern a policy writes for it.
fn name_value(witness: &str, values: &[String], fold_case: bool) -> Option<Result<String, String>> {
    if let Some(v) = values.iter().find(|v| {
        !wildcard::has_wildcard(v) && if fold_case { v.eq_ignore_ascii_case(witness) } else { v.as_str() == witness }
    }) {
        return Some(Ok(v.clone()));
    }
    values
        .iter()
        .find(|v| wildcard::has_wildcard(v) && wildcard::matches(v, witness, fold_case))
        .map(|v| Err(v.clone()))
}

/// A string a policy value names: the value itself, with each wildcard matched by `x`.
fn pattern_instance(value: &str) -> String {
    value.replace(['*', '?'], "x")
}

/// The clauses of the cited statements on keys that satisfy `on`, as `Operator key values`.
fn clauses_of(cites: &[Cite], set: &PolicySet, on: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut out = BTreeSet::new();
    for c in cites {
        let Some(statement) = set
            .policies()
            .find(|(layer, _, p)| *layer == c.layer && Arc::ptr_eq(&p.source, &c.source))
            .and_then(|(_, _, p)| p.statement(c.index))
        else {
            continue;
        };
        for clause in statement.conditions.iter().filter(|cl| on(cl.key.node.lower())) {
            let values: Vec<String> = clause.values.iter().map(|v| format!("`{}`", v.node.text())).collect();
            out.insert(format!("{} {} {}", clause.operator.node, clause.key.node.as_str(), values.join(", ")));
        }
    }
    out.into_iter().collect()
}

const NETWORK_KEYS: [&str; 4] = ["aws:sourcevpc", "aws:sourcevpce", "aws:sourceip", "aws:vpcsourceip"];
const TIME_KEYS: [&str; 2] = ["aws:currenttime", "aws:epochtime"];
const ARN_KEYS: [&str; 4] = ["aws:principalarn", "aws:principalaccount", "aws:principalorgid", "aws:principalorgpaths"];

/// Whether a lower-cased condition key belongs to a dimension.
type KeyFilter = Box<dyn Fn(&str) -> bool>;

/// The guard name of a dimension and which keys it owns.
fn guard_of(kind: &DimKind) -> Option<(String, KeyFilter)> {
    match kind {
        DimKind::Audience | DimKind::Lifetime | DimKind::Algorithm | DimKind::Tags => None,
        DimKind::Network => Some(("network".into(), Box::new(|k: &str| NETWORK_KEYS.contains(&k)))),
        DimKind::Time => Some(("time".into(), Box::new(|k: &str| TIME_KEYS.contains(&k)))),
        DimKind::PrincipalArn => Some((
            "principal".into(),
            Box::new(|k: &str| ARN_KEYS.contains(&k) || k == "aws:principaltype" || k == "aws:userid"),
        )),
        DimKind::PrincipalTag(t) => {
            let key = format!("aws:principaltag/{}", t.to_ascii_lowercase());
            Some((format!("aws:PrincipalTag/{t}"), Box::new(move |k: &str| k == key)))
        }
        DimKind::Region => Some(("region".into(), Box::new(|k: &str| k == "aws:requestedregion"))),
        DimKind::Key(key) => {
            let owned = key.clone();
            Some((key.clone(), Box::new(move |k: &str| k == owned)))
        }
    }
}

/// Analyse one principal.
pub fn principal(
    display: &str,
    name: Option<String>,
    set: &PolicySet,
    facts: &PrincipalFacts,
    options: &GraphOptions,
) -> PrincipalGraph {
    let assumptions = &options.assumptions;
    let work = Work::new(bound_for(options.budget));
    let space = space::build(set, set, facts, assumptions, options.budget, &work);
    let mut g = PrincipalGraph {
        principal: display.to_owned(),
        arn: facts.arn.clone(),
        arn_assumed: false,
        name,
        exact: space.unsupported.is_empty(),
        inexact_reason: (!space.unsupported.is_empty()).then(|| space.unsupported.join("; ")),
        can_mint: false,
        audiences: Vec::new(),
        max_lifetime: None,
        duration_may_be_omitted: false,
        lifetime_statements: Vec::new(),
        algorithms: Vec::new(),
        algorithm_statements: Vec::new(),
        tags: Vec::new(),
        guards: Vec::new(),
        depends_on: Vec::new(),
        evaluations: 0,
        policies: set.clone(),
        example: None,
        space: None,
        allowed_points: Vec::new(),
    };
    let stopped = |g: &mut PrincipalGraph, reason: String| {
        g.exact = false;
        g.inexact_reason = Some(match g.inexact_reason.take() {
            Some(r) => format!("{reason}; {r}"),
            None => reason,
        });
    };
    if let Some(reason) = &space.stopped {
        stopped(&mut g, reason.clone());
        return g;
    }
    let Some(points) = Grid::new(&space, options.budget) else {
        let reason = format!(
            "{} representative requests exceed the budget of {} ({})",
            space.size(),
            options.budget,
            space.shape()
        );
        stopped(&mut g, reason);
        return g;
    };
    let Ok(bits) = decide_all(&points, &[set], assumptions, &work) else {
        let reason = format!(
            "deciding its {} representative requests on policies of this size exceeds the analysis work bound ({} \
             steps)",
            points.total,
            work.limit()
        );
        stopped(&mut g, reason);
        return g;
    };
    // decide_all decides the authorization checks; a request the API refuses (its parameter validation comes
    // first) is not allowed either, as `allows` says.
    let allowed: Vec<bool> = bits
        .iter()
        .enumerate()
        .map(|(i, b)| b & 1 != 0 && work.spend(16).is_ok() && points.request(i).validate(assumptions).is_ok())
        .collect();
    let size: usize =
        ["sts:GetWebIdentityToken", "sts:TagGetWebIdentityToken"].map(|a| set.prepare(a).size()).iter().sum();
    let meter = Meter { work: &work, cost: 200 + size as u64 };
    g.evaluations = points.total as u64;
    let is_allowed = |i: usize| allowed.get(i).copied().unwrap_or(false);
    let allowed_points: Vec<usize> = (0..points.total).filter(|&i| is_allowed(i)).collect();
    let Some(&first) = allowed_points.first() else { return g };
    g.can_mint = true;
    let dim_of = |kind: &DimKind| space.dims.iter().position(|d| &d.kind == kind);

    // Audiences. A region of the audience key is a set of strings on which every clause agrees, so one
    // region can hold several listed values (one `ForAllValues:StringLike` clause with a literal and a
    // pattern is one region). Each region an allowed request touches is therefore named by every value a
    // policy lists that the evaluator allows in its place, and as "any audience" when its representative
    // matches no listed value.
    let audience_values = values_on(set, "sts:identitytokenaudience");
    let mut audiences: BTreeMap<AudienceGrant, (String, Request)> = BTreeMap::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for &i in &allowed_points {
        let request = points.request(i);
        for w in request.audiences() {
            if !seen.insert(w.clone()) {
                continue;
            }
            if dim_of(&DimKind::Audience).is_none() || name_value(w, &audience_values, false).is_none() {
                audiences.entry(AudienceGrant::Any).or_insert_with(|| (w.clone(), request.clone()));
            }
            for v in &audience_values {
                let instance = pattern_instance(v);
                let mut r = request.clone();
                r.edit_mint(|m| {
                    for a in &mut m.audiences {
                        if a == w {
                            a.clone_from(&instance);
                        }
                    }
                });
                if !audiences.keys().any(|g| g.label() == *v) && meter.allows(set, &r, assumptions) {
                    let grant = if wildcard::has_wildcard(v) {
                        AudienceGrant::Pattern(v.clone())
                    } else {
                        AudienceGrant::Literal(v.clone())
                    };
                    audiences.insert(grant, (instance, r));
                }
            }
        }
    }
    for (grant, (witness, mut r)) in audiences {
        // The audience alone when it can be requested alone; otherwise with the list that allowed it.
        let mut alone = r.clone();
        alone.edit_mint(|m| m.audiences = vec![witness.clone()]);
        if meter.allows(set, &alone, assumptions) {
            r = alone;
        }
        depends(&mut g.depends_on, &format!("audience {}", grant.label()), set, &r, assumptions);
        let statements = dedup(allowing(set, &r, assumptions));
        g.audiences.push(AudienceEdge { grant, witness, statements, request: r });
    }

    // Lifetime: the largest allowed (each lifetime representative is the largest of its region).
    let mut best: Option<(u32, usize)> = None;
    for &i in &allowed_points {
        let d = points.request(i).duration();
        match d {
            None => g.duration_may_be_omitted = true,
            Some(d) if best.is_none_or(|(b, _)| d > b) => best = Some((d, i)),
            Some(_) => {}
        }
    }
    if dim_of(&DimKind::Lifetime).is_none() {
        // Untested: every lifetime is allowed wherever one is.
        g.duration_may_be_omitted = true;
        let mut r = points.request(first);
        r.edit_mint(|m| m.duration = Some(MAX_DURATION));
        best = meter.allows(set, &r, assumptions).then_some((MAX_DURATION, first));
    }
    g.max_lifetime = best.map(|(d, _)| d);
    let example_point = best.map_or(first, |(_, i)| i);
    let mut example = points.request(example_point);
    if dim_of(&DimKind::Lifetime).is_none() {
        example.edit_mint(|m| m.duration = g.max_lifetime);
    }
    if let Some(max) = g.max_lifetime {
        depends(&mut g.depends_on, "maximum lifetime", set, &example, assumptions);
        if max < MAX_DURATION {
            let mut above = example.clone();
            above.edit_mint(|m| m.duration = Some(max + 1));
            depends(&mut g.depends_on, "lifetime above the maximum denied", set, &above, assumptions);
            g.lifetime_statements = dedup(bounding(set, &above, assumptions));
        }
    }

    let mut omitted = example.clone();
    omitted.edit_mint(|m| m.duration = None);
    let claim = if g.duration_may_be_omitted { "duration may be omitted" } else { "duration must be sent" };
    depends(&mut g.depends_on, claim, set, &omitted, assumptions);

    // Signing algorithms: each accepted value on an allowed request.
    for alg in SIGNING_ALGORITHMS {
        let ok = allowed_points.iter().any(|&i| {
            let mut r = points.request(i);
            r.edit_mint(|m| alg.clone_into(&mut m.signing_algorithm));
            meter.allows(set, &r, assumptions)
        });
        if ok {
            g.algorithms.push(alg.to_owned());
        } else {
            let mut r = points.request(first);
            r.edit_mint(|m| alg.clone_into(&mut m.signing_algorithm));
            g.algorithm_statements.extend(bounding(set, &r, assumptions));
        }
    }
    g.algorithm_statements = dedup(std::mem::take(&mut g.algorithm_statements));

    g.tags = tags(set, &points, &allowed_points, assumptions, &meter);
    g.guards = guards(set, &points, &allowed, &allowed_points, assumptions);
    if work.exhausted() {
        // What was found is true but may be incomplete: report nothing rather than part of the answer.
        let reason = format!(
            "describing what its {} allowed representative requests can obtain exceeds the analysis work bound \
             ({} steps)",
            allowed_points.len(),
            work.limit()
        );
        let (name, policies) = (g.name.take(), g.policies.clone());
        g = PrincipalGraph {
            audiences: Vec::new(),
            max_lifetime: None,
            duration_may_be_omitted: false,
            lifetime_statements: Vec::new(),
            algorithms: Vec::new(),
            algorithm_statements: Vec::new(),
            tags: Vec::new(),
            guards: Vec::new(),
            depends_on: Vec::new(),
            example: None,
            can_mint: false,
            name,
            policies,
            ..g
        };
        stopped(&mut g, reason);
        return g;
    }
    g.allowed_points = allowed_points;
    g.space = Some(space.clone());
    g.depends_on.sort();
    g.depends_on.dedup();
    g.example = Some(example);
    g
}

/// Record the assumptions under whose alternative value a request decides otherwise.
fn depends(out: &mut Vec<Dependency>, claim: &str, set: &PolicySet, r: &Request, assumptions: &Assumptions) {
    let sim = simulate::simulate(set, r, assumptions, None);
    out.extend(sim.depends_on.iter().map(|d| Dependency {
        claim: claim.to_owned(),
        setting: d.setting.name(),
        configured: d.configured,
        alternative: d.alternative,
    }));
}

/// The request tags allowed requests carry, each named by the key a policy writes (or none: any key), and
/// whether a value no policy names is allowed too.
fn tags(
    set: &PolicySet,
    points: &Grid<'_>,
    allowed_points: &[usize],
    assumptions: &Assumptions,
    meter: &Meter<'_>,
) -> Vec<TagGrant> {
    let mut key_values = values_on(set, "aws:tagkeys");
    for (_, _, policy) in set.policies() {
        for s in &policy.policy.statements {
            for c in &s.conditions {
                if let Some(("aws:requesttag/", k)) = c.key.node.tag_key() {
                    key_values.push(k.to_owned());
                }
            }
        }
    }
    key_values.sort();
    key_values.dedup();
    // As for audiences, one region of tag keys can hold several named keys: each witness key is named by
    // every key a policy writes that the evaluator allows in its place (decided once per witness, on the
    // first allowed request that sends it), and by `None` when it matches no named key.
    let mut names: BTreeMap<String, Vec<(Option<String>, String)>> = BTreeMap::new();
    // Per named key (or `None`): whether free, the bounding cites of a request with a value no policy names.
    let mut found: BTreeMap<Option<String>, (bool, Vec<Cite>)> = BTreeMap::new();
    for &i in allowed_points {
        let r = points.request(i);
        for (k, _) in &r.tags {
            let of_k = names.entry(k.to_ascii_lowercase()).or_insert_with(|| {
                let mut out = Vec::new();
                if name_value(k, &key_values, true).is_none() {
                    out.push((None, k.clone()));
                }
                for v in &key_values {
                    let instance = pattern_instance(v);
                    if !instance.eq_ignore_ascii_case(k)
                        && r.tags.iter().any(|(other, _)| other.eq_ignore_ascii_case(&instance))
                    {
                        continue;
                    }
                    if meter.allows(set, &renamed(&r, k, &instance, None), assumptions) {
                        out.push((Some(v.clone()), instance));
                    }
                }
                out
            });
            for (named, instance) in of_k.iter() {
                let entry = found.entry(named.clone()).or_insert((false, Vec::new()));
                if entry.0 {
                    continue;
                }
                let shown = renamed(&r, k, instance, None);
                if !meter.allows(set, &shown, assumptions) {
                    continue;
                }
                let free = renamed(&r, k, instance, Some(FREE_VALUE));
                if meter.allows(set, &free, assumptions) {
                    entry.0 = true;
                    entry.1.clear();
                } else if entry.1.is_empty() {
                    entry.1 = bounding(set, &free, assumptions);
                }
            }
        }
    }
    found
        .into_iter()
        .map(|(key, (free, cites))| {
            let cites = dedup(cites);
            let value = if free {
                TagValue::Free
            } else {
                let lower = key.as_ref().map(|k| format!("aws:requesttag/{}", k.to_ascii_lowercase()));
                let on = |k: &str| lower.as_deref().is_some_and(|l| l == k) || k.starts_with("aws:requesttag/");
                TagValue::Bound(clauses_of(&cites, set, &on))
            };
            TagGrant { key, value, statements: cites }
        })
        .collect()
}

/// A request with the tag `from` sent as `to` (and with `value`, when given).
fn renamed(r: &Request, from: &str, to: &str, value: Option<&str>) -> Request {
    let mut r = r.clone();
    for (key, v) in &mut r.tags {
        if key == from {
            to.clone_into(key);
            if let Some(value) = value {
                value.clone_into(v);
            }
        }
    }
    r
}

/// The context dimensions (network, time, principal, other keys) some of whose regions are denied on
/// otherwise allowed requests.
fn guards(
    set: &PolicySet,
    points: &Grid<'_>,
    allowed: &[bool],
    allowed_points: &[usize],
    assumptions: &Assumptions,
) -> Vec<Guard> {
    let mut out = Vec::new();
    for (d, dim) in points.space.dims.iter().enumerate() {
        let Some((dimension, owns)) = guard_of(&dim.kind) else { continue };
        // One denied neighbour per denied region is enough to name what denies it: the neighbour of the first
        // allowed point (in point order) whose neighbour there is denied, found in one pass rather than a scan
        // of the allowed points per region.
        let mut first_allowed = vec![usize::MAX; points.lines(d)];
        for &p in allowed_points {
            if let Some(l) = first_allowed.get_mut(points.line(p, d)) {
                *l = (*l).min(p);
            }
        }
        // Per region: (first allowed point of the line, its denied neighbour in this region).
        let mut neighbour: Vec<Option<(usize, usize)>> = vec![None; points.radix.get(d).copied().unwrap_or(1)];
        for q in (0..points.total).filter(|&q| !allowed.get(q).copied().unwrap_or(true)) {
            let p = first_allowed.get(points.line(q, d)).copied().unwrap_or(usize::MAX);
            if p == usize::MAX {
                continue;
            }
            if let Some(slot) = neighbour.get_mut(points.digit(q, d))
                && slot.is_none_or(|(best, _)| p < best)
            {
                *slot = Some((p, q));
            }
        }
        let neighbour: Vec<Option<usize>> = neighbour.into_iter().map(|n| n.map(|(_, q)| q)).collect();
        let mut cites = Vec::new();
        for q in neighbour.into_iter().flatten() {
            cites.extend(bounding(set, &points.request(q), assumptions));
        }
        if cites.is_empty() {
            continue;
        }
        let cites = dedup(cites);
        out.push(Guard { conditions: clauses_of(&cites, set, &*owns), dimension, statements: cites });
    }
    out
}
