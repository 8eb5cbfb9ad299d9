//! `check`: discover the inputs, read and parse each once, run the rules, collect findings and statistics.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crate::input::embedded::EmbeddedDocument;
use crate::lint::rules::{invalid_json, invalid_policy, unused_suppression};
use crate::lint::{
    Document, Finding, LintContext, PolicyUnit, Severity, lint_document, lint_document_input, needs_input_rules,
};
use crate::policy::{PolicyKind, parse_document};
use crate::source::discover::{FileFilter, MissingPath, discover};
use crate::source::json;
use crate::source::limits::{ReadError, read_limited_pooled};
use crate::source::{InputKind, InputLimits, SizeKind, SourceFile, Span};

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
}

/// `[[rules.per_path]]` of `mintlint.toml`: rules ignored in files matching globs, relative to the config's
/// directory.
#[derive(Clone, Debug, Default)]
pub struct Suppressions {
    /// The configuration file (findings about unused ignores point into it).
    pub source: Option<Arc<SourceFile>>,
    /// The directory globs are relative to.
    pub base: Option<PathBuf>,
    pub entries: Vec<PerPathIgnore>,
}

#[derive(Clone, Debug)]
pub struct PerPathIgnore {
    pub globs: Vec<glob::Pattern>,
    /// Rule (code or name) and the span of its name in the configuration.
    pub rules: Vec<(String, Span)>,
}

/// What kind of policy loose files are (DESIGN §9.1): `--kind`, else the first `[[files.kind]]` of
/// `mintlint.toml` whose globs match, else the content decides (see [`PolicyKind::by_content`]).
#[derive(Clone, Debug, Default)]
pub struct FileKinds {
    /// `--kind`: the kind of every loose policy file of the run.
    pub forced: Option<PolicyKind>,
    /// The directory the globs are relative to (the configuration's).
    pub base: Option<PathBuf>,
    /// `[[files.kind]]` entries, in file order: the first match wins.
    pub entries: Vec<KindEntry>,
}

#[derive(Clone, Debug)]
pub struct KindEntry {
    pub globs: Vec<glob::Pattern>,
    pub kind: PolicyKind,
}

impl FileKinds {
    /// The kind the user gave for this file, if any.
    pub fn kind_of(&self, path: &Path) -> Option<PolicyKind> {
        if self.forced.is_some() {
            return self.forced;
        }
        if self.entries.is_empty() {
            return None;
        }
        let relative = config_relative(self.base.as_deref()?, path)?;
        self.entries.iter().find(|e| e.globs.iter().any(|g| g.matches_with(&relative, GLOB_OPTIONS))).map(|e| e.kind)
    }
}

/// How configuration globs match paths: `*` may cross `/` (as `**` does), and a leading dot needs no literal
/// dot.
pub const GLOB_OPTIONS: glob::MatchOptions =
    glob::MatchOptions { case_sensitive: true, require_literal_separator: false, require_literal_leading_dot: false };

/// `path` relative to the configuration's directory `base`, `/`-separated, when it lies under it.
pub fn config_relative(base: &Path, path: &Path) -> Option<String> {
    crate::source::discover::relative_to_base(base, path)
}

#[derive(Clone, Debug)]
pub struct CheckOptions {
    pub paths: Vec<PathBuf>,
    pub filter: FileFilter,
    /// The size limit of each kind of input.
    pub limits: InputLimits,
    pub rules: RuleSelection,
    pub suppressions: Suppressions,
    pub kinds: FileKinds,
    pub lint: LintContext,
    /// The configuration: its `[accounts]` and `[[relying_party]]` feed the relying-party join.
    pub config: Option<crate::config::Config>,
}

/// Counts for `--stats` and the JSON report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub files: usize,
    /// Files read that hold no policy (`package.json`, `tsconfig.json`): skipped (DESIGN §9.1).
    pub not_policies: usize,
    pub policies: usize,
    pub statements: usize,
    pub findings: usize,
    pub elapsed_ms: u128,
    /// Files named on the command line that could not be read (a FIFO, a device, no permission): the run
    /// still checks everything else and reports them, and exits 2 (DESIGN §2, "unreadable path").
    pub unreadable: usize,
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
    /// The documents read (a policy file is one; a Terraform plan or snapshot holds several).
    documents: Vec<Document>,
    /// Some Allow of these documents grants the tag permission of a token request.
    grants_tag_minting: bool,
    /// The findings of the whole-input rules, which depend on the input only through whether some Allow
    /// anywhere grants the tag permission: as they are when none does, and when one does. Computed as each
    /// document is linted, so no document is kept to the end (a plan's 100,000 documents were).
    input_findings: [Vec<Finding>; 2],
    /// The file is an inventory (Terraform, account snapshot), and whether it configures relying parties.
    inventory: Option<(PathBuf, bool)>,
    /// The file holds no policy and was skipped.
    not_policy: bool,
    policies: usize,
    statements: usize,
    /// The file could not be read at all.
    unreadable: bool,
}

/// What the rules found in one document: whether it grants the tag permission, the per-document findings,
/// and the whole-input findings without and with the tag permission granted elsewhere.
type Linted = (bool, Vec<Finding>, [Vec<Finding>; 2]);

impl FileOutcome {
    /// Add the results of linting documents, in document order.
    fn add_linted(&mut self, linted: impl IntoIterator<Item = Linted>) {
        for (grants_tag, found, [without, with]) in linted {
            self.grants_tag_minting |= grants_tag;
            self.findings.extend(found);
            let [all_without, all_with] = &mut self.input_findings;
            all_without.extend(without);
            all_with.extend(with);
        }
    }
}

/// The whole-input rules read one fact of the input (`grants_tag_minting`): they run on each document under
/// both of its values, and the answer for the value the input has is kept at the end.
fn input_contexts(lint: &LintContext) -> [LintContext; 2] {
    [false, true].map(|grants| {
        let mut lint = lint.clone();
        lint.input.grants_tag_minting |= grants;
        lint
    })
}

/// Run the rules on one document.
fn lint_one(doc: &Document, lint: &LintContext, input_contexts: &[LintContext; 2]) -> Linted {
    let grants_tag = doc.statements().any(|s| s.facts.grants_tag());
    let mut found = Vec::new();
    lint_document(doc, lint, &mut found);
    if !found.is_empty() {
        doc.source.index_lines();
    }
    let mut input = [Vec::new(), Vec::new()];
    if needs_input_rules(doc) {
        for (ctx, out) in input_contexts.iter().zip(input.iter_mut()) {
            lint_document_input(doc, ctx, out);
        }
    }
    (grants_tag, found, input)
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
    // Files are independent: each is read, parsed and linted by the per-document rules in parallel, and only
    // the documents that take part in minting are kept for the rules that judge them by what the whole input
    // grants (the per-document rules never read those facts). Findings are sorted below, so the output does
    // not depend on the schedule.
    use rayon::prelude::*;
    // Terraform source is read a module tree at a time (a module's variables, locals and callers are in
    // other files), then each of its documents is linted like any other.
    let (terraform, files): (Vec<PathBuf>, Vec<PathBuf>) = discovered
        .files
        .iter()
        .cloned()
        .partition(|p| crate::input::tfsource::is_terraform_source(p) || crate::input::tfsource::is_tfvars(p));
    let terraform = check_terraform(&terraform, options);
    // The whole-input rules read one fact of the input (`grants_tag_minting`): they run on each document
    // under both of its values, and the answer for the value the input has is kept below.
    let input_contexts = input_contexts(&options.lint);
    let outcomes: Vec<FileOutcome> = files
        .par_iter()
        .map(|path| check_file(path, options))
        .chain(terraform.into_par_iter())
        .map(|mut outcome| {
            // A file of many documents (`.tf` trees) has them linted in parallel too, in order.
            let documents = std::mem::take(&mut outcome.documents);
            let linted: Vec<Linted> =
                documents.into_par_iter().map(|doc| lint_one(&doc, &options.lint, &input_contexts)).collect();
            outcome.add_linted(linted);
            outcome
        })
        .collect();
    let mut grants_tag_minting = false;
    let mut input_findings = [Vec::new(), Vec::new()];
    let inventories: Vec<(PathBuf, bool)> = outcomes.iter().filter_map(|o| o.inventory.clone()).collect();
    stats.unreadable =
        discovered.files.iter().zip(&outcomes).filter(|(path, o)| o.unreadable && options.paths.contains(path)).count();
    for outcome in outcomes {
        stats.policies += outcome.policies;
        stats.not_policies += usize::from(outcome.not_policy);
        stats.statements += outcome.statements;
        findings.extend(outcome.findings);
        grants_tag_minting |= outcome.grants_tag_minting;
        let [without, with] = outcome.input_findings;
        let [all_without, all_with] = &mut input_findings;
        all_without.extend(without);
        all_with.extend(with);
    }
    let [without, with] = input_findings;
    findings.extend(if grants_tag_minting { with } else { without });
    findings.extend(relying_findings(&inventories, options));
    let findings = apply_suppressions(findings, &discovered.files, &options.suppressions);
    let mut findings: Vec<Finding> = findings
        .into_iter()
        .filter_map(|mut f| {
            f.severity = options.rules.severity_of(&f)?;
            Some(f)
        })
        .collect();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    // A file walked as a loose policy and read by a `.tf` file's `file()` is linted twice: what would print
    // twice, identically (same file name, place, rule and message), is reported once.
    findings.dedup_by(|a, b| a.sort_key() == b.sort_key() && a.message == b.message && a.label == b.label);
    let findings = drop_plan_echoes(findings);
    stats.findings = findings.len();
    stats.elapsed_ms = started.elapsed().as_millis();
    Ok(CheckReport { findings, stats })
}

/// The Terraform address a finding's document was read from (`data.aws_iam_policy_document.x` of
/// `dir/main.tf › data.aws_iam_policy_document.x` or of `dir/plan.json › data.aws_iam_policy_document.x ›
/// json`), with the directory of the file.
fn terraform_origin(finding: &Finding) -> Option<(&Path, &str)> {
    let mut parts = finding.source.name.split(" › ");
    let file = parts.next()?;
    let address = parts.next()?;
    let dir = finding.source.path.parent()?;
    Some((dir, address)).filter(|_| !file.is_empty())
}

/// A `main.tf` checked beside its own plan (`plan.json` of the same directory) reaches each document twice:
/// a finding of the plan that the source already reports (same directory, resource address, rule and message)
/// is dropped, so the source's readable line stands for both. Findings only the plan has (values known at
/// plan time) stay.
fn drop_plan_echoes(findings: Vec<Finding>) -> Vec<Finding> {
    let is_source = |f: &Finding| crate::input::tfsource::is_terraform_source(&f.source.path);
    let from_source: std::collections::HashSet<(&Path, &str, &str, &str)> = findings
        .iter()
        .filter(|f| is_source(f))
        .filter_map(|f| terraform_origin(f).map(|(dir, address)| (dir, address, f.rule.code, f.message.as_str())))
        .collect();
    if from_source.is_empty() {
        return findings;
    }
    let echo: Vec<bool> = findings
        .iter()
        .map(|f| {
            !is_source(f)
                && terraform_origin(f).is_some_and(|(dir, address)| {
                    from_source.contains(&(dir, address, f.rule.code, f.message.as_str()))
                })
        })
        .collect();
    findings.into_iter().zip(echo).filter(|(_, echo)| !echo).map(|(f, _)| f).collect()
}

/// Drop findings that a per-path ignore covers, and report every ignore that matched a checked file but no
/// finding: suppressions must not outlive the problem they hid. Ignores for files not checked in this run are
/// not judged (a pre-commit run checks a few files only).
fn apply_suppressions(findings: Vec<Finding>, files: &[PathBuf], suppressions: &Suppressions) -> Vec<Finding> {
    let (Some(config), Some(base)) = (&suppressions.source, &suppressions.base) else { return findings };
    if suppressions.entries.is_empty() {
        return findings;
    }
    let relative = |path: &Path| config_relative(base, path);
    let matches = |entry: &PerPathIgnore, rel: &str| entry.globs.iter().any(|g| g.matches_with(rel, GLOB_OPTIONS));
    let checked: Vec<String> = files.iter().filter_map(|f| relative(f)).collect();
    let mut used: Vec<Vec<bool>> = suppressions.entries.iter().map(|e| vec![false; e.rules.len()]).collect();
    let mut relative_cache: std::collections::HashMap<Arc<str>, Option<String>> = std::collections::HashMap::new();
    let mut kept = Vec::new();
    for finding in findings {
        let rel = relative_cache
            .entry(Arc::clone(&finding.source.name))
            .or_insert_with(|| relative(&finding.source.path))
            .clone();
        let mut suppressed = false;
        if let Some(rel) = &rel {
            for (entry, used) in suppressions.entries.iter().zip(used.iter_mut()) {
                if !matches(entry, rel) {
                    continue;
                }
                for ((rule, _), flag) in entry.rules.iter().zip(used.iter_mut()) {
                    if finding.rule.is_named(rule) {
                        *flag = true;
                        suppressed = true;
                    }
                }
            }
        }
        if !suppressed {
            kept.push(finding);
        }
    }
    for (entry, used) in suppressions.entries.iter().zip(&used) {
        if !checked.iter().any(|rel| matches(entry, rel)) {
            continue;
        }
        for ((rule, span), used) in entry.rules.iter().zip(used) {
            if !used {
                kept.push(unused_suppression::finding(config, *span, rule));
            }
        }
    }
    kept
}

/// The `.tf` files of the input (and `.tfvars` files named on the command line): their module trees read once,
/// one outcome per document so they lint in parallel.
fn check_terraform(paths: &[PathBuf], options: &CheckOptions) -> Vec<FileOutcome> {
    use crate::input::tfsource;
    let tf: Vec<PathBuf> = paths.iter().filter(|p| tfsource::is_terraform_source(p)).cloned().collect();
    if tf.is_empty() {
        return Vec::new();
    }
    let mut tf_options = tfsource::TfOptions::new(options.limits.json(SizeKind::Policy));
    tf_options.inputs.clone_from(&options.paths);
    tf_options.var_files = paths.iter().filter(|p| tfsource::is_tfvars(p)).cloned().collect();
    tf_options.config.clone_from(&options.config);
    let mut inventory = tfsource::load_for_check(&tf, &tf_options);
    let mut first = FileOutcome::default();
    // The relying-party join reads the inventory of every Terraform input again, as a whole.
    let relying = !inventory.relying.is_empty();
    let mut out: Vec<FileOutcome> =
        tf.iter().map(|p| FileOutcome { inventory: Some((p.clone(), relying)), ..FileOutcome::default() }).collect();
    let documents = std::mem::take(&mut inventory.documents);
    let duplicates: std::collections::HashSet<*const SourceFile> =
        documents.iter().filter(|d| d.duplicate_of.is_some()).map(|d| Arc::as_ptr(&d.source)).collect();
    first.findings.extend(
        std::mem::take(&mut inventory.findings).into_iter().filter(|f| !duplicates.contains(&Arc::as_ptr(&f.source))),
    );
    out.push(first);
    for doc in documents.into_iter().filter(|d| d.duplicate_of.is_none()) {
        let mut outcome = FileOutcome::default();
        if let Some(json) = doc.json {
            lint_policy_document(doc.source, json, doc.kind, doc.unknown, &mut outcome);
        }
        out.push(outcome);
    }
    // Fixes are JSON edits: their replacement text would not be HCL.
    for outcome in &mut out {
        outcome.findings.iter_mut().for_each(|f| f.fix = None);
    }
    out
}

fn check_file(path: &Path, options: &CheckOptions) -> FileOutcome {
    let mut outcome = FileOutcome::default();
    // The kind is known only once the content is read: a file is read whole up to the larger of the policy and
    // the plan/snapshot limits, and held to its own kind's limit once classified.
    let any = options.limits.any_document();
    let limits = options.limits.json(any);
    let too_large = |kind: SizeKind, size: usize| {
        let source = Arc::new(SourceFile::from_path(path, ""));
        let limit = usize::try_from(options.limits.of(kind)).unwrap_or(usize::MAX);
        let error = json::JsonError { kind: json::JsonErrorKind::TooLarge { size, limit, kind }, span: Span::at(0) };
        invalid_json::finding(&source, &error)
    };
    let bytes = match read_limited_pooled(path, limits.max_bytes as u64) {
        Ok(bytes) => bytes,
        Err(ReadError::Io(reason)) => {
            let source = Arc::new(SourceFile::from_path(path, ""));
            outcome.findings.push(invalid_json::unreadable(&source, &reason));
            outcome.unreadable = true;
            return outcome;
        }
        Err(ReadError::TooLarge(size)) => {
            outcome.findings.push(too_large(any, usize::try_from(size).unwrap_or(usize::MAX)));
            return outcome;
        }
    };
    let source = match crate::input::decode_text(path, &bytes, &limits) {
        Ok(source) => source,
        Err(_) if !crate::source::classify::text_has_policy_signal(&String::from_utf8_lossy(&bytes)) => {
            outcome.not_policy = true;
            return outcome;
        }
        Err((source, error)) => {
            outcome.findings.push(invalid_json::finding(&source, &error));
            return outcome;
        }
    };
    drop(bytes);
    let value = match crate::input::parse_input(&source.text, &limits) {
        Ok(value) => value,
        // A broken policy is reported; broken JSON that is no policy (a `tsconfig.json` with comments) is not
        // this tool's business.
        Err(_) if !crate::source::classify::text_has_policy_signal(&source.text) => {
            outcome.not_policy = true;
            return outcome;
        }
        Err(error) => {
            outcome.findings.push(invalid_json::finding(&source, &error));
            return outcome;
        }
    };
    let input_kind = InputKind::classify(&value);
    let size_kind = match input_kind {
        InputKind::TerraformJson | InputKind::AccountSnapshot => SizeKind::Inventory,
        InputKind::Cases => SizeKind::Stream,
        InputKind::Policy | InputKind::CliOutput | InputKind::NotPolicy => SizeKind::Policy,
    };
    if source.text.len() as u64 > options.limits.of(size_kind) && input_kind != InputKind::NotPolicy {
        outcome.findings.push(too_large(size_kind, source.text.len()));
        return outcome;
    }
    let limits = limits.for_kind(SizeKind::Policy);
    let configured = options.kinds.kind_of(path);
    match input_kind {
        InputKind::Policy => {
            lint_policy_document(source, value, configured.unwrap_or(PolicyKind::Unknown), Vec::new(), &mut outcome);
        }
        InputKind::CliOutput => match crate::input::cli_output::wrapped_document(&source, &value, &limits) {
            Some((EmbeddedDocument::Read(document, json), kind)) => {
                lint_policy_document(document, json, configured.unwrap_or(kind), Vec::new(), &mut outcome);
            }
            Some((EmbeddedDocument::NotJson(_, finding) | EmbeddedDocument::Invalid(finding), _)) => {
                outcome.findings.push(*finding);
            }
            None => outcome.not_policy = true,
        },
        kind @ (InputKind::TerraformJson | InputKind::AccountSnapshot) => {
            let inventory = crate::input::load_inventory_file(&source, &value, kind, &limits);
            outcome.inventory = Some((path.to_path_buf(), !inventory.relying.is_empty()));
            lint_embedded_documents(&source, inventory, &options.lint, &mut outcome);
        }
        // Cases files are read by `simulate --cases`.
        InputKind::Cases => {}
        InputKind::NotPolicy => outcome.not_policy = true,
    }
    outcome
}

/// The relying-party rules (MINT120-MINT124): run when the inputs or `mintlint.toml` configure a relying
/// party, on the inventory of every Terraform and snapshot input together (a relying party in one file
/// trusts roles of another).
fn relying_findings(inventories: &[(PathBuf, bool)], options: &CheckOptions) -> Vec<Finding> {
    let configured = options.config.as_ref().is_some_and(|c| !c.relying_parties.is_empty());
    if !configured && !inventories.iter().any(|(_, rp)| *rp) {
        return Vec::new();
    }
    let paths: Vec<PathBuf> = inventories.iter().map(|(p, _)| p.clone()).collect();
    let mut inventory = match crate::input::load_inventory(&paths, &options.limits.json(SizeKind::Inventory)) {
        Ok(i) => i,
        // Unreadable inputs are reported by the per-file pass.
        Err(_) => return Vec::new(),
    };
    let config = options.config.as_ref();
    crate::relying::inputs::place_accounts(&mut inventory, config);
    let (principals, _) = crate::relying::inputs::principals(&inventory);
    let rps = crate::relying::inputs::relying_parties(&inventory, config);
    let accounts = crate::relying::inputs::accounts(config);
    let join = crate::relying::join::JoinOptions { assumptions: options.lint.assumptions, ..Default::default() };
    let report = crate::relying::analysis::analyse(rps, principals, &accounts, &join);
    crate::relying::analysis::findings(&report, &accounts)
}

/// Lint every policy embedded in a Terraform plan or account snapshot as the kind it is (trust, boundary,
/// SCP, …), once per document: a duplicate (a data source and the attribute it feeds) is reported on one.
fn lint_embedded_documents(
    file: &Arc<SourceFile>,
    inventory: crate::inventory::Inventory,
    lint: &LintContext,
    outcome: &mut FileOutcome,
) {
    // Sources compared by identity (the same `Arc`), in a set: a plan has as many documents as findings.
    let duplicates: std::collections::HashSet<*const SourceFile> = inventory
        .documents
        .iter()
        .filter(|d| d.duplicate_of.is_some() && !Arc::ptr_eq(&d.source, file))
        .map(|d| Arc::as_ptr(&d.source))
        .collect();
    let findings = inventory.findings.iter().filter(|f| !duplicates.contains(&Arc::as_ptr(&f.source)));
    outcome.findings.extend(findings.cloned());
    // A plan holds a document per policy attribute (200,000 in a plan of 100,000 roles): each is read into
    // policies and linted on its own, in parallel, and dropped; only findings are kept. The results are
    // joined in document order, problems first, as reading all and then linting all would order them.
    use rayon::prelude::*;
    let contexts = input_contexts(lint);
    let read: Vec<(FileOutcome, Vec<Linted>)> = inventory
        .documents
        .into_par_iter()
        .filter(|d| d.duplicate_of.is_none())
        .filter_map(|doc| {
            let json = doc.json?;
            let mut one = FileOutcome::default();
            lint_policy_document(doc.source, json, doc.kind, doc.unknown, &mut one);
            let linted = std::mem::take(&mut one.documents).iter().map(|d| lint_one(d, lint, &contexts)).collect();
            Some((one, linted))
        })
        .collect();
    let mut linted = Vec::with_capacity(read.len());
    for (one, results) in read {
        outcome.findings.extend(one.findings);
        outcome.policies += one.policies;
        outcome.statements += one.statements;
        linted.extend(results);
    }
    outcome.add_linted(linted);
}

/// Lint the policies of one document as `kind`; a kind the input does not name is decided per policy by
/// its content. `unknown` spans are values not known statically (problems there are not the policy's).
fn lint_policy_document(
    source: Arc<SourceFile>,
    value: json::Json,
    kind: PolicyKind,
    unknown: Vec<Span>,
    outcome: &mut FileOutcome,
) {
    let mut policies = Vec::new();
    for parsed in parse_document(&value, kind) {
        // A problem where a value is not known statically is the placeholder's, not the policy's.
        let problems =
            parsed.problems.iter().filter(|p| !unknown.iter().any(|u| crate::lint::document::touches(p.span, *u)));
        outcome.findings.extend(problems.map(|p| invalid_policy::finding(&source, p)));
        if let Some(policy) = parsed.policy {
            outcome.policies += 1;
            outcome.statements += policy.statements.len();
            let kind = kind.by_content(&policy);
            policies.push(PolicyUnit { policy, kind });
        }
    }
    outcome.documents.push(Document::new(source, value, policies).with_unknown(unknown));
}
