//! The operations endpoints: `/livez` (the process answers), `/readyz` (and reaches its
//! database), `/healthz` (the former name of `/livez`), and `/metrics` in Prometheus' text format —
//! on the main address only in development mode or behind the configured bearer token, and on the
//! separate metrics address (see [`metrics_app`]) without one.

use axum::extract::{MatchedPath, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use gdap_app::AppState;

/// The media type of the exposition.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The operations routes of the main address; `/metrics` among them when `metrics` (development
/// mode, or a token is configured).
pub fn routes(metrics: bool) -> Router<AppState> {
    let r = Router::new()
        .route("/healthz", get(live))
        .route("/livez", get(live))
        .route("/readyz", get(ready));
    if metrics {
        r.route("/metrics", get(guarded_metrics))
    } else {
        r
    }
}

/// The application of the separate metrics address: `/metrics`, `/livez` and `/readyz`, with no
/// token (the address itself is what is kept private).
pub fn metrics_app(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/livez", get(live))
        .route("/readyz", get(ready))
        .with_state(state)
}

/// Keeps the route a request matched on its response, for the metrics.
pub async fn keep_route(path: MatchedPath, mut res: Response) -> Response {
    res.extensions_mut().insert(path);
    res
}

async fn live() -> &'static str {
    "ok"
}

/// Ready when the database answers.
async fn ready(State(state): State<AppState>) -> Response {
    match state.store.last_change().await {
        Ok(_) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the database does not answer",
            )
                .into_response()
        }
    }
}

async fn guarded_metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !state.config.dev {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "));
        let expected = state.config.metrics_token.as_ref();
        if !matches!((given, expected), (Some(g), Some(e)) if e.matches(g)) {
            let mut res =
                (StatusCode::UNAUTHORIZED, "a valid metrics token is needed").into_response();
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return res;
        }
    }
    metrics(State(state)).await
}

async fn metrics(State(state): State<AppState>) -> Response {
    match state.metrics.render(&state).await {
        Ok(text) => ([(header::CONTENT_TYPE, OPENMETRICS)], text).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "rendering the metrics failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the metrics cannot be read now",
            )
                .into_response()
        }
    }
}
