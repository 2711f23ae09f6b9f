//! The audit record: who did what, through which partner, relationship, assignment and role, to
//! which tenant, when, with what result. Entries form a hash chain: each sealed entry's hash covers
//! its content, its position and the previous hash, so changing, removing or reordering any sealed
//! entry is detected by [`verify`].

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::ids::{AssignmentId, RelationshipId, RoleDefinitionId, TenantId};
use crate::timefmt::format_graph;

/// One recorded action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// When.
    pub at: OffsetDateTime,
    /// Who: a user's principal name or an application's client id.
    pub actor: String,
    /// The actor's home tenant.
    pub actor_tenant: Option<TenantId>,
    /// The partner the action was taken for or through.
    pub partner: Option<TenantId>,
    /// The customer tenant concerned.
    pub customer: Option<TenantId>,
    /// The relationship concerned or used.
    pub relationship: Option<RelationshipId>,
    /// The access assignment concerned or used.
    pub assignment: Option<AssignmentId>,
    /// The role used.
    pub role: Option<RoleDefinitionId>,
    /// What, e.g. `relationship.create` or a resource action.
    pub action: String,
    /// The object acted on.
    pub target: String,
    /// `success`, or why not.
    pub result: String,
}

/// An entry with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// Position in the chain, from 1.
    pub position: i64,
    /// The entry.
    pub entry: AuditEntry,
    /// SHA-256 (hex) of the previous hash, the position and the entry.
    pub hash: String,
}

fn opt(v: Option<String>) -> serde_json::Value {
    v.map_or(serde_json::Value::Null, serde_json::Value::String)
}

/// The entry as one line of JSON with a fixed field order (what the hash covers and what the
/// export writes).
pub fn canonical(e: &AuditEntry) -> String {
    let v = serde_json::json!([
        format_graph(e.at),
        e.actor,
        opt(e.actor_tenant.map(|t| t.to_string())),
        opt(e.partner.map(|t| t.to_string())),
        opt(e.customer.map(|t| t.to_string())),
        opt(e.relationship.map(|t| t.to_string())),
        opt(e.assignment.map(|t| t.to_string())),
        opt(e.role.map(|t| t.to_string())),
        e.action,
        e.target,
        e.result,
    ]);
    v.to_string()
}

/// The hash of an entry at a position after `previous` (empty for the first).
pub fn chain_hash(previous: &str, position: i64, e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    h.update(previous.as_bytes());
    h.update(b"\n");
    h.update(position.to_string().as_bytes());
    h.update(b"\n");
    h.update(canonical(e).as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Where a chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// An entry's hash does not match its content and predecessor.
    #[error("the audit chain is broken at position {0}: the entry or its predecessor was changed")]
    Tampered(i64),
    /// Positions are missing or out of order.
    #[error("the audit chain is broken at position {0}: an entry is missing or out of place")]
    Gap(i64),
}

/// Checks a chain from its start; returns how many entries it holds.
pub fn verify(chain: impl IntoIterator<Item = Sealed>) -> Result<u64, ChainError> {
    let mut previous = String::new();
    let mut n = 0u64;
    for s in chain {
        let expected = i64::try_from(n + 1).unwrap_or(i64::MAX);
        if s.position != expected {
            return Err(ChainError::Gap(expected));
        }
        if chain_hash(&previous, s.position, &s.entry) != s.hash {
            return Err(ChainError::Tampered(s.position));
        }
        previous = s.hash;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u32) -> AuditEntry {
        AuditEntry {
            at: OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(i64::from(n)),
            actor: format!("user{n}@example"),
            actor_tenant: None,
            partner: None,
            customer: None,
            relationship: None,
            assignment: None,
            role: None,
            action: "relationship.create".into(),
            target: format!("r{n}"),
            result: "success".into(),
        }
    }

    fn chain(n: u32) -> Vec<Sealed> {
        let mut prev = String::new();
        (1..=n)
            .map(|i| {
                let e = entry(i);
                let hash = chain_hash(&prev, i64::from(i), &e);
                prev = hash.clone();
                Sealed {
                    position: i64::from(i),
                    entry: e,
                    hash,
                }
            })
            .collect()
    }

    #[test]
    fn an_untouched_chain_verifies() {
        assert_eq!(verify(chain(5)), Ok(5));
        assert_eq!(verify(Vec::new()), Ok(0));
    }

    #[test]
    fn changing_removing_or_reordering_an_entry_is_detected() {
        let mut c = chain(5);
        c[2].entry.result = "denied".into();
        assert_eq!(verify(c), Err(ChainError::Tampered(3)));
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(verify(c), Err(ChainError::Gap(2)));
        let mut c = chain(5);
        c.swap(1, 2);
        assert_eq!(verify(c), Err(ChainError::Gap(2)));
        // Rewriting an entry and its own hash still breaks at the next one.
        let mut c = chain(5);
        c[2].entry.actor = "someone@else".into();
        c[2].hash = chain_hash(&c[1].hash, 3, &c[2].entry);
        assert_eq!(verify(c), Err(ChainError::Tampered(4)));
    }
}
