//! `mintlint graph [PATH]... [--policy FILE ...]`

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::Value;

use crate::diff::load::{LoadError, load_side};
use crate::diff::{DiffInput, DiffPrincipal, PrincipalFacts, PrincipalKey};
use crate::eval::{Assumptions, PolicySet};
use crate::graph::{self, GraphOptions, RegisteredAudience, Registry};
use crate::input::load_policy_file;
use crate::lint::Finding;
use crate::policy::PolicyKind;
use crate::report::graph::{self as render, View};
use crate::source::display_path;
use crate::source::json::Limits;

use super::{ColorArg, Exit, Outcome};

#[derive(Clone, Copy, Debug, Default, ValueEnum)]
pub enum GraphFormat {
    #[default]
    Mermaid,
    Dot,
    Json,
    Markdown,
}

#[derive(Clone, Copy, Debug, Default, ValueEnum)]
pub enum ViewArg {
    #[default]
    Principal,
    Audience,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Terraform JSON, account snapshots, policy files or directories of them: every principal in them
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Identity policy of one more principal built from raw policy files (repeatable)
    #[arg(long = "policy", value_name = "FILE")]
    pub policies: Vec<PathBuf>,
    /// Permissions boundary of the --policy principal
    #[arg(long, value_name = "FILE")]
    pub boundary: Option<PathBuf>,
    /// Service control policy over the --policy principal, one organization level each (repeatable)
    #[arg(long = "scp", value_name = "FILE")]
    pub scps: Vec<PathBuf>,
    /// Resource control policy over the --policy principal (repeatable)
    #[arg(long = "rcp", value_name = "FILE")]
    pub rcps: Vec<PathBuf>,
    /// The ARN of the --policy principal
    #[arg(long, value_name = "ARN")]
    pub principal: Option<String>,
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,
    /// Read the graph by principal, or by audience (who can mint tokens for it)
    #[arg(long, value_enum, default_value_t = ViewArg::Principal)]
    pub view: ViewArg,
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Audience registry, JSON: {"token": {"audience": [{"name": "...", "owner": "..."}]}}
    #[arg(long, value_name = "FILE")]
    pub registry: Option<PathBuf>,
    /// Set an assumption, NAME=VALUE (repeatable)
    #[arg(long = "assume", value_name = "NAME=VALUE")]
    pub assume: Vec<String>,
    /// Representative requests decided per principal before it is reported inexact
    #[arg(long, default_value_t = graph::DEFAULT_BUDGET)]
    pub budget: u64,
}

/// The principal that `--policy` and its companions describe.
fn policy_principal(args: &GraphArgs, limits: &Limits) -> Result<Option<DiffPrincipal>, Vec<Finding>> {
    if args.policies.is_empty() {
        return Ok(None);
    }
    let mut set = PolicySet::default();
    let mut findings = Vec::new();
    let mut take = |path: &PathBuf, kind: PolicyKind| match load_policy_file(path, kind, limits) {
        Ok(p) => p,
        Err(f) => {
            findings.extend(f);
            Vec::new()
        }
    };
    for p in &args.policies {
        set.identity.extend(take(p, PolicyKind::Identity));
    }
    if let Some(b) = &args.boundary {
        set.boundary = take(b, PolicyKind::Boundary).into_iter().next();
    }
    for p in &args.scps {
        set.scp_levels.push(take(p, PolicyKind::Scp));
    }
    for p in &args.rcps {
        set.rcps.extend(take(p, PolicyKind::Rcp));
    }
    if !findings.is_empty() {
        return Err(findings);
    }
    let display = args
        .principal
        .clone()
        .unwrap_or_else(|| args.policies.iter().map(|p| display_path(p)).collect::<Vec<_>>().join(" + "));
    let mut keys = vec![PrincipalKey::Files];
    if let Some(arn) = &args.principal {
        keys.insert(0, PrincipalKey::Arn(arn.clone()));
    }
    Ok(Some(DiffPrincipal {
        keys,
        display,
        policies: set,
        facts: PrincipalFacts { arn: args.principal.clone(), tags: None },
    }))
}

/// The registry: `{"token": {"audience": [...]}}` (the shape of `mintlint.toml`'s `[[token.audience]]`),
/// or `{"audience": [...]}`.
fn read_registry(path: &PathBuf) -> Result<Registry, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", display_path(path)))?;
    let value: Value =
        serde_json::from_str(&text).map_err(|e| format!("`{}` is not a JSON registry: {e}", display_path(path)))?;
    let list = value
        .get("token")
        .and_then(|t| t.get("audience"))
        .or_else(|| value.get("audience"))
        .and_then(Value::as_array)
        .ok_or_else(|| format!("`{}` has no `token.audience` list", display_path(path)))?;
    let mut audiences = Vec::new();
    for entry in list {
        let name = entry
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("an audience in `{}` has no `name`", display_path(path)))?;
        let owner = entry.get("owner").and_then(Value::as_str).map(str::to_owned);
        audiences.push(RegisteredAudience { name: name.to_owned(), owner });
    }
    Ok(Registry { audiences })
}

pub fn run(args: &GraphArgs) -> Outcome {
    let mut assumptions = Assumptions::default();
    for a in &args.assume {
        if let Err(e) = assumptions.apply(a) {
            return Outcome::usage_error(e.message);
        }
    }
    if args.paths.is_empty() && args.policies.is_empty() {
        return Outcome::usage_error("give a PATH (Terraform JSON, account snapshot, policy files) or --policy FILE");
    }
    let mut registry = match args.registry.as_ref().map(read_registry).transpose() {
        Ok(r) => r,
        Err(message) => return Outcome::usage_error(message),
    };
    // Without --registry, the audience registry of the nearest `mintlint.toml` (`[[token.audience]]`).
    let config_path = args.paths.first().or(args.policies.first()).and_then(|p| crate::config::find(p));
    let mut loaded_config = None;
    if let Some(path) = config_path {
        match crate::config::load(&path) {
            Ok(config) => {
                if registry.is_none() && !config.token.audiences.is_empty() {
                    let audiences = config
                        .token
                        .audiences
                        .iter()
                        .map(|a| graph::RegisteredAudience { name: a.name.clone(), owner: a.owner.clone() })
                        .collect();
                    registry = Some(Registry { audiences });
                }
                if args.assume.is_empty() {
                    assumptions = config.assumptions;
                }
                loaded_config = Some(config);
            }
            Err(error) => return super::check::config_error(&error, args.color),
        }
    }
    let limits = Limits::default();
    let mut input = DiffInput::default();
    let mut findings = Vec::new();
    for path in &args.paths {
        match load_side(path, &limits) {
            Ok(side) => input.principals.extend(side.principals),
            Err(LoadError::Usage(message)) => return Outcome::usage_error(message),
            Err(LoadError::Invalid(f)) => findings.extend(f),
        }
    }
    match policy_principal(args, &limits) {
        Ok(p) => input.principals.extend(p),
        Err(f) => findings.extend(f),
    }
    if !findings.is_empty() {
        let mut outcome = super::diff::bad_input(&findings, args.color);
        outcome.stderr = outcome.stderr.replace("cannot be compared", "cannot be graphed");
        return outcome;
    }
    let options = GraphOptions { assumptions, budget: args.budget, registry };
    let mut graph = graph::graph(&input, &options);
    let join = crate::relying::join::JoinOptions { assumptions, ..Default::default() };
    graph.relying = crate::relying::inputs::join_paths(&args.paths, &limits, loaded_config.as_ref(), &join);
    let view = match args.view {
        ViewArg::Principal => View::Principal,
        ViewArg::Audience => View::Audience,
    };
    let stdout = match args.format {
        GraphFormat::Mermaid => render::render_mermaid(&graph, view),
        GraphFormat::Dot => render::render_dot(&graph, view),
        GraphFormat::Json => render::render_json(&graph),
        GraphFormat::Markdown => render::render_markdown(&graph, view),
    };
    Outcome { stdout, stderr: String::new(), exit: Exit::Success }
}
