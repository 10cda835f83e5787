//! The write-ahead log: every change is appended here and made durable (`fdatasync`)
//! before the call that made it returns.
//!
//! A log file is `wal-<generation>.log`: a 24-byte header (`FLUXIWAL`, format version,
//! generation, CRC-32 of those) and then records, each
//!
//! ```text
//! u32 LE payload length | u32 LE CRC-32 of the payload | payload
//! ```
//!
//! The payload's first byte is its kind (see [`Record`]). Replaying stops at the first
//! record that is cut short or whose checksum fails (a write torn by a crash, or garbage
//! after it); the file is truncated there. Such a record was never acknowledged: a write
//! returns only after its record is synced.

use super::io_error;
use crate::line_protocol::{FieldValue, ParseOptions, Point, Precision};
use crate::storage::{Result, StorageError};
use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"FLUXIWAL";
const VERSION: u32 = 1;
const HEADER_LEN: usize = 24;
const FRAME_LEN: usize = 8;

const KIND_CREATE_BUCKET: u8 = 1;
const KIND_DELETE_BUCKET: u8 = 2;
const KIND_LINE_PROTOCOL: u8 = 3;
const KIND_POINTS: u8 = 4;

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

fn header(generation: u64) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(&VERSION.to_le_bytes());
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
}

/// What replaying a log found.
#[derive(Debug, Default)]
pub(crate) struct Replay {
    /// The bytes of the log.
    pub bytes: Vec<u8>,
    /// Where the payloads of the complete records are in `bytes`, in order.
    pub records: Vec<std::ops::Range<usize>>,
    /// Bytes cut off the end (a torn or corrupt record and what followed it).
    pub truncated: u64,
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
        file.write_all(&header(generation))
            .and_then(|_| file.sync_all())
            .map_err(|e| io_error("write the write-ahead log", &path, e))?;
        super::sync_dir(dir)?;
        Ok(Wal {
            file,
            path,
            len: HEADER_LEN as u64,
            generation,
        })
    }

    /// Opens the log of a generation, creating it when missing, and reads its complete
    /// records. A torn or corrupt tail is cut off.
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
                .and_then(|_| file.write_all(&header(generation)))
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
            };
            return Ok((wal, replay));
        }
        if bytes.get(..HEADER_LEN) != Some(&header(generation)[..]) {
            return Err(StorageError::Backend(format!(
                "write-ahead log {} has a bad header (not a fluxi log of generation {generation})",
                path.display()
            )));
        }
        let mut replay = Replay::default();
        let mut pos = HEADER_LEN;
        while let Some(frame) = bytes.get(pos..pos + FRAME_LEN) {
            let len = u32::from_le_bytes([frame[0], frame[1], frame[2], frame[3]]) as usize;
            let crc = u32::from_le_bytes([frame[4], frame[5], frame[6], frame[7]]);
            let start = pos + FRAME_LEN;
            let Some(payload) = start.checked_add(len).and_then(|end| bytes.get(start..end)) else {
                break;
            };
            if len == 0 || crc32fast::hash(payload) != crc || decode(payload).is_none() {
                break;
            }
            replay.records.push(start..start + len);
            pos = start + len;
        }
        if pos < bytes.len() {
            replay.truncated = (bytes.len() - pos) as u64;
            file.set_len(pos as u64)
                .and_then(|_| file.sync_all())
                .map_err(|e| io_error("truncate the write-ahead log", &path, e))?;
        }
        file.seek(SeekFrom::Start(pos as u64))
            .map_err(|e| io_error("seek in the write-ahead log", &path, e))?;
        replay.bytes = bytes;
        let wal = Wal {
            file,
            path,
            len: pos as u64,
            generation,
        };
        Ok((wal, replay))
    }

    /// Appends a record (its payload given in parts) and syncs it to disk. If anything
    /// fails, the log is cut back to where it was.
    pub(crate) fn append(&mut self, parts: &[&[u8]]) -> Result<()> {
        let total: usize = parts.iter().map(|p| p.len()).sum();
        let len = u32::try_from(total).map_err(|_| {
            StorageError::Backend(format!(
                "a batch of {total} bytes is too large for one write (at most 4 GiB)"
            ))
        })?;
        let mut crc = crc32fast::Hasher::new();
        for p in parts {
            crc.update(p);
        }
        let mut frame = [0u8; FRAME_LEN];
        frame[..4].copy_from_slice(&len.to_le_bytes());
        frame[4..].copy_from_slice(&crc.finalize().to_le_bytes());
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
            Record::LineProtocol {
                bucket: "b",
                options: ParseOptions::new(Precision::Seconds, 42),
                text: b"m v=1 1\n",
            },
            Record::Points {
                bucket: "b",
                points: Cow::Owned(points),
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

    #[test]
    fn generations_from_names() {
        assert_eq!(generation_of(&file_name(17)), Some(17));
        assert_eq!(generation_of("wal-x.log"), None);
    }
}
