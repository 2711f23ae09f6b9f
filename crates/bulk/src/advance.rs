//! Advancing one customer: look its relationship up or create it, lock it, invite, and once it is
//! active give the template's groups their roles; each step recorded in the result file.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use gdap_domain::template::Template;
use serde_json::json;

use crate::graph::{GraphClient, GraphError, Relationship};
use crate::input::Customer;
use crate::invite::{Invitation, Inviter};
use crate::journal::{Journal, Progress, Record, Step};
use crate::run::{Options, Outcome};

/// How long an invitation link works.
const INVITATION_DAYS: i64 = 90;

/// Why a row stopped.
pub(crate) struct Failure {
    pub(crate) field: Option<String>,
    pub(crate) error: String,
}

impl From<GraphError> for Failure {
    fn from(e: GraphError) -> Self {
        Self {
            field: None,
            error: e.to_string(),
        }
    }
}

/// The display name of a customer's relationship from a template: unique per customer and
/// template, at most 50 characters, the same on every run.
pub fn relationship_name(template: &str, tenant: &str) -> String {
    let prefix: String = template.trim().chars().take(13).collect();
    format!("{prefix}_{tenant}")
}

pub(crate) struct Ctx {
    /// The templates' groups that exist (for plan and apply).
    pub(crate) groups: std::collections::HashSet<gdap_domain::ids::GroupId>,
    pub(crate) client: Arc<GraphClient>,
    pub(crate) journal: Arc<Journal>,
    pub(crate) inviter: Arc<dyn Inviter>,
    pub(crate) opts: Options,
    pub(crate) stop: Arc<AtomicBool>,
    pub(crate) progress: std::sync::Mutex<Progress>,
    pub(crate) created: AtomicU64,
    pub(crate) invited: AtomicU64,
    pub(crate) assignments: AtomicU64,
}

impl Ctx {
    pub(crate) async fn record(
        &self,
        c: &Customer,
        step: Step,
        rel: Option<&str>,
    ) -> Result<(), Failure> {
        let mut r = Record::new(c.row, &c.tenant_id, step, rel);
        // The steps of a renewal carry its name and what it replaces.
        if let Some(last) = self.last(&c.tenant_id).filter(Record::renewing) {
            r.renewal = true;
            r.name = last.name;
            r.replaces = last.replaces;
        }
        self.write(c, r).await
    }

    /// Writes a record, and keeps it as the customer's progress.
    pub(crate) async fn write(&self, c: &Customer, r: Record) -> Result<(), Failure> {
        if self.opts.dry_run {
            return Ok(());
        }
        self.journal.write(&r).await.map_err(|e| {
            // Without its record a run cannot be resumed safely: stop here.
            self.stop.store(true, Ordering::SeqCst);
            Failure {
                field: None,
                error: format!("writing the result file: {e}"),
            }
        })?;
        if let Ok(mut p) = self.progress.lock() {
            p.insert(c.tenant_id.clone(), r);
        }
        Ok(())
    }

    pub(crate) fn last(&self, tenant: &str) -> Option<Record> {
        self.progress.lock().ok()?.get(tenant).cloned()
    }

    pub(crate) fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

pub(crate) fn would(steps: &str) -> Result<Outcome, Failure> {
    Ok(Outcome::WouldDo {
        steps: steps.to_owned(),
    })
}

/// Advances one customer as far as it can go now.
pub(crate) async fn advance(
    ctx: &Ctx,
    c: &Customer,
    t: &Template,
    name: &str,
) -> Result<Outcome, Failure> {
    let last = ctx.last(&c.tenant_id);
    let mut rel: Option<Relationship> = None;
    if let Some(id) = last
        .as_ref()
        .filter(|r| !matches!(r.step, Step::Creating | Step::Failed))
        .and_then(|r| r.relationship_id.as_deref())
    {
        rel = ctx.client.relationship(id).await?.filter(|r| !r.ended());
    }
    let mut rel = match rel {
        Some(r) => r,
        None => {
            // Graph has no idempotency key: an earlier run may have created it unrecorded.
            let found = ctx
                .client
                .relationships_of(&c.tenant_id)
                .await?
                .into_iter()
                .find(|r| r.display_name == name && !r.ended());
            match found {
                Some(r) => r,
                None if ctx.opts.dry_run => return would("create, lock, invite, assign"),
                None => create(ctx, c, t, name).await?,
            }
        }
    };
    let recorded = last
        .filter(|r| r.relationship_id.as_deref() == Some(rel.id.as_str()))
        .map(|r| r.step);
    if recorded.is_none() || recorded == Some(Step::Failed) {
        ctx.record(c, Step::Created, Some(&rel.id)).await?;
    }
    let invited = matches!(recorded, Some(Step::Invited | Step::Assigned));
    loop {
        if ctx.stopped() {
            return Ok(Outcome::Interrupted);
        }
        let id = rel.id.clone();
        match rel.status.as_str() {
            "created" => {
                if ctx.opts.dry_run {
                    return would("lock, invite, assign");
                }
                if let Err(e) = ctx.client.lock(&id).await {
                    // Locked meanwhile (by an earlier, interrupted call)?
                    match ctx.client.relationship(&id).await? {
                        Some(now) if now.status != "created" => rel = now,
                        _ => return Err(e.into()),
                    }
                    continue;
                }
                ctx.record(c, Step::Locked, Some(&id)).await?;
                rel.status = "approvalPending".into();
            }
            "approvalPending" => {
                if !invited {
                    if ctx.opts.dry_run {
                        return would("invite, assign");
                    }
                    let link = format!("{}{id}", ctx.opts.link_base);
                    let expires_at =
                        time::OffsetDateTime::now_utc() + time::Duration::days(INVITATION_DAYS);
                    ctx.inviter
                        .invite(&Invitation {
                            customer: c,
                            relationship_id: &id,
                            link: &link,
                            expires_at,
                        })
                        .await
                        .map_err(|e| Failure {
                            field: None,
                            error: format!("the invitation: {e}"),
                        })?;
                    ctx.invited.fetch_add(1, Ordering::Relaxed);
                    ctx.record(c, Step::Invited, Some(&id)).await?;
                }
                return Ok(Outcome::AwaitingApproval {
                    relationship_id: id,
                });
            }
            "approved" | "activating" => {
                return Ok(Outcome::AwaitingApproval {
                    relationship_id: id,
                })
            }
            "active" => {
                if recorded != Some(Step::Assigned) {
                    if ctx.opts.dry_run {
                        return would("assign");
                    }
                    assign(ctx, t, &id).await?;
                    ctx.record(c, Step::Assigned, Some(&id)).await?;
                }
                return Ok(Outcome::Done {
                    relationship_id: id,
                });
            }
            other => {
                return Err(Failure {
                    field: None,
                    error: format!("the relationship {id} is {other}"),
                })
            }
        }
    }
}

/// Creates the relationship, recording the intent first; a `409` on the name means an earlier
/// attempt got through, and that relationship is taken.
async fn create(
    ctx: &Ctx,
    c: &Customer,
    t: &Template,
    name: &str,
) -> Result<Relationship, Failure> {
    ctx.record(c, Step::Creating, None).await?;
    let body = json!({
        "displayName": name,
        "duration": t.duration,
        "customer": {"tenantId": c.tenant_id},
        "accessDetails": {"unifiedRoles": t.roles.iter().map(|r| json!({"roleDefinitionId": r.to_string()})).collect::<Vec<_>>()},
        "autoExtendDuration": t.auto_extend.as_str(),
    });
    match ctx.client.create(&body).await {
        Ok(r) => {
            ctx.created.fetch_add(1, Ordering::Relaxed);
            Ok(r)
        }
        Err(e) if e.status() == Some(409) => {
            match ctx.client.relationship_named(name).await? {
                Some(r) if !r.ended() && r.customer.as_deref() == Some(c.tenant_id.as_str()) => {
                    Ok(r)
                }
                Some(r) => Err(Failure {
                    field: None,
                    error: format!(
                        "the name `{name}` belongs to relationship {} ({}): rename the template to start anew",
                        r.id, r.status
                    ),
                }),
                None => Err(e.into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// Gives each group of the template its roles, unless it has a live assignment already (looked
/// up first; a `409` means one was just made).
pub(crate) async fn assign(ctx: &Ctx, t: &Template, id: &str) -> Result<(), Failure> {
    if t.assignments.is_empty() {
        return Ok(());
    }
    let held = ctx.client.assigned_groups(id).await?;
    for g in &t.assignments {
        let group = g.group.to_string();
        if held.iter().any(|h| h.eq_ignore_ascii_case(&group)) {
            continue;
        }
        let roles: Vec<String> = g.roles.iter().map(ToString::to_string).collect();
        match ctx.client.assign(id, &group, &roles).await {
            Ok(()) => {
                ctx.assignments.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) if e.status() == Some(409) => {}
            Err(e) => {
                return Err(Failure {
                    field: None,
                    error: format!("assigning group {group}: {e}"),
                })
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relationship_name_fits_graphs_fifty_characters_and_is_stable() {
        let t = "4b827261-d21f-4aa9-b7db-7fa1f56fb163";
        let n = relationship_name("A very long template name indeed", t);
        assert_eq!(n, format!("A very long t_{t}"));
        assert_eq!(n.chars().count(), 50);
        assert_eq!(n, relationship_name("A very long template name indeed", t));
        assert_eq!(relationship_name("std", t), format!("std_{t}"));
    }
}
