//! `/api/v2/tasks`: tasks (scheduled Flux), their runs and logs, over the `fluxi-tasks`
//! scheduler the server runs. A task runs with the access of the token that created it
//! (its `authorizationID`): the buckets that token may read and write when the run starts.

use super::*;
use crate::meta::Permission;
use crate::{json_response, ApiError, Shared};
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fluxi_tasks::{
    rfc3339 as task_time, LogEvent, NewTask, OptionChanges, Run, RunFilter, Task, TaskError,
    TaskErrorKind, TaskFilter, TaskStatus, TaskUpdate,
};
use serde::Deserialize;
use serde_json::{json, Value as Json};
use std::sync::Arc;

/// The most tasks or runs one listing returns, and the default (InfluxDB's).
const MAX_LIMIT: usize = 500;
const DEFAULT_LIMIT: usize = 100;

/// A scheduler error as InfluxDB answers it.
fn task_error(e: TaskError) -> ApiError {
    match e.kind() {
        TaskErrorKind::NotFound => ApiError::not_found(match e {
            TaskError::RunNotFound(_) => "run not found",
            _ => "task not found",
        }),
        TaskErrorKind::Options | TaskErrorKind::Invalid => ApiError::invalid(e.to_string()),
        TaskErrorKind::Stopped => ApiError::unavailable(e.to_string()),
        _ => ApiError::internal(e.to_string()),
    }
}

/// Run `f` on the scheduler on a blocking thread (its changes are synced to disk).
async fn on_scheduler<T: Send + 'static>(
    app: &Shared,
    f: impl FnOnce(&fluxi_tasks::Scheduler) -> Result<T, TaskError> + Send + 'static,
) -> Result<T, ApiError> {
    let app = Arc::clone(app);
    tokio::task::spawn_blocking(move || f(&app.tasks))
        .await
        .map_err(internal)?
        .map_err(task_error)
}

fn task_permission(action: &str, t: &Task) -> Permission {
    Permission::on(action, "tasks", Some(&t.id), Some(&t.org_id))
}

/// The task with this id, when `auth` may do `action` on it (else InfluxDB's 401
/// `"<permission> is unauthorized"`, as for buckets).
async fn task_for(app: &Shared, auth: &Auth, id: &str, action: &str) -> Result<Task, ApiError> {
    let id = id.to_string();
    let task = on_scheduler(app, move |s| s.task(&id)).await?;
    require(auth, &task_permission(action, &task))?;
    Ok(task)
}

fn limit_of(text: Option<&str>) -> Result<usize, ApiError> {
    match text {
        None | Some("") => Ok(DEFAULT_LIMIT),
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(ApiError::invalid(format!(
                "limit must be between 1 and {MAX_LIMIT}"
            ))),
        },
    }
}

fn time_param(name: &str, text: Option<&str>) -> Result<Option<i64>, ApiError> {
    match text.filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => fluxi::parse_time(t)
            .map(Some)
            .map_err(|e| ApiError::invalid(format!("{name}: {e}"))),
    }
}

fn status_of(text: &str) -> Result<TaskStatus, ApiError> {
    match text {
        "active" => Ok(TaskStatus::Active),
        "inactive" => Ok(TaskStatus::Inactive),
        other => Err(ApiError::invalid(format!(
            "invalid task status {other:?}: expected \"active\" or \"inactive\""
        ))),
    }
}

// ---- JSON shapes ----

fn task_json(t: &Task) -> Json {
    let base = format!("/api/v2/tasks/{}", t.id);
    let mut j = json!({
        "id": t.id,
        "orgID": t.org_id,
        "org": t.org,
        "name": t.name,
        "ownerID": t.owner_id,
        "status": t.status.as_str(),
        "labels": [],
        "authorizationID": t.authorization_id,
        "flux": t.flux,
        "createdAt": task_time(t.created_at),
        "updatedAt": task_time(t.updated_at),
        "links": {
            "self": base,
            "owners": format!("{base}/owners"),
            "members": format!("{base}/members"),
            "labels": format!("{base}/labels"),
            "runs": format!("{base}/runs"),
            "logs": format!("{base}/logs"),
        },
    });
    if !t.description.is_empty() {
        j["description"] = json!(t.description);
    }
    if let Some(e) = &t.every {
        j["every"] = json!(e);
    }
    if let Some(c) = &t.cron {
        j["cron"] = json!(c);
    }
    if let Some(o) = &t.offset {
        j["offset"] = json!(o);
    }
    if let Some(c) = t.latest_completed {
        j["latestCompleted"] = json!(task_time(c));
    }
    if let Some(s) = t.last_run_status {
        j["lastRunStatus"] = json!(s.as_str());
    }
    if let Some(e) = &t.last_run_error {
        j["lastRunError"] = json!(e);
    }
    j
}

fn event_json(e: &LogEvent) -> Json {
    json!({"runID": e.run_id, "time": task_time(e.time), "message": e.message})
}

fn run_json(r: &Run) -> Json {
    let base = format!("/api/v2/tasks/{}/runs/{}", r.task_id, r.id);
    let mut j = json!({
        "id": r.id,
        "taskID": r.task_id,
        "status": r.status.as_str(),
        "scheduledFor": task_time(r.scheduled_for),
        "log": r.log.iter().map(event_json).collect::<Vec<_>>(),
        "links": {
            "self": base,
            "task": format!("/api/v2/tasks/{}", r.task_id),
            "retry": format!("{base}/retry"),
        },
    });
    for (key, time) in [
        ("startedAt", r.started_at),
        ("finishedAt", r.finished_at),
        ("requestedAt", r.requested_at),
    ] {
        if let Some(t) = time {
            j[key] = json!(task_time(t));
        }
    }
    j
}

// ---- tasks ----

#[derive(Debug, Deserialize, Default)]
pub(crate) struct TaskQuery {
    name: Option<String>,
    after: Option<String>,
    user: Option<String>,
    org: Option<String>,
    #[serde(rename = "orgID")]
    org_id: Option<String>,
    status: Option<String>,
    limit: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// `GET /api/v2/tasks`: the tasks the token may read, by id.
pub(crate) async fn list_tasks(
    State(app): State<Shared>,
    Query(q): Query<TaskQuery>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let limit = limit_of(q.limit.as_deref())?;
    let org = if q.org.is_some() || q.org_id.is_some() {
        Some(app.resolve_org(q.org.as_deref(), q.org_id.as_deref())?)
    } else {
        None
    };
    let status = q
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(status_of)
        .transpose()?;
    // Every task is a basic one (InfluxDB's "system" tasks are its internal ones).
    let system_only = q.kind.as_deref() == Some("system");
    let filter = TaskFilter {
        name: q.name.filter(|n| !n.is_empty()),
        org_id: org.map(|o| o.id),
        owner_id: q.user.filter(|u| !u.is_empty()),
        status,
        after: q.after.filter(|a| !a.is_empty()),
        limit: None,
    };
    let tasks: Vec<Json> = app
        .tasks
        .tasks(&filter)
        .iter()
        .filter(|t| !system_only && auth.allows(&task_permission("read", t)))
        .take(limit)
        .map(task_json)
        .collect();
    let mut links = json!({"self": format!("/api/v2/tasks?limit={limit}")});
    if tasks.len() == limit {
        if let Some(last) = tasks.last().and_then(|t| t["id"].as_str()) {
            links["next"] = json!(format!("/api/v2/tasks?after={last}&limit={limit}"));
        }
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({"links": links, "tasks": tasks}),
    ))
}

#[derive(Debug, Deserialize)]
struct CreateTask {
    #[serde(rename = "orgID")]
    org_id: Option<String>,
    org: Option<String>,
    flux: Option<String>,
    status: Option<String>,
    description: Option<String>,
}

/// `POST /api/v2/tasks`: a task from a script with `option task`; it runs with the
/// access of the token that created it.
pub(crate) async fn create_task(
    State(app): State<Shared>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let body: CreateTask = json_body(&app, request).await?;
    let flux = body
        .flux
        .filter(|f| !f.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("failed to decode request: missing flux"))?;
    let org = match (body.org.as_deref(), body.org_id.as_deref()) {
        (None | Some(""), None | Some("")) => app
            .meta()
            .org(&auth.org_id)
            .cloned()
            .ok_or_else(|| ApiError::invalid("Please provide either orgID or org"))?,
        (org, id) => app.resolve_org(org, id)?,
    };
    require(
        &auth,
        &Permission::on("write", "tasks", None, Some(&org.id)),
    )?;
    let status = match body.status.as_deref() {
        None | Some("") => TaskStatus::Active,
        Some(s) => status_of(s)?,
    };
    let new = NewTask {
        flux,
        org_id: org.id.clone(),
        org: org.name.clone(),
        owner_id: auth.user_id.clone(),
        authorization_id: auth.id.clone(),
        status,
        description: body.description.unwrap_or_default(),
    };
    let task = on_scheduler(&app, move |s| s.create_task(new)).await?;
    Ok(json_response(StatusCode::CREATED, &task_json(&task)))
}

/// `GET /api/v2/tasks/:id`.
pub(crate) async fn get_task(
    State(app): State<Shared>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    let task = task_for(&app, &auth, &id, "read").await?;
    Ok(json_response(StatusCode::OK, &task_json(&task)))
}

#[derive(Debug, Deserialize)]
struct PatchTask {
    status: Option<String>,
    flux: Option<String>,
    name: Option<String>,
    every: Option<String>,
    cron: Option<String>,
    offset: Option<String>,
    description: Option<String>,
}

/// `PATCH /api/v2/tasks/:id`: status, script, description, and name, every, cron or
/// offset (written into the script's `option task`).
pub(crate) async fn update_task(
    State(app): State<Shared>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    task_for(&app, &auth, &id, "write").await?;
    let body: PatchTask = json_body(&app, request).await?;
    let empty_none = |s: Option<String>| s.filter(|v| !v.is_empty());
    let update = TaskUpdate {
        flux: empty_none(body.flux),
        status: body
            .status
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(status_of)
            .transpose()?,
        description: body.description,
        options: OptionChanges {
            name: empty_none(body.name),
            every: empty_none(body.every),
            cron: empty_none(body.cron),
            offset: body.offset,
        },
    };
    let task = on_scheduler(&app, move |s| s.update_task(&id, update)).await?;
    Ok(json_response(StatusCode::OK, &task_json(&task)))
}

/// `DELETE /api/v2/tasks/:id`: the task and its runs; running runs are cancelled.
pub(crate) async fn delete_task(
    State(app): State<Shared>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    task_for(&app, &auth, &id, "write").await?;
    on_scheduler(&app, move |s| s.delete_task(&id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- runs and logs ----

#[derive(Debug, Deserialize, Default)]
pub(crate) struct RunQuery {
    after: Option<String>,
    limit: Option<String>,
    #[serde(rename = "afterTime")]
    after_time: Option<String>,
    #[serde(rename = "beforeTime")]
    before_time: Option<String>,
}

/// `GET /api/v2/tasks/:id/runs`: runs by scheduled time, the latest `limit` of them;
/// `after` (a run id) keeps those after that run.
pub(crate) async fn list_runs(
    State(app): State<Shared>,
    Path(id): Path<String>,
    Query(q): Query<RunQuery>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    task_for(&app, &auth, &id, "read").await?;
    let limit = limit_of(q.limit.as_deref())?;
    let filter = RunFilter {
        after_time: time_param("afterTime", q.after_time.as_deref())?,
        before_time: time_param("beforeTime", q.before_time.as_deref())?,
        limit: None,
    };
    let task_id = id.clone();
    let mut runs = on_scheduler(&app, move |s| s.runs(&task_id, &filter)).await?;
    if let Some(after) = q.after.filter(|a| !a.is_empty()) {
        if let Some(i) = runs.iter().position(|r| r.id == after) {
            runs.drain(..=i);
        }
    }
    let skip = runs.len().saturating_sub(limit);
    let page: Vec<Json> = runs[skip..].iter().map(run_json).collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "links": {
                "self": format!("/api/v2/tasks/{id}/runs"),
                "task": format!("/api/v2/tasks/{id}"),
            },
            "runs": page,
        }),
    ))
}

#[derive(Debug, Deserialize, Default)]
struct RunManually {
    #[serde(rename = "scheduledFor")]
    scheduled_for: Option<String>,
}

/// `POST /api/v2/tasks/:id/runs`: run the task now, for `scheduledFor` (its `now()`;
/// the server's time when absent).
pub(crate) async fn run_task(
    State(app): State<Shared>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    task_for(&app, &auth, &id, "write").await?;
    let body = read_body(
        request,
        app.config.max_body_bytes,
        app.config.timeouts.body_idle,
    )
    .await?;
    let manual: RunManually = if body.iter().all(u8::is_ascii_whitespace) {
        RunManually::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::invalid(format!("failed to decode request body: {e}")))?
    };
    let scheduled_for = time_param("scheduledFor", manual.scheduled_for.as_deref())?;
    let run = on_scheduler(&app, move |s| s.run_now(&id, scheduled_for)).await?;
    Ok(json_response(StatusCode::CREATED, &run_json(&run)))
}

/// `GET /api/v2/tasks/:id/runs/:run`.
pub(crate) async fn get_run(
    State(app): State<Shared>,
    Path((id, run)): Path<(String, String)>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    task_for(&app, &auth, &id, "read").await?;
    let run = on_scheduler(&app, move |s| s.run(&id, &run)).await?;
    Ok(json_response(StatusCode::OK, &run_json(&run)))
}

/// `DELETE /api/v2/tasks/:id/runs/:run`: cancel a run that has not finished.
pub(crate) async fn cancel_run(
    State(app): State<Shared>,
    Path((id, run)): Path<(String, String)>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    task_for(&app, &auth, &id, "write").await?;
    on_scheduler(&app, move |s| s.cancel_run(&id, &run)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/v2/tasks/:id/runs/:run/retry`: run a finished run's scheduled time again.
pub(crate) async fn retry_run(
    State(app): State<Shared>,
    Path((id, run)): Path<(String, String)>,
    request: Request,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    task_for(&app, &auth, &id, "write").await?;
    let run = on_scheduler(&app, move |s| s.retry_run(&id, &run)).await?;
    Ok(json_response(StatusCode::OK, &run_json(&run)))
}

/// The log of one run of task `id`, or of all its runs, as `{"events": [...]}`.
async fn logs(
    app: Shared,
    request: Request,
    id: String,
    run: Option<String>,
) -> Result<Response, ApiError> {
    let auth = app.authenticate(request.headers())?;
    task_for(&app, &auth, &id, "read").await?;
    let events = on_scheduler(&app, move |s| s.logs(&id, run.as_deref())).await?;
    let events: Vec<Json> = events.iter().map(event_json).collect();
    Ok(json_response(StatusCode::OK, &json!({"events": events})))
}

/// `GET /api/v2/tasks/:id/logs`: the log of every run, oldest first.
pub(crate) async fn task_logs(
    State(app): State<Shared>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    logs(app, request, id, None).await
}

/// `GET /api/v2/tasks/:id/runs/:run/logs`.
pub(crate) async fn run_logs(
    State(app): State<Shared>,
    Path((id, run)): Path<(String, String)>,
    request: Request,
) -> Result<Response, ApiError> {
    logs(app, request, id, Some(run)).await
}
