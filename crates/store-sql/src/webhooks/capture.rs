//! The events a change set raises, queued in its own transaction. Each is an
//! `INSERT … SELECT … FROM webhook_registrations` that queues nothing unless the partner is
//! registered for the event and the row as it stands before the write shows the transition (its
//! old status differs from the new one), so the event follows what the database holds, whichever
//! face or lifecycle step made the change. These steps run before the writes they describe.

use gdap_domain::assignment::AccessAssignment;
use gdap_domain::customer::PartnerLink;
use gdap_domain::enums::{AssignmentStatus, GraphEnum, RelationshipStatus};
use gdap_domain::ids::TenantId;
use gdap_domain::relationship::Relationship;
use gdap_domain::timefmt::to_micros;
use gdap_store::{Changes, Write};
use time::OffsetDateTime;

use crate::db::Step;
use crate::sql::{Param, Sql};

/// What one queued event names.
struct Raised<'a> {
    partner: TenantId,
    event: &'a str,
    path: Option<String>,
    key: String,
    change_at: OffsetDateTime,
}

/// The columns an event is queued with.
const INSERT: &str = "INSERT INTO webhook_events (id, partner_id, event_name, resource_path, ordering_key, change_at, created_at, attempts, next_attempt_at) ";

/// The select of `r` for the partner's registration, when `condition` (SQL over the rows before
/// the write) holds.
fn select(r: &Raised<'_>, condition: Option<Sql>, now: OffsetDateTime) -> Sql {
    let mut q = Sql::new("SELECT ");
    q.text(uuid::Uuid::new_v4().to_string())
        .push(", partner_id, ")
        .text(r.event)
        .push(", ")
        .bind(Param::OptText(r.path.clone()))
        .push(", ")
        .text(r.key.clone())
        .push(", ")
        .int(to_micros(r.change_at))
        .push(", ")
        .int(to_micros(now))
        .push(", 0, ")
        .int(to_micros(now))
        .push(" FROM webhook_registrations WHERE partner_id = ")
        .text(r.partner.to_string())
        .push(" AND events LIKE ")
        .text(format!("%\"{}\"%", r.event));
    if let Some(c) = condition {
        q.push(" AND ").append(&c);
    }
    q
}

/// One insert of the events of `selects`.
fn queue(selects: Vec<Sql>) -> Step {
    let mut q = Sql::new(INSERT);
    for (i, s) in selects.into_iter().enumerate() {
        if i > 0 {
            q.push(" UNION ALL ");
        }
        q.append(&s);
    }
    Step::plain(q)
}

fn relationship_event(status: RelationshipStatus) -> Option<&'static str> {
    match status {
        RelationshipStatus::Approved => Some("granular-admin-relationship-approved"),
        RelationshipStatus::Active => Some("granular-admin-relationship-activated"),
        RelationshipStatus::Terminated => Some("granular-admin-relationship-terminated"),
        RelationshipStatus::Expired => Some("granular-admin-relationship-expired"),
        _ => None,
    }
}

fn relationship_steps(w: &Write<Relationship>, now: OffsetDateTime) -> Option<Step> {
    let Write::Update(r) = w else { return None };
    let event = relationship_event(r.status)?;
    let mut cond = Sql::new("EXISTS (SELECT 1 FROM relationships WHERE id = ");
    cond.text(r.id.to_string())
        .push(" AND status <> ")
        .text(r.status.name())
        .push(")");
    Some(queue(vec![select(
        &Raised {
            partner: r.partner,
            event,
            path: Some(format!("/granularAdminRelationships/{}", r.id)),
            key: r.id.to_string(),
            change_at: r.last_modified_at,
        },
        Some(cond),
        now,
    )]))
}

fn assignment_steps(w: &Write<AccessAssignment>, now: OffsetDateTime) -> Option<Step> {
    let a = w.get();
    let raised = |event| Raised {
        partner: a.partner,
        event,
        path: Some(format!(
            "/granularAdminRelationships/{}/accessAssignments/{}",
            a.relationship_id, a.id
        )),
        key: a.relationship_id.to_string(),
        change_at: a.last_modified_at,
    };
    let row = |extra: &str| {
        let mut c = Sql::new("EXISTS (SELECT 1 FROM assignments WHERE id = ");
        c.text(a.id.to_string()).push(" AND ").push(extra);
        c
    };
    match (w, a.status) {
        (Write::Insert(_), _) => Some(queue(vec![select(
            &raised("granular-admin-access-assignment-created"),
            None,
            now,
        )])),
        (Write::Update(_), AssignmentStatus::Active) => {
            let mut updated = row("status = 'active' AND roles <> ");
            updated.text(crate::rows::roles_json(&a.roles)).push(")");
            // One of the two at most: before the write the row is pending or active.
            Some(queue(vec![
                select(
                    &raised("granular-admin-access-assignment-activated"),
                    Some(row("status = 'pending')")),
                    now,
                ),
                select(
                    &raised("granular-admin-access-assignment-updated"),
                    Some(updated),
                    now,
                ),
            ]))
        }
        (Write::Update(_), AssignmentStatus::Deleted) => Some(queue(vec![select(
            &raised("granular-admin-access-assignment-deleted"),
            Some(row("status <> 'deleted')")),
            now,
        )])),
        _ => None,
    }
}

fn link_steps(l: &PartnerLink, now: OffsetDateTime) -> Step {
    let was = |col: &str, value: i64| {
        let mut c = Sql::new("EXISTS (SELECT 1 FROM partner_links WHERE customer_id = ");
        c.text(l.customer.to_string())
            .push(" AND partner_id = ")
            .text(l.partner.to_string())
            .push(&format!(" AND {col} = "))
            .int(value)
            .push(")");
        c
    };
    let not = |c: Sql| {
        let mut n = Sql::new("NOT ");
        n.append(&c);
        n
    };
    let raised = |event, path| Raised {
        partner: l.partner,
        event,
        path,
        key: format!("customer:{}", l.customer),
        change_at: l.dap_removed_at.unwrap_or(l.since),
    };
    let mut out = Vec::new();
    if l.reseller {
        out.push(select(
            &raised(
                "reseller-relationship-accepted-by-customer",
                Some(format!("/v1/customers/{}", l.customer)),
            ),
            Some(not(was("reseller", 1))),
            now,
        ));
    }
    if l.dap {
        out.push(select(
            &raised("dap-admin-relationship-approved", None),
            Some(not(was("dap", 1))),
            now,
        ));
    } else {
        out.push(select(
            &raised("dap-admin-relationship-terminated", None),
            Some(was("dap", 1)),
            now,
        ));
    }
    queue(out)
}

/// The steps that queue the events of `changes`, to run before its writes.
pub(crate) fn steps(changes: &Changes) -> Vec<Step> {
    // Deliveries follow the wall clock, whatever the development clock says.
    let now = OffsetDateTime::now_utc();
    let mut out: Vec<Step> = Vec::new();
    out.extend(
        changes
            .relationships
            .iter()
            .filter_map(|w| relationship_steps(w, now)),
    );
    out.extend(
        changes
            .assignments
            .iter()
            .filter_map(|w| assignment_steps(w, now)),
    );
    out.extend(changes.partner_links.iter().map(|l| link_steps(l, now)));
    out
}
