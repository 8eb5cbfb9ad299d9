//! What a caller may choose: the questions the minting rules ask about a condition's admitted values,
//! answered by the region analysis that `diff` uses ([`crate::diff::strings`]), so that `check` and `diff`
//! read a pattern the same way.
//!
//! - **Audience patterns** (`broad-audience-pattern`): does some admitted audience have a scheme or host
//!   that the pattern's literal text does not fix? The literal text fixes the authority (scheme and host)
//!   when the part before the first wildcard holds all of it, closed by `/`, `?` or `#`
//!   (`https://api.example.com/*`). A wildcard before that point lets the caller choose the host:
//!   `https://build-status.example*` admits `https://build-status.example.attacker.net`, and since `*` also
//!   matches `/`, `https://*.example.com` admits `https://attacker.net/.example.com`, whose host is
//!   `attacker.net`.
//! - **Request-tag values** (`unconstrained-tag-value`): is the value of a claim tag free, that is, does the
//!   condition admit every tag value except ones it lists by name? (`*`, `?*`, a deny-list, or a variable
//!   the caller sets itself, `${aws:RequestTag/team}`.)
//!
//! The analysis is exact: the pattern and the "authority fixed" (or "listed") languages are compiled into
//! glob programs whose product automaton the region analysis explores completely; every class of strings
//! they can tell apart is visited, with a witness.

use crate::diff::strings::{self, Atom, CharEq, Domain, Elem, Piece, Program};
use crate::diff::work::Work;

/// Work units one pattern's regions may cost a lint rule (a few tens of milliseconds); a pattern that needs
/// more (thousands of characters of wildcards) is given no verdict, never a guessed one.
const PATTERN_WORK: u64 = 20_000_000;
use crate::eval::condition::{ClauseValues, CompiledClause, PatternPart, StrPattern};
use crate::policy::{Family, OperatorKind};
use crate::token::{MAX_AUDIENCE_LEN, MAX_TAG_VALUE_LEN};

/// Most automaton states explored for one pattern (a single pattern needs a few dozen).
const MAX_STATES: usize = 20_000;

/// Characters that end a URL's authority (scheme and host): after one, the host can no longer change.
const AUTHORITY_END: [char; 3] = ['/', '?', '#'];

/// Stands for the value of a variable the caller does not set (`${aws:PrincipalTag/team}`): one fixed
/// character that no value of the domain holds.
const FIXED_VALUE: &str = "\u{E000}";

/// Keys whose values the caller of a token request chooses, so a variable over them is a wildcard.
fn caller_chosen(lower_key: &str) -> bool {
    lower_key.starts_with("aws:requesttag/")
        || lower_key.starts_with("sts:")
        || matches!(lower_key, "aws:tagkeys" | "aws:useragent" | "aws:referer")
}

/// The pattern as pieces for the region analysis: a variable the caller sets is a `*` (also under an
/// `Equals` operator, where it is compared with the caller's own value), any other a fixed value.
fn pieces(pattern: &StrPattern) -> Vec<Piece> {
    match pattern {
        StrPattern::Plain(text) => vec![Piece::Glob(text.to_string())],
        StrPattern::Parts(parts) => parts
            .iter()
            .map(|part| match part {
                PatternPart::Text(t) => Piece::Glob(t.to_string()),
                PatternPart::Escaped(c) => Piece::Literal(c.to_string()),
                PatternPart::Variable { key, .. } if caller_chosen(key) => Piece::Glob(CALLER_CHOICE.into()),
                PatternPart::Variable { .. } => Piece::Literal(FIXED_VALUE.into()),
            })
            .collect(),
    }
}

/// Marks a variable the caller sets, among the pieces: any text.
const CALLER_CHOICE: &str = "\u{E001}";

/// The program of a pattern: `*` and `?` are wildcards under `like`, a caller's variable always is.
fn atom(pieces: &[Piece], like: bool, eq: CharEq) -> Atom {
    let mut elems = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Literal(t) => elems.extend(t.chars().map(Elem::Char)),
            Piece::Glob(t) if t == CALLER_CHOICE => elems.push(Elem::AnyMany { colon: true }),
            Piece::Glob(t) => elems.extend(t.chars().map(|c| match c {
                '*' if like => Elem::AnyMany { colon: true },
                '?' if like => Elem::AnyOne { colon: true },
                c => Elem::Char(c),
            })),
        }
    }
    Atom::All(vec![Program { elems, eq }])
}

/// The literal text before the first wildcard (of a `Like` pattern).
fn literal_prefix(pieces: &[Piece]) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Literal(t) => out.push_str(t),
            Piece::Glob(t) if t == CALLER_CHOICE => return out,
            Piece::Glob(t) => match t.find(['*', '?']) {
                Some(at) => {
                    out.push_str(t.get(..at).unwrap_or_default());
                    return out;
                }
                None => out.push_str(t),
            },
        }
    }
    out
}

/// A URL scheme: a letter, then letters, digits, `+`, `-`, `.` (RFC 3986).
fn is_scheme(text: &str) -> bool {
    text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Where the authority of a URL-like text begins: after `scheme://` (the first `://`, when a scheme precedes
/// it), after a leading `//`, else at once (an audience that is no URL, `sts.amazonaws.com`, is all
/// authority).
fn authority_start(text: &str) -> usize {
    match text.find("://") {
        Some(at) if is_scheme(text.get(..at).unwrap_or_default()) => at + 3,
        _ if text.starts_with("//") => 2,
        _ => 0,
    }
}

/// Where the literal text of a pattern closes its authority (the index of the `/`, `?` or `#` that ends
/// it), if no continuation can change where it begins: `https:/` may still become `https://`, and `/` may
/// become `//`.
fn authority_end(literal: &str) -> Option<usize> {
    let start = authority_start(literal);
    let end = start + literal.get(start..)?.find(AUTHORITY_END)?;
    let may_become_scheme = !literal.contains("://") && literal.strip_suffix(":/").is_some_and(is_scheme);
    (!may_become_scheme && literal != "/").then_some(end)
}

/// The scheme and host of an audience as a relying party's URL parser reads them: the text up to the first
/// `/`, `?` or `#` after the authority begins.
pub fn authority(text: &str) -> &str {
    let start = authority_start(text);
    let end = text.get(start..).and_then(|rest| rest.find(AUTHORITY_END)).map_or(text.len(), |at| start + at);
    text.get(..end).unwrap_or(text)
}

/// The strings whose authority is the literal `anchor` (closed by one of [`AUTHORITY_END`] or the end).
fn authority_is(anchor: &str) -> Vec<Program> {
    let mut programs = vec![Program::literal(anchor, CharEq::Exact)];
    for end in AUTHORITY_END {
        let mut elems: Vec<Elem> = anchor.chars().map(Elem::Char).collect();
        elems.push(Elem::Char(end));
        elems.push(Elem::AnyMany { colon: true });
        programs.push(Program { elems, eq: CharEq::Exact });
    }
    programs
}

fn accepts_any(programs: &[Program], text: &str) -> bool {
    programs.iter().any(|p| strings::atom_accepts(&Atom::All(vec![p.clone()]), text))
}

/// An admitted audience whose scheme or host the pattern's literal text does not fix, if the `StringLike`
/// pattern admits one (see the module documentation); `None` when the authority is fixed, or when the
/// pattern is too complex to explore (never the case for one pattern of an audience's length).
pub fn audience_with_free_authority(pattern: &StrPattern) -> Option<String> {
    // A pure function of the pattern, and the region analysis behind it is the costliest step of linting a
    // policy: a plan repeats the same few patterns across thousands of roles, so each distinct pattern is
    // analysed once per run (the cache holds only patterns the input contains).
    type Cache = std::sync::Mutex<std::collections::HashMap<String, Option<String>>>;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Cache::default);
    // The derived `Debug` prints every field, so distinct patterns have distinct keys.
    let key = format!("{pattern:?}");
    if let Some(known) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return known;
    }
    let found = free_authority(pattern);
    if let Ok(mut c) = cache.lock() {
        c.insert(key, found.clone());
    }
    found
}

fn free_authority(pattern: &StrPattern) -> Option<String> {
    let pieces = pieces(pattern);
    let literal = literal_prefix(&pieces);
    let anchor = match authority_end(&literal) {
        Some(end) => literal.get(..end).unwrap_or_default().to_owned(),
        None => literal.clone(),
    };
    let admitted = atom(&pieces, true, CharEq::Exact);
    let fixed = authority_is(&anchor);
    let bad = |text: &str| strings::atom_accepts(&admitted, text) && !accepts_any(&fixed, text);
    let mut atoms = vec![admitted.clone()];
    atoms.extend(fixed.iter().map(|p| Atom::All(vec![p.clone()])));
    let domain = Domain { min_len: 1, max_len: MAX_AUDIENCE_LEN, ..Domain::any() };
    let classes = strings::regions(&atoms, &domain, 1, MAX_STATES, &Work::new(PATTERN_WORK), &bad).ok()?;
    let witness = classes.into_iter().find(|(is_bad, _)| *is_bad)?.1.into_iter().next()?;
    // A readable witness where one exists: the first wildcard stretched into another host.
    Some(readable_witness(&pieces, &bad).unwrap_or(witness))
}

/// The pattern with its first wildcard replaced by text that moves the host elsewhere, and later wildcards
/// by as little as they take, when that is admitted and its host is not fixed.
fn readable_witness(pieces: &[Piece], bad: &impl Fn(&str) -> bool) -> Option<String> {
    // After a host's text a `*` extends it (`example*` → `example.attacker.example`); elsewhere it starts a
    // host of its own (`https://*` → `https://attacker.example/`).
    const EXTEND: [&str; 3] = [".attacker.example", "attacker.example/", "attacker.example#"];
    const START: [&str; 3] = ["attacker.example/", ".attacker.example", "attacker.example#"];
    const MARKS: [&str; 2] = ["x", "."];
    let literal = literal_prefix(pieces);
    let first = pieces.iter().find_map(|p| match p {
        Piece::Glob(t) if t == CALLER_CHOICE => Some('*'),
        Piece::Glob(t) => t.chars().find(|c| matches!(c, '*' | '?')),
        Piece::Literal(_) => None,
    })?;
    let after_host_text = literal.chars().next_back().is_some_and(char::is_alphanumeric);
    let candidates: &[&str] = match (first, after_host_text) {
        ('*', true) => &EXTEND,
        ('*', false) => &START,
        _ => &MARKS,
    };
    candidates.iter().find_map(|fill| {
        let mut out = String::new();
        let mut first = true;
        for piece in pieces {
            match piece {
                Piece::Literal(t) => out.push_str(t),
                Piece::Glob(t) if t == CALLER_CHOICE => {
                    if first {
                        first = false;
                        out.push_str(fill);
                    }
                }
                Piece::Glob(t) => {
                    for c in t.chars() {
                        match c {
                            '*' | '?' if first => {
                                first = false;
                                out.push_str(fill);
                            }
                            '*' => {}
                            '?' => out.push('x'),
                            c => out.push(c),
                        }
                    }
                }
            }
        }
        (!out.contains(FIXED_VALUE) && bad(&out)).then_some(out)
    })
}

/// Whether a condition on a request tag's value (`aws:RequestTag/<key>`) leaves the value to the caller:
/// every tag value it rejects is one it names literally (`*`, `?*`, `StringNotEquals` lists, a variable the
/// caller sets). A `Null` test constrains no value. Conditions of other operator families (a number
/// compared) are taken as constraining.
pub fn tag_value_free(clause: &CompiledClause) -> bool {
    let kind = clause.operator.kind;
    match kind.family() {
        Family::Null => return true,
        Family::String => {}
        _ => return false,
    }
    let ClauseValues::Strings(patterns, _) = &clause.values else { return false };
    let (like, eq) = match kind.positive() {
        OperatorKind::StringLike => (true, CharEq::Exact),
        OperatorKind::StringEqualsIgnoreCase => (false, CharEq::Fold),
        _ => (false, CharEq::Exact),
    };
    let negated = kind.is_negated();
    let all_pieces: Vec<Vec<Piece>> = patterns.iter().map(pieces).collect();
    let atoms: Vec<Atom> = all_pieces.iter().map(|p| atom(p, like, eq)).collect();
    // The values the clause names literally: patterns without a wildcard.
    let listed: Vec<Atom> = all_pieces
        .iter()
        .filter(|p| {
            p.iter().all(|piece| match piece {
                Piece::Glob(t) => t != CALLER_CHOICE && !(like && t.contains(['*', '?'])),
                Piece::Literal(_) => true,
            })
        })
        .map(|p| atom(p, false, eq))
        .collect();
    let classify = |text: &str| {
        let matched = atoms.iter().any(|a| strings::atom_accepts(a, text));
        let admitted = matched != negated;
        admitted || listed.iter().any(|a| strings::atom_accepts(a, text))
    };
    let domain = Domain { min_len: 1, max_len: MAX_TAG_VALUE_LEN, allowed: strings::tag_char, shape: Vec::new() };
    match strings::regions(&atoms, &domain, 1, MAX_STATES, &Work::new(PATTERN_WORK), classify) {
        // Free when no value is rejected without being named.
        Ok(classes) => classes.iter().all(|(admitted_or_listed, _)| *admitted_or_listed),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::template::Template;

    fn pattern(text: &str) -> StrPattern {
        StrPattern::compile(&Template::parse(text).unwrap())
    }

    #[test]
    fn authority_is_fixed_only_by_literal_text_up_to_its_end() {
        for fixed in [
            "https://api.example.com/*",
            "https://api.example.com",
            "//iam.googleapis.com/projects/*/locations/*/workloadIdentityPools/*/providers/*",
            "api://AzureADTokenExchange",
            "sts.amazonaws.com",
            "https://api.example.com/${aws:PrincipalTag/tenant}",
        ] {
            assert_eq!(audience_with_free_authority(&pattern(fixed)), None, "{fixed}");
        }
        for (free, witness) in [
            ("https://build-status.example*", "https://build-status.example.attacker.example"),
            ("https://*", "https://attacker.example/"),
            ("https://exampl?.com", "https://examplx.com"),
            ("https://*.payments.example.com", "https://attacker.example/.payments.example.com"),
            ("*", "attacker.example/"),
            ("http*://api.example.com/", "http.attacker.example://api.example.com/"),
            ("https://api.example.com${aws:RequestTag/env}/", "https://api.example.com.attacker.example/"),
        ] {
            assert_eq!(audience_with_free_authority(&pattern(free)).as_deref(), Some(witness), "{free}");
            assert_ne!(authority(witness), authority(&literal_prefix(&pieces(&pattern(free)))), "{free}");
        }
    }

    #[test]
    fn authority_reads_scheme_and_host() {
        assert_eq!(authority("https://a.example/x"), "https://a.example");
        assert_eq!(authority("https://a.example#x"), "https://a.example");
        assert_eq!(authority("//iam.googleapis.com/projects"), "//iam.googleapis.com");
        assert_eq!(authority("sts.amazonaws.com"), "sts.amazonaws.com");
        assert_eq!(authority("a/b://x"), "a");
        assert_eq!(authority_end("https:/"), None);
        assert_eq!(authority_end("/"), None);
        assert_eq!(authority_end("https://a/"), Some(9));
    }
}
