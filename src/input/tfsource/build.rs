//! From evaluated module trees to the inventory: principals, groups, policy documents and the organization
//! of every resource instance, then the links between them (attachments, inline policies, boundaries,
//! memberships, SCP/RCP attachments) followed through values, across module boundaries.
//!
//! A link whose target is a known name or ARN is matched by it; one whose target is unknown but is a
//! resource's attribute (`aws_iam_role.x.name` of a role named by `name_prefix`) follows that resource;
//! one whose target is not known at all is a finding naming both ends, and every principal it might reach
//! is marked incomplete (simulate says so) rather than silently left without the policy.

use std::collections::HashMap;
use std::sync::Arc;

use hcl_edit::Span as _;

use crate::inventory::{
    Group, Inventory, OrgAttachment, OrgNode, OrgNodeKind, Origin, PolicyDocument, PolicyRef, Principal, PrincipalKind,
};
use crate::lint::rules::{invalid_json, policy_unknown_until_apply, unresolved_attachment};
use crate::policy::PolicyKind;
use crate::source::SourceFile;

use super::document::Policy;
use super::eval::{Scope, Vars};
use super::loader::{Each, Key, Loader, loc};
use super::module::{Mode, attribute};
use super::value::{Kind, Loc, Unknown, Value};

/// One resource instance of a tree.
struct Item {
    inst: usize,
    res: usize,
    key: Key,
    each: Each,
    address: String,
}

/// What an attribute names: a known name or ARN, a resource (by address) whose attribute is unknown, or
/// nothing known.
enum Target {
    Name(String),
    Address(String),
    Unknown(Arc<Unknown>, Loc),
}

#[derive(Default)]
struct Builder {
    inv: Inventory,
    principal_of: HashMap<String, usize>,
    group_of: HashMap<String, usize>,
    document_of: HashMap<String, usize>,
    unknown_document: HashMap<String, String>,
    org_key_of: HashMap<String, String>,
    data_documents: Vec<usize>,
}

/// `aws_iam_role.x["k"]` → `aws_iam_role.x` (an unknown instance set is followed to its resource).
fn without_key(address: &str) -> &str {
    match address.rfind('[') {
        Some(i) if address.ends_with(']') && !address[i..].contains('.') => &address[..i],
        _ => address,
    }
}

impl Loader {
    /// The inventory of one tree (its root module and every module instance below it).
    pub fn build(&self, tree: usize) -> Inventory {
        let mut items = Vec::new();
        let count = self.instances.borrow().len();
        for inst in 0..count {
            let Some(instance) = self.instance(inst) else { continue };
            if instance.tree != tree {
                continue;
            }
            for (res, r) in instance.src.resources.iter().enumerate() {
                let expansion = self.expansion(inst, res);
                if let super::loader::Expansion::Unknown(v) = &*expansion {
                    self.report_instances(inst, res, v);
                }
                for (key, each) in expansion.instances() {
                    let address = self.address(inst, res, &key);
                    let _ = r;
                    items.push(Item { inst, res, key, each, address });
                }
            }
        }
        let mut b = Builder::default();
        // Data sources first: a consumer of an unknown one is then reported through it, once.
        for data in [true, false] {
            for item in &items {
                if (self.mode(item) == Some(Mode::Data)) == data {
                    self.entity(item, &mut b);
                }
            }
        }
        for item in &items {
            self.links(item, &mut b);
            self.relying(item, &mut b);
        }
        crate::inventory::mark_data_source_duplicates(&mut b.inv.documents, &b.data_documents);
        let account = self.trees.get(tree).and_then(|t| t.account.clone());
        if let Some((id, from)) = account {
            for p in b.inv.principals.iter_mut().filter(|p| p.account.is_none() && !p.external) {
                p.account = Some(id.clone());
                p.account_from = Some(from.clone());
            }
        }
        b.inv
    }

    fn mode(&self, item: &Item) -> Option<Mode> {
        self.instance(item.inst)?.src.resources.get(item.res).map(|r| r.mode)
    }

    /// The type, file and body of an item's resource.
    fn resource(&self, item: &Item) -> Option<(String, super::value::FileId, hcl_edit::structure::Block)> {
        let instance = self.instance(item.inst)?;
        let r = instance.src.resources.get(item.res)?;
        Some((r.ty.clone(), r.file, r.block.clone()))
    }

    fn origin(&self, file: super::value::FileId, address: &str, attribute: &str) -> Origin {
        Origin { file: Arc::clone(&self.file(file).name), entry: address.to_owned(), attribute: attribute.to_owned() }
    }

    fn value(&self, item: &Item, attr: &str) -> Value {
        let at = self.site(item, attr);
        self.attribute(item.inst, item.res, &item.key, &item.each, attr, at)
    }

    /// Where an attribute is written (its expression), else the resource block.
    fn site(&self, item: &Item, attr: &str) -> Loc {
        match self.resource(item) {
            Some((_, file, block)) => match attribute(&block.body, attr) {
                Some(e) => loc(file, e.span()),
                None => loc(file, block.ident.span()),
            },
            None => Loc { file: 0, span: crate::source::Span::at(0) },
        }
    }

    fn text(&self, item: &Item, attr: &str) -> Option<String> {
        let v = self.value(item, attr);
        v.to_text().ok().flatten().map(|t| t.to_string()).filter(|t| !t.is_empty())
    }

    /// A policy attribute as a document: unknown parts reported (MINT008) and recorded, bad JSON a finding.
    #[expect(clippy::too_many_arguments, reason = "one call site per attribute kind")]
    fn embed(
        &self,
        b: &mut Builder,
        origin: Origin,
        value: &Value,
        site: Loc,
        kind: PolicyKind,
        name: Option<String>,
        ids: Vec<String>,
    ) -> Option<usize> {
        let subject = if origin.attribute.is_empty() {
            format!("`{}`", origin.entry)
        } else {
            format!("`{}` of `{}`", origin.attribute, origin.entry)
        };
        match self.policy(value, site) {
            Policy::Absent => None,
            Policy::Known(text) => {
                let file = self.file(text.file);
                // A policy written in a `.tf` file is named after its block; one read from another file keeps
                // that file's name.
                let source = if super::is_terraform_source(&file.path) {
                    Arc::new(SourceFile::new(file.path.clone(), origin.source_name(), Arc::clone(&file.text)))
                } else {
                    file
                };
                for hole in &text.unknown {
                    self.report_unknown(
                        &hole.why,
                        Loc { file: text.file, span: hole.at },
                        &format!("a value in {subject}"),
                    );
                }
                let index = b.inv.documents.len();
                b.inv.documents.push(PolicyDocument {
                    source,
                    json: Some(text.json),
                    kind,
                    origin,
                    ids,
                    name,
                    duplicate_of: None,
                    unknown: text.unknown.iter().map(|h| h.region).collect(),
                });
                Some(index)
            }
            Policy::Unknown(u, at) => {
                self.report_unknown(&u, at, &subject);
                b.unknown_document
                    .insert(origin.entry.clone(), format!("{subject} is not known statically: {}", u.why));
                b.inv.unknown.push(origin);
                None
            }
            Policy::NotJson { file, error } => {
                b.inv.findings.push(invalid_json::finding(&self.file(file), &error));
                b.unknown_document.insert(origin.entry.clone(), format!("{subject} is not valid JSON"));
                None
            }
        }
    }

    /// MINT008 where a policy holds a value not known statically (once per place: every instance of a module
    /// has it at the same place).
    pub fn report_unknown(&self, u: &Unknown, at: Loc, subject: &str) {
        let source = self.file(at.file);
        let exists = self
            .findings
            .borrow()
            .iter()
            .any(|f| f.source.path == source.path && f.span == at.span && f.rule.code != "MINT000");
        if exists {
            return;
        }
        let mut finding = policy_unknown_until_apply::finding(&source, at.span, "", "", PolicyKind::Unknown);
        finding.message = format!("{subject} is not known statically");
        finding.label = u.why.clone();
        // Where the value became unknown, when that is in another file (a variable's declaration, a caller).
        if u.loc.file != at.file && !u.loc.span.is_empty() {
            finding = finding.related(&self.file(u.loc.file), u.loc.span, "not known statically because of this");
        }
        finding.help = Some(
            "what depends on it is not checked: give it a value (a default, a `.tfvars` file, the account in \
             mintlint.toml `[accounts]`), or check the plan (`terraform show -json`)"
                .to_owned(),
        );
        // A value cut off by the loader's budgets is no ordinary unknown: no real configuration reaches them, and
        // an input built to reach them must not pass the gate with its policy unchecked.
        if [super::eval::DEPTH_WHY, super::eval::FUEL_WHY, super::eval::SIZE_WHY].contains(&u.why.as_str()) {
            finding.severity = crate::lint::Severity::Warning;
            finding.help = Some(
                "what depends on it is not checked: the expression is beyond what mintlint evaluates statically; \
                 simplify it, or check the plan (`terraform show -json`)"
                    .to_owned(),
            );
        }
        self.finding(finding);
    }

    /// An unknown `count`/`for_each`: one finding; the resource is read as one instance of unknown key.
    fn report_instances(&self, inst: usize, res: usize, v: &Value) {
        let address = self.address(inst, res, &Key::None);
        let Some(u) = v.as_unknown() else { return };
        let source = self.file(v.loc.file);
        if self.findings.borrow().iter().any(|f| f.source.path == source.path && f.span == v.loc.span) {
            return;
        }
        let mut finding = policy_unknown_until_apply::finding(&source, v.loc.span, "", "", PolicyKind::Unknown);
        finding.message = format!("the instances of `{address}` are not known statically");
        finding.label = u.why.clone();
        finding.help = Some(format!(
            "read as one instance `{address}[?]` whose `count.index`/`each` are unknown; give the collection known \
             values, or check the plan (`terraform show -json`)"
        ));
        self.finding(finding);
    }

    fn entity(&self, item: &Item, b: &mut Builder) {
        let Some((ty, file, block)) = self.resource(item) else { return };
        let data = self.mode(item) == Some(Mode::Data);
        let address = item.address.clone();
        match (data, ty.as_str()) {
            (true, "aws_iam_policy_document") => {
                let value = self.value(item, "json");
                let site = loc(file, block.span());
                if let Some(doc) =
                    self.embed(b, self.origin(file, &address, ""), &value, site, PolicyKind::Unknown, None, Vec::new())
                {
                    b.data_documents.push(doc);
                    b.document_of.insert(address, doc);
                }
            }
            (false, "aws_iam_role" | "aws_iam_user") => {
                let kind = if ty == "aws_iam_role" { PrincipalKind::Role } else { PrincipalKind::User };
                let mut p = Principal::new(kind, self.origin(file, &address, ""));
                p.name = self.text(item, "name");
                p.path = self.text(item, "path").unwrap_or_else(|| "/".to_owned());
                let tags = self.value(item, "tags");
                match &tags.kind {
                    Kind::Object(entries) => {
                        let mut t = Vec::new();
                        for e in entries.iter() {
                            match e.value.to_text() {
                                Ok(Some(v)) => t.push((e.key.to_string(), v.to_string())),
                                Ok(None) => {}
                                Err(_) => p.tags_incomplete = true,
                            }
                        }
                        t.sort();
                        p.tags = t;
                    }
                    Kind::Unknown(_) | Kind::Partial(_) => p.tags_incomplete = true,
                    _ => {}
                }
                if kind == PrincipalKind::Role {
                    let trust = self.value(item, "assume_role_policy");
                    let site = self.site(item, "assume_role_policy");
                    p.trust = self.embed(
                        b,
                        self.origin(file, &address, "assume_role_policy"),
                        &trust,
                        site,
                        PolicyKind::Trust,
                        None,
                        Vec::new(),
                    );
                    self.inline_policies(item, file, &block, &mut p, b);
                }
                b.principal_of.insert(address, b.inv.principals.len());
                b.inv.principals.push(p);
            }
            (false, "aws_iam_group") => {
                let key = self.text(item, "name").unwrap_or_else(|| address.clone());
                b.group_of.insert(address.clone(), b.inv.groups.len());
                b.inv.groups.push(Group { key, identity: Vec::new(), origin: self.origin(file, &address, "") });
            }
            (
                false,
                "aws_iam_policy"
                | "aws_iam_role_policy"
                | "aws_iam_user_policy"
                | "aws_iam_group_policy"
                | "aws_ssoadmin_permission_set_inline_policy",
            ) => {
                let attr = if ty == "aws_ssoadmin_permission_set_inline_policy" { "inline_policy" } else { "policy" };
                let name = self.text(item, "name");
                let ids =
                    if ty == "aws_iam_policy" { self.text(item, "arn").into_iter().collect() } else { Vec::new() };
                let value = self.value(item, attr);
                let site = self.site(item, attr);
                if let Some(doc) =
                    self.embed(b, self.origin(file, &address, attr), &value, site, PolicyKind::Identity, name, ids)
                {
                    b.document_of.insert(address, doc);
                }
            }
            (false, "aws_organizations_policy") => {
                let kind = match self.text(item, "type").as_deref().unwrap_or("SERVICE_CONTROL_POLICY") {
                    "SERVICE_CONTROL_POLICY" => PolicyKind::Scp,
                    "RESOURCE_CONTROL_POLICY" => PolicyKind::Rcp,
                    _ => return,
                };
                let value = self.value(item, "content");
                let site = self.site(item, "content");
                let name = self.text(item, "name");
                if let Some(doc) =
                    self.embed(b, self.origin(file, &address, "content"), &value, site, kind, name, Vec::new())
                {
                    b.document_of.insert(address.clone(), doc);
                }
                b.org_key_of.insert(address.clone(), address);
            }
            (false, "aws_organizations_organization") => {
                let org = &mut b.inv.organization;
                add_node(
                    org,
                    OrgNode {
                        key: address.clone(),
                        kind: OrgNodeKind::Root,
                        name: None,
                        parent: None,
                        origin: self.origin(file, &address, ""),
                    },
                );
                b.org_key_of.insert(address.clone(), address);
            }
            (false, kind @ ("aws_organizations_organizational_unit" | "aws_organizations_account")) => {
                let node_kind =
                    if kind == "aws_organizations_account" { OrgNodeKind::Account } else { OrgNodeKind::Unit };
                let name = self.text(item, "name");
                add_node(
                    &mut b.inv.organization,
                    OrgNode {
                        key: address.clone(),
                        kind: node_kind,
                        name,
                        parent: None,
                        origin: self.origin(file, &address, ""),
                    },
                );
                b.org_key_of.insert(address.clone(), address);
            }
            (false, ty) => {
                for (_, attr) in super::super::terraform::RESOURCE_POLICIES.iter().filter(|(t, _)| *t == ty) {
                    let value = self.value(item, attr);
                    let site = self.site(item, attr);
                    if let Some(doc) = self.embed(
                        b,
                        self.origin(file, &address, attr),
                        &value,
                        site,
                        PolicyKind::Unknown,
                        None,
                        Vec::new(),
                    ) {
                        b.document_of.insert(address.clone(), doc);
                    }
                }
            }
            (true, _) => {}
        }
    }

    /// A role's `inline_policy` blocks (`dynamic "inline_policy"` expanded).
    fn inline_policies(
        &self,
        item: &Item,
        file: super::value::FileId,
        block: &hcl_edit::structure::Block,
        p: &mut Principal,
        b: &mut Builder,
    ) {
        let scope = Scope { inst: Some(item.inst), file, each: &item.each, vars: &Vars::None };
        let mut found: Vec<(Option<String>, Value, Loc)> = Vec::new();
        let outcome = self.each_block(&scope, &block.body, "inline_policy", &mut |s, inline| {
            let name = match attribute(&inline.body, "name") {
                Some(e) => self.eval(s, e)?.to_text().ok().flatten().map(|t| t.to_string()),
                None => None,
            };
            if let Some(e) = attribute(&inline.body, "policy") {
                let site = loc(s.file, e.span());
                found.push((name, self.settle(self.eval(s, e)), site));
            }
            Ok(())
        });
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(u)) => {
                if let Some(unknown) = u.as_unknown() {
                    self.report_unknown(unknown, u.loc, &format!("the inline policies of `{}`", item.address));
                }
                p.identity.push(PolicyRef::Unresolved(format!(
                    "the inline policies of `{}` are not known statically",
                    item.address
                )));
            }
            Err(fail) => {
                p.identity.push(PolicyRef::Unresolved(format!(
                    "an inline policy of `{}` cannot be read: {}",
                    item.address, fail.why
                )));
            }
        }
        for (k, (name, value, site)) in found.into_iter().enumerate() {
            let attr = format!("inline_policy[{k}].policy");
            match self.embed(
                b,
                self.origin(file, &item.address, &attr),
                &value,
                site,
                PolicyKind::Identity,
                name.clone(),
                Vec::new(),
            ) {
                Some(doc) => p.identity.push(PolicyRef::Document(doc)),
                None if !value.is_null() => p.identity.push(PolicyRef::Unresolved(format!(
                    "inline policy `{}` of `{}` is not known statically",
                    name.unwrap_or_default(),
                    item.address
                ))),
                None => {}
            }
        }
    }

    /// A resource of a relying-party type, its attributes evaluated: a value, a reference to another resource's
    /// attribute not known statically (resolved at the join), or unknown.
    fn relying(&self, item: &Item, b: &mut Builder) {
        use crate::relying::terraform::{Resource as RpResource, TYPES};
        let Some((ty, file, block)) = self.resource(item) else { return };
        if self.mode(item) != Some(Mode::Managed) || !TYPES.contains(&ty.as_str()) {
            return;
        }
        let scope = Scope { inst: Some(item.inst), file, each: &item.each, vars: &Vars::None };
        let attrs = self.relying_attrs(&scope, &block.body, 0);
        b.inv.relying.push(RpResource {
            address: item.address.clone(),
            ty,
            source: self.file(file),
            span: loc(file, block.span()).span,
            attrs,
        });
    }

    fn relying_attrs(
        &self,
        scope: &Scope<'_>,
        body: &hcl_edit::structure::Body,
        depth: usize,
    ) -> std::collections::BTreeMap<String, crate::relying::terraform::Attr> {
        use crate::relying::terraform::Attr;
        let mut attrs = std::collections::BTreeMap::new();
        for structure in body.iter() {
            if let Some(a) = structure.as_attribute() {
                let site = loc(scope.file, a.value.span());
                let value = self.settle(self.eval(scope, &a.value));
                let attr = match &value.kind {
                    Kind::Unknown(u) => match &u.origin {
                        Some(o) if !o.attribute.is_empty() => {
                            Attr::Reference { target: format!("{}.{}", o.address, o.attribute), span: site.span }
                        }
                        _ => Attr::Unknown { why: u.why.clone(), span: site.span },
                    },
                    Kind::Partial(_) => Attr::Unknown {
                        why: value.as_unknown().map_or_else(|| "not known statically".to_owned(), |u| u.why.clone()),
                        span: site.span,
                    },
                    _ => Attr::Value(self.to_json(&value, scope.file, site.span, &mut Vec::new(), 0)),
                };
                attrs.insert(a.key.as_str().to_owned(), attr);
            } else if let Some(nested) = structure.as_block()
                && depth < 2
            {
                attrs.insert(
                    nested.ident.as_str().to_owned(),
                    Attr::Block(self.relying_attrs(scope, &nested.body, depth + 1)),
                );
            }
        }
        attrs
    }

    // ----- links -----

    fn targets(&self, item: &Item, attr: &str) -> Vec<Target> {
        // An argument the configuration does not set links nothing (its computed value is not a link).
        let set = self.resource(item).is_some_and(|(_, _, block)| attribute(&block.body, attr).is_some());
        if !set {
            return Vec::new();
        }
        let v = self.value(item, attr);
        let site = self.site(item, attr);
        let one = |v: &Value| -> Option<Target> {
            match &v.kind {
                Kind::Null => None,
                Kind::Unknown(u) => Some(match &u.origin {
                    Some(o) => Target::Address(o.address.clone()),
                    None => Target::Unknown(Arc::clone(u), site),
                }),
                _ => match v.to_text() {
                    Ok(Some(t)) if !t.is_empty() => Some(Target::Name(t.to_string())),
                    Ok(_) => None,
                    Err(u) => Some(match &u.origin {
                        Some(o) => Target::Address(o.address.clone()),
                        None => Target::Unknown(u, site),
                    }),
                },
            }
        };
        match &v.kind {
            Kind::List(items) => items.iter().filter_map(one).collect(),
            _ => one(&v).into_iter().collect(),
        }
    }

    /// A policy link: the document of a policy resource (by address, or by its ARN when known in this tree),
    /// else the ARN to resolve over the whole inventory.
    fn policy_ref(&self, target: Target, b: &Builder) -> PolicyRef {
        let by_address = |address: &str| {
            let address = b.document_of.keys().find(|a| *a == address).cloned().or_else(|| {
                // An instance set not known statically stands for its resource.
                b.document_of.keys().find(|a| without_key(a) == without_key(address)).cloned()
            });
            match address.as_ref().and_then(|a| b.document_of.get(a)) {
                Some(&d) => PolicyRef::Document(d),
                None => match address.as_ref().and_then(|a| b.unknown_document.get(a)) {
                    Some(why) => PolicyRef::Unresolved(why.clone()),
                    None => PolicyRef::Unresolved("no policy of the configuration matches".to_owned()),
                },
            }
        };
        match target {
            Target::Name(arn) => match b.inv.documents.iter().position(|d| d.ids.contains(&arn)) {
                Some(d) => PolicyRef::Document(d),
                None => PolicyRef::Id(arn),
            },
            Target::Address(address) => match by_address(&address) {
                PolicyRef::Unresolved(_)
                    if !b.document_of.contains_key(&address) && !b.unknown_document.contains_key(&address) =>
                {
                    PolicyRef::Unresolved(format!("`{address}` has no policy in the configuration"))
                }
                found => found,
            },
            Target::Unknown(u, _) => PolicyRef::Unresolved(format!("the policy is not known statically: {}", u.why)),
        }
    }

    /// The principals a link names: by name (created as outside the inputs when the configuration does not
    /// define it), by resource; an unknown target is returned for the caller to report.
    fn principals(
        &self,
        item: &Item,
        attr: &str,
        kind: PrincipalKind,
        b: &mut Builder,
    ) -> (Vec<usize>, Vec<(Arc<Unknown>, Loc)>) {
        let origin = self.resource(item).map(|(_, f, _)| self.origin(f, &item.address, "")).unwrap_or_else(|| Origin {
            file: "".into(),
            entry: item.address.clone(),
            attribute: String::new(),
        });
        let mut found = Vec::new();
        let mut unknown = Vec::new();
        for t in self.targets(item, attr) {
            match t {
                Target::Name(name) => {
                    let existing = b.inv.principals.iter().position(|p| {
                        p.kind == kind && p.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&name))
                    });
                    found.push(existing.unwrap_or_else(|| {
                        let mut p = Principal::new(kind, origin.clone());
                        p.name = Some(name);
                        p.external = true;
                        b.inv.principals.push(p);
                        b.inv.principals.len() - 1
                    }));
                }
                Target::Address(a) => {
                    let matching: Vec<usize> = b
                        .principal_of
                        .iter()
                        .filter(|(k, _)| **k == a || without_key(k) == without_key(&a))
                        .map(|(_, &p)| p)
                        .collect();
                    found.extend(matching);
                }
                Target::Unknown(u, at) => unknown.push((u, at)),
            }
        }
        found.sort_unstable();
        found.dedup();
        (found, unknown)
    }

    fn groups(&self, item: &Item, attr: &str, b: &mut Builder) -> Vec<usize> {
        let origin = self.resource(item).map(|(_, f, _)| self.origin(f, &item.address, ""));
        let mut out = Vec::new();
        for t in self.targets(item, attr) {
            match t {
                Target::Name(name) => {
                    out.push(b.inv.groups.iter().position(|g| g.key.eq_ignore_ascii_case(&name)).unwrap_or_else(|| {
                        b.inv.groups.push(Group {
                            key: name,
                            identity: Vec::new(),
                            origin: origin.clone().unwrap_or_else(|| Origin {
                                file: "".into(),
                                entry: item.address.clone(),
                                attribute: String::new(),
                            }),
                        });
                        b.inv.groups.len() - 1
                    }))
                }
                Target::Address(a) => out.extend(
                    b.group_of.iter().filter(|(k, _)| **k == a || without_key(k) == without_key(&a)).map(|(_, &g)| g),
                ),
                Target::Unknown(..) => {}
            }
        }
        out
    }

    /// Attach `policy` to the principals and groups an attachment names; an end not known statically is a
    /// finding, and every principal of the kind in the tree may be affected (incomplete).
    fn attach(
        &self,
        item: &Item,
        b: &mut Builder,
        policy: PolicyRef,
        policy_attr: &str,
        principals: &[(&str, PrincipalKind)],
        groups: Option<&str>,
    ) {
        let what = match &policy {
            PolicyRef::Document(d) => {
                b.inv.documents.get(*d).map_or_else(String::new, |d| format!("`{}`", d.origin.entry))
            }
            PolicyRef::Id(arn) => format!("`{arn}`"),
            PolicyRef::Unresolved(_) => "a policy not known statically".to_owned(),
        };
        if let PolicyRef::Unresolved(why) = &policy {
            let site = self.site(item, policy_attr);
            let source = self.file(site.file);
            self.once(unresolved_attachment::policy(&source, site.span, &item.address, why));
        }
        for (attr, kind) in principals {
            let (found, unknown) = self.principals(item, attr, *kind, b);
            for p in found {
                if let Some(p) = b.inv.principals.get_mut(p)
                    && !p.identity.contains(&policy)
                {
                    p.identity.push(policy.clone());
                }
            }
            for (u, at) in unknown {
                let source = self.file(at.file);
                self.once(unresolved_attachment::target(&source, at.span, &item.address, &what, kind.as_str(), &u.why));
                let note = format!(
                    "`{}` attaches {what} to a {} not known statically ({}): it may apply to this {} too",
                    item.address,
                    kind.as_str(),
                    u.why,
                    kind.as_str()
                );
                for p in b.inv.principals.iter_mut().filter(|p| p.kind == *kind && !p.external) {
                    p.incomplete.push(note.clone());
                }
            }
        }
        if let Some(attr) = groups {
            for g in self.groups(item, attr, b) {
                if let Some(g) = b.inv.groups.get_mut(g) {
                    g.identity.push(policy.clone());
                }
            }
        }
    }

    fn links(&self, item: &Item, b: &mut Builder) {
        if self.mode(item) != Some(Mode::Managed) {
            return;
        }
        let Some((ty, _, _)) = self.resource(item) else { return };
        let own = |b: &Builder| match b.document_of.get(&item.address) {
            Some(&d) => PolicyRef::Document(d),
            None => PolicyRef::Unresolved(
                b.unknown_document
                    .get(&item.address)
                    .cloned()
                    .unwrap_or_else(|| format!("`{}` has no policy", item.address)),
            ),
        };
        let first_policy =
            |b: &Builder, attr: &str| self.targets(item, attr).into_iter().next().map(|t| self.policy_ref(t, b));
        match ty.as_str() {
            "aws_iam_role" | "aws_iam_user" => {
                let boundary = first_policy(b, "permissions_boundary");
                let managed: Vec<PolicyRef> =
                    self.targets(item, "managed_policy_arns").into_iter().map(|t| self.policy_ref(t, b)).collect();
                if let Some(p) = b.principal_of.get(&item.address).and_then(|&p| b.inv.principals.get_mut(p)) {
                    p.boundary = boundary;
                    p.identity.extend(managed);
                }
            }
            "aws_iam_role_policy" => {
                let policy = own(b);
                self.attach(item, b, policy, "policy", &[("role", PrincipalKind::Role)], None);
            }
            "aws_iam_user_policy" => {
                let policy = own(b);
                self.attach(item, b, policy, "policy", &[("user", PrincipalKind::User)], None);
            }
            "aws_iam_group_policy" => {
                let policy = own(b);
                self.attach(item, b, policy, "policy", &[], Some("group"));
            }
            "aws_iam_role_policy_attachment"
            | "aws_iam_user_policy_attachment"
            | "aws_iam_group_policy_attachment"
            | "aws_iam_policy_attachment" => {
                let Some(policy) = first_policy(b, "policy_arn") else { return };
                match ty.as_str() {
                    "aws_iam_role_policy_attachment" => {
                        self.attach(item, b, policy, "policy_arn", &[("role", PrincipalKind::Role)], None)
                    }
                    "aws_iam_user_policy_attachment" => {
                        self.attach(item, b, policy, "policy_arn", &[("user", PrincipalKind::User)], None)
                    }
                    "aws_iam_group_policy_attachment" => self.attach(item, b, policy, "policy_arn", &[], Some("group")),
                    _ => self.attach(
                        item,
                        b,
                        policy,
                        "policy_arn",
                        &[("roles", PrincipalKind::Role), ("users", PrincipalKind::User)],
                        Some("groups"),
                    ),
                }
            }
            "aws_iam_user_group_membership" | "aws_iam_group_membership" => {
                let (users_attr, groups_attr) =
                    if ty == "aws_iam_user_group_membership" { ("user", "groups") } else { ("users", "group") };
                let keys: Vec<String> = self
                    .groups(item, groups_attr, b)
                    .iter()
                    .filter_map(|&g| b.inv.groups.get(g))
                    .map(|g| g.key.clone())
                    .collect();
                let (users, _) = self.principals(item, users_attr, PrincipalKind::User, b);
                for p in users {
                    if let Some(p) = b.inv.principals.get_mut(p) {
                        p.groups.extend(keys.iter().cloned());
                    }
                }
            }
            "aws_organizations_organizational_unit" | "aws_organizations_account" => {
                let parent = self.targets(item, "parent_id").into_iter().next().and_then(|t| self.org_key(t, b));
                if let Some(node) = b.inv.organization.nodes.iter_mut().find(|n| n.key == item.address) {
                    node.parent = parent;
                }
            }
            "aws_organizations_policy_attachment" => {
                let policy = match self.targets(item, "policy_id").into_iter().next() {
                    Some(Target::Name(id)) => PolicyRef::Id(id),
                    Some(t) => self.policy_ref(t, b),
                    None => return,
                };
                let target = self.targets(item, "target_id").into_iter().next().and_then(|t| self.org_key(t, b));
                // An attachment whose target is unknown stays visible, placed at its own address (which no
                // account sits under): simulate then says that it was not evaluated.
                let target = target.unwrap_or_else(|| item.address.clone());
                let origin =
                    self.resource(item).map(|(_, f, _)| self.origin(f, &item.address, "")).unwrap_or_else(|| Origin {
                        file: "".into(),
                        entry: item.address.clone(),
                        attribute: String::new(),
                    });
                b.inv.organization.attachments.push(OrgAttachment { target, policy, origin });
            }
            _ => {}
        }
    }

    /// The organization node a target names: an id as written, or the node of the resource it refers to.
    fn org_key(&self, target: Target, b: &Builder) -> Option<String> {
        match target {
            Target::Name(id) => Some(id),
            Target::Address(a) => b.org_key_of.get(&a).cloned().or_else(|| {
                b.org_key_of.iter().find(|(k, _)| without_key(k) == without_key(&a)).map(|(_, v)| v.clone())
            }),
            Target::Unknown(..) => None,
        }
    }
}

/// Add a node, or complete one already there (an account first seen in the organization's list and placed
/// by an `aws_organizations_account`).
fn add_node(org: &mut crate::inventory::Organization, node: OrgNode) {
    if !org.nodes.iter().any(|n| n.key == node.key) {
        org.nodes.push(node);
    }
}
