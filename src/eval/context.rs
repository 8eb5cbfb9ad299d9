//! The request context: the action, the resource, and every condition key with its value(s). Key names are
//! case-insensitive (tag-key part included). A known key (`keys::KNOWN`) is found through its slot, every
//! other key by a hashed scan; a single value keeps the forms it was read as (number, date, address, ARN),
//! parsed on first use, so deciding many statements against one context parses each value once.

use std::fmt;
use std::net::IpAddr;
use std::sync::OnceLock;

use crate::policy::value::date::Timestamp;
use crate::policy::value::ip::parse_addr;
use crate::policy::value::number::Number;

use super::keys::{NO_SLOT, SLOTS, slot_of};

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
    /// Its slot in `keys::KNOWN`, or `NO_SLOT`.
    pub slot: u8,
}

impl KnownKey {
    pub const fn new(name: &'static str) -> KnownKey {
        KnownKey { name, hash: key_hash(name), slot: slot_of(name) }
    }
}

/// The forms one single value is read as by the operator families that parse it, each parsed the first time
/// a condition asks for it and kept with the value. A `OnceLock`, so contexts stay shareable between threads.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    number: OnceLock<Option<Number>>,
    date: OnceLock<Option<Timestamp>>,
    addr: OnceLock<Option<IpAddr>>,
    /// The offsets of the first five colons, as `u32` to keep the cache small.
    arn: OnceLock<Option<[u32; 5]>>,
    principal: OnceLock<PrincipalKind>,
}

/// One request value as a condition compares it: its text and, for a single value held by a context, the
/// cache of its parsed forms. Every reading goes through the same parser with or without the cache.
#[derive(Clone, Copy, Debug)]
pub struct RequestValue<'a> {
    pub text: &'a str,
    parsed: Option<&'a Parsed>,
}

impl<'a> RequestValue<'a> {
    /// A value with no cache (an element of a multi-valued key, a value outside a context).
    pub fn new(text: &'a str) -> Self {
        RequestValue { text, parsed: None }
    }

    /// A single value of a context with the cache of its parsed forms, as a lookup returned them together.
    pub(super) fn cached(text: &'a str, parsed: &'a Parsed) -> Self {
        RequestValue { text, parsed: Some(parsed) }
    }

    /// `Number::parse` of the text.
    pub fn number(self) -> Option<Number> {
        match self.parsed {
            Some(p) => *p.number.get_or_init(|| Number::parse(self.text)),
            None => Number::parse(self.text),
        }
    }

    /// `Timestamp::parse` of the text.
    pub fn date(self) -> Option<Timestamp> {
        match self.parsed {
            Some(p) => *p.date.get_or_init(|| Timestamp::parse(self.text)),
            None => Timestamp::parse(self.text),
        }
    }

    /// `parse_addr` of the text.
    pub fn addr(self) -> Option<IpAddr> {
        match self.parsed {
            Some(p) => *p.addr.get_or_init(|| parse_addr(self.text)),
            None => parse_addr(self.text),
        }
    }

    /// The text's first six `:`-separated components, the sixth keeping any further colons: what
    /// `splitn(6, ':')` yields, or `None` when it yields fewer than six.
    pub fn arn_components(self) -> Option<[&'a str; 6]> {
        let colons = match self.parsed {
            // A value over 4 GiB (offsets beyond `u32`) is split each time instead.
            Some(p) if u32::try_from(self.text.len()).is_ok() => p
                .arn
                .get_or_init(|| first_colons(self.text).map(|c| c.map(|i| i as u32)))
                .map(|c| c.map(|i| i as usize)),
            _ => first_colons(self.text),
        }?;
        let t = self.text;
        let [a, b, c, d, e] = colons;
        Some([t.get(..a)?, t.get(a + 1..b)?, t.get(b + 1..c)?, t.get(c + 1..d)?, t.get(d + 1..e)?, t.get(e + 1..)?])
    }

    /// What kind of principal the text names, read as an `aws:PrincipalArn`.
    pub fn principal_kind(self) -> PrincipalKind {
        match self.parsed {
            Some(p) => *p.principal.get_or_init(|| PrincipalKind::of(self)),
            None => PrincipalKind::of(self),
        }
    }
}

/// The byte offsets of the first five colons of a text.
fn first_colons(text: &str) -> Option<[usize; 5]> {
    let mut out = [0; 5];
    let mut found = 0;
    for (i, byte) in text.bytes().enumerate() {
        if byte == b':' {
            *out.get_mut(found)? = i;
            found += 1;
            if found == out.len() {
                return Some(out);
            }
        }
    }
    None
}

/// The kinds of caller the decision procedure treats specially (reference §4.2), read from the caller's ARN.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrincipalKind {
    /// A service-linked role (path `/aws-service-role/`): SCPs and RCPs do not restrict it.
    pub service_linked_role: bool,
    /// The account root user, `arn:PARTITION:iam::ACCOUNT:root`.
    pub root_user: bool,
    /// A federated-user session from `GetFederationToken`: `arn:PARTITION:sts::ACCOUNT:federated-user/NAME`.
    pub federated_user: bool,
}

impl PrincipalKind {
    fn of(arn: RequestValue<'_>) -> PrincipalKind {
        let parts = arn.arn_components();
        PrincipalKind {
            service_linked_role: arn.text.contains(":role/aws-service-role/"),
            root_user: matches!(parts, Some(["arn", _, "iam", "", account, "root"]) if !account.is_empty()),
            federated_user: matches!(parts, Some(["arn", _, "sts", "", _, resource]) if resource.starts_with("federated-user/")),
        }
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
    /// `key_hash` of each entry's key, in entry order: a lookup of a key without a slot scans these few
    /// machine words and compares strings only on a hash hit.
    hashes: Vec<u64>,
    /// The parsed forms of each entry's value, in entry order: apart from the entries so that a lookup
    /// touches only the few it reads (a decision reads many keys and parses few).
    parsed: Vec<Parsed>,
    /// For each slot of `keys::KNOWN`, where the entry holding that key is ([`SlotAt`]): a known key is found
    /// with one read (the scan of `hashes` was a quarter of a decision's time). One byte each, so the table
    /// is one cache line.
    slots: [u8; SLOTS],
}

/// What a slot holds: 0 when its key is absent, the entry's index + 1 for the first 254 entries, and
/// [`SCAN`] for an entry further on (found by the hashed scan instead).
struct SlotAt;

/// The slot value of a present key whose entry is found by the scan.
const SCAN: u8 = u8::MAX;

impl SlotAt {
    fn encode(index: usize) -> u8 {
        u8::try_from(index + 1).ok().filter(|at| *at != SCAN).unwrap_or(SCAN)
    }
}

/// String equality compared eight bytes at a time, inline: key names and audiences are short, and a call to
/// the C library's `memcmp` for each of the dozens of comparisons in a decision cost more than the
/// comparison itself.
#[inline]
pub fn same_text(a: &str, b: &str) -> bool {
    same_bytes(a.as_bytes(), b.as_bytes())
}

/// [`same_text`] for byte strings (a prefix or suffix of a value compared with a pattern's).
#[inline]
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    equal_by_words(a, b, |w| w, |x, y| x == y)
}

/// Key names equal ignoring ASCII case, eight bytes at a time: [`same_text`] for names stored as written
/// (`aws:SourceVpc`) and looked up lower-cased, as compiled clauses hold them.
#[inline]
pub fn same_key(a: &str, b: &str) -> bool {
    equal_by_words(a.as_bytes(), b.as_bytes(), lower8, |x, y| x.eq_ignore_ascii_case(&y))
}

/// Equal lengths, then equal eight-byte words once mapped by `word`, then equal tail bytes by `byte`.
#[inline(always)]
fn equal_by_words(a: &[u8], b: &[u8], word: impl Fn(u64) -> u64, byte: impl Fn(u8, u8) -> bool) -> bool {
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

/// One key: its name as given (a name the code spells is borrowed, not copied), its slot and its value.
#[derive(Clone, Debug)]
struct Entry {
    key: std::borrow::Cow<'static, str>,
    slot: u8,
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
            parsed: Vec::with_capacity(TYPICAL_KEYS),
            slots: [0; SLOTS],
        }
    }

    /// Set a key, replacing any value it had (key names compare case-insensitively).
    pub fn insert(&mut self, key: &str, value: ContextValue) {
        self.set(std::borrow::Cow::Owned(key.to_owned()), value);
    }

    /// [`RequestContext::insert`] for a key name the code spells: neither copied nor hashed again.
    pub fn insert_known(&mut self, key: KnownKey, value: ContextValue) {
        self.set_hashed(std::borrow::Cow::Borrowed(key.name), key.hash, key.slot, value);
    }

    /// [`RequestContext::insert_single`] for a key name the code spells.
    pub fn insert_known_single(&mut self, key: KnownKey, value: &str) {
        self.insert_known(key, ContextValue::Single(value.into()));
    }

    /// Where a key is (any case), found by its [`key_hash`].
    fn position(&self, hash: u64, key: &str) -> Option<usize> {
        self.hashes.iter().zip(&self.entries).position(|(h, e)| *h == hash && same_key(&e.key, key))
    }

    /// Where a key is, through its slot when it has one.
    #[inline]
    fn find(&self, slot: u8, hash: u64, key: &str) -> Option<usize> {
        if slot == NO_SLOT {
            return self.position(hash, key);
        }
        match *self.slots.get(usize::from(slot))? {
            0 => None,
            SCAN => self.position(hash, key),
            at => Some(usize::from(at - 1)),
        }
    }

    /// Replace the value of the entry at `i` (its parsed forms with it).
    fn set_value_at(&mut self, i: usize, value: ContextValue) {
        if let (Some(e), Some(p)) = (self.entries.get_mut(i), self.parsed.get_mut(i)) {
            e.value = value;
            *p = Parsed::default();
        }
    }

    fn set(&mut self, key: std::borrow::Cow<'static, str>, value: ContextValue) {
        let (hash, slot) = (key_hash(&key), slot_of(&key));
        self.set_hashed(key, hash, slot, value);
    }

    fn set_hashed(&mut self, key: std::borrow::Cow<'static, str>, hash: u64, slot: u8, value: ContextValue) {
        match self.find(slot, hash, &key) {
            Some(i) => {
                self.set_value_at(i, value);
                if let Some(e) = self.entries.get_mut(i) {
                    e.key = key;
                }
            }
            None => self.push(key, hash, slot, value),
        }
    }

    fn push(&mut self, key: std::borrow::Cow<'static, str>, hash: u64, slot: u8, value: ContextValue) {
        if let Some(s) = self.slots.get_mut(usize::from(slot)) {
            *s = SlotAt::encode(self.entries.len());
        }
        self.hashes.push(hash);
        self.parsed.push(Parsed::default());
        self.entries.push(Entry { key, slot, value });
    }

    /// Remove the entry at `i`; the last entry takes its place (and its slot follows it).
    fn remove_at(&mut self, i: usize) {
        if i >= self.entries.len() {
            return;
        }
        let removed = self.entries.swap_remove(i);
        self.hashes.swap_remove(i);
        self.parsed.swap_remove(i);
        if let Some(s) = self.slots.get_mut(usize::from(removed.slot)) {
            *s = 0;
        }
        let moved = self.entries.get(i).map(|e| e.slot);
        if let Some(s) = moved.and_then(|slot| self.slots.get_mut(usize::from(slot))) {
            *s = SlotAt::encode(i);
        }
    }

    /// Set (`Some`) or remove (`None`) a key given lower-cased, as a change worked out in advance holds it;
    /// replacing the value of a present key allocates nothing.
    pub fn set_lower(&mut self, lower: &str, value: Option<ContextValue>) {
        let (hash, slot) = (key_hash(lower), slot_of(lower));
        match (self.find(slot, hash, lower), value) {
            (Some(i), Some(value)) => self.set_value_at(i, value),
            (Some(i), None) => self.remove_at(i),
            (None, Some(value)) => self.push(std::borrow::Cow::Owned(lower.to_owned()), hash, slot, value),
            (None, None) => {}
        }
    }

    pub fn insert_single(&mut self, key: &str, value: &str) {
        self.insert(key, ContextValue::Single(value.into()));
    }

    pub fn remove(&mut self, key: &str) {
        if let Some(i) = self.find(slot_of(key), key_hash(key), key) {
            self.remove_at(i);
        }
    }

    /// Look a key up by its slot (`keys::slot_of`), or when it has none by its lower-cased name and its
    /// [`key_hash`], as compiled clauses hold them: the value and the cache of its parsed forms.
    #[inline]
    pub fn get_slotted(&self, slot: u8, hash: u64, lower: &str) -> Option<(&ContextValue, &Parsed)> {
        let i = self.find(slot, hash, lower)?;
        Some((&self.entries.get(i)?.value, self.parsed.get(i)?))
    }

    /// [`RequestContext::get_slotted`] of a single value, with its cache; `None` for a multi-valued key.
    #[inline]
    pub fn single_slotted(&self, slot: u8, hash: u64, lower: &str) -> Option<RequestValue<'_>> {
        match self.get_slotted(slot, hash, lower)? {
            (ContextValue::Single(v), parsed) => Some(RequestValue { text: v, parsed: Some(parsed) }),
            (ContextValue::Multi(_), _) => None,
        }
    }

    /// [`RequestContext::single_slotted`] for a key name the code spells.
    #[inline]
    pub fn single_known(&self, key: KnownKey) -> Option<RequestValue<'_>> {
        self.single_slotted(key.slot, key.hash, key.name)
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

    use proptest::prelude::*;

    /// Key names of every kind: known keys in several cases, tag keys, unknown keys, a non-ASCII one.
    const KEYS: &[&str] = &[
        "aws:SourceVpc",
        "AWS:SOURCEVPC",
        "aws:sourcevpc",
        "aws:PrincipalArn",
        "sts:DurationSeconds",
        "sts:durationseconds",
        "aws:TagKeys",
        "aws:RequestTag/team",
        "aws:requesttag/TEAM",
        "aws:PrincipalTag/x",
        "s3:prefix",
        "test:Été",
        "aws:CurrentTime",
        "aws:SourceIp",
    ];

    #[derive(Clone, Debug)]
    enum Op {
        Insert(usize, String),
        Known(usize, String),
        SetLower(usize, Option<String>),
        Remove(usize),
        /// Many distinct unknown keys at once, to push known keys past the 254 entries a slot can index.
        Filler(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        let key = 0..KEYS.len();
        let value = "[a-z0-9:.]{0,6}";
        prop_oneof![
            4 => (key.clone(), value).prop_map(|(k, v)| Op::Insert(k, v)),
            2 => (key.clone(), value).prop_map(|(k, v)| Op::Known(k, v)),
            2 => (key.clone(), proptest::option::of(value)).prop_map(|(k, v)| Op::SetLower(k, v)),
            2 => key.prop_map(Op::Remove),
            1 => (0usize..300).prop_map(Op::Filler),
        ]
    }

    /// Every key the operations may have set, for lookups.
    fn probe_keys(fillers: usize) -> Vec<String> {
        let mut keys: Vec<String> = KEYS.iter().map(|k| (*k).to_owned()).collect();
        keys.extend(super::super::keys::KNOWN.iter().map(|k| (*k).to_owned()));
        keys.extend((0..fillers).map(|i| format!("filler:k{i}")));
        keys
    }

    proptest! {
        /// However a context is built, every lookup path (slot, hashed scan, any case) finds what a plain
        /// list of (lower-cased key, value) pairs holds, and a changed value's parsed forms follow it.
        #[test]
        fn lookups_agree_with_a_plain_list(ops in proptest::collection::vec(op(), 0..40)) {
            let mut ctx = RequestContext::new("sts:GetWebIdentityToken", RequestResource::Star);
            let mut model: Vec<(String, String)> = Vec::new();
            let mut fillers = 0;
            let put = |model: &mut Vec<(String, String)>, key: &str, value: Option<&str>| {
                let lower = key.to_ascii_lowercase();
                model.retain(|(k, _)| *k != lower);
                if let Some(v) = value {
                    model.push((lower, v.to_owned()));
                }
            };
            for op in ops {
                match op {
                    Op::Insert(k, v) => {
                        ctx.insert_single(KEYS[k], &v);
                        put(&mut model, KEYS[k], Some(&v));
                    }
                    Op::Known(k, v) => {
                        // A leaked name stands for one the code spells.
                        let name: &'static str = Box::leak(KEYS[k].to_owned().into_boxed_str());
                        ctx.insert_known_single(KnownKey::new(name), &v);
                        put(&mut model, KEYS[k], Some(&v));
                    }
                    Op::SetLower(k, v) => {
                        let lower = KEYS[k].to_ascii_lowercase();
                        ctx.set_lower(&lower, v.clone().map(|v| ContextValue::Single(v.into())));
                        put(&mut model, &lower, v.as_deref());
                    }
                    Op::Remove(k) => {
                        ctx.remove(KEYS[k]);
                        put(&mut model, KEYS[k], None);
                    }
                    Op::Filler(n) => {
                        for i in fillers..fillers + n {
                            let key = format!("filler:k{i}");
                            ctx.insert_single(&key, "f");
                            put(&mut model, &key, Some("f"));
                        }
                        fillers += n;
                    }
                }
                // A value read through the cache is the value now held.
                for key in KEYS {
                    let lower = key.to_ascii_lowercase();
                    if let Some(v) = ctx.single_slotted(slot_of(&lower), key_hash(&lower), &lower) {
                        prop_assert_eq!(v.number().map(|n| n.value()), Number::parse(v.text).map(|n| n.value()));
                    }
                }
            }
            prop_assert_eq!(ctx.iter().count(), model.len());
            for key in probe_keys(fillers) {
                let lower = key.to_ascii_lowercase();
                let want = model.iter().find(|(k, _)| *k == lower).map(|(_, v)| ContextValue::Single(v.as_str().into()));
                prop_assert_eq!(ctx.get(&key), want.as_ref(), "get {}", key);
                prop_assert_eq!(ctx.get_lower(&lower), want.as_ref(), "get_lower {}", key);
                let slotted = ctx.get_slotted(slot_of(&key), key_hash(&key), &lower).map(|(v, _)| v);
                prop_assert_eq!(slotted, want.as_ref(), "get_slotted {}", key);
                let upper = key.to_ascii_uppercase();
                prop_assert_eq!(ctx.get_slotted(slot_of(&upper), key_hash(&upper), &lower).map(|(v, _)| v), want.as_ref());
            }
        }

        /// A value's cached readings are exactly the parsers' readings, first use and later ones alike.
        #[test]
        fn cached_readings_are_the_parsers_readings(text in prop_oneof![
            "[0-9.:a-z/*-]{0,24}",
            "(arn|ARN|urn):[a-z]{0,3}:(iam|sts|s3)?:[a-z0-9-]{0,3}:[0-9]{0,12}:[a-z:/*-]{0,20}",
            "-?[0-9]{1,6}(\\.[0-9]{0,3})?",
            "20[0-9]{2}(-[01][0-9](-[0-3][0-9](T[0-2][0-9]:[0-5][0-9](:[0-5][0-9])?(Z|[+-][0-9]{2}:[0-9]{2}))?)?)?",
            "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}|[0-9a-f:]{2,20}",
            "arn:aws:(iam|sts)::[0-9]{0,3}:(root|role/aws-service-role/x|federated-user/a|user/u|:role/aws-service-role/)",
        ]) {
            let parsed = Parsed::default();
            for value in [RequestValue::new(&text), RequestValue::cached(&text, &parsed), RequestValue::cached(&text, &parsed)] {
                prop_assert_eq!(value.number().map(|n| n.value().to_bits()), Number::parse(&text).map(|n| n.value().to_bits()));
                prop_assert_eq!(value.date(), Timestamp::parse(&text));
                prop_assert_eq!(value.addr(), parse_addr(&text));
                let mut split = text.splitn(6, ':');
                let want: Option<[&str; 6]> = (|| Some([split.next()?, split.next()?, split.next()?, split.next()?, split.next()?, split.next()?]))();
                prop_assert_eq!(value.arn_components(), want);
                let kind = value.principal_kind();
                prop_assert_eq!(kind.service_linked_role, text.contains(":role/aws-service-role/"));
                prop_assert_eq!(kind.root_user, matches!(want, Some(["arn", _, "iam", "", a, "root"]) if !a.is_empty()));
                prop_assert_eq!(kind.federated_user, matches!(want, Some(["arn", _, "sts", "", _, r]) if r.starts_with("federated-user/")));
            }
        }
    }
}
