//! A dimension's representatives: listed, or generated from their index.
//!
//! The audience lists and the tag sets of a request are sets of regions, so their representatives are the
//! subsets of a list of region witnesses: millions for a few dozen regions, more than 10^16 for 200. They are
//! never stored: a generated dimension knows its count arithmetically (so a space can be judged against the
//! budget before anything is built) and produces the representative at an index on demand, in the order
//! an enumeration visits them (smaller sets first).

use std::borrow::Cow;

use super::count::Count;
use super::space::{DimKind, Rep};
use crate::token;

/// The subsets of `elements` with `min..=max` members, by size, then lexicographically by position.
#[derive(Clone, Debug)]
pub struct Subsets {
    elements: Vec<String>,
    min: usize,
    max: usize,
    count: Count,
    /// `pascal[i][j]` = C(i, j) for i ≤ n, j ≤ max; built only when the count fits in a `u64`, since only then
    /// can an index reach it.
    pascal: Vec<Vec<u64>>,
}

impl Subsets {
    pub fn new(elements: Vec<String>, min: usize, max: usize) -> Subsets {
        let n = elements.len();
        let max = max.min(n);
        let count = Count::subsets(n, min, max);
        let mut pascal = Vec::new();
        if count.as_u64().is_some() {
            for i in 0..=n {
                let row: Vec<u64> = (0..=max).map(|j| Count::binomial(i, j).as_u64().unwrap_or(u64::MAX)).collect();
                pascal.push(row);
            }
        }
        Subsets { elements, min, max, count, pascal }
    }

    pub fn count(&self) -> Count {
        self.count
    }

    pub fn elements(&self) -> &[String] {
        &self.elements
    }

    fn binomial(&self, n: usize, k: usize) -> u64 {
        self.pascal.get(n).and_then(|row| row.get(k)).copied().unwrap_or(0)
    }

    /// The positions of the members of the subset at `index`.
    pub fn positions(&self, index: u64) -> Option<Vec<usize>> {
        let n = self.elements.len();
        let mut rank = index;
        let mut size = None;
        for k in self.min..=self.max {
            let c = self.binomial(n, k);
            if rank < c {
                size = Some(k);
                break;
            }
            rank -= c;
        }
        let mut left = size?;
        let mut out = Vec::with_capacity(left);
        let mut e = 0;
        while left > 0 && e < n {
            // Subsets of this size whose smallest remaining member is `e`.
            let c = self.binomial(n - e - 1, left - 1);
            if rank < c {
                out.push(e);
                left -= 1;
            } else {
                rank -= c;
            }
            e += 1;
        }
        (left == 0).then_some(out)
    }

    pub fn get(&self, index: u64) -> Option<Vec<String>> {
        let positions = self.positions(index)?;
        Some(positions.into_iter().filter_map(|p| self.elements.get(p).cloned()).collect())
    }
}

/// A tag key some policy names (`aws:RequestTag/<key>`): the spellings of its key that the conditions tell
/// apart, and a witness of each region of its value.
#[derive(Clone, Debug)]
pub struct NamedTag {
    pub spellings: Vec<String>,
    pub values: Vec<String>,
}

impl NamedTag {
    /// Absent, or one spelling with one value.
    fn options(&self) -> u128 {
        1 + (self.spellings.len() as u128).saturating_mul(self.values.len() as u128)
    }

    fn option(&self, i: u128) -> Option<Option<(String, String)>> {
        if i == 0 {
            return Some(None);
        }
        let n = self.values.len() as u128;
        let spelling = self.spellings.get(usize::try_from((i - 1).checked_div(n)?).ok()?)?;
        let value = self.values.get(usize::try_from((i - 1) % n).ok()?)?;
        Some(Some((spelling.clone(), value.clone())))
    }
}

/// Request tag sets: any subset of the tag keys no policy names (each sent with one neutral value), combined
/// with, for each named key, absent or one of its spellings with one of its values.
#[derive(Clone, Debug)]
pub struct TagSets {
    unnamed: Subsets,
    /// Per unnamed key, the number of its group of keys equal ignoring case.
    unnamed_group: Vec<u32>,
    /// The lower-cased keys: one per group of unnamed keys, then the named keys'.
    lower: Vec<String>,
    /// The neutral value unnamed keys are sent with.
    value: String,
    named: Vec<NamedTag>,
    count: Count,
}

impl TagSets {
    pub fn new(unnamed: Vec<String>, value: String, named: Vec<NamedTag>) -> TagSets {
        let mut groups: Vec<String> = Vec::new();
        let unnamed_group = unnamed
            .iter()
            .map(|k| {
                let lower = k.to_ascii_lowercase();
                let at = groups.iter().position(|g| *g == lower).unwrap_or_else(|| {
                    groups.push(lower);
                    groups.len() - 1
                });
                u32::try_from(at).unwrap_or(u32::MAX)
            })
            .collect();
        let unnamed = Subsets::new(unnamed, 0, token::MAX_TAGS);
        let count = named.iter().fold(unnamed.count(), |acc, t| acc.times(Count::of(t.options())));
        let mut lower = groups;
        lower.extend(named.iter().map(|t| t.spellings.first().map(|s| s.to_ascii_lowercase()).unwrap_or_default()));
        TagSets { unnamed, unnamed_group, lower, value, named, count }
    }

    /// The tag set at `index`: the unnamed subset turns slowest, the last named key fastest. A set of more
    /// than 50 tags is a request the API refuses; it is still produced (callers treat it as denied).
    pub fn get(&self, index: u64) -> Option<Vec<(String, String)>> {
        let mut rest = u128::from(index);
        let mut chosen: Vec<Option<(String, String)>> = Vec::with_capacity(self.named.len());
        for tag in self.named.iter().rev() {
            let r = tag.options();
            chosen.push(tag.option(rest % r)?);
            rest /= r;
        }
        let mut tags: Vec<(String, String)> =
            self.unnamed.get(u64::try_from(rest).ok()?)?.into_iter().map(|k| (k, self.value.clone())).collect();
        tags.extend(chosen.into_iter().rev().flatten());
        Some(tags)
    }

    /// The keys the set at `index` sends, ignoring case, as numbers (sorted, distinct): the group of each
    /// unnamed key, then each named key present, after the groups. No unnamed key equals a named one ignoring
    /// case (such a key is a spelling of the named one), so equal numbers mean equal keys.
    pub fn key_atoms(&self, index: u64) -> Option<Vec<u32>> {
        let groups = u32::try_from(self.lower.len() - self.named.len()).ok()?;
        let mut rest = u128::from(index);
        let mut present = Vec::new();
        for (i, tag) in self.named.iter().enumerate().rev() {
            let r = tag.options();
            if rest % r != 0 {
                present.push(groups + u32::try_from(i).ok()?);
            }
            rest /= r;
        }
        let mut out: Vec<u32> = self
            .unnamed
            .positions(u64::try_from(rest).ok()?)?
            .into_iter()
            .filter_map(|p| self.unnamed_group.get(p).copied())
            .collect();
        out.sort_unstable();
        out.dedup();
        out.extend(present.into_iter().rev());
        Some(out)
    }

    /// The number [`TagSets::key_atoms`] gives a key.
    pub fn key_atom(&self, key: &str) -> Option<u32> {
        let lower = key.to_ascii_lowercase();
        self.lower.iter().position(|k| *k == lower).and_then(|i| u32::try_from(i).ok())
    }

    /// Sets whose contexts together touch every key any set touches: the empty set, each unnamed key alone,
    /// each spelling of each named key alone.
    fn basis(&self) -> Vec<Vec<(String, String)>> {
        let mut out = vec![Vec::new()];
        out.extend(self.unnamed.elements().iter().map(|k| vec![(k.clone(), self.value.clone())]));
        for tag in &self.named {
            for s in &tag.spellings {
                out.extend(tag.values.first().map(|v| vec![(s.clone(), v.clone())]));
            }
        }
        out
    }
}

#[derive(Clone, Debug)]
enum Reps {
    List(Vec<Rep>),
    /// Audience lists: the non-empty subsets of up to 10 region witnesses.
    Audiences(Subsets),
    Tags(TagSets),
    /// Too many to build (the work would exceed the budget): only the count is known.
    Counted(Count),
}

/// One dimension of a request space and its representatives.
#[derive(Clone, Debug)]
pub struct Dim {
    pub kind: DimKind,
    reps: Reps,
}

impl Dim {
    pub fn listed(kind: DimKind, reps: Vec<Rep>) -> Dim {
        Dim { kind, reps: Reps::List(reps) }
    }

    pub fn audiences(witnesses: Vec<String>) -> Dim {
        Dim { kind: DimKind::Audience, reps: Reps::Audiences(Subsets::new(witnesses, 1, token::MAX_AUDIENCES)) }
    }

    pub fn tags(sets: TagSets) -> Dim {
        Dim { kind: DimKind::Tags, reps: Reps::Tags(sets) }
    }

    /// A dimension whose representatives are too many to build; the space is then over any budget.
    pub fn counted(kind: DimKind, count: Count) -> Dim {
        Dim { kind, reps: Reps::Counted(count) }
    }

    pub fn count(&self) -> Count {
        match &self.reps {
            Reps::List(r) => Count::of(r.len() as u128),
            Reps::Audiences(s) => s.count(),
            Reps::Tags(t) => t.count,
            Reps::Counted(c) => *c,
        }
    }

    /// The number of representatives, when they can be enumerated.
    pub fn len(&self) -> Option<usize> {
        match &self.reps {
            Reps::Counted(_) => None,
            _ => self.count().as_u64().and_then(|n| usize::try_from(n).ok()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.count().is_zero()
    }

    /// Whether representatives are produced on demand (and cost a little to produce).
    pub fn is_generated(&self) -> bool {
        !matches!(self.reps, Reps::List(_))
    }

    /// The representative at `index`.
    pub fn rep(&self, index: usize) -> Option<Cow<'_, Rep>> {
        match &self.reps {
            Reps::List(r) => r.get(index).map(Cow::Borrowed),
            Reps::Audiences(s) => s.get(index as u64).map(|a| Cow::Owned(Rep::Audiences(a))),
            Reps::Tags(t) => t.get(index as u64).map(|t| Cow::Owned(Rep::Tags(t))),
            Reps::Counted(_) => None,
        }
    }

    /// For a tag-set dimension, the keys (ignoring case) the set at `index` sends, as numbers; see
    /// [`TagSets::key_atoms`].
    pub fn tag_key_atoms(&self, index: usize) -> Option<Vec<u32>> {
        match &self.reps {
            Reps::Tags(t) => t.key_atoms(index as u64),
            _ => None,
        }
    }

    /// For a tag-set dimension, the number of a key; see [`TagSets::key_atoms`].
    pub fn tag_key_atom(&self, key: &str) -> Option<u32> {
        match &self.reps {
            Reps::Tags(t) => t.key_atom(key),
            _ => None,
        }
    }

    /// Representatives whose changes to a request together cover every key any representative changes (a
    /// set's context is the union of its members').
    pub fn basis(&self) -> Vec<Cow<'_, Rep>> {
        match &self.reps {
            Reps::List(r) => r.iter().map(Cow::Borrowed).collect(),
            Reps::Audiences(s) => s.elements().iter().map(|e| Cow::Owned(Rep::Audiences(vec![e.clone()]))).collect(),
            Reps::Tags(t) => t.basis().into_iter().map(|s| Cow::Owned(Rep::Tags(s))).collect(),
            Reps::Counted(_) => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn subsets_by_size_then_position() {
        let s = Subsets::new(strings(&["a", "b", "c"]), 1, 10);
        let all: Vec<Vec<String>> = (0..s.count().as_u64().unwrap()).map(|i| s.get(i).unwrap()).collect();
        let expected: Vec<Vec<String>> =
            [&["a"][..], &["b"], &["c"], &["a", "b"], &["a", "c"], &["b", "c"], &["a", "b", "c"]]
                .iter()
                .map(|v| strings(v))
                .collect();
        assert_eq!(all, expected);
        assert_eq!(s.get(7), None);
    }

    #[test]
    fn subsets_agree_with_brute_force() {
        let elements: Vec<String> = (0..9).map(|i| format!("e{i}")).collect();
        for (min, max) in [(0, 9), (1, 3), (2, 2), (0, 0)] {
            let s = Subsets::new(elements.clone(), min, max);
            let mut expected: Vec<Vec<usize>> = (0u32..1 << 9)
                .map(|m| (0..9).filter(|i| m & (1 << i) != 0).collect::<Vec<usize>>())
                .filter(|v| (min..=max).contains(&v.len()))
                .collect();
            expected.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
            let got: Vec<Vec<usize>> = (0..s.count().as_u64().unwrap()).map(|i| s.positions(i).unwrap()).collect();
            assert_eq!(got, expected, "{min}..={max}");
        }
    }

    #[test]
    fn huge_subset_families_are_counted_not_built() {
        let elements: Vec<String> = (0..201).map(|i| format!("https://aud{i}.example")).collect();
        let d = Dim::audiences(elements);
        assert_eq!(d.count().as_u64(), Some(24_916_830_617_948_111));
        assert!(d.count().exceeds(1));
    }

    #[test]
    fn tag_sets_combine_unnamed_subsets_with_named_options() {
        let named = vec![NamedTag { spellings: strings(&["team", "Team"]), values: strings(&["x"]) }];
        let t = TagSets::new(strings(&["k"]), "value".into(), named);
        assert_eq!(t.count.as_u64(), Some(6));
        let all: Vec<Vec<(String, String)>> = (0..6).map(|i| t.get(i).unwrap()).collect();
        assert_eq!(all[0], []);
        assert_eq!(all[1], [("team".to_owned(), "x".to_owned())]);
        assert_eq!(all[3], [("k".to_owned(), "value".to_owned())]);
        assert_eq!(all[5], [("k".to_owned(), "value".to_owned()), ("Team".to_owned(), "x".to_owned())]);
        assert_eq!(t.get(6), None);
        // `team=x` and `Team=x` send the same key; `k` another.
        assert_eq!(t.key_atoms(1), t.key_atoms(2));
        assert_eq!(t.key_atoms(0), Some(vec![]));
        assert_eq!(t.key_atoms(3), Some(vec![0]));
        assert_eq!(t.key_atoms(5), Some(vec![0, 1]));
        assert_eq!(t.key_atom("TEAM"), Some(1));
    }
}
