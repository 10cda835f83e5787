//! `/api/v2/buckets`: list, create, get, update, delete.

use super::*;
use crate::meta::{self, Bucket, Permission};
use crate::{json_response, now_nanos, ApiError, Shared};
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use fluxi::Storage;
use serde::Deserialize;
use serde_json::{json, Value as Json};
use std::sync::Arc;

#[derive(Debug, Deserialize, Default)]
pub(crate) struct BucketFilter {
    org: Option<String>,
    #[serde(rename = "orgID")]
    org_id: Option<String>,
    name: Option<String>,
    id: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
    after: Option<String>,
}

pub(crate) async fn list_buckets(
    State(app): State<Shared>,
    Query(f): Query<BucketFilter>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    crate::adopt_store_buckets(&app)?;
    let limit = match f.limit.as_deref() {
        None | Some("") => 20,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => return Err(ApiError::invalid("limit must be between 1 and 100")),
        },
    };
    let offset = f
        .offset
        .as_deref()
        .and_then(|o| o.parse::<usize>().ok())
        .unwrap_or(0);
    let org = if f.org.is_some() || f.org_id.is_some() {
        Some(app.resolve_org(f.org.as_deref(), f.org_id.as_deref())?)
    } else {
        None
    };
    let retention = retentions(&app)?;
    let meta = app.meta();
    let mut list: Vec<&Bucket> = meta
        .records
        .buckets
        .iter()
        .filter(|b| org.as_ref().is_none_or(|o| o.id == b.org_id))
        .filter(|b| f.name.as_ref().is_none_or(|n| *n == b.name))
        .filter(|b| f.id.as_ref().is_none_or(|i| *i == b.id))
        .filter(|b| f.after.as_ref().is_none_or(|a| b.id.as_str() > a.as_str()))
        .filter(|b| {
            auth.allows(&Permission::on(
                "read",
                "buckets",
                Some(&b.id),
                Some(&b.org_id),
            ))
        })
        .collect();
    list.sort_by(|a, b| a.id.cmp(&b.id));
    if org.is_some() && f.name.is_some() && list.is_empty() {
        return Err(ApiError::not_found("bucket not found"));
    }
    let page: Vec<Json> = list
        .iter()
        .skip(offset)
        .take(limit)
        .map(|b| bucket_json(b, retention.get(&b.name).copied().flatten()))
        .collect();
    let mut links =
        json!({"self": format!("/api/v2/buckets?descending=false&limit={limit}&offset={offset}")});
    if page.len() >= limit {
        links["next"] = json!(format!(
            "/api/v2/buckets?descending=false&limit={limit}&offset={}",
            offset + limit
        ));
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({"links": links, "buckets": page}),
    ))
}

#[derive(Debug, Deserialize)]
struct RetentionRule {
    #[serde(rename = "everySeconds", default)]
    every_seconds: i64,
}

/// The retention `retentionRules` give, in nanoseconds (`None`: forever — no rule, or
/// `everySeconds: 0`); InfluxDB's 422 for more than one rule or a negative period.
fn retention_of(rules: &[RetentionRule]) -> Result<Option<i64>, ApiError> {
    if rules.len() > 1 {
        return Err(ApiError::unprocessable(
            "expecting at most one retention rule",
        ));
    }
    let seconds = rules.first().map_or(0, |r| r.every_seconds);
    if seconds < 0 {
        return Err(ApiError::unprocessable(
            "expiration seconds must be greater than or equal to one hour",
        ));
    }
    Ok((seconds > 0).then(|| seconds.saturating_mul(1_000_000_000)))
}

#[derive(Debug, Deserialize)]
struct CreateBucket {
    #[serde(rename = "orgID")]
    org_id: Option<String>,
    name: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(rename = "retentionRules", default)]
    retention_rules: Vec<RetentionRule>,
}

pub(crate) async fn create_bucket(
    State(app): State<Shared>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let req: CreateBucket = json_body(&app, request).await?;
    let org_id = req
        .org_id
        .filter(|id| meta::looks_like_id(id))
        .ok_or_else(|| ApiError::invalid("organization id must be provided"))?;
    let org = app
        .meta()
        .org(&org_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("organization not found"))?;
    require(
        &auth,
        &Permission::on("write", "buckets", None, Some(&org.id)),
    )?;
    let name = req
        .name
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::invalid("bucket name is required"))?;
    let retention = retention_of(&req.retention_rules)?;
    if app.meta().records.buckets.iter().any(|b| b.name == name) {
        return Err(ApiError::conflict(format!(
            "bucket with name {name} already exists"
        )));
    }
    let store = Arc::clone(&app.store);
    let n = name.clone();
    tokio::task::spawn_blocking(move || store.create_bucket(&n, retention))
        .await
        .map_err(internal)?
        .map_err(|e| match e.kind() {
            fluxi::StorageErrorKind::BucketExists => {
                ApiError::conflict(format!("bucket with name {name} already exists"))
            }
            _ => store_error(e),
        })?;
    let bucket = app.change(|m| {
        let b = Bucket {
            id: m.new_id().map_err(internal)?,
            org_id: org.id.clone(),
            name: name.clone(),
            description: req.description.clone(),
            created_at: now_nanos(),
            updated_at: 0,
            kind: "user".into(),
        };
        m.records.buckets.push(b.clone());
        Ok(b)
    })?;
    Ok(json_response(
        StatusCode::CREATED,
        &bucket_json(&bucket, retention),
    ))
}

pub(crate) async fn get_bucket(
    State(app): State<Shared>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let bucket = bucket_by_id(&app, &id)?;
    require(
        &auth,
        &Permission::on("read", "buckets", Some(&bucket.id), Some(&bucket.org_id)),
    )?;
    let retention = retentions(&app)?.get(&bucket.name).copied().flatten();
    Ok(json_response(
        StatusCode::OK,
        &bucket_json(&bucket, retention),
    ))
}

pub(crate) async fn delete_bucket(
    State(app): State<Shared>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let bucket = bucket_by_id(&app, &id)?;
    require(
        &auth,
        &Permission::on("write", "buckets", Some(&bucket.id), Some(&bucket.org_id)),
    )?;
    let store = Arc::clone(&app.store);
    let name = bucket.name.clone();
    let deleted = tokio::task::spawn_blocking(move || store.delete_bucket(&name))
        .await
        .map_err(internal)?;
    match deleted {
        Ok(()) => {}
        Err(e) if e.kind() == fluxi::StorageErrorKind::BucketNotFound => {}
        Err(e) => return Err(store_error(e)),
    }
    app.change(|m| {
        m.records.buckets.retain(|b| b.id != bucket.id);
        Ok(())
    })?;
    Ok(crate::empty(StatusCode::NO_CONTENT))
}

#[derive(Debug, Deserialize)]
struct UpdateBucket {
    name: Option<String>,
    description: Option<String>,
    #[serde(rename = "retentionRules")]
    retention_rules: Option<Vec<RetentionRule>>,
}

/// `PATCH /api/v2/buckets/{id}`: a new name, description or retention; the data stays.
pub(crate) async fn update_bucket(
    State(app): State<Shared>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let bucket = bucket_by_id(&app, &id)?;
    require(
        &auth,
        &Permission::on("write", "buckets", Some(&bucket.id), Some(&bucket.org_id)),
    )?;
    let req: UpdateBucket = json_body(&app, request).await?;
    let retention = req
        .retention_rules
        .as_deref()
        .map(retention_of)
        .transpose()?;
    let new_name = req.name.clone().filter(|n| *n != bucket.name);
    if let Some(n) = &new_name {
        if bucket.kind == "system" {
            return Err(ApiError::invalid("system buckets cannot be renamed"));
        }
        if app.meta().records.buckets.iter().any(|b| &b.name == n) {
            return Err(ApiError::conflict(format!(
                "bucket with name {n} already exists"
            )));
        }
    }
    if new_name.is_some() || retention.is_some() {
        let store = Arc::clone(&app.store);
        let update = fluxi::BucketUpdate {
            name: new_name.clone(),
            retention,
        };
        let name = bucket.name.clone();
        tokio::task::spawn_blocking(move || store.update_bucket(&name, &update))
            .await
            .map_err(internal)?
            .map_err(|e| match e.kind() {
                fluxi::StorageErrorKind::BucketExists => ApiError::conflict(format!(
                    "bucket with name {} already exists",
                    new_name.as_deref().unwrap_or("")
                )),
                _ => store_error(e),
            })?;
    }
    let updated = app.change(|m| {
        let Some(b) = m.records.buckets.iter_mut().find(|b| b.id == id) else {
            return Err(ApiError::not_found("bucket not found"));
        };
        if let Some(n) = &req.name {
            b.name = n.clone();
        }
        if let Some(d) = &req.description {
            b.description = d.clone();
        }
        b.updated_at = now_nanos();
        Ok(b.clone())
    })?;
    let retention = retentions(&app)?.get(&updated.name).copied().flatten();
    Ok(json_response(
        StatusCode::OK,
        &bucket_json(&updated, retention),
    ))
}
