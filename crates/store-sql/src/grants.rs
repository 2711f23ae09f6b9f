//! `GrantStore` over SQL.

use async_trait::async_trait;
use gdap_domain::timefmt::to_micros;
use gdap_store::{GrantStore, NewGrant, StoreError};
use time::OffsetDateTime;

use crate::db::Step;
use crate::sql::{Param, Sql};
use crate::SqlStore;

/// `WHERE hash = … AND kind = … AND expires_at > …`, the grant as it may be found.
fn live(q: &mut Sql, hash: &str, kind: &str, now: OffsetDateTime) {
    q.push(" WHERE hash = ")
        .text(hash)
        .push(" AND kind = ")
        .text(kind)
        .push(" AND expires_at > ")
        .int(to_micros(now));
}

#[async_trait]
impl GrantStore for SqlStore {
    async fn put_grant(&self, g: NewGrant<'_>, now: OffsetDateTime) -> Result<(), StoreError> {
        let mut purge = Sql::new("DELETE FROM sign_in_grants WHERE expires_at <= ");
        purge.int(to_micros(now));
        let mut q = Sql::new(
            "INSERT INTO sign_in_grants (hash, kind, body, subject, session, created_at, expires_at) VALUES (",
        );
        q.text(g.hash)
            .push(", ")
            .text(g.kind)
            .push(", ")
            .text(g.body)
            .push(", ")
            .bind(Param::OptText(g.subject.map(str::to_owned)))
            .push(", ")
            .bind(Param::OptText(g.session.map(str::to_owned)))
            .push(", ");
        q.int(to_micros(now))
            .push(", ")
            .int(to_micros(g.expires_at))
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

    async fn grant(
        &self,
        hash: &str,
        kind: &str,
        now: OffsetDateTime,
    ) -> Result<Option<String>, StoreError> {
        let mut q = Sql::new("SELECT body FROM sign_in_grants");
        live(&mut q, hash, kind, now);
        self.fetch_optional(q, |r| r.text("body")).await
    }

    async fn replace_grant(
        &self,
        hash: &str,
        kind: &str,
        old: &str,
        new: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut q = Sql::new("UPDATE sign_in_grants SET body = ");
        q.text(new);
        live(&mut q, hash, kind, now);
        q.push(" AND body = ").text(old);
        self.exactly_one(q).await
    }

    async fn take_grant(
        &self,
        hash: &str,
        kind: &str,
        now: OffsetDateTime,
    ) -> Result<Option<String>, StoreError> {
        let Some(body) = self.grant(hash, kind, now).await? else {
            return Ok(None);
        };
        // Only one redemption deletes the row; any other finds it gone.
        let mut take = Sql::new("DELETE FROM sign_in_grants WHERE hash = ");
        take.text(hash);
        Ok(self.exactly_one(take).await?.then_some(body))
    }

    async fn revoke_grants(
        &self,
        kind: &str,
        subject: &str,
        session: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut q = Sql::new("DELETE FROM sign_in_grants WHERE subject = ");
        q.text(subject).push(" AND kind = ").text(kind);
        if let Some(s) = session {
            q.push(" AND session = ").text(s);
        }
        self.transaction(vec![Step::plain(q)]).await
    }

    async fn live_grants(&self, kind: &str, now: OffsetDateTime) -> Result<u64, StoreError> {
        let mut q = Sql::new("SELECT COUNT(*) AS n FROM sign_in_grants WHERE kind = ");
        q.text(kind).push(" AND expires_at > ").int(to_micros(now));
        self.count(q).await
    }
}
