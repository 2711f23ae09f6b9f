//! `AzureStore` over SQL: subscriptions, role assignments per tenant, resource groups.

use async_trait::async_trait;
use gdap_domain::audit::AuditEntry;
use gdap_domain::azure::{Assignment, PrincipalType};
use gdap_domain::ids::TenantId;
use gdap_domain::timefmt::{from_micros, to_micros};
use gdap_store::azure::{AzureStore, AzureSubscription, ResourceGroup};
use gdap_store::StoreError;

use crate::audit::insert_step;
use crate::db::{Row, Step};
use crate::sql::Sql;
use crate::SqlStore;

fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("corrupt Azure {what}"))
}

fn subscription(r: &Row) -> Result<AzureSubscription, StoreError> {
    Ok(AzureSubscription {
        id: r
            .text("id")?
            .parse()
            .map_err(|_| corrupt("subscription id"))?,
        customer: TenantId::parse(&r.text("customer_id")?).map_err(|_| corrupt("customer"))?,
        partner: TenantId::parse(&r.text("partner_id")?).map_err(|_| corrupt("partner"))?,
        display_name: r.text("display_name")?,
        created_at: from_micros(r.int("created_at")?),
    })
}

fn assignment(r: &Row) -> Result<Assignment, StoreError> {
    Ok(Assignment {
        id: r
            .text("id")?
            .parse()
            .map_err(|_| corrupt("assignment id"))?,
        scope: r.text("scope")?,
        role: r.text("role_id")?,
        principal: r
            .text("principal_id")?
            .parse()
            .map_err(|_| corrupt("principal"))?,
        principal_type: PrincipalType::parse(&r.text("principal_type")?)
            .ok_or_else(|| corrupt("principal type"))?,
    })
}

fn assignment_step(tenant: TenantId, a: &Assignment) -> Step {
    let mut q = Sql::new(
        "INSERT INTO azure_role_assignments (id, tenant_id, scope, role_id, principal_id, principal_type) VALUES (",
    );
    q.text(a.id.to_string())
        .push(", ")
        .text(tenant.to_string())
        .push(", ")
        .text(a.scope.clone())
        .push(", ")
        .text(a.role.clone())
        .push(", ")
        .text(a.principal.to_string())
        .push(", ")
        .text(a.principal_type.as_str())
        .push(")");
    Step {
        sql: q,
        checked: false,
        on_unique: Some(StoreError::Duplicate(format!("role assignment `{}`", a.id))),
    }
}

const ASSIGNMENT_COLS: &str = "id, scope, role_id, principal_id, principal_type";
const SUBSCRIPTION_COLS: &str = "id, customer_id, partner_id, display_name, created_at";

#[async_trait]
impl AzureStore for SqlStore {
    async fn create_subscription(
        &self,
        s: &AzureSubscription,
        assignments: &[Assignment],
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut q = Sql::new(&format!(
            "INSERT INTO azure_subscriptions ({SUBSCRIPTION_COLS}) VALUES ("
        ));
        q.text(s.id.to_string())
            .push(", ")
            .text(s.customer.to_string())
            .push(", ")
            .text(s.partner.to_string())
            .push(", ")
            .text(s.display_name.clone())
            .push(", ")
            .int(to_micros(s.created_at))
            .push(")");
        let mut steps = vec![Step::plain(q)];
        steps.extend(assignments.iter().map(|a| assignment_step(s.customer, a)));
        steps.push(insert_step(audit));
        self.transaction(steps).await
    }

    async fn azure_subscription(
        &self,
        id: uuid::Uuid,
    ) -> Result<Option<AzureSubscription>, StoreError> {
        let mut q = Sql::new(&format!(
            "SELECT {SUBSCRIPTION_COLS} FROM azure_subscriptions WHERE id = "
        ));
        q.text(id.to_string());
        self.fetch_optional(q, subscription).await
    }

    async fn azure_subscriptions_of(
        &self,
        customer: TenantId,
    ) -> Result<Vec<AzureSubscription>, StoreError> {
        let mut q = Sql::new(&format!(
            "SELECT {SUBSCRIPTION_COLS} FROM azure_subscriptions WHERE customer_id = "
        ));
        q.text(customer.to_string())
            .push(" ORDER BY created_at, id");
        self.fetch_all(q, subscription).await
    }

    async fn role_assignments(&self, tenant: TenantId) -> Result<Vec<Assignment>, StoreError> {
        let mut q = Sql::new(&format!(
            "SELECT {ASSIGNMENT_COLS} FROM azure_role_assignments WHERE tenant_id = "
        ));
        q.text(tenant.to_string()).push(" ORDER BY id");
        self.fetch_all(q, assignment).await
    }

    async fn holds_azure_role(
        &self,
        tenant: TenantId,
        principals: &[uuid::Uuid],
    ) -> Result<bool, StoreError> {
        if principals.is_empty() {
            return Ok(false);
        }
        let mut q = Sql::new("SELECT COUNT(*) AS n FROM azure_role_assignments WHERE tenant_id = ");
        q.text(tenant.to_string()).push(" AND principal_id IN (");
        for (i, p) in principals.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.text(p.to_string());
        }
        q.push(")");
        Ok(self.count(q).await? > 0)
    }

    async fn add_role_assignment(
        &self,
        tenant: TenantId,
        a: &Assignment,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.transaction(vec![assignment_step(tenant, a), insert_step(audit)])
            .await
    }

    async fn delete_role_assignment(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut q = Sql::new("DELETE FROM azure_role_assignments WHERE id = ");
        q.text(id.to_string())
            .push(" AND tenant_id = ")
            .text(tenant.to_string());
        self.exactly_one_among(Vec::new(), q, vec![insert_step(audit)])
            .await
    }

    async fn put_resource_group(
        &self,
        g: &ResourceGroup,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut q = Sql::new(
            "INSERT INTO azure_resource_groups (subscription_id, name_key, name, location) VALUES (",
        );
        q.text(g.subscription.to_string())
            .push(", ")
            .text(g.name.to_ascii_lowercase())
            .push(", ")
            .text(g.name.clone())
            .push(", ")
            .text(g.location.clone())
            .push(")");
        let steps = vec![
            Step {
                sql: q,
                checked: false,
                on_unique: Some(StoreError::Duplicate(g.name.clone())),
            },
            insert_step(audit),
        ];
        match self.transaction(steps).await {
            Ok(()) => Ok(true),
            Err(StoreError::Duplicate(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn resource_groups(
        &self,
        subscription: uuid::Uuid,
    ) -> Result<Vec<ResourceGroup>, StoreError> {
        let mut q = Sql::new(
            "SELECT subscription_id, name, location FROM azure_resource_groups WHERE subscription_id = ",
        );
        q.text(subscription.to_string()).push(" ORDER BY name_key");
        self.fetch_all(q, |r| {
            Ok(ResourceGroup {
                subscription: r
                    .text("subscription_id")?
                    .parse()
                    .map_err(|_| corrupt("subscription id"))?,
                name: r.text("name")?,
                location: r.text("location")?,
            })
        })
        .await
    }
}
