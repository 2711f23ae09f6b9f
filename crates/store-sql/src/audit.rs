//! `AuditStore` over SQL: entries appended with their change, then sealed into the hash chain in
//! append order by whichever node gets there first (a position is unique, so two sealers cannot
//! both extend the chain).

use async_trait::async_trait;
use gdap_domain::audit::{chain_hash, AuditEntry, Sealed};
use gdap_domain::ids::{AssignmentId, RelationshipId, RoleDefinitionId, TenantId};
use gdap_domain::timefmt::{from_micros, to_micros};
use gdap_store::{AuditStore, StoreError};

use crate::db::{Row, Step};
use crate::sql::{Param, Sql};
use crate::SqlStore;

const COLS: &str = "seq, at, actor, actor_tenant, partner_id, customer_id, relationship_id, assignment_id, role_id, action, target, result, position, hash";

/// The insert that appends an entry (part of a change set's transaction).
pub(crate) fn insert_step(e: &AuditEntry) -> Step {
    let mut q = Sql::new("INSERT INTO audit_log (at, actor, actor_tenant, partner_id, customer_id, relationship_id, assignment_id, role_id, action, target, result) VALUES (");
    let o = |v: Option<String>| Param::OptText(v);
    q.int(to_micros(e.at))
        .push(", ")
        .text(e.actor.clone())
        .push(", ")
        .bind(o(e.actor_tenant.map(|t| t.to_string())))
        .push(", ");
    q.bind(o(e.partner.map(|t| t.to_string())))
        .push(", ")
        .bind(o(e.customer.map(|t| t.to_string())))
        .push(", ")
        .bind(o(e.relationship.map(|t| t.to_string())))
        .push(", ");
    q.bind(o(e.assignment.map(|t| t.to_string())))
        .push(", ")
        .bind(o(e.role.map(|t| t.to_string())))
        .push(", ")
        .text(e.action.clone())
        .push(", ");
    q.text(e.target.clone())
        .push(", ")
        .text(e.result.clone())
        .push(")");
    Step::plain(q)
}

fn corrupt() -> StoreError {
    StoreError::Internal("corrupt audit entry".into())
}

fn parse<T: std::str::FromStr>(v: Option<String>) -> Result<Option<T>, StoreError> {
    v.map(|s| s.parse().map_err(|_| corrupt())).transpose()
}

fn entry(r: &Row) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        at: from_micros(r.int("at")?),
        actor: r.text("actor")?,
        actor_tenant: parse::<TenantId>(r.opt_text("actor_tenant")?)?,
        partner: parse::<TenantId>(r.opt_text("partner_id")?)?,
        customer: parse::<TenantId>(r.opt_text("customer_id")?)?,
        relationship: r
            .opt_text("relationship_id")?
            .map(|s| RelationshipId::parse(&s).map_err(|_| corrupt()))
            .transpose()?,
        assignment: parse::<AssignmentId>(r.opt_text("assignment_id")?)?,
        role: parse::<RoleDefinitionId>(r.opt_text("role_id")?)?,
        action: r.text("action")?,
        target: r.text("target")?,
        result: r.text("result")?,
    })
}

/// The width of the position that prefixes a stored checkpoint, so that text order is position
/// order in both dialects.
const CHECKPOINT_DIGITS: usize = 20;

#[async_trait]
impl AuditStore for SqlStore {
    async fn audit_head(&self) -> Result<Option<(i64, String)>, StoreError> {
        self.fetch_optional(
            Sql::new("SELECT position, hash FROM audit_log WHERE position IS NOT NULL ORDER BY position DESC LIMIT 1"),
            |r| Ok((r.int("position")?, r.text("hash")?)),
        )
        .await
    }

    async fn audit_checkpoint(&self) -> Result<Option<String>, StoreError> {
        let q = Sql::new("SELECT value FROM settings WHERE key = 'audit_checkpoint'");
        let v = self.fetch_optional(q, |r| r.text("value")).await?;
        Ok(v.and_then(|v| v.get(CHECKPOINT_DIGITS + 1..).map(str::to_owned)))
    }

    async fn advance_audit_checkpoint(
        &self,
        position: i64,
        checkpoint: &str,
    ) -> Result<(), StoreError> {
        let mut q = Sql::new("INSERT INTO settings (key, value) VALUES ('audit_checkpoint', ");
        q.text(format!(
            "{position:0width$} {checkpoint}",
            width = CHECKPOINT_DIGITS
        ));
        q.push(
            ") ON CONFLICT (key) DO UPDATE SET value = excluded.value \
             WHERE settings.value < excluded.value",
        );
        self.transaction(vec![Step::plain(q)]).await
    }

    async fn seal_audit(&self, limit: u32) -> Result<u64, StoreError> {
        let head = self.audit_head().await?.unwrap_or((0, String::new()));
        let mut q = Sql::new(&format!(
            "SELECT {COLS} FROM audit_log WHERE position IS NULL ORDER BY seq LIMIT "
        ));
        q.int(i64::from(limit));
        let rows = self
            .fetch_all(q, |r| Ok((r.int("seq")?, entry(r)?)))
            .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let (mut position, mut previous) = head;
        let mut sealed = Vec::with_capacity(rows.len());
        for (seq, e) in &rows {
            position += 1;
            let hash = chain_hash(&previous, position, e);
            sealed.push((*seq, position, hash.clone()));
            previous = hash;
        }
        let steps: Vec<Step> = if self.dialect() == crate::Dialect::Postgres {
            // One statement seals the batch (a round trip per entry would cost more than the
            // writes being audited). Positions are unique, so a sealer racing this one either
            // sealed the same rows the same way first (nothing left to update) or fails.
            let mut u =
                Sql::new("UPDATE audit_log SET position = v.position, hash = v.hash FROM (VALUES ");
            for (i, (seq, pos, hash)) in sealed.iter().enumerate() {
                if i > 0 {
                    u.push(", ");
                }
                u.push("(")
                    .int(*seq)
                    .push("::BIGINT, ")
                    .int(*pos)
                    .push("::BIGINT, ");
                u.text(hash.clone()).push(")");
            }
            u.push(") AS v(seq, position, hash) WHERE audit_log.seq = v.seq AND audit_log.position IS NULL RETURNING audit_log.seq");
            return match self.db.query(u).await {
                Ok(done) => Ok(done.len() as u64),
                // Another node sealed past these positions first.
                Err(e) if e.to_string().contains("duplicate key") => Ok(0),
                Err(e) => Err(e),
            };
        } else {
            // SQLite's one writer runs these in process; no round trips to save.
            sealed
                .iter()
                .map(|(seq, pos, hash)| {
                    let mut u = Sql::new("UPDATE audit_log SET position = ");
                    u.int(*pos)
                        .push(", hash = ")
                        .text(hash.clone())
                        .push(" WHERE seq = ")
                        .int(*seq)
                        .push(" AND position IS NULL");
                    Step {
                        sql: u,
                        checked: true,
                        on_unique: Some(StoreError::VersionConflict),
                    }
                })
                .collect()
        };
        match self.transaction(steps).await {
            Ok(()) => Ok(rows.len() as u64),
            // Another node sealed these first.
            Err(StoreError::VersionConflict) => Ok(0),
            Err(e) => Err(e),
        }
    }

    async fn audit_chain(&self, after: i64, limit: u32) -> Result<Vec<Sealed>, StoreError> {
        let mut q = Sql::new(&format!("SELECT {COLS} FROM audit_log WHERE position > "));
        q.int(after)
            .push(" ORDER BY position LIMIT ")
            .int(i64::from(limit));
        self.fetch_all(q, |r| {
            Ok(Sealed {
                position: r.int("position")?,
                entry: entry(r)?,
                hash: r.text("hash")?,
            })
        })
        .await
    }

    async fn audit_unsealed(&self) -> Result<u64, StoreError> {
        self.count(Sql::new(
            "SELECT COUNT(*) AS n FROM audit_log WHERE position IS NULL",
        ))
        .await
    }

    async fn audit_of(
        &self,
        customer: TenantId,
        partner: Option<TenantId>,
        skip: u32,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut q = Sql::new(&format!(
            "SELECT {COLS} FROM audit_log WHERE customer_id = "
        ));
        q.text(customer.to_string());
        if let Some(p) = partner {
            q.push(" AND partner_id = ").text(p.to_string());
        }
        q.push(" ORDER BY seq DESC LIMIT ")
            .int(i64::from(limit))
            .push(" OFFSET ")
            .int(i64::from(skip));
        self.fetch_all(q, entry).await
    }
}
