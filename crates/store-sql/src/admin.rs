//! `AdminStore` over SQL.

use async_trait::async_trait;
use gdap_domain::timefmt::{from_micros, to_micros};
use gdap_store::{AdminStore, StoreError, StoredKey};

use crate::db::Step;
use crate::sql::Sql;
use crate::SqlStore;

/// Tables emptied by a reset, children first.
const RESET_ORDER: &[&str] = &[
    "azure_resource_groups",
    "azure_role_assignments",
    "azure_subscriptions",
    "autopilot_device_keys",
    "autopilot_devices",
    "autopilot_batches",
    "autopilot_jobs",
    "autopilot_profiles",
    "bulk_job_records",
    "bulk_jobs",
    "webhook_attempts",
    "webhook_events",
    "webhook_registrations",
    "notices",
    "sessions",
    "sign_in_grants",
    "mfa_methods",
    "consents",
    "sign_in_failures",
    "familiar_sources",
    "activity",
    "refusals",
    "attestations",
    "invoices",
    "subscriptions",
    "billing_notifications",
    "agreements",
    "partner_links",
    "outbox",
    "operations",
    "assignments",
    "requests",
    "relationships",
    "group_members",
    "security_groups",
    "applications",
    "users",
    "tenants",
];

#[async_trait]
impl AdminStore for SqlStore {
    async fn signing_keys(&self) -> Result<Vec<StoredKey>, StoreError> {
        let q =
            Sql::new("SELECT kid, pkcs8, created_at FROM signing_keys ORDER BY created_at, kid");
        self.fetch_all(q, |r| {
            use base64::Engine;
            let pkcs8 = base64::engine::general_purpose::STANDARD
                .decode(r.text("pkcs8")?)
                .map_err(|_| StoreError::Internal("corrupt signing key".into()))?;
            Ok(StoredKey {
                kid: r.text("kid")?,
                pkcs8,
                created_at: from_micros(r.int("created_at")?),
            })
        })
        .await
    }

    async fn add_signing_key(&self, key: StoredKey, only_if_none: bool) -> Result<(), StoreError> {
        use base64::Engine;
        let mut q = Sql::new("INSERT INTO signing_keys (kid, pkcs8, created_at) SELECT ");
        q.text(key.kid.clone()).push(", ");
        q.text(base64::engine::general_purpose::STANDARD.encode(&key.pkcs8))
            .push(", ");
        q.int(to_micros(key.created_at));
        let mut steps = Vec::new();
        if only_if_none {
            q.push(" WHERE NOT EXISTS (SELECT 1 FROM signing_keys)");
            // SQLite has one writer already; PostgreSQL needs the table locked for the check to hold.
            if self.dialect() == crate::Dialect::Postgres {
                steps.push(Step::plain(Sql::new(
                    "LOCK TABLE signing_keys IN EXCLUSIVE MODE",
                )));
            }
        }
        steps.push(Step::plain(q));
        self.transaction(steps).await
    }

    async fn clock_offset(&self) -> Result<i64, StoreError> {
        let q = Sql::new("SELECT value FROM settings WHERE key = 'clock_offset_us'");
        let v = self.fetch_optional(q, |r| r.text("value")).await?;
        Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    async fn raise_clock_offset(&self, micros: i64) -> Result<(), StoreError> {
        let mut q = Sql::new("INSERT INTO settings (key, value) VALUES ('clock_offset_us', ");
        q.text(micros.to_string());
        q.push(
            ") ON CONFLICT (key) DO UPDATE SET value = excluded.value \
             WHERE CAST(settings.value AS BIGINT) < CAST(excluded.value AS BIGINT)",
        );
        self.transaction(vec![Step::plain(q)]).await
    }

    async fn try_lease(&self, name: &str, ttl: std::time::Duration) -> Result<bool, StoreError> {
        if self.dialect() != crate::Dialect::Postgres {
            return Ok(true);
        }
        let now = time::OffsetDateTime::now_utc();
        let mut q = Sql::new("INSERT INTO leases (name, holder, until) VALUES (");
        q.text(name)
            .push(", ")
            .text(self.node.to_string())
            .push(", ")
            .int(to_micros(now + ttl))
            .push(
                ") ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until \
                 WHERE leases.holder = excluded.holder OR leases.until < ",
            )
            .int(to_micros(now))
            .push(" RETURNING holder");
        // Not held elsewhere is the usual answer for every node but one: a plain statement, not
        // a write that would fail (and be retried) among others.
        Ok(!self.db.query(q).await?.is_empty())
    }

    async fn reset(&self) -> Result<(), StoreError> {
        let mut steps: Vec<Step> = RESET_ORDER
            .iter()
            .map(|t| Step::plain(Sql::new(&format!("DELETE FROM {t}"))))
            .collect();
        steps.extend(self.feed_steps(&gdap_store::ChangeRefs {
            cleared: true,
            ..gdap_store::ChangeRefs::default()
        }));
        self.transaction(steps).await?;
        self.notify(|o| o.cleared());
        Ok(())
    }

    fn observe(&self, observer: std::sync::Arc<dyn gdap_store::ChangeObserver>) {
        self.observers
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(observer);
    }
}
