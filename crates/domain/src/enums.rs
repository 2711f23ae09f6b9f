//! Graph enumerations, with their exact member names and the evolvable-member rule.
//!
//! Members declared after `unknownFutureValue` are *evolvable*: Graph only shows them to a caller that
//! sends `Prefer: include-unknown-enum-members` and shows `unknownFutureValue` to everyone else.

use std::fmt;

/// A string that is not a member of the expected enumeration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {kind}; expected one of {expected}")]
pub struct EnumError {
    /// The enumeration, in words.
    pub kind: &'static str,
    /// The rejected value (shortened).
    pub value: String,
    /// The accepted members, listed for the caller.
    pub expected: String,
}

/// Implemented by every Graph enumeration.
pub trait GraphEnum: Sized + Copy + 'static {
    /// The enumeration name in words, for messages.
    const KIND: &'static str;
    /// Every member in CSDL order, with its wire name and whether it is evolvable.
    const MEMBERS: &'static [(Self, &'static str, bool)];
    /// The `unknownFutureValue` sentinel.
    const UNKNOWN: Self;

    /// The wire name, honouring the evolvable-member rule.
    fn wire(self, include_unknown_members: bool) -> &'static str
    where
        Self: PartialEq,
    {
        let (_, name, evolvable) = Self::MEMBERS
            .iter()
            .find(|(m, _, _)| *m == self)
            .copied()
            .unwrap_or((Self::UNKNOWN, "unknownFutureValue", false));
        if evolvable && !include_unknown_members {
            "unknownFutureValue"
        } else {
            name
        }
    }

    /// Parses a wire name. Evolvable members are accepted only with `include_unknown_members`;
    /// `unknownFutureValue` itself is never accepted as input.
    fn parse_wire(s: &str, include_unknown_members: bool) -> Result<Self, EnumError> {
        Self::MEMBERS
            .iter()
            .find(|(_, name, evolvable)| {
                *name == s
                    && *name != "unknownFutureValue"
                    && (!evolvable || include_unknown_members)
            })
            .map(|(m, _, _)| *m)
            .ok_or_else(|| EnumError {
                kind: Self::KIND,
                value: s.chars().take(60).collect(),
                expected: Self::MEMBERS
                    .iter()
                    .filter(|(_, n, e)| {
                        *n != "unknownFutureValue" && (!e || include_unknown_members)
                    })
                    .map(|(_, n, _)| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The full (storage) name, ignoring the evolvable rule.
    fn name(self) -> &'static str
    where
        Self: PartialEq,
    {
        self.wire(true)
    }

    /// Parses a storage name.
    fn from_name(s: &str) -> Option<Self> {
        Self::MEMBERS
            .iter()
            .find(|(_, n, _)| *n == s)
            .map(|(m, _, _)| *m)
    }
}

macro_rules! graph_enum {
    ($(#[$meta:meta])* $name:ident, $kind:literal, [$($(#[$vmeta:meta])* $variant:ident = $wire:literal $(evolvable $ev:tt)?),+ $(,)?]) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl GraphEnum for $name {
            const KIND: &'static str = $kind;
            const MEMBERS: &'static [(Self, &'static str, bool)] = &[
                $(($name::$variant, $wire, graph_enum!(@ev $($ev)?)),)+
            ];
            const UNKNOWN: Self = $name::UnknownFutureValue;
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
    (@ev) => { false };
    (@ev $t:tt) => { true };
}

graph_enum!(
    /// `delegatedAdminRelationshipStatus`.
    RelationshipStatus, "relationship status", [
    /// The system is provisioning the approved relationship.
    Activating = "activating",
    /// Provisioned; access assignments can be created.
    Active = "active",
    /// Locked by the partner and waiting for the customer.
    ApprovalPending = "approvalPending",
    /// Approved by the customer; provisioning starts.
    Approved = "approved",
    /// Created by the partner and still editable.
    Created = "created",
    /// Deprovisioned after its end date (terminal).
    Expired = "expired",
    /// Past its end date and being deprovisioned.
    Expiring = "expiring",
    /// Deprovisioned after termination (terminal).
    Terminated = "terminated",
    /// Being deprovisioned after termination was requested.
    Terminating = "terminating",
    /// The partner or the customer asked to end it.
    TerminationRequested = "terminationRequested",
    /// Sentinel for members this client does not know.
    UnknownFutureValue = "unknownFutureValue",
]);

graph_enum!(
    /// `delegatedAdminRelationshipRequestAction`.
    RequestAction, "request action", [
    /// Finalise a `created` relationship and send it for customer approval.
    LockForApproval = "lockForApproval",
    /// An indirect reseller approves a relationship its provider created.
    Approve = "approve",
    /// End an `active` relationship.
    Terminate = "terminate",
    /// Sentinel.
    UnknownFutureValue = "unknownFutureValue",
    /// An indirect reseller rejects a relationship its provider created.
    Reject = "reject" evolvable !,
]);

graph_enum!(
    /// `delegatedAdminRelationshipRequestStatus`.
    RequestStatus, "request status", [
    /// Accepted, not yet processed.
    Created = "created",
    /// Being processed.
    Pending = "pending",
    /// Done.
    Succeeded = "succeeded",
    /// Could not be carried out.
    Failed = "failed",
    /// Sentinel.
    UnknownFutureValue = "unknownFutureValue",
]);

graph_enum!(
    /// `delegatedAdminAccessAssignmentStatus`.
    AssignmentStatus, "access assignment status", [
    /// Being provisioned.
    Pending = "pending",
    /// In force.
    Active = "active",
    /// Being removed.
    Deleting = "deleting",
    /// Removed (kept for history).
    Deleted = "deleted",
    /// Provisioning failed.
    Error = "error",
    /// Sentinel.
    UnknownFutureValue = "unknownFutureValue",
]);

graph_enum!(
    /// `delegatedAdminAccessContainerType`.
    AccessContainerType, "access container type", [
    /// A security group of the partner tenant.
    SecurityGroup = "securityGroup",
    /// Sentinel.
    UnknownFutureValue = "unknownFutureValue",
]);

graph_enum!(
    /// `delegatedAdminRelationshipOperationType`.
    OperationType, "operation type", [
    /// A change of an access assignment's roles.
    DelegatedAdminAccessAssignmentUpdate = "delegatedAdminAccessAssignmentUpdate",
    /// Sentinel.
    UnknownFutureValue = "unknownFutureValue",
    /// A change of an active relationship (removal of Global Administrator).
    DelegatedAdminRelationshipUpdate = "delegatedAdminRelationshipUpdate" evolvable !,
]);

graph_enum!(
    /// `longRunningOperationStatus`.
    OperationStatus, "operation status", [
    /// Queued.
    NotStarted = "notStarted",
    /// In progress.
    Running = "running",
    /// Done.
    Succeeded = "succeeded",
    /// Could not be carried out.
    Failed = "failed",
    /// Sentinel.
    UnknownFutureValue = "unknownFutureValue",
]);

impl RelationshipStatus {
    /// True for the states a relationship never leaves.
    pub const fn is_terminal(self) -> bool {
        matches!(self, Self::Expired | Self::Terminated)
    }
}

impl AssignmentStatus {
    /// True while the assignment grants (or is about to grant) access: `pending` or `active`.
    pub const fn is_live(self) -> bool {
        matches!(self, Self::Pending | Self::Active)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evolvable_members_are_hidden_without_the_prefer_header() {
        assert_eq!(RequestAction::Reject.wire(false), "unknownFutureValue");
        assert_eq!(RequestAction::Reject.wire(true), "reject");
        assert_eq!(
            OperationType::DelegatedAdminRelationshipUpdate.wire(false),
            "unknownFutureValue"
        );
        assert_eq!(
            RelationshipStatus::ApprovalPending.wire(false),
            "approvalPending"
        );
    }

    #[test]
    fn evolvable_members_are_refused_on_input_without_the_prefer_header() {
        assert!(RequestAction::parse_wire("reject", false).is_err());
        assert_eq!(
            RequestAction::parse_wire("reject", true).unwrap(),
            RequestAction::Reject
        );
        let e = RequestAction::parse_wire("unknownFutureValue", true).unwrap_err();
        assert!(e.expected.contains("`lockForApproval`"));
        assert!(!e.expected.contains("unknownFutureValue"));
    }

    #[test]
    fn members_keep_csdl_order() {
        let names: Vec<_> = RelationshipStatus::MEMBERS.iter().map(|m| m.1).collect();
        assert_eq!(names[0], "activating");
        assert_eq!(names[10], "unknownFutureValue");
    }
}
