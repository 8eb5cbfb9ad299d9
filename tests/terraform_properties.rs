//! Property: a `.tf` module tree and the plan Terraform would make of it mean the same. Random trees of roles
//! (single, `count` or `for_each` instances, some with zero instances), their inline policies (the role named
//! by `.id` or `.name`), calls of a child module (plain, or with `count` 0 or 1) that creates a Deny capping
//! the token lifetime and attaches it to the role the caller passes in (`var.role_name`, with or without
//! `max_seconds`), and attachments in the root of the module's output (`module.c.policy_arn`), are rendered
//! both as `.tf` source and as the `terraform show -json` plan (planned values with instance keys, computed
//! attributes unknown, `configuration` with the references Terraform records). `mintlint diff plan.json
//! tree/` must report nothing, both ways round, and compare one principal per role instance.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use std::fmt::Write as _;
use std::path::Path;

use common::mintlint;
use proptest::prelude::*;
use serde_json::{Value, json};

#[derive(Clone, Debug)]
enum Instances {
    Single,
    Count(usize),
    ForEach(Vec<&'static str>),
}

#[derive(Clone, Debug)]
struct Role {
    instances: Instances,
    audiences: Vec<&'static str>,
    cap: Option<u32>,
    /// The inline policy names its role by `.id` (unknown in the plan) rather than `.name`.
    by_id: bool,
}

#[derive(Clone, Debug)]
struct Call {
    /// Index among the single-instance roles.
    target: usize,
    max_seconds: Option<u32>,
    count: Option<usize>,
}

#[derive(Clone, Debug)]
struct Tree {
    roles: Vec<Role>,
    calls: Vec<Call>,
    /// (call, single-instance role): the root attaches the call's policy (its output) to that role too.
    via_output: Vec<(usize, usize)>,
}

const AUDIENCES: [&str; 3] = ["https://payments.example", "sts.amazonaws.com", "api://AzureADTokenExchange"];
const KEYS: [&str; 3] = ["ledger", "payments", "search"];
const TRUST: &str = r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"}}],"Version":"2012-10-17"}"#;

fn instances() -> impl Strategy<Value = Instances> {
    prop_oneof![
        2 => Just(Instances::Single),
        1 => (0usize..3).prop_map(Instances::Count),
        1 => proptest::sample::subsequence(KEYS.to_vec(), 0..=3).prop_map(Instances::ForEach),
    ]
}

fn role() -> impl Strategy<Value = Role> {
    (
        instances(),
        proptest::sample::subsequence(AUDIENCES.to_vec(), 1..=2),
        proptest::option::of(prop_oneof![Just(300u32), Just(900), Just(3600)]),
        any::<bool>(),
    )
        .prop_map(|(instances, audiences, cap, by_id)| Role { instances, audiences, cap, by_id })
}

fn call() -> impl Strategy<Value = Call> {
    (
        0usize..4,
        proptest::option::of(prop_oneof![Just(120u32), Just(600), Just(1800)]),
        prop_oneof![2 => Just(None), 1 => Just(Some(0usize)), 1 => Just(Some(1usize))],
    )
        .prop_map(|(target, max_seconds, count)| Call { target, max_seconds, count })
}

fn tree() -> impl Strategy<Value = Tree> {
    (
        role(),
        proptest::collection::vec(role(), 0..3),
        proptest::collection::vec(call(), 0..3),
        proptest::collection::vec((0usize..3, 0usize..4), 0..2),
    )
        .prop_map(|(first, rest, calls, via)| {
            // The first role is a single instance: a module call always has a role to name.
            let mut roles = vec![Role { instances: Instances::Single, ..first }];
            roles.extend(rest);
            let via_output =
                via.into_iter().filter(|(c, _)| calls.get(*c).is_some_and(|c| c.count.is_none())).collect();
            Tree { roles, calls, via_output }
        })
}

impl Tree {
    fn singles(&self) -> Vec<usize> {
        (0..self.roles.len()).filter(|&i| matches!(self.roles[i].instances, Instances::Single)).collect()
    }

    fn target(&self, index: usize) -> usize {
        let singles = self.singles();
        singles[index % singles.len()]
    }

    /// Each role instance's name and the longest token it may mint: its own cap (else AWS's 3600 s), lowered by
    /// the Deny of every module instance attached to it, by the module or through the module's output.
    fn max_lifetimes(&self) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        for (i, role) in self.roles.iter().enumerate() {
            let mut max = u64::from(role.cap.unwrap_or(3600));
            for call in &self.calls {
                if self.target(call.target) == i && call.count != Some(0) {
                    max = max.min(u64::from(call.max_seconds.unwrap_or(300)));
                }
            }
            for (j, target) in &self.via_output {
                if self.target(*target) == i {
                    max = max.min(u64::from(self.calls[*j].max_seconds.unwrap_or(300)));
                }
            }
            out.extend(self.role_instances(i).into_iter().map(|(_, name)| (name, max)));
        }
        out.sort();
        out
    }

    /// The instance keys of a role (`None` for a single one) with its name.
    fn role_instances(&self, i: usize) -> Vec<(Option<Value>, String)> {
        match &self.roles[i].instances {
            Instances::Single => vec![(None, format!("role-{i}"))],
            Instances::Count(n) => (0..*n).map(|k| (Some(json!(k)), format!("role-{i}-{k}"))).collect(),
            Instances::ForEach(keys) => keys.iter().map(|k| (Some(json!(k)), format!("role-{i}-{k}"))).collect(),
        }
    }
}

/// The inline policy of a role, as a JSON value (rendered as `jsonencode` HCL and as the plan's string).
fn mint_policy(role: &Role) -> Value {
    let mut condition = json!({
        "ForAllValues:StringEquals": {"sts:IdentityTokenAudience": role.audiences},
        "Null": {"sts:IdentityTokenAudience": "false"},
    });
    if let Some(cap) = role.cap {
        condition["NumericLessThanEquals"] = json!({"sts:DurationSeconds": cap});
    }
    json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*", "Condition": condition,
    }]})
}

fn cap_policy(max_seconds: u32) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Action": "sts:GetWebIdentityToken", "Resource": "*",
        "Condition": {"NumericGreaterThan": {"sts:DurationSeconds": max_seconds}},
    }]})
}

/// A JSON value as an HCL expression (for `jsonencode`).
fn hcl(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let entries: Vec<String> = map.iter().map(|(k, v)| format!("{} = {}", json!(k), hcl(v))).collect();
            format!("{{ {} }}", entries.join(", "))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(hcl).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

const MODULE: &str = r#"variable "role_name" {
  type = string
}

variable "max_seconds" {
  type    = number
  default = 300
}

resource "aws_iam_policy" "cap" {
  name = "cap-${var.role_name}-${var.max_seconds}"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Deny"
      Action    = "sts:GetWebIdentityToken"
      Resource  = "*"
      Condition = { NumericGreaterThan = { "sts:DurationSeconds" = var.max_seconds } }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "cap" {
  role       = var.role_name
  policy_arn = aws_iam_policy.cap.arn
}

output "policy_arn" {
  value = aws_iam_policy.cap.arn
}
"#;

fn render_tf(tree: &Tree) -> String {
    let mut out = String::new();
    for (i, role) in tree.roles.iter().enumerate() {
        let (meta, name, index) = match &role.instances {
            Instances::Single => (String::new(), format!("role-{i}"), ""),
            Instances::Count(n) => (format!("  count = {n}\n"), format!("role-{i}-${{count.index}}"), "[count.index]"),
            Instances::ForEach(keys) => {
                (format!("  for_each = toset({})\n", json!(keys)), format!("role-{i}-${{each.key}}"), "[each.key]")
            }
        };
        let trust: Value = serde_json::from_str(TRUST).unwrap();
        let attribute = if role.by_id { "id" } else { "name" };
        writeln!(
            out,
            "resource \"aws_iam_role\" \"r{i}\" {{\n{meta}  name = \"{name}\"\n  assume_role_policy = jsonencode({})\n}}\n",
            hcl(&trust)
        )
        .unwrap();
        writeln!(
            out,
            "resource \"aws_iam_role_policy\" \"r{i}\" {{\n{meta}  name   = \"mint\"\n  role   = aws_iam_role.r{i}{index}.{attribute}\n  policy = jsonencode({})\n}}\n",
            hcl(&mint_policy(role))
        )
        .unwrap();
    }
    for (j, call) in tree.calls.iter().enumerate() {
        let count = call.count.map(|n| format!("  count       = {n}\n")).unwrap_or_default();
        let max = call.max_seconds.map(|m| format!("  max_seconds = {m}\n")).unwrap_or_default();
        writeln!(
            out,
            "module \"c{j}\" {{\n  source      = \"./modules/cap\"\n{count}  role_name   = aws_iam_role.r{}.name\n{max}}}\n",
            tree.target(call.target)
        )
        .unwrap();
    }
    for (k, (j, target)) in tree.via_output.iter().enumerate() {
        writeln!(
            out,
            "resource \"aws_iam_role_policy_attachment\" \"o{k}\" {{\n  role       = aws_iam_role.r{}.name\n  policy_arn = module.c{j}.policy_arn\n}}\n",
            tree.target(*target)
        )
        .unwrap();
    }
    out
}

fn address(module: Option<&str>, ty: &str, name: &str, key: Option<&Value>) -> String {
    let prefix = module.map(|m| format!("{m}.")).unwrap_or_default();
    let index = match key {
        None => String::new(),
        Some(Value::String(s)) => format!("[{}]", json!(s)),
        Some(other) => format!("[{other}]"),
    };
    format!("{prefix}{ty}.{name}{index}")
}

/// One planned resource and its change.
struct Planned {
    module: Option<String>,
    ty: &'static str,
    name: String,
    key: Option<Value>,
    values: Value,
    unknown: Value,
}

impl Planned {
    fn address(&self) -> String {
        address(self.module.as_deref(), self.ty, &self.name, self.key.as_ref())
    }

    fn planned(&self) -> Value {
        let mut v = json!({
            "address": self.address(), "mode": "managed", "type": self.ty, "name": self.name,
            "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
            "values": self.values, "sensitive_values": {},
        });
        if let Some(k) = &self.key {
            v["index"] = k.clone();
        }
        v
    }

    fn change(&self) -> Value {
        let mut v = json!({
            "address": self.address(), "mode": "managed", "type": self.ty, "name": self.name,
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": ["create"], "before": null, "after": self.values, "after_unknown": self.unknown,
                       "before_sensitive": false, "after_sensitive": {}},
        });
        if let Some(k) = &self.key {
            v["index"] = k.clone();
        }
        if let Some(m) = &self.module {
            v["module_address"] = json!(m);
        }
        v
    }
}

fn config_resource(ty: &str, name: &str, expressions: Value, meta: &Instances) -> Value {
    let mut v = json!({
        "address": format!("{ty}.{name}"), "mode": "managed", "type": ty, "name": name,
        "provider_config_key": "aws", "expressions": expressions, "schema_version": 0,
    });
    match meta {
        Instances::Single => {}
        Instances::Count(n) => v["count_expression"] = json!({"constant_value": n}),
        Instances::ForEach(keys) => v["for_each_expression"] = json!({"constant_value": keys}),
    }
    v
}

fn render_plan(tree: &Tree) -> Value {
    let mut root: Vec<Planned> = Vec::new();
    let mut config_resources = Vec::new();
    for (i, role) in tree.roles.iter().enumerate() {
        for (key, name) in tree.role_instances(i) {
            root.push(Planned {
                module: None,
                ty: "aws_iam_role",
                name: format!("r{i}"),
                key: key.clone(),
                values: json!({
                    "name": name, "path": "/", "assume_role_policy": TRUST, "description": null,
                    "force_detach_policies": false, "max_session_duration": 3600, "permissions_boundary": null,
                    "tags": null, "name_prefix": null,
                }),
                unknown: json!({"arn": true, "id": true, "unique_id": true, "create_date": true, "inline_policy": true,
                                "managed_policy_arns": true, "tags_all": true, "name_prefix": true}),
            });
            let mut values = json!({"name": "mint", "policy": mint_policy(role).to_string(), "name_prefix": null});
            let mut unknown = json!({"id": true});
            if role.by_id {
                unknown["role"] = json!(true);
            } else {
                values["role"] = json!(name);
            }
            root.push(Planned { module: None, ty: "aws_iam_role_policy", name: format!("r{i}"), key, values, unknown });
        }
        let attribute = if role.by_id { "id" } else { "name" };
        let (name_expr, role_refs) = match &role.instances {
            Instances::Single => (
                json!({"constant_value": format!("role-{i}")}),
                vec![format!("aws_iam_role.r{i}.{attribute}"), format!("aws_iam_role.r{i}")],
            ),
            Instances::Count(_) => {
                (json!({"references": ["count.index"]}), vec![format!("aws_iam_role.r{i}"), "count.index".to_owned()])
            }
            Instances::ForEach(_) => {
                (json!({"references": ["each.key"]}), vec![format!("aws_iam_role.r{i}"), "each.key".to_owned()])
            }
        };
        config_resources.push(config_resource(
            "aws_iam_role",
            &format!("r{i}"),
            json!({"name": name_expr, "assume_role_policy": {}}),
            &role.instances,
        ));
        config_resources.push(config_resource(
            "aws_iam_role_policy",
            &format!("r{i}"),
            json!({"name": {"constant_value": "mint"}, "policy": {}, "role": {"references": role_refs}}),
            &role.instances,
        ));
    }
    let mut children = Vec::new();
    let mut calls = serde_json::Map::new();
    for (j, call) in tree.calls.iter().enumerate() {
        let target = tree.target(call.target);
        let role_name = format!("role-{target}");
        let max = call.max_seconds.unwrap_or(300);
        let keys: Vec<Option<usize>> = match call.count {
            None => vec![None],
            Some(n) => (0..n).map(Some).collect(),
        };
        for key in keys {
            let module = match key {
                None => format!("module.c{j}"),
                Some(k) => format!("module.c{j}[{k}]"),
            };
            let resources = [
                Planned {
                    module: Some(module.clone()),
                    ty: "aws_iam_policy",
                    name: "cap".to_owned(),
                    key: None,
                    values: json!({"name": format!("cap-{role_name}-{max}"), "path": "/", "description": null,
                                   "policy": cap_policy(max).to_string(), "tags": null, "name_prefix": null}),
                    unknown: json!({"arn": true, "id": true, "policy_id": true, "tags_all": true,
                                    "attachment_count": true, "name_prefix": true}),
                },
                Planned {
                    module: Some(module.clone()),
                    ty: "aws_iam_role_policy_attachment",
                    name: "cap".to_owned(),
                    key: None,
                    values: json!({"role": role_name}),
                    unknown: json!({"id": true, "policy_arn": true}),
                },
            ];
            children.push((
                json!({"address": module, "resources": resources.iter().map(Planned::planned).collect::<Vec<_>>()}),
                resources,
            ));
        }
        let mut expressions = json!({
            "role_name": {"references": [format!("aws_iam_role.r{target}.name"), format!("aws_iam_role.r{target}")]},
        });
        if let Some(m) = call.max_seconds {
            expressions["max_seconds"] = json!({"constant_value": m});
        }
        let mut config = json!({
            "source": "./modules/cap",
            "expressions": expressions,
            "module": {
                "resources": [
                    config_resource("aws_iam_policy", "cap",
                        json!({"name": {"references": ["var.role_name", "var.max_seconds"]},
                               "policy": {"references": ["var.max_seconds"]}}), &Instances::Single),
                    config_resource("aws_iam_role_policy_attachment", "cap",
                        json!({"role": {"references": ["var.role_name"]},
                               "policy_arn": {"references": ["aws_iam_policy.cap.arn", "aws_iam_policy.cap"]}}),
                        &Instances::Single),
                ],
                "outputs": {"policy_arn": {"expression": {"references": ["aws_iam_policy.cap.arn", "aws_iam_policy.cap"]}}},
                "variables": {"role_name": {}, "max_seconds": {"default": 300}},
            },
        });
        if let Some(n) = call.count {
            config["count_expression"] = json!({"constant_value": n});
        }
        calls.insert(format!("c{j}"), config);
    }
    for (k, (j, target)) in tree.via_output.iter().enumerate() {
        let target = tree.target(*target);
        root.push(Planned {
            module: None,
            ty: "aws_iam_role_policy_attachment",
            name: format!("o{k}"),
            key: None,
            values: json!({"role": format!("role-{target}")}),
            unknown: json!({"id": true, "policy_arn": true}),
        });
        config_resources.push(config_resource(
            "aws_iam_role_policy_attachment",
            &format!("o{k}"),
            json!({"role": {"references": [format!("aws_iam_role.r{target}.name"), format!("aws_iam_role.r{target}")]},
                   "policy_arn": {"references": [format!("module.c{j}.policy_arn"), format!("module.c{j}")]}}),
            &Instances::Single,
        ));
    }
    let mut changes: Vec<Value> = root.iter().map(Planned::change).collect();
    changes.extend(children.iter().flat_map(|(_, rs)| rs.iter().map(Planned::change)));
    json!({
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {
            "resources": root.iter().map(Planned::planned).collect::<Vec<_>>(),
            "child_modules": children.into_iter().map(|(m, _)| m).collect::<Vec<_>>(),
        }},
        "resource_changes": changes,
        "configuration": {
            "provider_config": {"aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws"}},
            "root_module": {"resources": config_resources, "module_calls": calls},
        },
        "applyable": true,
        "complete": true,
        "errored": false,
    })
}

fn write(dir: &Path, tree: &Tree) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("tree/modules/cap")).unwrap();
    std::fs::write(dir.join("tree/main.tf"), render_tf(tree)).unwrap();
    std::fs::write(dir.join("tree/modules/cap/main.tf"), MODULE).unwrap();
    std::fs::write(dir.join("plan.json"), serde_json::to_string_pretty(&render_plan(tree)).unwrap()).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_tree_and_its_plan_mean_the_same(tree in tree()) {
        let dir = std::env::temp_dir().join(format!("mintlint-tree-plan-{}", std::process::id()));
        write(&dir, &tree);
        let principals: usize = (0..tree.roles.len()).map(|i| tree.role_instances(i).len()).sum();
        let plan = dir.join("plan.json");
        let source = dir.join("tree");
        for (a, b) in [(&plan, &source), (&source, &plan)] {
            let run = mintlint(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
            let summary = format!(
                "{principals} principal{} compared: 0 widened, 0 narrowed, 0 inexact",
                if principals == 1 { "" } else { "s" }
            );
            prop_assert!(
                run.code == 0 && run.stdout.contains(&summary),
                "{}\n{}{}\n--- main.tf\n{}",
                summary,
                run.stdout,
                run.stderr,
                render_tf(&tree)
            );
        }
        // Neither side may agree by leaving the module out: the lifetime each role may mint for is the model's.
        let expected = tree.max_lifetimes();
        for side in [&plan, &source] {
            let run = mintlint(&["graph", side.to_str().unwrap(), "--format", "json"]);
            prop_assert_eq!(run.code, 0, "{}", run.stderr);
            let json: Value = serde_json::from_str(&run.stdout).unwrap();
            let mut got: Vec<(String, u64)> = json["principals"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    let name = p["principal"].as_str().unwrap().trim_start_matches("role ");
                    let name = name.split(' ').next().unwrap().to_owned();
                    (name, p["max_lifetime"].as_u64().unwrap_or(0))
                })
                .collect();
            got.sort();
            prop_assert_eq!(&got, &expected, "{}\n--- main.tf\n{}", side.display(), render_tf(&tree));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
