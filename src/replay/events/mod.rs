//! Reading CloudTrail events: the records of `GetWebIdentityToken` calls, from the three ways CloudTrail
//! delivers them (`reference/cloudtrail.md` §4):
//!
//! - S3 objects of a trail: `{"Records": [...]}`, gzip'd (`.json.gz`) or not;
//! - `aws cloudtrail lookup-events` output: `{"Events": [{"EventId", "EventName", ..., "CloudTrailEvent":
//!   "<the record as a JSON string>"}]}`;
//! - JSON lines: one record per line, an EventBridge event whose `detail` is the record (`detail-type` `AWS
//!   API Call via CloudTrail`), or an Athena export row (lowercase member names; `requestparameters` is the
//!   parameters object as a JSON string).
//!
//! This layer reads syntax only: it streams each file, counts every event, hands on the records that may be
//! minting calls with the members replay needs (unjudged, duplicates kept), and says where a file could
//! not be read. What a record means (which principal, which request, or why it cannot be replayed) is
//! decided by the interpretation above it.

pub mod loose;
pub mod stream;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::source::discover::{Discovered, FileFilter, MissingPath, discover};

pub use loose::{Loose, Member, Number};
pub use stream::{EVENT_NAME, EVENT_SOURCE, read_file, read_stream};

/// The limits on one events file (DESIGN §9.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventLimits {
    /// The most bytes read from one file, counted after decompression (so a small gzip member cannot expand
    /// without bound). Default 4 GiB, `--max-input-size`.
    pub file: u64,
    /// The most bytes one record (or lookup-events entry, or EventBridge event) may take. CloudTrail's own
    /// records are a few kilobytes; the limit bounds what one hostile string can make the reader hold.
    pub record: u64,
}

impl EventLimits {
    pub const DEFAULT_FILE: u64 = 4 * 1024 * 1024 * 1024;
    pub const DEFAULT_RECORD: u64 = 16 * 1024 * 1024;
}

impl Default for EventLimits {
    fn default() -> Self {
        EventLimits { file: Self::DEFAULT_FILE, record: Self::DEFAULT_RECORD }
    }
}

/// How a record reached the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Delivery {
    /// An element of `Records` (a trail's S3 object).
    Records,
    /// An entry of `aws cloudtrail lookup-events` output (`Events[].CloudTrailEvent`).
    LookupEvents,
    /// The `detail` of an EventBridge event.
    EventBridge,
    /// A record on its own: a JSON line, or an element of a top-level array.
    Line,
}

impl Delivery {
    pub fn describe(self) -> &'static str {
        match self {
            Delivery::Records => "an S3 object's `Records`",
            Delivery::LookupEvents => "lookup-events `CloudTrailEvent`",
            Delivery::EventBridge => "an EventBridge event's `detail`",
            Delivery::Line => "a JSON line",
        }
    }
}

/// How a record's member names are spelt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Spelling {
    /// CloudTrail's own lowerCamelCase (`eventName`, `sourceIPAddress`).
    Camel,
    /// All lowercase, as Athena's CloudTrail table exports them (`eventname`, `sourceipaddress`).
    Lower,
    /// Both in one record.
    Mixed,
}

/// The top-level record members replay reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    EventId,
    EventTime,
    EventSource,
    EventName,
    AwsRegion,
    SourceIpAddress,
    VpcEndpointId,
    VpcEndpointAccountId,
    UserIdentity,
    RequestParameters,
    ErrorCode,
    ErrorMessage,
}

impl Field {
    pub const ALL: [Field; 12] = [
        Field::EventId,
        Field::EventTime,
        Field::EventSource,
        Field::EventName,
        Field::AwsRegion,
        Field::SourceIpAddress,
        Field::VpcEndpointId,
        Field::VpcEndpointAccountId,
        Field::UserIdentity,
        Field::RequestParameters,
        Field::ErrorCode,
        Field::ErrorMessage,
    ];

    /// CloudTrail's name of the member (reference §1), and Athena's lowercase column name.
    pub fn names(self) -> [&'static str; 2] {
        match self {
            Field::EventId => ["eventID", "eventid"],
            Field::EventTime => ["eventTime", "eventtime"],
            Field::EventSource => ["eventSource", "eventsource"],
            Field::EventName => ["eventName", "eventname"],
            Field::AwsRegion => ["awsRegion", "awsregion"],
            Field::SourceIpAddress => ["sourceIPAddress", "sourceipaddress"],
            Field::VpcEndpointId => ["vpcEndpointId", "vpcendpointid"],
            Field::VpcEndpointAccountId => ["vpcEndpointAccountId", "vpcendpointaccountid"],
            Field::UserIdentity => ["userIdentity", "useridentity"],
            Field::RequestParameters => ["requestParameters", "requestparameters"],
            Field::ErrorCode => ["errorCode", "errorcode"],
            Field::ErrorMessage => ["errorMessage", "errormessage"],
        }
    }

    /// CloudTrail's name, for messages.
    pub fn name(self) -> &'static str {
        self.names()[0]
    }

    /// The field a member name spells, and how.
    pub fn from_name(name: &str) -> Option<(Field, Spelling)> {
        Field::ALL.iter().find_map(|&f| {
            let [camel, lower] = f.names();
            if name == camel {
                Some((f, Spelling::Camel))
            } else if name == lower {
                Some((f, Spelling::Lower))
            } else {
                None
            }
        })
    }
}

/// A record that may be a `GetWebIdentityToken` call: its `eventName` is that call (and its `eventSource`
/// STS, when given), or it names no event at all.
#[derive(Clone, Debug, PartialEq)]
pub struct RawRecord {
    pub delivery: Delivery,
    pub spelling: Spelling,
    /// Its 0-based position among all the events of its file.
    pub ordinal: u64,
    /// The members read, in document order, duplicates kept.
    pub fields: Vec<(Field, Loose)>,
    /// The lookup-events entry's `EventId` (the same value as the record's `eventID`).
    pub lookup_event_id: Option<String>,
    /// Why the record itself could not be read (a `CloudTrailEvent` string that is not a record).
    pub unreadable: Option<String>,
}

impl RawRecord {
    /// A member of the record.
    pub fn get(&self, field: Field) -> Member<'_> {
        let mut found = self.fields.iter().filter(|(f, _)| *f == field);
        match (found.next(), found.next()) {
            (None, _) => Member::Absent,
            (Some((_, v)), None) => Member::Present(v),
            (Some(_), Some(_)) => Member::Duplicate,
        }
    }

    /// The event id to name the record by: its `eventID`, else the lookup entry's `EventId`.
    pub fn event_id(&self) -> Option<&str> {
        match self.get(Field::EventId) {
            Member::Present(Loose::Str(id)) => Some(id),
            _ => self.lookup_event_id.as_deref(),
        }
    }
}

/// What reading one file counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Every event read (records, lookup entries, EventBridge events), minting or not.
    pub events: u64,
    /// Events that record another call.
    pub ignored: u64,
    /// JSON objects that are no event at all (a CloudTrail digest file, a stray object in an array).
    pub unrecognized: u64,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, other: Tally) {
        self.events += other.events;
        self.ignored += other.ignored;
        self.unrecognized += other.unrecognized;
    }
}

/// The result of reading one file.
#[derive(Debug, Default)]
pub struct FileRead {
    pub tally: Tally,
    /// It was gzip'd.
    pub compressed: bool,
    /// Where reading stopped early; the records before it were read.
    pub error: Option<ReadError>,
}

/// Why a file could not be read to its end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    Io(String),
    NotARegularFile,
    /// It does not start like JSON (nor gzip'd JSON).
    NotEvents,
    Syntax {
        message: String,
        line: u64,
        column: u64,
    },
    TooLarge {
        limit: u64,
        compressed: bool,
    },
    RecordTooLarge {
        limit: u64,
        line: u64,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::NotARegularFile => f.write_str("not a regular file"),
            ReadError::NotEvents => f.write_str("not CloudTrail events: the file is neither JSON nor gzip'd JSON"),
            ReadError::Syntax { message, line, column } => write!(f, "{message} at line {line}, column {column}"),
            ReadError::TooLarge { limit, compressed: false } => {
                write!(f, "events file over the {} limit", size(*limit))
            }
            ReadError::TooLarge { limit, compressed: true } => {
                write!(f, "events file decompresses to more than the {} limit", size(*limit))
            }
            ReadError::RecordTooLarge { limit, line } => {
                write!(f, "one record takes more than {} (at line {line})", size(*limit))
            }
        }
    }
}

impl ReadError {
    /// How to fix it.
    pub fn help(&self) -> Option<&'static str> {
        match self {
            ReadError::TooLarge { .. } => {
                Some("split the file, or raise the limit with `--max-input-size` or `[limits] input` in mintlint.toml")
            }
            ReadError::NotEvents => Some(
                "replay reads S3 objects of a trail (`{\"Records\": [...]}`, gzip'd or not), `aws cloudtrail \
                 lookup-events` output and JSON lines of records",
            ),
            ReadError::Syntax { .. } => Some("a truncated download ends this way: fetch the file again"),
            _ => None,
        }
    }
}

/// The files under the `--events` paths: a named file is always read; a directory is walked (every file,
/// whatever its name: trail objects end in `.json.gz`, Athena's in `.gz` or nothing), skipping what
/// [`discover`] skips.
pub fn discover_events(paths: &[PathBuf]) -> Result<Discovered, MissingPath> {
    let filter = FileFilter::new(&["**/*"], &[]).unwrap_or_default();
    discover(paths, &filter)
}

/// Whether the file was named on the command line (rather than found by walking a directory): a named
/// file that is not events is an error, a walked one is only noted.
pub fn named(path: &Path, paths: &[PathBuf]) -> bool {
    paths.iter().any(|p| p == path)
}

/// A byte count as a person reads a limit: `4 GiB`, `16 MiB`, else bytes.
fn size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    UNITS
        .iter()
        .find(|(unit, _)| bytes >= *unit && bytes.is_multiple_of(*unit))
        .map_or_else(|| format!("{bytes} bytes"), |(unit, name)| format!("{} {name}", bytes / unit))
}
