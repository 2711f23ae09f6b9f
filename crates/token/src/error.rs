//! The token service's errors, in Entra's shape (`error`, `error_description` starting with the
//! `AADSTS` code, `error_codes`, trace and correlation ids), with `Retry-After` when the caller
//! should come back.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use gdap_app::hashing::{Busy, RETRY_AFTER_SECS};

/// An OAuth error in Entra's shape.
#[derive(Debug)]
pub struct OAuthError {
    status: StatusCode,
    error: &'static str,
    code: u32,
    description: String,
    /// Seconds to wait, sent as `Retry-After`.
    retry_after: Option<u64>,
}

impl OAuthError {
    pub(super) fn new(
        status: StatusCode,
        error: &'static str,
        code: u32,
        description: impl Into<String>,
    ) -> Self {
        Self {
            status,
            error,
            code,
            description: description.into(),
            retry_after: None,
        }
    }

    pub(super) fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs.max(1));
        self
    }

    /// Too many failed attempts from where this one comes: wait `left`.
    pub(super) fn locked(
        left: time::Duration,
        status: StatusCode,
        error: &'static str,
        code: u32,
        description: &str,
    ) -> Self {
        let secs = u64::try_from(left.whole_seconds()).unwrap_or(1);
        Self::new(
            status,
            error,
            code,
            format!("{description} Try again in {secs} seconds."),
        )
        .retry_after(secs)
    }

    pub(super) fn bad(error: &'static str, code: u32, description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error, code, description)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let trace = uuid::Uuid::new_v4();
        let body = json!({
            "error": self.error,
            "error_description": format!("AADSTS{}: {} Trace ID: {trace}", self.code, self.description),
            "error_codes": [self.code],
            "timestamp": gdap_domain::timefmt::format_graph(time::OffsetDateTime::now_utc()),
            "trace_id": trace,
            "correlation_id": uuid::Uuid::new_v4(),
        });
        let mut res = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        res
    }
}

impl From<Busy> for OAuthError {
    fn from(_: Busy) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            90033,
            "A transient error has occurred; the service is busy. Please try again.",
        )
        .retry_after(RETRY_AFTER_SECS)
    }
}

pub(super) type OAuthResult<T> = Result<T, OAuthError>;

pub(super) fn internal(e: impl std::fmt::Display) -> OAuthError {
    tracing::error!(error = %e, "token service error");
    OAuthError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        90000,
        "The service failed to process the request.",
    )
}

/// A wrong password (or, hardened, an unknown account): `AADSTS50126`.
pub(super) fn wrong_credentials() -> OAuthError {
    OAuthError::bad(
        "invalid_grant",
        50126,
        "Error validating credentials due to invalid username or password.",
    )
}
