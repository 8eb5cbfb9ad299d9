//! Deciding a streamed cases file (`simulate --cases`): cases are read in batches ([`super::stream`]), each
//! batch is parsed, built and decided in parallel, and its rows are written in file order before the next
//! batch is read. Memory is one batch, whatever the number of cases; nothing is kept per case but the
//! pass/fail totals.
//!
//! A case that cannot be read or built stops the deciding: no row of its batch (or any later one) is
//! written, and the rest of the file is still read so that every problem (up to [`MAX_PROBLEMS`]) is
//! reported at once. A report that needs its totals before its rows (JUnit's `tests=`/`failures=`) has its
//! rows held in an unlinked temporary file until the end.

use std::collections::HashMap;
use std::io::{Read, Seek, Write};
use std::sync::mpsc;

use rayon::prelude::*;

use super::stream::{Batch, CaseStream, Element, FrameError, StreamError};
use super::{Case, case_problem, parse_case};
use crate::eval::{Assumptions, LoadedPolicy, PolicySet};
use crate::lint::Finding;
use crate::policy::PolicyProblem;
use crate::request::{Defaults, Field, Request, RequestSpec};
use crate::simulate::inputs::{InventoryPrincipal, ResolveError, Scenario};
use crate::simulate::{Dependency, Simulation, Simulator, Verdict};

/// Cases read, built and decided together: enough to keep both cores busy and the batch's rows a few MB.
pub const BATCH: usize = 4096;

/// Problems reported at most: a file of a million broken cases gets the first ones and a count.
pub const MAX_PROBLEMS: usize = 100;

/// Cases that passed and failed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub passed: u64,
    pub failed: u64,
}

impl Totals {
    pub fn cases(&self) -> u64 {
        self.passed + self.failed
    }
}

/// One decided case, as a report writes it.
pub struct Row<'a> {
    /// 0-based position in the file.
    pub index: usize,
    pub case: &'a Case,
    pub verdict: &'a Verdict,
    pub depends_on: &'a [Dependency],
    pub passed: bool,
    /// The whole simulation and the policies it was decided against, when the report asked for it
    /// ([`Rows::detail`]).
    pub detail: Option<(&'a PolicySet, &'a Simulation)>,
}

/// A report of a cases run, written piece by piece. Each method appends to `out`; rows may be written from
/// several threads at once, hence `Sync` and `&self`.
pub trait Rows: Sync {
    /// Whether a row needs the whole simulation (deciding statements, absent keys, claims), or only the
    /// verdict and the settings it depends on: a passing case's line does not show why.
    fn detail(&self, passed: bool) -> bool;
    /// Whether every row needs the whole simulation ([`Rows::detail`] whatever the outcome).
    fn detail_always(&self) -> bool {
        false
    }
    /// Whether [`Rows::open`] needs the totals (JUnit's `tests=`): the rows are then held until the end.
    fn totals_first(&self) -> bool {
        false
    }
    /// The text before the first row (`totals` are the real ones only when [`Rows::totals_first`]).
    fn open(&self, out: &mut String, totals: &Totals);
    /// An inventory principal, before the first row that names it.
    fn principal(&self, _out: &mut String, _principal: &InventoryPrincipal) {}
    fn row(&self, out: &mut String, row: &Row<'_>);
    /// The text after the last row: the totals, and the principals the cases named.
    fn close(&self, out: &mut String, totals: &Totals, principals: &[&InventoryPrincipal]);
}

/// What every case is decided with: the command line's request (which a case's fields override), the
/// defaults, the assumptions, the issuer of the claims preview, and the resource's policy for `--action`.
pub struct Setup<'a> {
    pub base: &'a RequestSpec,
    pub defaults: &'a Defaults,
    pub assumptions: &'a Assumptions,
    pub issuer: Option<&'a str>,
    pub resource_policy: Option<&'a LoadedPolicy>,
}

/// A case that cannot be read or built, with the text of its element so that it can be drawn without the
/// file; `read` tells a problem of reading the case (reported before any problem of building one).
#[derive(Debug)]
pub struct CaseProblem {
    pub offset: u64,
    pub line: u64,
    pub column: usize,
    pub text: String,
    pub problem: PolicyProblem,
    pub read: bool,
}

/// Why a run stopped before its report was complete.
#[derive(Debug)]
pub enum Stop {
    /// Problems of cases that cannot be read or built (at most [`MAX_PROBLEMS`]), and how many there were.
    Problems {
        problems: Vec<CaseProblem>,
        total: usize,
    },
    /// The file is not a cases file (or not JSON) outside any case.
    Frame(Box<FrameError>),
    Read(std::io::Error),
    /// The report could not be written (a closed pipe, a full disk).
    Write(std::io::Error),
    /// A policy of a principal the cases name is not valid.
    Invalid(Vec<Finding>),
}

/// A case read and built, waiting for its principal and its decision.
struct Planned {
    case: Case,
    request: Request,
    query: Option<String>,
    principal: Option<usize>,
    /// The principal is named here first: its description goes before the row.
    announce: bool,
}

/// Read, decide and report every case of `stream`, writing the report to `out` as it is produced.
///
/// Three stages overlap: a thread reads batches from the file, another builds and decides each batch (in
/// parallel, on rayon's threads), and this one writes the decided rows in file order. Each hands the next at
/// most a batch or two ahead, so memory stays a few batches whatever the number of cases.
pub fn run<R: Read + Send, W: Rows>(
    stream: &mut CaseStream<R>,
    scenario: &mut Scenario,
    setup: &Setup<'_>,
    rows: &W,
    out: &mut dyn Write,
) -> Result<Totals, Stop> {
    let mut spill = if rows.totals_first() { Some(spill_file().map_err(Stop::Write)?) } else { None };
    let pool = Pool::default();
    let deciding = &mut *scenario;
    let (decided, written) = std::thread::scope(|scope| {
        let (batch_tx, batch_rx) = mpsc::sync_channel(1);
        let (free_tx, free_rx) = mpsc::channel();
        scope.spawn(move || read_batches(stream, &batch_tx, &free_rx));
        let (chunk_tx, chunk_rx) = mpsc::sync_channel::<Vec<Chunk>>(2);
        let pool = &pool;
        let decider = scope.spawn(move || decide_batches(&batch_rx, &free_tx, deciding, setup, rows, &chunk_tx, pool));
        let mut written: Result<bool, std::io::Error> = Ok(false);
        for chunks in chunk_rx.iter() {
            written = write_chunks(&mut spill, rows, out, pool, chunks, written.unwrap_or(false));
            if written.is_err() {
                // Dropping the receiver stops the deciding, which stops the reading.
                break;
            }
        }
        drop(chunk_rx);
        let decided = decider.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (decided, written)
    });
    let opened = written.map_err(Stop::Write)?;
    let totals = decided?;
    let mut text = String::new();
    match spill {
        Some(mut file) => {
            rows.open(&mut text, &totals);
            out.write_all(text.as_bytes()).map_err(Stop::Write)?;
            text.clear();
            file.flush().map_err(Stop::Write)?;
            file.rewind().map_err(Stop::Write)?;
            std::io::copy(&mut file, out).map_err(Stop::Write)?;
        }
        // No row was written: the report opens here (an empty `cases` list).
        None if !opened => rows.open(&mut text, &totals),
        None => {}
    }
    let principals: Vec<&InventoryPrincipal> = scenario.principals.iter().map(|(p, _)| p).collect();
    rows.close(&mut text, &totals, &principals);
    out.write_all(text.as_bytes()).map_err(Stop::Write)?;
    out.flush().map_err(Stop::Write)?;
    Ok(totals)
}

/// The rows of a few cases as text, with how many of them passed and failed.
type Chunk = (String, u64, u64);

/// Texts handed back by the writer once written, so that the rows of the next batches reuse their memory.
#[derive(Default)]
struct Pool(std::sync::Mutex<Vec<String>>);

impl Pool {
    fn take(&self) -> String {
        self.0.lock().ok().and_then(|mut free| free.pop()).unwrap_or_default()
    }

    fn give(&self, mut text: String) {
        text.clear();
        if let Ok(mut free) = self.0.lock() {
            free.push(text);
        }
    }
}

/// Write one batch's rows (to the spill file when the report needs its totals first), opening the report
/// before the first rows; whether it is open.
fn write_chunks<W: Rows>(
    spill: &mut Option<std::fs::File>,
    rows: &W,
    out: &mut dyn Write,
    pool: &Pool,
    chunks: Vec<Chunk>,
    opened: bool,
) -> Result<bool, std::io::Error> {
    let target: &mut dyn Write = match spill.as_mut() {
        Some(file) => file,
        None => {
            if !opened {
                let mut text = String::new();
                rows.open(&mut text, &Totals::default());
                out.write_all(text.as_bytes())?;
            }
            &mut *out
        }
    };
    for (text, _, _) in chunks {
        target.write_all(text.as_bytes())?;
        pool.give(text);
    }
    Ok(true)
}

/// The reading stage: batches of cases, ended by an empty batch or the first error of the file's frame.
fn read_batches<R: Read>(
    stream: &mut CaseStream<R>,
    batches: &mpsc::SyncSender<Result<Batch, StreamError>>,
    free: &mpsc::Receiver<Batch>,
) {
    loop {
        let mut batch = free.try_recv().unwrap_or_default();
        match stream.fill(&mut batch, BATCH) {
            Ok(()) => {
                let end = batch.is_empty();
                if batches.send(Ok(batch)).is_err() || end {
                    return;
                }
            }
            Err(e) => {
                let _ = batches.send(Err(e));
                return;
            }
        }
    }
}

/// The deciding stage: build and decide each batch, hand its rows on in order; after a case that cannot be
/// read or built, nothing more is decided and the rest of the file is read for its problems.
fn decide_batches<W: Rows>(
    batches: &mpsc::Receiver<Result<Batch, StreamError>>,
    free: &mpsc::Sender<Batch>,
    scenario: &mut Scenario,
    setup: &Setup<'_>,
    rows: &W,
    decided: &mpsc::SyncSender<Vec<Chunk>>,
    pool: &Pool,
) -> Result<Totals, Stop> {
    let mut totals = Totals::default();
    let mut problems: Vec<CaseProblem> = Vec::new();
    let mut problem_count = 0usize;
    let mut announced = 0usize;
    // The reader always ends with an empty batch or an error; a closed channel is the same end.
    while let Ok(next) = batches.recv() {
        let batch = match next {
            Ok(batch) => batch,
            Err(StreamError::Io(e)) => return Err(Stop::Read(e)),
            Err(StreamError::Frame(f)) if problems.is_empty() => return Err(Stop::Frame(f)),
            // A broken frame after broken cases: the cases' problems come first; the frame's is one more.
            Err(StreamError::Frame(f)) => {
                problem_count += 1;
                let FrameError { message, label, help, offset, line, line_text, span } = *f;
                push_problem(
                    &mut problems,
                    CaseProblem {
                        offset,
                        line,
                        column: 0,
                        text: line_text,
                        problem: PolicyProblem {
                            span: crate::source::Span::from_range(span.start, span.end),
                            message,
                            label,
                            help,
                        },
                        read: true,
                    },
                );
                break;
            }
        };
        if batch.is_empty() {
            break;
        }
        let built: Vec<Result<Planned, (Vec<PolicyProblem>, bool)>> =
            batch.elements.par_iter().map(|e| prepare(setup, e.index, batch.text_of(e))).collect();
        // Principals are looked up in file order: the first case that names one announces it.
        let mut planned = Vec::with_capacity(built.len());
        for (result, element) in built.into_iter().zip(&batch.elements) {
            let mut item = match result {
                Ok(item) => item,
                Err((list, read)) => {
                    problem_count += list.len();
                    for problem in list {
                        push_problem(&mut problems, excerpt(element, batch.text_of(element), problem, read));
                    }
                    continue;
                }
            };
            match scenario.lookup(item.query.as_deref()) {
                Ok(at) => item.principal = at,
                Err(ResolveError::Lookup(message)) => {
                    problem_count += 1;
                    // A case read without spans is read again with them, to point at its principal.
                    if item.case.fields.is_empty()
                        && let Ok(case) = parse_case(element.index, batch.text_of(element))
                    {
                        item.case = case;
                    }
                    let problem = PolicyProblem {
                        span: item.case.span_of(&Field::Principal),
                        message: format!("case `{}`: {message}", item.case.name),
                        label: "this principal".into(),
                        help: "name a principal of the inputs by ARN, name or Terraform address".into(),
                    };
                    push_problem(&mut problems, excerpt(element, batch.text_of(element), problem, false));
                    continue;
                }
                Err(ResolveError::Invalid(findings)) => return Err(Stop::Invalid(findings)),
                Err(ResolveError::Request(_)) => {}
            }
            if let Some(at) = item.principal.filter(|at| *at >= announced) {
                announced = at + 1;
                item.announce = true;
            }
            planned.push(item);
        }
        let _ = free.send(batch);
        if problem_count > 0 {
            // Nothing more is decided; the rest of the file is still read for its problems.
            continue;
        }
        let chunks = decide(scenario, setup, rows, planned, totals.cases(), pool);
        for (_, passed, failed) in &chunks {
            totals.passed += passed;
            totals.failed += failed;
        }
        if decided.send(chunks).is_err() {
            // The writer stopped (a closed pipe, a full disk): it reports why.
            return Ok(totals);
        }
    }
    if problem_count > 0 {
        return Err(Stop::Problems { problems, total: problem_count });
    }
    Ok(totals)
}

fn push_problem(problems: &mut Vec<CaseProblem>, problem: CaseProblem) {
    if problems.len() < MAX_PROBLEMS {
        problems.push(problem);
    }
}

/// A problem of a case, with its element's text as the excerpt it is drawn from (the columns of the
/// element's first line kept by padding).
fn excerpt(element: &Element, text: &str, mut problem: PolicyProblem, read: bool) -> CaseProblem {
    let pad = u32::try_from(element.column).unwrap_or(0);
    problem.span = crate::source::Span::new(problem.span.start + pad, problem.span.end + pad);
    CaseProblem {
        offset: element.offset,
        line: element.line,
        column: element.column,
        text: format!("{}{text}", " ".repeat(element.column)),
        problem,
        read,
    }
}

/// Read and build one case (no principal yet): its problems otherwise, and whether they are reading ones.
/// A plain case is read straight from its text ([`super::fast`]); one with a problem is read again with
/// spans, which point at it.
fn prepare(setup: &Setup<'_>, index: usize, text: &str) -> Result<Planned, (Vec<PolicyProblem>, bool)> {
    if let Some(case) = super::fast::read(index, text) {
        let spec = setup.base.overlay(&case.request);
        if let Ok(request) = spec.build(setup.defaults) {
            return Ok(Planned { case, request, query: spec.principal, principal: None, announce: false });
        }
    }
    let case = parse_case(index, text).map_err(|p| (p, true))?;
    let spec = setup.base.overlay(&case.request);
    let request = spec
        .build(setup.defaults)
        .map_err(|errors| (errors.iter().map(|e| case_problem(&case, e)).collect(), false))?;
    Ok(Planned { case, request, query: spec.principal, principal: None, announce: false })
}

/// Cases decided per parallel task: large enough that a task costs more than handing it out.
const CHUNK: usize = 64;

/// Decide a batch in parallel: each chunk's rows as text, with its passed and failed counts, in order.
fn decide<W: Rows>(
    scenario: &Scenario,
    setup: &Setup<'_>,
    rows: &W,
    planned: Vec<Planned>,
    first_index: u64,
    pool: &Pool,
) -> Vec<Chunk> {
    // Prepared once per batch for each policy set the batch uses.
    let files = Simulator::new(&scenario.files).with_resource_policy(setup.resource_policy);
    let mut simulators: HashMap<usize, Simulator<'_>> = HashMap::new();
    for at in planned.iter().filter_map(|p| p.principal) {
        if let (std::collections::hash_map::Entry::Vacant(slot), Some((_, set))) =
            (simulators.entry(at), scenario.principals.get(at))
        {
            slot.insert(Simulator::new(set).with_resource_policy(setup.resource_policy));
        }
    }
    let first = usize::try_from(first_index).unwrap_or(usize::MAX);
    planned
        .into_par_iter()
        .enumerate()
        .chunks(CHUNK)
        .map(|chunk| {
            let mut out = pool.take();
            let (mut passed, mut failed) = (0, 0);
            for (i, mut item) in chunk {
                let principal = item.principal.and_then(|at| scenario.principals.get(at));
                if let Some((p, _)) = principal {
                    if item.announce {
                        rows.principal(&mut out, p);
                    }
                    p.apply(&mut item.request);
                }
                let simulator = item.principal.and_then(|at| simulators.get(&at)).unwrap_or(&files);
                let set = principal.map_or(&scenario.files, |(_, set)| set);
                let index = first.saturating_add(i);
                // The fast path decides; a row that shows why is simulated in full (same contexts, same
                // decisions, plus the trace).
                let brief = (!rows.detail_always()).then(|| simulator.outcome(&item.request, setup.assumptions));
                let ok = brief.as_ref().map(|(verdict, _)| item.case.expect.holds(verdict));
                let sim = match ok {
                    Some(ok) if !rows.detail(ok) => None,
                    _ => Some(simulator.simulate(&item.request, setup.assumptions, setup.issuer)),
                };
                let row = match (&sim, &brief) {
                    (Some(sim), _) => {
                        let passed = item.case.expect.holds(&sim.verdict);
                        let detail = Some((set, sim));
                        Row {
                            index,
                            case: &item.case,
                            verdict: &sim.verdict,
                            depends_on: &sim.depends_on,
                            passed,
                            detail,
                        }
                    }
                    (None, Some((verdict, depends_on))) => {
                        let passed = item.case.expect.holds(verdict);
                        Row { index, case: &item.case, verdict, depends_on, passed, detail: None }
                    }
                    (None, None) => continue,
                };
                if row.passed {
                    passed += 1;
                } else {
                    failed += 1;
                }
                rows.row(&mut out, &row);
            }
            (out, passed, failed)
        })
        .collect()
}

/// A temporary file for rows held until the totals are known: created new (never through a planted link)
/// and unlinked at once, so nothing is left behind whatever happens.
pub(crate) fn spill_file() -> std::io::Result<std::fs::File> {
    let dir = std::env::temp_dir();
    let mut last = None;
    for attempt in 0..16u32 {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let path = dir.join(format!(".mintlint-cases-{}-{nanos}-{attempt}", std::process::id()));
        match std::fs::OpenOptions::new().read(true).write(true).create_new(true).open(&path) {
            Ok(file) => {
                let _ = std::fs::remove_file(&path);
                return Ok(file);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no temporary file")))
}
