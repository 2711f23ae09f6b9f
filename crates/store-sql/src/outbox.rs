//! `OutboxStore` over SQL.

use async_trait::async_trait;
use gdap_domain::ids::RelationshipId;
use gdap_domain::timefmt::{from_micros, to_micros};
use gdap_store::{Delivery, OutboxMail, OutboxStore, StoreError};

use crate::db::{Row, Step};
use crate::rows::opt_micros;
use crate::sql::{Param, Sql};
use crate::SqlStore;

const COLS: &str = "id, to_addr, subject, body, relationship_id, created_at, attempts, next_attempt_at, sent_at, last_error";

/// The insert that queues a mail (part of a change set's transaction).
pub(crate) fn insert_step(m: &OutboxMail) -> Step {
    let mut q = Sql::new(&format!("INSERT INTO outbox ({COLS}) VALUES ("));
    q.text(m.id.to_string())
        .push(", ")
        .text(m.to.clone())
        .push(", ")
        .text(m.subject.clone())
        .push(", ");
    q.text(m.body.clone())
        .push(", ")
        .bind(Param::OptText(m.relationship_id.map(|r| r.to_string())))
        .push(", ");
    q.int(to_micros(m.created_at))
        .push(", ")
        .int(i64::from(m.attempts))
        .push(", ");
    q.bind(Param::OptInt(opt_micros(m.next_attempt_at)))
        .push(", ")
        .bind(Param::OptInt(opt_micros(m.sent_at)))
        .push(", ");
    q.bind(Param::OptText(m.last_error.clone())).push(")");
    Step::plain(q)
}

fn mail(r: &Row) -> Result<OutboxMail, StoreError> {
    let bad = |what: &str| StoreError::Internal(format!("corrupt outbox {what}"));
    Ok(OutboxMail {
        id: r.text("id")?.parse().map_err(|_| bad("id"))?,
        to: r.text("to_addr")?,
        subject: r.text("subject")?,
        body: r.text("body")?,
        relationship_id: r
            .opt_text("relationship_id")?
            .map(|s| RelationshipId::parse(&s).map_err(|_| bad("relationship id")))
            .transpose()?,
        created_at: from_micros(r.int("created_at")?),
        attempts: u32::try_from(r.int("attempts")?).unwrap_or(u32::MAX),
        next_attempt_at: r.opt_int("next_attempt_at")?.map(from_micros),
        sent_at: r.opt_int("sent_at")?.map(from_micros),
        last_error: r.opt_text("last_error")?,
    })
}

#[async_trait]
impl OutboxStore for SqlStore {
    async fn claim_mail(
        &self,
        now: time::OffsetDateTime,
        lease: time::Duration,
        limit: u32,
    ) -> Result<Vec<OutboxMail>, StoreError> {
        let mut q = Sql::new(&format!(
            "SELECT {COLS} FROM outbox WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= "
        ));
        q.int(to_micros(now))
            .push(" ORDER BY next_attempt_at, id LIMIT ")
            .int(i64::from(limit));
        let due = self.fetch_all(q, mail).await?;
        let mut claimed = Vec::with_capacity(due.len());
        for m in due {
            // Move the attempt time forward, on the condition that nobody else did first.
            let mut claim = Sql::new("UPDATE outbox SET next_attempt_at = ");
            claim
                .int(to_micros(now + lease))
                .push(" WHERE id = ")
                .text(m.id.to_string());
            claim
                .push(" AND sent_at IS NULL AND next_attempt_at = ")
                .bind(Param::OptInt(opt_micros(m.next_attempt_at)));
            match self
                .transaction(vec![Step {
                    sql: claim,
                    checked: true,
                    on_unique: None,
                }])
                .await
            {
                Ok(()) => claimed.push(m),
                Err(StoreError::VersionConflict) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(claimed)
    }

    async fn record_delivery(&self, id: uuid::Uuid, outcome: Delivery) -> Result<(), StoreError> {
        let mut q = Sql::new("UPDATE outbox SET attempts = attempts + 1, ");
        match outcome {
            Delivery::Sent(at) => {
                q.push("sent_at = ")
                    .int(to_micros(at))
                    .push(", next_attempt_at = NULL, last_error = NULL");
            }
            Delivery::Failed { error, retry_at } => {
                q.push("next_attempt_at = ").int(to_micros(retry_at));
                q.push(", last_error = ")
                    .text(error.chars().take(500).collect::<String>());
            }
        }
        q.push(" WHERE id = ")
            .text(id.to_string())
            .push(" AND sent_at IS NULL");
        self.transaction(vec![Step::plain(q)]).await
    }

    async fn outbox(&self, limit: u32) -> Result<Vec<OutboxMail>, StoreError> {
        let mut q = Sql::new(&format!(
            "SELECT {COLS} FROM outbox ORDER BY created_at DESC, id LIMIT "
        ));
        q.int(i64::from(limit));
        self.fetch_all(q, mail).await
    }

    async fn outbox_depth(&self) -> Result<u64, StoreError> {
        self.count(Sql::new(
            "SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL",
        ))
        .await
    }
}
