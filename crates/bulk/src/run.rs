//! A bulk onboarding run: each customer advanced as far as it can go, several at once.
//!
//! Per customer: look the relationship up (the result file's, else `customer/tenantId` and the
//! template's name), create it if there is none, lock it, invite, and once it is `active` give
//! the template's groups their roles. A run ends with rows done, rows awaiting their customer's
//! approval (a later run, or `--wait`, finishes them) and failed rows, each failure naming the row
//! and, where it is the row's fault, the field.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gdap_domain::template::Template;
use serde::Serialize;
use serde_json::json;
use tokio::sync::Semaphore;

use crate::graph::{GraphClient, GraphError, Relationship};
use crate::input::{Customer, RowError};
use crate::invite::{Invitation, Inviter};
use crate::journal::{Journal, Progress, Record, Step};

/// How long an invitation link works.
const INVITATION_DAYS: i64 = 90;

/// What a run does.
pub struct Options {
    /// The role templates, by name.
    pub templates: HashMap<String, Template>,
    /// Templates of the file that do not check, by name, with why: only their rows fail.
    pub broken_templates: HashMap<String, String>,
    /// The template of rows that name none.
    pub default_template: Option<String>,
    /// The approval link is this followed by the relationship id.
    pub link_base: String,
    /// Customers worked on at once.
    pub concurrency: usize,
    /// How long to wait for the customers' approvals before ending (none: end at once).
    pub wait: Option<Duration>,
    /// How often to look at relationships awaiting approval while waiting.
    pub poll: Duration,
    /// Only read, and say what would be done.
    pub dry_run: bool,
}

/// Where a row ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "result")]
pub enum Outcome {
    /// Approved, and its groups have their roles.
    Done {
        /// The relationship.
        relationship_id: String,
    },
    /// Invited; the customer has not approved yet.
    AwaitingApproval {
        /// The relationship.
        relationship_id: String,
    },
    /// Not done; a later run tries again.
    Failed {
        /// The field at fault, when the row is.
        #[serde(skip_serializing_if = "Option::is_none")]
        field: Option<String>,
        /// What went wrong.
        error: String,
    },
    /// `--dry-run`: what a run would do.
    WouldDo {
        /// The steps.
        steps: String,
    },
    /// The run was stopped before this row got further.
    Interrupted,
}

/// One row's result, as reported while the run goes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowReport {
    /// Its row.
    pub row: usize,
    /// Its customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// Where it ended.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The whole run.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Rows in the file.
    pub rows: usize,
    /// Rows done.
    pub done: usize,
    /// Rows awaiting their customer's approval.
    pub awaiting_approval: usize,
    /// Rows that failed.
    pub failed: usize,
    /// Relationships created by this run.
    pub created: u64,
    /// Invitations sent by this run.
    pub invited: u64,
    /// Access assignments created by this run.
    pub assignments: u64,
    /// Graph requests sent (retries included).
    pub requests: u64,
    /// Of which answered `429` or `503`.
    pub throttled: u64,
    /// Whether the run was stopped (Ctrl-C) before the end.
    pub interrupted: bool,
    /// The failed rows.
    pub failures: Vec<RowReport>,
    /// `--dry-run`: what each row would need.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub would_do: Vec<RowReport>,
}

/// Why a row stopped.
struct Failure {
    field: Option<String>,
    error: String,
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

struct Ctx {
    client: Arc<GraphClient>,
    journal: Arc<Journal>,
    inviter: Arc<dyn Inviter>,
    opts: Options,
    stop: Arc<AtomicBool>,
    progress: std::sync::Mutex<Progress>,
    created: AtomicU64,
    invited: AtomicU64,
    assignments: AtomicU64,
}

impl Ctx {
    async fn record(&self, c: &Customer, step: Step, rel: Option<&str>) -> Result<(), Failure> {
        let r = Record::new(c.row, &c.tenant_id, step, rel);
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

    fn last(&self, tenant: &str) -> Option<Record> {
        self.progress.lock().ok()?.get(tenant).cloned()
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

fn would(steps: &str) -> Result<Outcome, Failure> {
    Ok(Outcome::WouldDo {
        steps: steps.to_owned(),
    })
}

/// Advances one customer as far as it can go now.
async fn advance(ctx: &Ctx, c: &Customer, t: &Template) -> Result<Outcome, Failure> {
    let name = relationship_name(&t.name, &c.tenant_id);
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
                None => create(ctx, c, t, &name).await?,
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
async fn assign(ctx: &Ctx, t: &Template, id: &str) -> Result<(), Failure> {
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

/// A row ready to advance, or why it is not.
fn prepare(
    opts: &Options,
    inviter: &dyn Inviter,
    row: Result<Customer, RowError>,
) -> Result<(Customer, Template), RowReport> {
    let fail = |row: usize, tenant: Option<String>, field: &str, error: String| RowReport {
        row,
        tenant_id: tenant,
        outcome: Outcome::Failed {
            field: Some(field.to_owned()),
            error,
        },
    };
    let c = row.map_err(|e| fail(e.row, e.tenant_id, &e.field, e.message))?;
    let Some(name) = c.template.as_ref().or(opts.default_template.as_ref()) else {
        return Err(fail(
            c.row,
            Some(c.tenant_id),
            "template",
            "no template: name one in the row or for the run".into(),
        ));
    };
    if let Some(why) = opts.broken_templates.get(name) {
        return Err(fail(
            c.row,
            Some(c.tenant_id.clone()),
            "template",
            format!("template `{name}` is not valid: {why}"),
        ));
    }
    let Some(t) = opts.templates.get(name) else {
        let mut known: Vec<&str> = opts
            .templates
            .keys()
            .chain(opts.broken_templates.keys())
            .map(String::as_str)
            .collect();
        known.sort_unstable();
        return Err(fail(
            c.row,
            Some(c.tenant_id.clone()),
            "template",
            format!("unknown template `{name}` (known: {})", known.join(", ")),
        ));
    };
    if inviter.needs_address() && c.admin_email.is_none() {
        return Err(fail(
            c.row,
            Some(c.tenant_id),
            "adminEmail",
            "missing: the invitation is mailed to it".into(),
        ));
    }
    Ok((c, t.clone()))
}

/// Runs one pass over `rows`, `concurrency` at a time, reporting each as it ends.
async fn pass(
    ctx: &Arc<Ctx>,
    rows: Vec<(Customer, Template)>,
    report: &(dyn Fn(&RowReport) + Send + Sync),
) -> Vec<(Customer, Template, Outcome)> {
    let permits = Arc::new(Semaphore::new(ctx.opts.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let mut out = Vec::with_capacity(rows.len());
    let finish = |out: &mut Vec<_>, (c, t, outcome): (Customer, Template, Outcome)| {
        report(&RowReport {
            row: c.row,
            tenant_id: Some(c.tenant_id.clone()),
            outcome: outcome.clone(),
        });
        out.push((c, t, outcome));
    };
    for (c, t) in rows {
        if ctx.stopped() {
            out.push((c, t, Outcome::Interrupted));
            continue;
        }
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        let ctx = ctx.clone();
        tasks.spawn(async move {
            let _permit = permit;
            let outcome = match advance(&ctx, &c, &t).await {
                Ok(o) => o,
                Err(f) => {
                    let mut r = Record::new(c.row, &c.tenant_id, Step::Failed, None);
                    r.error = Some(f.error.clone());
                    r.field.clone_from(&f.field);
                    if !ctx.opts.dry_run {
                        let _ = ctx.journal.write(&r).await;
                    }
                    Outcome::Failed {
                        field: f.field,
                        error: f.error,
                    }
                }
            };
            (c, t, outcome)
        });
        while let Some(Ok(done)) = tasks.try_join_next() {
            finish(&mut out, done);
        }
    }
    while let Some(done) = tasks.join_next().await {
        if let Ok(done) = done {
            finish(&mut out, done);
        }
    }
    out
}

/// What a run works with.
pub struct Run {
    /// The Graph client.
    pub client: Arc<GraphClient>,
    /// The result file.
    pub journal: Arc<Journal>,
    /// What earlier runs recorded in it.
    pub progress: Progress,
    /// How invitations go out.
    pub inviter: Arc<dyn Inviter>,
    /// What to do.
    pub options: Options,
    /// Set to stop at the next step of each row (Ctrl-C).
    pub stop: Arc<AtomicBool>,
}

/// Runs the onboarding of `rows`: returns the summary (and has reported each row as it ended).
pub async fn run(
    setup: Run,
    rows: Vec<Result<Customer, RowError>>,
    report: &(dyn Fn(&RowReport) + Send + Sync),
) -> Summary {
    let Run {
        client,
        journal,
        progress,
        inviter,
        options: opts,
        stop,
    } = setup;
    let mut summary = Summary {
        rows: rows.len(),
        ..Summary::default()
    };
    let mut ready = Vec::new();
    let mut reports = Vec::new();
    for row in rows {
        match prepare(&opts, inviter.as_ref(), row) {
            Ok(r) => ready.push(r),
            Err(failed) => {
                if !opts.dry_run {
                    let mut r = Record::new(failed.row, "", Step::Failed, None);
                    r.tenant_id.clone_from(&failed.tenant_id);
                    if let Outcome::Failed { field, error } = &failed.outcome {
                        r.field.clone_from(field);
                        r.error = Some(error.clone());
                    }
                    let _ = journal.write(&r).await;
                }
                report(&failed);
                reports.push(failed);
            }
        }
    }
    let wait = opts.wait;
    let poll = opts.poll;
    let ctx = Arc::new(Ctx {
        client,
        journal,
        inviter,
        opts,
        stop,
        progress: std::sync::Mutex::new(progress),
        created: AtomicU64::new(0),
        invited: AtomicU64::new(0),
        assignments: AtomicU64::new(0),
    });
    let mut results = pass(&ctx, ready, report).await;
    if let Some(wait) = wait {
        let deadline = Instant::now() + wait;
        loop {
            let (waiting, settled): (Vec<_>, Vec<_>) = results
                .into_iter()
                .partition(|(_, _, o)| matches!(o, Outcome::AwaitingApproval { .. }));
            reports.extend(settled.into_iter().map(|(c, _, outcome)| RowReport {
                row: c.row,
                tenant_id: Some(c.tenant_id),
                outcome,
            }));
            if waiting.is_empty() || Instant::now() >= deadline || ctx.stopped() {
                results = waiting;
                break;
            }
            tokio::time::sleep(poll.min(deadline - Instant::now())).await;
            let rows = waiting.into_iter().map(|(c, t, _)| (c, t)).collect();
            results = pass(&ctx, rows, report).await;
        }
    }
    reports.extend(results.into_iter().map(|(c, _, outcome)| RowReport {
        row: c.row,
        tenant_id: Some(c.tenant_id),
        outcome,
    }));
    reports.sort_by_key(|r| r.row);
    for r in reports {
        match &r.outcome {
            Outcome::Done { .. } => summary.done += 1,
            Outcome::AwaitingApproval { .. } => summary.awaiting_approval += 1,
            Outcome::Failed { .. } => {
                summary.failed += 1;
                summary.failures.push(r);
            }
            Outcome::WouldDo { .. } => summary.would_do.push(r),
            Outcome::Interrupted => summary.interrupted = true,
        }
    }
    summary.interrupted |= ctx.stopped();
    summary.created = ctx.created.load(Ordering::Relaxed);
    summary.invited = ctx.invited.load(Ordering::Relaxed);
    summary.assignments = ctx.assignments.load(Ordering::Relaxed);
    summary.requests = ctx.client.counters.requests.load(Ordering::Relaxed);
    summary.throttled = ctx.client.counters.throttled.load(Ordering::Relaxed);
    summary
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
