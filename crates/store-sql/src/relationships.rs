//! `RelationshipStore` over SQL.

mod writes;

use async_trait::async_trait;
use gdap_domain::assignment::AccessAssignment;
use gdap_domain::enums::GraphEnum;
use gdap_domain::ids::{AssignmentId, OperationId, RelationshipId, RequestId, TenantId};
use gdap_domain::query::{schemas, Dir, ListQuery};
use gdap_domain::relationship::Relationship;
use gdap_domain::request::{Operation, RelationshipRequest};
use gdap_domain::timefmt::to_micros;
use gdap_store::{Changes, CustomerSummary, Page, RelationshipStore, StoreError, Write};
use time::OffsetDateTime;

use crate::db::Step;
use crate::list::{list, Col, ColKind, Source};
use crate::rows::{self, opt_micros, roles_json, ASG_COLS, OP_COLS, REL_COLS, REQ_COLS};
use crate::sql::{Param, Sql};
use crate::SqlStore;
use writes::{assignment_step, bump, operation_step, relationship_step, request_step, version_i64};

const fn c(path: &'static str, expr: &'static str, sort: &'static str, kind: ColKind) -> Col {
    Col {
        path,
        expr,
        sort,
        kind,
    }
}

const REL_QUERY_COLS: &[Col] = &[
    c("id", "id", "id", ColKind::Text),
    c("displayName", "name_key", "name_key", ColKind::Lower),
    c("status", "status", "status", ColKind::Text),
    c(
        "customer/tenantId",
        "customer_id",
        "COALESCE(customer_id, '')",
        ColKind::Text,
    ),
    c(
        "customer/displayName",
        "lower(customer_name)",
        "COALESCE(lower(customer_name), '')",
        ColKind::Lower,
    ),
    c(
        "autoExtendDuration",
        "auto_extend",
        "auto_extend",
        ColKind::Text,
    ),
    c("duration", "duration", "duration", ColKind::Text),
    c("createdDateTime", "created_at", "created_at", ColKind::Int),
    c(
        "lastModifiedDateTime",
        "last_modified_at",
        "last_modified_at",
        ColKind::Int,
    ),
    c(
        "activatedDateTime",
        "activated_at",
        "COALESCE(activated_at, 0)",
        ColKind::Int,
    ),
    c("endDateTime", "end_at", "COALESCE(end_at, 0)", ColKind::Int),
];

const CHILD_QUERY_COLS: &[Col] = &[
    c("id", "id", "id", ColKind::Text),
    c("status", "status", "status", ColKind::Text),
    c("action", "action", "action", ColKind::Text),
    c(
        "operationType",
        "operation_type",
        "operation_type",
        ColKind::Text,
    ),
    c(
        "accessContainer/accessContainerId",
        "group_id",
        "group_id",
        ColKind::Text,
    ),
    c("createdDateTime", "created_at", "created_at", ColKind::Int),
    c(
        "lastModifiedDateTime",
        "last_modified_at",
        "last_modified_at",
        ColKind::Int,
    ),
];

const CUSTOMER_QUERY_COLS: &[Col] = &[
    c("id", "tenant_id", "tenant_id", ColKind::Text),
    c("tenantId", "tenant_id", "tenant_id", ColKind::Text),
    c(
        "displayName",
        "lower(display_name)",
        "lower(display_name)",
        ColKind::Lower,
    ),
];

const BY_CREATION: &[(&str, Dir)] = &[("created_at", Dir::Asc)];

fn customers_from(partner: TenantId) -> Sql {
    let mut from = Sql::new(
        "(SELECT r.customer_id AS tenant_id, t.display_name AS display_name, t.domain AS domain, \
         MAX(r.version) AS version FROM relationships r JOIN tenants t ON t.id = r.customer_id \
         WHERE r.partner_id = ",
    );
    from.text(partner.to_string());
    from.push(" AND r.status = 'active' GROUP BY r.customer_id, t.display_name, t.domain) c");
    from
}

fn customer_row(r: &crate::db::Row) -> Result<CustomerSummary, StoreError> {
    Ok(CustomerSummary {
        tenant_id: r
            .text("tenant_id")?
            .parse()
            .map_err(|_| StoreError::Internal("corrupt customer id".into()))?,
        display_name: r.text("display_name")?,
        domain: r.text("domain")?,
        version: u64::try_from(r.int("version")?).unwrap_or(0),
    })
}

impl SqlStore {
    async fn child_page<T>(
        &self,
        table: &str,
        cols: &str,
        schema: &'static gdap_domain::query::Schema,
        rel: RelationshipId,
        q: &ListQuery,
        map: fn(&crate::db::Row) -> Result<T, StoreError>,
    ) -> Result<Page<T>, StoreError> {
        let src = Source {
            schema,
            cols: CHILD_QUERY_COLS,
            select: cols,
            from: Sql::new(table),
            scope: vec![("relationship_id", Param::Text(rel.to_string()))],
            id: "id",
            default_order: BY_CREATION,
        };
        let (items, next, count) = list(self.db.as_ref(), src, q, map).await?;
        Ok(Page { items, next, count })
    }

    async fn due<T>(
        &self,
        table: &str,
        cols: &str,
        until: OffsetDateTime,
        limit: u32,
        map: fn(&crate::db::Row) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut q = Sql::new(&format!(
            "SELECT {cols} FROM {table} WHERE due_at IS NOT NULL AND due_at <= "
        ));
        q.int(to_micros(until))
            .push(" ORDER BY due_at, id LIMIT ")
            .int(i64::from(limit));
        self.fetch_all(q, map).await
    }

    async fn by_id<T>(
        &self,
        table: &str,
        cols: &str,
        rel: RelationshipId,
        id: String,
        map: fn(&crate::db::Row) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        let mut q = Sql::new(&format!(
            "SELECT {cols} FROM {table} WHERE relationship_id = "
        ));
        q.text(rel.to_string()).push(" AND id = ").text(id);
        self.fetch_optional(q, map).await
    }
}

#[async_trait]
impl RelationshipStore for SqlStore {
    async fn relationship(
        &self,
        partner: TenantId,
        id: RelationshipId,
    ) -> Result<Option<Relationship>, StoreError> {
        let mut q = Sql::new(&format!("SELECT {REL_COLS} FROM relationships WHERE id = "));
        q.text(id.to_string())
            .push(" AND partner_id = ")
            .text(partner.to_string());
        self.fetch_optional(q, rows::relationship).await
    }

    async fn relationship_by_id(
        &self,
        id: RelationshipId,
    ) -> Result<Option<Relationship>, StoreError> {
        let mut q = Sql::new(&format!("SELECT {REL_COLS} FROM relationships WHERE id = "));
        q.text(id.to_string());
        self.fetch_optional(q, rows::relationship).await
    }

    async fn relationships_by_ids(
        &self,
        ids: &[RelationshipId],
    ) -> Result<Vec<Relationship>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // The ids travel as one JSON array, so that the statement has one shape (prepared once)
        // whatever their number.
        let list = serde_json::to_string(&ids.iter().map(ToString::to_string).collect::<Vec<_>>())
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        let (open, close) = match self.dialect() {
            crate::Dialect::Postgres => ("SELECT jsonb_array_elements_text(", "::jsonb))"),
            crate::Dialect::Sqlite => ("SELECT value FROM json_each(", "))"),
        };
        let mut q = Sql::new(&format!(
            "SELECT {REL_COLS} FROM relationships WHERE id IN ({open}"
        ));
        q.text(list).push(close);
        self.fetch_all(q, rows::relationship).await
    }

    async fn list_relationships(
        &self,
        partner: TenantId,
        q: &ListQuery,
    ) -> Result<Page<Relationship>, StoreError> {
        let src = Source {
            schema: &schemas::RELATIONSHIPS,
            cols: REL_QUERY_COLS,
            select: REL_COLS,
            from: Sql::new("relationships"),
            scope: vec![("partner_id", Param::Text(partner.to_string()))],
            id: "id",
            default_order: BY_CREATION,
        };
        let (items, next, count) = list(self.db.as_ref(), src, q, rows::relationship).await?;
        Ok(Page { items, next, count })
    }

    async fn relationships_of_customer(
        &self,
        customer: TenantId,
    ) -> Result<Vec<Relationship>, StoreError> {
        let mut q = Sql::new(&format!(
            "SELECT {REL_COLS} FROM relationships WHERE customer_id = "
        ));
        q.text(customer.to_string())
            .push(" ORDER BY COALESCE(end_at, 0) DESC, id");
        self.fetch_all(q, rows::relationship).await
    }

    async fn request(
        &self,
        rel: RelationshipId,
        id: RequestId,
    ) -> Result<Option<RelationshipRequest>, StoreError> {
        self.by_id("requests", REQ_COLS, rel, id.to_string(), rows::request)
            .await
    }

    async fn list_requests(
        &self,
        rel: RelationshipId,
        q: &ListQuery,
    ) -> Result<Page<RelationshipRequest>, StoreError> {
        self.child_page(
            "requests",
            REQ_COLS,
            &schemas::REQUESTS,
            rel,
            q,
            rows::request,
        )
        .await
    }

    async fn assignment(
        &self,
        rel: RelationshipId,
        id: AssignmentId,
    ) -> Result<Option<AccessAssignment>, StoreError> {
        self.by_id(
            "assignments",
            ASG_COLS,
            rel,
            id.to_string(),
            rows::assignment,
        )
        .await
    }

    async fn list_assignments(
        &self,
        rel: RelationshipId,
        q: &ListQuery,
    ) -> Result<Page<AccessAssignment>, StoreError> {
        self.child_page(
            "assignments",
            ASG_COLS,
            &schemas::ASSIGNMENTS,
            rel,
            q,
            rows::assignment,
        )
        .await
    }

    async fn assignments_of(
        &self,
        rel: RelationshipId,
    ) -> Result<Vec<AccessAssignment>, StoreError> {
        let mut q = Sql::new(&format!(
            "SELECT {ASG_COLS} FROM assignments WHERE relationship_id = "
        ));
        q.text(rel.to_string()).push(" ORDER BY created_at, id");
        self.fetch_all(q, rows::assignment).await
    }

    async fn operation(
        &self,
        rel: RelationshipId,
        id: OperationId,
    ) -> Result<Option<Operation>, StoreError> {
        self.by_id("operations", OP_COLS, rel, id.to_string(), rows::operation)
            .await
    }

    async fn list_operations(
        &self,
        rel: RelationshipId,
        q: &ListQuery,
    ) -> Result<Page<Operation>, StoreError> {
        self.child_page(
            "operations",
            OP_COLS,
            &schemas::OPERATIONS,
            rel,
            q,
            rows::operation,
        )
        .await
    }

    async fn list_customers(
        &self,
        partner: TenantId,
        q: &ListQuery,
    ) -> Result<Page<CustomerSummary>, StoreError> {
        let src = Source {
            schema: &schemas::CUSTOMERS,
            cols: CUSTOMER_QUERY_COLS,
            select: "tenant_id, display_name, domain, version",
            from: customers_from(partner),
            scope: Vec::new(),
            id: "tenant_id",
            default_order: &[],
        };
        let (items, next, count) = list(self.db.as_ref(), src, q, customer_row).await?;
        Ok(Page { items, next, count })
    }

    async fn customer(
        &self,
        partner: TenantId,
        customer: TenantId,
    ) -> Result<Option<CustomerSummary>, StoreError> {
        let mut q = Sql::new("SELECT tenant_id, display_name, domain, version FROM ");
        let from = customers_from(partner);
        q.push(&from.text);
        q.params = from.params;
        q.push(" WHERE tenant_id = ").text(customer.to_string());
        self.fetch_optional(q, customer_row).await
    }

    async fn commit(&self, mut changes: Changes) -> Result<Changes, StoreError> {
        // The events a change raises are queued first, against the rows as they stand.
        let mut steps: Vec<Step> = crate::webhooks::capture::steps(&changes);
        for (id, version) in &changes.deleted_relationships {
            let mut q = Sql::new("DELETE FROM relationships WHERE id = ");
            q.text(id.to_string())
                .push(" AND version = ")
                .int(version_i64(*version));
            steps.push(Step {
                sql: q,
                checked: true,
                on_unique: None,
            });
        }
        steps.extend(changes.relationships.iter().map(relationship_step));
        steps.extend(changes.requests.iter().map(request_step));
        steps.extend(changes.assignments.iter().map(assignment_step));
        steps.extend(changes.operations.iter().map(operation_step));
        steps.extend(changes.mail.iter().map(crate::outbox::insert_step));
        steps.extend(changes.agreements.iter().map(crate::portal::agreement_step));
        steps.extend(changes.partner_links.iter().map(crate::portal::link_step));
        steps.extend(changes.activity.iter().map(crate::portal::activity_step));
        steps.extend(changes.refusals.iter().map(crate::portal::refusal_step));
        steps.extend(
            changes
                .attestations
                .iter()
                .map(crate::portal::attestation_step),
        );
        steps.extend(changes.billing.iter().flat_map(crate::billing::steps));
        steps.extend(
            changes
                .directory
                .iter()
                .flat_map(crate::directory::writes::steps),
        );
        steps.extend(changes.consents.iter().flat_map(crate::consent::steps));
        steps.extend(changes.notices.iter().map(crate::notices::mark_step));
        steps.extend(changes.audit.iter().map(crate::audit::insert_step));
        steps.extend(self.feed_steps(&gdap_store::ChangeRefs::of(&changes)));
        if steps.is_empty() {
            return Ok(changes);
        }
        self.transaction(steps).await?;
        bump(&mut changes.relationships, |r| &mut r.version);
        bump(&mut changes.requests, |r| &mut r.version);
        bump(&mut changes.assignments, |a| &mut a.version);
        bump(&mut changes.operations, |o| &mut o.version);
        // Observers see a group whose members changed as it is now.
        for w in &mut changes.directory {
            if let gdap_store::DirectoryWrite::Membership { group, .. } = w {
                if let Some(now) =
                    gdap_store::DirectoryStore::group(self, group.tenant, group.id).await?
                {
                    *group = now;
                }
            }
        }
        self.notify(|o| o.committed(&changes));
        Ok(changes)
    }

    async fn due_relationships(
        &self,
        until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Relationship>, StoreError> {
        self.due("relationships", REL_COLS, until, limit, rows::relationship)
            .await
    }

    async fn due_assignments(
        &self,
        until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<AccessAssignment>, StoreError> {
        self.due("assignments", ASG_COLS, until, limit, rows::assignment)
            .await
    }

    async fn due_requests(
        &self,
        until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<RelationshipRequest>, StoreError> {
        self.due("requests", REQ_COLS, until, limit, rows::request)
            .await
    }

    async fn due_operations(
        &self,
        until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Operation>, StoreError> {
        self.due("operations", OP_COLS, until, limit, rows::operation)
            .await
    }
}
