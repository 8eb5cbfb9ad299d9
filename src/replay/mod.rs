//! `mintlint replay` (DESIGN §9.5): what a proposed policy change would do to the tokens really issued, as
//! CloudTrail recorded them. [`events`] reads the records, [`record`] reads each into the call it made,
//! [`request`] turns that into the library's request, [`engine`] decides it against the current policies
//! and the baseline, and [`replay_files`] runs it over every file, in parallel and streaming.

pub mod engine;
pub mod events;
pub mod inputs;
pub mod record;
pub mod request;
pub mod rules;
pub mod suggest;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;

use rayon::prelude::*;

use engine::{Change, Replayed, Replayer};
use events::{EventLimits, FileRead, RawRecord, read_file};
use record::{Reading, Skip, interpret};

/// Records are decided in batches of this many, in parallel, while the file is read.
const BATCH: usize = 4096;

/// One file read.
#[derive(Debug)]
pub struct FileReport {
    pub path: PathBuf,
    pub read: FileRead,
}

/// Which replayed calls a report keeps. Counts always cover every call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Keep {
    /// Every call (the JSON report lists them all, JUnit has a case per group, `--suggest` folds them).
    #[default]
    All,
    /// Only calls that changed or cannot be decided (human, SARIF): memory then stays flat in the number of
    /// events.
    Changed,
    /// As [`Keep::Changed`], and how many calls each principal and audience set made, in
    /// [`Report::groups`] (JUnit: a case per group, failing on the changed calls).
    Grouped,
    /// None: only the counts (the JSON report writes each call to a spill as it is decided instead, see
    /// [`replay_to_spill`]).
    Counted,
}

/// Turns a replayed call into its text in the report, as it is decided.
pub type Render<'r> = &'r (dyn Fn(&Replayed) -> String + Sync);

/// Where a spilled call sorts (event time, then event id), and where its text is in the spill.
#[derive(Debug)]
struct SpillEntry {
    secs: i64,
    nanos: u32,
    event_id: Option<Box<str>>,
    at: u64,
    len: usize,
}

/// Calls' texts written as they were decided, in any order, and their index (sorted once every call is
/// in): memory holds an entry of a few dozen bytes per call rather than the call.
#[derive(Debug)]
pub struct Spilled {
    file: std::fs::File,
    index: Vec<SpillEntry>,
}

impl Spilled {
    /// How many calls were spilled.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Each call's text, in report order (event time, then event id), with its position.
    pub fn for_each(&mut self, each: &mut dyn FnMut(usize, &str) -> std::io::Result<()>) -> std::io::Result<()> {
        use std::io::{Read, Seek, SeekFrom};
        let mut buf = Vec::new();
        for (i, entry) in self.index.iter().enumerate() {
            buf.resize(entry.len, 0);
            self.file.seek(SeekFrom::Start(entry.at))?;
            self.file.read_exact(&mut buf)?;
            let text = std::str::from_utf8(&buf).map_err(std::io::Error::other)?;
            each(i, text)?;
        }
        Ok(())
    }
}

/// The spill being written.
struct Spill {
    out: std::io::BufWriter<std::fs::File>,
    at: u64,
    index: Vec<SpillEntry>,
    error: Option<std::io::Error>,
}

impl Spill {
    fn push(&mut self, r: &Replayed, text: &str) {
        use std::io::Write;
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self.out.write_all(text.as_bytes()) {
            self.error = Some(e);
            return;
        }
        self.index.push(SpillEntry {
            secs: r.call.time.epoch_secs(),
            nanos: r.call.time.subsec_nanos(),
            event_id: r.call.event_id.as_deref().map(Box::from),
            at: self.at,
            len: text.len(),
        });
        self.at += text.len() as u64;
    }

    fn finish(self) -> std::io::Result<Spilled> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let file = self.out.into_inner().map_err(std::io::IntoInnerError::into_error)?;
        let mut index = self.index;
        index.sort_by(|a, b| (a.secs, a.nanos, &a.event_id).cmp(&(b.secs, b.nanos, &b.event_id)));
        Ok(Spilled { file, index })
    }
}

/// Everything a replay found.
#[derive(Debug, Default)]
pub struct Report {
    pub files: Vec<FileReport>,
    /// Every event read, minting or not.
    pub events: u64,
    /// Events of other calls.
    pub ignored: u64,
    /// JSON objects that are no event (a digest file's contents, a stray object).
    pub unrecognized: u64,
    /// Records read a second time (one `eventID` in two files, as when a trail object and lookup-events
    /// output overlap): replayed once.
    pub duplicates: u64,
    pub skipped: Vec<Skip>,
    /// The calls kept (see [`Keep`]), sorted by event time, then event id.
    pub results: Vec<Replayed>,
    /// Calls replayed, kept or not.
    pub replayed: u64,
    /// With [`Keep::Grouped`], how many calls each principal and audience set made.
    pub groups: std::collections::BTreeMap<(String, Vec<String>), u64>,
    /// With [`replay_to_spill`], every call's text, in report order.
    pub spilled: Option<Spilled>,
    /// Per [`Change`] (in declaration order), how many calls.
    changes: [u64; 4],
    /// Per [`Reading`] (in [`Reading::ALL`] order), how many calls were read in that shape.
    readings: [u64; Reading::ALL.len()],
    disagreements: u64,
}

fn change_slot(change: Change) -> usize {
    match change {
        Change::NewlyDenied => 0,
        Change::NewlyAllowed => 1,
        Change::Unchanged => 2,
        Change::Undecided => 3,
    }
}

impl Report {
    pub fn count(&self, change: Change) -> usize {
        self.changes.get(change_slot(change)).map_or(0, |n| usize::try_from(*n).unwrap_or(usize::MAX))
    }

    /// How often each unconfirmed record shape was read, in [`Reading::ALL`] order.
    pub fn readings(&self) -> Vec<(Reading, usize)> {
        Reading::ALL
            .into_iter()
            .zip(self.readings)
            .map(|(r, n)| (r, usize::try_from(n).unwrap_or(usize::MAX)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// Calls whose baseline verdict differs from what CloudTrail recorded.
    pub fn baseline_disagreements(&self) -> usize {
        usize::try_from(self.disagreements).unwrap_or(usize::MAX)
    }

    /// Whether the change breaks or widens anything (exit 1).
    pub fn failed(&self) -> bool {
        self.count(Change::NewlyDenied) > 0 || self.count(Change::NewlyAllowed) > 0
    }

    /// Count one replayed call, and keep it if asked to.
    fn add(&mut self, r: Replayed, keep: Keep) {
        self.replayed += 1;
        if let Some(n) = self.changes.get_mut(change_slot(r.change)) {
            *n += 1;
        }
        for (slot, reading) in self.readings.iter_mut().zip(Reading::ALL) {
            if r.call.readings.contains(reading) {
                *slot += 1;
            }
        }
        self.disagreements += u64::from(r.baseline_disagrees);
        if keep == Keep::Grouped {
            *self.groups.entry((r.call.principal.clone(), r.call.spec.audiences.clone())).or_default() += 1;
        }
        if keep == Keep::Counted {
            return;
        }
        if r.change != Change::Unchanged {
            self.results.push(r);
        } else if keep == Keep::All {
            // Only a changed call cites its deciding statements: an unchanged one keeps its verdict only.
            let mut r = r;
            r.now.forget_checks();
            if let Some(Some((_, b))) = &mut r.baseline {
                b.forget_checks();
            }
            self.results.push(r);
        }
    }
}

/// What one record became.
enum Item {
    Replayed(Box<Replayed>),
    Skipped(Skip),
}

impl Item {
    fn event_id(&self) -> Option<&str> {
        match self {
            Item::Replayed(r) => r.call.event_id.as_deref(),
            Item::Skipped(s) => s.event_id.as_deref(),
        }
    }
}

fn one(replayer: &Replayer<'_>, raw: &RawRecord) -> Item {
    let call = match interpret(raw) {
        Ok(call) => call,
        Err(skip) => return Item::Skipped(skip),
    };
    if call.event_id.is_none() {
        return Item::Skipped(Skip {
            event_id: None,
            reason: "the record has no `eventID`: it cannot be named in the report, nor told apart from a copy".into(),
        });
    }
    match replayer.replay(call) {
        Ok(r) => Item::Replayed(Box::new(r)),
        Err(skip) => Item::Skipped(skip),
    }
}

/// The report being built, and the event ids met so far (as 128-bit hashes: 16 bytes per event rather
/// than the id's text).
struct Merged {
    report: Report,
    seen: HashSet<u128>,
    spill: Option<Spill>,
}

fn id_hash(id: &str) -> u128 {
    use std::hash::{Hash, Hasher};
    // Two independent 64-bit SipHashes (different prefixes): a collision among a billion ids has a
    // probability below 10^-20.
    let half = |salt: u8| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        salt.hash(&mut h);
        id.hash(&mut h);
        h.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

/// Decide a batch in parallel, then fold it into the report.
fn decide_batch(
    replayer: &Replayer<'_>,
    batch: Vec<RawRecord>,
    merged: &Mutex<Merged>,
    keep: Keep,
    render: Option<Render<'_>>,
) {
    if batch.is_empty() {
        return;
    }
    // A call's text is rendered here, in parallel, rather than under the lock.
    let decided: Vec<(Item, Option<String>)> = batch
        .par_iter()
        .map(|raw| {
            let item = one(replayer, raw);
            let text = match (&item, render) {
                (Item::Replayed(r), Some(render)) => Some(render(r)),
                _ => None,
            };
            (item, text)
        })
        .collect();
    drop(batch);
    let Ok(mut merged) = merged.lock() else { return };
    let Merged { report, seen, spill } = &mut *merged;
    for (item, text) in decided {
        if let Some(id) = item.event_id()
            && !seen.insert(id_hash(id))
        {
            report.duplicates += 1;
            continue;
        }
        match item {
            Item::Replayed(r) => {
                if let (Some(spill), Some(text)) = (spill.as_mut(), text) {
                    spill.push(&r, &text);
                }
                report.add(*r, keep);
            }
            Item::Skipped(s) => report.skipped.push(s),
        }
    }
}

/// Read and replay every file: files in parallel, and within a file, batches of records in parallel while
/// the next ones are read, each batch folded into the report as soon as it is decided. Memory holds one
/// batch per file being read, the ids met, and the calls kept (see [`Keep`]).
pub fn replay_files(files: &[PathBuf], replayer: &Replayer<'_>, limits: &EventLimits, keep: Keep) -> Report {
    let (report, _) = replay_with(files, replayer, limits, keep, None);
    report
}

/// [`replay_files`] keeping no call: each is rendered by `render` as it is decided and written to a spill
/// (an unlinked temporary file), which the report then holds in report order ([`Report::spilled`]).
/// Memory stays flat in the number of events but for a small index entry per call.
pub fn replay_to_spill(
    files: &[PathBuf],
    replayer: &Replayer<'_>,
    limits: &EventLimits,
    render: Render<'_>,
) -> std::io::Result<Report> {
    let file = crate::cases::run::spill_file()?;
    let spill = Spill { out: std::io::BufWriter::new(file), at: 0, index: Vec::new(), error: None };
    let (mut report, spill) = replay_with(files, replayer, limits, Keep::Counted, Some((render, spill)));
    if let Some(spill) = spill {
        report.spilled = Some(spill.finish()?);
    }
    Ok(report)
}

fn replay_with(
    files: &[PathBuf],
    replayer: &Replayer<'_>,
    limits: &EventLimits,
    keep: Keep,
    spill: Option<(Render<'_>, Spill)>,
) -> (Report, Option<Spill>) {
    let (render, spill) = match spill {
        Some((render, spill)) => (Some(render), Some(spill)),
        None => (None, None),
    };
    let merged = Mutex::new(Merged { report: Report::default(), seen: HashSet::new(), spill });
    let reports: Vec<FileReport> = files
        .par_iter()
        .map(|path| {
            let mut batch = Vec::with_capacity(BATCH);
            let read = {
                let mut sink = |raw: RawRecord| {
                    batch.push(raw);
                    if batch.len() >= BATCH {
                        decide_batch(replayer, std::mem::take(&mut batch), &merged, keep, render);
                    }
                };
                read_file(path, limits, &mut sink)
            };
            decide_batch(replayer, batch, &merged, keep, render);
            FileReport { path: path.clone(), read }
        })
        .collect();
    let Merged { mut report, spill, .. } = match merged.into_inner() {
        Ok(m) => m,
        Err(poisoned) => poisoned.into_inner(),
    };
    for file in &reports {
        report.events += file.read.tally.events;
        report.ignored += file.read.tally.ignored;
        report.unrecognized += file.read.tally.unrecognized;
    }
    report.files = reports;
    // Batches arrive in any order: the report is sorted, so the output does not depend on the schedule.
    report.skipped.sort_by(|a, b| a.event_id.cmp(&b.event_id).then_with(|| a.reason.cmp(&b.reason)));
    report.results.sort_by(|a, b| {
        (a.call.time.epoch_secs(), a.call.time.subsec_nanos(), &a.call.event_id).cmp(&(
            b.call.time.epoch_secs(),
            b.call.time.subsec_nanos(),
            &b.call.event_id,
        ))
    });
    (report, spill)
}
