//! Terraform JSON (`terraform show -json` of a plan or of state, format versions 0.1 to 1.2) into the
//! inventory.
//!
//! Where values come from: `planned_values` (state: `values`) first; `resource_changes` for a resource that
//! `planned_values` lacks (and always for `after_unknown`, which says what is unknown until apply);
//! `prior_state` for data sources read while planning. Resources are read in the root module and in every
//! child module, `count` and `for_each` instances included.
//!
//! Links between resources (a policy attachment's role and policy, a role's permissions boundary, an SCP's
//! target) use the value when the plan knows it, and otherwise the `references` of the resource's expression
//! in `configuration`, followed through module variables and outputs.
//!
//! Policies are strings inside the plan (JSON in JSON): each becomes its own virtual source named
//! `plan.json › module.x.aws_iam_role_policy.mint › policy`, so findings point inside the document.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::sync::Arc;

use crate::inventory::{
    Group, Inventory, OrgAttachment, OrgNode, OrgNodeKind, Origin, PolicyDocument, PolicyRef, Principal, PrincipalKind,
    arn_account,
};
use crate::lint::rules::{invalid_json, invalid_policy, policy_unknown_until_apply};
use crate::policy::{PolicyKind, PolicyProblem};
use crate::source::SizeKind;
use crate::source::json::{self, Json, JsonKind, Keep, Limits};
use crate::source::{SourceFile, Span};

/// Resource-based policies of other services: linted (they are IAM policy documents too) but no part of any
/// principal's identity policies.
pub(crate) const RESOURCE_POLICIES: &[(&str, &str)] = &[
    ("aws_api_gateway_rest_api", "policy"),
    ("aws_api_gateway_rest_api_policy", "policy"),
    ("aws_backup_vault_policy", "policy"),
    ("aws_cloudwatch_event_bus_policy", "policy"),
    ("aws_cloudwatch_log_resource_policy", "policy_document"),
    ("aws_codeartifact_domain_permissions_policy", "policy_document"),
    ("aws_codeartifact_repository_permissions_policy", "policy_document"),
    ("aws_dynamodb_resource_policy", "policy"),
    ("aws_ecr_registry_policy", "policy"),
    ("aws_ecr_repository_policy", "policy"),
    ("aws_efs_file_system_policy", "policy"),
    ("aws_elasticsearch_domain", "access_policies"),
    ("aws_elasticsearch_domain_policy", "access_policies"),
    ("aws_glacier_vault", "access_policy"),
    ("aws_glue_resource_policy", "policy"),
    ("aws_kinesis_resource_policy", "policy"),
    ("aws_kms_key", "policy"),
    ("aws_kms_key_policy", "policy"),
    ("aws_lambda_layer_version_permission", "policy"),
    ("aws_opensearch_domain", "access_policies"),
    ("aws_opensearch_domain_policy", "access_policies"),
    ("aws_s3_access_point", "policy"),
    ("aws_s3_bucket", "policy"),
    ("aws_s3_bucket_policy", "policy"),
    ("aws_s3control_access_point_policy", "policy"),
    ("aws_s3tables_table_bucket_policy", "resource_policy"),
    ("aws_s3tables_table_policy", "resource_policy"),
    ("aws_secretsmanager_secret", "policy"),
    ("aws_secretsmanager_secret_policy", "policy"),
    ("aws_ses_identity_policy", "policy"),
    ("aws_sns_topic", "policy"),
    ("aws_sns_topic_policy", "policy"),
    ("aws_sqs_queue", "policy"),
    ("aws_sqs_queue_policy", "policy"),
    ("aws_vpc_endpoint", "policy"),
    ("aws_vpc_endpoint_policy", "policy"),
];

// ----- what of a plan or state the loader reads -----
//
// A plan holds every resource up to three times (`planned_values`, `resource_changes`, `configuration`) and
// every policy as escaped text in each; the loader reads each resource's values once, the `after_unknown` of
// its change and the `references` of its expressions. The parser checks the whole text and builds only
// these parts (see `json::Keep`): the rest (`before`, `constant_value`, provider names, sensitivity maps)
// is never allocated. Every member named here is one the code below reads with `get`.

static ALL: Keep = Keep::All;
static DROP: Keep = Keep::Drop;

/// A module of `planned_values`, `values` or `prior_state.values`.
static VALUES_MODULE: Keep = Keep::Members {
    named: &[
        ("address", &ALL),
        ("resources", &Keep::Items(&Keep::Members { named: &[("address", &ALL), ("values", &ALL)], rest: &DROP })),
        ("child_modules", &Keep::Items(&VALUES_MODULE)),
    ],
    rest: &DROP,
};

/// `{"root_module": ...}` of values.
static VALUES: Keep = Keep::Members { named: &[("root_module", &VALUES_MODULE)], rest: &DROP };

/// An entry of `resource_changes`: what [`change_address`] and [`Plan::collect`] read. Its `after` is left out:
/// `planned_values` holds the same values for every resource that has them, and [`Plan::after`] reads it from
/// the change's text for a resource that is only in `resource_changes`.
static CHANGE: Keep = Keep::Members {
    named: &[
        ("address", &ALL),
        ("module_address", &ALL),
        ("mode", &ALL),
        ("type", &ALL),
        ("name", &ALL),
        ("index", &ALL),
        ("deposed", &ALL),
        ("change", &Keep::Members { named: &[("after_unknown", &ALL)], rest: &DROP }),
    ],
    rest: &DROP,
};

/// An expression (`{"references": [...], "constant_value": ...}`) keeps all but its constant value, which
/// `values` already holds as Terraform computed it; a nested block (an array) is kept whole.
static EXPRESSION: Keep = Keep::Members { named: &[("constant_value", &DROP)], rest: &ALL };

/// The `expressions` of a resource or module call: attribute name to expression.
static EXPRESSIONS: Keep = Keep::Members { named: &[], rest: &EXPRESSION };

/// A module of `configuration`: what [`Plan::index`], [`Plan::config_module`] and [`Plan::follow`] read.
static CONFIG_MODULE: Keep = Keep::Members {
    named: &[
        (
            "resources",
            &Keep::Items(&Keep::Members {
                named: &[("address", &ALL), ("expressions", &EXPRESSIONS), ("provider_config_key", &ALL)],
                rest: &DROP,
            }),
        ),
        (
            "module_calls",
            &Keep::Members {
                named: &[],
                rest: &Keep::Members {
                    named: &[("expressions", &EXPRESSIONS), ("module", &CONFIG_MODULE)],
                    rest: &DROP,
                },
            },
        ),
        (
            "outputs",
            &Keep::Members { named: &[], rest: &Keep::Members { named: &[("expression", &EXPRESSION)], rest: &DROP } },
        ),
    ],
    rest: &DROP,
};

/// The parts of a document the loader reads, if it is Terraform JSON. Members of the root it does not name
/// are kept whole, so a document that has none of these members (any policy) is built whole, and a
/// document that is classified as Terraform JSON from what is kept is so classified from the whole
/// (classification reads only the names of the root's members, all of which are kept).
pub static PARTS: Keep = Keep::Members {
    named: &[
        ("planned_values", &VALUES),
        ("values", &VALUES),
        ("resource_changes", &Keep::Items(&CHANGE)),
        ("prior_state", &Keep::Members { named: &[("values", &VALUES)], rest: &DROP }),
        ("configuration", &Keep::Members { named: &[("root_module", &CONFIG_MODULE)], rest: &DROP }),
    ],
    rest: &ALL,
};

/// How deep `var.` and `module.` references are followed: module trees are shallow, and the bound stops a
/// cycle in malformed input.
const MAX_REFERENCE_DEPTH: usize = 16;

/// One step of an address: `module.NAME[KEY]` or a resource `NAME[KEY]`; the key as written (`0`, `"a"`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Segment {
    name: String,
    key: Option<String>,
}

/// Split an address or reference at the dots outside brackets (keys may hold quoted dots).
fn segments(text: &str) -> Option<Vec<Segment>> {
    let mut out = Vec::new();
    let mut name = String::new();
    let mut key = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '.' => out.push(Segment { name: std::mem::take(&mut name), key: key.take() }),
            '[' => {
                let mut k = String::new();
                let (mut in_string, mut escaped, mut closed) = (false, false, false);
                for c in chars.by_ref() {
                    if in_string {
                        k.push(c);
                        if escaped {
                            escaped = false;
                        } else if c == '\\' {
                            escaped = true;
                        } else if c == '"' {
                            in_string = false;
                        }
                    } else if c == ']' {
                        closed = true;
                        break;
                    } else {
                        in_string = c == '"';
                        k.push(c);
                    }
                }
                if !closed {
                    return None;
                }
                key = Some(k);
            }
            _ => name.push(c),
        }
    }
    out.push(Segment { name, key });
    Some(out)
}

/// A resource instance address: `module.a["x"].module.b.aws_iam_role.this[0]`.
#[derive(Clone, Debug)]
struct Address {
    modules: Vec<Segment>,
    data: bool,
    ty: String,
    name: String,
    key: Option<String>,
}

fn parse_address(text: &str) -> Option<Address> {
    let parts = segments(text)?;
    let mut i = 0;
    let mut modules = Vec::new();
    while parts.get(i).is_some_and(|s| s.name == "module" && s.key.is_none()) && parts.len() > i + 2 {
        modules.push(parts.get(i + 1)?.clone());
        i += 2;
    }
    let data = parts.get(i).is_some_and(|s| s.name == "data" && s.key.is_none()) && parts.len() > i + 2;
    if data {
        i += 1;
    }
    let ty = parts.get(i)?;
    let name = parts.get(i + 1)?;
    Some(Address { modules, data, ty: ty.name.clone(), name: name.name.clone(), key: name.key.clone() })
}

/// What a configuration `references` entry names.
enum Reference {
    Resource {
        data: bool,
        ty: String,
        name: String,
        key: Option<String>,
    },
    ModuleOutput {
        module: Segment,
        output: String,
    },
    Variable(String),
    /// `local.`, `each.`, `count.`, `path.`, `self`: not in the JSON, so not followed.
    Other,
}

fn parse_reference(text: &str) -> Reference {
    let Some(parts) = segments(text) else { return Reference::Other };
    let name_at = |i: usize| parts.get(i).map(|s| s.name.clone());
    match parts.first().map(|s| s.name.as_str()) {
        Some("module") => match (parts.get(1), name_at(2)) {
            (Some(module), Some(output)) => Reference::ModuleOutput { module: module.clone(), output },
            _ => Reference::Other,
        },
        Some("var") => name_at(1).map_or(Reference::Other, Reference::Variable),
        Some("local" | "each" | "count" | "path" | "terraform" | "self") | None => Reference::Other,
        Some("data") => match (name_at(1), parts.get(2)) {
            (Some(ty), Some(n)) => Reference::Resource { data: true, ty, name: n.name.clone(), key: n.key.clone() },
            _ => Reference::Other,
        },
        Some(ty) => match parts.get(1) {
            Some(n) => Reference::Resource { data: false, ty: ty.to_owned(), name: n.name.clone(), key: n.key.clone() },
            None => Reference::Other,
        },
    }
}

/// A resource instance as the plan or state gives it.
struct Resource<'a> {
    address: String,
    at: Address,
    /// Known values (`values`, or `change.after` for a resource only in `resource_changes`).
    values: Option<&'a Json>,
    /// `change.after_unknown`, when the plan has a change for it.
    unknown: Option<&'a Json>,
}

impl<'a> Resource<'a> {
    fn value(&self, key: &str) -> Option<&'a Json> {
        self.values?.get(key).filter(|v| !v.is_null())
    }

    /// A non-empty string value.
    fn text(&self, key: &str) -> Option<&'a str> {
        self.value(key)?.as_str().filter(|s| !s.is_empty())
    }

    fn is_unknown(&self, key: &str) -> bool {
        self.unknown.and_then(|u| u.get(key)).and_then(Json::as_bool) == Some(true)
    }

    fn strings(&self, key: &str) -> Vec<String> {
        match self.value(key).map(|v| &v.kind) {
            Some(JsonKind::Array(items)) => items.iter().filter_map(Json::as_str).map(str::to_owned).collect(),
            Some(JsonKind::String(s)) if !s.is_empty() => vec![s.to_string()],
            _ => Vec::new(),
        }
    }
}

/// The span of `"key": true` in an `after_unknown` object.
fn unknown_span(unknown: Option<&Json>, key: &str) -> Option<Span> {
    unknown?
        .as_object()?
        .iter()
        .rev()
        .find(|m| &*m.key.node == key && m.value.as_bool() == Some(true))
        .map(|m| m.key.span.join(m.value.span))
}

/// Entities made from resources, by resource index, for the link pass.
#[derive(Default)]
struct Builder {
    inv: Inventory,
    principal_of: HashMap<usize, usize>,
    group_of: HashMap<usize, usize>,
    /// The main policy document of a resource (`policy`, `json`, `content`).
    document_of: HashMap<usize, usize>,
    /// Why a resource has no document: its text is unknown until apply.
    unknown_document: HashMap<usize, String>,
    org_key_of: HashMap<usize, String>,
    /// `data.aws_caller_identity` results: provider configuration key and account.
    callers: Vec<(Option<String>, String, String)>,
    /// Documents of policy-document data sources (candidates for deduplication).
    data_documents: Vec<usize>,
    /// The first principal of each kind and name (ASCII case folded, as IAM names compare), so linking a
    /// policy to its role by name is a lookup, not a scan of every principal.
    principal_by_name: HashMap<(PrincipalKind, String), usize>,
    /// The first group of each key (ASCII case folded).
    group_by_key: HashMap<String, usize>,
}

impl Builder {
    fn push_principal(&mut self, p: Principal) -> usize {
        let index = self.inv.principals.len();
        if let Some(name) = &p.name {
            self.principal_by_name.entry((p.kind, name.to_ascii_lowercase())).or_insert(index);
        }
        self.inv.principals.push(p);
        index
    }

    fn push_group(&mut self, g: Group) -> usize {
        let index = self.inv.groups.len();
        self.group_by_key.entry(g.key.to_ascii_lowercase()).or_insert(index);
        self.inv.groups.push(g);
        index
    }
}

/// What a resource reference names: module instance, data or managed, type and name.
type ResourceKey = (Vec<Segment>, bool, String, String);

struct Plan<'a> {
    source: &'a Arc<SourceFile>,
    root: &'a Json,
    limits: &'a Limits,
    resources: Vec<Resource<'a>>,
    /// Indexes built once after `collect`, so each lookup is constant time: a plan of 100,000 resources
    /// looked each one up by scanning all of them.
    /// The configuration of each resource: (module call names, address) → its `configuration` entry (the first
    /// entry of that address, as a scan finds).
    config_index: HashMap<(Vec<String>, String), &'a Json>,
    /// The resources of each reference target, in order.
    by_key: HashMap<ResourceKey, Vec<usize>>,
    /// The `after` of each entry of `resource_changes` that is read from its text (see [`Plan::after`]).
    afters: &'a [OnceCell<Option<Json>>],
}

/// Read one Terraform JSON document into an inventory of its own.
pub fn load(source: &Arc<SourceFile>, root: &Json, limits: &Limits) -> Inventory {
    let changes = root.get("resource_changes").and_then(Json::as_array).map_or(0, <[Json]>::len);
    let afters: Vec<OnceCell<Option<Json>>> = std::iter::repeat_with(OnceCell::new).take(changes).collect();
    let mut plan = Plan {
        source,
        root,
        limits,
        resources: Vec::new(),
        config_index: HashMap::new(),
        by_key: HashMap::new(),
        afters: &afters,
    };
    plan.collect();
    plan.index();
    let mut b = Builder::default();
    for i in 0..plan.resources.len() {
        plan.entity(i, &mut b);
    }
    for i in 0..plan.resources.len() {
        plan.links(i, &mut b);
    }
    plan.accounts(&mut b);
    b.inv.relying = plan.relying_resources();
    b.inv.vpc_endpoints = plan.vpc_endpoints();
    crate::inventory::mark_data_source_duplicates(&mut b.inv.documents, &b.data_documents);
    plan.mark_mirrored_attributes(&mut b);
    b.inv
}

/// A resource whose policy attribute the provider fills from the standalone policy resource that manages it
/// (`aws_s3_bucket.policy` from `aws_s3_bucket_policy`), with the standalone's attribute naming its parent.
const MIRRORED: [(&str, &str, &str); 8] = [
    ("aws_s3_bucket", "aws_s3_bucket_policy", "bucket"),
    ("aws_sqs_queue", "aws_sqs_queue_policy", "queue_url"),
    ("aws_sns_topic", "aws_sns_topic_policy", "arn"),
    ("aws_kms_key", "aws_kms_key_policy", "key_id"),
    ("aws_secretsmanager_secret", "aws_secretsmanager_secret_policy", "secret_arn"),
    ("aws_opensearch_domain", "aws_opensearch_domain_policy", "domain_name"),
    ("aws_elasticsearch_domain", "aws_elasticsearch_domain_policy", "domain_name"),
    ("aws_vpc_endpoint", "aws_vpc_endpoint_policy", "vpc_endpoint_id"),
];

/// The attributes by which a standalone policy resource names its parent.
const PARENT_IDS: [&str; 7] = ["id", "arn", "bucket", "url", "key_id", "name", "domain_name"];

impl<'a> Plan<'a> {
    /// A policy both in a parent's attribute and in the standalone resource that manages it is one document,
    /// reached twice (state and plans mirror the standalone's text into the parent): `check` reports it once,
    /// on the standalone resource. Same text, and the standalone names the parent where both are known.
    fn mark_mirrored_attributes(&self, b: &mut Builder) {
        for (i, standalone) in self.resources.iter().enumerate() {
            let Some((parent_ty, _, link)) = MIRRORED.iter().find(|(_, ty, _)| *ty == standalone.at.ty) else {
                continue;
            };
            let Some(&doc) = b.document_of.get(&i) else { continue };
            let Some(text) = b.inv.documents.get(doc).and_then(|d| d.json.as_ref()).map(Json::to_serde) else {
                continue;
            };
            let link = standalone.text(link);
            for (j, parent) in self.resources.iter().enumerate() {
                if parent.at.ty != *parent_ty || parent.at.data {
                    continue;
                }
                let names_parent = link.is_none_or(|link| PARENT_IDS.iter().any(|k| parent.text(k) == Some(link)));
                let Some(&mirrored) = b.document_of.get(&j) else { continue };
                let Some(d) = b.inv.documents.get_mut(mirrored) else { continue };
                if names_parent
                    && d.duplicate_of.is_none()
                    && d.json.as_ref().map(Json::to_serde).as_ref() == Some(&text)
                {
                    d.duplicate_of = Some(doc);
                }
            }
        }
    }

    fn file(&self) -> Arc<str> {
        Arc::clone(&self.source.name)
    }

    fn origin(&self, i: usize, attribute: &str) -> Origin {
        let entry = self.resources.get(i).map(|r| r.address.clone()).unwrap_or_default();
        Origin { file: self.file(), entry, attribute: attribute.to_owned() }
    }

    /// Gather resource instances: `planned_values` or `values`, then `resource_changes`, then `prior_state`
    /// data sources, each address once.
    fn collect(&mut self) {
        let mut seen: HashMap<String, usize> = HashMap::new();
        let values_root = self
            .root
            .get("planned_values")
            .and_then(|v| v.get("root_module"))
            .or_else(|| self.root.get("values").and_then(|v| v.get("root_module")));
        if let Some(module) = values_root {
            self.walk_module(module, false, &mut seen);
        }
        for (k, change) in
            self.root.get("resource_changes").and_then(Json::as_array).unwrap_or_default().iter().enumerate()
        {
            // A deposed object is the old half of a replacement, being destroyed.
            if change.get("deposed").is_some_and(|d| !d.is_null()) {
                continue;
            }
            let Some(address) = change_address(change) else { continue };
            let address = address.as_str();
            let body = change.get("change");
            let unknown = body.and_then(|c| c.get("after_unknown"));
            if let Some(r) = seen.get(address).and_then(|&i| self.resources.get_mut(i)) {
                r.unknown = unknown;
                continue;
            }
            // No `after`: the resource is destroyed by this plan.
            let Some(after) = body.and_then(|c| self.after(k, c)).filter(|a| !a.is_null()) else { continue };
            let Some(at) = parse_address(address) else { continue };
            seen.insert(address.to_owned(), self.resources.len());
            self.resources.push(Resource { address: address.to_owned(), at, values: Some(after), unknown });
        }
        if let Some(module) =
            self.root.get("prior_state").and_then(|p| p.get("values")).and_then(|v| v.get("root_module"))
        {
            self.walk_module(module, true, &mut seen);
        }
    }

    /// The `after` of entry `k` of `resource_changes`, whose `change` member is `change`: as the tree has it,
    /// else (the plan reader leaves it out) read from the change's text, once.
    fn after(&self, k: usize, change: &'a Json) -> Option<&'a Json> {
        if let Some(after) = change.get("after") {
            return Some(after);
        }
        let afters: &'a [OnceCell<Option<Json>>] = self.afters;
        afters.get(k)?.get_or_init(|| read_after(&self.source.text, change)).as_ref()
    }

    fn walk_module(&mut self, root: &'a Json, data_only: bool, seen: &mut HashMap<String, usize>) {
        let mut stack = vec![root];
        while let Some(module) = stack.pop() {
            let module_address = module.get("address").and_then(Json::as_str).unwrap_or("");
            for r in module.get("resources").and_then(Json::as_array).unwrap_or_default() {
                let Some(raw) = r.get("address").and_then(Json::as_str) else { continue };
                // Terraform 0.12 wrote addresses inside child modules of `prior_state` relative to the module.
                let address = if module_address.is_empty() || raw.starts_with(&format!("{module_address}.")) {
                    raw.to_owned()
                } else {
                    format!("{module_address}.{raw}")
                };
                let Some(at) = parse_address(&address) else { continue };
                if (data_only && !at.data) || seen.contains_key(&address) {
                    continue;
                }
                seen.insert(address.clone(), self.resources.len());
                self.resources.push(Resource { address, at, values: r.get("values"), unknown: None });
            }
            let children = module.get("child_modules").and_then(Json::as_array).unwrap_or_default();
            // Reversed so the stack visits child modules in file order.
            stack.extend(children.iter().rev());
        }
    }

    // ----- configuration and references -----

    fn config_module(&self, modules: &[Segment]) -> Option<&'a Json> {
        let mut module = self.root.get("configuration")?.get("root_module")?;
        for m in modules {
            module = module.get("module_calls")?.get(&m.name)?.get("module")?;
        }
        Some(module)
    }

    /// Build the lookups of [`Plan::config_resource`] and [`Plan::follow`].
    fn index(&mut self) {
        for (i, r) in self.resources.iter().enumerate() {
            let key = (r.at.modules.clone(), r.at.data, r.at.ty.clone(), r.at.name.clone());
            self.by_key.entry(key).or_default().push(i);
        }
        let Some(root) = self.root.get("configuration").and_then(|c| c.get("root_module")) else { return };
        // Module calls nest as deep as the JSON does (bounded by the parser's depth limit); a stack, not
        // recursion.
        let mut stack: Vec<(Vec<String>, &'a Json)> = vec![(Vec::new(), root)];
        while let Some((names, module)) = stack.pop() {
            for c in module.get("resources").and_then(Json::as_array).unwrap_or_default() {
                if let Some(address) = c.get("address").and_then(Json::as_str) {
                    self.config_index.entry((names.clone(), address.to_owned())).or_insert(c);
                }
            }
            let Some(calls) = module.get("module_calls") else { continue };
            for member in calls.as_object().unwrap_or_default() {
                // `get`, as `config_module` reads it: the last of duplicate names.
                if let Some(child) = calls.get(&member.key.node).and_then(|c| c.get("module")) {
                    let mut path = names.clone();
                    path.push(member.key.node.to_string());
                    stack.push((path, child));
                }
            }
        }
    }

    fn config_resource(&self, i: usize) -> Option<&'a Json> {
        let r = self.resources.get(i)?;
        let address =
            if r.at.data { format!("data.{}.{}", r.at.ty, r.at.name) } else { format!("{}.{}", r.at.ty, r.at.name) };
        let modules = r.at.modules.iter().map(|m| m.name.clone()).collect();
        self.config_index.get(&(modules, address)).copied()
    }

    fn expression(&self, i: usize, attribute: &str) -> Option<&'a Json> {
        self.config_resource(i)?.get("expressions")?.get(attribute)
    }

    /// The resources an attribute's expression refers to, of the wanted types.
    fn linked(&self, i: usize, attribute: &str, types: &[&str]) -> Vec<usize> {
        let Some(r) = self.resources.get(i) else { return Vec::new() };
        let refs = references(self.expression(i, attribute));
        let mut out = Vec::new();
        self.follow(&r.at.modules, r.at.key.as_deref(), &refs, 0, &mut out);
        out.retain(|&t| self.resources.get(t).is_some_and(|t| types.contains(&t.at.ty.as_str())));
        out
    }

    /// Follow references made in module instance `modules`; `hint` is the instance key of the referring
    /// resource or module, which picks the matching instance of a `count`/`for_each` target.
    fn follow(&self, modules: &[Segment], hint: Option<&str>, refs: &[&'a str], depth: usize, out: &mut Vec<usize>) {
        if depth > MAX_REFERENCE_DEPTH {
            return;
        }
        for text in refs {
            match parse_reference(text) {
                Reference::Resource { data, ty, name, key } => {
                    let candidates = self.by_key.get(&(modules.to_vec(), data, ty, name)).cloned().unwrap_or_default();
                    out.extend(pick_instances(candidates, key.as_deref(), hint, |t| {
                        self.resources.get(t).and_then(|r| r.at.key.as_deref())
                    }));
                }
                Reference::Variable(variable) => {
                    let Some((call, parent)) = modules.split_last() else { continue };
                    let expression = self
                        .config_module(parent)
                        .and_then(|m| m.get("module_calls"))
                        .and_then(|c| c.get(&call.name))
                        .and_then(|c| c.get("expressions"))
                        .and_then(|e| e.get(&variable));
                    self.follow(parent, call.key.as_deref(), &references(expression), depth + 1, out);
                }
                Reference::ModuleOutput { module, output } => {
                    let mut child_config = modules.to_vec();
                    child_config.push(Segment { name: module.name.clone(), key: None });
                    let expression = self
                        .config_module(&child_config)
                        .and_then(|m| m.get("outputs"))
                        .and_then(|o| o.get(&output))
                        .and_then(|o| o.get("expression"));
                    let refs = references(expression);
                    let mut keys: Vec<Option<String>> = self
                        .resources
                        .iter()
                        .filter(|r| {
                            r.at.modules.len() > modules.len()
                                && r.at.modules.get(..modules.len()) == Some(modules)
                                && r.at.modules.get(modules.len()).is_some_and(|m| m.name == module.name)
                        })
                        .filter_map(|r| r.at.modules.get(modules.len()).map(|m| m.key.clone()))
                        .collect();
                    keys.sort();
                    keys.dedup();
                    let indexes: Vec<usize> = (0..keys.len()).collect();
                    for k in
                        pick_instances(indexes, module.key.as_deref(), hint, |n| keys.get(n).and_then(|k| k.as_deref()))
                    {
                        let mut instance = modules.to_vec();
                        instance.push(Segment { name: module.name.clone(), key: keys.get(k).cloned().flatten() });
                        self.follow(&instance, None, &refs, depth + 1, out);
                    }
                }
                Reference::Other => {}
            }
        }
        out.sort_unstable();
        out.dedup();
    }

    // ----- documents -----

    /// Make a document of an attribute value: a string holding a policy. Unknown until apply: a MINT008
    /// finding. Absent or null: nothing (the attribute is not set).
    #[expect(clippy::too_many_arguments, reason = "one call site per attribute kind; a struct would only rename them")]
    fn embed(
        &self,
        b: &mut Builder,
        i: usize,
        attribute: &str,
        value: Option<&Json>,
        unknown: Option<Span>,
        kind: PolicyKind,
        name: Option<String>,
        ids: Vec<String>,
    ) -> Option<usize> {
        let origin = self.origin(i, attribute);
        if let Some(span) = unknown {
            b.inv.findings.push(policy_unknown_until_apply::finding(
                self.source,
                span,
                &origin.entry,
                &origin.attribute,
                kind,
            ));
            b.unknown_document.insert(i, format!("`{attribute}` of `{}` is unknown until apply", origin.entry));
            b.inv.unknown.push(origin);
            return None;
        }
        let value = value.filter(|v| !v.is_null())?;
        let Some(text) = value.as_str() else {
            let problem = PolicyProblem {
                span: value.span,
                message: format!(
                    "`{attribute}` of `{}` must be a policy in a JSON string, not {}",
                    origin.entry,
                    value.type_name()
                ),
                label: "not a string".to_owned(),
                help: "Terraform passes policies as strings: use `jsonencode(...)` or a policy-document data source"
                    .to_owned(),
            };
            b.inv.findings.push(invalid_policy::finding(self.source, &problem));
            return None;
        };
        let source = Arc::new(
            SourceFile::new(self.source.path.clone(), origin.source_name(), text).embedded_at(self.source, value.span),
        );
        let json = match json::parse(&source.text, &self.limits.for_kind(SizeKind::Policy)) {
            Ok(json) => Some(json),
            Err(error) => {
                b.inv.findings.push(invalid_json::finding(&source, &error));
                None
            }
        };
        let index = b.inv.documents.len();
        b.inv.documents.push(PolicyDocument {
            source,
            json,
            kind,
            origin,
            ids,
            name,
            duplicate_of: None,
            unknown: Vec::new(),
        });
        Some(index)
    }

    /// The main policy attribute of a resource.
    fn embed_main(&self, b: &mut Builder, i: usize, attribute: &str, kind: PolicyKind) -> Option<usize> {
        let r = self.resources.get(i)?;
        // A policy-document data source's `id` is a hash of its text: no other resource refers to it by that.
        let mut ids: Vec<String> = if r.at.data && r.at.ty == "aws_iam_policy_document" {
            Vec::new()
        } else {
            ["arn", "id"].iter().filter_map(|k| r.text(k)).map(str::to_owned).collect()
        };
        ids.dedup();
        let name = r.text("name").map(str::to_owned);
        let doc =
            self.embed(b, i, attribute, r.value(attribute), unknown_span(r.unknown, attribute), kind, name, ids)?;
        b.document_of.insert(i, doc);
        Some(doc)
    }

    /// `aws_vpc_endpoint` resources and data sources whose id and VPC are both known: an endpoint this plan
    /// creates has no id until apply, and is left out.
    fn vpc_endpoints(&self) -> Vec<(String, String)> {
        self.resources
            .iter()
            .filter(|r| r.at.ty == "aws_vpc_endpoint")
            .filter_map(|r| {
                let id = r.text("id").filter(|id| id.starts_with("vpce-"))?;
                let vpc = r.text("vpc_id").filter(|vpc| vpc.starts_with("vpc-"))?;
                Some((id.to_owned(), vpc.to_owned()))
            })
            .collect()
    }

    // ----- relying parties -----

    /// The resources of the relying-party types, each attribute known, a reference (when unknown until apply
    /// and its expression refers to exactly one resource attribute), or unknown.
    fn relying_resources(&self) -> Vec<crate::relying::terraform::Resource> {
        use crate::relying::terraform::{Attr, Resource as RpResource, TYPES};
        let mut out = Vec::new();
        for (i, r) in self.resources.iter().enumerate() {
            if r.at.data || !TYPES.contains(&r.at.ty.as_str()) {
                continue;
            }
            let Some(values) = r.values.and_then(Json::as_object) else { continue };
            let expressions = self.config_resource(i).and_then(|c| c.get("expressions"));
            let prefix: String = r.at.modules.iter().map(|m| format!("module.{}.", m.name)).collect();
            let attr = |value: &Json, unknown: Option<&Json>, expression: Option<&Json>| -> Attr {
                if unknown.and_then(Json::as_bool) == Some(true) {
                    let refs: Vec<&str> =
                        references(expression).into_iter().filter(|r| r.matches('.').count() >= 2).collect();
                    let span = value.span;
                    return match refs.as_slice() {
                        [one] => Attr::Reference { target: format!("{prefix}{one}"), span },
                        _ => Attr::Unknown { why: "known only after apply".into(), span },
                    };
                }
                Attr::Value(value.clone())
            };
            let mut attrs = std::collections::BTreeMap::new();
            for m in values {
                let key = m.key.node.as_ref();
                let unknown = r.unknown.and_then(|u| u.get(key));
                let expression = expressions.and_then(|e| e.get(key));
                // A nested block (`oidc`) is a list of one object in plan JSON.
                if let Some([block]) = m.value.as_array()
                    && let Some(inner) = block.as_object()
                    && matches!(key, "oidc")
                {
                    let mut nested = std::collections::BTreeMap::new();
                    for n in inner {
                        let u =
                            unknown.and_then(Json::as_array).and_then(|a| a.first()).and_then(|o| o.get(&n.key.node));
                        let e = expression
                            .and_then(Json::as_array)
                            .and_then(|a| a.first())
                            .and_then(|o| o.get(&n.key.node));
                        nested.insert(n.key.node.to_string(), attr(&n.value, u, e));
                    }
                    attrs.insert(key.to_owned(), Attr::Block(nested));
                    continue;
                }
                attrs.insert(key.to_owned(), attr(&m.value, unknown, expression));
            }
            // Attributes unknown until apply are left out of `values`: take them from `after_unknown`.
            for m in r.unknown.and_then(Json::as_object).unwrap_or_default() {
                let key = m.key.node.as_ref();
                if !attrs.contains_key(key) && m.value.as_bool() == Some(true) {
                    let expression = expressions.and_then(|e| e.get(key));
                    let null = Json { kind: crate::source::json::JsonKind::Null, span: m.key.span.join(m.value.span) };
                    attrs.insert(key.to_owned(), attr(&null, Some(&m.value), expression));
                }
            }
            let span = r.values.map_or_else(Span::default, |v| v.span);
            out.push(RpResource {
                address: r.address.clone(),
                ty: r.at.ty.clone(),
                source: Arc::clone(self.source),
                span,
                attrs,
            });
        }
        out
    }

    // ----- first pass: principals, groups, documents, organization nodes -----

    fn entity(&self, i: usize, b: &mut Builder) {
        let Some(r) = self.resources.get(i) else { return };
        match (r.at.data, r.at.ty.as_str()) {
            (false, "aws_iam_role") => self.principal(i, PrincipalKind::Role, b),
            (false, "aws_iam_user") => self.principal(i, PrincipalKind::User, b),
            (false, "aws_iam_group") => {
                let key = r.text("name").map_or_else(|| r.address.clone(), str::to_owned);
                let g = b.push_group(Group { key, identity: Vec::new(), origin: self.origin(i, "") });
                b.group_of.insert(i, g);
            }
            (_, "aws_iam_policy" | "aws_iam_role_policy" | "aws_iam_user_policy" | "aws_iam_group_policy") => {
                // `data "aws_iam_policy"` of `arn:aws:iam::aws:policy/...` reads one of AWS's own policies.
                let kind = if r.text("arn").is_some_and(crate::inventory::is_aws_managed_arn) {
                    PolicyKind::AwsManaged
                } else {
                    PolicyKind::Identity
                };
                self.embed_main(b, i, "policy", kind);
            }
            (false, "aws_ssoadmin_permission_set_inline_policy") => {
                self.embed_main(b, i, "inline_policy", PolicyKind::Identity);
            }
            (true, "aws_iam_role") => {
                self.embed_main(b, i, "assume_role_policy", PolicyKind::Trust);
            }
            (true, "aws_iam_policy_document") => {
                // `minified_json` is the same document as `json`.
                if let Some(doc) = self.embed_main(b, i, "json", PolicyKind::Unknown) {
                    b.data_documents.push(doc);
                }
            }
            (false, "aws_organizations_policy") => self.organizations_policy(i, b),
            (_, "aws_organizations_organization") => self.organization(i, b),
            (false, "aws_organizations_organizational_unit") => self.org_node(i, OrgNodeKind::Unit, b),
            (false, "aws_organizations_account") => self.org_node(i, OrgNodeKind::Account, b),
            (true, "aws_caller_identity") => {
                if let Some(account) = r.text("account_id") {
                    let provider = self.provider_key(i);
                    b.callers.push((provider, account.to_owned(), r.address.clone()));
                }
            }
            (false, ty) => {
                for (_, attribute) in RESOURCE_POLICIES.iter().filter(|(t, _)| *t == ty) {
                    // These attributes are optional and computed: `""` means the resource has no policy.
                    // Read as `Unknown` (a resource-based policy by content): several services (ECR, for one)
                    // take statements without `Resource`, which a strict resource-policy reading rejects.
                    if r.value(attribute).and_then(Json::as_str) != Some("") {
                        self.embed_main(b, i, attribute, PolicyKind::Unknown);
                    }
                }
            }
            (true, _) => {}
        }
    }

    fn provider_key(&self, i: usize) -> Option<String> {
        self.config_resource(i)?.get("provider_config_key")?.as_str().map(str::to_owned)
    }

    fn principal(&self, i: usize, kind: PrincipalKind, b: &mut Builder) {
        let Some(r) = self.resources.get(i) else { return };
        let mut p = Principal::new(kind, self.origin(i, ""));
        p.name = r.text("name").map(str::to_owned);
        p.path = r.text("path").unwrap_or("/").to_owned();
        p.arn = r.text("arn").map(str::to_owned);
        p.account = p.arn.as_deref().and_then(arn_account).map(str::to_owned);
        p.tags = tags(r.value("tags_all")).or_else(|| tags(r.value("tags"))).unwrap_or_default();
        p.tags_incomplete = r.is_unknown("tags_all") && r.value("tags_all").is_none();
        if kind == PrincipalKind::Role {
            let unknown = unknown_span(r.unknown, "assume_role_policy");
            p.trust = self.embed(
                b,
                i,
                "assume_role_policy",
                r.value("assume_role_policy"),
                unknown,
                PolicyKind::Trust,
                None,
                Vec::new(),
            );
            self.inline_policy_blocks(i, &mut p, b);
            p.identity.extend(r.strings("managed_policy_arns").into_iter().map(PolicyRef::Id));
        }
        if let Some(arn) = r.text("permissions_boundary") {
            p.boundary = Some(PolicyRef::Id(arn.to_owned()));
        }
        let index = b.push_principal(p);
        b.principal_of.insert(i, index);
    }

    /// `inline_policy { name, policy }` blocks of a role. After apply they also list the policies that
    /// `aws_iam_role_policy` resources manage; those duplicates are dropped in the link pass.
    fn inline_policy_blocks(&self, i: usize, p: &mut Principal, b: &mut Builder) {
        let Some(r) = self.resources.get(i) else { return };
        let blocks = r.value("inline_policy").and_then(Json::as_array).unwrap_or_default();
        let unknown_blocks = r.unknown.and_then(|u| u.get("inline_policy")).and_then(Json::as_array);
        for (k, block) in blocks.iter().enumerate() {
            let name = block.get("name").and_then(Json::as_str).filter(|n| !n.is_empty()).map(str::to_owned);
            let policy = block.get("policy").filter(|v| !v.is_null());
            let unknown = unknown_span(unknown_blocks.and_then(|u| u.get(k)), "policy");
            // An empty block is how the provider says "no inline policies".
            if name.is_none() && unknown.is_none() && policy.and_then(Json::as_str).is_none_or(str::is_empty) {
                continue;
            }
            let attribute = format!("inline_policy[{k}].policy");
            match self.embed(b, i, &attribute, policy, unknown, PolicyKind::Identity, name.clone(), Vec::new()) {
                Some(doc) => p.identity.push(PolicyRef::Document(doc)),
                None if unknown.is_some() => p.identity.push(PolicyRef::Unresolved(format!(
                    "inline policy `{}` of `{}` is unknown until apply",
                    name.unwrap_or_default(),
                    r.address
                ))),
                None => {}
            }
        }
    }

    fn organizations_policy(&self, i: usize, b: &mut Builder) {
        let Some(r) = self.resources.get(i) else { return };
        // The provider's default type is SERVICE_CONTROL_POLICY; tag, backup and other policy types are
        // not written in the IAM policy language.
        let kind = match r.text("type").unwrap_or("SERVICE_CONTROL_POLICY") {
            "SERVICE_CONTROL_POLICY" => PolicyKind::Scp,
            "RESOURCE_CONTROL_POLICY" => PolicyKind::Rcp,
            _ => return,
        };
        self.embed_main(b, i, "content", kind);
        b.org_key_of.insert(i, r.text("id").map_or_else(|| r.address.clone(), str::to_owned));
    }

    fn organization(&self, i: usize, b: &mut Builder) {
        let Some(r) = self.resources.get(i) else { return };
        let org = &mut b.inv.organization;
        if let Some(id) = r.text("id") {
            org.ids.push(id.to_owned());
        }
        if let Some(m) = r.text("master_account_id") {
            org.management_accounts.push(m.to_owned());
        }
        let roots = r.value("roots").and_then(Json::as_array).unwrap_or_default();
        let mut first_root = None;
        for root in roots {
            let Some(id) = root.get("id").and_then(Json::as_str).filter(|s| !s.is_empty()) else { continue };
            first_root.get_or_insert_with(|| id.to_owned());
            let name = root.get("name").and_then(Json::as_str).map(str::to_owned);
            add_node(
                org,
                OrgNode { key: id.to_owned(), kind: OrgNodeKind::Root, name, parent: None, origin: self.origin(i, "") },
            );
        }
        // A root created by this plan has no id yet: the resource address stands for it.
        let root_key = first_root.unwrap_or_else(|| {
            add_node(
                org,
                OrgNode {
                    key: r.address.clone(),
                    kind: OrgNodeKind::Root,
                    name: None,
                    parent: None,
                    origin: self.origin(i, ""),
                },
            );
            r.address.clone()
        });
        // Member accounts are somewhere below the root; where exactly, only OU and account resources say.
        for account in r.value("accounts").and_then(Json::as_array).unwrap_or_default() {
            let Some(id) = account.get("id").and_then(Json::as_str).filter(|s| !s.is_empty()) else { continue };
            let name = account.get("name").and_then(Json::as_str).map(str::to_owned);
            add_node(
                org,
                OrgNode {
                    key: id.to_owned(),
                    kind: OrgNodeKind::Account,
                    name,
                    parent: None,
                    origin: self.origin(i, ""),
                },
            );
        }
        b.org_key_of.insert(i, root_key);
    }

    fn org_node(&self, i: usize, kind: OrgNodeKind, b: &mut Builder) {
        let Some(r) = self.resources.get(i) else { return };
        let key = r.text("id").map_or_else(|| r.address.clone(), str::to_owned);
        let name = r.text("name").map(str::to_owned);
        b.org_key_of.insert(i, key.clone());
        add_node(&mut b.inv.organization, OrgNode { key, kind, name, parent: None, origin: self.origin(i, "") });
    }

    // ----- second pass: links -----

    fn links(&self, i: usize, b: &mut Builder) {
        let Some(r) = self.resources.get(i) else { return };
        if r.at.data {
            return;
        }
        match r.at.ty.as_str() {
            "aws_iam_role" | "aws_iam_user" => self.boundary(i, b),
            "aws_iam_role_policy" => self.inline_link(i, "role", PrincipalKind::Role, b),
            "aws_iam_user_policy" => self.inline_link(i, "user", PrincipalKind::User, b),
            "aws_iam_group_policy" => {
                let policy = self.target_ref(i, b);
                for g in self.groups(i, "group", b) {
                    if let Some(g) = b.inv.groups.get_mut(g) {
                        g.identity.push(policy.clone());
                    }
                }
            }
            "aws_iam_role_policy_attachment" => {
                let policy = self.policy_arn(i, b);
                for p in self.principals(i, "role", PrincipalKind::Role, b) {
                    push_identity(b, p, policy.clone());
                }
            }
            "aws_iam_user_policy_attachment" => {
                let policy = self.policy_arn(i, b);
                for p in self.principals(i, "user", PrincipalKind::User, b) {
                    push_identity(b, p, policy.clone());
                }
            }
            "aws_iam_group_policy_attachment" => {
                let policy = self.policy_arn(i, b);
                for g in self.groups(i, "group", b) {
                    if let Some(g) = b.inv.groups.get_mut(g) {
                        g.identity.push(policy.clone());
                    }
                }
            }
            "aws_iam_policy_attachment" => {
                let policy = self.policy_arn(i, b);
                let mut targets = self.principals(i, "roles", PrincipalKind::Role, b);
                targets.extend(self.principals(i, "users", PrincipalKind::User, b));
                for p in targets {
                    push_identity(b, p, policy.clone());
                }
                for g in self.groups(i, "groups", b) {
                    if let Some(g) = b.inv.groups.get_mut(g) {
                        g.identity.push(policy.clone());
                    }
                }
            }
            "aws_iam_user_group_membership" => {
                let groups = self.group_keys(i, "groups", b);
                for p in self.principals(i, "user", PrincipalKind::User, b) {
                    if let Some(p) = b.inv.principals.get_mut(p) {
                        p.groups.extend(groups.iter().cloned());
                    }
                }
            }
            "aws_iam_group_membership" => {
                let groups = self.group_keys(i, "group", b);
                for p in self.principals(i, "users", PrincipalKind::User, b) {
                    if let Some(p) = b.inv.principals.get_mut(p) {
                        p.groups.extend(groups.iter().cloned());
                    }
                }
            }
            "aws_organizations_organizational_unit" | "aws_organizations_account" => self.org_parent(i, b),
            "aws_organizations_policy_attachment" => self.org_attachment(i, b),
            // `aws_iam_*_policies_exclusive` and `*_policy_attachments_exclusive` only remove policies that
            // the configuration does not declare; the inventory holds only declared ones already.
            _ => {}
        }
    }

    /// The document of resource `t` as a link target: its main document, or why there is none.
    fn target_ref(&self, t: usize, b: &Builder) -> PolicyRef {
        match (b.document_of.get(&t), b.unknown_document.get(&t)) {
            (Some(&doc), _) => PolicyRef::Document(doc),
            (None, Some(why)) => PolicyRef::Unresolved(why.clone()),
            (None, None) => PolicyRef::Unresolved(format!(
                "`{}` has no policy in the plan",
                self.resources.get(t).map(|r| r.address.as_str()).unwrap_or("?")
            )),
        }
    }

    /// A `policy_arn` (or permissions boundary): the ARN when known, else the policy resource the
    /// configuration refers to.
    fn policy_link(&self, i: usize, attribute: &str, b: &Builder) -> Option<PolicyRef> {
        let r = self.resources.get(i)?;
        if let Some(arn) = r.text(attribute) {
            return Some(PolicyRef::Id(arn.to_owned()));
        }
        if !r.is_unknown(attribute) {
            return None;
        }
        let targets = self.linked(i, attribute, &["aws_iam_policy"]);
        Some(match targets.as_slice() {
            [t] => self.target_ref(*t, b),
            [] => PolicyRef::Unresolved(format!(
                "`{attribute}` of `{}` is unknown until apply and its configuration refers to no policy in the plan",
                r.address
            )),
            _ => PolicyRef::Unresolved(format!(
                "`{attribute}` of `{}` is unknown until apply and may be any of {} policies",
                r.address,
                targets.len()
            )),
        })
    }

    fn policy_arn(&self, i: usize, b: &Builder) -> PolicyRef {
        self.policy_link(i, "policy_arn", b).unwrap_or_else(|| {
            PolicyRef::Unresolved(format!(
                "`{}` names no policy",
                self.resources.get(i).map(|r| r.address.as_str()).unwrap_or("?")
            ))
        })
    }

    fn boundary(&self, i: usize, b: &mut Builder) {
        let Some(&p) = b.principal_of.get(&i) else { return };
        if b.inv.principals.get(p).is_some_and(|p| p.boundary.is_some()) {
            return;
        }
        let boundary = self.policy_link(i, "permissions_boundary", b);
        if let Some(p) = b.inv.principals.get_mut(p) {
            p.boundary = boundary;
        }
    }

    /// The principals an attribute names (a role name or a list of user names), created as outside the
    /// inputs when the file does not define them.
    fn principals(&self, i: usize, attribute: &str, kind: PrincipalKind, b: &mut Builder) -> Vec<usize> {
        let Some(r) = self.resources.get(i) else { return Vec::new() };
        let ty = match kind {
            PrincipalKind::Role => "aws_iam_role",
            PrincipalKind::User => "aws_iam_user",
        };
        let names = r.strings(attribute);
        if names.is_empty() {
            return self.linked(i, attribute, &[ty]).iter().filter_map(|t| b.principal_of.get(t).copied()).collect();
        }
        names
            .iter()
            .map(|name| {
                let found = b.principal_by_name.get(&(kind, name.to_ascii_lowercase())).copied();
                found.unwrap_or_else(|| {
                    let mut p = Principal::new(kind, self.origin(i, ""));
                    p.name = Some(name.clone());
                    p.external = true;
                    b.push_principal(p)
                })
            })
            .collect()
    }

    /// Group keys an attribute names: names as written, else the groups its configuration refers to.
    fn group_keys(&self, i: usize, attribute: &str, b: &Builder) -> Vec<String> {
        let Some(r) = self.resources.get(i) else { return Vec::new() };
        let names = r.strings(attribute);
        if !names.is_empty() {
            return names;
        }
        self.linked(i, attribute, &["aws_iam_group"])
            .iter()
            .filter_map(|t| b.group_of.get(t))
            .filter_map(|g| b.inv.groups.get(*g))
            .map(|g| g.key.clone())
            .collect()
    }

    /// Groups an attribute names, created as outside the inputs when the file does not define them.
    fn groups(&self, i: usize, attribute: &str, b: &mut Builder) -> Vec<usize> {
        self.group_keys(i, attribute, b)
            .into_iter()
            .map(|key| {
                let found = b.group_by_key.get(&key.to_ascii_lowercase()).copied();
                found.unwrap_or_else(|| b.push_group(Group { key, identity: Vec::new(), origin: self.origin(i, "") }))
            })
            .collect()
    }

    /// An `aws_iam_role_policy` / `aws_iam_user_policy`: its document joins the principal's identity
    /// policies, replacing the principal's `inline_policy` entry of the same name (the same policy, as state
    /// lists it).
    fn inline_link(&self, i: usize, attribute: &str, kind: PrincipalKind, b: &mut Builder) {
        let policy = self.target_ref(i, b);
        let name = self.resources.get(i).and_then(|r| r.text("name")).map(str::to_owned);
        for p in self.principals(i, attribute, kind, b) {
            if let (Some(name), PolicyRef::Document(doc)) = (&name, &policy) {
                let same = b.inv.principals.get(p).and_then(|pr| {
                    pr.identity.iter().position(|r| match r {
                        PolicyRef::Document(d) => b.inv.documents.get(*d).is_some_and(|d| {
                            d.name.as_deref() == Some(name.as_str()) && d.origin.entry == pr.origin.entry
                        }),
                        _ => false,
                    })
                });
                if let Some(at) = same
                    && let Some(pr) = b.inv.principals.get_mut(p)
                {
                    if let Some(PolicyRef::Document(old)) = pr.identity.get(at).cloned()
                        && let Some(d) = b.inv.documents.get_mut(old)
                    {
                        d.duplicate_of = Some(*doc);
                    }
                    pr.identity.remove(at);
                }
            }
            push_identity(b, p, policy.clone());
        }
    }

    /// The parent of an OU or account: the `parent_id` when known, else the node its configuration refers to.
    fn org_parent(&self, i: usize, b: &mut Builder) {
        let Some(r) = self.resources.get(i) else { return };
        let parent = match r.text("parent_id") {
            Some(id) => Some(id.to_owned()),
            None => self
                .linked(i, "parent_id", &["aws_organizations_organization", "aws_organizations_organizational_unit"])
                .first()
                .and_then(|t| b.org_key_of.get(t).cloned()),
        };
        let Some(key) = b.org_key_of.get(&i).cloned() else { return };
        if let Some(node) = b.inv.organization.nodes.iter_mut().find(|n| n.key == key) {
            node.parent = parent.or(node.parent.take());
        }
    }

    fn org_attachment(&self, i: usize, b: &mut Builder) {
        let Some(r) = self.resources.get(i) else { return };
        let policy = match r.text("policy_id") {
            Some(id) => PolicyRef::Id(id.to_owned()),
            None => match self.linked(i, "policy_id", &["aws_organizations_policy"]).as_slice() {
                [t] => self.target_ref(*t, b),
                _ => PolicyRef::Unresolved(format!("the policy attached by `{}` is unknown until apply", r.address)),
            },
        };
        let target = match r.text("target_id") {
            Some(id) => Some(id.to_owned()),
            None => self
                .linked(
                    i,
                    "target_id",
                    &[
                        "aws_organizations_organization",
                        "aws_organizations_organizational_unit",
                        "aws_organizations_account",
                    ],
                )
                .first()
                .and_then(|t| b.org_key_of.get(t).cloned()),
        };
        // An attachment whose target is unknown stays visible, placed at its own address (which no account
        // sits under): simulate then says that it was not evaluated.
        let target = target.unwrap_or_else(|| r.address.clone());
        b.inv.organization.attachments.push(OrgAttachment { target, policy, origin: self.origin(i, "") });
    }

    /// Accounts of principals created by this plan (no ARN yet): the `data.aws_caller_identity` read with the
    /// same provider configuration, or the only account any caller identity names.
    fn accounts(&self, b: &mut Builder) {
        let mut distinct: Vec<&str> = b.callers.iter().map(|(_, a, _)| a.as_str()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let only = if let [one] = distinct.as_slice() { Some(*one) } else { None };
        let mut found = Vec::new();
        for (&i, &p) in &b.principal_of {
            let provider = self.provider_key(i);
            let by_provider =
                b.callers.iter().find(|(key, _, _)| provider.is_some() && key.as_deref() == provider.as_deref());
            let chosen = match (by_provider, only) {
                (Some((_, account, address)), _) => Some((account.clone(), address.clone())),
                (None, Some(account)) => {
                    b.callers.iter().find(|(_, a, _)| a == account).map(|(_, a, address)| (a.clone(), address.clone()))
                }
                (None, None) => None,
            };
            if let Some(chosen) = chosen {
                found.push((p, chosen));
            }
        }
        for (p, (account, address)) in found {
            if let Some(p) = b.inv.principals.get_mut(p).filter(|p| p.account.is_none()) {
                p.account = Some(account);
                p.account_from = Some(format!("`{address}`"));
            }
        }
    }
}

/// The `after` member of a change object (the last, as [`Json::get`] finds it), read from its text: the plan
/// reader built the object without it.
fn read_after(text: &str, change: &Json) -> Option<Json> {
    static AFTER: Keep = Keep::Members { named: &[("after", &ALL)], rest: &DROP };
    let JsonKind::Object(members) = json::parse_kept_span(text, change.span, &AFTER).ok()?.value.kind else {
        return None;
    };
    members.into_iter().rev().find(|m| &*m.key.node == "after").map(|m| m.value)
}

/// A change's address; rebuilt from `module_address`, `mode`, `type`, `name` and `index` when a trimmed
/// plan leaves it out.
fn change_address(change: &Json) -> Option<String> {
    if let Some(address) = change.get("address").and_then(Json::as_str) {
        return Some(address.to_owned());
    }
    let text = |k: &str| change.get(k).and_then(Json::as_str).filter(|s| !s.is_empty());
    let mut address = String::new();
    if let Some(module) = text("module_address") {
        address.push_str(module);
        address.push('.');
    }
    if text("mode") == Some("data") {
        address.push_str("data.");
    }
    address.push_str(text("type")?);
    address.push('.');
    address.push_str(text("name")?);
    match change.get("index").map(|i| &i.kind) {
        Some(JsonKind::Number(n)) => address.push_str(&format!("[{n}]")),
        Some(JsonKind::String(k)) => address.push_str(&format!("[{}]", serde_json::Value::from(k.to_string()))),
        _ => {}
    }
    Some(address)
}

/// Pick the instances a reference means: the key it names; else the one matching the referrer's own key
/// (`count.index`, `each.key`); else the only one; else all of them.
fn pick_instances<'k>(
    candidates: Vec<usize>,
    key: Option<&str>,
    hint: Option<&str>,
    key_of: impl Fn(usize) -> Option<&'k str>,
) -> Vec<usize> {
    if let Some(key) = key {
        return candidates.into_iter().filter(|&c| key_of(c) == Some(key)).collect();
    }
    if candidates.len() <= 1 {
        return candidates;
    }
    if let Some(hint) = hint {
        let matching: Vec<usize> = candidates.iter().copied().filter(|&c| key_of(c) == Some(hint)).collect();
        if !matching.is_empty() {
            return matching;
        }
    }
    candidates
}

fn references(expression: Option<&Json>) -> Vec<&str> {
    expression
        .and_then(|e| e.get("references"))
        .and_then(Json::as_array)
        .unwrap_or_default()
        .iter()
        .filter_map(Json::as_str)
        .collect()
}

/// A map of tag strings; `None` when absent or not an object.
fn tags(value: Option<&Json>) -> Option<Vec<(String, String)>> {
    let members = value?.as_object()?;
    let mut out: Vec<(String, String)> =
        members.iter().filter_map(|m| Some((m.key.node.to_string(), m.value.as_str()?.to_owned()))).collect();
    out.sort();
    Some(out)
}

fn push_identity(b: &mut Builder, p: usize, policy: PolicyRef) {
    if let Some(p) = b.inv.principals.get_mut(p)
        && !p.identity.contains(&policy)
    {
        p.identity.push(policy);
    }
}

/// Add an organization node, or complete the one with the same key (an account listed by the organization
/// and placed by an `aws_organizations_account`).
fn add_node(org: &mut crate::inventory::Organization, node: OrgNode) {
    match org.nodes.iter_mut().find(|n| n.key == node.key) {
        Some(existing) => {
            existing.name = existing.name.take().or(node.name);
            existing.parent = existing.parent.take().or(node.parent);
            if node.kind != OrgNodeKind::Account || existing.kind == OrgNodeKind::Account {
                existing.kind = node.kind;
            }
        }
        None => org.nodes.push(node),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_modules_instances_and_data() {
        let a = parse_address(r#"module.a["x.y"].module.b[0].data.aws_iam_policy_document.this["k"]"#).unwrap();
        assert_eq!(a.modules.len(), 2);
        assert_eq!(a.modules[0], Segment { name: "a".into(), key: Some(r#""x.y""#.into()) });
        assert_eq!(a.modules[1], Segment { name: "b".into(), key: Some("0".into()) });
        assert!(a.data);
        assert_eq!(
            (a.ty.as_str(), a.name.as_str(), a.key.as_deref()),
            ("aws_iam_policy_document", "this", Some(r#""k""#))
        );
        let r = parse_address("aws_iam_role.mint").unwrap();
        assert!(!r.data && r.modules.is_empty() && r.key.is_none());
        assert!(parse_address("aws_iam_role").is_none());
        assert!(parse_address("aws_iam_role.x[0").is_none());
    }

    #[test]
    fn references_name_resources_outputs_and_variables() {
        assert!(matches!(
            parse_reference("aws_iam_policy.mint[0].arn"),
            Reference::Resource { data: false, ref ty, ref key, .. } if ty == "aws_iam_policy" && key.as_deref() == Some("0")
        ));
        assert!(matches!(
            parse_reference("data.aws_iam_policy_document.x.json"),
            Reference::Resource { data: true, .. }
        ));
        assert!(
            matches!(parse_reference("module.iam.role_arn"), Reference::ModuleOutput { ref output, .. } if output == "role_arn")
        );
        assert!(matches!(parse_reference("var.boundary"), Reference::Variable(ref v) if v == "boundary"));
        assert!(matches!(parse_reference("count.index"), Reference::Other));
        assert!(matches!(parse_reference("module.iam"), Reference::Other));
    }

    #[test]
    fn a_resource_only_in_resource_changes_is_read_from_the_change_text() {
        let text = r#"{"format_version": "1.2", "planned_values": {"root_module": {}},
            "resource_changes": [{"address": "aws_iam_role.r", "mode": "managed", "type": "aws_iam_role", "name": "r",
              "change": {"actions": ["create"], "before": null,
                "after": {"name": "r", "assume_role_policy": "{\"Statement\": []}"}, "after_unknown": {"arn": true}}}]}"#;
        let limits = Limits::default();
        let source = Arc::new(SourceFile::new("plan.json", "plan.json", text));
        let whole = load(&source, &json::parse(text, &limits).unwrap(), &limits);
        let parts = crate::input::parse_input(text, &limits).unwrap();
        assert!(
            parts.get("resource_changes").unwrap().as_array().unwrap()[0].get("change").unwrap().get("after").is_none()
        );
        let read = load(&source, &parts, &limits);
        assert_eq!(read.principals.len(), 1);
        assert_eq!(read.principals[0].name.as_deref(), Some("r"));
        assert_eq!(format!("{whole:?}"), format!("{read:?}"));
    }

    #[test]
    fn instance_picking() {
        let keys = ["0", "1"];
        let key_of = |i: usize| keys.get(i).copied();
        assert_eq!(pick_instances(vec![0, 1], Some("1"), None, key_of), vec![1]);
        assert_eq!(pick_instances(vec![0, 1], None, Some("0"), key_of), vec![0]);
        assert_eq!(pick_instances(vec![0, 1], None, None, key_of), vec![0, 1]);
        assert_eq!(pick_instances(vec![1], None, Some("0"), key_of), vec![1]);
    }
}
