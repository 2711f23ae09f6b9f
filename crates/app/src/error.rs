//! The application layer's error enum: what a use case refuses, or what failed beneath it. Each
//! face renders it in its own envelope.

use gdap_domain::DomainError;
use gdap_store::StoreError;

use crate::hashing::Busy;

/// Why a use case did not happen.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// The caller's token or session does not name a caller (401).
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller is known but not allowed (403).
    #[error("{0}")]
    Forbidden(String),
    /// The object does not exist, or not for this caller (404).
    #[error("{0}")]
    NotFound(String),
    /// The input is wrong (400).
    #[error("{0}")]
    Invalid(String),
    /// The object's state forbids the change (409).
    #[error("{0}")]
    Conflict(String),
    /// The object changed since the caller read it (412).
    #[error("{0}")]
    PreconditionFailed(String),
    /// The change needs `If-Match` (428).
    #[error("{0}")]
    PreconditionRequired(String),
    /// A link or invitation that has lapsed (410).
    #[error("{0}")]
    Gone(String),
    /// A defect: what should not happen did (500; details are logged, never sent).
    #[error("{0}")]
    Internal(String),
    /// The caller asked too often; retry after this many seconds (429).
    #[error("Too many requests; retry after {0} seconds.")]
    TooManyRequests(u64),
    /// The server is at its bound for password hashing; retry later (503).
    #[error(transparent)]
    Busy(#[from] Busy),
    /// A rule of the domain refused the change (400).
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The store failed or refused (its own mapping: conflict, not found, unavailable …).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AppError {
    /// A missing object, named by its type and id.
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::NotFound(format!(
            "{what} `{}` was not found",
            id.chars().take(80).collect::<String>()
        ))
    }
}

/// The result of a use case.
pub type AppResult<T> = Result<T, AppError>;
