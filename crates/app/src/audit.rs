//! Who acts, and the audit entries every change carries: each write made through
//! [`AppState::commit`] appends what it did, by whom, to the tamper-evident audit record in the
//! same transaction.

use gdap_domain::ids::TenantId;
use gdap_store::{Changes, StoreError};

use crate::state::AppState;

/// The actor of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    /// A user's principal name or an application's client id.
    pub actor: String,
    /// The actor's home tenant.
    pub tenant: Option<TenantId>,
}

impl Who {
    /// gdap itself: the lifecycle engine, the worker, the development controls.
    pub fn system() -> Self {
        Self {
            actor: "gdap".into(),
            tenant: None,
        }
    }
}

impl AppState {
    /// Commits a change set with its audit entries, made by `who`: the one write path of every
    /// use case.
    pub async fn commit(&self, mut changes: Changes, who: &Who) -> Result<Changes, StoreError> {
        let mut audit = changes.audit_entries(&who.actor, who.tenant, Some(self.now()));
        // Entries about a relationship not in the change set (assignments, requests) name its
        // partner and customer too, so that each side finds them.
        for e in audit.iter_mut().filter(|e| e.customer.is_none()) {
            let Some(id) = e.relationship else { continue };
            let in_changes = changes
                .relationships
                .iter()
                .map(|w| w.get())
                .find(|r| r.id == id);
            let stored = match in_changes {
                Some(_) => None,
                None => self.store.relationship_by_id(id).await?,
            };
            if let Some(r) = in_changes.or(stored.as_ref()) {
                e.partner = Some(r.partner);
                e.customer = r.customer.as_ref().map(|c| c.tenant_id);
            }
        }
        changes.audit.append(&mut audit);
        let raises = !(changes.relationships.is_empty()
            && changes.assignments.is_empty()
            && changes.partner_links.is_empty());
        let done = self.store.commit(changes).await?;
        if raises {
            // The change may have queued webhook events: deliver them now rather than at the
            // delivery loop's next look.
            self.webhooks_wake.notify_one();
        }
        Ok(done)
    }
}

/// Signs a checkpoint of the audit chain's head with the server's newest key and stores it (it
/// only ever moves forward), so that cutting the end of the chain is detected.
pub async fn advance_checkpoint(
    store: &dyn gdap_store::Store,
    keys: &gdap_auth::KeySet,
) -> Result<(), StoreError> {
    let Some((position, hash)) = store.audit_head().await? else {
        return Ok(());
    };
    let at = gdap_domain::timefmt::format_graph(time::OffsetDateTime::now_utc());
    let message = gdap_domain::audit::Checkpoint::message(position, &hash, &at);
    let (kid, signature) = keys
        .sign_detached(message.as_bytes())
        .map_err(|e| StoreError::Unavailable(format!("signing the audit checkpoint: {e}")))?;
    let checkpoint = gdap_domain::audit::Checkpoint {
        position,
        hash,
        at,
        kid,
        signature,
    };
    let json = serde_json::to_string(&checkpoint)
        .map_err(|e| StoreError::Unavailable(format!("the audit checkpoint: {e}")))?;
    store.advance_audit_checkpoint(position, &json).await
}
