//! `GrantStore` over SQL.

use async_trait::async_trait;
use gdap_domain::timefmt::to_micros;
use gdap_store::{GrantStore, StoreError};
use time::OffsetDateTime;

use crate::db::Step;
use crate::sql::Sql;
use crate::SqlStore;

#[async_trait]
impl GrantStore for SqlStore {
    async fn put_grant(
        &self,
        hash: &str,
        kind: &str,
        body: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut purge = Sql::new("DELETE FROM sign_in_grants WHERE expires_at <= ");
        purge.int(to_micros(now));
        let mut q = Sql::new(
            "INSERT INTO sign_in_grants (hash, kind, body, created_at, expires_at) VALUES (",
        );
        q.text(hash)
            .push(", ")
            .text(kind)
            .push(", ")
            .text(body)
            .push(", ");
        q.int(to_micros(now))
            .push(", ")
            .int(to_micros(expires_at))
            .push(")");
        self.transaction(vec![
            Step::plain(purge),
            Step {
                sql: q,
                checked: false,
                on_unique: Some(StoreError::Duplicate("grant".into())),
            },
        ])
        .await
    }

    async fn take_grant(
        &self,
        hash: &str,
        kind: &str,
        now: OffsetDateTime,
    ) -> Result<Option<String>, StoreError> {
        let mut q = Sql::new("SELECT body FROM sign_in_grants WHERE hash = ");
        q.text(hash)
            .push(" AND kind = ")
            .text(kind)
            .push(" AND expires_at > ")
            .int(to_micros(now));
        let Some(body) = self.fetch_optional(q, |r| r.text("body")).await? else {
            return Ok(None);
        };
        // Only one redemption deletes the row; any other finds it gone.
        let mut take = Sql::new("DELETE FROM sign_in_grants WHERE hash = ");
        take.text(hash);
        match self
            .transaction(vec![Step {
                sql: take,
                checked: true,
                on_unique: None,
            }])
            .await
        {
            Ok(()) => Ok(Some(body)),
            Err(StoreError::VersionConflict) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
