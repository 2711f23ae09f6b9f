//! What the OpenAPI document says of every operation's failures: Graph's error envelope and the
//! statuses gdap answers with it.

use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

/// Graph's error envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct GraphError {
    /// What went wrong.
    pub error: GraphErrorDetail,
}

/// The body of [`GraphError`].
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GraphErrorDetail {
    /// A code such as `badRequest` or `Authorization_RequestDenied`.
    pub code: String,
    /// The reason, naming the property or rule.
    pub message: String,
    /// More about it: the directory's errors carry gdap's own explanation here, beside Graph's
    /// sentence in `message`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<ErrorDetail>,
    /// When and for which request.
    pub inner_error: InnerError,
}

/// One entry of an error's `details`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A code for this part of the error.
    pub code: String,
    /// What it says.
    pub message: String,
    /// The property or object it is about, when there is one.
    pub target: Option<String>,
}

/// The request the error answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct InnerError {
    /// When, in UTC.
    pub date: String,
    /// gdap's id of the request.
    #[serde(rename = "request-id")]
    pub request_id: String,
    /// The client's id of the request, or gdap's.
    #[serde(rename = "client-request-id")]
    pub client_request_id: String,
}

/// The refusals any operation may answer, each in Graph's envelope.
#[derive(IntoResponses)]
pub enum Refusals {
    /// The request is malformed or breaks a rule; the message names the property or rule.
    #[response(status = 400)]
    BadRequest(GraphError),
    /// No valid token.
    #[response(status = 401)]
    Unauthenticated(GraphError),
    /// The caller may not do this.
    #[response(status = 403)]
    Forbidden(GraphError),
    /// No such object for this caller.
    #[response(status = 404)]
    NotFound(GraphError),
    /// The object's state or a duplicate forbids it.
    #[response(status = 409)]
    Conflict(GraphError),
    /// The invitation or link has lapsed.
    #[response(status = 410)]
    Gone(GraphError),
    /// `If-Match` names an older version.
    #[response(status = 412)]
    PreconditionFailed(GraphError),
    /// The body is over 1 MiB.
    #[response(status = 413)]
    TooLarge(GraphError),
    /// The body is not JSON.
    #[response(status = 415)]
    UnsupportedMediaType(GraphError),
    /// `If-Match` is required.
    #[response(status = 428)]
    PreconditionRequired(GraphError),
    /// The server is at capacity or its database unreachable; retry after `Retry-After`.
    #[response(status = 503)]
    Unavailable(GraphError),
}
