//! The drift of one customer's relationships and access assignments from a template.
//!
//! The customer's *current* relationship is its active one from the partner that ends last. A
//! relationship waiting for the customer's approval is a renewal already under way: the current
//! one's renewal drifts are then not repeated. Drift that access assignments can mend is
//! `fixable`; the rest needs a new approval (a renewal campaign).

use std::collections::HashSet;
use std::fmt;

use time::OffsetDateTime;

use crate::assignment::AccessAssignment;
use crate::enums::{AssignmentStatus, RelationshipStatus};
use crate::ids::{AssignmentId, GroupId, RelationshipId, RoleDefinitionId};
use crate::relationship::{AutoExtend, Relationship};
use crate::roles::GLOBAL_ADMINISTRATOR;

use super::Template;

/// One way a customer differs from the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// No active relationship and none awaiting approval: one is to be made and sent.
    NoRelationship,
    /// The current relationship holds Global Administrator.
    GlobalAdministrator(RelationshipId),
    /// The current relationship ends within the template's renewal window and does not extend
    /// itself.
    Ending(RelationshipId, OffsetDateTime),
    /// Roles of the template the current relationship lacks.
    RolesMissing(RelationshipId, Vec<RoleDefinitionId>),
    /// Roles the current relationship holds beyond the template.
    RolesBeyond(RelationshipId, Vec<RoleDefinitionId>),
    /// A group of the template has no assignment; it is to get these roles.
    MissingAssignment(RelationshipId, GroupId, Vec<RoleDefinitionId>),
    /// A group's assignment holds other roles than the template's.
    AssignmentRoles(RelationshipId, AssignmentId, Vec<RoleDefinitionId>),
    /// An assignment names a group that no longer exists.
    GroupGone(RelationshipId, AssignmentId, GroupId),
    /// A group the template names no longer exists in the partner's directory.
    TemplateGroupGone(GroupId),
}

impl Drift {
    /// Whether access assignments mend it (otherwise it needs a new approval or the template
    /// mended).
    pub fn fixable(&self) -> bool {
        matches!(
            self,
            Self::MissingAssignment(..) | Self::AssignmentRoles(..) | Self::GroupGone(..)
        )
    }

    /// A stable name of its kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NoRelationship => "noRelationship",
            Self::GlobalAdministrator(_) => "globalAdministrator",
            Self::Ending(..) => "ending",
            Self::RolesMissing(..) => "rolesMissing",
            Self::RolesBeyond(..) => "rolesBeyond",
            Self::MissingAssignment(..) => "missingAssignment",
            Self::AssignmentRoles(..) => "assignmentRoles",
            Self::GroupGone(..) => "groupGone",
            Self::TemplateGroupGone(_) => "templateGroupGone",
        }
    }
}

fn list(roles: &[RoleDefinitionId]) -> String {
    roles
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoRelationship => write!(f, "noRelationship"),
            Self::GlobalAdministrator(_) => write!(f, "globalAdministrator"),
            Self::Ending(_, end) => write!(f, "ending {}", end.date()),
            Self::RolesMissing(_, r) => write!(f, "rolesMissing {}", list(r)),
            Self::RolesBeyond(_, r) => write!(f, "rolesBeyond {}", list(r)),
            Self::MissingAssignment(_, g, r) => write!(f, "missingAssignment {g} {}", list(r)),
            Self::AssignmentRoles(_, _, r) => write!(f, "assignmentRoles {}", list(r)),
            Self::GroupGone(_, _, g) => write!(f, "groupGone {g}"),
            Self::TemplateGroupGone(g) => write!(f, "templateGroupGone {g}"),
        }
    }
}

/// What a plan reads of a relationship (from the store, or from Graph's representation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipFacts {
    /// Its id.
    pub id: RelationshipId,
    /// Its status.
    pub status: RelationshipStatus,
    /// Its roles.
    pub roles: Vec<RoleDefinitionId>,
    /// When it ends, once active.
    pub end_at: Option<OffsetDateTime>,
    /// Whether it extends itself.
    pub auto_extend: AutoExtend,
}

impl From<&Relationship> for RelationshipFacts {
    fn from(r: &Relationship) -> Self {
        Self {
            id: r.id,
            status: r.status,
            roles: r.roles.clone(),
            end_at: r.end_at,
            auto_extend: r.auto_extend,
        }
    }
}

/// What a plan reads of an access assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentFacts {
    /// Its id.
    pub id: AssignmentId,
    /// Its relationship.
    pub relationship_id: RelationshipId,
    /// The group it gives roles to.
    pub group: GroupId,
    /// The roles.
    pub roles: Vec<RoleDefinitionId>,
    /// Its status.
    pub status: AssignmentStatus,
}

impl From<&AccessAssignment> for AssignmentFacts {
    fn from(a: &AccessAssignment) -> Self {
        Self {
            id: a.id,
            relationship_id: a.relationship_id,
            group: a.group,
            roles: a.roles.clone(),
            status: a.status,
        }
    }
}

/// Whether a relationship is a renewal under way (made, sent or approved, not yet active).
pub fn under_way(r: &RelationshipFacts) -> bool {
    matches!(
        r.status,
        RelationshipStatus::Created
            | RelationshipStatus::ApprovalPending
            | RelationshipStatus::Approved
            | RelationshipStatus::Activating
    )
}

/// The drift of one customer from `t`: `relationships` are the partner's with this customer,
/// `assignments` theirs, `groups` the partner's security groups that exist, all as of `now`.
pub fn plan(
    t: &Template,
    relationships: &[RelationshipFacts],
    assignments: &[AssignmentFacts],
    groups: &HashSet<GroupId>,
    now: OffsetDateTime,
) -> Vec<Drift> {
    let mut out: Vec<Drift> = t
        .assignments
        .iter()
        .filter(|a| !groups.contains(&a.group))
        .map(|a| Drift::TemplateGroupGone(a.group))
        .collect();
    let renewing = relationships.iter().any(under_way);
    let current = relationships
        .iter()
        .filter(|r| r.status == RelationshipStatus::Active)
        .max_by_key(|r| r.end_at);
    let Some(rel) = current else {
        if !renewing {
            out.push(Drift::NoRelationship);
        }
        return out;
    };
    if !renewing {
        let ga = rel
            .roles
            .iter()
            .any(|r| r.to_string() == GLOBAL_ADMINISTRATOR);
        if ga {
            out.push(Drift::GlobalAdministrator(rel.id));
        }
        if let Some(end) = rel.end_at {
            if rel.auto_extend == AutoExtend::Off && end - now <= t.renew_within {
                out.push(Drift::Ending(rel.id, end));
            }
        }
        let missing: Vec<_> = t
            .roles
            .iter()
            .filter(|r| !rel.roles.contains(r))
            .copied()
            .collect();
        if !missing.is_empty() {
            out.push(Drift::RolesMissing(rel.id, missing));
        }
        let beyond: Vec<_> = rel
            .roles
            .iter()
            .filter(|r| !t.roles.contains(r) && r.to_string() != GLOBAL_ADMINISTRATOR)
            .copied()
            .collect();
        if !beyond.is_empty() {
            out.push(Drift::RolesBeyond(rel.id, beyond));
        }
    }
    let live: Vec<&AssignmentFacts> = assignments
        .iter()
        .filter(|a| a.relationship_id == rel.id && a.status.is_live())
        .collect();
    for a in &live {
        if !groups.contains(&a.group) {
            out.push(Drift::GroupGone(rel.id, a.id, a.group));
        }
    }
    for want in t.assignments.iter().filter(|a| groups.contains(&a.group)) {
        // What the relationship can give of the group's roles.
        let roles: Vec<RoleDefinitionId> = want
            .roles
            .iter()
            .filter(|r| rel.roles.contains(r))
            .copied()
            .collect();
        if roles.is_empty() {
            continue;
        }
        match live.iter().find(|a| a.group == want.group) {
            None => out.push(Drift::MissingAssignment(rel.id, want.group, roles)),
            Some(a) => {
                let same =
                    a.roles.len() == roles.len() && roles.iter().all(|r| a.roles.contains(r));
                if !same {
                    out.push(Drift::AssignmentRoles(rel.id, a.id, roles));
                }
            }
        }
    }
    out
}
