//! Renewal notices sent, and the relationships that are due one.

use async_trait::async_trait;
use gdap_domain::ids::RelationshipId;
use gdap_domain::relationship::Relationship;
use time::OffsetDateTime;

use crate::error::StoreError;

/// Which relationships a notice is for, by a deadline falling in `(after, until]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeDue {
    /// Active relationships that do not extend themselves, ending in the window.
    Ending,
    /// Relationships that were active and expired, their end date falling in the window.
    Expired,
    /// Invitations awaiting approval whose link stops working in the window, the link lasting
    /// `ttl` from the lock.
    InvitationEnding {
        /// How long an invitation's link works.
        ttl: time::Duration,
    },
}

/// A search for relationships due a notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeQuery {
    /// Which relationships, by which deadline.
    pub due: NoticeDue,
    /// The notice's key: relationships that already have it are left out.
    pub kind: String,
    /// The window's start (exclusive).
    pub after: OffsetDateTime,
    /// The window's end (inclusive).
    pub until: OffsetDateTime,
}

/// A notice recorded with the change set that queues its mail. One already recorded fails the
/// commit with `Duplicate`: another node sent it first, and this node's copy is not queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeMark {
    /// The relationship.
    pub subject: RelationshipId,
    /// The notice's key (`end-30`, `expired` …).
    pub kind: String,
    /// When.
    pub at: OffsetDateTime,
}

/// Where sent notices are kept.
#[async_trait]
pub trait NoticeStore: Send + Sync {
    /// Up to `limit` relationships matching `q` that have no notice `q.kind` yet, oldest deadline
    /// first.
    async fn due_for_notice(
        &self,
        q: &NoticeQuery,
        limit: u32,
    ) -> Result<Vec<Relationship>, StoreError>;
}
