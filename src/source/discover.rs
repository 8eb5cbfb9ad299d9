//! Finding the input files under the paths a user names.

use std::path::{Path, PathBuf};

use glob::{MatchOptions, Pattern};
use walkdir::WalkDir;

/// Directories never walked into: version control, build output, dependencies, Terraform's cache.
pub const SKIPPED_DIRS: &[&str] = &[".git", "target", "node_modules", ".terraform"];

/// The files walked by default when no `--include` is given.
pub const DEFAULT_INCLUDE: &[&str] = &["**/*.json", "**/*.tf"];

/// Include and exclude globs, matched against the path relative to the walked directory (`/`-separated).
#[derive(Clone, Debug)]
pub struct FileFilter {
    include: Vec<Pattern>,
    exclude: Vec<Pattern>,
}

/// A glob that could not be compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadGlob {
    pub glob: String,
    pub reason: String,
}

impl FileFilter {
    pub fn new<S: AsRef<str>>(include: &[S], exclude: &[S]) -> Result<Self, BadGlob> {
        let include = if include.is_empty() {
            compile(DEFAULT_INCLUDE.iter().copied())?
        } else {
            compile(include.iter().map(AsRef::as_ref))?
        };
        Ok(Self { include, exclude: compile(exclude.iter().map(AsRef::as_ref))? })
    }

    fn options() -> MatchOptions {
        MatchOptions { case_sensitive: true, require_literal_separator: false, require_literal_leading_dot: false }
    }

    fn excluded(&self, relative: &str) -> bool {
        self.exclude.iter().any(|p| p.matches_with(relative, Self::options()))
    }

    fn included(&self, relative: &str) -> bool {
        self.include.iter().any(|p| p.matches_with(relative, Self::options()))
    }
}

fn compile<'a>(globs: impl Iterator<Item = &'a str>) -> Result<Vec<Pattern>, BadGlob> {
    globs.map(|g| Pattern::new(g).map_err(|e| BadGlob { glob: g.to_owned(), reason: e.msg.to_owned() })).collect()
}

impl Default for FileFilter {
    fn default() -> Self {
        Self::new::<&str>(&[], &[]).unwrap_or(Self { include: Vec::new(), exclude: Vec::new() })
    }
}

/// What discovery found: the files to read, in a deterministic order, and every entry it could not walk.
#[derive(Debug, Default)]
pub struct Discovered {
    pub files: Vec<PathBuf>,
    /// Entries under a walked directory that could not be visited (permission denied, a symlink loop).
    /// Each becomes a finding: a skipped file would be an unreviewed policy.
    pub unwalkable: Vec<(PathBuf, String)>,
}

/// A path on the command line that does not exist: a usage error (exit 2), not a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingPath(pub PathBuf);

/// Expand the paths: a file named directly is always taken (whatever its extension); a directory is walked,
/// skipping [`SKIPPED_DIRS`], taking files the filter includes and does not exclude. Output is sorted and
/// free of duplicates.
pub fn discover(paths: &[PathBuf], filter: &FileFilter) -> Result<Discovered, MissingPath> {
    let mut found = Discovered::default();
    for root in paths {
        let meta = std::fs::metadata(root).map_err(|_| MissingPath(root.clone()))?;
        if !meta.is_dir() {
            found.files.push(root.clone());
            continue;
        }
        walk_dir(root, filter, &mut found);
    }
    found.files.sort();
    found.files.dedup();
    found.unwalkable.sort();
    Ok(found)
}

fn walk_dir(root: &Path, filter: &FileFilter, found: &mut Discovered) {
    // Links are followed, but only to what stays inside the directory given (DESIGN §9.6): a link in a
    // checked-out pull request to `/proc/self/environ` or `~/.aws/credentials` must not be read and quoted in
    // a report. Each link pointing out is a finding, never a silent skip.
    let inside = std::fs::canonicalize(root).ok();
    let escapes = |path: &Path| -> Option<String> {
        let inside = inside.as_ref()?;
        match std::fs::canonicalize(path) {
            Ok(target) if target.starts_with(inside) => None,
            Ok(_) => Some("a symbolic link to outside the directory being checked; not read".to_owned()),
            Err(e) => Some(e.to_string()),
        }
    };
    let outside = std::cell::RefCell::new(Vec::new());
    let walker = WalkDir::new(root).follow_links(true).sort_by_file_name().into_iter().filter_entry(|e| {
        if e.depth() == 0 || !e.file_type().is_dir() {
            return true;
        }
        let name = e.file_name().to_string_lossy();
        if SKIPPED_DIRS.contains(&name.as_ref()) {
            return false;
        }
        if filter.excluded(&relative(root, e.path())) {
            return false;
        }
        if e.path_is_symlink()
            && let Some(reason) = escapes(e.path())
        {
            outside.borrow_mut().push((e.path().to_path_buf(), reason));
            return false;
        }
        true
    });
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_dir() => {}
            Ok(e) => {
                let rel = relative(root, e.path());
                if !filter.included(&rel) || filter.excluded(&rel) {
                    continue;
                }
                if e.path_is_symlink()
                    && let Some(reason) = escapes(e.path())
                {
                    found.unwalkable.push((e.into_path(), reason));
                } else if e.file_type().is_file() {
                    found.files.push(e.into_path());
                } else {
                    // A FIFO would block the read forever, a device could be endless: named, never opened.
                    let reason = format!("{}, not a regular file; not read", special_kind(&e.file_type()));
                    found.unwalkable.push((e.into_path(), reason));
                }
            }
            Err(err) => {
                let path = err.path().map_or_else(|| root.to_path_buf(), Path::to_path_buf);
                let reason = if err.loop_ancestor().is_some() {
                    "symbolic link loop".to_owned()
                } else {
                    err.io_error().map_or_else(|| err.to_string(), ToString::to_string)
                };
                found.unwalkable.push((path, reason));
            }
        }
    }
    found.unwalkable.extend(outside.into_inner());
}

/// What a file that is not a regular file or a directory is, for messages.
pub fn special_kind(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
    }
    if t.is_dir() { "a directory" } else { "a special file" }
}

fn relative(root: &Path, path: &Path) -> String {
    super::display_path(path.strip_prefix(root).unwrap_or(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_include_matches_nested_and_top_level_json() {
        let f = FileFilter::default();
        assert!(f.included("a.json"));
        assert!(f.included("x/y/a.json"));
        assert!(!f.included("a.yaml"));
    }

    #[test]
    fn exclude_wins() {
        let f = FileFilter::new(&["**/*.json"], &["legacy/**"]).unwrap();
        assert!(f.excluded("legacy/a.json"));
        assert!(!f.excluded("new/a.json"));
    }

    #[test]
    fn bad_glob_is_reported() {
        assert!(FileFilter::new(&["[z-a"], &[]).is_err());
    }
}
