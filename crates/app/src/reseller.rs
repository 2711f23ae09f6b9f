//! A customer accepting a partner's reseller relationship link ("Accept agreement & authorize
//! partner"): the customer's Global Administrator ticks Yes and accepts; the partner becomes its
//! reseller at once and, where the deployment still grants it, holds DAP. Since 9 October 2023
//! Microsoft grants no DAP with reseller links; `ApiConfig::reseller_links_grant_dap` chooses
//! that behaviour (the default) or the older one the providers' manuals describe. An indirect
//! reseller's link authorizes the reseller and its indirect provider at once: the provider
//! becomes the customer's reseller (it bills), the reseller is tied as an indirect reseller (with
//! DAP where granted), and the provider's tie names the reseller it came through.

use gdap_domain::audit::AuditEntry;
use gdap_domain::customer::{Activity, ActivityKind, LinkType, PartnerLink, CUSTOMER_AGREEMENT};
use gdap_domain::directory::{PartnerType, Tenant};
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
    /// The partner inviting (for an indirect reseller link, the indirect reseller).
    pub partner: Tenant,
    /// For an indirect reseller link: the indirect provider the customer authorizes at the same
    /// time, which bills it, and the customer's tie with it now.
    pub provider: Option<(Tenant, Option<PartnerLink>)>,
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

/// A partner tenant of the link other than the actor's own, of the program `kind` when one is
/// asked for; otherwise the link is not valid.
async fn link_partner(
    state: &AppState,
    actor: &Actor,
    id: TenantId,
    kind: Option<PartnerType>,
) -> AppResult<Tenant> {
    state
        .tenant(id)
        .await?
        .filter(|t| t.id != actor.tenant)
        .filter(|t| t.partner.is_some() && kind.is_none_or(|k| t.is_partner_of(k)))
        .ok_or_else(|| AppError::not_found("partner", &id.to_string()))
}

/// Reads what the link of `partner` (asking DAP when `dap`; through the indirect provider
/// `provider` for an indirect reseller's link) offers the actor's tenant.
pub async fn offer(
    state: &AppState,
    actor: &Actor,
    partner: TenantId,
    dap: bool,
    provider: Option<TenantId>,
) -> AppResult<ResellerOffer> {
    let indirect = provider.map(|_| PartnerType::IndirectReseller);
    let partner = link_partner(state, actor, partner, indirect).await?;
    let provider = match provider {
        // The reseller sells through the provider it names; any other pair is no valid link.
        Some(p) if partner.resells_through(p) => {
            Some(link_partner(state, actor, p, Some(PartnerType::IndirectProvider)).await?)
        }
        Some(p) => return Err(AppError::not_found("partner", &p.to_string())),
        None => None,
    };
    let grants_dap = dap && state.config.reseller_links_grant_dap;
    let links = state.store.partner_links(actor.tenant).await?;
    let link = links.iter().find(|l| l.partner == partner.id).cloned();
    let provider = provider.map(|p| {
        let tie = links.iter().find(|l| l.partner == p.id).cloned();
        (p, tie)
    });
    let already = match &provider {
        None => link
            .as_ref()
            .is_some_and(|l| l.reseller && (l.dap || !grants_dap)),
        Some((_, tie)) => {
            tie.as_ref().is_some_and(|t| t.reseller)
                && link.as_ref().is_some_and(|l| {
                    l.other_types.contains(&LinkType::IndirectReseller) && (l.dap || !grants_dap)
                })
        }
    };
    let needs_agreement = state
        .store
        .agreement(actor.tenant, CUSTOMER_AGREEMENT)
        .await?
        .is_none();
    Ok(ResellerOffer {
        partner,
        provider,
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
    let mut link = PartnerLink {
        customer: actor.tenant,
        partner,
        reseller: before.is_some_and(|l| l.reseller),
        dap: offer.grants_dap || before.is_some_and(|l| l.dap),
        since: before.map_or(now, |l| l.since),
        dap_removed_at: before
            .and_then(|l| l.dap_removed_at)
            .filter(|_| !offer.grants_dap),
        other_types: before.map(|l| l.other_types.clone()).unwrap_or_default(),
        associated_partner: before.and_then(|l| l.associated_partner),
    };
    let mut changes = Changes::default();
    match &offer.provider {
        None => link.reseller = true,
        Some((provider, tie)) => {
            // The reseller sells through the provider, which bills the customer.
            link.other_types.push(LinkType::IndirectReseller);
            link.other_types.sort();
            link.other_types.dedup();
            changes.partner_links.push(PartnerLink {
                customer: actor.tenant,
                partner: provider.id,
                reseller: true,
                dap: tie.as_ref().is_some_and(|t| t.dap),
                since: tie.as_ref().map_or(now, |t| t.since),
                dap_removed_at: tie.as_ref().and_then(|t| t.dap_removed_at),
                other_types: tie
                    .as_ref()
                    .map(|t| t.other_types.clone())
                    .unwrap_or_default(),
                associated_partner: Some(partner),
            });
        }
    }
    changes.partner_links.push(link.clone());
    if offer.needs_agreement {
        changes
            .agreements
            .push(crate::agreements::acceptance_by(actor.tenant, user, now));
    }
    let partners = std::iter::once(partner).chain(offer.provider.as_ref().map(|(p, _)| p.id));
    for p in partners.clone() {
        changes.activity.push(Activity {
            id: uuid::Uuid::new_v4(),
            customer: actor.tenant,
            partner: Some(p),
            actor: user.id,
            actor_upn: user.user_principal_name.clone(),
            kind: ActivityKind::ResellerAccepted,
            relationships: Vec::new(),
            at: now,
        });
    }
    let event = |action: &str, partner: TenantId| AuditEntry {
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
    for p in partners {
        changes
            .audit
            .push(event("reseller-relationship-accepted-by-customer", p));
    }
    if offer.grants_dap {
        changes
            .audit
            .push(event("dap-admin-relationship-approved", partner));
    }
    state.commit(changes, &actor.who).await?;
    state.scheduled();
    tracing::info!(partner = %partner, customer = %actor.tenant, dap = link.dap, "reseller relationship accepted");
    Ok(link)
}
