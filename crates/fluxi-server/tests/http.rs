//! The HTTP API byte for byte, with raw requests to a server started in this process on a
//! free loopback port: onboarding, tokens, write, query (annotated CSV and errors),
//! buckets, orgs and authorizations, and a stop that keeps what was written.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

mod common;

use common::*;
use fluxi_client::request;
use serde_json::json;
use std::io::Write;
use std::path::Path;

#[test]
fn health_ping_ready_and_unknown_paths() {
    let s = start();
    let ping = s.call("GET", "/ping", None, b"");
    assert_eq!(ping.status, 204);
    assert_eq!(ping.header("x-influxdb-build"), Some("OSS"));
    assert!(ping.header("x-influxdb-version").is_some());
    let health = s.call("GET", "/health", Some("whatever"), b"");
    assert_eq!(health.status, 200);
    assert_eq!(json_of(&health)["status"], "pass");
    assert_eq!(json_of(&health)["name"], "influxdb");
    let ready = s.call("GET", "/ready", None, b"");
    assert_eq!(json_of(&ready)["status"], "ready");
    let nope = s.call("GET", "/api/v2/nope", None, b"");
    assert_eq!(nope.status, 404);
    assert_eq!(
        nope.text(),
        r#"{"code":"not found","message":"path not found"}"#
    );
    assert_eq!(nope.header("x-platform-error-code"), Some("not found"));
    assert_eq!(
        nope.header("content-type"),
        Some("application/json; charset=utf-8")
    );
}

#[test]
fn onboarding_happens_once_and_the_token_is_kept_only_hashed() {
    let s = start();
    let allowed = s.call("GET", "/api/v2/setup", None, b"");
    assert_eq!(json_of(&allowed)["allowed"], true);
    let (token, _, _) = s.setup();
    assert!(token.len() >= 40);
    let again = s.call(
        "POST",
        "/api/v2/setup",
        None,
        br#"{"username":"bob","password":"another-one","org":"p","bucket":"c"}"#,
    );
    assert_eq!(again.status, 422);
    assert_eq!(json_of(&again)["code"], "conflict");
    assert_eq!(
        json_of(&s.call("GET", "/api/v2/setup", None, b""))["allowed"],
        false
    );
    // Nothing under the data directory holds the raw token.
    fn scan(dir: &Path, needle: &[u8]) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                scan(&p, needle);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle),
                    "{} holds the raw token",
                    p.display()
                );
            }
        }
    }
    scan(s.dir.path(), token.as_bytes());
    // The hash is there.
    let meta = std::fs::read_to_string(s.dir.path().join("server.json")).unwrap();
    assert!(meta.contains("token_hash"));
}

#[test]
fn requests_without_a_known_token_are_unauthorized() {
    let s = start();
    let (token, _, _) = s.setup();
    for t in [None, Some("not-a-token")] {
        let a = s.call("POST", "/api/v2/write?org=o&bucket=b", t, b"m v=1");
        assert_eq!(a.status, 401);
        assert_eq!(
            a.text(),
            r#"{"code":"unauthorized","message":"unauthorized access"}"#
        );
        assert_eq!(s.call("GET", "/api/v2/buckets", t, b"").status, 401);
    }
    let bearer = format!("Bearer {token}");
    let a = request(
        &s.url,
        "GET",
        "/api/v2/buckets",
        &[("Authorization", &bearer)],
        b"",
    )
    .unwrap();
    assert_eq!(a.status, 200);
}

#[test]
fn writes_answer_as_influxdb_does() {
    let s = start();
    let (token, org_id, bucket_id) = s.setup();
    let t = Some(token.as_str());
    let ok = s.call(
        "POST",
        "/api/v2/write?org=o&bucket=b&precision=s",
        t,
        b"cpu,host=a v=1.5 1700000000\ncpu,host=b v=2 1700000000",
    );
    assert_eq!(ok.status, 204, "{}", ok.text());
    assert!(ok.body.is_empty());
    // By IDs too.
    let by_id = format!("/api/v2/write?orgID={org_id}&bucket={bucket_id}&precision=s");
    assert_eq!(
        s.call("POST", &by_id, t, b"cpu,host=c v=3 1700000000")
            .status,
        204
    );
    let bad = s.call(
        "POST",
        "/api/v2/write?org=o&bucket=b",
        t,
        b"cpu v=1 1\nbad\n  bad2 v=",
    );
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.text(),
        r#"{"code":"invalid","message":"unable to parse 'bad': missing fields\nunable to parse 'bad2 v=': missing field value"}"#
    );
    let precision = s.call(
        "POST",
        "/api/v2/write?org=o&bucket=b&precision=h",
        t,
        b"m v=1",
    );
    assert_eq!(precision.status, 400);
    assert_eq!(
        json_of(&precision)["message"],
        "invalid precision; valid precision units are ns, us, ms, and s"
    );
    let no_bucket = s.call("POST", "/api/v2/write?org=o", t, b"m v=1");
    assert_eq!(no_bucket.status, 404);
    assert_eq!(json_of(&no_bucket)["message"], "bucket not found");
    let unknown = s.call("POST", "/api/v2/write?org=o&bucket=zz", t, b"m v=1");
    assert_eq!(unknown.status, 404);
    assert_eq!(json_of(&unknown)["message"], "bucket \"zz\" not found");
    let no_org = s.call("POST", "/api/v2/write?bucket=b", t, b"m v=1");
    assert_eq!(no_org.status, 400);
    assert_eq!(
        json_of(&no_org)["message"],
        "Please provide either orgID or org"
    );
    let bad_org = s.call("POST", "/api/v2/write?org=x&bucket=b", t, b"m v=1");
    assert_eq!(bad_org.status, 404);
    assert_eq!(
        json_of(&bad_org)["message"],
        "organization name \"x\" not found"
    );
    let conflict = s.call(
        "POST",
        "/api/v2/write?org=o&bucket=b&precision=s",
        t,
        b"cpu,host=a v=1i 1700000001",
    );
    assert_eq!(conflict.status, 422, "{}", conflict.text());
    assert_eq!(json_of(&conflict)["code"], "unprocessable entity");
    // gzip, and a gzip bomb refused after decompression.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"cpu,host=d v=4 1700000000").unwrap();
    let gz = gz.finish().unwrap();
    let zipped = s.call_with(
        "POST",
        "/api/v2/write?org=o&bucket=b&precision=s",
        t,
        &[("Content-Encoding", "gzip")],
        &gz,
    );
    assert_eq!(zipped.status, 204, "{}", zipped.text());
    let mut bomb = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let line = b"cpu,host=e v=5 1700000000\n";
    for _ in 0..((2 << 20) / line.len()) {
        bomb.write_all(line).unwrap();
    }
    let bomb = bomb.finish().unwrap();
    assert!(
        bomb.len() < (1 << 20),
        "the compressed body is under the limit"
    );
    let refused = s.call_with(
        "POST",
        "/api/v2/write?org=o&bucket=b&precision=s",
        t,
        &[("Content-Encoding", "gzip")],
        &bomb,
    );
    assert_eq!(refused.status, 413);
    assert_eq!(
        refused.text(),
        r#"{"code":"request too large","message":"unable to read data: points batch is too large"}"#
    );
    let corrupt = s.call_with(
        "POST",
        "/api/v2/write?org=o&bucket=b",
        t,
        &[("Content-Encoding", "gzip")],
        b"not gzip at all",
    );
    assert_eq!(corrupt.status, 400);
    // Exactly the accepted points are there: a, b, c, d (host e never landed).
    let q = s.query(
        &token,
        &json!({"query": "from(bucket: \"b\") |> range(start: 2023-01-01T00:00:00Z) |> group() |> count()"}),
    );
    assert_eq!(q.status, 200, "{}", q.text());
    assert_eq!(q.text(), ",result,table,_value\r\n,_result,0,4\r\n\r\n");
}

const DATA: &[u8] = b"cpu,host=a usage=1.5 1704067200000000000\n\
cpu,host=a usage=2.5 1704067210000000000\n\
cpu,host=b usage=10 1704067200000000000\n";

#[test]
fn query_results_are_annotated_csv_byte_for_byte() {
    let s = start();
    let (token, _, _) = s.setup();
    let w = s.call("POST", "/api/v2/write?org=o&bucket=b", Some(&token), DATA);
    assert_eq!(w.status, 204);
    let flux = r#"from(bucket: "b")
        |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-01T01:00:00Z)
        |> filter(fn: (r) => r._measurement == "cpu")"#;
    let all = s.query(
        &token,
        &json!({"query": flux, "type": "flux",
                "dialect": {"header": true, "delimiter": ",", "annotations": ["datatype", "group", "default"]}}),
    );
    assert_eq!(all.status, 200, "{}", all.text());
    assert_eq!(all.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        all.text(),
        "#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,string,string,string\r\n\
#group,false,false,true,true,false,false,true,true,true\r\n\
#default,_result,,,,,,,,\r\n\
,result,table,_start,_stop,_time,_value,_field,_measurement,host\r\n\
,,0,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,2024-01-01T00:00:00Z,1.5,usage,cpu,a\r\n\
,,0,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,2024-01-01T00:00:10Z,2.5,usage,cpu,a\r\n\
,,1,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,2024-01-01T00:00:00Z,10,usage,cpu,b\r\n\
\r\n"
    );
    // No annotations (the JSON default) and a raw vnd.flux body: the result name on
    // every row.
    let plain = s.call_with(
        "POST",
        "/api/v2/query?org=o",
        Some(&token),
        &[("Content-Type", "application/vnd.flux")],
        format!("{flux} |> keep(columns: [\"_value\", \"host\"])").as_bytes(),
    );
    assert_eq!(
        plain.text(),
        ",result,table,_value,host\r\n,_result,0,1.5,a\r\n,_result,0,2.5,a\r\n,_result,1,10,b\r\n\r\n"
    );
    // Annotations in the order asked, no header, another delimiter; extern options and now.
    let custom = s.query(
        &token,
        &json!({"query": "from(bucket: bkt) |> range(start: -1h) |> keep(columns: [\"_value\", \"host\"]) |> mean() |> yield(name: \"avg\")",
                "now": "2024-01-01T00:30:00Z",
                "extern": {"imports": [], "body": [{"type": "OptionStatement", "assignment": {"type": "VariableAssignment",
                    "id": {"type": "Identifier", "name": "bkt"}, "init": {"type": "StringLiteral", "value": "b"}}}]},
                "dialect": {"header": false, "delimiter": ";", "annotations": ["group", "datatype"]}}),
    );
    assert_eq!(custom.status, 200, "{}", custom.text());
    assert_eq!(
        custom.text(),
        "#group;false;false;true;false\r\n#datatype;string;long;string;double\r\n;avg;0;a;2\r\n;avg;1;b;10\r\n\r\n"
    );
    // A query with no results is the two bytes of the blank line... or nothing at all.
    let empty = s.query(
        &token,
        &json!({"query": "from(bucket: \"b\") |> range(start: 2020-01-01T00:00:00Z, stop: 2020-01-02T00:00:00Z)"}),
    );
    assert_eq!(empty.status, 200);
    assert_eq!(empty.text(), "\r\n");
}

#[test]
fn query_errors_are_json_before_output_and_a_table_after() {
    let s = start();
    let (token, _, _) = s.setup();
    let compile = s.query(&token, &json!({"query": "foo |> bar()"}));
    assert_eq!(compile.status, 400);
    assert_eq!(json_of(&compile)["code"], "invalid");
    let msg = json_of(&compile)["message"].as_str().unwrap().to_string();
    assert!(msg.starts_with("compilation failed: error @1:1: "), "{msg}");
    let missing = s.query(
        &token,
        &json!({"query": "from(bucket: \"nope\") |> range(start: -1h)"}),
    );
    assert_eq!(missing.status, 404, "{}", missing.text());
    assert_eq!(json_of(&missing)["code"], "not found");
    let not_json = s.call_with(
        "POST",
        "/api/v2/query?org=o",
        Some(&token),
        &[("Content-Type", "application/json")],
        b"from(bucket: \"b\")",
    );
    assert_eq!(not_json.status, 400);
    assert!(json_of(&not_json)["message"]
        .as_str()
        .unwrap()
        .starts_with("failed to decode request body: failed parsing request body as JSON"));
    let no_org = s.call_with(
        "POST",
        "/api/v2/query?org=x",
        Some(&token),
        &[("Content-Type", "application/json")],
        br#"{"query":"1"}"#,
    );
    assert_eq!(no_org.status, 400);
    assert_eq!(
        json_of(&no_org)["message"],
        "failed to decode request body: organization name \"x\" not found"
    );
    // One result streams, then the next fails: the error table ends the response.
    let mid = s.query(
        &token,
        &json!({"query": "import \"array\"\narray.from(rows: [{a: 1}]) |> yield(name: \"one\")\narray.from(rows: [{a: 2}]) |> map(fn: (r) => ({a: die(msg: \"boom\")})) |> yield(name: \"two\")",
                "dialect": {"annotations": ["datatype", "group", "default"]}}),
    );
    assert_eq!(mid.status, 200, "{}", mid.text());
    let text = mid.text();
    assert!(
        text.starts_with("#datatype,string,long,long\r\n#group,false,false,false\r\n#default,one,,\r\n,result,table,a\r\n,,0,1\r\n\r\n"),
        "{text:?}"
    );
    let tail = text.split("\r\n\r\n").nth(1).unwrap_or("");
    assert!(
        tail.starts_with(
            "#datatype,string,string\r\n#group,true,true\r\n#default,,\r\n,error,reference\r\n,"
        ),
        "{text:?}"
    );
    assert!(tail.contains("boom"), "{text:?}");
}

#[test]
fn scoped_tokens_see_and_write_only_their_buckets() {
    let s = start();
    let (op, org, b_id) = s.setup();
    let created = s.call(
        "POST",
        "/api/v2/buckets",
        Some(&op),
        json!({"orgID": org, "name": "other", "retentionRules": [{"type": "expire", "everySeconds": 86400}]})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(created.status, 201, "{}", created.text());
    let other = json_of(&created);
    assert_eq!(other["retentionRules"][0]["everySeconds"], 86400);
    let other_id = other["id"].as_str().unwrap().to_string();
    let dup = s.call(
        "POST",
        "/api/v2/buckets",
        Some(&op),
        json!({"orgID": org, "name": "other"})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(dup.status, 422);
    assert_eq!(
        dup.text(),
        r#"{"code":"conflict","message":"bucket with name other already exists"}"#
    );
    assert_eq!(
        s.call(
            "POST",
            "/api/v2/write?org=o&bucket=other",
            Some(&op),
            b"m v=1"
        )
        .status,
        204
    );
    assert_eq!(
        s.call(
            "POST",
            "/api/v2/write?org=o&bucket=b",
            Some(&op),
            b"m v=2 1704067200000000000"
        )
        .status,
        204
    );
    // A token that may read and write only `b`.
    let made = s.call(
        "POST",
        "/api/v2/authorizations",
        Some(&op),
        json!({"orgID": org, "description": "b only", "permissions": [
            {"action": "read", "resource": {"type": "buckets", "id": b_id, "orgID": org}},
            {"action": "write", "resource": {"type": "buckets", "id": b_id, "orgID": org}}]})
        .to_string()
        .as_bytes(),
    );
    assert_eq!(made.status, 201, "{}", made.text());
    let made = json_of(&made);
    let scoped = made["token"].as_str().unwrap().to_string();
    let scoped_id = made["id"].as_str().unwrap().to_string();
    let read = |bucket: &str| {
        s.query(
            &scoped,
            &json!({"query": format!("from(bucket: \"{bucket}\") |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-02T00:00:00Z) |> keep(columns: [\"_value\"])")}),
        )
    };
    assert_eq!(
        read("b").text(),
        ",result,table,_value\r\n,_result,0,2\r\n\r\n"
    );
    let refused = read("other");
    assert_eq!(refused.status, 404, "{}", refused.text());
    // The message names only the buckets the token may read.
    let message = json_of(&refused)["message"].as_str().unwrap().to_string();
    assert!(message.contains("the store has \"b\""), "{message}");
    assert_eq!(message.matches("other").count(), 1, "{message}");
    let w = s.call(
        "POST",
        "/api/v2/write?org=o&bucket=other",
        Some(&scoped),
        b"m v=3",
    );
    assert_eq!(w.status, 403);
    assert_eq!(
        w.text(),
        r#"{"code":"forbidden","message":"insufficient permissions for write"}"#
    );
    // to() into a bucket it may not write.
    let to = s.query(
        &scoped,
        &json!({"query": "from(bucket: \"b\") |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-02T00:00:00Z) |> to(bucket: \"other\")"}),
    );
    assert_eq!(to.status, 403, "{}", to.text());
    // buckets() and the bucket list show only `b`.
    let listed = json_of(&s.call("GET", "/api/v2/buckets", Some(&scoped), b""));
    let names: Vec<&str> = listed["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["b"]);
    assert!(listed["links"]["self"].is_string());
    let flux_list = s.query(
        &scoped,
        &json!({"query": "buckets() |> keep(columns: [\"name\"])"}),
    );
    assert_eq!(
        flux_list.text(),
        ",result,table,name\r\n,_result,0,b\r\n\r\n"
    );
    // It may not delete `other`, nor make tokens.
    let del = s.call(
        "DELETE",
        &format!("/api/v2/buckets/{other_id}"),
        Some(&scoped),
        b"",
    );
    // InfluxDB answers the management API's missing permissions with 401 and names it.
    assert_eq!(del.status, 401);
    assert!(
        del.text().contains(&format!(
            "write:orgs/{org}/buckets/{other_id} is unauthorized"
        )),
        "{}",
        del.text()
    );
    let mk = s.call(
        "POST",
        "/api/v2/authorizations",
        Some(&scoped),
        json!({"orgID": org, "permissions": [{"action": "read", "resource": {"type": "buckets"}}]})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(mk.status, 401, "{}", mk.text());
    // Inactive: authenticated, but every permission fails.
    let patch = s.call(
        "PATCH",
        &format!("/api/v2/authorizations/{scoped_id}"),
        Some(&op),
        br#"{"status":"inactive"}"#,
    );
    assert_eq!(patch.status, 200, "{}", patch.text());
    let inactive = s.call(
        "POST",
        "/api/v2/write?org=o&bucket=b",
        Some(&scoped),
        b"m v=3",
    );
    assert_eq!(inactive.status, 403);
    assert_eq!(
        json_of(&inactive)["message"],
        "insufficient permissions for write: token is inactive"
    );
    // Deleted: refused on the next request.
    let list = json_of(&s.call("GET", "/api/v2/authorizations", Some(&op), b""));
    assert_eq!(list["authorizations"].as_array().unwrap().len(), 2);
    assert!(
        list["authorizations"][0].get("token").is_none(),
        "tokens are shown once"
    );
    let gone = s.call(
        "DELETE",
        &format!("/api/v2/authorizations/{scoped_id}"),
        Some(&op),
        b"",
    );
    assert_eq!(gone.status, 204);
    assert_eq!(
        s.call("GET", "/api/v2/buckets", Some(&scoped), b"").status,
        401
    );
    // The operator deletes `other`.
    let del = s.call(
        "DELETE",
        &format!("/api/v2/buckets/{other_id}"),
        Some(&op),
        b"",
    );
    assert_eq!(del.status, 204);
    let orgs = json_of(&s.call("GET", "/api/v2/orgs", Some(&op), b""));
    assert_eq!(orgs["orgs"][0]["name"], "o");
    assert_eq!(
        s.call("GET", "/api/v2/orgs?org=zz", Some(&op), b"").status,
        404
    );
}

#[test]
fn points_older_than_the_retention_are_refused_with_422() {
    let s = start();
    let (op, org, _) = s.setup();
    let made = s.call(
        "POST",
        "/api/v2/buckets",
        Some(&op),
        json!({"orgID": org, "name": "hour", "retentionRules": [{"type": "expire", "everySeconds": 3600}]})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(made.status, 201, "{}", made.text());
    let old = s.call(
        "POST",
        "/api/v2/write?org=o&bucket=hour",
        Some(&op),
        b"m v=1\nm v=2 1704067200000000000",
    );
    assert_eq!(old.status, 422, "{}", old.text());
    assert_eq!(json_of(&old)["code"], "unprocessable entity");
    assert!(
        json_of(&old)["message"]
            .as_str()
            .unwrap()
            .contains("dropped 1 points outside retention policy of duration 3600s"),
        "{}",
        old.text()
    );
    let fresh = s.call(
        "POST",
        "/api/v2/write?org=o&bucket=hour",
        Some(&op),
        b"m v=3",
    );
    assert_eq!(fresh.status, 204, "{}", fresh.text());
    // Only the fresh point is there: the refused batch wrote nothing.
    let q = s.query(
        &op,
        &json!({"query": "from(bucket: \"hour\") |> range(start: -1h) |> keep(columns: [\"_value\"])"}),
    );
    assert_eq!(q.text(), ",result,table,_value\r\n,_result,0,3\r\n\r\n");
}

#[test]
fn a_stopped_server_keeps_every_acknowledged_write() {
    let mut s = start();
    let (token, _, _) = s.setup();
    for i in 0..20 {
        let line = format!("m,k=v{i} v={i} 1704067200000000000");
        assert_eq!(
            s.call(
                "POST",
                "/api/v2/write?org=o&bucket=b",
                Some(&token),
                line.as_bytes()
            )
            .status,
            204
        );
    }
    s.server.take().unwrap().stop().unwrap();
    let dir = std::mem::replace(&mut s.dir, tempfile::tempdir().unwrap());
    let s2 = start_in(dir, 1 << 20);
    let q = s2.query(
        &token,
        &json!({"query": "from(bucket: \"b\") |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-02T00:00:00Z) |> group() |> count() |> keep(columns: [\"_value\"])"}),
    );
    assert_eq!(q.text(), ",result,table,_value\r\n,_result,0,20\r\n\r\n");
}

#[test]
fn queries_read_no_files_of_the_server() {
    let s = start();
    let (token, _, _) = s.setup();
    // The server's own records (token hashes) are a file its process can read.
    let secret = s.dir.path().join("server.json");
    assert!(secret.exists());
    let q = format!(
        "import \"csv\"\ncsv.from(file: {:?}, mode: \"raw\")",
        secret.to_str().unwrap()
    );
    let a = s.query(&token, &json!({ "query": q }));
    let text = a.text();
    assert!(
        text.contains("this engine lets no query read files"),
        "{text}"
    );
    assert!(!text.contains("hash"), "{text}");
    assert_ne!(a.status, 200, "{text}");
}
