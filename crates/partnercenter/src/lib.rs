//! The Partner Center face: the REST API partners' automation calls at
//! `api.partnercenter.microsoft.com`, under `/v1`, with Partner Center's own conventions rather
//! than Graph's: App+User tokens for its audience, `MS-RequestId` and `MS-CorrelationId` echoed,
//! resources with `attributes.objectType`, collections as `{totalCount, items, links,
//! attributes}` paged by `MS-ContinuationToken`, and its error body.

mod agreements;
mod azure;
mod consents;
mod create;
mod customers;
mod devices;
mod document;
pub mod error;
mod policies;
mod skus;
mod webhooks;

use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use gdap_app::caller::{Principal, PARTNER_CENTER_AUDIENCE};
use gdap_app::partner_center::PartnerUser;
use gdap_app::state::AppState;

use error::{PcError, PcResult};

/// Routes under `/v1` and `/webhooks/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/customers/relationshiprequests",
            get(customers::relationship_request),
        )
        .route("/v1/customers", get(customers::list).post(create::create))
        .route(
            "/v1/customers/{id}",
            get(customers::get_one).patch(customers::update),
        )
        .route(
            "/v1/customers/{id}/applicationconsents",
            axum::routing::post(consents::create),
        )
        .route(
            "/v1/customers/{id}/applicationconsents/{app}",
            axum::routing::delete(consents::delete),
        )
        .route("/v1/agreements", get(agreements::metadata))
        .route(
            "/v1/agreementtemplates/{id}/document",
            get(document::document),
        )
        .route(
            "/v1/agreementtemplates/{id}/document/view",
            get(document::view),
        )
        .route(
            "/v1/agreementtemplates/{id}/document/download",
            get(document::download),
        )
        .route(
            "/v1/customers/{id}/subscribedskus",
            get(skus::subscribed_skus),
        )
        .route(
            "/v1/customers/{id}/agreements",
            get(agreements::of_customer).post(agreements::attest),
        )
        .route(
            "/v1/customers/{id}/directSignedMicrosoftCustomerAgreementStatus",
            get(agreements::direct_signed),
        )
        .route(
            "/v1/customers/{id}/deviceBatches",
            get(devices::list_batches).post(devices::create_batch),
        )
        .route(
            "/v1/customers/{id}/deviceBatches/validate",
            axum::routing::post(devices::validate),
        )
        .route(
            "/v1/customers/{id}/deviceBatches/{batch}/devices",
            get(devices::list_devices).post(devices::add_devices),
        )
        .route(
            "/v1/customers/{id}/deviceBatches/{batch}/devices/{device}",
            axum::routing::delete(devices::delete_device),
        )
        .route(
            "/v1/customers/{id}/batchJobStatus/{tracking}",
            get(devices::job_status),
        )
        .route(
            "/v1/customers/{id}/DevicePolicyUpdates",
            axum::routing::patch(policies::update_devices),
        )
        .route(
            "/v1/customers/{id}/devicePolicyUpdates",
            axum::routing::patch(policies::update_devices),
        )
        .route(
            "/v1/customers/{id}/policies",
            get(policies::list).post(policies::create),
        )
        .route(
            "/v1/customers/{id}/policies/{policy}",
            get(policies::get_one)
                .put(policies::replace)
                .patch(policies::replace)
                .delete(policies::delete),
        )
        .route(
            "/v1/customers/{id}/orders",
            axum::routing::post(azure::order),
        )
        .merge(webhooks::routes())
        .layer(axum::middleware::from_fn(echo_ids))
}

/// A GUID header the client sent, or a fresh one.
fn guid_or_new(headers: &HeaderMap, name: &str) -> HeaderValue {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| uuid::Uuid::parse_str(v).ok())
        .unwrap_or_else(uuid::Uuid::new_v4)
        .hyphenated()
        .to_string()
        .parse()
        .unwrap_or_else(|_| HeaderValue::from_static("00000000-0000-0000-0000-000000000000"))
}

/// Echoes `MS-RequestId` and `MS-CorrelationId` (fresh GUIDs when the client sent none).
async fn echo_ids(req: Request, next: Next) -> Response {
    let request_id = guid_or_new(req.headers(), "ms-requestid");
    let correlation_id = guid_or_new(req.headers(), "ms-correlationid");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert("ms-requestid", request_id);
    h.insert("ms-correlationid", correlation_id);
    res
}

/// The address clients reach this server at (for links), from the configured public URL.
pub struct PcOrigin(pub String);

impl axum::extract::FromRequestParts<AppState> for PcOrigin {
    type Rejection = PcError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> PcResult<Self> {
        Ok(Self(gdap_http::extract::origin(state, parts)))
    }
}

/// A Partner Center caller: a partner user's token for Partner Center's audience.
pub struct PcCaller(pub PartnerUser);

impl axum::extract::FromRequestParts<AppState> for PcCaller {
    type Rejection = PcError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> PcResult<Self> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, t)| scheme.eq_ignore_ascii_case("bearer") && !t.trim().is_empty())
            .map(|(_, t)| t.trim())
            .ok_or_else(|| {
                PcError::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    401,
                    "Unauthorized",
                    "The request needs an App+User access token for Partner Center.",
                )
            })?;
        let principal = Principal::from_token(state, token, &[PARTNER_CENTER_AUDIENCE])?;
        Ok(Self(PartnerUser::of(state, &principal).await?))
    }
}
