//! The streaming reader: one pass over a file (gzip'd or not) with serde_json's reader-based deserializer,
//! handing each record that may be a `GetWebIdentityToken` call to a sink as soon as it is read. Nothing
//! but the record being read is held, so memory stays flat however many events a file has; other events
//! are only counted, and their large members (request parameters, resources) are skipped without being
//! buffered.
//!
//! A file is a sequence of JSON values separated by whitespace (one value for an S3 object or
//! `lookup-events` output, one per line for JSON lines). Each top-level value is dispatched by its
//! members: `Records` (S3 delivery), `Events` (lookup-events), `detail` with `detail-type` (EventBridge),
//! or the members of a record itself (a JSON line, camelCase or Athena's lowercase). A top-level array
//! holds such values (`jq '.Records'`).

use std::cell::Cell;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::loose::Loose;
use super::{Delivery, EventLimits, Field, FileRead, RawRecord, ReadError, Spelling, Tally};

/// The name of the one API call replay reads.
pub const EVENT_NAME: &str = "GetWebIdentityToken";
/// The service that records it.
pub const EVENT_SOURCE: &str = "sts.amazonaws.com";

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const UTF8_BOM: [u8; 3] = [0xef, 0xbb, 0xbf];

/// The visits of every JSON scalar, all answered by one expression of `this` (the visitor).
macro_rules! scalars {
    (|$this:ident| $answer:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            let $this = self;
            $answer
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            let $this = self;
            $answer
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            let $this = self;
            $answer
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            let $this = self;
            $answer
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            let $this = self;
            $answer
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            let $this = self;
            $answer
        }
    };
}

/// Read one events file, calling `sink` with every record that may record a `GetWebIdentityToken` call.
/// Records read before an error in the file are kept (the sink has them); the error says where reading
/// stopped.
pub fn read_file(path: &Path, limits: &EventLimits, sink: &mut dyn FnMut(RawRecord)) -> FileRead {
    let mut read = FileRead::default();
    // Checked before opening: opening a FIFO would wait for a writer.
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            read.error = Some(ReadError::NotARegularFile);
            return read;
        }
        Ok(m) if m.len() > limits.file => {
            read.error = Some(ReadError::TooLarge { limit: limits.file, compressed: false });
            return read;
        }
        Ok(_) => {}
        Err(e) => {
            read.error = Some(ReadError::Io(e.to_string()));
            return read;
        }
    }
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            read.error = Some(ReadError::Io(e.to_string()));
            return read;
        }
    };
    let mut raw = BufReader::with_capacity(64 * 1024, file);
    let gzip = match raw.fill_buf() {
        Ok(head) => head.starts_with(&GZIP_MAGIC),
        Err(e) => {
            read.error = Some(ReadError::Io(e.to_string()));
            return read;
        }
    };
    read.compressed = gzip;
    let result = if gzip {
        let decoded = BufReader::with_capacity(64 * 1024, flate2::bufread::MultiGzDecoder::new(raw));
        read_stream(decoded, limits, true, sink, &mut read.tally)
    } else {
        read_stream(raw, limits, false, sink, &mut read.tally)
    };
    read.error = result.err();
    read
}

/// Read the JSON values of a stream (decompressed already).
pub fn read_stream<R: BufRead>(
    input: R,
    limits: &EventLimits,
    compressed: bool,
    sink: &mut dyn FnMut(RawRecord),
    tally: &mut Tally,
) -> Result<(), ReadError> {
    let position = Rc::new(Position::default());
    let mut reader = CountingReader { inner: input, position: Rc::clone(&position), limits: *limits, compressed };
    reader.skip_bom().map_err(|e| reader.error(e))?;
    let mut first = true;
    loop {
        let next = reader.skip_whitespace().map_err(|e| reader.error(e))?;
        let Some(byte) = next else { return Ok(()) };
        if byte != b'{' && byte != b'[' {
            if first {
                return Err(ReadError::NotEvents);
            }
            return Err(ReadError::Syntax {
                message: "expected a JSON object or array".to_owned(),
                line: position.line.get(),
                column: position.column.get(),
            });
        }
        first = false;
        let (line_base, column_base) = (position.line.get(), position.column.get());
        let mut ctx = Ctx { sink, tally, position: Rc::clone(&position) };
        let mut de = serde_json::Deserializer::from_reader(&mut reader);
        let outcome = TopSeed { ctx: &mut ctx, in_array: false }.deserialize(&mut de);
        if let Err(e) = outcome {
            if let Some(hit) = position.limit_hit.take() {
                return Err(hit);
            }
            if e.is_io() {
                return Err(ReadError::Io(e.to_string()));
            }
            // serde_json counts from where this value started; make it a position in the file.
            let (line, column) = match e.line() {
                0 => (position.line.get(), position.column.get()),
                1 => (line_base, column_base + e.column().saturating_sub(1) as u64),
                l => (line_base + l as u64 - 1, e.column() as u64),
            };
            return Err(ReadError::Syntax { message: strip_position(&e.to_string()), line, column });
        }
    }
}

/// serde_json appends ` at line L column C` relative to the value; the caller states the file position.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message.get(..i).unwrap_or(message).to_owned(),
        None => message.to_owned(),
    }
}

/// Where the reader is, and where the record being read began.
#[derive(Default)]
struct Position {
    /// Bytes of (decompressed) input consumed.
    consumed: Cell<u64>,
    /// 1-based line and column of the next byte.
    line: Cell<u64>,
    column: Cell<u64>,
    record_start: Cell<u64>,
    limit_hit: Cell<Option<ReadError>>,
}

/// Counts what the deserializer consumes, and stops it at the file and record limits: the byte that would
/// exceed one is an I/O error, so a hostile file can neither fill memory with one long string nor keep the
/// reader busy past the limit (a small gzip member can expand to gigabytes).
struct CountingReader<R> {
    inner: R,
    position: Rc<Position>,
    limits: EventLimits,
    compressed: bool,
}

impl<R: BufRead> CountingReader<R> {
    #[inline]
    fn advance(&self, bytes: &[u8]) -> io::Result<()> {
        let p = &self.position;
        if p.line.get() == 0 {
            p.line.set(1);
            p.column.set(1);
        }
        let consumed = p.consumed.get() + bytes.len() as u64;
        p.consumed.set(consumed);
        for &b in bytes {
            if b == b'\n' {
                p.line.set(p.line.get() + 1);
                p.column.set(1);
            } else if b & 0xc0 != 0x80 {
                // Columns count characters: UTF-8 continuation bytes do not start one.
                p.column.set(p.column.get() + 1);
            }
        }
        let hit = if consumed > self.limits.file {
            Some(ReadError::TooLarge { limit: self.limits.file, compressed: self.compressed })
        } else if consumed - p.record_start.get() > self.limits.record {
            Some(ReadError::RecordTooLarge { limit: self.limits.record, line: p.line.get() })
        } else {
            None
        };
        match hit {
            Some(hit) => {
                let message = hit.to_string();
                p.limit_hit.set(Some(hit));
                Err(io::Error::other(message))
            }
            None => Ok(()),
        }
    }

    fn skip_bom(&mut self) -> io::Result<()> {
        if self.inner.fill_buf()?.starts_with(&UTF8_BOM) {
            self.inner.consume(UTF8_BOM.len());
            self.position.consumed.set(UTF8_BOM.len() as u64);
        }
        Ok(())
    }

    /// Skip JSON whitespace before the next value; the next byte, or `None` at the end of the input.
    fn skip_whitespace(&mut self) -> io::Result<Option<u8>> {
        loop {
            let buffer = self.inner.fill_buf()?;
            if buffer.is_empty() {
                return Ok(None);
            }
            let blank = buffer.iter().take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')).count();
            if let Some(&next) = buffer.get(blank) {
                let skipped = buffer.get(..blank).unwrap_or_default().to_vec();
                self.inner.consume(blank);
                self.advance(&skipped)?;
                self.position.record_start.set(self.position.consumed.get());
                return Ok(Some(next));
            }
            let skipped = buffer.to_vec();
            self.inner.consume(skipped.len());
            self.advance(&skipped)?;
        }
    }

    fn error(&self, e: io::Error) -> ReadError {
        self.position.limit_hit.take().unwrap_or_else(|| ReadError::Io(e.to_string()))
    }
}

impl<R: BufRead> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // serde_json reads a stream one byte at a time: take it from the buffer directly.
        if let [slot] = buf {
            let Some(&byte) = self.inner.fill_buf()?.first() else { return Ok(0) };
            *slot = byte;
            self.inner.consume(1);
            self.advance(std::slice::from_ref(slot))?;
            return Ok(1);
        }
        let n = self.inner.read(buf)?;
        self.advance(buf.get(..n).unwrap_or_default())?;
        Ok(n)
    }
}

/// What every seed of one top-level value shares.
struct Ctx<'a> {
    sink: &'a mut dyn FnMut(RawRecord),
    tally: &'a mut Tally,
    position: Rc<Position>,
}

impl Ctx<'_> {
    /// A record (or anything that holds one) starts: the record limit counts from here.
    fn start_record(&self) {
        self.position.record_start.set(self.position.consumed.get());
    }

    /// One event read: counted, and handed on when it may record a minting call.
    fn event(&mut self, record: Option<RecordBuilder>, delivery: Delivery, lookup: LookupFacts) {
        let ordinal = self.tally.events;
        self.tally.events += 1;
        let outer_says_other = lookup.name.as_ref().is_some_and(|n| n.as_str() != Some(EVENT_NAME));
        let record = match record {
            Some(r) if !outer_says_other => r,
            _ if lookup.unreadable.is_some() && !outer_says_other => RecordBuilder::default(),
            _ => {
                self.tally.ignored += 1;
                return;
            }
        };
        if !record.may_be_minting() && lookup.unreadable.is_none() {
            self.tally.ignored += 1;
            return;
        }
        (self.sink)(RawRecord {
            delivery,
            spelling: record.spelling(),
            ordinal,
            fields: record.fields,
            lookup_event_id: lookup.event_id,
            unreadable: lookup.unreadable,
        });
    }
}

/// A top-level value (or an element of a top-level array).
struct TopSeed<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    in_array: bool,
}

impl<'de> DeserializeSeed<'de> for TopSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CloudTrail record, a `Records` or `Events` object, or an array of them")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        self.ctx.start_record();
        let object = read_object(map, Some(&mut *self.ctx))?;
        if object.container {
            return Ok(());
        }
        match (object.detail, object.detail_type) {
            (Some(detail), true) => self.ctx.event(detail, Delivery::EventBridge, LookupFacts::default()),
            _ if object.record.is_record() => {
                self.ctx.event(Some(object.record), Delivery::Line, LookupFacts::default())
            }
            _ => self.ctx.tally.unrecognized += 1,
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.in_array {
            self.ctx.tally.unrecognized += 1;
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(());
        }
        while seq.next_element_seed(TopSeed { ctx: &mut *self.ctx, in_array: true })?.is_some() {}
        Ok(())
    }

    // An element of an array that is not an object is not an event; a top-level scalar ends the file.
    scalars!(|this| this.scalar());
}

impl TopSeed<'_, '_> {
    fn scalar<E: de::Error>(self) -> Result<(), E> {
        if self.in_array {
            self.ctx.tally.unrecognized += 1;
            Ok(())
        } else {
            Err(E::custom("expected a JSON object or array at the top level"))
        }
    }
}

/// What one object turned out to hold.
#[derive(Default)]
struct ObjectRead {
    record: RecordBuilder,
    /// `Records` or `Events` was read (its events already handed on).
    container: bool,
    /// `detail`: the record it holds (`None`: not an object).
    detail: Option<Option<RecordBuilder>>,
    detail_type: bool,
}

/// Read an object's members: record members into a builder; with a context, also the containers whose
/// elements are events of their own.
fn read_object<'de, A: MapAccess<'de>>(mut map: A, mut ctx: Option<&mut Ctx<'_>>) -> Result<ObjectRead, A::Error> {
    let mut read = ObjectRead::default();
    while let Some(key) = map.next_key_seed(KeySeed)? {
        match (key, ctx.as_deref_mut()) {
            (Key::Records, Some(ctx)) => {
                map.next_value_seed(ElementsSeed { ctx, lookup: false })?;
                read.container = true;
            }
            (Key::Events, Some(ctx)) => {
                map.next_value_seed(ElementsSeed { ctx, lookup: true })?;
                read.container = true;
            }
            (Key::Detail, Some(_)) => read.detail = Some(map.next_value_seed(RecordSeed)?),
            (Key::DetailType, Some(_)) => {
                read.detail_type = true;
                map.next_value::<IgnoredAny>()?;
            }
            (Key::Field(field, spelling), _) if read.record.wants(field) => {
                let value = map.next_value::<Loose>()?;
                read.record.push(field, spelling, value);
            }
            (Key::Field(_, spelling), _) => {
                read.record.mark(spelling);
                map.next_value::<IgnoredAny>()?;
            }
            (Key::Marker(spelling), _) => {
                read.record.mark(spelling);
                map.next_value::<IgnoredAny>()?;
            }
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    Ok(read)
}

/// A nested record (`detail`, a `lookup-events` entry's `CloudTrailEvent`): `None` when not an object.
struct RecordSeed;

impl<'de> DeserializeSeed<'de> for RecordSeed {
    type Value = Option<RecordBuilder>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed {
    type Value = Option<RecordBuilder>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CloudTrail record")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let read = read_object(map, None)?;
        Ok(read.record.is_record().then_some(read.record))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    scalars!(|_this| Ok(None));
}

/// The array under `Records` (records) or `Events` (lookup-events entries).
struct ElementsSeed<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    lookup: bool,
}

impl<'de> DeserializeSeed<'de> for ElementsSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ElementsSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.lookup { "an array of lookup-events entries" } else { "an array of records" })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            self.ctx.start_record();
            let element = if self.lookup {
                seq.next_element_seed(LookupEntrySeed)?.map(|entry| entry.map(LookupEntry::resolve))
            } else {
                seq.next_element_seed(RecordSeed)?.map(|record| record.map(|r| (Some(r), LookupFacts::default())))
            };
            let delivery = if self.lookup { Delivery::LookupEvents } else { Delivery::Records };
            match element {
                None => return Ok(()),
                Some(Some((record, facts))) => self.ctx.event(record, delivery, facts),
                Some(None) => self.ctx.tally.unrecognized += 1,
            }
        }
    }
}

/// One entry of `aws cloudtrail lookup-events` output: the record is the JSON string `CloudTrailEvent`.
#[derive(Default)]
struct LookupEntry {
    event_id: Option<String>,
    name: Option<Loose>,
    cloudtrail_event: Option<Loose>,
}

/// What the lookup entry itself says, beside the record.
#[derive(Default)]
struct LookupFacts {
    /// The entry's `EventId`.
    event_id: Option<String>,
    /// The entry's `EventName`, which tells other events apart without parsing their record.
    name: Option<Loose>,
    /// Why `CloudTrailEvent` could not be read.
    unreadable: Option<String>,
}

impl LookupEntry {
    fn resolve(self) -> (Option<RecordBuilder>, LookupFacts) {
        let mut facts = LookupFacts { event_id: self.event_id, name: self.name, unreadable: None };
        if facts.name.as_ref().is_some_and(|n| n.as_str() != Some(EVENT_NAME)) {
            return (None, facts);
        }
        let record = match self.cloudtrail_event {
            Some(Loose::Str(text)) => {
                let mut de = serde_json::Deserializer::from_str(&text);
                match RecordSeed.deserialize(&mut de).and_then(|r| de.end().map(|()| r)) {
                    Ok(Some(record)) => Some(record),
                    Ok(None) => {
                        facts.unreadable = Some("`CloudTrailEvent` does not hold a CloudTrail record".to_owned());
                        None
                    }
                    Err(e) => {
                        facts.unreadable = Some(format!("`CloudTrailEvent` is not valid JSON: {e}"));
                        None
                    }
                }
            }
            Some(other) => {
                facts.unreadable =
                    Some(format!("`CloudTrailEvent` is {}, not the record as a JSON string", other.type_name()));
                None
            }
            None => {
                facts.unreadable = Some("the entry has no `CloudTrailEvent`".to_owned());
                None
            }
        };
        (record, facts)
    }
}

struct LookupEntrySeed;

impl<'de> DeserializeSeed<'de> for LookupEntrySeed {
    type Value = Option<LookupEntry>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for LookupEntrySeed {
    type Value = Option<LookupEntry>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a lookup-events entry")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entry = LookupEntry::default();
        while let Some(key) = map.next_key::<LookupKey>()? {
            match key {
                LookupKey::EventId => entry.event_id = map.next_value::<Loose>()?.as_str().map(str::to_owned),
                LookupKey::EventName => entry.name = Some(map.next_value()?),
                LookupKey::CloudTrailEvent => entry.cloudtrail_event = Some(map.next_value()?),
                LookupKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Some(entry))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    scalars!(|_this| Ok(None));
}

/// The members of a lookup-events entry that replay reads (the AWS CLI writes them in PascalCase).
enum LookupKey {
    EventId,
    EventName,
    CloudTrailEvent,
    Other,
}

impl<'de> serde::Deserialize<'de> for LookupKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = LookupKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LookupKey, E> {
                Ok(match v {
                    "EventId" => LookupKey::EventId,
                    "EventName" => LookupKey::EventName,
                    "CloudTrailEvent" => LookupKey::CloudTrailEvent,
                    _ => LookupKey::Other,
                })
            }
        }
        d.deserialize_str(V)
    }
}

/// A member name, classified without allocating.
enum Key {
    Records,
    Events,
    Detail,
    DetailType,
    /// A record member replay reads.
    Field(Field, Spelling),
    /// A record member replay does not read, which still marks the object as a record.
    Marker(Spelling),
    Other,
}

/// Record members that replay does not read but only CloudTrail records have: an object with one of them
/// and none of [`Field`] is still a record (one that lacks what replay needs).
const MARKERS: &[(&str, &str)] = &[
    ("eventVersion", "eventversion"),
    ("eventType", "eventtype"),
    ("userAgent", "useragent"),
    ("requestID", "requestid"),
    ("responseElements", "responseelements"),
    ("eventCategory", "eventcategory"),
];

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(match v {
            "Records" => Key::Records,
            "Events" => Key::Events,
            "detail" => Key::Detail,
            "detail-type" => Key::DetailType,
            _ => {
                if let Some((field, spelling)) = Field::from_name(v) {
                    Key::Field(field, spelling)
                } else if let Some((camel, _)) = MARKERS.iter().find(|(c, l)| v == *c || v == *l) {
                    Key::Marker(if v == *camel { Spelling::Camel } else { Spelling::Lower })
                } else {
                    Key::Other
                }
            }
        })
    }
}

/// The record members read so far, and how they were spelt.
#[derive(Default)]
pub(super) struct RecordBuilder {
    fields: Vec<(Field, Loose)>,
    camel: bool,
    lower: bool,
    marked: bool,
    /// An `eventName` or `eventSource` that rules the record out was read: later members are skipped.
    other: bool,
    named_minting: bool,
}

impl RecordBuilder {
    /// Whether to keep a member's value: everything until the record is known to be another event; after
    /// that nothing, so another event's large members are never buffered.
    fn wants(&self, field: Field) -> bool {
        !self.other || matches!(field, Field::EventName | Field::EventSource)
    }

    fn mark(&mut self, spelling: Spelling) {
        self.marked = true;
        match spelling {
            Spelling::Camel => self.camel = true,
            Spelling::Lower => self.lower = true,
            Spelling::Mixed => {}
        }
    }

    fn push(&mut self, field: Field, spelling: Spelling, value: Loose) {
        self.mark(spelling);
        match field {
            Field::EventName => match value.as_str() {
                Some(EVENT_NAME) => self.named_minting = true,
                _ => self.other = true,
            },
            Field::EventSource if value.as_str() != Some(EVENT_SOURCE) => self.other = true,
            _ => {}
        }
        self.fields.push((field, value));
    }

    fn is_record(&self) -> bool {
        self.marked
    }

    /// A record of a `GetWebIdentityToken` call, or one that names no event at all (which replay lists as
    /// skipped rather than ignore: it may be one). Only a record whose `eventName` is this call and whose
    /// `eventSource` (when present) is STS; a duplicate member that says otherwise keeps the record, and the
    /// interpretation skips it with the reason.
    fn may_be_minting(&self) -> bool {
        let named = self.fields.iter().any(|(f, _)| *f == Field::EventName);
        let sources: Vec<&Loose> =
            self.fields.iter().filter(|(f, _)| *f == Field::EventSource).map(|(_, v)| v).collect();
        let source_ok = sources.is_empty() || sources.iter().any(|s| s.as_str() == Some(EVENT_SOURCE));
        (self.named_minting || !named) && source_ok
    }

    fn spelling(&self) -> Spelling {
        match (self.camel, self.lower) {
            (true, true) => Spelling::Mixed,
            (false, true) => Spelling::Lower,
            _ => Spelling::Camel,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::super::{Member, Number};
    use super::*;

    const MINT: &str = r#"{"eventVersion":"1.11","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/payments/i-0abc","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/payments"}}},"eventTime":"2026-03-03T07:00:00Z","eventSource":"sts.amazonaws.com","eventName":"GetWebIdentityToken","awsRegion":"eu-west-1","sourceIPAddress":"10.0.1.17","requestParameters":{"audience":["https://payments.example"],"durationSeconds":600,"signingAlgorithm":"ES384"},"responseElements":{"webIdentityTokenId":"t-1"},"eventID":"11111111-1111-4111-8111-111111111111","vpcEndpointId":"vpce-0abc"}"#;
    const OTHER: &str = r#"{"eventVersion":"1.11","userIdentity":{"type":"AssumedRole"},"eventTime":"2026-03-03T07:01:00Z","eventSource":"s3.amazonaws.com","eventName":"PutObject","requestParameters":{"bucketName":"b","key":"k"},"eventID":"22222222-2222-4222-8222-222222222222"}"#;

    fn read(text: &[u8]) -> (Vec<RawRecord>, Tally, Result<(), ReadError>) {
        read_with(text, &EventLimits::default())
    }

    fn read_with(text: &[u8], limits: &EventLimits) -> (Vec<RawRecord>, Tally, Result<(), ReadError>) {
        let mut records = Vec::new();
        let mut tally = Tally::default();
        let result = read_stream(text, limits, false, &mut |r| records.push(r), &mut tally);
        (records, tally, result)
    }

    fn str_field(r: &RawRecord, f: Field) -> Option<&str> {
        match r.get(f) {
            Member::Present(v) => v.as_str(),
            _ => None,
        }
    }

    #[test]
    fn s3_object_hands_on_minting_records_and_counts_the_others() {
        let text = format!(r#"{{"Records":[{MINT},{OTHER},{MINT}]}}"#);
        let (records, tally, result) = read(text.as_bytes());
        assert_eq!(result, Ok(()));
        assert_eq!(tally, Tally { events: 3, ignored: 1, unrecognized: 0 });
        assert_eq!(records.len(), 2);
        let r = &records[0];
        assert_eq!((r.delivery, r.spelling, r.ordinal), (Delivery::Records, Spelling::Camel, 0));
        assert_eq!(records[1].ordinal, 2);
        assert_eq!(r.event_id(), Some("11111111-1111-4111-8111-111111111111"));
        assert_eq!(str_field(r, Field::VpcEndpointId), Some("vpce-0abc"));
        let Member::Present(params) = r.get(Field::RequestParameters) else { panic!("no parameters") };
        assert_eq!(params.member(&["durationSeconds"]), Member::Present(&Loose::Number(Number::Unsigned(600))));
    }

    #[test]
    fn gzip_files_are_read_through() {
        let text = format!(r#"{{"Records":[{MINT},{OTHER}]}}"#);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text.as_bytes()).unwrap();
        let dir = std::env::temp_dir().join(format!("mintlint-events-gz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("111122223333_CloudTrail_eu-west-1_20260303T0705Z_abc.json.gz");
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        let mut records = Vec::new();
        let read = read_file(&path, &EventLimits::default(), &mut |r| records.push(r));
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(read.error, None);
        assert!(read.compressed);
        assert_eq!(read.tally, Tally { events: 2, ignored: 1, unrecognized: 0 });
        assert_eq!(records.len(), 1);
    }

    #[test]
    fn lookup_events_entries_parse_the_record_string() {
        let entry = |name: &str, id: &str, record: &str| {
            format!(
                r#"{{"EventId":"{id}","EventName":"{name}","ReadOnly":"true","EventTime":"2026-03-03T07:00:00+00:00","EventSource":"sts.amazonaws.com","Username":"i-0abc","Resources":[],"CloudTrailEvent":{}}}"#,
                serde_json::to_string(record).unwrap()
            )
        };
        let text = format!(
            r#"{{"Events":[{},{},{},{{"EventId":"e-4","EventName":"GetWebIdentityToken"}}],"NextToken":"x"}}"#,
            entry("GetWebIdentityToken", "11111111-1111-4111-8111-111111111111", MINT),
            entry("PutObject", "e-2", "not even JSON"),
            entry("GetWebIdentityToken", "e-3", "{\"eventName\": "),
        );
        let (records, tally, result) = read(text.as_bytes());
        assert_eq!(result, Ok(()));
        assert_eq!(tally, Tally { events: 4, ignored: 1, unrecognized: 0 });
        assert_eq!(records.len(), 3);
        assert_eq!(records[0].delivery, Delivery::LookupEvents);
        assert_eq!(records[0].unreadable, None);
        assert_eq!(str_field(&records[0], Field::EventName), Some(EVENT_NAME));
        assert_eq!(records[1].event_id(), Some("e-3"));
        assert!(records[1].unreadable.as_deref().unwrap().starts_with("`CloudTrailEvent` is not valid JSON"));
        assert_eq!(records[2].unreadable.as_deref(), Some("the entry has no `CloudTrailEvent`"));
    }

    #[test]
    fn json_lines_of_records_eventbridge_events_and_athena_rows() {
        let bridge = format!(
            r#"{{"version":"0","id":"eb-1","detail-type":"AWS API Call via CloudTrail","source":"aws.sts","account":"111122223333","time":"2026-03-03T07:00:00Z","region":"eu-west-1","resources":[],"detail":{MINT}}}"#
        );
        let other_bridge = r#"{"version":"0","id":"eb-2","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{"instance-id":"i-1","state":"running"}}"#;
        let athena = r#"{"eventversion":"1.11","useridentity":{"type":"AssumedRole","sessioncontext":{"sessionissuer":{"arn":"arn:aws:iam::111122223333:role/payments"}}},"eventtime":"2026-03-03T07:00:00Z","eventsource":"sts.amazonaws.com","eventname":"GetWebIdentityToken","awsregion":"eu-west-1","requestparameters":"{\"audience\":[\"a\"],\"signingAlgorithm\":\"RS256\"}","eventid":"e-athena"}"#;
        let text = format!("{MINT}\n{OTHER}\r\n\n{bridge}\n{other_bridge}\n{athena}\n");
        let (records, tally, result) = read(text.as_bytes());
        assert_eq!(result, Ok(()));
        assert_eq!(tally, Tally { events: 5, ignored: 2, unrecognized: 0 });
        let shapes: Vec<(Delivery, Spelling, u64)> =
            records.iter().map(|r| (r.delivery, r.spelling, r.ordinal)).collect();
        assert_eq!(
            shapes,
            [
                (Delivery::Line, Spelling::Camel, 0),
                (Delivery::EventBridge, Spelling::Camel, 2),
                (Delivery::Line, Spelling::Lower, 4)
            ]
        );
        assert_eq!(
            records[2].get(Field::RequestParameters),
            Member::Present(&Loose::Str(r#"{"audience":["a"],"signingAlgorithm":"RS256"}"#.into()))
        );
    }

    #[test]
    fn a_top_level_array_holds_records() {
        let text = format!("[{MINT}, {OTHER}, 3, [1]]");
        let (records, tally, result) = read(text.as_bytes());
        assert_eq!(result, Ok(()));
        assert_eq!(tally, Tally { events: 2, ignored: 1, unrecognized: 2 });
        assert_eq!(records.len(), 1);
    }

    #[test]
    fn objects_that_are_no_event_are_counted_apart() {
        // A CloudTrail digest file sits beside the logs in the trail's bucket.
        let digest = r#"{"awsAccountId":"111122223333","digestStartTime":"2026-03-03T06:00:00Z","logFiles":[]}"#;
        let (records, tally, result) = read(digest.as_bytes());
        assert_eq!(result, Ok(()));
        assert!(records.is_empty());
        assert_eq!(tally, Tally { events: 0, ignored: 0, unrecognized: 1 });
    }

    #[test]
    fn a_record_naming_no_event_is_handed_on_and_another_service_is_ignored() {
        let unnamed = r#"{"eventID":"e-1","eventTime":"2026-03-03T07:00:00Z","requestParameters":{"audience":["a"]}}"#;
        let foreign = r#"{"eventID":"e-2","eventName":"GetWebIdentityToken","eventSource":"example.amazonaws.com"}"#;
        let (records, tally, _) = read(format!("{unnamed}\n{foreign}").as_bytes());
        assert_eq!(tally, Tally { events: 2, ignored: 1, unrecognized: 0 });
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].event_id(), Some("e-1"));
    }

    #[test]
    fn another_events_members_after_its_name_are_not_kept() {
        let text = r#"{"eventName":"GetWebIdentityToken","eventName":"PutObject","requestParameters":{"a":1}}"#;
        let (records, _, _) = read(text.as_bytes());
        // A duplicate name keeps the record (the interpretation skips it with the reason), but nothing after
        // the other name is buffered.
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].get(Field::EventName), Member::Duplicate);
        assert_eq!(records[0].get(Field::RequestParameters), Member::Absent);
    }

    #[test]
    fn a_syntax_error_keeps_what_was_read_and_says_where() {
        let text = format!("{MINT}\n{MINT}\n{{\"eventName\": \"GetWebIdentityToken\",\n  \"eventID\": }}\n{MINT}");
        let (records, tally, result) = read(text.as_bytes());
        assert_eq!(records.len(), 2);
        assert_eq!(tally.events, 2);
        let Err(ReadError::Syntax { line, column, message }) = result else { panic!("{result:?}") };
        assert_eq!((line, column), (4, 14), "{message}");
        assert_eq!(message, "expected value");
    }

    #[test]
    fn a_syntax_error_on_a_long_first_line_counts_columns() {
        let text = format!("{{\"Records\":[{MINT},x]}}");
        let (records, _, result) = read(text.as_bytes());
        assert_eq!(records.len(), 1);
        let Err(ReadError::Syntax { line, column, .. }) = result else { panic!("{result:?}") };
        assert_eq!((line, column), (1, MINT.len() as u64 + 14));
    }

    #[test]
    fn text_that_is_not_json_is_not_events() {
        let (_, _, result) = read(b"2026-03-03 07:00:00 GetWebIdentityToken ok\n");
        assert_eq!(result, Err(ReadError::NotEvents));
        let (_, tally, result) = read(b"\xef\xbb\xbf  \n");
        assert_eq!((tally, result), (Tally::default(), Ok(())));
    }

    #[test]
    fn a_top_level_scalar_after_events_is_an_error() {
        let (records, _, result) = read(format!("{MINT}\n42\n{MINT}").as_bytes());
        assert_eq!(records.len(), 1);
        let expected = ReadError::Syntax { message: "expected a JSON object or array".into(), line: 2, column: 1 };
        assert_eq!(result, Err(expected));
    }

    #[test]
    fn the_file_limit_counts_decompressed_bytes_and_stops_the_reader() {
        let text = format!(r#"{{"Records":[{MINT},{MINT},{MINT}]}}"#);
        let limits = EventLimits { file: MINT.len() as u64 * 2, record: EventLimits::DEFAULT_RECORD };
        let (records, _, result) = read_with(text.as_bytes(), &limits);
        assert_eq!(records.len(), 1);
        assert_eq!(result, Err(ReadError::TooLarge { limit: limits.file, compressed: false }));
    }

    #[test]
    fn one_record_cannot_take_more_than_the_record_limit() {
        let long = format!(r#"{{"eventName":"GetWebIdentityToken","eventID":"{}"}}"#, "x".repeat(5000));
        let text = format!("{MINT}\n{long}\n{MINT}");
        let limits = EventLimits { file: EventLimits::DEFAULT_FILE, record: 4096 };
        let (records, _, result) = read_with(text.as_bytes(), &limits);
        assert_eq!(records.len(), 1);
        assert_eq!(result, Err(ReadError::RecordTooLarge { limit: 4096, line: 2 }));
    }

    /// An endless `Records` array: records reach the sink while the file is still being read, so memory does
    /// not grow with the number of events (the limit ends the stream).
    #[test]
    fn records_are_handed_on_while_the_file_is_read() {
        struct Endless {
            chunk: Vec<u8>,
            at: usize,
            started: bool,
        }
        impl Read for Endless {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if !self.started {
                    self.started = true;
                    let head = b"{\"Records\":[";
                    buf[..head.len()].copy_from_slice(head);
                    return Ok(head.len());
                }
                let n = (self.chunk.len() - self.at).min(buf.len());
                buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
                self.at = (self.at + n) % self.chunk.len();
                Ok(n)
            }
        }
        let chunk = format!("{MINT},{OTHER},").into_bytes();
        let input = BufReader::new(Endless { chunk, at: 0, started: false });
        let limits = EventLimits { file: 8 * 1024 * 1024, record: EventLimits::DEFAULT_RECORD };
        let mut seen = 0u64;
        let mut tally = Tally::default();
        let result = read_stream(input, &limits, false, &mut |_| seen += 1, &mut tally);
        assert!(matches!(result, Err(ReadError::TooLarge { .. })));
        assert!(seen > 3_000, "{seen}");
        assert_eq!(tally.events - tally.ignored, seen);
    }
}
