//! `GET /v1/customers/{id}/subscribedskus`: the licenses a customer's subscriptions give, as
//! Partner Center lists them to the customer's partner.

use axum::extract::{Path, State};
use axum::Json;
use gdap_app::error::AppError;
use gdap_app::partner_center;
use gdap_app::state::AppState;
use serde_json::{json, Value};

use crate::error::PcResult;
use crate::PcCaller;

/// The customer's subscribed SKUs: seats bought per product (no seat is assigned to users in gdap,
/// so all are available).
pub async fn subscribed_skus(
    State(state): State<AppState>,
    PcCaller(partner): PcCaller,
    Path(id): Path<String>,
) -> PcResult<Json<Value>> {
    let id = crate::customers::customer_id(&id)?;
    partner_center::customer(&state, &partner, id).await?;
    let subscriptions = state
        .store
        .subscriptions_of(id)
        .await
        .map_err(AppError::from)?;
    let items: Vec<Value> = gdap_domain::billing::licenses(&subscriptions)
        .iter()
        .map(|l| {
            json!({
                "availableUnits": l.enabled,
                "activeUnits": l.enabled,
                "consumedUnits": 0,
                "suspendedUnits": 0,
                "totalUnits": l.enabled,
                "warningUnits": 0,
                "productSku": {
                    "id": l.offer.sku_id,
                    "name": l.offer.display_name,
                    "skuPartNumber": l.offer.sku_part_number,
                    "targetType": "User",
                    "licenseGroupId": "Group1",
                },
                "servicePlans": [],
                "capabilityStatus": "Enabled",
                "attributes": { "objectType": "SubscribedSku" },
            })
        })
        .collect();
    Ok(Json(json!({
        "totalCount": items.len(),
        "items": items,
        "links": {},
        "attributes": { "objectType": "Collection" },
    })))
}
