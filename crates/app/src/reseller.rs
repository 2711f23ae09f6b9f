//! A customer accepting a partner's reseller relationship link ("Accept agreement & authorize
//! partner"): the customer's Global Administrator ticks Yes and accepts; the partner becomes its
//! reseller at once and, where the deployment still grants it, holds DAP. Since 9 October 2023
//! Microsoft grants no DAP with reseller links; `ApiConfig::reseller_links_grant_dap` chooses
//! that behaviour (the default) or the older one the providers' manuals describe.

use gdap_domain::audit::AuditEntry;
use gdap_domain::customer::{
    Activity, ActivityKind, AgreementAcceptance, PartnerLink, CUSTOMER_AGREEMENT,
    CUSTOMER_AGREEMENT_VERSION,
};
use gdap_domain::directory::Tenant;
use gdap_domain::ids::TenantId;
use gdap_domain::roles::GLOBAL_ADMINISTRATOR;
use gdap_store::Changes;

use crate::caller::NOT_PERMITTED;
use crate::customer::Actor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// What a reseller link offers a customer, read before it accepts.
#[derive(Debug, Clone)]
pub struct ResellerOffer {
    /// The partner inviting.
    pub partner: Tenant,
    /// The link asks for DAP and this deployment grants it.
    pub grants_dap: bool,
    /// The link asks for DAP but this deployment, as Microsoft today, grants none.
    pub dap_not_granted: bool,
    /// The partner is already this customer's reseller (with DAP, when that is asked).
    pub already: bool,
    /// The customer still has to accept the Microsoft Customer Agreement.
    pub needs_agreement: bool,
    /// The tie the customer has with the partner now, if any.
    pub link: Option<PartnerLink>,
}

/// Only a Global Administrator may authorize a reseller (the seeds' permission message).
pub fn require_global_admin(actor: &Actor) -> AppResult<()> {
    if actor.holds(&[GLOBAL_ADMINISTRATOR]) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "{NOT_PERMITTED} Authorizing a reseller needs the Global Administrator role in this tenant."
        )))
    }
}

/// Reads what the link of `partner` (asking DAP when `dap`) offers the actor's tenant.
pub async fn offer(
    state: &AppState,
    actor: &Actor,
    partner: TenantId,
    dap: bool,
) -> AppResult<ResellerOffer> {
    let partner = state
        .tenant(partner)
        .await?
        .filter(|t| t.partner.is_some() && t.id != actor.tenant)
        .ok_or_else(|| AppError::not_found("partner", &partner.to_string()))?;
    let grants_dap = dap && state.config.reseller_links_grant_dap;
    let link = state
        .store
        .partner_links(actor.tenant)
        .await?
        .into_iter()
        .find(|l| l.partner == partner.id);
    let already = link
        .as_ref()
        .is_some_and(|l| l.reseller && (l.dap || !grants_dap));
    let needs_agreement = state
        .store
        .agreement(actor.tenant, CUSTOMER_AGREEMENT)
        .await?
        .is_none();
    Ok(ResellerOffer {
        partner,
        grants_dap,
        dap_not_granted: dap && !grants_dap,
        already,
        needs_agreement,
        link,
    })
}

/// Accepts `offer` (as [`offer`] read it): records the agreement (when not yet accepted), makes
/// the partner the tenant's reseller (with DAP when granted), and records it in the activity and
/// the audit record under Partner Center's event names.
pub async fn accept(
    state: &AppState,
    actor: &Actor,
    offer: &ResellerOffer,
) -> AppResult<PartnerLink> {
    require_global_admin(actor)?;
    let user = actor.acting_user()?;
    if offer.already {
        return Err(AppError::Conflict(
            "this partner is already the organization's reseller; the link was used before".into(),
        ));
    }
    let partner = offer.partner.id;
    let now = state.now();
    let before = offer.link.as_ref();
    let link = PartnerLink {
        customer: actor.tenant,
        partner,
        reseller: true,
        dap: offer.grants_dap || before.as_ref().is_some_and(|l| l.dap),
        since: before.as_ref().map_or(now, |l| l.since),
        dap_removed_at: before
            .as_ref()
            .and_then(|l| l.dap_removed_at)
            .filter(|_| !offer.grants_dap),
        other_types: before.map(|l| l.other_types.clone()).unwrap_or_default(),
    };
    let mut changes = Changes {
        partner_links: vec![link.clone()],
        ..Changes::default()
    };
    if offer.needs_agreement {
        changes.agreements.push(AgreementAcceptance {
            tenant: actor.tenant,
            agreement: CUSTOMER_AGREEMENT.to_owned(),
            version: CUSTOMER_AGREEMENT_VERSION.to_owned(),
            accepted_by: user.id,
            accepted_by_upn: user.user_principal_name.clone(),
            accepted_at: now,
        });
    }
    changes.activity.push(Activity {
        id: uuid::Uuid::new_v4(),
        customer: actor.tenant,
        partner: Some(partner),
        actor: user.id,
        actor_upn: user.user_principal_name.clone(),
        kind: ActivityKind::ResellerAccepted,
        relationships: Vec::new(),
        at: now,
    });
    let event = |action: &str| AuditEntry {
        at: now,
        actor: user.user_principal_name.clone(),
        actor_tenant: Some(actor.tenant),
        partner: Some(partner),
        customer: Some(actor.tenant),
        relationship: None,
        assignment: None,
        role: None,
        action: action.to_owned(),
        target: actor.tenant.to_string(),
        result: "success".into(),
    };
    changes
        .audit
        .push(event("reseller-relationship-accepted-by-customer"));
    if offer.grants_dap {
        changes.audit.push(event("dap-admin-relationship-approved"));
    }
    state.commit(changes, &actor.who).await?;
    state.scheduled();
    tracing::info!(partner = %partner, customer = %actor.tenant, dap = link.dap, "reseller relationship accepted");
    Ok(link)
}
