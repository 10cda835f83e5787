//! The standard library checked ahead of time.
//!
//! Checking a package means parsing its source and inferring every declaration: for the
//! prelude alone that is most of a fresh process's start-up. A program built on this
//! crate can check the embedded standard library once, at build time (a build script
//! calls [`snapshot_standard_library`]), embed the bytes, and hand them to
//! [`Library::with_snapshot`](crate::Library::with_snapshot): a package is then decoded
//! from the snapshot on first use instead of being checked, with exactly the exports and
//! semantic graph the check would give (a test compares the two for every package).
//!
//! The bytes: a magic line, then a postcard-encoded [`Index`] naming the format, the
//! fingerprint of the embedded sources it was made from, and one postcard blob
//! (`(PackageExports, nodes::Package)`) per package, decoded only when that package is
//! first imported. A snapshot of another format or other sources is not used: the
//! library then checks packages as it would without one.

use crate::check::PackageExports;
use crate::library::{Library, STDLIB_FINGERPRINT};
use crate::nodes;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

const MAGIC: &[u8] = b"fluxi checked stdlib\n";
/// Bumped whenever the encoding of the semantic graph or the types changes shape.
const FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Index<'a> {
    format: u32,
    fingerprint: u64,
    #[serde(borrow)]
    packages: Vec<(&'a str, &'a [u8])>,
}

/// Why a snapshot cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SnapshotError {
    /// Not a snapshot, or damaged.
    #[error("not a snapshot of checked packages: {0}")]
    Malformed(String),
    /// Made by another version of the encoding or from other sources.
    #[error("the snapshot was made from other sources or by another version of fluxi")]
    Stale,
}

/// The packages of a snapshot, by path: each still encoded.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    packages: HashMap<&'static str, &'static [u8]>,
}

impl Snapshot {
    pub(crate) fn parse(bytes: &'static [u8]) -> Result<Snapshot, SnapshotError> {
        let body = bytes
            .strip_prefix(MAGIC)
            .ok_or_else(|| SnapshotError::Malformed("no header".into()))?;
        let index: Index<'static> =
            postcard::from_bytes(body).map_err(|e| SnapshotError::Malformed(e.to_string()))?;
        if index.format != FORMAT || index.fingerprint != STDLIB_FINGERPRINT {
            return Err(SnapshotError::Stale);
        }
        Ok(Snapshot {
            packages: index.packages.into_iter().collect(),
        })
    }

    /// The checked exports and graph of `path`, if the snapshot has it (`None` also when
    /// its blob does not decode: the caller checks the source instead).
    pub(crate) fn package(&self, path: &str) -> Option<(PackageExports, nodes::Package)> {
        let blob = self.packages.get(path)?;
        postcard::from_bytes(blob).ok()
    }

    /// How many packages it holds.
    pub(crate) fn len(&self) -> usize {
        self.packages.len()
    }
}

/// Check every package of the embedded standard library and encode the results. A
/// package that does not check is left out (importing it checks it, and reports the
/// error, as without a snapshot).
pub fn snapshot_standard_library() -> Result<Vec<u8>, SnapshotError> {
    let library = Library::new();
    let mut blobs: Vec<(String, Vec<u8>)> = Vec::new();
    for path in Library::standard_paths() {
        let Ok(exports) = library.package(&path) else {
            continue;
        };
        let Some(graph) = library.package_graph(&path) else {
            continue;
        };
        let blob = postcard::to_allocvec(&(exports.as_ref(), graph.as_ref()))
            .map_err(|e| SnapshotError::Malformed(format!("{path}: {e}")))?;
        blobs.push((path, blob));
    }
    let index = Index {
        format: FORMAT,
        fingerprint: STDLIB_FINGERPRINT,
        packages: blobs
            .iter()
            .map(|(p, b)| (p.as_str(), b.as_slice()))
            .collect(),
    };
    let mut out = MAGIC.to_vec();
    let encoded =
        postcard::to_allocvec(&index).map_err(|e| SnapshotError::Malformed(e.to_string()))?;
    out.extend_from_slice(&encoded);
    Ok(out)
}
