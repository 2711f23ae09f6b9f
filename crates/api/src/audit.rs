//! Who is acting in the current request, and the audit entries every change carries: each write
//! made through [`AppState::commit`] appends what it did, by whom, to the tamper-evident audit
//! record in the same transaction.

use std::sync::{Arc, Mutex};

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use gdap_domain::audit::AuditEntry;
use gdap_domain::ids::TenantId;
use gdap_store::{Changes, StoreError};
use time::OffsetDateTime;

use crate::state::AppState;

/// The actor of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    /// A user's principal name or an application's client id.
    pub actor: String,
    /// The actor's home tenant.
    pub tenant: Option<TenantId>,
}

tokio::task_local! {
    static ACTOR: Arc<Mutex<Option<Who>>>;
}

/// Gives each request a place for its actor, filled when the caller is authenticated.
pub async fn layer(req: Request, next: Next) -> Response {
    ACTOR.scope(Arc::new(Mutex::new(None)), next.run(req)).await
}

/// Records the actor of the current request.
pub fn set_actor(who: Who) {
    let _ = ACTOR.try_with(|a| {
        *a.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(who);
    });
}

fn current() -> Option<Who> {
    ACTOR
        .try_with(|a| {
            a.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone()
        })
        .ok()
        .flatten()
}

/// The audit entries of a change set made by `who` at `now`.
pub fn entries(changes: &Changes, who: &Who, now: OffsetDateTime) -> Vec<AuditEntry> {
    let base = |action: String, target: String| AuditEntry {
        at: now,
        actor: who.actor.clone(),
        actor_tenant: who.tenant,
        partner: None,
        customer: None,
        relationship: None,
        assignment: None,
        role: None,
        action,
        target,
        result: "success".into(),
    };
    let mut out = Vec::new();
    for w in &changes.relationships {
        let r = w.get();
        let verb = match w {
            gdap_store::Write::Insert(_) => "create",
            gdap_store::Write::Update(_) => "update",
        };
        out.push(AuditEntry {
            partner: Some(r.partner),
            customer: r.customer.as_ref().map(|c| c.tenant_id),
            relationship: Some(r.id),
            result: format!("success: {}", r.status),
            ..base(
                format!("delegatedAdminRelationship.{verb}"),
                r.id.to_string(),
            )
        });
    }
    for (id, _) in &changes.deleted_relationships {
        out.push(AuditEntry {
            relationship: Some(*id),
            ..base("delegatedAdminRelationship.delete".into(), id.to_string())
        });
    }
    for w in &changes.requests {
        let q = w.get();
        out.push(AuditEntry {
            relationship: Some(q.relationship_id),
            ..base(
                format!("delegatedAdminRelationshipRequest.{}", q.action),
                q.id.to_string(),
            )
        });
    }
    for w in &changes.assignments {
        let a = w.get();
        let verb = match w {
            gdap_store::Write::Insert(_) => "create",
            gdap_store::Write::Update(_) => "update",
        };
        out.push(AuditEntry {
            partner: Some(a.partner),
            relationship: Some(a.relationship_id),
            assignment: Some(a.id),
            result: format!("success: {}", a.status),
            ..base(
                format!("delegatedAdminAccessAssignment.{verb}"),
                a.group.to_string(),
            )
        });
    }
    for l in &changes.partner_links {
        out.push(AuditEntry {
            partner: Some(l.partner),
            customer: Some(l.customer),
            result: format!("success: dap {}", if l.dap { "on" } else { "off" }),
            ..base("partnerLink.update".into(), l.partner.to_string())
        });
    }
    for a in &changes.agreements {
        out.push(AuditEntry {
            customer: Some(a.tenant),
            ..base(
                format!("agreement.accept {}", a.version),
                a.agreement.clone(),
            )
        });
    }
    // Requests name their relationship only; give them its partner and customer.
    let rels: Vec<_> = changes
        .relationships
        .iter()
        .map(gdap_store::Write::get)
        .collect();
    for e in &mut out {
        if e.partner.is_none() {
            if let Some(r) = rels.iter().find(|r| Some(r.id) == e.relationship) {
                e.partner = Some(r.partner);
                e.customer = r.customer.as_ref().map(|c| c.tenant_id);
            }
        }
    }
    out
}

impl AppState {
    /// Commits a change set with its audit entries (the actor of the current request, or gdap
    /// itself outside a request).
    pub async fn commit(&self, mut changes: Changes) -> Result<Changes, StoreError> {
        let who = current().unwrap_or_else(|| Who {
            actor: "gdap".into(),
            tenant: None,
        });
        let mut audit = entries(&changes, &who, self.now());
        // Entries about a relationship not in the change set (assignments, requests) name its
        // partner and customer too, so that each side finds them.
        for e in audit.iter_mut().filter(|e| e.customer.is_none()) {
            if let Some(id) = e.relationship {
                if let Some(r) = self.store.relationship_by_id(id).await? {
                    e.partner = Some(r.partner);
                    e.customer = r.customer.as_ref().map(|c| c.tenant_id);
                }
            }
        }
        changes.audit.append(&mut audit);
        self.store.commit(changes).await
    }
}
