//! Onboarding: `GET`/`POST /api/v2/setup` makes the first user, org, bucket and operator token.

use super::*;
use crate::meta::{self, Auth, Bucket, Org, Permission, User};
use crate::{json_response, now_nanos, ApiError, Shared};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use fluxi::Storage;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

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
        m.records.set_up = true;
        let org = Org {
            id: m.new_id().map_err(internal)?,
            name: req.org.clone(),
            description: String::new(),
            created_at: now,
            updated_at: 0,
        };
        m.records.orgs.push(org.clone());
        let user = User {
            id: m.new_id().map_err(internal)?,
            name: req.username.clone(),
            password_hash: meta::hash_password(&req.password).map_err(internal)?,
            created_at: now,
            status: "active".into(),
        };
        m.records.users.push(user.clone());
        let bucket = Bucket {
            id: m.new_id().map_err(internal)?,
            org_id: org.id.clone(),
            name: req.bucket.clone(),
            description: String::new(),
            created_at: now,
            updated_at: 0,
            kind: "user".into(),
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
