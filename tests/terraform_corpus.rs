//! The Terraform loader over real plan and state files (the sample in `tests/corpus-sample/terraform-plans`,
//! and with `scripts/corpus-check` the 54 files of the shared corpus): every policy document in every file is
//! found. The loader's documents are compared per file with an independent count made by a
//! plain serde_json traversal that looks for policy text anywhere in a resource's values (any string that is
//! a JSON object with a `Statement`), so a resource type or attribute the loader does not know shows up as a
//! difference.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr,
    reason = "test code: a failed unwrap is a failed test, and the per-file table is printed for the record"
)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{corpus_sample, mintlint, shared};
use mintlint::input::{load_inventory_file, read_json};
use mintlint::source::InputKind;
use mintlint::source::json::Limits;
use serde_json::Value;

type Found = BTreeSet<(String, String)>;

/// The JSON files of a folder of plans, sorted.
fn plans(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// Attributes that hold inputs to, or copies of, a document the traversal already counts: a
/// policy-document data source's `minified_json` is its `json`, and `source_json` / `override_json` /
/// `*_policy_documents` are merged into it.
const NOT_DOCUMENTS: &[&str] =
    &["minified_json", "source_json", "override_json", "source_policy_documents", "override_policy_documents"];

/// Attribute names that carry a policy, for telling which `after_unknown` entries are unknown policies.
const POLICY_ATTRIBUTES: &[&str] =
    &["policy", "assume_role_policy", "json", "content", "inline_policy", "policy_document", "access_policies"];

fn is_policy_text(text: &str) -> bool {
    serde_json::from_str::<Value>(text).is_ok_and(|v| v.get("Statement").is_some())
}

/// Every policy string below `value`, with its attribute path (`inline_policy[0].policy`).
fn policy_strings(value: &Value, path: &str, out: &mut Vec<String>) {
    match value {
        Value::String(s) if is_policy_text(s) => out.push(path.to_owned()),
        Value::Object(map) => {
            for (k, v) in map {
                if NOT_DOCUMENTS.contains(&k.as_str()) {
                    continue;
                }
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                policy_strings(v, &p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                policy_strings(v, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Every path in `after_unknown` that is `true`.
fn true_paths(value: &Value, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Bool(true) => out.push(path.to_owned()),
        Value::Object(map) => {
            for (k, v) in map {
                true_paths(v, &if path.is_empty() { k.clone() } else { format!("{path}.{k}") }, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                true_paths(v, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Unknown policy attributes: a policy attribute, or the `policy` of one `inline_policy` block (a whole
/// `inline_policy` list unknown is the provider computing the role's inline policies, not one policy).
fn is_unknown_policy(path: &str) -> bool {
    (POLICY_ATTRIBUTES.contains(&path) && path != "inline_policy")
        || (path.starts_with("inline_policy[") && path.ends_with("].policy"))
}

/// Resources of a `root_module` tree, with Terraform 0.12's module-relative `prior_state` addresses made
/// absolute.
fn module_resources<'v>(module: &'v Value, out: &mut Vec<(String, &'v Value)>) {
    let prefix = module["address"].as_str().unwrap_or("");
    for r in module["resources"].as_array().into_iter().flatten() {
        let raw = r["address"].as_str().unwrap_or("");
        let address = if prefix.is_empty() || raw.starts_with(&format!("{prefix}.")) {
            raw.to_owned()
        } else {
            format!("{prefix}.{raw}")
        };
        out.push((address, r));
    }
    for child in module["child_modules"].as_array().into_iter().flatten() {
        module_resources(child, out);
    }
}

fn is_data(address: &str) -> bool {
    address.starts_with("data.") || address.contains(".data.")
}

/// The independent count: planned values (or state values), planned changes, and data sources of the prior
/// state, each read with serde_json.
fn independent(plan: &Value) -> (Found, Found) {
    let mut known = Found::new();
    let mut unknown = Found::new();
    let mut record = |address: &str, values: &Value| {
        let mut paths = Vec::new();
        policy_strings(values, "", &mut paths);
        known.extend(paths.into_iter().map(|p| (address.to_owned(), p)));
    };
    for section in [&plan["planned_values"]["root_module"], &plan["values"]["root_module"]] {
        let mut resources = Vec::new();
        module_resources(section, &mut resources);
        for (address, r) in resources {
            record(&address, &r["values"]);
        }
    }
    for change in plan["resource_changes"].as_array().into_iter().flatten() {
        if change.get("deposed").is_some_and(|d| !d.is_null()) || change["change"]["after"].is_null() {
            continue;
        }
        // A trimmed plan may leave the address out: rebuild it as Terraform writes it.
        let address = match change["address"].as_str() {
            Some(a) => a.to_owned(),
            None => {
                let module = change["module_address"].as_str().map(|m| format!("{m}.")).unwrap_or_default();
                let data = if change["mode"] == "data" { "data." } else { "" };
                let index = match &change["index"] {
                    Value::Null => String::new(),
                    other => format!("[{other}]"),
                };
                format!(
                    "{module}{data}{}.{}{index}",
                    change["type"].as_str().unwrap(),
                    change["name"].as_str().unwrap()
                )
            }
        };
        let address = address.as_str();
        record(address, &change["change"]["after"]);
        let org_type = change["change"]["after"]["type"].as_str().unwrap_or("SERVICE_CONTROL_POLICY");
        // Policy attribute names mean policies on AWS resources only (`local_file` has a `content` too).
        let aws = change["type"].as_str().is_some_and(|t| t.starts_with("aws_"));
        if !aws || (change["type"] == "aws_organizations_policy" && !org_type.ends_with("CONTROL_POLICY")) {
            continue;
        }
        let mut paths = Vec::new();
        true_paths(&change["change"]["after_unknown"], "", &mut paths);
        unknown.extend(paths.into_iter().filter(|p| is_unknown_policy(p)).map(|p| (address.to_owned(), p)));
    }
    let mut prior = Vec::new();
    module_resources(&plan["prior_state"]["values"]["root_module"], &mut prior);
    for (address, r) in prior.into_iter().filter(|(a, _)| is_data(a)) {
        record(&address, &r["values"]);
    }
    // A value unknown in the plan may still have been known in an earlier section (never for one resource
    // instance in practice); an unknown policy is not also a found one.
    known.retain(|k| !unknown.contains(k));
    (known, unknown)
}

#[test]
fn every_policy_in_the_sample_plans_is_found() {
    every_policy_is_found(&corpus_sample().join("terraform-plans"), 6);
}

#[test]
#[ignore = "corpus: run scripts/corpus-check"]
fn corpus_every_policy_in_the_plans_is_found() {
    every_policy_is_found(&shared().join("corpus/terraform-plans"), 54);
}

fn every_policy_is_found(dir: &Path, count: usize) {
    let files = plans(dir);
    assert_eq!(files.len(), count, "{}: plan and state files", dir.display());
    let limits = Limits::default();
    let mut table = Vec::new();
    let mut failures = Vec::new();
    let (mut total_found, mut total_unknown) = (0, 0);
    for path in &files {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let (source, value) = read_json(path, &limits).unwrap_or_else(|f| panic!("{name}: {}", f.message));
        let kind = InputKind::classify(&value);
        assert_eq!(kind, InputKind::TerraformJson, "{name}");
        let inventory = load_inventory_file(&source, &value, kind, &limits);
        let found: Found =
            inventory.documents.iter().map(|d| (d.origin.entry.clone(), d.origin.attribute.clone())).collect();
        assert_eq!(found.len(), inventory.documents.len(), "{name}: a document found twice");
        let unknown: Found = inventory.unknown.iter().map(|o| (o.entry.clone(), o.attribute.clone())).collect();
        let plain: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let (expected_known, expected_unknown) = independent(&plain);

        let missing: Vec<_> = expected_known.difference(&found).collect();
        if !missing.is_empty() {
            failures.push(format!("{name}: not found: {missing:?}"));
        }
        // Documents found beyond the traversal's are those that are not policy JSON (an empty string, a
        // `Statement` of null): each must carry the reason as a finding, never pass silently.
        let not_policies: Vec<_> = found.difference(&expected_known).collect();
        for (entry, attribute) in &not_policies {
            let doc = inventory
                .documents
                .iter()
                .find(|d| &d.origin.entry == entry && &d.origin.attribute == attribute)
                .unwrap();
            let statement = doc.json.as_ref().and_then(|j| j.get("Statement")).is_some_and(|s| !s.is_null());
            if statement {
                failures.push(format!("{name}: {entry} › {attribute} found, but the traversal does not see it"));
            }
        }
        if unknown != expected_unknown {
            failures.push(format!(
                "{name}: unknown until apply differs: loader only {:?}, traversal only {:?}",
                unknown.difference(&expected_unknown).collect::<Vec<_>>(),
                expected_unknown.difference(&unknown).collect::<Vec<_>>()
            ));
        }
        total_found += found.len();
        total_unknown += unknown.len();
        table.push(format!(
            "{:>4} {:>4} {:>4} {:>3}  {name}",
            expected_known.len(),
            found.len(),
            unknown.len(),
            not_policies.len()
        ));
    }
    eprintln!("traversal found unknown not-policy-json  file");
    for row in &table {
        eprintln!("{row}");
    }
    eprintln!("total: {total_found} documents found, {total_unknown} unknown until apply");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn check_reads_the_sample_plans() {
    check_reads_every_plan(&corpus_sample().join("terraform-plans"), 6);
}

#[test]
#[ignore = "corpus: run scripts/corpus-check"]
fn corpus_check_reads_every_plan() {
    check_reads_every_plan(&shared().join("corpus/terraform-plans"), 54);
}

/// A folder of plans through the real binary: no panic, no exit 2, every file read as Terraform JSON. Most
/// plans are one line of up to 240 kB, and findings on them are drawn too.
fn check_reads_every_plan(dir: &Path, count: usize) {
    let human = mintlint(&["check", "--color", "never", "--fail-on", "never", dir.to_str().unwrap()]);
    assert_eq!(human.code, 0, "{}", human.stderr);
    assert!(human.stdout.contains("MINT008(policy-unknown-until-apply)"));
    let run = mintlint(&["check", "--format", "json", "--fail-on", "never", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["stats"]["files"], count);
    for f in report["findings"].as_array().unwrap() {
        // A finding on the plan file itself (not inside an embedded document) may only be MINT008, which
        // points at `after_unknown`.
        if f["file"] == f["source"] {
            assert_eq!(f["rule"], "MINT008", "{f:#}");
        }
    }
}

/// A role in a nested module whose managed policy is attached with `count` and an ARN unknown until apply,
/// and whose boundary is a policy outside the plan: the policy is found through the configuration's
/// references, and the output says the boundary was not evaluated.
#[test]
fn simulate_a_role_of_a_nested_module() {
    let plan = corpus_sample()
        .join("terraform-plans/terraform-compliance__cli__tests_functional_test_non_created_module_resource_parameter_plan.out.json");
    let run = mintlint(&[
        "simulate",
        plan.to_str().unwrap(),
        "--principal",
        "cc-testapi-logs-eu-west-1",
        "--action",
        "logs:PutLogEvents",
        "--color",
        "never",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("module.apigw_test_1.module.api_gw_log_role.aws_iam_role.default"), "{}", run.stdout);
    assert!(run.stdout.contains("the permissions boundary is not evaluated"), "{}", run.stdout);
    // The statement has `"Sid": ""`: it is named by its position.
    assert!(run.stdout.contains("allowed by statement 1 ("), "{}", run.stdout);
}

/// Every JSON file below `dir`.
fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// The plan reader builds of Terraform JSON only the parts the loader reads (`input::parse_input`): for every
/// file, the inventory it yields is the one the whole tree yields, and every other document is built whole.
fn parts_read_as_the_whole(dirs: &[PathBuf]) -> usize {
    use mintlint::source::SourceFile;
    use mintlint::source::json;
    let limits = Limits { max_bytes: usize::MAX, ..Limits::default() };
    let mut files = Vec::new();
    for dir in dirs {
        json_files(dir, &mut files);
    }
    let mut plans = 0;
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else { continue };
        let whole = json::parse(&text, &limits);
        let parts = mintlint::input::parse_input(&text, &limits);
        let (whole, parts) = match (whole, parts) {
            (Ok(whole), Ok(parts)) => (whole, parts),
            (whole, parts) => {
                assert_eq!(whole.err(), parts.err(), "{}", path.display());
                continue;
            }
        };
        let kind = InputKind::classify(&whole);
        assert_eq!(kind, InputKind::classify(&parts), "{}", path.display());
        if !matches!(kind, InputKind::TerraformJson) {
            assert_eq!(format!("{whole:?}"), format!("{parts:?}"), "{}: built whole", path.display());
            continue;
        }
        plans += 1;
        let source = std::sync::Arc::new(SourceFile::from_path(path, text.as_str()));
        let from_whole = load_inventory_file(&source, &whole, kind, &limits);
        let from_parts = load_inventory_file(&source, &parts, kind, &limits);
        assert_eq!(format!("{from_whole:?}"), format!("{from_parts:?}"), "{}", path.display());
    }
    plans
}

#[test]
fn plan_parts_read_as_the_whole_in_fixtures() {
    let root = common::root();
    let plans = parts_read_as_the_whole(&[root.join("fixtures"), corpus_sample()]);
    assert!(plans >= 10, "only {plans} plans");
}

#[test]
#[ignore = "corpus: run scripts/corpus-check"]
fn corpus_plan_parts_read_as_the_whole() {
    let plans = parts_read_as_the_whole(&[shared().join("corpus")]);
    assert!(plans >= 54, "only {plans} plans");
}
