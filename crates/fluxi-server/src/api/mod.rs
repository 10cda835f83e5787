//! The management API: onboarding (`/api/v2/setup`), buckets, orgs, users and
//! authorizations, one module each; the JSON shapes they share live here.

mod auths;
mod buckets;
mod orgs;
mod secrets;
mod setup;
mod tasks;
mod users;

pub(crate) use auths::*;
pub(crate) use buckets::*;
pub(crate) use orgs::*;
pub(crate) use secrets::*;
pub(crate) use setup::*;
pub(crate) use tasks::*;
pub(crate) use users::*;

use crate::meta::{self, Auth, Bucket, Org, Permission, User};
use crate::{read_body, rfc3339, ApiError, Shared};
use axum::extract::Request;
use fluxi::Storage;
use serde_json::{json, Value as Json};

/// The resource types a permission may name.
pub(super) const RESOURCE_TYPES: &[&str] = &[
    "authorizations",
    "buckets",
    "dashboards",
    "orgs",
    "sources",
    "tasks",
    "telegrafs",
    "users",
    "variables",
    "scrapers",
    "secrets",
    "labels",
    "views",
    "documents",
    "notificationRules",
    "notificationEndpoints",
    "checks",
    "dbrp",
    "notebooks",
    "annotations",
    "remotes",
    "replications",
    "instance",
];

pub(super) async fn json_body<T: serde::de::DeserializeOwned>(
    app: &Shared,
    request: Request,
) -> Result<T, ApiError> {
    let body = read_body(
        request,
        app.config.max_body_bytes,
        app.config.timeouts.body_idle,
    )
    .await?;
    serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid(format!("failed to decode request body: {e}")))
}

pub(super) fn store_error(e: fluxi::StorageError) -> ApiError {
    match e.kind() {
        fluxi::StorageErrorKind::BucketExists => ApiError::conflict(e.to_string()),
        fluxi::StorageErrorKind::InvalidBucketName => ApiError::invalid(e.to_string()),
        fluxi::StorageErrorKind::BucketNotFound => ApiError::not_found("bucket not found"),
        _ => ApiError::internal(e.to_string()),
    }
}

/// `Ok` when `auth` holds `wanted`, else InfluxDB's 401 `"<permission> is unauthorized"`
/// (the management API's answer; writes answer 403 instead).
pub(super) fn require(auth: &Auth, wanted: &Permission) -> Result<(), ApiError> {
    if auth.allows(wanted) {
        Ok(())
    } else {
        Err(ApiError::unauthorized_to(wanted))
    }
}

/// The `updatedAt` of a record: its last change, else its making.
pub(super) fn updated(created: i64, updated: i64) -> String {
    rfc3339(if updated > 0 { updated } else { created })
}

pub(super) fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(e.to_string())
}

// ---- JSON shapes ----

pub(super) fn org_json(o: &Org) -> Json {
    json!({
        "id": o.id,
        "name": o.name,
        "description": o.description,
        "createdAt": rfc3339(o.created_at),
        "updatedAt": updated(o.created_at, o.updated_at),
        "links": {
            "self": format!("/api/v2/orgs/{}", o.id),
            "buckets": format!("/api/v2/buckets?org={}", o.name),
        },
    })
}

pub(super) fn user_json(u: &User) -> Json {
    json!({
        "id": u.id,
        "name": u.name,
        "status": u.status,
        "links": {"self": format!("/api/v2/users/{}", u.id)},
    })
}

/// The bucket with this ID, or InfluxDB's 404.
pub(super) fn bucket_by_id(app: &Shared, id: &str) -> Result<Bucket, ApiError> {
    app.meta()
        .bucket(id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("bucket not found"))
}

pub(super) fn bucket_json(b: &Bucket, retention: Option<i64>) -> Json {
    let rules = match retention {
        Some(ns) if ns > 0 => json!([{"type": "expire", "everySeconds": ns / 1_000_000_000}]),
        _ => json!([]),
    };
    let mut j = json!({
        "id": b.id,
        "orgID": b.org_id,
        "type": b.kind,
        "name": b.name,
        "retentionRules": rules,
        "createdAt": rfc3339(b.created_at),
        "updatedAt": updated(b.created_at, b.updated_at),
        "labels": [],
        "links": {
            "self": format!("/api/v2/buckets/{}", b.id),
            "org": format!("/api/v2/orgs/{}", b.org_id),
            "write": format!("/api/v2/write?org={}&bucket={}", b.org_id, b.id),
        },
    });
    if !b.description.is_empty() {
        j["description"] = json!(b.description);
    }
    j
}

pub(super) fn auth_json(a: &Auth, meta: &meta::Meta, token: Option<&str>) -> Json {
    let org = meta
        .org(&a.org_id)
        .map(|o| o.name.clone())
        .unwrap_or_default();
    let user = meta
        .records
        .users
        .iter()
        .find(|u| u.id == a.user_id)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    let mut j = json!({
        "id": a.id,
        "status": a.status,
        "description": a.description,
        "orgID": a.org_id,
        "org": org,
        "userID": a.user_id,
        "user": user,
        "permissions": a.permissions,
        "createdAt": rfc3339(a.created_at),
        "updatedAt": rfc3339(a.updated_at),
        "links": {
            "self": format!("/api/v2/authorizations/{}", a.id),
            "user": format!("/api/v2/users/{}", a.user_id),
        },
    });
    // The token is shown once, when it is made; only its hash is kept.
    if let Some(t) = token {
        j["token"] = json!(t);
    }
    j
}

/// The retention of every bucket of the store, by name.
pub(super) fn retentions(
    app: &Shared,
) -> Result<std::collections::HashMap<String, Option<i64>>, ApiError> {
    Ok(app
        .store
        .buckets()
        .map_err(store_error)?
        .into_iter()
        .map(|b| (b.name, b.retention))
        .collect())
}
