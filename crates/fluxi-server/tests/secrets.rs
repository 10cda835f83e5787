//! `/api/v2/orgs/{orgID}/secrets` and `secrets.get` in queries: keys listed, values never
//! shown, each org's own, permissions as InfluxDB's.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

mod common;

use common::*;
use serde_json::json;

#[test]
fn an_orgs_secrets_are_set_listed_used_and_deleted_but_never_shown() {
    let s = start();
    let (token, org, _) = s.setup();
    let path = format!("/api/v2/orgs/{org}/secrets");
    let set = s.call(
        "PATCH",
        &path,
        Some(&token),
        br#"{"apiKey": "s3cr3t-value", "other": "x"}"#,
    );
    assert_eq!(set.status, 204, "{}", set.text());
    let listed = json_of(&s.call("GET", &path, Some(&token), b""));
    assert_eq!(listed["secrets"], json!(["apiKey", "other"]));
    assert!(!listed.to_string().contains("s3cr3t"), "{listed}");

    // A query of the org reads it (its length here, not the value).
    let csv = s
        .flux(
            &token,
            "import \"array\"\nimport \"strings\"\nimport \"influxdata/influxdb/secrets\"\n\
             array.from(rows: [{n: strings.strlen(v: secrets.get(key: \"apiKey\"))}])",
        )
        .text();
    assert!(csv.lines().any(|l| l.trim_end().ends_with(",12")), "{csv}");
    // A message that carries it shows <secret>.
    let a = s.flux(
        &token,
        "import \"influxdata/influxdb/secrets\"\nk = secrets.get(key: \"apiKey\")\ndie(msg: \"bad key \" + k)",
    );
    let text = a.text();
    assert!(!text.contains("s3cr3t"), "{text}");
    assert!(text.contains("<secret>"), "{text}");
    // A missing key is an error naming it.
    let a = s.flux(
        &token,
        "import \"influxdata/influxdb/secrets\"\nx = secrets.get(key: \"nope\")\nx",
    );
    assert!(
        a.text().contains("secret key \\\"nope\\\" not found"),
        "{}",
        a.text()
    );

    // Another org's queries do not see it.
    let other = json_of(&s.call("POST", "/api/v2/orgs", Some(&token), br#"{"name": "o2"}"#))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let a = s.call_with(
        "POST",
        &format!("/api/v2/query?orgID={other}"),
        Some(&token),
        &[("Content-Type", "application/vnd.flux")],
        b"import \"influxdata/influxdb/secrets\"\nx = secrets.get(key: \"apiKey\")\nx",
    );
    assert!(a.text().contains("not found"), "{}", a.text());

    // Permissions: read and write on the org's secrets.
    let (reader, _) = token_with(
        &s,
        &token,
        &org,
        vec![perm("read", "secrets", None, Some(&org))],
    );
    assert_eq!(s.call("GET", &path, Some(&reader), b"").status, 200);
    let refused = s.call("PATCH", &path, Some(&reader), br#"{"k": "v"}"#);
    assert_eq!(refused.status, 401);
    assert!(refused
        .text()
        .contains(&format!("write:orgs/{org}/secrets is unauthorized")));
    let (nobody, _) = token_with(
        &s,
        &token,
        &org,
        vec![perm("read", "buckets", None, Some(&org))],
    );
    assert_eq!(s.call("GET", &path, Some(&nobody), b"").status, 401);
    assert_eq!(s.call("GET", &path, None, b"").status, 401);
    assert_eq!(
        s.call(
            "GET",
            "/api/v2/orgs/0123456789abcdef/secrets",
            Some(&token),
            b""
        )
        .status,
        404
    );

    // Deleting: one by path, others by list.
    assert_eq!(
        s.call("DELETE", &format!("{path}/other"), Some(&token), b"")
            .status,
        204
    );
    let del = s.call(
        "POST",
        &format!("{path}/delete"),
        Some(&token),
        br#"{"secrets": ["apiKey"]}"#,
    );
    assert_eq!(del.status, 204);
    let listed = json_of(&s.call("GET", &path, Some(&token), b""));
    assert_eq!(listed["secrets"], json!([]));
    // Never in the server's records; in the secrets file only while it exists.
    let s = s.restart(|_| {});
    assert!(files_containing(s.dir.path(), b"s3cr3t-value").is_empty());
}
