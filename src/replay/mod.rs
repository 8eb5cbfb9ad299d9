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

use std::collections::HashSet;
use std::path::PathBuf;

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
    /// Sorted by event time, then event id.
    pub results: Vec<Replayed>,
}

impl Report {
    pub fn count(&self, change: Change) -> usize {
        self.results.iter().filter(|r| r.change == change).count()
    }

    /// How often each unconfirmed record shape was read, in [`Reading::ALL`] order.
    pub fn readings(&self) -> Vec<(Reading, usize)> {
        Reading::ALL
            .into_iter()
            .map(|r| (r, self.results.iter().filter(|x| x.call.readings.contains(r)).count()))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// Calls whose baseline verdict differs from what CloudTrail recorded.
    pub fn baseline_disagreements(&self) -> usize {
        self.results.iter().filter(|r| r.baseline_disagrees).count()
    }

    /// Whether the change breaks or widens anything (exit 1).
    pub fn failed(&self) -> bool {
        self.results.iter().any(|r| matches!(r.change, Change::NewlyDenied | Change::NewlyAllowed))
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

fn decide_batch(replayer: &Replayer<'_>, batch: Vec<RawRecord>, out: &mut Vec<Item>) {
    let decided: Vec<Item> = batch.par_iter().map(|raw| one(replayer, raw)).collect();
    out.extend(decided);
}

/// Read and replay every file: files in parallel, and within a file, batches of records in parallel while
/// the next ones are read. Memory holds one batch per file plus the results.
pub fn replay_files(files: &[PathBuf], replayer: &Replayer<'_>, limits: &EventLimits) -> Report {
    let per_file: Vec<(FileReport, Vec<Item>)> = files
        .par_iter()
        .map(|path| {
            let mut items = Vec::new();
            let mut batch = Vec::with_capacity(BATCH);
            let read = {
                let mut sink = |raw: RawRecord| {
                    batch.push(raw);
                    if batch.len() >= BATCH {
                        decide_batch(replayer, std::mem::take(&mut batch), &mut items);
                    }
                };
                read_file(path, limits, &mut sink)
            };
            decide_batch(replayer, batch, &mut items);
            (FileReport { path: path.clone(), read }, items)
        })
        .collect();
    let mut report = Report::default();
    let mut seen: HashSet<String> = HashSet::new();
    for (file, items) in per_file {
        report.events += file.read.tally.events;
        report.ignored += file.read.tally.ignored;
        report.unrecognized += file.read.tally.unrecognized;
        for item in items {
            if let Some(id) = item.event_id()
                && !seen.insert(id.to_owned())
            {
                report.duplicates += 1;
                continue;
            }
            match item {
                Item::Replayed(r) => report.results.push(*r),
                Item::Skipped(s) => report.skipped.push(s),
            }
        }
        report.files.push(file);
    }
    report.results.sort_by(|a, b| {
        (a.call.time.epoch_secs(), a.call.time.subsec_nanos(), &a.call.event_id).cmp(&(
            b.call.time.epoch_secs(),
            b.call.time.subsec_nanos(),
            &b.call.event_id,
        ))
    });
    report
}
