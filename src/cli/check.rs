//! `mintlint check [PATH]...`

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::check::{CheckOptions, FileKinds};
use crate::config::ConfigError;
use crate::lint::{LintContext, Severity, find_rule, nearest_rule_name};
use crate::policy::PolicyKind;
use crate::report;
use crate::source::discover::FileFilter;

use super::{ColorArg, Exit, Outcome};

#[derive(Clone, Copy, Debug, Default, ValueEnum)]
pub enum CheckFormat {
    #[default]
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files and directories to check (directories are walked)
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Colour in human output: `auto` colours a terminal unless NO_COLOR is set
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Exit 1 when a finding is at or above this severity
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Only these rules (codes or names, comma-separated)
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these rules (codes or names, comma-separated)
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Glob of files to check when walking directories (repeatable; default `**/*.json` and `**/*.tf`)
    #[arg(long)]
    pub include: Vec<String>,
    /// Glob of files or directories to skip when walking (repeatable)
    #[arg(long)]
    pub exclude: Vec<String>,
    /// Print files, policies, statements, findings and elapsed time on stderr
    #[arg(long)]
    pub stats: bool,
    /// Also compare with this baseline (a policy file, Terraform JSON or source, an account snapshot, or a
    /// directory of them) and report widening (`drift-widening`)
    #[arg(long, value_name = "PATH")]
    pub baseline: Option<PathBuf>,
    #[command(flatten)]
    pub settings: super::SettingsArgs,
    /// What kind of policy the loose policy files are (default: `[[files.kind]]` of mintlint.toml, else by
    /// content: identity, or resource/trust when statements name a principal)
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
}

/// The policy kinds of `--kind` (DESIGN §9.1).
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum KindArg {
    Identity,
    Boundary,
    Session,
    Scp,
    Rcp,
    Resource,
    Trust,
    AwsManaged,
}

impl From<KindArg> for PolicyKind {
    fn from(kind: KindArg) -> PolicyKind {
        match kind {
            KindArg::Identity => PolicyKind::Identity,
            KindArg::Boundary => PolicyKind::Boundary,
            KindArg::Session => PolicyKind::Session,
            KindArg::Scp => PolicyKind::Scp,
            KindArg::Rcp => PolicyKind::Rcp,
            KindArg::Resource => PolicyKind::Resource,
            KindArg::Trust => PolicyKind::Trust,
            KindArg::AwsManaged => PolicyKind::AwsManaged,
        }
    }
}

pub fn run(args: &CheckArgs) -> Outcome {
    let settings = match args.settings.load(args.paths.first().map(PathBuf::as_path), args.color) {
        Ok(s) => s,
        Err(outcome) => return outcome,
    };
    let config = settings.config;
    // Command-line flags override the file: a given `--select`/`--ignore`/`--include`/`--exclude` replaces
    // the file's list.
    let mut rules = config.as_ref().map(|c| c.rules.clone()).unwrap_or_default();
    if !args.select.is_empty() {
        rules.select.clone_from(&args.select);
    }
    if !args.ignore.is_empty() {
        rules.ignore.clone_from(&args.ignore);
    }
    // The file's rule names were checked when it was read: an unknown name here came from a flag.
    let unknown: Vec<String> = [("--select", &args.select), ("--ignore", &args.ignore)]
        .into_iter()
        .flat_map(|(flag, names)| names.iter().filter(|n| find_rule(n).is_none()).map(move |n| (flag, n)))
        .map(|(flag, name)| match nearest_rule_name(name) {
            Some(near) => format!("unknown rule `{name}` in {flag}: did you mean `{near}`?"),
            None => format!("unknown rule `{name}` in {flag}"),
        })
        .collect();
    if !unknown.is_empty() {
        return Outcome::usage_error(format!("{}; `mintlint rules` lists them", unknown.join("; ")));
    }
    let pick = |cli: &[String], file: Option<&Vec<String>>| -> Vec<String> {
        if cli.is_empty() { file.cloned().unwrap_or_default() } else { cli.to_vec() }
    };
    let include = pick(&args.include, config.as_ref().map(|c| &c.include));
    let exclude = pick(&args.exclude, config.as_ref().map(|c| &c.exclude));
    let filter = match FileFilter::new(&include, &exclude) {
        Ok(f) => f.relative_to(config.as_ref().and_then(|c| c.suppressions.base.clone())),
        Err(e) => return Outcome::usage_error(format!("invalid glob `{}`: {}", e.glob, e.reason)),
    };
    let lint = LintContext {
        token: config.as_ref().map(|c| c.token.clone()).unwrap_or_default(),
        assumptions: settings.assumptions,
        ..LintContext::default()
    };
    let options = CheckOptions {
        paths: args.paths.clone(),
        filter,
        limits: settings.limits,
        rules,
        kinds: FileKinds {
            forced: args.kind.map(PolicyKind::from),
            ..config.as_ref().map(|c| c.kinds.clone()).unwrap_or_default()
        },
        suppressions: config.as_ref().map(|c| c.suppressions.clone()).unwrap_or_default(),
        lint,
        config,
    };
    let mut report = match crate::check::run(&options) {
        Ok(r) => r,
        Err(missing) => {
            return Outcome::usage_error(format!("no such file or directory: `{}`", missing.0.display()));
        }
    };
    if let Some(baseline) = &args.baseline {
        match super::diff::baseline_findings(baseline, &args.paths, settings.assumptions, settings.limits, args.color) {
            Ok(found) => {
                report.findings.extend(found.into_iter().filter_map(|mut f| {
                    f.severity = options.rules.severity_of(&f)?;
                    Some(f)
                }));
                report.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
                report.stats.findings = report.findings.len();
            }
            Err(outcome) => return outcome,
        }
    }
    let stdout = match args.format {
        CheckFormat::Human => report::human::render_findings(&report.findings, super::style(args.color.into())),
        CheckFormat::Json => report::json::render(&report.findings, Some(&report.stats)),
        CheckFormat::Sarif => report::sarif::render(&report.findings),
        CheckFormat::Github => report::github::render(&report.findings),
    };
    let stderr = if args.stats {
        let s = report.stats;
        format!(
            "{} files, {} policies, {} statements, {} findings in {} ms\nskipped, not a policy: {}\n",
            s.files, s.policies, s.statements, s.findings, s.elapsed_ms, s.not_policies
        )
    } else {
        String::new()
    };
    // A file named on the command line that cannot be read is an unreadable path (exit 2), reported with the
    // findings of everything else; a walked one is only a finding (the walk was asked to judge what it finds).
    let exit = if report.stats.unreadable > 0 {
        Exit::Usage
    } else if report.fails(args.fail_on.threshold()) {
        Exit::Failure
    } else {
        Exit::Success
    };
    Outcome { stdout, stderr, exit }
}

/// An invalid configuration: exit 2 with the miette diagnostic pointing into the TOML.
pub(super) fn config_error(error: &ConfigError, color: ColorArg) -> Outcome {
    let stderr = report::human::render_diagnostic(error, super::style(color.into()));
    Outcome { stdout: String::new(), stderr, exit: Exit::Usage }
}
