//! `/api/v2/authorizations`: tokens and their permissions.

use super::*;
use crate::meta::{self, Auth, Permission};
use crate::{json_response, now_nanos, ApiError, Shared};
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value as Json};

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
    require(
        &auth,
        &Permission::on("write", "authorizations", None, Some(&org_id)),
    )?;
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
                "permission {p} is not allowed"
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

#[derive(Debug, Deserialize, Default)]
pub(crate) struct AuthFilter {
    #[serde(rename = "userID")]
    user_id: Option<String>,
    user: Option<String>,
    #[serde(rename = "orgID")]
    org_id: Option<String>,
    org: Option<String>,
    id: Option<String>,
}

/// Whether `auth` may see `target` (a token always sees itself).
fn may_read(auth: &Auth, target: &Auth) -> bool {
    target.id == auth.id
        || auth.allows(&Permission::on(
            "read",
            "authorizations",
            Some(&target.id),
            Some(&target.org_id),
        ))
}

pub(crate) async fn list_auths(
    State(app): State<Shared>,
    Query(f): Query<AuthFilter>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let org = match (&f.org, &f.org_id) {
        (None, None) => None,
        (org, id) => Some(app.resolve_org(org.as_deref(), id.as_deref())?),
    };
    let meta = app.meta();
    let user_id = match &f.user {
        Some(name) => Some(
            meta.records
                .users
                .iter()
                .find(|u| &u.name == name)
                .map(|u| u.id.clone())
                .ok_or_else(|| ApiError::not_found("user not found"))?,
        ),
        None => f.user_id.clone(),
    };
    let list: Vec<Json> = meta
        .records
        .auths
        .iter()
        .filter(|a| org.as_ref().is_none_or(|o| o.id == a.org_id))
        .filter(|a| user_id.as_ref().is_none_or(|u| *u == a.user_id))
        .filter(|a| f.id.as_ref().is_none_or(|i| *i == a.id))
        .filter(|a| may_read(&auth, a))
        .map(|a| auth_json(a, &meta, None))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"links": {"self": "/api/v2/authorizations"}, "authorizations": list}),
    ))
}

/// The authorization with this ID, or InfluxDB's 404.
fn auth_by_id(app: &Shared, id: &str) -> Result<Auth, ApiError> {
    app.meta()
        .records
        .auths
        .iter()
        .find(|a| a.id == id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("authorization not found"))
}

pub(crate) async fn get_auth(
    State(app): State<Shared>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let target = auth_by_id(&app, &id)?;
    if !may_read(&auth, &target) {
        return Err(ApiError::unauthorized_to(&Permission::on(
            "read",
            "authorizations",
            Some(&target.id),
            Some(&target.org_id),
        )));
    }
    let meta = app.meta();
    Ok(json_response(
        StatusCode::OK,
        &auth_json(&target, &meta, None),
    ))
}

pub(crate) async fn delete_auth(
    State(app): State<Shared>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let target = auth_by_id(&app, &id)?;
    require(
        &auth,
        &Permission::on(
            "write",
            "authorizations",
            Some(&target.id),
            Some(&target.org_id),
        ),
    )?;
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
    let target = auth_by_id(&app, &id)?;
    require(
        &auth,
        &Permission::on(
            "write",
            "authorizations",
            Some(&target.id),
            Some(&target.org_id),
        ),
    )?;
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
