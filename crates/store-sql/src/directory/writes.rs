//! The statements that write users, groups and memberships: each directory write of a change set
//! as steps of its transaction.

use gdap_domain::directory::{Application, Group, Tenant, User};
use gdap_store::{DirectoryWrite, StoreError};

use crate::db::Step;
use crate::rows::roles_json;
use crate::sql::{Param, Sql};

/// The steps of one directory write.
pub(crate) fn steps(w: &DirectoryWrite) -> Vec<Step> {
    match w {
        DirectoryWrite::AddTenant(t) => vec![Step {
            sql: add_tenant(t),
            checked: false,
            on_unique: Some(StoreError::Duplicate(format!(
                "tenant {} / domain {}",
                t.id, t.domain
            ))),
        }],
        DirectoryWrite::AddUser(u) => vec![Step {
            sql: add_user(u),
            checked: false,
            on_unique: Some(StoreError::Duplicate(format!(
                "user {}",
                u.user_principal_name
            ))),
        }],
        DirectoryWrite::UpdateUser(u) => update_user(u),
        DirectoryWrite::DeleteUser(u) => {
            let mut members = Sql::new("DELETE FROM group_members WHERE user_id = ");
            members.text(u.id.to_string());
            let mut q = Sql::new("DELETE FROM users WHERE tenant_id = ");
            q.text(u.tenant.to_string())
                .push(" AND id = ")
                .text(u.id.to_string());
            vec![Step::plain(members), checked(q)]
        }
        DirectoryWrite::AddGroup(g) => vec![add_group(g)],
        DirectoryWrite::AddApplication(a) => vec![Step {
            sql: add_application(a),
            checked: false,
            on_unique: Some(StoreError::Duplicate(format!(
                "application {}",
                a.client_id
            ))),
        }],
        DirectoryWrite::UpdateApplication(a) => {
            let mut q = Sql::new("UPDATE applications SET display_name = ");
            q.text(a.display_name.clone())
                .push(", secret_hash = ")
                .bind(Param::OptText(a.secret_hash.clone()))
                .push(", redirect_uris = ")
                .text(json(&a.redirect_uris))
                .push(", public_client = ")
                .int(i64::from(a.public_client))
                .push(" WHERE tenant_id = ")
                .text(a.tenant.to_string())
                .push(" AND client_id = ")
                .text(a.client_id.to_string());
            vec![checked(q)]
        }
        DirectoryWrite::DeleteApplication(a) => {
            let mut q = Sql::new("DELETE FROM applications WHERE tenant_id = ");
            q.text(a.tenant.to_string())
                .push(" AND client_id = ")
                .text(a.client_id.to_string());
            vec![checked(q)]
        }
        DirectoryWrite::DeleteGroup(g) => {
            let mut members = Sql::new("DELETE FROM group_members WHERE group_id = ");
            members.text(g.id.to_string());
            let mut q = Sql::new("DELETE FROM security_groups WHERE tenant_id = ");
            q.text(g.tenant.to_string())
                .push(" AND id = ")
                .text(g.id.to_string());
            vec![Step::plain(members), checked(q)]
        }
        DirectoryWrite::Membership { group, user, add } => {
            // The group must be the tenant's, and a new member a user of the same tenant.
            let mut exists = Sql::new(
                "UPDATE security_groups SET display_name = display_name WHERE tenant_id = ",
            );
            exists
                .text(group.tenant.to_string())
                .push(" AND id = ")
                .text(group.id.to_string());
            let q = if *add {
                let mut q = Sql::new("INSERT INTO group_members (group_id, user_id) SELECT ");
                q.text(group.id.to_string())
                    .push(", id FROM users WHERE tenant_id = ")
                    .text(group.tenant.to_string())
                    .push(" AND id = ")
                    .text(user.to_string());
                q.push(" ON CONFLICT (group_id, user_id) DO NOTHING");
                q
            } else {
                let mut q = Sql::new("DELETE FROM group_members WHERE group_id = ");
                q.text(group.id.to_string())
                    .push(" AND user_id = ")
                    .text(user.to_string());
                q
            };
            vec![checked(exists), Step::plain(q)]
        }
    }
}

fn json(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

/// The insert of an application registration.
pub(crate) fn add_application(a: &Application) -> Sql {
    let mut q = Sql::new("INSERT INTO applications (object_id, client_id, tenant_id, display_name, secret_hash, permissions, redirect_uris, public_client) VALUES (");
    q.text(a.id.to_string())
        .push(", ")
        .text(a.client_id.to_string())
        .push(", ")
        .text(a.tenant.to_string())
        .push(", ");
    q.text(a.display_name.clone())
        .push(", ")
        .bind(Param::OptText(a.secret_hash.clone()))
        .push(", ");
    q.text(json(&a.permissions))
        .push(", ")
        .text(json(&a.redirect_uris))
        .push(", ")
        .int(i64::from(a.public_client))
        .push(")");
    q
}

/// A statement that must affect exactly one row.
fn checked(sql: Sql) -> Step {
    Step {
        sql,
        checked: true,
        on_unique: None,
    }
}

/// The insert of a tenant.
pub(crate) fn add_tenant(t: &Tenant) -> Sql {
    let mut q = Sql::new(
        "INSERT INTO tenants (id, display_name, domain, partner_json, created_at) VALUES (",
    );
    q.text(t.id.to_string())
        .push(", ")
        .text(t.display_name.clone())
        .push(", ");
    q.text(t.domain.to_lowercase())
        .push(", ")
        .bind(Param::OptText(crate::rows::partner_json(&t.partner)));
    q.push(", ")
        .int(gdap_domain::timefmt::to_micros(t.created_at))
        .push(")");
    q
}

/// The insert of a user.
pub(crate) fn add_user(user: &User) -> Sql {
    let mut q = Sql::new(
        "INSERT INTO users (id, tenant_id, upn, display_name, password_hash, roles, preferred_language, account_enabled) VALUES (",
    );
    q.text(user.id.to_string())
        .push(", ")
        .text(user.tenant.to_string())
        .push(", ")
        .text(user.user_principal_name.to_lowercase())
        .push(", ");
    q.text(user.display_name.clone())
        .push(", ")
        .bind(Param::OptText(user.password_hash.clone()))
        .push(", ")
        .text(roles_json(&user.roles))
        .push(", ");
    q.bind(Param::OptText(user.preferred_language.clone()))
        .push(", ")
        .int(i64::from(user.account_enabled))
        .push(")");
    q
}

fn update_user(user: &User) -> Vec<Step> {
    let mut q = Sql::new("UPDATE users SET display_name = ");
    q.text(user.display_name.clone())
        .push(", password_hash = ")
        .bind(Param::OptText(user.password_hash.clone()))
        .push(", account_enabled = ")
        .int(i64::from(user.account_enabled))
        .push(", roles = ")
        .text(roles_json(&user.roles));
    q.push(" WHERE tenant_id = ")
        .text(user.tenant.to_string())
        .push(" AND id = ")
        .text(user.id.to_string());
    // A user whose password changed, or who may no longer sign in, keeps no browser session
    // (compared with the row as it was: this runs before the update).
    let mut sessions = Sql::new("DELETE FROM sessions WHERE user_id = ");
    sessions.text(user.id.to_string());
    if user.account_enabled {
        sessions
            .push(" AND EXISTS (SELECT 1 FROM users WHERE tenant_id = ")
            .text(user.tenant.to_string())
            .push(" AND id = ")
            .text(user.id.to_string())
            .push(" AND password_hash IS DISTINCT FROM ")
            .bind(Param::OptText(user.password_hash.clone()))
            .push(")");
    }
    vec![Step::plain(sessions), checked(q)]
}

fn add_group(group: &Group) -> Step {
    let mut q = Sql::new("INSERT INTO security_groups (id, tenant_id, display_name) VALUES (");
    q.text(group.id.to_string())
        .push(", ")
        .text(group.tenant.to_string())
        .push(", ")
        .text(group.display_name.clone())
        .push(")");
    Step {
        sql: q,
        checked: false,
        on_unique: Some(StoreError::Duplicate(format!("group {}", group.id))),
    }
}
