//! `POST /api/v2/delete`: deletes the points of a bucket in a time range whose series
//! match a predicate, as InfluxDB 2.7 does (`delete_api().delete(...)` of the client
//! libraries, `influx delete`).
//!
//! The body is `{"start": RFC3339, "stop": RFC3339, "predicate": "..."}`; `start <= _time
//! <= stop`, both ends included. The order of the checks is InfluxDB's: the token (401),
//! the body (400 `invalid`, `error decoding json body: ...`; 501 for a predicate on
//! `_field`), the org and the bucket (`org`/`orgID`, `bucket`/`bucketID`; 400 or 404),
//! write permission on the bucket (403 `insufficient permissions to delete`). 204 once
//! the delete is as durable as an acknowledged write.

use crate::meta::Permission;
use crate::{empty, read_body, ApiError, Shared};
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use fluxi::{DeletePredicate, StorageError};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Debug, Deserialize, Default)]
pub(crate) struct DeleteParams {
    org: Option<String>,
    #[serde(rename = "orgID")]
    org_id: Option<String>,
    bucket: Option<String>,
    #[serde(rename = "bucketID")]
    bucket_id: Option<String>,
}

/// The body as sent. Fields other than these are ignored, as InfluxDB ignores them.
#[derive(Debug, Deserialize)]
struct DeleteBody {
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    stop: Option<String>,
    #[serde(default)]
    predicate: Option<String>,
}

/// What the body asks for.
struct DeleteRequest {
    start: i64,
    stop: i64,
    predicate: DeletePredicate,
}

/// The earliest and latest times InfluxDB stores (`models.MinNanoTime`, `MaxNanoTime`).
const MIN_TIME: i64 = i64::MIN + 2;
const MAX_TIME: i64 = i64::MAX - 1;

/// Why a time of the body is refused.
enum TimeProblem {
    Format,
    OutOfRange,
}

/// An RFC 3339 date-time with a time of day and an offset (what Go's `RFC3339Nano`
/// layout reads), as nanoseconds since the epoch within InfluxDB's range.
fn parse_instant(text: &str) -> Result<i64, TimeProblem> {
    if !text.contains(['T', 't']) {
        return Err(TimeProblem::Format);
    }
    let parts = fluxi::parse_rfc3339(text).map_err(|_| TimeProblem::Format)?;
    match parts.unix_nanos() {
        Some(t) if (MIN_TIME..=MAX_TIME).contains(&t) => Ok(t),
        _ => Err(TimeProblem::OutOfRange),
    }
}

/// The body's error, wrapped as InfluxDB wraps errors of decoding it.
fn body_error(why: impl std::fmt::Display) -> ApiError {
    ApiError::invalid(format!("error decoding json body: {why}"))
}

fn decode(body: &[u8]) -> Result<DeleteRequest, ApiError> {
    let raw: DeleteBody = serde_json::from_slice(body).map_err(body_error)?;
    let start = parse_instant(raw.start.as_deref().unwrap_or("")).map_err(|p| match p {
        TimeProblem::Format => body_error(
            "invalid RFC3339Nano for field start, please format your time with RFC3339Nano \
             format, example: 2009-01-02T23:00:00Z",
        ),
        TimeProblem::OutOfRange => body_error(
            "invalid start time, start time must not be before 1677-09-21T00:12:43.145224194Z",
        ),
    })?;
    let stop = parse_instant(raw.stop.as_deref().unwrap_or("")).map_err(|p| match p {
        TimeProblem::Format => body_error(
            "invalid RFC3339Nano for field stop, please format your time with RFC3339Nano \
             format, example: 2009-01-01T23:00:00Z",
        ),
        TimeProblem::OutOfRange => body_error(
            "invalid stop time, stop time must not be after 2262-04-11T23:47:16.854775806Z",
        ),
    })?;
    let predicate =
        DeletePredicate::parse(raw.predicate.as_deref().unwrap_or("")).map_err(|e| {
            if e.is_not_implemented() {
                ApiError::not_implemented(e.to_string())
            } else {
                body_error(e)
            }
        })?;
    if start > stop {
        return Err(body_error(StorageError::DeleteRange { start, stop }));
    }
    Ok(DeleteRequest {
        start,
        stop,
        predicate,
    })
}

pub(crate) async fn delete(
    State(app): State<Shared>,
    Query(params): Query<DeleteParams>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let body = read_body(
        request,
        app.config.max_body_bytes,
        app.config.timeouts.body_idle,
    )
    .await?;
    let wanted = decode(&body)?;
    let org = app.resolve_org(params.org.as_deref(), params.org_id.as_deref())?;
    let bucket = {
        let meta = app.meta();
        let by_id = params.bucket_id.as_deref().filter(|s| !s.is_empty());
        let by_name = params.bucket.as_deref().filter(|s| !s.is_empty());
        match (by_id, by_name) {
            (Some(id), _) => meta
                .bucket(id)
                .filter(|b| b.org_id == org.id)
                .cloned()
                .ok_or_else(|| ApiError::not_found("bucket not found"))?,
            (None, Some(name)) => meta
                .bucket_in_org(&org.id, name)
                .cloned()
                .ok_or_else(|| ApiError::not_found(format!("bucket \"{name}\" not found")))?,
            (None, None) => {
                return Err(ApiError::invalid(
                    "Please provide either bucketID or bucket",
                ))
            }
        }
    };
    if auth.status != "active"
        || !auth.allows(&Permission::on(
            "write",
            "buckets",
            Some(&bucket.id),
            Some(&org.id),
        ))
    {
        return Err(ApiError::forbidden("insufficient permissions to delete"));
    }
    let store = Arc::clone(&app.buckets);
    let done = tokio::task::spawn_blocking(move || {
        store.delete(&bucket.name, wanted.start, wanted.stop, &wanted.predicate)
    })
    .await
    .map_err(|e| ApiError::internal(format!("unable to delete: {e}")))?;
    match done {
        Ok(()) => Ok(empty(StatusCode::NO_CONTENT)),
        Err(e @ StorageError::BucketNotFound(_)) => Err(ApiError::not_found(e.to_string())),
        Err(e @ StorageError::ReadOnly(_)) => Err(ApiError::forbidden(e.to_string())),
        Err(e @ (StorageError::DeleteRange { .. } | StorageError::DeletePredicate(_))) => {
            Err(body_error(e))
        }
        Err(e) => Err(ApiError::internal(format!("unable to delete: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(body: &str) -> (&'static str, String) {
        match decode(body.as_bytes()) {
            Ok(_) => ("ok", String::new()),
            Err(e) => (e.code, e.message),
        }
    }

    #[test]
    fn bodies_are_checked_as_influxdb_checks_them() {
        let ok = r#"{"start":"2024-01-01T00:00:00Z","stop":"2024-01-02T00:00:00.5+01:00","predicate":"_measurement=\"cpu\""}"#;
        let r = decode(ok.as_bytes()).map_err(|e| e.message);
        assert!(r
            .as_ref()
            .is_ok_and(|r| r.start == 1_704_067_200_000_000_000
                && r.stop == 1_704_150_000_500_000_000
                && r.predicate.conditions.len() == 1));
        // The Python client's datetimes, and no predicate at all.
        let r = decode(
            br#"{"start":"1970-01-01T00:00:00+00:00","stop":"2024-01-01T00:00:00.123456+00:00"}"#,
        );
        assert!(r.is_ok_and(|r| r.predicate.is_all() && r.stop == 1_704_067_200_123_456_000));
        assert_eq!(
            message("{"),
            (
                "invalid",
                "error decoding json body: EOF while parsing an object at line 1 column 1".into()
            )
        );
        assert_eq!(
            message(r#"{"start":"2024-01-01","stop":"2024-01-02T00:00:00Z"}"#),
            ("invalid", "error decoding json body: invalid RFC3339Nano for field start, please format your time with RFC3339Nano format, example: 2009-01-02T23:00:00Z".into())
        );
        assert!(message(r#"{"start":"2024-01-01T00:00:00Z"}"#)
            .1
            .contains("invalid RFC3339Nano for field stop"));
        assert!(
            message(r#"{"start":"1500-01-01T00:00:00Z","stop":"2024-01-01T00:00:00Z"}"#)
                .1
                .contains("start time must not be before 1677-09-21T00:12:43.145224194Z")
        );
        assert!(
            message(r#"{"start":"2024-01-01T00:00:00Z","stop":"2262-04-12T00:00:00Z"}"#)
                .1
                .contains("stop time must not be after 2262-04-11T23:47:16.854775806Z")
        );
        assert_eq!(
            message(r#"{"start":"2024-01-02T00:00:00Z","stop":"2024-01-01T00:00:00Z"}"#),
            ("invalid", "error decoding json body: invalid delete range: start 2024-01-02T00:00:00.000000000Z is after stop 2024-01-01T00:00:00.000000000Z".into())
        );
        assert_eq!(
            message(r#"{"start":"2024-01-01T00:00:00Z","stop":"2024-01-02T00:00:00Z","predicate":"a=\"b\" or c=d"}"#),
            ("invalid", "error decoding json body: the logical operator OR is not supported yet at position 6".into())
        );
        assert_eq!(
            message(
                r#"{"start":"2024-01-01T00:00:00Z","stop":"2024-01-02T00:00:00Z","predicate":"_field=\"v\""}"#
            ),
            ("not implemented", "delete by field is not supported".into())
        );
    }
}
