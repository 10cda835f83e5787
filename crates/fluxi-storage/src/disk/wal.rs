//! The write-ahead log: every change is appended here and made durable (`fdatasync`)
//! before the call that made it returns.
//!
//! A log file is `wal-<generation>.log`: a 24-byte header (`FLUXIWAL`, format version,
//! generation, CRC-32 of those) and then records, each (format version 2)
//!
//! ```text
//! sync marker (4 bytes) | u64 LE sequence number | u32 LE payload length |
//! u32 LE CRC-32 of (sequence number, length, payload) | payload
//! ```
//!
//! The payload's first byte is its kind (see [`Record`]): 1 create bucket, 2 delete
//! bucket, 3 line protocol, 4 points, 5 a delete of points (bucket, inclusive start and
//! stop, and the predicate's conditions). Sequence numbers start at 1 in each log and go
//! up by one per record.
//!
//! # Replay
//!
//! A record is kept when its checksum holds, its payload decodes and its number is above
//! the last kept one. Where a record fails, the replay looks for the next sync marker
//! that starts a valid record and carries on from there: damage in the middle of a log
//! loses only the records it touches, and the gap in the sequence numbers says exactly
//! how many. What follows the last valid record is either a record cut short (a write
//! torn by a crash: it was never acknowledged) or damage (a complete record whose
//! checksum fails). [`Replay`] says which; the store moves a damaged log aside instead of
//! deleting it (see `mod.rs`).
//!
//! Logs of format version 1 (records framed as `u32 length | u32 CRC | payload`, written
//! before the sync markers) are still read, up to the first bad record.

use super::io_error;
use crate::delete::{DeleteCondition, DeleteOp, DeletePredicate};
use crate::line_protocol::{FieldValue, ParseOptions, Point, Precision};
use crate::storage::{Result, StorageError};
use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"FLUXIWAL";
/// The format written.
const VERSION: u32 = 2;
/// The format before sync markers and sequence numbers.
const VERSION_1: u32 = 1;
pub(crate) const HEADER_LEN: usize = 24;
/// Version 1: length and CRC.
const FRAME_LEN_V1: usize = 8;
/// The marker every record starts with.
const SYNC: [u8; 4] = [0xF1, 0x5C, 0xA7, 0x0D];
/// Marker, sequence number, length, CRC.
const FRAME_LEN: usize = 20;

const KIND_CREATE_BUCKET: u8 = 1;
const KIND_DELETE_BUCKET: u8 = 2;
const KIND_LINE_PROTOCOL: u8 = 3;
const KIND_POINTS: u8 = 4;
const KIND_DELETE: u8 = 5;
const KIND_UPDATE_BUCKET: u8 = 6;

/// A change, as logged.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Record<'a> {
    CreateBucket {
        name: &'a str,
        retention: Option<i64>,
    },
    DeleteBucket {
        name: &'a str,
    },
    /// A batch of line protocol as it came, with the options to parse it again.
    LineProtocol {
        bucket: &'a str,
        options: ParseOptions,
        text: &'a [u8],
    },
    Points {
        bucket: &'a str,
        points: Cow<'a, [Point]>,
    },
    /// Bucket `name` is now called `new_name` (maybe the same) and keeps data for
    /// `retention`.
    UpdateBucket {
        name: &'a str,
        new_name: &'a str,
        retention: Option<i64>,
    },
    /// The points of `bucket` with `start <= time <= stop` whose series `predicate`
    /// matches, deleted.
    Delete {
        bucket: &'a str,
        start: i64,
        stop: i64,
        predicate: Cow<'a, DeletePredicate>,
    },
}

/// The name of the log file of a generation.
pub(crate) fn file_name(generation: u64) -> String {
    format!("wal-{generation:020}.log")
}

/// The generation of a log file name.
pub(crate) fn generation_of(name: &str) -> Option<u64> {
    name.strip_prefix("wal-")?
        .strip_suffix(".log")?
        .parse()
        .ok()
}

fn header(generation: u64, version: u32) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(&version.to_le_bytes());
    h[12..20].copy_from_slice(&generation.to_le_bytes());
    let crc = crc32fast::hash(&h[..20]);
    h[20..24].copy_from_slice(&crc.to_le_bytes());
    h
}

/// An open log, positioned at its end.
#[derive(Debug)]
pub(crate) struct Wal {
    file: File,
    path: PathBuf,
    /// Bytes in the file.
    len: u64,
    pub generation: u64,
    /// The sequence number of the next record.
    next_seq: u64,
    /// Set when the log cannot take more records (an old format, or damage that must be
    /// moved aside first): the store checkpoints to a new log before writing.
    sealed: bool,
}

/// A stretch of a log where no valid record could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalDamage {
    /// Where it starts, in bytes from the start of the file.
    pub offset: u64,
    /// How long it is.
    pub bytes: u64,
    /// How many acknowledged records it held: exact between two valid records (from the
    /// gap in their sequence numbers), a lower bound at the end of the log.
    pub records: u64,
    /// Whether it runs to the end of the log (no valid record after it).
    pub at_end: bool,
}

/// What replaying a log found.
#[derive(Debug, Default)]
pub(crate) struct Replay {
    /// The bytes of the log.
    pub bytes: Vec<u8>,
    /// Where the payloads of the valid records are in `bytes`, in order.
    pub records: Vec<Range<usize>>,
    /// Bytes of a record cut short at the end (a write torn by a crash, never
    /// acknowledged), cut off.
    pub truncated: u64,
    /// Where valid records end (and the torn tail, if any, starts).
    pub end: usize,
    /// The sequence number of the last valid record (0: none).
    pub last_seq: u64,
    /// Damaged stretches (acknowledged records lost).
    pub damage: Vec<WalDamage>,
    /// Whether the header was damaged (the records were found by their sync markers).
    pub bad_header: bool,
    /// Whether the log is of format version 1.
    pub legacy: bool,
}

impl Replay {
    /// Whether the log must be moved aside (it holds damage).
    pub(crate) fn damaged(&self) -> bool {
        self.bad_header || !self.damage.is_empty()
    }
}

/// What a record frame at some offset is.
enum Frame {
    /// A valid record: its sequence number, payload and where it ends.
    Good {
        seq: u64,
        payload: Range<usize>,
        end: usize,
    },
    /// A frame that runs past the end of the bytes.
    Short,
    /// Anything else.
    Bad,
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    let b = bytes.get(at..at.checked_add(8)?)?;
    let mut w = [0u8; 8];
    w.copy_from_slice(b);
    Some(u64::from_le_bytes(w))
}

/// The CRC of a version-2 record: over its sequence number, length and payload.
fn frame_crc(seq: u64, len: u32, payload: &[&[u8]]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&seq.to_le_bytes());
    h.update(&len.to_le_bytes());
    for p in payload {
        h.update(p);
    }
    h.finalize()
}

/// Reads the version-2 record frame at `pos`; valid only with a sequence number above
/// `after`.
fn frame_at(bytes: &[u8], pos: usize, after: u64) -> Frame {
    let Some(head) = pos
        .checked_add(FRAME_LEN)
        .and_then(|end| bytes.get(pos..end))
    else {
        return if bytes
            .get(pos..)
            .is_some_and(|rest| SYNC.starts_with(&rest[..rest.len().min(4)]))
        {
            Frame::Short
        } else {
            Frame::Bad
        };
    };
    if head.get(..4) != Some(&SYNC[..]) {
        return Frame::Bad;
    }
    let (Some(seq), Some(len), Some(crc)) = (u64_at(head, 4), u32_at(head, 12), u32_at(head, 16))
    else {
        return Frame::Bad;
    };
    let start = pos + FRAME_LEN;
    let Some(end) = start.checked_add(len as usize) else {
        return Frame::Bad;
    };
    let Some(payload) = bytes.get(start..end) else {
        return Frame::Short;
    };
    if len == 0
        || seq <= after
        || frame_crc(seq, len, &[payload]) != crc
        || decode(payload).is_none()
    {
        return Frame::Bad;
    }
    Frame::Good {
        seq,
        payload: start..end,
        end,
    }
}

/// The next sync marker at or after `from`.
fn find_sync(bytes: &[u8], from: usize) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(SYNC.len())
        .position(|w| w == SYNC)
        .map(|k| from + k)
}

/// Reads the records of a log's bytes (header included): the valid ones, the damaged
/// stretches between and after them, and a torn tail.
pub(crate) fn scan(bytes: &[u8], generation: u64) -> Replay {
    let mut replay = Replay::default();
    let head = bytes.get(..HEADER_LEN);
    if head == Some(&header(generation, VERSION_1)[..]) {
        scan_v1(bytes, &mut replay);
        return replay;
    }
    replay.bad_header = head != Some(&header(generation, VERSION)[..]);
    let mut pos = HEADER_LEN;
    if replay.bad_header {
        // Look for records anyway, by their sync markers.
        pos = find_sync(bytes, 0).unwrap_or(bytes.len());
    }
    let mut last = 0u64;
    // Where the current bad stretch starts, and whether its first frame was cut short.
    let mut bad: Option<(usize, bool)> = None;
    while pos < bytes.len() {
        match frame_at(bytes, pos, last) {
            Frame::Good { seq, payload, end } => {
                if let Some((from, _)) = bad.take() {
                    replay.damage.push(WalDamage {
                        offset: from as u64,
                        bytes: (pos - from) as u64,
                        records: seq - last - 1,
                        at_end: false,
                    });
                }
                replay.records.push(payload);
                last = seq;
                pos = end;
            }
            f => {
                if bad.is_none() {
                    bad = Some((pos, matches!(f, Frame::Short)));
                }
                pos = find_sync(bytes, pos + 1).unwrap_or(bytes.len());
            }
        }
    }
    replay.last_seq = last;
    replay.end = bytes.len();
    if let Some((from, short)) = bad {
        replay.end = from;
        let tail = bytes.get(from..).unwrap_or_default();
        // A crash during an append leaves a prefix of the record, or zeros where the
        // file grew before its data reached the disk.
        if short || tail.iter().all(|&b| b == 0) {
            replay.truncated = tail.len() as u64;
        } else {
            let markers = tail.windows(SYNC.len()).filter(|w| *w == SYNC).count();
            replay.damage.push(WalDamage {
                offset: from as u64,
                bytes: tail.len() as u64,
                records: markers as u64,
                at_end: true,
            });
        }
    }
    replay
}

/// Version 1: records up to the first bad one; the rest is cut off.
fn scan_v1(bytes: &[u8], replay: &mut Replay) {
    replay.legacy = true;
    let mut pos = HEADER_LEN;
    while let (Some(len), Some(crc)) = (u32_at(bytes, pos), u32_at(bytes, pos + 4)) {
        let start = pos + FRAME_LEN_V1;
        let Some(payload) = start
            .checked_add(len as usize)
            .and_then(|end| bytes.get(start..end))
        else {
            break;
        };
        if len == 0 || crc32fast::hash(payload) != crc || decode(payload).is_none() {
            break;
        }
        replay.records.push(start..start + len as usize);
        pos = start + len as usize;
    }
    replay.end = pos.min(bytes.len());
    replay.truncated = (bytes.len() - replay.end) as u64;
}

impl Wal {
    /// Creates an empty log (it must not exist) and makes it durable.
    pub(crate) fn create(dir: &Path, generation: u64) -> Result<Wal> {
        let path = dir.join(file_name(generation));
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| io_error("create the write-ahead log", &path, e))?;
        file.write_all(&header(generation, VERSION))
            .and_then(|_| file.sync_all())
            .map_err(|e| io_error("write the write-ahead log", &path, e))?;
        super::sync_dir(dir)?;
        Ok(Wal {
            file,
            path,
            len: HEADER_LEN as u64,
            generation,
            next_seq: 1,
            sealed: false,
        })
    }

    /// Opens the log of a generation, creating it when missing, and reads its valid
    /// records. A torn tail is cut off; a damaged or old-format log is left as it is and
    /// sealed (the store moves it aside and checkpoints to a new log).
    pub(crate) fn open(dir: &Path, generation: u64) -> Result<(Wal, Replay)> {
        let path = dir.join(file_name(generation));
        if !path.exists() {
            return Ok((Wal::create(dir, generation)?, Replay::default()));
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| io_error("open the write-ahead log", &path, e))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| io_error("read the write-ahead log", &path, e))?;
        if bytes.len() < HEADER_LEN {
            // Cut while being created (before anything could be logged in it).
            file.set_len(0)
                .and_then(|_| file.seek(SeekFrom::Start(0)))
                .and_then(|_| file.write_all(&header(generation, VERSION)))
                .and_then(|_| file.sync_all())
                .map_err(|e| io_error("rewrite the write-ahead log header", &path, e))?;
            let replay = Replay {
                truncated: bytes.len() as u64,
                ..Replay::default()
            };
            let wal = Wal {
                file,
                path,
                len: HEADER_LEN as u64,
                generation,
                next_seq: 1,
                sealed: false,
            };
            return Ok((wal, replay));
        }
        let mut replay = scan(&bytes, generation);
        let sealed = replay.legacy || replay.damaged();
        let mut len = bytes.len() as u64;
        if !sealed && replay.truncated > 0 {
            len = replay.end as u64;
            file.set_len(len)
                .and_then(|_| file.sync_all())
                .map_err(|e| io_error("truncate the write-ahead log", &path, e))?;
        }
        file.seek(SeekFrom::Start(len))
            .map_err(|e| io_error("seek in the write-ahead log", &path, e))?;
        replay.bytes = bytes;
        let wal = Wal {
            file,
            path,
            len,
            generation,
            next_seq: replay.last_seq + 1,
            sealed,
        };
        Ok((wal, replay))
    }

    /// Reads the valid records of the log of a generation without changing anything (for
    /// a reader in another process than the writer). `None` when there is no such log.
    pub(crate) fn read(dir: &Path, generation: u64) -> Result<Option<Replay>> {
        let path = dir.join(file_name(generation));
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error("read the write-ahead log", &path, e)),
        };
        if bytes.len() < HEADER_LEN {
            // Being created.
            return Ok(Some(Replay::default()));
        }
        let mut replay = scan(&bytes, generation);
        replay.bytes = bytes;
        Ok(Some(replay))
    }

    /// Appends a record (its payload given in parts) and syncs it to disk. If anything
    /// fails, the log is cut back to where it was.
    pub(crate) fn append(&mut self, parts: &[&[u8]]) -> Result<()> {
        if self.sealed {
            return Err(StorageError::Backend(format!(
                "write-ahead log {} takes no more records (it must be checkpointed first)",
                self.path.display()
            )));
        }
        let total: usize = parts.iter().map(|p| p.len()).sum();
        let len = u32::try_from(total).map_err(|_| {
            StorageError::Backend(format!(
                "a batch of {total} bytes is too large for one write (at most 4 GiB)"
            ))
        })?;
        let seq = self.next_seq;
        let mut frame = [0u8; FRAME_LEN];
        frame[..4].copy_from_slice(&SYNC);
        frame[4..12].copy_from_slice(&seq.to_le_bytes());
        frame[12..16].copy_from_slice(&len.to_le_bytes());
        frame[16..].copy_from_slice(&frame_crc(seq, len, parts).to_le_bytes());
        let written = (|| {
            self.file.write_all(&frame)?;
            for p in parts {
                self.file.write_all(p)?;
            }
            self.file.sync_data()
        })();
        match written {
            Ok(()) => {
                self.len += (FRAME_LEN + total) as u64;
                self.next_seq += 1;
                Ok(())
            }
            Err(e) => {
                // Best effort: drop what may have been written of the record.
                let _ = self.file.set_len(self.len);
                let _ = self.file.seek(SeekFrom::Start(self.len));
                Err(io_error("append to the write-ahead log", &self.path, e))
            }
        }
    }

    /// The path of the file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

/// Encodes a record whose payload is the returned head followed by `tail` (the raw
/// line protocol, for [`Record::LineProtocol`]; empty otherwise).
pub(crate) fn encode<'a>(record: &Record<'a>) -> (Vec<u8>, &'a [u8]) {
    let mut out = Vec::new();
    match record {
        Record::CreateBucket { name, retention } => {
            out.push(KIND_CREATE_BUCKET);
            put_str(&mut out, name);
            match retention {
                Some(r) => {
                    out.push(1);
                    out.extend_from_slice(&r.to_le_bytes());
                }
                None => out.push(0),
            }
            (out, &[])
        }
        Record::DeleteBucket { name } => {
            out.push(KIND_DELETE_BUCKET);
            put_str(&mut out, name);
            (out, &[])
        }
        Record::UpdateBucket {
            name,
            new_name,
            retention,
        } => {
            out.push(KIND_UPDATE_BUCKET);
            put_str(&mut out, name);
            put_str(&mut out, new_name);
            match retention {
                Some(r) => {
                    out.push(1);
                    out.extend_from_slice(&r.to_le_bytes());
                }
                None => out.push(0),
            }
            (out, &[])
        }
        Record::LineProtocol {
            bucket,
            options,
            text,
        } => {
            out.push(KIND_LINE_PROTOCOL);
            put_str(&mut out, bucket);
            out.push(match options.precision {
                Precision::Nanoseconds => 0,
                Precision::Microseconds => 1,
                Precision::Milliseconds => 2,
                Precision::Seconds => 3,
            });
            out.extend_from_slice(&options.default_time.to_le_bytes());
            out.push(u8::from(options.accept_crlf));
            (out, text)
        }
        Record::Points { bucket, points } => {
            out.push(KIND_POINTS);
            put_str(&mut out, bucket);
            put_u32(&mut out, points.len());
            for p in points.iter() {
                put_str(&mut out, &p.measurement);
                put_u32(&mut out, p.tags.len());
                for (k, v) in &p.tags {
                    put_str(&mut out, k);
                    put_str(&mut out, v);
                }
                put_u32(&mut out, p.fields.len());
                for (k, v) in &p.fields {
                    put_str(&mut out, k);
                    match v {
                        FieldValue::Float(f) => {
                            out.push(0);
                            out.extend_from_slice(&f.to_bits().to_le_bytes());
                        }
                        FieldValue::Int(i) => {
                            out.push(1);
                            out.extend_from_slice(&i.to_le_bytes());
                        }
                        FieldValue::UInt(u) => {
                            out.push(2);
                            out.extend_from_slice(&u.to_le_bytes());
                        }
                        FieldValue::String(s) => {
                            out.push(3);
                            put_str(&mut out, s);
                        }
                        FieldValue::Bool(b) => {
                            out.push(4);
                            out.push(u8::from(*b));
                        }
                    }
                }
                out.extend_from_slice(&p.time.to_le_bytes());
            }
            (out, &[])
        }
        Record::Delete {
            bucket,
            start,
            stop,
            predicate,
        } => {
            out.push(KIND_DELETE);
            put_str(&mut out, bucket);
            out.extend_from_slice(&start.to_le_bytes());
            out.extend_from_slice(&stop.to_le_bytes());
            put_u32(&mut out, predicate.conditions.len());
            for c in &predicate.conditions {
                put_str(&mut out, &c.column);
                out.push(match c.op {
                    DeleteOp::Equal => 0,
                    DeleteOp::NotEqual => 1,
                });
                put_str(&mut out, &c.value);
            }
            (out, &[])
        }
    }
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    // Lengths of names and counts of a batch fit: a record is at most 4 GiB.
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// Reads a payload back; `None` if it is malformed.
pub(crate) fn decode(payload: &[u8]) -> Option<Record<'_>> {
    let mut c = Cursor { bytes: payload };
    let record = match c.u8()? {
        KIND_CREATE_BUCKET => {
            let name = c.str()?;
            let retention = match c.u8()? {
                0 => None,
                1 => Some(c.i64()?),
                _ => return None,
            };
            Record::CreateBucket { name, retention }
        }
        KIND_DELETE_BUCKET => Record::DeleteBucket { name: c.str()? },
        KIND_UPDATE_BUCKET => {
            let name = c.str()?;
            let new_name = c.str()?;
            let retention = match c.u8()? {
                0 => None,
                1 => Some(c.i64()?),
                _ => return None,
            };
            Record::UpdateBucket {
                name,
                new_name,
                retention,
            }
        }
        KIND_LINE_PROTOCOL => {
            let bucket = c.str()?;
            let precision = match c.u8()? {
                0 => Precision::Nanoseconds,
                1 => Precision::Microseconds,
                2 => Precision::Milliseconds,
                3 => Precision::Seconds,
                _ => return None,
            };
            let default_time = c.i64()?;
            let accept_crlf = match c.u8()? {
                0 => false,
                1 => true,
                _ => return None,
            };
            let text = std::mem::take(&mut c.bytes);
            Record::LineProtocol {
                bucket,
                options: ParseOptions {
                    precision,
                    default_time,
                    accept_crlf,
                },
                text,
            }
        }
        KIND_POINTS => {
            let bucket = c.str()?;
            let n = c.u32()?;
            let mut points = Vec::with_capacity(n.min(1 << 16));
            for _ in 0..n {
                let measurement = c.str()?.to_string();
                let nt = c.u32()?;
                let mut tags = Vec::with_capacity(nt.min(256));
                for _ in 0..nt {
                    tags.push((c.str()?.to_string(), c.str()?.to_string()));
                }
                let nf = c.u32()?;
                let mut fields = Vec::with_capacity(nf.min(256));
                for _ in 0..nf {
                    let k = c.str()?.to_string();
                    let v = match c.u8()? {
                        0 => FieldValue::Float(f64::from_bits(c.i64()? as u64)),
                        1 => FieldValue::Int(c.i64()?),
                        2 => FieldValue::UInt(c.i64()? as u64),
                        3 => FieldValue::String(c.str()?.to_string()),
                        4 => FieldValue::Bool(c.u8()? != 0),
                        _ => return None,
                    };
                    fields.push((k, v));
                }
                let time = c.i64()?;
                points.push(Point {
                    measurement,
                    tags,
                    fields,
                    time,
                });
            }
            if !c.bytes.is_empty() {
                return None;
            }
            Record::Points {
                bucket,
                points: Cow::Owned(points),
            }
        }
        KIND_DELETE => {
            let bucket = c.str()?;
            let start = c.i64()?;
            let stop = c.i64()?;
            let n = c.u32()?;
            let mut conditions = Vec::with_capacity(n.min(256));
            for _ in 0..n {
                let column = c.str()?.to_string();
                let op = match c.u8()? {
                    0 => DeleteOp::Equal,
                    1 => DeleteOp::NotEqual,
                    _ => return None,
                };
                let value = c.str()?.to_string();
                conditions.push(DeleteCondition { column, op, value });
            }
            Record::Delete {
                bucket,
                start,
                stop,
                predicate: Cow::Owned(DeletePredicate { conditions }),
            }
        }
        _ => return None,
    };
    if !matches!(record, Record::LineProtocol { .. }) && !c.bytes.is_empty() {
        return None;
    }
    Some(record)
}

struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let head = self.bytes.get(..n)?;
        self.bytes = self.bytes.get(n..)?;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }
    fn u32(&mut self) -> Option<usize> {
        let b = self.take(4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }
    fn i64(&mut self) -> Option<i64> {
        let mut w = [0u8; 8];
        w.copy_from_slice(self.take(8)?);
        Some(i64::from_le_bytes(w))
    }
    fn str(&mut self) -> Option<&'a str> {
        let n = self.u32()?;
        std::str::from_utf8(self.take(n)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let points = vec![Point {
            measurement: "m".into(),
            tags: vec![("t".into(), "v".into())],
            fields: vec![
                ("a".into(), FieldValue::Float(-1.5)),
                ("b".into(), FieldValue::Int(-3)),
                ("c".into(), FieldValue::UInt(u64::MAX)),
                ("d".into(), FieldValue::String("x\"y".into())),
                ("e".into(), FieldValue::Bool(true)),
            ],
            time: -7,
        }];
        let records = [
            Record::CreateBucket {
                name: "b",
                retention: Some(5),
            },
            Record::CreateBucket {
                name: "b",
                retention: None,
            },
            Record::DeleteBucket { name: "b" },
            Record::UpdateBucket {
                name: "b",
                new_name: "c",
                retention: Some(7),
            },
            Record::UpdateBucket {
                name: "b",
                new_name: "b",
                retention: None,
            },
            Record::LineProtocol {
                bucket: "b",
                options: ParseOptions::new(Precision::Seconds, 42),
                text: b"m v=1 1\n",
            },
            Record::Points {
                bucket: "b",
                points: Cow::Owned(points),
            },
            Record::Delete {
                bucket: "b",
                start: i64::MIN,
                stop: 7,
                predicate: Cow::Owned(
                    DeletePredicate::parse(r#"_measurement="m" AND t!="v\"w""#).unwrap(),
                ),
            },
            Record::Delete {
                bucket: "b",
                start: 0,
                stop: i64::MAX,
                predicate: Cow::Owned(DeletePredicate::all()),
            },
        ];
        for r in &records {
            let (mut head, tail) = encode(r);
            head.extend_from_slice(tail);
            assert_eq!(decode(&head).as_ref(), Some(r));
        }
        assert_eq!(decode(&[9]), None);
        assert_eq!(decode(&[KIND_DELETE_BUCKET, 5, 0, 0, 0, b'a']), None);
    }

    /// A log of `n` one-line batches, as the store writes it, and where each record's
    /// frame starts.
    fn log_of(n: usize) -> (Vec<u8>, Vec<usize>) {
        let mut bytes = header(7, VERSION).to_vec();
        let mut starts = Vec::new();
        for i in 0..n {
            let text = format!("m v={i} {i}\n");
            let (head, tail) = encode(&Record::LineProtocol {
                bucket: "b",
                options: ParseOptions::new(Precision::Seconds, 0),
                text: text.as_bytes(),
            });
            let seq = i as u64 + 1;
            let len = (head.len() + tail.len()) as u32;
            starts.push(bytes.len());
            bytes.extend_from_slice(&SYNC);
            bytes.extend_from_slice(&seq.to_le_bytes());
            bytes.extend_from_slice(&len.to_le_bytes());
            bytes.extend_from_slice(&frame_crc(seq, len, &[&head, tail]).to_le_bytes());
            bytes.extend_from_slice(&head);
            bytes.extend_from_slice(tail);
        }
        (bytes, starts)
    }

    #[test]
    fn replay_resynchronises_after_damage_and_counts_what_it_lost() {
        let (bytes, starts) = log_of(10);
        let clean = scan(&bytes, 7);
        assert_eq!(clean.records.len(), 10);
        assert!(clean.damage.is_empty() && clean.truncated == 0 && !clean.damaged());
        // Records 3 and 4 (0-based) overwritten: the other eight kept, two counted lost.
        let mut d = bytes.clone();
        d[starts[3] + 5..starts[5] - 3].fill(0xAB);
        let r = scan(&d, 7);
        assert_eq!(r.records.len(), 8);
        assert_eq!(r.damage.len(), 1);
        assert_eq!(r.damage[0].records, 2);
        assert!(!r.damage[0].at_end);
        assert_eq!(r.last_seq, 10);
        // A length field made huge: only that record lost.
        let mut d = bytes.clone();
        d[starts[2] + 15] = 0x7F;
        let r = scan(&d, 7);
        assert_eq!(r.records.len(), 9);
        assert_eq!(r.damage[0].records, 1);
        // A damaged header: the records are still found by their sync markers.
        let mut d = bytes.clone();
        d[3] ^= 1;
        let r = scan(&d, 7);
        assert!(r.bad_header && r.damaged());
        assert_eq!(r.records.len(), 10);
        // A log of another generation is a bad header too.
        assert!(scan(&bytes, 8).bad_header);
        // Cut in the last record: torn, not damage.
        let r = scan(&bytes[..bytes.len() - 2], 7);
        assert_eq!(r.records.len(), 9);
        assert!(r.truncated > 0 && r.damage.is_empty());
        // Cut inside the frame header of the last record: torn too.
        let r = scan(&bytes[..starts[9] + 6], 7);
        assert_eq!((r.records.len(), r.truncated), (9, 6));
        // The last record's checksum failing: damage at the end.
        let mut d = bytes.clone();
        let last = d.len() - 1;
        d[last] ^= 4;
        let r = scan(&d, 7);
        assert_eq!(r.records.len(), 9);
        assert!(r.damage[0].at_end && r.damage[0].records == 1);
    }

    #[test]
    fn logs_of_format_version_1_are_still_replayed() {
        let mut bytes = header(3, VERSION_1).to_vec();
        for i in 0..3 {
            let text = format!("m v={i} {i}\n");
            let (mut head, tail) = encode(&Record::LineProtocol {
                bucket: "b",
                options: ParseOptions::new(Precision::Seconds, 0),
                text: text.as_bytes(),
            });
            head.extend_from_slice(tail);
            bytes.extend_from_slice(&(head.len() as u32).to_le_bytes());
            bytes.extend_from_slice(&crc32fast::hash(&head).to_le_bytes());
            bytes.extend_from_slice(&head);
        }
        let r = scan(&bytes, 3);
        assert!(r.legacy && !r.damaged());
        assert_eq!(r.records.len(), 3);
        let r = scan(&bytes[..bytes.len() - 1], 3);
        assert_eq!((r.records.len(), r.truncated > 0), (2, true));
    }

    #[test]
    fn generations_from_names() {
        assert_eq!(generation_of(&file_name(17)), Some(17));
        assert_eq!(generation_of("wal-x.log"), None);
    }
}
