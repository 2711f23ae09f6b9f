//! The change feed on PostgreSQL: each write appends what it touched to `change_log` in its own
//! transaction and, once committed, announces it with `NOTIFY`, so the other nodes follow. SQLite
//! has one node and no feed.

use async_trait::async_trait;
use gdap_domain::timefmt::to_micros;
use gdap_store::{ChangeFeed, ChangeRefs, ChangeWait, StoreError};
use time::OffsetDateTime;

use crate::db::Step;
use crate::sql::Sql;
use crate::{Dialect, SqlStore};

/// The channel announcements go to.
pub const CHANNEL: &str = "gdap_changes";

/// How every feed entry's statement begins.
const FEED_INSERT: &str = "INSERT INTO change_log (at, refs, node) VALUES (";

/// Whether `steps` append to the feed, so their commit is to be announced.
pub(crate) fn records_change(steps: &[Step]) -> bool {
    steps.iter().any(|s| s.sql.text.starts_with(FEED_INSERT))
}

impl SqlStore {
    /// The statements that record a write in the feed (none on SQLite, or when nothing followed
    /// was touched); the announcement follows the commit.
    pub(crate) fn feed_steps(&self, refs: &ChangeRefs) -> Vec<Step> {
        if self.dialect() != Dialect::Postgres || refs.is_empty() {
            return Vec::new();
        }
        let Ok(json) = serde_json::to_string(refs) else {
            return Vec::new();
        };
        let mut q = Sql::new(FEED_INSERT);
        q.int(to_micros(OffsetDateTime::now_utc()))
            .push(", ")
            .text(json)
            .push(", ")
            .text(self.node.to_string())
            .push(")");
        vec![Step::plain(q)]
    }
}

#[async_trait]
impl ChangeFeed for SqlStore {
    fn shared(&self) -> bool {
        self.dialect() == Dialect::Postgres
    }

    async fn changes_after(
        &self,
        seq: i64,
        limit: u32,
    ) -> Result<Vec<(i64, ChangeRefs)>, StoreError> {
        let mut q = Sql::new("SELECT seq, refs, node FROM change_log WHERE seq > ");
        q.int(seq)
            .push(" ORDER BY seq LIMIT ")
            .int(i64::from(limit));
        self.fetch_all(q, |r| {
            let mut refs: ChangeRefs = serde_json::from_str(&r.text("refs")?)
                .map_err(|_| StoreError::Internal("corrupt change log entry".into()))?;
            refs.own = r.text("node")? == *self.node;
            Ok((r.int("seq")?, refs))
        })
        .await
    }

    async fn last_change(&self) -> Result<i64, StoreError> {
        let q = Sql::new("SELECT COALESCE(MAX(seq), 0) AS seq FROM change_log");
        Ok(self.fetch_optional(q, |r| r.int("seq")).await?.unwrap_or(0))
    }

    async fn subscribe(&self) -> Result<Option<Box<dyn ChangeWait>>, StoreError> {
        if !self.shared() {
            return Ok(None);
        }
        self.db.listen(CHANNEL).await
    }

    async fn prune_changes(&self, before: OffsetDateTime) -> Result<(), StoreError> {
        let mut q = Sql::new("DELETE FROM change_log WHERE at < ");
        q.int(to_micros(before));
        self.transaction(vec![Step::plain(q)]).await
    }
}
