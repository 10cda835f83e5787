//! `/api/v2/orgs/{orgID}/secrets`: list the keys of an organization's secrets, set some,
//! delete some. Values go in and are used by `secrets.get` in the org's queries and tasks;
//! they never come out.

use super::*;
use crate::meta::Permission;
use crate::{json_response, ApiError, Shared};
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

fn secrets_permission(action: &str, org: &str) -> Permission {
    Permission::on(action, "secrets", None, Some(org))
}

/// The org, when `auth` may do `action` on its secrets.
fn org_for(app: &Shared, request: &Request, id: &str, action: &str) -> Result<Org, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let org = app
        .meta()
        .org(id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("organization not found"))?;
    require(&auth, &secrets_permission(action, &org.id))?;
    Ok(org)
}

async fn changed(
    app: &Shared,
    org: &str,
    set: BTreeMap<String, String>,
    delete: Vec<String>,
) -> Result<Response, ApiError> {
    let secrets = std::sync::Arc::clone(&app.secrets);
    let org = org.to_string();
    tokio::task::spawn_blocking(move || secrets.change(&org, set, &delete))
        .await
        .map_err(internal)?
        .map_err(|e| ApiError::internal(format!("the secrets could not be saved: {e}")))?;
    Ok(crate::empty(StatusCode::NO_CONTENT))
}

/// `GET /api/v2/orgs/:id/secrets`: the keys.
pub(crate) async fn list_secrets(
    State(app): State<Shared>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let org = org_for(&app, &request, &id, "read")?;
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "links": {
                "self": format!("/api/v2/orgs/{}/secrets", org.id),
                "org": format!("/api/v2/orgs/{}", org.id),
            },
            "secrets": app.secrets.keys(&org.id),
        }),
    ))
}

/// `PATCH /api/v2/orgs/:id/secrets`: `{"key": "value", ...}` set (added or replaced).
pub(crate) async fn patch_secrets(
    State(app): State<Shared>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let org = org_for(&app, &request, &id, "write")?;
    let set: BTreeMap<String, String> = json_body(&app, request).await?;
    if set.keys().any(|k| k.is_empty()) {
        return Err(ApiError::invalid("a secret's key cannot be empty"));
    }
    changed(&app, &org.id, set, Vec::new()).await
}

#[derive(Debug, Deserialize)]
struct DeleteSecrets {
    #[serde(default)]
    secrets: Vec<String>,
}

/// `POST /api/v2/orgs/:id/secrets/delete`: `{"secrets": [keys]}` deleted.
pub(crate) async fn delete_secrets(
    State(app): State<Shared>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let org = org_for(&app, &request, &id, "write")?;
    let body: DeleteSecrets = json_body(&app, request).await?;
    changed(&app, &org.id, BTreeMap::new(), body.secrets).await
}

/// `DELETE /api/v2/orgs/:id/secrets/:key`.
pub(crate) async fn delete_secret(
    State(app): State<Shared>,
    Path((id, key)): Path<(String, String)>,
    request: Request,
) -> Result<Response, ApiError> {
    let org = org_for(&app, &request, &id, "write")?;
    changed(&app, &org.id, BTreeMap::new(), vec![key]).await
}
