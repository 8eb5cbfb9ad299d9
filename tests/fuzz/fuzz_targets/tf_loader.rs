//! The `.tf` loader on arbitrary module trees: the input is split on NUL bytes into the files of a fixed
//! layout (a root module, two child modules, a policy file, a template, tfvars, `modules.json`), written beside
//! hostile file-system entries (a secret outside the root, links out of it, a link to `/dev/zero`, a FIFO, a
//! directory link back to the root). The loader must never panic or hang (libFuzzer's `-timeout`), every
//! finding's span must lie inside its source, every principal's policies must resolve, and the secret outside
//! the root must appear in no source text, message or label: nothing is read outside the input's root.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mintlint::input::tfsource::{TfOptions, load};
use mintlint::source::json::Limits;

const SECRET: &str = "FUZZ-SECRET-0x5eed-outside-the-root";

/// Where each NUL-separated part of the input is written, relative to the root.
const LAYOUT: &[&str] = &[
    "main.tf",
    "modules/a/main.tf",
    "modules/b/main.tf",
    "policy.json",
    "modules/a/policy.tftpl",
    "terraform.tfvars",
    ".terraform/modules/modules.json",
    "variables.tf",
];

/// The scratch directory (one per fuzzing process) with the hostile entries that stay between runs.
fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = std::env::temp_dir().join(format!("mintlint-fuzz-tf-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let root = base.join("root");
        std::fs::create_dir_all(root.join("modules/a")).unwrap();
        std::fs::create_dir_all(root.join("modules/b")).unwrap();
        std::fs::create_dir_all(root.join(".terraform/modules")).unwrap();
        // The root is a repository: confinement stops here, whatever is above the scratch directory.
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::write(base.join("secret.txt"), format!("{{\"Statement\": \"{SECRET}\"}}\n{SECRET}\n")).unwrap();
        std::fs::create_dir_all(base.join("outside")).unwrap();
        std::fs::write(base.join("outside/main.tf"), format!("locals {{ x = \"{SECRET}\" }}\n")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::symlink;
            symlink(base.join("secret.txt"), root.join("link_out")).unwrap();
            symlink("../../../secret.txt", root.join("modules/a/relative_out")).unwrap();
            symlink(base.join("outside"), root.join("modules/out")).unwrap();
            symlink("/dev/zero", root.join("zero")).unwrap();
            symlink("..", root.join("modules/up")).unwrap();
            symlink(&root, root.join("modules/self")).unwrap();
            let _ = std::process::Command::new("mkfifo").arg(root.join("fifo")).status();
        }
        root
    })
}

fn write_layout(root: &Path, data: &[u8]) {
    let mut parts = data.split(|b| *b == 0);
    for rel in LAYOUT {
        let path = root.join(rel);
        match parts.next() {
            Some(bytes) => std::fs::write(&path, bytes).unwrap(),
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}

/// Whether a source the loader read lies inside the root (virtual sources, named but not on disk, are
/// rendered values of files inside the root).
fn inside(root: &Path, path: &Path) -> bool {
    if path.as_os_str().is_empty() {
        return true;
    }
    match std::fs::canonicalize(path) {
        Ok(p) => p.starts_with(std::fs::canonicalize(root).unwrap()),
        Err(_) => true,
    }
}

fuzz_target!(|data: &[u8]| {
    // The fuzzer learns the secret from the comparisons below and writes it into the input itself: then
    // seeing it proves nothing, and only the paths of the sources are judged.
    let judge_text = !data.windows(6).any(|w| w == b"0x5eed");
    let root = scratch();
    write_layout(root, data);
    let mut options = TfOptions::new(Limits::default());
    // Small limits so that size and budget paths are reached too.
    options.max_tf_file = 64 * 1024;
    options.inputs = vec![root.clone()];
    options.var_files = vec![root.join("terraform.tfvars")];
    let files = vec![root.join("main.tf"), root.join("variables.tf")];
    let mut inventory = load(&files, &options);
    inventory.finish();
    for f in &inventory.findings {
        assert!(f.span.end as usize <= f.source.text.len(), "{}: span past the end", f.rule.name);
        assert!(f.span.start <= f.span.end);
        assert!(inside(root, &f.source.path), "read outside the root: {}", f.source.path.display());
        if judge_text {
            assert!(!f.message.contains(SECRET), "read outside the root: {}", f.message);
            assert!(!f.label.contains(SECRET), "read outside the root: {}", f.label);
            assert!(!f.source.text.contains(SECRET), "read outside the root: {}", f.source.name);
            assert!(f.help.as_deref().is_none_or(|h| !h.contains(SECRET)));
        }
    }
    for d in &inventory.documents {
        assert!(inside(root, &d.source.path), "read outside the root: {}", d.source.path.display());
        assert!(!judge_text || !d.source.text.contains(SECRET), "read outside the root: {}", d.source.name);
        for span in &d.unknown {
            assert!(span.end as usize <= d.source.text.len());
        }
    }
    for i in 0..inventory.principals.len() {
        if let Ok(policies) = inventory.policies_for(i) {
            assert!(!judge_text || !policies.arn.contains(SECRET));
        }
    }
});
