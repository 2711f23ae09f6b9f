//! The whole HTTP application of gdap: every face (the Graph API under `/v1.0` and `/beta`, the
//! admin center's API and pages, the token service, the check API) mounted behind the step every
//! request shares, with the OpenAPI document and, in development mode, the development controls.
//! The faces do not know each other; this crate is where they meet.

pub mod dev;
pub mod openapi;
pub mod ops;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub use gdap_app::{ApiConfig, AppState};
use gdap_http::extract::MAX_BODY;
use gdap_http::{front, ApiError};

/// The whole HTTP application: the routes, behind the steps every request shares
/// ([`front::Front`]).
pub fn app(state: AppState) -> front::Front {
    let mut routes = Router::new()
        .nest("/v1.0", gdap_graph::routes())
        .nest("/beta", gdap_graph::routes())
        .merge(gdap_web::admincenter::routes())
        .merge(gdap_web::billing::routes())
        .merge(gdap_token::routes())
        .merge(gdap_web::routes(state.config.dev))
        .merge(gdap_check::routes())
        .merge(gdap_graph::bulk_jobs::routes())
        .merge(gdap_partnercenter::routes())
        .merge(gdap_arm::routes())
        .route("/openapi.json", get(openapi_json))
        .merge(ops::routes(
            state.config.dev || state.config.metrics_token.is_some(),
        ));
    if state.config.dev {
        routes = routes.merge(dev::routes());
    }
    let hosts = state.config.hosts();
    let metrics = state.metrics.clone();
    front::Front::new(
        hosts,
        routes
            // The metrics count requests by the route they matched.
            .route_layer(axum::middleware::map_response(ops::keep_route))
            .fallback(not_found)
            .method_not_allowed_fallback(method_not_allowed)
            .layer(DefaultBodyLimit::max(MAX_BODY))
            .with_state(state),
        metrics,
    )
}

/// The OpenAPI document; the development controls are described only in development mode.
async fn openapi_json(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    let mut res = openapi::served(state.config.dev).into_response();
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
