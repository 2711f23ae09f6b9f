//! Bulk jobs: runs of bulk work a partner's application asks the server to carry out, and the
//! result records each run writes (the same lines as the `gdap bulk` result file).

use async_trait::async_trait;
use gdap_domain::ids::TenantId;
use time::OffsetDateTime;

use crate::error::StoreError;

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    /// Being carried out (or waiting for approvals), by whichever node holds its lease.
    Running,
    /// Every row ended: done, or failed for a reason a new job would meet again.
    Completed,
    /// Its partner stopped it; rows keep the step they reached.
    Cancelled,
}

impl JobStatus {
    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }

    /// The status of a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "running" => Some(Self::Running),
            "completed" => Some(Self::Completed),
            "cancelled" => Some(Self::Cancelled),
            _ => None,
        }
    }
}

/// A bulk job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkJob {
    /// Its id.
    pub id: uuid::Uuid,
    /// The partner it works for.
    pub partner: TenantId,
    /// The application that asked for it, and that it acts as.
    pub client_id: String,
    /// What it does (`onboard`, `apply`).
    pub mode: String,
    /// Customers in it.
    pub rows: u64,
    /// Where it is.
    pub status: JobStatus,
    /// Its latest summary (JSON), when a pass has ended.
    pub summary: Option<String>,
    /// When it was asked for.
    pub created_at: OffsetDateTime,
    /// When its status or summary last changed.
    pub updated_at: OffsetDateTime,
}

/// Where bulk jobs and their result records are kept.
#[async_trait]
pub trait BulkJobStore: Send + Sync {
    /// Stores a new job with what it was asked (the request as JSON, kept to resume it after a
    /// restart, and read only then: it may be large).
    async fn create_bulk_job(&self, job: &BulkJob, request: &str) -> Result<(), StoreError>;
    /// What a job was asked.
    async fn bulk_job_request(&self, id: uuid::Uuid) -> Result<Option<String>, StoreError>;
    /// A partner's job (none for another partner's).
    async fn bulk_job(
        &self,
        partner: TenantId,
        id: uuid::Uuid,
    ) -> Result<Option<BulkJob>, StoreError>;
    /// A partner's jobs, newest first, at most `limit`.
    async fn bulk_jobs(&self, partner: TenantId, limit: u32) -> Result<Vec<BulkJob>, StoreError>;
    /// Every job still running, oldest first.
    async fn running_bulk_jobs(&self) -> Result<Vec<BulkJob>, StoreError>;
    /// Sets a running job's status and summary; `false` when it was no longer running (cancelled
    /// meanwhile), in which case nothing changed.
    async fn update_bulk_job(
        &self,
        id: uuid::Uuid,
        status: JobStatus,
        summary: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError>;
    /// Appends result records (JSON lines) to a job's.
    async fn append_bulk_records(&self, id: uuid::Uuid, lines: &[String])
        -> Result<(), StoreError>;
    /// A job's result records in the order written, each with its position: those after
    /// position `after` (0 for the first), at most `limit`.
    async fn bulk_records(
        &self,
        id: uuid::Uuid,
        after: i64,
        limit: u32,
    ) -> Result<Vec<(i64, String)>, StoreError>;
}
