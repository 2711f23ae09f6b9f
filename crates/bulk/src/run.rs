//! A bulk onboarding run: each customer advanced as far as it can go, several at once.
//!
//! Per customer: look the relationship up (the result file's, else `customer/tenantId` and the
//! template's name), create it if there is none, lock it, invite, and once it is `active` give
//! the template's groups their roles. A run ends with rows done, rows awaiting their customer's
//! approval (a later run, or `--wait`, finishes them) and failed rows, each failure naming the row
//! and, where it is the row's fault, the field.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gdap_domain::ids::GroupId;
use gdap_domain::template::Template;
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::advance::{advance, Ctx};
use crate::apply::apply;
use crate::graph::GraphClient;
use crate::input::{Customer, RowError};
use crate::invite::Inviter;
use crate::journal::{Journal, Progress, Record, Step};

pub use crate::advance::relationship_name;

/// What a run does to each customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Onboard: a relationship from the template, sent for approval, its groups assigned.
    Onboard,
    /// Compare with the template and mend: assignments at once, a renewal for what needs approval.
    Apply,
}

/// What a run does.
pub struct Options {
    /// Onboarding or plan/apply.
    pub mode: Mode,
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
            let work = match ctx.opts.mode {
                Mode::Onboard => {
                    let name = relationship_name(&t.name, &c.tenant_id);
                    advance(&ctx, &c, &t, &name).await
                }
                Mode::Apply => apply(&ctx, &c, &t, &ctx.groups).await,
            };
            let outcome = match work {
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

/// The groups the templates name that exist in the partner's directory.
async fn existing_groups(
    client: &GraphClient,
    opts: &Options,
) -> Result<HashSet<GroupId>, crate::GraphError> {
    let named: HashSet<GroupId> = opts
        .templates
        .values()
        .flat_map(|t| t.assignments.iter().map(|a| a.group))
        .collect();
    let mut out = HashSet::new();
    for g in named {
        if client.group_exists(&g.to_string()).await? {
            out.insert(g);
        }
    }
    Ok(out)
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
    let groups = match opts.mode {
        Mode::Onboard => HashSet::new(),
        Mode::Apply => match existing_groups(&client, &opts).await {
            Ok(g) => g,
            Err(e) => {
                // Without the partner's groups no plan can be made: every row says why.
                let error = format!("checking the templates' groups: {e}");
                for (c, _) in ready.drain(..) {
                    let failed = RowReport {
                        row: c.row,
                        tenant_id: Some(c.tenant_id),
                        outcome: Outcome::Failed {
                            field: None,
                            error: error.clone(),
                        },
                    };
                    report(&failed);
                    reports.push(failed);
                }
                HashSet::new()
            }
        },
    };
    let ctx = Arc::new(Ctx {
        groups,
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
