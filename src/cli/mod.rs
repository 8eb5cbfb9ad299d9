//! The command line: clap definitions and one file per subcommand. Commands return their output and an
//! exit code; `main` prints.

pub mod check;
pub mod diff;
pub mod explain;
pub mod rules;
pub mod simulate;

use std::io::IsTerminal;

use clap::{Parser, Subcommand, ValueEnum};

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
    pub fn usage_error(message: impl Into<String>) -> Outcome {
        Outcome { stdout: String::new(), stderr: format!("error: {}\n", message.into()), exit: Exit::Usage }
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
}

/// `--color`, shared by every command.
#[derive(Clone, Copy, Debug, Default, ValueEnum)]
pub enum ColorArg {
    #[default]
    Auto,
    Always,
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

/// Run a parsed command line.
pub fn run(cli: Cli) -> Outcome {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Rules(args) => rules::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Diff(args) => diff::run(&args),
    }
}
