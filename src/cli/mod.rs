//! The command line: clap definitions and one file per subcommand. Commands return their output and an
//! exit code; `main` prints.

pub mod check;
pub mod diff;
pub mod explain;
pub mod graph;
pub mod replay;
pub mod rules;
pub mod simulate;

use std::io::IsTerminal;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::{ColorChoice, Style};

/// The process exit status of every command (DESIGN §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Clean, allowed, all expectations met.
    Success = 0,
    /// Findings at or above `--fail-on`, a denied request, a failed expectation, widening drift.
    Failure = 1,
    /// Usage error, unreadable path, invalid configuration or input.
    Usage = 2,
}

/// What a command produced: text for stdout, text for stderr, and the exit status.
#[derive(Debug)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub exit: Exit,
}

impl Outcome {
    /// Exit 2 with a one-line message; the paths and values it quotes are escaped (DESIGN §9.6).
    pub fn usage_error(message: impl Into<String>) -> Outcome {
        let message = message.into();
        Outcome {
            stdout: String::new(),
            stderr: format!("error: {}\n", crate::report::escape::text(&message)),
            exit: Exit::Usage,
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "mintlint",
    version = crate::version_line(),
    about = "Lint, simulate and diff the AWS IAM policies that govern token minting (sts:GetWebIdentityToken)",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Write the report to this file (atomically: a reader never sees a half-written report) instead of
    /// standard output
    #[arg(long, global = true, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint every policy found under the paths
    Check(check::CheckArgs),
    /// List every rule
    Rules(rules::RulesArgs),
    /// Print a rule's full documentation
    Explain(explain::ExplainArgs),
    /// Decide a token request (or any action) and show which statement decides
    Simulate(Box<simulate::SimulateArgs>),
    /// Token requests the current version allows that the baseline did not (and the reverse)
    Diff(diff::DiffArgs),
    /// Who can mint tokens for which audiences, with what lifetime, tags and context
    Graph(graph::GraphArgs),
    /// Replay the token requests CloudTrail recorded against the policies (and a baseline)
    Replay(Box<replay::ReplayArgs>),
}

/// `--config` and `--assume`, taken by every command that evaluates or lints policies.
#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// Configuration file (default: the nearest mintlint.toml upward from the first path)
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    /// Set an assumption, NAME=VALUE, over the configuration's `[assumptions]` (repeatable; see README
    /// "Assumptions")
    #[arg(long = "assume", value_name = "NAME=VALUE")]
    pub assume: Vec<String>,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// The size limits of inputs (DESIGN §9.2), taken by every command that reads them; they override
/// `[limits]` of mintlint.toml.
#[derive(Debug, Default, Args)]
pub struct LimitArgs {
    /// Largest policy document, in a file of its own or embedded in Terraform or a snapshot: bytes, or a
    /// size such as 10MiB (default 10 MiB; `[limits] policy`)
    #[arg(long, value_name = "SIZE", value_parser = crate::source::limits::parse_size)]
    pub max_policy_size: Option<u64>,
    /// Largest Terraform plan or state, account snapshot, cases or CloudTrail events file: bytes, or a size
    /// such as 2GiB (default 1 GiB, 4 GiB for the streamed cases and events files; `[limits] input`)
    #[arg(long, alias = "max-file-size", value_name = "SIZE", value_parser = crate::source::limits::parse_size)]
    pub max_input_size: Option<u64>,
}

impl LimitArgs {
    /// The limits of a run: these flags over the configuration's `[limits]` over the defaults.
    pub fn limits(&self, config: Option<&crate::config::Config>) -> crate::source::InputLimits {
        let flags = crate::source::limits::LimitSettings {
            policy: self.max_policy_size,
            input: self.max_input_size,
            tf_file: None,
        };
        let limits = crate::source::InputLimits::default();
        config.map_or(limits, |c| limits.with(&c.limits)).with(&flags)
    }
}

/// What a command runs with: the configuration (if any), its assumptions with `--assume` applied, and the
/// default region of requests.
#[derive(Debug)]
pub struct Settings {
    pub config: Option<crate::config::Config>,
    pub assumptions: crate::eval::Assumptions,
    pub region: Option<crate::request::Region>,
    /// The size limit of each kind of input.
    pub limits: crate::source::InputLimits,
}

impl SettingsArgs {
    /// Find and read the configuration, then apply `--assume`. An invalid file or setting is exit 2.
    pub fn load(&self, first: Option<&std::path::Path>, color: ColorArg) -> Result<Settings, Outcome> {
        let config = crate::config::discover(self.config.as_deref(), first)
            .map_err(|error| check::config_error(&error, color))?;
        let assumptions = crate::config::assumptions(config.as_ref(), &self.assume)
            .map_err(|e| Outcome::usage_error(format!("--assume: {}", e.message)))?;
        let region = config.as_ref().and_then(|c| c.defaults.region.clone());
        let limits = self.limits.limits(config.as_ref());
        Ok(Settings { config, assumptions, region, limits })
    }
}

/// `--color`, shared by every command.
#[derive(Clone, Copy, Debug, Default, ValueEnum)]
pub enum ColorArg {
    /// Colour a terminal, unless NO_COLOR is set
    #[default]
    Auto,
    /// Always colour
    Always,
    /// Never colour
    Never,
}

impl From<ColorArg> for ColorChoice {
    fn from(c: ColorArg) -> Self {
        match c {
            ColorArg::Auto => ColorChoice::Auto,
            ColorArg::Always => ColorChoice::Always,
            ColorArg::Never => ColorChoice::Never,
        }
    }
}

/// Decide colour and width: `--color always|never` wins; `auto` colours only a terminal, and never when
/// `NO_COLOR` is set to anything non-empty (no-color.org).
pub fn style(choice: ColorChoice) -> Style {
    let tty = std::io::stdout().is_terminal();
    let color = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let width = if tty { terminal_width().unwrap_or(100) } else { 100 };
    Style { color, width }
}

fn terminal_width() -> Option<usize> {
    std::env::var("COLUMNS").ok()?.parse().ok()
}

/// Write the report to `--output` (DESIGN §8, §9.6). A regular file or a new path is written atomically: a
/// temporary file beside it (created exclusively, so a planted link is never followed), flushed to disk,
/// then renamed over the target, so an interrupted run never leaves a truncated report that CI could
/// mistake for a clean one. A FIFO or character device (`/dev/stdout`, `/dev/null`, a pipe) is written in
/// place: replacing it would break the pipe, and as root would replace the device node. A FIFO with no
/// reader is an error rather than a wait. A symbolic link is never replaced and never written through to a
/// regular file (a link in a checked-out repository could point anywhere); a link to a FIFO or character
/// device (`/dev/stdout` is one) is written through. Anything else (a directory, a block device, a socket)
/// is refused.
pub fn write_output(path: &std::path::Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = OutputFile::open(path)?;
    file.write_all(contents)?;
    file.commit()
}

/// An `--output` target open for writing (see [`write_output`]): a temporary file renamed over a regular
/// target at [`OutputFile::commit`], or the FIFO or device itself.
pub enum OutputFile {
    Atomic { file: std::fs::File, temp: std::path::PathBuf, target: std::path::PathBuf },
    InPlace(std::fs::File),
}

impl OutputFile {
    pub fn open(path: &std::path::Path) -> std::io::Result<OutputFile> {
        use std::io::{Error, ErrorKind};
        let refuse = |what: &str| Err(Error::new(ErrorKind::InvalidInput, what.to_owned()));
        let link = match std::fs::symlink_metadata(path) {
            Ok(m) => m.file_type().is_symlink(),
            Err(e) if e.kind() == ErrorKind::NotFound => return open_atomically(path),
            Err(e) => return Err(e),
        };
        let target = match std::fs::metadata(path) {
            Ok(m) => m.file_type(),
            Err(e) if link && e.kind() == ErrorKind::NotFound => return refuse("a symbolic link to nothing"),
            Err(e) => return Err(e),
        };
        if target.is_file() {
            return if link {
                refuse("a symbolic link to a regular file; name the file itself (a link is never written through)")
            } else {
                open_atomically(path)
            };
        }
        if target.is_dir() {
            return refuse("a directory");
        }
        if is_stream(&target) {
            return open_in_place(path).map(OutputFile::InPlace);
        }
        refuse("neither a regular file, a FIFO nor a character device")
    }

    /// Finish: flush, and put a temporary file in place of its target.
    pub fn commit(self) -> std::io::Result<()> {
        use std::io::Write;
        match self {
            OutputFile::InPlace(mut file) => file.flush(),
            OutputFile::Atomic { file, temp, target } => {
                let result = file.sync_all().and_then(|()| std::fs::rename(&temp, &target));
                if result.is_err() {
                    let _ = std::fs::remove_file(&temp);
                }
                result
            }
        }
    }
}

impl std::io::Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            OutputFile::Atomic { file, .. } | OutputFile::InPlace(file) => file.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            OutputFile::Atomic { file, .. } | OutputFile::InPlace(file) => file.flush(),
        }
    }
}

#[cfg(unix)]
fn is_stream(t: &std::fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    t.is_fifo() || t.is_char_device()
}

#[cfg(not(unix))]
fn is_stream(_: &std::fs::FileType) -> bool {
    false
}

/// Open a FIFO or device to write to it as it is. A FIFO is opened without blocking first, so one that
/// nobody reads is an error (ENXIO) instead of a hang; the writes themselves then wait for the reader as
/// any pipe does.
fn open_in_place(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    // O_NONBLOCK's value differs between systems: probe where it is known (Linux, 0o4000).
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        const O_NONBLOCK: i32 = 0o4000;
        const ENXIO: i32 = 6;
        let probe = std::fs::OpenOptions::new().write(true).custom_flags(O_NONBLOCK).open(path);
        if let Err(e) = probe {
            return Err(if e.raw_os_error() == Some(ENXIO) {
                std::io::Error::new(std::io::ErrorKind::BrokenPipe, "a FIFO that nobody reads")
            } else {
                e
            });
        }
    }
    std::fs::OpenOptions::new().write(true).open(path)
}

/// A temporary file beside the target (created exclusively, so a planted link is never followed), renamed
/// over it by [`OutputFile::commit`] once the report is complete and flushed to disk.
fn open_atomically(path: &std::path::Path) -> std::io::Result<OutputFile> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "report".into());
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let file = std::fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
    Ok(OutputFile::Atomic { file, temp, target: path.to_owned() })
}

/// Where a command's report goes as it is produced (`simulate --cases` streams its rows): standard output,
/// or the `--output` file, opened at the first write. Every chunk is written through
/// [`crate::report::escape::neutralise_commands`], as the whole report of other commands is; chunks are
/// whole lines or continue one.
pub struct ReportSink<'a> {
    stdout: &'a mut dyn std::io::Write,
    output: Option<std::path::PathBuf>,
    file: Option<OutputFile>,
    /// The first write error: the report is incomplete, and the command says so.
    error: Option<std::io::Error>,
    at_line_start: bool,
}

impl<'a> ReportSink<'a> {
    pub fn new(stdout: &'a mut dyn std::io::Write, output: Option<std::path::PathBuf>) -> ReportSink<'a> {
        ReportSink { stdout, output, file: None, error: None, at_line_start: true }
    }

    fn target(&mut self) -> std::io::Result<&mut dyn std::io::Write> {
        let Some(path) = &self.output else { return Ok(&mut *self.stdout) };
        if self.file.is_none() {
            self.file = Some(OutputFile::open(path)?);
        }
        match self.file.as_mut() {
            Some(file) => Ok(file),
            None => Err(std::io::Error::other("no output file")),
        }
    }

    fn write_text(&mut self, text: &str) -> std::io::Result<()> {
        if let Some(e) = &self.error {
            return Err(std::io::Error::new(e.kind(), e.to_string()));
        }
        // Only a line that starts in this chunk can be a command; a continued line was checked when it began.
        let (continued, rest) =
            if self.at_line_start { ("", text) } else { text.find('\n').map_or((text, ""), |at| text.split_at(at)) };
        let rest = crate::report::escape::neutralise_commands(rest, false);
        let result = self.target().and_then(|out| {
            out.write_all(continued.as_bytes())?;
            out.write_all(rest.as_bytes())
        });
        if let Err(e) = &result {
            self.error = Some(std::io::Error::new(e.kind(), e.to_string()));
        }
        if !text.is_empty() {
            self.at_line_start = text.ends_with('\n');
        }
        result
    }

    /// Drop what was streamed to `--output`: its temporary file is removed and the target left untouched (a
    /// FIFO or device written in place keeps what it was sent).
    fn abandon(mut self) {
        if let Some(OutputFile::Atomic { temp, .. }) = self.file.take() {
            let _ = std::fs::remove_file(&temp);
        }
    }

    /// Write what is left (a whole report of a command that does not stream) and finish the file.
    fn finish(mut self, rest: &str) -> Result<(), std::io::Error> {
        if !rest.is_empty() || (self.output.is_some() && self.file.is_none()) {
            self.write_text(rest)?;
        }
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        match self.file.take() {
            Some(file) => file.commit(),
            None => self.stdout.flush(),
        }
    }
}

impl std::io::Write for ReportSink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(text) => self.write_text(text)?,
            Err(_) => {
                let text = String::from_utf8_lossy(buf).into_owned();
                self.write_text(&text)?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.target()?.flush()
    }
}

/// Run a parsed command line, collecting its report (for tests and library callers).
pub fn run(cli: Cli) -> Outcome {
    let mut collected = Vec::new();
    let mut outcome = run_to(cli, &mut collected);
    let mut stdout = String::from_utf8_lossy(&collected).into_owned();
    stdout.push_str(&outcome.stdout);
    outcome.stdout = stdout;
    outcome
}

/// Run a parsed command line, writing a streamed report to `stdout` (or `--output`) as it is produced; what
/// is left in the returned outcome's `stdout` is for the caller to print. Whatever a renderer did, no line
/// of output can be taken by a CI runner as a command (only `--format github` writes workflow commands, and
/// only its own).
pub fn run_to(cli: Cli, stdout: &mut dyn std::io::Write) -> Outcome {
    let output = cli.output.clone();
    let mut sink = ReportSink::new(stdout, output.clone());
    let mut outcome = run_command(cli, &mut sink);
    use std::borrow::Cow;
    if let Cow::Owned(s) = crate::report::escape::neutralise_commands(&outcome.stdout, true) {
        outcome.stdout = s;
    }
    if let Cow::Owned(s) = crate::report::escape::neutralise_commands(&outcome.stderr, false) {
        outcome.stderr = s;
    }
    // A streamed report went through the sink; the rest of a report is written here (only `--output`: the
    // caller prints standard output, so a command that does not stream behaves as it always did).
    if let Some(path) = output {
        let rest = std::mem::take(&mut outcome.stdout);
        // A command that stopped on bad input with nothing left to report (a cases file with problems, perhaps
        // after some rows were streamed) leaves `--output` as it was: no empty or truncated report replaces
        // the last good one.
        if outcome.exit == Exit::Usage && rest.is_empty() {
            sink.abandon();
            return outcome;
        }
        if let Err(e) = sink.finish(&rest) {
            let mut failed = Outcome::usage_error(format!("cannot write `{}`: {e}", path.display()));
            failed.stderr.insert_str(0, &outcome.stderr);
            return failed;
        }
    } else if let Err(e) = sink.finish("") {
        // A closed standard output (`mintlint simulate --cases big.json | head`) is not worth a message.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            let mut failed = Outcome::usage_error(format!("cannot write the report: {e}"));
            failed.stderr.insert_str(0, &outcome.stderr);
            return failed;
        }
    }
    outcome
}

fn run_command(cli: Cli, sink: &mut ReportSink<'_>) -> Outcome {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Rules(args) => rules::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Simulate(args) => simulate::run(&args, sink),
        Command::Diff(args) => diff::run(&args),
        Command::Graph(args) => graph::run(&args),
        Command::Replay(args) => replay::run(&args, sink),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use clap::CommandFactory;

    use super::Cli;

    /// Every flag and positional of every subcommand has help text, and a flag that several subcommands take
    /// is described in the same words everywhere (where its meaning differs, its name differs).
    #[test]
    fn every_flag_is_described_alike_everywhere() {
        let cli = Cli::command();
        let mut texts: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        let mut missing = Vec::new();
        for sub in cli.get_subcommands() {
            for arg in sub.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
                if help.trim().is_empty() {
                    missing.push(format!("{} {id}", sub.get_name()));
                }
                if arg.get_long().is_some() {
                    texts.entry(id.to_owned()).or_default().push((sub.get_name().to_owned(), help));
                }
            }
        }
        assert!(missing.is_empty(), "no help text: {missing:?}");
        // `graph --principal` only names the --policy principal (every principal of its PATHs is graphed), so
        // it cannot say what `simulate --principal` says.
        let differing: Vec<String> = texts
            .iter()
            // `replay --policy` and `replay --baseline` are the names DESIGN §9.5 gives; what they hold differs
            // from `simulate --policy` (one principal's policy) and `check --baseline` (one path).
            .filter(|(id, _)| !["principal", "policies", "baseline"].contains(&id.as_str()))
            .filter(|(_, uses)| uses.iter().any(|(_, h)| *h != uses[0].1))
            .map(|(id, uses)| format!("--{id}: {uses:?}"))
            .collect();
        assert!(differing.is_empty(), "described differently:\n{}", differing.join("\n"));
    }
}
