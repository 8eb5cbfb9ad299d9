//! Helpers shared by the integration tests: run the real `mintlint` binary from the crate root.

#![allow(dead_code, reason = "each test binary uses a different subset")]
#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test harness: a binary that cannot start, or a corpus check without its corpus, is a test failure"
)]

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

/// The small sample of the shared corpus that ships with the repository (`tests/corpus-sample/`, sources and
/// licences in its `SOURCES.md`): real inputs for `cargo test` on a fresh clone.
pub fn corpus_sample() -> PathBuf {
    root().join("tests").join("corpus-sample")
}

/// The environment variable naming the shared directory (the one holding `corpus/` and
/// `aws-service-reference/`) for the corpus checks.
pub const SHARED_VAR: &str = "MINTLINT_SHARED";

/// The shared directory for a corpus check: `$MINTLINT_SHARED`, which must exist. Corpus checks are
/// `#[ignore = "corpus: ..."]` tests run by `scripts/corpus-check`; asked to run without the corpus, they fail
/// here, loudly, rather than pass on nothing.
pub fn shared() -> PathBuf {
    let Some(dir) = std::env::var_os(SHARED_VAR) else {
        panic!(
            "this is a corpus check: it needs the shared corpus. Run `scripts/corpus-check`, with {SHARED_VAR} naming \
             the directory that holds corpus/ and aws-service-reference/"
        );
    };
    let dir = PathBuf::from(dir);
    assert!(
        dir.join("corpus").is_dir(),
        "{SHARED_VAR}={} does not hold corpus/: the corpus checks need the shared corpus",
        dir.display()
    );
    dir
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

/// A fresh directory under the system's temporary directory, named after the test and this process, and
/// removed with everything in it when dropped (also when the test fails), so test runs leave nothing behind.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("mintlint-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("the temporary directory is writable");
        Scratch(dir)
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for Scratch {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
