//! What in a partner's relationships needs the partner's action, as its portal lists it: an
//! active relationship that ends soon without extending itself, one that no security group can use
//! yet, an invitation still waiting for the customer, one close to its 90-day limit, and one the
//! customer declined.

use time::{Duration, OffsetDateTime};

use crate::enums::RelationshipStatus as S;
use crate::relationship::{AutoExtend, Relationship};
use crate::Timings;

/// How close an end date is "soon".
pub const ENDING_SOON: Duration = Duration::days(30);

/// How close an invitation's expiry is "soon".
pub const INVITATION_SOON: Duration = Duration::days(14);

/// One thing a relationship needs from the partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attention {
    /// Active, not extending itself, ending within [`ENDING_SOON`].
    EndingSoon,
    /// Active, and no security group holds its roles.
    NoAssignment,
    /// Waiting for the customer's approval.
    PendingApproval,
    /// Waiting for approval, the invitation expiring within [`INVITATION_SOON`].
    InvitationExpiring,
    /// The customer declined the invitation (Graph still reads `approvalPending`): agree with the
    /// customer and send a new one.
    Declined,
}

impl Attention {
    /// Every kind, in the order the portal shows them.
    pub const ALL: [Self; 5] = [
        Self::EndingSoon,
        Self::NoAssignment,
        Self::InvitationExpiring,
        Self::PendingApproval,
        Self::Declined,
    ];

    /// Its name in links (`?attention=endingSoon`).
    pub const fn tag(self) -> &'static str {
        match self {
            Self::EndingSoon => "endingSoon",
            Self::NoAssignment => "noAssignment",
            Self::PendingApproval => "pendingApproval",
            Self::InvitationExpiring => "invitationExpiring",
            Self::Declined => "declined",
        }
    }

    /// The kind a link names.
    pub fn parse(tag: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.tag() == tag)
    }
}

/// What `rel` needs from the partner at `now`; `assigned` says whether a security group holds
/// (or is being given) its roles, `declined` whether its customer declined the invitation.
pub fn attention(
    rel: &Relationship,
    assigned: bool,
    declined: bool,
    now: OffsetDateTime,
    timings: &Timings,
) -> Vec<Attention> {
    let mut out = Vec::new();
    match rel.status {
        S::ApprovalPending if declined => out.push(Attention::Declined),
        S::Active => {
            if rel.auto_extend == AutoExtend::Off
                && rel.end_at.is_some_and(|e| e <= now + ENDING_SOON)
            {
                out.push(Attention::EndingSoon);
            }
            if !assigned {
                out.push(Attention::NoAssignment);
            }
        }
        S::ApprovalPending => {
            if rel
                .invitation_expires_at(timings)
                .is_some_and(|e| e <= now + INVITATION_SOON)
            {
                out.push(Attention::InvitationExpiring);
            }
            out.push(Attention::PendingApproval);
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relationship::{CustomerParticipant, RelationshipDraft};
    use time::macros::datetime;

    fn pending(now: OffsetDateTime) -> Relationship {
        let mut r = Relationship::create(
            crate::ids::TenantId::new_random(),
            RelationshipDraft {
                display_name: "r".into(),
                duration: "P730D".into(),
                auto_extend: None,
                roles: vec![crate::relationship::ga_id()],
                customer: Some(CustomerParticipant {
                    tenant_id: crate::ids::TenantId::new_random(),
                    display_name: None,
                }),
            },
            crate::roles::Catalogue::builtin(),
            now,
        )
        .unwrap();
        r.lock_for_approval(now, &Timings::default()).unwrap();
        r
    }

    #[test]
    fn an_invitation_waits_and_is_flagged_two_weeks_before_its_ninety_days() {
        let t0 = datetime!(2026-01-01 0:00 UTC);
        let timings = Timings::default();
        let r = pending(t0);
        assert_eq!(
            attention(&r, false, false, t0, &timings),
            [Attention::PendingApproval]
        );
        assert_eq!(
            attention(&r, false, false, t0 + Duration::days(77), &timings),
            [Attention::InvitationExpiring, Attention::PendingApproval]
        );
    }

    #[test]
    fn a_declined_invitation_asks_for_a_new_one_instead_of_waiting() {
        let t0 = datetime!(2026-01-01 0:00 UTC);
        let r = pending(t0);
        assert_eq!(
            attention(
                &r,
                false,
                true,
                t0 + Duration::days(80),
                &Timings::default()
            ),
            [Attention::Declined]
        );
    }

    #[test]
    fn an_active_relationship_needs_a_group_and_a_decision_before_it_ends() {
        let t0 = datetime!(2026-01-01 0:00 UTC);
        let timings = Timings::default();
        let mut r = pending(t0);
        r.status = S::Active;
        r.end_at = Some(t0 + Duration::days(60));
        assert_eq!(
            attention(&r, false, false, t0, &timings),
            [Attention::NoAssignment]
        );
        assert!(attention(&r, true, false, t0, &timings).is_empty());
        assert_eq!(
            attention(&r, true, false, t0 + Duration::days(31), &timings),
            [Attention::EndingSoon]
        );
        // One that extends itself is not ending.
        r.auto_extend = AutoExtend::SixMonths;
        assert!(attention(&r, true, false, t0 + Duration::days(31), &timings).is_empty());
        assert_eq!(
            Attention::parse("noAssignment"),
            Some(Attention::NoAssignment)
        );
        assert_eq!(Attention::parse("other"), None);
    }
}
