//! A partner creating a customer tenant (Partner Center's `POST /v1/customers`): the tenant with
//! its first administrator, whose generated password the partner hands on, the partner as its
//! reseller (an indirect provider for one of its indirect resellers, which is tied as the
//! customer's indirect reseller) and, when asked, the default GDAP relationship, approved at once
//! as the customer exists only through its partner.

use gdap_domain::audit::AuditEntry;
use gdap_domain::customer::{LinkType, PartnerLink};
use gdap_domain::directory::{PartnerType, Tenant, User};
use gdap_domain::ids::{TenantId, UserId};
use gdap_domain::relationship::{CustomerParticipant, Relationship};
use gdap_domain::roles::{Catalogue, GLOBAL_ADMINISTRATOR};
use gdap_store::{Changes, DirectoryWrite, StoreError, Write};
use ring::rand::{SecureRandom, SystemRandom};

use crate::error::{AppError, AppResult};
use crate::partner_center::{require_admin_agent, PartnerUser};
use crate::state::AppState;

/// The suffix of every tenant's initial domain.
const INITIAL_DOMAIN: &str = ".onmicrosoft.com";
/// The longest initial domain prefix.
const MAX_PREFIX: usize = 27;
/// The first administrator's name in the new tenant.
pub const ADMIN_NAME: &str = "admin";

/// What a partner gives to create a customer.
#[derive(Debug, Clone)]
pub struct NewCustomer {
    /// The initial domain, `prefix.onmicrosoft.com`.
    pub domain: String,
    /// The organization's name.
    pub company_name: String,
    /// Preferred language of the first administrator (`ja`, `en` …), if given.
    pub language: Option<String>,
    /// For an indirect provider: the indirect reseller the customer comes through.
    pub associated_partner: Option<TenantId>,
    /// Create the default GDAP relationship with the customer.
    pub enable_gdap_by_default: bool,
}

/// A customer just created.
#[derive(Debug, Clone)]
pub struct CreatedCustomer {
    /// The new tenant.
    pub tenant: Tenant,
    /// The calling partner's tie with it.
    pub link: PartnerLink,
    /// The first administrator's generated password (returned once, never stored in clear).
    pub password: String,
    /// The default GDAP relationship, when asked for.
    pub relationship: Option<Relationship>,
}

/// The initial domain asked for, lower case, or why it cannot be one.
fn initial_domain(raw: &str) -> AppResult<String> {
    let domain = raw.trim().to_ascii_lowercase();
    let prefix = domain.strip_suffix(INITIAL_DOMAIN).unwrap_or_default();
    let valid = !prefix.is_empty()
        && prefix.len() <= MAX_PREFIX
        && prefix.chars().all(|c| c.is_ascii_alphanumeric());
    if valid {
        Ok(domain)
    } else {
        Err(AppError::Invalid(format!(
            "`companyProfile.domain` must be `name{INITIAL_DOMAIN}`, the name 1 to {MAX_PREFIX} letters or digits"
        )))
    }
}

/// A password of 16 characters with upper- and lower-case letters, digits and a symbol.
fn generate_password() -> AppResult<String> {
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
    const DIGITS: &[u8] = b"23456789";
    const SYMBOLS: &[u8] = b"!#%+=?@";
    let mut bytes = [0u8; 16];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| AppError::Internal("no randomness for a password".into()))?;
    let classes = [UPPER, LOWER, DIGITS, SYMBOLS];
    Ok(bytes
        .iter()
        .enumerate()
        .map(|(i, b)| {
            // The first four characters cover each class; the rest draw from letters and digits.
            let set = match i {
                0..=3 => classes[i],
                _ => [UPPER, LOWER, DIGITS][usize::from(*b) % 3],
            };
            char::from(set[usize::from(*b) % set.len()])
        })
        .collect())
}

/// The indirect reseller a provider names, which must sell through it.
async fn associated_reseller(
    state: &AppState,
    partner: &PartnerUser,
    reseller: TenantId,
) -> AppResult<Tenant> {
    if !partner.partner.is_partner_of(PartnerType::IndirectProvider) {
        return Err(AppError::Invalid(
            "`associatedPartnerId` is for indirect providers creating a customer of an indirect reseller".into(),
        ));
    }
    state
        .tenant(reseller)
        .await?
        .filter(|t| t.is_partner_of(PartnerType::IndirectReseller))
        .filter(|t| t.resells_through(partner.partner.id))
        .ok_or_else(|| {
            AppError::Invalid(format!(
                "`associatedPartnerId`: {reseller} is not an indirect reseller that sells through you"
            ))
        })
}

/// Creates the customer tenant, its administrator and its ties in one commit.
pub async fn create_customer(
    state: &AppState,
    partner: &PartnerUser,
    input: NewCustomer,
) -> AppResult<CreatedCustomer> {
    require_admin_agent(partner, "creating a customer")?;
    let direct = partner.partner.is_partner_of(PartnerType::CspDirect);
    if !direct && !partner.partner.is_partner_of(PartnerType::IndirectProvider) {
        return Err(AppError::Forbidden(
            "only a direct-bill partner or an indirect provider creates customers".into(),
        ));
    }
    let domain = initial_domain(&input.domain)?;
    let name = input.company_name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 256 {
        return Err(AppError::Invalid(
            "`billingProfile.companyName` must have 1 to 256 characters".into(),
        ));
    }
    let reseller = match input.associated_partner {
        Some(r) => Some(associated_reseller(state, partner, r).await?),
        None => None,
    };
    if state.store.tenant_by_domain(&domain).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "the domain {domain} is already in use; choose another"
        )));
    }
    let now = state.now();
    let tenant = Tenant {
        id: TenantId::new_random(),
        display_name: name,
        domain,
        partner: None,
        created_at: now,
    };
    let password = generate_password()?;
    let admin = User {
        id: UserId::new_random(),
        tenant: tenant.id,
        user_principal_name: format!("{ADMIN_NAME}@{}", tenant.domain),
        display_name: "Administrator".into(),
        password_hash: Some(state.hasher.hash(&password).await?),
        roles: vec![
            gdap_domain::ids::RoleDefinitionId::parse(GLOBAL_ADMINISTRATOR)
                .map_err(|e| AppError::Internal(e.to_string()))?,
        ],
        preferred_language: input
            .language
            .map(|l| l.trim().to_ascii_lowercase())
            .filter(|l| l.len() == 2 && l.chars().all(|c| c.is_ascii_lowercase())),
        account_enabled: true,
    };
    // Microsoft grants DAP with a new customer only where this deployment keeps the older rules.
    let dap = state.config.reseller_links_grant_dap;
    let tie = |partner: TenantId| PartnerLink {
        customer: tenant.id,
        partner,
        reseller: false,
        dap,
        since: now,
        dap_removed_at: None,
        other_types: Vec::new(),
        associated_partner: None,
    };
    let link = PartnerLink {
        reseller: true,
        associated_partner: reseller.as_ref().map(|r| r.id),
        ..tie(partner.partner.id)
    };
    let mut changes = Changes {
        directory: vec![
            DirectoryWrite::AddTenant(tenant.clone()),
            DirectoryWrite::AddUser(admin),
        ],
        partner_links: vec![link.clone()],
        ..Changes::default()
    };
    if let Some(r) = &reseller {
        changes.partner_links.push(PartnerLink {
            other_types: vec![LinkType::IndirectReseller],
            ..tie(r.id)
        });
    }
    let relationship = if input.enable_gdap_by_default {
        // The partner that manages the customer: the indirect reseller when there is one.
        let manager = reseller.as_ref().map_or(partner.partner.id, |r| r.id);
        let customer = CustomerParticipant {
            tenant_id: tenant.id,
            display_name: Some(tenant.display_name.clone()),
        };
        let rel = Relationship::create_default(
            manager,
            customer,
            reseller.is_some(),
            Catalogue::builtin(),
            now,
            &state.config.timings,
        )?;
        changes.relationships.push(Write::Insert(rel.clone()));
        Some(rel)
    } else {
        None
    };
    changes.audit.push(AuditEntry {
        at: now,
        actor: partner.user.user_principal_name.clone(),
        actor_tenant: Some(partner.partner.id),
        partner: Some(partner.partner.id),
        customer: Some(tenant.id),
        relationship: relationship.as_ref().map(|r| r.id),
        assignment: None,
        role: None,
        action: "customer.create".into(),
        target: tenant.id.to_string(),
        result: "success".into(),
    });
    match state.commit(changes, &partner.who).await {
        Ok(_) => {}
        Err(StoreError::Duplicate(_)) => {
            return Err(AppError::Conflict(format!(
                "the domain {} is already in use; choose another",
                tenant.domain
            )))
        }
        Err(e) => return Err(e.into()),
    }
    state.scheduled();
    tracing::info!(customer = %tenant.id, partner = %partner.partner.id, "customer tenant created");
    Ok(CreatedCustomer {
        tenant,
        link,
        password,
        relationship,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_initial_domain_is_a_short_alphanumeric_name_under_onmicrosoft_com() {
        assert_eq!(
            initial_domain(" WingtipToys.onmicrosoft.com ").unwrap(),
            "wingtiptoys.onmicrosoft.com"
        );
        for bad in [
            "wingtip.com",
            ".onmicrosoft.com",
            "wing-tip.onmicrosoft.com",
            "a.b.onmicrosoft.com",
            "abcdefghijabcdefghijabcdefgh.onmicrosoft.com",
        ] {
            assert!(initial_domain(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_generated_password_has_every_class_and_differs_each_time() {
        let a = generate_password().unwrap();
        assert_eq!(a.chars().count(), 16);
        assert!(a.chars().any(|c| c.is_ascii_uppercase()));
        assert!(a.chars().any(|c| c.is_ascii_lowercase()));
        assert!(a.chars().any(|c| c.is_ascii_digit()));
        assert!(a.chars().any(|c| "!#%+=?@".contains(c)));
        assert_ne!(a, generate_password().unwrap());
    }
}
