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
    /// The chain is shorter than its signed checkpoint says it was: its end was cut.
    #[error("the audit chain was cut: its checkpoint signed at {at} covers {checkpoint} entries, the record holds {held}")]
    Cut {
        /// Entries the checkpoint covers.
        checkpoint: i64,
        /// Entries the record holds.
        held: u64,
        /// When the checkpoint was signed.
        at: String,
    },
    /// The entry at the checkpoint's position is not the one the checkpoint names: the end was
    /// cut and written again.
    #[error("the audit chain was rewritten: the entry at position {0} is not the one its checkpoint names")]
    Rewritten(i64),
    /// The checkpoint's signature does not verify with any of the server's keys.
    #[error("the audit checkpoint is not signed by this server's keys")]
    ForgedCheckpoint,
}

/// A signed statement of the chain's head, kept outside the audit table (and exported with the
/// record): cutting the end of the chain leaves it pointing past the end, and rewriting the end
/// leaves it naming another hash.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    /// How many entries the chain held.
    pub position: i64,
    /// The hash of the entry at `position`.
    pub hash: String,
    /// When it was signed (Graph's timestamp format).
    pub at: String,
    /// The signing key.
    pub kid: String,
    /// ES256 signature (base64url) over [`Checkpoint::message`].
    pub signature: String,
}

impl Checkpoint {
    /// The text a checkpoint's signature covers.
    pub fn message(position: i64, hash: &str, at: &str) -> String {
        format!("gdap audit checkpoint\n{position}\n{hash}\n{at}")
    }

    /// The text this checkpoint's signature covers.
    pub fn signed_text(&self) -> String {
        Self::message(self.position, &self.hash, &self.at)
    }
}

/// Checks a chain from its start and against its checkpoint (whose signature `genuine` checks);
/// returns how many entries the chain holds.
pub fn verify_with(
    chain: impl IntoIterator<Item = Sealed>,
    checkpoint: Option<&Checkpoint>,
    genuine: impl Fn(&Checkpoint) -> bool,
) -> Result<u64, ChainError> {
    let mut at_checkpoint: Option<String> = None;
    let wanted = checkpoint.map(|c| c.position);
    let n = verify(chain.into_iter().inspect(|s| {
        if Some(s.position) == wanted {
            at_checkpoint = Some(s.hash.clone());
        }
    }))?;
    let Some(c) = checkpoint else {
        return Ok(n);
    };
    if !genuine(c) {
        return Err(ChainError::ForgedCheckpoint);
    }
    match at_checkpoint {
        None if c.position > 0 => Err(ChainError::Cut {
            checkpoint: c.position,
            held: n,
            at: c.at.clone(),
        }),
        Some(h) if h != c.hash => Err(ChainError::Rewritten(c.position)),
        _ => Ok(n),
    }
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

    fn checkpoint_of(c: &[Sealed], position: i64) -> Checkpoint {
        Checkpoint {
            position,
            hash: c[usize::try_from(position - 1).unwrap_or(0)].hash.clone(),
            at: "2026-01-01T00:00:00Z".into(),
            kid: "k".into(),
            signature: "s".into(),
        }
    }

    #[test]
    fn a_chain_cut_or_rewritten_after_its_checkpoint_is_detected() {
        let full = chain(5);
        let cp = checkpoint_of(&full, 4);
        assert_eq!(verify_with(full.clone(), Some(&cp), |_| true), Ok(5));
        let cut: Vec<Sealed> = full.iter().take(3).cloned().collect();
        assert!(matches!(
            verify_with(cut.clone(), Some(&cp), |_| true),
            Err(ChainError::Cut {
                checkpoint: 4,
                held: 3,
                ..
            })
        ));
        // Cut, then written again to beyond the checkpoint with other entries.
        let mut prev = cut[2].hash.clone();
        let mut rewritten = cut;
        for i in 4..=6 {
            let mut e = entry(100 + i);
            e.actor = "someone-else".into();
            let hash = chain_hash(&prev, i64::from(i), &e);
            rewritten.push(Sealed {
                position: i64::from(i),
                entry: e,
                hash: hash.clone(),
            });
            prev = hash;
        }
        assert_eq!(
            verify_with(rewritten, Some(&cp), |_| true),
            Err(ChainError::Rewritten(4))
        );
        assert_eq!(
            verify_with(full, Some(&cp), |_| false),
            Err(ChainError::ForgedCheckpoint)
        );
    }

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
