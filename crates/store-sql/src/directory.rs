//! `DirectoryStore` over SQL.

pub(crate) mod writes;

use async_trait::async_trait;
use gdap_domain::directory::{Application, Group, Tenant, User};
use gdap_domain::ids::{ClientId, GroupId, TenantId, UserId};
use gdap_domain::query::{schemas, Dir, ListQuery};
use gdap_store::{DirectoryBatch, DirectoryStore, Page, StoreError};

use crate::db::Step;
use crate::list::{list, Col, ColKind, Source};
use crate::rows;
use crate::sql::{Param, Sql};
use crate::SqlStore;

impl SqlStore {
    async fn members(&self, group: GroupId) -> Result<Vec<UserId>, StoreError> {
        let mut q = Sql::new("SELECT user_id FROM group_members WHERE group_id = ");
        q.text(group.to_string());
        q.push(" ORDER BY user_id");
        self.fetch_all(q, |r| {
            r.text("user_id")?
                .parse()
                .map_err(|_| StoreError::Internal("corrupt member id".into()))
        })
        .await
    }
}

/// The columns behind the users' queryable properties (principal names are stored in lower case).
const USER_QUERY_COLS: &[Col] = &[
    Col {
        path: "id",
        expr: "id",
        sort: "id",
        kind: ColKind::Text,
    },
    Col {
        path: "userPrincipalName",
        expr: "upn",
        sort: "upn",
        kind: ColKind::Lower,
    },
    Col {
        path: "displayName",
        expr: "lower(display_name)",
        sort: "lower(display_name)",
        kind: ColKind::Lower,
    },
    Col {
        path: "accountEnabled",
        expr: "CASE WHEN account_enabled <> 0 THEN 'true' ELSE 'false' END",
        sort: "CASE WHEN account_enabled <> 0 THEN 'true' ELSE 'false' END",
        kind: ColKind::Text,
    },
];

const BY_UPN: &[(&str, Dir)] = &[("upn", Dir::Asc)];

#[async_trait]
impl DirectoryStore for SqlStore {
    async fn tenant(&self, id: TenantId) -> Result<Option<Tenant>, StoreError> {
        let mut q = Sql::new(
            "SELECT id, display_name, domain, partner_json, created_at FROM tenants WHERE id = ",
        );
        q.text(id.to_string());
        self.fetch_optional(q, rows::tenant).await
    }

    async fn tenant_by_domain(&self, domain: &str) -> Result<Option<Tenant>, StoreError> {
        let mut q = Sql::new("SELECT id, display_name, domain, partner_json, created_at FROM tenants WHERE domain = ");
        q.text(domain.to_lowercase());
        self.fetch_optional(q, rows::tenant).await
    }

    async fn user_by_upn(&self, upn: &str) -> Result<Option<User>, StoreError> {
        let mut q = Sql::new("SELECT * FROM users WHERE upn = ");
        q.text(upn.to_lowercase());
        self.fetch_optional(q, rows::user).await
    }

    async fn user(&self, tenant: TenantId, id: UserId) -> Result<Option<User>, StoreError> {
        let mut q = Sql::new("SELECT * FROM users WHERE tenant_id = ");
        q.text(tenant.to_string())
            .push(" AND id = ")
            .text(id.to_string());
        self.fetch_optional(q, rows::user).await
    }

    async fn group(&self, tenant: TenantId, id: GroupId) -> Result<Option<Group>, StoreError> {
        let mut q =
            Sql::new("SELECT id, tenant_id, display_name FROM security_groups WHERE tenant_id = ");
        q.text(tenant.to_string())
            .push(" AND id = ")
            .text(id.to_string());
        let Some(row) = self.db.query(q).await?.into_iter().next() else {
            return Ok(None);
        };
        let members = self.members(id).await?;
        rows::group(&row, members).map(Some)
    }

    async fn groups_of_user(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<Vec<Group>, StoreError> {
        let mut q = Sql::new(
            "SELECT g.id, g.tenant_id, g.display_name FROM security_groups g \
             JOIN group_members m ON m.group_id = g.id WHERE g.tenant_id = ",
        );
        q.text(tenant.to_string())
            .push(" AND m.user_id = ")
            .text(user.to_string());
        q.push(" ORDER BY g.display_name");
        let rows_ = self.db.query(q).await?;
        let mut out = Vec::with_capacity(rows_.len());
        for row in &rows_ {
            let id: GroupId = row
                .text("id")?
                .parse()
                .map_err(|_| StoreError::Internal("corrupt group id".into()))?;
            out.push(rows::group(row, self.members(id).await?)?);
        }
        Ok(out)
    }

    async fn users_of(&self, tenant: TenantId) -> Result<Vec<User>, StoreError> {
        let mut q = Sql::new("SELECT * FROM users WHERE tenant_id = ");
        q.text(tenant.to_string()).push(" ORDER BY upn");
        self.fetch_all(q, rows::user).await
    }

    async fn list_users(&self, tenant: TenantId, q: &ListQuery) -> Result<Page<User>, StoreError> {
        let src = Source {
            schema: &schemas::USERS,
            cols: USER_QUERY_COLS,
            select: "*",
            from: Sql::new("users"),
            scope: vec![("tenant_id", Param::Text(tenant.to_string()))],
            id: "id",
            default_order: BY_UPN,
        };
        let (items, next, count) = list(self.db.as_ref(), src, q, rows::user).await?;
        Ok(Page { items, next, count })
    }

    async fn applications_of(&self, tenant: TenantId) -> Result<Vec<Application>, StoreError> {
        let mut q = Sql::new("SELECT * FROM applications WHERE tenant_id = ");
        q.text(tenant.to_string())
            .push(" ORDER BY display_name, client_id");
        self.fetch_all(q, rows::application).await
    }

    async fn application(&self, client_id: ClientId) -> Result<Option<Application>, StoreError> {
        let mut q = Sql::new("SELECT * FROM applications WHERE client_id = ");
        q.text(client_id.to_string());
        self.fetch_optional(q, rows::application).await
    }

    async fn insert_directory(&self, batch: DirectoryBatch) -> Result<(), StoreError> {
        let mut stmts: Vec<(Sql, String)> = Vec::new();
        for t in &batch.tenants {
            stmts.push((
                writes::add_tenant(t),
                format!("tenant {} / domain {}", t.id, t.domain),
            ));
        }
        for u in &batch.users {
            stmts.push((
                writes::add_user(u),
                format!("user {}", u.user_principal_name),
            ));
        }
        for g in &batch.groups {
            let mut q =
                Sql::new("INSERT INTO security_groups (id, tenant_id, display_name) VALUES (");
            q.text(g.id.to_string())
                .push(", ")
                .text(g.tenant.to_string())
                .push(", ")
                .text(g.display_name.clone())
                .push(")");
            stmts.push((q, format!("group {}", g.id)));
            for m in &g.members {
                let mut q = Sql::new("INSERT INTO group_members (group_id, user_id) VALUES (");
                q.text(g.id.to_string())
                    .push(", ")
                    .text(m.to_string())
                    .push(")");
                stmts.push((q, format!("member {m} of group {}", g.id)));
            }
        }
        for a in &batch.applications {
            stmts.push((
                writes::add_application(a),
                format!("application {}", a.client_id),
            ));
        }
        let mut steps: Vec<Step> = stmts
            .into_iter()
            .map(|(sql, what)| Step {
                sql,
                checked: false,
                on_unique: Some(StoreError::Duplicate(what)),
            })
            .collect();
        steps.extend(batch.partner_links.iter().map(crate::portal::link_step));
        steps.extend(batch.agreements.iter().map(crate::portal::agreement_step));
        steps.extend(
            self.feed_steps(&gdap_store::ChangeRefs {
                users: batch.users.iter().map(|u| (u.tenant, u.id)).collect(),
                groups: batch.groups.iter().map(|g| (g.tenant, g.id)).collect(),
                links: batch
                    .partner_links
                    .iter()
                    .map(|l| (l.customer, l.partner))
                    .collect(),
                tenants: batch.tenants.iter().map(|t| t.id).collect(),
                ..gdap_store::ChangeRefs::default()
            }),
        );
        self.transaction(steps).await?;
        self.notify(|o| o.directory_inserted(&batch));
        Ok(())
    }

    async fn groups_of(&self, tenant: TenantId) -> Result<Vec<Group>, StoreError> {
        let mut q =
            Sql::new("SELECT id, tenant_id, display_name FROM security_groups WHERE tenant_id = ");
        q.text(tenant.to_string())
            .push(" ORDER BY display_name, id");
        let rows_ = self.db.query(q).await?;
        let mut out = Vec::with_capacity(rows_.len());
        for row in &rows_ {
            let id: GroupId = row
                .text("id")?
                .parse()
                .map_err(|_| StoreError::Internal("corrupt group id".into()))?;
            out.push(rows::group(row, self.members(id).await?)?);
        }
        Ok(out)
    }
}
