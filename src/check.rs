//! `check`: discover the inputs, read and parse each once, run the rules, collect findings and statistics.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crate::lint::rules::{invalid_json, invalid_policy};
use crate::lint::{Document, Finding, LintContext, PolicyUnit, Severity, lint_document};
use crate::policy::{PolicyKind, parse_document};
use crate::source::discover::{FileFilter, MissingPath, discover};
use crate::source::json::{self, Limits};
use crate::source::{InputKind, SourceFile};

/// Which rules report, and at what severity.
#[derive(Clone, Debug, Default)]
pub struct RuleSelection {
    /// When non-empty, only these rules (codes or names) report.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    /// Per-rule severity overrides (code or name → severity).
    pub severity: Vec<(String, Severity)>,
}

impl RuleSelection {
    /// The severity a finding of this rule is reported at, or `None` when the rule is not selected.
    pub fn severity_of(&self, finding: &Finding) -> Option<Severity> {
        let meta = finding.rule;
        if !self.select.is_empty() && !self.select.iter().any(|s| meta.is_named(s)) {
            return None;
        }
        if self.ignore.iter().any(|s| meta.is_named(s)) {
            return None;
        }
        Some(self.severity.iter().rev().find(|(r, _)| meta.is_named(r)).map_or(finding.severity, |(_, s)| *s))
    }

    /// Names in select/ignore/severity that are no rule: a usage error, since a typo would silently select
    /// nothing.
    pub fn unknown_rules(&self) -> Vec<String> {
        self.select
            .iter()
            .chain(&self.ignore)
            .chain(self.severity.iter().map(|(r, _)| r))
            .filter(|r| crate::lint::find_rule(r).is_none())
            .cloned()
            .collect()
    }
}

#[derive(Clone, Debug)]
pub struct CheckOptions {
    pub paths: Vec<PathBuf>,
    pub filter: FileFilter,
    pub limits: Limits,
    pub rules: RuleSelection,
    pub lint: LintContext,
}

/// Counts for `--stats` and the JSON report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub files: usize,
    pub policies: usize,
    pub statements: usize,
    pub findings: usize,
    pub elapsed_ms: u128,
}

#[derive(Debug)]
pub struct CheckReport {
    /// Sorted by file, position and rule.
    pub findings: Vec<Finding>,
    pub stats: Stats,
}

impl CheckReport {
    /// Whether any finding is at or above the threshold (`None` = never fail).
    pub fn fails(&self, threshold: Option<Severity>) -> bool {
        threshold.is_some_and(|t| self.findings.iter().any(|f| f.severity >= t))
    }
}

/// What one input file yielded.
#[derive(Default)]
struct FileOutcome {
    findings: Vec<Finding>,
    policies: usize,
    statements: usize,
}

pub fn run(options: &CheckOptions) -> Result<CheckReport, MissingPath> {
    let started = Instant::now();
    let discovered = discover(&options.paths, &options.filter)?;
    let mut findings = Vec::new();
    let mut stats = Stats { files: discovered.files.len() + discovered.unwalkable.len(), ..Stats::default() };
    for (path, reason) in &discovered.unwalkable {
        let source = Arc::new(SourceFile::from_path(path, ""));
        findings.push(invalid_json::unreadable(&source, reason));
    }
    for path in &discovered.files {
        let outcome = check_file(path, options);
        stats.policies += outcome.policies;
        stats.statements += outcome.statements;
        findings.extend(outcome.findings);
    }
    let mut findings: Vec<Finding> = findings
        .into_iter()
        .filter_map(|mut f| {
            f.severity = options.rules.severity_of(&f)?;
            Some(f)
        })
        .collect();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    stats.findings = findings.len();
    stats.elapsed_ms = started.elapsed().as_millis();
    Ok(CheckReport { findings, stats })
}

fn check_file(path: &Path, options: &CheckOptions) -> FileOutcome {
    let mut outcome = FileOutcome::default();
    // HCL is no JSON: Terraform source is told apart by its extension.
    if crate::input::tfsource::is_terraform_source(path) {
        let inventory = crate::input::tfsource::load_file(path, &options.limits);
        let file = Arc::new(SourceFile::from_path(path, ""));
        lint_embedded_documents(&file, inventory, options, &mut outcome);
        // Fixes are JSON edits: their replacement text would not be HCL.
        outcome.findings.iter_mut().for_each(|f| f.fix = None);
        return outcome;
    }
    let bytes = match read_limited(path, options.limits.max_bytes) {
        Ok(bytes) => bytes,
        Err(ReadError::Io(reason)) => {
            let source = Arc::new(SourceFile::from_path(path, ""));
            outcome.findings.push(invalid_json::unreadable(&source, &reason));
            return outcome;
        }
        Err(ReadError::TooLarge(size)) => {
            let source = Arc::new(SourceFile::from_path(path, ""));
            let error = json::JsonError {
                kind: json::JsonErrorKind::TooLarge { size, limit: options.limits.max_bytes },
                span: crate::source::Span::at(0),
            };
            outcome.findings.push(invalid_json::finding(&source, &error));
            return outcome;
        }
    };
    let source = match crate::input::decode_text(path, &bytes, &options.limits) {
        Ok(source) => source,
        Err((source, error)) => {
            outcome.findings.push(invalid_json::finding(&source, &error));
            return outcome;
        }
    };
    let value = match json::parse(&source.text, &options.limits) {
        Ok(value) => value,
        Err(error) => {
            outcome.findings.push(invalid_json::finding(&source, &error));
            return outcome;
        }
    };
    match InputKind::classify(&value) {
        InputKind::Policy => lint_policy_document(source, value, PolicyKind::Unknown, options, &mut outcome),
        kind @ (InputKind::TerraformJson | InputKind::AccountSnapshot) => {
            let inventory = crate::input::load_inventory_file(&source, &value, kind, &options.limits);
            lint_embedded_documents(&source, inventory, options, &mut outcome);
        }
        // Cases files are read by `simulate --cases`.
        InputKind::Cases => {}
    }
    outcome
}

/// Lint every policy embedded in a Terraform plan or account snapshot as the kind it is (trust, boundary,
/// SCP, …), once per document: a duplicate (a data source and the attribute it feeds) is reported on one.
fn lint_embedded_documents(
    file: &Arc<SourceFile>,
    inventory: crate::inventory::Inventory,
    options: &CheckOptions,
    outcome: &mut FileOutcome,
) {
    let duplicates: Vec<&Arc<SourceFile>> = inventory
        .documents
        .iter()
        .filter(|d| d.duplicate_of.is_some() && !Arc::ptr_eq(&d.source, file))
        .map(|d| &d.source)
        .collect();
    let findings = inventory.findings.iter().filter(|f| !duplicates.iter().any(|s| Arc::ptr_eq(s, &f.source)));
    outcome.findings.extend(findings.cloned());
    for doc in inventory.documents.into_iter().filter(|d| d.duplicate_of.is_none()) {
        if let Some(json) = doc.json {
            lint_policy_document(doc.source, json, doc.kind, options, outcome);
        }
    }
}

fn lint_policy_document(
    source: Arc<SourceFile>,
    value: json::Json,
    kind: PolicyKind,
    options: &CheckOptions,
    outcome: &mut FileOutcome,
) {
    let mut policies = Vec::new();
    for parsed in parse_document(&value, kind) {
        outcome.findings.extend(parsed.problems.iter().map(|p| invalid_policy::finding(&source, p)));
        if let Some(policy) = parsed.policy {
            outcome.policies += 1;
            outcome.statements += policy.statements.len();
            policies.push(PolicyUnit { policy, kind });
        }
    }
    let doc = Document { source, json: value, policies };
    lint_document(&doc, &options.lint, &mut outcome.findings);
}

enum ReadError {
    Io(String),
    TooLarge(usize),
}

/// Read a file, refusing before reading when it is over the limit (a 5 GB file must not be loaded).
fn read_limited(path: &Path, limit: usize) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| ReadError::Io(e.to_string()))?;
    let mut bytes = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    file.take(cap).read_to_end(&mut bytes).map_err(|e| ReadError::Io(e.to_string()))?;
    if bytes.len() > limit {
        let size = std::fs::metadata(path).map_or(bytes.len(), |m| usize::try_from(m.len()).unwrap_or(usize::MAX));
        return Err(ReadError::TooLarge(size));
    }
    Ok(bytes)
}
