//! The tenant itself (`/organization`) and the licenses it holds (`/subscribedSkus`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gdap_domain::ids::TenantId;
use serde_json::{json, Value};

use gdap_domain::authz::operations::directory::{READ_ORGANIZATION, READ_SUBSCRIBED_SKUS};

use super::authorize;
use crate::auth::GraphCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::Base;
use crate::graph::entity;
use crate::state::AppState;

/// `GET /organization`: the tenant itself.
pub async fn organization(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
) -> ApiResult<Response> {
    authorize(&state, &caller, READ_ORGANIZATION, "organization").await?;
    let t = state
        .tenant(caller.tenant)
        .await?
        .ok_or_else(|| ApiError::not_found("organization", &caller.tenant.to_string()))?;
    Ok(axum::Json(json!({
        "@odata.context": format!("{}/$metadata#organization", base.root()),
        "value": [{
            "id": t.id,
            "displayName": t.display_name,
            "verifiedDomains": [{"name": t.domain, "isDefault": true, "isInitial": true}],
        }],
    }))
    .into_response())
}

const READ_SKU_APPS: &[&str] = &[
    "Organization.Read.All",
    "Organization.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];

/// The licenses of a tenant as Graph `subscribedSku` objects. gdap does not assign licenses to
/// users, so no unit is consumed.
pub(crate) async fn subscribed_skus(state: &AppState, tenant: TenantId) -> ApiResult<Vec<Value>> {
    let org = state.tenant(tenant).await?;
    let subs = state.store.subscriptions_of(tenant).await?;
    Ok(gdap_domain::billing::licenses(&subs)
        .iter()
        .map(|l| {
            json!({
                "id": format!("{tenant}_{}", l.offer.sku_id),
                "accountId": tenant,
                "accountName": org.as_ref().map(|o| o.display_name.clone()),
                "appliesTo": "User",
                "capabilityStatus": "Enabled",
                "consumedUnits": 0,
                "skuId": l.offer.sku_id,
                "skuPartNumber": l.offer.sku_part_number,
                "subscriptionIds": l.subscriptions,
                "prepaidUnits": {"enabled": l.enabled, "suspended": 0, "warning": 0, "lockedOut": 0},
                "servicePlans": [],
            })
        })
        .collect())
}

/// `GET /subscribedSkus`: the licenses the tenant's subscriptions give.
pub async fn list_subscribed_skus(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
) -> ApiResult<Response> {
    super::authorize_any(
        &state,
        &caller,
        &[READ_SUBSCRIBED_SKUS],
        "subscribedSkus",
        READ_SKU_APPS,
    )
    .await?;
    let value = subscribed_skus(&state, caller.tenant).await?;
    Ok(axum::Json(json!({
        "@odata.context": format!("{}/$metadata#subscribedSkus", base.root()),
        "value": value,
    }))
    .into_response())
}

/// `GET /subscribedSkus/{id}` (`{tenantId}_{skuId}`).
pub async fn get_subscribed_sku(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    super::authorize_any(&state, &caller, &[READ_SUBSCRIBED_SKUS], &id, READ_SKU_APPS).await?;
    let sku = subscribed_skus(&state, caller.tenant)
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
