//! The customer side (the Microsoft 365 admin center has no public API for it): invitations to
//! approve, the partners of a tenant, and "Remove roles".

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use gdap_domain::enums::RelationshipStatus;
use gdap_domain::ids::{RoleDefinitionId, TenantId};
use gdap_domain::relationship::{CustomerParticipant, Relationship};
use gdap_domain::roles::{
    Catalogue, CUSTOMER_DELEGATED_ADMIN_RELATIONSHIP_ADMINISTRATOR, GLOBAL_ADMINISTRATOR,
};
use gdap_domain::timefmt::format_graph;
use gdap_domain::DomainError;
use gdap_store::{Changes, Write};
use serde_json::{json, Value};

use crate::auth::{AdminCaller, Principal, NOT_PERMITTED};
use crate::dto;
use crate::error::{ApiError, ApiResult};
use crate::extract::IfMatch;
use crate::graph::relationship_id;
use crate::state::AppState;

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

/// The roles of the calling user in its own tenant; apps and foreign users have none here.
async fn caller_roles(state: &AppState, caller: &Principal) -> ApiResult<Vec<RoleDefinitionId>> {
    match &caller.kind {
        crate::auth::PrincipalKind::User {
            id,
            home_tenant: None,
            ..
        } => Ok(state
            .store
            .user(caller.tenant, *id)
            .await?
            .filter(|u| u.account_enabled)
            .map(|u| u.roles)
            .unwrap_or_default()),
        _ => Ok(Vec::new()),
    }
}

fn holds(roles: &[RoleDefinitionId], any_of: &[&str]) -> bool {
    roles
        .iter()
        .any(|r| any_of.iter().any(|a| r.to_string() == *a))
}

/// Requires Global Administrator or Customer Delegated Admin Relationship Administrator.
pub async fn require_approver(state: &AppState, caller: &Principal) -> ApiResult<()> {
    let roles = caller_roles(state, caller).await?;
    if holds(
        &roles,
        &[
            GLOBAL_ADMINISTRATOR,
            CUSTOMER_DELEGATED_ADMIN_RELATIONSHIP_ADMINISTRATOR,
        ],
    ) {
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
async fn load_invitation(
    state: &AppState,
    caller: &Principal,
    raw: &str,
) -> ApiResult<Relationship> {
    let id = relationship_id(raw)?;
    let rel = state
        .store
        .relationship_by_id(id)
        .await?
        .filter(|r| r.status != RelationshipStatus::Created && r.locked_at.is_some())
        .ok_or_else(|| ApiError::not_found("invitation", raw))?;
    if rel
        .customer
        .as_ref()
        .is_some_and(|c| c.tenant_id != caller.tenant)
        || rel.partner == caller.tenant
    {
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
    let rel = load_invitation(&state, &caller, &id).await?;
    Ok(Json(invitation_view(&state, &rel, caller.tenant).await?))
}

/// Approves for the caller's tenant; shared by the API and the approval pages.
pub async fn approve(
    state: &AppState,
    caller: &Principal,
    raw: &str,
    if_match: &IfMatch,
) -> ApiResult<Relationship> {
    let mut rel = load_invitation(state, caller, raw).await?;
    require_approver(state, caller).await?;
    if_match.check_if_present(&dto::relationship_etag(&rel))?;
    let tenant = state
        .tenant(caller.tenant)
        .await?
        .ok_or_else(|| ApiError::Forbidden("the calling tenant no longer exists".into()))?;
    let customer = CustomerParticipant {
        tenant_id: tenant.id,
        display_name: Some(tenant.display_name),
    };
    rel.approve_as_customer(customer, state.now(), &state.config.timings)
        .map_err(|e| match e {
            DomainError::InvitationExpired(_) => ApiError::Gone(e.to_string()),
            DomainError::NotAwaitingApproval(_) => {
                ApiError::Conflict(format!("{e}; an invitation can be accepted only once"))
            }
            DomainError::WrongCustomer => ApiError::Forbidden(e.to_string()),
            other => other.into(),
        })?;
    let rel = crate::graph::save_relationship(state, Write::Update(rel)).await?;
    state.scheduled();
    tracing::info!(relationship = %rel.id, customer = %caller.tenant, "relationship approved by the customer");
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
) -> ApiResult<Json<Value>> {
    let rel = approve(&state, &caller, &id, &if_match).await?;
    Ok(Json(invitation_view(&state, &rel, caller.tenant).await?))
}

/// The partners of a customer tenant, each with its relationships (newest end date first).
pub async fn partners_of(state: &AppState, customer: TenantId) -> ApiResult<Vec<Value>> {
    let rels = state.store.relationships_of_customer(customer).await?;
    let mut by_partner: BTreeMap<TenantId, Vec<&Relationship>> = BTreeMap::new();
    for r in &rels {
        by_partner.entry(r.partner).or_default().push(r);
    }
    let mut out = Vec::new();
    for (partner, rels) in by_partner {
        let t = state.tenant(partner).await?;
        let relationships: Vec<Value> = rels
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
        out.push(json!({
            "partnerTenantId": partner,
            "displayName": t.as_ref().map(|t| t.display_name.clone()),
            "domain": t.as_ref().map(|t| t.domain.clone()),
            "relationships": relationships,
        }));
    }
    Ok(out)
}

/// `GET /admincenter/v1/partners`: partners of the calling tenant (Global Administrator, Customer
/// Delegated Admin Relationship Administrator or Global Reader).
#[utoipa::path(get, path = "/admincenter/v1/partners", tag = "admincenter",
    responses((status = 200, description = "Partners with their relationships"), (status = 403)))]
pub async fn list_partners(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
) -> ApiResult<Json<Value>> {
    let roles = caller_roles(&state, &caller).await?;
    if !holds(
        &roles,
        &[
            GLOBAL_ADMINISTRATOR,
            CUSTOMER_DELEGATED_ADMIN_RELATIONSHIP_ADMINISTRATOR,
            GLOBAL_READER,
        ],
    ) {
        return Err(ApiError::Forbidden(format!(
            "{NOT_PERMITTED} Viewing partner relationships needs an administrator role in this tenant."
        )));
    }
    Ok(Json(
        json!({ "value": partners_of(&state, caller.tenant).await? }),
    ))
}

/// Ends every active GDAP relationship of `partner` with the caller's tenant; returns their ids.
pub async fn remove_partner_roles(
    state: &AppState,
    caller: &Principal,
    partner: TenantId,
) -> ApiResult<Vec<String>> {
    require_approver(state, caller).await?;
    let rels = state.store.relationships_of_customer(caller.tenant).await?;
    let mine: Vec<Relationship> = rels.into_iter().filter(|r| r.partner == partner).collect();
    if mine.is_empty() {
        return Err(ApiError::not_found("partner", &partner.to_string()));
    }
    let now = state.now();
    let mut changes = Changes::default();
    let mut ended = Vec::new();
    for mut r in mine {
        if r.status == RelationshipStatus::Active
            && r.request_termination(now, &state.config.timings).is_ok()
        {
            ended.push(r.id.to_string());
            changes.relationships.push(Write::Update(r));
        }
    }
    state.store.commit(changes).await?;
    state.scheduled();
    tracing::info!(partner = %partner, customer = %caller.tenant, count = ended.len(), "customer removed partner roles");
    Ok(ended)
}

/// `POST /admincenter/v1/partners/{partnerTenantId}/removeRoles`: "Remove roles" → Yes. Ends the
/// partner's GDAP relationships (`terminationRequested → terminating → terminated`).
#[utoipa::path(post, path = "/admincenter/v1/partners/{partner_id}/removeRoles", tag = "admincenter",
    params(("partner_id" = String, Path)),
    responses((status = 200, description = "Ids of the relationships being terminated"), (status = 403), (status = 404)))]
pub async fn remove_roles(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    Path(partner_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let partner = TenantId::parse(&partner_id)?;
    let ended = remove_partner_roles(&state, &caller, partner).await?;
    Ok(Json(json!({ "terminatedRelationshipIds": ended })))
}
