//! The embedded service reference table (`data/service-reference.tsv`) must be what the generator makes of the
//! shared AWS data (`$MINTLINT_SHARED/aws-service-reference/service-reference.json`). A corpus check: the data
//! is not in the repository, so these tests run with `scripts/corpus-check`, which fails without it.
//!
//! Refresh after updating the JSON or the generator:
//! `MINTLINT_BLESS=1 scripts/corpus-check service_reference`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use mintlint::service::{AccessLevel, ServiceReference};

const REFRESH: &str = "MINTLINT_BLESS=1 scripts/corpus-check service_reference";

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn json_path() -> PathBuf {
    common::shared().join("aws-service-reference/service-reference.json")
}

/// The data, or a message saying where it was expected.
fn read_json() -> Result<String, String> {
    std::fs::read_to_string(json_path()).map_err(|e| {
        format!(
            "cannot read the AWS service reference data {}: {e}\n\
             (`{}` names the shared directory)",
            json_path().display(),
            common::SHARED_VAR
        )
    })
}

#[test]
#[ignore = "corpus: run scripts/corpus-check"]
fn corpus_embedded_service_reference_is_fresh() {
    let json_path = json_path();
    let table_path = crate_root().join("data/service-reference.tsv");
    let json = read_json().unwrap_or_else(|e| panic!("{e}"));
    let generated = mintlint::service::generate::generate_table(&json)
        .unwrap_or_else(|e| panic!("cannot generate the service reference table from {}: {e}", json_path.display()));

    if std::env::var_os("MINTLINT_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&table_path, &generated)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", table_path.display()));
        return;
    }

    let embedded = std::fs::read_to_string(&table_path).unwrap_or_default();
    // Tolerate a checkout that converted line endings.
    let embedded = embedded.replace("\r\n", "\n");
    if embedded == generated {
        return;
    }
    let mut embedded_lines = embedded.lines();
    let mut generated_lines = generated.lines();
    let mut line = 1;
    let (old, new) = loop {
        match (embedded_lines.next(), generated_lines.next()) {
            (Some(a), Some(b)) if a == b => line += 1,
            (a, b) => break (a.unwrap_or("<end of file>"), b.unwrap_or("<end of file>")),
        }
    };
    let changed = {
        let old: std::collections::HashSet<&str> = embedded.lines().collect();
        generated.lines().filter(|l| !old.contains(l)).count()
    };
    panic!(
        "{} is stale: it differs from what the generator makes of {}.\n\
         First difference at line {line}:\n  embedded:  {old}\n  generated: {new}\n\
         ({changed} generated lines are new or changed.)\n\
         Review the data change, then regenerate the table with:\n  {REFRESH}",
        table_path.display(),
        json_path.display(),
    );
}

/// Round trip: every service, action (access levels, resource-less or not, condition keys) and key of the data can
/// be looked up in the embedded table.
#[test]
#[ignore = "corpus: run scripts/corpus-check"]
fn corpus_embedded_service_reference_holds_the_data() {
    let data: serde_json::Value = serde_json::from_str(&read_json().unwrap_or_else(|e| panic!("{e}"))).unwrap();
    let reference = ServiceReference::get();
    let normalize = |key: &str| {
        let lower = key.to_ascii_lowercase();
        match lower.strip_suffix("/tag-key") {
            Some(head) => format!("{head}/${{tagkey}}"),
            None => lower,
        }
    };
    let services = data["services"].as_object().unwrap();
    let mut actions = 0;
    for (prefix, service) in services {
        assert!(reference.has_service(prefix), "service {prefix}");
        let resource_keys: std::collections::HashMap<&str, Vec<String>> = service["resource_types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let keys = r["condition_keys"].as_array().unwrap();
                (r["name"].as_str().unwrap(), keys.iter().map(|k| normalize(k.as_str().unwrap())).collect())
            })
            .collect();
        for action in service["actions"].as_array().unwrap() {
            actions += 1;
            let name = action["name"].as_str().unwrap();
            let info = reference.action(prefix, name).unwrap_or_else(|| panic!("action {prefix}:{name}"));
            assert_eq!(info.full_name(), format!("{prefix}:{name}"));

            let levels: BTreeSet<AccessLevel> = info.access_levels().collect();
            let data_levels: BTreeSet<AccessLevel> = action["access_level"]
                .as_str()
                .unwrap()
                .split(',')
                .map(|l| match l.trim() {
                    "List" => AccessLevel::List,
                    "Read" => AccessLevel::Read,
                    "Write" => AccessLevel::Write,
                    "Tagging" => AccessLevel::Tagging,
                    "Permissions management" => AccessLevel::PermissionsManagement,
                    other => panic!("access level {other}"),
                })
                .collect();
            assert_eq!(levels, data_levels, "{prefix}:{name}");

            let resources = action["resource_types"].as_array().unwrap();
            assert_eq!(info.has_resource_types(), !resources.is_empty(), "{prefix}:{name}");

            let mut expected = BTreeSet::new();
            for key in action["condition_keys"].as_array().unwrap() {
                expected.insert(normalize(key.as_str().unwrap()));
            }
            for resource in resources {
                for key in resource["condition_keys"].as_array().unwrap() {
                    expected.insert(normalize(key.as_str().unwrap()));
                }
                expected.extend(resource_keys[resource["name"].as_str().unwrap()].iter().cloned());
            }
            let got: BTreeSet<String> = info.condition_keys().map(str::to_ascii_lowercase).collect();
            assert_eq!(got, expected, "{prefix}:{name}");
        }
        for def in service["condition_keys"].as_array().unwrap() {
            let key = def["key"].as_str().unwrap();
            let found = reference.condition_key(key).unwrap_or_else(|| panic!("key {key} of {prefix}"));
            assert_eq!(normalize(found.name), normalize(key));
        }
    }
    assert_eq!(reference.counts(), (services.len(), actions, reference.counts().2));

    for def in data["global_condition_keys"].as_array().unwrap() {
        let key = def["key"].as_str().unwrap();
        let found = reference.condition_key(key).unwrap_or_else(|| panic!("global key {key}"));
        assert!(found.global, "{key}");
        let data_type = def["type"].as_str().unwrap();
        // A documented multivalued key the data types as a scalar is written as ArrayOf* (generate.rs).
        let supplemented =
            mintlint::service::generate::KNOWN_MULTI_VALUED_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
                && found.ty.is_multi_valued();
        assert!(found.ty.as_str().eq_ignore_ascii_case(data_type) || supplemented, "{key}: {data_type}");
    }
}
