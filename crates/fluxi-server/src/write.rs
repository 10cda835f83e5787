//! `POST /api/v2/write`: line protocol into a bucket, whole or not at all (§1.7 of the
//! wire notes: 204, 400 for bad lines, 404, 403, 413, 422); and InfluxDB 1's `POST
//! /write?db=&rp=` for Telegraf-era writers, the same rules after mapping db/rp to a
//! bucket.

use crate::meta::{Auth, Bucket, Permission};
use crate::{empty, now_nanos, read_body, ApiError, Shared};
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use fluxi::{ParseOptions, Precision, StorageError};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Debug, Deserialize, Default)]
pub(crate) struct WriteParams {
    org: Option<String>,
    #[serde(rename = "orgID")]
    org_id: Option<String>,
    bucket: Option<String>,
    precision: Option<String>,
}

pub(crate) async fn write(
    State(app): State<Shared>,
    Query(params): Query<WriteParams>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let precision = Precision::from_query_param(params.precision.as_deref()).map_err(|_| {
        ApiError::invalid("invalid precision; valid precision units are ns, us, ms, and s")
    })?;
    let bucket_param = params
        .bucket
        .clone()
        .filter(|b| !b.is_empty())
        .ok_or_else(|| ApiError::not_found("bucket not found"))?;
    let body = read_body(
        request,
        app.config.max_body_bytes,
        app.config.timeouts.body_idle,
    )
    .await?;
    let org = app.resolve_org(params.org.as_deref(), params.org_id.as_deref())?;
    let bucket = app
        .meta()
        .bucket_in_org(&org.id, &bucket_param)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("bucket \"{bucket_param}\" not found")))?;
    write_into(&app, &auth, bucket, body, precision).await
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct V1Params {
    db: Option<String>,
    rp: Option<String>,
    precision: Option<String>,
    u: Option<String>,
    p: Option<String>,
}

/// InfluxDB 1's write: `db` (and `rp`) name the bucket as InfluxDB 2's virtual mappings
/// do: a bucket named `db/rp`, or, for no `rp` or the default `autogen`, one named `db`;
/// among the buckets of the token's org. The token comes as `p`, in `Authorization:
/// Token [user:]T`, or as the password of Basic auth.
pub(crate) async fn write_v1(
    State(app): State<Shared>,
    Query(params): Query<V1Params>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate_v1(request.headers(), params.u.as_deref(), params.p.as_deref())?;
    let precision = v1_precision(params.precision.as_deref())?;
    let db = params
        .db
        .clone()
        .filter(|d| !d.is_empty())
        .ok_or_else(|| ApiError::invalid("missing db"))?;
    let body = read_body(
        request,
        app.config.max_body_bytes,
        app.config.timeouts.body_idle,
    )
    .await?;
    let rp = params.rp.as_deref().filter(|r| !r.is_empty());
    let bucket = {
        let meta = app.meta();
        let named = |name: &str| {
            meta.records
                .buckets
                .iter()
                .find(|b| b.org_id == auth.org_id && b.name == name)
                .cloned()
        };
        match rp {
            Some(rp) => named(&format!("{db}/{rp}"))
                .or_else(|| (rp == "autogen").then(|| named(&db)).flatten()),
            None => named(&db),
        }
    };
    let bucket = bucket.ok_or_else(|| ApiError::not_found("no dbrp mapping found"))?;
    write_into(&app, &auth, bucket, body, precision).await
}

/// InfluxDB 1's precisions: `n`/`ns`, `u`/`us`, `ms`, `s` (and empty: nanoseconds). Minutes
/// and hours (`m`, `h`) are refused rather than read as nanoseconds.
fn v1_precision(text: Option<&str>) -> Result<Precision, ApiError> {
    match text.unwrap_or("") {
        "" | "n" | "ns" => Ok(Precision::Nanoseconds),
        "u" | "us" => Ok(Precision::Microseconds),
        "ms" => Ok(Precision::Milliseconds),
        "s" => Ok(Precision::Seconds),
        other => Err(ApiError::invalid(format!(
            "invalid precision {other:?}; valid precision units are n, ns, u, us, ms and s \
             (fluxi does not take m or h)"
        ))),
    }
}

/// Check `auth` may write `bucket`, then store `body` there, all of it or nothing.
async fn write_into(
    app: &Shared,
    auth: &Auth,
    bucket: Bucket,
    body: Vec<u8>,
    precision: Precision,
) -> Result<Response, ApiError> {
    if !auth.allows(&Permission::on(
        "write",
        "buckets",
        Some(&bucket.id),
        Some(&bucket.org_id),
    )) {
        let why = if auth.status == "active" {
            "insufficient permissions for write"
        } else {
            "insufficient permissions for write: token is inactive"
        };
        return Err(ApiError::forbidden(why));
    }
    let store = Arc::clone(&app.buckets);
    let now = now_nanos();
    let options = ParseOptions::new(precision, precision.truncate(now));
    let written = tokio::task::spawn_blocking(move || {
        let retention = store
            .buckets()?
            .into_iter()
            .find(|b| b.name == bucket.name)
            .and_then(|b| b.retention);
        if let Some(keep) = retention {
            // Points older than the bucket keeps are refused, as InfluxDB refuses them
            // (422), rather than stored and dropped later. A bad line is left to the write
            // below, which reports every bad line.
            if let Ok(times) = fluxi::line_protocol_times(&body, &options) {
                let cutoff = now.saturating_sub(keep);
                let old = times.iter().filter(|&&t| t < cutoff).count();
                if old > 0 {
                    return Ok(Err(old_points(old, keep)));
                }
            }
        }
        store
            .write_line_protocol(&bucket.name, &body, &options)
            .map(Ok)
    })
    .await
    .map_err(|e| ApiError::internal(format!("the write failed: {e}")))?;
    match written {
        Ok(Ok(_)) => Ok(empty(StatusCode::NO_CONTENT)),
        Ok(Err(refused)) => Err(refused),
        Err(StorageError::LineProtocol(e)) => Err(ApiError::invalid(e.to_string())),
        Err(e @ StorageError::FieldTypeConflict { .. }) => Err(ApiError::unprocessable(format!(
            "failure writing points to database: {e} (nothing of the request was written)"
        ))),
        Err(e @ StorageError::BucketNotFound(_)) => Err(ApiError::not_found(e.to_string())),
        Err(e @ StorageError::ReadOnly(_)) => Err(ApiError::forbidden(e.to_string())),
        Err(e) => Err(ApiError::internal(e.to_string())),
    }
}

/// The 422 for points outside the bucket's retention (nothing of the batch is written).
fn old_points(count: usize, retention_nanos: i64) -> ApiError {
    ApiError::unprocessable(format!(
        "failure writing points to database: partial write: dropped {count} points outside \
         retention policy of duration {}s (nothing of the request was written)",
        retention_nanos / 1_000_000_000
    ))
}
