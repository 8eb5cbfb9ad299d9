//! `mintlint diff BASELINE CURRENT`

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, ValueEnum};

use crate::diff::load::{LoadError, load_pair, load_side_as, sides};
use crate::diff::{DEFAULT_BUDGET, DiffOptions, DiffReport, diff, pair};
use crate::eval::{Assumptions, PolicySet};
use crate::lint::Finding;
use crate::report::{self, diff as render};
use crate::source::SizeKind;
use crate::source::SourceFile;

use super::{ColorArg, Exit, Outcome};

#[derive(Clone, Copy, Debug, Default, ValueEnum)]
pub enum DiffFormat {
    /// Each change drawn at the statements that make it, with a witness and a reproduce line
    #[default]
    Human,
    /// A versioned JSON document
    Json,
    /// SARIF 2.1.0, widening as `drift-widening` results
    Sarif,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The baseline: a policy file, Terraform JSON (plan or state), Terraform source, an account snapshot, or
    /// a directory of them
    #[arg(value_name = "BASELINE")]
    pub baseline: PathBuf,
    /// The current version, of the same kinds (directories are matched file by file, by relative path)
    #[arg(value_name = "CURRENT")]
    pub current: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,
    /// Colour in human output: `auto` colours a terminal unless NO_COLOR is set
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Exit 1 on narrowing too, not only on widening
    #[arg(long)]
    pub fail_on_narrowing: bool,
    #[command(flatten)]
    pub settings: super::SettingsArgs,
    /// Representative requests decided per principal before it is reported inexact
    #[arg(long, default_value_t = DEFAULT_BUDGET)]
    pub budget: u64,
}

/// Policy files that cannot be read: drawn as diagnostics, exit 2.
pub fn bad_input(findings: &[Finding], color: ColorArg) -> Outcome {
    let style = super::style(color.into());
    let stderr = findings.iter().map(|f| report::human::render_finding(f, style)).collect::<String>();
    Outcome {
        stdout: String::new(),
        stderr: format!("{stderr}error: the inputs cannot be compared until these problems are fixed\n"),
        exit: Exit::Usage,
    }
}

pub fn run(args: &DiffArgs) -> Outcome {
    let (assumptions, limits) = match args.settings.load(Some(&args.current), args.color) {
        Ok(settings) => (settings.assumptions, settings.limits.json(SizeKind::Policy)),
        Err(outcome) => return outcome,
    };
    let (baseline, current) = match load_pair(&args.baseline, &args.current, &limits) {
        Ok(sides) => sides,
        Err(LoadError::Usage(message)) => return Outcome::usage_error(message),
        Err(LoadError::Invalid(findings)) => return bad_input(&findings, args.color),
    };
    let options = DiffOptions { assumptions, budget: args.budget };
    let empty = PolicySet::default();
    let pairs = pair(&baseline, &current, &empty);
    let mut report = DiffReport { principals: pairs.iter().map(|p| p.compare(&options)).collect() };
    let join = crate::relying::join::JoinOptions { assumptions, ..Default::default() };
    let reach = crate::relying::drift::reach_changes(&args.baseline, &args.current, &limits, &join);
    crate::relying::drift::merge(&mut report, reach);
    let stdout = match args.format {
        DiffFormat::Human => render::render_human(&report, super::style(args.color.into())),
        DiffFormat::Json => render::render_json(&report),
        DiffFormat::Sarif => {
            let fallback = Arc::new(SourceFile::from_path(&args.current, ""));
            report::sarif::render(&render::widening_findings(&report, &fallback))
        }
    };
    // A principal that could not be covered exactly proves nothing: a gate must not pass on it.
    let fails = report.widened() || report.inexact() || (args.fail_on_narrowing && report.narrowed());
    Outcome { stdout, stderr: String::new(), exit: if fails { Exit::Failure } else { Exit::Success } }
}

/// `check --baseline PATH`: widening between the baseline and the checked path as `drift-widening`
/// findings. The checked side's unreadable policies are already findings of `check`, so they are skipped
/// here; an unreadable baseline is bad input (exit 2).
pub fn baseline_findings(
    baseline: &Path,
    paths: &[PathBuf],
    assumptions: Assumptions,
    limits: crate::source::InputLimits,
    color: ColorArg,
) -> Result<Vec<Finding>, Outcome> {
    let [current] = paths else {
        return Err(Outcome::usage_error("--baseline compares with exactly one PATH (a policy file or a directory)"));
    };
    let limits = limits.json(SizeKind::Policy);
    let usage = |e: LoadError| match e {
        LoadError::Usage(m) => Outcome::usage_error(m),
        LoadError::Invalid(f) => bad_input(&f, color),
    };
    let (b, c) = sides(baseline, current, &limits).map_err(usage)?;
    let base = load_side_as(baseline, b, &limits).map_err(usage)?;
    let cur = match load_side_as(current, c, &limits) {
        Ok(c) => c,
        Err(LoadError::Invalid(_)) => return Ok(Vec::new()),
        Err(e) => return Err(usage(e)),
    };
    let mut report = diff(&base, &cur, &DiffOptions { assumptions, ..DiffOptions::default() });
    let join = crate::relying::join::JoinOptions { assumptions, ..Default::default() };
    crate::relying::drift::merge(&mut report, crate::relying::drift::reach_changes(baseline, current, &limits, &join));
    let fallback = Arc::new(SourceFile::from_path(current, ""));
    let mut findings = render::widening_findings(&report, &fallback);
    // A principal that could not be covered is reported too: silence would read as "nothing widened".
    for p in report.principals.iter().filter(|p| !p.exact && p.widened.is_empty()) {
        findings.push(crate::lint::rules::drift_widening::inexact(
            &p.principal,
            p.inexact_reason.as_deref().unwrap_or_default(),
            &fallback,
        ));
    }
    Ok(findings)
}
