//! The permission matrix: every endpoint × {no token, unknown token, inactive token, a
//! token that may read only another bucket, a token that may only write bucket `b`, the
//! all-access operator token} answers with the status InfluxDB 2 gives; lists show only
//! what the token may read; a deleted token is refused on its next request; and no raw
//! token is found anywhere under the data directory.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

mod common;

use common::*;
use serde_json::json;

/// The six callers, in the order of every row's expectations.
const CALLERS: [&str; 6] = [
    "no token",
    "unknown token",
    "inactive token",
    "read-only token of another bucket",
    "write-only token of b",
    "all-access token",
];

/// One endpoint and the status each caller gets; for lists, also how many entries
/// (`None`: not a list).
struct Row {
    method: &'static str,
    path: String,
    body: Vec<u8>,
    content_type: &'static str,
    status: [u16; 6],
    listed: Option<(&'static str, [usize; 6])>,
}

fn row(method: &'static str, path: impl Into<String>, status: [u16; 6]) -> Row {
    Row {
        method,
        path: path.into(),
        body: Vec::new(),
        content_type: "application/json",
        status,
        listed: None,
    }
}

impl Row {
    fn body(mut self, body: impl Into<Vec<u8>>) -> Row {
        self.body = body.into();
        self
    }
    fn flux(mut self) -> Row {
        self.content_type = "application/vnd.flux";
        self
    }
    fn lists(mut self, key: &'static str, counts: [usize; 6]) -> Row {
        self.listed = Some((key, counts));
        self
    }
}

#[test]
fn every_endpoint_answers_every_kind_of_token_as_influxdb_does() {
    let s = start();
    let (operator, org, b) = s.setup();
    let other = json_of(
        &s.call(
            "POST",
            "/api/v2/buckets",
            Some(&operator),
            json!({"orgID": org, "name": "other"})
                .to_string()
                .as_bytes(),
        ),
    )["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (inactive, inactive_id) = token_with(
        &s,
        &operator,
        &org,
        vec![
            perm("read", "buckets", None, Some(&org)),
            perm("write", "buckets", None, Some(&org)),
            perm("read", "orgs", Some(&org), Some(&org)),
        ],
    );
    let off = s.call(
        "PATCH",
        &format!("/api/v2/authorizations/{inactive_id}"),
        Some(&operator),
        br#"{"status":"inactive"}"#,
    );
    assert_eq!(off.status, 200);
    let (reader, _) = token_with(
        &s,
        &operator,
        &org,
        vec![perm("read", "buckets", Some(&other), Some(&org))],
    );
    let (writer, writer_id) = token_with(
        &s,
        &operator,
        &org,
        vec![perm("write", "buckets", Some(&b), Some(&org))],
    );
    let operator_id = json_of(&s.call("GET", "/api/v2/authorizations", Some(&operator), b""))
        ["authorizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["permissions"][0]["resource"]["type"] == "instance")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let tokens: [Option<&str>; 6] = [
        None,
        Some("not-a-token-the-server-knows"),
        Some(&inactive),
        Some(&reader),
        Some(&writer),
        Some(&operator),
    ];
    let mut deletes = Vec::new();
    // Deleting needs something to delete for each caller that may: a bucket made per call.
    for (i, who) in CALLERS.iter().enumerate() {
        let mk = s.call(
            "POST",
            "/api/v2/buckets",
            Some(&operator),
            json!({"orgID": org, "name": format!("scratch{i}")})
                .to_string()
                .as_bytes(),
        );
        assert_eq!(mk.status, 201, "{who}");
        let id = json_of(&mk)["id"].as_str().unwrap().to_string();
        let mut expected = [401, 401, 401, 401, 401, 204];
        // Only this caller's column counts for this row.
        for (j, e) in expected.iter_mut().enumerate() {
            if j != i {
                *e = 0;
            }
        }
        deletes.push(row("DELETE", format!("/api/v2/buckets/{id}"), expected));
    }

    let buckets_of_org = json_of(&s.call("GET", "/api/v2/buckets", Some(&operator), b""))
        ["buckets"]
        .as_array()
        .unwrap()
        .len();
    let auths = 4; // operator, inactive, reader, writer
                   // Two tasks of the operator's: one the rows read and change, one they delete.
    let task = |name: &str| {
        let made = s.call(
            "POST",
            "/api/v2/tasks",
            Some(&operator),
            json!({"orgID": org, "status": "inactive",
                   "flux": format!("option task = {{name: \"{name}\", every: 1h}}\nbuckets()")})
            .to_string()
            .as_bytes(),
        );
        assert_eq!(made.status, 201, "{}", made.text());
        json_of(&made)["id"].as_str().unwrap().to_string()
    };
    let (t, gone) = (task("kept"), task("deleted"));

    let mut rows =
        vec![
        // Open to everyone.
        row("GET", "/ping", [204; 6]),
        row("GET", "/health", [200; 6]),
        row("GET", "/ready", [200; 6]),
        row("GET", "/metrics", [200; 6]),
        row("GET", "/api/v2", [200; 6]),
        row("GET", "/api/v2/setup", [200; 6]),
        row("POST", "/api/v2/setup", [422; 6]).body(
            r#"{"username":"x","password":"password123","org":"x","bucket":"x"}"#,
        ),
        // Writes: 401 without a known token, 403 without the permission.
        row("POST", "/api/v2/write?org=o&bucket=b", [401, 401, 403, 403, 204, 204])
            .body("m v=1"),
        row("POST", "/write?db=b", [401, 401, 403, 403, 204, 204]).body("m v=2"),
        row("POST", "/api/v2/delete?org=o&bucket=b", [401, 401, 403, 403, 204, 204]).body(
            r#"{"start":"1970-01-01T00:00:00Z","stop":"1970-01-01T00:00:01Z","predicate":"_measurement=\"gone\""}"#,
        ),
        // Queries: a bucket the token may not read is not found.
        row("POST", "/api/v2/query?org=o", [401, 401, 404, 404, 404, 200])
            .body("from(bucket: \"b\") |> range(start: 0)")
            .flux(),
        row("POST", "/api/v2/query?org=o", [401, 401, 200, 200, 200, 200])
            .body("buckets()")
            .flux(),
        row("POST", "/api/v2/query/analyze", [401, 401, 200, 200, 200, 200])
            .body(r#"{"query":"1 + 1"}"#),
        // The management API: 401 "<permission> is unauthorized".
        row("GET", "/api/v2/buckets", [401, 401, 200, 200, 200, 200])
            .lists("buckets", [0, 0, 0, 1, 0, buckets_of_org]),
        row("GET", format!("/api/v2/buckets/{b}"), [401, 401, 401, 401, 401, 200]),
        row("GET", format!("/api/v2/buckets/{other}"), [401, 401, 401, 200, 401, 200]),
        row("PATCH", format!("/api/v2/buckets/{other}"), [401, 401, 401, 401, 401, 200])
            .body(r#"{"description":"changed"}"#),
        row("PATCH", format!("/api/v2/buckets/{b}"), [401, 401, 401, 401, 200, 200])
            .body(r#"{"description":"changed"}"#),
        row("POST", "/api/v2/buckets", [401, 401, 401, 401, 401, 201])
            .body(json!({"orgID": org, "name": "made"}).to_string()),
        row("GET", "/api/v2/orgs", [401, 401, 200, 200, 200, 200])
            .lists("orgs", [0, 0, 0, 0, 0, 1]),
        row("GET", format!("/api/v2/orgs/{org}"), [401, 401, 401, 401, 401, 200]),
        row("POST", "/api/v2/orgs", [401, 401, 401, 401, 401, 201]).body(r#"{"name":"o2"}"#),
        row("PATCH", format!("/api/v2/orgs/{org}"), [401, 401, 401, 401, 401, 200])
            .body(r#"{"description":"ours"}"#),
        // A token always sees itself.
        row("GET", "/api/v2/authorizations", [401, 401, 200, 200, 200, 200])
            .lists("authorizations", [0, 0, 1, 1, 1, auths]),
        row(
            "GET",
            format!("/api/v2/authorizations/{operator_id}"),
            [401, 401, 401, 401, 401, 200],
        ),
        row("POST", "/api/v2/authorizations", [401, 401, 401, 401, 401, 201]).body(
            json!({"orgID": org, "permissions": [perm("read", "buckets", Some(&b), Some(&org))]})
                .to_string(),
        ),
        row(
            "PATCH",
            format!("/api/v2/authorizations/{operator_id}"),
            [401, 401, 401, 401, 401, 200],
        )
        .body(r#"{"description":"operator"}"#),
        // Every token here is Ann's: each sees her.
        row("GET", "/api/v2/me", [401, 401, 200, 200, 200, 200]),
        row("GET", "/api/v2/users", [401, 401, 200, 200, 200, 200])
            .lists("users", [0, 0, 1, 1, 1, 1]),
        row("POST", "/api/v2/users", [401, 401, 401, 401, 401, 201]).body(r#"{"name":"u"}"#),
        // Tasks.
        row("GET", "/api/v2/tasks", [401, 401, 200, 200, 200, 200])
            .lists("tasks", [0, 0, 0, 0, 0, 2]),
        row("POST", "/api/v2/tasks", [401, 401, 401, 401, 401, 201]).body(
            json!({"orgID": org, "flux": "option task = {name: \"n\", every: 1h}\n1"})
                .to_string(),
        ),
        row("GET", format!("/api/v2/tasks/{t}"), [401, 401, 401, 401, 401, 200]),
        row("PATCH", format!("/api/v2/tasks/{t}"), [401, 401, 401, 401, 401, 200])
            .body(r#"{"description":"changed"}"#),
        row("GET", format!("/api/v2/tasks/{t}/runs"), [401, 401, 401, 401, 401, 200]),
        row("POST", format!("/api/v2/tasks/{t}/runs"), [401, 401, 401, 401, 401, 201])
            .body("{}"),
        row(
            "GET",
            format!("/api/v2/tasks/{t}/runs/0123456789abcdef"),
            [401, 401, 401, 401, 401, 404],
        ),
        row(
            "POST",
            format!("/api/v2/tasks/{t}/runs/0123456789abcdef/retry"),
            [401, 401, 401, 401, 401, 404],
        ),
        row("GET", format!("/api/v2/tasks/{t}/logs"), [401, 401, 401, 401, 401, 200]),
        row("DELETE", format!("/api/v2/tasks/{gone}"), [401, 401, 401, 401, 401, 204]),
        // Unknown paths are 404 for everyone, wrong methods 405.
        row("GET", "/api/v2/nothing-here", [404; 6]),
        row("PUT", "/api/v2/write", [405; 6]),
    ];
    rows.extend(deletes);
    let mut failures = Vec::new();
    for r in &rows {
        for (i, token) in tokens.iter().enumerate() {
            if r.status[i] == 0 {
                continue;
            }
            let auth = token.map(|t| format!("Token {t}"));
            let mut headers = vec![("Content-Type", r.content_type)];
            if let Some(a) = &auth {
                headers.push(("Authorization", a.as_str()));
            }
            let a = fluxi_client::request(&s.url, r.method, &r.path, &headers, &r.body).unwrap();
            let what = format!("{} {} as {}", r.method, r.path, CALLERS[i]);
            if a.status != r.status[i] {
                failures.push(format!(
                    "{what}: {} instead of {}: {}",
                    a.status,
                    r.status[i],
                    a.text()
                ));
                continue;
            }
            if a.status == 401 {
                let j = json_of(&a);
                let message = j["message"].as_str().unwrap_or("");
                let expected_message = if i < 2 {
                    message == "unauthorized access"
                } else {
                    message.ends_with(" is unauthorized")
                };
                if j["code"] != "unauthorized" || !expected_message {
                    failures.push(format!("{what}: 401 body {j}"));
                }
            }
            if let Some((key, counts)) = &r.listed {
                if a.status == 200 {
                    let n = json_of(&a)[*key].as_array().map_or(0, Vec::len);
                    if n != counts[i] {
                        failures.push(format!("{what}: lists {n} {key}, not {}", counts[i]));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Inactive tokens writing are told why.
    let w = s.call(
        "POST",
        "/api/v2/write?org=o&bucket=b",
        Some(&inactive),
        b"m v=1",
    );
    assert_eq!(
        json_of(&w)["message"],
        "insufficient permissions for write: token is inactive"
    );
    // A deleted token is refused on its very next request.
    let del = s.call(
        "DELETE",
        &format!("/api/v2/authorizations/{writer_id}"),
        Some(&operator),
        b"",
    );
    assert_eq!(del.status, 204);
    let w = s.call(
        "POST",
        "/api/v2/write?org=o&bucket=b",
        Some(&writer),
        b"m v=1",
    );
    assert_eq!(w.status, 401);

    // After a stop (which writes every record and request point), no file under the
    // data directory holds any token.
    let s = s.restart(|_| {});
    let made = s.flux(
        &operator,
        "from(bucket: \"_monitoring\") |> range(start: -1h) |> count()",
    );
    assert_eq!(made.status, 200, "{}", made.text());
    let dir = s.dir.path().to_path_buf();
    drop(s.server);
    for t in [&operator, &inactive, &reader, &writer] {
        let found = files_containing(&dir, t.as_bytes());
        assert!(found.is_empty(), "a raw token is stored in {found:?}");
    }
}
