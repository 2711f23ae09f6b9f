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
pub mod front;
pub mod graph;
pub mod hashing;
pub mod mailer;
pub mod openapi;
pub mod request_id;
pub mod state;
pub mod throttle;
pub mod token;
pub mod web;
pub mod worker;
pub mod world;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub use error::{ApiError, ApiResult};
pub use state::{ApiConfig, AppState};

use extract::MAX_BODY;

/// The whole HTTP application: the routes, behind the steps every request shares
/// ([`front::Front`]).
pub fn app(state: AppState) -> front::Front {
    let mut routes = Router::new()
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
        routes = routes.merge(dev::routes());
    }
    let hosts = state.config.hosts();
    front::Front::new(
        hosts,
        routes
            .fallback(not_found)
            .method_not_allowed_fallback(method_not_allowed)
            .layer(DefaultBodyLimit::max(MAX_BODY))
            .with_state(state),
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
