//! The `mintlint` binary: parse the command line, run the library, print, exit.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use mintlint::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = cli::run(cli);
    // A closed stdout (`mintlint check | head -1`) is not an error worth a panic or a message.
    let _ = std::io::stdout().lock().write_all(outcome.stdout.as_bytes());
    let _ = std::io::stderr().lock().write_all(outcome.stderr.as_bytes());
    ExitCode::from(outcome.exit as u8)
}
