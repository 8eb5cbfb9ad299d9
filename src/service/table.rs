//! Parser of the table text written by [`super::generate`] into compact, borrowed structures.
//!
//! All names are `&'static str` slices of the embedded text (no copies); actions keep their key list as the raw
//! field text and resolve it on demand. Service sections are parsed on first use of the service.

use std::sync::OnceLock;

use super::text::{cmp_ci, cmp_ci_parts, is_template, literal_len};
use super::{AccessLevel, FORMAT_VERSION, KeyType};

pub(crate) struct KeyEntry {
    pub(crate) name: &'static str,
    pub(crate) ty: KeyType,
    pub(crate) global: bool,
    pub(crate) template: bool,
}

pub(crate) struct ServiceEntry {
    pub(crate) prefix: &'static str,
    pub(crate) name: &'static str,
    /// The text of the service's section after its `!service` line (its `!keytype` and action lines).
    body: &'static str,
    /// Byte offset of the `!service` line in the table text (for error messages).
    offset: usize,
    /// The section, parsed on first use.
    parsed: OnceLock<ServiceBody>,
}

#[derive(Default)]
pub(crate) struct ServiceBody {
    /// Sorted ASCII-case-insensitively by name.
    pub(crate) actions: Vec<ActionEntry>,
    /// Per-service key types (`!keytype`): key index and type.
    pub(crate) overrides: Vec<(u32, KeyType)>,
    pub(crate) errors: Vec<String>,
    /// `actions` by name, for lookups in constant time.
    index: CiIndex,
}

pub(crate) struct ActionEntry {
    pub(crate) name: &'static str,
    /// Space-separated key tokens as written in the table (`:Name`, `%XX` aliases, full keys).
    pub(crate) keys: &'static str,
    pub(crate) levels: u8,
    pub(crate) primary: AccessLevel,
    pub(crate) has_resources: bool,
}

pub(crate) struct Template {
    pub(crate) key: u32,
    pub(crate) literal_len: usize,
}

/// The parsed table. The header (versions, aliases, condition keys) and the list of service sections are parsed
/// eagerly; each service section (its actions) is parsed when the service is first used, so the first lookup
/// costs a scan for section starts instead of a parse of all 22,000 action lines.
#[derive(Default)]
pub(crate) struct Table {
    text: &'static str,
    pub(crate) source: &'static str,
    pub(crate) version: &'static str,
    /// Alias token and the index of the key it stands for.
    pub(crate) aliases: Vec<(&'static str, u32)>,
    /// Sorted ASCII-case-insensitively by name.
    pub(crate) keys: Vec<KeyEntry>,
    pub(crate) globals: Vec<u32>,
    pub(crate) templates: Vec<Template>,
    /// Sorted ASCII-case-insensitively by prefix.
    pub(crate) services: Vec<ServiceEntry>,
    /// `services` by prefix, for lookups in constant time.
    service_index: CiIndex,
}

fn idx(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

const SERVICE_TAG: &str = "!service\t";

impl Table {
    /// Parses the header and indexes the service sections. Malformed lines are skipped and reported in the
    /// returned list; [`Table::parse_all_services`] reports those of the service sections.
    pub(crate) fn parse(text: &'static str) -> (Table, Vec<String>) {
        let mut table = Table { text, ..Table::default() };
        let mut errors = Vec::new();
        let header_end = section_start(text, 0).unwrap_or(text.len());
        let header = text.get(..header_end).unwrap_or_default();
        let mut pending_aliases: Vec<(&'static str, &'static str)> = Vec::new();
        for (number, line) in header.lines().enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split('\t');
            let first = fields.next().unwrap_or_default();
            let f1 = fields.next();
            let f2 = fields.next();
            let f3 = fields.next();
            let ok = fields.next().is_none()
                && match (first, f1, f2, f3) {
                    ("!format", Some(v), None, None) => v == FORMAT_VERSION,
                    ("!source", Some(v), None, None) => {
                        table.source = v;
                        true
                    }
                    ("!version", Some(v), None, None) => {
                        table.version = v;
                        true
                    }
                    ("!alias", Some(token), Some(key), None) => {
                        pending_aliases.push((token, key));
                        true
                    }
                    ("!key", Some(name), Some(ty), global @ (None | Some("global"))) => {
                        table.keys.push(KeyEntry {
                            name,
                            ty: KeyType::from_data(ty),
                            global: global.is_some(),
                            template: is_template(name),
                        });
                        true
                    }
                    _ => false,
                };
            if !ok {
                errors.push(format!("line {}: cannot parse `{line}`", number + 1));
            }
        }
        if !table.keys.is_sorted_by(|a, b| cmp_ci(a.name, b.name).is_lt()) {
            errors.push("!key lines are not sorted".to_owned());
            table.keys.sort_by(|a, b| cmp_ci(a.name, b.name));
        }

        let mut start = Some(header_end);
        while let Some(at) = start {
            let next = section_start(text, at + 1);
            let section = text.get(at..next.unwrap_or(text.len())).unwrap_or_default();
            let (first, body) = section.split_once('\n').unwrap_or((section, ""));
            let first = first.strip_suffix('\r').unwrap_or(first);
            let mut fields = first.split('\t').skip(1);
            match (fields.next(), fields.next(), fields.next()) {
                (Some(prefix), Some(name), None) => {
                    table.services.push(ServiceEntry { prefix, name, body, offset: at, parsed: OnceLock::new() })
                }
                _ => errors.push(format!("line {}: cannot parse `{first}`", line_number(text, at))),
            }
            start = next;
        }
        if !table.services.is_sorted_by(|a, b| cmp_ci(a.prefix, b.prefix).is_lt()) {
            errors.push("!service lines are not sorted".to_owned());
            table.services.sort_by(|a, b| cmp_ci(a.prefix, b.prefix));
        }
        table.service_index = CiIndex::build(table.services.len(), |i| table.services.get(i).map(|s| s.prefix));

        for (token, key) in pending_aliases {
            match table.find_key(key.as_bytes(), b"") {
                Some(k) => table.aliases.push((token, k)),
                None => errors.push(format!("!alias {token}: unknown key `{key}`")),
            }
        }
        for (i, key) in table.keys.iter().enumerate() {
            if key.global {
                table.globals.push(idx(i));
            }
            if key.template {
                table.templates.push(Template { key: idx(i), literal_len: literal_len(key.name) });
            }
        }
        if table.version.is_empty() {
            errors.push("no !version line".to_owned());
        }
        (table, errors)
    }

    /// Parses every service section; returns their errors.
    pub(crate) fn parse_all_services(&self) -> Vec<String> {
        (0..self.services.len()).filter_map(|i| self.body(i)).flat_map(|body| body.errors.iter().cloned()).collect()
    }

    /// The parsed section of service `service` (parsed now if this is its first use).
    pub(crate) fn body(&self, service: usize) -> Option<&ServiceBody> {
        let entry = self.services.get(service)?;
        Some(entry.parsed.get_or_init(|| self.parse_body(entry)))
    }

    fn parse_body(&self, service: &ServiceEntry) -> ServiceBody {
        let mut body = ServiceBody { actions: Vec::with_capacity(service.body.len() / 40), ..ServiceBody::default() };
        for (number, line) in service.body.lines().enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split('\t');
            let first = fields.next().unwrap_or_default();
            let f1 = fields.next();
            let f2 = fields.next();
            let f3 = fields.next();
            let ok = fields.next().is_none()
                && match (first, f1, f2, f3) {
                    ("!keytype", Some(key), Some(ty), None) => match self.find_key(key.as_bytes(), b"") {
                        Some(k) => {
                            body.overrides.push((k, KeyType::from_data(ty)));
                            true
                        }
                        None => false,
                    },
                    (name, Some(levels), Some(resources @ ("r" | "-")), keys)
                        if !name.is_empty() && !name.starts_with('!') =>
                    {
                        match parse_levels(levels) {
                            Some((levels, primary)) => {
                                body.actions.push(ActionEntry {
                                    name,
                                    keys: keys.unwrap_or_default(),
                                    levels,
                                    primary,
                                    has_resources: resources == "r",
                                });
                                true
                            }
                            None => false,
                        }
                    }
                    _ => false,
                };
            if !ok {
                let line_number = line_number(self.text, service.offset) + 1 + number;
                body.errors.push(format!("line {line_number}: cannot parse `{line}`"));
            }
        }
        if !body.actions.is_sorted_by(|x, y| cmp_ci(x.name, y.name).is_lt()) {
            body.errors.push(format!("actions of service `{}` are not sorted", service.prefix));
            body.actions.sort_by(|x, y| cmp_ci(x.name, y.name));
        }
        body.index = CiIndex::build(body.actions.len(), |i| body.actions.get(i).map(|a| a.name));
        body
    }

    /// Index of the key spelled `head + tail` (ASCII-case-insensitive exact match, no template resolution).
    pub(crate) fn find_key(&self, head: &[u8], tail: &[u8]) -> Option<u32> {
        self.keys.binary_search_by(|k| cmp_ci_parts(head, tail, k.name.as_bytes()).reverse()).ok().map(idx)
    }

    pub(crate) fn find_service(&self, prefix: &str) -> Option<usize> {
        self.service_index.find(prefix, |i| self.services.get(i).map(|s| s.prefix))
    }

    pub(crate) fn service_actions(&self, service: usize) -> &[ActionEntry] {
        self.body(service).map(|b| b.actions.as_slice()).unwrap_or_default()
    }

    pub(crate) fn find_action(&self, service: usize, name: &str) -> Option<&ActionEntry> {
        let body = self.body(service)?;
        let i = body.index.find(name, |i| body.actions.get(i).map(|a| a.name))?;
        body.actions.get(i)
    }

    /// Resolves one key token of an action line of `service` to a key index.
    pub(crate) fn resolve_token(&self, service_prefix: &str, token: &str) -> Option<u32> {
        if token.starts_with('%') {
            self.aliases.iter().find(|(t, _)| *t == token).map(|&(_, k)| k)
        } else if token.starts_with(':') {
            self.find_key(service_prefix.as_bytes(), token.as_bytes())
        } else {
            self.find_key(token.as_bytes(), b"")
        }
    }

    pub(crate) fn key(&self, index: u32) -> Option<&KeyEntry> {
        self.keys.get(index as usize)
    }

    /// The type of key `index` in `service`, honouring `!keytype` lines.
    pub(crate) fn key_type_in(&self, service: usize, index: u32) -> Option<KeyType> {
        let own = self.body(service).and_then(|b| b.overrides.iter().find(|(k, _)| *k == index).map(|&(_, ty)| ty));
        own.or_else(|| self.key(index).map(|k| k.ty))
    }
}

/// An ASCII-case-insensitive hash index of a list of names (open addressing, linear probing, at most half
/// full). Every action entry of every policy is looked up (a corpus of AWS managed policies has 52,000), and a
/// binary search of the sorted list jumps through a megabyte of table text: a cache miss per step.
#[derive(Default)]
struct CiIndex {
    /// Position in the list, or [`CiIndex::EMPTY`].
    slots: Box<[u32]>,
}

impl CiIndex {
    const EMPTY: u32 = u32::MAX;

    /// Indexes names `0..len`; of names equal but for case, the first is found.
    fn build<'n>(len: usize, name_of: impl Fn(usize) -> Option<&'n str>) -> CiIndex {
        let size = (len * 2).next_power_of_two().max(2);
        let mut slots = vec![Self::EMPTY; size].into_boxed_slice();
        let mask = size - 1;
        for i in 0..len {
            let Some(name) = name_of(i) else { continue };
            let mut at = ci_hash(name) & mask;
            while let Some(slot) = slots.get_mut(at) {
                if *slot == Self::EMPTY {
                    *slot = idx(i);
                    break;
                }
                if name_of(*slot as usize).is_some_and(|n| n.eq_ignore_ascii_case(name)) {
                    break;
                }
                at = (at + 1) & mask;
            }
        }
        CiIndex { slots }
    }

    /// Position of the name equal to `name` but for ASCII case.
    fn find<'n>(&self, name: &str, name_of: impl Fn(usize) -> Option<&'n str>) -> Option<usize> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut at = ci_hash(name) & mask;
        loop {
            let slot = *self.slots.get(at)?;
            if slot == Self::EMPTY {
                return None;
            }
            if name_of(slot as usize).is_some_and(|n| n.eq_ignore_ascii_case(name)) {
                return Some(slot as usize);
            }
            at = (at + 1) & mask;
        }
    }
}

/// FNV-1a of the ASCII-lower-cased bytes (the names are short; the table is the crate's own data).
fn ci_hash(name: &str) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        hash ^= u64::from(b.to_ascii_lowercase());
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    // Folded so the low bits the mask keeps see every byte.
    #[expect(clippy::cast_possible_truncation, reason = "a hash: any bits will do")]
    let folded = (hash ^ (hash >> 29)) as usize;
    folded
}

/// 1-based number of the line starting at byte `offset`.
fn line_number(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(0, |t| t.matches('\n').count()) + 1
}

/// Byte offset of the first `!service` line starting at or after `from` (`from` = 0 or just after a line break).
fn section_start(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = from;
    loop {
        let found = at + text.get(at..)?.find('!')?;
        let line_start = found == 0 || bytes.get(found - 1) == Some(&b'\n');
        if line_start && text.get(found..).is_some_and(|rest| rest.starts_with(SERVICE_TAG)) {
            return Some(found);
        }
        at = found + 1;
    }
}

fn parse_levels(text: &str) -> Option<(u8, AccessLevel)> {
    let mut bits = 0u8;
    let mut primary = None;
    for letter in text.chars() {
        let level = AccessLevel::from_letter(letter)?;
        bits |= level.bit();
        primary.get_or_insert(level);
    }
    Some((bits, primary?))
}
