//! `mintlint simulate`: flags to library calls ([`crate::simulate::inputs`], [`crate::request`]), results to
//! reports ([`crate::report::simulate`]).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use std::path::Path;

use crate::cases::run::{CaseProblem, Setup, Stop};
use crate::cases::stream::{CaseStream, FrameError, StreamLimits};
use crate::cases::{self, CasesError, parse_cases};
use crate::lint::Finding;
use crate::policy::PolicyProblem;
use crate::report::{self, simulate as render};
use crate::request::build::{parse_context, parse_pair};
use crate::request::{Defaults, Field, RequestError, RequestSpec};
use crate::simulate::Simulator;
use crate::simulate::inputs::{InputError, PolicyFiles, ResolveError, Scenario, ScpFile};
use crate::source::json::Limits;
use crate::source::{SourceFile, Span, display_path};

use super::{ColorArg, Exit, Outcome};

#[derive(Clone, Copy, Debug, Default, ValueEnum)]
pub enum SimulateFormat {
    /// Decision, deciding statements, absent keys, assumptions and the claims preview
    #[default]
    Human,
    /// The same as a versioned JSON document
    Json,
    /// JUnit XML, one test case per request or case
    Junit,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Terraform JSON (`terraform show -json`), Terraform source (`.tf`) or account snapshots (`aws iam
    /// get-account-authorization-details`), files or directories: the principals to pick with --principal
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub policies: PolicyArgs,
    #[command(flatten)]
    pub request: RequestArgs,
    /// The resource's own policy (a bucket policy, a KMS key policy...), for --action on a --resource
    #[arg(long = "resource-policy", value_name = "FILE")]
    pub resource_policy: Option<PathBuf>,
    /// Issuer URL shown in the claims preview (default: a placeholder; the real issuer is per account)
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,
    /// Also tell whether this relying party (a Terraform address of the inputs, or a `[[relying_party]]`
    /// name) accepts the token, and by which of its conditions
    #[arg(long = "relying-party", value_name = "ID")]
    pub relying_party: Option<String>,
    #[command(flatten)]
    pub settings: super::SettingsArgs,
    /// Draw the deciding statements and the failing conditions as source snippets
    #[arg(long)]
    pub explain: bool,
    /// Batch expectation tests: a JSON file of cases; flags given beside it fill what a case leaves out
    #[arg(long, value_name = "FILE")]
    pub cases: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = SimulateFormat::Human)]
    pub format: SimulateFormat,
    /// Colour in human output: `auto` colours a terminal unless NO_COLOR is set
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// The policy files of one principal, as `simulate` and `graph` take them.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Identity policy of the simulated principal (repeatable)
    #[arg(long = "policy", value_name = "FILE")]
    pub policies: Vec<PathBuf>,
    /// Permissions boundary of the principal
    #[arg(long, value_name = "FILE")]
    pub boundary: Option<PathBuf>,
    /// Service control policy at an organization level, LEVEL:FILE (0 = the root, then each OU, then the
    /// account; at most 6; several files per level), or FILE for the next level (repeatable)
    #[arg(long = "scp", value_name = "[LEVEL:]FILE")]
    pub scps: Vec<String>,
    /// Resource control policy (repeatable; RCPFullAWSAccess is implicit)
    #[arg(long = "rcp", value_name = "FILE")]
    pub rcps: Vec<PathBuf>,
    /// Session policy of the calling session (repeatable)
    #[arg(long = "session-policy", value_name = "FILE")]
    pub session_policies: Vec<PathBuf>,
    /// Policy of the VPC endpoint the call goes through (repeatable): it must allow too
    #[arg(long = "endpoint-policy", value_name = "FILE")]
    pub endpoint_policies: Vec<PathBuf>,
    /// The principal is in the management account: SCPs and RCPs do not apply
    #[arg(long)]
    pub management_account: bool,
}

impl PolicyArgs {
    pub fn files(&self) -> Result<PolicyFiles, String> {
        Ok(PolicyFiles {
            identity: self.policies.clone(),
            boundary: self.boundary.clone(),
            scps: self.scps.iter().map(|s| ScpFile::parse(s)).collect::<Result<_, _>>()?,
            rcps: self.rcps.clone(),
            session: self.session_policies.clone(),
            endpoint: self.endpoint_policies.clone(),
            management_account: self.management_account,
        })
    }
}

/// The request, as flags.
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// The principal: with PATHs, its ARN, name or Terraform address in them; otherwise the ARN of the
    /// principal the --policy files belong to (aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType)
    #[arg(long, value_name = "ARN|NAME")]
    pub principal: Option<String>,
    /// A tag of the principal, K=V (aws:PrincipalTag/K; repeatable)
    #[arg(long = "principal-tag", value_name = "K=V")]
    pub principal_tags: Vec<String>,
    /// Audience of the token (sts:IdentityTokenAudience; repeatable, 1-10)
    #[arg(long = "audience", value_name = "AUDIENCE")]
    pub audiences: Vec<String>,
    /// Token lifetime in seconds, 60-3600 (sts:DurationSeconds; omit: not sent, the API issues 300 s)
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<u32>,
    /// Signing algorithm, RS256 or ES384 (sts:SigningAlgorithm; default ES384)
    #[arg(long, value_name = "ALGORITHM")]
    pub signing_algorithm: Option<String>,
    /// Request tag, a custom claim, K=V (aws:RequestTag/K, aws:TagKeys; repeatable, at most 50)
    #[arg(long = "tag", value_name = "K=V")]
    pub tags: Vec<String>,
    /// The VPC of the VPC endpoint the call comes through (aws:SourceVpc; needs --source-vpce)
    #[arg(long, value_name = "VPC_ID")]
    pub source_vpc: Option<String>,
    /// The VPC endpoint the call comes through (aws:SourceVpce; needs --source-vpc)
    #[arg(long, value_name = "VPCE_ID")]
    pub source_vpce: Option<String>,
    /// The caller's IP address (aws:SourceIp over the public endpoint, aws:VpcSourceIp through a VPC endpoint)
    #[arg(long, value_name = "ADDRESS")]
    pub source_ip: Option<String>,
    /// Region of the endpoint called (aws:RequestedRegion; default: `[defaults] region` of mintlint.toml, else
    /// us-east-1)
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Request time, RFC 3339 (aws:CurrentTime, aws:EpochTime; default: now)
    #[arg(long, value_name = "RFC3339")]
    pub time: Option<String>,
    /// Expiry of the caller's session, RFC 3339: a token that would outlive it is refused
    #[arg(long, value_name = "RFC3339")]
    pub session_expiry: Option<String>,
    /// Any condition key, KEY=VALUE (repeat a key for a multi-valued key; overrides what other flags set)
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// Simulate another action instead of token minting (service:Action)
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,
    /// The resource ARN the --action acts on (default: `*`)
    #[arg(long, value_name = "ARN")]
    pub resource: Option<String>,
    /// The account that owns the --resource, when its ARN names none (an S3 bucket); decides whether the
    /// access is cross-account
    #[arg(long, value_name = "ACCOUNT_ID")]
    pub resource_account: Option<String>,
}

impl RequestArgs {
    /// The request as given on the command line.
    pub fn spec(&self) -> Result<RequestSpec, RequestError> {
        let pairs = |entries: &[String], field: Field| -> Result<Vec<(String, String)>, RequestError> {
            entries.iter().map(|e| parse_pair(e, field.clone())).collect()
        };
        Ok(RequestSpec {
            principal: self.principal.clone(),
            principal_tags: pairs(&self.principal_tags, Field::PrincipalTag)?,
            action: self.action.clone(),
            resource: self.resource.clone(),
            resource_account: self.resource_account.clone(),
            audiences: self.audiences.clone(),
            duration: self.duration,
            signing_algorithm: self.signing_algorithm.clone(),
            tags: pairs(&self.tags, Field::Tag)?,
            source_vpc: self.source_vpc.clone(),
            source_vpce: self.source_vpce.clone(),
            source_ip: self.source_ip.clone(),
            region: self.region.clone(),
            time: self.time.clone(),
            session_expiry: self.session_expiry.clone(),
            context: parse_context(&self.context)?,
        })
    }
}

/// Render policy problems as diagnostics and exit 2.
fn bad_input(findings: &[Finding], color: ColorArg) -> Outcome {
    let style = super::style(color.into());
    let stderr = findings.iter().map(|f| report::human::render_finding(f, style)).collect::<String>();
    Outcome {
        stdout: String::new(),
        stderr: format!("{stderr}error: the inputs cannot be simulated until these problems are fixed\n"),
        exit: Exit::Usage,
    }
}

fn input_error(error: InputError, color: ColorArg) -> Outcome {
    match error {
        InputError::Usage(message) => Outcome::usage_error(message),
        InputError::Invalid(findings) => bad_input(&findings, color),
    }
}

fn request_errors(errors: &[RequestError]) -> Outcome {
    Outcome::usage_error(errors.iter().map(RequestError::flag_message).collect::<Vec<_>>().join("\nerror: "))
}

pub fn run(args: &SimulateArgs, sink: &mut super::ReportSink<'_>) -> Outcome {
    let first = args.paths.first().or(args.policies.policies.first());
    let settings = match args.settings.load(first.map(PathBuf::as_path), args.color) {
        Ok(s) => s,
        Err(outcome) => return outcome,
    };
    let files = match args.policies.files() {
        Ok(f) => f,
        Err(message) => return Outcome::usage_error(message),
    };
    let base = match args.request.spec() {
        Ok(spec) => spec,
        Err(e) => return request_errors(&[e]),
    };
    let limits = settings.limits.json(crate::source::SizeKind::Policy);
    let mut scenario =
        match Scenario::load(&args.paths, &files, base.principal.as_deref(), settings.config.as_ref(), &limits) {
            Ok(s) => s,
            Err(e) => return input_error(e, args.color),
        };
    let defaults = Defaults::now(settings.region.clone());
    let resource_policy = match &args.resource_policy {
        None => None,
        Some(_) if base.action.is_none() && args.cases.is_none() => {
            return Outcome::usage_error("--resource-policy: token minting has no resource; it goes with --action");
        }
        Some(path) => match crate::simulate::inputs::resource_policy(path, base.action.as_deref(), &limits) {
            Ok(p) => Some(p),
            Err(e) => return input_error(e, args.color),
        },
    };
    if let Some(cases) = &args.cases {
        return run_cases(args, &mut scenario, &settings, &base, &defaults, cases, resource_policy.as_ref(), sink);
    }
    if base.action.is_none() && base.audiences.is_empty() {
        return Outcome::usage_error("give at least one --audience for the token request (or --cases FILE)");
    }
    let resolved = match scenario.resolve(&base, &defaults) {
        Ok(r) => r,
        Err(ResolveError::Request(errors)) => return request_errors(&errors),
        Err(ResolveError::Lookup(message)) => return Outcome::usage_error(message),
        Err(ResolveError::Invalid(findings)) => return bad_input(&findings, args.color),
    };
    let set = scenario.set(resolved.principal);
    let principal = resolved.principal.and_then(|i| scenario.principals.get(i)).map(|(p, _)| p);
    let sim = Simulator::new(set).with_resource_policy(resource_policy.as_ref()).simulate(
        &resolved.request,
        &settings.assumptions,
        args.issuer.as_deref(),
    );
    let relying = match &args.relying_party {
        None => None,
        Some(id) => {
            if !resolved.request.is_mint() {
                return Outcome::usage_error("--relying-party judges a token: it does not go with --action");
            }
            match crate::relying::simulate::judge(
                id,
                &resolved.request,
                scenario.inventory.as_ref(),
                args.issuer.as_deref(),
                &args.paths,
                &args.policies.policies,
                &settings.assumptions,
            ) {
                Ok(j) => Some(j),
                Err(message) => return Outcome::usage_error(message),
            }
        }
    };
    let stdout = match args.format {
        SimulateFormat::Human => {
            let header =
                principal.map(|p| render::principal_human(p, args.request.action.as_deref())).unwrap_or_default();
            let body = render::render_human(set, &sim, args.explain, super::style(args.color.into()));
            let rp = relying
                .as_ref()
                .map(|j| crate::report::relying::judgement_human(j, sim.verdict.is_allow()))
                .unwrap_or_default();
            header + &body + &rp
        }
        SimulateFormat::Json => {
            let mut value = render::simulation_json(set, &sim);
            if let (Some(p), Some(obj)) = (principal, value.as_object_mut()) {
                obj.insert("principal".into(), render::principal_json(p, args.request.action.as_deref()));
            }
            if let (Some(j), Some(obj)) = (&relying, value.as_object_mut()) {
                obj.insert("relying_party".into(), crate::report::relying::judgement_json(j, sim.verdict.is_allow()));
            }
            let mut t = crate::report::escape::json(serde_json::to_string_pretty(&value).unwrap_or_default());
            t.push('\n');
            t
        }
        SimulateFormat::Junit => {
            render::junit(&[("simulate".to_owned(), "allow", set, &sim, sim.verdict.is_allow())], args.explain)
        }
    };
    let accepted = relying.as_ref().is_none_or(|j| j.verdict.accepted());
    let exit = if sim.verdict.is_allow() && accepted { Exit::Success } else { Exit::Failure };
    Outcome { stdout, stderr: String::new(), exit }
}

/// Cases-file problems, each drawn at its place in the file, exit 2.
fn cases_errors(errors: &[CasesError], color: ColorArg) -> Outcome {
    let style = super::style(color.into());
    let stderr = errors.iter().map(|e| report::human::render_diagnostic(e, style)).collect::<String>();
    Outcome {
        stdout: String::new(),
        stderr: format!("{stderr}error: the cases cannot be simulated until these problems are fixed\n"),
        exit: Exit::Usage,
    }
}

#[allow(clippy::too_many_arguments)]
fn run_cases(
    args: &SimulateArgs,
    scenario: &mut Scenario,
    settings: &super::Settings,
    base: &RequestSpec,
    defaults: &Defaults,
    path: &Path,
    resource_policy: Option<&crate::eval::LoadedPolicy>,
    sink: &mut super::ReportSink<'_>,
) -> Outcome {
    let unreadable =
        |e: std::io::Error| Outcome::usage_error(format!("--cases `{}`: cannot read this file: {e}", path.display()));
    let limit = settings.limits.stream;
    // A regular file over the limit is refused before it is read; a pipe is stopped when it reaches it.
    if let Ok(meta) = std::fs::metadata(path)
        && meta.is_file()
        && meta.len() > limit
    {
        let too_large =
            crate::source::limits::TooLarge { kind: crate::source::SizeKind::Stream, size: meta.len(), limit };
        let message = format!("--cases `{}`: {too_large}", path.display());
        let mut outcome = Outcome::usage_error(message);
        outcome.stderr.push_str(&format!("  help: {}\n", too_large.help()));
        return outcome;
    }
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return unreadable(e),
    };
    let mut stream = CaseStream::new(file, StreamLimits { max_bytes: limit, ..StreamLimits::default() });
    let setup =
        Setup { base, defaults, assumptions: &settings.assumptions, issuer: args.issuer.as_deref(), resource_policy };
    let action = args.request.action.as_deref();
    let result = match args.format {
        SimulateFormat::Human => {
            let rows = render::HumanRows { explain: args.explain, style: super::style(args.color.into()), action };
            cases::run::run(&mut stream, scenario, &setup, &rows, sink)
        }
        SimulateFormat::Json => cases::run::run(&mut stream, scenario, &setup, &render::JsonRows { action }, sink),
        SimulateFormat::Junit => {
            cases::run::run(&mut stream, scenario, &setup, &render::JunitRows { explain: args.explain }, sink)
        }
    };
    match result {
        Ok(totals) => Outcome {
            stdout: String::new(),
            stderr: String::new(),
            exit: if totals.failed == 0 { Exit::Success } else { Exit::Failure },
        },
        Err(Stop::Read(e)) => unreadable(e),
        // The report stops where the writing failed; `--output` and a closed pipe are told apart by the caller.
        Err(Stop::Write(_)) => Outcome { stdout: String::new(), stderr: String::new(), exit: Exit::Failure },
        Err(Stop::Invalid(findings)) => bad_input(&findings, args.color),
        Err(Stop::Frame(frame)) => {
            let errors = whole_file_problems(path).unwrap_or_else(|| {
                let FrameError { message, label, help, line, line_text, span, .. } = *frame;
                let problem = PolicyProblem { span: Span::from_range(span.start, span.end), message, label, help };
                vec![CasesError::in_excerpt(&display_path(path), line_text, line, &problem)]
            });
            cases_errors(&errors, args.color)
        }
        Err(Stop::Problems { problems, total }) => {
            // Problems of reading cases come first; those of building them only when every case could be read.
            let read = problems.iter().any(|p| p.read);
            let shown: Vec<&CaseProblem> = problems.iter().filter(|p| p.read == read).collect();
            let errors = match whole_file(path) {
                Some(source) => shown
                    .iter()
                    .map(|p| {
                        let start = u32::try_from(p.offset - p.column as u64).unwrap_or(0);
                        let mut problem = p.problem.clone();
                        problem.span = Span::new(problem.span.start + start, problem.span.end + start);
                        CasesError::new(&source, &problem)
                    })
                    .collect::<Vec<_>>(),
                None => shown
                    .iter()
                    .map(|p| CasesError::in_excerpt(&display_path(path), p.text.clone(), p.line, &p.problem))
                    .collect(),
            };
            let mut outcome = cases_errors(&errors, args.color);
            if total > problems.len() {
                let more = format!("error: {total} problems in the cases; the first {} are shown\n", problems.len());
                outcome.stderr.push_str(&more);
            }
            outcome
        }
    }
}

/// A cases file small enough to draw its problems from the whole text (within the policy-document limit,
/// which the reading of whole files has always had): the problems of the frame as the whole-file reader
/// words them.
fn whole_file_problems(path: &Path) -> Option<Vec<CasesError>> {
    let source = whole_file(path)?;
    match crate::source::json::parse(&source.text, &Limits::default()) {
        Err(error) => {
            let finding = crate::lint::rules::invalid_json::finding(&source, &error);
            Some(vec![CasesError::from_finding(&finding)])
        }
        Ok(json) => match parse_cases(&json) {
            Err(problems) => Some(problems.iter().map(|p| CasesError::new(&source, p)).collect()),
            Ok(_) => None,
        },
    }
}

/// The whole cases file, when it is a regular file within the policy-document limit and UTF-8 (to draw
/// problems with their surroundings); `None` otherwise (problems are then drawn from their case alone).
fn whole_file(path: &Path) -> Option<std::sync::Arc<SourceFile>> {
    let meta = std::fs::metadata(path).ok()?;
    let limit = u64::try_from(Limits::default().max_bytes).unwrap_or(u64::MAX);
    if !meta.is_file() || meta.len() > limit {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    Some(std::sync::Arc::new(SourceFile::from_path(path, text)))
}
