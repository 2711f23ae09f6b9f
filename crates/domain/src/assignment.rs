//! Access assignments: a partner security group granted a subset of a relationship's roles.

use time::OffsetDateTime;

use crate::enums::{AssignmentStatus as A, RelationshipStatus};
use crate::error::DomainError;
use crate::ids::{AssignmentId, GroupId, RelationshipId, RoleDefinitionId, TenantId};
use crate::relationship::Relationship;
use crate::Timings;

/// A security group of the partner tenant mapped to roles on one relationship.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessAssignment {
    /// Random GUID.
    pub id: AssignmentId,
    /// The relationship it belongs to.
    pub relationship_id: RelationshipId,
    /// The partner tenant (owner of the group and of the relationship).
    pub partner: TenantId,
    /// `accessContainer.accessContainerId` (type is always `securityGroup`).
    pub group: GroupId,
    /// Granted roles, a subset of the relationship's.
    pub roles: Vec<RoleDefinitionId>,
    /// Lifecycle status.
    pub status: A,
    /// Creation instant.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub last_modified_at: OffsetDateTime,
    /// When the lifecycle next moves it, if ever.
    pub due_at: Option<OffsetDateTime>,
    /// Optimistic-concurrency version.
    pub version: u64,
}

/// What an assignment PATCH asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignmentChange {
    /// Identical roles: 200 with the unchanged object.
    Unchanged,
    /// New roles, applied by a long-running operation (202).
    Roles(Vec<RoleDefinitionId>),
}

/// V12: roles non-empty, no duplicates, each one of the relationship's.
fn validate_subset(roles: &[RoleDefinitionId], rel: &Relationship) -> Result<(), DomainError> {
    if roles.is_empty() {
        return Err(DomainError::NoRoles);
    }
    for (i, r) in roles.iter().enumerate() {
        if !rel.has_role(r) {
            return Err(DomainError::RoleNotInRelationship(*r));
        }
        if roles[..i].contains(r) {
            return Err(DomainError::DuplicateRole(*r));
        }
    }
    Ok(())
}

impl AccessAssignment {
    /// Creates a `pending` assignment (E10). The relationship must be `active` (V12); the caller
    /// checks that the group exists and has no other live assignment.
    pub fn create(
        rel: &Relationship,
        group: GroupId,
        roles: Vec<RoleDefinitionId>,
        now: OffsetDateTime,
        timings: &Timings,
    ) -> Result<Self, DomainError> {
        if rel.status != RelationshipStatus::Active {
            return Err(DomainError::RelationshipNotActive(rel.status));
        }
        validate_subset(&roles, rel)?;
        Ok(Self {
            id: AssignmentId::new_random(),
            relationship_id: rel.id,
            partner: rel.partner,
            group,
            roles,
            status: A::Pending,
            created_at: now,
            last_modified_at: now,
            due_at: Some(now + timings.step),
            version: 1,
        })
    }

    /// Checks a PATCH of `accessDetails` (E12): only on an `active` assignment of an `active` relationship.
    pub fn plan_role_change(
        &self,
        rel: &Relationship,
        roles: Vec<RoleDefinitionId>,
    ) -> Result<AssignmentChange, DomainError> {
        if self.status != A::Active {
            return Err(DomainError::AssignmentNotActive(self.status));
        }
        if rel.status != RelationshipStatus::Active {
            return Err(DomainError::RelationshipNotActive(rel.status));
        }
        validate_subset(&roles, rel)?;
        let same = roles.len() == self.roles.len() && roles.iter().all(|r| self.roles.contains(r));
        Ok(if same {
            AssignmentChange::Unchanged
        } else {
            AssignmentChange::Roles(roles)
        })
    }

    /// DELETE (E13): `active → deleting`.
    pub fn delete(&mut self, now: OffsetDateTime, timings: &Timings) -> Result<(), DomainError> {
        if self.status != A::Active {
            return Err(DomainError::AssignmentNotActive(self.status));
        }
        self.start_removal(now, timings);
        Ok(())
    }

    /// Starts removal because the relationship ended (or its last role went away).
    /// Returns false when the assignment was already going or gone.
    pub fn start_removal(&mut self, now: OffsetDateTime, timings: &Timings) -> bool {
        if !self.status.is_live() {
            return false;
        }
        self.status = A::Deleting;
        self.last_modified_at = now;
        self.due_at = Some(now + timings.step);
        true
    }

    /// Applies roles decided by a finished operation; an assignment left without roles is removed.
    pub fn set_roles(
        &mut self,
        roles: Vec<RoleDefinitionId>,
        now: OffsetDateTime,
        timings: &Timings,
    ) {
        if roles.is_empty() {
            self.start_removal(now, timings);
        } else {
            self.roles = roles;
            self.last_modified_at = now;
        }
    }

    /// One lifecycle step when due: `pending → active`, `deleting → deleted`.
    pub fn advance(&mut self, now: OffsetDateTime) -> bool {
        let Some(at) = self.due_at.filter(|d| *d <= now) else {
            return false;
        };
        self.status = match self.status {
            A::Pending => A::Active,
            A::Deleting => A::Deleted,
            other => other,
        };
        self.due_at = None;
        self.last_modified_at = at;
        true
    }
}
