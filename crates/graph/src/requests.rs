//! `requests` of a relationship: `lockForApproval`, `terminate`, `approve`, `reject`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use gdap_domain::enums::{GraphEnum, RequestAction};
use gdap_domain::ids::RequestId;
use gdap_domain::query::{parse_item_query, parse_list_query, schemas};
use gdap_domain::relationship::Relationship;
use gdap_domain::request::RelationshipRequest;
use gdap_http::auth::Authorize;

use super::input::RequestBody;
use super::{collection, entity, read_relationship, relationship_id, relationship_url};
use gdap_app::caller::{Authorized, GdapRead, GdapWrite};
use gdap_app::relationships::{ApprovalMail, SubmitRequest};
use gdap_app::state::AppState;
use gdap_http::body::Body;
use gdap_http::dto::{self, *};
use gdap_http::error::{ApiError, ApiResult};
use gdap_http::extract::{Base, IfMatch, JsonObject, OData, Prefer};
use gdap_http::schema::Refusals;

/// `GET …/{id}/requests` (Read.All).
#[utoipa::path(get, path = "/v1.0/tenantRelationships/delegatedAdminRelationships/{id}/requests", tag = "requests",
    params(("id" = String, Path), ("$filter" = Option<String>, Query), ("$orderby" = Option<String>, Query), ("$select" = Option<String>, Query), ("$top" = Option<u32>, Query), ("$count" = Option<bool>, Query), ("$skiptoken" = Option<String>, Query)),
    responses((status = 200, body = Collection<RequestJson>), Refusals))]
pub async fn list_requests(
    State(state): State<AppState>,
    Authorize(caller): Authorize<GdapRead>,
    Path(id): Path<String>,
    OData(raw): OData,
    prefer: Prefer,
    base: Base,
) -> ApiResult<Response> {
    let rel = read_relationship(&state, &caller, &id).await?;
    let q = parse_list_query(&schemas::REQUESTS, &raw, true)?;
    let page = state.store.list_requests(rel.id, &q).await?;
    Ok(collection(
        &base,
        base.context("requests"),
        page,
        |r, out| {
            dto::write(
                out,
                dto::select(dto::request(r, prefer.unknown_members), &q.select),
            )
        },
    ))
}

/// `GET …/{id}/requests/{requestId}` (Read.All).
#[utoipa::path(get, path = "/v1.0/tenantRelationships/delegatedAdminRelationships/{id}/requests/{request_id}", tag = "requests",
    params(("id" = String, Path), ("request_id" = String, Path), ("$select" = Option<String>, Query)),
    responses((status = 200, body = RequestJson), Refusals))]
pub async fn get_request(
    State(state): State<AppState>,
    Authorize(caller): Authorize<GdapRead>,
    Path((id, request_id)): Path<(String, String)>,
    OData(raw): OData,
    prefer: Prefer,
    base: Base,
) -> ApiResult<Response> {
    let rel = read_relationship(&state, &caller, &id).await?;
    let select = parse_item_query(&schemas::REQUESTS, &raw, true)?;
    let rid = RequestId::parse(&request_id)?;
    let r = state
        .store
        .request(rel.id, rid)
        .await?
        .ok_or_else(|| ApiError::not_found("delegatedAdminRelationshipRequest", &request_id))?;
    Ok(entity(
        StatusCode::OK,
        base.context("requests/$entity"),
        dto::select(dto::request(&r, prefer.unknown_members), &select),
        None,
    ))
}

/// `POST …/{id}/requests` with `{"action": …}` (ReadWrite.All). `If-Match` is optional and checked
/// when sent. `reject` needs `Prefer: include-unknown-enum-members`.
#[utoipa::path(post, path = "/v1.0/tenantRelationships/delegatedAdminRelationships/{id}/requests", tag = "requests",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header)), request_body = RequestBody,
    responses((status = 201, description = "The request as recorded; Location names it", body = RequestJson), Refusals))]
pub async fn create_request(
    State(state): State<AppState>,
    Authorize(caller): Authorize<GdapWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
    prefer: Prefer,
    base: Base,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let partner = caller.partner;
    let rid = relationship_id(&id)?;
    let stored = || async {
        state
            .store
            .relationship(partner, rid)
            .await?
            .ok_or_else(|| ApiError::not_found("delegatedAdminRelationship", &id))
    };
    // The copy this node last wrote or followed, if it has one: the store checks its version, and
    // on any refusal the request is tried again from the store's own copy.
    let recent = state.directory.relationships.get(partner, rid);
    let from_store = recent.is_none();
    let rel = match recent {
        Some(r) => r,
        None => stored().await?,
    };
    let Body(body) = Body::<RequestBody>::read(body)?;
    let action = RequestAction::parse_wire(&body.action, prefer.unknown_members)
        .map_err(|e| ApiError::BadRequest(format!("`action`: {e}")))?;
    let request = match apply_request(&state, rel, action, &if_match, &base, &caller).await {
        Err(_) if !from_store => {
            apply_request(&state, stored().await?, action, &if_match, &base, &caller).await?
        }
        other => other?,
    };
    let location = format!(
        "{}/requests/{}",
        relationship_url(&base, &request.relationship_id),
        request.id
    );
    let body = dto::to_map(&dto::request(&request, prefer.unknown_members));
    state.scheduled();
    Ok(entity(
        StatusCode::CREATED,
        base.context("requests/$entity"),
        body,
        Some(location),
    ))
}

/// Checks `If-Match` against `rel` and submits the request through the application layer.
async fn apply_request(
    state: &AppState,
    rel: Relationship,
    action: RequestAction,
    if_match: &IfMatch,
    base: &Base,
    caller: &Authorized<GdapWrite>,
) -> ApiResult<RelationshipRequest> {
    if_match.check_if_present(&dto::relationship_etag(&rel))?;
    let command = SubmitRequest {
        relationship: rel,
        action,
        invitation: ApprovalMail {
            origin: base.origin.clone(),
            contact: None,
        },
    };
    Ok(command.execute(state, caller, state.now()).await?)
}
