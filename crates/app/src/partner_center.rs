//! Partner Center's use cases, whichever face calls them: the reseller relationship request link
//! a partner sends its customers, and the partner's customers (those tied to it as reseller or
//! through DAP), a page at a time.

use gdap_domain::customer::PartnerLink;
use gdap_domain::directory::{PartnerType, Tenant, User};
use gdap_domain::ids::TenantId;

use crate::caller::{Principal, PrincipalKind};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The most customers one page holds.
pub const MAX_PAGE: u32 = 500;

/// Who calls Partner Center: a user of a partner tenant (App+User), acting in its own tenant.
#[derive(Debug, Clone)]
pub struct PartnerUser {
    /// The partner tenant.
    pub partner: Tenant,
    /// The user, enabled.
    pub user: User,
    /// The caller as the audit record names it.
    pub who: std::sync::Arc<crate::audit::Who>,
}

impl PartnerUser {
    /// The partner user behind a token; Partner Center's calls here are App+User only.
    pub async fn of(state: &AppState, caller: &Principal) -> AppResult<Self> {
        let PrincipalKind::User {
            id, home_tenant, ..
        } = &caller.kind
        else {
            return Err(AppError::Forbidden(
                "this operation needs App+User authentication: a partner user's token".into(),
            ));
        };
        if home_tenant.is_some_and(|h| h != caller.tenant) {
            return Err(AppError::Forbidden(
                "a token for a customer tenant cannot call Partner Center".into(),
            ));
        }
        let partner = state
            .tenant(caller.tenant)
            .await?
            .filter(|t| t.partner.is_some())
            .ok_or_else(|| {
                AppError::Forbidden("the caller's tenant is not a Partner Center partner".into())
            })?;
        let user = state
            .store
            .user(caller.tenant, *id)
            .await?
            .filter(|u| u.account_enabled)
            .ok_or_else(|| {
                AppError::Unauthenticated("the token's user no longer signs in".into())
            })?;
        Ok(Self {
            partner,
            user,
            who: caller.actor.clone(),
        })
    }
}

/// The invitation link of a reseller relationship (Partner Center's documented form): the
/// customer's Global Administrator opens it on gdap's admin center, at `origin`. An indirect
/// reseller names the indirect provider it sells through, and gets the indirect form that has the
/// customer authorize both at once.
pub async fn relationship_request_url(
    state: &AppState,
    origin: &str,
    partner: &PartnerUser,
    provider: Option<TenantId>,
) -> AppResult<String> {
    let mpn = partner
        .partner
        .partner
        .as_ref()
        .and_then(|p| p.mpn_id.clone())
        .filter(|m| m.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| "0".to_owned());
    let id = partner.partner.id;
    let Some(provider) = provider else {
        return Ok(format!(
            "{origin}/Adminportal/Home?invType=ResellerRelationship&partnerId={id}&msppId={mpn}&DAP=true#/BillingAccounts/partner-invitation"
        ));
    };
    if !partner.partner.is_partner_of(PartnerType::IndirectReseller) {
        return Err(AppError::Invalid(
            "only an indirect reseller names an indirect provider".into(),
        ));
    }
    let is_provider = state
        .tenant(provider)
        .await?
        .is_some_and(|t| t.is_partner_of(PartnerType::IndirectProvider));
    if !is_provider || !partner.partner.resells_through(provider) {
        return Err(AppError::Invalid(format!(
            "`indirectProviderId`: {provider} is not an indirect provider you sell through"
        )));
    }
    Ok(format!(
        "{origin}/Adminportal/Home?invType=IndirectResellerRelationship&partnerId={id}&msppId={mpn}&indirectCSPId={provider}&DAP=true#/BillingAccounts/partner-invitation"
    ))
}

pub use gdap_store::CustomerFilter;

/// One customer of a partner: its tenant and its tie.
#[derive(Debug, Clone)]
pub struct Customer {
    /// The customer tenant.
    pub tenant: Tenant,
    /// The partner's tie with it.
    pub link: PartnerLink,
}

/// A page of customers and the last customer id on it when more may follow.
#[derive(Debug, Clone)]
pub struct CustomerPage {
    /// The customers, by tenant id.
    pub items: Vec<Customer>,
    /// Where the next page starts (exclusive), when there may be one.
    pub next_after: Option<TenantId>,
}

/// The partner's customers after `after` (by tenant id), up to `size`, that pass `filter`.
pub async fn customers(
    state: &AppState,
    partner: &PartnerUser,
    after: Option<TenantId>,
    size: u32,
    filter: Option<&CustomerFilter>,
) -> AppResult<CustomerPage> {
    let size = size.clamp(1, MAX_PAGE);
    let mut rows = state
        .store
        .customers_of_partner(partner.partner.id, after, size + 1, filter)
        .await?;
    // One more than a page was read: a next page exists when it came.
    let more = rows.len() > size as usize;
    rows.truncate(size as usize);
    let items: Vec<Customer> = rows
        .into_iter()
        .map(|(link, tenant)| Customer { tenant, link })
        .collect();
    Ok(CustomerPage {
        next_after: items.last().map(|c| c.tenant.id).filter(|_| more),
        items,
    })
}

/// One customer of the partner, or `NotFound` (also for another partner's customer).
pub async fn customer(
    state: &AppState,
    partner: &PartnerUser,
    id: TenantId,
) -> AppResult<Customer> {
    let link = state
        .store
        .partner_links(id)
        .await?
        .into_iter()
        .find(|l| l.partner == partner.partner.id && l.is_customer_tie())
        .ok_or_else(|| AppError::not_found("customer", &id.to_string()))?;
    let tenant = state
        .tenant(id)
        .await?
        .ok_or_else(|| AppError::not_found("customer", &id.to_string()))?;
    Ok(Customer { tenant, link })
}

/// Refuses `what` to a partner user who is no Global Administrator (admin agent) of its tenant.
pub fn require_admin_agent(partner: &PartnerUser, what: &str) -> AppResult<()> {
    let ga = gdap_domain::roles::GLOBAL_ADMINISTRATOR;
    if partner.user.roles.iter().any(|r| r.to_string() == ga) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "{what} needs a Global Administrator (admin agent) of the partner"
        )))
    }
}

/// What a partner changes of a customer tie (`PATCH /v1/customers/{id}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerChange {
    /// `allowDelegatedAccess: false`: DAP ends, the reseller tie stays.
    RemoveDap,
    /// `relationshipToPartner: "none"`: the reseller tie ends, and DAP with it.
    EndRelationship,
}

/// Changes the partner's tie with a customer. Only the partner's Global Administrators may; ending
/// the relationship needs the customer's subscriptions gone first, as Partner Center asks.
pub async fn update_customer(
    state: &AppState,
    partner: &PartnerUser,
    id: TenantId,
    change: CustomerChange,
) -> AppResult<Customer> {
    require_admin_agent(partner, "changing a customer relationship")?;
    let mut c = customer(state, partner, id).await?;
    let now = state.now();
    let had_dap = c.link.dap;
    if change == CustomerChange::EndRelationship {
        if !state.store.subscriptions_of(id).await?.is_empty() {
            return Err(AppError::Conflict(
                "the customer's subscriptions must be suspended (and Azure reserved instances cancelled) before the reseller relationship can be removed".into(),
            ));
        }
        c.link.reseller = false;
        c.link.associated_partner = None;
        c.link
            .other_types
            .retain(|k| *k != gdap_domain::customer::LinkType::IndirectReseller);
    }
    c.link.dap = false;
    if had_dap {
        c.link.dap_removed_at = Some(now);
    }
    let mut changes = gdap_store::Changes {
        partner_links: vec![c.link.clone()],
        ..gdap_store::Changes::default()
    };
    if had_dap {
        changes.audit.push(gdap_domain::audit::AuditEntry {
            at: now,
            actor: partner.user.user_principal_name.clone(),
            actor_tenant: Some(partner.partner.id),
            partner: Some(partner.partner.id),
            customer: Some(id),
            relationship: None,
            assignment: None,
            role: None,
            action: "dap-admin-relationship-terminated".into(),
            target: id.to_string(),
            result: "success".into(),
        });
    }
    state.commit(changes, &partner.who).await?;
    state.scheduled();
    Ok(c)
}
