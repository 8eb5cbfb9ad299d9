//! Deciding every representative request of a space, shared by `diff` and `graph`.
//!
//! A point of the space is one representative per dimension; points are numbered in mixed radix (the last
//! dimension turns fastest). Every point is decided with the allocation-free decision procedure on
//! contexts kept up to date incrementally: each dimension's representatives change a few keys of the base
//! contexts, worked out once per representative (or, for the largest generated dimension, once each time
//! it turns, since it is visited in the outermost loop).

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::Arc;

use crate::eval::assumptions::CaseVariantTagKeys;
use crate::eval::{Assumptions, ContextValue, Decision, NoTrace, PolicySet, Prepared, RequestContext, RequestResource};
use crate::request::Request;
use crate::request::context::{AUDIENCE_KEY, audience_value, sees_sts_keys, tag_entries};
use crate::request::validate::case_variant_keys;
use crate::token::{MAX_TAGS, MINT_ACTION, TAG_ACTION};

use super::count::Count;
use super::space::{DimKind, Rep, Space};
use super::work::{OutOfWork, Work};

pub const ACTIONS: [&str; 2] = [MINT_ACTION, TAG_ACTION];

/// The mixed-radix numbering of a space's points.
pub struct Grid<'s> {
    pub space: &'s Space,
    pub radix: Vec<usize>,
    strides: Vec<usize>,
    pub total: usize,
}

impl<'s> Grid<'s> {
    /// The grid of a space whose size is at most `budget`; `None` when it is larger (or was not completed).
    pub fn new(space: &'s Space, budget: u64) -> Option<Grid<'s>> {
        if space.stopped.is_some() || space.size().exceeds(budget) {
            return None;
        }
        let radix: Vec<usize> = space.dims.iter().map(|d| d.len().unwrap_or(0).max(1)).collect();
        let total = usize::try_from(space.size().as_u64()?).ok()?;
        let mut strides = vec![1; radix.len()];
        let mut acc = 1usize;
        for (s, r) in strides.iter_mut().zip(&radix).rev() {
            *s = acc;
            acc = acc.checked_mul(*r)?;
        }
        Some(Grid { space, radix, strides, total })
    }

    pub fn digits(&self, index: usize) -> Vec<usize> {
        (0..self.radix.len()).map(|d| self.digit(index, d)).collect()
    }

    /// How far apart two points are that differ by one in dimension `d`.
    pub fn stride(&self, d: usize) -> usize {
        self.strides.get(d).copied().unwrap_or(1)
    }

    pub fn digit(&self, index: usize, d: usize) -> usize {
        let r = self.radix.get(d).copied().unwrap_or(1).max(1);
        index / self.stride(d) % r
    }

    /// The point that differs from `index` only in dimension `d`, where it has `value`.
    pub fn with_digit(&self, index: usize, d: usize, value: usize) -> usize {
        let stride = self.stride(d);
        index - self.digit(index, d) * stride + value * stride
    }

    /// The line of `index` along dimension `d`: the points that differ from it only there share one number,
    /// in `0..total / radix[d]`.
    pub fn line(&self, index: usize, d: usize) -> usize {
        let stride = self.stride(d);
        let r = self.radix.get(d).copied().unwrap_or(1).max(1);
        index / (stride * r) * stride + index % stride
    }

    pub fn lines(&self, d: usize) -> usize {
        self.total / self.radix.get(d).copied().unwrap_or(1).max(1)
    }

    pub fn rep(&self, index: usize, d: usize) -> Option<Cow<'s, Rep>> {
        self.space.dims.get(d)?.rep(self.digit(index, d))
    }

    pub fn request(&self, index: usize) -> Request {
        let mut r = self.space.base.clone();
        for d in 0..self.space.dims.len() {
            if let Some(rep) = self.rep(index, d) {
                rep.apply(&mut r);
            }
        }
        r
    }
}

/// What one representative of one dimension sets in each check's context: every key the dimension owns,
/// with its value or `None` for absent, and the resource when it differs from the base.
pub(super) struct RepDelta {
    /// The dimension's keys (lower-cased), shared by all its changes; `values` is aligned with them.
    keys: [Arc<[String]>; 2],
    values: [Vec<Option<ContextValue>>; 2],
    resource: [Option<RequestResource>; 2],
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

/// How the representatives of one dimension change the base contexts. A dimension's keys are disjoint from
/// every other's, so a point's contexts are the base contexts with each dimension's change applied, which
/// is what `Request::context` builds for the whole request (a test checks this).
pub(super) struct DimDeltas<'s> {
    space: &'s Space,
    dim: usize,
    base: &'s [RequestContext; 2],
    assumptions: Assumptions,
    /// Every key any representative changes, per check.
    owned: [Arc<[String]>; 2],
}

impl<'s> DimDeltas<'s> {
    pub(super) fn new(space: &'s Space, dim: usize, base: &'s [RequestContext; 2], assumptions: &Assumptions) -> Self {
        let mut owned: [BTreeSet<String>; 2] = [BTreeSet::new(), BTreeSet::new()];
        if let Some(d) = space.dims.get(dim) {
            for rep in d.basis() {
                let ctxs = contexts(space, &rep, assumptions);
                for ((own, ctx), b) in owned.iter_mut().zip(&ctxs).zip(base) {
                    own.extend(changed_keys(b, ctx));
                }
            }
        }
        let owned = owned.map(|o| o.into_iter().collect::<Vec<_>>().into());
        DimDeltas { space, dim, base, assumptions: *assumptions, owned }
    }

    pub(super) fn delta(&self, index: usize) -> RepDelta {
        let rep = self.space.dims.get(self.dim).and_then(|d| d.rep(index));
        if let Some(delta) = rep.as_deref().and_then(|r| self.direct(r)) {
            return delta;
        }
        let ctxs = match &rep {
            Some(rep) => contexts(self.space, rep, &self.assumptions),
            None => self.base.clone(),
        };
        let values = [0, 1].map(|i| {
            let (Some(ctx), Some(own)) = (ctxs.get(i), self.owned.get(i)) else { return Vec::new() };
            own.iter().map(|k| ctx.get_lower(k).cloned()).collect()
        });
        let resource = [0, 1].map(|i| match (ctxs.get(i), self.base.get(i)) {
            (Some(ctx), Some(b)) if ctx.resource != b.resource => Some(ctx.resource.clone()),
            _ => None,
        });
        RepDelta { keys: self.owned.clone(), values, resource }
    }
}

impl DimDeltas<'_> {
    /// The change of an audience list or a tag set, from the keys they set (the functions
    /// `Request::context` uses) without building whole contexts: these dimensions are the large,
    /// generated ones, whose changes are worked out once per visit rather than once and kept.
    fn direct(&self, rep: &Rep) -> Option<RepDelta> {
        let set: Vec<(String, ContextValue)> = match rep {
            Rep::Audiences(a) => vec![(AUDIENCE_KEY.to_owned(), audience_value(a))],
            Rep::Tags(t) => tag_entries(t),
            _ => return None,
        };
        let values = [0, 1].map(|i| {
            let (Some(own), Some(action)) = (self.owned.get(i), ACTIONS.get(i)) else { return Some(Vec::new()) };
            // INVARIANT: the dimension owns exactly the keys these representatives set (its basis says so);
            // the audience key only in the checks that see it. Anything else takes the general path.
            let visible = |k: &str| match rep {
                Rep::Audiences(_) => sees_sts_keys(action, &self.assumptions),
                _ => k == "aws:tagkeys" || k.starts_with("aws:requesttag/"),
            };
            if !own.iter().all(|k| visible(k) && (matches!(rep, Rep::Tags(_)) || k == "sts:identitytokenaudience")) {
                return None;
            }
            // A repeated tag key keeps its last value, as inserting into a context does.
            Some(
                own.iter()
                    .map(|k| set.iter().rev().find(|(s, _)| s.eq_ignore_ascii_case(k)).map(|(_, v)| v.clone()))
                    .collect(),
            )
        });
        let [Some(a), Some(b)] = values else { return None };
        Some(RepDelta { keys: self.owned.clone(), values: [a, b], resource: [None, None] })
    }
}

fn contexts(space: &Space, rep: &Rep, assumptions: &Assumptions) -> [RequestContext; 2] {
    let mut r = space.base.clone();
    rep.apply(&mut r);
    ACTIONS.map(|a| r.context(a, assumptions))
}

pub(super) fn apply(ctx: &mut [RequestContext; 2], delta: &RepDelta) {
    for (i, c) in ctx.iter_mut().enumerate() {
        if let (Some(keys), Some(values)) = (delta.keys.get(i), delta.values.get(i)) {
            for (k, v) in keys.iter().zip(values) {
                c.set_lower(k, v.clone());
            }
        }
        if let Some(Some(r)) = delta.resource.get(i) {
            c.resource = r.clone();
        }
    }
}

/// [`apply`] for a change used once: its values move into the contexts.
fn apply_owned(ctx: &mut [RequestContext; 2], delta: RepDelta) {
    let RepDelta { keys, values, resource } = delta;
    for (((c, keys), values), resource) in ctx.iter_mut().zip(keys).zip(values).zip(resource) {
        for (k, v) in keys.iter().zip(values) {
            c.set_lower(k, v);
        }
        if let Some(r) = resource {
            c.resource = r;
        }
    }
}

pub fn base_contexts(space: &Space, assumptions: &Assumptions) -> [RequestContext; 2] {
    ACTIONS.map(|a| space.base.context(a, assumptions))
}

/// Decide every point of the grid on each set: bit `i` of `result[point]` says whether `sets[i]` allows it
/// (both checks when the request carries tags). A tag set larger than the API accepts is denied everywhere.
/// The decisions are paid from `work` before the first one is made (points times the size of the sets), so
/// an enumeration that would exceed it does not start.
pub fn decide_all(
    grid: &Grid<'_>,
    sets: &[&PolicySet],
    assumptions: &Assumptions,
    work: &Work,
) -> Result<Vec<u8>, OutOfWork> {
    let space = grid.space;
    let prepared: Vec<[Prepared<'_>; 2]> = sets.iter().map(|set| ACTIONS.map(|a| set.prepare(a))).collect();
    let per_point: usize = prepared.iter().flatten().map(|p| p.size() + 1).sum();
    work.spend(Count::of(grid.total as u128).times(Count::of(per_point as u128)).as_u64().unwrap_or(u64::MAX))?;

    let base = base_contexts(space, assumptions);
    let dims = space.dims.len();
    // The largest generated dimension is visited in the outermost loop, so its representatives are produced
    // once each; every other dimension's changes are worked out once and kept.
    let outer = (0..dims)
        .filter(|&d| space.dims.get(d).is_some_and(|dim| dim.is_generated()))
        .max_by_key(|&d| grid.radix.get(d).copied().unwrap_or(1));
    let cached: Vec<Vec<RepDelta>> = (0..dims)
        .map(|d| {
            if Some(d) == outer {
                return Vec::new();
            }
            let deltas = DimDeltas::new(space, d, &base, assumptions);
            (0..grid.radix.get(d).copied().unwrap_or(1)).map(|i| deltas.delta(i)).collect()
        })
        .collect();
    let outer_deltas = outer.map(|d| DimDeltas::new(space, d, &base, assumptions));
    let tags_dim = space.dims.iter().position(|d| d.kind == DimKind::Tags);
    let inner: Vec<usize> = (0..dims).filter(|&d| Some(d) != outer).collect();

    // Whether each tag set is non-empty (the tag check is made) and whether it is more than the API accepts.
    let flags = |i: usize| -> (bool, bool) {
        match tags_dim.and_then(|t| space.dims.get(t)?.rep(i)).as_deref() {
            // A set the API refuses: more than 50 tags, or (by default) keys that differ only in case.
            Some(Rep::Tags(t)) => (
                !t.is_empty(),
                t.len() > MAX_TAGS
                    || (assumptions.case_variant_tag_keys != CaseVariantTagKeys::Accepted
                        && case_variant_keys(t).is_some()),
            ),
            _ => (false, false),
        }
    };
    let tag_flags: Vec<(bool, bool)> = match tags_dim {
        Some(t) if Some(t) != outer => (0..grid.radix.get(t).copied().unwrap_or(1)).map(flags).collect(),
        _ => Vec::new(),
    };

    let mut results = vec![0u8; grid.total];
    let mut ctx = base.clone();
    for deltas in &cached {
        if let Some(first) = deltas.first() {
            apply(&mut ctx, first);
        }
    }
    let outer_radix = outer.and_then(|d| grid.radix.get(d).copied()).unwrap_or(1);
    let inner_total = grid.total / outer_radix.max(1);
    for o in 0..outer_radix {
        let mut outer_flags = (false, false);
        if let (Some(deltas), Some(d)) = (&outer_deltas, outer) {
            apply_owned(&mut ctx, deltas.delta(o));
            if Some(d) == tags_dim {
                outer_flags = flags(o);
            }
        }
        let mut digits = vec![0usize; dims];
        let mut index = outer.map_or(0, |d| o * grid.stride(d));
        for _ in 0..inner_total {
            let (tagged, too_many) = match tags_dim {
                Some(t) if Some(t) == outer => outer_flags,
                Some(t) => digits.get(t).and_then(|&i| tag_flags.get(i)).copied().unwrap_or((false, false)),
                None => (false, false),
            };
            let mut bits = 0u8;
            if !too_many {
                for (i, p) in prepared.iter().enumerate() {
                    let allowed = p.iter().zip(&ctx).enumerate().all(|(action, (prep, c))| {
                        (action == 1 && !tagged)
                            || prep.decide(c, assumptions, &mut NoTrace).decision == Decision::Allow
                    });
                    if allowed {
                        bits |= 1 << i;
                    }
                }
            }
            if let Some(slot) = results.get_mut(index) {
                *slot = bits;
            }
            // Next point: the last inner dimension turns fastest.
            for &d in inner.iter().rev() {
                let (Some(digit), Some(&r)) = (digits.get_mut(d), grid.radix.get(d)) else { continue };
                *digit += 1;
                index += grid.stride(d);
                let wrapped = *digit >= r;
                if wrapped {
                    *digit = 0;
                    index -= r * grid.stride(d);
                }
                if let Some(delta) = cached.get(d).and_then(|ds| ds.get(*digit)) {
                    apply(&mut ctx, delta);
                }
                if !wrapped {
                    break;
                }
            }
        }
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::space::{self, PrincipalFacts};
    use crate::eval::{LoadedPolicy, Setting};
    use crate::policy::{PolicyKind, parse_document};
    use crate::source::SourceFile;

    fn set(text: &str) -> PolicySet {
        let source = std::sync::Arc::new(SourceFile::new("p.json", "p.json", text));
        let json = crate::source::json::parse(&source.text, &Default::default()).unwrap();
        let policy = parse_document(&json, PolicyKind::Identity).into_iter().next().unwrap().policy.unwrap();
        PolicySet { identity: vec![LoadedPolicy::new(source, policy, PolicyKind::Identity)], ..PolicySet::default() }
    }

    /// The incremental contexts of the enumeration equal what `Request::context` builds, for listed and
    /// generated dimensions alike.
    #[test]
    fn deltas_rebuild_the_request_contexts() {
        let texts = [
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:*","Resource":"*",
            "Condition":{"ForAllValues:StringEquals":{"sts:IdentityTokenAudience":["a","b"],"aws:TagKeys":["team"]},
            "NumericLessThanEquals":{"sts:DurationSeconds":900},"StringEquals":{"sts:SigningAlgorithm":"ES384",
            "aws:RequestTag/team":"${aws:PrincipalTag/team}","aws:SourceVpc":"vpc-1"},
            "IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"DateLessThan":{"aws:CurrentTime":"2030-01-01"}}}]}"#,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:*","Resource":"*",
            "Condition":{"ForAnyValue:StringLike":{"sts:IdentityTokenAudience":["a*","*b","c"],
            "aws:TagKeys":["k1","k2","K3"]},"StringEquals":{"aws:RequestTag/Team":["x","y"],"aws:RequestTag/env":"p"}}}]}"#,
        ];
        for text in texts {
            let set = set(text);
            for assumptions in
                Setting::ALL.iter().map(|s| Assumptions::default().flipped(*s)).chain([Assumptions::default()])
            {
                let work = Work::new(u64::MAX);
                let space = space::build(&set, &set, &PrincipalFacts::default(), &assumptions, 1_000_000, &work);
                let grid = Grid::new(&space, u64::MAX).unwrap();
                let base = base_contexts(&space, &assumptions);
                let deltas: Vec<DimDeltas<'_>> =
                    (0..space.dims.len()).map(|d| DimDeltas::new(&space, d, &base, &assumptions)).collect();
                for index in (0..grid.total).step_by(7) {
                    let mut ctx = base.clone();
                    for (d, digit) in grid.digits(index).into_iter().enumerate() {
                        apply(&mut ctx, &deltas[d].delta(digit));
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

    /// The enumeration with its outermost generated dimension decides every point as deciding each
    /// request from scratch does.
    #[test]
    fn decide_all_agrees_with_whole_requests() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:*","Resource":"*",
            "Condition":{"ForAllValues:StringLike":{"sts:IdentityTokenAudience":["a*","b"],"aws:TagKeys":["k*","team"]},
            "StringEqualsIfExists":{"aws:RequestTag/team":"x"},"NumericLessThanEquals":{"sts:DurationSeconds":900}}},
            {"Effect":"Deny","Action":"sts:GetWebIdentityToken","Resource":"*",
             "Condition":{"ForAnyValue:StringEquals":{"sts:IdentityTokenAudience":"ab"}}}]}"#;
        let set = set(text);
        let assumptions = Assumptions::default();
        let work = Work::new(u64::MAX);
        let space = space::build(&set, &set, &PrincipalFacts::default(), &assumptions, 1_000_000, &work);
        let grid = Grid::new(&space, u64::MAX).unwrap();
        assert!(grid.total > 50, "{}", grid.total);
        let results = decide_all(&grid, &[&set], &assumptions, &work).unwrap();
        for (index, bits) in results.iter().enumerate() {
            let r = grid.request(index);
            let whole = r.validate(&assumptions).is_ok()
                && r.actions().into_iter().all(|a| {
                    set.prepare(a).decide(&r.context(a, &assumptions), &assumptions, &mut NoTrace).decision
                        == Decision::Allow
                });
            assert_eq!(*bits == 1, whole, "{r:?}");
        }
    }
}
