//! `mintlint simulate`

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::cases::{Case, parse_cases};
use crate::eval::{Assumptions, ContextValue, PolicySet};
use crate::input::{InventoryError, load_inventory, load_policy_file, read_json};
use crate::inventory::{Inventory, PrincipalPolicies};
use crate::lint::Finding;
use crate::lint::rules::invalid_policy;
use crate::policy::PolicyKind;
use crate::policy::value::date::Timestamp;
use crate::report::{self, simulate as render};
use crate::simulate::{Simulation, Simulator, Subject, simulate};
use crate::source::json::Limits;
use crate::token::{MINT_ACTION, TAG_ACTION, TokenRequest};

use super::{ColorArg, Exit, Outcome};

#[derive(Clone, Copy, Debug, Default, ValueEnum)]
pub enum SimulateFormat {
    #[default]
    Human,
    Json,
    Junit,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Terraform JSON (`terraform show -json`) or account snapshots (`aws iam
    /// get-account-authorization-details`), files or directories: the principals to pick with --principal
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Identity policy attached to the simulated principal (repeatable)
    #[arg(long = "policy", value_name = "FILE")]
    pub policies: Vec<PathBuf>,
    /// Permissions boundary of the principal
    #[arg(long, value_name = "FILE")]
    pub boundary: Option<PathBuf>,
    /// Service control policy, as LEVEL:FILE (level 0 = root) or FILE (one level each) (repeatable)
    #[arg(long = "scp", value_name = "[LEVEL:]FILE")]
    pub scps: Vec<String>,
    /// Resource control policy (repeatable)
    #[arg(long = "rcp", value_name = "FILE")]
    pub rcps: Vec<PathBuf>,
    /// Session policy of the calling session (repeatable)
    #[arg(long = "session-policy", value_name = "FILE")]
    pub session_policies: Vec<PathBuf>,
    /// The principal is in the management account (SCPs and RCPs do not apply)
    #[arg(long)]
    pub management_account: bool,
    /// The principal: with PATHs, its ARN, name or Terraform address in them; otherwise the ARN of the
    /// principal the --policy files belong to (sets aws:PrincipalArn and aws:PrincipalAccount)
    #[arg(long, value_name = "ARN|NAME")]
    pub principal: Option<String>,
    /// A tag of the principal, K=V (repeatable)
    #[arg(long = "principal-tag", value_name = "K=V")]
    pub principal_tags: Vec<String>,
    /// Audience of the token (repeatable, 1-10)
    #[arg(long = "audience")]
    pub audiences: Vec<String>,
    /// Token lifetime in seconds (omit: not sent, the API uses 300)
    #[arg(long)]
    pub duration: Option<u32>,
    /// Signing algorithm
    #[arg(long, default_value = "ES384")]
    pub signing_algorithm: String,
    /// Request tag (custom claim), K=V (repeatable)
    #[arg(long = "tag", value_name = "K=V")]
    pub tags: Vec<String>,
    #[arg(long)]
    pub source_vpc: Option<String>,
    #[arg(long)]
    pub source_vpce: Option<String>,
    #[arg(long)]
    pub source_ip: Option<String>,
    /// Region of the STS endpoint called (aws:RequestedRegion)
    #[arg(long)]
    pub region: Option<String>,
    /// Request time, RFC 3339 (default: now)
    #[arg(long)]
    pub time: Option<String>,
    /// Expiry of the caller's session, RFC 3339: a longer-lived token is refused
    #[arg(long)]
    pub session_expiry: Option<String>,
    /// Any condition key, KEY=VALUE (repeat a key for a multi-valued key; overrides other flags)
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// Simulate another action instead of token minting
    #[arg(long)]
    pub action: Option<String>,
    /// Resource ARN for `--action`
    #[arg(long)]
    pub resource: Option<String>,
    /// Issuer URL shown in the claims preview
    #[arg(long)]
    pub issuer: Option<String>,
    /// Also tell whether this relying party (a Terraform address of the inputs, or a `[[relying_party]]`
    /// name) accepts the token, and by which of its conditions
    #[arg(long = "relying-party", value_name = "ID")]
    pub relying_party: Option<String>,
    /// Set an assumption, NAME=VALUE (repeatable)
    #[arg(long = "assume", value_name = "NAME=VALUE")]
    pub assume: Vec<String>,
    /// Draw the deciding statements and the failing conditions
    #[arg(long)]
    pub explain: bool,
    /// Batch expectation tests
    #[arg(long, value_name = "FILE")]
    pub cases: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = SimulateFormat::Human)]
    pub format: SimulateFormat,
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

fn split_pair(text: &str, what: &str) -> Result<(String, String), String> {
    text.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())).ok_or_else(|| format!("{what} `{text}` is not K=V"))
}

fn parse_time(text: &str, flag: &str) -> Result<Timestamp, String> {
    Timestamp::parse(text).ok_or_else(|| format!("{flag} `{text}` is not an RFC 3339 time (e.g. 2026-01-01T12:00:00Z)"))
}

/// Render policy or cases-file problems as diagnostics and exit 2.
fn bad_input(findings: &[Finding], color: ColorArg) -> Outcome {
    let style = super::style(color.into());
    let stderr = findings.iter().map(|f| report::human::render_finding(f, style)).collect::<String>();
    Outcome {
        stdout: String::new(),
        stderr: format!("{stderr}error: the inputs cannot be simulated until these problems are fixed\n"),
        exit: Exit::Usage,
    }
}

fn load(args: &SimulateArgs) -> Result<PolicySet, Vec<Finding>> {
    let limits = Limits::default();
    let mut set = PolicySet { management_account: args.management_account, ..PolicySet::default() };
    let mut findings = Vec::new();
    let take =
        |path: &PathBuf, kind: PolicyKind, findings: &mut Vec<Finding>| match load_policy_file(path, kind, &limits) {
            Ok(p) => p,
            Err(f) => {
                findings.extend(f);
                Vec::new()
            }
        };
    for p in &args.policies {
        set.identity.extend(take(p, PolicyKind::Identity, &mut findings));
    }
    if let Some(b) = &args.boundary {
        set.boundary = take(b, PolicyKind::Boundary, &mut findings).into_iter().next();
    }
    for p in &args.session_policies {
        set.session.extend(take(p, PolicyKind::Session, &mut findings));
    }
    for p in &args.rcps {
        set.rcps.extend(take(p, PolicyKind::Rcp, &mut findings));
    }
    let mut next_level = 0;
    for spec in &args.scps {
        let (level, path) = match spec.split_once(':') {
            Some((l, p)) if l.chars().all(|c| c.is_ascii_digit()) && !l.is_empty() => {
                (l.parse().unwrap_or(0), PathBuf::from(p))
            }
            _ => {
                let level = next_level;
                (level, PathBuf::from(spec))
            }
        };
        next_level = next_level.max(level + 1);
        while set.scp_levels.len() <= level {
            set.scp_levels.push(Vec::new());
        }
        let loaded = take(&path, PolicyKind::Scp, &mut findings);
        if let Some(l) = set.scp_levels.get_mut(level) {
            l.extend(loaded);
        }
    }
    if findings.is_empty() { Ok(set) } else { Err(findings) }
}

/// A `--context` or case key that no request for the action carries: a typo would test something else.
fn unknown_context_keys(action: &str, keys: &[(String, ContextValue)]) -> Vec<String> {
    let reference = crate::service::ServiceReference::get();
    let (prefix, name) = action.split_once(':').unwrap_or(("", action));
    keys.iter()
        .filter(|(k, _)| !reference.action_supports_key(prefix, name, k))
        .map(|(k, _)| {
            let hint = reference.suggest_key(k).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
            format!("context key `{k}` is not carried by any `{action}` request{hint}")
        })
        .collect()
}

fn parse_context(entries: &[String]) -> Result<Vec<(String, ContextValue)>, String> {
    let mut out: Vec<(String, ContextValue)> = Vec::new();
    for e in entries {
        let (k, v) = split_pair(e, "--context")?;
        match out.iter_mut().find(|(key, _)| key.eq_ignore_ascii_case(&k)) {
            Some((_, existing)) => {
                let mut values = existing.values().to_vec();
                values.push(v.into());
                *existing = ContextValue::Multi(values);
            }
            None => {
                // Multi-valued keys are lists even with one value (a plain `Single` would change how set
                // operators see it).
                let multi =
                    crate::service::ServiceReference::get().condition_key(&k).is_some_and(|i| i.ty.is_multi_valued());
                let value = if multi { ContextValue::Multi(vec![v.into()]) } else { ContextValue::Single(v.into()) };
                out.push((k, value));
            }
        }
    }
    Ok(out)
}

fn request_from_args(args: &SimulateArgs) -> Result<TokenRequest, String> {
    let now = Timestamp::from_epoch_secs(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0)),
    );
    Ok(TokenRequest {
        principal_arn: args.principal.clone(),
        principal_tags: args
            .principal_tags
            .iter()
            .map(|t| split_pair(t, "--principal-tag"))
            .collect::<Result<_, _>>()?,
        audiences: args.audiences.clone(),
        duration: args.duration,
        signing_algorithm: args.signing_algorithm.clone(),
        tags: args.tags.iter().map(|t| split_pair(t, "--tag")).collect::<Result<_, _>>()?,
        region: args.region.clone(),
        time: Some(match &args.time {
            Some(t) => parse_time(t, "--time")?,
            None => now,
        }),
        source_vpc: args.source_vpc.clone(),
        source_vpce: args.source_vpce.clone(),
        source_ip: args.source_ip.clone(),
        session_expiry: args.session_expiry.as_deref().map(|t| parse_time(t, "--session-expiry")).transpose()?,
        context: parse_context(&args.context)?,
    })
}

fn subject(action: Option<&str>, resource: Option<&str>, request: TokenRequest) -> Subject {
    match action {
        Some(a) if !a.eq_ignore_ascii_case(MINT_ACTION) => {
            Subject::Action { action: a.to_owned(), resource: resource.map(str::to_owned), request }
        }
        _ => Subject::Token(request),
    }
}

fn check_context_keys(subject: &Subject) -> Vec<String> {
    match subject {
        Subject::Token(r) => {
            // A key is fine if either check's requests carry it.
            let mint = unknown_context_keys(MINT_ACTION, &r.context);
            if r.tags.is_empty() {
                return mint;
            }
            let tag = unknown_context_keys(TAG_ACTION, &r.context);
            mint.into_iter()
                .filter(|m| tag.iter().any(|t| t.split(" is not").next() == m.split(" is not").next()))
                .collect()
        }
        Subject::Action { action, request, .. } => unknown_context_keys(action, &request.context),
    }
}

pub fn run(args: &SimulateArgs) -> Outcome {
    let mut assumptions = Assumptions::default();
    for a in &args.assume {
        if let Err(e) = assumptions.apply(a) {
            return Outcome::usage_error(e.message);
        }
    }
    let extra = match load(args) {
        Ok(s) => s,
        Err(findings) => return bad_input(&findings, args.color),
    };
    let inventory = if args.paths.is_empty() {
        None
    } else {
        match load_inventory(&args.paths, &Limits::default()) {
            Ok(mut inventory) => {
                // A `.tf` tree's principals live in the account `[accounts]` assigns it (DESIGN §9.7).
                let config =
                    args.paths.first().and_then(|p| crate::config::find(p)).and_then(|p| crate::config::load(&p).ok());
                crate::relying::inputs::place_accounts(&mut inventory, config.as_ref());
                Some(inventory)
            }
            Err(error) => return inventory_error(error, args.color),
        }
    };
    // The root user has no identity policies (it has full access, reference §4.2); anyone else needs them.
    let root = args.principal.as_deref().is_some_and(|p| p.starts_with("arn:") && p.ends_with(":root"));
    if inventory.is_none() && extra.identity.is_empty() && !root {
        return Outcome::usage_error(
            "no identity policy: give the principal's policies with --policy FILE, or Terraform JSON or an account \
             snapshot as PATH with --principal",
        );
    }
    let base = match request_from_args(args) {
        Ok(r) => r,
        Err(e) => return Outcome::usage_error(e),
    };
    if let Some(cases) = &args.cases {
        return run_cases(args, inventory.as_ref(), extra, &assumptions, &base, cases);
    }
    if args.action.is_none() && args.audiences.is_empty() {
        return Outcome::usage_error("give at least one --audience for the token request (or --cases FILE)");
    }
    let (set, base, principal) = match &inventory {
        None => (extra, base, None),
        Some(inventory) => {
            let Some(query) = args.principal.as_deref() else {
                return Outcome::usage_error(format!(
                    "give --principal ARN|NAME to pick the principal; the inputs define {}",
                    principal_list(inventory)
                ));
            };
            match principal_policies(inventory, query) {
                Ok(p) => {
                    let (set, request) = for_principal(&p, extra, base);
                    (set, request, Some(p))
                }
                Err(PrincipalError::Lookup(message)) => return Outcome::usage_error(message),
                Err(PrincipalError::Invalid(findings)) => return bad_input(&findings, args.color),
            }
        }
    };
    let subject = subject(args.action.as_deref(), args.resource.as_deref(), base);
    let unknown = check_context_keys(&subject);
    if !unknown.is_empty() {
        return Outcome::usage_error(unknown.join("\nerror: "));
    }
    let sim = simulate(&set, &subject, &assumptions, args.issuer.as_deref());
    let relying = match &args.relying_party {
        None => None,
        Some(id) => {
            let request = match &subject {
                Subject::Token(r) => r.clone(),
                Subject::Action { .. } => {
                    return Outcome::usage_error("--relying-party judges a token: it does not go with --action");
                }
            };
            match crate::relying::simulate::judge(
                id,
                &request,
                inventory.as_ref(),
                args.issuer.as_deref(),
                &args.paths,
                &args.policies,
                &assumptions,
            ) {
                Ok(j) => Some(j),
                Err(message) => return Outcome::usage_error(message),
            }
        }
    };
    let stdout = match args.format {
        SimulateFormat::Human => {
            let header = principal.as_ref().map(|p| principal_human(p, args.action.as_deref())).unwrap_or_default();
            let body = render::render_human(&set, &sim, args.explain, super::style(args.color.into()));
            let rp = relying
                .as_ref()
                .map(|j| crate::report::relying::judgement_human(j, sim.verdict.is_allow()))
                .unwrap_or_default();
            header + &body + &rp
        }
        SimulateFormat::Json => {
            let mut value = render::simulation_json(&set, &sim);
            if let (Some(p), Some(obj)) = (&principal, value.as_object_mut()) {
                obj.insert("principal".into(), principal_json(p, args.action.as_deref()));
            }
            if let (Some(j), Some(obj)) = (&relying, value.as_object_mut()) {
                obj.insert("relying_party".into(), crate::report::relying::judgement_json(j, sim.verdict.is_allow()));
            }
            let mut t = serde_json::to_string_pretty(&value).unwrap_or_default();
            t.push('\n');
            t
        }
        SimulateFormat::Junit => {
            render::junit(&[("simulate".to_owned(), "allow", &set, &sim, sim.verdict.is_allow())], args.explain)
        }
    };
    let accepted = relying.as_ref().is_none_or(|j| j.verdict.accepted());
    let exit = if sim.verdict.is_allow() && accepted { Exit::Success } else { Exit::Failure };
    Outcome { stdout, stderr: String::new(), exit }
}

fn case_request(base: &TokenRequest, case: &Case) -> Result<TokenRequest, String> {
    let mut r = base.clone();
    if let Some(p) = &case.principal {
        r.principal_arn = Some(p.clone());
    }
    for (k, v) in &case.principal_tags {
        r.principal_tags.retain(|(existing, _)| !existing.eq_ignore_ascii_case(k));
        r.principal_tags.push((k.clone(), v.clone()));
    }
    // A field the case leaves out keeps the command line's value, as `principal` and `region` do: flags
    // given next to `--cases` apply to every case.
    if !case.audience.is_empty() {
        r.audiences = case.audience.clone();
    }
    if case.duration.is_some() {
        r.duration = case.duration;
    }
    if let Some(a) = &case.signing_algorithm {
        r.signing_algorithm = a.clone();
    }
    if !case.tags.is_empty() {
        r.tags = case.tags.clone();
    }
    r.region = case.region.clone().or(r.region);
    if case.time.is_some() {
        r.time = case.time;
    }
    if case.session_expiry.is_some() {
        r.session_expiry = case.session_expiry;
    }
    r.context = base.context.iter().cloned().chain(case.context.iter().cloned()).collect();
    Ok(r)
}

/// Why a principal of the inventory cannot be simulated.
enum PrincipalError {
    /// Not found, or ambiguous: a usage error.
    Lookup(String),
    /// One of its policies is not a valid policy.
    Invalid(Vec<Finding>),
}

/// A principal of the inventory, with everything that applies to it.
#[derive(Clone)]
struct InventoryPrincipal {
    index: usize,
    describe: String,
    policies: PrincipalPolicies,
}

fn principal_policies(inventory: &Inventory, query: &str) -> Result<InventoryPrincipal, PrincipalError> {
    let index = inventory.find_principal(query).map_err(|e| PrincipalError::Lookup(e.message()))?;
    let policies = inventory.policies_for(index).map_err(PrincipalError::Invalid)?;
    let describe = inventory.principals.get(index).map(crate::inventory::Principal::describe).unwrap_or_default();
    Ok(InventoryPrincipal { index, describe, policies })
}

fn principal_list(inventory: &Inventory) -> String {
    let mut names: Vec<String> = inventory.principals.iter().map(crate::inventory::Principal::describe).collect();
    names.sort();
    if names.is_empty() { "no IAM role or user".to_owned() } else { names.join(", ") }
}

fn inventory_error(error: InventoryError, color: ColorArg) -> Outcome {
    match error {
        InventoryError::Missing(path) => {
            Outcome::usage_error(format!("no such file or directory: `{}`", path.display()))
        }
        InventoryError::NotAnInventory(path, kind) => {
            let what = match kind {
                crate::source::InputKind::Cases => "a cases file (give it with --cases)",
                _ => "a policy document (give it with --policy, --boundary, --scp or --rcp)",
            };
            Outcome::usage_error(format!(
                "`{}` is {what}, not Terraform JSON or an account snapshot",
                crate::source::display_path(&path)
            ))
        }
        InventoryError::Unreadable(findings) => bad_input(&findings, color),
    }
}

/// The principal's policy set with the --policy/--boundary/--scp/--rcp files added, and the request with
/// its ARN, tags and organization keys (flags and --context given on the command line win).
fn for_principal(p: &InventoryPrincipal, extra: PolicySet, mut request: TokenRequest) -> (PolicySet, TokenRequest) {
    let mut set = p.policies.set.clone();
    set.identity.extend(extra.identity);
    if extra.boundary.is_some() {
        set.boundary = extra.boundary;
    }
    set.session.extend(extra.session);
    for (level, scps) in extra.scp_levels.into_iter().enumerate() {
        while set.scp_levels.len() <= level {
            set.scp_levels.push(Vec::new());
        }
        if let Some(l) = set.scp_levels.get_mut(level) {
            l.extend(scps);
        }
    }
    set.rcps.extend(extra.rcps);
    set.management_account |= extra.management_account;
    request.principal_arn = Some(p.policies.arn.clone());
    let mut tags = p.policies.tags.clone();
    for (k, v) in request.principal_tags {
        tags.retain(|(existing, _)| !existing.eq_ignore_ascii_case(&k));
        tags.push((k, v));
    }
    request.principal_tags = tags;
    request.context = p.policies.context.iter().cloned().chain(request.context).collect();
    (set, request)
}

/// Why the decision for the simulated action (token minting by default) may differ from AWS's: parts of the
/// principal's policies that are not evaluated and may concern it.
fn incomplete(p: &InventoryPrincipal, action: Option<&str>) -> Vec<String> {
    let actions = match action {
        Some(a) => vec![a],
        None => vec!["sts:GetWebIdentityToken", "sts:TagGetWebIdentityToken"],
    };
    let mut out: Vec<String> = Vec::new();
    for a in actions {
        for reason in p.policies.incomplete_for(a) {
            if !out.iter().any(|r| r == reason) {
                out.push(reason.to_owned());
            }
        }
    }
    out
}

fn principal_human(p: &InventoryPrincipal, action: Option<&str>) -> String {
    let mut out = format!("principal: {}\n", p.describe);
    let synthesized = if p.policies.arn_synthesized { " (synthesized)" } else { "" };
    out.push_str(&format!("  arn: {}{synthesized}\n", p.policies.arn));
    for reason in incomplete(p, action) {
        out.push_str(&format!("  incomplete: {reason}\n"));
    }
    for note in &p.policies.notes {
        out.push_str(&format!("  note: {note}\n"));
    }
    out.push('\n');
    out
}

fn principal_json(p: &InventoryPrincipal, action: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "principal": p.describe,
        "arn": p.policies.arn,
        "arn_synthesized": p.policies.arn_synthesized,
        "tags": p.policies.tags.iter().map(|(k, v)| serde_json::json!({"key": k, "value": v})).collect::<Vec<_>>(),
        "incomplete": incomplete(p, action),
        "notes": p.policies.notes,
    })
}

fn run_cases(
    args: &SimulateArgs,
    inventory: Option<&Inventory>,
    extra: PolicySet,
    assumptions: &Assumptions,
    base: &TokenRequest,
    path: &std::path::Path,
) -> Outcome {
    let (source, json) = match read_json(path, &Limits::default()) {
        Ok(v) => v,
        Err(f) => return bad_input(&[*f], args.color),
    };
    let cases = match parse_cases(&json) {
        Ok(c) => c,
        Err(problems) => {
            let findings: Vec<Finding> = problems.iter().map(|p| invalid_policy::finding(&source, p)).collect();
            return bad_input(&findings, args.color);
        }
    };
    // Each case is decided against its principal's policies: one set per principal named (with an inventory),
    // or the one set the flags give.
    let mut principals: Vec<(String, InventoryPrincipal, PolicySet)> = Vec::new();
    let mut queries: Vec<(String, usize)> = Vec::new();
    let mut planned: Vec<(Case, Option<usize>, TokenRequest)> = Vec::new();
    let mut errors = Vec::new();
    for case in cases {
        let request = match case_request(base, &case) {
            Ok(r) => r,
            Err(e) => return Outcome::usage_error(e),
        };
        let Some(inventory) = inventory else {
            planned.push((case, None, request));
            continue;
        };
        let Some(query) = case.principal.clone().or_else(|| args.principal.clone()) else {
            errors.push(format!("case `{}` names no `principal`, and --principal is not given", case.name));
            continue;
        };
        // A name and an ARN may name the same principal: one set each, looked up once per query.
        let at = match queries.iter().find(|(q, _)| *q == query) {
            Some((_, at)) => *at,
            None => match principal_policies(inventory, &query) {
                Ok(p) => {
                    let at = match principals.iter().position(|(_, known, _)| known.index == p.index) {
                        Some(at) => at,
                        None => {
                            let (set, _) = for_principal(&p, extra.clone(), TokenRequest::default());
                            principals.push((query.clone(), p, set));
                            principals.len() - 1
                        }
                    };
                    queries.push((query.clone(), at));
                    at
                }
                Err(PrincipalError::Lookup(message)) => {
                    errors.push(format!("case `{}`: {message}", case.name));
                    continue;
                }
                Err(PrincipalError::Invalid(findings)) => return bad_input(&findings, args.color),
            },
        };
        // The case's `principal_tags` (already merged over --principal-tag) add to or override the
        // inventory's tags.
        let request = match principals.get(at) {
            Some((_, p, _)) => for_principal(p, PolicySet::default(), request).1,
            None => request,
        };
        planned.push((case, Some(at), request));
    }
    if !errors.is_empty() {
        return Outcome::usage_error(errors.join("\nerror: "));
    }
    // Prepared once per principal: thousands of cases then only evaluate conditions.
    let extra_simulator = Simulator::new(&extra);
    let simulators: Vec<Simulator<'_>> = principals.iter().map(|(_, _, set)| Simulator::new(set)).collect();
    let mut results: Vec<(Case, &PolicySet, Simulation)> = Vec::new();
    for (case, at, request) in planned {
        let set = at.and_then(|i| principals.get(i)).map_or(&extra, |(_, _, set)| set);
        let subject = subject(case.action.as_deref().or(args.action.as_deref()), case.resource.as_deref(), request);
        for message in check_context_keys(&subject) {
            errors.push(format!("case `{}`: {message}", case.name));
        }
        let simulator = at.and_then(|i| simulators.get(i)).unwrap_or(&extra_simulator);
        let sim = simulator.simulate(&subject, assumptions, args.issuer.as_deref());
        results.push((case, set, sim));
    }
    if !errors.is_empty() {
        return Outcome::usage_error(errors.join("\nerror: "));
    }
    let passed = results.iter().filter(|(c, _, s)| c.expect.holds(&s.verdict)).count();
    let failed = results.len() - passed;
    let stdout = match args.format {
        SimulateFormat::Human => {
            let header: String =
                principals.iter().map(|(_, p, _)| principal_human(p, args.action.as_deref())).collect();
            header + &render::cases_human(&results, args.explain, super::style(args.color.into()))
        }
        SimulateFormat::Json => {
            let mut value = render::cases_value(&results);
            if let Some(obj) = value.as_object_mut().filter(|_| !principals.is_empty()) {
                let list: Vec<_> =
                    principals.iter().map(|(_, p, _)| principal_json(p, args.action.as_deref())).collect();
                obj.insert("principals".into(), list.into());
            }
            let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
            text.push('\n');
            text
        }
        SimulateFormat::Junit => {
            let rows: Vec<_> = results
                .iter()
                .map(|(c, set, s)| (c.name.clone(), c.expect.as_str(), *set, s, c.expect.holds(&s.verdict)))
                .collect();
            render::junit(&rows, args.explain)
        }
    };
    let exit = if failed == 0 { Exit::Success } else { Exit::Failure };
    Outcome { stdout, stderr: String::new(), exit }
}
