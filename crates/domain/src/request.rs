//! Relationship requests (`lockForApproval`, `terminate`, `approve`, `reject`) and long-running operations.

use time::OffsetDateTime;

use crate::enums::{OperationStatus, OperationType, RequestAction, RequestStatus};
use crate::ids::{
    AssignmentId, OperationId, RelationshipId, RequestId, RoleDefinitionId, TenantId,
};
use crate::Timings;

/// A request posted on a relationship (E7). Its effect on the relationship is immediate;
/// the request itself moves `created → pending → succeeded`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipRequest {
    /// Random GUID.
    pub id: RequestId,
    /// The relationship.
    pub relationship_id: RelationshipId,
    /// Owner.
    pub partner: TenantId,
    /// The action.
    pub action: RequestAction,
    /// Lifecycle status.
    pub status: RequestStatus,
    /// Creation instant.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub last_modified_at: OffsetDateTime,
    /// When the lifecycle next moves it.
    pub due_at: Option<OffsetDateTime>,
    /// Optimistic-concurrency version.
    pub version: u64,
}

impl RelationshipRequest {
    /// A new request in `created`.
    pub fn new(
        relationship_id: RelationshipId,
        partner: TenantId,
        action: RequestAction,
        now: OffsetDateTime,
        timings: &Timings,
    ) -> Self {
        Self {
            id: RequestId::new_random(),
            relationship_id,
            partner,
            action,
            status: RequestStatus::Created,
            created_at: now,
            last_modified_at: now,
            due_at: Some(now + timings.step),
            version: 1,
        }
    }

    /// One step when due: `created → pending → succeeded`.
    pub fn advance(&mut self, now: OffsetDateTime, timings: &Timings) -> bool {
        let Some(at) = self.due_at.filter(|d| *d <= now) else {
            return false;
        };
        (self.status, self.due_at) = match self.status {
            RequestStatus::Created => (RequestStatus::Pending, Some(at + timings.step)),
            RequestStatus::Pending => (RequestStatus::Succeeded, None),
            other => (other, None),
        };
        self.last_modified_at = at;
        true
    }
}

/// The change a long-running operation carries out when it succeeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperationChange {
    /// New roles for the relationship (removal of Global Administrator).
    RelationshipRoles(Vec<RoleDefinitionId>),
    /// New roles for one access assignment.
    AssignmentRoles {
        /// The assignment.
        assignment: AssignmentId,
        /// Its new roles.
        roles: Vec<RoleDefinitionId>,
    },
}

/// A long-running operation (E14/E15), polled by clients through the 202 `Location`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// Random GUID.
    pub id: OperationId,
    /// The relationship.
    pub relationship_id: RelationshipId,
    /// Owner.
    pub partner: TenantId,
    /// What kind of change.
    pub operation_type: OperationType,
    /// The change to apply on success.
    pub change: OperationChange,
    /// The target object after the change, as a JSON string (Graph's `data`).
    pub data: String,
    /// Lifecycle status.
    pub status: OperationStatus,
    /// Creation instant.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub last_modified_at: OffsetDateTime,
    /// When the lifecycle next moves it.
    pub due_at: Option<OffsetDateTime>,
    /// Optimistic-concurrency version.
    pub version: u64,
}

impl Operation {
    /// A new operation in `notStarted`.
    pub fn new(
        relationship_id: RelationshipId,
        partner: TenantId,
        change: OperationChange,
        data: String,
        now: OffsetDateTime,
        timings: &Timings,
    ) -> Self {
        let operation_type = match change {
            OperationChange::RelationshipRoles(_) => {
                OperationType::DelegatedAdminRelationshipUpdate
            }
            OperationChange::AssignmentRoles { .. } => {
                OperationType::DelegatedAdminAccessAssignmentUpdate
            }
        };
        Self {
            id: OperationId::new_random(),
            relationship_id,
            partner,
            operation_type,
            change,
            data,
            status: OperationStatus::NotStarted,
            created_at: now,
            last_modified_at: now,
            due_at: Some(now + timings.step),
            version: 1,
        }
    }

    /// One step when due: `notStarted → running`, then `running → succeeded` (returns true when it
    /// has just succeeded and its change must be applied).
    pub fn advance(&mut self, now: OffsetDateTime, timings: &Timings) -> Option<bool> {
        let at = self.due_at.filter(|d| *d <= now)?;
        self.last_modified_at = at;
        match self.status {
            OperationStatus::NotStarted => {
                self.status = OperationStatus::Running;
                self.due_at = Some(at + timings.step);
                Some(false)
            }
            OperationStatus::Running => {
                self.status = OperationStatus::Succeeded;
                self.due_at = None;
                Some(true)
            }
            _ => {
                self.due_at = None;
                Some(false)
            }
        }
    }

    /// Ends the operation as failed (its target went away before it could be applied).
    pub fn fail(&mut self, now: OffsetDateTime) {
        self.status = OperationStatus::Failed;
        self.due_at = None;
        self.last_modified_at = now;
    }
}
