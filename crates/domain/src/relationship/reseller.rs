//! Relationships an indirect provider creates for one of its indirect resellers: created awaiting
//! the reseller's review, then the customer's approval like any other.

use super::*;

impl Relationship {
    /// Creates a relationship that `provider` sets up for its indirect reseller `reseller` with a
    /// named customer. It starts `approvalPending` with the reseller's consent pending (as Graph
    /// lists it to the reseller), and the invitation's 90 days run from now; the customer's
    /// approval waits for the reseller's `approve`.
    pub fn create_for_reseller(
        provider: TenantId,
        reseller: TenantId,
        draft: RelationshipDraft,
        catalogue: &Catalogue,
        now: OffsetDateTime,
        timings: &Timings,
    ) -> Result<Self, DomainError> {
        let Some(customer) = draft.customer.as_ref().map(|c| c.tenant_id) else {
            return Err(DomainError::ResellerRelationshipNeedsCustomer);
        };
        if customer == provider {
            return Err(DomainError::CustomerIsPartner);
        }
        if reseller == provider {
            return Err(DomainError::ResellerIsProvider);
        }
        let mut rel = Self::create(reseller, draft, catalogue, now)?;
        rel.lock_for_approval(now, timings)?;
        rel.kind = RelationshipKind::Reseller {
            indirect_provider_tenant_id: provider,
            is_partner_consent_pending: true,
        };
        Ok(rel)
    }

    /// The indirect provider that created it, if an indirect provider did.
    pub fn indirect_provider(&self) -> Option<TenantId> {
        match self.kind {
            RelationshipKind::Reseller {
                indirect_provider_tenant_id,
                ..
            } => Some(indirect_provider_tenant_id),
            RelationshipKind::Direct => None,
        }
    }

    /// Whether its indirect reseller has yet to approve or reject it.
    pub fn awaits_reseller(&self) -> bool {
        matches!(
            self.kind,
            RelationshipKind::Reseller {
                is_partner_consent_pending: true,
                ..
            }
        )
    }

    /// `approve`/`reject` by the indirect reseller of a relationship its provider created.
    pub fn review_as_reseller(
        &mut self,
        approve: bool,
        now: OffsetDateTime,
    ) -> Result<(), DomainError> {
        let action = if approve {
            RequestAction::Approve
        } else {
            RequestAction::Reject
        };
        let RelationshipKind::Reseller {
            is_partner_consent_pending,
            ..
        } = &mut self.kind
        else {
            return Err(DomainError::NotResellerRelationship(action));
        };
        if self.status != S::ApprovalPending || !*is_partner_consent_pending {
            return Err(DomainError::ActionNotAllowed {
                action,
                status: self.status,
                needed: "approvalPending and not yet reviewed",
            });
        }
        *is_partner_consent_pending = false;
        self.last_modified_at = now;
        if !approve {
            self.status = S::Terminated;
            self.end_at = Some(now);
            self.due_at = None;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roles::Catalogue;

    const HELPDESK: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";

    fn draft(customer: Option<TenantId>) -> RelationshipDraft {
        RelationshipDraft {
            display_name: "Indirect support".into(),
            duration: "P730D".into(),
            auto_extend: None,
            roles: vec![RoleDefinitionId::parse(HELPDESK).unwrap()],
            customer: customer.map(|tenant_id| CustomerParticipant {
                tenant_id,
                display_name: None,
            }),
        }
    }

    #[test]
    fn a_providers_relationship_belongs_to_the_reseller_and_waits_for_its_review_then_the_customer()
    {
        let (provider, reseller, customer) = (
            TenantId::new_random(),
            TenantId::new_random(),
            TenantId::new_random(),
        );
        let now = OffsetDateTime::UNIX_EPOCH;
        let timings = Timings::default();
        let mut rel = Relationship::create_for_reseller(
            provider,
            reseller,
            draft(Some(customer)),
            Catalogue::builtin(),
            now,
            &timings,
        )
        .unwrap();
        assert_eq!(rel.partner, reseller);
        assert!(rel.id.to_string().ends_with(&reseller.to_string()));
        assert_eq!(rel.status, S::ApprovalPending);
        assert_eq!(rel.indirect_provider(), Some(provider));
        assert!(rel.awaits_reseller());
        assert!(rel.check_approvable(customer, now, &timings).is_err());
        rel.review_as_reseller(true, now).unwrap();
        assert!(!rel.awaits_reseller());
        assert!(rel.check_approvable(customer, now, &timings).is_ok());
        // Reviewed once only.
        assert!(rel.review_as_reseller(false, now).is_err());
    }

    #[test]
    fn a_providers_relationship_needs_a_customer_and_a_reseller_other_than_itself() {
        let provider = TenantId::new_random();
        let now = OffsetDateTime::UNIX_EPOCH;
        let timings = Timings::default();
        let make = |reseller, customer| {
            Relationship::create_for_reseller(
                provider,
                reseller,
                draft(customer),
                Catalogue::builtin(),
                now,
                &timings,
            )
        };
        assert_eq!(
            make(TenantId::new_random(), None).unwrap_err(),
            DomainError::ResellerRelationshipNeedsCustomer
        );
        assert_eq!(
            make(provider, Some(TenantId::new_random())).unwrap_err(),
            DomainError::ResellerIsProvider
        );
        assert_eq!(
            make(TenantId::new_random(), Some(provider)).unwrap_err(),
            DomainError::CustomerIsPartner
        );
    }
}
