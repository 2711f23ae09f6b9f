//! The HTTP layer's error enum and the Graph error envelope it renders.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gdap_domain::duration::DurationError;
use gdap_domain::enums::EnumError;
use gdap_domain::ids::IdError;
use gdap_domain::query::QueryError;
use gdap_domain::DomainError;
use gdap_store::StoreError;
use serde_json::json;

use crate::request_id::RequestIds;

/// The media type Graph answers with.
pub const GRAPH_JSON: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// What went wrong with a request, rendered as `{"error": {"code", "message", "innerError"}}`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// 400 with a message for the caller.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no, malformed, forged or expired token.
    #[error("{0}")]
    Unauthenticated(String),
    /// 403: authenticated but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 405.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// 409.
    #[error("{0}")]
    Conflict(String),
    /// 410: a link or invitation that has lapsed.
    #[error("{0}")]
    Gone(String),
    /// 412: stale `If-Match`.
    #[error("{0}")]
    PreconditionFailed(String),
    /// 408: the request's body stopped arriving.
    #[error("{0}")]
    RequestTimeout(String),
    /// 413: body over the limit.
    #[error("{0}")]
    TooLarge(String),
    /// 421: the request names a host this server does not answer for.
    #[error("{0}")]
    MisdirectedRequest(String),
    /// 415: not JSON.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 428: `If-Match` missing.
    #[error("{0}")]
    PreconditionRequired(String),
    /// 503: the database is unreachable, or the server is at capacity.
    #[error("{0}")]
    Unavailable(String),
    /// Too many requests from one application or for one tenant; retry after this many seconds.
    #[error("Too many requests: this application or tenant has made more requests than allowed in a short time. Retry after {0} seconds.")]
    TooManyRequests(u64),
    /// 500: a defect; details are logged, never sent.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// Status code and Graph error code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "badRequest"),
            Self::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "notFound"),
            Self::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "methodNotAllowed"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::Gone(_) => (StatusCode::GONE, "gone"),
            Self::PreconditionFailed(_) => (StatusCode::PRECONDITION_FAILED, "preconditionFailed"),
            Self::RequestTimeout(_) => (StatusCode::REQUEST_TIMEOUT, "requestTimeout"),
            Self::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "requestEntityTooLarge"),
            Self::MisdirectedRequest(_) => (StatusCode::MISDIRECTED_REQUEST, "misdirectedRequest"),
            Self::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupportedMediaType")
            }
            Self::PreconditionRequired(_) => {
                (StatusCode::PRECONDITION_REQUIRED, "preconditionRequired")
            }
            Self::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "serviceUnavailable"),
            Self::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, "TooManyRequests"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "unexpectedError"),
        }
    }

    /// Shorthand for a 404 about a missing object.
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::NotFound(format!(
            "{what} `{}` was not found",
            id.chars().take(80).collect::<String>()
        ))
    }
}

impl ApiError {
    /// The message sent: the error's own, except for defects and outages, whose details are logged
    /// and never sent.
    pub fn public_message(&self) -> String {
        match self {
            Self::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                "An unexpected error occurred in the server.".to_owned()
            }
            Self::Unavailable(detail) => {
                tracing::warn!(%detail, "service unavailable");
                "The service is temporarily unavailable; retry later.".to_owned()
            }
            other => other.to_string(),
        }
    }

    /// Renders the error in Graph's envelope with `status`, `code` and `message`, and `detail` (a
    /// code and a message) as the one entry of `details` when given: the envelope every face of
    /// Graph shares, in the words of the API the request came to.
    pub fn render(
        &self,
        status: StatusCode,
        code: &str,
        message: &str,
        detail: Option<(&str, &str)>,
    ) -> Response {
        let ids = RequestIds::current();
        let mut error = json!({
            "code": code,
            "message": message,
            "innerError": {
                "date": gdap_domain::timefmt::format_graph(time::OffsetDateTime::now_utc()).get(..19).unwrap_or_default(),
                "request-id": ids.request_id,
                "client-request-id": ids.client_request_id(),
            }
        });
        if let Some((code, message)) = detail {
            error["details"] = json!([{ "code": code, "message": message, "target": null }]);
        }
        let body = json!({ "error": error });
        let mut res = (status, body.to_string()).into_response();
        res.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(GRAPH_JSON));
        if matches!(self, Self::RequestTimeout(_)) {
            // The rest of a stalled body will not come: the connection is not reused.
            res.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if matches!(self, Self::Unavailable(_)) {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        if let Self::TooManyRequests(seconds) = self {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*seconds));
        }
        res
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = self.public_message();
        self.render(status, code, &message, None)
    }
}

impl From<gdap_app::hashing::Busy> for ApiError {
    fn from(e: gdap_app::hashing::Busy) -> Self {
        Self::Unavailable(e.to_string())
    }
}

impl From<gdap_app::AppError> for ApiError {
    fn from(e: gdap_app::AppError) -> Self {
        use gdap_app::AppError as E;
        match e {
            E::Unauthenticated(m) => Self::Unauthenticated(m),
            E::Forbidden(m) => Self::Forbidden(m),
            E::NotFound(m) => Self::NotFound(m),
            E::Invalid(m) => Self::BadRequest(m),
            E::Conflict(m) => Self::Conflict(m),
            E::Gone(m) => Self::Gone(m),
            E::Internal(m) => Self::Internal(m),
            E::PreconditionFailed(m) => Self::PreconditionFailed(m),
            E::PreconditionRequired(m) => Self::PreconditionRequired(m),
            E::Busy(b) => b.into(),
            E::TooManyRequests(seconds) => Self::TooManyRequests(seconds),
            E::Domain(d) => d.into(),
            E::Store(s) => s.into(),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        Self::BadRequest(e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::VersionConflict => Self::PreconditionFailed(e.to_string()),
            StoreError::DuplicateDisplayName(_)
            | StoreError::DuplicateAssignment
            | StoreError::Duplicate(_) => Self::Conflict(e.to_string()),
            StoreError::NotFound => Self::NotFound(e.to_string()),
            StoreError::BadSkipToken => Self::BadRequest(e.to_string()),
            StoreError::Unavailable(m) => Self::Unavailable(m),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> Self {
        Self::BadRequest(e.to_string())
    }
}

impl From<IdError> for ApiError {
    fn from(e: IdError) -> Self {
        Self::BadRequest(e.to_string())
    }
}

impl From<EnumError> for ApiError {
    fn from(e: EnumError) -> Self {
        Self::BadRequest(e.to_string())
    }
}

impl From<DurationError> for ApiError {
    fn from(e: DurationError) -> Self {
        Self::BadRequest(e.to_string())
    }
}

/// The result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;
