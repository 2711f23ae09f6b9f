//! Resource Manager's error envelope, `{"error": {"code", "message"}}`, with its codes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gdap_app::error::AppError;

/// A refusal of the Resource Manager face.
#[derive(Debug)]
pub struct ArmError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ArmError {
    /// A refusal with its status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
}

impl From<AppError> for ArmError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Forbidden(m) => Self::new(StatusCode::FORBIDDEN, "AuthorizationFailed", m),
            AppError::Unauthenticated(m) => {
                Self::new(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", m)
            }
            AppError::NotFound(m) if m.starts_with("subscription") => {
                Self::new(StatusCode::NOT_FOUND, "SubscriptionNotFound", m)
            }
            AppError::NotFound(m) => Self::new(StatusCode::NOT_FOUND, "ResourceNotFound", m),
            AppError::Conflict(m) => Self::new(StatusCode::CONFLICT, "RoleAssignmentExists", m),
            AppError::Invalid(m) => Self::new(StatusCode::BAD_REQUEST, "InvalidRequestContent", m),
            other => {
                tracing::error!(error = %other, "resource manager request failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalServerError",
                    "Encountered internal server error.",
                )
            }
        }
    }
}

impl IntoResponse for ArmError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": { "code": self.code, "message": self.message } });
        (self.status, axum::Json(body)).into_response()
    }
}

/// The result of a Resource Manager handler.
pub type ArmResult<T> = Result<T, ArmError>;
