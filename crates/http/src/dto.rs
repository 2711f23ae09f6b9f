//! Graph JSON renderings of the domain objects.

use gdap_domain::assignment::AccessAssignment;
use gdap_domain::enums::GraphEnum;
use gdap_domain::ids::{
    AssignmentId, GroupId, OperationId, RelationshipId, RequestId, RoleDefinitionId, TenantId,
};
use gdap_domain::relationship::{Relationship, RelationshipKind};
use gdap_domain::request::{Operation, RelationshipRequest};
use gdap_domain::timefmt::format_graph;
use gdap_store::CustomerSummary;
use serde::Serialize;
use serde_json::{json, Map, Value};
use time::OffsetDateTime;
use utoipa::ToSchema;

pub use gdap_app::concurrency::{assignment_etag, etag, relationship_etag};

fn time(t: Option<OffsetDateTime>) -> Option<String> {
    t.map(format_graph)
}

/// `{"unifiedRoles": [{"roleDefinitionId": …}]}`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessDetails<'a> {
    unified_roles: Vec<UnifiedRole<'a>>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
/// `unifiedRole`: one role of a relationship or assignment.
pub struct UnifiedRole<'a> {
    #[schema(value_type = String)]
    role_definition_id: &'a RoleDefinitionId,
}

fn roles(rs: &[RoleDefinitionId]) -> AccessDetails<'_> {
    AccessDetails {
        unified_roles: rs
            .iter()
            .map(|r| UnifiedRole {
                role_definition_id: r,
            })
            .collect(),
    }
}

/// `delegatedAdminRelationshipCustomerParticipant`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Customer<'a> {
    #[schema(value_type = String)]
    tenant_id: &'a TenantId,
    display_name: Option<&'a str>,
}

/// A relationship as Graph shows it (`delegatedAdminRelationship` or its reseller subtype).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RelationshipJson<'a> {
    #[serde(rename = "@odata.type")]
    odata_type: &'static str,
    #[serde(rename = "@odata.etag")]
    etag: String,
    #[schema(value_type = String)]
    id: &'a RelationshipId,
    display_name: &'a str,
    duration: &'a str,
    customer: Option<Customer<'a>>,
    access_details: AccessDetails<'a>,
    status: &'static str,
    auto_extend_duration: &'static str,
    created_date_time: String,
    last_modified_date_time: String,
    activated_date_time: Option<String>,
    end_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    indirect_provider_tenant_id: Option<&'a TenantId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_partner_consent_pending: Option<bool>,
}

/// Renders a relationship.
pub fn relationship(r: &Relationship) -> RelationshipJson<'_> {
    let (odata_type, provider, pending) = match &r.kind {
        RelationshipKind::Direct => ("#microsoft.graph.delegatedAdminRelationship", None, None),
        RelationshipKind::Reseller {
            indirect_provider_tenant_id,
            is_partner_consent_pending,
        } => (
            "#microsoft.graph.resellerDelegatedAdminRelationship",
            Some(indirect_provider_tenant_id),
            Some(*is_partner_consent_pending),
        ),
    };
    RelationshipJson {
        odata_type,
        etag: relationship_etag(r),
        id: &r.id,
        display_name: &r.display_name,
        duration: r.duration.as_str(),
        customer: r.customer.as_ref().map(|c| Customer {
            tenant_id: &c.tenant_id,
            display_name: c.display_name.as_deref(),
        }),
        access_details: roles(&r.roles),
        status: r.status.wire(true),
        auto_extend_duration: r.auto_extend.as_str(),
        created_date_time: format_graph(r.created_at),
        last_modified_date_time: format_graph(r.last_modified_at),
        activated_date_time: time(r.activated_at),
        end_date_time: time(r.end_at),
        indirect_provider_tenant_id: provider,
        is_partner_consent_pending: pending,
    }
}

/// A request as Graph shows it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestJson<'a> {
    #[serde(rename = "@odata.type")]
    odata_type: &'static str,
    #[serde(rename = "@odata.etag")]
    etag: String,
    #[schema(value_type = String)]
    id: &'a RequestId,
    action: &'static str,
    status: &'static str,
    created_date_time: String,
    last_modified_date_time: String,
}

/// Renders a request.
pub fn request(r: &RelationshipRequest, unknown_members: bool) -> RequestJson<'_> {
    RequestJson {
        odata_type: "#microsoft.graph.delegatedAdminRelationshipRequest",
        etag: etag(&r.id.to_string(), r.version),
        id: &r.id,
        action: r.action.wire(unknown_members),
        status: r.status.wire(unknown_members),
        created_date_time: format_graph(r.created_at),
        last_modified_date_time: format_graph(r.last_modified_at),
    }
}

/// `delegatedAdminAccessContainer`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Container<'a> {
    #[schema(value_type = String)]
    access_container_id: &'a GroupId,
    access_container_type: &'static str,
}

/// An access assignment as Graph shows it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentJson<'a> {
    #[serde(rename = "@odata.type")]
    odata_type: &'static str,
    #[serde(rename = "@odata.etag")]
    etag: String,
    #[schema(value_type = String)]
    id: &'a AssignmentId,
    access_container: Container<'a>,
    access_details: AccessDetails<'a>,
    status: &'static str,
    created_date_time: String,
    last_modified_date_time: String,
}

/// Renders an access assignment.
pub fn assignment(a: &AccessAssignment) -> AssignmentJson<'_> {
    AssignmentJson {
        odata_type: "#microsoft.graph.delegatedAdminAccessAssignment",
        etag: assignment_etag(a),
        id: &a.id,
        access_container: Container {
            access_container_id: &a.group,
            access_container_type: "securityGroup",
        },
        access_details: roles(&a.roles),
        status: a.status.wire(true),
        created_date_time: format_graph(a.created_at),
        last_modified_date_time: format_graph(a.last_modified_at),
    }
}

/// An operation as Graph shows it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperationJson<'a> {
    #[serde(rename = "@odata.type")]
    odata_type: &'static str,
    #[serde(rename = "@odata.etag")]
    etag: String,
    #[schema(value_type = String)]
    id: &'a OperationId,
    operation_type: &'static str,
    data: &'a str,
    status: &'static str,
    created_date_time: String,
    last_modified_date_time: String,
}

/// Renders an operation.
pub fn operation(o: &Operation, unknown_members: bool) -> OperationJson<'_> {
    OperationJson {
        odata_type: "#microsoft.graph.delegatedAdminRelationshipOperation",
        etag: etag(&o.id.to_string(), o.version),
        id: &o.id,
        operation_type: o.operation_type.wire(unknown_members),
        data: &o.data,
        status: o.status.wire(unknown_members),
        created_date_time: format_graph(o.created_at),
        last_modified_date_time: format_graph(o.last_modified_at),
    }
}

/// A customer as Graph shows it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerJson<'a> {
    #[serde(rename = "@odata.type")]
    odata_type: &'static str,
    #[serde(rename = "@odata.etag")]
    etag: String,
    #[schema(value_type = String)]
    id: &'a TenantId,
    #[schema(value_type = String)]
    tenant_id: &'a TenantId,
    display_name: &'a str,
}

/// Renders a customer.
pub fn customer(c: &CustomerSummary) -> CustomerJson<'_> {
    CustomerJson {
        odata_type: "#microsoft.graph.delegatedAdminCustomer",
        etag: etag(&c.tenant_id.to_string(), c.version),
        id: &c.tenant_id,
        tenant_id: &c.tenant_id,
        display_name: &c.display_name,
    }
}

/// The admin-portal links of a customer, one per service.
pub fn service_management_details(c: &CustomerSummary) -> Vec<Value> {
    let t = c.tenant_id;
    let rows = gdap_domain::customer::service_links(t, &c.domain);
    rows.into_iter()
        .enumerate()
        .map(|(i, (name, url))| {
            json!({
                "@odata.type": "#microsoft.graph.delegatedAdminServiceManagementDetail",
                "id": format!("{t}-{i}"),
                "serviceName": name,
                "serviceManagementUrl": url,
            })
        })
        .collect()
}

/// A page of a Graph collection, as the OpenAPI document describes it (the handlers write pages as
/// they stream).
#[derive(Serialize, ToSchema)]
pub struct Collection<T> {
    /// The collection's metadata URL.
    #[serde(rename = "@odata.context")]
    pub context: String,
    /// The number of items in the whole collection, with `$count=true`.
    #[serde(rename = "@odata.count", skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// The next page, when there is one.
    #[serde(rename = "@odata.nextLink", skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
    /// The items.
    pub value: Vec<T>,
}

/// `delegatedAdminServiceManagementDetail`: a customer's admin portal for one service.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceManagementDetail {
    /// `#microsoft.graph.delegatedAdminServiceManagementDetail`.
    #[serde(rename = "@odata.type")]
    pub odata_type: String,
    /// `{tenantId}-{n}`.
    pub id: String,
    /// The service.
    pub service_name: String,
    /// Where the partner manages it for the customer.
    pub service_management_url: String,
}

/// A `subscribedSku`: the licenses of one SKU the tenant's subscriptions give.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscribedSkuJson {
    /// `{tenantId}_{skuId}`.
    pub id: String,
    /// The tenant.
    pub account_id: String,
    /// The tenant's name.
    pub account_name: Option<String>,
    /// `User`.
    pub applies_to: String,
    /// `Enabled`.
    pub capability_status: String,
    /// Always 0: gdap assigns no licenses to users.
    pub consumed_units: i64,
    /// The SKU.
    pub sku_id: String,
    /// Its part number.
    pub sku_part_number: String,
    /// The subscriptions that give it.
    pub subscription_ids: Vec<String>,
    /// Units by state.
    pub prepaid_units: PrepaidUnits,
    /// Always empty.
    pub service_plans: Vec<String>,
}

/// `licenseUnitsDetail`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrepaidUnits {
    /// Usable units.
    pub enabled: i64,
    /// Always 0.
    pub suspended: i64,
    /// Always 0.
    pub warning: i64,
    /// Always 0.
    pub locked_out: i64,
}

/// An item with `$select` applied: written as is when nothing is selected, otherwise reduced to the
/// chosen properties (and `@odata.type`, which tells base and derived types apart).
pub struct Selected<'s, T> {
    item: T,
    select: &'s [&'static str],
}

/// Applies `$select` to a rendered item.
pub fn select<'s, T: Serialize>(item: T, select: &'s [&'static str]) -> Selected<'s, T> {
    Selected { item, select }
}

impl<T: Serialize> Serialize for Selected<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.select.is_empty() {
            return self.item.serialize(s);
        }
        let mut m = to_map(&self.item);
        m.retain(|k, _| k == "@odata.type" || self.select.contains(&k.as_str()));
        m.serialize(s)
    }
}

/// A rendered item as a JSON object (for merging with `@odata.context`).
pub fn to_map<T: Serialize>(item: &T) -> Map<String, Value> {
    match serde_json::to_value(item) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// Writes a rendered item as JSON.
pub fn write<T: Serialize>(out: &mut Vec<u8>, item: T) -> serde_json::Result<()> {
    serde_json::to_writer(out, &item)
}
