//! The customer side (the Microsoft 365 admin center has no public API for it): invitations to
//! approve, the partners of a tenant, and "Remove roles".

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use gdap_domain::customer::{partner_rows, LinkType, PartnerFilter};
use gdap_domain::ids::{RoleDefinitionId, TenantId};
use gdap_domain::relationship::Relationship;
use gdap_domain::roles::Catalogue;
use gdap_domain::timefmt::format_graph;
use serde_json::{json, Value};

use crate::schemas::*;
use gdap_app::caller::NOT_PERMITTED;
use gdap_app::customer::{approve, decline, load_invitation, remove_partner_roles, Actor};
use gdap_app::state::AppState;
use gdap_http::auth::AdminCaller;
use gdap_http::dto;
use gdap_http::error::{ApiError, ApiResult};
use gdap_http::extract::{Base, IfMatch};
use gdap_http::schema::Refusals;

/// Routes under `/admincenter/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admincenter/v1/gdapinvitations/{id}", get(get_invitation))
        .route(
            "/admincenter/v1/gdapinvitations/{id}/approve",
            post(approve_invitation),
        )
        .route(
            "/admincenter/v1/gdapinvitations/{id}/decline",
            post(decline_invitation),
        )
        .route(
            "/admincenter/v1/customeragreement",
            post(accept_customer_agreement),
        )
        .route("/admincenter/v1/partners", get(list_partners))
        .route(
            "/admincenter/v1/partners/{partner_id}/removeroles",
            post(remove_roles),
        )
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
    let refusal = state.store.refusal(rel.id).await?;
    let approvable = refusal.is_none()
        && rel
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
        "declined": refusal.map(|x| json!({
            "byUserPrincipalName": x.by_upn,
            "declinedDateTime": format_graph(x.at),
        })),
    }))
}

/// `GET /admincenter/v1/gdapInvitations/{id}`: the invitation (any user of the customer tenant).
#[utoipa::path(get, path = "/admincenter/v1/gdapInvitations/{id}", tag = "admincenter",
    params(("id" = String, Path, description = "The relationship id from the invitation link")),
    responses((status = 200, description = "Partner, roles with names, duration, auto-extend, link expiry", body = InvitationJson), Refusals))]
pub async fn get_invitation(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let rel = load_invitation(&state, caller.tenant, &id).await?;
    Ok(Json(invitation_view(&state, &rel, caller.tenant).await?))
}

/// `POST /admincenter/v1/gdapInvitations/{id}/approve`: "Approve all" (Global Administrator or
/// Customer Delegated Admin Relationship Administrator; within 90 days; once; `If-Match` honoured).
#[utoipa::path(post, path = "/admincenter/v1/gdapInvitations/{id}/approve", tag = "admincenter",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, description = "Approved; provisioning starts", body = InvitationJson), Refusals))]
pub async fn approve_invitation(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
    if_match: IfMatch,
    base: Base,
) -> ApiResult<Json<Value>> {
    let actor = Actor::of(&state, &caller).await?;
    let rel = approve(&state, &actor, &id, &if_match.precondition(), &base.origin).await?;
    Ok(Json(invitation_view(&state, &rel, caller.tenant).await?))
}

/// `POST /admincenter/v1/customerAgreement`: the tenant accepts the Microsoft Customer Agreement,
/// which approving a partner relationship needs, as the approval pages' agreement step does (Global
/// Administrator or Customer Delegated Admin Relationship Administrator; accepting again keeps the
/// first acceptance).
#[utoipa::path(post, path = "/admincenter/v1/customerAgreement", tag = "admincenter",
    responses((status = 200, description = "The tenant's acceptance", body = CustomerAgreementJson), Refusals))]
pub async fn accept_customer_agreement(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
) -> ApiResult<Json<CustomerAgreementJson>> {
    let actor = Actor::of(&state, &caller).await?;
    let a = gdap_app::agreements::accept_customer_agreement(&state, &actor, None).await?;
    Ok(Json(CustomerAgreementJson {
        agreement: a.agreement,
        version: a.version,
        accepted_by: a.accepted_by_upn,
        accepted_date_time: format_graph(a.accepted_at),
    }))
}

/// `POST /admincenter/v1/gdapInvitations/{id}/decline`: Cancel instead of approving (the same
/// roles as approving; within 90 days; once). The partner is told; the link stops working.
#[utoipa::path(post, path = "/admincenter/v1/gdapInvitations/{id}/decline", tag = "admincenter",
    params(("id" = String, Path)),
    responses((status = 200, description = "Declined; the invitation shows who declined and when", body = InvitationJson), Refusals))]
pub async fn decline_invitation(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
    base: Base,
) -> ApiResult<Json<Value>> {
    let actor = Actor::of(&state, &caller).await?;
    decline(&state, &actor, &id, &base.origin).await?;
    let rel = load_invitation(&state, caller.tenant, &id).await?;
    Ok(Json(invitation_view(&state, &rel, caller.tenant).await?))
}

/// The partners of a customer tenant, each with its relationships (newest end date first).
pub async fn partners_of(state: &AppState, customer: TenantId) -> ApiResult<Vec<Value>> {
    let rels = state.store.relationships_of_customer(customer).await?;
    let links = state.store.partner_links(customer).await?;
    let refusals = state.store.refusals_of(customer, 1000).await?;
    let declined: Vec<_> = refusals
        .iter()
        .filter(|x| x.customer == customer)
        .map(|x| x.relationship)
        .collect();
    let declined_at = |id| {
        refusals
            .iter()
            .find(|x| x.relationship == id)
            .map(|x| format_graph(x.at))
    };
    let mut out = Vec::new();
    for filter in [PartnerFilter::Current, PartnerFilter::Expired] {
        for row in partner_rows(&rels, &links, filter, &declined) {
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
                        "declinedDateTime": declined_at(r.id),
                    })
                })
                .collect();
            // DAP and GDAP keep the names the relationships' own `type` uses.
            let types: Vec<&str> = row
                .types
                .iter()
                .map(|t| match t {
                    LinkType::Advisor => "delegatedAdministrator",
                    LinkType::Gdap => "granularDelegatedAdminPrivileges",
                    other => other.as_str(),
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
    responses((status = 200, description = "Partners with their tie types and relationships (newest end date first); ended ones in separate rows marked `expired`", body = Values<PartnerJson>), Refusals))]
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

/// `POST /admincenter/v1/partners/{partnerTenantId}/removeRoles`: "Remove roles" → Yes. Ends the
/// partner's GDAP relationships (`terminationRequested → terminating → terminated`) and its DAP;
/// the reseller relationship stays.
#[utoipa::path(post, path = "/admincenter/v1/partners/{partner_id}/removeRoles", tag = "admincenter",
    params(("partner_id" = String, Path)),
    responses((status = 200, description = "The relationships being terminated", body = RemovedRolesJson), Refusals))]
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
