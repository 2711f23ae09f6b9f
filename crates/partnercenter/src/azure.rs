//! `POST /v1/customers/{id}/orders` for the Azure plan: a CSP partner provisions an Azure
//! subscription for its customer; the partner's Admin Agents group becomes its Owner (a foreign
//! group), as Partner Center does.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use gdap_app::state::AppState;
use gdap_domain::timefmt::format_graph;
use serde_json::{json, Value};

use crate::customers::{customer_id, field};
use crate::devices::PcLargeJson;
use crate::error::{PcError, PcResult};
use crate::PcCaller;

/// The Azure plan's offer (product `DZH318Z0BPS6`, SKU `0001`).
pub const AZURE_PLAN: &str = "DZH318Z0BPS6:0001";

/// `POST /v1/customers/{id}/orders` with one line item of the Azure plan → `201` `Order`, its line
/// item naming the new subscription.
pub async fn order(
    State(state): State<AppState>,
    PcCaller(partner): PcCaller,
    Path(id): Path<String>,
    PcLargeJson(body): PcLargeJson,
) -> PcResult<Response> {
    let customer = customer_id(&id)?;
    let items = body
        .as_object()
        .and_then(|o| field(o, "lineItems"))
        .and_then(Value::as_array)
        .filter(|l| l.len() == 1)
        .ok_or_else(|| {
            PcError::bad_request("an order holds `lineItems`: one line item of the Azure plan")
        })?;
    let item = items[0]
        .as_object()
        .ok_or_else(|| PcError::bad_request("a line item is an object"))?;
    let offer = field(item, "offerId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !offer.eq_ignore_ascii_case(AZURE_PLAN) {
        return Err(PcError::bad_request(format!(
            "gdap provisions the Azure plan (`offerId` {AZURE_PLAN}) through orders; other products are bought in the customer's admin center"
        )));
    }
    if !gdap_app::agreements::customer_agreement_in_place(&state, customer).await? {
        return Err(PcError::new(
            StatusCode::FORBIDDEN,
            13605,
            "MicrosoftCustomerAgreementRequired",
            "Either a partner confirmation of the customer acceptance of the Microsoft Customer Agreement must be provided or the customer must accept the Microsoft Customer Agreement in the Microsoft Admin Center before you can complete this purchase",
        ));
    }
    let name = field(item, "friendlyName")
        .and_then(Value::as_str)
        .unwrap_or("Azure plan");
    let s = gdap_app::azure::provision(&state, &partner, customer, name).await?;
    let body = json!({
        "id": uuid::Uuid::new_v4(),
        "referenceCustomerId": customer,
        "billingCycle": "monthly",
        "lineItems": [{
            "lineItemNumber": 0,
            "offerId": AZURE_PLAN,
            "subscriptionId": s.id,
            "friendlyName": s.display_name,
            "quantity": 1,
        }],
        "status": "completed",
        "creationDate": format_graph(s.created_at),
        "attributes": { "objectType": "Order" },
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
