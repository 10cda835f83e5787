//! The server's own records: organisations, users, buckets' IDs and owners, and
//! authorizations (tokens), kept in `server.json` in the data directory. Tokens and
//! passwords are stored only as SHA-256 hashes; the raw token is returned once, when it
//! is made.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Why the records could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum MetaError {
    /// Reading or writing the file failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The file is not what this server writes.
    #[error("{path} is damaged: {source}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        source: serde_json::Error,
    },
    /// No random numbers (for IDs and tokens) could be had from the system.
    #[error("no random numbers from the system: {0}")]
    Random(String),
}

/// An organisation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Org {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub created_at: i64,
    /// When the record last changed (0: never since it was made).
    #[serde(default)]
    pub updated_at: i64,
}

/// A user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub name: String,
    /// `salt$sha256(salt + password)` in hex.
    pub password_hash: String,
    pub created_at: i64,
    /// `active` or `inactive` (an inactive user's tokens are refused with 403).
    #[serde(default = "active")]
    pub status: String,
}

fn active() -> String {
    "active".to_string()
}

/// A bucket's server-side record (its data and retention are in the store, under `name`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bucket {
    pub id: String,
    pub org_id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub created_at: i64,
    /// When the record last changed (0: never since it was made).
    #[serde(default)]
    pub updated_at: i64,
    /// `user`, or `system` for the buckets the server keeps itself (`_monitoring`).
    #[serde(default = "user_kind", rename = "type")]
    pub kind: String,
}

fn user_kind() -> String {
    "user".to_string()
}

/// What a permission is about.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Resource {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "orgID", default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
}

/// `read` or `write` on a resource.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Permission {
    pub action: String,
    pub resource: Resource,
}

impl Permission {
    /// `action` on the resource of `kind`, `id` in org `org_id`.
    pub fn on(action: &str, kind: &str, id: Option<&str>, org_id: Option<&str>) -> Permission {
        Permission {
            action: action.to_string(),
            resource: Resource {
                kind: kind.to_string(),
                id: id.map(str::to_string),
                org_id: org_id.map(str::to_string),
                name: None,
                org: None,
            },
        }
    }

    /// The same permission on an organisation, as InfluxDB names orgs in permissions
    /// (the org's ID is both the resource and its org).
    pub fn on_org(action: &str, org_id: &str) -> Permission {
        Permission::on(action, "orgs", Some(org_id), Some(org_id))
    }

    /// Whether holding `self` allows `wanted` (InfluxDB's rule: same action, and the
    /// held resource is the instance, all of that type, all of it in the org, or the
    /// very one).
    pub fn covers(&self, wanted: &Permission) -> bool {
        if self.action != wanted.action {
            return false;
        }
        let held = &self.resource;
        if held.kind == "instance" {
            return true;
        }
        if held.kind != wanted.resource.kind {
            return false;
        }
        match (&held.id, &held.org_id) {
            (None, None) => true,
            (None, Some(org)) => wanted.resource.org_id.as_ref() == Some(org),
            (Some(id), _) => wanted.resource.id.as_ref() == Some(id),
        }
    }
}

impl std::fmt::Display for Permission {
    /// InfluxDB's form: `read:orgs/ORG/buckets/ID`, `write:orgs/ORG/buckets`,
    /// `read:users/ID`, `write:instance`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = &self.resource;
        write!(f, "{}:", self.action)?;
        match (&r.org_id, &r.id) {
            (Some(org), Some(id)) if r.kind == "orgs" && org == id => write!(f, "orgs/{id}"),
            (Some(org), Some(id)) => write!(f, "orgs/{org}/{}/{id}", r.kind),
            (Some(org), None) => write!(f, "orgs/{org}/{}", r.kind),
            (None, Some(id)) => write!(f, "{}/{id}", r.kind),
            (None, None) => write!(f, "{}", r.kind),
        }
    }
}

/// An authorization: a token (kept hashed) and what it may do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Auth {
    pub id: String,
    pub token_hash: String,
    pub status: String,
    #[serde(default)]
    pub description: String,
    pub org_id: String,
    pub user_id: String,
    pub permissions: Vec<Permission>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Auth {
    /// Whether the token may do `wanted` (never when it is inactive).
    pub fn allows(&self, wanted: &Permission) -> bool {
        self.status == "active" && self.permissions.iter().any(|p| p.covers(wanted))
    }
}

/// Every record of the server.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Records {
    /// Onboarding was done (stays true when every user is deleted later, so a server
    /// cannot be onboarded a second time by whoever comes first).
    #[serde(default)]
    pub set_up: bool,
    pub orgs: Vec<Org>,
    pub users: Vec<User>,
    pub buckets: Vec<Bucket>,
    pub auths: Vec<Auth>,
}

/// The records and the file they live in.
#[derive(Debug)]
pub struct Meta {
    path: PathBuf,
    pub records: Records,
}

impl Meta {
    /// The records of the data directory `dir` (none yet if the file is missing).
    pub fn open(dir: &Path) -> Result<Meta, MetaError> {
        let path = dir.join("server.json");
        let records = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|source| MetaError::Damaged {
                path: path.clone(),
                source,
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Records::default(),
            Err(source) => {
                return Err(MetaError::Io {
                    action: "read",
                    path,
                    source,
                })
            }
        };
        Ok(Meta { path, records })
    }

    /// Write the records (to a new file renamed over the old one, synced first).
    pub fn save(&self) -> Result<(), MetaError> {
        use std::io::Write;
        let tmp = self.path.with_extension("json.tmp");
        let io = |action: &'static str, path: &Path| {
            let path = path.to_path_buf();
            move |source| MetaError::Io {
                action,
                path,
                source,
            }
        };
        let bytes =
            serde_json::to_vec_pretty(&self.records).map_err(|source| MetaError::Damaged {
                path: self.path.clone(),
                source,
            })?;
        let mut f = std::fs::File::create(&tmp).map_err(io("create", &tmp))?;
        f.write_all(&bytes).map_err(io("write", &tmp))?;
        f.sync_all().map_err(io("sync", &tmp))?;
        std::fs::rename(&tmp, &self.path).map_err(io("replace", &self.path))
    }

    /// Whether onboarding has been done.
    pub fn is_set_up(&self) -> bool {
        self.records.set_up || !self.records.users.is_empty()
    }

    /// The authorization of a raw token, if it exists.
    pub fn auth_by_token(&self, token: &str) -> Option<&Auth> {
        let hash = hash_token(token);
        self.records.auths.iter().find(|a| a.token_hash == hash)
    }

    pub fn org(&self, id: &str) -> Option<&Org> {
        self.records.orgs.iter().find(|o| o.id == id)
    }

    pub fn org_by_name(&self, name: &str) -> Option<&Org> {
        self.records.orgs.iter().find(|o| o.name == name)
    }

    pub fn bucket(&self, id: &str) -> Option<&Bucket> {
        self.records.buckets.iter().find(|b| b.id == id)
    }

    /// A bucket of the org by ID, else by name (InfluxDB's order).
    pub fn bucket_in_org(&self, org_id: &str, id_or_name: &str) -> Option<&Bucket> {
        let mine = || self.records.buckets.iter().filter(|b| b.org_id == org_id);
        mine()
            .find(|b| b.id == id_or_name)
            .or_else(|| mine().find(|b| b.name == id_or_name))
    }

    /// A new ID no record has.
    pub fn new_id(&self) -> Result<String, MetaError> {
        loop {
            let n = random_u64()?;
            if n == 0 {
                continue;
            }
            let id = format!("{n:016x}");
            let r = &self.records;
            let taken = r.orgs.iter().any(|o| o.id == id)
                || r.users.iter().any(|u| u.id == id)
                || r.buckets.iter().any(|b| b.id == id)
                || r.auths.iter().any(|a| a.id == id);
            if !taken {
                return Ok(id);
            }
        }
    }
}

/// Whether `text` is an ID as InfluxDB writes them: 16 hex digits.
pub fn looks_like_id(text: &str) -> bool {
    text.len() == 16 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn random_u64() -> Result<u64, MetaError> {
    let mut b = [0u8; 8];
    getrandom::getrandom(&mut b).map_err(|e| MetaError::Random(e.to_string()))?;
    Ok(u64::from_le_bytes(b))
}

/// A new token: 32 random bytes in URL-safe base64 without padding (43 characters).
pub fn new_token() -> Result<String, MetaError> {
    let mut b = [0u8; 32];
    getrandom::getrandom(&mut b).map_err(|e| MetaError::Random(e.to_string()))?;
    Ok(base64url(&b))
}

fn base64url(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            // `& 63` keeps the index inside the 64-letter alphabet.
            out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// The stored form of a password: a random salt and the hash of salt and password.
pub fn hash_password(password: &str) -> Result<String, MetaError> {
    let salt = hex(&random_u64()?.to_le_bytes());
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(password.as_bytes());
    Ok(format!("{salt}${}", hex(&h.finalize())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_match_as_influxdb_says() {
        let read_b = Permission::on("read", "buckets", Some("00000000000000b1"), Some("o1"));
        let all_in_org = Permission::on("read", "buckets", None, Some("o1"));
        let all = Permission::on("read", "buckets", None, None);
        let instance = Permission::on("read", "instance", None, None);
        let wanted = Permission::on("read", "buckets", Some("00000000000000b1"), Some("o1"));
        let other = Permission::on("read", "buckets", Some("00000000000000b2"), Some("o1"));
        let other_org = Permission::on("read", "buckets", Some("00000000000000b3"), Some("o2"));
        let write = Permission::on("write", "buckets", Some("00000000000000b1"), Some("o1"));
        assert!(read_b.covers(&wanted));
        assert!(!read_b.covers(&other));
        assert!(!read_b.covers(&write), "read does not allow write");
        assert!(all_in_org.covers(&other));
        assert!(!all_in_org.covers(&other_org));
        assert!(all.covers(&other_org));
        assert!(instance.covers(&other_org));
        assert!(!Permission::on("read", "orgs", None, None).covers(&wanted));
    }

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), a);
        assert_eq!(base64url(b"hello"), "aGVsbG8");
    }
}
