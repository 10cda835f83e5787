//! The server's secrets, per organization, for `secrets.get(key:)` in queries and tasks
//! (InfluxDB's `/api/v2/orgs/{orgID}/secrets`), and from the environment with
//! `--secrets-from-env PREFIX`.
//!
//! They live in `DATA/secrets.json`, a file only the server's user may read (0600; a
//! secret is used in requests, so it cannot be kept hashed as tokens are), written to a
//! synced temporary file renamed over the old one. The API lists keys, never values, and
//! fluxi never prints a value (queries and run logs show `<secret>` for it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Every organization's secrets: org ID → key → value.
type Table = BTreeMap<String, BTreeMap<String, String>>;

/// The secrets file.
pub(crate) struct Secrets {
    path: PathBuf,
    table: Mutex<Table>,
    /// Keys not in the file are looked up as `$PREFIX<key>` when set.
    env_prefix: Option<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({})", self.path.display())
    }
}

impl Secrets {
    /// The secrets of the data directory `dir` (none when the file is missing).
    pub(crate) fn open(dir: &Path, env_prefix: Option<String>) -> std::io::Result<Secrets> {
        let path = dir.join("secrets.json");
        let table = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{} is damaged: {e}", path.display()),
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Table::new(),
            Err(e) => {
                return Err(std::io::Error::new(
                    e.kind(),
                    format!("cannot read {}: {e}", path.display()),
                ))
            }
        };
        Ok(Secrets {
            path,
            table: Mutex::new(table),
            env_prefix,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The keys of an organization's secrets, sorted.
    pub(crate) fn keys(&self, org: &str) -> Vec<String> {
        self.lock()
            .get(org)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Change an organization's secrets (set some, delete some) and save them; nothing
    /// changes when saving fails.
    pub(crate) fn change(
        &self,
        org: &str,
        set: BTreeMap<String, String>,
        delete: &[String],
    ) -> std::io::Result<()> {
        let mut table = self.lock();
        let mut next = table.clone();
        let entry = next.entry(org.to_string()).or_default();
        entry.extend(set);
        for k in delete {
            entry.remove(k);
        }
        if entry.is_empty() {
            next.remove(org);
        }
        self.save(&next)?;
        *table = next;
        Ok(())
    }

    /// Forget an organization's secrets (it was deleted).
    pub(crate) fn forget(&self, org: &str) -> std::io::Result<()> {
        let mut table = self.lock();
        if !table.contains_key(org) {
            return Ok(());
        }
        let mut next = table.clone();
        next.remove(org);
        self.save(&next)?;
        *table = next;
        Ok(())
    }

    fn save(&self, table: &Table) -> std::io::Result<()> {
        use std::io::Write;
        let tmp = self.path.with_extension("json.tmp");
        let bytes = serde_json::to_vec(table).map_err(std::io::Error::other)?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &self.path)
    }

    /// The store `secrets.get` reads for a query or task of organization `org`.
    pub(crate) fn of_org(self: &Arc<Secrets>, org: &str) -> Arc<dyn fluxi::SecretStore> {
        Arc::new(OrgSecrets {
            secrets: Arc::clone(self),
            org: org.to_string(),
        })
    }
}

/// One organization's secrets, then the environment's.
struct OrgSecrets {
    secrets: Arc<Secrets>,
    org: String,
}

impl fluxi::SecretStore for OrgSecrets {
    fn get(&self, key: &str) -> Result<Option<String>, String> {
        if let Some(v) = self.secrets.lock().get(&self.org).and_then(|m| m.get(key)) {
            return Ok(Some(v.clone()));
        }
        Ok(self
            .secrets
            .env_prefix
            .as_ref()
            .and_then(|p| std::env::var(format!("{p}{key}")).ok()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_kept_per_org_in_a_private_file_and_the_environment_is_asked_last() {
        let dir = tempfile::tempdir().unwrap();
        let s = Arc::new(Secrets::open(dir.path(), Some("FLUXI_SECRETS_TEST_".into())).unwrap());
        s.change("o1", BTreeMap::from([("k".into(), "v1".into())]), &[])
            .unwrap();
        s.change("o2", BTreeMap::from([("k".into(), "v2".into())]), &[])
            .unwrap();
        assert_eq!(s.of_org("o1").get("k").unwrap().as_deref(), Some("v1"));
        assert_eq!(s.of_org("o2").get("k").unwrap().as_deref(), Some("v2"));
        assert_eq!(s.of_org("o3").get("k").unwrap(), None);
        std::env::set_var("FLUXI_SECRETS_TEST_only_env", "e");
        assert_eq!(
            s.of_org("o3").get("only_env").unwrap().as_deref(),
            Some("e")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secrets.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Reopened: the same; deleted keys and forgotten orgs are gone.
        s.change("o1", BTreeMap::new(), &["k".to_string()]).unwrap();
        s.forget("o2").unwrap();
        let again = Arc::new(Secrets::open(dir.path(), None).unwrap());
        assert!(again.keys("o1").is_empty());
        assert!(again.keys("o2").is_empty());
        assert_eq!(again.of_org("o3").get("only_env").unwrap(), None);
    }
}
