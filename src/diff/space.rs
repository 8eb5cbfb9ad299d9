//! The request space of one principal: every part of a token request that a condition of either side can
//! see, cut into finitely many regions with one representative request part per region (DESIGN §5).
//!
//! A *dimension* is a part of the request that varies independently of the others (the audience list, the
//! lifetime, the algorithm, the request tags, the network path, the time, the principal's ARN or tags, any
//! other key). Its representatives cover every region of every key it owns; the product of the dimensions'
//! representatives then covers every region of the whole request.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::eval::assumptions::CaseVariantTagKeys;
use crate::eval::condition::{ClauseValues, CompiledClause, PatternPart, StrPattern};
use crate::eval::{Assumptions, ContextValue, PolicySet, RequestContext};
use crate::policy::value::date::Timestamp;
use crate::policy::value::ip::{Cidr, parse_addr};
use crate::policy::value::number::Number;
use crate::policy::{Family, Operator, OperatorKind};
use crate::request::{Mint, Network, Region, Request};
use crate::service::{KeyType, ServiceReference};
use crate::token::{self, MAX_AUDIENCE_LEN, MAX_TAG_KEY_LEN, MAX_TAG_VALUE_LEN, MINT_ACTION, TAG_ACTION};

use super::count::Count;
pub use super::reps::Dim;
use super::reps::{NamedTag, Subsets, TagSets};
use super::strings::{self, Atom, CharEq, Domain, Piece, TooComplex};
use super::work::Work;

/// Most distinct automaton states explored for one key before it is declared too complex.
pub const MAX_STATES_PER_KEY: usize = 20_000;

/// What a dimension is about, in the words the report uses.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DimKind {
    Audience,
    Lifetime,
    Algorithm,
    Tags,
    Network,
    Time,
    PrincipalArn,
    PrincipalTag(String),
    Region,
    /// Any other condition key, lower-cased.
    Key(String),
}

/// One representative value of a dimension, as a change to a token request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rep {
    Audiences(Vec<String>),
    Duration(Option<u32>),
    Algorithm(String),
    Tags(Vec<(String, String)>),
    Network(Network),
    Time(Timestamp),
    PrincipalArn(String),
    PrincipalTag(String, Option<String>),
    Region(Region),
    Context(String, Option<ContextValue>),
}

impl Rep {
    pub fn apply(&self, r: &mut Request) {
        match self {
            Rep::Audiences(a) => r.edit_mint(|m| m.audiences.clone_from(a)),
            Rep::Duration(d) => r.edit_mint(|m| m.duration = *d),
            Rep::Algorithm(a) => r.edit_mint(|m| m.signing_algorithm.clone_from(a)),
            Rep::Tags(t) => r.tags.clone_from(t),
            Rep::Network(n) => r.network.clone_from(n),
            Rep::Time(t) => r.time = Some(*t),
            Rep::PrincipalArn(a) => r.principal_arn = Some(a.clone()),
            Rep::PrincipalTag(k, v) => {
                r.principal_tags.retain(|(key, _)| !key.eq_ignore_ascii_case(k));
                if let Some(v) = v {
                    r.principal_tags.push((k.clone(), v.clone()));
                }
            }
            Rep::Region(region) => r.region.clone_from(region),
            Rep::Context(k, v) => {
                r.context.retain(|(key, _)| !key.eq_ignore_ascii_case(k));
                if let Some(v) = v {
                    r.context.push((k.clone(), v.clone()));
                }
            }
        }
    }
}

/// The space of one principal.
#[derive(Clone, Debug)]
pub struct Space {
    /// The request every point starts from: the principal's known facts and neutral values.
    pub base: Request,
    pub dims: Vec<Dim>,
    /// Why the regions may not cover every request (unsupported constructs); empty when exact.
    pub unsupported: Vec<String>,
    /// Why the space was not completed (a work bound stopped it): it must not be enumerated.
    pub stopped: Option<String>,
}

impl Space {
    /// How many representative requests the space holds: the product of its dimensions' counts, known
    /// before any of them is enumerated.
    pub fn size(&self) -> Count {
        self.dims.iter().fold(Count::ONE, |acc, d| acc.times(if d.is_empty() { Count::ONE } else { d.count() }))
    }

    /// The dimensions' sizes, largest first, for a report (`616665 audience lists × 2 tag sets`).
    pub fn shape(&self) -> String {
        let mut parts: Vec<(Count, String)> =
            self.dims.iter().map(|d| (d.count(), format!("{} {}", d.count(), d.kind.noun()))).collect();
        parts.sort_by(|a, b| b.0.cmp_size(&a.0));
        parts.into_iter().filter(|(n, _)| n.exceeds(1)).map(|(_, s)| s).collect::<Vec<_>>().join(" × ")
    }
}

impl DimKind {
    /// What its representatives are, in the plural.
    pub fn noun(&self) -> String {
        match self {
            DimKind::Audience => "audience lists".into(),
            DimKind::Lifetime => "lifetimes".into(),
            DimKind::Algorithm => "algorithms".into(),
            DimKind::Tags => "tag sets".into(),
            DimKind::Network => "network paths".into(),
            DimKind::Time => "times".into(),
            DimKind::PrincipalArn => "principal ARNs".into(),
            DimKind::PrincipalTag(k) => format!("values of `aws:PrincipalTag/{k}`"),
            DimKind::Region => "regions".into(),
            DimKind::Key(k) => format!("values of `{k}`"),
        }
    }
}

/// What is known about the principal independently of its policies.
#[derive(Clone, Debug, Default)]
pub struct PrincipalFacts {
    pub arn: Option<String>,
    /// `None` when unknown (raw policy files): the principal's tags then vary.
    pub tags: Option<Vec<(String, String)>>,
    /// Condition keys the inventory fixes for the principal (its organization: `aws:PrincipalOrgID`,
    /// `aws:PrincipalOrgPaths`), as `simulate` gives them: they are facts of the principal, never varied.
    pub context: Vec<(String, ContextValue)>,
}

/// What a caller of the region analysis adds to the policies' own constants (the relying-party join): more
/// string predicates per lower-cased key, which the regions must tell apart (an audience a relying party
/// accepts, a claim value it binds), and context keys whose values are facts of the principal rather than
/// choices of the request (its organization).
#[derive(Clone, Debug, Default)]
pub struct Extra {
    pub probes: BTreeMap<String, Vec<Atom>>,
    pub fixed: Vec<(String, ContextValue)>,
}

/// Regions of a string key: each class (the clause vectors) with its witnesses.
type Classes = Vec<(Vec<bool>, Vec<String>)>;

/// The clauses that can apply to a minting request, by lower-cased key.
type Clauses<'a> = BTreeMap<String, Vec<&'a CompiledClause>>;

/// Every condition clause of every statement (both sides, every layer) whose action covers one of the two
/// minting checks.
fn gather<'a>(sets: &[&'a PolicySet]) -> Clauses<'a> {
    let mut by_key: Clauses<'a> = BTreeMap::new();
    for (i, set) in sets.iter().enumerate() {
        // `graph` passes one set as both sides: its clauses count once.
        if sets.iter().take(i).any(|earlier| std::ptr::eq(*earlier, *set)) {
            continue;
        }
        for (_, _, policy) in set.policies() {
            for s in policy.statements.iter() {
                if s.matches_action(MINT_ACTION) || s.matches_action(TAG_ACTION) {
                    for c in s.clauses.iter() {
                        by_key.entry(c.key.to_string()).or_default().push(c);
                    }
                }
            }
        }
    }
    by_key
}

/// The key's type as a minting request carries it; `None` when no request for either action carries it (a
/// misspelt or foreign key is always absent, so it is no dimension).
fn carried(key: &str) -> Option<KeyType> {
    let r = ServiceReference::get();
    r.action_key("sts", "GetWebIdentityToken", key)
        .or_else(|| r.action_key("sts", "TagGetWebIdentityToken", key))
        .map(|k| k.ty)
}

const NETWORK_KEYS: [&str; 4] = ["aws:sourcevpc", "aws:sourcevpce", "aws:sourceip", "aws:vpcsourceip"];
const TIME_KEYS: [&str; 2] = ["aws:currenttime", "aws:epochtime"];
const ARN_KEYS: [&str; 4] = ["aws:principalarn", "aws:principalaccount", "aws:principaltype", "aws:username"];
/// Keys every signed request carries, so "absent" is no region of theirs.
const ALWAYS_PRESENT: [&str; 6] = [
    "aws:securetransport",
    "aws:viaawsservice",
    "aws:useragent",
    "aws:userid",
    "aws:principalisawsservice",
    "aws:requestedregion",
];

const AUDIENCE: &str = "sts:identitytokenaudience";
const REGION: &str = "aws:requestedregion";
const DURATION: &str = "sts:durationseconds";
const ALGORITHM: &str = "sts:signingalgorithm";
const TAG_KEYS: &str = "aws:tagkeys";
const REQUEST_TAG: &str = "aws:requesttag/";
const PRINCIPAL_TAG: &str = "aws:principaltag/";

/// Readable values tried first for each region's witness (a region keeps its BFS witness when none of
/// them falls in it).
const PRETTY_AUDIENCES: [&str; 3] = ["https://audience.example", "https://other.example", "audience"];
const PRETTY_VALUES: [&str; 3] = ["value", "other", "x"];
const PRETTY_REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];
const PRETTY_TAG_KEYS: [&str; 3] = ["env", "tag", "other"];
const PRETTY_ARN: [&str; 3] = [
    "arn:aws:iam::111122223333:role/mintlint-witness",
    "arn:aws:iam::111122223333:role/aws-service-role/witness",
    "arn:aws:iam::444455556666:role/mintlint-witness",
];

/// A variable of a condition value, by whether the diff can follow it.
enum Resolved {
    Fixed(Option<String>),
    Varying,
}

/// Condition clauses on a key, evaluated by the real evaluator against the base request with that key set.
/// Every evaluation is paid for from the principal's work bound; once it is spent, classification stops
/// (every value falls in one class) and the space is marked stopped, so nothing built from it is used.
struct Classifier<'a> {
    base: RequestContext,
    clauses: &'a Clauses<'a>,
    assumptions: Assumptions,
    work: &'a Work,
    probes: &'a BTreeMap<String, Vec<Atom>>,
}

impl Classifier<'_> {
    fn vector(&self, key: &str, value: Option<ContextValue>) -> Vec<bool> {
        let chars = value.as_ref().map_or(0, |v| v.values().iter().map(|s| s.len()).sum::<usize>());
        let mut ctx = self.base.clone();
        match value {
            Some(v) => ctx.insert(key, v),
            None => ctx.remove(key),
        }
        self.vector_scaled(key, &ctx, chars)
    }

    fn vector_in(&self, key: &str, ctx: &RequestContext) -> Vec<bool> {
        self.vector_scaled(key, ctx, 0)
    }

    /// `chars`: the length of the value tested, which the cost of matching patterns grows with.
    fn vector_scaled(&self, key: &str, ctx: &RequestContext, chars: usize) -> Vec<bool> {
        let clauses = self.clauses.get(key).map_or(&[][..], |cs| cs.as_slice());
        let probes = self.probes.get(key).map_or(&[][..], |p| p.as_slice());
        let values: usize = clauses.iter().map(|c| c.values.len() + 1).sum::<usize>() + probes.len();
        let units = (values as u64).saturating_mul(1 + chars as u64 / 16);
        if self.work.spend(units).is_err() {
            return vec![false; clauses.len() + probes.len()];
        }
        let mut v: Vec<bool> = clauses.iter().map(|c| c.evaluate(ctx, &self.assumptions, &mut |_| {})).collect();
        // A probe holds when one of the key's values satisfies it (one element of a multi-valued key).
        for atom in probes {
            v.push(ctx.get_lower(key).is_some_and(|value| match value {
                ContextValue::Single(s) => strings::atom_accepts(atom, s),
                ContextValue::Multi(items) => items.iter().any(|s| strings::atom_accepts(atom, s)),
            }));
        }
        v
    }
}

/// What building the space needs to know about variables: which keys vary, and the base context that
/// gives fixed keys their values.
struct Variables<'a> {
    varying: &'a BTreeSet<String>,
    base: &'a RequestContext,
}

impl Variables<'_> {
    fn resolve(&self, key: &str) -> Resolved {
        if self.varying.contains(key)
            || key.starts_with(REQUEST_TAG)
            || key == TAG_KEYS
            || self.varying.iter().any(|v| v.ends_with('/') && key.starts_with(v.as_str()))
        {
            Resolved::Varying
        } else {
            Resolved::Fixed(self.base.single_lower(key).map(str::to_owned))
        }
    }
}

/// A pattern after substituting fixed variables.
enum Pattern {
    Pieces(Vec<Piece>),
    /// A variable with no value and no default: matches nothing.
    Never,
    /// The whole pattern is one varying variable (compared for equality with another key).
    Linked {
        key: String,
        default: Option<String>,
    },
    /// A varying variable inside a larger pattern: not followed.
    Unsupported(String),
}

fn pattern(p: &StrPattern, vars: &Variables<'_>) -> Pattern {
    let parts = match p {
        StrPattern::Plain(text) => return Pattern::Pieces(vec![Piece::Glob(text.to_string())]),
        StrPattern::Parts(parts) => parts,
    };
    let mut pieces = Vec::new();
    for part in parts.iter() {
        match part {
            PatternPart::Text(t) => pieces.push(Piece::Glob(t.to_string())),
            PatternPart::Escaped(c) => pieces.push(Piece::Literal(c.to_string())),
            PatternPart::Variable { key, default, .. } => match vars.resolve(key) {
                Resolved::Fixed(Some(v)) => pieces.push(Piece::Literal(v)),
                Resolved::Fixed(None) => match default {
                    Some(d) => pieces.push(Piece::Literal(d.to_string())),
                    None => return Pattern::Never,
                },
                Resolved::Varying if parts.len() == 1 => {
                    return Pattern::Linked { key: key.to_string(), default: default.as_ref().map(|d| d.to_string()) };
                }
                Resolved::Varying => return Pattern::Unsupported(key.to_string()),
            },
        }
    }
    Pattern::Pieces(pieces)
}

/// The string atoms of a key's clauses, the keys linked to it by whole-value variables, extra candidate
/// values from clauses of other families (numbers, dates, addresses), and what is not followed.
#[derive(Default)]
struct KeyAtoms {
    atoms: Vec<Atom>,
    links: Vec<String>,
    candidates: Vec<String>,
    /// `Like` patterns as written, to derive readable witnesses from.
    patterns: Vec<String>,
    non_string: bool,
    unsupported: Vec<String>,
}

fn key_atoms(key: &str, clauses: &[&CompiledClause], vars: &Variables<'_>) -> KeyAtoms {
    let mut out = KeyAtoms::default();
    for c in clauses {
        let kind = c.operator.kind.positive();
        let string_like = |p: &StrPattern, out: &mut KeyAtoms, arn: bool| {
            let (like, eq) = match kind {
                OperatorKind::StringLike => (true, CharEq::Exact),
                OperatorKind::StringEqualsIgnoreCase => (false, CharEq::Fold),
                _ => (false, CharEq::Exact),
            };
            match pattern(p, vars) {
                Pattern::Pieces(pieces) => {
                    if like || arn {
                        out.patterns.push(
                            pieces
                                .iter()
                                .map(|p| match p {
                                    Piece::Literal(t) | Piece::Glob(t) => t.as_str(),
                                })
                                .collect(),
                        );
                    }
                    out.atoms.push(if arn {
                        strings::arn_atom(&pieces)
                    } else {
                        strings::string_atom(&pieces, like, eq)
                    });
                }
                Pattern::Never => {}
                Pattern::Linked { key: other, default } => {
                    if arn {
                        out.unsupported.push(format!("policy variable `${{{other}}}` in an ARN condition on `{key}`"));
                    }
                    out.links.push(other);
                    if let Some(d) = default {
                        out.atoms.push(strings::string_atom(&[Piece::Literal(d)], false, eq));
                    }
                }
                Pattern::Unsupported(other) => {
                    out.unsupported.push(format!("policy variable `${{{other}}}` inside a pattern on `{key}`"))
                }
            }
        };
        match &c.values {
            ClauseValues::Strings(ps, _) => ps.iter().for_each(|p| string_like(p, &mut out, false)),
            ClauseValues::Arns(ps, _) => ps.iter().for_each(|p| string_like(p, &mut out, true)),
            ClauseValues::Bools(_) => {
                for word in ["true", "false"] {
                    out.atoms.push(strings::string_atom(&[Piece::Literal(word.into())], false, CharEq::AsciiFold));
                }
            }
            ClauseValues::Numbers(ns) => {
                out.non_string = true;
                let values: Vec<f64> = ns.iter().flatten().map(|n| n.value()).collect();
                out.candidates.extend(number_candidates(&values).into_iter().map(format_number));
                out.candidates.push("x".into());
            }
            ClauseValues::Dates(ds) => {
                out.non_string = true;
                out.candidates.extend(
                    time_candidates(&ds.iter().flatten().copied().collect::<Vec<_>>())
                        .iter()
                        .map(Timestamp::to_rfc3339),
                );
                out.candidates.push("x".into());
            }
            ClauseValues::Cidrs(cs) => {
                out.non_string = true;
                out.candidates.extend(ip_candidates(&cs.iter().flatten().copied().collect::<Vec<_>>()));
                out.candidates.push("x".into());
            }
            ClauseValues::Binary(_) => out.unsupported.push(format!("`BinaryEquals` on `{key}`")),
            ClauseValues::Null(_) => {}
        }
    }
    out
}

fn format_number(v: f64) -> String {
    Number::from_f64(v).map_or_else(|| "0".to_owned(), |n| n.to_string())
}

/// Numbers that cover every region a set of constants cuts the number line into: each constant, a point
/// between each adjacent pair, one below the least and one above the greatest.
fn number_candidates(constants: &[f64]) -> Vec<f64> {
    let mut c: Vec<f64> = constants.iter().copied().filter(|v| v.is_finite()).collect();
    c.sort_by(f64::total_cmp);
    c.dedup();
    let mut out = Vec::new();
    match (c.first(), c.last()) {
        (Some(lo), Some(hi)) => {
            out.push(lo - 1.0);
            out.push(hi + 1.0);
        }
        _ => out.push(0.0),
    }
    for w in c.windows(2) {
        if let [a, b] = w {
            out.push(a + (b - a) / 2.0);
        }
    }
    out.extend(c);
    out
}

/// Integer lifetimes in 60..=3600 covering every region of the constants; the largest member of each
/// region is included, so the maximum allowed lifetime is among them.
fn duration_candidates(constants: &[f64]) -> Vec<u32> {
    let lo = f64::from(token::MIN_DURATION);
    let hi = f64::from(token::MAX_DURATION);
    let mut out: BTreeSet<u32> = [token::MIN_DURATION, token::MAX_DURATION].into();
    for &x in constants.iter().filter(|x| x.is_finite()) {
        for v in [x.floor() - 1.0, x.floor(), x.floor() + 1.0, x.ceil(), x.ceil() + 1.0] {
            if (lo..=hi).contains(&v) {
                // INVARIANT: v is integral and within 60..=3600.
                out.insert(v as u32);
            }
        }
    }
    out.into_iter().collect()
}

/// Instants covering every region of date constants, for keys read at nanosecond (`aws:CurrentTime`) and at
/// whole-second (`aws:EpochTime`) resolution: every constant, the whole seconds around it, a point between
/// each adjacent pair, and a day before the first and after the last.
fn time_candidates(constants: &[Timestamp]) -> Vec<Timestamp> {
    let to_nanos = |t: &Timestamp| i128::from(t.epoch_secs()) * 1_000_000_000 + i128::from(t.subsec_nanos());
    let mut points: BTreeSet<i128> = BTreeSet::new();
    for t in constants {
        let n = to_nanos(t);
        let whole = i128::from(t.epoch_secs()) * 1_000_000_000;
        points.extend([n, whole, whole + 1_000_000_000]);
    }
    if points.is_empty() {
        points.insert(1_767_225_600 * 1_000_000_000);
    }
    let sorted: Vec<i128> = points.iter().copied().collect();
    let mut out: BTreeSet<i128> = points;
    for w in sorted.windows(2) {
        if let [a, b] = w {
            out.insert(a + (b - a) / 2);
        }
    }
    if let (Some(first), Some(last)) = (sorted.first(), sorted.last()) {
        out.insert(first - 86_400 * 1_000_000_000);
        out.insert(last + 86_400 * 1_000_000_000);
    }
    out.into_iter()
        .filter_map(|n| {
            let secs = i64::try_from(n.div_euclid(1_000_000_000)).ok()?;
            let nanos = n.rem_euclid(1_000_000_000);
            let t = Timestamp::from_epoch_secs(secs);
            if nanos == 0 {
                return Some(t);
            }
            Timestamp::parse(&format!("{}.{nanos:09}Z", t.to_rfc3339().trim_end_matches('Z')))
        })
        .filter(|t| (0..253_402_300_800).contains(&t.epoch_secs()))
        .collect()
}

/// Addresses covering every region of a set of CIDR blocks: each block's first and last address and the
/// addresses just outside, per family, and one address of a family no block uses.
fn ip_candidates(cidrs: &[Cidr]) -> Vec<String> {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    let mut v4: BTreeSet<u32> = BTreeSet::new();
    let mut v6: BTreeSet<u128> = BTreeSet::new();
    for c in cidrs {
        let prefix = u32::from(c.prefix_len());
        match c.network() {
            IpAddr::V4(a) => {
                let start = u32::from(a);
                let size = 1u64 << (32 - prefix.min(32));
                let end = u32::try_from(u64::from(start) + size - 1).unwrap_or(u32::MAX);
                v4.extend([start, end]);
                v4.extend(start.checked_sub(1));
                v4.extend(end.checked_add(1));
            }
            IpAddr::V6(a) => {
                let start = u128::from(a);
                let end = if prefix == 0 { u128::MAX } else { start | (u128::MAX >> prefix.min(128)) };
                v6.extend([start, end]);
                v6.extend(start.checked_sub(1));
                v6.extend(end.checked_add(1));
            }
        }
    }
    if v4.is_empty() {
        v4.insert(u32::from(Ipv4Addr::new(203, 0, 113, 10)));
    }
    if v6.is_empty() {
        v6.insert(u128::from(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)));
    }
    v4.into_iter()
        .map(|a| Ipv4Addr::from(a).to_string())
        .chain(v6.into_iter().map(|a| Ipv6Addr::from(a).to_string()))
        .collect()
}

/// The regions of one string-valued key (or a group of keys linked by variables): each class of values
/// with up to `per_class` witnesses, readable candidates preferred.
struct StringRegions {
    /// `(class, witnesses)`; the class is the concatenated clause vectors of the group's keys.
    classes: Vec<(Vec<bool>, Vec<String>)>,
}

/// Everything needed to classify and build the regions of a group of linked string keys.
struct Group<'a> {
    keys: Vec<String>,
    /// Multi-valued keys classify one element at a time (`Multi([value])`).
    multi: bool,
    domain: Domain,
    pretty: &'a [&'a str],
}

fn string_regions(
    group: &Group<'_>,
    atoms: Vec<Atom>,
    atoms_text: &[String],
    candidates: &[String],
    classifier: &Classifier<'_>,
    unsupported: &mut Vec<String>,
) -> StringRegions {
    let per_class = if group.keys.len() > 1 { 2 } else { 1 };
    let classify = |text: &str| -> Vec<bool> {
        group
            .keys
            .iter()
            .flat_map(|k| {
                let v = if group.multi {
                    ContextValue::Multi(vec![text.into()])
                } else {
                    ContextValue::Single(text.into())
                };
                classifier.vector(k, Some(v))
            })
            .collect()
    };
    let mut classes =
        match strings::regions(&atoms, &group.domain, per_class, MAX_STATES_PER_KEY, classifier.work, classify) {
            Ok(c) => c,
            Err(e) => {
                unsupported.push(too_complex(e, &format!("`{}`", group.keys.join("`, `"))));
                Vec::new()
            }
        };
    let fits = |t: &str| {
        let n = t.chars().count();
        n >= group.domain.min_len
            && n <= group.domain.max_len
            && t.chars().all(group.domain.allowed)
            && group.domain.shape.iter().all(|p| strings::atom_accepts(&Atom::All(vec![p.clone()]), t))
    };
    // Readable candidates take over a region's witness; candidates from other operator families may open
    // regions of their own.
    // Patterns with their wildcards filled in read better than the shortest string (`https://x.example`
    // rather than `https://.example`).
    let derived: Vec<String> = atoms_text.iter().map(|p| p.replace(['*', '?'], "x")).collect();
    for text in
        group.pretty.iter().map(|s| s.to_string()).chain(derived.iter().cloned()).chain(candidates.iter().cloned())
    {
        if !fits(&text) {
            continue;
        }
        let class = classify(&text);
        let preferred = group.pretty.contains(&text.as_str()) || derived.contains(&text);
        match classes.iter_mut().find(|(k, _)| *k == class) {
            Some((_, ws)) => {
                // Readable witnesses go first, up to the number the class keeps.
                let readable =
                    ws.iter().take_while(|w| group.pretty.contains(&w.as_str()) || derived.contains(w)).count();
                if preferred && readable < per_class && !ws.contains(&text) {
                    ws.insert(readable, text);
                    ws.truncate(per_class);
                }
            }
            None => classes.push((class, vec![text])),
        }
    }
    StringRegions { classes }
}

/// Why the regions of a key were not built, in the report's words.
fn too_complex(e: TooComplex, keys: &str) -> String {
    match e {
        TooComplex::States => format!("the patterns on {keys} combine into more than {MAX_STATES_PER_KEY} cases"),
        TooComplex::Work => format!("the conditions on {keys} exceed the analysis work bound"),
    }
}

/// Union-find over keys linked by variables: the smallest key names its group.
fn union(parent: &mut BTreeMap<String, String>, a: &str, b: &str) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
        parent.insert(hi, lo);
    }
}

fn find(parent: &mut BTreeMap<String, String>, k: &str) -> String {
    let mut cur = k.to_owned();
    while let Some(p) = parent.get(&cur) {
        if *p == cur {
            break;
        }
        cur = p.clone();
    }
    cur
}

/// Build the space of one principal from both sides' policies.
///
/// Nothing here grows beyond the bounds: a dimension whose representatives would exceed `budget` to build is
/// only counted (the space is then over budget and reported so, with its true size), and every evaluation
/// and automaton step is paid from `work`; when it runs dry the space is marked `stopped`.
pub fn build(
    baseline: &PolicySet,
    current: &PolicySet,
    facts: &PrincipalFacts,
    assumptions: &Assumptions,
    budget: u64,
    work: &Work,
) -> Space {
    build_with(baseline, current, facts, assumptions, &Extra::default(), budget, work)
}

/// [`build`], with predicates the regions must also tell apart and facts fixed for the principal.
pub fn build_with(
    baseline: &PolicySet,
    current: &PolicySet,
    facts: &PrincipalFacts,
    assumptions: &Assumptions,
    extra: &Extra,
    budget: u64,
    work: &Work,
) -> Space {
    let clauses = gather(&[baseline, current]);
    let mut unsupported: Vec<String> = Vec::new();
    let mut types: BTreeMap<String, KeyType> = BTreeMap::new();
    for key in clauses.keys().chain(extra.probes.keys()) {
        if let Some(ty) = carried(key) {
            types.insert(key.clone(), ty);
        }
    }
    let fixed: Vec<&(String, ContextValue)> = extra.fixed.iter().chain(&facts.context).collect();
    for (key, _) in &fixed {
        types.remove(&key.to_ascii_lowercase());
    }
    let tested = |k: &str| types.contains_key(k);

    let arn_known = facts.arn.is_some();
    let tags_known = facts.tags.is_some();
    let organization = [baseline, current].iter().any(|s| !s.scp_levels.is_empty() || !s.rcps.is_empty());
    let arn_varies =
        !arn_known && (ARN_KEYS.iter().any(|k| tested(k)) || (organization && !baseline.management_account));
    if !arn_known && (tested("aws:principaltype") || tested("aws:username")) {
        unsupported.push("`aws:PrincipalType` or `aws:username` is tested and the principal's ARN is unknown".into());
    }

    let mut base = Request {
        principal_arn: facts.arn.clone(),
        principal_tags: facts.tags.clone().unwrap_or_default(),
        ..Request::mint(Mint { audiences: vec![PRETTY_AUDIENCES[0].to_owned()], ..Mint::default() })
    };
    if arn_varies {
        base.principal_arn = Some(PRETTY_ARN[0].to_owned());
    }
    base.context.extend(fixed.iter().map(|kv| (*kv).clone()));
    let base_ctx = base.context(MINT_ACTION, assumptions);

    // Keys that vary, for variable resolution.
    let mut varying: BTreeSet<String> = types.keys().cloned().collect();
    if NETWORK_KEYS.iter().any(|k| tested(k)) {
        varying.extend(NETWORK_KEYS.iter().map(|k| k.to_string()));
    }
    if TIME_KEYS.iter().any(|k| tested(k)) {
        varying.extend(TIME_KEYS.iter().map(|k| k.to_string()));
    }
    if arn_varies {
        varying.extend(ARN_KEYS.iter().map(|k| k.to_string()));
    }
    if !tags_known {
        varying.insert(PRINCIPAL_TAG.to_owned());
    }
    // Fixed facts are no dimension even when tested.
    varying.remove("aws:principalisawsservice");
    if arn_known {
        for k in ARN_KEYS {
            varying.remove(k);
        }
    }
    if tags_known {
        varying.retain(|k| !k.starts_with(PRINCIPAL_TAG));
    }
    let vars = Variables { varying: &varying, base: &base_ctx };
    let classifier = Classifier {
        base: base_ctx.clone(),
        clauses: &clauses,
        assumptions: *assumptions,
        work,
        probes: &extra.probes,
    };

    // Atoms and links of every tested key.
    let mut atoms: BTreeMap<String, KeyAtoms> = BTreeMap::new();
    for (key, cs) in &clauses {
        if tested(key) {
            let a = key_atoms(key, cs, &vars);
            unsupported.extend(a.unsupported.iter().cloned());
            atoms.insert(key.clone(), a);
        }
    }
    for (key, probes) in &extra.probes {
        if tested(key) {
            atoms.entry(key.clone()).or_default().atoms.extend(probes.iter().cloned());
        }
    }
    // Linked groups among single-valued string keys (generic keys, principal tags, request tag values).
    let linkable = |k: &str| {
        k.starts_with(REQUEST_TAG) || (k.starts_with(PRINCIPAL_TAG) && !tags_known) || generic_string(k, &types)
    };
    let mut parent: BTreeMap<String, String> = BTreeMap::new();
    let mut extra_keys: BTreeSet<String> = BTreeSet::new();
    for (key, a) in &atoms {
        for other in &a.links {
            let other = other.to_ascii_lowercase();
            if linkable(key) && linkable(&other) {
                if !atoms.contains_key(&other) {
                    extra_keys.insert(other.clone());
                }
                union(&mut parent, key, &other);
            } else {
                unsupported.push(format!("policy variable `${{{other}}}` in a condition on `{key}`"));
            }
        }
    }
    for k in &extra_keys {
        atoms.entry(k.clone()).or_default();
    }
    let group_of = |parent: &mut BTreeMap<String, String>, k: &str| -> Vec<String> {
        let root = find(parent, k);
        let mut members: Vec<String> = atoms.keys().filter(|m| find(parent, m) == root).cloned().collect();
        if members.is_empty() {
            members.push(k.to_owned());
        }
        members
    };
    let mut regions_cache: BTreeMap<Vec<String>, StringRegions> = BTreeMap::new();
    let mut string_group = |parent: &mut BTreeMap<String, String>,
                            key: &str,
                            domain: Domain,
                            pretty: &[&str],
                            multi: bool,
                            unsupported: &mut Vec<String>|
     -> Classes {
        let members = if multi { vec![key.to_owned()] } else { group_of(parent, key) };
        if let Some(r) = regions_cache.get(&members) {
            return r.classes.clone();
        }
        let mut all_atoms = Vec::new();
        let mut candidates = Vec::new();
        let mut string_atoms = false;
        let mut non_string = false;
        for m in &members {
            if let Some(a) = atoms.get(m) {
                string_atoms |= !a.atoms.is_empty();
                non_string |= a.non_string;
                all_atoms.extend(a.atoms.iter().cloned());
                candidates.extend(a.candidates.iter().cloned());
            }
        }
        if string_atoms && non_string {
            unsupported.push(format!("string and non-string conditions both test `{key}`"));
        }
        let group = Group { keys: members.clone(), multi, domain, pretty };
        let patterns: Vec<String> =
            members.iter().filter_map(|m| atoms.get(m)).flat_map(|a| a.patterns.iter().cloned()).collect();
        let r = string_regions(&group, all_atoms, &patterns, &candidates, &classifier, unsupported);
        let classes = r.classes.clone();
        regions_cache.insert(members, r);
        classes
    };

    let mut dims: Vec<Dim> = Vec::new();

    // Audiences: 1-10 strings of 1-1000 characters; a request is characterised by the set of regions its
    // audiences touch.
    if tested(AUDIENCE) {
        let domain = Domain { min_len: 1, max_len: MAX_AUDIENCE_LEN, ..Domain::any() };
        let classes = string_group(&mut parent, AUDIENCE, domain, &PRETTY_AUDIENCES, true, &mut unsupported);
        let elements: Vec<String> = classes.iter().filter_map(|(_, ws)| ws.first().cloned()).collect();
        dims.push(Dim::audiences(elements));
    }

    // Lifetime: omitted, or an integer 60..=3600 in each region of the constants.
    if tested(DURATION) {
        let mut constants = Vec::new();
        for c in clauses.get(DURATION).into_iter().flatten() {
            match &c.values {
                ClauseValues::Numbers(ns) => constants.extend(ns.iter().flatten().map(|n| n.value())),
                ClauseValues::Strings(ps, _) => constants.extend(ps.iter().filter_map(|p| match p {
                    StrPattern::Plain(t) => Number::parse(t).map(|n| n.value()),
                    StrPattern::Parts(_) => None,
                })),
                ClauseValues::Null(_) => {}
                _ => unsupported.push("a condition of an unexpected type tests `sts:DurationSeconds`".into()),
            }
        }
        if clauses.get(DURATION).into_iter().flatten().any(|c| {
            matches!(&c.values, ClauseValues::Strings(..)) && c.operator.kind.positive() != OperatorKind::StringEquals
        }) {
            unsupported.push("a string pattern tests `sts:DurationSeconds`".into());
        }
        let mut reps = vec![Rep::Duration(None)];
        // One lifetime per region, the largest of it (so the maximum allowed lifetime is a representative).
        let mut seen: HashMap<Vec<bool>, usize> = HashMap::new();
        for d in duration_candidates(&constants) {
            let class = classifier.vector(DURATION, Some(ContextValue::Single(d.to_string().into())));
            match seen.get(&class) {
                Some(&i) => {
                    if let Some(r) = reps.get_mut(i) {
                        *r = Rep::Duration(Some(d));
                    }
                }
                None => {
                    seen.insert(class, reps.len());
                    reps.push(Rep::Duration(Some(d)));
                }
            }
        }
        dims.push(Dim::listed(DimKind::Lifetime, reps));
    }

    // Signing algorithm: the API accepts exactly two.
    if tested(ALGORITHM) {
        let mut reps = Vec::new();
        let mut seen = HashSet::new();
        for a in token::SIGNING_ALGORITHMS {
            let class = classifier.vector(ALGORITHM, Some(ContextValue::Single(a.into())));
            if seen.insert(class) {
                reps.push(Rep::Algorithm(a.to_owned()));
            }
        }
        dims.push(Dim::listed(DimKind::Algorithm, reps));
    }

    // Request tags: always a dimension, since sending any tag makes the second check.
    dims.push(tags_dim(
        &types,
        &atoms,
        &classifier,
        &mut |key, unsupported| {
            let domain =
                Domain { min_len: 0, max_len: MAX_TAG_VALUE_LEN, allowed: strings::tag_char, shape: Vec::new() };
            string_group(&mut parent, key, domain, &PRETTY_VALUES, false, unsupported)
        },
        &mut unsupported,
    ));

    // Network path: public (aws:SourceIp) or through a VPC endpoint (aws:SourceVpc, aws:SourceVpce,
    // aws:VpcSourceIp), never both.
    if NETWORK_KEYS.iter().any(|k| tested(k)) {
        let mut strings_of = |key: &str, fallback: &str, unsupported: &mut Vec<String>| -> Vec<String> {
            if tested(key) {
                // A VPC or endpoint id is never empty (a request carries both or neither).
                let domain = Domain { min_len: 1, ..Domain::any() };
                let classes = string_group(&mut parent, key, domain, &[fallback], false, unsupported);
                let mut v: Vec<String> = classes.iter().filter_map(|(_, ws)| ws.first().cloned()).collect();
                if v.is_empty() {
                    v.push(fallback.to_owned());
                }
                v
            } else {
                vec![fallback.to_owned()]
            }
        };
        let vpcs = strings_of("aws:sourcevpc", "vpc-0a1b2c3d4e5f60789", &mut unsupported);
        let vpces = strings_of("aws:sourcevpce", "vpce-0a1b2c3d4e5f60789", &mut unsupported);
        let ips_of = |key: &str| -> Vec<Option<String>> {
            if !tested(key) {
                return vec![None];
            }
            let cidrs: Vec<Cidr> = clauses
                .get(key)
                .into_iter()
                .flatten()
                .flat_map(|c| match &c.values {
                    ClauseValues::Cidrs(cs) => cs.iter().flatten().copied().collect::<Vec<_>>(),
                    ClauseValues::Strings(ps, _) => ps
                        .iter()
                        .filter_map(|p| match p {
                            StrPattern::Plain(t) => parse_addr(t).and_then(|a| Cidr::parse(&a.to_string())),
                            StrPattern::Parts(_) => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                })
                .collect();
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for ip in ip_candidates(&cidrs) {
                let class = classifier.vector(key, Some(ContextValue::Single(ip.as_str().into())));
                if seen.insert(class) {
                    out.push(Some(ip));
                }
            }
            out
        };
        for key in ["aws:sourceip", "aws:vpcsourceip"] {
            if clauses.get(key).into_iter().flatten().any(|c| {
                matches!(&c.values, ClauseValues::Strings(..) | ClauseValues::Arns(..))
                    && c.operator.kind.positive() != OperatorKind::StringEquals
            }) {
                unsupported.push(format!("a string pattern tests `{key}`"));
            }
        }
        // Every candidate address is a parsed address written back (ip_candidates), so none is dropped.
        let address = |ip: &Option<String>| ip.as_deref().and_then(crate::policy::value::ip::parse_addr);
        let mut reps: Vec<Rep> =
            ips_of("aws:sourceip").iter().map(|ip| Rep::Network(Network::Public { ip: address(ip) })).collect();
        let vpc_ips = ips_of("aws:vpcsourceip");
        for vpc in &vpcs {
            for vpce in &vpces {
                for ip in &vpc_ips {
                    reps.push(Rep::Network(Network::Endpoint {
                        vpc: vpc.clone(),
                        vpce: vpce.clone(),
                        ip: address(ip),
                    }));
                }
            }
        }
        dims.push(Dim::listed(DimKind::Network, reps));
    }

    // Time: aws:CurrentTime and aws:EpochTime are one instant.
    if TIME_KEYS.iter().any(|k| tested(k)) {
        let mut instants = Vec::new();
        for key in TIME_KEYS {
            for c in clauses.get(key).into_iter().flatten() {
                match &c.values {
                    ClauseValues::Dates(ds) => instants.extend(ds.iter().flatten().copied()),
                    ClauseValues::Numbers(ns) => instants.extend(ns.iter().flatten().flat_map(|n| {
                        let v = n.value();
                        [v.floor(), v.ceil()].map(|s| Timestamp::from_epoch_secs(s.clamp(-1e15, 1e15) as i64))
                    })),
                    ClauseValues::Null(_) => {}
                    _ => unsupported.push(format!("a string condition tests `{key}`")),
                }
            }
        }
        let mut reps = Vec::new();
        let mut seen = HashSet::new();
        for t in time_candidates(&instants) {
            let mut ctx = base_ctx.clone();
            ctx.insert_single("aws:CurrentTime", &t.to_rfc3339());
            ctx.insert_single("aws:EpochTime", &t.epoch_secs().to_string());
            let class: Vec<bool> = TIME_KEYS.iter().flat_map(|k| classifier.vector_in(k, &ctx)).collect();
            if seen.insert(class) {
                reps.push(Rep::Time(t));
            }
        }
        dims.push(Dim::listed(DimKind::Time, reps));
    }

    // The principal's ARN, when unknown and seen (directly, through its account, or by the SCP exemption of
    // service-linked roles).
    if arn_varies {
        let mut arn_atoms: Vec<Atom> = atoms.get("aws:principalarn").map(|a| a.atoms.clone()).unwrap_or_default();
        if let Some(a) = atoms.get("aws:principalaccount") {
            arn_atoms.extend(a.atoms.iter().filter_map(account_as_arn));
        }
        arn_atoms.push(strings::string_atom(&[Piece::Glob("*:role/aws-service-role/*".into())], true, CharEq::Exact));
        let domain = Domain { min_len: 1, max_len: 2048, allowed: |c| c != '\n', shape: vec![strings::arn_shape()] };
        let classify = |text: &str| -> Vec<bool> {
            let r = Request { principal_arn: Some(text.to_owned()), ..base.clone() };
            let ctx = r.context(MINT_ACTION, assumptions);
            let mut v: Vec<bool> = ARN_KEYS.iter().flat_map(|k| classifier.vector_in(k, &ctx)).collect();
            v.push(text.contains(":role/aws-service-role/"));
            v
        };
        let mut classes = match strings::regions(&arn_atoms, &domain, 1, MAX_STATES_PER_KEY, work, classify) {
            Ok(c) => c,
            Err(e) => {
                unsupported.push(too_complex(e, "`aws:PrincipalArn`"));
                Vec::new()
            }
        };
        prefer_readable(&mut classes, &PRETTY_ARN, classify);
        let reps = classes.into_iter().filter_map(|(_, ws)| ws.into_iter().next()).map(Rep::PrincipalArn).collect();
        dims.push(Dim::listed(DimKind::PrincipalArn, reps));
    }

    // The principal's tags, when unknown.
    if !tags_known {
        let keys: Vec<String> = atoms.keys().filter(|k| k.starts_with(PRINCIPAL_TAG)).cloned().collect();
        for key in keys {
            let domain =
                Domain { min_len: 0, max_len: MAX_TAG_VALUE_LEN, allowed: strings::tag_char, shape: Vec::new() };
            let classes = string_group(&mut parent, &key, domain, &PRETTY_VALUES, false, &mut unsupported);
            let linked = group_of(&mut parent, &key).len() > 1;
            let name = key.get(PRINCIPAL_TAG.len()..).unwrap_or_default().to_owned();
            let mut reps = vec![Rep::PrincipalTag(name.clone(), None)];
            for (_, ws) in classes {
                let take = if linked { ws.len() } else { 1 };
                reps.extend(ws.into_iter().take(take).map(|w| Rep::PrincipalTag(name.clone(), Some(w))));
            }
            dims.push(Dim::listed(DimKind::PrincipalTag(name), reps));
        }
    }

    // Every other key a minting request can carry.
    let handled = |k: &str| {
        k == AUDIENCE
            || k == DURATION
            || k == ALGORITHM
            || k == TAG_KEYS
            || k.starts_with(REQUEST_TAG)
            || k.starts_with(PRINCIPAL_TAG)
            || NETWORK_KEYS.contains(&k)
            || TIME_KEYS.contains(&k)
            || ARN_KEYS.contains(&k)
            || k == "aws:principalisawsservice"
    };
    for (key, ty) in &types {
        if handled(key) {
            continue;
        }
        let optional = !ALWAYS_PRESENT.contains(&key.as_str());
        let written =
            clauses.get(key).and_then(|cs| cs.first()).map(|c| c.key.to_string()).unwrap_or_else(|| key.clone());
        let values: Box<dyn Iterator<Item = Option<ContextValue>>> = match ty.scalar() {
            KeyType::String | KeyType::Arn => {
                let (domain, pretty): (Domain, &[&str]) = if key == REGION {
                    let domain = Domain {
                        min_len: 1,
                        max_len: crate::request::MAX_REGION_LEN,
                        allowed: crate::request::region_char,
                        shape: Vec::new(),
                    };
                    (domain, &PRETTY_REGIONS)
                } else {
                    (Domain::any(), &PRETTY_VALUES)
                };
                let classes = string_group(&mut parent, key, domain, pretty, ty.is_multi_valued(), &mut unsupported);
                let linked = !ty.is_multi_valued() && group_of(&mut parent, key).len() > 1;
                let elements: Vec<String> = classes
                    .into_iter()
                    .flat_map(|(_, ws)| {
                        let take = if linked { ws.len() } else { 1 };
                        ws.into_iter().take(take)
                    })
                    .collect();
                if ty.is_multi_valued() {
                    // Every set of regions; classifying them all is work proportional to their number, so a
                    // family larger than the budget is only counted.
                    let sets = Subsets::new(elements, 1, usize::MAX);
                    let count = sets.count();
                    if count.exceeds(budget) {
                        let absent = Count::of(u128::from(optional));
                        dims.push(Dim::counted(DimKind::Key(key.clone()), count.plus(absent)));
                        continue;
                    }
                    let n = count.as_u64().unwrap_or(0);
                    Box::new(
                        (0..n)
                            .filter_map(move |i| sets.get(i))
                            .map(|s| Some(ContextValue::Multi(s.into_iter().map(Into::into).collect()))),
                    )
                } else {
                    Box::new(elements.into_iter().map(|e| Some(ContextValue::Single(e.into()))))
                }
            }
            KeyType::Bool => Box::new(["true", "false"].into_iter().map(|b| Some(ContextValue::Single(b.into())))),
            KeyType::Numeric => {
                let constants: Vec<f64> = clauses
                    .get(key)
                    .into_iter()
                    .flatten()
                    .flat_map(|c| match &c.values {
                        ClauseValues::Numbers(ns) => ns.iter().flatten().map(|n| n.value()).collect::<Vec<_>>(),
                        _ => Vec::new(),
                    })
                    .collect();
                Box::new(
                    number_candidates(&constants)
                        .into_iter()
                        .map(|v| Some(ContextValue::Single(format_number(v).into()))),
                )
            }
            KeyType::Date => {
                let constants: Vec<Timestamp> = clauses
                    .get(key)
                    .into_iter()
                    .flatten()
                    .flat_map(|c| match &c.values {
                        ClauseValues::Dates(ds) => ds.iter().flatten().copied().collect::<Vec<_>>(),
                        _ => Vec::new(),
                    })
                    .collect();
                Box::new(
                    time_candidates(&constants).into_iter().map(|t| Some(ContextValue::Single(t.to_rfc3339().into()))),
                )
            }
            KeyType::IpAddress => {
                let cidrs: Vec<Cidr> = clauses
                    .get(key)
                    .into_iter()
                    .flatten()
                    .flat_map(|c| match &c.values {
                        ClauseValues::Cidrs(cs) => cs.iter().flatten().copied().collect::<Vec<_>>(),
                        _ => Vec::new(),
                    })
                    .collect();
                Box::new(ip_candidates(&cidrs).into_iter().map(|a| Some(ContextValue::Single(a.into()))))
            }
            other => {
                unsupported.push(format!("`{written}` has type {other}, which diff does not enumerate"));
                Box::new(std::iter::empty())
            }
        };
        if ty.is_multi_valued() && !matches!(ty.scalar(), KeyType::String | KeyType::Arn) {
            unsupported.push(format!("`{written}` is a list of {}", ty.scalar()));
        }
        // `Null` tests presence, which every family's regions already split (absent is a region of its own):
        // a `Null` beside a `Bool` or numeric test is one key of one type, not two.
        let families: BTreeSet<&str> = clauses
            .get(key)
            .into_iter()
            .flatten()
            .filter(|c| c.operator.kind.family() != Family::Null)
            .map(|c| family_name(c.operator))
            .collect();
        if families.len() > 1 && !matches!(ty.scalar(), KeyType::String | KeyType::Arn) {
            unsupported.push(format!(
                "conditions of several types ({}) test `{written}`",
                families.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        // One value per class (linked keys keep all of theirs: equality between keys needs two per class).
        let linked = group_of(&mut parent, key).len() > 1;
        let mut seen: HashSet<Vec<bool>> = HashSet::new();
        let mut reps = Vec::new();
        let candidates = values.chain(optional.then_some(None));
        for v in candidates {
            if work.exhausted() {
                break;
            }
            let class = classifier.vector(key, v.clone());
            if seen.insert(class) || linked {
                if key == REGION {
                    // Region witnesses come from the region domain, so each parses; the key is never absent.
                    if let Some(ContextValue::Single(r)) = &v
                        && let Some(region) = Region::parse(r)
                    {
                        reps.push(Rep::Region(region));
                    }
                } else {
                    reps.push(Rep::Context(written.clone(), v));
                }
            }
        }
        dims.push(Dim::listed(DimKind::Key(key.clone()), reps));
    }

    unsupported.sort();
    unsupported.dedup();
    dims.retain(|d| !d.is_empty() || d.kind == DimKind::Tags);
    let stopped = work.exhausted().then(|| {
        format!("finding the regions of its conditions exceeds the analysis work bound ({} steps)", work.limit())
    });
    Space { base, dims, unsupported, stopped }
}

fn family_name(op: Operator) -> &'static str {
    match op.kind.family() {
        Family::String => "String",
        Family::Numeric => "Numeric",
        Family::Date => "Date",
        Family::Bool => "Bool",
        Family::Binary => "Binary",
        Family::Ip => "IP address",
        Family::Arn => "ARN",
        Family::Null => "Null",
    }
}

/// A string key that no dimension owns specially.
fn generic_string(k: &str, types: &BTreeMap<String, KeyType>) -> bool {
    types.get(k).is_some_and(|t| matches!(t, KeyType::String | KeyType::Arn))
        && !NETWORK_KEYS.contains(&k)
        && !ARN_KEYS.contains(&k)
        && k != ALGORITHM
}

/// A predicate on `aws:PrincipalAccount` as a predicate on the principal ARN (the account is its fifth
/// component): `arn:*:*:*:<account pattern>:*`.
fn account_as_arn(atom: &Atom) -> Option<Atom> {
    let Atom::All(programs) = atom else { return Some(atom.clone()) };
    let program = programs.first()?;
    let mut elems: Vec<strings::Elem> = "arn:".chars().map(strings::Elem::Char).collect();
    for _ in 0..3 {
        elems.push(strings::Elem::AnyMany { colon: false });
        elems.push(strings::Elem::Char(':'));
    }
    elems.extend(program.elems.iter().map(|e| match e {
        strings::Elem::AnyMany { .. } => strings::Elem::AnyMany { colon: false },
        strings::Elem::AnyOne { .. } => strings::Elem::AnyOne { colon: false },
        c => *c,
    }));
    elems.push(strings::Elem::Char(':'));
    elems.push(strings::Elem::AnyMany { colon: true });
    Some(Atom::All(vec![strings::Program { elems, eq: program.eq }]))
}

/// Put a readable witness first in its class (`arn:aws:iam::111122223333:role/example` rather than the
/// shortest string the automata found), so reports and reproduce lines read naturally.
fn prefer_readable<K: PartialEq>(classes: &mut [(K, Vec<String>)], readable: &[&str], classify: impl Fn(&str) -> K) {
    for text in readable {
        let class = classify(text);
        if let Some((_, ws)) = classes.iter_mut().find(|(k, _)| *k == class) {
            ws.insert(0, (*text).to_owned());
        }
    }
}

/// The request-tags dimension: which tags are sent, by the regions of their keys (as `aws:TagKeys` sees them,
/// and which `aws:RequestTag/<key>` they fill) and of their values.
fn tags_dim(
    types: &BTreeMap<String, KeyType>,
    atoms: &BTreeMap<String, KeyAtoms>,
    classifier: &Classifier<'_>,
    value_regions: &mut dyn FnMut(&str, &mut Vec<String>) -> Classes,
    unsupported: &mut Vec<String>,
) -> Dim {
    // Named tag keys: every `aws:RequestTag/<key>` a condition tests or a variable reads.
    let named: Vec<String> = atoms
        .keys()
        .filter(|k| k.starts_with(REQUEST_TAG) && (types.contains_key(*k) || atoms.get(*k).is_some()))
        .map(|k| k.get(REQUEST_TAG.len()..).unwrap_or_default().to_owned())
        .filter(|n| !n.is_empty())
        .collect();
    let mut key_atoms: Vec<Atom> = atoms.get(TAG_KEYS).map(|a| a.atoms.clone()).unwrap_or_default();
    for n in &named {
        key_atoms.push(strings::string_atom(&[Piece::Literal(n.clone())], false, CharEq::AsciiFold));
    }
    let domain = Domain { min_len: 1, max_len: MAX_TAG_KEY_LEN, allowed: strings::tag_char, shape: Vec::new() };
    let classify = |text: &str| -> (Vec<bool>, Option<usize>) {
        let v = classifier.vector(TAG_KEYS, Some(ContextValue::Multi(vec![text.into()])));
        (v, named.iter().position(|n| n.eq_ignore_ascii_case(text)))
    };
    let mut classes = match strings::regions(&key_atoms, &domain, 1, MAX_STATES_PER_KEY, classifier.work, classify) {
        Ok(c) => c,
        Err(e) => {
            unsupported.push(too_complex(e, "`aws:TagKeys`"));
            Vec::new()
        }
    };
    prefer_readable(&mut classes, &PRETTY_TAG_KEYS, classify);
    let unnamed: Vec<String> =
        classes.iter().filter(|((_, n), _)| n.is_none()).filter_map(|(_, ws)| ws.first().cloned()).collect();
    // Per named key: absent, or one of its spellings with one of its values.
    let mut options_per_named: Vec<NamedTag> = Vec::new();
    for (i, n) in named.iter().enumerate() {
        let spellings: Vec<String> =
            classes.iter().filter(|((_, m), _)| *m == Some(i)).filter_map(|(_, ws)| ws.first().cloned()).collect();
        let key = format!("{REQUEST_TAG}{n}");
        let values: Vec<String> = value_regions(&key, unsupported).into_iter().flat_map(|(_, ws)| ws).collect();
        let values = if values.is_empty() { vec![PRETTY_VALUES[0].to_owned()] } else { values };
        options_per_named.push(NamedTag { spellings, values });
    }
    // Tag keys that differ only in case: by default the API rejects such a request, so such a set is no
    // point of the space (the enumeration denies it, as `simulate` answers `invalid-request`); accepted, two
    // spellings of one named key would need their order enumerated (the later value wins), which is not done.
    let accepted = classifier.assumptions.case_variant_tag_keys == CaseVariantTagKeys::Accepted;
    if accepted && (0..named.len()).any(|i| classes.iter().filter(|((_, m), _)| *m == Some(i)).count() > 1) {
        unsupported.push(
            "tag keys that differ only in case are accepted (`case_variant_tag_keys = accepted`) and a named tag key \
             has several spellings"
                .into(),
        );
    }
    let sets = TagSets::new(unnamed, PRETTY_VALUES[0].to_owned(), options_per_named);
    Dim::tags(sets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_candidates_include_region_maxima() {
        assert_eq!(duration_candidates(&[900.0]), [60, 899, 900, 901, 3600]);
        assert_eq!(duration_candidates(&[]), [60, 3600]);
        assert_eq!(duration_candidates(&[10.0, 5000.0]), [60, 3600]);
    }

    #[test]
    fn ip_candidates_bracket_blocks() {
        let c = [Cidr::parse("10.0.0.0/8").unwrap()];
        let got = ip_candidates(&c);
        assert!(got.contains(&"9.255.255.255".to_owned()));
        assert!(got.contains(&"10.0.0.0".to_owned()));
        assert!(got.contains(&"10.255.255.255".to_owned()));
        assert!(got.contains(&"11.0.0.0".to_owned()));
        assert!(got.contains(&"2001:db8::1".to_owned()));
    }

    #[test]
    fn time_candidates_split_seconds() {
        let t = Timestamp::parse("2026-01-01T00:00:00.5Z").unwrap();
        let got = time_candidates(&[t]);
        assert!(got.contains(&t));
        assert!(got.contains(&Timestamp::parse("2026-01-01T00:00:00Z").unwrap()));
        assert!(got.contains(&Timestamp::parse("2026-01-01T00:00:01Z").unwrap()));
        assert!(got.iter().any(|x| *x > Timestamp::parse("2026-01-01T00:00:00Z").unwrap() && *x < t));
    }
}
