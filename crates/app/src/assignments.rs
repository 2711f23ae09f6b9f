//! The partner's use cases on access assignments (its security groups granted roles of an active
//! relationship): assign, change the roles (a long-running operation) and remove.

use gdap_domain::assignment::{AccessAssignment, AssignmentChange};
use gdap_domain::ids::{GroupId, RoleDefinitionId};
use gdap_domain::relationship::Relationship;
use gdap_domain::request::OperationChange;
use gdap_store::{Changes, Write};
use time::OffsetDateTime;

use crate::caller::{Authorized, GdapWrite};
use crate::error::{AppError, AppResult};
use crate::relationships::{start_operation, Changed};
use crate::state::AppState;

/// Assigns one of the partner's security groups roles of an active relationship of the caller.
#[derive(Debug, Clone)]
pub struct Assign {
    /// The relationship, as read.
    pub relationship: Relationship,
    /// The partner's security group.
    pub group: GroupId,
    /// Roles of the relationship.
    pub roles: Vec<RoleDefinitionId>,
}

impl Assign {
    /// Assigns: the access assignment as recorded (`pending` until provisioned).
    pub async fn execute(
        self,
        app: &AppState,
        caller: &Authorized<GdapWrite>,
        now: OffsetDateTime,
    ) -> AppResult<AccessAssignment> {
        let rel = self.relationship;
        if app.store.group(rel.partner, self.group).await?.is_none() {
            return Err(AppError::Invalid(format!(
                "The access container `{}` does not exist: `accessContainerId` must be a security group of the partner tenant",
                self.group
            )));
        }
        let a = AccessAssignment::create(&rel, self.group, self.roles, now, &app.config.timings)?;
        let saved = app
            .commit(
                Changes {
                    assignments: vec![Write::Insert(a)],
                    ..Changes::default()
                },
                &caller.who,
            )
            .await?;
        app.scheduled();
        saved
            .assignments
            .into_iter()
            .next()
            .map(Write::into_inner)
            .ok_or_else(|| AppError::Internal("the access assignment was not saved".into()))
    }
}

/// Changes the roles of an access assignment: a long-running operation; the same roles change
/// nothing. `describe` renders the assignment as it will be, for the operation's `data`.
#[derive(Debug, Clone)]
pub struct ChangeRoles {
    /// The relationship, as read.
    pub relationship: Relationship,
    /// The assignment, as read (its `If-Match` already checked).
    pub assignment: AccessAssignment,
    /// The new roles, when sent.
    pub roles: Option<Vec<RoleDefinitionId>>,
}

impl ChangeRoles {
    /// Plans and starts the change.
    pub async fn execute(
        self,
        app: &AppState,
        caller: &Authorized<GdapWrite>,
        now: OffsetDateTime,
        describe: impl Fn(&AccessAssignment) -> String,
    ) -> AppResult<Changed<AccessAssignment>> {
        let (rel, a) = (self.relationship, self.assignment);
        let plan = match self.roles {
            Some(roles) => a.plan_role_change(&rel, roles)?,
            None => AssignmentChange::Unchanged,
        };
        match plan {
            AssignmentChange::Unchanged => Ok(Changed::Unchanged(a)),
            AssignmentChange::Roles(roles) => {
                let mut target = a.clone();
                target.roles = roles.clone();
                let change = OperationChange::AssignmentRoles {
                    assignment: a.id,
                    roles,
                };
                let changes = Changes {
                    assignments: vec![Write::Update(a)],
                    ..Changes::default()
                };
                let op =
                    start_operation(app, &rel, change, describe(&target), changes, caller, now)
                        .await?;
                Ok(Changed::Started(op))
            }
        }
    }
}

/// Removes an access assignment: it moves to `deleting`, then `deleted`, and stays listable.
#[derive(Debug, Clone)]
pub struct Unassign {
    /// The assignment, as read (its `If-Match` already checked).
    pub assignment: AccessAssignment,
}

impl Unassign {
    /// Removes it.
    pub async fn execute(
        self,
        app: &AppState,
        caller: &Authorized<GdapWrite>,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        let mut a = self.assignment;
        a.delete(now, &app.config.timings)?;
        app.commit(
            Changes {
                assignments: vec![Write::Update(a)],
                ..Changes::default()
            },
            &caller.who,
        )
        .await?;
        app.scheduled();
        Ok(())
    }
}
