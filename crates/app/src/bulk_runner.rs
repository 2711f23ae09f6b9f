//! Carrying out bulk jobs: each running job is taken by one node (under a lease, so that nodes
//! sharing a database never run the same job twice), resumed from its result records, and run by
//! the bulk engine against this server's own Graph API as the application that asked for it.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use gdap_bulk::invite::ServiceMails;
use gdap_bulk::journal::{Journal, RecordSink};
use gdap_bulk::run::{Mode, Options};
use gdap_bulk::{Auth, GraphClient};
use gdap_domain::ids::{ClientId, TenantId};
use gdap_store::{BulkJob, JobStatus};

use crate::bulk_jobs::{all_records, summary_json, JobMode, JobRequest};
use crate::state::AppState;

/// How often running jobs are looked for.
const TICK: Duration = Duration::from_secs(1);
/// How long a node holds a job without renewing it (it renews every second).
const LEASE: Duration = Duration::from_secs(30);
/// How long a stopping node lets each job reach its next step.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// Runs the jobs of every partner until `shutdown` completes; `http` reaches this server's public
/// URL (trusting its certificate).
pub async fn run(state: AppState, http: reqwest::Client, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    let stop = Arc::new(AtomicBool::new(false));
    let mut running: HashMap<uuid::Uuid, tokio::task::JoinHandle<()>> = HashMap::new();
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            () = tokio::time::sleep(TICK) => {}
        }
        running.retain(|_, h| !h.is_finished());
        let jobs = match state.store.running_bulk_jobs().await {
            Ok(j) => j,
            Err(e) => {
                tracing::warn!(error = %e, "looking for bulk jobs failed; retrying");
                continue;
            }
        };
        for job in jobs {
            if running.contains_key(&job.id) {
                continue;
            }
            match state.store.try_lease(&lease_name(job.id), LEASE).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "taking a bulk job failed; retrying");
                    continue;
                }
            }
            let id = job.id;
            let task = tokio::spawn(run_job(state.clone(), http.clone(), job, stop.clone()));
            running.insert(id, task);
        }
    }
    // Each job stops at the next step of each row; one still waiting (a call under way, or a
    // pause between looks for approvals) is dropped after a moment, as a crash would drop it:
    // its records say where it is, and the next node to take it resumes from there.
    stop.store(true, Ordering::SeqCst);
    for (_, mut task) in running {
        if tokio::time::timeout(STOP_GRACE, &mut task).await.is_err() {
            task.abort();
        }
    }
}

fn lease_name(id: uuid::Uuid) -> String {
    format!("bulk-job:{id}")
}

/// The job's records, kept by the store.
struct StoreSink {
    state: AppState,
    job: uuid::Uuid,
}

#[async_trait]
impl RecordSink for StoreSink {
    async fn append(&self, line: String) -> std::io::Result<()> {
        self.state
            .store
            .append_bulk_records(self.job, &[line])
            .await
            .map_err(std::io::Error::other)
    }
}

/// Tokens of the job's application, issued by this server.
struct AppTokens {
    state: AppState,
    tenant: TenantId,
    client_id: ClientId,
}

#[async_trait]
impl gdap_bulk::graph::TokenSource for AppTokens {
    async fn token(&self) -> Result<(String, Duration), String> {
        crate::signin::application_token(&self.state, self.tenant, self.client_id)
            .await
            .map_err(|e| e.to_string())
    }
}

/// Ends a job that cannot run: completed, its summary saying why.
async fn give_up(state: &AppState, job: &BulkJob, why: &str) {
    tracing::warn!(job = %job.id, error = why, "bulk job cannot run");
    let summary = serde_json::json!({ "error": why }).to_string();
    let now = time::OffsetDateTime::now_utc();
    if let Err(e) = state
        .store
        .update_bulk_job(job.id, JobStatus::Completed, Some(&summary), now)
        .await
    {
        tracing::warn!(job = %job.id, error = %e, "ending a bulk job failed");
    }
}

async fn run_job(state: AppState, http: reqwest::Client, job: BulkJob, shutdown: Arc<AtomicBool>) {
    let text = match state.store.bulk_job_request(job.id).await {
        Ok(Some(t)) => t,
        // Gone with a reset of the development world.
        Ok(None) => return,
        Err(e) => {
            // Not a reason to end the job: another tick tries again.
            tracing::warn!(job = %job.id, error = %e, "reading a bulk job's request failed");
            return;
        }
    };
    let request: JobRequest = match serde_json::from_str(&text) {
        Ok(r) => r,
        Err(e) => return give_up(&state, &job, &format!("unreadable request: {e}")).await,
    };
    drop(text);
    let Ok(client_id) = job.client_id.parse::<ClientId>() else {
        return give_up(&state, &job, "unreadable application id").await;
    };
    let rows = match request
        .customers_text()
        .map_err(|e| e.to_string())
        .and_then(|t| gdap_bulk::input::parse(&t).map_err(|e| e.to_string()))
    {
        Ok(r) => r,
        Err(e) => return give_up(&state, &job, &format!("customers: {e}")).await,
    };
    let templates = match gdap_bulk::input::templates(&request.templates.to_string()) {
        Ok(t) => t,
        Err(e) => return give_up(&state, &job, &format!("templates: {e}")).await,
    };
    let progress = match all_records(&state, job.id).await {
        Ok(lines) => Journal::progress(lines),
        Err(e) => {
            // Not a reason to end the job: another tick tries again.
            tracing::warn!(job = %job.id, error = %e, "reading a bulk job's records failed");
            return;
        }
    };
    let origin = state.config.origin().to_owned();
    let client = Arc::new(GraphClient::new(
        http,
        &origin,
        Auth::Source(Arc::new(AppTokens {
            state: state.clone(),
            tenant: job.partner,
            client_id,
        })),
    ));
    let deadline = job.created_at + time::Duration::days(i64::from(request.approval_wait_days));
    let left = deadline - time::OffsetDateTime::now_utc();
    let default_template = request.template.clone().or_else(|| templates.only());
    let options = Options {
        mode: match request.mode {
            JobMode::Onboard => Mode::Onboard,
            JobMode::Apply => Mode::Apply,
        },
        templates: templates.checked,
        broken_templates: templates.broken,
        default_template,
        link_base: format!("{origin}/adminportal/partners/invitation/granularAdminRelationships/"),
        concurrency: request.concurrency,
        wait: Some(Duration::from_secs_f64(left.as_seconds_f64().max(0.0))),
        poll: Duration::from_secs(request.poll_seconds),
        dry_run: false,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = tokio::spawn(watch(state.clone(), job.clone(), stop.clone(), shutdown));
    tracing::info!(job = %job.id, rows = rows.len(), "bulk job running");
    let setup = gdap_bulk::Run {
        client,
        journal: Arc::new(Journal::to_sink(Arc::new(StoreSink {
            state: state.clone(),
            job: job.id,
        }))),
        progress,
        inviter: Arc::new(ServiceMails),
        options,
        stop: stop.clone(),
    };
    let summary = gdap_bulk::run::run(setup, rows, &|_| {}).await;
    watcher.abort();
    if summary.interrupted {
        // Cancelled, or this node stops or lost the job: its records say where it is.
        tracing::info!(job = %job.id, "bulk job stopped");
        return;
    }
    let now = time::OffsetDateTime::now_utc();
    match state
        .store
        .update_bulk_job(
            job.id,
            JobStatus::Completed,
            Some(&summary_json(&summary)),
            now,
        )
        .await
    {
        Ok(_) => tracing::info!(job = %job.id, done = summary.done, failed = summary.failed,
            awaiting = summary.awaiting_approval, "bulk job completed"),
        Err(e) => tracing::warn!(job = %job.id, error = %e, "ending a bulk job failed"),
    }
}

/// Renews the job's lease, and stops the job when it was cancelled, another node took it, or
/// this node is stopping.
async fn watch(state: AppState, job: BulkJob, stop: Arc<AtomicBool>, shutdown: Arc<AtomicBool>) {
    loop {
        tokio::time::sleep(TICK).await;
        let lost = matches!(
            state.store.try_lease(&lease_name(job.id), LEASE).await,
            Ok(false)
        );
        let ended = match state.store.bulk_job(job.partner, job.id).await {
            Ok(Some(j)) => j.status != JobStatus::Running,
            // Gone with a reset of the development world.
            Ok(None) => true,
            Err(_) => false,
        };
        if lost || ended || shutdown.load(Ordering::SeqCst) {
            stop.store(true, Ordering::SeqCst);
            return;
        }
    }
}
