//! The remote forms of `fluxi bucket create|list|delete`.

use super::{failed, print_table, usage, Conn, API_TIMEOUT};
use crate::out::outln;
use crate::store::BucketAction;
use std::process::ExitCode;

/// Seconds as the shortest duration text (`30d`, `1h30m`), `forever` for none.
fn retention_text(seconds: Option<i64>) -> String {
    seconds.map_or_else(
        || "forever".to_string(),
        |s| fluxi::Duration::from_nanos(s.saturating_mul(1_000_000_000)).to_string(),
    )
}

/// `fluxi bucket ... --host URL`.
pub fn bucket(conn: &Conn, action: BucketAction) -> ExitCode {
    let api = match conn.api(API_TIMEOUT) {
        Ok(a) => a,
        Err(code) => return code,
    };
    match action {
        BucketAction::List => {
            let buckets = match api.buckets(conn.org.as_ref(), None) {
                Ok(b) => b,
                Err(e) => return failed("listing buckets", &e),
            };
            let rows: Vec<Vec<String>> = buckets
                .iter()
                .map(|b| {
                    vec![
                        b.id.clone(),
                        b.name.clone(),
                        retention_text(b.retention_seconds()),
                        b.org_id.clone(),
                    ]
                })
                .collect();
            print_table(&["ID", "Name", "Retention", "Organization ID"], &rows);
            ExitCode::SUCCESS
        }
        BucketAction::Create {
            name,
            retention,
            description,
        } => {
            let retention = match retention.as_deref().map(crate::store::parse_retention) {
                None => None,
                Some(Ok(r)) => r,
                Some(Err(e)) => return usage(&e),
            };
            let org = match conn.org() {
                Ok(o) => o,
                Err(code) => return code,
            };
            let org_id = match api.org_id(org) {
                Ok(id) => id,
                Err(e) => return failed(&format!("finding organization {org}"), &e),
            };
            let seconds = retention.map(|ns| ns.div_euclid(1_000_000_000).max(1));
            match api.create_bucket(&org_id, &name, description.as_deref(), seconds) {
                Ok(b) => {
                    outln!(
                        "created bucket {:?} ({}), retention {}",
                        b.name,
                        b.id,
                        retention_text(b.retention_seconds())
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => failed(&format!("creating bucket {name:?}"), &e),
            }
        }
        BucketAction::Delete { name, id } => {
            let (id, shown) = match (id, name) {
                (Some(id), _) => (id.clone(), id),
                (None, Some(name)) => match api.bucket(conn.org.as_ref(), &name) {
                    Ok(b) => (b.id, format!("{name:?}")),
                    Err(e) => return failed(&format!("finding bucket {name:?}"), &e),
                },
                (None, None) => return usage("give the bucket's name or --id ID"),
            };
            match api.delete_bucket(&id) {
                Ok(()) => {
                    outln!("deleted bucket {shown}");
                    ExitCode::SUCCESS
                }
                Err(e) => failed(&format!("deleting bucket {shown}"), &e),
            }
        }
    }
}
