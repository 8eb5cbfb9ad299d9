//! Helpers shared by the integration tests: run the real `mintlint` binary from the crate root.

#![allow(dead_code, reason = "each test binary uses a different subset")]
#![allow(clippy::expect_used, reason = "test harness: a binary that cannot start is a test failure")]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared corpus beside the repository (CI clones the repo with `shared/` next to it).
pub fn shared() -> PathBuf {
    root().join("..").join("shared")
}

pub fn mintlint(args: &[&str]) -> Run {
    mintlint_in(&root(), args)
}

pub fn mintlint_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_mintlint"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env("COLUMNS", "100")
        .output()
        .expect("run mintlint");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}
