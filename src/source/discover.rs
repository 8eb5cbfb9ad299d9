//! Finding the input files under the paths a user names.

use std::path::{Path, PathBuf};

use glob::{MatchOptions, Pattern};
use walkdir::WalkDir;

/// Directories never walked into (DESIGN §9.1): version control, build output, dependencies, Terraform's
/// cache. Hidden directories (`.venv`, `.vscode`, `.github`, `.terraform`) and Python virtual environments
/// (any directory holding `pyvenv.cfg`, whatever its name) are skipped too, see [`skipped_dir`]. Terraform's
/// `.terraform/modules/modules.json` is read by the Terraform source loader for module sources, not walked.
pub const SKIPPED_DIRS: &[&str] = &[".git", "target", "node_modules", ".terraform"];

/// Whether a directory met while walking (never the root the user named) is skipped.
pub fn skipped_dir(path: &Path, name: &str) -> bool {
    SKIPPED_DIRS.contains(&name) || name.starts_with('.') || path.join("pyvenv.cfg").is_file()
}

/// The files walked by default when no `--include` is given.
pub const DEFAULT_INCLUDE: &[&str] = &["**/*.json", "**/*.tf"];

/// Include and exclude globs, matched against the path relative to the walked directory (`/`-separated).
#[derive(Clone, Debug)]
pub struct FileFilter {
    include: Vec<Pattern>,
    exclude: Vec<Pattern>,
    /// Whether `include` was given (not the default): only then does it also select files named directly.
    explicit_include: bool,
    /// The configuration's directory: a file named directly is also matched by its path relative to it.
    base: Option<PathBuf>,
}

/// A glob that could not be compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadGlob {
    pub glob: String,
    pub reason: String,
}

impl FileFilter {
    pub fn new<S: AsRef<str>>(include: &[S], exclude: &[S]) -> Result<Self, BadGlob> {
        let explicit_include = !include.is_empty();
        let include = if include.is_empty() {
            compile(DEFAULT_INCLUDE.iter().copied())?
        } else {
            compile(include.iter().map(AsRef::as_ref))?
        };
        Ok(Self { include, exclude: compile(exclude.iter().map(AsRef::as_ref))?, explicit_include, base: None })
    }

    /// Also match files named directly by their path relative to `base` (the configuration's directory), as
    /// `[files]` globs are written.
    #[must_use]
    pub fn relative_to(mut self, base: Option<PathBuf>) -> Self {
        self.base = base;
        self
    }

    /// Whether a file named directly on the command line is left out: it matches an exclude glob, or an
    /// include list was given and it matches none. A pre-commit hook names every changed file, so the
    /// configuration's exclusions must hold for them as for walked ones. The path is matched as given and,
    /// with a configuration, relative to its directory.
    pub fn leaves_out_named(&self, path: &Path) -> bool {
        let mut forms = vec![super::display_path(path)];
        if let Some(relative) = self.base.as_deref().and_then(|base| relative_to_base(base, path)) {
            forms.push(relative);
        }
        let excluded = forms.iter().any(|f| self.excluded(f));
        let not_included = self.explicit_include && !forms.iter().any(|f| self.included(f));
        excluded || not_included
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

/// `path` relative to `base`, `/`-separated, when it lies under it (both resolved on disk).
pub fn relative_to_base(base: &Path, path: &Path) -> Option<String> {
    let base = std::fs::canonicalize(if base.as_os_str().is_empty() { Path::new(".") } else { base }).ok()?;
    let absolute = std::fs::canonicalize(path).ok()?;
    Some(super::display_path(absolute.strip_prefix(&base).ok()?))
}

impl Default for FileFilter {
    fn default() -> Self {
        Self::new::<&str>(&[], &[]).unwrap_or(Self {
            include: Vec::new(),
            exclude: Vec::new(),
            explicit_include: false,
            base: None,
        })
    }
}

/// What discovery found: the files to read, in a deterministic order, and every entry it could not walk.
#[derive(Debug, Default)]
pub struct Discovered {
    pub files: Vec<PathBuf>,
    /// Entries under a walked directory that could not be visited (permission denied, a symlink loop).
    /// Each becomes a finding: a skipped file would be an unreviewed policy.
    pub unwalkable: Vec<(PathBuf, String)>,
    /// Files named directly that the include/exclude globs leave out.
    pub excluded: usize,
}

/// A path on the command line that does not exist: a usage error (exit 2), not a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingPath(pub PathBuf);

/// Expand the paths: a file named directly is taken whatever its extension, unless the filter leaves it out
/// (an exclude glob, or an include list that does not match it); a directory is walked, skipping the
/// directories of [`skipped_dir`], taking files the filter includes and does not exclude. Output is sorted
/// and free of duplicates.
pub fn discover(paths: &[PathBuf], filter: &FileFilter) -> Result<Discovered, MissingPath> {
    let mut found = Discovered::default();
    for root in paths {
        let meta = std::fs::metadata(root).map_err(|_| MissingPath(root.clone()))?;
        if !meta.is_dir() {
            if filter.leaves_out_named(root) {
                found.excluded += 1;
            } else {
                found.files.push(root.clone());
            }
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
        if skipped_dir(e.path(), &name) {
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
    fn named_files_obey_exclude_and_an_explicit_include() {
        let f = FileFilter::new(&[] as &[&str], &["legacy/**"]).unwrap();
        assert!(f.leaves_out_named(Path::new("legacy/a.json")));
        assert!(f.leaves_out_named(Path::new("./legacy/a.json")));
        assert!(!f.leaves_out_named(Path::new("policy.txt")), "the default include is for walking only");
        let f = FileFilter::new(&["policies/**"], &[]).unwrap();
        assert!(f.leaves_out_named(Path::new("other/a.json")));
        assert!(!f.leaves_out_named(Path::new("policies/a.json")));
    }

    #[test]
    fn hidden_dependency_and_virtualenv_directories_are_skipped() {
        let dir = std::env::temp_dir().join(format!("mintlint-walk-{}", std::process::id()));
        for sub in ["venv", ".vscode", "node_modules", "policies", "target"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
            std::fs::write(dir.join(sub).join("a.json"), "{}").unwrap();
        }
        std::fs::write(dir.join("venv").join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        let found = discover(std::slice::from_ref(&dir), &FileFilter::default()).unwrap();
        let names: Vec<String> =
            found.files.iter().map(|f| crate::source::display_path(f.strip_prefix(&dir).unwrap())).collect();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(names, ["policies/a.json"]);
    }

    #[test]
    fn bad_glob_is_reported() {
        assert!(FileFilter::new(&["[z-a"], &[]).is_err());
    }
}
