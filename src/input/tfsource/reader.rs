//! The confined reader: every file read on behalf of a `.tf` input (`file()`, `templatefile()`, module
//! directories and their `.tf` files, `.tfvars`, `.terraform/modules/modules.json`) must be, after following
//! every link, a regular file inside the input's root and within the size limit. A pull request's
//! configuration is untrusted: `file("/proc/self/environ")` must not print CI secrets, `file("/dev/zero")`
//! must not fill memory, and a FIFO must not hang the gate.
//!
//! The root is the repository that holds the input (the nearest ancestor directory with a `.git` entry), so
//! `examples/x` may call `../../modules/y` of its own repository; outside a repository it is the directory
//! given (for a file, its directory).

use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Why a file was not read. The messages name the path as written, never what it resolves to or holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Refusal {
    /// It resolves (after links) outside the root.
    Outside,
    /// A directory, FIFO, socket or device.
    NotRegular(&'static str),
    TooLarge {
        size: u64,
        limit: usize,
    },
    /// It does not exist or cannot be opened (the operating system's reason).
    Unreadable(String),
    NotUtf8,
}

impl Refusal {
    /// Lowercase, no trailing period; `what` is the path as written, already quoted.
    pub fn message(&self, what: &str, root: &Path) -> String {
        match self {
            Refusal::Outside => {
                format!(
                    "{what} is outside `{}`, the root this input is confined to: not read",
                    crate::source::display_path(root)
                )
            }
            Refusal::NotRegular(kind) => format!("{what} is {kind}, not a regular file: not read"),
            Refusal::TooLarge { size, limit } => {
                let too_large = crate::source::limits::TooLarge {
                    kind: crate::source::SizeKind::TfFile,
                    size: *size,
                    limit: u64::try_from(*limit).unwrap_or(u64::MAX),
                };
                format!("{what} is too large: {too_large} (`[limits] tf_file` in mintlint.toml)")
            }
            Refusal::Unreadable(reason) => format!("{what} cannot be read: {reason}"),
            Refusal::NotUtf8 => format!("{what} is not UTF-8 text"),
        }
    }

    /// Whether the refusal protects the input's boundary (a finding of its own), rather than a file that is
    /// simply missing or malformed.
    pub fn is_confinement(&self) -> bool {
        matches!(self, Refusal::Outside | Refusal::NotRegular(_) | Refusal::TooLarge { .. })
    }
}

/// Reads files confined to one root.
#[derive(Clone, Debug)]
pub(super) struct Reader {
    /// Canonical.
    pub root: PathBuf,
    /// As the user would name it (for messages).
    pub shown_root: PathBuf,
    pub limit: usize,
}

impl Reader {
    pub fn new(root: &Path, limit: usize) -> Reader {
        let canonical = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        // Named from the working directory, as the user would (`.`, `../repo`), not as an absolute path.
        let shown_root = std::env::current_dir()
            .and_then(std::fs::canonicalize)
            .map_or_else(|_| root.to_path_buf(), |cwd| relative(&cwd, &canonical));
        Reader { root: canonical, shown_root, limit }
    }

    /// Resolve a path (links followed) and check it is inside the root; the canonical path.
    pub fn resolve(&self, path: &Path) -> Result<PathBuf, Refusal> {
        let canonical = std::fs::canonicalize(path).map_err(|e| Refusal::Unreadable(io_reason(&e)))?;
        if canonical.starts_with(&self.root) { Ok(canonical) } else { Err(Refusal::Outside) }
    }

    /// A directory inside the root (a module source).
    pub fn directory(&self, path: &Path) -> Result<PathBuf, Refusal> {
        let canonical = self.resolve(path)?;
        let meta = std::fs::metadata(&canonical).map_err(|e| Refusal::Unreadable(io_reason(&e)))?;
        if meta.is_dir() { Ok(canonical) } else { Err(Refusal::Unreadable("not a directory".to_owned())) }
    }

    /// The text of a regular file inside the root, within the limit.
    pub fn read(&self, path: &Path) -> Result<String, Refusal> {
        let canonical = self.resolve(path)?;
        // The type is checked on the resolved path *before* opening: opening a FIFO for reading blocks until
        // a writer appears.
        let meta = std::fs::metadata(&canonical).map_err(|e| Refusal::Unreadable(io_reason(&e)))?;
        check_type(&meta)?;
        if meta.len() > self.limit as u64 {
            return Err(Refusal::TooLarge { size: meta.len(), limit: self.limit });
        }
        let file = std::fs::File::open(&canonical).map_err(|e| Refusal::Unreadable(io_reason(&e)))?;
        // The file opened is the one checked (not swapped for something else in between).
        let opened = file.metadata().map_err(|e| Refusal::Unreadable(io_reason(&e)))?;
        check_type(&opened)?;
        let mut bytes = Vec::new();
        let cap = u64::try_from(self.limit).unwrap_or(u64::MAX).saturating_add(1);
        file.take(cap).read_to_end(&mut bytes).map_err(|e| Refusal::Unreadable(io_reason(&e)))?;
        if bytes.len() > self.limit {
            return Err(Refusal::TooLarge { size: opened.len().max(bytes.len() as u64), limit: self.limit });
        }
        String::from_utf8(bytes).map_err(|_| Refusal::NotUtf8)
    }

    /// The entries of a directory inside the root, sorted (their own confinement is checked when read).
    pub fn list(&self, dir: &Path) -> Result<Vec<PathBuf>, Refusal> {
        self.directory(dir)?;
        let entries = std::fs::read_dir(dir).map_err(|e| Refusal::Unreadable(io_reason(&e)))?;
        let mut out: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        out.sort();
        Ok(out)
    }
}

fn check_type(meta: &std::fs::Metadata) -> Result<(), Refusal> {
    let ty = meta.file_type();
    if ty.is_file() {
        return Ok(());
    }
    Err(Refusal::NotRegular(if ty.is_dir() { "a directory" } else { special_kind(&ty) }))
}

#[cfg(unix)]
fn special_kind(ty: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ty.is_fifo() {
        "a FIFO"
    } else if ty.is_socket() {
        "a socket"
    } else if ty.is_block_device() || ty.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}

/// The operating system's reason without the path it may embed.
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => e.kind().to_string(),
    }
}

/// The root an input path is confined to: the nearest ancestor (of the directory given, or of a file's
/// directory) holding `.git`, else that directory.
pub(super) fn root_of(input: &Path) -> PathBuf {
    let dir = if input.is_dir() { input.to_path_buf() } else { super::dir_of(input) };
    let Ok(canonical) = std::fs::canonicalize(&dir) else { return dir };
    for ancestor in canonical.ancestors() {
        if std::fs::symlink_metadata(ancestor.join(".git")).is_ok() {
            return ancestor.to_path_buf();
        }
    }
    canonical
}

/// `a/./b/../c` as `a/c`, without touching the file system (for display: paths read as the user would write
/// them). Leading `..` stay.
pub(super) fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    let joined: PathBuf = out.iter().collect();
    if joined.as_os_str().is_empty() { PathBuf::from(".") } else { joined }
}

/// The path from `from` (a directory) to `to`, both as written (normalized): `path.module` of a module.
pub(super) fn relative(from: &Path, to: &Path) -> PathBuf {
    let from = normalize(from);
    let to = normalize(to);
    let f: Vec<Component<'_>> = from.components().filter(|c| *c != Component::CurDir).collect();
    let t: Vec<Component<'_>> = to.components().filter(|c| *c != Component::CurDir).collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in t.iter().skip(common) {
        out.push(c);
    }
    if out.as_os_str().is_empty() { PathBuf::from(".") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mintlint-reader-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("repo/sub")).unwrap();
        dir
    }

    #[test]
    fn reads_only_regular_files_inside_the_root() {
        let dir = scratch("confined");
        std::fs::write(dir.join("repo/sub/ok.json"), "{}").unwrap();
        std::fs::write(dir.join("secret"), "s3cr3t").unwrap();
        let reader = Reader::new(&dir.join("repo"), 1024);
        assert_eq!(reader.read(&dir.join("repo/sub/ok.json")).unwrap(), "{}");
        assert_eq!(reader.read(&dir.join("repo/../secret")), Err(Refusal::Outside));
        assert_eq!(reader.read(Path::new("/etc/passwd")), Err(Refusal::Outside));
        assert_eq!(reader.read(&dir.join("repo/sub")), Err(Refusal::NotRegular("a directory")));
        assert!(matches!(reader.read(&dir.join("repo/missing")), Err(Refusal::Unreadable(_))));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.join("secret"), dir.join("repo/link")).unwrap();
            assert_eq!(reader.read(&dir.join("repo/link")), Err(Refusal::Outside));
            std::os::unix::fs::symlink(dir.join("repo/sub/ok.json"), dir.join("repo/inside")).unwrap();
            assert_eq!(reader.read(&dir.join("repo/inside")).unwrap(), "{}");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn devices_and_large_files_are_refused() {
        let dir = scratch("limits");
        std::fs::write(dir.join("repo/big"), "x".repeat(2048)).unwrap();
        let reader = Reader::new(&dir.join("repo"), 1024);
        assert_eq!(reader.read(&dir.join("repo/big")), Err(Refusal::TooLarge { size: 2048, limit: 1024 }));
        let everything = Reader::new(Path::new("/"), 1024);
        assert_eq!(everything.read(Path::new("/dev/zero")), Err(Refusal::NotRegular("a device")));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn paths_normalize_and_relate_as_written() {
        assert_eq!(normalize(Path::new("examples/x/../../modules/y")), PathBuf::from("modules/y"));
        assert_eq!(normalize(Path::new("./a/./b")), PathBuf::from("a/b"));
        assert_eq!(normalize(Path::new("../a")), PathBuf::from("../a"));
        assert_eq!(relative(Path::new("root"), Path::new("root/modules/x")), PathBuf::from("modules/x"));
        assert_eq!(relative(Path::new("ex/a"), Path::new("modules/y")), PathBuf::from("../../modules/y"));
        assert_eq!(relative(Path::new("a"), Path::new("a")), PathBuf::from("."));
    }
}
