//! `POST /api/v2/delete` with raw requests to a server started in this process on a free
//! loopback port: what is deleted (an inclusive time range of the series a predicate
//! matches, every field of them), what stays (other series, points written afterwards),
//! the schema functions and counts after it, a restart, and every error as InfluxDB
//! answers it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use fluxi_client::{request, Answer};
use fluxi_server::{Config, Server};
use serde_json::{json, Value};

struct Running {
    server: Option<Server>,
    url: String,
    dir: tempfile::TempDir,
}

fn start_in(dir: tempfile::TempDir) -> Running {
    let mut config = Config::new(dir.path().to_path_buf());
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.memory_limit = Some(256 << 20);
    let server = fluxi_server::start(config).unwrap();
    let url = format!("http://{}", server.addr());
    Running {
        server: Some(server),
        url,
        dir,
    }
}

impl Running {
    fn call(&self, method: &str, path: &str, token: Option<&str>, body: &[u8]) -> Answer {
        let auth = token.map(|t| format!("Token {t}"));
        let mut headers: Vec<(&str, &str)> = vec![("Content-Type", "application/json")];
        if let Some(a) = &auth {
            headers.push(("Authorization", a));
        }
        request(&self.url, method, path, &headers, body).unwrap()
    }

    /// Onboard with org `o`, bucket `b`; returns (operator token, org id, bucket id).
    fn setup(&self) -> (String, String, String) {
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

    fn write(&self, token: &str, lines: &str) {
        let a = self.call(
            "POST",
            "/api/v2/write?org=o&bucket=b&precision=s",
            Some(token),
            lines.as_bytes(),
        );
        assert_eq!(a.status, 204, "{}", a.text());
    }

    fn delete(&self, token: &str, query: &str, body: &Value) -> Answer {
        self.call(
            "POST",
            &format!("/api/v2/delete?{query}"),
            Some(token),
            body.to_string().as_bytes(),
        )
    }

    /// The CSV rows (without annotations) of a Flux query.
    fn flux(&self, token: &str, query: &str) -> String {
        let a = self.call(
            "POST",
            "/api/v2/query?org=o",
            Some(token),
            json!({ "query": query }).to_string().as_bytes(),
        );
        assert_eq!(a.status, 200, "{}", a.text());
        a.text()
    }
}

/// Every point of bucket `b` as `measurement host field time value` lines, sorted.
fn points(s: &Running, token: &str) -> Vec<String> {
    let csv = s.flux(
        token,
        r#"from(bucket: "b") |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-02T00:00:00Z)
            |> keep(columns: ["_measurement", "host", "_field", "_time", "_value"])
            |> group()"#,
    );
    let mut lines = csv.lines().filter(|l| !l.is_empty());
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (m, h, f, t, v) = (
        col("_measurement"),
        col("host"),
        col("_field"),
        col("_time"),
        col("_value"),
    );
    let mut out: Vec<String> = lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            format!("{} {} {} {} {}", c[m], c[h], c[f], c[t], c[v])
        })
        .collect();
    out.sort();
    out
}

fn body(start: &str, stop: &str, predicate: &str) -> Value {
    json!({"start": start, "stop": stop, "predicate": predicate})
}

const DATA: &str = "cpu,host=a usage=1,idle=9 1704067200
cpu,host=a usage=2,idle=8 1704067210
cpu,host=a usage=3,idle=7 1704067220
cpu,host=b usage=4 1704067210
mem,host=a used=5 1704067210
";

#[test]
fn a_delete_removes_an_inclusive_range_of_the_matching_series() {
    let mut s = start_in(tempfile::tempdir().unwrap());
    let (token, org_id, bucket_id) = s.setup();
    s.write(&token, DATA);
    let a = s.delete(
        &token,
        "org=o&bucket=b",
        &body(
            "2024-01-01T00:00:10Z",
            "2024-01-01T00:00:20Z",
            r#"_measurement="cpu" AND host="a""#,
        ),
    );
    assert_eq!(a.status, 204, "{}", a.text());
    assert!(a.body.is_empty());
    // Both ends were included; every field of the series went; other series stayed.
    assert_eq!(
        points(&s, &token),
        vec![
            "cpu a idle 2024-01-01T00:00:00Z 9",
            "cpu a usage 2024-01-01T00:00:00Z 1",
            "cpu b usage 2024-01-01T00:00:10Z 4",
            "mem a used 2024-01-01T00:00:10Z 5",
        ]
    );
    // Written after the delete, inside its range: there.
    s.write(&token, "cpu,host=a usage=20 1704067215\n");
    assert!(points(&s, &token).contains(&"cpu a usage 2024-01-01T00:00:15Z 20".to_string()));
    // By IDs, with an offset, one instant, no predicate (every series): a later delete
    // removes what was written after an earlier one.
    let a = s.delete(
        &token,
        &format!("orgID={org_id}&bucketID={bucket_id}"),
        &json!({"start": "2024-01-01T01:00:15+01:00", "stop": "2024-01-01T00:00:15Z"}),
    );
    assert_eq!(a.status, 204, "{}", a.text());
    let left = points(&s, &token);
    assert_eq!(left.len(), 4, "{left:?}");
    assert!(!left.iter().any(|p| p.contains("T00:00:15Z")), "{left:?}");
    // A series deleted whole leaves the schema functions.
    let a = s.delete(
        &token,
        "org=o&bucket=b",
        &body("2024-01-01T00:00:00Z", "2024-01-01T23:00:00Z", "host=a"),
    );
    assert_eq!(a.status, 204, "{}", a.text());
    let tags = s.flux(
        &token,
        r#"import "influxdata/influxdb/schema"
schema.tagValues(bucket: "b", tag: "host", start: 2024-01-01T00:00:00Z, stop: 2024-01-02T00:00:00Z)"#,
    );
    assert!(
        tags.contains(",_result,0,b\r\n") && !tags.contains(",a\r"),
        "{tags}"
    );
    let count = s.flux(
        &token,
        r#"from(bucket: "b") |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-02T00:00:00Z) |> count() |> keep(columns: ["host", "_value"])"#,
    );
    assert!(count.contains(",_result,0,b,1\r\n"), "{count}");
    // A restart keeps every delete (the stop flushes; the compaction after the flush
    // rewrites the files without the deleted points).
    s.server.take().unwrap().stop().unwrap();
    let dir = std::mem::replace(&mut s.dir, tempfile::tempdir().unwrap());
    let s2 = start_in(dir);
    assert_eq!(
        points(&s2, &token),
        vec!["cpu b usage 2024-01-01T00:00:10Z 4"]
    );
}

#[test]
fn delete_errors_answer_as_influxdb_does() {
    let s = start_in(tempfile::tempdir().unwrap());
    let (token, org_id, bucket_id) = s.setup();
    s.write(&token, DATA);
    let ok = body("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "");
    let expect = |a: Answer, status: u16, code: &str, message: &str| {
        assert_eq!(a.status, status, "{}", a.text());
        let j: Value = serde_json::from_slice(&a.body).unwrap();
        assert_eq!(j["code"], code, "{}", a.text());
        assert_eq!(j["message"], message, "{}", a.text());
        assert_eq!(a.header("x-platform-error-code"), Some(code));
    };
    // No token.
    let a = s.call(
        "POST",
        "/api/v2/delete?org=o&bucket=b",
        None,
        ok.to_string().as_bytes(),
    );
    expect(a, 401, "unauthorized", "unauthorized access");
    // Bodies.
    let raw = |text: &str| {
        s.call(
            "POST",
            "/api/v2/delete?org=o&bucket=b",
            Some(&token),
            text.as_bytes(),
        )
    };
    let a = raw("{not json");
    assert_eq!(a.status, 400);
    assert!(
        a.text().contains("error decoding json body: "),
        "{}",
        a.text()
    );
    expect(
        raw(r#"{"start":"yesterday","stop":"2024-01-02T00:00:00Z"}"#),
        400,
        "invalid",
        "error decoding json body: invalid RFC3339Nano for field start, please format your \
         time with RFC3339Nano format, example: 2009-01-02T23:00:00Z",
    );
    expect(
        raw(r#"{"start":"2024-01-01T00:00:00Z"}"#),
        400,
        "invalid",
        "error decoding json body: invalid RFC3339Nano for field stop, please format your \
         time with RFC3339Nano format, example: 2009-01-01T23:00:00Z",
    );
    let late = body("2024-01-02T00:00:00Z", "2024-01-01T00:00:00Z", "");
    let a = s.delete(&token, "org=o&bucket=b", &late);
    assert_eq!(a.status, 400, "{}", a.text());
    assert!(
        a.text().contains("start 2024-01-02T00:00:00"),
        "{}",
        a.text()
    );
    let p = |predicate: &str| {
        s.delete(
            &token,
            "org=o&bucket=b",
            &body("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", predicate),
        )
    };
    expect(
        p(r#"_measurement="cpu" OR host="a""#),
        400,
        "invalid",
        "error decoding json body: the logical operator OR is not supported yet at position 19",
    );
    expect(
        p(r#"host=~/a/"#),
        400,
        "invalid",
        "error decoding json body: operator: \"=~\" at position: 4 is not supported yet",
    );
    expect(
        p(r#"_field="usage""#),
        501,
        "not implemented",
        "delete by field is not supported",
    );
    // Org and bucket.
    expect(
        s.delete(&token, "bucket=b", &ok),
        400,
        "invalid",
        "Please provide either orgID or org",
    );
    expect(
        s.delete(&token, "org=nope&bucket=b", &ok),
        404,
        "not found",
        "organization name \"nope\" not found",
    );
    expect(
        s.delete(&token, "org=o", &ok),
        400,
        "invalid",
        "Please provide either bucketID or bucket",
    );
    expect(
        s.delete(&token, "org=o&bucket=nope", &ok),
        404,
        "not found",
        "bucket \"nope\" not found",
    );
    expect(
        s.delete(
            &token,
            &format!("orgID={org_id}&bucketID=0000000000000000"),
            &ok,
        ),
        404,
        "not found",
        "bucket not found",
    );
    // A token that may only read the bucket.
    let made = s.call(
        "POST",
        "/api/v2/authorizations",
        Some(&token),
        json!({"orgID": org_id, "permissions": [
            {"action": "read", "resource": {"type": "buckets", "id": bucket_id, "orgID": org_id}}]})
        .to_string()
        .as_bytes(),
    );
    assert_eq!(made.status, 201, "{}", made.text());
    let reader: Value = serde_json::from_slice(&made.body).unwrap();
    let reader = reader["token"].as_str().unwrap();
    expect(
        s.delete(reader, "org=o&bucket=b", &ok),
        403,
        "forbidden",
        "insufficient permissions to delete",
    );
    // Nothing was deleted by any of these.
    assert_eq!(points(&s, &token).len(), 8);
    // Only POST.
    assert_eq!(
        s.call("GET", "/api/v2/delete?org=o&bucket=b", Some(&token), b"")
            .status,
        405
    );
}
