//! Authorization: whether a user may perform an Entra resource action in a tenant, and why.
//!
//! A user acts in its own tenant through its own directory roles. A partner's user acts in a
//! customer tenant only through delegated access, decided at the instant of the call:
//!
//! - **GDAP**: an `active` relationship of the partner with the customer whose `endDateTime` has
//!   not been reached, an `active` access assignment on it naming a security group the user
//!   belongs to, and one of the assignment's roles (also held by the relationship) granting the
//!   action.
//! - **DAP**: when the customer keeps DAP for the partner, Admin Agents act as Global
//!   Administrator and Helpdesk Agents as Helpdesk Administrator — unless GDAP governs: a user
//!   with any GDAP assignment in that customer is judged by GDAP alone.
//! - **AOBO**: acting on behalf of a customer never reaches purchases, products or billing
//!   (licenses and billing notifications stay readable).
//!
//! [`reference::evaluate`] states these rules as plainly as possible over lists of facts;
//! [`index::AuthzIndex`] answers the same questions from an in-memory index, fast. A property test
//! holds them to the same answers.

pub mod action;
pub mod index;
pub mod operations;
pub mod privilege;
pub mod reference;

use time::OffsetDateTime;

use crate::enums::RelationshipStatus;
use crate::ids::{AssignmentId, GroupId, RelationshipId, RoleDefinitionId, TenantId, UserId};

pub use action::{grant_matches, ActionId, ActionSet, ActionTable};
pub use privilege::{sensitivity, PrivilegeRules, Protection, Sensitivity};

/// A question: may this user do this action in this tenant?
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRequest {
    /// The acting user (its home tenant is known to the directory).
    pub user: UserId,
    /// The tenant acted in.
    pub tenant: TenantId,
    /// The resource action, e.g. `microsoft.directory/users/password/update`.
    pub action: String,
    /// The user acted on, when the action is on a user: the sensitive actions (password reset,
    /// disable, delete …) also depend on the roles the target holds ([`privilege`]).
    pub target: Option<UserId>,
}

/// Through what a user holds the role that allowed an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// The user's own directory role in its home tenant.
    OwnRole,
    /// A GDAP relationship's access assignment to one of the user's groups.
    Gdap {
        /// The relationship.
        relationship: RelationshipId,
        /// The access assignment.
        assignment: AssignmentId,
        /// The partner security group named by the assignment.
        group: GroupId,
    },
    /// DAP: the user's Admin Agents or Helpdesk Agents group.
    Dap {
        /// The group.
        group: GroupId,
    },
}

/// Why an action was allowed: the path to the grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// How the role is held.
    pub via: Via,
    /// The role.
    pub role: RoleDefinitionId,
    /// The role's resource action that covers the request (possibly a wildcard), from the
    /// built-in catalogue.
    pub resource_action: &'static str,
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DenyReason {
    /// The user is unknown or disabled.
    UnknownPrincipal,
    /// The partner has no relationship (nor DAP) with this customer.
    NoRelationship,
    /// The partner's relationships with the customer are not active (the newest one's status).
    RelationshipNotActive {
        /// The relationship.
        relationship: RelationshipId,
        /// Its status.
        status: RelationshipStatus,
    },
    /// The relationship reached its end date.
    Expired {
        /// The relationship.
        relationship: RelationshipId,
        /// Its `endDateTime`.
        at: OffsetDateTime,
    },
    /// Active relationships exist, but no active access assignment names a group of the user.
    NoAssignmentForGroups,
    /// The user's roles there do not include the action.
    RoleLacksAction,
    /// Acting on behalf of a customer cannot reach purchases, products or billing.
    AoboRestricted,
    /// The target user is not a user of the tenant acted in.
    UnknownTarget,
    /// A role of the user grants the action, but Entra's privilege rules keep that role from
    /// performing it on this target (the first role that would have allowed it, and what
    /// protects the target from it).
    TargetProtected {
        /// The user's role that grants the action.
        actor_role: RoleDefinitionId,
        /// What protects the target from that role.
        protection: Protection,
        /// Which of Entra's tables applies.
        sensitivity: Sensitivity,
    },
}

impl DenyReason {
    /// A stable code for the reason (the `reason` of the check API).
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownPrincipal => "unknownPrincipal",
            Self::NoRelationship => "noRelationship",
            Self::RelationshipNotActive { .. } => "relationshipNotActive",
            Self::Expired { .. } => "relationshipExpired",
            Self::NoAssignmentForGroups => "noAssignmentForUserGroups",
            Self::RoleLacksAction => "roleLacksAction",
            Self::AoboRestricted => "aoboRestricted",
            Self::UnknownTarget => "unknownTarget",
            Self::TargetProtected { .. } => "targetProtected",
        }
    }

    /// One sentence for a refusal.
    pub fn explain(&self) -> String {
        match self {
            Self::UnknownPrincipal => "The user does not exist or is disabled.".into(),
            Self::NoRelationship => {
                "The user's organization has no delegated admin relationship (nor DAP) with this tenant."
                    .into()
            }
            Self::RelationshipNotActive { relationship, status } => format!(
                "The relationship {relationship} is {status}, not active."
            ),
            Self::Expired { relationship, at } => format!(
                "The relationship {relationship} expired at {}.",
                crate::timefmt::format_graph(*at)
            ),
            Self::NoAssignmentForGroups => {
                "No active access assignment names a security group the user belongs to.".into()
            }
            Self::RoleLacksAction => {
                "None of the roles the user holds there grants this action.".into()
            }
            Self::AoboRestricted => {
                "A partner acting on behalf of a customer cannot use purchase, product or billing operations."
                    .into()
            }
            Self::UnknownTarget => "The target user is not a user of this tenant.".into(),
            Self::TargetProtected {
                actor_role,
                protection,
                sensitivity,
            } => {
                let actor = role_name(actor_role);
                let verb = sensitivity.verb();
                match protection {
                    Protection::Role(r) => format!(
                        "The target holds {}, which {actor} may not {verb}.",
                        role_name(r)
                    ),
                    Protection::NoRole => format!(
                        "Entra's privilege rules let {actor} {verb} no user, even one without an administrator role."
                    ),
                }
            }
        }
    }
}

/// A role's display name from the built-in catalogue, or its id when not built in.
fn role_name(id: &RoleDefinitionId) -> String {
    crate::roles::Catalogue::builtin()
        .get(id)
        .map_or_else(|| id.to_string(), |r| r.display_name.clone())
}

/// The answer to a [`CheckRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Allowed, with the path.
    Allow(Grant),
    /// Denied, with the reason.
    Deny(DenyReason),
}

impl Decision {
    /// Whether the action is allowed.
    pub fn allowed(&self) -> bool {
        matches!(self, Self::Allow(_))
    }
}

/// Whether acting on behalf of a customer may not perform `action`: everything under
/// `microsoft.commerce.billing` except reading licenses and billing notifications.
pub fn aobo_restricted(action: &str) -> bool {
    let mut parts = action.split('/');
    let namespace = parts.next().unwrap_or_default();
    if !namespace.eq_ignore_ascii_case("microsoft.commerce.billing") {
        return false;
    }
    let entity = parts.next().unwrap_or_default();
    let readable_entity = entity.eq_ignore_ascii_case("licenses")
        || entity.eq_ignore_ascii_case("billingNotifications");
    let is_read = action
        .rsplit('/')
        .next()
        .is_some_and(|t| t.eq_ignore_ascii_case("read"));
    !(readable_entity && is_read)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aobo_keeps_partners_out_of_billing_but_not_licenses_and_notices() {
        assert!(aobo_restricted(
            "microsoft.commerce.billing/purchases/create"
        ));
        assert!(aobo_restricted(
            "microsoft.commerce.billing/allEntities/allProperties/read"
        ));
        assert!(aobo_restricted(
            "microsoft.commerce.billing/licenses/update"
        ));
        assert!(!aobo_restricted(
            "microsoft.commerce.billing/licenses/standard/read"
        ));
        assert!(!aobo_restricted(
            "microsoft.commerce.billing/billingNotifications/read"
        ));
        assert!(!aobo_restricted("microsoft.directory/users/create"));
    }
}
