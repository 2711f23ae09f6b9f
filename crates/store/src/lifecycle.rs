//! The lifecycle engine: moves every object whose next step is due, dated at its due instant.

use std::sync::Arc;

use gdap_domain::enums::RelationshipStatus;
use gdap_domain::relationship::{ga_id, RelationshipEvent};
use gdap_domain::request::OperationChange;
use gdap_domain::Timings;
use time::OffsetDateTime;

use crate::changes::{Changes, Write};

/// The actor the audit record names for automatic lifecycle steps.
pub const SYSTEM_ACTOR: &str = "gdap";
use crate::error::StoreError;
use crate::traits::Store;

const BATCH: u32 = 500;

/// What one run of the engine did, for logs and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Steps applied to relationships.
    pub relationships: usize,
    /// Steps applied to access assignments.
    pub assignments: usize,
    /// Steps applied to requests.
    pub requests: usize,
    /// Steps applied to operations.
    pub operations: usize,
    /// Writes skipped because the object changed meanwhile (it is picked up again next run).
    pub conflicts: usize,
}

impl RunReport {
    /// Total steps applied.
    pub fn total(&self) -> usize {
        self.relationships + self.assignments + self.requests + self.operations
    }
}

/// Drives the automatic transitions of every stored object.
#[derive(Clone)]
pub struct Lifecycle {
    store: Arc<dyn Store>,
    timings: Timings,
}

impl Lifecycle {
    /// An engine over a store.
    pub fn new(store: Arc<dyn Store>, timings: Timings) -> Self {
        Self { store, timings }
    }

    /// Applies every step due at or before `until`, including steps that earlier steps make due,
    /// until nothing due remains.
    pub async fn run_until(&self, until: OffsetDateTime) -> Result<RunReport, StoreError> {
        let mut report = RunReport::default();
        loop {
            let before = report;
            self.relationships(until, &mut report).await?;
            self.operations(until, &mut report).await?;
            self.assignments(until, &mut report).await?;
            self.requests(until, &mut report).await?;
            if report.total() == before.total() {
                return Ok(report);
            }
        }
    }

    /// What gdap does by itself is recorded as done by `gdap`.
    fn audited(mut changes: Changes) -> Changes {
        let mut audit = changes.audit_entries(SYSTEM_ACTOR, None, None);
        changes.audit.append(&mut audit);
        changes
    }

    async fn apply(&self, changes: Changes, report: &mut RunReport) -> Result<bool, StoreError> {
        match self.store.commit(Self::audited(changes)).await {
            Ok(_) => Ok(true),
            Err(StoreError::VersionConflict | StoreError::NotFound) => {
                report.conflicts += 1;
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// Commits the steps of one batch in a single transaction; when any object changed meanwhile,
    /// falls back to one transaction per step so the others still land. Returns the steps applied.
    async fn apply_all(
        &self,
        bundles: Vec<Changes>,
        report: &mut RunReport,
    ) -> Result<usize, StoreError> {
        if bundles.is_empty() {
            return Ok(0);
        }
        let mut merged = Changes::default();
        for b in &bundles {
            merged.relationships.extend(b.relationships.iter().cloned());
            merged.assignments.extend(b.assignments.iter().cloned());
            merged.requests.extend(b.requests.iter().cloned());
            merged.operations.extend(b.operations.iter().cloned());
            merged.mail.extend(b.mail.iter().cloned());
        }
        match self.store.commit(Self::audited(merged)).await {
            Ok(_) => Ok(bundles.len()),
            Err(StoreError::VersionConflict | StoreError::NotFound) => {
                let mut done = 0;
                for b in bundles {
                    if self.apply(b, report).await? {
                        done += 1;
                    }
                }
                Ok(done)
            }
            Err(e) => Err(e),
        }
    }

    async fn relationships(
        &self,
        until: OffsetDateTime,
        report: &mut RunReport,
    ) -> Result<(), StoreError> {
        let mut bundles = Vec::new();
        for mut rel in self.store.due_relationships(until, BATCH).await? {
            let Some(event) = rel.advance(until, &self.timings) else {
                // Due but nothing to do: clear the stale due date.
                self.apply(
                    Changes {
                        relationships: vec![Write::Update(rel)],
                        ..Changes::default()
                    },
                    report,
                )
                .await?;
                continue;
            };
            let at = rel.last_modified_at;
            let mut changes = Changes::default();
            if matches!(
                event,
                RelationshipEvent::ExpiryStarted | RelationshipEvent::TerminationStarted
            ) {
                for mut a in self.store.assignments_of(rel.id).await? {
                    if a.start_removal(at, &self.timings) {
                        changes.assignments.push(Write::Update(a));
                    }
                }
            }
            tracing::debug!(relationship = %rel.id, ?event, status = %rel.status, "lifecycle step");
            changes.relationships.push(Write::Update(rel));
            bundles.push(changes);
        }
        report.relationships += self.apply_all(bundles, report).await?;
        Ok(())
    }

    async fn assignments(
        &self,
        until: OffsetDateTime,
        report: &mut RunReport,
    ) -> Result<(), StoreError> {
        let mut bundles = Vec::new();
        for mut a in self.store.due_assignments(until, BATCH).await? {
            a.advance(until);
            bundles.push(Changes {
                assignments: vec![Write::Update(a)],
                ..Changes::default()
            });
        }
        report.assignments += self.apply_all(bundles, report).await?;
        Ok(())
    }

    async fn requests(
        &self,
        until: OffsetDateTime,
        report: &mut RunReport,
    ) -> Result<(), StoreError> {
        let mut bundles = Vec::new();
        for mut r in self.store.due_requests(until, BATCH).await? {
            r.advance(until, &self.timings);
            bundles.push(Changes {
                requests: vec![Write::Update(r)],
                ..Changes::default()
            });
        }
        report.requests += self.apply_all(bundles, report).await?;
        Ok(())
    }

    async fn operations(
        &self,
        until: OffsetDateTime,
        report: &mut RunReport,
    ) -> Result<(), StoreError> {
        for mut op in self.store.due_operations(until, BATCH).await? {
            let finished = op.advance(until, &self.timings).unwrap_or(false);
            let at = op.last_modified_at;
            let mut changes = Changes::default();
            if finished {
                match op.change.clone() {
                    OperationChange::RelationshipRoles(roles) => {
                        match self
                            .store
                            .relationship(op.partner, op.relationship_id)
                            .await?
                        {
                            Some(mut rel) if rel.status == RelationshipStatus::Active => {
                                rel.roles = roles;
                                rel.last_modified_at = at;
                                // Assignments keep only roles the relationship still has.
                                let ga = ga_id();
                                for mut a in self.store.assignments_of(rel.id).await? {
                                    if a.status.is_live() && a.roles.contains(&ga) {
                                        let kept =
                                            a.roles.iter().copied().filter(|r| *r != ga).collect();
                                        a.set_roles(kept, at, &self.timings);
                                        changes.assignments.push(Write::Update(a));
                                    }
                                }
                                changes.relationships.push(Write::Update(rel));
                            }
                            _ => op.fail(at),
                        }
                    }
                    OperationChange::AssignmentRoles { assignment, roles } => {
                        match self
                            .store
                            .assignment(op.relationship_id, assignment)
                            .await?
                        {
                            Some(mut a) if a.status.is_live() => {
                                a.set_roles(roles, at, &self.timings);
                                changes.assignments.push(Write::Update(a));
                            }
                            _ => op.fail(at),
                        }
                    }
                }
            }
            changes.operations.push(Write::Update(op));
            if self.apply(changes, report).await? {
                report.operations += 1;
            }
        }
        Ok(())
    }
}
