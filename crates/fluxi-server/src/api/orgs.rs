//! `/api/v2/orgs`: list, create, get, update, delete.

use super::*;
use crate::meta::{Org, Permission};
use crate::{json_response, now_nanos, ApiError, Shared};
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use fluxi::Storage;
use serde::Deserialize;
use serde_json::{json, Value as Json};
use std::sync::Arc;

#[derive(Debug, Deserialize, Default)]
pub(crate) struct OrgFilter {
    org: Option<String>,
    #[serde(rename = "orgID")]
    org_id: Option<String>,
    #[serde(rename = "userID")]
    user_id: Option<String>,
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
        // Every user belongs to every org here (there are no memberships yet).
        .filter(|_| {
            f.user_id
                .as_ref()
                .is_none_or(|u| meta.records.users.iter().any(|x| x.id == *u))
        })
        .filter(|o| auth.allows(&Permission::on_org("read", &o.id)))
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

#[derive(Debug, Deserialize)]
struct OrgChange {
    name: Option<String>,
    description: Option<String>,
}

fn check_org_name(app: &Shared, name: &str, except: Option<&str>) -> Result<(), ApiError> {
    if name.trim().is_empty() {
        return Err(ApiError::unprocessable("org name is empty"));
    }
    let taken = app
        .meta()
        .records
        .orgs
        .iter()
        .any(|o| o.name == name && Some(o.id.as_str()) != except);
    if taken {
        return Err(ApiError::conflict(format!(
            "organization with name {name} already exists"
        )));
    }
    Ok(())
}

pub(crate) async fn create_org(
    State(app): State<Shared>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    require(&auth, &Permission::on("write", "orgs", None, None))?;
    let req: OrgChange = json_body(&app, request).await?;
    let name = req.name.unwrap_or_default();
    check_org_name(&app, &name, None)?;
    let org = app.change(|m| {
        if m.org_by_name(&name).is_some() {
            return Err(ApiError::conflict(format!(
                "organization with name {name} already exists"
            )));
        }
        let o = Org {
            id: m.new_id().map_err(internal)?,
            name: name.clone(),
            description: req.description.clone().unwrap_or_default(),
            created_at: now_nanos(),
            updated_at: 0,
        };
        m.records.orgs.push(o.clone());
        Ok(o)
    })?;
    Ok(json_response(StatusCode::CREATED, &org_json(&org)))
}

/// The org with this ID, or InfluxDB's 404.
fn org_by_id(app: &Shared, id: &str) -> Result<Org, ApiError> {
    app.meta()
        .org(id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("organization not found"))
}

pub(crate) async fn get_org(
    State(app): State<Shared>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let org = org_by_id(&app, &id)?;
    require(&auth, &Permission::on_org("read", &org.id))?;
    Ok(json_response(StatusCode::OK, &org_json(&org)))
}

pub(crate) async fn update_org(
    State(app): State<Shared>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let org = org_by_id(&app, &id)?;
    require(&auth, &Permission::on_org("write", &org.id))?;
    let req: OrgChange = json_body(&app, request).await?;
    if let Some(n) = &req.name {
        check_org_name(&app, n, Some(&org.id))?;
    }
    let org = app.change(|m| {
        let Some(o) = m.records.orgs.iter_mut().find(|o| o.id == id) else {
            return Err(ApiError::not_found("organization not found"));
        };
        if let Some(n) = &req.name {
            o.name = n.clone();
        }
        if let Some(d) = &req.description {
            o.description = d.clone();
        }
        o.updated_at = now_nanos();
        Ok(o.clone())
    })?;
    Ok(json_response(StatusCode::OK, &org_json(&org)))
}

/// Deleting an org deletes its buckets (with their data) and its tokens.
pub(crate) async fn delete_org(
    State(app): State<Shared>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let org = org_by_id(&app, &id)?;
    require(&auth, &Permission::on_org("write", &org.id))?;
    let names: Vec<String> = app
        .meta()
        .records
        .buckets
        .iter()
        .filter(|b| b.org_id == org.id)
        .map(|b| b.name.clone())
        .collect();
    let store = Arc::clone(&app.store);
    tokio::task::spawn_blocking(move || -> Result<(), fluxi::StorageError> {
        for n in &names {
            match store.delete_bucket(n) {
                Ok(()) => {}
                Err(e) if e.kind() == fluxi::StorageErrorKind::BucketNotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    })
    .await
    .map_err(internal)?
    .map_err(store_error)?;
    app.change(|m| {
        m.records.buckets.retain(|b| b.org_id != org.id);
        m.records.auths.retain(|a| a.org_id != org.id);
        m.records.orgs.retain(|o| o.id != org.id);
        Ok(())
    })?;
    // Its tasks and secrets go too.
    let shared = Arc::clone(&app);
    let org_id = org.id.clone();
    tokio::task::spawn_blocking(move || -> Result<(), String> {
        let filter = fluxi_tasks::TaskFilter {
            org_id: Some(org_id.clone()),
            ..Default::default()
        };
        for t in shared.tasks.tasks(&filter) {
            shared.tasks.delete_task(&t.id).map_err(|e| e.to_string())?;
        }
        shared.secrets.forget(&org_id).map_err(|e| e.to_string())
    })
    .await
    .map_err(internal)?
    .map_err(|e| ApiError::internal(format!("the organization's tasks or secrets: {e}")))?;
    Ok(crate::empty(StatusCode::NO_CONTENT))
}
