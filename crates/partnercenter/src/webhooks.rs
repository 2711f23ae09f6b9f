//! `/webhooks/v1`: Partner Center's webhook registration (`registration`, its `events` and
//! `validationEvents`), the certificate deliveries are signed with, and, beyond Partner Center,
//! the queue of deliveries (`registration/deliveries`) with the replay of its offline part.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use gdap_app::state::AppState;
use gdap_app::webhooks;
use gdap_domain::timefmt::format_graph;
use gdap_domain::webhook::{Registration, EVENTS};
use gdap_store::{EventState, WebhookEvent};
use serde_json::{json, Value};

use crate::customers::field;
use crate::error::{PcError, PcResult};
use crate::PcCaller;

/// The routes under `/webhooks/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/webhooks/v1/registration/events", get(events))
        .route(
            "/webhooks/v1/registration",
            get(read).post(create).put(update).delete(remove),
        )
        .route(
            "/webhooks/v1/registration/validationEvents",
            post(validation_event),
        )
        .route(
            "/webhooks/v1/registration/validationEvents/{id}",
            get(validation_status),
        )
        .route("/webhooks/v1/registration/deliveries", get(deliveries))
        .route("/webhooks/v1/registration/deliveries/replay", post(replay))
        .route("/webhooks/v1/certificate", get(certificate))
        .route("/webhooks/v1/certificate/ca", get(ca_certificate))
}

fn registration_json(r: &Registration) -> Value {
    json!({
        "SubscriberId": r.subscriber_id,
        "WebhookUrl": r.url,
        "WebhookEvents": r.events,
        "SignatureTokenToMsSignatureHeader": r.ms_signature_header,
    })
}

/// Reads `{WebhookUrl, WebhookEvents, SignatureTokenToMsSignatureHeader?}` in any case.
fn body(raw: &[u8]) -> PcResult<(String, Vec<String>, bool)> {
    let bad = || {
        PcError::bad_request(
            "the body must be {\"WebhookUrl\": \"https://…\", \"WebhookEvents\": [\"…\"]}",
        )
    };
    let v: Value = serde_json::from_slice(raw).map_err(|_| bad())?;
    let o = v.as_object().ok_or_else(bad)?;
    let url = field(o, "WebhookUrl")
        .and_then(Value::as_str)
        .ok_or_else(bad)?
        .to_owned();
    let events = field(o, "WebhookEvents")
        .and_then(Value::as_array)
        .ok_or_else(bad)?
        .iter()
        .map(|e| e.as_str().map(str::to_owned).ok_or_else(bad))
        .collect::<PcResult<Vec<String>>>()?;
    let ms_signature = match field(o, "SignatureTokenToMsSignatureHeader") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(PcError::bad_request(
                "`SignatureTokenToMsSignatureHeader` must be true or false",
            ))
        }
    };
    Ok((url, events, ms_signature))
}

async fn events(_: PcCaller) -> Json<Value> {
    Json(json!(EVENTS))
}

async fn read(State(state): State<AppState>, PcCaller(partner): PcCaller) -> PcResult<Response> {
    let reg = webhooks::registration(&state, &partner).await?;
    Ok(Json(registration_json(&reg)).into_response())
}

async fn create(
    State(state): State<AppState>,
    PcCaller(partner): PcCaller,
    raw: axum::body::Bytes,
) -> PcResult<Response> {
    let (url, events, ms_signature) = body(&raw)?;
    let reg = webhooks::register(&state, &partner, &url, &events, ms_signature, true).await?;
    Ok(Json(registration_json(&reg)).into_response())
}

async fn update(
    State(state): State<AppState>,
    PcCaller(partner): PcCaller,
    raw: axum::body::Bytes,
) -> PcResult<Response> {
    let (url, events, ms_signature) = body(&raw)?;
    let reg = webhooks::register(&state, &partner, &url, &events, ms_signature, false).await?;
    Ok(Json(registration_json(&reg)).into_response())
}

async fn remove(State(state): State<AppState>, PcCaller(partner): PcCaller) -> PcResult<Response> {
    webhooks::unregister(&state, &partner).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn validation_event(
    State(state): State<AppState>,
    PcCaller(partner): PcCaller,
) -> PcResult<Response> {
    let correlation = webhooks::validation_event(&state, &partner).await?;
    Ok(Json(json!({ "correlationId": correlation })).into_response())
}

async fn validation_status(
    State(state): State<AppState>,
    PcCaller(partner): PcCaller,
    Path(id): Path<String>,
) -> PcResult<Response> {
    let correlation = uuid::Uuid::parse_str(id.trim())
        .map_err(|_| PcError::not_found("No validation event has this correlation id."))?;
    let (event, attempts, url) = webhooks::validation_status(&state, &partner, correlation).await?;
    let status = if event.delivered_at.is_some() || event.offline_at.is_some() {
        "completed"
    } else if attempts.is_empty() {
        "queued"
    } else {
        "processing"
    };
    let results: Vec<Value> = attempts
        .iter()
        .map(|a| {
            json!({
                "responseCode": a.response_code,
                "responseMessage": a.response_message,
                "systemError": a.system_error,
                "dateTimeUtc": format_graph(a.at),
            })
        })
        .collect();
    Ok(Json(json!({
        "correlationId": correlation,
        "partnerId": partner.partner.id,
        "status": status,
        "callbackUrl": url,
        "results": results,
    }))
    .into_response())
}

fn delivery_json(e: &WebhookEvent) -> Value {
    json!({
        "deliveryId": e.id,
        "eventName": e.event,
        "resourcePath": e.path,
        "resourceChangeUtcDate": format_graph(e.change_at),
        "queuedDateTimeUtc": format_graph(e.created_at),
        "attempts": e.attempts,
        "nextAttemptDateTimeUtc": e.next_attempt_at.map(format_graph),
        "deliveredDateTimeUtc": e.delivered_at.map(format_graph),
        "offlineDateTimeUtc": e.offline_at.map(format_graph),
    })
}

#[derive(serde::Deserialize)]
struct DeliveryQuery {
    state: Option<String>,
}

async fn deliveries(
    State(state): State<AppState>,
    PcCaller(partner): PcCaller,
    Query(q): Query<DeliveryQuery>,
) -> PcResult<Response> {
    let which = match q.state.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("pending") => EventState::Pending,
        Some("delivered") => EventState::Delivered,
        Some("offline") => EventState::Offline,
        Some(_) => {
            return Err(PcError::bad_request(
                "`state` must be pending, delivered or offline",
            ))
        }
    };
    let items: Vec<Value> = webhooks::deliveries(&state, &partner, which)
        .await?
        .iter()
        .map(delivery_json)
        .collect();
    Ok(Json(json!({
        "totalCount": items.len(),
        "items": items,
        "attributes": {"objectType": "Collection"},
    }))
    .into_response())
}

async fn replay(State(state): State<AppState>, PcCaller(partner): PcCaller) -> PcResult<Response> {
    let n = webhooks::replay(&state, &partner).await?;
    Ok(Json(json!({ "replayed": n })).into_response())
}

async fn der(state: &AppState, ca: bool) -> PcResult<Response> {
    let signer = gdap_app::webhook_signer::shared(state)
        .await
        .map_err(gdap_app::AppError::from)?;
    let body = if ca {
        signer.ca.clone()
    } else {
        signer.certificate.clone()
    };
    Ok(([(header::CONTENT_TYPE, "application/pkix-cert")], body).into_response())
}

/// The certificate deliveries are signed with (DER), as `X-MS-Certificate-Url` names it.
async fn certificate(State(state): State<AppState>) -> PcResult<Response> {
    der(&state, false).await
}

/// The CA the signing certificate chains to (DER).
async fn ca_certificate(State(state): State<AppState>) -> PcResult<Response> {
    der(&state, true).await
}
