//! `mintlint.toml`: rule selection and severities, per-path ignores, file globs, the organisation's token
//! vocabulary the rules check against, and the evaluation assumptions (DESIGN §3). Found upward from the first
//! path, or named with `--config`. Anything unknown or mistyped is an error with a span into the TOML, because a
//! silently ignored setting (`max_duraton = 300`) would lint against something else than the user wrote.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, SourceCode};
use serde::Deserialize;
use toml::Spanned;

use crate::check::{FileKinds, KindEntry, PerPathIgnore, RuleSelection, Suppressions};
use crate::eval::assumptions::BadAssumption;
use crate::eval::{Assumptions, Setting};
use crate::lint::{RegisteredAudience, Severity, TokenSettings, find_rule};
use crate::policy::PolicyKind;
use crate::request::Region;
use crate::source::{SourceFile, Span};

/// The file name looked for in the first path's directory and its ancestors.
pub const FILE_NAME: &str = "mintlint.toml";

/// A loaded configuration.
#[derive(Clone, Debug)]
pub struct Config {
    pub source: Arc<SourceFile>,
    pub token: TokenSettings,
    pub rules: RuleSelection,
    pub suppressions: Suppressions,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// `[[files.kind]]`: what kind of policy loose files are.
    pub kinds: FileKinds,
    pub assumptions: Assumptions,
    /// `[defaults]`: what a request that does not say takes.
    pub defaults: RequestDefaults,
    /// `[[relying_party]]` tables (DESIGN §9.4).
    pub relying_parties: Vec<crate::relying::RelyingParty>,
    /// `[accounts."111122223333"]`, sorted by account id (DESIGN §9.7).
    pub accounts: Vec<Account>,
    /// `[network.endpoints] "vpce-..." = "vpc-..."`: the VPC of each interface endpoint, which CloudTrail
    /// records do not give (DESIGN §9.5).
    pub endpoints: BTreeMap<String, String>,
    /// `[limits]`: the size limit of each kind of input (DESIGN §9.2); flags override it.
    pub limits: crate::source::limits::LimitSettings,
}

/// One AWS account the organisation names in `[accounts]`: what the token's `iss` is for its principals, which
/// organization it belongs to, and which `.tf` trees create resources in it.
#[derive(Clone, Debug)]
pub struct Account {
    /// The 12-digit account id.
    pub id: String,
    pub name: Option<String>,
    /// The account's token issuer (`https://<id>.tokens.sts.global.api.aws`): the `iss` of its tokens.
    pub issuer: Option<String>,
    /// The organization id (`o-...`): `aws:PrincipalOrgID` and the `org_id` claim.
    pub org_id: Option<String>,
    /// Globs (relative to the configuration's directory) of the `.tf` files whose resources live in this
    /// account; empty when not given.
    pub terraform: Vec<glob::Pattern>,
}

impl Config {
    /// The configured account of a `.tf` tree whose files are at these paths: the account whose `terraform`
    /// globs match one of them (relative to the configuration's directory), else the only configured account
    /// when it has no globs. `None` when the configuration does not tell (an `aws` provider's
    /// `allowed_account_ids` may: the `.tf` loader asks [`Config::account_matching`] first, then the provider,
    /// then [`Config::only_account`]).
    pub fn account_for_terraform(&self, files: &[PathBuf]) -> Option<&Account> {
        self.account_matching(files).or(self.only_account())
    }

    /// The account whose `terraform` globs match one of these files.
    pub fn account_matching(&self, files: &[PathBuf]) -> Option<&Account> {
        let base = self.source.path.parent().map(Path::to_path_buf).unwrap_or_default();
        let base = if base.as_os_str().is_empty() { PathBuf::from(".") } else { base };
        let base = std::fs::canonicalize(&base).unwrap_or(base);
        let relative: Vec<String> = files
            .iter()
            .filter_map(|f| {
                let absolute = std::fs::canonicalize(f).ok()?;
                Some(crate::source::display_path(absolute.strip_prefix(&base).ok()?))
            })
            .collect();
        let options = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: false,
            require_literal_leading_dot: false,
        };
        self.accounts.iter().find(|a| a.terraform.iter().any(|g| relative.iter().any(|r| g.matches_with(r, options))))
    }

    /// The one configured account, when there is exactly one and it has no `terraform` globs.
    pub fn only_account(&self) -> Option<&Account> {
        match self.accounts.as_slice() {
            [only] if only.terraform.is_empty() => Some(only),
            _ => None,
        }
    }

    /// The configured account with this id.
    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }
}

/// `[defaults]` of `mintlint.toml`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestDefaults {
    /// The region of requests that name none (else `us-east-1`).
    pub region: Option<Region>,
}

/// An invalid configuration: a message, the span it is about, and how to fix it.
#[derive(Debug)]
pub struct ConfigError {
    pub message: String,
    pub label: String,
    pub help: Option<String>,
    pub span: Option<Span>,
    /// mintlint.toml comes with the pull request: drawn windowed and escaped, as findings are.
    source: crate::report::human::Excerpt,
}

impl ConfigError {
    fn new(source: &SourceFile, span: Option<Span>, message: impl Into<String>, label: impl Into<String>) -> Self {
        ConfigError {
            message: message.into(),
            label: label.into(),
            help: None,
            span,
            source: crate::report::human::Excerpt::new(source),
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// A file that could not be read at all.
    pub fn unreadable(path: &Path, reason: &str) -> Self {
        let source = SourceFile::from_path(path, "");
        ConfigError::new(&source, None, format!("cannot read `{}`: {reason}", source.name), "")
    }
}

/// `help` on a boxed error, so validation reads the same as on an unboxed one.
trait BoxedHelp {
    fn help(self, help: impl Into<String>) -> Self;
}

impl BoxedHelp for Box<ConfigError> {
    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::report::escape::text(&self.message))
    }
}

impl std::error::Error for ConfigError {}

impl Diagnostic for ConfigError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("mintlint::config"))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(crate::report::escape::text(h)) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.span.is_some().then_some(&self.source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.source.translate(self.span?);
        let label = (!self.label.is_empty()).then(|| crate::report::escape::text(&self.label).into_owned());
        Some(Box::new(std::iter::once(LabeledSpan::new_primary_with_span(label, span))))
    }
}

/// The nearest `mintlint.toml` in the directory of `first` (or `first` itself when it is a directory) and its
/// ancestors. Relative paths stay relative while the search is below the working directory, so reports name
/// the file as the user would.
pub fn find(first: &Path) -> Option<PathBuf> {
    let start = if first.is_dir() { first.to_path_buf() } else { first.parent().map(Path::to_path_buf)? };
    // `payments.json` has the parent ``: the working directory, which `canonicalize` does not accept.
    let start = if start.as_os_str().is_empty() { PathBuf::from(".") } else { start };
    for dir in start.ancestors() {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
    }
    let absolute = std::fs::canonicalize(&start).ok()?;
    absolute.ancestors().skip(1).map(|d| d.join(FILE_NAME)).find(|c| c.is_file())
}

/// The configuration of a run: the file named with `--config`, else the nearest `mintlint.toml` upward from
/// the first path (or the working directory when the command names none), else none.
pub fn discover(explicit: Option<&Path>, first: Option<&Path>) -> Result<Option<Config>, Box<ConfigError>> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => find(first.unwrap_or(Path::new("."))),
    };
    path.as_deref().map(load).transpose()
}

/// The assumptions of a run: the configuration's `[assumptions]`, each `--assume NAME=VALUE` overriding one
/// setting.
pub fn assumptions(config: Option<&Config>, assume: &[String]) -> Result<Assumptions, BadAssumption> {
    let mut assumptions = config.map(|c| c.assumptions).unwrap_or_default();
    for a in assume {
        assumptions.apply(a)?;
    }
    Ok(assumptions)
}

/// Read and validate a configuration file.
pub fn load(path: &Path) -> Result<Config, Box<ConfigError>> {
    let text = std::fs::read_to_string(path).map_err(|e| Box::new(ConfigError::unreadable(path, &e.to_string())))?;
    parse(Arc::new(SourceFile::from_path(path, text)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    token: Option<RawToken>,
    rules: Option<RawRules>,
    files: Option<RawFiles>,
    assumptions: Option<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
    defaults: Option<RawDefaults>,
    relying_party: Option<Vec<crate::relying::config::RawRelyingParty>>,
    accounts: Option<BTreeMap<Spanned<String>, RawAccount>>,
    network: Option<RawNetwork>,
    limits: Option<RawLimits>,
}

/// `[limits]`: bytes, or a size with a unit (`"10MiB"`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    policy: Option<Spanned<toml::Value>>,
    input: Option<Spanned<toml::Value>>,
    tf_file: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNetwork {
    endpoints: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    region: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccount {
    name: Option<String>,
    issuer: Option<Spanned<String>>,
    org_id: Option<Spanned<String>>,
    terraform: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawToken {
    max_duration: Option<Spanned<i64>>,
    audience: Option<Vec<RawAudience>>,
    allowed_tag_keys: Option<Vec<String>>,
    signing_algorithms: Option<Vec<Spanned<String>>>,
    require_network_guard: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAudience {
    name: String,
    owner: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    select: Option<Vec<Spanned<String>>>,
    ignore: Option<Vec<Spanned<String>>>,
    severity: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    per_path: Option<Vec<RawPerPath>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPerPath {
    paths: Vec<Spanned<String>>,
    ignore: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFiles {
    include: Option<Vec<Spanned<String>>>,
    exclude: Option<Vec<Spanned<String>>>,
    kind: Option<Vec<RawKind>>,
}

/// `[[files.kind]] paths = ["org/scps/**"] kind = "scp"`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKind {
    paths: Vec<Spanned<String>>,
    kind: Spanned<String>,
}

fn span_of<T>(value: &Spanned<T>) -> Span {
    let range = value.span();
    Span::from_range(range.start, range.end)
}

/// Parse and validate the text of a configuration file.
pub fn parse(source: Arc<SourceFile>) -> Result<Config, Box<ConfigError>> {
    let raw: RawConfig = toml::from_str(&source.text).map_err(|e| Box::new(syntax_error(&source, &e)))?;
    let err =
        |span: Span, message: String, label: &str| Box::new(ConfigError::new(&source, Some(span), message, label));
    let mut config = Config {
        source: Arc::clone(&source),
        token: TokenSettings::default(),
        rules: RuleSelection::default(),
        suppressions: Suppressions::default(),
        include: Vec::new(),
        exclude: Vec::new(),
        kinds: FileKinds::default(),
        assumptions: Assumptions::default(),
        defaults: RequestDefaults::default(),
        relying_parties: Vec::new(),
        accounts: Vec::new(),
        endpoints: BTreeMap::new(),
        limits: crate::source::limits::LimitSettings::default(),
    };
    if let Some(token) = raw.token {
        if let Some(max) = token.max_duration {
            let value = *max.get_ref();
            config.token.max_duration =
                u32::try_from(value).ok().filter(|v| (60..=3600).contains(v)).ok_or_else(|| {
                    err(span_of(&max), format!("`max_duration` is {value}, outside 60-3600"), "not a token lifetime")
                        .help("token lifetimes are 60 to 3600 seconds (the API's range); the default is 900")
                })?;
        }
        config.token.audiences = token
            .audience
            .unwrap_or_default()
            .into_iter()
            .map(|a| RegisteredAudience { name: a.name, owner: a.owner })
            .collect();
        config.token.allowed_tag_keys = token.allowed_tag_keys;
        if let Some(algorithms) = token.signing_algorithms {
            for alg in &algorithms {
                if !matches!(alg.get_ref().as_str(), "RS256" | "ES384") {
                    return Err(err(
                        span_of(alg),
                        format!("unknown signing algorithm `{}`", alg.get_ref()),
                        "not RS256 or ES384",
                    )
                    .help("the API signs with `RS256` or `ES384` (case-sensitive)"));
                }
            }
            config.token.signing_algorithms = Some(algorithms.into_iter().map(Spanned::into_inner).collect());
        }
        config.token.require_network_guard = token.require_network_guard.unwrap_or(false);
    }
    if let Some(rules) = raw.rules {
        let rule_name = |name: &Spanned<String>| -> Result<String, Box<ConfigError>> {
            if find_rule(name.get_ref()).is_some() {
                return Ok(name.get_ref().clone());
            }
            let hint = crate::lint::nearest_rule_name(name.get_ref())
                .map_or_else(|| "`mintlint rules` lists them".to_owned(), |n| format!("did you mean `{n}`?"));
            Err(err(span_of(name), format!("unknown rule `{}`", name.get_ref()), "no such rule").help(hint))
        };
        for name in rules.select.unwrap_or_default() {
            config.rules.select.push(rule_name(&name)?);
        }
        for name in rules.ignore.unwrap_or_default() {
            config.rules.ignore.push(rule_name(&name)?);
        }
        for (name, level) in rules.severity.unwrap_or_default() {
            let rule = rule_name(&name)?;
            let severity = Severity::parse(level.get_ref()).ok_or_else(|| {
                err(span_of(&level), format!("unknown severity `{}`", level.get_ref()), "not a severity")
                    .help("use `error`, `warning` or `info`")
            })?;
            config.rules.severity.push((rule, severity));
        }
        for entry in rules.per_path.unwrap_or_default() {
            let mut globs = Vec::new();
            for path in &entry.paths {
                globs.push(glob::Pattern::new(path.get_ref()).map_err(|e| {
                    err(span_of(path), format!("invalid glob `{}`: {}", path.get_ref(), e.msg), "invalid glob")
                })?);
            }
            let mut ignore = Vec::new();
            for name in &entry.ignore {
                ignore.push((rule_name(name)?, span_of(name)));
            }
            config.suppressions.entries.push(PerPathIgnore { globs, rules: ignore });
        }
    }
    if let Some(files) = raw.files {
        for (globs, out) in [(files.include, &mut config.include), (files.exclude, &mut config.exclude)] {
            for glob in globs.unwrap_or_default() {
                if let Err(e) = glob::Pattern::new(glob.get_ref()) {
                    return Err(err(
                        span_of(&glob),
                        format!("invalid glob `{}`: {}", glob.get_ref(), e.msg),
                        "invalid glob",
                    ));
                }
                out.push(glob.into_inner());
            }
        }
        for entry in files.kind.unwrap_or_default() {
            let name = entry.kind.get_ref();
            let kind = PolicyKind::from_name(name).ok_or_else(|| {
                let names: Vec<&str> = PolicyKind::NAMED.iter().map(|(n, _)| *n).collect();
                let hint = crate::text::nearest(name, names.iter().copied()).map_or_else(
                    || format!("kinds are {}", names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")),
                    |n| format!("did you mean `{n}`?"),
                );
                err(span_of(&entry.kind), format!("unknown policy kind `{name}`"), "not a policy kind").help(hint)
            })?;
            let mut globs = Vec::new();
            for path in &entry.paths {
                globs.push(glob::Pattern::new(path.get_ref()).map_err(|e| {
                    err(span_of(path), format!("invalid glob `{}`: {}", path.get_ref(), e.msg), "invalid glob")
                })?);
            }
            config.kinds.entries.push(KindEntry { globs, kind });
        }
    }
    for (name, value) in raw.assumptions.unwrap_or_default() {
        let Some(setting) = Setting::parse(name.get_ref()) else {
            let hint = crate::text::nearest(name.get_ref(), Setting::ALL.iter().map(|s| s.name()))
                .map_or_else(|| "see `[assumptions]` in README.md".to_owned(), |n| format!("did you mean `{n}`?"));
            return Err(
                err(span_of(&name), format!("unknown assumption `{}`", name.get_ref()), "no such setting").help(hint)
            );
        };
        let text = match value.get_ref() {
            toml::Value::String(s) => s.clone(),
            toml::Value::Boolean(b) => b.to_string(),
            other => other.to_string(),
        };
        config
            .assumptions
            .set(setting, &text)
            .map_err(|e| err(span_of(&value), e.message, "not a value of this setting"))?;
    }
    if let Some(region) = raw.defaults.and_then(|d| d.region) {
        config.defaults.region = Some(Region::parse(region.get_ref()).ok_or_else(|| {
            err(span_of(&region), format!("`{}` is not an AWS region name", region.get_ref()), "not a region")
                .help("write a region such as `us-east-1` or `eu-central-2`")
        })?);
    }
    if let Some(tables) = raw.relying_party {
        config.relying_parties = crate::relying::config::relying_parties(&source, tables)
            .map_err(|e| err(e.span, e.message, &e.label).help(e.help))?;
    }
    for (id, raw) in raw.accounts.unwrap_or_default() {
        config.accounts.push(account(id, raw, &source)?);
    }
    for (vpce, vpc) in raw.network.and_then(|n| n.endpoints).unwrap_or_default() {
        if !resource_id(vpce.get_ref(), "vpce-") {
            return Err(err(
                span_of(&vpce),
                format!("`{}` is not a VPC endpoint id", vpce.get_ref()),
                "not `vpce-...`",
            )
            .help("the keys of `[network.endpoints]` are interface endpoint ids, as CloudTrail's `vpcEndpointId`"));
        }
        if !resource_id(vpc.get_ref(), "vpc-") {
            return Err(err(span_of(&vpc), format!("`{}` is not a VPC id", vpc.get_ref()), "not `vpc-...`")
                .help("give the id of the VPC the endpoint is in (`aws:SourceVpc`)"));
        }
        config.endpoints.insert(vpce.into_inner(), vpc.into_inner());
    }
    if let Some(limits) = raw.limits {
        let size = |value: Option<Spanned<toml::Value>>| -> Result<Option<u64>, Box<ConfigError>> {
            let Some(value) = value else { return Ok(None) };
            let parsed = match value.get_ref() {
                toml::Value::Integer(n) => u64::try_from(*n)
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| "a size limit must be at least 1 byte".to_owned()),
                toml::Value::String(s) => crate::source::limits::parse_size(s),
                other => Err(format!("a size is bytes or a string such as \"10MiB\", not a {}", other.type_str())),
            };
            parsed.map(Some).map_err(|message| {
                err(span_of(&value), message, "not a size").help("write bytes (10485760) or \"10MiB\", \"1GiB\"")
            })
        };
        config.limits = crate::source::limits::LimitSettings {
            policy: size(limits.policy)?,
            input: size(limits.input)?,
            tf_file: size(limits.tf_file)?,
        };
    }
    config.suppressions.source = Some(Arc::clone(&source));
    config.suppressions.base = source.path.parent().map(Path::to_path_buf);
    config.kinds.base = source.path.parent().map(Path::to_path_buf);
    Ok(config)
}

/// `vpc-0a1b2c3d` / `vpce-0a1b2c3d4e5f60718`: the prefix, then 8 or 17 lowercase hex digits.
fn resource_id(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix).is_some_and(|hex| {
        matches!(hex.len(), 8 | 17) && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// One `[accounts."ID"]` table, validated: a 12-digit id, an `https://` issuer (the token's `iss` is compared
/// as an exact string, so a trailing `/` or a space would never match), an `o-` organization id.
fn account(id: Spanned<String>, raw: RawAccount, source: &Arc<SourceFile>) -> Result<Account, Box<ConfigError>> {
    let err = |span: Span, message: String, label: &str| Box::new(ConfigError::new(source, Some(span), message, label));
    let text = id.get_ref();
    if text.len() != 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(span_of(&id), format!("`{text}` is not an AWS account id"), "not 12 digits")
            .help("write the account id as a quoted key: `[accounts.\"111122223333\"]`"));
    }
    if let Some(issuer) = &raw.issuer {
        let value = issuer.get_ref();
        let bad = if !value.starts_with("https://") || value.len() <= "https://".len() {
            Some("an issuer is an `https://` URL")
        } else if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            Some("the token's `iss` is compared as an exact string: remove the whitespace")
        } else if value.ends_with('/') {
            Some("the token's `iss` has no trailing `/`: remove it")
        } else {
            None
        };
        if let Some(help) = bad {
            return Err(err(
                span_of(issuer),
                format!("invalid issuer `{value}` for account {text}"),
                "not an issuer URL",
            )
            .help(format!("{help}; the account's issuer looks like `https://<id>.tokens.sts.global.api.aws`")));
        }
    }
    if let Some(org) = &raw.org_id {
        let value = org.get_ref();
        let body = value.strip_prefix("o-").unwrap_or_default();
        if !(10..=32).contains(&body.len()) || !body.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
            return Err(err(
                span_of(org),
                format!("`{value}` is not an organization id"),
                "not `o-` and 10-32 characters",
            )
            .help("an organization id is `o-` followed by 10 to 32 lowercase letters or digits"));
        }
    }
    let mut terraform = Vec::new();
    for glob in raw.terraform.unwrap_or_default() {
        terraform.push(glob::Pattern::new(glob.get_ref()).map_err(|e| {
            err(span_of(&glob), format!("invalid glob `{}`: {}", glob.get_ref(), e.msg), "invalid glob")
        })?);
    }
    Ok(Account {
        id: id.into_inner(),
        name: raw.name,
        issuer: raw.issuer.map(Spanned::into_inner),
        org_id: raw.org_id.map(Spanned::into_inner),
        terraform,
    })
}

/// A TOML syntax error, an unknown key or a wrong type, with "did you mean" for a misspelt key.
fn syntax_error(source: &SourceFile, error: &toml::de::Error) -> ConfigError {
    let span = error.span().map(|r| Span::from_range(r.start, r.end));
    let message = error.message().trim().to_owned();
    let (first_line, _) = message.split_once('\n').unwrap_or((&message, ""));
    let mut out = ConfigError::new(source, span, format!("invalid mintlint.toml: {first_line}"), "here");
    if let Some((_, expected)) = first_line.split_once("invalid type: ").and_then(|(_, t)| t.split_once(", expected "))
    {
        let wanted = match expected {
            "i64" | "u32" | "integer" => "an integer",
            "a boolean" | "bool" => "`true` or `false`",
            "a string" | "string" => "a string in quotes",
            "a sequence" => "a list: `[\"...\"]`",
            other => other,
        };
        out.label = "wrong type".to_owned();
        out = out.help(format!("this setting takes {wanted}"));
    }
    // serde's wording: "unknown field `max_duraton`, expected one of `max_duration`, `audience`, ..."
    if let Some(rest) = first_line.strip_prefix("unknown field `") {
        let mut names = rest.split('`').skip(1).filter(|s| !s.is_empty() && !s.starts_with(',') && !s.contains(' '));
        let unknown = rest.split('`').next().unwrap_or_default();
        let expected: Vec<&str> = names.by_ref().collect();
        out.label = "unknown key".to_owned();
        out = match crate::text::nearest(unknown, expected.iter().copied()) {
            Some(n) => out.help(format!("did you mean `{n}`?")),
            None => out.help(format!(
                "known keys here: {}",
                expected.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            )),
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str, dir: &Path) -> Config {
        let source = Arc::new(SourceFile::from_path(&dir.join(FILE_NAME), text.to_owned()));
        match parse(source) {
            Ok(c) => c,
            Err(e) => panic!("{}", e.message),
        }
    }

    #[test]
    fn terraform_trees_find_their_account_by_glob_else_the_only_account() {
        let dir = std::env::temp_dir().join(format!("mintlint-config-accounts-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("infra/prod")).unwrap();
        std::fs::create_dir_all(dir.join("infra/dev")).unwrap();
        std::fs::write(dir.join("infra/prod/main.tf"), "").unwrap();
        std::fs::write(dir.join("infra/dev/main.tf"), "").unwrap();
        let two = config(
            "[accounts.\"111122223333\"]\nterraform = [\"infra/prod/**\"]\n[accounts.\"444455556666\"]\nterraform = [\"infra/dev/**\"]\n",
            &dir,
        );
        let prod = two.account_for_terraform(&[dir.join("infra/prod/main.tf")]).map(|a| a.id.as_str());
        let dev = two.account_for_terraform(&[dir.join("infra/dev/main.tf")]).map(|a| a.id.as_str());
        assert_eq!((prod, dev), (Some("111122223333"), Some("444455556666")));
        let only = config("[accounts.\"111122223333\"]\nissuer = \"https://x.tokens.sts.global.api.aws\"\n", &dir);
        assert_eq!(
            only.account_for_terraform(&[dir.join("infra/dev/main.tf")]).map(|a| a.id.as_str()),
            Some("111122223333")
        );
        assert_eq!(
            only.account("111122223333").and_then(|a| a.issuer.as_deref()),
            Some("https://x.tokens.sts.global.api.aws")
        );
        // One account with globs that do not match: the configuration does not tell.
        let elsewhere = config("[accounts.\"111122223333\"]\nterraform = [\"other/**\"]\n", &dir);
        assert!(elsewhere.account_for_terraform(&[dir.join("infra/dev/main.tf")]).is_none());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn limits_take_bytes_or_sizes() {
        let dir = std::env::temp_dir().join(format!("mintlint-config-limits-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let c = config("[limits]\npolicy = 1024\ninput = \"2GiB\"\ntf_file = \"1MiB\"\n", &dir);
        assert_eq!(
            c.limits,
            crate::source::limits::LimitSettings { policy: Some(1024), input: Some(2 << 30), tf_file: Some(1 << 20) }
        );
        for bad in ["policy = 0", "input = \"2 GB of data\"", "tf_file = 1.5", "stream = 1"] {
            let text = format!("[limits]\n{bad}\n");
            assert!(
                parse(Arc::new(SourceFile::new(dir.join("mintlint.toml"), "mintlint.toml", text))).is_err(),
                "{bad}"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn network_endpoints_name_their_vpc() {
        let dir = std::env::temp_dir().join(format!("mintlint-config-endpoints-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ok = config("[network.endpoints]\n\"vpce-0a1b2c3d4e5f60718\" = \"vpc-0f1e2d3c4b5a69788\"\n", &dir);
        assert_eq!(ok.endpoints.get("vpce-0a1b2c3d4e5f60718").map(String::as_str), Some("vpc-0f1e2d3c4b5a69788"));
        for bad in ["\"vpc-0a1b2c3d\" = \"vpc-0f1e2d3c\"", "\"vpce-0a1b2c3d\" = \"subnet-0f1e2d3c\""] {
            let text = format!("[network.endpoints]\n{bad}\n");
            assert!(
                parse(Arc::new(SourceFile::new(dir.join("mintlint.toml"), "mintlint.toml", text))).is_err(),
                "{bad}"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
