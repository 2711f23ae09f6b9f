//! The tenant itself (`/organization`) and the licenses it holds (`/subscribedSkus`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use gdap_domain::authz::operations::directory::{READ_ORGANIZATION, READ_SUBSCRIBED_SKUS};

use super::authorize;
use super::error::DirectoryResult;
use super::schemas::OrganizationJson;
use crate::entity;
use gdap_app::state::AppState;
use gdap_http::auth::GraphCaller;
use gdap_http::dto::{Collection, SubscribedSkuJson};
use gdap_http::error::ApiError;
use gdap_http::extract::Base;
use gdap_http::schema::Refusals;

/// `GET /organization`: the tenant itself.
#[utoipa::path(get, path = "/v1.0/organization", tag = "directory",
    responses((status = 200, body = Collection<OrganizationJson>), Refusals))]
pub async fn organization(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
) -> DirectoryResult<Response> {
    authorize(&state, &caller, READ_ORGANIZATION, "organization").await?;
    let t = state
        .tenant(caller.tenant)
        .await?
        .ok_or_else(|| ApiError::not_found("organization", &caller.tenant.to_string()))?;
    Ok(axum::Json(json!({
        "@odata.context": format!("{}/$metadata#organization", base.root()),
        "value": [OrganizationJson::of(&t)],
    }))
    .into_response())
}

const READ_SKU_APPS: &[&str] = &[
    "Organization.Read.All",
    "Organization.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];

/// `GET /subscribedSkus`: the licenses the tenant's subscriptions give.
#[utoipa::path(get, path = "/v1.0/subscribedSkus", tag = "directory",
    responses((status = 200, body = Collection<SubscribedSkuJson>), Refusals))]
pub async fn list_subscribed_skus(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
) -> DirectoryResult<Response> {
    super::authorize_any(
        &state,
        &caller,
        &[READ_SUBSCRIBED_SKUS],
        "subscribedSkus",
        READ_SKU_APPS,
    )
    .await?;
    let value = gdap_app::directory::subscribed_skus(&state, caller.tenant).await?;
    Ok(axum::Json(json!({
        "@odata.context": format!("{}/$metadata#subscribedSkus", base.root()),
        "value": value,
    }))
    .into_response())
}

/// `GET /subscribedSkus/{id}` (`{tenantId}_{skuId}`).
#[utoipa::path(get, path = "/v1.0/subscribedSkus/{id}", tag = "directory",
    params(("id" = String, Path, description = "`{tenantId}_{skuId}`")),
    responses((status = 200, body = SubscribedSkuJson), Refusals))]
pub async fn get_subscribed_sku(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    Path(id): Path<String>,
) -> DirectoryResult<Response> {
    super::authorize_any(&state, &caller, &[READ_SUBSCRIBED_SKUS], &id, READ_SKU_APPS).await?;
    let sku = gdap_app::directory::subscribed_skus(&state, caller.tenant)
        .await?
        .into_iter()
        .find(|s| {
            s["id"]
                .as_str()
                .is_some_and(|x| x.eq_ignore_ascii_case(&id))
        })
        .ok_or_else(|| ApiError::not_found("subscribedSku", &id))?;
    Ok(entity(
        StatusCode::OK,
        format!("{}/$metadata#subscribedSkus/$entity", base.root()),
        sku,
        None,
    ))
}
