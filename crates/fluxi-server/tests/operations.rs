//! Running a server: `/metrics`, request points in `_monitoring`, InfluxDB 1 writes with
//! their credentials, orgs and users, and the settings that change these.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

mod common;

use common::*;
use serde_json::json;

/// The value of the Prometheus sample `name{labels}` (exact label text), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn metrics_count_requests_by_route_and_status_without_a_token() {
    let s = start();
    let (token, _, _) = s.setup();
    for _ in 0..3 {
        let w = s.call(
            "POST",
            "/api/v2/write?org=o&bucket=b",
            Some(&token),
            b"m v=1",
        );
        assert_eq!(w.status, 204, "{}", w.text());
    }
    let refused = s.call(
        "POST",
        "/api/v2/write?org=o&bucket=b",
        Some("nope"),
        b"m v=1",
    );
    assert_eq!(refused.status, 401);
    let q = s.flux(&token, "from(bucket: \"b\") |> range(start: 0)");
    assert_eq!(q.status, 200);
    // A path nobody routes is counted under one name, not one series per path.
    s.call("GET", "/no/such/path/1", None, b"");
    s.call("GET", "/no/such/path/2", None, b"");

    let m = s.call("GET", "/metrics", None, b"");
    assert_eq!(m.status, 200);
    assert!(m
        .header("content-type")
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = m.text();
    let writes = r#"http_api_requests_total{method="POST",path="/api/v2/write",status="204"}"#;
    assert_eq!(sample(&text, writes), Some(3.0), "{text}");
    let unauthorized =
        r#"http_api_requests_total{method="POST",path="/api/v2/write",status="401"}"#;
    assert_eq!(sample(&text, unauthorized), Some(1.0), "{text}");
    assert_eq!(sample(&text, "fluxi_auth_failures_total"), Some(1.0));
    let unmatched = r#"http_api_requests_total{method="GET",path="unmatched",status="404"}"#;
    assert_eq!(sample(&text, unmatched), Some(2.0), "{text}");
    // Bytes: three 5-byte bodies in; the streamed query's CSV out.
    let bytes_in =
        r#"http_api_request_bytes_total{method="POST",path="/api/v2/write",status="204"}"#;
    assert_eq!(sample(&text, bytes_in), Some(15.0), "{text}");
    let bytes_out =
        r#"http_api_response_bytes_total{method="POST",path="/api/v2/query",status="200"}"#;
    assert_eq!(
        sample(&text, bytes_out),
        Some(q.body.len() as f64),
        "{text}"
    );
    // The histogram's +Inf bucket holds every request of its series.
    let inf = r#"http_api_request_duration_seconds_bucket{method="POST",path="/api/v2/write",status="204",le="+Inf"}"#;
    assert_eq!(sample(&text, inf), Some(3.0), "{text}");
    // The token never shows.
    assert!(!text.contains(&token));
}

#[test]
fn every_request_becomes_a_point_in_monitoring_with_the_token_id_not_the_token() {
    let s = start();
    let (token, org, _) = s.setup();
    let (_, auth_id) = token_with(
        &s,
        &token,
        &org,
        vec![perm("write", "buckets", None, Some(&org))],
    );
    let operator_id = json_of(&s.call("GET", "/api/v2/authorizations", Some(&token), b""))
        ["authorizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] != auth_id.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let w = s.call(
        "POST",
        "/api/v2/write?org=o&bucket=b",
        Some(&token),
        b"m v=1",
    );
    assert_eq!(w.status, 204);
    s.call("GET", "/api/v2/buckets", Some("unknown"), b"");
    // Stopping writes what the writer holds.
    let s = s.restart(|_| {});
    let q = s.flux(
        &token,
        r#"from(bucket: "_monitoring") |> range(start: -1h)
           |> filter(fn: (r) => r._measurement == "http_request" and r._field == "request_bytes")
           |> filter(fn: (r) => r.route == "/api/v2/write" or r.route == "/api/v2/buckets")
           |> group() |> keep(columns: ["route", "status", "token_id", "method", "_value"])
           |> sort(columns: ["route"])"#,
    );
    assert_eq!(q.status, 200, "{}", q.text());
    let csv = q.text();
    let rows: Vec<&str> = csv.lines().filter(|l| l.starts_with(",_result")).collect();
    assert_eq!(rows.len(), 2, "{csv}");
    // Columns come sorted: _value, method, route, status, token_id.
    assert_eq!(
        rows[0], ",_result,0,0,GET,/api/v2/buckets,401,none",
        "{csv}"
    );
    assert_eq!(
        rows[1],
        format!(",_result,0,5,POST,/api/v2/write,204,{operator_id}"),
        "{csv}"
    );
    // `_monitoring` is a system bucket, as InfluxDB's.
    let buckets = json_of(&s.call("GET", "/api/v2/buckets?name=_monitoring", Some(&token), b""));
    assert_eq!(buckets["buckets"][0]["type"], "system", "{buckets}");
    assert_eq!(
        buckets["buckets"][0]["retentionRules"][0]["everySeconds"],
        604_800
    );
    // Users cannot make buckets named like system ones.
    let mk = s.make_bucket(&token, &org, "_mine");
    assert_eq!(mk.status, 400, "{}", mk.text());
}

#[test]
fn monitoring_can_be_switched_off() {
    let s = start_with(tempfile::tempdir().unwrap(), |c| c.monitoring = false);
    let (token, _, _) = s.setup();
    let w = s.call(
        "POST",
        "/api/v2/write?org=o&bucket=b",
        Some(&token),
        b"m v=1",
    );
    assert_eq!(w.status, 204);
    // No `_monitoring`; `_tasks` (finished task runs) is there either way.
    let mut names = s.bucket_names(&token);
    names.sort();
    assert_eq!(names, ["_tasks", "b"]);
    // The counters are kept either way.
    let m = s.call("GET", "/metrics", None, b"").text();
    let writes = r#"http_api_requests_total{method="POST",path="/api/v2/write",status="204"}"#;
    assert_eq!(sample(&m, writes), Some(1.0), "{m}");
}

#[test]
fn influxdb_1_writes_map_db_and_rp_to_buckets_and_take_v1_credentials() {
    let s = start();
    let (token, org, _) = s.setup();
    for name in ["telegraf", "telegraf/weekly"] {
        let mk = s.make_bucket(&token, &org, name);
        assert_eq!(mk.status, 201, "{}", mk.text());
    }
    // The token as `p`.
    let w = request_raw(
        &s,
        &format!("/write?db=telegraf&u=ann&p={token}"),
        &[],
        b"cpu v=1 1",
    );
    assert_eq!(w.status, 204, "{}", w.text());
    // `autogen` is the default rp of a bucket named like the db.
    let w = request_raw(
        &s,
        "/write?db=telegraf&rp=autogen&precision=s",
        &[("Authorization", &format!("Token ann:{token}"))],
        b"cpu v=2 2",
    );
    assert_eq!(w.status, 204, "{}", w.text());
    // Basic auth, the token as the password; db/rp names the bucket `db/rp`.
    let basic = format!("Basic {}", base64(format!("ann:{token}").as_bytes()));
    let w = request_raw(
        &s,
        "/write?db=telegraf&rp=weekly&precision=ms",
        &[("Authorization", &basic)],
        b"cpu v=3 3",
    );
    assert_eq!(w.status, 204, "{}", w.text());
    let q = s.flux(
        &token,
        r#"from(bucket: "telegraf") |> range(start: 0) |> keep(columns: ["_time", "_value"])"#,
    );
    let csv = q.text();
    assert!(csv.contains("1970-01-01T00:00:00.000000001Z,1"), "{csv}");
    assert!(csv.contains("1970-01-01T00:00:02Z,2"), "{csv}");
    let q = s.flux(
        &token,
        r#"from(bucket: "telegraf/weekly") |> range(start: 0) |> keep(columns: ["_time", "_value"])"#,
    );
    assert!(
        q.text().contains("1970-01-01T00:00:00.003Z,3"),
        "{}",
        q.text()
    );

    let missing = request_raw(&s, &format!("/write?p={token}"), &[], b"cpu v=1");
    assert_eq!(
        (missing.status, json_of(&missing)["message"].as_str()),
        (400, Some("missing db"))
    );
    let unmapped = request_raw(&s, &format!("/write?db=nope&p={token}"), &[], b"cpu v=1");
    assert_eq!(unmapped.status, 404);
    assert_eq!(json_of(&unmapped)["message"], "no dbrp mapping found");
    let minutes = request_raw(
        &s,
        &format!("/write?db=telegraf&precision=m&p={token}"),
        &[],
        b"cpu v=1 1",
    );
    assert_eq!(minutes.status, 400, "{}", minutes.text());
    let anonymous = request_raw(&s, "/write?db=telegraf", &[], b"cpu v=1");
    assert_eq!(anonymous.status, 401);
    let wrong = request_raw(
        &s,
        "/write?db=telegraf&u=ann&p=not-the-token",
        &[],
        b"cpu v=1",
    );
    assert_eq!(wrong.status, 401);
    // A token that may only read gets InfluxDB's 403.
    let (reader, _) = token_with(
        &s,
        &token,
        &org,
        vec![perm("read", "buckets", None, Some(&org))],
    );
    let denied = request_raw(
        &s,
        &format!("/write?db=telegraf&p={reader}"),
        &[],
        b"cpu v=1",
    );
    assert_eq!(denied.status, 403);
    assert_eq!(
        json_of(&denied)["message"],
        "insufficient permissions for write"
    );
    // InfluxQL is not spoken: 501, saying what to use instead.
    let influxql = s.call(
        "GET",
        "/query?db=telegraf&q=SHOW%20DATABASES",
        Some(&token),
        b"",
    );
    assert_eq!(influxql.status, 501);
    assert!(json_of(&influxql)["message"]
        .as_str()
        .unwrap()
        .contains("/api/v2/query"));
    // A bad line rejects the request, as on /api/v2/write.
    let bad = request_raw(
        &s,
        &format!("/write?db=telegraf&p={token}"),
        &[],
        b"cpu v=1\ncpu v=",
    );
    assert_eq!(bad.status, 400, "{}", bad.text());
}

fn request_raw(
    s: &Running,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> fluxi_client::Answer {
    fluxi_client::request(&s.url, "POST", path, headers, body).unwrap()
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn orgs_are_created_renamed_and_deleted_with_their_buckets_and_tokens() {
    let s = start();
    let (token, org, _) = s.setup();
    let mk = s.call(
        "POST",
        "/api/v2/orgs",
        Some(&token),
        br#"{"name":"beta","description":"second"}"#,
    );
    assert_eq!(mk.status, 201, "{}", mk.text());
    let beta = json_of(&mk)["id"].as_str().unwrap().to_string();
    let dup = s.call("POST", "/api/v2/orgs", Some(&token), br#"{"name":"beta"}"#);
    assert_eq!(
        (dup.status, json_of(&dup)["code"].as_str()),
        (422, Some("conflict"))
    );
    let got = json_of(&s.call("GET", &format!("/api/v2/orgs/{beta}"), Some(&token), b""));
    assert_eq!(
        (got["name"].as_str(), got["description"].as_str()),
        (Some("beta"), Some("second"))
    );
    let renamed = s.call(
        "PATCH",
        &format!("/api/v2/orgs/{beta}"),
        Some(&token),
        br#"{"name":"gamma"}"#,
    );
    assert_eq!(json_of(&renamed)["name"], "gamma");
    assert_eq!(
        s.call("GET", "/api/v2/orgs?org=beta", Some(&token), b"")
            .status,
        404
    );
    // A bucket and a token in it, then the org goes and takes them along.
    let b = s.make_bucket(&token, &beta, "gb");
    assert_eq!(b.status, 201);
    let w = s.call(
        "POST",
        "/api/v2/write?org=gamma&bucket=gb",
        Some(&token),
        b"m v=1",
    );
    assert_eq!(w.status, 204);
    let (gt, _) = token_with(
        &s,
        &token,
        &beta,
        vec![perm("read", "buckets", None, Some(&beta))],
    );
    // A token of one org cannot see another org's records.
    let (ot, _) = token_with(
        &s,
        &token,
        &org,
        vec![perm("read", "orgs", Some(&org), Some(&org))],
    );
    let hidden = s.call("GET", &format!("/api/v2/orgs/{beta}"), Some(&ot), b"");
    assert_eq!(hidden.status, 401, "{}", hidden.text());
    assert_eq!(
        json_of(&hidden)["message"],
        format!("read:orgs/{beta} is unauthorized")
    );
    let mine = json_of(&s.call("GET", "/api/v2/orgs", Some(&ot), b""));
    assert_eq!(mine["orgs"].as_array().unwrap().len(), 1);
    assert_eq!(
        s.call("DELETE", &format!("/api/v2/orgs/{beta}"), Some(&token), b"")
            .status,
        204
    );
    assert_eq!(
        s.call("GET", &format!("/api/v2/orgs/{beta}"), Some(&token), b"")
            .status,
        404
    );
    assert_eq!(s.call("GET", "/api/v2/buckets", Some(&gt), b"").status, 401);
    let gone = s.flux(&token, r#"from(bucket: "gb") |> range(start: 0)"#);
    assert_eq!(gone.status, 404, "{}", gone.text());
}

#[test]
fn users_can_be_listed_made_deactivated_and_deleted() {
    let s = start();
    let (token, org, _) = s.setup();
    let me = json_of(&s.call("GET", "/api/v2/me", Some(&token), b""));
    assert_eq!(me["name"], "ann");
    let mk = s.call("POST", "/api/v2/users", Some(&token), br#"{"name":"bob"}"#);
    assert_eq!(mk.status, 201, "{}", mk.text());
    let bob = json_of(&mk)["id"].as_str().unwrap().to_string();
    assert_eq!(
        s.call("POST", "/api/v2/users", Some(&token), br#"{"name":"bob"}"#)
            .status,
        422
    );
    let list = json_of(&s.call("GET", "/api/v2/users", Some(&token), b""));
    assert_eq!(list["users"].as_array().unwrap().len(), 2);
    let short = s.call(
        "POST",
        &format!("/api/v2/users/{bob}/password"),
        Some(&token),
        br#"{"password":"short"}"#,
    );
    assert_eq!(short.status, 400);
    let pw = s.call(
        "POST",
        &format!("/api/v2/users/{bob}/password"),
        Some(&token),
        br#"{"password":"long-enough"}"#,
    );
    assert_eq!(pw.status, 204);
    assert_eq!(
        s.call("DELETE", &format!("/api/v2/users/{bob}"), Some(&token), b"")
            .status,
        204
    );
    let list = json_of(&s.call("GET", "/api/v2/users", Some(&token), b""));
    assert_eq!(list["users"].as_array().unwrap().len(), 1);
    assert_eq!(
        s.call("GET", &format!("/api/v2/users/{bob}"), Some(&token), b"")
            .status,
        404
    );
    // Deactivating Ann refuses her tokens (every token here is hers) with InfluxDB's 403.
    let (ann_token, _) = token_with(
        &s,
        &token,
        &org,
        vec![perm("read", "buckets", None, Some(&org))],
    );
    let ann = me["id"].as_str().unwrap();
    let inactive = s.call(
        "PATCH",
        &format!("/api/v2/users/{ann}"),
        Some(&token),
        br#"{"status":"inactive"}"#,
    );
    assert_eq!(json_of(&inactive)["status"], "inactive");
    for t in [&ann_token, &token] {
        let refused = s.call("GET", "/api/v2/buckets", Some(t), b"");
        assert_eq!(
            (refused.status, json_of(&refused)["message"].as_str()),
            (403, Some("User is inactive"))
        );
    }
    // Onboarding stays closed.
    let allowed = json_of(&s.call("GET", "/api/v2/setup", None, b""));
    assert_eq!(allowed["allowed"], false);
}

#[test]
fn analyze_lists_syntax_and_type_errors_without_running_the_query() {
    let s = start();
    let (token, _, _) = s.setup();
    let analyze = |query: &str| {
        let a = s.call_with(
            "POST",
            "/api/v2/query/analyze",
            Some(&token),
            &[("Content-Type", "application/json")],
            json!({"query": query, "type": "flux"})
                .to_string()
                .as_bytes(),
        );
        assert_eq!(a.status, 200, "{}", a.text());
        json_of(&a)["errors"].as_array().unwrap().clone()
    };
    assert!(analyze("from(bucket: \"b\") |> range(start: -1h)").is_empty());
    let typed = analyze("x = 1\ny = x + \"s\"\n");
    assert_eq!(typed.len(), 1, "{typed:?}");
    assert_eq!(
        (typed[0]["line"].as_u64(), typed[0]["column"].as_u64()),
        (Some(2), Some(9))
    );
    assert!(
        typed[0]["message"].as_str().unwrap().contains("string"),
        "{typed:?}"
    );
    let syntax = analyze("from(bucket: \"b\" |> range(start: -1h)");
    assert!(!syntax.is_empty());
    assert_eq!(syntax[0]["line"].as_u64(), Some(1));
    // Nothing ran: the query of a bucket that does not exist analyses clean.
    assert!(analyze("from(bucket: \"nope\") |> range(start: -1h)").is_empty());
    let anonymous = s.call("POST", "/api/v2/query/analyze", None, br#"{"query":"1"}"#);
    assert_eq!(anonymous.status, 401);
    let bad = s.call("POST", "/api/v2/query/analyze", Some(&token), b"{");
    assert_eq!(bad.status, 400);
}

#[test]
fn ast_answers_fluxs_json_ast_or_the_first_syntax_error() {
    let s = start();
    let (token, _, _) = s.setup();
    let a = s.call(
        "POST",
        "/api/v2/query/ast",
        Some(&token),
        json!({"query": "from(bucket: \"b\") |> range(start: -1h)"})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(a.status, 200, "{}", a.text());
    let ast = &json_of(&a)["ast"];
    assert_eq!(ast["type"], "Package");
    let pipe = &ast["files"][0]["body"][0]["expression"];
    assert_eq!(pipe["type"], "PipeExpression");
    assert_eq!(pipe["argument"]["callee"]["name"], "from");
    assert_eq!(
        pipe["argument"]["arguments"][0]["properties"][0]["value"]["value"],
        "b"
    );
    assert_eq!(pipe["call"]["callee"]["name"], "range");
    let bad = s.call(
        "POST",
        "/api/v2/query/ast",
        Some(&token),
        br#"{"query": "from(bucket: "}"#,
    );
    assert_eq!(bad.status, 400, "{}", bad.text());
    assert!(json_of(&bad)["message"]
        .as_str()
        .unwrap()
        .starts_with("error @1:"));
    assert_eq!(s.call("POST", "/api/v2/query/ast", None, b"{}").status, 401);
}

#[test]
fn buckets_are_renamed_described_and_given_a_retention_with_their_data() {
    let s = start();
    let (token, org, b) = s.setup();
    let w = s.call(
        "POST",
        "/api/v2/write?org=o&bucket=b",
        Some(&token),
        b"m v=1",
    );
    assert_eq!(w.status, 204);
    let patch = |id: &str, body: serde_json::Value| {
        s.call(
            "PATCH",
            &format!("/api/v2/buckets/{id}"),
            Some(&token),
            body.to_string().as_bytes(),
        )
    };
    let a = patch(
        &b,
        json!({"name": "renamed", "description": "kept a week",
               "retentionRules": [{"type": "expire", "everySeconds": 604800}]}),
    );
    assert_eq!(a.status, 200, "{}", a.text());
    let j = json_of(&a);
    assert_eq!(
        (
            j["name"].as_str(),
            j["description"].as_str(),
            j["id"].as_str()
        ),
        (Some("renamed"), Some("kept a week"), Some(b.as_str()))
    );
    assert_eq!(j["retentionRules"][0]["everySeconds"], 604_800);
    // The data moved with the name; writes and reads use the new one.
    let q = s.flux(
        &token,
        "from(bucket: \"renamed\") |> range(start: -1h) |> count()",
    );
    assert!(q.text().contains(",1\r\n"), "{}", q.text());
    assert_eq!(
        s.flux(&token, "from(bucket: \"b\") |> range(start: -1h)")
            .status,
        404
    );
    let w = s.call(
        "POST",
        "/api/v2/write?org=o&bucket=renamed",
        Some(&token),
        b"m v=2",
    );
    assert_eq!(w.status, 204);
    // Refusals: a taken name, two rules, a negative period, a system bucket's name.
    let other = s.make_bucket(&token, &org, "other");
    let other = json_of(&other)["id"].as_str().unwrap().to_string();
    assert_eq!(patch(&other, json!({"name": "renamed"})).status, 422);
    let two = json!({"retentionRules": [{"everySeconds": 3600}, {"everySeconds": 7200}]});
    assert_eq!(patch(&other, two).status, 422);
    assert_eq!(
        patch(&other, json!({"retentionRules": [{"everySeconds": -1}]})).status,
        422
    );
    let monitoring = json_of(&s.call("GET", "/api/v2/buckets?name=_monitoring", Some(&token), b""))
        ["buckets"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(patch(&monitoring, json!({"name": "mine"})).status, 400);
    assert_eq!(patch("0000000000000001", json!({"name": "x"})).status, 404);
    // Forever again, and it all survives a restart.
    let a = patch(&b, json!({"retentionRules": []}));
    assert_eq!(json_of(&a)["retentionRules"], json!([]));
    let s = s.restart(|_| {});
    let got = json_of(&s.call("GET", &format!("/api/v2/buckets/{b}"), Some(&token), b""));
    assert_eq!(
        (got["name"].as_str(), got["retentionRules"].clone()),
        (Some("renamed"), json!([]))
    );
    let q = s.flux(
        &token,
        "from(bucket: \"renamed\") |> range(start: -1h) |> count()",
    );
    assert!(q.text().contains(",2\r\n"), "{}", q.text());
}

#[test]
fn records_of_buckets_the_store_lost_are_dropped_on_start() {
    use fluxi::Storage;
    let s = start();
    let (token, org, _) = s.setup();
    let mk = s.make_bucket(&token, &org, "doomed");
    assert_eq!(mk.status, 201);
    let mut s = s;
    s.server.take().unwrap().stop().unwrap();
    // As if the server died between deleting the bucket from the store and saving its
    // records: the store no longer has it, server.json still does.
    {
        let store = fluxi::DiskStorage::open(s.dir.path()).unwrap();
        store.delete_bucket("doomed").unwrap();
    }
    let s = s.restart(|_| {});
    let names = s.bucket_names(&token);
    assert!(!names.iter().any(|n| n == "doomed"), "{names:?}");
    assert!(names.iter().any(|n| n == "b"), "{names:?}");
    // The name can be used again.
    let again = s.make_bucket(&token, &org, "doomed");
    assert_eq!(again.status, 201, "{}", again.text());
}
