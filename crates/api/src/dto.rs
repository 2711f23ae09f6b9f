//! Graph JSON renderings of the domain objects.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use gdap_domain::assignment::AccessAssignment;
use gdap_domain::enums::GraphEnum;
use gdap_domain::ids::RoleDefinitionId;
use gdap_domain::relationship::{Relationship, RelationshipKind};
use gdap_domain::request::{Operation, RelationshipRequest};
use gdap_domain::timefmt::format_graph;
use gdap_store::CustomerSummary;
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

/// A weak ETag in Graph's shape: `W/"base64('"…"')"`, derived from the object id and version.
pub fn etag(id: &str, version: u64) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let inner = format!(
        "'\"{:08x}-0000-0200-0000-{:012x}\"'",
        version,
        h & 0xffff_ffff_ffff
    );
    format!("W/\"{}\"", STANDARD.encode(inner))
}

fn time(t: Option<OffsetDateTime>) -> Value {
    t.map_or(Value::Null, |t| Value::String(format_graph(t)))
}

fn roles(rs: &[RoleDefinitionId]) -> Value {
    json!({ "unifiedRoles": rs.iter().map(|r| json!({"roleDefinitionId": r})).collect::<Vec<_>>() })
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The ETag of a relationship.
pub fn relationship_etag(r: &Relationship) -> String {
    etag(&r.id.to_string(), r.version)
}

/// A relationship as Graph shows it (`delegatedAdminRelationship` or its reseller subtype).
pub fn relationship(r: &Relationship) -> Map<String, Value> {
    let odata_type = match r.kind {
        RelationshipKind::Direct => "#microsoft.graph.delegatedAdminRelationship",
        RelationshipKind::Reseller { .. } => "#microsoft.graph.resellerDelegatedAdminRelationship",
    };
    let mut m = obj(json!({
        "@odata.type": odata_type,
        "@odata.etag": relationship_etag(r),
        "id": r.id,
        "displayName": r.display_name,
        "duration": r.duration,
        "customer": r.customer.as_ref().map(|c| json!({"tenantId": c.tenant_id, "displayName": c.display_name})),
        "accessDetails": roles(&r.roles),
        "status": r.status.wire(true),
        "autoExtendDuration": r.auto_extend.as_str(),
        "createdDateTime": format_graph(r.created_at),
        "lastModifiedDateTime": format_graph(r.last_modified_at),
        "activatedDateTime": time(r.activated_at),
        "endDateTime": time(r.end_at),
    }));
    if let RelationshipKind::Reseller {
        indirect_provider_tenant_id,
        is_partner_consent_pending,
    } = &r.kind
    {
        m.insert(
            "indirectProviderTenantId".into(),
            json!(indirect_provider_tenant_id),
        );
        m.insert(
            "isPartnerConsentPending".into(),
            json!(is_partner_consent_pending),
        );
    }
    m
}

/// A request.
pub fn request(r: &RelationshipRequest, unknown_members: bool) -> Map<String, Value> {
    obj(json!({
        "@odata.type": "#microsoft.graph.delegatedAdminRelationshipRequest",
        "@odata.etag": etag(&r.id.to_string(), r.version),
        "id": r.id,
        "action": r.action.wire(unknown_members),
        "status": r.status.wire(unknown_members),
        "createdDateTime": format_graph(r.created_at),
        "lastModifiedDateTime": format_graph(r.last_modified_at),
    }))
}

/// The ETag of an access assignment.
pub fn assignment_etag(a: &AccessAssignment) -> String {
    etag(&a.id.to_string(), a.version)
}

/// An access assignment.
pub fn assignment(a: &AccessAssignment) -> Map<String, Value> {
    obj(json!({
        "@odata.type": "#microsoft.graph.delegatedAdminAccessAssignment",
        "@odata.etag": assignment_etag(a),
        "id": a.id,
        "accessContainer": {"accessContainerId": a.group, "accessContainerType": "securityGroup"},
        "accessDetails": roles(&a.roles),
        "status": a.status.wire(true),
        "createdDateTime": format_graph(a.created_at),
        "lastModifiedDateTime": format_graph(a.last_modified_at),
    }))
}

/// An operation.
pub fn operation(o: &Operation, unknown_members: bool) -> Map<String, Value> {
    obj(json!({
        "@odata.type": "#microsoft.graph.delegatedAdminRelationshipOperation",
        "@odata.etag": etag(&o.id.to_string(), o.version),
        "id": o.id,
        "operationType": o.operation_type.wire(unknown_members),
        "data": o.data,
        "status": o.status.wire(unknown_members),
        "createdDateTime": format_graph(o.created_at),
        "lastModifiedDateTime": format_graph(o.last_modified_at),
    }))
}

/// A customer.
pub fn customer(c: &CustomerSummary) -> Map<String, Value> {
    obj(json!({
        "@odata.type": "#microsoft.graph.delegatedAdminCustomer",
        "@odata.etag": etag(&c.tenant_id.to_string(), c.version),
        "id": c.tenant_id,
        "tenantId": c.tenant_id,
        "displayName": c.display_name,
    }))
}

/// The admin-portal links of a customer, one per service.
pub fn service_management_details(c: &CustomerSummary) -> Vec<Map<String, Value>> {
    let t = c.tenant_id;
    let d = &c.domain;
    let rows = [
        ("Azure Active Directory", format!("https://aad.portal.azure.com/{d}")),
        ("Microsoft 365 admin center", format!("https://admin.microsoft.com/Partner/BeginClientSession.aspx?CTID={t}&CSDEST=o365admincenter")),
        ("Exchange", format!("https://admin.exchange.microsoft.com/?landingpage=homepage&form=mac_sidebar&delegatedOrg={d}")),
        ("SharePoint", format!("https://admin.microsoft.com/Partner/BeginClientSession.aspx?CTID={t}&CSDEST=SharePoint")),
        ("Teams", format!("https://admin.teams.microsoft.com/?delegatedOrg={d}")),
        ("Microsoft Intune", format!("https://intune.microsoft.com/{d}")),
        ("Microsoft 365 Lighthouse", "https://lighthouse.microsoft.com".to_owned()),
        ("Dynamics 365 Business Central", format!("https://businesscentral.dynamics.com/{t}/admin")),
    ];
    rows.into_iter()
        .enumerate()
        .map(|(i, (name, url))| {
            obj(json!({
                "@odata.type": "#microsoft.graph.delegatedAdminServiceManagementDetail",
                "id": format!("{t}-{i}"),
                "serviceName": name,
                "serviceManagementUrl": url,
            }))
        })
        .collect()
}

/// Keeps only `$select`ed properties (and `@odata.type`, which tells base and derived types apart).
pub fn select(mut m: Map<String, Value>, select: &[&str]) -> Map<String, Value> {
    if !select.is_empty() {
        m.retain(|k, _| k == "@odata.type" || select.contains(&k.as_str()));
    }
    m
}
