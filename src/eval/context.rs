//! The request context: the action, the resource, and every condition key with its value(s). Key names are
//! case-insensitive (tag-key part included), so they are stored lower-cased and looked up the same way.

use std::fmt;

/// One key's value: single-valued keys hold one string, multi-valued keys (`ArrayOf*`, e.g.
/// `sts:IdentityTokenAudience`, `aws:TagKeys`) a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContextValue {
    Single(Box<str>),
    Multi(Vec<Box<str>>),
}

impl ContextValue {
    pub fn values(&self) -> &[Box<str>] {
        match self {
            ContextValue::Single(v) => std::slice::from_ref(v),
            ContextValue::Multi(v) => v,
        }
    }

    /// Empty for the `Null` operator and the set operators: no value, an empty list, or an empty string
    /// (reference §6.4).
    pub fn is_null(&self) -> bool {
        match self {
            ContextValue::Single(v) => v.is_empty(),
            ContextValue::Multi(v) => v.is_empty(),
        }
    }
}

impl fmt::Display for ContextValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContextValue::Single(v) => write!(f, "{v:?}"),
            ContextValue::Multi(vs) => {
                f.write_str("[")?;
                for (i, v) in vs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v:?}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// What the request acts on. Token minting has no resource type (reference §2.1), so by default it is
/// authorized against `"*"`, which only a `Resource` of `*` matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestResource {
    /// A resource-less action: only a `Resource` entry made of `*` alone matches it.
    Star,
    Arn(Box<str>),
}

/// A condition key name the code spells, with its [`key_hash`] computed at compile time
/// (`const { KnownKey::new("aws:SourceVpc") }`): building a context then hashes only the names that come
/// from input (tags, `--context`).
#[derive(Clone, Copy, Debug)]
pub struct KnownKey {
    pub name: &'static str,
    pub hash: u64,
}

impl KnownKey {
    pub const fn new(name: &'static str) -> KnownKey {
        KnownKey { name, hash: key_hash(name) }
    }
}

#[derive(Clone, Debug)]
pub struct RequestContext {
    /// `service:Action`, as given.
    pub action: Box<str>,
    pub resource: RequestResource,
    /// Unique by lower-cased key, in the order they were set (a context is built once and read many times:
    /// [`RequestContext::iter`] sorts when asked).
    entries: Vec<Entry>,
    /// `key_hash` of each entry's key, in entry order: a lookup scans these few machine words and compares
    /// strings only on a hash hit, instead of a string comparison per step of a binary search (key lookups
    /// were half of a decision's time).
    hashes: Vec<u64>,
}

/// String equality compared eight bytes at a time, inline: key names and audiences are short, and a call to
/// the C library's `memcmp` for each of the dozens of comparisons in a decision cost more than the
/// comparison itself.
#[inline]
pub fn same_text(a: &str, b: &str) -> bool {
    equal_by_words(a, b, |w| w, |x, y| x == y)
}

/// Key names equal ignoring ASCII case, eight bytes at a time: [`same_text`] for names stored as written
/// (`aws:SourceVpc`) and looked up lower-cased, as compiled clauses hold them.
#[inline]
pub fn same_key(a: &str, b: &str) -> bool {
    equal_by_words(a, b, lower8, |x, y| x.eq_ignore_ascii_case(&y))
}

/// Equal lengths, then equal eight-byte words once mapped by `word`, then equal tail bytes by `byte`.
#[inline(always)]
fn equal_by_words(a: &str, b: &str, word: impl Fn(u64) -> u64, byte: impl Fn(u8, u8) -> bool) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let (mut wa, mut wb) = (a.chunks_exact(8), b.chunks_exact(8));
    let read = |c: &[u8]| c.try_into().map_or(0, u64::from_ne_bytes);
    for (x, y) in wa.by_ref().zip(wb.by_ref()) {
        if word(read(x)) != word(read(y)) {
            return false;
        }
    }
    wa.remainder().iter().zip(wb.remainder()).all(|(x, y)| byte(*x, *y))
}

/// ASCII letters of eight bytes lower-cased at once (other bytes, UTF-8 included, unchanged).
#[inline]
fn lower8(x: u64) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let low7 = x & !HIGH;
    // High bit of each byte: above `@` (0x40) and not above `Z` (0x5a), and an ASCII byte. No byte carries
    // into the next: each is at most 0x7f + 0x3f.
    let upper = (low7 + 0x3f3f_3f3f_3f3f_3f3f) & !(low7 + 0x2525_2525_2525_2525) & !x & HIGH;
    x | (upper >> 2)
}

/// FNV-1a of the ASCII-lower-cased key name: equal for names that differ only in case, as key names do in
/// IAM (reference §5.6). Compiled clauses hash their keys once, so a lookup costs no hashing.
pub const fn key_hash(key: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut rest = key.as_bytes();
    // A `while let` over the slice so that the hash of a fixed key name can be a constant.
    while let [byte, tail @ ..] = rest {
        hash ^= byte.to_ascii_lowercase() as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        rest = tail;
    }
    hash
}

/// One key: its name as given (a name the code spells is borrowed, not copied) and its value. Entries are
/// ordered by the lower-cased name, compared without building it, so setting a key costs no allocation for
/// the name beyond a copy of a name that is not a literal.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    key: std::borrow::Cow<'static, str>,
    value: ContextValue,
}

/// The order of two key names lower-cased, without lower-casing them.
fn cmp_lower(a: &str, b: &str) -> std::cmp::Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    for (x, y) in a.iter().zip(b) {
        match x.to_ascii_lowercase().cmp(&y.to_ascii_lowercase()) {
            std::cmp::Ordering::Equal => {}
            other => return other,
        }
    }
    a.len().cmp(&b.len())
}

/// Keys a request context usually holds: room for them from the start, so building one does not regrow.
const TYPICAL_KEYS: usize = 24;

/// Two contexts are equal when they hold the same keys (in any case) with the same values, whatever the
/// order they were set in.
impl PartialEq for RequestContext {
    fn eq(&self, other: &Self) -> bool {
        self.action == other.action
            && self.resource == other.resource
            && self.entries.len() == other.entries.len()
            && self.entries.iter().zip(&self.hashes).all(|(e, h)| other.get_hashed(*h, &e.key) == Some(&e.value))
    }
}

impl Eq for RequestContext {}

impl RequestContext {
    pub fn new(action: &str, resource: RequestResource) -> Self {
        Self {
            action: action.into(),
            resource,
            entries: Vec::with_capacity(TYPICAL_KEYS),
            hashes: Vec::with_capacity(TYPICAL_KEYS),
        }
    }

    /// Set a key, replacing any value it had (key names compare case-insensitively).
    pub fn insert(&mut self, key: &str, value: ContextValue) {
        self.set(std::borrow::Cow::Owned(key.to_owned()), value);
    }

    /// [`RequestContext::insert`] for a key name the code spells: neither copied nor hashed again.
    pub fn insert_known(&mut self, key: KnownKey, value: ContextValue) {
        self.set_hashed(std::borrow::Cow::Borrowed(key.name), key.hash, value);
    }

    /// [`RequestContext::insert_single`] for a key name the code spells.
    pub fn insert_known_single(&mut self, key: KnownKey, value: &str) {
        self.insert_known(key, ContextValue::Single(value.into()));
    }

    /// Where a key is (any case), found by its [`key_hash`].
    fn position(&self, hash: u64, key: &str) -> Option<usize> {
        self.hashes.iter().zip(&self.entries).position(|(h, e)| *h == hash && same_key(&e.key, key))
    }

    fn set(&mut self, key: std::borrow::Cow<'static, str>, value: ContextValue) {
        let hash = key_hash(&key);
        self.set_hashed(key, hash, value);
    }

    fn set_hashed(&mut self, key: std::borrow::Cow<'static, str>, hash: u64, value: ContextValue) {
        match self.position(hash, &key).and_then(|i| self.entries.get_mut(i)) {
            Some(e) => {
                e.value = value;
                e.key = key;
            }
            None => {
                self.hashes.push(hash);
                self.entries.push(Entry { key, value });
            }
        }
    }

    /// Set (`Some`) or remove (`None`) a key given lower-cased, as a change worked out in advance holds it;
    /// replacing the value of a present key allocates nothing.
    pub fn set_lower(&mut self, lower: &str, value: Option<ContextValue>) {
        let hash = key_hash(lower);
        match (self.position(hash, lower), value) {
            (Some(i), Some(value)) => {
                if let Some(e) = self.entries.get_mut(i) {
                    e.value = value;
                }
            }
            (Some(i), None) => {
                self.entries.swap_remove(i);
                self.hashes.swap_remove(i);
            }
            (None, Some(value)) => {
                self.hashes.push(hash);
                self.entries.push(Entry { key: std::borrow::Cow::Owned(lower.to_owned()), value });
            }
            (None, None) => {}
        }
    }

    pub fn insert_single(&mut self, key: &str, value: &str) {
        self.insert(key, ContextValue::Single(value.into()));
    }

    pub fn remove(&mut self, key: &str) {
        if let Some(i) = self.position(key_hash(key), key) {
            self.entries.swap_remove(i);
            self.hashes.swap_remove(i);
        }
    }

    /// Look a key up by its lower-cased name (compiled conditions hold lower-cased keys, so no allocation).
    pub fn get_lower(&self, lower: &str) -> Option<&ContextValue> {
        self.get_hashed(key_hash(lower), lower)
    }

    /// Look a key up by its lower-cased name and its [`key_hash`], computed once by the caller.
    pub fn get_hashed(&self, hash: u64, lower: &str) -> Option<&ContextValue> {
        self.position(hash, lower).and_then(|i| self.entries.get(i)).map(|e| &e.value)
    }

    /// Look a key up in any case.
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.get_hashed(key_hash(key), key)
    }

    /// Every key as given, with its value, in the order of the lower-cased keys.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        let mut sorted: Vec<&Entry> = self.entries.iter().collect();
        sorted.sort_by(|a, b| cmp_lower(&a.key, &b.key));
        sorted.into_iter().map(|e| (&*e.key, &e.value))
    }

    /// A single value, for policy-variable substitution: multi-valued keys cannot be substituted
    /// (reference §5.9).
    pub fn single_lower(&self, lower: &str) -> Option<&str> {
        self.single_hashed(key_hash(lower), lower)
    }

    /// [`RequestContext::single_lower`] with the key's [`key_hash`] computed once by the caller.
    pub fn single_hashed(&self, hash: u64, lower: &str) -> Option<&str> {
        match self.get_hashed(hash, lower)? {
            ContextValue::Single(v) => Some(v),
            ContextValue::Multi(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_case_insensitive_including_the_tag_part() {
        let mut ctx = RequestContext::new("sts:GetWebIdentityToken", RequestResource::Star);
        ctx.insert_single("aws:RequestTag/Team", "data");
        assert_eq!(ctx.get("AWS:requesttag/team"), Some(&ContextValue::Single("data".into())));
        ctx.insert_single("aws:requesttag/TEAM", "ops");
        assert_eq!(ctx.iter().count(), 1);
        assert_eq!(ctx.get("aws:RequestTag/team"), Some(&ContextValue::Single("ops".into())));
        ctx.insert_single("aws:SourceVpc", "vpc-1");
        ctx.remove("AWS:SOURCEVPC");
        assert_eq!(ctx.get("aws:sourcevpc"), None);
        assert_eq!(ctx.get("aws:requesttag/team"), Some(&ContextValue::Single("ops".into())));
        assert_eq!(key_hash("AWS:SourceVpc"), key_hash("aws:sourcevpc"));
    }

    #[test]
    fn same_key_ignores_ascii_case_only() {
        let texts = [
            "",
            "a",
            "A",
            "aws:SourceVpc",
            "AWS:SOURCEVPC",
            "aws:sourcevpc",
            "aws:sourcevpd",
            "aws:RequestTag/Été",
            "aws:requesttag/été",
            "aws:requesttag/ÉTÉ",
            "@[`{",
            "`{@[",
            "0123456789:/-_Zz",
        ];
        for a in texts {
            for b in texts {
                assert_eq!(same_key(a, b), a.eq_ignore_ascii_case(b), "{a:?} {b:?}");
            }
        }
        for byte in 0..=255u8 {
            let word = u64::from_ne_bytes([byte; 8]);
            assert_eq!(lower8(word), u64::from_ne_bytes([byte.to_ascii_lowercase(); 8]), "{byte}");
        }
    }

    #[test]
    fn same_text_is_string_equality() {
        let texts = ["", "a", "b", "abcdefgh", "abcdefgi", "abcdefghi", "abcdefghij", "xbcdefghij", "abcdefghik"];
        for a in texts {
            for b in texts {
                assert_eq!(same_text(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }
}
