//! A module's source: the `.tf` files of one directory, parsed once, with its declarations indexed
//! (variables, locals, outputs, resources, data sources, module calls, providers). Instances of the module
//! (one per call, `count` and `for_each` key) share it.

use std::collections::HashMap;
use std::path::PathBuf;

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};

use super::value::FileId;

/// One parsed `.tf` file.
pub(super) struct TfFile {
    pub id: FileId,
    pub body: Body,
}

pub(super) struct Variable {
    pub file: FileId,
    pub default: Option<Expression>,
    pub ty: Option<Expression>,
    /// `nullable = false`: a null argument takes the default.
    pub nullable: bool,
    /// The block's label, where "has no value" is reported.
    pub span: crate::source::Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Mode {
    Managed,
    Data,
}

/// A `resource` or `data` block.
pub(super) struct Resource {
    pub mode: Mode,
    pub ty: String,
    pub name: String,
    pub file: FileId,
    pub block: Block,
}

impl Resource {
    /// `aws_iam_role.x`, `data.aws_iam_policy_document.y` (without module prefix or instance key).
    pub fn address(&self) -> String {
        match self.mode {
            Mode::Managed => format!("{}.{}", self.ty, self.name),
            Mode::Data => format!("data.{}.{}", self.ty, self.name),
        }
    }
}

/// A `module` block.
pub(super) struct Call {
    pub name: String,
    pub file: FileId,
    pub block: Block,
    /// The literal `source` and its span (Terraform requires a literal).
    pub source: Option<(String, crate::source::Span)>,
}

/// Everything declared in one module directory.
pub(super) struct ModuleSource {
    /// The directory as the user would name it (normalized).
    pub dir: PathBuf,
    pub canonical: PathBuf,
    pub files: Vec<TfFile>,
    pub variables: HashMap<String, Variable>,
    pub locals: HashMap<String, (FileId, Expression)>,
    pub outputs: HashMap<String, (FileId, Expression)>,
    pub resources: Vec<Resource>,
    pub resource_index: HashMap<(Mode, String, String), usize>,
    pub calls: Vec<Call>,
    pub call_index: HashMap<String, usize>,
    /// `provider "aws"` blocks.
    pub providers: Vec<(FileId, Block)>,
}

impl ModuleSource {
    pub fn new(dir: PathBuf, canonical: PathBuf, files: Vec<TfFile>) -> ModuleSource {
        let mut m = ModuleSource {
            dir,
            canonical,
            files: Vec::new(),
            variables: HashMap::new(),
            locals: HashMap::new(),
            outputs: HashMap::new(),
            resources: Vec::new(),
            resource_index: HashMap::new(),
            calls: Vec::new(),
            call_index: HashMap::new(),
            providers: Vec::new(),
        };
        for file in &files {
            for block in file.body.iter().filter_map(Structure::as_block) {
                m.declare(file.id, block);
            }
        }
        m.files = files;
        m
    }

    fn declare(&mut self, file: FileId, block: &Block) {
        let label = |i: usize| block.labels.get(i).map(|l| l.as_str().to_owned());
        match (block.ident.as_str(), label(0), label(1)) {
            ("variable", Some(name), _) => {
                let nullable = attribute(&block.body, "nullable").and_then(Expression::as_bool).unwrap_or(true);
                let span = block.labels.first().and_then(hcl_edit::Span::span).map_or_else(
                    || span_of(hcl_edit::Span::span(block)),
                    |r| crate::source::Span::from_range(r.start, r.end),
                );
                self.variables.insert(
                    name,
                    Variable {
                        file,
                        default: attribute(&block.body, "default").cloned(),
                        ty: attribute(&block.body, "type").cloned(),
                        nullable,
                        span,
                    },
                );
            }
            ("locals", _, _) => {
                for a in block.body.iter().filter_map(Structure::as_attribute) {
                    self.locals.insert(a.key.as_str().to_owned(), (file, a.value.clone()));
                }
            }
            ("output", Some(name), _) => {
                if let Some(value) = attribute(&block.body, "value") {
                    self.outputs.insert(name, (file, value.clone()));
                }
            }
            (kind @ ("resource" | "data"), Some(ty), Some(name)) => {
                let mode = if kind == "data" { Mode::Data } else { Mode::Managed };
                self.resource_index.insert((mode, ty.clone(), name.clone()), self.resources.len());
                self.resources.push(Resource { mode, ty, name, file, block: block.clone() });
            }
            ("module", Some(name), _) => {
                let source = attribute(&block.body, "source").and_then(|e| {
                    let text = literal_string(e)?;
                    Some((text, span_of(hcl_edit::Span::span(e))))
                });
                self.call_index.insert(name.clone(), self.calls.len());
                self.calls.push(Call { name, file, block: block.clone(), source });
            }
            ("provider", Some(name), _) if name == "aws" => self.providers.push((file, block.clone())),
            _ => {}
        }
    }

    pub fn resource(&self, mode: Mode, ty: &str, name: &str) -> Option<usize> {
        self.resource_index.get(&(mode, ty.to_owned(), name.to_owned())).copied()
    }
}

pub(super) fn span_of(range: Option<std::ops::Range<usize>>) -> crate::source::Span {
    range.map_or_else(|| crate::source::Span::at(0), |r| crate::source::Span::from_range(r.start, r.end))
}

pub(super) fn attribute<'a>(body: &'a Body, key: &str) -> Option<&'a Expression> {
    body.iter().filter_map(Structure::as_attribute).find(|a| a.key.as_str() == key).map(|a| &a.value)
}

pub(super) fn blocks<'a>(body: &'a Body, ident: &'a str) -> impl Iterator<Item = &'a Block> {
    body.iter().filter_map(Structure::as_block).filter(move |b| b.ident.as_str() == ident)
}

/// The text of a string literal (a template without interpolations), as module `source` must be.
pub(super) fn literal_string(expr: &Expression) -> Option<String> {
    match expr {
        Expression::String(s) => Some(s.value().clone()),
        Expression::StringTemplate(t) => {
            let mut out = String::new();
            for element in t.iter() {
                out.push_str(element.as_literal()?.value());
            }
            Some(out)
        }
        _ => None,
    }
}
