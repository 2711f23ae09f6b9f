//! Development controls (only routed in development mode): reset and the clock.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use gdap_domain::duration::IsoDuration;
use gdap_domain::timefmt::{format_graph, parse_rfc3339};
use serde_json::{json, Value};

use gdap_app::state::AppState;
use gdap_http::body::{Body, GraphBody};
use gdap_http::error::{ApiError, ApiResult};
use gdap_http::extract::JsonObject;
use gdap_http::schema::Refusals;

/// The body of a clock move: one of the two.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockBody {
    /// An ISO 8601 duration to move forward (`P1D`).
    pub advance: Option<String>,
    /// An instant to move to (`2027-01-01T00:00:00Z`), never back.
    pub set: Option<String>,
}

impl GraphBody for ClockBody {
    const TYPE: &'static str = "clock";
}

/// The lifecycle clock.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClockJson {
    /// Now, by the clock.
    pub now: String,
    /// How far it runs ahead of real time.
    pub offset_seconds: i64,
    /// Lifecycle steps applied by the move.
    pub steps_applied: Option<u64>,
}

/// An e-mail of the outbox.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MailJson {
    /// Its id.
    pub id: String,
    /// The recipient.
    pub to: String,
    /// The subject.
    pub subject: String,
    /// The text.
    pub body: String,
    /// The relationship it is about.
    pub relationship_id: Option<String>,
    /// When it was queued.
    pub created_date_time: String,
    /// Delivery attempts.
    pub attempts: u32,
    /// When it was sent.
    pub sent_date_time: Option<String>,
    /// The last delivery error.
    pub last_error: Option<String>,
}

/// The newest e-mails.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Outbox {
    /// Newest first.
    pub value: Vec<MailJson>,
}

/// Routes under `/_gdap`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_gdap/reset", post(reset))
        .route("/_gdap/clock", get(get_clock).post(set_clock))
        .route("/_gdap/outbox", get(outbox))
}

/// `POST /_gdap/reset`: deletes every relationship and restores the starting world.
#[utoipa::path(post, path = "/_gdap/reset", tag = "development", responses((status = 204, description = "Reset"), Refusals))]
pub async fn reset(State(state): State<AppState>) -> ApiResult<StatusCode> {
    let _guard = state.lifecycle_lock.lock().await;
    state.store.reset().await?;
    if let Some(world) = &state.world {
        state.store.insert_directory((**world).clone()).await?;
    }
    tracing::info!("development reset");
    Ok(StatusCode::NO_CONTENT)
}

fn clock_view(state: &AppState) -> Value {
    let offset = state
        .dev_clock
        .as_ref()
        .map(|c| c.offset().whole_seconds())
        .unwrap_or_default();
    json!({ "now": format_graph(state.now()), "offsetSeconds": offset })
}

/// `GET /_gdap/clock`: the lifecycle clock.
#[utoipa::path(get, path = "/_gdap/clock", tag = "development", responses((status = 200, body = ClockJson), Refusals))]
pub async fn get_clock(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    state.sync_clock().await?;
    Ok(Json(clock_view(&state)))
}

/// `POST /_gdap/clock` with `{"advance": "P1D"}` or `{"set": "2027-01-01T00:00:00Z"}`: moves the
/// clock forward and runs every lifecycle step due up to the new instant before answering.
#[utoipa::path(post, path = "/_gdap/clock", tag = "development", request_body = ClockBody,
    responses((status = 200, body = ClockJson), Refusals))]
pub async fn set_clock(
    State(state): State<AppState>,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Value>> {
    let clock = state.dev_clock.clone().ok_or_else(|| {
        ApiError::NotFound("the clock can only be moved in development mode".into())
    })?;
    state.sync_clock().await?;
    let Body(ClockBody { advance, set }) = Body::read(body)?;
    let now = match (advance, set) {
        (Some(a), None) => {
            let d = IsoDuration::parse(&a)
                .map_err(|e| ApiError::BadRequest(format!("`advance`: {e}")))?;
            clock
                .advance(d.to_time())
                .map_err(|e| ApiError::BadRequest(e.to_string()))?
        }
        (None, Some(s)) => {
            let t = parse_rfc3339(&s).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "`set`: `{}` is not a date-time such as 2027-01-01T00:00:00Z",
                    s.chars().take(40).collect::<String>()
                ))
            })?;
            clock
                .set(t)
                .map_err(|e| ApiError::BadRequest(e.to_string()))?
        }
        _ => {
            return Err(ApiError::BadRequest(
                "send exactly one of `advance` (an ISO 8601 duration) or `set` (a date-time)"
                    .into(),
            ))
        }
    };
    state
        .store
        .raise_clock_offset(i64::try_from(clock.offset().whole_microseconds()).unwrap_or(i64::MAX))
        .await?;
    let report = state.run_lifecycle(Some(now)).await?;
    let mut v = clock_view(&state);
    v["stepsApplied"] = json!(report.total());
    Ok(Json(v))
}

/// `GET /_gdap/outbox`: the newest 200 e-mails, sent or waiting, with their text.
#[utoipa::path(get, path = "/_gdap/outbox", tag = "development", responses((status = 200, body = Outbox), Refusals))]
pub async fn outbox(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let mails = state.store.outbox(200).await?;
    let value: Vec<Value> = mails
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "to": m.to,
                "subject": m.subject,
                "body": m.body,
                "relationshipId": m.relationship_id,
                "createdDateTime": format_graph(m.created_at),
                "attempts": m.attempts,
                "sentDateTime": m.sent_at.map(format_graph),
                "lastError": m.last_error,
            })
        })
        .collect();
    Ok(Json(json!({ "value": value })))
}
