//! Enumerate one principal's request space on both sides, find what widened and narrowed, classify each
//! difference by dimension, and cite the statements that make it.

use std::collections::BTreeSet;

use crate::eval::{
    self, Assumptions, ContextValue, Decision, NoTrace, PolicySet, Prepared, RequestContext, RequestResource, Setting,
};
use crate::policy::wildcard;
use crate::request::witness::{PolicySource, simulate_command};
use crate::request::{Network, Request};
use crate::simulate::allows;
use crate::token::{DEFAULT_DURATION, MINT_ACTION, TAG_ACTION};

use super::space::{self, Dim, DimKind, PrincipalFacts, Rep, Space};
use super::{Change, Dependency, DiffOptions, Dimension, PrincipalDiff, Role, Side, StatementLink};

const ACTIONS: [&str; 2] = [MINT_ACTION, TAG_ACTION];

/// What one representative of one dimension sets in each check's context: every key the dimension owns,
/// with its value or `None` for absent, and the resource when it differs from the base.
struct RepDelta {
    keys: [Vec<(String, Option<ContextValue>)>; 2],
    resource: [Option<RequestResource>; 2],
}

/// The contexts of the base request, and what each representative of each dimension changes in them. A
/// dimension's keys are disjoint from every other's, so a point's contexts are the base contexts with each
/// dimension's representative applied, which is what `Request::context` would build for the whole
/// request (a test checks this).
struct Deltas {
    base: [RequestContext; 2],
    per_dim: Vec<Vec<RepDelta>>,
}

fn deltas(space: &Space, assumptions: &Assumptions) -> Deltas {
    let base: [RequestContext; 2] = ACTIONS.map(|a| space.base.context(a, assumptions));
    let mut per_dim = Vec::with_capacity(space.dims.len());
    for dim in &space.dims {
        let contexts: Vec<[RequestContext; 2]> = dim
            .reps
            .iter()
            .map(|rep| {
                let mut r = space.base.clone();
                rep.apply(&mut r);
                ACTIONS.map(|a| r.context(a, assumptions))
            })
            .collect();
        let mut settings = Vec::with_capacity(dim.reps.len());
        let owned: [BTreeSet<String>; 2] = [0, 1].map(|i| {
            let mut keys = BTreeSet::new();
            for ctxs in &contexts {
                if let (Some(ctx), Some(b)) = (ctxs.get(i), base.get(i)) {
                    keys.extend(changed_keys(b, ctx));
                }
            }
            keys
        });
        for ctxs in &contexts {
            let keys = [0, 1].map(|i| {
                let (Some(ctx), Some(own)) = (ctxs.get(i), owned.get(i)) else { return Vec::new() };
                own.iter().map(|k| (k.clone(), ctx.get(k).cloned())).collect()
            });
            let resource = [0, 1].map(|i| match (ctxs.get(i), base.get(i)) {
                (Some(ctx), Some(b)) if ctx.resource != b.resource => Some(ctx.resource.clone()),
                _ => None,
            });
            settings.push(RepDelta { keys, resource });
        }
        per_dim.push(settings);
    }
    Deltas { base, per_dim }
}

/// Keys (lower-cased) whose presence or value differs between two contexts.
fn changed_keys(a: &RequestContext, b: &RequestContext) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in a.iter() {
        if b.get(k) != Some(v) {
            out.push(k.to_ascii_lowercase());
        }
    }
    for (k, v) in b.iter() {
        if a.get(k) != Some(v) {
            out.push(k.to_ascii_lowercase());
        }
    }
    out
}

fn apply(ctx: &mut [RequestContext; 2], setting: &RepDelta) {
    for (i, c) in ctx.iter_mut().enumerate() {
        for (k, v) in setting.keys.get(i).into_iter().flatten() {
            match v {
                Some(v) => c.insert(k, v.clone()),
                None => c.remove(k),
            }
        }
        if let Some(Some(r)) = setting.resource.get(i) {
            c.resource = r.clone();
        }
    }
}

/// The allowed bits of every point: bit 0 baseline, bit 1 current.
const BASELINE: u8 = 1;
const CURRENT: u8 = 2;

struct Grid<'s> {
    space: &'s Space,
    radix: Vec<usize>,
    results: Vec<u8>,
}

impl Grid<'_> {
    fn digits(&self, mut index: usize) -> Vec<usize> {
        let mut d = vec![0; self.radix.len()];
        for (slot, r) in d.iter_mut().zip(&self.radix).rev() {
            *slot = index % r.max(&1);
            index /= r.max(&1);
        }
        d
    }

    /// How far apart two points are that differ by one in dimension `d`.
    fn stride(&self, d: usize) -> usize {
        self.radix.iter().skip(d + 1).product()
    }

    fn digit(&self, index: usize, d: usize) -> usize {
        let r = self.radix.get(d).copied().unwrap_or(1).max(1);
        index / self.stride(d) % r
    }

    /// The point that differs from `index` only in dimension `d`, where it has `value`.
    fn with_digit(&self, index: usize, d: usize, value: usize) -> usize {
        let stride = self.stride(d);
        index - self.digit(index, d) * stride + value * stride
    }

    fn allowed(&self, index: usize, bit: u8) -> bool {
        self.results.get(index).is_some_and(|b| b & bit != 0)
    }

    fn request(&self, index: usize) -> Request {
        let mut r = self.space.base.clone();
        for (dim, d) in self.space.dims.iter().zip(self.digits(index)) {
            if let Some(rep) = dim.reps.get(d) {
                rep.apply(&mut r);
            }
        }
        r
    }

    fn rep(&self, index: usize, dim: usize) -> Option<&Rep> {
        self.space.dims.get(dim)?.reps.get(self.digit(index, dim))
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
    let space = space::build(baseline, current, facts, assumptions);
    let mut reasons: Vec<String> = space.unsupported.clone();
    let radix: Vec<usize> = space.dims.iter().map(|d| d.reps.len().max(1)).collect();
    let size = radix.iter().try_fold(1u64, |acc, &r| acc.checked_mul(r as u64));
    let over_budget = size.is_none_or(|s| s > options.budget);
    if over_budget {
        let mut parts: Vec<(usize, String)> =
            space.dims.iter().map(|d| (d.reps.len(), format!("{} {}", d.reps.len(), dim_noun(&d.kind)))).collect();
        parts.sort_by_key(|p| std::cmp::Reverse(p.0));
        let parts: Vec<String> = parts.into_iter().filter(|(n, _)| *n > 1).map(|(_, s)| s).collect();
        reasons.insert(
            0,
            format!(
                "{} representative requests exceed the budget of {} ({})",
                size.map_or_else(|| "more than 2^64".to_owned(), |s| s.to_string()),
                options.budget,
                parts.join(" × ")
            ),
        );
        return PrincipalDiff {
            principal: name.to_owned(),
            exact: false,
            inexact_reason: Some(reasons.join("; ")),
            widened: Vec::new(),
            narrowed: Vec::new(),
            evaluations: 0,
            over_budget: true,
        };
    }
    let total = size.unwrap_or(0) as usize;
    let deltas = deltas(&space, assumptions);
    let prepared: [[Prepared<'_>; 2]; 2] = [baseline, current].map(|set| ACTIONS.map(|a| set.prepare(a)));
    let tags_dim = space.dims.iter().position(|d| d.kind == DimKind::Tags);
    let mut ctx = deltas.base.clone();
    let mut digits = vec![0usize; radix.len()];
    for settings in &deltas.per_dim {
        if let Some(s) = settings.first() {
            apply(&mut ctx, s);
        }
    }
    let mut results = Vec::with_capacity(total);
    for _ in 0..total {
        let tagged = tags_dim
            .and_then(|t| space.dims.get(t)?.reps.get(*digits.get(t)?))
            .is_some_and(|r| matches!(r, Rep::Tags(t) if !t.is_empty()));
        let mut bits = 0u8;
        for (side, bit) in [(0, BASELINE), (1, CURRENT)] {
            let Some(p) = prepared.get(side) else { continue };
            let allowed = p.iter().zip(&ctx).enumerate().all(|(action, (prep, c))| {
                (action == 1 && !tagged) || prep.decide(c, assumptions, &mut NoTrace).decision == Decision::Allow
            });
            if allowed {
                bits |= bit;
            }
        }
        results.push(bits);
        // Next point: the last dimension turns fastest, so the point index is the loop counter.
        for i in (0..digits.len()).rev() {
            let (Some(d), Some(&r)) = (digits.get_mut(i), radix.get(i)) else { continue };
            *d += 1;
            let wrapped = *d >= r;
            if wrapped {
                *d = 0;
            }
            if let Some(s) = deltas.per_dim.get(i).and_then(|ss| ss.get(*d)) {
                apply(&mut ctx, s);
            }
            if !wrapped {
                break;
            }
        }
    }
    let grid = Grid { space: &space, radix, results };
    let widened = changes(&grid, baseline, current, Side::Current, assumptions, sources);
    let narrowed = changes(&grid, baseline, current, Side::Baseline, assumptions, sources);
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

fn dim_noun(kind: &DimKind) -> String {
    match kind {
        DimKind::Audience => "audience sets".into(),
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

/// The changes toward `gained`: requests that side allows and the other denies.
fn changes(
    grid: &Grid<'_>,
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
    for (d, dim) in grid.space.dims.iter().enumerate() {
        // Points this dimension explains: the other side allowed a request differing only here.
        let explained: Vec<(usize, usize)> =
            points.iter().filter_map(|&p| ctx.neighbour(p, d).map(|n| (p, n))).collect();
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
    grid: &'a Grid<'a>,
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

    /// A point differing from `p` only in dimension `d` that the other side allows.
    fn neighbour(&self, p: usize, d: usize) -> Option<usize> {
        let radix = *self.grid.radix.get(d)?;
        let own = self.grid.digit(p, d);
        (0..radix).filter(|&r| r != own).find_map(|r| {
            let n = self.grid.with_digit(p, d, r);
            self.grid.allowed(n, self.from_bit).then_some(n)
        })
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
                        .filter_map(|r| match dim.reps.get(r) {
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
                    .filter(|(q, _)| match rep_of(*q) {
                        Some(Rep::Audiences(a)) => new.is_empty() || a.iter().any(|x| new.contains(x)),
                        _ => false,
                    })
                    .min_by_key(|(q, _)| match rep_of(*q) {
                        Some(Rep::Audiences(a)) => a.len(),
                        _ => usize::MAX,
                    })
                    .copied()
                    .unwrap_or((p, n));
                let description = if new.is_empty() {
                    let set = match rep_of(pick.0) {
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
                let max =
                    |bit: u8| self.allowed_reps(d, bit).into_iter().filter_map(|r| dim.reps.get(r)).map(lifetime).max();
                let (now, before) = (max(self.to_bit), max(self.from_bit));
                let pick = explained.iter().max_by_key(|(q, _)| rep_of(*q).map(lifetime)).copied().unwrap_or((p, n));
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
                    _ if lost => format!("{} no longer allowed", shown(rep_of(pick.0))),
                    _ => format!("{} newly allowed (maximum lifetime unchanged)", shown(rep_of(pick.0))),
                };
                vec![self.change(Dimension::Lifetime, description, pick.0, Some(pick.1))]
            }
            DimKind::Algorithm => {
                let alg = match rep_of(p) {
                    Some(Rep::Algorithm(a)) => a.clone(),
                    _ => String::new(),
                };
                let verb = if lost { "no longer allowed" } else { "newly allowed" };
                vec![self.change(Dimension::SigningAlgorithm, format!("signing algorithm `{alg}` {verb}"), p, Some(n))]
            }
            DimKind::Tags => self.describe_tags(d, dim, explained),
            DimKind::Network => {
                let what = match rep_of(p) {
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
                let t = match rep_of(p) {
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
                let what = match rep_of(p) {
                    Some(Rep::PrincipalArn(a)) => format!("principal `{a}`"),
                    Some(Rep::PrincipalTag(k, Some(v))) => format!("a principal tagged `{k}={v}`"),
                    Some(Rep::PrincipalTag(k, None)) => format!("a principal without tag `{k}`"),
                    _ => "this principal".to_owned(),
                };
                let verb = if lost { "may no longer mint" } else { "may now mint" };
                vec![self.change(Dimension::Principal, format!("{what} {verb} this token"), p, Some(n))]
            }
            DimKind::Region | DimKind::Key(_) => {
                let (key, value) = match rep_of(p) {
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
        let tags_of = |i: usize| match self.grid.rep(i, d) {
            Some(Rep::Tags(t)) => t.clone(),
            _ => Vec::new(),
        };
        let lower_keys =
            |t: &[(String, String)]| -> BTreeSet<String> { t.iter().map(|(k, _)| k.to_ascii_lowercase()).collect() };
        let keys_before: BTreeSet<String> = self
            .allowed_reps(d, self.from_bit)
            .into_iter()
            .filter_map(|r| match dim.reps.get(r) {
                Some(Rep::Tags(t)) => Some(lower_keys(t)),
                _ => None,
            })
            .flatten()
            .collect();
        let mut out = Vec::new();
        let mut have_keys = false;
        let mut have_values = false;
        for &(p, n) in explained {
            let tags = tags_of(p);
            let keys = lower_keys(&tags);
            let new_keys: Vec<String> = tags
                .iter()
                .filter(|(k, _)| !keys_before.contains(&k.to_ascii_lowercase()))
                .map(|(k, _)| k.clone())
                .collect();
            // A neighbour with the same keys (different values) that the other side allows.
            let same_keys = (0..dim.reps.len()).any(|r| {
                let q = self.grid.with_digit(p, d, r);
                q != p && self.grid.allowed(q, self.from_bit) && lower_keys(&tags_of(q)) == keys
            });
            if !new_keys.is_empty() && !have_keys {
                have_keys = true;
                let noun = plural(new_keys.len(), "tag key", "tag keys");
                let description = if keys_before.is_empty() && !lost {
                    format!("request tags are newly allowed: {noun} {}", backticks(new_keys))
                } else if lost {
                    format!("{noun} {} no longer allowed", backticks(new_keys))
                } else {
                    format!("new {noun} {}", backticks(new_keys))
                };
                out.push(self.change(Dimension::TagKeys, description, p, Some(n)));
            } else if new_keys.is_empty() && same_keys && !have_values {
                have_values = true;
                let shown = backticks(tags.iter().map(|(k, v)| format!("{k}={v}")));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The incremental contexts of the enumeration equal what `Request::context` builds.
    #[test]
    fn deltas_rebuild_the_request_contexts() {
        use crate::eval::LoadedPolicy;
        use crate::policy::{PolicyKind, parse_document};
        use crate::source::SourceFile;
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:*","Resource":"*",
            "Condition":{"ForAllValues:StringEquals":{"sts:IdentityTokenAudience":["a","b"],"aws:TagKeys":["team"]},
            "NumericLessThanEquals":{"sts:DurationSeconds":900},"StringEquals":{"sts:SigningAlgorithm":"ES384",
            "aws:RequestTag/team":"${aws:PrincipalTag/team}","aws:SourceVpc":"vpc-1"},
            "IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"DateLessThan":{"aws:CurrentTime":"2030-01-01"}}}]}"#;
        let source = std::sync::Arc::new(SourceFile::new("p.json", "p.json", text));
        let json = crate::source::json::parse(&source.text, &Default::default()).unwrap();
        let policy = parse_document(&json, PolicyKind::Identity).into_iter().next().unwrap().policy.unwrap();
        let set = PolicySet {
            identity: vec![LoadedPolicy::new(source, policy, PolicyKind::Identity)],
            ..PolicySet::default()
        };
        for assumptions in
            Setting::ALL.iter().map(|s| Assumptions::default().flipped(*s)).chain([Assumptions::default()])
        {
            let space = space::build(&set, &set, &PrincipalFacts::default(), &assumptions);
            let deltas = deltas(&space, &assumptions);
            let radix: Vec<usize> = space.dims.iter().map(|d| d.reps.len()).collect();
            let grid = Grid { space: &space, radix: radix.clone(), results: Vec::new() };
            let total: usize = radix.iter().product();
            for index in (0..total).step_by(7) {
                let mut ctx = deltas.base.clone();
                for (settings, d) in deltas.per_dim.iter().zip(grid.digits(index)) {
                    apply(&mut ctx, &settings[d]);
                }
                let request = grid.request(index);
                let normal = |c: &RequestContext| {
                    let mut v: Vec<(String, ContextValue)> =
                        c.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect();
                    v.sort_by(|a, b| a.0.cmp(&b.0));
                    (v, c.resource.clone())
                };
                for (i, action) in ACTIONS.iter().enumerate() {
                    assert_eq!(normal(&ctx[i]), normal(&request.context(action, &assumptions)), "{request:?}");
                }
            }
        }
    }
}
