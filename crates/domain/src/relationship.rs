//! The delegated admin relationship and its state machine.

mod default;
mod patch;
mod reseller;

pub use default::default_roles;

use time::{Duration, OffsetDateTime};

use crate::duration::IsoDuration;
use crate::enums::{RelationshipStatus as S, RequestAction};
use crate::error::DomainError;
use crate::ids::{RelationshipId, RoleDefinitionId, TenantId};
use crate::roles::Catalogue;
use crate::Timings;

/// The longest relationship Graph accepts (`P2Y`, counted as 730 days).
pub const MAX_DURATION_DAYS: i64 = 730;
/// How far an auto-extension pushes the end date.
pub const AUTO_EXTEND_DAYS: i64 = 180;

/// Whether the relationship renews itself at its end date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoExtend {
    /// Expires at the end date (`PT0S`, also accepted as `P0D`).
    Off,
    /// Extends by 180 days at each end date (`P180D`).
    SixMonths,
}

impl AutoExtend {
    /// Reads `autoExtendDuration` (V4).
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let d = IsoDuration::parse(text).map_err(|source| DomainError::Duration {
            field: "autoExtendDuration",
            source,
        })?;
        match d.total_seconds() {
            0 => Ok(Self::Off),
            s if s == AUTO_EXTEND_DAYS * 86_400 => Ok(Self::SixMonths),
            _ => Err(DomainError::AutoExtendValue(
                text.chars().take(40).collect(),
            )),
        }
    }

    /// The value Graph returns: `PT0S` or `P180D`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Off => "PT0S",
            Self::SixMonths => "P180D",
        }
    }
}

/// The customer side of a relationship.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerParticipant {
    /// Customer tenant.
    pub tenant_id: TenantId,
    /// Customer display name, as the directory knows it.
    pub display_name: Option<String>,
}

/// Who created the relationship and who must consent before the customer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelationshipKind {
    /// Created by the partner itself.
    Direct,
    /// Created by an indirect provider on behalf of the partner (an indirect reseller),
    /// which reviews it with `approve` or `reject`.
    Reseller {
        /// The indirect provider that created it.
        indirect_provider_tenant_id: TenantId,
        /// True until the reseller approves or rejects it.
        is_partner_consent_pending: bool,
    },
}

/// A GDAP relationship between a partner and a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relationship {
    /// `{guid}-{partnerTenantId}`.
    pub id: RelationshipId,
    /// The partner tenant that owns it.
    pub partner: TenantId,
    /// Unique (case-insensitively) among the partner's relationships, 1–50 characters.
    pub display_name: String,
    /// Length of the relationship once active.
    pub duration: IsoDuration,
    /// Auto-extension setting.
    pub auto_extend: AutoExtend,
    /// Requested (and, once active, granted) roles, in the order given.
    pub roles: Vec<RoleDefinitionId>,
    /// The customer, once named by the partner or fixed by approval.
    pub customer: Option<CustomerParticipant>,
    /// Lifecycle status.
    pub status: S,
    /// Direct or indirect-reseller relationship.
    pub kind: RelationshipKind,
    /// Creation instant.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub last_modified_at: OffsetDateTime,
    /// When it became active.
    pub activated_at: Option<OffsetDateTime>,
    /// Projected or actual end.
    pub end_at: Option<OffsetDateTime>,
    /// When the partner locked it for approval (the invitation's start).
    pub locked_at: Option<OffsetDateTime>,
    /// When the lifecycle next moves it on its own, if ever.
    pub due_at: Option<OffsetDateTime>,
    /// Optimistic-concurrency version (the ETag), bumped by the store on every write.
    pub version: u64,
}

/// What a partner supplies to create a relationship.
#[derive(Debug, Clone)]
pub struct RelationshipDraft {
    /// `displayName`.
    pub display_name: String,
    /// `duration`, as text.
    pub duration: String,
    /// `autoExtendDuration`, as text (default `PT0S`).
    pub auto_extend: Option<String>,
    /// `accessDetails.unifiedRoles`.
    pub roles: Vec<RoleDefinitionId>,
    /// `customer`, optional.
    pub customer: Option<CustomerParticipant>,
}

/// A partial update; `None` leaves a property as it is.
#[derive(Debug, Clone, Default)]
pub struct RelationshipPatch {
    /// New `displayName`.
    pub display_name: Option<String>,
    /// New `duration`.
    pub duration: Option<String>,
    /// New `autoExtendDuration`.
    pub auto_extend: Option<String>,
    /// New `accessDetails.unifiedRoles`.
    pub roles: Option<Vec<RoleDefinitionId>>,
    /// New `customer`.
    pub customer: Option<CustomerParticipant>,
}

/// What a PATCH did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchOutcome {
    /// Properties changed in place (200).
    Updated,
    /// Nothing to change (200 with the unchanged object).
    Unchanged,
    /// Global Administrator is to be removed from an active relationship by a long-running operation (202).
    RemoveGlobalAdministrator {
        /// The roles the relationship keeps.
        remaining: Vec<RoleDefinitionId>,
    },
}

/// Something the lifecycle did to a relationship, for cascades, notices and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationshipEvent {
    /// `approved → activating`.
    ActivationStarted,
    /// `activating → active`.
    Activated,
    /// The end date was pushed forward by 180 days.
    AutoExtended,
    /// `active → expiring`: access ends now.
    ExpiryStarted,
    /// `expiring → expired`.
    Expired,
    /// `terminationRequested → terminating`: access ends now.
    TerminationStarted,
    /// `terminating → terminated`.
    Terminated,
    /// The invitation lapsed 90 days after `lockForApproval`.
    InvitationExpired,
}

fn validate_display_name(name: &str) -> Result<String, DomainError> {
    let n = name.chars().count();
    if n == 0 || n > 50 || name.trim().is_empty() {
        return Err(DomainError::DisplayNameLength(n));
    }
    if name.chars().any(char::is_control) {
        return Err(DomainError::DisplayNameCharacters);
    }
    Ok(name.to_owned())
}

fn validate_duration(text: &str) -> Result<IsoDuration, DomainError> {
    let d = IsoDuration::parse(text).map_err(|source| DomainError::Duration {
        field: "duration",
        source,
    })?;
    let s = d.total_seconds();
    if !(86_400..=MAX_DURATION_DAYS * 86_400).contains(&s) {
        return Err(DomainError::DurationOutOfRange(text.to_owned()));
    }
    Ok(d)
}

/// V6: non-empty, built-in, GDAP-eligible, no duplicates.
pub fn validate_roles(
    roles: &[RoleDefinitionId],
    catalogue: &Catalogue,
) -> Result<(), DomainError> {
    if roles.is_empty() {
        return Err(DomainError::NoRoles);
    }
    for (i, r) in roles.iter().enumerate() {
        let role = catalogue.get(r).ok_or(DomainError::UnknownRole(*r))?;
        if let Some(reason) = &role.gdap_refusal {
            return Err(DomainError::IneligibleRole {
                role: *r,
                reason: reason.clone(),
            });
        }
        if roles[..i].contains(r) {
            return Err(DomainError::DuplicateRole(*r));
        }
    }
    Ok(())
}

/// V5: auto-extension is not allowed with a role that forbids it.
fn validate_auto_extend(
    auto_extend: AutoExtend,
    roles: &[RoleDefinitionId],
    catalogue: &Catalogue,
) -> Result<(), DomainError> {
    if auto_extend == AutoExtend::SixMonths {
        for r in roles {
            if let Some(reason) = catalogue
                .get(r)
                .and_then(|role| role.no_auto_extend.clone())
            {
                return Err(DomainError::AutoExtendForbidden { role: *r, reason });
            }
        }
    }
    Ok(())
}

impl Relationship {
    /// Creates a relationship in `created` (E2), checking rules V1, V3–V7.
    pub fn create(
        partner: TenantId,
        draft: RelationshipDraft,
        catalogue: &Catalogue,
        now: OffsetDateTime,
    ) -> Result<Self, DomainError> {
        let display_name = validate_display_name(&draft.display_name)?;
        let duration = validate_duration(&draft.duration)?;
        let auto_extend = match &draft.auto_extend {
            Some(t) => AutoExtend::parse(t)?,
            None => AutoExtend::Off,
        };
        validate_roles(&draft.roles, catalogue)?;
        validate_auto_extend(auto_extend, &draft.roles, catalogue)?;
        if draft
            .customer
            .as_ref()
            .is_some_and(|c| c.tenant_id == partner)
        {
            return Err(DomainError::CustomerIsPartner);
        }
        Ok(Self {
            id: RelationshipId::new_for(partner),
            partner,
            display_name,
            end_at: Some(now + duration.to_time()),
            duration,
            auto_extend,
            roles: draft.roles,
            customer: draft.customer,
            status: S::Created,
            kind: RelationshipKind::Direct,
            created_at: now,
            last_modified_at: now,
            activated_at: None,
            locked_at: None,
            due_at: None,
            version: 1,
        })
    }

    /// Whether the relationship holds a role.
    pub fn has_role(&self, role: &RoleDefinitionId) -> bool {
        self.roles.contains(role)
    }

    /// DELETE (E5) is allowed only in `created` (V10).
    pub fn ensure_deletable(&self) -> Result<(), DomainError> {
        if self.status == S::Created {
            Ok(())
        } else {
            Err(DomainError::DeleteNotAllowed(self.status))
        }
    }

    /// `lockForApproval` (V11): `created → approvalPending`, starting the 90-day invitation.
    pub fn lock_for_approval(
        &mut self,
        now: OffsetDateTime,
        timings: &Timings,
    ) -> Result<(), DomainError> {
        self.require(RequestAction::LockForApproval, S::Created, "created")?;
        self.status = S::ApprovalPending;
        self.locked_at = Some(now);
        self.last_modified_at = now;
        self.due_at = Some(now + timings.invitation_ttl);
        Ok(())
    }

    /// `terminate` by the partner, or "Remove roles" by the customer: `active → terminationRequested`.
    pub fn request_termination(
        &mut self,
        now: OffsetDateTime,
        timings: &Timings,
    ) -> Result<(), DomainError> {
        self.require(RequestAction::Terminate, S::Active, "active")?;
        self.status = S::TerminationRequested;
        self.last_modified_at = now;
        self.due_at = Some(now + timings.step);
        Ok(())
    }

    pub(crate) fn require(
        &self,
        action: RequestAction,
        needed: S,
        name: &'static str,
    ) -> Result<(), DomainError> {
        if self.status == needed {
            Ok(())
        } else {
            Err(DomainError::ActionNotAllowed {
                action,
                status: self.status,
                needed: name,
            })
        }
    }

    /// When the invitation stops being approvable (90 days after locking).
    pub fn invitation_expires_at(&self, timings: &Timings) -> Option<OffsetDateTime> {
        self.locked_at.map(|t| t + timings.invitation_ttl)
    }

    /// Checks that a customer may approve now, without changing anything.
    pub fn check_approvable(
        &self,
        customer: TenantId,
        now: OffsetDateTime,
        timings: &Timings,
    ) -> Result<(), DomainError> {
        if let Some(c) = &self.customer {
            if c.tenant_id != customer {
                return Err(DomainError::WrongCustomer);
            }
        }
        if customer == self.partner {
            return Err(DomainError::WrongCustomer);
        }
        if let Some(exp) = self.invitation_expires_at(timings) {
            if now >= exp {
                return Err(DomainError::InvitationExpired(exp));
            }
        }
        if self.status != S::ApprovalPending {
            return Err(DomainError::NotAwaitingApproval(self.status));
        }
        if let RelationshipKind::Reseller {
            is_partner_consent_pending: true,
            ..
        } = self.kind
        {
            return Err(DomainError::NotAwaitingApproval(self.status));
        }
        Ok(())
    }

    /// The customer approves ("Approve all"): `approvalPending → approved`, fixing the customer.
    pub fn approve_as_customer(
        &mut self,
        customer: CustomerParticipant,
        now: OffsetDateTime,
        timings: &Timings,
    ) -> Result<(), DomainError> {
        self.check_approvable(customer.tenant_id, now, timings)?;
        self.customer = Some(customer);
        self.status = S::Approved;
        self.last_modified_at = now;
        self.due_at = Some(now + timings.step);
        Ok(())
    }

    /// Moves the relationship one lifecycle step if it is due at `now`. The step is dated at its
    /// due instant, so running the lifecycle late (or jumping the clock) keeps exact dates.
    pub fn advance(&mut self, now: OffsetDateTime, timings: &Timings) -> Option<RelationshipEvent> {
        let at = self.due_at.filter(|d| *d <= now)?;
        let (next, due, event) = match self.status {
            S::ApprovalPending => {
                self.end_at = Some(at);
                (S::Expired, None, RelationshipEvent::InvitationExpired)
            }
            S::Approved => (
                S::Activating,
                Some(at + timings.step),
                RelationshipEvent::ActivationStarted,
            ),
            S::Activating => {
                let end = at + self.duration.to_time();
                self.activated_at = Some(at);
                self.end_at = Some(end);
                (S::Active, Some(end), RelationshipEvent::Activated)
            }
            S::Active => {
                let blocked = self.auto_extend == AutoExtend::Off
                    || self.roles.iter().any(|r| {
                        Catalogue::builtin()
                            .get(r)
                            .is_some_and(|role| role.no_auto_extend.is_some())
                    });
                if blocked {
                    (
                        S::Expiring,
                        Some(at + timings.step),
                        RelationshipEvent::ExpiryStarted,
                    )
                } else {
                    let end = at + Duration::days(AUTO_EXTEND_DAYS);
                    self.end_at = Some(end);
                    (S::Active, Some(end), RelationshipEvent::AutoExtended)
                }
            }
            S::Expiring => (S::Expired, None, RelationshipEvent::Expired),
            S::TerminationRequested => (
                S::Terminating,
                Some(at + timings.step),
                RelationshipEvent::TerminationStarted,
            ),
            S::Terminating => {
                self.end_at = Some(at);
                (S::Terminated, None, RelationshipEvent::Terminated)
            }
            _ => {
                self.due_at = None;
                return None;
            }
        };
        self.status = next;
        self.due_at = due;
        self.last_modified_at = at;
        Some(event)
    }
}

fn first_field(p: &RelationshipPatch) -> Option<&'static str> {
    if p.display_name.is_some() {
        Some("displayName")
    } else if p.duration.is_some() {
        Some("duration")
    } else if p.auto_extend.is_some() {
        Some("autoExtendDuration")
    } else if p.roles.is_some() {
        Some("accessDetails")
    } else if p.customer.is_some() {
        Some("customer")
    } else {
        None
    }
}

/// The Global Administrator role id.
pub fn ga_id() -> RoleDefinitionId {
    RoleDefinitionId::from_uuid(uuid::Uuid::from_u128(
        0x62e90394_69f5_4237_9190_012177145e10,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn draft() -> RelationshipDraft {
        RelationshipDraft {
            display_name: "Reseller".into(),
            duration: "P30D".into(),
            auto_extend: None,
            roles: vec![RoleDefinitionId::parse(crate::roles::HELPDESK_ADMINISTRATOR).unwrap()],
            customer: None,
        }
    }

    fn reseller_relationship(now: OffsetDateTime) -> Relationship {
        let mut r =
            Relationship::create(TenantId::new_random(), draft(), Catalogue::builtin(), now)
                .unwrap();
        r.kind = RelationshipKind::Reseller {
            indirect_provider_tenant_id: TenantId::new_random(),
            is_partner_consent_pending: true,
        };
        r.lock_for_approval(now, &Timings::default()).unwrap();
        r
    }

    #[test]
    fn a_reseller_must_review_before_the_customer_can_approve() {
        let now = datetime!(2026-01-01 0:00 UTC);
        let t = Timings::default();
        let customer = TenantId::new_random();
        let mut r = reseller_relationship(now);
        assert_eq!(
            r.check_approvable(customer, now, &t),
            Err(DomainError::NotAwaitingApproval(S::ApprovalPending))
        );
        r.review_as_reseller(true, now).unwrap();
        assert!(r.check_approvable(customer, now, &t).is_ok());
        assert!(
            r.review_as_reseller(true, now).is_err(),
            "a review happens once"
        );
    }

    #[test]
    fn a_reseller_rejection_ends_the_relationship() {
        let now = datetime!(2026-01-01 0:00 UTC);
        let mut r = reseller_relationship(now);
        r.review_as_reseller(false, now).unwrap();
        assert_eq!(r.status, S::Terminated);
        assert_eq!(r.end_at, Some(now));
        assert_eq!(r.due_at, None);
    }

    #[test]
    fn direct_relationships_have_no_reseller_review() {
        let now = datetime!(2026-01-01 0:00 UTC);
        let mut r =
            Relationship::create(TenantId::new_random(), draft(), Catalogue::builtin(), now)
                .unwrap();
        assert_eq!(
            r.review_as_reseller(true, now),
            Err(DomainError::NotResellerRelationship(RequestAction::Approve))
        );
    }
}
