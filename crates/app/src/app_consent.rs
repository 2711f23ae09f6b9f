//! The Secure Application Model's consent (Partner Center's application consents): a partner
//! consents its own application into a customer tenant for the whole organization, which the
//! token service then honours when the partner's users sign in there through it. Only a partner
//! whose DAP or active GDAP relationship with the customer carries a role that grants consent
//! for an organization (Global, Cloud Application or Application Administrator) may.

use gdap_domain::audit::AuditEntry;
use gdap_domain::consent;
use gdap_domain::enums::RelationshipStatus;
use gdap_domain::ids::{ClientId, TenantId};
use gdap_store::consent::tenant_principal;
use gdap_store::{Changes, ConsentWrite, StoreError};

use crate::error::{AppError, AppResult};
use crate::partner_center::{require_admin_agent, PartnerUser};
use crate::state::AppState;

/// Microsoft Graph's application id, the one resource gdap serves.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// Global, Cloud Application and Application Administrator: the roles that consent for an
/// organization.
const CONSENTING_ROLES: [&str; 3] = [
    gdap_domain::roles::GLOBAL_ADMINISTRATOR,
    "158c047a-c907-4556-b7ef-446551a6b5f7",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
];

/// One resource's delegated permissions, as Partner Center's `applicationGrants` names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationGrant {
    /// The resource's application id (`enterpriseApplicationId`).
    pub resource: String,
    /// Its delegated permissions.
    pub scopes: Vec<String>,
}

/// Checks that the partner may consent in `customer`, and that its application exists.
async fn check(
    state: &AppState,
    partner: &PartnerUser,
    customer: TenantId,
    client: ClientId,
) -> AppResult<()> {
    require_admin_agent(partner, "consenting an application into a customer")?;
    let links = state.store.partner_links(customer).await?;
    let dap = links
        .iter()
        .any(|l| l.partner == partner.partner.id && l.dap);
    let active: Vec<_> = state
        .store
        .relationships_of_customer(customer)
        .await?
        .into_iter()
        .filter(|r| r.partner == partner.partner.id && r.status == RelationshipStatus::Active)
        .collect();
    let gdap = active.iter().any(|r| {
        r.roles
            .iter()
            .any(|x| CONSENTING_ROLES.contains(&x.to_string().as_str()))
    });
    let known = !active.is_empty() || links.iter().any(|l| l.partner == partner.partner.id);
    if !known {
        return Err(AppError::not_found("customer", &customer.to_string()));
    }
    if !dap && !gdap {
        return Err(AppError::Forbidden(
            "consenting an application needs DAP or an active GDAP relationship with the customer that holds the Cloud Application Administrator or Application Administrator role".into(),
        ));
    }
    state
        .store
        .application(client)
        .await?
        .filter(|a| a.tenant == partner.partner.id)
        .ok_or_else(|| {
            AppError::Invalid(format!(
                "`applicationId`: {client} is not an application of your tenant"
            ))
        })?;
    Ok(())
}

/// The audit entry of a consent given or removed.
fn entry(
    state: &AppState,
    partner: &PartnerUser,
    customer: TenantId,
    action: &str,
    client: ClientId,
) -> AuditEntry {
    AuditEntry {
        at: state.now(),
        actor: partner.user.user_principal_name.clone(),
        actor_tenant: Some(partner.partner.id),
        partner: Some(partner.partner.id),
        customer: Some(customer),
        relationship: None,
        assignment: None,
        role: None,
        action: action.to_owned(),
        target: client.to_string(),
        result: "success".into(),
    }
}

/// Consents `client`, the partner's application, into `customer` for Microsoft Graph's
/// delegated permissions in `grants` (other resources, which gdap does not serve, are kept in
/// the answer only). A second consent of the same application is a conflict: remove it first.
pub async fn consent(
    state: &AppState,
    partner: &PartnerUser,
    customer: TenantId,
    client: ClientId,
    grants: &[ApplicationGrant],
) -> AppResult<()> {
    check(state, partner, customer, client).await?;
    let mut scopes: Vec<String> = Vec::new();
    for g in grants
        .iter()
        .filter(|g| g.resource.eq_ignore_ascii_case(GRAPH_APP_ID))
    {
        for s in &g.scopes {
            let p = consent::find(s).ok_or_else(|| {
                AppError::Invalid(format!(
                    "`applicationGrants.scope`: {} is not a delegated permission of Microsoft Graph",
                    s.chars().take(80).collect::<String>()
                ))
            })?;
            scopes.push(p.name.to_owned());
        }
    }
    scopes.sort();
    scopes.dedup();
    let principal = tenant_principal(customer);
    if !state
        .store
        .consented(client, std::slice::from_ref(&principal))
        .await?
        .is_empty()
    {
        return Err(AppError::Conflict(
            "the application already has consent in this customer; remove it before consenting again".into(),
        ));
    }
    let changes = Changes {
        consents: vec![ConsentWrite::Grant {
            client,
            principal,
            scopes,
            at: state.now(),
        }],
        audit: vec![entry(
            state,
            partner,
            customer,
            "application-consent.create",
            client,
        )],
        ..Changes::default()
    };
    state.commit(changes, &partner.who).await?;
    tracing::info!(customer = %customer, client = %client, "application consented into a customer");
    Ok(())
}

/// Removes the consent of `client` in `customer`; `NotFound` when it has none.
pub async fn remove(
    state: &AppState,
    partner: &PartnerUser,
    customer: TenantId,
    client: ClientId,
) -> AppResult<()> {
    check(state, partner, customer, client).await?;
    let changes = Changes {
        consents: vec![ConsentWrite::Revoke {
            client,
            principal: tenant_principal(customer),
        }],
        audit: vec![entry(
            state,
            partner,
            customer,
            "application-consent.delete",
            client,
        )],
        ..Changes::default()
    };
    match state.commit(changes, &partner.who).await {
        Ok(_) => Ok(()),
        Err(StoreError::VersionConflict) => Err(AppError::not_found(
            "application consent",
            &client.to_string(),
        )),
        Err(e) => Err(e.into()),
    }
}
