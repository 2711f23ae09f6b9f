//! The customer's billing area under `/admincenter/v1/billing` (the admin center's *Billing*
//! menu): offers (*Purchase services*), purchases, subscriptions (*Your products*), invoices
//! (*Bills & payments*), licenses and billing notification settings. Each call is authorized
//! against a `microsoft.commerce.billing` action by the authorization index, so a partner acting
//! on behalf of the customer is refused purchases, products and bills (`aoboRestricted`) whatever
//! its roles, while licenses and billing notifications stay readable to it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use gdap_domain::billing::{self, BillingNotifications};
use gdap_domain::timefmt::format_graph;
use serde_json::{json, Value};

use gdap_domain::authz::operations::billing::{
    READ_INVOICES, READ_LICENSES, READ_NOTIFICATIONS, READ_OFFERS, READ_PRODUCTS,
};
use gdap_http::auth::AdminCaller;

use crate::schemas::*;
use gdap_app::billing::{Purchase, UpdateNotifications};
use gdap_app::directory::authorize_any;
use gdap_app::state::AppState;
use gdap_http::body::{Body, GraphBody};
use gdap_http::error::{ApiError, ApiResult};
use gdap_http::extract::JsonObject;
use gdap_http::schema::Refusals;

/// The body of a purchase.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(example = json!({"skuId": "3b555118-da6a-4418-894f-7df1e2096870", "quantity": 5}))]
pub struct PurchaseBody {
    /// The offer's SKU id.
    pub sku_id: String,
    /// Licences, 1 to 10,000.
    pub quantity: i64,
}

impl GraphBody for PurchaseBody {
    const TYPE: &'static str = "purchase";
}

/// The body of a change to the billing notification settings.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(example = json!({"recipients": ["billing@fabrikam.onmicrosoft.com"], "language": "ja", "attachInvoicePdf": true}))]
pub struct NotificationsBody {
    /// Who receives invoices by e-mail.
    pub recipients: Option<Vec<String>>,
    /// `ja` or `en`.
    pub language: Option<String>,
    /// Whether invoices come as PDF attachments.
    pub attach_invoice_pdf: Option<bool>,
}

impl GraphBody for NotificationsBody {
    const TYPE: &'static str = "billingNotifications";
}

/// Routes under `/admincenter/v1/billing`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admincenter/v1/billing/offers", get(list_offers))
        .route("/admincenter/v1/billing/purchases", post(purchase))
        .route("/admincenter/v1/billing/products", get(list_products))
        .route("/admincenter/v1/billing/invoices", get(list_invoices))
        .route("/admincenter/v1/billing/licenses", get(list_licenses))
        .route(
            "/admincenter/v1/billing/notifications",
            get(get_notifications).patch(update_notifications),
        )
}

async fn allow(
    state: &AppState,
    caller: &AdminCaller,
    action: &str,
    target: &str,
) -> ApiResult<()> {
    Ok(authorize_any(state, &caller.0, &[action], target, &[]).await?)
}

/// Cents as a decimal amount (`"66.00"`).
fn amount(cents: u64, currency: &str) -> Value {
    json!({"amount": format!("{}.{:02}", cents / 100, cents % 100), "currency": currency})
}

/// `GET /admincenter/v1/billing/offers`: what can be bought (*Purchase services*).
#[utoipa::path(get, path = "/admincenter/v1/billing/offers", tag = "billing",
    responses((status = 200, description = "Offers with SKU, name and monthly price per seat", body = Values<OfferJson>), Refusals))]
pub async fn list_offers(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> ApiResult<Json<Value>> {
    allow(&state, &caller, READ_OFFERS, "offers").await?;
    let value: Vec<Value> = billing::offers()
        .iter()
        .map(|o| {
            json!({
                "skuId": o.sku_id,
                "skuPartNumber": o.sku_part_number,
                "displayName": o.display_name,
                "unitPrice": amount(o.unit_price_cents, billing::CURRENCY),
                "billingFrequency": "monthly",
                "unit": "user",
            })
        })
        .collect();
    Ok(Json(json!({ "value": value })))
}

/// `POST /admincenter/v1/billing/purchases` with `skuId` (GUID or part number) and `quantity`:
/// a new subscription and its first invoice. The tenant must have accepted the Microsoft
/// Customer Agreement.
#[utoipa::path(post, path = "/admincenter/v1/billing/purchases", tag = "billing", request_body = PurchaseBody,
    responses((status = 201, description = "The subscription and its invoice", body = PurchaseJson), Refusals))]
pub async fn purchase(
    State(state): State<AppState>,
    caller: AdminCaller,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let Body(PurchaseBody {
        sku_id: sku,
        quantity,
    }) = Body::read(body)?;
    let (sub, invoice) = Purchase { sku, quantity }
        .execute(&state, &caller.0, state.now())
        .await?;
    let body = json!({
        "subscription": product_json(&sub),
        "invoice": invoice_json(&invoice),
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

fn product_json(s: &billing::Subscription) -> Value {
    let offer = billing::offers().iter().find(|o| o.sku_id == s.sku_id);
    json!({
        "id": s.id,
        "skuId": s.sku_id,
        "skuPartNumber": offer.map(|o| o.sku_part_number.as_str()),
        "displayName": offer.map(|o| o.display_name.as_str()),
        "quantity": s.quantity,
        "status": "active",
        "createdDateTime": format_graph(s.created_at),
        "purchasedBy": s.purchased_by,
    })
}

fn invoice_json(i: &billing::Invoice) -> Value {
    json!({
        "id": i.id,
        "subscriptionId": i.subscription,
        "issuedDateTime": format_graph(i.issued_at),
        "totalAmount": amount(i.amount_cents, &i.currency),
        "description": i.description,
        "status": "due",
    })
}

/// `GET /admincenter/v1/billing/products`: the tenant's subscriptions (*Your products*).
#[utoipa::path(get, path = "/admincenter/v1/billing/products", tag = "billing",
    responses((status = 200, description = "Subscriptions, oldest first", body = Values<ProductJson>), Refusals))]
pub async fn list_products(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> ApiResult<Json<Value>> {
    allow(&state, &caller, READ_PRODUCTS, "products").await?;
    let subs = state.store.subscriptions_of(caller.0.tenant).await?;
    Ok(Json(
        json!({ "value": subs.iter().map(product_json).collect::<Vec<_>>() }),
    ))
}

/// `GET /admincenter/v1/billing/invoices`: the tenant's invoices (*Bills & payments*).
#[utoipa::path(get, path = "/admincenter/v1/billing/invoices", tag = "billing",
    responses((status = 200, description = "Invoices, newest first", body = Values<InvoiceJson>), Refusals))]
pub async fn list_invoices(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> ApiResult<Json<Value>> {
    allow(&state, &caller, READ_INVOICES, "invoices").await?;
    let invoices = state.store.invoices_of(caller.0.tenant).await?;
    Ok(Json(
        json!({ "value": invoices.iter().map(invoice_json).collect::<Vec<_>>() }),
    ))
}

/// `GET /admincenter/v1/billing/licenses`: seats per product (*Licenses*), readable by partners
/// too.
#[utoipa::path(get, path = "/admincenter/v1/billing/licenses", tag = "billing",
    responses((status = 200, description = "Licenses as Graph `subscribedSku` objects", body = Licenses), Refusals))]
pub async fn list_licenses(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> ApiResult<Json<Value>> {
    allow(&state, &caller, READ_LICENSES, "licenses").await?;
    let value = gdap_app::directory::subscribed_skus(&state, caller.0.tenant).await?;
    Ok(Json(json!({ "value": value })))
}

fn notifications_json(n: &BillingNotifications) -> Value {
    json!({
        "recipients": n.recipients,
        "language": n.language,
        "attachInvoicePdf": n.attach_invoice_pdf,
    })
}

async fn current_notifications(
    state: &AppState,
    tenant: gdap_domain::ids::TenantId,
) -> ApiResult<BillingNotifications> {
    Ok(gdap_app::billing::notifications_of(state, tenant).await?)
}

/// `GET /admincenter/v1/billing/notifications`: who receives billing e-mail (*Billing
/// notifications*), readable by partners too.
#[utoipa::path(get, path = "/admincenter/v1/billing/notifications", tag = "billing",
    responses((status = 200, description = "Recipients, language, PDF attachment", body = NotificationsJson), Refusals))]
pub async fn get_notifications(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> ApiResult<Json<Value>> {
    allow(&state, &caller, READ_NOTIFICATIONS, "billingNotifications").await?;
    let n = current_notifications(&state, caller.0.tenant).await?;
    Ok(Json(notifications_json(&n)))
}

/// `PATCH /admincenter/v1/billing/notifications` with any of `recipients`, `language`,
/// `attachInvoicePdf`.
#[utoipa::path(patch, path = "/admincenter/v1/billing/notifications", tag = "billing", request_body = NotificationsBody,
    responses((status = 200, description = "The settings as saved", body = NotificationsJson), Refusals))]
pub async fn update_notifications(
    State(state): State<AppState>,
    caller: AdminCaller,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Value>> {
    let Body(NotificationsBody {
        recipients,
        language,
        attach_invoice_pdf: pdf,
    }) = Body::read(body)?;
    if recipients
        .as_ref()
        .is_some_and(|r| r.len() > billing::MAX_RECIPIENTS + 1)
    {
        return Err(ApiError::BadRequest(format!(
            "`recipients` has more than {} items",
            billing::MAX_RECIPIENTS + 1
        )));
    }
    let new = UpdateNotifications {
        recipients,
        language,
        attach_invoice_pdf: pdf,
    }
    .execute(&state, &caller.0)
    .await?;
    Ok(Json(notifications_json(&new)))
}
