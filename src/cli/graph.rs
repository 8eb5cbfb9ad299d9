//! `mintlint graph [PATH]... [--policy FILE ...]`

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::Value;

use crate::diff::load::{LoadError, load_side};
use crate::diff::{DiffInput, DiffPrincipal, PrincipalFacts, PrincipalKey};
use crate::graph::{self, GraphOptions, RegisteredAudience, Registry};
use crate::report::graph::{self as render, View};
use crate::request::witness::PolicySource;
use crate::simulate::inputs::InputError;
use crate::source::SizeKind;
use crate::source::display_path;
use crate::source::json::Limits;

use super::{ColorArg, Exit, Outcome};

#[derive(Clone, Copy, Debug, Default, ValueEnum)]
pub enum GraphFormat {
    /// A Mermaid flowchart (renders in GitHub Markdown)
    #[default]
    Mermaid,
    /// Graphviz DOT
    Dot,
    /// The whole graph as a versioned JSON document
    Json,
    /// Markdown tables, for a pull-request comment
    Markdown,
}

#[derive(Clone, Copy, Debug, Default, ValueEnum)]
pub enum ViewArg {
    /// One node per principal, with the audiences each can obtain
    #[default]
    Principal,
    /// One node per audience, with the principals that can obtain it
    Audience,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Terraform JSON or source, account snapshots, policy files or directories of them: every principal in
    /// them
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The policy files of one more principal (as for `simulate`)
    #[command(flatten)]
    pub policies: super::simulate::PolicyArgs,
    /// The ARN of the principal the --policy files belong to (aws:PrincipalArn, aws:PrincipalAccount,
    /// aws:PrincipalType; default: an ordinary role in a member account)
    #[arg(long, value_name = "ARN")]
    pub principal: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,
    /// Read the graph by principal, or by audience (who can mint tokens for it)
    #[arg(long, value_enum, default_value_t = ViewArg::Principal)]
    pub view: ViewArg,
    /// Colour in human output: `auto` colours a terminal unless NO_COLOR is set
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Audience registry, JSON: {"token": {"audience": [{"name": "...", "owner": "..."}]}} (default: the
    /// `[[token.audience]]` entries of mintlint.toml)
    #[arg(long, value_name = "FILE")]
    pub registry: Option<PathBuf>,
    #[command(flatten)]
    pub settings: super::SettingsArgs,
    /// Representative requests decided per principal before it is reported inexact
    #[arg(long, default_value_t = graph::DEFAULT_BUDGET)]
    pub budget: u64,
}

/// The principal that `--policy` and its companions describe.
fn policy_principal(args: &GraphArgs, limits: &Limits) -> Result<Option<DiffPrincipal>, InputError> {
    let files = args.policies.files().map_err(InputError::Usage)?;
    if files.identity.is_empty() {
        if !files.is_empty() {
            return Err(InputError::Usage(
                "--boundary, --scp, --rcp and --session-policy describe the --policy principal: give its identity \
                 policies with --policy"
                    .into(),
            ));
        }
        return Ok(None);
    }
    let set = files.load(limits)?;
    let display = args
        .principal
        .clone()
        .unwrap_or_else(|| files.identity.iter().map(|p| display_path(p)).collect::<Vec<_>>().join(" + "));
    let mut keys = vec![PrincipalKey::Files];
    if let Some(arn) = &args.principal {
        keys.insert(0, PrincipalKey::Arn(arn.clone()));
    }
    Ok(Some(DiffPrincipal {
        keys,
        display,
        policies: set,
        facts: PrincipalFacts { arn: args.principal.clone(), tags: None, context: Vec::new() },
        source: PolicySource::Files,
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
    if args.paths.is_empty() && args.policies.policies.is_empty() {
        return Outcome::usage_error("give a PATH (Terraform JSON, account snapshot, policy files) or --policy FILE");
    }
    let mut registry = match args.registry.as_ref().map(read_registry).transpose() {
        Ok(r) => r,
        Err(message) => return Outcome::usage_error(message),
    };
    let first = args.paths.first().or(args.policies.policies.first());
    let settings = match args.settings.load(first.map(PathBuf::as_path), args.color) {
        Ok(s) => s,
        Err(outcome) => return outcome,
    };
    // Without --registry, the audience registry of the configuration (`[[token.audience]]`).
    if let Some(config) = settings.config.as_ref().filter(|c| registry.is_none() && !c.token.audiences.is_empty()) {
        let audiences = config
            .token
            .audiences
            .iter()
            .map(|a| graph::RegisteredAudience { name: a.name.clone(), owner: a.owner.clone() })
            .collect();
        registry = Some(Registry { audiences });
    }
    let assumptions = settings.assumptions;
    let limits = settings.limits.json(SizeKind::Policy);
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
        Err(InputError::Usage(message)) => return Outcome::usage_error(message),
        Err(InputError::Invalid(f)) => findings.extend(f),
    }
    if !findings.is_empty() {
        let mut outcome = super::diff::bad_input(&findings, args.color);
        outcome.stderr = outcome.stderr.replace("cannot be compared", "cannot be graphed");
        return outcome;
    }
    let options = GraphOptions { assumptions, budget: args.budget, registry };
    let mut graph = graph::graph(&input, &options);
    let join = crate::relying::join::JoinOptions { assumptions, ..Default::default() };
    graph.relying = crate::relying::inputs::join_paths(&args.paths, &limits, settings.config.as_ref(), &join);
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
