//! How large each kind of input may be (DESIGN §9.2). One limit per kind, because the kinds differ by orders of
//! magnitude: an IAM policy is a few kilobytes (10 MiB is far above every AWS quota), a Terraform plan of a
//! large organisation reaches hundreds of megabytes, and a cases or CloudTrail events file is streamed and may
//! be larger still. A file over its kind's limit is refused *before* it is read, with a message that names the
//! kind and the setting that raises it.
//!
//! Every command that reads inputs builds one [`InputLimits`] from its flags (`--max-policy-size`,
//! `--max-input-size`, alias `--max-file-size`) over `[limits]` of `mintlint.toml` over the defaults, and
//! derives the parser's limits for each read with [`InputLimits::json`].

use std::fmt;
use std::path::Path;

/// The kinds of input that have a size limit of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SizeKind {
    /// A policy document, in a file of its own or embedded in a plan, state, snapshot or `.tf` source.
    #[default]
    Policy,
    /// A Terraform plan or state (`terraform show -json`), or an account snapshot
    /// (`get-account-authorization-details`): read whole, with spans.
    Inventory,
    /// A `.tf` file, or a file read by `file()`/`templatefile()`.
    TfFile,
    /// A cases file (`simulate --cases`) or a CloudTrail events file (`replay --events`): streamed.
    Stream,
}

impl SizeKind {
    /// What the kind is, for messages: "policy document".
    pub fn describe(self) -> &'static str {
        match self {
            SizeKind::Policy => "policy document",
            SizeKind::Inventory => "Terraform plan/state or account snapshot",
            SizeKind::TfFile => "`.tf` file (or file read by `file()`/`templatefile()`)",
            SizeKind::Stream => "cases or CloudTrail events file",
        }
    }

    /// The flag and the `mintlint.toml` key that set this kind's limit.
    pub fn setting(self) -> &'static str {
        match self {
            SizeKind::Policy => "`--max-policy-size` or `[limits] policy` in mintlint.toml",
            SizeKind::Inventory | SizeKind::Stream => "`--max-input-size` or `[limits] input` in mintlint.toml",
            SizeKind::TfFile => "`[limits] tf_file` in mintlint.toml",
        }
    }
}

/// The size limit of every kind of input, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputLimits {
    pub policy: u64,
    pub inventory: u64,
    pub tf_file: u64,
    pub stream: u64,
}

impl InputLimits {
    pub const DEFAULT_POLICY: u64 = 10 * MIB;
    pub const DEFAULT_INVENTORY: u64 = 1024 * MIB;
    pub const DEFAULT_TF_FILE: u64 = 16 * MIB;
    pub const DEFAULT_STREAM: u64 = 4096 * MIB;
    /// Inputs read whole keep byte offsets in a `u32` ([`crate::source::Span`]): whatever the setting, no
    /// such input is read beyond this.
    pub const SPANNED_MAX: u64 = u32::MAX as u64;

    /// The limit of one kind.
    pub fn of(&self, kind: SizeKind) -> u64 {
        match kind {
            SizeKind::Policy => self.policy,
            SizeKind::Inventory => self.inventory,
            SizeKind::TfFile => self.tf_file,
            SizeKind::Stream => self.stream,
        }
    }

    /// Apply the settings given (a flag or `[limits]`): `input` sets plans, state and snapshots and the
    /// streamed files alike, as `--max-input-size` does.
    pub fn with(mut self, settings: &LimitSettings) -> InputLimits {
        if let Some(policy) = settings.policy {
            self.policy = policy;
        }
        if let Some(input) = settings.input {
            self.inventory = input;
            self.stream = input;
        }
        if let Some(tf_file) = settings.tf_file {
            self.tf_file = tf_file;
        }
        self
    }

    /// The largest file a command reads whole before it knows its kind (`check` classifies a JSON file by its
    /// content): the larger of the policy and the plan/snapshot limits, and the kind named when a file is
    /// over it.
    pub fn any_document(&self) -> SizeKind {
        if self.policy > self.inventory { SizeKind::Policy } else { SizeKind::Inventory }
    }

    /// The parser's limits for reading one input of `kind` whole.
    pub fn json(&self, kind: SizeKind) -> crate::source::json::Limits {
        let bytes = self.of(kind).min(Self::SPANNED_MAX);
        crate::source::json::Limits {
            max_bytes: usize::try_from(bytes).unwrap_or(usize::MAX),
            kind,
            sizes: *self,
            ..crate::source::json::Limits::default()
        }
    }
}

impl Default for InputLimits {
    fn default() -> Self {
        InputLimits {
            policy: Self::DEFAULT_POLICY,
            inventory: Self::DEFAULT_INVENTORY,
            tf_file: Self::DEFAULT_TF_FILE,
            stream: Self::DEFAULT_STREAM,
        }
    }
}

/// Limits as given by a flag or `[limits]` of `mintlint.toml`: `None` keeps what is below it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LimitSettings {
    pub policy: Option<u64>,
    pub input: Option<u64>,
    pub tf_file: Option<u64>,
}

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;

/// Read a size: a number of bytes, optionally with a binary unit (`512KiB`, `10MiB`, `1GiB`; `K`, `M`, `G`
/// and `KB`, `MB`, `GB` mean the same binary units, as `ulimit` and most tools read them). At least 1 byte.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: u64 = number.parse().map_err(|_| format!("`{text}` is not a size: write bytes, or 10MiB, 1GiB"))?;
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => KIB,
        "m" | "mb" | "mib" => MIB,
        "g" | "gb" | "gib" => GIB,
        other => return Err(format!("unknown size unit `{other}`: use KiB, MiB or GiB")),
    };
    match number.checked_mul(scale) {
        Some(0) => Err("a size limit must be at least 1 byte".to_owned()),
        Some(bytes) => Ok(bytes),
        None => Err(format!("`{text}` is too large")),
    }
}

/// A byte count as a person reads a limit: `4 GiB`, `10 MiB`, `1.5 MiB`, else bytes.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")];
    match UNITS.iter().find(|(unit, _)| bytes >= *unit) {
        Some((unit, name)) if bytes.is_multiple_of(*unit) => format!("{} {name}", bytes / unit),
        #[expect(clippy::cast_precision_loss, reason = "one decimal shown")]
        Some((unit, name)) => format!("{:.1} {name}", bytes as f64 / *unit as f64),
        None => format!("{bytes} bytes"),
    }
}

/// A file of `kind` over its limit: what to tell the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLarge {
    pub kind: SizeKind,
    pub size: u64,
    pub limit: u64,
}

impl TooLarge {
    pub fn help(&self) -> String {
        let why = match self.kind {
            SizeKind::Policy => {
                "IAM policies are a few kilobytes at most (AWS's quotas are a few thousand characters): check that \
                 this is the right file"
            }
            SizeKind::Inventory => "check that this is the right file",
            SizeKind::TfFile => "Terraform files are rarely this large: check that this is the right file",
            SizeKind::Stream => "split the file",
        };
        format!("{why}, or raise the limit with {}", self.kind.setting())
    }
}

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let size = human_size(self.size);
        write!(f, "{} of {size}", self.kind.describe())?;
        if self.size >= KIB {
            write!(f, " ({} bytes)", self.size)?;
        }
        write!(f, ", over the {} limit", human_size(self.limit))
    }
}

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// Not a regular file, or the operating system refused (its reason).
    Io(String),
    /// Over the limit: the file's size.
    TooLarge(u64),
}

/// Read a whole file of at most `limit` bytes, refusing before reading when it is over (a 5 GB file must not
/// be loaded) and refusing to open anything but a regular file: a FIFO blocks the open until a writer comes
/// (forever, in CI), `/dev/zero` never ends, and neither has a size to compare with the limit.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    read_limited_into(path, limit, &mut bytes)?;
    Ok(bytes)
}

/// A file's bytes held in its thread's read buffer, given back for the next file when dropped: a corpus is
/// thousands of small files, and a buffer each cost an allocation and a free of the whole size. A buffer
/// grown past [`PooledBytes::KEEP`] (a plan) is freed as before, not kept for the rest of the run.
pub struct PooledBytes(Vec<u8>);

thread_local! {
    static READ_BUFFER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

impl PooledBytes {
    const KEEP: usize = 1 << 20;
}

impl std::ops::Deref for PooledBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for PooledBytes {
    fn drop(&mut self) {
        if self.0.capacity() <= Self::KEEP {
            READ_BUFFER.with(|b| b.set(std::mem::take(&mut self.0)));
        }
    }
}

/// [`read_limited`] into the thread's reused buffer.
pub fn read_limited_pooled(path: &Path, limit: u64) -> Result<PooledBytes, ReadError> {
    let mut bytes = PooledBytes(READ_BUFFER.with(std::cell::Cell::take));
    read_limited_into(path, limit, &mut bytes.0)?;
    Ok(bytes)
}

/// [`read_limited`] into `bytes` (cleared first), so a caller reading many files reuses one buffer instead of
/// allocating and freeing one per file.
pub fn read_limited_into(path: &Path, limit: u64, bytes: &mut Vec<u8>) -> Result<(), ReadError> {
    use std::io::Read;
    bytes.clear();
    let meta = std::fs::metadata(path).map_err(|e| ReadError::Io(e.to_string()))?;
    if !meta.is_file() {
        let kind = crate::source::discover::special_kind(&meta.file_type());
        return Err(ReadError::Io(format!("{kind}, not a regular file; not read")));
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(|e| ReadError::Io(e.to_string()))?;
    // The file may grow between the check and the read: never read past the limit.
    bytes.reserve(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(bytes).map_err(|e| ReadError::Io(e.to_string()))?;
    let read = bytes.len() as u64;
    if read > limit {
        let size = std::fs::metadata(path).map_or(read, |m| m.len().max(read));
        return Err(ReadError::TooLarge(size));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_with_binary_units() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("10MiB"), Ok(10 * MIB));
        assert_eq!(parse_size("10 mib"), Ok(10 * MIB));
        assert_eq!(parse_size("1G"), Ok(GIB));
        assert_eq!(parse_size("512KB"), Ok(512 * KIB));
        assert!(parse_size("0").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("1.5GiB").is_err());
        assert!(parse_size("10 parsecs").is_err());
        assert!(parse_size("99999999999999999999").is_err());
        assert!(parse_size("99999999999G").is_err());
    }

    /// The reused buffer gives each file exactly its own bytes: a shorter file after a longer one keeps
    /// nothing of it, and the limit still refuses.
    #[test]
    fn pooled_reads_give_each_file_its_bytes() {
        let dir = std::env::temp_dir().join(format!("mintlint-pooled-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (long, short) = (dir.join("long.json"), dir.join("short.json"));
        std::fs::write(&long, "x".repeat(5000)).unwrap();
        std::fs::write(&short, "{}").unwrap();
        for path in [&long, &short, &long] {
            let read = read_limited_pooled(path, 10_000).unwrap();
            assert_eq!(&*read, std::fs::read(path).unwrap().as_slice());
        }
        assert!(matches!(read_limited_pooled(&long, 100), Err(ReadError::TooLarge(5000))));
        assert_eq!(&*read_limited_pooled(&short, 100).unwrap(), b"{}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sizes_print_as_read() {
        assert_eq!(human_size(10 * MIB), "10 MiB");
        assert_eq!(human_size(4 * GIB), "4 GiB");
        assert_eq!(human_size(MIB + MIB / 2), "1.5 MiB");
        assert_eq!(human_size(1000), "1000 bytes");
    }

    #[test]
    fn input_sets_plans_and_streams_alike() {
        let limits = InputLimits::default().with(&LimitSettings { input: Some(5), ..LimitSettings::default() });
        assert_eq!((limits.inventory, limits.stream, limits.policy), (5, 5, InputLimits::DEFAULT_POLICY));
        assert_eq!(limits.any_document(), SizeKind::Policy);
        assert_eq!(InputLimits::default().any_document(), SizeKind::Inventory);
        // Spanned inputs stay within a u32 whatever the setting.
        let huge = InputLimits { inventory: u64::MAX, ..InputLimits::default() };
        assert_eq!(huge.json(SizeKind::Inventory).max_bytes as u64, InputLimits::SPANNED_MAX);
    }

    #[test]
    fn messages_name_the_kind_and_the_setting() {
        let t = TooLarge { kind: SizeKind::Policy, size: 11 * MIB, limit: 10 * MIB };
        assert_eq!(t.to_string(), "policy document of 11 MiB (11534336 bytes), over the 10 MiB limit");
        assert!(t.help().contains("--max-policy-size"), "{}", t.help());
        let t = TooLarge { kind: SizeKind::Inventory, size: 2 * GIB, limit: GIB };
        assert!(t.help().contains("--max-input-size"));
        assert!(TooLarge { kind: SizeKind::TfFile, size: 2, limit: 1 }.help().contains("[limits] tf_file"));
    }
}
