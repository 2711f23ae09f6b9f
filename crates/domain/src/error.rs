//! The domain's one error enum: every business rule a request can break.

use time::OffsetDateTime;

use crate::duration::DurationError;
use crate::enums::{AssignmentStatus, RelationshipStatus, RequestAction};
use crate::ids::RoleDefinitionId;
use crate::timefmt::format_graph;

/// A rule of the relationship model was broken. Messages say what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DomainError {
    /// V1: missing, empty or over-long display name.
    #[error("`displayName` must be 1 to 50 characters long; the value given has {0}")]
    DisplayNameLength(usize),
    /// V1: control characters in the display name.
    #[error("`displayName` must not contain control characters such as line breaks or tabs")]
    DisplayNameCharacters,
    /// V3: a duration that is not ISO-8601.
    #[error("invalid `{field}`: {source}")]
    Duration {
        /// `duration` or `autoExtendDuration`.
        field: &'static str,
        /// What was wrong with it.
        source: DurationError,
    },
    /// V3: a duration outside `P1D`..`P2Y`.
    #[error("`duration` must be between `P1D` and `P2Y` (730 days); `{0}` is outside that range")]
    DurationOutOfRange(String),
    /// V4: an auto-extend value other than `PT0S`, `P0D` or `P180D`.
    #[error("`autoExtendDuration` must be `PT0S` or `P0D` (no auto-extension) or `P180D`; `{0}` is not supported")]
    AutoExtendValue(String),
    /// V5: auto-extension requested with a role that forbids it.
    #[error("{reason}: set `autoExtendDuration` to `PT0S` or leave out role `{role}`")]
    AutoExtendForbidden {
        /// The role that forbids it.
        role: RoleDefinitionId,
        /// Why.
        reason: String,
    },
    /// V6: no roles.
    #[error("`accessDetails.unifiedRoles` must list at least one role")]
    NoRoles,
    /// V6: a role that is not a built-in Entra role.
    #[error("role `{0}` is not a Microsoft Entra built-in role; only built-in role template ids can be used in admin relationships")]
    UnknownRole(RoleDefinitionId),
    /// V6: a built-in role that GDAP does not offer.
    #[error("role `{role}` is incompatible with admin relationships: {reason}")]
    IneligibleRole {
        /// The role.
        role: RoleDefinitionId,
        /// Why it is refused.
        reason: String,
    },
    /// V6: a role listed twice.
    #[error("role `{0}` is listed more than once in `unifiedRoles`")]
    DuplicateRole(RoleDefinitionId),
    /// V7: a partner naming itself as the customer.
    #[error(
        "`customer.tenantId` is the partner's own tenant; a relationship needs a customer tenant"
    )]
    CustomerIsPartner,
    /// V9: a property that cannot be changed in the relationship's status.
    #[error("`{field}` can only be updated while the relationship is `created`{extra}; it is `{status}`")]
    PatchNotAllowed {
        /// The property.
        field: &'static str,
        /// The current status.
        status: RelationshipStatus,
        /// A hint about what is allowed instead.
        extra: &'static str,
    },
    /// V9: a role change on an active relationship that is not the removal of Global Administrator.
    #[error("while the relationship is `active`, `accessDetails` can only drop the Global Administrator role (`62e90394-69f5-4237-9190-012177145e10`) and keep every other role")]
    ActiveRoleChange,
    /// V10: delete outside `created`.
    #[error("a relationship can only be deleted while it is `created`; it is `{0}` (use a `terminate` request for an active relationship)")]
    DeleteNotAllowed(RelationshipStatus),
    /// V11: a request action not allowed in the relationship's status.
    #[error("the `{action}` action needs a relationship that is `{needed}`; it is `{status}`")]
    ActionNotAllowed {
        /// The action.
        action: RequestAction,
        /// Its current status.
        status: RelationshipStatus,
        /// The status the action needs.
        needed: &'static str,
    },
    /// V11: `approve`/`reject` on a relationship that is not an indirect reseller's.
    #[error("the `{0}` action is only for indirect resellers reviewing a relationship created by their indirect provider")]
    NotResellerRelationship(RequestAction),
    /// An indirect provider's relationship for a reseller names no customer.
    #[error("a relationship for an indirect reseller needs `customer.tenantId`: the customer the reseller serves")]
    ResellerRelationshipNeedsCustomer,
    /// An indirect provider named itself as the reseller.
    #[error("`partner.tenantId` must be one of your indirect resellers, not your own tenant")]
    ResellerIsProvider,
    /// V12: access assignment on a relationship that is not active.
    #[error("access assignments can only be created on an `active` relationship; it is `{0}`")]
    RelationshipNotActive(RelationshipStatus),
    /// V12: assignment role outside the relationship's roles.
    #[error("role `{0}` is not one of the relationship's roles; an access assignment can only grant roles of its relationship")]
    RoleNotInRelationship(RoleDefinitionId),
    /// An access assignment that cannot be changed in its status.
    #[error(
        "the access assignment is `{0}`; only an `active` assignment can be changed or deleted"
    )]
    AssignmentNotActive(AssignmentStatus),
    /// Customer approval when the relationship is not waiting for it.
    #[error("the relationship is `{0}`; only a relationship in `approvalPending` can be approved")]
    NotAwaitingApproval(RelationshipStatus),
    /// Customer approval after the invitation's 90 days.
    #[error("the invitation expired at {}; ask the partner for a new one", format_graph(*.0))]
    InvitationExpired(OffsetDateTime),
    /// Customer approval from a tenant other than the one the partner named.
    #[error("this invitation is for another customer tenant")]
    WrongCustomer,
}
