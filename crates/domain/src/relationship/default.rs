//! The relationship a partner gets with a customer tenant it creates itself (Partner Center's
//! `enableGDAPByDefault`): default roles, two years, approved at once, as the customer exists
//! only through the partner that made it.

use super::*;
use crate::ids::RoleDefinitionId;

/// Directory Readers, Directory Writers, License, Service Support, User, Privileged Role,
/// Helpdesk and Privileged Authentication Administrator, and Global Reader: the default roles
/// every partner gets.
const DEFAULT_ROLES: [&str; 9] = [
    "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
    "9360feb5-f418-4baa-8175-e2a00bac4301",
    "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
    "f023fd81-a637-4b56-95fd-791ac0226033",
    "fe930be7-5e62-47db-91af-98c3a49a38b1",
    "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
];

/// Cloud Application and Application Administrator: default roles, but not for an indirect
/// reseller.
const DIRECT_ONLY_ROLES: [&str; 2] = [
    "158c047a-c907-4556-b7ef-446551a6b5f7",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
];

/// The default roles of a new customer's relationship, for a direct partner or (`indirect`) an
/// indirect reseller.
pub fn default_roles(indirect: bool) -> Vec<RoleDefinitionId> {
    let extra: &[&str] = if indirect { &[] } else { &DIRECT_ONLY_ROLES };
    DEFAULT_ROLES
        .iter()
        .chain(extra)
        // Constant role template ids; the tests below count that every one parses.
        .filter_map(|id| RoleDefinitionId::parse(id).ok())
        .collect()
}

impl Relationship {
    /// The default relationship of `partner` with the customer tenant it has just created:
    /// [`default_roles`], `P730D`, renewing by `P180D`, named `Default_…` after the customer,
    /// and already approved, so the lifecycle makes it active within two steps.
    pub fn create_default(
        partner: TenantId,
        customer: CustomerParticipant,
        indirect: bool,
        catalogue: &Catalogue,
        now: OffsetDateTime,
        timings: &Timings,
    ) -> Result<Self, DomainError> {
        let id = customer.tenant_id.to_string().replace('-', "");
        let name: String = customer
            .display_name
            .as_deref()
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .take(33)
            .collect();
        let display_name = format!("Default_{}_{}", &id[..8], name.trim())
            .trim_end_matches('_')
            .to_owned();
        let draft = RelationshipDraft {
            display_name,
            duration: format!("P{MAX_DURATION_DAYS}D"),
            auto_extend: Some(format!("P{AUTO_EXTEND_DAYS}D")),
            roles: default_roles(indirect),
            customer: Some(customer.clone()),
        };
        let mut rel = Self::create(partner, draft, catalogue, now)?;
        rel.lock_for_approval(now, timings)?;
        rel.approve_as_customer(customer, now, timings)?;
        Ok(rel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer() -> CustomerParticipant {
        CustomerParticipant {
            tenant_id: TenantId::parse("0a1b2c3d-0000-4000-8000-000000000001").unwrap(),
            display_name: Some("Wingtip Toys".into()),
        }
    }

    #[test]
    fn a_default_relationship_is_approved_with_the_default_roles_for_two_years() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let partner = TenantId::new_random();
        let rel = Relationship::create_default(
            partner,
            customer(),
            false,
            Catalogue::builtin(),
            now,
            &Timings::default(),
        )
        .unwrap();
        assert_eq!(rel.status, S::Approved);
        assert_eq!(rel.display_name, "Default_0a1b2c3d_Wingtip Toys");
        assert_eq!(rel.roles.len(), 11);
        assert_eq!(rel.duration.to_time(), Duration::days(730));
        assert_eq!(rel.auto_extend, AutoExtend::parse("P180D").unwrap());
        assert_eq!(rel.customer, Some(customer()));
    }

    #[test]
    fn an_indirect_resellers_default_relationship_leaves_out_the_application_roles() {
        let roles = default_roles(true);
        assert_eq!(roles.len(), 9);
        for id in DIRECT_ONLY_ROLES {
            assert!(!roles.contains(&RoleDefinitionId::parse(id).unwrap()));
        }
    }
}
