//! `operations` of a relationship (read-only; created by PATCH requests that return 202).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use gdap_domain::ids::OperationId;
use gdap_domain::query::{parse_item_query, parse_list_query, schemas};
use gdap_http::auth::Authorize;

use super::{collection, entity, load_relationship};
use gdap_app::caller::GdapRead;
use gdap_app::state::AppState;
use gdap_http::dto::{self, *};
use gdap_http::error::{ApiError, ApiResult};
use gdap_http::extract::{Base, OData, Prefer};
use gdap_http::schema::Refusals;

/// `GET …/{id}/operations` (Read.All).
#[utoipa::path(get, path = "/v1.0/tenantRelationships/delegatedAdminRelationships/{id}/operations", tag = "operations",
    params(("id" = String, Path), ("$filter" = Option<String>, Query), ("$orderby" = Option<String>, Query), ("$select" = Option<String>, Query), ("$top" = Option<u32>, Query), ("$count" = Option<bool>, Query), ("$skiptoken" = Option<String>, Query)),
    responses((status = 200, body = Collection<OperationJson>), Refusals))]
pub async fn list_operations(
    State(state): State<AppState>,
    Authorize(caller): Authorize<GdapRead>,
    Path(id): Path<String>,
    OData(raw): OData,
    prefer: Prefer,
    base: Base,
) -> ApiResult<Response> {
    let rel = load_relationship(&state, &caller, &id).await?;
    let q = parse_list_query(&schemas::OPERATIONS, &raw, true)?;
    let page = state.store.list_operations(rel.id, &q).await?;
    Ok(collection(
        &base,
        base.context("operations"),
        page,
        |o, out| {
            dto::write(
                out,
                dto::select(dto::operation(o, prefer.unknown_members), &q.select),
            )
        },
    ))
}

/// `GET …/{id}/operations/{operationId}` (Read.All): what a 202 `Location` points to.
#[utoipa::path(get, path = "/v1.0/tenantRelationships/delegatedAdminRelationships/{id}/operations/{operation_id}", tag = "operations",
    params(("id" = String, Path), ("operation_id" = String, Path), ("$select" = Option<String>, Query)),
    responses((status = 200, body = OperationJson), Refusals))]
pub async fn get_operation(
    State(state): State<AppState>,
    Authorize(caller): Authorize<GdapRead>,
    Path((id, oid)): Path<(String, String)>,
    OData(raw): OData,
    prefer: Prefer,
    base: Base,
) -> ApiResult<Response> {
    let rel = load_relationship(&state, &caller, &id).await?;
    let select = parse_item_query(&schemas::OPERATIONS, &raw, true)?;
    let op_id = OperationId::parse(&oid)?;
    let op = state
        .store
        .operation(rel.id, op_id)
        .await?
        .ok_or_else(|| ApiError::not_found("delegatedAdminRelationshipOperation", &oid))?;
    Ok(entity(
        StatusCode::OK,
        base.context("operations/$entity"),
        dto::select(dto::operation(&op, prefer.unknown_members), &select),
        None,
    ))
}
