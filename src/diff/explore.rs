//! Enumerate one principal's request space on both sides, find what widened and narrowed, classify each
//! difference by dimension, and cite the statements that make it.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};

use crate::eval::{self, Assumptions, Decision, PolicySet, Setting};
use crate::policy::wildcard;
use crate::request::witness::{PolicySource, simulate_command};
use crate::request::{Network, Request};
use crate::simulate::allows;
use crate::token::DEFAULT_DURATION;

use super::enumerate::{Grid, decide_all};
use super::space::{self, Dim, DimKind, PrincipalFacts, Rep};
use super::work::{Work, bound_for};
use super::{Change, Dependency, DiffOptions, Dimension, PrincipalDiff, Role, Side, StatementLink};

/// The allowed bits of every point: bit 0 baseline, bit 1 current.
const BASELINE: u8 = 1;
const CURRENT: u8 = 2;

/// The decided grid.
struct Decided<'s> {
    grid: Grid<'s>,
    results: Vec<u8>,
}

impl<'s> Decided<'s> {
    fn allowed(&self, index: usize, bit: u8) -> bool {
        self.results.get(index).is_some_and(|b| b & bit != 0)
    }

    fn rep(&self, index: usize, d: usize) -> Option<Cow<'s, Rep>> {
        self.grid.rep(index, d)
    }

    fn request(&self, index: usize) -> Request {
        self.grid.request(index)
    }

    fn digit(&self, index: usize, d: usize) -> usize {
        self.grid.digit(index, d)
    }

    fn with_digit(&self, index: usize, d: usize, value: usize) -> usize {
        self.grid.with_digit(index, d, value)
    }

    /// For every line along dimension `d`, the smallest digit whose point has `bit` (`usize::MAX` if none):
    /// one pass over the grid instead of a scan of the line per point.
    fn first_allowed_on_lines(&self, d: usize, bit: u8) -> Vec<usize> {
        let mut first = vec![usize::MAX; self.grid.lines(d)];
        for i in (0..self.results.len()).filter(|&i| self.allowed(i, bit)) {
            let digit = self.digit(i, d);
            if let Some(slot) = first.get_mut(self.grid.line(i, d))
                && digit < *slot
            {
                *slot = digit;
            }
        }
        first
    }
}

pub fn compare(
    name: &str,
    baseline: &PolicySet,
    current: &PolicySet,
    facts: &PrincipalFacts,
    options: &DiffOptions,
    sources: [&PolicySource; 2],
) -> PrincipalDiff {
    let assumptions = &options.assumptions;
    // The same documents decide every request alike: nothing to find, exactly, whatever the analysis could
    // follow (a policy variable in a pattern, say).
    if baseline.same_documents(current) {
        return PrincipalDiff::unchanged(name);
    }
    let work = Work::new(bound_for(options.budget));
    let space = space::build(baseline, current, facts, assumptions, options.budget, &work);
    let mut reasons: Vec<String> = space.unsupported.clone();
    let inexact = |reasons: Vec<String>, over_budget: bool| PrincipalDiff {
        principal: name.to_owned(),
        exact: false,
        inexact_reason: Some(reasons.join("; ")),
        widened: Vec::new(),
        narrowed: Vec::new(),
        evaluations: 0,
        over_budget,
    };
    if let Some(stopped) = &space.stopped {
        reasons.insert(0, stopped.clone());
        return inexact(reasons, true);
    }
    let size = space.size();
    let Some(grid) = Grid::new(&space, options.budget) else {
        reasons.insert(
            0,
            format!("{size} representative requests exceed the budget of {} ({})", options.budget, space.shape()),
        );
        return inexact(reasons, true);
    };
    let Ok(results) = decide_all(&grid, &[baseline, current], assumptions, &work) else {
        reasons.insert(
            0,
            format!(
                "deciding its {size} representative requests on policies of this size exceeds the analysis work \
                 bound ({} steps)",
                work.limit()
            ),
        );
        return inexact(reasons, true);
    };
    let total = grid.total;
    let decided = Decided { grid, results };
    let widened = changes(&decided, baseline, current, Side::Current, assumptions, sources);
    let narrowed = changes(&decided, baseline, current, Side::Baseline, assumptions, sources);
    PrincipalDiff {
        principal: name.to_owned(),
        exact: reasons.is_empty(),
        inexact_reason: (!reasons.is_empty()).then(|| reasons.join("; ")),
        widened,
        narrowed,
        evaluations: total as u64,
        over_budget: false,
    }
}

/// The changes toward `gained`: requests that side allows and the other denies.
fn changes(
    grid: &Decided<'_>,
    baseline: &PolicySet,
    current: &PolicySet,
    gained: Side,
    assumptions: &Assumptions,
    sources: [&PolicySource; 2],
) -> Vec<Change> {
    let (to_bit, from_bit) = match gained {
        Side::Current => (CURRENT, BASELINE),
        Side::Baseline => (BASELINE, CURRENT),
    };
    let (to_set, from_set, to_source) = match gained {
        Side::Current => (current, baseline, sources[1]),
        Side::Baseline => (baseline, current, sources[0]),
    };
    let lost = gained == Side::Baseline;
    let points: Vec<usize> =
        (0..grid.results.len()).filter(|&i| grid.allowed(i, to_bit) && !grid.allowed(i, from_bit)).collect();
    let Some(&first) = points.first() else { return Vec::new() };
    let ctx = Ctx { grid, to_set, from_set, to_source, to_bit, from_bit, gained, assumptions };
    if !(0..grid.results.len()).any(|i| grid.allowed(i, from_bit)) {
        let description = if lost {
            "can no longer mint tokens: the current policies allow no token request".to_owned()
        } else {
            "can now mint tokens: the baseline allowed no token request".to_owned()
        };
        return vec![ctx.change(Dimension::CanMint, description, first, None)];
    }
    let mut out: Vec<Change> = Vec::new();
    for (d, dim) in grid.grid.space.dims.iter().enumerate() {
        // Points this dimension explains: the other side allowed a request differing only here (the first
        // such neighbour; `p` itself is not allowed there, so it is never its own neighbour).
        let first = grid.first_allowed_on_lines(d, from_bit);
        let explained: Vec<(usize, usize)> = points
            .iter()
            .filter_map(|&p| {
                let digit = *first.get(grid.grid.line(p, d))?;
                (digit != usize::MAX).then(|| (p, grid.with_digit(p, d, digit)))
            })
            .collect();
        if explained.is_empty() {
            continue;
        }
        out.extend(ctx.describe(d, dim, &explained));
    }
    if out.is_empty() {
        let description = format!(
            "a combination of request values {}",
            if lost { "is no longer allowed" } else { "is newly allowed" }
        );
        out.push(ctx.change(Dimension::Combination, description, first, None));
    }
    out.sort_by_key(|c| c.dimension);
    out
}

struct Ctx<'a> {
    grid: &'a Decided<'a>,
    to_set: &'a PolicySet,
    from_set: &'a PolicySet,
    /// How the gaining side's policies are named on a `simulate` command line.
    to_source: &'a PolicySource,
    to_bit: u8,
    from_bit: u8,
    gained: Side,
    assumptions: &'a Assumptions,
}

fn backticks<I: IntoIterator<Item = String>>(items: I) -> String {
    items.into_iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 { one.to_owned() } else { many.to_owned() }
}

impl Ctx<'_> {
    fn lost(&self) -> bool {
        self.gained == Side::Baseline
    }

    fn allowed_reps(&self, d: usize, bit: u8) -> Vec<usize> {
        let mut seen = BTreeSet::new();
        for i in 0..self.grid.results.len() {
            if self.grid.allowed(i, bit) {
                seen.insert(self.grid.digit(i, d));
            }
        }
        seen.into_iter().collect()
    }

    fn describe(&self, d: usize, dim: &Dim, explained: &[(usize, usize)]) -> Vec<Change> {
        let lost = self.lost();
        let Some(&(p, n)) = explained.first() else { return Vec::new() };
        let rep_of = |i: usize| self.grid.rep(i, d);
        match &dim.kind {
            DimKind::Audience => {
                let elements = |bit: u8| -> BTreeSet<String> {
                    self.allowed_reps(d, bit)
                        .into_iter()
                        .filter_map(|r| match dim.rep(r).as_deref() {
                            Some(Rep::Audiences(a)) => Some(a.clone()),
                            _ => None,
                        })
                        .flatten()
                        .collect()
                };
                let (now, before) = (elements(self.to_bit), elements(self.from_bit));
                let new: Vec<String> = now.difference(&before).cloned().collect();
                // Prefer a witness that shows a new audience, with as few audiences as possible.
                let pick = explained
                    .iter()
                    .filter(|(q, _)| match rep_of(*q).as_deref() {
                        Some(Rep::Audiences(a)) => new.is_empty() || a.iter().any(|x| new.contains(x)),
                        _ => false,
                    })
                    .min_by_key(|(q, _)| match rep_of(*q).as_deref() {
                        Some(Rep::Audiences(a)) => a.len(),
                        _ => usize::MAX,
                    })
                    .copied()
                    .unwrap_or((p, n));
                let description = if new.is_empty() {
                    let set = match rep_of(pick.0).as_deref() {
                        Some(Rep::Audiences(a)) => backticks(a.iter().cloned()),
                        _ => String::new(),
                    };
                    if lost {
                        format!("audiences {set} together are no longer allowed (each still is in another request)")
                    } else {
                        format!(
                            "audiences {set} together are newly allowed (each was allowed before, not in this combination)"
                        )
                    }
                } else {
                    let change = self.change(Dimension::Audience, String::new(), pick.0, Some(pick.1));
                    let how = self.audience_sources(&change, &new);
                    let noun = plural(new.len(), "audience", "audiences");
                    if lost { format!("{noun} {how} no longer allowed") } else { format!("new {noun} {how}") }
                };
                vec![self.change(Dimension::Audience, description, pick.0, Some(pick.1))]
            }
            DimKind::Lifetime => {
                let lifetime = |r: &Rep| match r {
                    Rep::Duration(d) => d.unwrap_or(DEFAULT_DURATION),
                    _ => 0,
                };
                let max = |bit: u8| {
                    self.allowed_reps(d, bit).into_iter().filter_map(|r| dim.rep(r)).map(|r| lifetime(&r)).max()
                };
                let (now, before) = (max(self.to_bit), max(self.from_bit));
                let pick = explained
                    .iter()
                    .max_by_key(|(q, _)| rep_of(*q).as_deref().map(lifetime))
                    .copied()
                    .unwrap_or((p, n));
                let shown = |r: Option<&Rep>| match r {
                    Some(Rep::Duration(Some(s))) => format!("{s} s"),
                    _ => format!("an omitted lifetime (the API issues {DEFAULT_DURATION} s)"),
                };
                let description = match (now, before) {
                    (Some(a), Some(b)) if a > b && !lost => {
                        format!("higher maximum lifetime: {a} s (baseline: {b} s)")
                    }
                    (Some(a), Some(b)) if a > b && lost => {
                        format!("lower maximum lifetime: {b} s (baseline: {a} s)")
                    }
                    _ if lost => format!("{} no longer allowed", shown(rep_of(pick.0).as_deref())),
                    _ => format!("{} newly allowed (maximum lifetime unchanged)", shown(rep_of(pick.0).as_deref())),
                };
                vec![self.change(Dimension::Lifetime, description, pick.0, Some(pick.1))]
            }
            DimKind::Algorithm => {
                let alg = match rep_of(p).as_deref() {
                    Some(Rep::Algorithm(a)) => a.clone(),
                    _ => String::new(),
                };
                let verb = if lost { "no longer allowed" } else { "newly allowed" };
                vec![self.change(Dimension::SigningAlgorithm, format!("signing algorithm `{alg}` {verb}"), p, Some(n))]
            }
            DimKind::Tags => self.describe_tags(d, dim, explained),
            DimKind::Network => {
                let what = match rep_of(p).as_deref() {
                    Some(Rep::Network(Network::Endpoint { vpc, vpce, .. })) => {
                        format!("calls through VPC endpoint `{vpce}` in `{vpc}`")
                    }
                    Some(Rep::Network(Network::Public { ip: Some(ip) })) => {
                        format!("calls from `{ip}` over the public endpoint")
                    }
                    _ => "calls over the public endpoint".to_owned(),
                };
                let description = if lost {
                    format!("new network guard: {what} are no longer allowed")
                } else {
                    format!("lost network guard: {what} are now allowed")
                };
                vec![self.change(Dimension::Network, description, p, Some(n))]
            }
            DimKind::Time => {
                let t = match rep_of(p).as_deref() {
                    Some(Rep::Time(t)) => t.to_rfc3339(),
                    _ => String::new(),
                };
                let description = if lost {
                    format!("new time guard: requests at `{t}` are no longer allowed")
                } else {
                    format!("lost time guard: requests at `{t}` are now allowed")
                };
                vec![self.change(Dimension::Time, description, p, Some(n))]
            }
            DimKind::PrincipalArn | DimKind::PrincipalTag(_) => {
                let what = match rep_of(p).as_deref() {
                    Some(Rep::PrincipalArn(a)) => format!("principal `{a}`"),
                    Some(Rep::PrincipalTag(k, Some(v))) => format!("a principal tagged `{k}={v}`"),
                    Some(Rep::PrincipalTag(k, None)) => format!("a principal without tag `{k}`"),
                    _ => "this principal".to_owned(),
                };
                let verb = if lost { "may no longer mint" } else { "may now mint" };
                vec![self.change(Dimension::Principal, format!("{what} {verb} this token"), p, Some(n))]
            }
            DimKind::Region | DimKind::Key(_) => {
                let (key, value) = match rep_of(p).as_deref() {
                    Some(Rep::Region(r)) => ("aws:RequestedRegion".to_owned(), Some(format!("`{r}`"))),
                    Some(Rep::Context(k, v)) => (k.clone(), v.as_ref().map(|v| format!("{v}").replace('"', "`"))),
                    _ => (String::new(), None),
                };
                let value = value.unwrap_or_else(|| "absent".to_owned());
                let verb = if lost { "no longer allowed" } else { "newly allowed" };
                vec![self.change(
                    Dimension::Condition,
                    format!("condition on `{key}`: requests where it is {value} are {verb}"),
                    p,
                    Some(n),
                )]
            }
        }
    }

    /// Name each new audience with how the gaining side admits it: a literal, or which pattern.
    fn audience_sources(&self, change: &Change, new: &[String]) -> String {
        let mut patterns: Vec<String> = Vec::new();
        for link in change.statements.iter().filter(|l| l.role == Role::Allows && l.side == self.gained) {
            let set = self.to_set;
            let Some(policy) = set.policy(link.layer, policy_index(set, link)) else { continue };
            let Some(statement) = policy.statement(link.index) else { continue };
            for c in &statement.conditions {
                if c.key.node.lower() == "sts:identitytokenaudience" {
                    patterns.extend(c.values.iter().map(|v| v.node.text().to_owned()));
                }
            }
        }
        new.iter()
            .map(|a| {
                if patterns.iter().any(|p| p == a) {
                    format!("`{a}` (literal)")
                } else if let Some(p) =
                    patterns.iter().find(|p| wildcard::has_wildcard(p) && wildcard::matches(p, a, false))
                {
                    format!("`{a}` (by the pattern `{p}`)")
                } else {
                    format!("`{a}`")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn describe_tags(&self, d: usize, dim: &Dim, explained: &[(usize, usize)]) -> Vec<Change> {
        let lost = self.lost();
        let tags_of = |i: usize| match self.grid.rep(i, d).as_deref() {
            Some(Rep::Tags(t)) => t.clone(),
            _ => Vec::new(),
        };
        // Keys compare ignoring case. They are handled as numbers: the tag-set dimension numbers the keys it
        // sends; a listed dimension's keys are numbered here as they are met.
        let interned: RefCell<HashMap<String, u32>> = RefCell::new(HashMap::new());
        let intern = |key: &str| -> u32 {
            let mut map = interned.borrow_mut();
            let next = u32::try_from(map.len()).unwrap_or(u32::MAX);
            *map.entry(key.to_ascii_lowercase()).or_insert(next)
        };
        let atoms_of_rep = |r: usize| -> Vec<u32> {
            dim.tag_key_atoms(r).unwrap_or_else(|| {
                let mut atoms: Vec<u32> = match dim.rep(r).as_deref() {
                    Some(Rep::Tags(t)) => t.iter().map(|(k, _)| intern(k)).collect(),
                    _ => Vec::new(),
                };
                atoms.sort_unstable();
                atoms.dedup();
                atoms
            })
        };
        let atom_of_key = |key: &str| dim.tag_key_atom(key).unwrap_or_else(|| intern(key));
        let keys_before: HashSet<u32> =
            self.allowed_reps(d, self.from_bit).into_iter().flat_map(&atoms_of_rep).collect();
        // Per tag set (by its digit): its keys, numbered once, and whether the other side allowed them all.
        let mut key_sets: HashMap<Vec<u32>, usize> = HashMap::new();
        let mut digit_info: HashMap<usize, (usize, bool)> = HashMap::new();
        let mut info = |digit: usize| -> (usize, bool) {
            *digit_info.entry(digit).or_insert_with(|| {
                let atoms = atoms_of_rep(digit);
                let known = atoms.iter().all(|a| keys_before.contains(a));
                let next = key_sets.len();
                (*key_sets.entry(atoms).or_insert(next), known)
            })
        };
        let mut out = Vec::new();
        let mut have_keys = false;
        let mut have_values = false;
        // Which (line, key set) pairs the other side allows: built on first need, so that asking for a
        // same-keys neighbour costs a lookup, not a scan of the line.
        let mut allowed_key_sets: Option<HashSet<(usize, usize)>> = None;
        for &(p, n) in explained {
            if have_keys && have_values {
                break;
            }
            let (key_set, known) = info(self.grid.digit(p, d));
            if !known && !have_keys {
                have_keys = true;
                let tags = tags_of(p);
                let new_keys: Vec<String> = tags
                    .iter()
                    .filter(|(k, _)| !keys_before.contains(&atom_of_key(k)))
                    .map(|(k, _)| k.clone())
                    .collect();
                let noun = plural(new_keys.len(), "tag key", "tag keys");
                let description = if keys_before.is_empty() && !lost {
                    format!("request tags are newly allowed: {noun} {}", backticks(new_keys))
                } else if lost {
                    format!("{noun} {} no longer allowed", backticks(new_keys))
                } else {
                    format!("new {noun} {}", backticks(new_keys))
                };
                out.push(self.change(Dimension::TagKeys, description, p, Some(n)));
                continue;
            }
            if !known || have_values {
                continue;
            }
            // A neighbour with the same keys (different values) that the other side allows (`p` itself is
            // not allowed there).
            let allowed = allowed_key_sets.get_or_insert_with(|| {
                (0..self.grid.results.len())
                    .filter(|&q| self.grid.allowed(q, self.from_bit))
                    .map(|q| (self.grid.grid.line(q, d), info(self.grid.digit(q, d)).0))
                    .collect()
            });
            if allowed.contains(&(self.grid.grid.line(p, d), key_set)) {
                have_values = true;
                let shown = backticks(tags_of(p).iter().map(|(k, v)| format!("{k}={v}")));
                let description = if lost {
                    format!("tag values {shown} are no longer allowed")
                } else {
                    format!("tag values newly allowed: {shown} (a value the caller chooses)")
                };
                out.push(self.change(Dimension::TagValues, description, p, Some(n)));
            }
        }
        if out.is_empty()
            && let Some(&(p, n)) = explained.first()
        {
            let shown = backticks(tags_of(p).iter().map(|(k, v)| format!("{k}={v}")));
            let shown = if shown.is_empty() { "no tags".to_owned() } else { shown };
            let verb = if lost { "is no longer allowed" } else { "is newly allowed" };
            out.push(self.change(Dimension::TagKeys, format!("sending {shown} {verb}"), p, Some(n)));
        }
        out
    }

    /// The change with its witness, the statements that make the difference, and its assumptions.
    fn change(&self, dimension: Dimension, description: String, point: usize, neighbour: Option<usize>) -> Change {
        let witness = self.grid.request(point);
        let neighbour = neighbour.map(|n| self.grid.request(n));
        let from_side = match self.gained {
            Side::Current => Side::Baseline,
            Side::Baseline => Side::Current,
        };
        let mut statements = Vec::new();
        for action in witness.actions() {
            let ctx = witness.context(action, self.assumptions);
            let from = eval::check(self.from_set, &ctx, self.assumptions);
            if from.decision == Decision::Allow {
                continue;
            }
            let to = eval::check(self.to_set, &ctx, self.assumptions);
            statements.extend(links(self.to_set, &to.statements, self.gained, Role::Allows, action));
            match from.decision {
                Decision::ExplicitDeny => {
                    statements.extend(links(self.from_set, &from.statements, from_side, Role::Denies, action));
                }
                _ => {
                    if let Some(n) = &neighbour {
                        let nctx = n.context(action, self.assumptions);
                        let nb = eval::check(self.from_set, &nctx, self.assumptions);
                        if nb.decision == Decision::Allow {
                            statements.extend(links(
                                self.from_set,
                                &nb.statements,
                                from_side,
                                Role::AllowsNeighbour,
                                action,
                            ));
                        }
                    }
                }
            }
        }
        let depends_on = Setting::ALL
            .into_iter()
            .filter(|s| s.affects_decisions())
            .filter_map(|setting| {
                let alt = self.assumptions.flipped(setting);
                let holds = allows(self.to_set, &witness, &alt) && !allows(self.from_set, &witness, &alt);
                (!holds).then(|| Dependency {
                    setting,
                    configured: self.assumptions.get(setting),
                    alternative: alt.get(setting),
                })
            })
            .collect();
        let reproduce = simulate_command(self.to_source, self.to_set, &witness);
        Change { dimension, description, witness, reproduce, statements, depends_on }
    }
}

fn policy_index(set: &PolicySet, link: &StatementLink) -> usize {
    set.policies()
        .filter(|(layer, _, _)| *layer == link.layer)
        .find(|(_, _, p)| {
            std::sync::Arc::ptr_eq(&p.source, &link.source)
                && p.statement(link.index).is_some_and(|s| s.span == link.span)
        })
        .map_or(0, |(_, i, _)| i)
}

fn links(
    set: &PolicySet,
    refs: &[crate::eval::StatementRef],
    side: Side,
    role: Role,
    action: &str,
) -> Vec<StatementLink> {
    refs.iter()
        .filter_map(|at| {
            let policy = set.policy(at.layer, at.policy)?;
            let statement = policy.statement(at.statement)?;
            Some(StatementLink {
                side,
                role,
                action: action.to_owned(),
                layer: at.layer,
                source: std::sync::Arc::clone(&policy.source),
                span: statement.span,
                sid: statement.sid.as_ref().map(|s| s.node.to_string()),
                index: at.statement,
            })
        })
        .collect()
}
