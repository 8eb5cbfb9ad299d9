//! Terraform source (`.tf`) into the inventory, read statically, as real repositories write it: module
//! trees (local paths, and registry modules where `terraform init` downloaded them), variables with their
//! defaults, `.tfvars` and the values each module call passes, locals, outputs, `count` and `for_each`
//! instances, resource attributes known before apply, and the links between resources across modules.
//!
//! Parsed with `hcl-edit`: unlike `hcl-rs` (values only) it keeps the byte span of every attribute, block and
//! expression, and findings must point at the HCL line a developer just changed. Each policy becomes a JSON
//! value whose spans are spans of the `.tf` file (or the template or file it was read from), named after its
//! resource: `main.tf › module.m.aws_iam_policy.cap › policy`.
//!
//! What cannot be known without Terraform is never guessed: it is an unknown value that says why, and a
//! policy with unknown parts is still read, with only the rules that need those parts left out (see
//! `document.rs`). Reading is confined to the input's root (`reader.rs`) and bounded in time, depth and size
//! (`loader.rs`).

mod attrs;
mod build;
mod document;
mod eval;
mod functions;
mod loader;
mod module;
mod reader;
mod template;
mod tree;
mod types;
mod value;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use hcl_edit::structure::Structure;

use crate::inventory::Inventory;
use crate::source::json::Limits;

use loader::{Loader, Tree};
use reader::{Reader, normalize};
use value::Value;

/// The size limit of a `.tf` file and of any file it reads (DESIGN §9.2).
pub const DEFAULT_MAX_TF_FILE: usize = crate::source::InputLimits::DEFAULT_TF_FILE as usize;

/// The label of a `.tf` or `.tfvars` syntax error (the file is left out).
pub(crate) const SYNTAX_ERROR_LABEL: &str = "the parser stopped here";

/// Whether a finding of the loader says that a `.tf` or `.tfvars` file itself could not be read (a syntax
/// error, an unreadable file): what the tree holds is then not known, and commands that judge the tree as a
/// whole (`simulate`, `diff`, `graph`) stop with it rather than judge the rest as if the file were not there.
pub fn is_unreadable(f: &crate::lint::Finding) -> bool {
    let tf = is_terraform_source(&f.source.path) || is_tfvars(&f.source.path);
    let code = f.rule.code;
    tf && ((code == crate::lint::rules::invalid_policy::INVALID_POLICY.code && f.label == SYNTAX_ERROR_LABEL)
        || code == crate::lint::rules::invalid_json::INVALID_JSON.code)
}

/// Whether a path is Terraform source, by extension (HCL is not JSON: content cannot tell).
pub fn is_terraform_source(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("tf"))
}

/// Whether a path is a Terraform variables file (`-var-file` style, given on the command line).
pub fn is_tfvars(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    name.ends_with(".tfvars") || name.ends_with(".tfvars.json")
}

/// How to read `.tf` trees.
#[derive(Clone, Debug)]
pub struct TfOptions {
    /// Limits of policy documents (and of JSON read from `.tfvars.json`, `jsondecode`).
    pub limits: Limits,
    /// The size limit of `.tf` files and the files they read.
    pub max_tf_file: usize,
    /// The paths given on the command line: each `.tf` tree is confined to the repository holding the one it
    /// was found under (or to that path when it is in no repository).
    pub inputs: Vec<PathBuf>,
    /// `.tfvars` files given on the command line, applied to every root module in order (after
    /// `terraform.tfvars` and `*.auto.tfvars`), as `terraform plan -var-file` does.
    pub var_files: Vec<PathBuf>,
    /// `mintlint.toml`, for the accounts of `.tf` trees.
    pub config: Option<crate::config::Config>,
}

impl TfOptions {
    /// Options reading policies with `limits` (of the policy kind) and `.tf` files with the `tf_file` limit they
    /// carry.
    pub fn new(limits: Limits) -> TfOptions {
        let max_tf_file = usize::try_from(limits.sizes.of(crate::source::SizeKind::TfFile)).unwrap_or(usize::MAX);
        let limits = limits.for_kind(crate::source::SizeKind::Policy);
        TfOptions { limits, max_tf_file, inputs: Vec::new(), var_files: Vec::new(), config: None }
    }
}

pub(super) fn dir_of(path: &Path) -> PathBuf {
    path.parent().map_or_else(
        || PathBuf::from("."),
        |d| if d.as_os_str().is_empty() { PathBuf::from(".") } else { d.to_path_buf() },
    )
}

/// The inventory of the module trees that hold these `.tf` files: every `.tf` of each directory is read
/// (variables, locals and data sources may be defined in a sibling file), and each module they call.
pub fn load(paths: &[PathBuf], options: &TfOptions) -> Inventory {
    on_large_stack(|| load_here(paths, options, None))
}

/// The inventory for `check` of these `.tf` files: only the documents and findings of these files, and of the
/// modules these files call (read with the values the calls pass).
pub fn load_for_check(paths: &[PathBuf], options: &TfOptions) -> Inventory {
    let keep: HashSet<PathBuf> = paths.iter().map(|p| canonical(p)).collect();
    on_large_stack(|| load_here(paths, options, Some(&keep)))
}

/// The loader recurses once per nested expression and per reference followed (both bounded by its depth
/// budget); it runs on a thread whose stack holds that bound whatever thread calls it.
fn on_large_stack(f: impl FnOnce() -> Inventory + Send) -> Inventory {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new().name("tf-loader".to_owned()).stack_size(256 * 1024 * 1024);
        // A loader that panicked, or could not start, must not pass for a tree with nothing in it: an empty
        // inventory would let `check` exit 0 with every finding of the tree lost. The panic goes on.
        match worker.spawn_scoped(scope, f) {
            Ok(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(e) => std::panic::resume_unwind(Box::new(format!("cannot start the Terraform loader's thread: {e}"))),
        }
    })
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| normalize(path))
}

/// A module directory of the inputs, with how it is confined.
struct InputDir {
    dir: PathBuf,
    canonical: PathBuf,
    reader: Reader,
    /// The `.tf` files of the inputs in it.
    files: Vec<PathBuf>,
}

fn load_here(paths: &[PathBuf], options: &TfOptions, keep: Option<&HashSet<PathBuf>>) -> Inventory {
    let mut loader = Loader::new(options.limits);
    // The module directories of the inputs, each confined to the root of the input path it was found under.
    let inputs: Vec<(PathBuf, PathBuf)> = options.inputs.iter().map(|p| (p.clone(), canonical(p))).collect();
    let mut dirs: BTreeMap<PathBuf, InputDir> = BTreeMap::new();
    for path in paths.iter().filter(|p| is_terraform_source(p)) {
        let dir = normalize(&dir_of(path));
        let canonical_dir = canonical(&dir);
        let entry = dirs.entry(canonical_dir.clone()).or_insert_with(|| {
            let given = inputs
                .iter()
                .filter(|(_, c)| canonical_dir.starts_with(c) || c.parent().is_some_and(|p| canonical_dir == p))
                .max_by_key(|(_, c)| c.as_os_str().len())
                .map_or_else(|| dir.clone(), |(p, _)| p.clone());
            InputDir {
                dir: dir.clone(),
                canonical: canonical_dir,
                reader: Reader::new(&reader::root_of(&given), options.max_tf_file),
                files: Vec::new(),
            }
        });
        entry.files.push(path.clone());
    }
    let mut sources: Vec<(Rc<module::ModuleSource>, &InputDir)> = Vec::new();
    for input in dirs.values() {
        match loader.module_source(&input.dir, &input.reader) {
            Ok(src) => sources.push((src, input)),
            Err(refusal) => {
                let source = Arc::new(crate::source::SourceFile::from_path(&input.dir, ""));
                let what = format!("`{}`", crate::source::display_path(&input.dir));
                loader.finding(crate::lint::rules::invalid_json::unreadable(
                    &source,
                    &refusal.message(&what, &input.reader.shown_root),
                ));
            }
        }
    }
    // Which input directories another one calls (syntactically: a module `source` is a literal), and which
    // variables each call sets.
    let mut called_by: HashMap<PathBuf, Vec<(String, Vec<String>)>> = HashMap::new();
    for (src, input) in &sources {
        let installed = loader.installed_modules(&input.dir, &input.reader);
        for (name, source, set) in tree::calls_of(src) {
            let target = match installed.as_ref().and_then(|m| m.get(&name)) {
                Some(dir) => input.dir.join(dir),
                None if tree::is_local(&source) => input.dir.join(&source),
                None => continue,
            };
            let Ok(target) = std::fs::canonicalize(&target) else { continue };
            if target != input.canonical {
                let caller = format!("`module.{name}` in `{}`", crate::source::display_path(&input.dir));
                called_by.entry(target).or_default().push((caller, set));
            }
        }
    }
    // Root modules first (no other input calls them), then any input directory no root reached (a cycle,
    // or calls that make no instance): each module's own policies are read once.
    let mut order: Vec<(usize, bool)> = Vec::new();
    for (i, (src, _)) in sources.iter().enumerate() {
        if !called_by.contains_key(&src.canonical) {
            order.push((i, false));
        }
    }
    let mut inventory = Inventory::default();
    let mut reached: HashSet<PathBuf> = HashSet::new();
    let mut pass = 0;
    loop {
        for &(i, read_alone) in &order {
            let Some((src, input)) = sources.get(i) else { continue };
            if reached.contains(&src.canonical) && read_alone {
                continue;
            }
            let caller_set = if read_alone {
                let mut set = HashMap::new();
                for (caller, vars) in called_by.get(&src.canonical).into_iter().flatten() {
                    for v in vars {
                        set.entry(v.clone()).or_insert_with(|| caller.clone());
                    }
                }
                set
            } else {
                HashMap::new()
            };
            let tree_index = loader.trees.len();
            let root_values = tfvars(&loader, input, options);
            let installed = loader.installed_modules(&input.dir, &input.reader);
            loader.trees.push(Tree { reader: input.reader.clone(), dir: input.dir.clone(), account: None, installed });
            let root = loader.push_instance(tree::root_instance(Rc::clone(src), tree_index, root_values, caller_set));
            let account = account_of(&loader, root, input, options);
            if let Some(tree) = loader.trees.get_mut(tree_index) {
                tree.account = account;
            }
            loader.expand_tree(root);
            for inst in loader.instances.borrow().iter().filter(|i| i.tree == tree_index) {
                reached.insert(inst.src.canonical.clone());
            }
            let mut one = loader.build(tree_index);
            if let Some(keep) = keep {
                retain_checked(&loader, &mut one, keep, tree_index);
            }
            inventory.extend(one);
        }
        pass += 1;
        order = sources
            .iter()
            .enumerate()
            .filter(|(_, (src, _))| !reached.contains(&src.canonical))
            .take(1)
            .map(|(i, _)| (i, true))
            .collect();
        if order.is_empty() || pass > sources.len() + 1 {
            break;
        }
    }
    if let Some(at) = loader.budget.exhausted.get() {
        let source = loader.file(at.file);
        let mut finding = crate::lint::rules::policy_unknown_until_apply::finding(
            &source,
            at.span,
            "",
            "",
            crate::policy::PolicyKind::Unknown,
        );
        finding.message = "the configuration is too large or too deeply nested to evaluate statically".to_owned();
        finding.label = "evaluation stopped here (the loader's budget)".to_owned();
        finding.help = Some("what could not be evaluated is unknown and its rules are not checked; check the plan (`terraform show -json`)".to_owned());
        loader.finding(finding);
    }
    let mut findings = std::mem::take(&mut *loader.findings.borrow_mut());
    if let Some(keep) = keep {
        let reported = reported_files(&loader, keep);
        findings.retain(|f| {
            reported.contains(&canonical(&f.source.path))
                || !is_terraform_source(&f.source.path) && !reported.is_empty()
        });
    }
    inventory.findings.extend(findings);
    inventory.finish();
    inventory
}

/// The files whose findings a `check` of `keep` reports: those files, and the files of every module their
/// `module` blocks lead to.
fn reported_files(loader: &Loader, keep: &HashSet<PathBuf>) -> HashSet<PathBuf> {
    let mut out: HashSet<PathBuf> = keep.clone();
    for inst in loader.instances.borrow().iter() {
        if inst.via.iter().any(|f| keep.contains(&canonical(&loader.file(*f).path))) {
            out.extend(inst.src.files.iter().map(|f| canonical(&loader.file(f.id).path)));
        }
    }
    // Files read by `file()` and `templatefile()` from a kept module.
    for f in loader.files.borrow().iter() {
        if !is_terraform_source(&f.path) {
            out.insert(canonical(&f.path));
        }
    }
    out
}

/// For `check`: keep the documents written in the checked files, or produced by a module instance that a
/// checked file's `module` block leads to.
fn retain_checked(loader: &Loader, inventory: &mut Inventory, keep: &HashSet<PathBuf>, tree: usize) {
    let via_kept: Vec<String> = loader
        .instances
        .borrow()
        .iter()
        .filter(|i| i.tree == tree && i.via.iter().any(|f| keep.contains(&canonical(&loader.file(*f).path))))
        .map(|i| i.prefix.clone())
        .collect();
    let kept: Vec<bool> = inventory
        .documents
        .iter()
        .map(|d| {
            keep.contains(&canonical(&d.source.path))
                || keep.iter().any(|k| canonical(Path::new(&*d.origin.file)) == *k)
                || via_kept.iter().any(|p| !p.is_empty() && d.origin.entry.starts_with(p.as_str()))
        })
        .collect();
    let mut index = 0;
    inventory.documents.retain(|_| {
        let k = kept.get(index).copied().unwrap_or(false);
        index += 1;
        k
    });
    // Duplicates point at indexes of the full list: keep only the flag that they are duplicates (the
    // document they stand for is linted where it is kept).
    for d in &mut inventory.documents {
        if d.duplicate_of.is_some() {
            d.duplicate_of = Some(usize::MAX);
        }
    }
    // Principals and links are not used by `check`.
    inventory.principals.clear();
    inventory.groups.clear();
    inventory.organization = crate::inventory::Organization::default();
}

/// The variables of a root module from `terraform.tfvars`, `terraform.tfvars.json`, `*.auto.tfvars(.json)`
/// (in that order, later wins) and the `-var-file`s of the command line.
fn tfvars(loader: &Loader, input: &InputDir, options: &TfOptions) -> HashMap<String, Value> {
    let mut files: Vec<(PathBuf, Reader)> = Vec::new();
    let listing = input.reader.list(&input.dir).unwrap_or_default();
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    for wanted in ["terraform.tfvars", "terraform.tfvars.json"] {
        if let Some(p) = listing.iter().find(|p| name(p) == wanted) {
            files.push((p.clone(), input.reader.clone()));
        }
    }
    for p in listing.iter().filter(|p| name(p).ends_with(".auto.tfvars") || name(p).ends_with(".auto.tfvars.json")) {
        files.push((p.clone(), input.reader.clone()));
    }
    for p in &options.var_files {
        // A file named on the command line is the user's choice: it is confined to its own directory.
        files.push((p.clone(), Reader::new(&dir_of(p), options.max_tf_file)));
    }
    let mut values = HashMap::new();
    for (path, reader) in files {
        let (file, text) = match loader.read_file(&path, &reader) {
            Ok(read) => read,
            Err(refusal) => {
                let shown = normalize(&path);
                let source = Arc::new(crate::source::SourceFile::from_path(&shown, ""));
                let message =
                    refusal.message(&format!("`{}`", crate::source::display_path(&shown)), &reader.shown_root);
                if refusal.is_confinement() {
                    loader.once(crate::lint::rules::read_outside_root::finding(
                        &source,
                        crate::source::Span::at(0),
                        &message,
                    ));
                } else {
                    loader.once(crate::lint::rules::invalid_json::unreadable(&source, &message));
                }
                continue;
            }
        };
        let at = value::Loc { file, span: crate::source::Span::at(0) };
        if name(&path).ends_with(".json") {
            match crate::source::json::parse(&text, &options.limits) {
                Ok(json) => {
                    for m in json.as_object().unwrap_or_default() {
                        values.insert(m.key.node.to_string(), functions::from_json(&m.value, at));
                    }
                }
                Err(error) => loader.once(crate::lint::rules::invalid_json::finding(&loader.file(file), &error)),
            }
            continue;
        }
        match hcl_edit::parser::parse_body(&text) {
            Ok(body) => {
                let each = loader::Each::default();
                let scope = eval::Scope { inst: None, file, each: &each, vars: &eval::Vars::None };
                for a in body.iter().filter_map(Structure::as_attribute) {
                    values.insert(a.key.as_str().to_owned(), loader.settle(loader.eval(&scope, &a.value)));
                }
            }
            Err(error) => {
                let at = error.location().offset();
                let problem = crate::policy::PolicyProblem {
                    span: crate::source::Span::from_range(at, at.saturating_add(1)),
                    message: format!("`{}` is not valid HCL: {}", loader.file(file).name, error.message()),
                    label: SYNTAX_ERROR_LABEL.to_owned(),
                    help: "fix the syntax; no value of this file was read".to_owned(),
                };
                loader.once(crate::lint::rules::invalid_policy::finding(&loader.file(file), &problem));
            }
        }
    }
    values
}

/// The account of a tree's resources: the `[accounts]` entry whose `terraform` globs match its files, else
/// the one account of the `aws` provider's `allowed_account_ids`, else the only account `[accounts]` names
/// (when it has no globs). `None`: the placeholder `000000000000` is simulated and said so.
fn account_of(loader: &Loader, root: usize, input: &InputDir, options: &TfOptions) -> Option<(String, String)> {
    let config = options.config.as_ref();
    let files: Vec<PathBuf> = match loader.instance(root) {
        Some(i) => i.src.files.iter().map(|f| loader.file(f.id).path.clone()).collect(),
        None => input.files.clone(),
    };
    if let Some(a) = config.and_then(|c| c.account_matching(&files)) {
        return Some((a.id.clone(), "mintlint.toml `[accounts]`".to_owned()));
    }
    let instance = loader.instance(root)?;
    let mut ids: Vec<String> = Vec::new();
    for (file, block) in &instance.src.providers {
        let Some(expr) = module::attribute(&block.body, "allowed_account_ids") else { continue };
        let each = loader::Each::default();
        let scope = eval::Scope { inst: Some(root), file: *file, each: &each, vars: &eval::Vars::None };
        let v = loader.settle(loader.eval(&scope, expr));
        if let Some(items) = v.as_list()
            && let [one] = items
            && let Ok(Some(id)) = one.to_text()
        {
            ids.push(id.to_string());
        }
    }
    ids.sort();
    ids.dedup();
    if let [one] = ids.as_slice() {
        return Some((one.clone(), "the `aws` provider's `allowed_account_ids`".to_owned()));
    }
    config
        .and_then(crate::config::Config::only_account)
        .map(|a| (a.id.clone(), "mintlint.toml `[accounts]`".to_owned()))
}
