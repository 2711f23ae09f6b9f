//! The customer side (the Microsoft 365 admin center has no public API for it): invitations to
//! approve, the partners of a tenant, and "Remove roles".

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use gdap_domain::customer::{partner_rows, Activity, ActivityKind, LinkType, PartnerFilter};
use gdap_domain::directory::User;
use gdap_domain::enums::RelationshipStatus;
use gdap_domain::ids::{RelationshipId, RoleDefinitionId, TenantId};
use gdap_domain::mail::{notice_mail, Language, Notice, NoticeKind};
use gdap_domain::relationship::{CustomerParticipant, Relationship};
use gdap_domain::roles::{
    Catalogue, CUSTOMER_DELEGATED_ADMIN_RELATIONSHIP_ADMINISTRATOR, GLOBAL_ADMINISTRATOR,
};
use gdap_domain::timefmt::format_graph;
use gdap_domain::DomainError;
use gdap_store::{Changes, OutboxMail, Write};
use serde_json::{json, Value};
use time::OffsetDateTime;

use gdap_app::caller::{Principal, NOT_PERMITTED};
use gdap_app::state::AppState;
use gdap_http::auth::AdminCaller;
use gdap_http::dto;
use gdap_http::error::{ApiError, ApiResult};
use gdap_http::extract::relationship_id;
use gdap_http::extract::{Base, IfMatch};

/// Global Reader may view partners but not change anything.
const GLOBAL_READER: &str = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";

/// Routes under `/admincenter/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admincenter/v1/gdapinvitations/{id}", get(get_invitation))
        .route(
            "/admincenter/v1/gdapinvitations/{id}/approve",
            post(approve_invitation),
        )
        .route("/admincenter/v1/partners", get(list_partners))
        .route(
            "/admincenter/v1/partners/{partner_id}/removeroles",
            post(remove_roles),
        )
}

/// Who acts on the customer side: a tenant and, for a user signed in to its own tenant, the user
/// (applications and partner users have no customer-side roles).
#[derive(Debug, Clone)]
pub struct Actor {
    /// The acting tenant.
    pub tenant: TenantId,
    /// The acting user, enabled and in its home tenant.
    pub user: Option<User>,
    /// The actor as the audit record names it.
    pub who: std::sync::Arc<gdap_app::audit::Who>,
}

impl Actor {
    /// The actor behind an API caller.
    pub async fn of(state: &AppState, caller: &Principal) -> ApiResult<Self> {
        let user = match &caller.kind {
            gdap_app::caller::PrincipalKind::User {
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

    fn acting_user(&self) -> ApiResult<&User> {
        self.user.as_ref().ok_or_else(|| {
            ApiError::Forbidden(format!(
                "{NOT_PERMITTED} Only a user of this tenant can do this."
            ))
        })
    }
}

/// Requires Global Administrator or Customer Delegated Admin Relationship Administrator.
pub fn require_approver(actor: &Actor) -> ApiResult<()> {
    if actor.is_approver() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "{NOT_PERMITTED} Approving or removing partner roles needs the Global Administrator or Customer Delegated Admin Relationship Administrator role in this tenant."
        )))
    }
}

fn role_list(roles: &[RoleDefinitionId]) -> Value {
    let c = Catalogue::builtin();
    Value::Array(
        roles
            .iter()
            .map(|r| {
                let role = c.get(r);
                json!({
                    "roleDefinitionId": r,
                    "displayName": role.map(|x| x.display_name.as_str()),
                    "description": role.map(|x| x.description.as_str()),
                })
            })
            .collect(),
    )
}

/// The invitation as the customer sees it.
pub async fn invitation_view(
    state: &AppState,
    rel: &Relationship,
    customer: TenantId,
) -> ApiResult<Value> {
    let partner = state.tenant(rel.partner).await?;
    let expires = rel.invitation_expires_at(&state.config.timings);
    let approvable = rel
        .check_approvable(customer, state.now(), &state.config.timings)
        .is_ok();
    Ok(json!({
        "@odata.etag": dto::relationship_etag(rel),
        "id": rel.id,
        "displayName": rel.display_name,
        "status": rel.status.to_string(),
        "partner": {
            "tenantId": rel.partner,
            "displayName": partner.as_ref().map(|p| p.display_name.clone()),
            "domain": partner.as_ref().map(|p| p.domain.clone()),
        },
        "customer": rel.customer.as_ref().map(|c| json!({"tenantId": c.tenant_id, "displayName": c.display_name})),
        "duration": rel.duration,
        "autoExtendDuration": rel.auto_extend.as_str(),
        "roles": role_list(&rel.roles),
        "invitationDateTime": rel.locked_at.map(format_graph),
        "invitationExpiresDateTime": expires.map(format_graph),
        "activatedDateTime": rel.activated_at.map(format_graph),
        "endDateTime": rel.end_at.map(format_graph),
        "approvable": approvable,
    }))
}

/// Loads an invitation that the caller's tenant may see: locked for approval (or later), and
/// either open to any customer or addressed to this one.
async fn load_invitation(state: &AppState, tenant: TenantId, raw: &str) -> ApiResult<Relationship> {
    let id = relationship_id(raw)?;
    let rel = state
        .store
        .relationship_by_id(id)
        .await?
        .filter(|r| r.status != RelationshipStatus::Created && r.locked_at.is_some())
        .ok_or_else(|| ApiError::not_found("invitation", raw))?;
    if rel.customer.as_ref().is_some_and(|c| c.tenant_id != tenant) || rel.partner == tenant {
        return Err(ApiError::Forbidden(DomainError::WrongCustomer.to_string()));
    }
    Ok(rel)
}

/// `GET /admincenter/v1/gdapInvitations/{id}`: the invitation (any user of the customer tenant).
#[utoipa::path(get, path = "/admincenter/v1/gdapInvitations/{id}", tag = "admincenter",
    params(("id" = String, Path, description = "The relationship id from the invitation link")),
    responses((status = 200, description = "Partner, roles with names, duration, auto-extend, link expiry"),
              (status = 403, description = "The invitation is for another tenant"), (status = 404)))]
pub async fn get_invitation(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let rel = load_invitation(&state, caller.tenant, &id).await?;
    Ok(Json(invitation_view(&state, &rel, caller.tenant).await?))
}

/// The users of a tenant who hear about changes to its partner relationships: the customer's
/// approvers, or the partner's Global Administrators.
async fn notice_recipients(state: &AppState, tenant: TenantId) -> ApiResult<Vec<User>> {
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
) -> ApiResult<Vec<OutboxMail>> {
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
        for u in notice_recipients(state, tenant).await? {
            let lang = u
                .preferred_language
                .as_deref()
                .and_then(Language::parse)
                .unwrap_or(Language::En);
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
            out.push(gdap_app::mailer::queued(
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
) -> ApiResult<Relationship> {
    let mut rel = load_invitation(state, actor.tenant, raw).await?;
    require_approver(actor)?;
    let user = actor.acting_user()?;
    if_match.check_if_present(&dto::relationship_etag(&rel))?;
    let tenant = state
        .tenant(actor.tenant)
        .await?
        .ok_or_else(|| ApiError::Forbidden("the calling tenant no longer exists".into()))?;
    let customer = CustomerParticipant {
        tenant_id: tenant.id,
        display_name: Some(tenant.display_name),
    };
    let now = state.now();
    rel.approve_as_customer(customer, now, &state.config.timings)
        .map_err(|e| match e {
            DomainError::InvitationExpired(_) => ApiError::Gone(e.to_string()),
            DomainError::NotAwaitingApproval(_) => {
                ApiError::Conflict(format!("{e}; an invitation can be accepted only once"))
            }
            DomainError::WrongCustomer => ApiError::Forbidden(e.to_string()),
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
        .ok_or_else(|| ApiError::Internal("the approval was not saved".into()))?;
    state.scheduled();
    tracing::info!(relationship = %rel.id, customer = %actor.tenant, "relationship approved by the customer");
    Ok(rel)
}

/// `POST /admincenter/v1/gdapInvitations/{id}/approve`: "Approve all" (Global Administrator or
/// Customer Delegated Admin Relationship Administrator; within 90 days; once; `If-Match` honoured).
#[utoipa::path(post, path = "/admincenter/v1/gdapInvitations/{id}/approve", tag = "admincenter",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, description = "Approved; provisioning starts"), (status = 403), (status = 404),
              (status = 409, description = "Already accepted or not awaiting approval"), (status = 410, description = "Expired"),
              (status = 412)))]
pub async fn approve_invitation(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
    if_match: IfMatch,
    base: Base,
) -> ApiResult<Json<Value>> {
    let actor = Actor::of(&state, &caller).await?;
    let rel = approve(&state, &actor, &id, &if_match, &base.origin).await?;
    Ok(Json(invitation_view(&state, &rel, caller.tenant).await?))
}

/// The partners of a customer tenant, each with its relationships (newest end date first).
pub async fn partners_of(state: &AppState, customer: TenantId) -> ApiResult<Vec<Value>> {
    let rels = state.store.relationships_of_customer(customer).await?;
    let links = state.store.partner_links(customer).await?;
    let mut out = Vec::new();
    for filter in [PartnerFilter::Current, PartnerFilter::Expired] {
        for row in partner_rows(&rels, &links, filter) {
            let t = state.tenant(row.partner).await?;
            let relationships: Vec<Value> = row
                .relationships
                .iter()
                .map(|r| {
                    json!({
                        "id": r.id,
                        "displayName": r.display_name,
                        "type": "granularDelegatedAdminPrivileges",
                        "status": r.status.to_string(),
                        "roles": role_list(&r.roles),
                        "createdDateTime": format_graph(r.created_at),
                        "activatedDateTime": r.activated_at.map(format_graph),
                        "endDateTime": r.end_at.map(format_graph),
                        "autoExtendDuration": r.auto_extend.as_str(),
                    })
                })
                .collect();
            let types: Vec<&str> = row
                .types
                .iter()
                .map(|t| match t {
                    LinkType::Reseller => "reseller",
                    LinkType::Dap => "delegatedAdministrator",
                    LinkType::Gdap => "granularDelegatedAdminPrivileges",
                })
                .collect();
            out.push(json!({
                "partnerTenantId": row.partner,
                "displayName": t.as_ref().map(|t| t.display_name.clone()),
                "domain": t.as_ref().map(|t| t.domain.clone()),
                "expired": filter == PartnerFilter::Expired,
                "types": types,
                "relationships": relationships,
            }));
        }
    }
    Ok(out)
}

/// `GET /admincenter/v1/partners`: partners of the calling tenant (Global Administrator, Customer
/// Delegated Admin Relationship Administrator or Global Reader).
#[utoipa::path(get, path = "/admincenter/v1/partners", tag = "admincenter",
    responses((status = 200, description = "Partners with their tie types and relationships (newest end date first); ended ones in separate rows marked `expired`"), (status = 403)))]
pub async fn list_partners(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
) -> ApiResult<Json<Value>> {
    let actor = Actor::of(&state, &caller).await?;
    if !actor.may_view_partners() {
        return Err(ApiError::Forbidden(format!(
            "{NOT_PERMITTED} Viewing partner relationships needs an administrator role in this tenant."
        )));
    }
    Ok(Json(
        json!({ "value": partners_of(&state, caller.tenant).await? }),
    ))
}

/// "Remove roles" → Yes: ends every active GDAP relationship of `partner` with the actor's tenant
/// and removes its DAP; a reseller relationship stays. Both sides are told and the action is
/// recorded. Returns the ids of the relationships ended.
pub async fn remove_partner_roles(
    state: &AppState,
    actor: &Actor,
    partner: TenantId,
    origin: &str,
) -> ApiResult<Vec<RelationshipId>> {
    require_approver(actor)?;
    let user = actor.acting_user()?;
    let rels = state.store.relationships_of_customer(actor.tenant).await?;
    let links = state.store.partner_links(actor.tenant).await?;
    let mine: Vec<Relationship> = rels.into_iter().filter(|r| r.partner == partner).collect();
    let link = links.into_iter().find(|l| l.partner == partner);
    if mine.is_empty() && link.is_none() {
        return Err(ApiError::not_found("partner", &partner.to_string()));
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

/// `POST /admincenter/v1/partners/{partnerTenantId}/removeRoles`: "Remove roles" → Yes. Ends the
/// partner's GDAP relationships (`terminationRequested → terminating → terminated`) and its DAP;
/// the reseller relationship stays.
#[utoipa::path(post, path = "/admincenter/v1/partners/{partner_id}/removeRoles", tag = "admincenter",
    params(("partner_id" = String, Path)),
    responses((status = 200, description = "Ids of the relationships being terminated"), (status = 403), (status = 404)))]
pub async fn remove_roles(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    Path(partner_id): Path<String>,
    base: Base,
) -> ApiResult<Json<Value>> {
    let partner = TenantId::parse(&partner_id)?;
    let actor = Actor::of(&state, &caller).await?;
    let ended = remove_partner_roles(&state, &actor, partner, &base.origin).await?;
    Ok(Json(json!({ "terminatedRelationshipIds": ended })))
}
