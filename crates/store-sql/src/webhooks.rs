//! `WebhookStore` over SQL: registrations, the queue of events and their attempts. The events
//! themselves are queued by [`capture`] within each change set.

pub(crate) mod capture;

use async_trait::async_trait;
use gdap_domain::ids::TenantId;
use gdap_domain::timefmt::{from_micros, to_micros};
use gdap_domain::webhook::Registration;
use gdap_store::{
    AttemptOutcome, EventState, StoreError, WebhookAttempt, WebhookEvent, WebhookStore,
};
use time::OffsetDateTime;

use crate::db::{Row, Step};
use crate::rows::opt_micros;
use crate::sql::{Param, Sql};
use crate::SqlStore;

const EVENT_COLS: &str = "seq, id, partner_id, event_name, resource_path, ordering_key, change_at, created_at, attempts, next_attempt_at, delivered_at, offline_at";

/// The settings key of the signing material.
const SIGNER_KEY: &str = "webhook_signer";

fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("corrupt webhook {what}"))
}

fn event(r: &Row) -> Result<WebhookEvent, StoreError> {
    Ok(WebhookEvent {
        seq: r.int("seq")?,
        id: r.text("id")?.parse().map_err(|_| corrupt("id"))?,
        partner: TenantId::parse(&r.text("partner_id")?).map_err(|_| corrupt("partner"))?,
        event: r.text("event_name")?,
        path: r.opt_text("resource_path")?,
        ordering_key: r.text("ordering_key")?,
        change_at: from_micros(r.int("change_at")?),
        created_at: from_micros(r.int("created_at")?),
        attempts: u32::try_from(r.int("attempts")?).unwrap_or(u32::MAX),
        next_attempt_at: r.opt_int("next_attempt_at")?.map(from_micros),
        delivered_at: r.opt_int("delivered_at")?.map(from_micros),
        offline_at: r.opt_int("offline_at")?.map(from_micros),
    })
}

fn registration(r: &Row) -> Result<Registration, StoreError> {
    Ok(Registration {
        partner: TenantId::parse(&r.text("partner_id")?).map_err(|_| corrupt("partner"))?,
        subscriber_id: r
            .text("subscriber_id")?
            .parse()
            .map_err(|_| corrupt("subscriber"))?,
        url: r.text("url")?,
        events: serde_json::from_str(&r.text("events")?).map_err(|_| corrupt("events"))?,
        ms_signature_header: r.int("ms_signature_header")? != 0,
        updated_at: from_micros(r.int("updated_at")?),
    })
}

#[async_trait]
impl WebhookStore for SqlStore {
    async fn registration(&self, partner: TenantId) -> Result<Option<Registration>, StoreError> {
        let mut q = Sql::new(
            "SELECT partner_id, subscriber_id, url, events, ms_signature_header, updated_at FROM webhook_registrations WHERE partner_id = ",
        );
        q.text(partner.to_string());
        self.fetch_optional(q, registration).await
    }

    async fn put_registration(&self, reg: &Registration) -> Result<(), StoreError> {
        let events = serde_json::to_string(&reg.events).map_err(|e| corrupt(&e.to_string()))?;
        let mut q = Sql::new(
            "INSERT INTO webhook_registrations (partner_id, subscriber_id, url, events, ms_signature_header, updated_at) VALUES (",
        );
        q.text(reg.partner.to_string())
            .push(", ")
            .text(reg.subscriber_id.to_string())
            .push(", ")
            .text(reg.url.clone())
            .push(", ")
            .text(events)
            .push(", ")
            .int(i64::from(reg.ms_signature_header))
            .push(", ")
            .int(to_micros(reg.updated_at))
            .push(
                ") ON CONFLICT (partner_id) DO UPDATE SET url = excluded.url, events = excluded.events, \
                 ms_signature_header = excluded.ms_signature_header, updated_at = excluded.updated_at",
            );
        self.transaction(vec![Step::plain(q)]).await
    }

    async fn delete_registration(&self, partner: TenantId) -> Result<bool, StoreError> {
        if self.registration(partner).await?.is_none() {
            return Ok(false);
        }
        let mut events =
            Sql::new("DELETE FROM webhook_events WHERE delivered_at IS NULL AND partner_id = ");
        events.text(partner.to_string());
        let mut reg = Sql::new("DELETE FROM webhook_registrations WHERE partner_id = ");
        reg.text(partner.to_string());
        self.transaction(vec![Step::plain(events), Step::plain(reg)])
            .await?;
        Ok(true)
    }

    async fn queue_test_event(
        &self,
        partner: TenantId,
        correlation: uuid::Uuid,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut q = Sql::new(
            "INSERT INTO webhook_events (id, partner_id, event_name, resource_path, ordering_key, change_at, created_at, attempts, next_attempt_at) VALUES (",
        );
        q.text(correlation.to_string())
            .push(", ")
            .text(partner.to_string())
            .push(", ")
            .text(gdap_domain::webhook::TEST_CREATED)
            .push(", ")
            .text(format!(
                "/webhooks/v1/registration/validationEvents/{correlation}"
            ))
            .push(", ")
            .text(format!("test:{correlation}"))
            .push(", ")
            .int(to_micros(now))
            .push(", ")
            .int(to_micros(now))
            .push(", 0, ")
            .int(to_micros(now))
            .push(")");
        self.transaction(vec![Step::plain(q)]).await
    }

    async fn partners_with_due_events(
        &self,
        now: OffsetDateTime,
    ) -> Result<Vec<TenantId>, StoreError> {
        let mut q = Sql::new(
            "SELECT DISTINCT partner_id FROM webhook_events WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ",
        );
        q.int(to_micros(now));
        self.fetch_all(q, |r| {
            TenantId::parse(&r.text("partner_id")?).map_err(|_| corrupt("partner"))
        })
        .await
    }

    async fn claim_webhook_events(
        &self,
        partner: TenantId,
        now: OffsetDateTime,
        lease: time::Duration,
        limit: u32,
    ) -> Result<Vec<WebhookEvent>, StoreError> {
        // The head of each key: nothing older of the same key is still waiting.
        let mut q = Sql::new(&format!(
            "SELECT {EVENT_COLS} FROM webhook_events e WHERE partner_id = "
        ));
        q.text(partner.to_string())
            .push(" AND next_attempt_at IS NOT NULL AND next_attempt_at <= ")
            .int(to_micros(now))
            .push(
                " AND NOT EXISTS (SELECT 1 FROM webhook_events p WHERE p.ordering_key = e.ordering_key \
                 AND p.seq < e.seq AND p.delivered_at IS NULL AND p.offline_at IS NULL) \
                 ORDER BY next_attempt_at, seq LIMIT ",
            )
            .int(i64::from(limit));
        let due = self.fetch_all(q, event).await?;
        let mut claimed = Vec::with_capacity(due.len());
        for mut e in due {
            // Move the attempt time forward, on the condition that nobody else did first.
            let until = now + lease;
            let mut claim = Sql::new("UPDATE webhook_events SET next_attempt_at = ");
            claim
                .int(to_micros(until))
                .push(" WHERE id = ")
                .text(e.id.to_string())
                .push(" AND next_attempt_at = ")
                .bind(Param::OptInt(opt_micros(e.next_attempt_at)));
            match self
                .transaction(vec![Step {
                    sql: claim,
                    checked: true,
                    on_unique: None,
                }])
                .await
            {
                Ok(()) => {
                    e.next_attempt_at = Some(until);
                    claimed.push(e);
                }
                Err(StoreError::VersionConflict) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(claimed)
    }

    async fn record_webhook_attempt(
        &self,
        a: &WebhookAttempt,
        outcome: AttemptOutcome,
    ) -> Result<(), StoreError> {
        let mut log = Sql::new(
            "INSERT INTO webhook_attempts (event_id, at, response_code, response_message, system_error) VALUES (",
        );
        log.text(a.event.to_string())
            .push(", ")
            .int(to_micros(a.at))
            .push(", ")
            .text(a.response_code.chars().take(100).collect::<String>())
            .push(", ")
            .text(a.response_message.chars().take(500).collect::<String>())
            .push(", ")
            .int(i64::from(a.system_error))
            .push(")");
        let mut q = Sql::new("UPDATE webhook_events SET attempts = attempts + 1, ");
        match outcome {
            AttemptOutcome::Delivered => {
                q.push("next_attempt_at = NULL, delivered_at = ")
                    .int(to_micros(a.at));
            }
            AttemptOutcome::Retry(at) => {
                q.push("next_attempt_at = ").int(to_micros(at));
            }
            AttemptOutcome::Offline => {
                q.push("next_attempt_at = NULL, offline_at = ")
                    .int(to_micros(a.at));
            }
        }
        q.push(" WHERE id = ")
            .text(a.event.to_string())
            .push(" AND delivered_at IS NULL");
        self.transaction(vec![Step::plain(log), Step::plain(q)])
            .await
    }

    async fn webhook_events(
        &self,
        partner: TenantId,
        state: EventState,
        limit: u32,
    ) -> Result<Vec<WebhookEvent>, StoreError> {
        let which = match state {
            EventState::Pending => "delivered_at IS NULL AND offline_at IS NULL",
            EventState::Delivered => "delivered_at IS NOT NULL",
            EventState::Offline => "offline_at IS NOT NULL",
        };
        let mut q = Sql::new(&format!(
            "SELECT {EVENT_COLS} FROM webhook_events WHERE {which} AND partner_id = "
        ));
        q.text(partner.to_string())
            .push(" ORDER BY seq LIMIT ")
            .int(i64::from(limit));
        self.fetch_all(q, event).await
    }

    async fn webhook_event(
        &self,
        partner: TenantId,
        id: uuid::Uuid,
    ) -> Result<Option<WebhookEvent>, StoreError> {
        let mut q = Sql::new(&format!(
            "SELECT {EVENT_COLS} FROM webhook_events WHERE id = "
        ));
        q.text(id.to_string())
            .push(" AND partner_id = ")
            .text(partner.to_string());
        self.fetch_optional(q, event).await
    }

    async fn webhook_attempts(&self, id: uuid::Uuid) -> Result<Vec<WebhookAttempt>, StoreError> {
        let mut q = Sql::new(
            "SELECT event_id, at, response_code, response_message, system_error FROM webhook_attempts WHERE event_id = ",
        );
        q.text(id.to_string()).push(" ORDER BY at");
        self.fetch_all(q, |r| {
            Ok(WebhookAttempt {
                event: r
                    .text("event_id")?
                    .parse()
                    .map_err(|_| corrupt("attempt"))?,
                at: from_micros(r.int("at")?),
                response_code: r.text("response_code")?,
                response_message: r.text("response_message")?,
                system_error: r.int("system_error")? != 0,
            })
        })
        .await
    }

    async fn replay_offline(
        &self,
        partner: TenantId,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let mut n = Sql::new(
            "SELECT COUNT(*) AS n FROM webhook_events WHERE offline_at IS NOT NULL AND partner_id = ",
        );
        n.text(partner.to_string());
        let n = self.count(n).await?;
        let mut q = Sql::new(
            "UPDATE webhook_events SET offline_at = NULL, attempts = 0, next_attempt_at = ",
        );
        q.int(to_micros(now))
            .push(" WHERE offline_at IS NOT NULL AND partner_id = ")
            .text(partner.to_string());
        self.transaction(vec![Step::plain(q)]).await?;
        Ok(n)
    }

    async fn webhook_queue_depth(&self) -> Result<u64, StoreError> {
        self.count(Sql::new(
            "SELECT COUNT(*) AS n FROM webhook_events WHERE delivered_at IS NULL AND offline_at IS NULL",
        ))
        .await
    }

    async fn webhook_signer(&self) -> Result<Option<String>, StoreError> {
        let mut q = Sql::new("SELECT value FROM settings WHERE key = ");
        q.text(SIGNER_KEY);
        self.fetch_optional(q, |r| r.text("value")).await
    }

    async fn put_webhook_signer_if_none(&self, pem: &str) -> Result<(), StoreError> {
        let mut q = Sql::new("INSERT INTO settings (key, value) VALUES (");
        q.text(SIGNER_KEY)
            .push(", ")
            .text(pem)
            .push(") ON CONFLICT (key) DO NOTHING");
        self.transaction(vec![Step::plain(q)]).await
    }
}
