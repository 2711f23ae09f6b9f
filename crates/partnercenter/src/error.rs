//! Partner Center's error body: `{code, description, data, source}` as documented, with the
//! `message`, `errorName` and `isRetryable` observed beside them. Codes are Partner Center's where
//! it documents one for the case; otherwise the HTTP status stands as the code.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gdap_app::error::AppError;
use gdap_http::error::ApiError;
use serde_json::json;

/// A refusal of the Partner Center face.
#[derive(Debug)]
pub struct PcError {
    status: StatusCode,
    code: u32,
    name: &'static str,
    description: String,
}

impl PcError {
    /// A refusal with its status, code, error name and description.
    pub fn new(
        status: StatusCode,
        code: u32,
        name: &'static str,
        description: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            name,
            description: description.into(),
        }
    }

    /// 400 for input the caller must mend.
    pub fn bad_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 400, "BadRequest", description)
    }

    /// 404 for what does not exist for this partner.
    pub fn not_found(description: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, 404, "NotFound", description)
    }
}

impl From<AppError> for PcError {
    /// The status the application layer's refusal stands for (the mapping every face shares),
    /// in Partner Center's body.
    fn from(e: AppError) -> Self {
        Self::from(ApiError::from(e))
    }
}

impl From<ApiError> for PcError {
    /// A refusal of the steps every face shares (body limits, media types), in Partner Center's
    /// body.
    fn from(api: ApiError) -> Self {
        let (status, _) = api.status_and_code();
        if status.is_server_error() {
            tracing::error!(error = %api, "partner center request failed");
            return Self::new(
                status,
                u32::from(status.as_u16()),
                "InternalServerError",
                "An internal error occurred; try again shortly.",
            );
        }
        let name = match status {
            StatusCode::UNAUTHORIZED => "Unauthorized",
            StatusCode::FORBIDDEN => "Forbidden",
            StatusCode::NOT_FOUND => "NotFound",
            StatusCode::CONFLICT => "Conflict",
            StatusCode::GONE => "Gone",
            StatusCode::PRECONDITION_FAILED => "PreconditionFailed",
            StatusCode::TOO_MANY_REQUESTS => "TooManyRequests",
            _ => "BadRequest",
        };
        Self::new(status, u32::from(status.as_u16()), name, api.to_string())
    }
}

impl IntoResponse for PcError {
    fn into_response(self) -> Response {
        let retryable = self.status.is_server_error();
        let description: String = self.description.chars().take(1024).collect();
        let body = json!({
            "code": self.code,
            "description": description,
            "message": description,
            "errorName": self.name,
            "isRetryable": retryable,
            "data": [],
            "source": "PartnerCenter",
        });
        (self.status, axum::Json(body)).into_response()
    }
}

/// The result of a Partner Center handler.
pub type PcResult<T> = Result<T, PcError>;
