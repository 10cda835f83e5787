//! Registering Parquet files written by [`crate::export`] with the engine
//! (`flightsql://...?register=DIR`): each exported bucket becomes a schema, each
//! measurement an external table over its directory. The engine's executors read the
//! files themselves, so `DIR` must be a path they can read (on one machine, any path; on
//! a cluster, a shared file system).

use crate::conn::Connection;
use crate::export::{Manifest, MANIFEST};
use crate::sql::{ident, literal};
use fluxi_storage::StorageError;
use std::path::{Path, PathBuf};

fn bad(dir: &Path, why: impl std::fmt::Display) -> StorageError {
    StorageError::Backend(format!("register {}: {why}", dir.display()))
}

/// The exported buckets under `dir`: `dir` itself when it holds a manifest, else its
/// subdirectories that do.
pub fn manifests(dir: &Path) -> Result<Vec<(PathBuf, Manifest)>, StorageError> {
    let dir = std::fs::canonicalize(dir).map_err(|e| bad(dir, e))?;
    let read = |bucket_dir: &Path| -> Result<Option<(PathBuf, Manifest)>, StorageError> {
        let path = bucket_dir.join(MANIFEST);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let m: Manifest = serde_json::from_str(&text).map_err(|e| bad(&path, e))?;
                Ok(Some((bucket_dir.to_path_buf(), m)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(bad(&path, e)),
        }
    };
    if let Some(one) = read(&dir)? {
        return Ok(vec![one]);
    }
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| bad(&dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    entries.sort();
    for sub in entries {
        if let Some(m) = read(&sub)? {
            out.push(m);
        }
    }
    if out.is_empty() {
        return Err(bad(
            &dir,
            format!(
                "no {MANIFEST} here or in a subdirectory (write one with `fluxi export --parquet`)"
            ),
        ));
    }
    Ok(out)
}

/// The statements registering the exported buckets under `dir`.
pub fn statements(dir: &Path) -> Result<Vec<String>, StorageError> {
    let mut out = Vec::new();
    for (bucket_dir, manifest) in manifests(dir)? {
        let schema = ident(&manifest.bucket);
        out.push(format!("CREATE SCHEMA IF NOT EXISTS {schema}"));
        for m in &manifest.measurements {
            let location = format!("{}/", bucket_dir.join(&m.dir).display());
            out.push(format!(
                "CREATE EXTERNAL TABLE IF NOT EXISTS {schema}.{} STORED AS PARQUET LOCATION {}",
                ident(&m.name),
                literal(&location)
            ));
        }
    }
    Ok(out)
}

/// Register the exported buckets under `dir` in the connection's session; returns the
/// statements sent.
pub fn register(conn: &Connection, dir: &Path) -> Result<Vec<String>, StorageError> {
    let statements = statements(dir)?;
    for s in &statements {
        conn.execute(s)?;
    }
    Ok(statements)
}
