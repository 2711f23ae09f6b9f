//! The web pages: sign-in, the customer's approval pages and Partner relationships page, the
//! partner portal, and (in development mode) the sent-mail page. Server-rendered HTML that works
//! without JavaScript, in Japanese and English, with every value escaped by the template engine.

#![allow(
    clippy::result_large_err,
    reason = "page helpers fail with the finished page to send; one per request, never hot"
)]

mod access;
pub mod admincenter;
mod approval;
mod auditlog;
pub mod authorize;
mod autopilot;
pub mod billing;
mod consent;
mod context;
mod customers;
mod device;
mod layout;
mod mfa;
mod oem;
mod partners;
mod picker;
mod portal;
mod reseller;
pub mod schemas;
mod session;
mod text;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

pub use context::{safe_return, Web};

/// Every word of the pages in one language, as the `Debug` form of its translations: for tests
/// that check a page speaks only its reader's language.
pub fn translations(lang: gdap_domain::mail::Language) -> String {
    let (a, b, c) = match lang {
        gdap_domain::mail::Language::Ja => (&text::JA, &text::audit::JA, &text::picker::JA),
        gdap_domain::mail::Language::En => (&text::EN, &text::audit::EN, &text::picker::EN),
    };
    format!(
        "{a:?}{b:?}{c:?}{:?}{:?}{:?}",
        text::types::partner_types(lang),
        text::reseller::text(lang),
        text::customers::text(lang)
    )
}

pub use session::{SESSION_COOKIE, SESSION_LIFETIME};

use gdap_app::state::AppState;

/// Routes of the pages. Paths under `/adminportal` are matched in lower case (the path normaliser
/// lower-cases them), so the links of e-mails work whatever their case.
pub fn routes(dev: bool) -> Router<AppState> {
    let mut r = Router::new()
        .route("/", get(session::home))
        .route("/signin", get(session::sign_in_page).post(session::sign_in))
        .route("/signin/mfa", get(mfa::page).post(mfa::verify))
        .route("/signout", post(session::sign_out))
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(authorize::authorize).post(consent::answer),
        )
        .route("/devicelogin", get(device::page).post(device::enter))
        .route("/devicelogin/confirm", post(device::confirm))
        .route("/language", post(session::set_language))
        .route(
            "/adminportal/partners/invitation/granularadminrelationships/{id}",
            get(approval::page),
        )
        .route(
            "/adminportal/partners/invitation/granularadminrelationships/{id}/agreement",
            post(approval::accept_agreement),
        )
        .route(
            "/adminportal/partners/invitation/granularadminrelationships/{id}/approve",
            post(approval::approve),
        )
        .route(
            "/adminportal/partners/invitation/granularadminrelationships/{id}/decline",
            post(approval::decline),
        )
        .route(
            "/adminportal/home",
            get(reseller::page).post(reseller::accept),
        )
        .route("/adminportal/settings/partners", get(partners::list))
        .route("/adminportal/devices/autopilot", get(oem::devices))
        .route(
            "/adminportal/settings/partners/{partner}",
            get(partners::detail),
        )
        .route(
            "/adminportal/settings/partners/{partner}/audit",
            get(auditlog::page),
        )
        .route(
            "/adminportal/settings/partners/{partner}/{file}",
            get(auditlog::export),
        )
        .route(
            "/adminportal/settings/partners/{partner}/removeroles",
            get(partners::confirm_remove).post(partners::remove),
        )
        .route("/partner", get(portal::list))
        .route("/partner/customers", get(customers::page))
        .route(
            "/partner/customers/{id}/devices",
            get(autopilot::page)
                .post(autopilot::upload)
                .layer(axum::extract::DefaultBodyLimit::max(autopilot::MAX_UPLOAD)),
        )
        .route(
            "/partner/customers/{id}/devices/jobs/{job}",
            get(autopilot::job),
        )
        .route(
            "/partner/customers/{id}/devices/lists/{name}",
            get(autopilot::list),
        )
        .route(
            "/partner/relationships/new",
            get(portal::new_form).post(portal::search_roles),
        )
        .route("/partner/relationships", post(portal::create))
        .route("/partner/relationships/{id}", get(portal::detail))
        .route("/partner/relationships/{id}/lock", post(portal::lock))
        .route(
            "/partner/relationships/{id}/accessassignments",
            post(access::assign),
        )
        .route(
            "/partner/relationships/{id}/accessassignments/{assignment}/roles",
            post(access::change),
        )
        .route(
            "/partner/relationships/{id}/accessassignments/{assignment}/remove",
            post(access::remove),
        )
        .route(
            "/partner/settings",
            get(portal::settings).post(portal::save_settings),
        )
        .route("/assets/gdap.css", get(css))
        .route("/assets/look.css", get(look_css))
        .route("/assets/logo", get(logo))
        .route("/assets/gdap.js", get(js));
    if dev {
        r = r.route("/_gdap/mail", get(portal::outbox_page));
    }
    r
}

const CSS: &str = include_str!("assets/gdap.css");
const JS: &str = include_str!("assets/gdap.js");

fn asset(body: impl Into<axum::body::Body>, kind: &'static str) -> Response {
    let mut res = Response::new(body.into());
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

async fn css() -> Response {
    asset(CSS, "text/css; charset=utf-8")
}

async fn js() -> Response {
    asset(JS, "text/javascript; charset=utf-8")
}

/// The operator's brand colour over the stylesheet's (validated `#rrggbb` at start-up).
async fn look_css(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    let css = state
        .config
        .look
        .brand_color
        .as_deref()
        .map_or_else(String::new, |c| {
            format!(":root {{ --brand: {c}; --brand-hover: {c}; }}\n")
        });
    asset(css, "text/css; charset=utf-8")
}

/// The operator's logo, if one is configured.
async fn logo(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    match &state.config.look.logo {
        Some((bytes, kind)) => {
            let mut res = asset(bytes.clone(), kind);
            // An SVG opened on its own runs no script and loads nothing.
            res.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
            );
            res
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
