//! `fluxi auth create|list|delete|active|inactive` and `fluxi org list|create`.

use super::{failed, print_table, usage, RemoteArgs, API_TIMEOUT};
use crate::out::outln;
use fluxi_client::{Authorization, OrgRef, Permission};
use std::process::ExitCode;

/// The resource types of an organization that `--all-access` grants read and write on
/// (InfluxDB's list; `orgs` is granted as read on the organization itself).
const ORG_RESOURCES: &[&str] = &[
    "authorizations",
    "buckets",
    "dashboards",
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
];

/// What a new token may do (`fluxi auth create`'s flags).
#[derive(Debug, Clone, Default)]
pub struct Grants {
    /// `--read-bucket ID`...
    pub read_bucket: Vec<String>,
    /// `--write-bucket ID`...
    pub write_bucket: Vec<String>,
    /// `--read-buckets`: every bucket of the organization.
    pub read_buckets: bool,
    /// `--write-buckets`.
    pub write_buckets: bool,
    /// `--all-access`: everything in the organization.
    pub all_access: bool,
}

impl Grants {
    /// The permissions, in organization `org`.
    fn permissions(&self, org: &str) -> Vec<Permission> {
        let mut p = Vec::new();
        if self.all_access {
            p.push(Permission::on("read", "orgs", None, Some(org)));
            for kind in ORG_RESOURCES {
                p.push(Permission::on("read", kind, Some(org), None));
                p.push(Permission::on("write", kind, Some(org), None));
            }
            return p;
        }
        if self.read_buckets {
            p.push(Permission::on("read", "buckets", Some(org), None));
        }
        if self.write_buckets {
            p.push(Permission::on("write", "buckets", Some(org), None));
        }
        for id in &self.read_bucket {
            p.push(Permission::on("read", "buckets", Some(org), Some(id)));
        }
        for id in &self.write_bucket {
            p.push(Permission::on("write", "buckets", Some(org), Some(id)));
        }
        p
    }
}

/// What `fluxi auth` does.
pub enum AuthAction {
    /// Make a token.
    Create {
        description: Option<String>,
        grants: Grants,
    },
    /// List the authorizations (never their tokens).
    List,
    /// Delete one: its token is refused from then on.
    Delete { id: String },
    /// Make one active or inactive.
    SetActive { id: String, active: bool },
}

fn permissions_text(a: &Authorization) -> String {
    a.permissions
        .iter()
        .map(Permission::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `fluxi auth ...`.
pub fn auth(remote: &RemoteArgs, action: AuthAction) -> ExitCode {
    let conn = match super::require(remote, "fluxi auth") {
        Ok(c) => c,
        Err(code) => return code,
    };
    let api = match conn.api(API_TIMEOUT) {
        Ok(a) => a,
        Err(code) => return code,
    };
    match action {
        AuthAction::Create {
            description,
            grants,
        } => {
            let org = match conn.org() {
                Ok(o) => o,
                Err(code) => return code,
            };
            let org_id = match api.org_id(org) {
                Ok(id) => id,
                Err(e) => return failed(&format!("finding organization {org}"), &e),
            };
            let permissions = grants.permissions(&org_id);
            if permissions.is_empty() {
                return usage(
                    "say what the token may do: --read-bucket ID, --write-bucket ID (both repeatable), --read-buckets, --write-buckets or --all-access",
                );
            }
            match api.create_authorization(&org_id, description.as_deref(), &permissions) {
                Ok((a, token)) => {
                    outln!("ID\t{}", a.id);
                    outln!("Description\t{}", a.description.clone().unwrap_or_default());
                    outln!("Status\t{}", a.status);
                    outln!("Token\t{token}");
                    outln!("Permissions\t{}", permissions_text(&a));
                    eprintln!(
                        "keep the token: it is shown only this once (the server keeps only its hash)"
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => failed("creating the authorization", &e),
            }
        }
        AuthAction::List => {
            let all = match api.authorizations() {
                Ok(a) => a,
                Err(e) => return failed("listing authorizations", &e),
            };
            // Filtered here too: a server may list them all.
            let all: Vec<Authorization> = match &conn.org {
                Some(OrgRef::Id(id)) => all.into_iter().filter(|a| a.org_id == *id).collect(),
                Some(OrgRef::Name(n)) if remote.org.is_some() => all
                    .into_iter()
                    .filter(|a| a.org.as_deref() == Some(n.as_str()))
                    .collect(),
                _ => all,
            };
            let rows: Vec<Vec<String>> = all
                .iter()
                .map(|a| {
                    vec![
                        a.id.clone(),
                        a.description.clone().unwrap_or_default(),
                        a.status.clone(),
                        a.org.clone().unwrap_or_else(|| a.org_id.clone()),
                        a.user.clone().unwrap_or_default(),
                        permissions_text(a),
                    ]
                })
                .collect();
            print_table(
                &["ID", "Description", "Status", "Org", "User", "Permissions"],
                &rows,
            );
            ExitCode::SUCCESS
        }
        AuthAction::Delete { id } => match api.delete_authorization(&id) {
            Ok(()) => {
                outln!("deleted authorization {id}");
                ExitCode::SUCCESS
            }
            Err(e) => failed(&format!("deleting authorization {id}"), &e),
        },
        AuthAction::SetActive { id, active } => match api.set_authorization_status(&id, active) {
            Ok(a) => {
                outln!("authorization {} is {}", a.id, a.status);
                ExitCode::SUCCESS
            }
            Err(e) => failed(&format!("changing authorization {id}"), &e),
        },
    }
}

/// What `fluxi org` does.
pub enum OrgAction {
    /// List the organizations.
    List,
    /// Make one.
    Create {
        name: String,
        description: Option<String>,
    },
}

/// `fluxi org ...`.
pub fn org(remote: &RemoteArgs, action: OrgAction) -> ExitCode {
    let conn = match super::require(remote, "fluxi org") {
        Ok(c) => c,
        Err(code) => return code,
    };
    let api = match conn.api(API_TIMEOUT) {
        Ok(a) => a,
        Err(code) => return code,
    };
    match action {
        OrgAction::List => match api.orgs() {
            Ok(orgs) => {
                let rows: Vec<Vec<String>> = orgs
                    .iter()
                    .map(|o| vec![o.id.clone(), o.name.clone()])
                    .collect();
                print_table(&["ID", "Name"], &rows);
                ExitCode::SUCCESS
            }
            Err(e) => failed("listing organizations", &e),
        },
        OrgAction::Create { name, description } => {
            match api.create_org(&name, description.as_deref()) {
                Ok(o) => {
                    outln!("created organization {:?} ({})", o.name, o.id);
                    ExitCode::SUCCESS
                }
                Err(e) => failed(&format!("creating organization {name:?}"), &e),
            }
        }
    }
}
