//! The state of one load: the file table, module sources (each directory parsed once), module instances
//! with their memoised values, the evaluation budget, and the findings met on the way.
//!
//! Evaluation is lazy and memoised per module instance: a local, a variable, an output, a resource
//! attribute or the instances of a resource are computed once, on first use, whatever the number of
//! references to them (15 levels of `concat(local.x, local.x)` cost 15 evaluations, not 2^15). A value that
//! refers to itself while being computed is a cycle and unknown. Every evaluation step draws on one fuel
//! budget and one depth budget, and every value on a size budget, so no input can make the loader run long
//! or deep; what the budget cuts off is unknown, and said so once.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use crate::lint::Finding;
use crate::source::json::Limits;
use crate::source::{SourceFile, Span};

use super::module::ModuleSource;
use super::reader::Reader;
use super::value::{FileId, Loc, Value};

/// Evaluation steps for one load (each expression node, each value node built). Real configurations use
/// well under a million; the hostile ones this guards against want billions.
pub(super) const FUEL: u64 = 20_000_000;
/// Nested evaluations (expressions within expressions, references followed). A chain of locals uses a few
/// per link; the loader runs on a thread whose stack holds this many comfortably.
pub(super) const MAX_DEPTH: u32 = 600;
/// Nodes in one value.
pub(super) const MAX_VALUE_NODES: usize = 200_000;
/// Module instances per load, and nesting of module calls.
pub(super) const MAX_INSTANCES: usize = 5_000;
pub(super) const MAX_MODULE_DEPTH: usize = 32;

/// An instance key: none, a `count` index or a `for_each` key; unknown when the collection is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Key {
    None,
    Index(i64),
    Name(String),
    Unknown,
}

impl Key {
    /// As Terraform writes it in an address: `[0]`, `["payments"]`; `[?]` for instances not known statically.
    pub fn suffix(&self) -> String {
        match self {
            Key::None => String::new(),
            Key::Index(i) => format!("[{i}]"),
            Key::Name(n) => format!("[{}]", serde_json::to_string(n).unwrap_or_default()),
            Key::Unknown => "[?]".to_owned(),
        }
    }
}

/// What `count.index`, `each.key` and `each.value` are in one instance.
#[derive(Clone, Debug, Default)]
pub(super) struct Each {
    pub index: Option<Value>,
    pub key: Option<Value>,
    pub value: Option<Value>,
}

/// The instances of a resource or module call.
#[derive(Clone, Debug)]
pub(super) enum Expansion {
    /// No `count` or `for_each`: one instance without key.
    Single,
    Count(Vec<(Key, Each)>),
    ForEach(Vec<(Key, Each)>),
    /// `count`/`for_each` not known statically: read as one instance of unknown key, and reported.
    Unknown(Value),
}

impl Expansion {
    pub fn instances(&self) -> Vec<(Key, Each)> {
        match self {
            Expansion::Single => vec![(Key::None, Each::default())],
            Expansion::Count(keys) | Expansion::ForEach(keys) => keys.clone(),
            Expansion::Unknown(v) => {
                let unknown = Value::new(v.kind.clone(), v.loc);
                vec![(
                    Key::Unknown,
                    Each { index: Some(unknown.clone()), key: Some(unknown.clone()), value: Some(unknown) },
                )]
            }
        }
    }
}

/// A module call's instances: module instance ids by key, or why the module was not read.
#[derive(Clone, Debug)]
pub(super) enum CallInstances {
    Read {
        expansion: Expansion,
        children: Vec<(Key, usize)>,
    },
    /// Remote and not downloaded, a cycle, outside the root, missing, or over budget: its outputs are unknown.
    NotRead(Value),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Slot {
    Var(String),
    Local(String),
    Output(String),
    Attr(usize, Key, String),
    Object(usize, Key),
}

pub(super) enum State<T> {
    Busy,
    Done(T),
}

#[derive(Default)]
pub(super) struct Memo {
    pub values: HashMap<Slot, State<Value>>,
    pub expansions: HashMap<usize, State<Rc<Expansion>>>,
    pub calls: HashMap<usize, State<Rc<CallInstances>>>,
}

/// Where a child module's variables come from: the `module` block of its parent instance.
pub(super) struct Parent {
    pub inst: usize,
    pub call: usize,
    pub each: Each,
}

/// One instance of a module: the root module of a tree, or one call (and key) of a child.
pub(super) struct Instance {
    pub src: Rc<ModuleSource>,
    pub tree: usize,
    /// `module.a["k"].module.b[0].`, empty for a root module.
    pub prefix: String,
    /// The `.terraform/modules/modules.json` key: call names joined by `.`.
    pub key_path: String,
    pub parent: Option<Parent>,
    /// Canonical directories from the root down to this one: a call to any of them is a cycle.
    pub ancestors: Vec<PathBuf>,
    /// The files holding the `module` blocks that led here (a `check` of those files reports this module's
    /// policies, read with the values the calls pass).
    pub via: Vec<FileId>,
    /// For a root module read on its own: values from `.tfvars`, and the variables some caller in the
    /// inputs sets (unknown here: the module's real values come from its callers).
    pub root_values: HashMap<String, Value>,
    pub caller_set: HashMap<String, String>,
    pub memo: RefCell<Memo>,
}

impl Instance {
    pub fn depth(&self) -> usize {
        self.ancestors.len()
    }
}

/// One configuration tree: a root module and everything it calls, confined to one root directory.
pub(super) struct Tree {
    pub reader: Reader,
    /// The root module's directory as written (`path.root`, the base of `file()` paths).
    pub dir: PathBuf,
    /// The account its resources live in, and how it is known.
    pub account: Option<(String, String)>,
    /// `.terraform/modules/modules.json` of the root module: module key → directory (as written).
    pub installed: Option<HashMap<String, PathBuf>>,
}

/// The budget shared by one load.
pub(super) struct Budget {
    pub fuel: Cell<u64>,
    pub depth: Cell<u32>,
    /// Where the budget first ran out (reported once).
    pub exhausted: Cell<Option<Loc>>,
}

pub(super) struct Loader {
    pub limits: Limits,
    pub files: RefCell<Vec<Arc<SourceFile>>>,
    /// Module sources by canonical directory; `None` for a directory that could not be read.
    pub sources: RefCell<HashMap<PathBuf, Option<Rc<ModuleSource>>>>,
    pub instances: RefCell<Vec<Rc<Instance>>>,
    pub trees: Vec<Tree>,
    pub findings: RefCell<Vec<Finding>>,
    pub budget: Budget,
}

impl Loader {
    pub fn new(limits: Limits) -> Loader {
        Loader {
            limits,
            files: RefCell::new(Vec::new()),
            sources: RefCell::new(HashMap::new()),
            instances: RefCell::new(Vec::new()),
            trees: Vec::new(),
            findings: RefCell::new(Vec::new()),
            budget: Budget { fuel: Cell::new(FUEL), depth: Cell::new(0), exhausted: Cell::new(None) },
        }
    }

    pub fn add_file(&self, source: SourceFile) -> FileId {
        let mut files = self.files.borrow_mut();
        files.push(Arc::new(source));
        u32::try_from(files.len() - 1).unwrap_or(u32::MAX)
    }

    pub fn file(&self, id: FileId) -> Arc<SourceFile> {
        self.files
            .borrow()
            .get(id as usize)
            .cloned()
            .unwrap_or_else(|| Arc::new(SourceFile::new(PathBuf::new(), "", "")))
    }

    pub fn instance(&self, id: usize) -> Option<Rc<Instance>> {
        self.instances.borrow().get(id).cloned()
    }

    pub fn push_instance(&self, instance: Instance) -> usize {
        let mut all = self.instances.borrow_mut();
        all.push(Rc::new(instance));
        all.len() - 1
    }

    pub fn finding(&self, finding: Finding) {
        self.findings.borrow_mut().push(finding);
    }

    /// Spend fuel; `false` once it is gone (the first place is remembered for the finding).
    pub fn spend(&self, amount: u64, at: Loc) -> bool {
        let left = self.budget.fuel.get();
        if left < amount {
            self.budget.fuel.set(0);
            if self.budget.exhausted.get().is_none() {
                self.budget.exhausted.set(Some(at));
            }
            return false;
        }
        self.budget.fuel.set(left - amount);
        true
    }

    /// Enter one level of evaluation; `None` when too deep (the guard leaves the level when dropped).
    pub fn enter(&self, at: Loc) -> Option<DepthGuard<'_>> {
        let depth = self.budget.depth.get();
        if depth >= MAX_DEPTH {
            if self.budget.exhausted.get().is_none() {
                self.budget.exhausted.set(Some(at));
            }
            return None;
        }
        self.budget.depth.set(depth + 1);
        Some(DepthGuard { depth: &self.budget.depth })
    }

    pub fn tree_of(&self, inst: usize) -> Option<&Tree> {
        self.instance(inst).and_then(|i| self.trees.get(i.tree))
    }
}

pub(super) struct DepthGuard<'a> {
    depth: &'a Cell<u32>,
}

impl Drop for DepthGuard<'_> {
    fn drop(&mut self) {
        self.depth.set(self.depth.get().saturating_sub(1));
    }
}

pub(super) fn loc(file: FileId, range: Option<std::ops::Range<usize>>) -> Loc {
    Loc { file, span: range.map_or_else(|| Span::at(0), |r| Span::from_range(r.start, r.end)) }
}
