//! Optimistic concurrency as Graph shows it: each object's weak ETag, derived from its id and
//! version, and the `If-Match` precondition a change may carry.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use gdap_domain::assignment::AccessAssignment;
use gdap_domain::relationship::Relationship;

use crate::error::{AppError, AppResult};

/// A weak ETag in Graph's shape: `W/"base64('"…"')"`, derived from the object id and version.
pub fn etag(id: &str, version: u64) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let inner = format!(
        "'\"{:08x}-0000-0200-0000-{:012x}\"'",
        version,
        h & 0xffff_ffff_ffff
    );
    format!("W/\"{}\"", STANDARD.encode(inner))
}

/// The ETag of a relationship.
pub fn relationship_etag(r: &Relationship) -> String {
    etag(&r.id.to_string(), r.version)
}

/// The ETag of an access assignment.
pub fn assignment_etag(a: &AccessAssignment) -> String {
    etag(&a.id.to_string(), a.version)
}

/// The `If-Match` a change was sent with, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IfMatch(pub Option<String>);

impl IfMatch {
    /// Requires the precondition and checks it against the object's current ETag.
    pub fn check(&self, current: &str) -> AppResult<()> {
        let Some(sent) = &self.0 else {
            return Err(AppError::PreconditionRequired(
                "this request needs an `If-Match` header with the object's current `@odata.etag`"
                    .into(),
            ));
        };
        if sent.trim() == "*" || strip_weak(sent) == strip_weak(current) {
            Ok(())
        } else {
            Err(AppError::PreconditionFailed(
                "the `If-Match` ETag does not match the object's current `@odata.etag`; read it again and retry".into(),
            ))
        }
    }

    /// Checks the precondition only when one was sent.
    pub fn check_if_present(&self, current: &str) -> AppResult<()> {
        if self.0.is_some() {
            self.check(current)
        } else {
            Ok(())
        }
    }
}

fn strip_weak(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix("W/").unwrap_or(s)
}
