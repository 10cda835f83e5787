//! The InfluxDB 2 API as typed calls: onboarding, orgs, buckets, authorizations, query
//! and write — what `fluxi setup`, `auth`, `org`, `bucket`, `query` and `write` ask a
//! server (`fluxi serve` or InfluxDB 2).

use crate::error::{ApiError, ClientError};
use crate::http::{query_string, Answer, Client, Request, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json};
use std::fmt;
use std::io::Read;

/// The most pages of 100 buckets [`Api::buckets`] reads (a server that keeps sending
/// full pages beyond that is answered with an error).
const MAX_PAGES: usize = 10_000;
/// The most bytes of an error answer read from a streamed request.
const MAX_ERROR_BODY: u64 = 1 << 20;

/// An organization.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Org {
    /// Its ID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
}

/// A bucket's retention rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionRule {
    /// `expire`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// How long data is kept, in seconds (0: for ever).
    #[serde(rename = "everySeconds", default)]
    pub every_seconds: i64,
}

/// A bucket.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Bucket {
    /// Its ID.
    pub id: String,
    /// The ID of its organization.
    #[serde(rename = "orgID", default)]
    pub org_id: String,
    /// Its name.
    pub name: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// How long it keeps data.
    #[serde(rename = "retentionRules", default)]
    pub retention_rules: Vec<RetentionRule>,
}

impl Bucket {
    /// How long the bucket keeps data, in seconds (`None`: for ever).
    pub fn retention_seconds(&self) -> Option<i64> {
        self.retention_rules
            .iter()
            .find(|r| r.kind == "expire" || r.kind.is_empty())
            .map(|r| r.every_seconds)
            .filter(|&s| s > 0)
    }
}

/// What a permission is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// The resource type: `buckets`, `orgs`, `authorizations`, `instance`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// One resource of the type (`None`: all of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The organization whose resources (`None`: every organization's).
    #[serde(rename = "orgID", default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// The resource's name, as the server reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The organization's name, as the server reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
}

/// A permission: an action on a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permission {
    /// `read` or `write`.
    pub action: String,
    /// What it is on.
    pub resource: Resource,
}

impl Permission {
    /// `action` on the resources of `kind` of organization `org_id` (on one of them with
    /// `id`).
    pub fn on(action: &str, kind: &str, org_id: Option<&str>, id: Option<&str>) -> Permission {
        Permission {
            action: action.to_string(),
            resource: Resource {
                kind: kind.to_string(),
                id: id.map(str::to_string),
                org_id: org_id.map(str::to_string),
                name: None,
                org: None,
            },
        }
    }
}

impl fmt::Display for Permission {
    /// `read:orgs/ORG/buckets/ID`, as `influx auth list` shows it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.resource;
        write!(f, "{}:", self.action)?;
        if let Some(org) = &r.org_id {
            write!(f, "orgs/{org}/")?;
        }
        write!(f, "{}", r.kind)?;
        if let Some(id) = &r.id {
            write!(f, "/{id}")?;
        }
        Ok(())
    }
}

/// An authorization (a token's record). The token itself is never part of it: the
/// server shows it once, when it is made ([`Api::create_authorization`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Authorization {
    /// Its ID.
    pub id: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// `active` or `inactive`.
    #[serde(default)]
    pub status: String,
    /// The ID of its organization.
    #[serde(rename = "orgID", default)]
    pub org_id: String,
    /// The name of its organization.
    #[serde(default)]
    pub org: Option<String>,
    /// The ID of the user it acts for.
    #[serde(rename = "userID", default)]
    pub user_id: Option<String>,
    /// The name of the user it acts for.
    #[serde(default)]
    pub user: Option<String>,
    /// What it may do.
    #[serde(default)]
    pub permissions: Vec<Permission>,
}

/// An organization named by name or by ID (the `org` or `orgID` parameter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgRef {
    /// By name.
    Name(String),
    /// By ID.
    Id(String),
}

impl OrgRef {
    /// The query parameter naming it.
    fn param(&self) -> (&'static str, &str) {
        match self {
            OrgRef::Name(n) => ("org", n),
            OrgRef::Id(i) => ("orgID", i),
        }
    }
}

impl fmt::Display for OrgRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OrgRef::Name(n) => write!(f, "{n:?}"),
            OrgRef::Id(i) => write!(f, "ID {i}"),
        }
    }
}

/// What onboarding makes (`POST /api/v2/setup`).
#[derive(Debug, Clone)]
pub struct Setup<'a> {
    /// The first user.
    pub username: &'a str,
    /// Their password.
    pub password: &'a str,
    /// The first organization.
    pub org: &'a str,
    /// The first bucket.
    pub bucket: &'a str,
    /// How long it keeps data, in seconds (`None`: for ever).
    pub retention_seconds: Option<i64>,
    /// The operator token to use instead of a generated one.
    pub token: Option<&'a str>,
}

/// What onboarding made: the IDs, and the operator token (shown this once).
#[derive(Debug, Clone)]
pub struct SetupResult {
    /// The user's name.
    pub user: String,
    /// The organization.
    pub org: Org,
    /// The bucket.
    pub bucket: Bucket,
    /// The operator token.
    pub token: String,
}

/// A server's API with a token. `Debug` does not show the token.
pub struct Api {
    client: Client,
    auth: Option<String>,
}

impl fmt::Debug for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Api")
            .field("url", &self.client.url().base())
            .field("token", &self.auth.as_ref().map(|_| "(hidden)"))
            .finish()
    }
}

impl Api {
    /// The API of the server at `url`, with `token` (`None` for the calls that need none:
    /// onboarding).
    pub fn new(url: &str, token: Option<&str>) -> Result<Api, ClientError> {
        Ok(Api::with_client(Client::new(url)?, token))
    }

    /// The API over a client set up as the caller likes (timeouts).
    pub fn with_client(client: Client, token: Option<&str>) -> Api {
        Api {
            client,
            auth: token.map(|t| format!("Token {t}")),
        }
    }

    /// The HTTP client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn headers<'a>(&'a self, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut headers = extra.to_vec();
        if let Some(a) = &self.auth {
            headers.push(("Authorization", a));
        }
        headers
    }

    /// A request with a JSON body (or none); an error status is [`ClientError::Api`].
    pub(crate) fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Json>,
    ) -> Result<Answer, ClientError> {
        let text = body.map(Json::to_string).unwrap_or_default();
        let content = [("Content-Type", "application/json; charset=utf-8")];
        let headers = self.headers(if body.is_some() { &content } else { &[] });
        let answer = self.client.send(&Request {
            method,
            path,
            headers: &headers,
            body: text.as_bytes(),
        })?;
        if answer.is_success() {
            Ok(answer)
        } else {
            Err(ApiError::from_body(answer.status, &answer.body).into())
        }
    }

    /// The JSON of an answer as `T`.
    pub(crate) fn decode<T: DeserializeOwned>(
        what: &str,
        answer: &Answer,
    ) -> Result<T, ClientError> {
        serde_json::from_slice(&answer.body).map_err(|e| ClientError::Unexpected {
            what: what.to_string(),
            problem: e.to_string(),
        })
    }

    /// `field` of an answer's JSON as `T`.
    pub(crate) fn field<T: DeserializeOwned>(
        what: &str,
        answer: &Answer,
        field: &str,
    ) -> Result<T, ClientError> {
        let mut json: Json = Api::decode(what, answer)?;
        let value = json
            .get_mut(field)
            .map(Json::take)
            .ok_or_else(|| ClientError::Unexpected {
                what: what.to_string(),
                problem: format!("it has no {field:?}"),
            })?;
        serde_json::from_value(value).map_err(|e| ClientError::Unexpected {
            what: what.to_string(),
            problem: format!("{field:?}: {e}"),
        })
    }

    /// Onboards the server: the first user, org, bucket and the operator token.
    pub fn setup(&self, s: &Setup<'_>) -> Result<SetupResult, ClientError> {
        let mut body = json!({
            "username": s.username,
            "password": s.password,
            "org": s.org,
            "bucket": s.bucket,
            "retentionPeriodSeconds": s.retention_seconds.unwrap_or(0),
        });
        if let Some(t) = s.token {
            body["token"] = json!(t);
        }
        let what = "POST /api/v2/setup";
        let answer = self.call("POST", "/api/v2/setup", Some(&body))?;
        let user: Json = Api::field(what, &answer, "user")?;
        let auth: Json = Api::field(what, &answer, "auth")?;
        Ok(SetupResult {
            user: user["name"].as_str().unwrap_or_default().to_string(),
            org: Api::field(what, &answer, "org")?,
            bucket: Api::field(what, &answer, "bucket")?,
            token: auth["token"]
                .as_str()
                .ok_or_else(|| ClientError::Unexpected {
                    what: what.to_string(),
                    problem: "it has no auth.token".into(),
                })?
                .to_string(),
        })
    }

    /// The organizations the token may read.
    pub fn orgs(&self) -> Result<Vec<Org>, ClientError> {
        let answer = self.call("GET", "/api/v2/orgs", None)?;
        Api::field("GET /api/v2/orgs", &answer, "orgs")
    }

    /// The organization named or with the ID given (the server's 404 when there is none).
    pub fn org(&self, org: &OrgRef) -> Result<Org, ClientError> {
        let path = format!("/api/v2/orgs{}", query_string(&[org.param()]));
        let answer = self.call("GET", &path, None)?;
        let orgs: Vec<Org> = Api::field("GET /api/v2/orgs", &answer, "orgs")?;
        let found = orgs.into_iter().find(|o| match org {
            OrgRef::Name(n) => o.name == *n,
            OrgRef::Id(i) => o.id == *i,
        });
        found.ok_or_else(|| {
            ApiError {
                status: 404,
                code: "not found".into(),
                message: format!("organization {org} not found"),
            }
            .into()
        })
    }

    /// The ID of an organization (asking the server only for one given by name).
    pub fn org_id(&self, org: &OrgRef) -> Result<String, ClientError> {
        match org {
            OrgRef::Id(i) => Ok(i.clone()),
            OrgRef::Name(_) => Ok(self.org(org)?.id),
        }
    }

    /// Makes an organization.
    pub fn create_org(&self, name: &str, description: Option<&str>) -> Result<Org, ClientError> {
        let mut body = json!({ "name": name });
        if let Some(d) = description {
            body["description"] = json!(d);
        }
        let answer = self.call("POST", "/api/v2/orgs", Some(&body))?;
        Api::decode("POST /api/v2/orgs", &answer)
    }

    /// The buckets the token may read, of one organization or all, all of them or the
    /// one named (page by page).
    pub fn buckets(
        &self,
        org: Option<&OrgRef>,
        name: Option<&str>,
    ) -> Result<Vec<Bucket>, ClientError> {
        const LIMIT: usize = 100;
        let mut all: Vec<Bucket> = Vec::new();
        for page in 0..MAX_PAGES {
            let offset = (page * LIMIT).to_string();
            let limit = LIMIT.to_string();
            let mut params = vec![("limit", limit.as_str()), ("offset", offset.as_str())];
            if let Some(o) = org {
                params.push(o.param());
            }
            if let Some(n) = name {
                params.push(("name", n));
            }
            let path = format!("/api/v2/buckets{}", query_string(&params));
            let answer = self.call("GET", &path, None)?;
            let buckets: Vec<Bucket> = Api::field("GET /api/v2/buckets", &answer, "buckets")?;
            let full = buckets.len() >= LIMIT;
            all.extend(buckets);
            if !full || name.is_some() {
                return Ok(all);
            }
        }
        Err(ClientError::Unexpected {
            what: "GET /api/v2/buckets".into(),
            problem: format!("it lists more than {} buckets", MAX_PAGES * LIMIT),
        })
    }

    /// The bucket of this name (of `org`, when given).
    pub fn bucket(&self, org: Option<&OrgRef>, name: &str) -> Result<Bucket, ClientError> {
        let found = self
            .buckets(org, Some(name))?
            .into_iter()
            .find(|b| b.name == name);
        found.ok_or_else(|| {
            ApiError {
                status: 404,
                code: "not found".into(),
                message: format!("bucket {name:?} not found"),
            }
            .into()
        })
    }

    /// Makes a bucket in organization `org_id`.
    pub fn create_bucket(
        &self,
        org_id: &str,
        name: &str,
        description: Option<&str>,
        retention_seconds: Option<i64>,
    ) -> Result<Bucket, ClientError> {
        let rules = match retention_seconds {
            Some(s) if s > 0 => json!([{"type": "expire", "everySeconds": s}]),
            _ => json!([]),
        };
        let mut body = json!({"orgID": org_id, "name": name, "retentionRules": rules});
        if let Some(d) = description {
            body["description"] = json!(d);
        }
        let answer = self.call("POST", "/api/v2/buckets", Some(&body))?;
        Api::decode("POST /api/v2/buckets", &answer)
    }

    /// Deletes a bucket and its data.
    pub fn delete_bucket(&self, id: &str) -> Result<(), ClientError> {
        let path = format!("/api/v2/buckets/{}", crate::http::encode_query_value(id));
        self.call("DELETE", &path, None).map(|_| ())
    }

    /// The authorizations the token may read (never with their tokens, whatever the
    /// server sends).
    pub fn authorizations(&self) -> Result<Vec<Authorization>, ClientError> {
        let answer = self.call("GET", "/api/v2/authorizations", None)?;
        Api::field("GET /api/v2/authorizations", &answer, "authorizations")
    }

    /// Makes an authorization; returns it and its token (which the server shows only now).
    pub fn create_authorization(
        &self,
        org_id: &str,
        description: Option<&str>,
        permissions: &[Permission],
    ) -> Result<(Authorization, String), ClientError> {
        let mut body = json!({"orgID": org_id, "permissions": permissions});
        if let Some(d) = description {
            body["description"] = json!(d);
        }
        let what = "POST /api/v2/authorizations";
        let answer = self.call("POST", "/api/v2/authorizations", Some(&body))?;
        let auth: Authorization = Api::decode(what, &answer)?;
        let token: String = Api::field(what, &answer, "token")?;
        Ok((auth, token))
    }

    /// Deletes an authorization: its token is refused from then on.
    pub fn delete_authorization(&self, id: &str) -> Result<(), ClientError> {
        let path = format!(
            "/api/v2/authorizations/{}",
            crate::http::encode_query_value(id)
        );
        self.call("DELETE", &path, None).map(|_| ())
    }

    /// Makes an authorization `active` or `inactive`.
    pub fn set_authorization_status(
        &self,
        id: &str,
        active: bool,
    ) -> Result<Authorization, ClientError> {
        let path = format!(
            "/api/v2/authorizations/{}",
            crate::http::encode_query_value(id)
        );
        let status = if active { "active" } else { "inactive" };
        let answer = self.call("PATCH", &path, Some(&json!({ "status": status })))?;
        Api::decode("PATCH /api/v2/authorizations", &answer)
    }

    /// Runs a Flux query; the answer is annotated CSV (all three annotations and the
    /// header), streamed: read it from the response's body. An error status before the
    /// first byte is [`ClientError::Api`].
    pub fn query(&self, org: &OrgRef, flux: &str) -> Result<Response, ClientError> {
        let body = json!({
            "query": flux,
            "type": "flux",
            "dialect": {
                "header": true,
                "delimiter": ",",
                "annotations": ["datatype", "group", "default"],
            },
        })
        .to_string();
        let path = format!("/api/v2/query{}", query_string(&[org.param()]));
        let headers = self.headers(&[
            ("Content-Type", "application/json; charset=utf-8"),
            ("Accept", "application/csv"),
        ]);
        let response = self.client.stream(&Request {
            method: "POST",
            path: &path,
            headers: &headers,
            body: body.as_bytes(),
        })?;
        if (200..300).contains(&response.status) {
            return Ok(response);
        }
        let status = response.status;
        let mut text = Vec::new();
        let url = self.client.url().base();
        response
            .body
            .take(MAX_ERROR_BODY)
            .read_to_end(&mut text)
            .map_err(|e| ClientError::Io(url, e))?;
        Err(ApiError::from_body(status, &text).into())
    }

    /// Writes line protocol into `bucket` (name or ID) with timestamps of `precision`
    /// (`ns`, `us`, `ms` or `s`), gzipped when `gzip` is set.
    pub fn write(
        &self,
        org: &OrgRef,
        bucket: &str,
        precision: &str,
        lines: &[u8],
        gzip: bool,
    ) -> Result<(), ClientError> {
        let path = format!(
            "/api/v2/write{}",
            query_string(&[org.param(), ("bucket", bucket), ("precision", precision)])
        );
        let compressed;
        let (body, mut extra): (&[u8], Vec<(&str, &str)>) = if gzip {
            compressed = crate::sink::gzip(lines)
                .map_err(|e| ClientError::Io(self.client.url().base(), e))?;
            (&compressed, vec![("Content-Encoding", "gzip")])
        } else {
            (lines, Vec::new())
        };
        extra.push(("Content-Type", "text/plain; charset=utf-8"));
        let headers = self.headers(&extra);
        let answer = self.client.send(&Request {
            method: "POST",
            path: &path,
            headers: &headers,
            body,
        })?;
        if answer.is_success() {
            Ok(())
        } else {
            Err(ApiError::from_body(answer.status, &answer.body).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_authorization_never_holds_its_token() {
        // InfluxDB 2 lists authorizations with their tokens.
        let listed = r#"{"id":"0a","token":"s3cret-token","status":"active","description":"d",
            "orgID":"0b","org":"acme","userID":"0c","user":"ann",
            "permissions":[{"action":"read","resource":{"type":"buckets","id":"0d","orgID":"0b","name":"b","org":"acme"}},
                           {"action":"write","resource":{"type":"instance","id":null,"orgID":null}}]}"#;
        let a: Authorization = serde_json::from_str(listed).unwrap_or_else(|e| panic!("{e}"));
        assert!(!format!("{a:?}").contains("s3cret"));
        let shown: Vec<String> = a.permissions.iter().map(Permission::to_string).collect();
        assert_eq!(shown, ["read:orgs/0b/buckets/0d", "write:instance"]);
        // What is sent leaves the names out when there are none.
        let p = serde_json::to_value(Permission::on("read", "buckets", Some("0b"), None))
            .unwrap_or_default();
        assert_eq!(
            p,
            json!({"action": "read", "resource": {"type": "buckets", "orgID": "0b"}})
        );
    }

    #[test]
    fn retention_of_a_bucket() {
        let b: Bucket = serde_json::from_value(json!({"id": "1", "name": "b",
            "retentionRules": [{"type": "expire", "everySeconds": 3600}]}))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.retention_seconds(), Some(3600));
        let forever: Bucket = serde_json::from_value(json!({"id": "1", "name": "b",
            "retentionRules": [{"type": "expire", "everySeconds": 0}]}))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(forever.retention_seconds(), None);
    }
}
