//! The storage layer's error enum.

/// A storage operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The object changed since it was read (optimistic concurrency).
    #[error(
        "the object was changed by another request; read it again and retry with its new ETag"
    )]
    VersionConflict,
    /// A relationship display name already used by the partner.
    #[error(
        "a relationship named `{0}` already exists for this partner; display names must be unique"
    )]
    DuplicateDisplayName(String),
    /// A second live access assignment for the same group on one relationship.
    #[error("the security group already has an access assignment on this relationship; change or delete that one instead")]
    DuplicateAssignment,
    /// Some other unique key taken (user principal name, domain …).
    #[error("`{0}` already exists")]
    Duplicate(String),
    /// An Autopilot device key (hash, product key, tuple) was registered meanwhile.
    #[error("a device was registered meanwhile under one of the same hardware hash, product key or tuple")]
    DeviceKeyTaken,
    /// The object to change does not exist (any more).
    #[error("the object does not exist")]
    NotFound,
    /// A continuation token that this store did not issue.
    #[error("the `$skiptoken` is not valid; follow `@odata.nextLink` exactly as returned")]
    BadSkipToken,
    /// The database cannot be reached.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// Anything else (corrupt row, driver error).
    #[error("storage error: {0}")]
    Internal(String),
}
