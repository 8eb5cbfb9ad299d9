//! `mintlint replay`: map the arguments to the library's replay and its report.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use crate::eval::{Assumptions, PolicySet};
use crate::input::{InventoryError, load_inventory, load_policy_file, read_json};
use crate::lint::{Finding, LintContext};
use crate::policy::PolicyKind;
use crate::replay::engine::{Replayer, Side};
use crate::replay::events::{EventLimits, discover_events};
use crate::replay::inputs::Version;
use crate::replay::suggest::{Options as SuggestOptions, Suggestions, suggest};
use crate::replay::{Keep, Report, replay_files, replay_to_spill};
use crate::report::{self, replay as render, suggest as render_suggest};
use crate::source::json::Limits;
use crate::source::{InputKind, display_path};

use super::{ColorArg, Exit, Outcome};

#[derive(Clone, Copy, Debug, Default, ValueEnum)]
pub enum ReplayFormat {
    #[default]
    Human,
    Json,
    Sarif,
    Junit,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The current policies: Terraform (plan or state JSON, or `.tf` source) or account snapshots, files or
    /// directories. Recorded principals are found in them by exact ARN
    #[arg(value_name = "INVENTORY")]
    pub paths: Vec<PathBuf>,
    /// CloudTrail events: trail S3 objects (`.json.gz` or not), `aws cloudtrail lookup-events` output, or
    /// JSON lines; directories are walked. Inventory paths given here (Terraform, snapshots) are told apart
    /// by content and taken as inventory
    #[arg(long, value_name = "PATH", num_args = 1.., required = true)]
    pub events: Vec<PathBuf>,
    /// Identity policy files to replay every recorded principal against, instead of an inventory
    /// (repeatable)
    #[arg(long = "policy", value_name = "FILE")]
    pub policies: Vec<PathBuf>,
    /// The baseline policies, read like the current ones (inventory paths, or with --policy, policy files);
    /// repeatable
    #[arg(long, value_name = "PATH")]
    pub baseline: Vec<PathBuf>,
    /// Set an assumption, NAME=VALUE, over the configuration's `[assumptions]` (repeatable; see README "Assumptions")
    #[arg(long = "assume", value_name = "NAME=VALUE")]
    pub assume: Vec<String>,
    /// Configuration file (default: the nearest mintlint.toml upward from the first path)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub limits: super::LimitArgs,
    /// Instead of the replay report, write per principal the least-privilege minting policy that allows
    /// every issuance recorded (JSON policy and `data "aws_iam_policy_document"`), and list the grants no
    /// call used (human or json)
    #[arg(long)]
    pub suggest: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = ReplayFormat::Human)]
    pub format: ReplayFormat,
    /// Colour in human output: `auto` colours a terminal unless NO_COLOR is set
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// Whether a path given to `--events` is an inventory instead: a `.tf` file, a directory holding `.tf`
/// files, or Terraform JSON or an account snapshot.
fn is_inventory(path: &Path, limits: &Limits) -> bool {
    if path.is_dir() {
        return std::fs::read_dir(path).is_ok_and(|entries| {
            entries.flatten().any(|e| e.path().extension().is_some_and(|x| x == "tf") && e.path().is_file())
        });
    }
    if crate::input::tfsource::is_terraform_source(path) {
        return true;
    }
    let json = path.extension().is_some_and(|x| x == "json");
    json && read_json(path, &limits.for_kind(crate::source::SizeKind::Inventory))
        .is_ok_and(|(_, v)| matches!(InputKind::classify(&v), InputKind::TerraformJson | InputKind::AccountSnapshot))
}

fn bad_input(findings: &[Finding], color: ColorArg) -> Outcome {
    let style = super::style(color.into());
    let stderr = findings.iter().map(|f| report::human::render_finding(f, style)).collect::<String>();
    Outcome {
        stdout: String::new(),
        stderr: format!("{stderr}error: the inputs cannot be replayed against until these problems are fixed\n"),
        exit: Exit::Usage,
    }
}

/// One version of the policies: an inventory, or policy files standing for every principal; with the
/// interface endpoints whose VPC the inventory names.
type Endpoints = Vec<(String, String)>;

fn version(
    paths: &[PathBuf],
    policy_files: bool,
    config: Option<&crate::config::Config>,
    limits: &Limits,
) -> Result<(Version, Endpoints), Outcome> {
    if policy_files {
        let mut set = PolicySet::default();
        let mut findings = Vec::new();
        for path in paths {
            match load_policy_file(path, PolicyKind::Identity, limits) {
                Ok(policies) => set.identity.extend(policies),
                Err(f) => findings.extend(f),
            }
        }
        if !findings.is_empty() {
            return Err(bad_input(&findings, ColorArg::Never));
        }
        let names: Vec<String> = paths.iter().map(|p| display_path(p)).collect();
        return Ok((Version::from_policies(set, names.join(", ")), Vec::new()));
    }
    let mut inventory = match load_inventory(paths, limits) {
        Ok(inventory) => inventory,
        Err(InventoryError::Missing(path)) => {
            return Err(Outcome::usage_error(format!("no such file or directory: `{}`", display_path(&path))));
        }
        Err(InventoryError::NotAnInventory(path, _)) => {
            return Err(Outcome::usage_error(format!(
                "`{}` is not Terraform or an account snapshot (give policy files with --policy)",
                display_path(&path)
            )));
        }
        Err(InventoryError::Unreadable(findings)) => return Err(bad_input(&findings, ColorArg::Never)),
    };
    // A `.tf` tree's principals live in the account `[accounts]` assigns it (DESIGN §9.7).
    crate::relying::inputs::place_accounts(&mut inventory, config);
    let endpoints = std::mem::take(&mut inventory.vpc_endpoints);
    Version::from_inventory(&inventory)
        .map(|v| (v, endpoints))
        .map_err(|findings| bad_input(&findings, ColorArg::Never))
}

pub fn run(args: &ReplayArgs, sink: &mut super::ReportSink<'_>) -> Outcome {
    let (mut events, mut inventory) = (Vec::new(), args.paths.clone());
    // The configuration is found from the inventory paths, which are told apart from events by reading them:
    // the flags' limits (over the defaults) decide that reading.
    let flag_limits = args.limits.limits(None).json(crate::source::SizeKind::Policy);
    for path in &args.events {
        if is_inventory(path, &flag_limits) { inventory.push(path.clone()) } else { events.push(path.clone()) }
    }
    if events.is_empty() {
        return Outcome::usage_error("--events names no events file: every path given is Terraform or a snapshot");
    }
    let policy_files = !args.policies.is_empty();
    if policy_files && !inventory.is_empty() {
        return Outcome::usage_error(
            "give either inventory paths (Terraform, snapshots) or --policy files to replay against, not both",
        );
    }
    if !policy_files && inventory.is_empty() {
        return Outcome::usage_error(
            "nothing to replay against: give the policies as inventory paths (Terraform, account snapshots) or with \
             --policy FILE",
        );
    }
    if args.suggest && !args.baseline.is_empty() {
        return Outcome::usage_error(
            "--suggest compares the activity with the current policies only: drop --baseline, or run without --suggest",
        );
    }
    if args.suggest && matches!(args.format, ReplayFormat::Sarif | ReplayFormat::Junit) {
        return Outcome::usage_error("--suggest writes a human or json report: use --format human or --format json");
    }
    let current_paths = if policy_files { &args.policies } else { &inventory };

    let config_path = args.config.clone().or_else(|| current_paths.first().and_then(|p| crate::config::find(p)));
    let config = match config_path.as_deref().map(crate::config::load).transpose() {
        Ok(c) => c,
        Err(e) => return super::check::config_error(&e, args.color),
    };
    let mut assumptions = config.as_ref().map(|c| c.assumptions).unwrap_or_else(Assumptions::default);
    for a in &args.assume {
        if let Err(e) = assumptions.apply(a) {
            return Outcome::usage_error(e.message);
        }
    }
    let sizes = args.limits.limits(config.as_ref());
    let limits = sizes.json(crate::source::SizeKind::Policy);
    let (now, mut known_endpoints) = match version(current_paths, policy_files, config.as_ref(), &limits) {
        Ok(v) => v,
        Err(outcome) => return outcome,
    };
    let baseline = if args.baseline.is_empty() {
        None
    } else {
        match version(&args.baseline, policy_files, config.as_ref(), &limits) {
            Ok((v, endpoints)) => {
                known_endpoints.extend(endpoints);
                Some(v)
            }
            Err(outcome) => return outcome,
        }
    };
    let discovered = match discover_events(&events) {
        Ok(d) => d,
        Err(missing) => {
            return Outcome::usage_error(format!("no such file or directory: `{}`", display_path(&missing.0)));
        }
    };
    let endpoints = crate::replay::inputs::endpoint_vpcs(known_endpoints, config.as_ref());
    let replayer = Replayer::new(Side::new(&now), baseline.as_ref().map(Side::new), assumptions, &endpoints);
    let event_limits = EventLimits { file: sizes.stream, ..EventLimits::default() };
    // Memory stays flat in the number of events: the human and SARIF reports keep only what changed, JUnit
    // that and a count per group, and JSON writes every call to a spill as it is decided. `--suggest` folds
    // every call.
    let keep = match args.format {
        _ if args.suggest => Keep::All,
        ReplayFormat::Human | ReplayFormat::Sarif => Keep::Changed,
        ReplayFormat::Junit => Keep::Grouped,
        ReplayFormat::Json => Keep::Counted,
    };
    let mut report = if keep == Keep::Counted {
        let render = |r: &crate::replay::engine::Replayed| render::spilled_json_result(r, &replayer);
        match replay_to_spill(&discovered.files, &replayer, &event_limits, &render) {
            Ok(report) => report,
            Err(e) => return Outcome::usage_error(format!("cannot write the report's temporary file: {e}")),
        }
    } else {
        replay_files(&discovered.files, &replayer, &event_limits, keep)
    };
    if keep == Keep::Counted {
        // The JSON report is streamed: its document is written here, its exit code decided as below.
        let mut outcome = finish(args, &report, &replayer, None, &events, &discovered.unwalkable);
        if let Err(e) = render::write_json(&mut report, &replayer, sink) {
            // The sink keeps a write error and the command reports it; a spill that cannot be read is ours.
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                outcome.stderr.push_str(&format!("error: the report is incomplete: {e}\n"));
                outcome.exit = super::Exit::Usage;
            }
        }
        return outcome;
    }
    let suggestions = args.suggest.then(|| {
        let lint = LintContext {
            token: config.as_ref().map(|c| c.token.clone()).unwrap_or_default(),
            assumptions,
            ..LintContext::default()
        };
        let options = SuggestOptions { lint: &lint, assumptions, budget: crate::diff::DEFAULT_BUDGET };
        suggest(&report, &replayer, &options)
    });
    finish(args, &report, &replayer, suggestions.as_ref(), &events, &discovered.unwalkable)
}

fn finish(
    args: &ReplayArgs,
    report: &Report,
    replayer: &Replayer<'_>,
    suggestions: Option<&Suggestions>,
    named: &[PathBuf],
    unwalkable: &[(PathBuf, String)],
) -> Outcome {
    let mut stderr = String::new();
    let mut unreadable = false;
    for (path, why) in unwalkable {
        stderr.push_str(&format!("error: `{}`: {}\n", render::escape(&display_path(path)), render::escape(why)));
        unreadable = true;
    }
    for file in &report.files {
        let Some(error) = &file.read.error else { continue };
        // A walked file that is not events at all (a README beside the trail) is only noted; a file named on
        // the command line, or one that broke off mid-way, is an error.
        let walked_other = matches!(error, crate::replay::events::ReadError::NotEvents)
            && !crate::replay::events::named(&file.path, named);
        let level = if walked_other { "note" } else { "error" };
        unreadable |= !walked_other;
        stderr.push_str(&format!("{level}: `{}`: {}\n", render::escape(&display_path(&file.path)), error));
        if let Some(help) = error.help().filter(|_| !walked_other) {
            stderr.push_str(&format!("  help: {help}\n"));
        }
    }
    if let Some(suggestions) = suggestions {
        let stdout = match args.format {
            ReplayFormat::Json => render_suggest::json(report, suggestions),
            _ => render_suggest::human(report, suggestions),
        };
        // The suggestion is written, not judged: only unreadable input fails it.
        let exit = if unreadable { Exit::Usage } else { Exit::Success };
        return Outcome { stdout, stderr, exit };
    }
    let stdout = match args.format {
        ReplayFormat::Human => render::human(report, replayer, super::style(args.color.into())),
        // Streamed by `run` (`replay_to_spill`); a report that kept its calls is rendered whole.
        ReplayFormat::Json if report.spilled.is_some() => String::new(),
        ReplayFormat::Json => render::json(report, replayer),
        ReplayFormat::Sarif => render::sarif(report, replayer),
        ReplayFormat::Junit => render::junit(report, replayer),
    };
    let exit = if unreadable {
        Exit::Usage
    } else if report.failed() {
        Exit::Failure
    } else {
        Exit::Success
    };
    Outcome { stdout, stderr, exit }
}
