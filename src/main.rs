//! The `mintlint` binary: parse the command line, run the library, print, exit.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use mintlint::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut stdout = std::io::stdout().lock();
    // A streamed report (`simulate --cases`) is written as it is produced; others come back whole.
    let outcome = cli::run_to(cli, &mut stdout);
    // A closed stdout (`mintlint check | head -1`) is not an error worth a panic or a message.
    let _ = stdout.write_all(outcome.stdout.as_bytes());
    let _ = stdout.flush();
    let _ = std::io::stderr().lock().write_all(outcome.stderr.as_bytes());
    ExitCode::from(outcome.exit as u8)
}
