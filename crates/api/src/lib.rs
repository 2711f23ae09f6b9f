//! The HTTP layer of gdap: the Graph GDAP API (`/v1.0`, `/beta`), the customer approval API
//! (`/admincenter/v1`), the Entra-compatible token service, development controls, and the
//! background lifecycle worker. Handlers are thin: they parse, authorise, call the domain and the
//! store, and render Graph JSON.

pub mod admincenter;
pub mod audit;
pub mod auth;
pub mod authz;
pub mod billing;
pub mod cache;
pub mod check;
pub mod clock;
pub mod dev;
pub mod directory;
pub mod dto;
pub mod error;
pub mod extract;
pub mod graph;
pub mod mailer;
pub mod openapi;
pub mod request_id;
pub mod state;
pub mod throttle;
pub mod token;
pub mod web;
pub mod worker;
pub mod world;

use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue, Uri};
use axum::middleware::{from_fn, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub use error::{ApiError, ApiResult};
pub use state::{ApiConfig, AppState};

use extract::{ClientUri, MAX_BODY};

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let mut inner = Router::new()
        .nest("/v1.0", graph::routes())
        .nest("/beta", graph::routes())
        .merge(admincenter::routes())
        .merge(billing::routes())
        .merge(token::routes())
        .merge(web::routes(state.config.dev))
        .merge(check::routes())
        .route("/openapi.json", get(openapi_json))
        .route("/healthz", get(|| async { "ok" }));
    if state.config.dev {
        inner = inner.merge(dev::routes());
    }
    let inner = inner
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state);
    // The outer router only wraps: its layers run before the inner router matches, so paths can be
    // normalised (Graph matches paths case-insensitively) before routing.
    Router::new()
        .fallback_service(inner)
        .layer(from_fn(normalize_path))
        .layer(from_fn(audit::layer))
        .layer(from_fn(time_limit))
        .layer(from_fn(request_id::layer))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// How long one request may take before it is answered with 503.
pub const REQUEST_TIME_LIMIT: Duration = Duration::from_secs(60);

/// Answers a request that takes too long with a Graph error (503, `Retry-After`) instead of hanging.
async fn time_limit(req: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIME_LIMIT, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            ApiError::Unavailable("the request took longer than 60 seconds".into()).into_response()
        }
    }
}

async fn openapi_json() -> Response {
    let mut res = openapi::document().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound(format!(
        "Resource not found for the segment `{}`.",
        uri.path()
            .rsplit('/')
            .find(|s| !s.is_empty())
            .unwrap_or("/")
            .chars()
            .take(80)
            .collect::<String>()
    ))
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed("the HTTP method is not allowed on this resource".into())
}

/// Lower-cases Graph and admin-center paths and drops a trailing slash, keeping the original URI
/// for links.
async fn normalize_path(mut req: Request, next: Next) -> Response {
    let original = req.uri().clone();
    let path = original.path();
    let lower = path.to_ascii_lowercase();
    let api = ["/v1.0/", "/beta/", "/admincenter/", "/adminportal/"]
        .iter()
        .any(|p| lower.starts_with(p));
    if api {
        let mut new_path = lower;
        while new_path.len() > 1 && new_path.ends_with('/') {
            new_path.pop();
        }
        if new_path != path {
            let pq = match original.query() {
                Some(q) => format!("{new_path}?{q}"),
                None => new_path,
            };
            // Keep scheme and authority: over HTTP/2 the authority is the only record of the host.
            let mut parts = original.clone().into_parts();
            if let Ok(p) = pq.parse() {
                parts.path_and_query = Some(p);
                if let Ok(u) = Uri::from_parts(parts) {
                    *req.uri_mut() = u;
                }
            }
        }
    }
    req.extensions_mut().insert(ClientUri(original));
    next.run(req).await
}
