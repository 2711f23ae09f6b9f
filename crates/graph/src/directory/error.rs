//! The directory's dialect of Graph's error envelope. Graph answers calls on users, groups, the
//! organization and role assignments with the directory's own codes and sentences, which clients
//! branch on — `Authorization_RequestDenied` with "Insufficient privileges to complete the
//! operation.", `Request_ResourceNotFound`, `Request_BadRequest`, `Request_UnsupportedQuery` — where
//! the GDAP API answers `forbidden`, `notFound` and `badRequest`. gdap's own explanation (which grant
//! was missing, which property was wrong) follows as the one entry of `details`, so nothing of it
//! is lost.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gdap_http::ApiError;

/// Graph's sentence for a directory call the caller's roles do not allow.
pub const INSUFFICIENT_PRIVILEGES: &str = "Insufficient privileges to complete the operation.";

pub use gdap_app::directory::UPN_TAKEN;

/// An error of a directory call.
#[derive(Debug)]
pub enum DirectoryError {
    /// Any error, rendered in the directory's codes.
    Api(ApiError),
    /// A query option the directory does not support for the resource (400
    /// `Request_UnsupportedQuery`).
    UnsupportedQuery(String),
}

/// The result of a directory handler.
pub type DirectoryResult<T> = Result<T, DirectoryError>;

impl<E: Into<ApiError>> From<E> for DirectoryError {
    fn from(e: E) -> Self {
        Self::Api(e.into())
    }
}

impl DirectoryError {
    /// A refused query option.
    pub fn unsupported_query(e: impl std::fmt::Display) -> Self {
        Self::UnsupportedQuery(e.to_string())
    }
}

/// The id a not-found message names between backticks (gdap's messages quote it so), if any.
fn quoted_id(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once('`')?;
    let (id, _) = rest.split_once('`')?;
    Some(id)
}

impl IntoResponse for DirectoryError {
    fn into_response(self) -> Response {
        let e = match self {
            Self::UnsupportedQuery(m) => {
                let e = ApiError::BadRequest(m.clone());
                return e.render(
                    StatusCode::BAD_REQUEST,
                    "Request_UnsupportedQuery",
                    &m,
                    None,
                );
            }
            Self::Api(e) => e,
        };
        let ours = e.public_message();
        match &e {
            ApiError::Forbidden(_) => e.render(
                StatusCode::FORBIDDEN,
                "Authorization_RequestDenied",
                INSUFFICIENT_PRIVILEGES,
                Some(("accessDenied", &ours)),
            ),
            ApiError::NotFound(_) => {
                let message = match quoted_id(&ours) {
                    Some(id) => format!(
                        "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
                    ),
                    None => ours.clone(),
                };
                e.render(
                    StatusCode::NOT_FOUND,
                    "Request_ResourceNotFound",
                    &message,
                    Some(("notFound", &ours)),
                )
            }
            // The directory answers a taken principal name with 400, not 409.
            ApiError::Conflict(m) if m == UPN_TAKEN => {
                e.render(StatusCode::BAD_REQUEST, "Request_BadRequest", m, None)
            }
            ApiError::BadRequest(m) => {
                e.render(StatusCode::BAD_REQUEST, "Request_BadRequest", m, None)
            }
            _ => e.into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(r: Response) -> (u16, serde_json::Value) {
        let status = r.status().as_u16();
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 16)
            .await
            .expect("body");
        (status, serde_json::from_slice(&bytes).expect("json"))
    }

    #[tokio::test]
    async fn a_refusal_reads_as_graphs_with_gdaps_reason_in_the_details() {
        let (status, b) = body(
            DirectoryError::from(ApiError::Forbidden(
                "noAssignmentForUserGroups: no access assignment".into(),
            ))
            .into_response(),
        )
        .await;
        assert_eq!(status, 403);
        assert_eq!(b["error"]["code"], "Authorization_RequestDenied");
        assert_eq!(b["error"]["message"], INSUFFICIENT_PRIVILEGES);
        assert_eq!(
            b["error"]["details"][0]["message"],
            "noAssignmentForUserGroups: no access assignment"
        );
    }

    #[tokio::test]
    async fn a_missing_object_is_named_as_graph_names_it() {
        let (status, b) = body(
            DirectoryError::from(ApiError::not_found("user", "nobody@contoso.com")).into_response(),
        )
        .await;
        assert_eq!(status, 404);
        assert_eq!(b["error"]["code"], "Request_ResourceNotFound");
        assert_eq!(
            b["error"]["message"],
            "Resource 'nobody@contoso.com' does not exist or one of its queried reference-property objects are not present."
        );
    }

    #[tokio::test]
    async fn a_taken_principal_name_is_a_bad_request_and_other_conflicts_stay_conflicts() {
        let (status, b) =
            body(DirectoryError::from(ApiError::Conflict(UPN_TAKEN.into())).into_response()).await;
        assert_eq!(
            (status, b["error"]["code"].as_str()),
            (400, Some("Request_BadRequest"))
        );
        let (status, b) =
            body(DirectoryError::from(ApiError::Conflict("other".into())).into_response()).await;
        assert_eq!(
            (status, b["error"]["code"].as_str()),
            (409, Some("conflict"))
        );
        let (status, b) =
            body(DirectoryError::unsupported_query("`$filter` on `mail`").into_response()).await;
        assert_eq!(
            (status, b["error"]["code"].as_str()),
            (400, Some("Request_UnsupportedQuery"))
        );
    }
}
