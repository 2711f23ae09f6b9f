//! The customer's use cases, whichever face they come through (the admin-center API or the
//! approval and Partner relationships pages): approve or decline an invitation, and "Remove
//! roles" of a partner. Each records who acted, tells both sides and keeps the customer's activity record.

use gdap_domain::customer::{Activity, ActivityKind, Refusal};
use gdap_domain::directory::User;
use gdap_domain::enums::RelationshipStatus;
use gdap_domain::ids::{RelationshipId, RoleDefinitionId, TenantId};
use gdap_domain::mail::{notice_mail, Notice, NoticeKind};
use gdap_domain::relationship::{CustomerParticipant, Relationship};
use gdap_domain::roles::{
    CUSTOMER_DELEGATED_ADMIN_RELATIONSHIP_ADMINISTRATOR, GLOBAL_ADMINISTRATOR,
};
use gdap_domain::DomainError;
use gdap_store::{Changes, OutboxMail, Write};
use time::OffsetDateTime;

use crate::caller::{Principal, NOT_PERMITTED};
use crate::concurrency::{relationship_etag, IfMatch};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Global Reader may view partners but not change anything.
const GLOBAL_READER: &str = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";

/// Who acts on the customer side: a tenant and, for a user signed in to its own tenant, the user
/// (applications and partner users have no customer-side roles).
#[derive(Debug, Clone)]
pub struct Actor {
    /// The acting tenant.
    pub tenant: TenantId,
    /// The acting user, enabled and in its home tenant.
    pub user: Option<User>,
    /// The actor as the audit record names it.
    pub who: std::sync::Arc<crate::audit::Who>,
}

impl Actor {
    /// The actor behind an API caller.
    pub async fn of(state: &AppState, caller: &Principal) -> AppResult<Self> {
        let user = match &caller.kind {
            crate::caller::PrincipalKind::User {
                id,
                home_tenant: None,
                ..
            } => state
                .store
                .user(caller.tenant, *id)
                .await?
                .filter(|u| u.account_enabled),
            _ => None,
        };
        Ok(Self {
            tenant: caller.tenant,
            user,
            who: caller.actor.clone(),
        })
    }

    fn roles(&self) -> &[RoleDefinitionId] {
        self.user.as_ref().map_or(&[], |u| u.roles.as_slice())
    }

    /// Whether the actor holds one of the roles.
    pub fn holds(&self, any_of: &[&str]) -> bool {
        self.roles()
            .iter()
            .any(|r| any_of.iter().any(|a| r.to_string() == *a))
    }

    /// Whether the actor may approve invitations and remove partner roles.
    pub fn is_approver(&self) -> bool {
        self.holds(&[
            GLOBAL_ADMINISTRATOR,
            CUSTOMER_DELEGATED_ADMIN_RELATIONSHIP_ADMINISTRATOR,
        ])
    }

    /// Whether the actor may see the Partner relationships page.
    pub fn may_view_partners(&self) -> bool {
        self.holds(&[
            GLOBAL_ADMINISTRATOR,
            CUSTOMER_DELEGATED_ADMIN_RELATIONSHIP_ADMINISTRATOR,
            GLOBAL_READER,
        ])
    }

    /// The acting user; applications have no customer-side roles.
    pub fn acting_user(&self) -> AppResult<&User> {
        self.user.as_ref().ok_or_else(|| {
            AppError::Forbidden(format!(
                "{NOT_PERMITTED} Only a user of this tenant can do this."
            ))
        })
    }
}

/// Requires Global Administrator or Customer Delegated Admin Relationship Administrator.
pub fn require_approver(actor: &Actor) -> AppResult<()> {
    if actor.is_approver() {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "{NOT_PERMITTED} Approving or removing partner roles needs the Global Administrator or Customer Delegated Admin Relationship Administrator role in this tenant."
        )))
    }
}

/// Loads an invitation that the caller's tenant may see: locked for approval (or later), and
/// either open to any customer or addressed to this one.
pub async fn load_invitation(
    state: &AppState,
    tenant: TenantId,
    raw: &str,
) -> AppResult<Relationship> {
    let id = crate::relationships::relationship_id(raw)?;
    let rel = state
        .store
        .relationship_by_id(id)
        .await?
        .filter(|r| r.status != RelationshipStatus::Created && r.locked_at.is_some())
        .ok_or_else(|| AppError::not_found("invitation", raw))?;
    if rel.customer.as_ref().is_some_and(|c| c.tenant_id != tenant) || rel.partner == tenant {
        return Err(AppError::Forbidden(DomainError::WrongCustomer.to_string()));
    }
    Ok(rel)
}

/// The users of a tenant who hear about changes to its partner relationships: the customer's
/// approvers, or the partner's Global Administrators.
async fn notice_recipients(state: &AppState, tenant: TenantId) -> AppResult<Vec<User>> {
    Ok(state.approvers(tenant).await?.as_ref().clone())
}

/// The notices to both sides of a change made by a customer.
async fn notices(
    state: &AppState,
    kind: NoticeKind,
    partner: TenantId,
    customer: TenantId,
    actor: &User,
    rels: &[&Relationship],
    origin: &str,
) -> AppResult<Vec<OutboxMail>> {
    let (Some(p), Some(c)) = (state.tenant(partner).await?, state.tenant(customer).await?) else {
        return Ok(Vec::new());
    };
    let names: Vec<String> = rels.iter().map(|r| r.display_name.clone()).collect();
    let now = state.now();
    let mut out = Vec::new();
    for (tenant, url) in [
        (
            customer,
            format!("{origin}/adminportal/settings/partners/{partner}"),
        ),
        (partner, format!("{origin}/partner")),
    ] {
        // A refusal is news for the partner only: the customer's page already shows it.
        if kind == NoticeKind::Declined && tenant == customer {
            continue;
        }
        for u in notice_recipients(state, tenant).await? {
            let lang = crate::mailer::language_of(&u);
            let m = notice_mail(
                &Notice {
                    kind,
                    partner_name: &p.display_name,
                    customer_name: &c.display_name,
                    customer_domain: &c.domain,
                    actor: &actor.user_principal_name,
                    relationships: &names,
                    at: now,
                    url: &url,
                },
                lang,
            );
            out.push(crate::mailer::queued(
                &u.user_principal_name,
                m,
                rels.first().map(|r| r.id),
                now,
            ));
        }
    }
    Ok(out)
}

fn activity(
    kind: ActivityKind,
    customer: TenantId,
    partner: Option<TenantId>,
    actor: &User,
    rels: Vec<RelationshipId>,
    at: OffsetDateTime,
) -> Activity {
    Activity {
        id: uuid::Uuid::new_v4(),
        customer,
        partner,
        actor: actor.id,
        actor_upn: actor.user_principal_name.clone(),
        kind,
        relationships: rels,
        at,
    }
}

/// Approves for the actor's tenant; shared by the API and the approval pages. Records who
/// approved and tells both sides.
pub async fn approve(
    state: &AppState,
    actor: &Actor,
    raw: &str,
    if_match: &IfMatch,
    origin: &str,
) -> AppResult<Relationship> {
    let mut rel = load_invitation(state, actor.tenant, raw).await?;
    require_approver(actor)?;
    let user = actor.acting_user()?;
    refuse_if_declined(state, &rel).await?;
    if_match.check_if_present(&relationship_etag(&rel))?;
    crate::agreements::require_customer_agreement(state, actor.tenant).await?;
    let tenant = state
        .tenant(actor.tenant)
        .await?
        .ok_or_else(|| AppError::Forbidden("the calling tenant no longer exists".into()))?;
    let customer = CustomerParticipant {
        tenant_id: tenant.id,
        display_name: Some(tenant.display_name),
    };
    let now = state.now();
    rel.approve_as_customer(customer, now, &state.config.timings)
        .map_err(|e| match e {
            DomainError::InvitationExpired(_) => AppError::Gone(e.to_string()),
            DomainError::NotAwaitingApproval(_) => {
                AppError::Conflict(format!("{e}; an invitation can be accepted only once"))
            }
            DomainError::WrongCustomer => AppError::Forbidden(e.to_string()),
            other => other.into(),
        })?;
    let mail = notices(
        state,
        NoticeKind::Approved,
        rel.partner,
        actor.tenant,
        user,
        &[&rel],
        origin,
    )
    .await?;
    let record = activity(
        ActivityKind::InvitationApproved,
        actor.tenant,
        Some(rel.partner),
        user,
        vec![rel.id],
        now,
    );
    let saved = state
        .commit(
            Changes {
                relationships: vec![Write::Update(rel)],
                mail,
                activity: vec![record],
                ..Changes::default()
            },
            &actor.who,
        )
        .await?;
    let rel = saved
        .relationships
        .into_iter()
        .next()
        .map(Write::into_inner)
        .ok_or_else(|| AppError::Internal("the approval was not saved".into()))?;
    state.scheduled();
    tracing::info!(relationship = %rel.id, customer = %actor.tenant, "relationship approved by the customer");
    Ok(rel)
}

/// Refuses to act on an invitation its customer declined.
async fn refuse_if_declined(state: &AppState, rel: &Relationship) -> AppResult<()> {
    match state.store.refusal(rel.id).await? {
        Some(x) => Err(AppError::Gone(format!(
            "the customer declined this invitation on {}; the partner must send a new one",
            gdap_domain::timefmt::format_graph(x.at)
        ))),
        None => Ok(()),
    }
}

/// Declines an invitation for the actor's tenant instead of approving it (Cancel on the approval
/// pages): the refusal is recorded, the link stops working, the partner is told by e-mail and
/// the audit record names who declined. The relationship itself stays `approvalPending` for the
/// partner's API, as Graph has no declined state, until its invitation lapses.
pub async fn decline(
    state: &AppState,
    actor: &Actor,
    raw: &str,
    origin: &str,
) -> AppResult<Refusal> {
    let rel = load_invitation(state, actor.tenant, raw).await?;
    require_approver(actor)?;
    let user = actor.acting_user()?;
    refuse_if_declined(state, &rel).await?;
    let now = state.now();
    rel.check_approvable(actor.tenant, now, &state.config.timings)
        .map_err(|e| match e {
            DomainError::InvitationExpired(_) => AppError::Gone(e.to_string()),
            DomainError::NotAwaitingApproval(_) => AppError::Conflict(format!(
                "{e}; only an invitation awaiting approval can be declined"
            )),
            other => other.into(),
        })?;
    let refusal = Refusal {
        relationship: rel.id,
        relationship_name: rel.display_name.clone(),
        partner: rel.partner,
        customer: actor.tenant,
        by: user.id,
        by_upn: user.user_principal_name.clone(),
        at: now,
    };
    let mail = notices(
        state,
        NoticeKind::Declined,
        rel.partner,
        actor.tenant,
        user,
        &[&rel],
        origin,
    )
    .await?;
    let record = activity(
        ActivityKind::InvitationDeclined,
        actor.tenant,
        Some(rel.partner),
        user,
        vec![rel.id],
        now,
    );
    state
        .commit(
            Changes {
                // Written back unchanged so that its version moves on: an approval read before
                // the refusal can no longer be saved after it.
                relationships: vec![Write::Update(rel)],
                refusals: vec![refusal.clone()],
                mail,
                activity: vec![record],
                ..Changes::default()
            },
            &actor.who,
        )
        .await?;
    tracing::info!(relationship = %refusal.relationship, customer = %actor.tenant, "invitation declined by the customer");
    Ok(refusal)
}

/// "Remove roles" → Yes: ends every active GDAP relationship of `partner` with the actor's tenant
/// and removes its DAP; a reseller relationship stays. Both sides are told and the action is
/// recorded. Returns the ids of the relationships ended.
pub async fn remove_partner_roles(
    state: &AppState,
    actor: &Actor,
    partner: TenantId,
    origin: &str,
) -> AppResult<Vec<RelationshipId>> {
    require_approver(actor)?;
    let user = actor.acting_user()?;
    let rels = state.store.relationships_of_customer(actor.tenant).await?;
    let links = state.store.partner_links(actor.tenant).await?;
    let mine: Vec<Relationship> = rels.into_iter().filter(|r| r.partner == partner).collect();
    let link = links.into_iter().find(|l| l.partner == partner);
    if mine.is_empty() && link.is_none() {
        return Err(AppError::not_found("partner", &partner.to_string()));
    }
    let now = state.now();
    let mut changes = Changes::default();
    for mut r in mine {
        if r.status == RelationshipStatus::Active
            && r.request_termination(now, &state.config.timings).is_ok()
        {
            changes.relationships.push(Write::Update(r));
        }
    }
    if let Some(mut l) = link.filter(|l| l.dap) {
        l.dap = false;
        l.dap_removed_at = Some(now);
        changes.partner_links.push(l);
    }
    let ended: Vec<RelationshipId> = changes.relationships.iter().map(|w| w.get().id).collect();
    if !changes.relationships.is_empty() || !changes.partner_links.is_empty() {
        let touched: Vec<&Relationship> = changes.relationships.iter().map(Write::get).collect();
        changes.mail = notices(
            state,
            NoticeKind::RolesRemoved,
            partner,
            actor.tenant,
            user,
            &touched,
            origin,
        )
        .await?;
        changes.activity.push(activity(
            ActivityKind::RolesRemoved,
            actor.tenant,
            Some(partner),
            user,
            ended.clone(),
            now,
        ));
    }
    state.commit(changes, &actor.who).await?;
    state.scheduled();
    tracing::info!(partner = %partner, customer = %actor.tenant, count = ended.len(), "customer removed partner roles");
    Ok(ended)
}
