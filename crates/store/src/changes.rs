//! An atomic set of writes, applied by [`RelationshipStore::commit`](crate::RelationshipStore::commit).

use gdap_domain::assignment::AccessAssignment;
use gdap_domain::ids::RelationshipId;
use gdap_domain::relationship::Relationship;
use gdap_domain::request::{Operation, RelationshipRequest};

/// One write of an object.
#[derive(Debug, Clone)]
pub enum Write<T> {
    /// A new object (its version must be 1).
    Insert(T),
    /// A changed object; its `version` is the one read, and the store bumps it by one.
    Update(T),
}

impl<T> Write<T> {
    /// The object written.
    pub fn get(&self) -> &T {
        match self {
            Self::Insert(t) | Self::Update(t) => t,
        }
    }

    /// The object written, owned.
    pub fn into_inner(self) -> T {
        match self {
            Self::Insert(t) | Self::Update(t) => t,
        }
    }
}

/// Writes that succeed or fail together.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// Relationship writes.
    pub relationships: Vec<Write<Relationship>>,
    /// Relationships to delete, with the version read.
    pub deleted_relationships: Vec<(RelationshipId, u64)>,
    /// Request writes.
    pub requests: Vec<Write<RelationshipRequest>>,
    /// Access assignment writes.
    pub assignments: Vec<Write<AccessAssignment>>,
    /// Operation writes.
    pub operations: Vec<Write<Operation>>,
    /// E-mails to queue with the change.
    pub mail: Vec<crate::traits::OutboxMail>,
    /// Agreement acceptances to record (an acceptance already recorded is kept as it was).
    pub agreements: Vec<gdap_domain::customer::AgreementAcceptance>,
    /// Reseller/DAP ties to write (inserted, or replaced whole).
    pub partner_links: Vec<gdap_domain::customer::PartnerLink>,
    /// Actions to record.
    pub activity: Vec<gdap_domain::customer::Activity>,
    /// Audit entries to append (sealed into the hash chain shortly after).
    pub audit: Vec<gdap_domain::audit::AuditEntry>,
}
