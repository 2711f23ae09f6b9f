//! `ThrottleStore` over SQL: failure counters and familiar sources shared by every node.

use async_trait::async_trait;
use gdap_domain::timefmt::{from_micros, to_micros};
use gdap_store::{StoreError, ThrottleStore};
use time::OffsetDateTime;

use crate::db::Step;
use crate::sql::Sql;
use crate::SqlStore;

#[async_trait]
impl ThrottleStore for SqlStore {
    async fn count_failures(
        &self,
        keys: &[&str],
        now: OffsetDateTime,
        window: time::Duration,
    ) -> Result<(), StoreError> {
        let (now, lapsed) = (to_micros(now), to_micros(now - window));
        let steps = keys
            .iter()
            .map(|k| {
                let mut q =
                    Sql::new("INSERT INTO sign_in_failures (key, failures, since) VALUES (");
                q.text(*k).push(", 1, ").int(now).push(
                    ") ON CONFLICT (key) DO UPDATE SET failures = CASE WHEN sign_in_failures.since <= ",
                );
                q.int(lapsed).push(
                    " THEN 1 ELSE sign_in_failures.failures + 1 END, since = CASE WHEN sign_in_failures.since <= ",
                );
                q.int(lapsed)
                    .push(" THEN excluded.since ELSE sign_in_failures.since END");
                Step::plain(q)
            })
            .collect();
        self.transaction(steps).await
    }

    async fn failures(
        &self,
        keys: &[&str],
    ) -> Result<Vec<Option<(u32, OffsetDateTime)>>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Sql::new("SELECT key, failures, since FROM sign_in_failures WHERE key IN (");
        for (i, k) in keys.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.text(*k);
        }
        q.push(")");
        let rows = self
            .fetch_all(q, |r| {
                Ok((
                    r.text("key")?,
                    u32::try_from(r.int("failures")?).unwrap_or(u32::MAX),
                    from_micros(r.int("since")?),
                ))
            })
            .await?;
        Ok(keys
            .iter()
            .map(|k| {
                rows.iter()
                    .find(|(key, _, _)| key == k)
                    .map(|(_, n, since)| (*n, *since))
            })
            .collect())
    }

    async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        let mut q = Sql::new("DELETE FROM sign_in_failures WHERE key = ");
        q.text(key);
        self.transaction(vec![Step::plain(q)]).await
    }

    async fn is_familiar(&self, account: &str, source: &str) -> Result<bool, StoreError> {
        let mut q = Sql::new("SELECT seen FROM familiar_sources WHERE account = ");
        q.text(account).push(" AND source = ").text(source);
        Ok(self.fetch_optional(q, |r| r.int("seen")).await?.is_some())
    }

    async fn remember_source(
        &self,
        account: &str,
        source: &str,
        now: OffsetDateTime,
        keep: u32,
    ) -> Result<(), StoreError> {
        let mut q = Sql::new("INSERT INTO familiar_sources (account, source, seen) VALUES (");
        q.text(account)
            .push(", ")
            .text(source)
            .push(", ")
            .int(to_micros(now))
            .push(") ON CONFLICT (account, source) DO UPDATE SET seen = excluded.seen");
        // Only the most recent sources of the account stay.
        let mut trim = Sql::new("DELETE FROM familiar_sources WHERE account = ");
        trim.text(account)
            .push(" AND source NOT IN (SELECT source FROM familiar_sources WHERE account = ")
            .text(account)
            .push(" ORDER BY seen DESC, source LIMIT ")
            .int(i64::from(keep))
            .push(")");
        self.transaction(vec![Step::plain(q), Step::plain(trim)])
            .await
    }

    async fn purge_failures(&self, before: OffsetDateTime) -> Result<(), StoreError> {
        let mut q = Sql::new("DELETE FROM sign_in_failures WHERE since < ");
        q.int(to_micros(before));
        self.transaction(vec![Step::plain(q)]).await
    }
}
