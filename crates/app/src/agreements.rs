//! Agreements: whether the Microsoft Customer Agreement is in place for a customer — its own
//! acceptance on the approval or reseller pages or through the admin center's API, or a partner's
//! attestation that it accepted — the customer accepting it, and a partner recording such an
//! attestation through Partner Center.

use gdap_domain::agreement::{self, Attestation, AttestationError, Contact};
use gdap_domain::audit::AuditEntry;
use gdap_domain::customer::{
    Activity, ActivityKind, AgreementAcceptance, LinkType, CUSTOMER_AGREEMENT,
    CUSTOMER_AGREEMENT_VERSION,
};
use gdap_domain::ids::{RelationshipId, TenantId};
use gdap_store::Changes;
use time::OffsetDateTime;

use crate::customer::{require_approver, Actor};
use crate::error::{AppError, AppResult};
use crate::partner_center::{self, PartnerUser};
use crate::state::AppState;

/// Whether the Microsoft Customer Agreement is in place for `tenant`: accepted by its
/// administrator, or attested by a partner.
pub async fn customer_agreement_in_place(state: &AppState, tenant: TenantId) -> AppResult<bool> {
    if state
        .store
        .agreement(tenant, CUSTOMER_AGREEMENT)
        .await?
        .is_some()
    {
        return Ok(true);
    }
    Ok(state
        .store
        .attestations_of(tenant)
        .await?
        .iter()
        .any(|a| a.agreement_type == CUSTOMER_AGREEMENT))
}

/// The customer's administrator accepts the Microsoft Customer Agreement (the agreement step of
/// the approval pages, or the admin center's API), reading `relationship` of `partner` when it
/// does so on the way to approving one. Accepting again keeps the first record.
pub async fn accept_customer_agreement(
    state: &AppState,
    actor: &Actor,
    on_the_way: Option<(TenantId, RelationshipId)>,
) -> AppResult<AgreementAcceptance> {
    require_approver(actor)?;
    let user = actor.acting_user()?;
    if let Some(a) = state
        .store
        .agreement(actor.tenant, CUSTOMER_AGREEMENT)
        .await?
    {
        return Ok(a);
    }
    let now = state.now();
    let acceptance = acceptance_by(actor.tenant, user, now);
    let changes = Changes {
        agreements: vec![acceptance.clone()],
        activity: vec![Activity {
            id: uuid::Uuid::new_v4(),
            customer: actor.tenant,
            partner: on_the_way.map(|(p, _)| p),
            actor: user.id,
            actor_upn: user.user_principal_name.clone(),
            kind: ActivityKind::AgreementAccepted,
            relationships: on_the_way.map(|(_, r)| r).into_iter().collect(),
            at: now,
        }],
        ..Changes::default()
    };
    state.commit(changes, &actor.who).await?;
    tracing::info!(tenant = %actor.tenant, user = %user.user_principal_name, "customer agreement accepted");
    Ok(acceptance)
}

/// The record of `user` accepting the current Microsoft Customer Agreement for `tenant` at `now`.
pub(crate) fn acceptance_by(
    tenant: TenantId,
    user: &gdap_domain::directory::User,
    now: OffsetDateTime,
) -> AgreementAcceptance {
    AgreementAcceptance {
        tenant,
        agreement: CUSTOMER_AGREEMENT.to_owned(),
        version: CUSTOMER_AGREEMENT_VERSION.to_owned(),
        accepted_by: user.id,
        accepted_by_upn: user.user_principal_name.clone(),
        accepted_at: now,
    }
}

/// Refuses approving a partner relationship until the Microsoft Customer Agreement is in place,
/// as the approval pages do.
pub async fn require_customer_agreement(state: &AppState, tenant: TenantId) -> AppResult<()> {
    if customer_agreement_in_place(state, tenant).await? {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "the Microsoft Customer Agreement must be accepted before a partner relationship is approved: accept it on the approval pages or with POST /admincenter/v1/customerAgreement".into(),
        ))
    }
}

/// What a partner attests (`POST /v1/customers/{id}/agreements`).
#[derive(Debug, Clone)]
pub struct Attest {
    /// The agreement type.
    pub agreement_type: String,
    /// Its template id (checked against the type by the face that knows the templates).
    pub template_id: String,
    /// Who at the customer accepted.
    pub contact: Contact,
    /// When.
    pub date_agreed: OffsetDateTime,
}

/// Why an attestation was not recorded.
#[derive(Debug)]
pub enum AttestRefused {
    /// The attestation itself is refused (Partner Center's codes apply).
    Attestation(AttestationError),
    /// Anything else: not the partner's customer, not allowed, the store.
    App(AppError),
}

impl From<AppError> for AttestRefused {
    fn from(e: AppError) -> Self {
        Self::App(e)
    }
}

/// Records a partner's attestation that its customer accepted an agreement. An indirect
/// reseller cannot attest: its indirect provider does.
pub async fn attest(
    state: &AppState,
    partner: &PartnerUser,
    customer: TenantId,
    a: Attest,
) -> Result<Attestation, AttestRefused> {
    let c = partner_center::customer(state, partner, customer).await?;
    if !c.link.reseller {
        let who = if c.link.other_types.contains(&LinkType::IndirectReseller) {
            "an indirect reseller cannot attest its customer's acceptance; its indirect provider does"
        } else {
            "only the customer's reseller attests its acceptance"
        };
        return Err(AppError::Forbidden(who.into()).into());
    }
    let now = state.now();
    let attestation = Attestation {
        id: uuid::Uuid::new_v4(),
        customer,
        partner: partner.partner.id,
        user: partner.user.id,
        agreement_type: a.agreement_type,
        template_id: a.template_id,
        contact: a.contact,
        date_agreed: a.date_agreed,
        recorded_at: now,
    };
    let earlier = state
        .store
        .attestations_of(customer)
        .await
        .map_err(AppError::from)?;
    agreement::check(&attestation, &earlier, now).map_err(AttestRefused::Attestation)?;
    let changes = Changes {
        attestations: vec![attestation.clone()],
        audit: vec![AuditEntry {
            at: now,
            actor: partner.user.user_principal_name.clone(),
            actor_tenant: Some(partner.partner.id),
            partner: Some(partner.partner.id),
            customer: Some(customer),
            relationship: None,
            assignment: None,
            role: None,
            action: "partner-confirmed-agreement-created".into(),
            target: attestation.agreement_type.clone(),
            result: "success".into(),
        }],
        ..Changes::default()
    };
    state
        .commit(changes, &partner.who)
        .await
        .map_err(|e| match e {
            // Another request recorded the same contact meanwhile (the store's unique index).
            gdap_store::StoreError::VersionConflict => {
                AttestRefused::Attestation(AttestationError::Duplicate)
            }
            e => AttestRefused::App(e.into()),
        })?;
    tracing::info!(customer = %customer, partner = %partner.partner.id, "agreement attested");
    Ok(attestation)
}
