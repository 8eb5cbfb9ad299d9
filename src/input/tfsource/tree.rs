//! Module trees: which directories are root modules, how a `module` block finds its directory (a local path,
//! or `.terraform/modules/modules.json` after `terraform init`), and the instances each call makes.
//!
//! A module that calls a directory already on its own call path is a cycle (`source = "."`, `"../<own
//! dir>"`, mutual recursion): a finding, and the call is not followed, so the directory's own policies are
//! still read, once. A registry or remote module is read from where `terraform init` downloaded it, else it
//! is a finding and its outputs are unknown.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use hcl_edit::Span as _;
use hcl_edit::structure::Structure;

use crate::lint::rules::{invalid_policy, module_cycle, module_not_read};
use crate::policy::PolicyProblem;
use crate::source::{SourceFile, Span};

use super::loader::{CallInstances, Each, Instance, Loader, MAX_INSTANCES, MAX_MODULE_DEPTH, Parent, loc};
use super::module::{ModuleSource, TfFile};
use super::reader::{Reader, Refusal, normalize};
use super::value::{Loc, Value};

/// Whether a module source is a local path (Terraform: it starts with `./` or `../`).
pub(super) fn is_local(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../") || source == "." || source == ".."
}

impl Loader {
    /// A module directory's source, read once per load. `Err` when the directory cannot be read.
    pub fn module_source(&self, dir: &Path, reader: &Reader) -> Result<Rc<ModuleSource>, Refusal> {
        let canonical = reader.directory(dir)?;
        if let Some(known) = self.sources.borrow().get(&canonical) {
            return known.clone().ok_or_else(|| Refusal::Unreadable("the directory could not be read".to_owned()));
        }
        let mut files = Vec::new();
        for path in reader.list(dir)? {
            if !super::is_terraform_source(&path) {
                continue;
            }
            let shown = normalize(&path);
            match reader.read(&path) {
                Ok(text) => {
                    if let Some(file) = self.parse_tf(&shown, text) {
                        files.push(file);
                    }
                }
                Err(refusal) => {
                    let source = std::sync::Arc::new(SourceFile::from_path(&shown, ""));
                    let what = format!("`{}`", crate::source::display_path(&shown));
                    let message = refusal.message(&what, &reader.shown_root);
                    if refusal.is_confinement() {
                        self.finding(crate::lint::rules::read_outside_root::finding(&source, Span::at(0), &message));
                    } else {
                        self.finding(crate::lint::rules::invalid_json::unreadable(&source, &message));
                    }
                }
            }
        }
        let source = Rc::new(ModuleSource::new(normalize(dir), canonical.clone(), files));
        self.sources.borrow_mut().insert(canonical, Some(Rc::clone(&source)));
        Ok(source)
    }

    /// Parse one `.tf` file into the file table; a syntax error is a finding and the file is left out.
    fn parse_tf(&self, shown: &Path, text: String) -> Option<TfFile> {
        let source = SourceFile::from_path(shown, text);
        match hcl_edit::parser::parse_body(&source.text) {
            Ok(body) => {
                let id = self.add_file(source);
                Some(TfFile { id, body })
            }
            Err(error) => {
                let at = error.location().offset();
                let source = std::sync::Arc::new(source);
                let problem = PolicyProblem {
                    span: Span::from_range(at, at.saturating_add(1)),
                    message: format!("`{}` is not valid HCL: {}", source.name, error.message()),
                    label: super::SYNTAX_ERROR_LABEL.to_owned(),
                    help: "fix the syntax (`terraform validate` says the same); no policy of this file was checked"
                        .to_owned(),
                };
                self.finding(invalid_policy::finding(&source, &problem));
                None
            }
        }
    }

    /// Read every module instance below `inst` (calls are followed depth first, each once).
    pub fn expand_tree(&self, inst: usize) {
        let Some(instance) = self.instance(inst) else { return };
        for call in 0..instance.src.calls.len() {
            if let CallInstances::Read { children, .. } = &*self.call_instances(inst, call) {
                for (_, child) in children.clone() {
                    self.expand_tree(child);
                }
            }
        }
    }

    /// The instances of a module call (see [`Loader::call_instances`], which memoises this).
    pub fn instantiate_call(&self, inst: usize, call: usize) -> CallInstances {
        let (Some(parent), Some(tree)) = (self.instance(inst), self.tree_of(inst)) else {
            return CallInstances::NotRead(Value::unknown(
                "no such module instance",
                Loc { file: 0, span: Span::at(0) },
            ));
        };
        let Some(c) = parent.src.calls.get(call) else {
            return CallInstances::NotRead(Value::unknown("no such module call", Loc { file: 0, span: Span::at(0) }));
        };
        let block_loc = loc(c.file, c.block.ident.span());
        let Some((source, source_span)) = c.source.clone() else {
            return CallInstances::NotRead(Value::unknown(
                format!("the `source` of `module.{}` is not a literal string", c.name),
                block_loc,
            ));
        };
        let source_loc = Loc { file: c.file, span: source_span };
        let key_path =
            if parent.key_path.is_empty() { c.name.clone() } else { format!("{}.{}", parent.key_path, c.name) };
        let address = format!("{}module.{}", parent.prefix, c.name);
        let file = self.file(c.file);
        // Where the module is on disk: what `terraform init` recorded, else a local path.
        let dir = match tree.installed.as_ref().and_then(|m| m.get(&key_path)) {
            Some(dir) => tree.dir.join(dir),
            None if is_local(&source) => parent.src.dir.join(&source),
            None => {
                self.once(module_not_read::remote(&file, source_span, &address, &source));
                return CallInstances::NotRead(Value::unknown(
                    format!("`{address}` comes from `{source}`, which is not downloaded (run `terraform init`)"),
                    source_loc,
                ));
            }
        };
        let canonical = match tree.reader.directory(&dir) {
            Ok(c) => c,
            Err(refusal) => {
                let what = format!("the source `{source}` of `{address}`");
                let message = refusal.message(&what, &tree.reader.shown_root);
                if refusal.is_confinement() {
                    self.once(crate::lint::rules::read_outside_root::finding(&file, source_span, &message));
                } else {
                    self.once(module_not_read::missing(&file, source_span, &message));
                }
                return CallInstances::NotRead(Value::unknown(message, source_loc));
            }
        };
        if parent.ancestors.contains(&canonical) {
            self.once(module_cycle::finding(&file, source_span, &address, &source));
            return CallInstances::NotRead(Value::unknown(
                format!("`{address}` calls a module already being read (a module cycle)"),
                source_loc,
            ));
        }
        if parent.depth() >= MAX_MODULE_DEPTH {
            self.once(module_not_read::budget(
                &file,
                source_span,
                &address,
                &format!("modules nest more than {MAX_MODULE_DEPTH} deep"),
            ));
            return CallInstances::NotRead(Value::unknown("modules nest too deeply to read", source_loc));
        }
        let src = match self.module_source(&dir, &tree.reader) {
            Ok(src) => src,
            Err(refusal) => {
                let message =
                    refusal.message(&format!("the source `{source}` of `{address}`"), &tree.reader.shown_root);
                self.once(module_not_read::missing(&file, source_span, &message));
                return CallInstances::NotRead(Value::unknown(message, source_loc));
            }
        };
        let expansion = self.expand(inst, c.file, &c.block.body, &Each::default());
        let mut children = Vec::new();
        for (key, each) in expansion.instances() {
            if self.instances.borrow().len() >= MAX_INSTANCES {
                self.once(module_not_read::budget(
                    &file,
                    source_span,
                    &address,
                    &format!("more than {MAX_INSTANCES} module instances"),
                ));
                break;
            }
            let mut ancestors = parent.ancestors.clone();
            ancestors.push(canonical.clone());
            let mut via = parent.via.clone();
            via.push(c.file);
            let child = self.push_instance(Instance {
                src: Rc::clone(&src),
                tree: parent.tree,
                prefix: format!("{address}{}.", key.suffix()),
                key_path: key_path.clone(),
                parent: Some(Parent { inst, call, each }),
                ancestors,
                via,
                root_values: HashMap::new(),
                caller_set: HashMap::new(),
                memo: std::cell::RefCell::new(super::loader::Memo::default()),
            });
            children.push((key, child));
        }
        CallInstances::Read { expansion, children }
    }

    /// Record a finding unless the same one (rule, place, message) is there already: a module instantiated
    /// many times reports a problem of its source once.
    pub fn once(&self, finding: crate::lint::Finding) {
        let mut all = self.findings.borrow_mut();
        let same = all.iter().any(|f| {
            f.rule.code == finding.rule.code
                && f.span == finding.span
                && f.source.path == finding.source.path
                && f.message == finding.message
        });
        if !same {
            all.push(finding);
        }
    }

    /// The directory of a root module's `.terraform/modules/modules.json` entries, keyed by module key.
    pub fn installed_modules(&self, root_dir: &Path, reader: &Reader) -> Option<HashMap<String, PathBuf>> {
        let path = root_dir.join(".terraform/modules/modules.json");
        let text = match reader.read(&path) {
            Ok(t) => t,
            Err(Refusal::Unreadable(_)) => return None,
            Err(refusal) => {
                let shown = normalize(&path);
                let source = std::sync::Arc::new(SourceFile::from_path(&shown, ""));
                let message =
                    refusal.message(&format!("`{}`", crate::source::display_path(&shown)), &reader.shown_root);
                self.once(crate::lint::rules::read_outside_root::finding(&source, Span::at(0), &message));
                return None;
            }
        };
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        let mut out = HashMap::new();
        for m in json.get("Modules")?.as_array()? {
            let (Some(key), Some(dir)) = (m.get("Key").and_then(|k| k.as_str()), m.get("Dir").and_then(|d| d.as_str()))
            else {
                continue;
            };
            if !key.is_empty() {
                out.insert(key.to_owned(), PathBuf::from(dir));
            }
        }
        Some(out)
    }
}

/// The module calls of a directory read syntactically (for choosing root modules before anything is
/// evaluated): (call name, its literal source, the arguments it sets).
pub(super) fn calls_of(src: &ModuleSource) -> Vec<(String, String, Vec<String>)> {
    src.calls
        .iter()
        .filter_map(|c| {
            let (source, _) = c.source.clone()?;
            let set = c
                .block
                .body
                .iter()
                .filter_map(Structure::as_attribute)
                .map(|a| a.key.as_str().to_owned())
                .filter(|k| {
                    !matches!(k.as_str(), "source" | "version" | "providers" | "count" | "for_each" | "depends_on")
                })
                .collect();
            Some((c.name.clone(), source, set))
        })
        .collect()
}

/// A root module instance.
pub(super) fn root_instance(
    src: Rc<ModuleSource>,
    tree: usize,
    root_values: HashMap<String, Value>,
    caller_set: HashMap<String, String>,
) -> Instance {
    let canonical = src.canonical.clone();
    Instance {
        src,
        tree,
        prefix: String::new(),
        key_path: String::new(),
        parent: None,
        ancestors: vec![canonical],
        via: Vec::new(),
        root_values,
        caller_set,
        memo: std::cell::RefCell::new(super::loader::Memo::default()),
    }
}
