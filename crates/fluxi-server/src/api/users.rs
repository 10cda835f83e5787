//! `/api/v2/users` and `/api/v2/me`: the people tokens belong to. Minimal, as InfluxDB
//! OSS's: list, create, get, rename or deactivate, set a password, delete.

use super::*;
use crate::meta::{self, Permission, User};
use crate::{json_response, now_nanos, ApiError, Shared};
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value as Json};

fn user_permission(action: &str, id: Option<&str>) -> Permission {
    Permission::on(action, "users", id, None)
}

/// The user with this ID, or InfluxDB's 404.
fn user_by_id(app: &Shared, id: &str) -> Result<User, ApiError> {
    app.meta()
        .records
        .users
        .iter()
        .find(|u| u.id == id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("user not found"))
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct UserFilter {
    name: Option<String>,
    id: Option<String>,
}

pub(crate) async fn list_users(
    State(app): State<Shared>,
    Query(f): Query<UserFilter>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let meta = app.meta();
    let users: Vec<Json> = meta
        .records
        .users
        .iter()
        .filter(|u| f.name.as_ref().is_none_or(|n| *n == u.name))
        .filter(|u| f.id.as_ref().is_none_or(|i| *i == u.id))
        .filter(|u| u.id == auth.user_id || auth.allows(&user_permission("read", Some(&u.id))))
        .map(user_json)
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"links": {"self": "/api/v2/users"}, "users": users}),
    ))
}

pub(crate) async fn me(State(app): State<Shared>, request: Request) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let user = user_by_id(&app, &auth.user_id)?;
    Ok(json_response(StatusCode::OK, &user_json(&user)))
}

pub(crate) async fn get_user(
    State(app): State<Shared>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let user = user_by_id(&app, &id)?;
    if user.id != auth.user_id {
        require(&auth, &user_permission("read", Some(&user.id)))?;
    }
    Ok(json_response(StatusCode::OK, &user_json(&user)))
}

#[derive(Debug, Deserialize)]
struct UserChange {
    name: Option<String>,
    status: Option<String>,
}

fn check_user_status(s: &str) -> Result<(), ApiError> {
    if s == "active" || s == "inactive" {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "unknown status {s:?}; use active or inactive"
        )))
    }
}

fn check_user_name(app: &Shared, name: &str, except: Option<&str>) -> Result<(), ApiError> {
    if name.trim().is_empty() {
        return Err(ApiError::invalid("user name is required"));
    }
    let taken = app
        .meta()
        .records
        .users
        .iter()
        .any(|u| u.name == name && Some(u.id.as_str()) != except);
    if taken {
        return Err(ApiError::conflict(format!(
            "user with name {name} already exists"
        )));
    }
    Ok(())
}

pub(crate) async fn create_user(
    State(app): State<Shared>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    require(&auth, &user_permission("write", None))?;
    let req: UserChange = json_body(&app, request).await?;
    let name = req.name.unwrap_or_default();
    check_user_name(&app, &name, None)?;
    let status = req.status.unwrap_or_else(|| "active".into());
    check_user_status(&status)?;
    let user = app.change(|m| {
        if m.records.users.iter().any(|u| u.name == name) {
            return Err(ApiError::conflict(format!(
                "user with name {name} already exists"
            )));
        }
        let u = User {
            id: m.new_id().map_err(internal)?,
            name: name.clone(),
            password_hash: String::new(),
            created_at: now_nanos(),
            status: status.clone(),
        };
        m.records.users.push(u.clone());
        Ok(u)
    })?;
    Ok(json_response(StatusCode::CREATED, &user_json(&user)))
}

pub(crate) async fn update_user(
    State(app): State<Shared>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let user = user_by_id(&app, &id)?;
    require(&auth, &user_permission("write", Some(&user.id)))?;
    let req: UserChange = json_body(&app, request).await?;
    if let Some(n) = &req.name {
        check_user_name(&app, n, Some(&user.id))?;
    }
    if let Some(s) = &req.status {
        check_user_status(s)?;
    }
    let user = app.change(|m| {
        let Some(u) = m.records.users.iter_mut().find(|u| u.id == id) else {
            return Err(ApiError::not_found("user not found"));
        };
        if let Some(n) = &req.name {
            u.name = n.clone();
        }
        if let Some(s) = &req.status {
            u.status = s.clone();
        }
        Ok(u.clone())
    })?;
    Ok(json_response(StatusCode::OK, &user_json(&user)))
}

#[derive(Debug, Deserialize)]
struct PasswordChange {
    password: String,
}

pub(crate) async fn set_password(
    State(app): State<Shared>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let user = user_by_id(&app, &id)?;
    if user.id != auth.user_id {
        require(&auth, &user_permission("write", Some(&user.id)))?;
    }
    let req: PasswordChange = json_body(&app, request).await?;
    if req.password.len() < 8 {
        return Err(ApiError::invalid(
            "passwords must be at least 8 characters long",
        ));
    }
    let hash = meta::hash_password(&req.password).map_err(internal)?;
    app.change(|m| {
        let Some(u) = m.records.users.iter_mut().find(|u| u.id == id) else {
            return Err(ApiError::not_found("user not found"));
        };
        u.password_hash = hash.clone();
        Ok(())
    })?;
    Ok(crate::empty(StatusCode::NO_CONTENT))
}

/// Deleting a user deletes their tokens.
pub(crate) async fn delete_user(
    State(app): State<Shared>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let user = user_by_id(&app, &id)?;
    require(&auth, &user_permission("write", Some(&user.id)))?;
    app.change(|m| {
        m.records.users.retain(|u| u.id != user.id);
        m.records.auths.retain(|a| a.user_id != user.id);
        Ok(())
    })?;
    Ok(crate::empty(StatusCode::NO_CONTENT))
}
