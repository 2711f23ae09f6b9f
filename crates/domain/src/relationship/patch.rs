//! PATCH of a relationship: what may change in each status, and removing Global Administrator from an active one.

use super::*;

impl Relationship {
    /// Applies a PATCH (E4) under rules V1, V3–V6 and V9.
    pub fn apply_patch(
        &mut self,
        patch: RelationshipPatch,
        catalogue: &Catalogue,
        now: OffsetDateTime,
    ) -> Result<PatchOutcome, DomainError> {
        match self.status {
            S::Created => self.patch_created(patch, catalogue, now),
            S::Active => self.patch_active(patch, catalogue, now),
            status => {
                let field = first_field(&patch);
                match field {
                    None => Ok(PatchOutcome::Unchanged),
                    Some(field) => Err(DomainError::PatchNotAllowed {
                        field,
                        status,
                        extra: " (and `autoExtendDuration` while it is `active`)",
                    }),
                }
            }
        }
    }

    fn patch_created(
        &mut self,
        patch: RelationshipPatch,
        catalogue: &Catalogue,
        now: OffsetDateTime,
    ) -> Result<PatchOutcome, DomainError> {
        let mut next = self.clone();
        if let Some(name) = patch.display_name {
            next.display_name = validate_display_name(&name)?;
        }
        if let Some(d) = patch.duration {
            next.duration = validate_duration(&d)?;
        }
        if let Some(a) = patch.auto_extend {
            next.auto_extend = AutoExtend::parse(&a)?;
        }
        if let Some(roles) = patch.roles {
            validate_roles(&roles, catalogue)?;
            next.roles = roles;
        }
        if let Some(c) = patch.customer {
            if c.tenant_id == self.partner {
                return Err(DomainError::CustomerIsPartner);
            }
            next.customer = Some(c);
        }
        validate_auto_extend(next.auto_extend, &next.roles, catalogue)?;
        if next == *self {
            return Ok(PatchOutcome::Unchanged);
        }
        next.end_at = Some(next.created_at + next.duration.to_time());
        next.last_modified_at = now;
        *self = next;
        Ok(PatchOutcome::Updated)
    }

    fn patch_active(
        &mut self,
        patch: RelationshipPatch,
        catalogue: &Catalogue,
        now: OffsetDateTime,
    ) -> Result<PatchOutcome, DomainError> {
        let status = self.status;
        let refuse = |field| DomainError::PatchNotAllowed {
            field,
            status,
            extra: "",
        };
        if patch
            .display_name
            .as_ref()
            .is_some_and(|n| *n != self.display_name)
        {
            return Err(refuse("displayName"));
        }
        if patch
            .duration
            .as_ref()
            .is_some_and(|d| d != self.duration.as_str())
        {
            return Err(refuse("duration"));
        }
        if patch
            .customer
            .as_ref()
            .is_some_and(|c| Some(c.tenant_id) != self.customer.as_ref().map(|x| x.tenant_id))
        {
            return Err(refuse("customer"));
        }
        let mut outcome = PatchOutcome::Unchanged;
        if let Some(roles) = &patch.roles {
            let same =
                roles.len() == self.roles.len() && roles.iter().all(|r| self.roles.contains(r));
            if !same {
                let ga = ga_id();
                let expected: Vec<_> = self.roles.iter().filter(|r| **r != ga).copied().collect();
                let drops_only_ga = self.roles.contains(&ga)
                    && !roles.contains(&ga)
                    && roles.len() == expected.len()
                    && roles.iter().all(|r| expected.contains(r));
                if !drops_only_ga || expected.is_empty() {
                    return Err(DomainError::ActiveRoleChange);
                }
                outcome = PatchOutcome::RemoveGlobalAdministrator {
                    remaining: expected,
                };
            }
        }
        if let Some(a) = patch.auto_extend {
            let a = AutoExtend::parse(&a)?;
            validate_auto_extend(a, &self.roles, catalogue)?;
            if a != self.auto_extend {
                self.auto_extend = a;
                self.last_modified_at = now;
                if outcome == PatchOutcome::Unchanged {
                    outcome = PatchOutcome::Updated;
                }
            }
        }
        Ok(outcome)
    }
}
