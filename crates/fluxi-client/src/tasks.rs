//! `/api/v2/tasks` as typed calls: tasks, their runs and logs (what `fluxi task` asks a
//! server).

use crate::api::Api;
use crate::error::ClientError;
use crate::http::{encode_query_value, query_string};
use serde::Deserialize;
use serde_json::{json, Value as Json};

/// A task as the server describes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub id: String,
    #[serde(rename = "orgID")]
    pub org_id: String,
    #[serde(default)]
    pub org: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub status: String,
    pub flux: String,
    pub every: Option<String>,
    pub cron: Option<String>,
    pub offset: Option<String>,
    pub latest_completed: Option<String>,
    pub last_run_status: Option<String>,
    pub last_run_error: Option<String>,
    #[serde(rename = "authorizationID", default)]
    pub authorization_id: String,
}

impl Task {
    /// `every`, or `cron`, as one text.
    pub fn schedule(&self) -> String {
        match (&self.every, &self.cron) {
            (Some(e), _) => format!("every {e}"),
            (None, Some(c)) => format!("cron {c}"),
            (None, None) => String::new(),
        }
    }
}

/// One line of a run's log.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LogEvent {
    #[serde(rename = "runID", default)]
    pub run_id: String,
    pub time: String,
    pub message: String,
}

/// A run of a task.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub id: String,
    #[serde(rename = "taskID")]
    pub task_id: String,
    pub status: String,
    pub scheduled_for: String,
    pub requested_at: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    #[serde(default)]
    pub log: Vec<LogEvent>,
}

/// A task to make.
#[derive(Debug, Clone, Default)]
pub struct NewTask<'a> {
    /// The script, with its `option task`.
    pub flux: &'a str,
    pub org_id: &'a str,
    pub description: Option<&'a str>,
    /// Made inactive (not run on schedule) instead of active.
    pub inactive: bool,
}

/// What to change of a task (`None`: keep it).
#[derive(Debug, Clone, Default)]
pub struct TaskChanges {
    pub flux: Option<String>,
    /// `active` or `inactive`.
    pub status: Option<String>,
    pub description: Option<String>,
    pub name: Option<String>,
    pub every: Option<String>,
    pub cron: Option<String>,
    pub offset: Option<String>,
}

/// The most pages of tasks [`Api::tasks`] reads.
const MAX_PAGES: usize = 10_000;

fn task_path(id: &str) -> String {
    format!("/api/v2/tasks/{}", encode_query_value(id))
}

impl Api {
    /// The tasks the token may read (of `org_id`, or named `name`, when given), page by
    /// page.
    pub fn tasks(
        &self,
        org_id: Option<&str>,
        name: Option<&str>,
    ) -> Result<Vec<Task>, ClientError> {
        let mut all: Vec<Task> = Vec::new();
        for _ in 0..MAX_PAGES {
            let mut params = vec![("limit", "500")];
            if let Some(o) = org_id {
                params.push(("orgID", o));
            }
            if let Some(n) = name {
                params.push(("name", n));
            }
            let after = all.last().map(|t| t.id.clone());
            if let Some(a) = &after {
                params.push(("after", a));
            }
            let path = format!("/api/v2/tasks{}", query_string(&params));
            let answer = self.call("GET", &path, None)?;
            let page: Vec<Task> = Api::field("GET /api/v2/tasks", &answer, "tasks")?;
            let full = page.len() >= 500;
            all.extend(page);
            if !full {
                return Ok(all);
            }
        }
        Err(ClientError::Unexpected {
            what: "GET /api/v2/tasks".into(),
            problem: format!("it lists more than {} tasks", MAX_PAGES * 500),
        })
    }

    /// One task.
    pub fn task(&self, id: &str) -> Result<Task, ClientError> {
        let answer = self.call("GET", &task_path(id), None)?;
        Api::decode("GET /api/v2/tasks/ID", &answer)
    }

    /// Makes a task; its name and schedule come from the script's `option task`.
    pub fn create_task(&self, new: &NewTask<'_>) -> Result<Task, ClientError> {
        let mut body = json!({"orgID": new.org_id, "flux": new.flux});
        if let Some(d) = new.description {
            body["description"] = json!(d);
        }
        if new.inactive {
            body["status"] = json!("inactive");
        }
        let answer = self.call("POST", "/api/v2/tasks", Some(&body))?;
        Api::decode("POST /api/v2/tasks", &answer)
    }

    /// Changes a task.
    pub fn update_task(&self, id: &str, changes: &TaskChanges) -> Result<Task, ClientError> {
        let mut body = json!({});
        for (key, value) in [
            ("flux", &changes.flux),
            ("status", &changes.status),
            ("description", &changes.description),
            ("name", &changes.name),
            ("every", &changes.every),
            ("cron", &changes.cron),
            ("offset", &changes.offset),
        ] {
            if let Some(v) = value {
                body[key] = json!(v);
            }
        }
        let answer = self.call("PATCH", &task_path(id), Some(&body))?;
        Api::decode("PATCH /api/v2/tasks/ID", &answer)
    }

    /// Deletes a task and its runs.
    pub fn delete_task(&self, id: &str) -> Result<(), ClientError> {
        self.call("DELETE", &task_path(id), None).map(|_| ())
    }

    /// Runs a task now, for `scheduled_for` (RFC 3339; the server's time when `None`).
    pub fn run_task(&self, id: &str, scheduled_for: Option<&str>) -> Result<Run, ClientError> {
        let body = match scheduled_for {
            Some(t) => json!({ "scheduledFor": t }),
            None => json!({}),
        };
        let answer = self.call("POST", &format!("{}/runs", task_path(id)), Some(&body))?;
        Api::decode("POST /api/v2/tasks/ID/runs", &answer)
    }

    /// A task's runs, by scheduled time: the latest `limit` (at most 500), scheduled
    /// after / before the RFC 3339 times given.
    pub fn runs(
        &self,
        id: &str,
        limit: Option<usize>,
        after_time: Option<&str>,
        before_time: Option<&str>,
    ) -> Result<Vec<Run>, ClientError> {
        let limit = limit.map(|l| l.to_string());
        let mut params = Vec::new();
        if let Some(l) = &limit {
            params.push(("limit", l.as_str()));
        }
        if let Some(t) = after_time {
            params.push(("afterTime", t));
        }
        if let Some(t) = before_time {
            params.push(("beforeTime", t));
        }
        let path = format!("{}/runs{}", task_path(id), query_string(&params));
        let answer = self.call("GET", &path, None)?;
        Api::field("GET /api/v2/tasks/ID/runs", &answer, "runs")
    }

    /// Runs a finished run's scheduled time again, as a new run.
    pub fn retry_run(&self, id: &str, run: &str) -> Result<Run, ClientError> {
        let path = format!("{}/runs/{}/retry", task_path(id), encode_query_value(run));
        let answer = self.call("POST", &path, Some(&Json::Object(Default::default())))?;
        Api::decode("POST /api/v2/tasks/ID/runs/ID/retry", &answer)
    }

    /// Cancels a run that has not finished.
    pub fn cancel_run(&self, id: &str, run: &str) -> Result<(), ClientError> {
        let path = format!("{}/runs/{}", task_path(id), encode_query_value(run));
        self.call("DELETE", &path, None).map(|_| ())
    }

    /// The log of one run, or of all the task's runs, oldest first.
    pub fn task_logs(&self, id: &str, run: Option<&str>) -> Result<Vec<LogEvent>, ClientError> {
        let path = match run {
            Some(r) => format!("{}/runs/{}/logs", task_path(id), encode_query_value(r)),
            None => format!("{}/logs", task_path(id)),
        };
        let answer = self.call("GET", &path, None)?;
        Api::field("GET /api/v2/tasks/ID/logs", &answer, "events")
    }
}
