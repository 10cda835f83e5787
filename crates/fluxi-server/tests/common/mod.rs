//! A server started in the test process on a free loopback port, and raw requests to it.

#![allow(dead_code)] // each test file uses part of it

use fluxi_client::{request, Answer};
use fluxi_server::{Config, Server};
use serde_json::{json, Value};
use std::path::Path;

pub struct Running {
    pub server: Option<Server>,
    pub url: String,
    pub dir: tempfile::TempDir,
}

/// A server over `dir`, its configuration changed by `adjust` first.
pub fn start_with(dir: tempfile::TempDir, adjust: impl FnOnce(&mut Config)) -> Running {
    let mut config = Config::new(dir.path().to_path_buf());
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.max_body_bytes = 1 << 20;
    config.memory_limit = Some(256 << 20);
    adjust(&mut config);
    let server = fluxi_server::start(config).unwrap();
    let url = format!("http://{}", server.addr());
    Running {
        server: Some(server),
        url,
        dir,
    }
}

/// A server over `dir` taking bodies of at most `max_body` bytes.
pub fn start_in(dir: tempfile::TempDir, max_body: usize) -> Running {
    start_with(dir, |c| c.max_body_bytes = max_body)
}

pub fn start() -> Running {
    start_with(tempfile::tempdir().unwrap(), |_| {})
}

impl Running {
    pub fn call(&self, method: &str, path: &str, token: Option<&str>, body: &[u8]) -> Answer {
        self.call_with(method, path, token, &[], body)
    }

    pub fn call_with(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        extra: &[(&str, &str)],
        body: &[u8],
    ) -> Answer {
        let auth = token.map(|t| format!("Token {t}"));
        let mut headers: Vec<(&str, &str)> = extra.to_vec();
        if let Some(a) = &auth {
            headers.push(("Authorization", a));
        }
        request(&self.url, method, path, &headers, body).unwrap()
    }

    /// Onboard with org `o`, bucket `b`; returns (operator token, org id, bucket id).
    pub fn setup(&self) -> (String, String, String) {
        let a = self.call(
            "POST",
            "/api/v2/setup",
            None,
            json!({"username":"ann","password":"secret-password","org":"o","bucket":"b"})
                .to_string()
                .as_bytes(),
        );
        assert_eq!(a.status, 201, "{}", a.text());
        let j: Value = serde_json::from_slice(&a.body).unwrap();
        (
            j["auth"]["token"].as_str().unwrap().to_string(),
            j["org"]["id"].as_str().unwrap().to_string(),
            j["bucket"]["id"].as_str().unwrap().to_string(),
        )
    }

    /// A Flux query in org `o`; the answer's CSV.
    pub fn flux(&self, token: &str, query: &str) -> Answer {
        self.call_with(
            "POST",
            "/api/v2/query?org=o",
            Some(token),
            &[("Content-Type", "application/vnd.flux")],
            query.as_bytes(),
        )
    }

    /// A query in org `o` with a JSON body.
    pub fn query(&self, token: &str, body: &Value) -> Answer {
        self.call_with(
            "POST",
            "/api/v2/query?org=o",
            Some(token),
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        )
    }

    /// `POST /api/v2/buckets` of bucket `name` in org `org_id`; the answer.
    pub fn make_bucket(&self, token: &str, org_id: &str, name: &str) -> Answer {
        self.call(
            "POST",
            "/api/v2/buckets",
            Some(token),
            json!({"orgID": org_id, "name": name})
                .to_string()
                .as_bytes(),
        )
    }

    /// The names of the buckets `token` lists.
    pub fn bucket_names(&self, token: &str) -> Vec<String> {
        let list = json_of(&self.call("GET", "/api/v2/buckets", Some(token), b""));
        list["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["name"].as_str().unwrap().to_string())
            .collect()
    }

    /// Stop the server (flushing everything) and start a new one on the same data.
    pub fn restart(mut self, adjust: impl FnOnce(&mut Config)) -> Running {
        if let Some(s) = self.server.take() {
            s.stop().unwrap();
        }
        start_with(self.dir, adjust)
    }
}

pub fn json_of(a: &Answer) -> Value {
    serde_json::from_slice(&a.body).unwrap_or_else(|e| panic!("{e}: {}", a.text()))
}

/// Every file under `dir` whose bytes contain `needle`.
pub fn files_containing(dir: &Path, needle: &[u8]) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            found.extend(files_containing(&p, needle));
        } else if let Ok(bytes) = std::fs::read(&p) {
            if bytes.windows(needle.len()).any(|w| w == needle) {
                found.push(p);
            }
        }
    }
    found
}

/// A permission as the API takes it.
pub fn perm(action: &str, kind: &str, id: Option<&str>, org: Option<&str>) -> Value {
    let mut r = json!({"type": kind});
    if let Some(i) = id {
        r["id"] = json!(i);
    }
    if let Some(o) = org {
        r["orgID"] = json!(o);
    }
    json!({"action": action, "resource": r})
}

/// A new token with `permissions` in org `org` (made with `operator`); returns (token,
/// authorization id).
pub fn token_with(
    s: &Running,
    operator: &str,
    org: &str,
    permissions: Vec<Value>,
) -> (String, String) {
    let a = s.call(
        "POST",
        "/api/v2/authorizations",
        Some(operator),
        json!({"orgID": org, "description": "test", "permissions": permissions})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(a.status, 201, "{}", a.text());
    let j = json_of(&a);
    (
        j["token"].as_str().unwrap().to_string(),
        j["id"].as_str().unwrap().to_string(),
    )
}
