//! `BulkJobStore` over SQL: a row per job, a row per result record.

use async_trait::async_trait;
use gdap_domain::ids::TenantId;
use gdap_domain::timefmt::{from_micros, to_micros};
use gdap_store::{BulkJob, BulkJobStore, JobStatus, StoreError};
use time::OffsetDateTime;

use crate::db::{Row, Step};
use crate::sql::{Param, Sql};
use crate::SqlStore;

const JOB_COLS: &str =
    "id, partner_id, client_id, mode, row_count, status, summary, created_at, updated_at";

fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("corrupt bulk job {what}"))
}

fn job(r: &Row) -> Result<BulkJob, StoreError> {
    Ok(BulkJob {
        id: r.text("id")?.parse().map_err(|_| corrupt("id"))?,
        partner: TenantId::parse(&r.text("partner_id")?).map_err(|_| corrupt("partner"))?,
        client_id: r.text("client_id")?,
        mode: r.text("mode")?,
        rows: u64::try_from(r.int("row_count")?).unwrap_or(0),
        status: JobStatus::parse(&r.text("status")?).ok_or_else(|| corrupt("status"))?,
        summary: r.opt_text("summary")?,
        created_at: from_micros(r.int("created_at")?),
        updated_at: from_micros(r.int("updated_at")?),
    })
}

#[async_trait]
impl BulkJobStore for SqlStore {
    async fn create_bulk_job(&self, j: &BulkJob, request: &str) -> Result<(), StoreError> {
        let mut q = Sql::new(&format!(
            "INSERT INTO bulk_jobs ({JOB_COLS}, request) VALUES ("
        ));
        q.text(j.id.to_string())
            .push(", ")
            .text(j.partner.to_string())
            .push(", ")
            .text(j.client_id.clone())
            .push(", ")
            .text(j.mode.clone())
            .push(", ")
            .int(i64::try_from(j.rows).unwrap_or(i64::MAX))
            .push(", ")
            .text(j.status.as_str())
            .push(", ")
            .bind(Param::OptText(j.summary.clone()))
            .push(", ")
            .int(to_micros(j.created_at))
            .push(", ")
            .int(to_micros(j.updated_at))
            .push(", ")
            .text(request)
            .push(")");
        self.transaction(vec![Step::plain(q)]).await
    }

    async fn bulk_job_request(&self, id: uuid::Uuid) -> Result<Option<String>, StoreError> {
        let mut q = Sql::new("SELECT request FROM bulk_jobs WHERE id = ");
        q.text(id.to_string());
        self.fetch_optional(q, |r| r.text("request")).await
    }

    async fn bulk_job(
        &self,
        partner: TenantId,
        id: uuid::Uuid,
    ) -> Result<Option<BulkJob>, StoreError> {
        let mut q = Sql::new(&format!("SELECT {JOB_COLS} FROM bulk_jobs WHERE id = "));
        q.text(id.to_string())
            .push(" AND partner_id = ")
            .text(partner.to_string());
        self.fetch_optional(q, job).await
    }

    async fn bulk_jobs(&self, partner: TenantId, limit: u32) -> Result<Vec<BulkJob>, StoreError> {
        let mut q = Sql::new(&format!(
            "SELECT {JOB_COLS} FROM bulk_jobs WHERE partner_id = "
        ));
        q.text(partner.to_string())
            .push(" ORDER BY created_at DESC, id LIMIT ")
            .int(i64::from(limit));
        self.fetch_all(q, job).await
    }

    async fn running_bulk_jobs(&self) -> Result<Vec<BulkJob>, StoreError> {
        let q = Sql::new(&format!(
            "SELECT {JOB_COLS} FROM bulk_jobs WHERE status = 'running' ORDER BY created_at, id"
        ));
        self.fetch_all(q, job).await
    }

    async fn update_bulk_job(
        &self,
        id: uuid::Uuid,
        status: JobStatus,
        summary: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut q = Sql::new("UPDATE bulk_jobs SET status = ");
        q.text(status.as_str())
            .push(", summary = COALESCE(")
            .bind(Param::OptText(summary.map(str::to_owned)))
            .push(", summary), updated_at = ")
            .int(to_micros(at))
            .push(" WHERE id = ")
            .text(id.to_string())
            .push(" AND status = 'running'");
        self.exactly_one(q).await
    }

    async fn append_bulk_records(
        &self,
        id: uuid::Uuid,
        lines: &[String],
    ) -> Result<(), StoreError> {
        let steps = lines
            .iter()
            .map(|line| {
                let mut q = Sql::new("INSERT INTO bulk_job_records (job_id, line) VALUES (");
                q.text(id.to_string())
                    .push(", ")
                    .text(line.clone())
                    .push(")");
                Step::plain(q)
            })
            .collect();
        self.transaction(steps).await
    }

    async fn bulk_records(
        &self,
        id: uuid::Uuid,
        after: i64,
        limit: u32,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let mut q = Sql::new("SELECT seq, line FROM bulk_job_records WHERE job_id = ");
        q.text(id.to_string())
            .push(" AND seq > ")
            .int(after)
            .push(" ORDER BY seq LIMIT ")
            .int(i64::from(limit));
        self.fetch_all(q, |r| Ok((r.int("seq")?, r.text("line")?)))
            .await
    }
}
