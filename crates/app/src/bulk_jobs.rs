//! Bulk jobs: the work of `gdap bulk` (and `gdap apply`) asked of the server through its API, so
//! that no machine of the partner has to stay up while customers approve.
//!
//! A partner's application posts the customers and the role templates; the server checks them as
//! the command does (a malformed file is refused whole, a bad row fails alone, naming its row and
//! field), keeps the job, and carries it out with the same engine, acting as that application
//! against its own Graph API: the same calls, the same authorization at every call, the same
//! throttling. The job's result records are the command's result file, kept by the store, so a
//! job survives a restart of the node that ran it and resumes where it was, creating nothing twice.

use gdap_bulk::run::Summary;
use gdap_domain::ids::TenantId;
use gdap_store::{BulkJob, JobStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::caller::{Authorized, GdapRead, GdapWrite, Principal, PrincipalKind};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The most customers one job takes.
pub const MAX_ROWS: usize = 50_000;
/// The most result records one page lists.
pub const RECORDS_PAGE: u32 = 1000;
/// Jobs listed at once.
pub const JOBS_LISTED: u32 = 100;
/// How long a job watches for approvals when the request does not say: the life of an invitation.
pub const DEFAULT_WAIT_DAYS: u32 = 90;
/// Jobs of one partner running at once.
pub const MAX_RUNNING: usize = 5;

/// What a job does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum JobMode {
    /// `gdap bulk`: create, lock, invite, and once approved assign.
    #[default]
    Onboard,
    /// `gdap apply`: mend assignments, renew what needs a new approval.
    Apply,
}

/// What a job was asked, as kept with it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JobRequest {
    /// Onboarding or applying templates.
    #[serde(default)]
    pub mode: JobMode,
    /// The customers: the rows of the command's customers file, as a JSON array of objects or
    /// as CSV text with a header line.
    pub customers: Value,
    /// The role templates: one, or an array.
    pub templates: Value,
    /// The template of rows that name none (needless when there is one template).
    #[serde(default)]
    pub template: Option<String>,
    /// How long the job watches for customers' approvals, in days (1–90).
    #[serde(default = "default_wait")]
    pub approval_wait_days: u32,
    /// How often it looks at the relationships still awaiting approval, in seconds (1–86400).
    #[serde(default = "default_poll")]
    pub poll_seconds: u64,
    /// Customers worked on at once (1–32).
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
}

fn default_wait() -> u32 {
    DEFAULT_WAIT_DAYS
}
fn default_poll() -> u64 {
    300
}
fn default_concurrency() -> usize {
    8
}

impl JobRequest {
    /// The customers as the text of a customers file.
    pub fn customers_text(&self) -> AppResult<String> {
        match &self.customers {
            Value::String(csv) => Ok(csv.clone()),
            Value::Array(_) => Ok(self.customers.to_string()),
            _ => Err(AppError::Invalid(
                "`customers` is an array of customer objects, or CSV text with a header line"
                    .into(),
            )),
        }
    }

    /// Checks what can be checked before the job is kept: the files' forms and the bounds.
    /// Rows that do not check are not refused here: they fail alone, as in the command.
    fn check(&self) -> AppResult<usize> {
        let rows = gdap_bulk::input::parse(&self.customers_text()?)
            .map_err(|e| AppError::Invalid(format!("customers: {e}")))?;
        if rows.is_empty() {
            return Err(AppError::Invalid("customers: no rows".into()));
        }
        if rows.len() > MAX_ROWS {
            return Err(AppError::Invalid(format!(
                "customers: {} rows; a job takes at most {MAX_ROWS}",
                rows.len()
            )));
        }
        let templates = gdap_bulk::input::templates(&self.templates.to_string())
            .map_err(|e| AppError::Invalid(format!("templates: {e}")))?;
        if let Some(t) = &self.template {
            if !templates.checked.contains_key(t) && !templates.broken.contains_key(t) {
                return Err(AppError::Invalid(format!(
                    "template: `{}` is not one of `templates`",
                    t.chars().take(80).collect::<String>()
                )));
            }
        }
        if !(1..=DEFAULT_WAIT_DAYS).contains(&self.approval_wait_days) {
            return Err(AppError::Invalid(format!(
                "approvalWaitDays: from 1 to {DEFAULT_WAIT_DAYS}"
            )));
        }
        if !(1..=86_400).contains(&self.poll_seconds) {
            return Err(AppError::Invalid("pollSeconds: from 1 to 86400".into()));
        }
        if !(1..=32).contains(&self.concurrency) {
            return Err(AppError::Invalid("concurrency: from 1 to 32".into()));
        }
        Ok(rows.len())
    }
}

/// A job as the API shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    /// Its id.
    pub id: uuid::Uuid,
    /// `running`, `completed` or `cancelled`.
    pub status: &'static str,
    /// `onboard` or `apply`.
    pub mode: String,
    /// The application it acts as.
    pub client_id: String,
    /// When it was asked for.
    #[serde(with = "time::serde::rfc3339")]
    pub created_date_time: time::OffsetDateTime,
    /// When its status last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub last_modified_date_time: time::OffsetDateTime,
    /// Customers in it.
    pub rows: u64,
    /// Rows by the last step each reached (`created`, `locked`, `invited`, `assigned`,
    /// `failed` …): the job's progress while it runs. Given for a job read by its id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<std::collections::BTreeMap<String, usize>>,
    /// The summary of its last pass, once it ended (as `gdap bulk --json` prints it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<Value>,
}

/// A page of a job's result records.
#[derive(Debug, Clone)]
pub struct RecordsPage {
    /// The records, as the command's result file has them.
    pub records: Vec<Value>,
    /// Where the next page starts, when there is one.
    pub next: Option<i64>,
}

/// Starts a job for the calling application. Only applications ask for jobs: the job acts as its
/// caller long after the request, which a user's sign-in does not last for.
pub async fn submit(
    state: &AppState,
    principal: &Principal,
    request: JobRequest,
) -> AppResult<JobView> {
    let PrincipalKind::App { client_id, .. } = &principal.kind else {
        return Err(AppError::Forbidden(
            "Bulk jobs run as an application: ask with an application token (client credentials) holding DelegatedAdminRelationship.ReadWrite.All.".into(),
        ));
    };
    let caller = Authorized::<GdapWrite>::of(state, principal).await?;
    let rows = request.check()?;
    let running = state
        .store
        .bulk_jobs(caller.partner, JOBS_LISTED)
        .await?
        .iter()
        .filter(|j| j.status == JobStatus::Running)
        .count();
    if running >= MAX_RUNNING {
        return Err(AppError::Conflict(format!(
            "{running} bulk jobs of this partner are running, the most at once: wait for one to end, or cancel one"
        )));
    }
    let text = serde_json::to_string(&request).map_err(|e| AppError::Internal(e.to_string()))?;
    let now = time::OffsetDateTime::now_utc();
    let job = BulkJob {
        id: uuid::Uuid::new_v4(),
        partner: caller.partner,
        client_id: client_id.to_string(),
        mode: mode_name(request.mode).to_owned(),
        rows: rows as u64,
        status: JobStatus::Running,
        summary: None,
        created_at: now,
        updated_at: now,
    };
    state.store.create_bulk_job(&job, &text).await?;
    tracing::info!(job = %job.id, partner = %job.partner, "bulk job started");
    Ok(view(&job, None))
}

fn mode_name(mode: JobMode) -> &'static str {
    match mode {
        JobMode::Onboard => "onboard",
        JobMode::Apply => "apply",
    }
}

async fn find(state: &AppState, partner: TenantId, id: &str) -> AppResult<BulkJob> {
    let missing = || {
        AppError::NotFound(format!(
            "No bulk job `{}`.",
            id.chars().take(60).collect::<String>()
        ))
    };
    let id = id.parse::<uuid::Uuid>().map_err(|_| missing())?;
    state.store.bulk_job(partner, id).await?.ok_or_else(missing)
}

/// A job of the caller's partner.
pub async fn get(state: &AppState, principal: &Principal, id: &str) -> AppResult<JobView> {
    let caller = Authorized::<GdapRead>::of(state, principal).await?;
    let job = find(state, caller.partner, id).await?;
    let steps = steps(state, job.id).await?;
    Ok(view(&job, Some(steps)))
}

/// The caller's partner's jobs, newest first.
pub async fn list(state: &AppState, principal: &Principal) -> AppResult<Vec<JobView>> {
    let caller = Authorized::<GdapRead>::of(state, principal).await?;
    let jobs = state.store.bulk_jobs(caller.partner, JOBS_LISTED).await?;
    Ok(jobs.iter().map(|j| view(j, None)).collect())
}

/// Stops a running job: rows keep the step they reached; a new job with the same customers
/// resumes nothing (it looks each relationship up and carries on from there).
pub async fn cancel(state: &AppState, principal: &Principal, id: &str) -> AppResult<JobView> {
    let caller = Authorized::<GdapWrite>::of(state, principal).await?;
    let job = find(state, caller.partner, id).await?;
    let now = time::OffsetDateTime::now_utc();
    if !state
        .store
        .update_bulk_job(job.id, JobStatus::Cancelled, None, now)
        .await?
    {
        return Err(AppError::Conflict(format!(
            "The bulk job is {} already.",
            job.status.as_str()
        )));
    }
    let job = find(state, caller.partner, &job.id.to_string()).await?;
    let steps = steps(state, job.id).await?;
    Ok(view(&job, Some(steps)))
}

/// A page of a job's result records, from position `after`.
pub async fn records(
    state: &AppState,
    principal: &Principal,
    id: &str,
    after: i64,
) -> AppResult<RecordsPage> {
    let caller = Authorized::<GdapRead>::of(state, principal).await?;
    let job = find(state, caller.partner, id).await?;
    let page = state
        .store
        .bulk_records(job.id, after, RECORDS_PAGE)
        .await?;
    let next = (page.len() == RECORDS_PAGE as usize)
        .then(|| page.last().map(|(seq, _)| *seq))
        .flatten();
    let records = page
        .into_iter()
        .filter_map(|(_, line)| serde_json::from_str(&line).ok())
        .collect();
    Ok(RecordsPage { records, next })
}

/// Every result record of a job, in the order written.
pub(crate) async fn all_records(state: &AppState, id: uuid::Uuid) -> AppResult<Vec<String>> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = state.store.bulk_records(id, after, 10_000).await?;
        let Some((last, _)) = page.last() else {
            return Ok(out);
        };
        after = *last;
        out.extend(page.into_iter().map(|(_, line)| line));
    }
}

/// Rows by the last step each reached, from the job's records.
async fn steps(
    state: &AppState,
    id: uuid::Uuid,
) -> AppResult<std::collections::BTreeMap<String, usize>> {
    /// What counting needs of a record.
    #[derive(Deserialize)]
    struct Step {
        row: usize,
        step: String,
    }
    let mut last = std::collections::HashMap::new();
    for line in all_records(state, id).await? {
        if let Ok(r) = serde_json::from_str::<Step>(&line) {
            last.insert(r.row, r.step);
        }
    }
    let mut steps = std::collections::BTreeMap::new();
    for step in last.into_values() {
        *steps.entry(step).or_insert(0) += 1;
    }
    Ok(steps)
}

fn view(job: &BulkJob, steps: Option<std::collections::BTreeMap<String, usize>>) -> JobView {
    JobView {
        id: job.id,
        status: job.status.as_str(),
        mode: job.mode.clone(),
        client_id: job.client_id.clone(),
        created_date_time: job.created_at,
        last_modified_date_time: job.updated_at,
        rows: job.rows,
        steps,
        summary: job
            .summary
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok()),
    }
}

/// The summary kept when a job ends.
pub(crate) fn summary_json(s: &Summary) -> String {
    serde_json::to_string(s).unwrap_or_default()
}
