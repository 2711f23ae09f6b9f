//! A small client of the Graph GDAP API: the calls of bulk work, each retried as Graph asks.
//!
//! A `429` (or `503`) pauses every request of the client until its `Retry-After` has passed, as
//! Graph's throttling is per application and tenant, not per connection; without the header the
//! wait doubles from one second. Application tokens are fetched with the client credentials and
//! fetched again shortly before they expire or when the API answers `401`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::Mutex;

/// The path of the relationships collection.
const RELATIONSHIPS: &str = "/v1.0/tenantRelationships/delegatedAdminRelationships";
/// Attempts of one call before giving up (throttled attempts included).
const MAX_ATTEMPTS: u32 = 30;
/// The longest single wait, whatever `Retry-After` says.
const MAX_WAIT: Duration = Duration::from_secs(300);
/// A call that takes longer than this is retried.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// How the client gets its access token.
#[derive(Clone)]
pub enum Auth {
    /// A token obtained beforehand (`gdap token`, `az account get-access-token` …).
    Token(String),
    /// Tokens issued by a source, renewed as client credentials' are.
    Source(std::sync::Arc<dyn TokenSource>),
    /// An application's client credentials, exchanged at `{login}/{tenant}/oauth2/v2.0/token`.
    ClientCredentials {
        /// The token service (`https://login.microsoftonline.com`, or gdap's URL).
        login: String,
        /// The partner tenant.
        tenant: String,
        /// The application (client) id.
        client_id: String,
        /// Its secret.
        secret: String,
    },
}

/// Tokens from elsewhere: the server that runs a bulk job issues its own.
#[async_trait::async_trait]
pub trait TokenSource: Send + Sync {
    /// A token and how long it lasts.
    async fn token(&self) -> Result<(String, Duration), String>;
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret or the token.
        match self {
            Self::Token(_) => f.write_str("Token(…)"),
            Self::Source(_) => f.write_str("Source(…)"),
            Self::ClientCredentials {
                tenant, client_id, ..
            } => write!(f, "ClientCredentials({client_id} in {tenant})"),
        }
    }
}

/// Why a call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GraphError {
    /// Graph answered with an error envelope.
    #[error("{status} {code}: {message}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// `error.code`.
        code: String,
        /// `error.message`.
        message: String,
    },
    /// The service could not be reached, or kept failing.
    #[error("{0}")]
    Transport(String),
    /// No token could be obtained.
    #[error("sign-in failed: {0}")]
    Auth(String),
}

impl GraphError {
    /// The HTTP status, for an answer from Graph.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A relationship as bulk work needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relationship {
    /// Its id.
    pub id: String,
    /// Its unique name.
    pub display_name: String,
    /// Its status (`created`, `approvalPending`, `active` …).
    pub status: String,
    /// The customer's tenant, when known.
    pub customer: Option<String>,
}

impl Relationship {
    fn from_json(v: &Value) -> Option<Self> {
        Some(Self {
            id: v.get("id")?.as_str()?.to_owned(),
            display_name: v
                .get("displayName")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            status: v.get("status")?.as_str()?.to_owned(),
            customer: v
                .pointer("/customer/tenantId")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }

    /// Whether it ended or is ending: it gives no access and cannot be approved any more.
    pub fn ended(&self) -> bool {
        matches!(
            self.status.as_str(),
            "terminated" | "terminating" | "terminationRequested" | "expired" | "expiring"
        )
    }
}

/// Counts of the client's calls.
#[derive(Debug, Default)]
pub struct Counters {
    /// Requests sent (retries included).
    pub requests: AtomicU64,
    /// Answers `429` or `503`.
    pub throttled: AtomicU64,
}

/// The Graph client.
pub struct GraphClient {
    http: reqwest::Client,
    graph: String,
    auth: Auth,
    token: Mutex<Option<(String, Instant)>>,
    /// No request leaves before this instant (set by `Retry-After`).
    pause: Mutex<Option<Instant>>,
    /// What was sent.
    pub counters: Counters,
}

/// `Retry-After` as a wait: seconds, or an HTTP date.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let text = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc2822).ok()?;
    let wait = at - time::OffsetDateTime::now_utc();
    Some(Duration::from_secs_f64(wait.as_seconds_f64().max(0.0)))
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1 << attempt.min(6))
}

/// The error of a non-success answer, from Graph's envelope (or OAuth's).
fn error_of(status: u16, body: &Value, text: &str) -> GraphError {
    let code = body
        .pointer("/error/code")
        .or_else(|| body.get("error"))
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_owned();
    let message = body
        .pointer("/error/message")
        .or_else(|| body.get("error_description"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| text.chars().take(300).collect());
    GraphError::Status {
        status,
        code,
        message,
    }
}

impl GraphClient {
    /// A client of the Graph at `graph` (`https://graph.microsoft.com`, or gdap's URL).
    pub fn new(http: reqwest::Client, graph: &str, auth: Auth) -> Self {
        Self {
            http,
            graph: graph.trim_end_matches('/').to_owned(),
            auth,
            token: Mutex::new(None),
            pause: Mutex::new(None),
            counters: Counters::default(),
        }
    }

    async fn token(&self, renew: bool) -> Result<String, GraphError> {
        if let Auth::Token(t) = &self.auth {
            return Ok(t.clone());
        }
        let mut cached = self.token.lock().await;
        if let Some((t, until)) = cached.as_ref() {
            if !renew && Instant::now() < *until {
                return Ok(t.clone());
            }
        }
        let (login, tenant, client_id, secret) = match &self.auth {
            Auth::Token(t) => return Ok(t.clone()),
            Auth::Source(source) => {
                let (t, life) = source.token().await.map_err(GraphError::Auth)?;
                // Renewed a little before it lapses.
                *cached = Some((t.clone(), Instant::now() + life.mul_f64(0.9)));
                return Ok(t);
            }
            Auth::ClientCredentials {
                login,
                tenant,
                client_id,
                secret,
            } => (login, tenant, client_id, secret),
        };
        let url = format!("{}/{tenant}/oauth2/v2.0/token", login.trim_end_matches('/'));
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", client_id.as_str()),
            ("client_secret", secret.as_str()),
            ("scope", "https://graph.microsoft.com/.default"),
        ];
        let mut last = String::new();
        for attempt in 0..5 {
            match self.http.post(&url).form(&form).send().await {
                Ok(res) => {
                    let status = res.status().as_u16();
                    let text = res.text().await.unwrap_or_default();
                    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    if let (200, Some(t)) = (status, body["access_token"].as_str()) {
                        let life = body["expires_in"].as_u64().unwrap_or(3600);
                        // Renewed five minutes before it lapses.
                        let until = Instant::now() + Duration::from_secs(life.saturating_sub(300));
                        *cached = Some((t.to_owned(), until));
                        return Ok(t.to_owned());
                    }
                    if status < 500 && status != 429 {
                        return Err(GraphError::Auth(error_of(status, &body, &text).to_string()));
                    }
                    last = format!("{status}");
                }
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(backoff(attempt)).await;
        }
        Err(GraphError::Auth(format!("{url}: {last}")))
    }

    async fn wait_for_pause(&self) {
        let until = *self.pause.lock().await;
        if let Some(until) = until {
            let now = Instant::now();
            if until > now {
                tokio::time::sleep(until - now).await;
            }
        }
    }

    async fn pause_for(&self, wait: Duration) {
        let until = Instant::now() + wait.min(MAX_WAIT);
        let mut pause = self.pause.lock().await;
        if pause.is_none_or(|p| p < until) {
            *pause = Some(until);
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        url: url::Url,
        body: Option<&Value>,
    ) -> Result<(u16, Value), GraphError> {
        self.call_if_match(method, url, body, None).await
    }

    /// One call, retried on throttling, server errors and broken connections; the answer's
    /// status and body, or the error of a client mistake.
    async fn call_if_match(
        &self,
        method: reqwest::Method,
        url: url::Url,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Result<(u16, Value), GraphError> {
        let mut renewed = false;
        let mut last = String::new();
        for attempt in 0..MAX_ATTEMPTS {
            self.wait_for_pause().await;
            let token = self.token(false).await?;
            let mut req = self
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(&token)
                .timeout(CALL_TIMEOUT);
            if let Some(b) = body {
                req = req.json(b);
            }
            if let Some(etag) = if_match {
                req = req.header("If-Match", etag);
            }
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let res = match req.send().await {
                Ok(res) => res,
                Err(e) => {
                    last = e.to_string();
                    tokio::time::sleep(backoff(attempt.min(3))).await;
                    continue;
                }
            };
            let status = res.status().as_u16();
            let wait = retry_after(res.headers());
            let text = res.text().await.unwrap_or_default();
            let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            match status {
                200..=299 => return Ok((status, value)),
                429 | 503 => {
                    self.counters.throttled.fetch_add(1, Ordering::Relaxed);
                    self.pause_for(wait.unwrap_or_else(|| backoff(attempt)))
                        .await;
                    last = error_of(status, &value, &text).to_string();
                }
                401 if !renewed && !matches!(self.auth, Auth::Token(_)) => {
                    renewed = true;
                    self.token(true).await?;
                }
                500 | 502 | 504 => {
                    last = error_of(status, &value, &text).to_string();
                    tokio::time::sleep(backoff(attempt.min(3))).await;
                }
                _ => return Err(error_of(status, &value, &text)),
            }
        }
        Err(GraphError::Transport(format!(
            "{method} {url}: gave up after {MAX_ATTEMPTS} attempts ({last})"
        )))
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<url::Url, GraphError> {
        let mut url = url::Url::parse(&format!("{}{path}", self.graph))
            .map_err(|e| GraphError::Transport(format!("{}{path}: {e}", self.graph)))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    /// Every item of a collection, page after page.
    async fn pages(&self, mut url: url::Url) -> Result<Vec<Value>, GraphError> {
        let mut out = Vec::new();
        loop {
            let (_, mut page) = self.call(reqwest::Method::GET, url, None).await?;
            if let Some(items) = page.get_mut("value").and_then(Value::as_array_mut) {
                out.append(items);
            }
            match page["@odata.nextLink"].as_str() {
                Some(next) => {
                    url = url::Url::parse(next)
                        .map_err(|e| GraphError::Transport(format!("nextLink {next}: {e}")))?;
                }
                None => return Ok(out),
            }
        }
    }

    /// Every relationship a filter selects, as Graph represents it.
    pub async fn relationships_json(&self, filter: &str) -> Result<Vec<Value>, GraphError> {
        self.pages(self.url(RELATIONSHIPS, &[("$filter", filter)])?)
            .await
    }

    async fn relationships_where(&self, filter: &str) -> Result<Vec<Relationship>, GraphError> {
        Ok(self
            .relationships_json(filter)
            .await?
            .iter()
            .filter_map(Relationship::from_json)
            .collect())
    }

    /// The customer's relationships (`$filter=customer/tenantId eq …`).
    pub async fn relationships_of(&self, tenant: &str) -> Result<Vec<Relationship>, GraphError> {
        self.relationships_where(&format!("customer/tenantId eq '{tenant}'"))
            .await
    }

    /// The relationship of this name, if any.
    pub async fn relationship_named(&self, name: &str) -> Result<Option<Relationship>, GraphError> {
        let quoted = name.replace('\'', "''");
        Ok(self
            .relationships_where(&format!("displayName eq '{quoted}'"))
            .await?
            .into_iter()
            .find(|r| r.display_name == name))
    }

    /// One relationship; `None` when it does not exist (any more).
    pub async fn relationship(&self, id: &str) -> Result<Option<Relationship>, GraphError> {
        let url = self.url(&format!("{RELATIONSHIPS}/{id}"), &[])?;
        match self.call(reqwest::Method::GET, url, None).await {
            Ok((_, v)) => Ok(Relationship::from_json(&v)),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates a relationship (`POST …/delegatedAdminRelationships`).
    pub async fn create(&self, body: &Value) -> Result<Relationship, GraphError> {
        let url = self.url(RELATIONSHIPS, &[])?;
        let (_, v) = self.call(reqwest::Method::POST, url, Some(body)).await?;
        Relationship::from_json(&v)
            .ok_or_else(|| GraphError::Transport("the created relationship has no id".into()))
    }

    /// Locks a relationship for the customer's approval.
    pub async fn lock(&self, id: &str) -> Result<(), GraphError> {
        let url = self.url(&format!("{RELATIONSHIPS}/{id}/requests"), &[])?;
        self.call(
            reqwest::Method::POST,
            url,
            Some(&json!({"action": "lockForApproval"})),
        )
        .await
        .map(|_| ())
    }

    /// Gives a security group roles in a relationship.
    pub async fn assign(&self, id: &str, group: &str, roles: &[String]) -> Result<(), GraphError> {
        let url = self.url(&format!("{RELATIONSHIPS}/{id}/accessAssignments"), &[])?;
        let body = json!({
            "accessContainer": {"accessContainerId": group, "accessContainerType": "securityGroup"},
            "accessDetails": {"unifiedRoles": roles.iter().map(|r| json!({"roleDefinitionId": r})).collect::<Vec<_>>()},
        });
        self.call(reqwest::Method::POST, url, Some(&body))
            .await
            .map(|_| ())
    }

    /// A relationship's access assignments, as Graph represents them (with `@odata.etag`).
    pub async fn assignments_json(&self, id: &str) -> Result<Vec<Value>, GraphError> {
        self.pages(self.url(&format!("{RELATIONSHIPS}/{id}/accessAssignments"), &[])?)
            .await
    }

    /// The groups that hold a live (not deleted) assignment in a relationship.
    pub async fn assigned_groups(&self, id: &str) -> Result<Vec<String>, GraphError> {
        Ok(self
            .assignments_json(id)
            .await?
            .iter()
            .filter(|a| !matches!(a["status"].as_str(), Some("deleted" | "deleting" | "error")))
            .filter_map(|a| a.pointer("/accessContainer/accessContainerId")?.as_str())
            .map(str::to_owned)
            .collect())
    }

    /// Gives an assignment other roles (`PATCH` with `If-Match`).
    pub async fn update_assignment(
        &self,
        id: &str,
        assignment: &str,
        etag: &str,
        roles: &[String],
    ) -> Result<(), GraphError> {
        let url = self.url(
            &format!("{RELATIONSHIPS}/{id}/accessAssignments/{assignment}"),
            &[],
        )?;
        let body = json!({"accessDetails": {"unifiedRoles": roles.iter().map(|r| json!({"roleDefinitionId": r})).collect::<Vec<_>>()}});
        self.call_if_match(reqwest::Method::PATCH, url, Some(&body), Some(etag))
            .await
            .map(|_| ())
    }

    /// Deletes an assignment (`DELETE` with `If-Match`).
    pub async fn delete_assignment(
        &self,
        id: &str,
        assignment: &str,
        etag: &str,
    ) -> Result<(), GraphError> {
        let url = self.url(
            &format!("{RELATIONSHIPS}/{id}/accessAssignments/{assignment}"),
            &[],
        )?;
        self.call_if_match(reqwest::Method::DELETE, url, None, Some(etag))
            .await
            .map(|_| ())
    }

    /// Ends an active relationship (`POST …/requests` with `terminate`).
    pub async fn terminate(&self, id: &str) -> Result<(), GraphError> {
        let url = self.url(&format!("{RELATIONSHIPS}/{id}/requests"), &[])?;
        self.call(
            reqwest::Method::POST,
            url,
            Some(&json!({"action": "terminate"})),
        )
        .await
        .map(|_| ())
    }

    /// Whether a security group exists in the partner's directory (`GET /v1.0/groups/{id}`).
    pub async fn group_exists(&self, id: &str) -> Result<bool, GraphError> {
        let url = self.url(&format!("/v1.0/groups/{id}"), &[])?;
        match self.call(reqwest::Method::GET, url, None).await {
            Ok(_) => Ok(true),
            Err(e) if e.status() == Some(404) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let soon = time::OffsetDateTime::now_utc() + time::Duration::seconds(30);
        let date = soon
            .format(&time::format_description::well_known::Rfc2822)
            .unwrap();
        h.insert("retry-after", date.parse().unwrap());
        let wait = retry_after(&h).unwrap();
        assert!(wait > Duration::from_secs(25) && wait <= Duration::from_secs(30));
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn an_error_names_graphs_code_and_message() {
        let body = json!({"error": {"code": "Conflict", "message": "The name is taken."}});
        let e = error_of(409, &body, "");
        assert_eq!(e.status(), Some(409));
        assert_eq!(e.to_string(), "409 Conflict: The name is taken.");
        let oauth =
            json!({"error": "invalid_client", "error_description": "AADSTS7000215: bad secret"});
        assert!(error_of(401, &oauth, "")
            .to_string()
            .contains("AADSTS7000215"));
    }

    #[test]
    fn an_ended_relationship_is_told_apart() {
        let r = |s: &str| Relationship {
            id: "x".into(),
            display_name: "n".into(),
            status: s.into(),
            customer: None,
        };
        assert!(r("expired").ended() && r("terminationRequested").ended());
        assert!(!r("approvalPending").ended() && !r("active").ended());
    }
}
