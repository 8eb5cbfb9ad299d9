//! Regions of a string-valued key, constructed exactly.
//!
//! Every string predicate a policy can apply to a key (`StringEquals`, `...IgnoreCase`, `StringLike`, the
//! `Arn*` operators, and mintlint's own "this tag key names `aws:RequestTag/team`") accepts a regular
//! language. Each is compiled here into one or more small glob *programs* (a sequence of characters and
//! wildcards, run as an NFA over pattern positions). The product of all programs of a key is determinised on
//! the fly by a breadth-first search over an alphabet that has one character per class of characters the
//! programs cannot tell apart (every character that occurs in a pattern, the characters that fold to them
//! under the case rules in use, `:` where ARN components matter, and one fresh character standing for all
//! others). Every string reaches some product state, and all strings reaching one state satisfy exactly the
//! same predicates; so the reachable states give every truth vector that any string can have, and the BFS
//! path to a state is a shortest string with that vector. Nothing is guessed.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;
use std::sync::OnceLock;

use super::work::{OutOfWork, Work};
use crate::policy::wildcard::eq_fold;

/// How two characters compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CharEq {
    /// Case-sensitive (`StringEquals`, `StringLike`, `Arn*`).
    Exact,
    /// Per-character full lowercase mapping (`StringEqualsIgnoreCase`, as [`crate::policy::wildcard`] does).
    Fold,
    /// ASCII case only: how the request context compares key names (`aws:RequestTag/Team` = `.../team`).
    AsciiFold,
}

impl CharEq {
    fn eq(self, a: char, b: char) -> bool {
        match self {
            CharEq::Exact => a == b,
            CharEq::Fold => a == b || eq_fold(a.encode_utf8(&mut [0; 4]), b.encode_utf8(&mut [0; 4])),
            CharEq::AsciiFold => a.eq_ignore_ascii_case(&b),
        }
    }
}

/// One element of a glob program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Elem {
    Char(char),
    /// `?`; `colon: false` inside an ARN component, where no `:` can occur.
    AnyOne {
        colon: bool,
    },
    /// `*`.
    AnyMany {
        colon: bool,
    },
}

/// A glob run over positions: accepts a string iff the elements match all of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    pub elems: Vec<Elem>,
    pub eq: CharEq,
}

impl Program {
    pub fn literal(text: &str, eq: CharEq) -> Program {
        Program { elems: text.chars().map(Elem::Char).collect(), eq }
    }

    /// The words needed for a bit set over positions `0..=len`.
    fn words(&self) -> usize {
        self.elems.len() / 64 + 1
    }
}

/// A predicate on strings: the conjunction of its programs (`Always` and `Never` for the degenerate cases,
/// e.g. `ArnLike "*"` and a pattern whose variable can never be substituted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Atom {
    Always,
    Never,
    All(Vec<Program>),
}

/// One piece of a pattern after policy-variable substitution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Text whose `*`/`?` are literal characters.
    Literal(String),
    /// Text whose `*`/`?` are wildcards (for `Like` and `Arn` operators).
    Glob(String),
}

fn push_pieces(pieces: &[Piece], wildcards: bool, colon: bool, out: &mut Vec<Elem>) {
    for piece in pieces {
        match piece {
            Piece::Literal(t) => out.extend(t.chars().map(Elem::Char)),
            Piece::Glob(t) => out.extend(t.chars().map(|c| match c {
                '*' if wildcards => Elem::AnyMany { colon },
                '?' if wildcards => Elem::AnyOne { colon },
                c => Elem::Char(c),
            })),
        }
    }
}

/// `StringEquals` (`eq` Exact), `StringEqualsIgnoreCase` (Fold), `StringLike` (`like`).
pub fn string_atom(pieces: &[Piece], like: bool, eq: CharEq) -> Atom {
    let mut elems = Vec::new();
    push_pieces(pieces, like, true, &mut elems);
    Atom::All(vec![Program { elems, eq }])
}

/// The shape every value must have for an `Arn*` pattern (other than `*` alone) to match it: six
/// components, the first exactly `arn` (`crate::policy::value::arn`).
pub fn arn_shape() -> Program {
    let mut elems: Vec<Elem> = "arn:".chars().map(Elem::Char).collect();
    for _ in 0..4 {
        elems.push(Elem::AnyMany { colon: false });
        elems.push(Elem::Char(':'));
    }
    elems.push(Elem::AnyMany { colon: true });
    Program { elems, eq: CharEq::Exact }
}

/// `ArnEquals`/`ArnLike` (and their negations' positive form): component-wise glob, following
/// `crate::policy::value::arn::arn_matches_tokens` exactly: a pattern of only `*` matches everything; otherwise
/// the value must be ARN-shaped; the pattern is split at its literal colons; with six or more components the
/// first five match value components (wildcards cannot cross `:`) and the rest matches the resource (they
/// can); a shorter pattern matches component-wise up to its last component, which must end with `*` and
/// matches the rest of the value, colons included.
pub fn arn_atom(pieces: &[Piece]) -> Atom {
    let mut elems = Vec::new();
    push_pieces(pieces, true, true, &mut elems);
    if !elems.is_empty() && elems.iter().all(|e| matches!(e, Elem::AnyMany { .. })) {
        return Atom::Always;
    }
    // Components split at literal colons (a `:` from a substituted variable separates too).
    let mut components: Vec<Vec<Elem>> = vec![Vec::new()];
    for e in elems {
        match e {
            Elem::Char(':') if components.len() < 6 => components.push(Vec::new()),
            e => {
                if let Some(last) = components.last_mut() {
                    last.push(e);
                }
            }
        }
    }
    let count = components.len();
    if count < 6 && !matches!(components.last().and_then(|c| c.last()), Some(Elem::AnyMany { .. })) {
        return Atom::Never;
    }
    let mut program = Vec::new();
    for (i, component) in components.into_iter().enumerate() {
        if i > 0 {
            program.push(Elem::Char(':'));
        }
        let last = i + 1 == count;
        program.extend(component.into_iter().map(|e| match e {
            Elem::AnyMany { .. } => Elem::AnyMany { colon: last },
            Elem::AnyOne { .. } => Elem::AnyOne { colon: last },
            c => c,
        }));
    }
    Atom::All(vec![arn_shape(), Program { elems: program, eq: CharEq::Exact }])
}

/// Characters a request tag key or value may hold: `[\p{L}\p{Z}\p{N}_.:/=+\-@]` (reference §1.2), as
/// `crate::request::Request::validate` reads it.
pub fn tag_char(c: char) -> bool {
    c.is_alphabetic() || c.is_numeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

/// Which strings a key can hold, beyond its predicates.
#[derive(Clone, Debug)]
pub struct Domain {
    pub min_len: usize,
    pub max_len: usize,
    /// Characters allowed at all (tag keys and values have a charset).
    pub allowed: fn(char) -> bool,
    /// Programs every value must satisfy (a principal ARN is ARN-shaped).
    pub shape: Vec<Program>,
}

fn any_char(_: char) -> bool {
    true
}

impl Domain {
    pub fn any() -> Domain {
        Domain { min_len: 0, max_len: usize::MAX, allowed: any_char, shape: Vec::new() }
    }
}

/// Characters that lower-case (per character, fully) to the same text as some other character: the
/// Kelvin sign and `k`, `İ`, and so on. Built once, on first use by an `IgnoreCase` predicate.
fn fold_preimages() -> &'static HashMap<String, Vec<char>> {
    static TABLE: OnceLock<HashMap<String, Vec<char>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table: HashMap<String, Vec<char>> = HashMap::new();
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let mut lower = c.to_lowercase();
            if lower.len() == 1 && lower.next() == Some(c) {
                continue;
            }
            table.entry(c.to_lowercase().collect()).or_default().push(c);
        }
        table
    })
}

/// Characters likely to stand for "any other character" in a witness, most readable first.
const FRESH: &str = "xyzqjkwvbcdfghlmnprstaeiou0123456789XYZQJKW-_.";

/// One representative character per class of characters that the programs (and the domain) cannot tell
/// apart. Two characters are in one class when they compare the same way with every pattern character under
/// every rule in use, are both `:` or both not (ARN components), and are both allowed or both not.
pub fn alphabet(programs: &[&Program], domain: &Domain, work: &Work) -> Result<Vec<char>, OutOfWork> {
    let mut literals: Vec<(char, CharEq)> = Vec::new();
    let mut colon_matters = false;
    for p in programs.iter().copied().chain(domain.shape.iter()) {
        for e in &p.elems {
            match e {
                Elem::Char(c) => literals.push((*c, p.eq)),
                Elem::AnyOne { colon: false } | Elem::AnyMany { colon: false } => colon_matters = true,
                _ => {}
            }
        }
    }
    literals.sort();
    literals.dedup();
    let mut candidates: Vec<char> = Vec::new();
    for &(c, eq) in &literals {
        candidates.push(c);
        if eq != CharEq::Exact {
            candidates.extend(c.to_lowercase());
            candidates.extend(c.to_uppercase());
        }
        if eq == CharEq::Fold {
            let lower: String = c.to_lowercase().collect();
            if let Some(others) = fold_preimages().get(&lower) {
                candidates.extend(others.iter().copied());
            }
        }
    }
    if colon_matters {
        candidates.push(':');
    }
    candidates.extend(FRESH.chars());
    // Each signature compares a character with every pattern character.
    let signature_cost = literals.len() as u64 + 1;
    work.spend(signature_cost.saturating_mul(candidates.len() as u64))?;
    let signature = |c: char| -> Vec<bool> {
        let mut v: Vec<bool> = literals.iter().map(|&(d, eq)| eq.eq(c, d)).collect();
        v.push(c == ':');
        v
    };
    let mut seen: HashSet<Vec<bool>> = HashSet::new();
    let mut out = Vec::new();
    for c in candidates {
        if !(domain.allowed)(c) {
            continue;
        }
        if seen.insert(signature(c)) {
            out.push(c);
        }
    }
    // The class of characters unrelated to every pattern character must be represented; the fresh list
    // normally provides it, and a pattern set that uses all of them still leaves the CJK block.
    let unrelated = {
        let mut v = vec![false; literals.len()];
        v.push(false);
        v
    };
    if !seen.contains(&unrelated) {
        work.spend(signature_cost.saturating_mul(0x9FFF - 0x4E00))?;
        if let Some(c) =
            (0x4E00u32..0x9FFF).filter_map(char::from_u32).find(|c| (domain.allowed)(*c) && signature(*c) == unrelated)
        {
            out.push(c);
        }
    }
    Ok(out)
}

/// The product automaton of several programs, determinised on the fly: a state is one position set per
/// program, packed into words.
struct Product<'a> {
    programs: Vec<&'a Program>,
    offsets: Vec<usize>,
    /// Per program, the positions of its `*`s, in order.
    stars: Vec<Vec<usize>>,
    words: usize,
}

type State = Box<[u64]>;

impl<'a> Product<'a> {
    fn new(programs: Vec<&'a Program>) -> Self {
        let mut offsets = Vec::with_capacity(programs.len());
        let mut words = 0;
        for p in &programs {
            offsets.push(words);
            words += p.words();
        }
        let stars = programs
            .iter()
            .map(|p| {
                p.elems.iter().enumerate().filter(|(_, e)| matches!(e, Elem::AnyMany { .. })).map(|(i, _)| i).collect()
            })
            .collect();
        Product { programs, offsets, stars, words }
    }

    /// What one step from `state` costs: a pass over the words, the live positions and the stars.
    fn step_cost(&self, state: &[u64]) -> u64 {
        let live: u64 = state.iter().map(|w| u64::from(w.count_ones())).sum();
        self.words as u64 + live + self.stars.iter().map(|s| s.len() as u64).sum::<u64>()
    }

    fn get(bits: &[u64], i: usize) -> bool {
        bits.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
    }

    fn set(bits: &mut [u64], i: usize) {
        if let Some(w) = bits.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    /// Add the positions after every `*` that is reachable (a `*` may match nothing); in order, so a run of
    /// stars passes reachability along.
    fn close(stars: &[usize], bits: &mut [u64]) {
        for &i in stars {
            if Self::get(bits, i) {
                Self::set(bits, i + 1);
            }
        }
    }

    fn start(&self) -> State {
        let mut state = vec![0u64; self.words].into_boxed_slice();
        for ((p, &off), stars) in self.programs.iter().zip(&self.offsets).zip(&self.stars) {
            if let Some(bits) = state.get_mut(off..off + p.words()) {
                Self::set(bits, 0);
                Self::close(stars, bits);
            }
        }
        state
    }

    fn step(&self, state: &[u64], c: char) -> State {
        let mut next = vec![0u64; self.words].into_boxed_slice();
        for ((p, &off), stars) in self.programs.iter().zip(&self.offsets).zip(&self.stars) {
            let (Some(from), Some(to)) = (state.get(off..off + p.words()), next.get_mut(off..off + p.words())) else {
                continue;
            };
            // Only the live positions: a program that no longer matches costs one word.
            for (w, &word) in from.iter().enumerate() {
                let mut bits = word;
                while bits != 0 {
                    let i = w * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    match p.elems.get(i) {
                        Some(&Elem::Char(d)) if p.eq.eq(c, d) => Self::set(to, i + 1),
                        Some(&Elem::AnyOne { colon }) if colon || c != ':' => Self::set(to, i + 1),
                        Some(&Elem::AnyMany { colon }) if colon || c != ':' => Self::set(to, i),
                        _ => {}
                    }
                }
            }
            Self::close(stars, to);
        }
        next
    }

    fn accepts(&self, state: &[u64], program: usize) -> bool {
        match (self.programs.get(program), self.offsets.get(program)) {
            (Some(p), Some(&off)) => state.get(off..off + p.words()).is_some_and(|bits| Self::get(bits, p.elems.len())),
            _ => false,
        }
    }
}

/// Why a key's regions were not constructed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TooComplex {
    /// More distinct product states than the bound: the key's patterns interact too much to enumerate.
    States,
    /// The principal's work bound ran out (long patterns, a large alphabet, many clauses).
    Work,
}

/// Every class of strings the atoms (and the domain) distinguish, with up to `per_class` witnesses each,
/// shortest first. `classify` names the class of a string (the caller evaluates the real condition clauses
/// on it, so a class is what the evaluator distinguishes, and atoms only have to be fine enough; it spends
/// its own cost from `work`).
///
/// Returned in discovery order: shorter witnesses first, ties broken by the alphabet order. The search stops
/// at `max_states` product states or when `work` runs dry, whichever comes first, and then fails rather
/// than return a partial answer.
pub fn regions<K: Eq + Hash + Clone>(
    atoms: &[Atom],
    domain: &Domain,
    per_class: usize,
    max_states: usize,
    work: &Work,
    mut classify: impl FnMut(&str) -> K,
) -> Result<Vec<(K, Vec<String>)>, TooComplex> {
    let mut programs: Vec<&Program> = atoms
        .iter()
        .flat_map(|a| match a {
            Atom::All(ps) => ps.iter().collect::<Vec<_>>(),
            Atom::Always | Atom::Never => Vec::new(),
        })
        .collect();
    let shape_from = programs.len();
    programs.extend(domain.shape.iter());
    let sigma = alphabet(&programs, domain, work).map_err(|_| TooComplex::Work)?;
    let product = Product::new(programs);
    let in_domain = |state: &[u64]| (shape_from..product.programs.len()).all(|i| product.accepts(state, i));
    let spend = |units: u64| work.spend(units).map_err(|_| TooComplex::Work);

    let mut classes: Vec<(K, Vec<String>)> = Vec::new();
    let mut index: HashMap<K, usize> = HashMap::new();
    let mut record = |text: &str, classes: &mut Vec<(K, Vec<String>)>| -> Result<(), TooComplex> {
        let class = classify(text);
        if work.exhausted() {
            return Err(TooComplex::Work);
        }
        match index.get(&class).and_then(|&i| classes.get_mut(i)) {
            Some((_, ws)) => {
                if ws.len() < per_class && !ws.iter().any(|w| w == text) {
                    ws.push(text.to_owned());
                }
            }
            None => {
                index.insert(class.clone(), classes.len());
                classes.push((class, vec![text.to_owned()]));
            }
        }
        Ok(())
    };
    // Strings are kept as a tree of (parent, last character): a witness is spelled out only when recorded.
    const ROOT: usize = usize::MAX;
    let mut nodes: Vec<(usize, char)> = Vec::new();
    let spell = |nodes: &[(usize, char)], mut node: usize| -> String {
        let mut chars = Vec::new();
        while let Some(&(parent, c)) = nodes.get(node) {
            chars.push(c);
            node = parent;
        }
        chars.into_iter().rev().collect()
    };
    let start = product.start();
    if domain.min_len == 0 && in_domain(&start) {
        record("", &mut classes)?;
    }
    // The empty string is handled above; non-empty strings that lead back to the start state are still
    // explored, because emptiness itself is something conditions see (`Null`, set operators).
    let mut visited: HashMap<State, usize> = HashMap::new();
    // (state, node of its string, string length in characters)
    let mut queue: VecDeque<(State, usize, usize)> = VecDeque::new();
    // Second witnesses: strings that reach an already-seen state by another path.
    let mut extra: Vec<(usize, char, usize)> = Vec::new();
    let expand = |state: &[u64],
                  node: usize,
                  len: usize,
                  queue: &mut VecDeque<(State, usize, usize)>,
                  visited: &mut HashMap<State, usize>,
                  nodes: &mut Vec<(usize, char)>,
                  extra: &mut Vec<(usize, char, usize)>|
     -> Result<(), TooComplex> {
        spend(product.step_cost(state).saturating_mul(sigma.len() as u64))?;
        for &c in &sigma {
            let next = product.step(state, c);
            match visited.get_mut(&next) {
                Some(count) => {
                    if *count < per_class {
                        *count += 1;
                        if per_class > 1 && len + 1 >= domain.min_len && len < domain.max_len {
                            extra.push((node, c, len + 1));
                        }
                    }
                }
                None => {
                    visited.insert(next.clone(), 1);
                    nodes.push((node, c));
                    queue.push_back((next, nodes.len() - 1, len + 1));
                }
            }
        }
        Ok(())
    };
    expand(&start, ROOT, 0, &mut queue, &mut visited, &mut nodes, &mut extra)?;
    while let Some((state, node, len)) = queue.pop_front() {
        if visited.len() > max_states {
            return Err(TooComplex::States);
        }
        if len > domain.max_len {
            // BFS order: every later state is reached only by strings at least this long.
            break;
        }
        if len >= domain.min_len && in_domain(&state) {
            spend(len as u64)?;
            record(&spell(&nodes, node), &mut classes)?;
        }
        expand(&state, node, len, &mut queue, &mut visited, &mut nodes, &mut extra)?;
    }
    if per_class > 1 {
        // Only the classes of states reached twice can have two members.
        for (parent, c, len) in extra {
            // At most every position is live on the way.
            let bound = product.words + product.programs.iter().map(|p| p.elems.len() + 1).sum::<usize>();
            spend((bound as u64).saturating_mul(len as u64 + 1))?;
            let mut text = spell(&nodes, parent);
            text.push(c);
            let state = text.chars().fold(product.start(), |s, c| product.step(&s, c));
            if in_domain(&state) {
                record(&text, &mut classes)?;
            }
        }
    }
    Ok(classes)
}

/// Whether a string satisfies an atom (by running its programs), for tests and checks.
pub fn atom_accepts(atom: &Atom, text: &str) -> bool {
    match atom {
        Atom::Always => true,
        Atom::Never => false,
        Atom::All(programs) => programs.iter().all(|p| {
            let product = Product::new(vec![p]);
            let state = text.chars().fold(product.start(), |s, c| product.step(&s, c));
            product.accepts(&state, 0)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::value::arn::arn_matches;
    use crate::policy::wildcard::matches;
    use proptest::prelude::*;

    fn glob(p: &str) -> Vec<Piece> {
        vec![Piece::Glob(p.to_owned())]
    }

    #[test]
    fn regions_of_literals_and_patterns() {
        let atoms = [
            string_atom(&glob("a"), false, CharEq::Exact),
            string_atom(&glob("ab"), false, CharEq::Exact),
            string_atom(&glob("a*"), true, CharEq::Exact),
            string_atom(&glob("*b"), true, CharEq::Exact),
        ];
        let got = regions(&atoms, &Domain::any(), 1, 1000, &Work::new(u64::MAX), |s| {
            atoms.iter().map(|a| atom_accepts(a, s)).collect::<Vec<_>>()
        })
        .unwrap();
        let witnesses: Vec<&str> = got.iter().map(|(_, w)| w[0].as_str()).collect();
        // "" (nothing), "a", "b" (*b only), "aa" (a* only), "ab", "aab" (a* and *b, not "ab"): every truth
        // vector a string can have, each with a shortest witness.
        assert_eq!(witnesses, ["", "a", "b", "aa", "ab", "aab"]);
    }

    #[test]
    fn fold_classes_include_the_kelvin_sign() {
        let atoms = [string_atom(&glob("k"), false, CharEq::Fold), string_atom(&glob("K"), false, CharEq::Exact)];
        let got = regions(&atoms, &Domain { min_len: 1, ..Domain::any() }, 1, 1000, &Work::new(u64::MAX), |s| {
            atoms.iter().map(|a| atom_accepts(a, s)).collect::<Vec<_>>()
        })
        .unwrap();
        let classes: Vec<Vec<bool>> = got.iter().map(|(k, _)| k.clone()).collect();
        assert!(classes.contains(&vec![true, true]));
        assert!(classes.contains(&vec![true, false]));
        assert!(classes.contains(&vec![false, false]));
    }

    #[test]
    fn two_witnesses_per_class_when_asked() {
        let atoms = [string_atom(&glob("a"), false, CharEq::Exact)];
        let got = regions(&atoms, &Domain { min_len: 1, ..Domain::any() }, 2, 1000, &Work::new(u64::MAX), |s| s == "a")
            .unwrap();
        let other = got.iter().find(|(k, _)| !*k).unwrap();
        assert_eq!(other.1.len(), 2);
        let equal = got.iter().find(|(k, _)| *k).unwrap();
        assert_eq!(equal.1, ["a"]);
    }

    #[test]
    fn arn_regions_respect_components() {
        let atoms = [arn_atom(&glob("arn:aws:iam::*:role/x")), arn_atom(&glob("arn:aws:iam::*"))];
        let got = regions(&atoms, &Domain::any(), 1, 10_000, &Work::new(u64::MAX), |s| {
            atoms.iter().map(|a| atom_accepts(a, s)).collect::<Vec<_>>()
        })
        .unwrap();
        for (class, ws) in &got {
            let w = &ws[0];
            assert_eq!(*class, vec![arn_matches("arn:aws:iam::*:role/x", w), arn_matches("arn:aws:iam::*", w)]);
        }
        assert!(got.iter().any(|(k, _)| *k == vec![true, true]));
        assert!(got.iter().any(|(k, _)| *k == vec![false, true]));
        assert!(got.iter().any(|(k, _)| *k == vec![false, false]));
    }

    proptest! {
        #[test]
        fn string_programs_agree_with_the_matcher(pattern in "[ab*?:]{0,6}", text in "[abc:]{0,6}") {
            let like = string_atom(&glob(&pattern), true, CharEq::Exact);
            prop_assert_eq!(atom_accepts(&like, &text), matches(&pattern, &text, false));
            let exact = string_atom(&glob(&pattern), false, CharEq::Exact);
            prop_assert_eq!(atom_accepts(&exact, &text), pattern == text);
        }

        #[test]
        fn arn_programs_agree_with_the_matcher(pattern in "(arn|a\\*|\\*)(:[ab*?]{0,2}){0,6}", text in "arn(:[ab]{0,2}){4,6}|[ab:]{0,4}") {
            let atom = arn_atom(&glob(&pattern));
            prop_assert_eq!(atom_accepts(&atom, &text), arn_matches(&pattern, &text), "{} vs {}", pattern, text);
        }
    }
}
