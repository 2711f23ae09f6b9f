//! `NoticeStore` over SQL: one row per relationship and notice sent (or superseded).

use async_trait::async_trait;
use gdap_domain::relationship::Relationship;
use gdap_domain::timefmt::to_micros;
use gdap_store::{NoticeDue, NoticeMark, NoticeQuery, NoticeStore, StoreError};

use crate::db::Step;
use crate::rows::{self, REL_COLS};
use crate::sql::Sql;
use crate::SqlStore;

#[async_trait]
impl NoticeStore for SqlStore {
    async fn due_for_notice(
        &self,
        nq: &NoticeQuery,
        limit: u32,
    ) -> Result<Vec<Relationship>, StoreError> {
        let (filter, column, shift) = match nq.due {
            NoticeDue::Ending => ("status = 'active' AND auto_extend = 'PT0S'", "end_at", 0),
            // An invitation that lapsed was never a relationship to end.
            NoticeDue::Expired => (
                "status = 'expired' AND activated_at IS NOT NULL",
                "end_at",
                0,
            ),
            NoticeDue::InvitationEnding { ttl } => (
                "status = 'approvalPending'",
                "locked_at",
                i64::try_from(ttl.whole_microseconds()).unwrap_or(i64::MAX),
            ),
        };
        let mut q = Sql::new(&format!(
            "SELECT {REL_COLS} FROM relationships WHERE {filter} AND {column} > "
        ));
        q.int(to_micros(nq.after).saturating_sub(shift))
            .push(&format!(" AND {column} <= "))
            .int(to_micros(nq.until).saturating_sub(shift))
            .push(
                " AND NOT EXISTS (SELECT 1 FROM notices WHERE notices.subject = relationships.id AND notices.kind = ",
            )
            .text(nq.kind.clone())
            .push(&format!(") ORDER BY {column}, id LIMIT "))
            .int(i64::from(limit));
        self.fetch_all(q, rows::relationship).await
    }
}

/// The insert of a notice mark within a change set: a duplicate is another node's sending, and
/// undoes this one's mail.
pub(crate) fn mark_step(m: &NoticeMark) -> Step {
    let mut q = Sql::new("INSERT INTO notices (subject, kind, sent_at) VALUES (");
    q.text(m.subject.to_string())
        .push(", ")
        .text(m.kind.clone())
        .push(", ")
        .int(to_micros(m.at))
        .push(")");
    Step {
        sql: q,
        checked: false,
        on_unique: Some(StoreError::Duplicate(format!(
            "notice {} of {}",
            m.kind, m.subject
        ))),
    }
}
