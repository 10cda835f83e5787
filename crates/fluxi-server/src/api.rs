//! Onboarding (`/api/v2/setup`), buckets, orgs and authorizations.

use crate::meta::{self, Auth, Bucket, Org, Permission, User};
use crate::{json_response, now_nanos, read_body, rfc3339, ApiError, Shared};
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use fluxi::Storage;
use serde::Deserialize;
use serde_json::{json, Value as Json};
use std::sync::Arc;

/// The resource types a permission may name.
const RESOURCE_TYPES: &[&str] = &[
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

async fn json_body<T: serde::de::DeserializeOwned>(
    app: &Shared,
    request: Request,
) -> Result<T, ApiError> {
    let body = read_body(request, app.config.max_body_bytes).await?;
    serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid(format!("failed to decode request body: {e}")))
}

fn store_error(e: fluxi::StorageError) -> ApiError {
    match e.kind() {
        fluxi::StorageErrorKind::BucketExists => ApiError::conflict(e.to_string()),
        fluxi::StorageErrorKind::InvalidBucketName => ApiError::invalid(e.to_string()),
        fluxi::StorageErrorKind::BucketNotFound => ApiError::not_found("bucket not found"),
        _ => ApiError::internal(e.to_string()),
    }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(e.to_string())
}

// ---- JSON shapes ----

fn org_json(o: &Org) -> Json {
    json!({
        "id": o.id,
        "name": o.name,
        "description": o.description,
        "createdAt": rfc3339(o.created_at),
        "updatedAt": rfc3339(o.created_at),
        "links": {
            "self": format!("/api/v2/orgs/{}", o.id),
            "buckets": format!("/api/v2/buckets?org={}", o.name),
        },
    })
}

fn user_json(u: &User) -> Json {
    json!({
        "id": u.id,
        "name": u.name,
        "status": "active",
        "links": {"self": format!("/api/v2/users/{}", u.id)},
    })
}

/// The bucket with this ID, or InfluxDB's 404.
fn bucket_by_id(app: &Shared, id: &str) -> Result<Bucket, ApiError> {
    app.meta()
        .bucket(id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("bucket not found"))
}

fn bucket_json(b: &Bucket, retention: Option<i64>) -> Json {
    let rules = match retention {
        Some(ns) if ns > 0 => json!([{"type": "expire", "everySeconds": ns / 1_000_000_000}]),
        _ => json!([]),
    };
    let mut j = json!({
        "id": b.id,
        "orgID": b.org_id,
        "type": "user",
        "name": b.name,
        "retentionRules": rules,
        "createdAt": rfc3339(b.created_at),
        "updatedAt": rfc3339(b.created_at),
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

fn auth_json(a: &Auth, meta: &meta::Meta, token: Option<&str>) -> Json {
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
fn retentions(app: &Shared) -> Result<std::collections::HashMap<String, Option<i64>>, ApiError> {
    Ok(app
        .store
        .buckets()
        .map_err(store_error)?
        .into_iter()
        .map(|b| (b.name, b.retention))
        .collect())
}

// ---- onboarding ----

pub(crate) async fn setup_allowed(State(app): State<Shared>) -> Response {
    let allowed = !app.meta().is_set_up();
    json_response(StatusCode::OK, &json!({ "allowed": allowed }))
}

#[derive(Debug, Deserialize)]
struct SetupRequest {
    username: String,
    #[serde(default)]
    password: String,
    org: String,
    bucket: String,
    #[serde(rename = "retentionPeriodSeconds")]
    retention_seconds: Option<i64>,
    #[serde(rename = "retentionPeriodHrs")]
    retention_hours: Option<i64>,
    token: Option<String>,
}

pub(crate) async fn setup(
    State(app): State<Shared>,
    request: Request,
) -> Result<Response, ApiError> {
    let req: SetupRequest = json_body(&app, request).await?;
    if app.meta().is_set_up() {
        return Err(ApiError::conflict("onboarding has already been completed"));
    }
    for (what, v) in [
        ("username", &req.username),
        ("org", &req.org),
        ("bucket", &req.bucket),
    ] {
        if v.trim().is_empty() {
            return Err(ApiError::invalid(format!("{what} is required")));
        }
    }
    if !req.password.is_empty() && req.password.len() < 8 {
        return Err(ApiError::invalid(
            "passwords must be at least 8 characters long",
        ));
    }
    let seconds = req
        .retention_seconds
        .or(req.retention_hours.map(|h| h.saturating_mul(3600)))
        .unwrap_or(0);
    if seconds < 0 {
        return Err(ApiError::unprocessable("retention period must be positive"));
    }
    let token = match req.token.filter(|t| !t.is_empty()) {
        Some(t) => t,
        None => meta::new_token().map_err(internal)?,
    };
    let retention = (seconds > 0).then(|| seconds.saturating_mul(1_000_000_000));
    // The bucket first: if the store refuses its name, nothing is recorded.
    let store = Arc::clone(&app.store);
    let name = req.bucket.clone();
    let exists = retentions(&app)?.contains_key(&name);
    if !exists {
        tokio::task::spawn_blocking(move || store.create_bucket(&name, retention))
            .await
            .map_err(internal)?
            .map_err(store_error)?;
    }
    let created = app.change(|m| {
        if m.is_set_up() {
            return Err(ApiError::conflict("onboarding has already been completed"));
        }
        let now = now_nanos();
        let org = Org {
            id: m.new_id().map_err(internal)?,
            name: req.org.clone(),
            description: String::new(),
            created_at: now,
        };
        m.records.orgs.push(org.clone());
        let user = User {
            id: m.new_id().map_err(internal)?,
            name: req.username.clone(),
            password_hash: meta::hash_password(&req.password).map_err(internal)?,
            created_at: now,
        };
        m.records.users.push(user.clone());
        let bucket = Bucket {
            id: m.new_id().map_err(internal)?,
            org_id: org.id.clone(),
            name: req.bucket.clone(),
            description: String::new(),
            created_at: now,
        };
        m.records.buckets.push(bucket.clone());
        let auth = Auth {
            id: m.new_id().map_err(internal)?,
            token_hash: meta::hash_token(&token),
            status: "active".into(),
            description: format!("{}'s Token", req.username),
            org_id: org.id.clone(),
            user_id: user.id.clone(),
            permissions: vec![
                Permission::on("read", "instance", None, None),
                Permission::on("write", "instance", None, None),
            ],
            created_at: now,
            updated_at: now,
        };
        m.records.auths.push(auth.clone());
        Ok(json!({
            "user": user_json(&user),
            "org": org_json(&org),
            "bucket": bucket_json(&bucket, retention),
            "auth": auth_json(&auth, m, Some(&token)),
        }))
    })?;
    crate::adopt_store_buckets(&app)?;
    Ok(json_response(StatusCode::CREATED, &created))
}

// ---- buckets ----

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
    if !auth.allows(&Permission::on("write", "buckets", None, Some(&org.id))) {
        return Err(ApiError::forbidden(
            "write:orgs/".to_string() + &org.id + "/buckets is unauthorized",
        ));
    }
    let name = req
        .name
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::invalid("bucket name is required"))?;
    if req.retention_rules.len() > 1 {
        return Err(ApiError::unprocessable(
            "expecting at most one retention rule",
        ));
    }
    let seconds = req.retention_rules.first().map_or(0, |r| r.every_seconds);
    if seconds < 0 {
        return Err(ApiError::unprocessable(
            "expiration seconds must be greater than or equal to one hour",
        ));
    }
    if app.meta().records.buckets.iter().any(|b| b.name == name) {
        return Err(ApiError::conflict(format!(
            "bucket with name {name} already exists"
        )));
    }
    let retention = (seconds > 0).then(|| seconds.saturating_mul(1_000_000_000));
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
    if !auth.allows(&Permission::on(
        "read",
        "buckets",
        Some(&bucket.id),
        Some(&bucket.org_id),
    )) {
        return Err(ApiError::not_found("bucket not found"));
    }
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
    if !auth.allows(&Permission::on(
        "write",
        "buckets",
        Some(&bucket.id),
        Some(&bucket.org_id),
    )) {
        return Err(ApiError::forbidden(format!(
            "write:orgs/{}/buckets/{} is unauthorized",
            bucket.org_id, bucket.id
        )));
    }
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

// ---- orgs ----

#[derive(Debug, Deserialize, Default)]
pub(crate) struct OrgFilter {
    org: Option<String>,
    #[serde(rename = "orgID")]
    org_id: Option<String>,
}

pub(crate) async fn list_orgs(
    State(app): State<Shared>,
    Query(f): Query<OrgFilter>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let meta = app.meta();
    let wanted: Vec<&Org> = meta
        .records
        .orgs
        .iter()
        .filter(|o| f.org.as_ref().is_none_or(|n| *n == o.name))
        .filter(|o| f.org_id.as_ref().is_none_or(|i| *i == o.id))
        .filter(|o| auth.allows(&Permission::on("read", "orgs", Some(&o.id), Some(&o.id))))
        .collect();
    if wanted.is_empty() {
        if let Some(n) = &f.org {
            return Err(ApiError::not_found(format!(
                "organization name \"{n}\" not found"
            )));
        }
        if f.org_id.is_some() {
            return Err(ApiError::not_found("organization not found"));
        }
    }
    let orgs: Vec<Json> = wanted.into_iter().map(org_json).collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"links": {"self": "/api/v2/orgs"}, "orgs": orgs}),
    ))
}

// ---- authorizations ----

#[derive(Debug, Deserialize)]
struct CreateAuth {
    #[serde(rename = "orgID")]
    org_id: Option<String>,
    #[serde(default)]
    description: String,
    status: Option<String>,
    permissions: Option<Vec<Permission>>,
}

fn check_status(s: &str) -> Result<(), ApiError> {
    if s == "active" || s == "inactive" {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "unknown status {s:?}; use active or inactive"
        )))
    }
}

pub(crate) async fn create_auth(
    State(app): State<Shared>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let req: CreateAuth = json_body(&app, request).await?;
    let org_id = req
        .org_id
        .filter(|id| meta::looks_like_id(id))
        .ok_or_else(|| ApiError::invalid("organization id must be provided"))?;
    if app.meta().org(&org_id).is_none() {
        return Err(ApiError::not_found("organization not found"));
    }
    if !auth.allows(&Permission::on(
        "write",
        "authorizations",
        None,
        Some(&org_id),
    )) {
        return Err(ApiError::forbidden(format!(
            "write:orgs/{org_id}/authorizations is unauthorized"
        )));
    }
    let permissions = req
        .permissions
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ApiError::invalid("authorization must include permissions"))?;
    for p in &permissions {
        if p.action != "read" && p.action != "write" {
            return Err(ApiError::invalid(format!("unknown action {:?}", p.action)));
        }
        if !RESOURCE_TYPES.contains(&p.resource.kind.as_str()) {
            return Err(ApiError::invalid(format!(
                "unknown resource type {:?}",
                p.resource.kind
            )));
        }
        // A token cannot hand out what it does not hold.
        if !auth.allows(p) {
            return Err(ApiError::forbidden(format!(
                "permission {}:{} is not held by the token making the authorization",
                p.action, p.resource.kind
            )));
        }
    }
    let status = req.status.unwrap_or_else(|| "active".into());
    check_status(&status)?;
    let token = meta::new_token().map_err(internal)?;
    let body = app.change(|m| {
        let now = now_nanos();
        let a = Auth {
            id: m.new_id().map_err(internal)?,
            token_hash: meta::hash_token(&token),
            status: status.clone(),
            description: req.description.clone(),
            org_id: org_id.clone(),
            user_id: auth.user_id.clone(),
            permissions: permissions.clone(),
            created_at: now,
            updated_at: now,
        };
        m.records.auths.push(a.clone());
        Ok(auth_json(&a, m, Some(&token)))
    })?;
    Ok(json_response(StatusCode::CREATED, &body))
}

pub(crate) async fn list_auths(
    State(app): State<Shared>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let meta = app.meta();
    let list: Vec<Json> = meta
        .records
        .auths
        .iter()
        .filter(|a| {
            a.id == auth.id
                || auth.allows(&Permission::on(
                    "read",
                    "authorizations",
                    Some(&a.id),
                    Some(&a.org_id),
                ))
        })
        .map(|a| auth_json(a, &meta, None))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"links": {"self": "/api/v2/authorizations"}, "authorizations": list}),
    ))
}

pub(crate) async fn delete_auth(
    State(app): State<Shared>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let target = app
        .meta()
        .records
        .auths
        .iter()
        .find(|a| a.id == id)
        .cloned();
    let target = target.ok_or_else(|| ApiError::not_found("authorization not found"))?;
    if !auth.allows(&Permission::on(
        "write",
        "authorizations",
        Some(&target.id),
        Some(&target.org_id),
    )) {
        return Err(ApiError::forbidden(format!(
            "write:orgs/{}/authorizations/{} is unauthorized",
            target.org_id, target.id
        )));
    }
    app.change(|m| {
        m.records.auths.retain(|a| a.id != id);
        Ok(())
    })?;
    Ok(crate::empty(StatusCode::NO_CONTENT))
}

#[derive(Debug, Deserialize)]
struct UpdateAuth {
    status: Option<String>,
    description: Option<String>,
}

pub(crate) async fn update_auth(
    State(app): State<Shared>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let req: UpdateAuth = json_body(&app, request).await?;
    let target = app
        .meta()
        .records
        .auths
        .iter()
        .find(|a| a.id == id)
        .cloned();
    let target = target.ok_or_else(|| ApiError::not_found("authorization not found"))?;
    if !auth.allows(&Permission::on(
        "write",
        "authorizations",
        Some(&target.id),
        Some(&target.org_id),
    )) {
        return Err(ApiError::forbidden(format!(
            "write:orgs/{}/authorizations/{} is unauthorized",
            target.org_id, target.id
        )));
    }
    if let Some(s) = &req.status {
        check_status(s)?;
    }
    let body = app.change(|m| {
        let Some(a) = m.records.auths.iter_mut().find(|a| a.id == id) else {
            return Err(ApiError::not_found("authorization not found"));
        };
        if let Some(s) = &req.status {
            a.status = s.clone();
        }
        if let Some(d) = &req.description {
            a.description = d.clone();
        }
        a.updated_at = now_nanos();
        let a = a.clone();
        Ok(auth_json(&a, m, None))
    })?;
    Ok(json_response(StatusCode::OK, &body))
}
