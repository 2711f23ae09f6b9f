//! The statements that write relationships, requests, access assignments and operations: each
//! insert or version-checked update as one step of a transaction.

use super::*;

pub(super) fn rel_values(r: &Relationship, q: &mut Sql) {
    q.text(r.display_name.clone())
        .push(", ")
        .text(r.display_name.to_lowercase())
        .push(", ");
    q.text(r.duration.as_str())
        .push(", ")
        .text(r.auto_extend.as_str())
        .push(", ");
    q.text(roles_json(&r.roles)).push(", ");
    q.bind(Param::OptText(
        r.customer.as_ref().map(|c| c.tenant_id.to_string()),
    ))
    .push(", ");
    q.bind(Param::OptText(
        r.customer.as_ref().and_then(|c| c.display_name.clone()),
    ))
    .push(", ");
    q.text(r.status.name())
        .push(", ")
        .bind(Param::OptText(rows::kind_json(&r.kind)))
        .push(", ");
    q.int(to_micros(r.created_at))
        .push(", ")
        .int(to_micros(r.last_modified_at))
        .push(", ");
    q.bind(Param::OptInt(opt_micros(r.activated_at)))
        .push(", ")
        .bind(Param::OptInt(opt_micros(r.end_at)))
        .push(", ");
    q.bind(Param::OptInt(opt_micros(r.locked_at)))
        .push(", ")
        .bind(Param::OptInt(opt_micros(r.due_at)));
}

pub(super) fn version_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(super) fn relationship_step(w: &Write<Relationship>) -> Step {
    match w {
        Write::Insert(r) => {
            let mut q = Sql::new("INSERT INTO relationships (id, partner_id, display_name, name_key, duration, auto_extend, roles, customer_id, customer_name, status, kind_json, created_at, last_modified_at, activated_at, end_at, locked_at, due_at, version) VALUES (");
            q.text(r.id.to_string())
                .push(", ")
                .text(r.partner.to_string())
                .push(", ");
            rel_values(r, &mut q);
            q.push(", ").int(version_i64(r.version)).push(")");
            Step {
                sql: q,
                checked: false,
                on_unique: Some(StoreError::DuplicateDisplayName(r.display_name.clone())),
            }
        }
        Write::Update(r) => {
            let mut q = Sql::new("UPDATE relationships SET (display_name, name_key, duration, auto_extend, roles, customer_id, customer_name, status, kind_json, created_at, last_modified_at, activated_at, end_at, locked_at, due_at) = (");
            rel_values(r, &mut q);
            q.push("), version = version + 1 WHERE id = ")
                .text(r.id.to_string());
            q.push(" AND partner_id = ").text(r.partner.to_string());
            q.push(" AND version = ").int(version_i64(r.version));
            Step {
                sql: q,
                checked: true,
                on_unique: Some(StoreError::DuplicateDisplayName(r.display_name.clone())),
            }
        }
    }
}

pub(super) fn request_step(w: &Write<RelationshipRequest>) -> Step {
    let r = w.get();
    let mut q;
    match w {
        Write::Insert(_) => {
            q = Sql::new("INSERT INTO requests (id, relationship_id, partner_id, action, status, created_at, last_modified_at, due_at, version) VALUES (");
            q.text(r.id.to_string())
                .push(", ")
                .text(r.relationship_id.to_string())
                .push(", ");
            q.text(r.partner.to_string())
                .push(", ")
                .text(r.action.name())
                .push(", ")
                .text(r.status.name())
                .push(", ");
            q.int(to_micros(r.created_at))
                .push(", ")
                .int(to_micros(r.last_modified_at))
                .push(", ");
            q.bind(Param::OptInt(opt_micros(r.due_at)))
                .push(", ")
                .int(version_i64(r.version))
                .push(")");
        }
        Write::Update(_) => {
            q = Sql::new("UPDATE requests SET status = ");
            q.text(r.status.name())
                .push(", last_modified_at = ")
                .int(to_micros(r.last_modified_at));
            q.push(", due_at = ")
                .bind(Param::OptInt(opt_micros(r.due_at)));
            q.push(", version = version + 1 WHERE id = ")
                .text(r.id.to_string());
            q.push(" AND version = ").int(version_i64(r.version));
        }
    }
    Step {
        sql: q,
        checked: matches!(w, Write::Update(_)),
        on_unique: None,
    }
}

pub(super) fn assignment_step(w: &Write<AccessAssignment>) -> Step {
    let a = w.get();
    let mut q;
    match w {
        Write::Insert(_) => {
            q = Sql::new("INSERT INTO assignments (id, relationship_id, partner_id, group_id, roles, status, created_at, last_modified_at, due_at, version) VALUES (");
            q.text(a.id.to_string())
                .push(", ")
                .text(a.relationship_id.to_string())
                .push(", ");
            q.text(a.partner.to_string())
                .push(", ")
                .text(a.group.to_string())
                .push(", ");
            q.text(roles_json(&a.roles))
                .push(", ")
                .text(a.status.name())
                .push(", ");
            q.int(to_micros(a.created_at))
                .push(", ")
                .int(to_micros(a.last_modified_at))
                .push(", ");
            q.bind(Param::OptInt(opt_micros(a.due_at)))
                .push(", ")
                .int(version_i64(a.version))
                .push(")");
        }
        Write::Update(_) => {
            q = Sql::new("UPDATE assignments SET roles = ");
            q.text(roles_json(&a.roles))
                .push(", status = ")
                .text(a.status.name());
            q.push(", last_modified_at = ")
                .int(to_micros(a.last_modified_at));
            q.push(", due_at = ")
                .bind(Param::OptInt(opt_micros(a.due_at)));
            q.push(", version = version + 1 WHERE id = ")
                .text(a.id.to_string());
            q.push(" AND version = ").int(version_i64(a.version));
        }
    }
    Step {
        sql: q,
        checked: matches!(w, Write::Update(_)),
        on_unique: Some(StoreError::DuplicateAssignment),
    }
}

pub(super) fn operation_step(w: &Write<Operation>) -> Step {
    let o = w.get();
    let mut q;
    match w {
        Write::Insert(_) => {
            q = Sql::new("INSERT INTO operations (id, relationship_id, partner_id, operation_type, change_json, data, status, created_at, last_modified_at, due_at, version) VALUES (");
            q.text(o.id.to_string())
                .push(", ")
                .text(o.relationship_id.to_string())
                .push(", ");
            q.text(o.partner.to_string())
                .push(", ")
                .text(o.operation_type.name())
                .push(", ");
            q.text(rows::change_json(&o.change))
                .push(", ")
                .text(o.data.clone())
                .push(", ");
            q.text(o.status.name())
                .push(", ")
                .int(to_micros(o.created_at))
                .push(", ");
            q.int(to_micros(o.last_modified_at))
                .push(", ")
                .bind(Param::OptInt(opt_micros(o.due_at)))
                .push(", ");
            q.int(version_i64(o.version)).push(")");
        }
        Write::Update(_) => {
            q = Sql::new("UPDATE operations SET status = ");
            q.text(o.status.name())
                .push(", last_modified_at = ")
                .int(to_micros(o.last_modified_at));
            q.push(", due_at = ")
                .bind(Param::OptInt(opt_micros(o.due_at)));
            q.push(", version = version + 1 WHERE id = ")
                .text(o.id.to_string());
            q.push(" AND version = ").int(version_i64(o.version));
        }
    }
    Step {
        sql: q,
        checked: matches!(w, Write::Update(_)),
        on_unique: None,
    }
}

pub(super) fn bump<T>(writes: &mut [Write<T>], version: impl Fn(&mut T) -> &mut u64) {
    for w in writes {
        if let Write::Update(t) = w {
            *version(t) += 1;
        }
    }
}
