//! Secrets a query reads with `secrets.get(key:)` (package `influxdata/influxdb/secrets`),
//! from a store the embedder gives the engine; an engine without one has no secrets.
//!
//! A secret's value is the script's to use (in a header, a URL, a column), but fluxi
//! never prints one: every value read during a run is kept, and the run's error messages,
//! hints and log lines have each of them replaced with `<secret>` (see [`Redactor`]).
//! What is derived from a value (say, its base64 in a Basic authorization) cannot be
//! recognised; the HTTP functions never print headers or bodies for that reason.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Where secrets come from.
pub trait SecretStore: Send + Sync {
    /// The value of `key`: `Ok(None)` when there is no such secret, `Err` with a message
    /// (never the value) when the store cannot be read.
    fn get(&self, key: &str) -> Result<Option<String>, String>;
}

/// Secrets held in memory (tests, and embedders that load them themselves).
impl SecretStore for HashMap<String, String> {
    fn get(&self, key: &str) -> Result<Option<String>, String> {
        Ok(HashMap::get(self, key).cloned())
    }
}

/// Secrets read from environment variables: key `k` is the variable `PREFIX` + `k`
/// (what `fluxi run --secrets-from-env PREFIX` uses).
#[derive(Debug, Clone)]
pub struct EnvSecrets {
    prefix: String,
}

impl EnvSecrets {
    /// Key `k` is `$PREFIXk`.
    pub fn new(prefix: impl Into<String>) -> EnvSecrets {
        EnvSecrets {
            prefix: prefix.into(),
        }
    }
}

impl SecretStore for EnvSecrets {
    fn get(&self, key: &str) -> Result<Option<String>, String> {
        match std::env::var(format!("{}{key}", self.prefix)) {
            Ok(v) => Ok(Some(v)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(format!(
                "the environment variable {}{key} is not UTF-8",
                self.prefix
            )),
        }
    }
}

/// The secret values read so far in a run, and text with them blotted out. Shared by
/// the run's interpreter and whatever prints for it (clones see the same values).
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    values: Arc<Mutex<Vec<String>>>,
}

/// What a secret's value is replaced with.
pub const REDACTED: &str = "<secret>";

impl Redactor {
    /// Remember a value to blot out (empty values are nothing to hide).
    pub fn add(&self, value: &str) {
        if value.is_empty() {
            return;
        }
        let mut values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        if !values.iter().any(|v| v == value) {
            values.push(value.to_string());
            // Longest first, so a secret containing another is blotted out whole.
            values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        }
    }

    /// Whether any value was read.
    pub fn is_empty(&self) -> bool {
        self.values
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    /// `text` with every remembered value replaced by [`REDACTED`].
    pub fn redact(&self, text: &str) -> String {
        let values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = text.to_string();
        for v in values.iter() {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), REDACTED);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_every_value_longest_first() {
        let r = Redactor::default();
        assert_eq!(r.redact("token abc"), "token abc");
        r.add("abc");
        r.add("abcdef");
        r.add("");
        assert_eq!(
            r.redact("x abcdef y abc"),
            format!("x {REDACTED} y {REDACTED}")
        );
        let shared = r.clone();
        shared.add("zz");
        assert_eq!(r.redact("zz"), REDACTED);
    }

    #[test]
    fn env_secrets_use_the_prefix() {
        let s = EnvSecrets::new("FLUXI_TEST_SECRET_UNLIKELY_");
        assert_eq!(s.get("nothing_here"), Ok(None));
        let m: HashMap<String, String> = [("k".to_string(), "v".to_string())].into();
        assert_eq!(SecretStore::get(&m, "k"), Ok(Some("v".into())));
    }
}
