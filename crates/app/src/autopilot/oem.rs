//! OEMs and Autopilot: an OEM's own invitation link, which a customer's Global Administrator
//! accepts on the "Accept partner invitation" page (Yes, then Accept; instantaneous, and no
//! delegated admin permission is granted); the customer cannot remove an OEM itself, gdap's
//! operators can (Microsoft's operations team does it on request); and the OEM's check, before it
//! registers devices, that consent is in place and each device would land.

use gdap_domain::audit::AuditEntry;
use gdap_domain::autopilot::manage::DeviceAction;
use gdap_domain::autopilot::{check, Channel, DeviceError, DeviceInput, MAX_BATCH_DEVICES};
use gdap_domain::customer::{LinkType, PartnerLink};
use gdap_domain::directory::{PartnerType, Tenant};
use gdap_domain::ids::TenantId;
use gdap_store::{Changes, Store};

use super::{decision, DevicePartner};
use crate::audit::Who;
use crate::customer::Actor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The invitation link of an OEM: the customer's Global Administrator opens it on gdap's admin
/// center at `origin`.
pub fn invitation_url(origin: &str, oem: TenantId) -> String {
    format!(
        "{origin}/Adminportal/Home?invType=OemRelationship&partnerId={oem}#/partners/invitation"
    )
}

/// An OEM's tenant, or `NotFound` for a tenant that is not an OEM.
async fn oem_tenant(state: &AppState, oem: TenantId) -> AppResult<Tenant> {
    state
        .tenant(oem)
        .await?
        .filter(|t| t.is_partner_of(PartnerType::Oem))
        .ok_or_else(|| AppError::not_found("OEM", &oem.to_string()))
}

/// What an OEM's link offers, read before the customer accepts.
#[derive(Debug, Clone)]
pub struct OemOffer {
    /// The OEM.
    pub oem: Tenant,
    /// The customer's tie with it now.
    pub link: Option<PartnerLink>,
    /// The customer accepted this OEM before.
    pub already: bool,
}

/// Reads an OEM's invitation for the signed-in customer (its Global Administrator).
pub async fn offer(state: &AppState, actor: &Actor, oem: TenantId) -> AppResult<OemOffer> {
    crate::reseller::require_global_admin(actor)?;
    let oem = oem_tenant(state, oem).await?;
    let link = super::tie(state, oem.id, actor.tenant).await?;
    let already = link
        .as_ref()
        .is_some_and(|l| l.other_types.contains(&LinkType::Oem));
    Ok(OemOffer { oem, link, already })
}

fn entry(
    at: time::OffsetDateTime,
    who: &Who,
    customer: TenantId,
    oem: TenantId,
    action: &str,
) -> AuditEntry {
    AuditEntry {
        at,
        actor: who.actor.clone(),
        actor_tenant: who.tenant,
        partner: Some(oem),
        customer: Some(customer),
        relationship: None,
        assignment: None,
        role: None,
        action: action.to_owned(),
        target: customer.to_string(),
        result: "success".into(),
    }
}

/// Accepts an OEM's invitation: the OEM may register the customer's devices from now on; it gets
/// no delegated admin permission.
pub async fn accept(state: &AppState, actor: &Actor, offer: &OemOffer) -> AppResult<PartnerLink> {
    crate::reseller::require_global_admin(actor)?;
    if offer.already {
        return Err(AppError::Conflict(
            "this OEM's invitation was accepted before".into(),
        ));
    }
    let now = state.now();
    let mut link = offer.link.clone().unwrap_or(PartnerLink {
        customer: actor.tenant,
        partner: offer.oem.id,
        reseller: false,
        dap: false,
        since: now,
        dap_removed_at: None,
        other_types: Vec::new(),
        associated_partner: None,
    });
    link.other_types.push(LinkType::Oem);
    link.other_types.sort();
    link.other_types.dedup();
    let changes = Changes {
        partner_links: vec![link.clone()],
        audit: vec![entry(
            now,
            &actor.who,
            actor.tenant,
            offer.oem.id,
            "oem-invitation-accepted",
        )],
        ..Changes::default()
    };
    state.commit(changes, &actor.who).await?;
    tracing::info!(oem = %offer.oem.id, customer = %actor.tenant, "OEM invitation accepted");
    Ok(link)
}

/// Ends an OEM's consent in a customer, as gdap's operators do on request (the customer cannot);
/// `false` when the OEM had none. Other ties with the tenant stay.
pub async fn remove(
    store: &dyn Store,
    customer: TenantId,
    oem: TenantId,
    at: time::OffsetDateTime,
) -> AppResult<bool> {
    let links = store.partner_links(customer).await?;
    let Some(mut link) = links
        .into_iter()
        .find(|l| l.partner == oem && l.other_types.contains(&LinkType::Oem))
    else {
        return Ok(false);
    };
    link.other_types.retain(|k| *k != LinkType::Oem);
    let who = Who {
        actor: "gdap operator".into(),
        tenant: None,
    };
    let changes = Changes {
        partner_links: vec![link],
        audit: vec![entry(at, &who, customer, oem, "oem-removed-by-operator")],
        ..Changes::default()
    };
    store.commit(changes).await?;
    Ok(true)
}

/// One device as the OEM's check sees it: whether it would land, or its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    /// Whether the customer's consent lets this OEM register its devices.
    pub consent: bool,
    /// Each device's outcome, in order: `None` when it would be registered.
    pub devices: Vec<Option<DeviceError>>,
}

/// The "validate device submission data" check: consent in place, and each device in form and
/// free (not in another tenant, not already in this one). Nothing is written.
pub async fn validate(
    state: &AppState,
    caller: &DevicePartner,
    customer: TenantId,
    devices: &[DeviceInput],
) -> AppResult<Validation> {
    if devices.len() > MAX_BATCH_DEVICES {
        return Err(AppError::Invalid(format!(
            "at most {MAX_BATCH_DEVICES} devices are validated at once"
        )));
    }
    let consent = match decision(
        state,
        caller.partner(),
        caller.roles,
        customer,
        DeviceAction::AddDevices,
        Channel::Api,
        None,
    )
    .await?
    {
        None => return Err(AppError::not_found("customer", &customer.to_string())),
        Some(d) => d.is_ok(),
    };
    let checked: Vec<_> = devices.iter().map(check).collect();
    let keys: Vec<String> = checked
        .iter()
        .flatten()
        .flat_map(|c| c.keys.iter().cloned())
        .collect();
    let owners = state.store.device_key_owners(&keys).await?;
    let outcome = checked
        .iter()
        .map(|c| match c {
            Err(e) => Some(*e),
            Ok(c) => c.keys.iter().find_map(|k| {
                owners.iter().find(|(o, _)| o == k).map(|(_, t)| {
                    if *t == customer {
                        DeviceError::AlreadyAssigned
                    } else {
                        DeviceError::AssignedToOtherTenant
                    }
                })
            }),
        })
        .collect();
    Ok(Validation {
        consent,
        devices: outcome,
    })
}
