//! Following writes: the observer told of every durable write of this process, and the change
//! feed through which nodes sharing a database learn of each other's writes.

use async_trait::async_trait;
use gdap_domain::ids::{AssignmentId, GroupId, RelationshipId, TenantId, UserId};

use time::OffsetDateTime;

use crate::changes::{Changes, DirectoryWrite};
use crate::error::StoreError;
use crate::traits::DirectoryBatch;

/// Told about every write a store made, once it is durable. In-memory views (the authorization
/// index) stay current through it.
pub trait ChangeObserver: Send + Sync {
    /// A change set was committed (versions already bumped; a group whose members changed as the
    /// store read it afterwards).
    fn committed(&self, changes: &Changes);
    /// Directory objects were inserted.
    fn directory_inserted(&self, batch: &DirectoryBatch);
    /// Everything was deleted (development reset).
    fn cleared(&self);
}

/// What a write touched, by id: other nodes read these objects again to follow the change.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChangeRefs {
    /// Relationships written or deleted.
    #[serde(default, skip_serializing_if = "Vec::is_empty", rename = "r")]
    pub relationships: Vec<RelationshipId>,
    /// Access assignments written, with their relationship.
    #[serde(default, skip_serializing_if = "Vec::is_empty", rename = "a")]
    pub assignments: Vec<(RelationshipId, AssignmentId)>,
    /// Customer–partner ties written, as (customer, partner).
    #[serde(default, skip_serializing_if = "Vec::is_empty", rename = "l")]
    pub links: Vec<(TenantId, TenantId)>,
    /// Users written.
    #[serde(default, skip_serializing_if = "Vec::is_empty", rename = "u")]
    pub users: Vec<(TenantId, UserId)>,
    /// Groups written.
    #[serde(default, skip_serializing_if = "Vec::is_empty", rename = "g")]
    pub groups: Vec<(TenantId, GroupId)>,
    /// Tenants written.
    #[serde(default, skip_serializing_if = "Vec::is_empty", rename = "t")]
    pub tenants: Vec<TenantId>,
    /// Everything was deleted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not", rename = "x")]
    pub cleared: bool,
    /// Written through this very store (this node already applied it); set when read back.
    #[serde(skip)]
    pub own: bool,
}

impl ChangeRefs {
    /// The references of a committed change set.
    pub fn of(changes: &Changes) -> Self {
        Self {
            relationships: changes
                .relationships
                .iter()
                .map(|w| w.get().id)
                .chain(changes.deleted_relationships.iter().map(|(id, _)| *id))
                .collect(),
            assignments: changes
                .assignments
                .iter()
                .map(|w| (w.get().relationship_id, w.get().id))
                .collect(),
            links: changes
                .partner_links
                .iter()
                .map(|l| (l.customer, l.partner))
                .collect(),
            users: changes
                .directory
                .iter()
                .filter_map(|w| match w {
                    DirectoryWrite::AddUser(u)
                    | DirectoryWrite::UpdateUser(u)
                    | DirectoryWrite::DeleteUser(u) => Some((u.tenant, u.id)),
                    _ => None,
                })
                .collect(),
            groups: changes
                .directory
                .iter()
                .filter_map(|w| match w {
                    DirectoryWrite::AddGroup(g)
                    | DirectoryWrite::DeleteGroup(g)
                    | DirectoryWrite::Membership { group: g, .. } => Some((g.tenant, g.id)),
                    _ => None,
                })
                .collect(),
            tenants: changes
                .directory
                .iter()
                .filter_map(|w| match w {
                    DirectoryWrite::AddTenant(t) => Some(t.id),
                    _ => None,
                })
                .collect(),
            ..Self::default()
        }
    }

    /// Everything several changes touched, each object once (a follower reads each object as it
    /// is now, so one read covers all the changes to it).
    pub fn merged<'a>(all: impl IntoIterator<Item = &'a ChangeRefs>) -> Self {
        fn unique<T: Ord>(mut v: Vec<T>) -> Vec<T> {
            v.sort_unstable();
            v.dedup();
            v
        }
        let mut m = Self::default();
        for r in all {
            m.relationships.extend_from_slice(&r.relationships);
            m.assignments.extend_from_slice(&r.assignments);
            m.links.extend_from_slice(&r.links);
            m.users.extend_from_slice(&r.users);
            m.groups.extend_from_slice(&r.groups);
            m.tenants.extend_from_slice(&r.tenants);
            m.cleared |= r.cleared;
        }
        Self {
            relationships: unique(m.relationships),
            assignments: unique(m.assignments),
            links: unique(m.links),
            users: unique(m.users),
            groups: unique(m.groups),
            tenants: unique(m.tenants),
            cleared: m.cleared,
            own: false,
        }
    }

    /// Whether nothing a follower cares about was touched.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Waits for notice of changes made by other processes.
#[async_trait]
pub trait ChangeWait: Send {
    /// Returns when a change was announced or `timeout` passed.
    async fn wait(&mut self, timeout: std::time::Duration) -> Result<(), StoreError>;
}

/// The change feed of a database shared by several nodes: every write appends what it touched,
/// numbered, in the same transaction, and announces it.
#[async_trait]
pub trait ChangeFeed: Send + Sync {
    /// Whether other processes may write to this database (only then is there a feed).
    fn shared(&self) -> bool;
    /// The changes numbered above `seq`, in order.
    async fn changes_after(
        &self,
        seq: i64,
        limit: u32,
    ) -> Result<Vec<(i64, ChangeRefs)>, StoreError>;
    /// The highest change number so far (0 when none).
    async fn last_change(&self) -> Result<i64, StoreError>;
    /// A subscription to announcements (none for a database only this process uses).
    async fn subscribe(&self) -> Result<Option<Box<dyn ChangeWait>>, StoreError>;
    /// Forgets changes older than `before`.
    async fn prune_changes(&self, before: OffsetDateTime) -> Result<(), StoreError>;
}
