//! Reading Graph request bodies into domain inputs.

use gdap_domain::ids::{GroupId, RoleDefinitionId, TenantId};

use gdap_http::error::{ApiError, ApiResult};
use gdap_http::extract::Obj;

/// Properties of `delegatedAdminRelationship` that clients may echo back but cannot set.
pub const RELATIONSHIP_READ_ONLY: &[&str] = &[
    "id",
    "status",
    "createdDateTime",
    "lastModifiedDateTime",
    "activatedDateTime",
    "endDateTime",
    "indirectProviderTenantId",
    "isPartnerConsentPending",
    "accessAssignments",
    "operations",
    "requests",
];

/// Properties of `delegatedAdminAccessAssignment` that clients may echo back but cannot set.
pub const ASSIGNMENT_READ_ONLY: &[&str] =
    &["id", "status", "createdDateTime", "lastModifiedDateTime"];

/// Reads `accessDetails` (`{"unifiedRoles": [{"roleDefinitionId": …}]}`).
pub fn access_details(mut o: Obj) -> ApiResult<Vec<RoleDefinitionId>> {
    let items = o
        .take_obj_array("unifiedRoles", "unifiedRole")?
        .ok_or_else(|| ApiError::BadRequest("`accessDetails.unifiedRoles` is required".into()))?;
    o.finish(&[])?;
    let mut roles = Vec::with_capacity(items.len());
    for (i, mut item) in items.into_iter().enumerate() {
        let raw = item.require_str("roleDefinitionId")?;
        let id = RoleDefinitionId::parse(&raw).map_err(|e| {
            ApiError::BadRequest(format!(
                "`accessDetails.unifiedRoles[{i}].roleDefinitionId`: {e}"
            ))
        })?;
        item.finish(&[])?;
        roles.push(id);
    }
    Ok(roles)
}

/// Reads `customer` (`{"tenantId": …, "displayName": …}`); the display name comes from the directory.
pub fn customer(mut o: Obj) -> ApiResult<TenantId> {
    let raw = o.require_str("tenantId")?;
    let _ = o.take_str("displayName")?;
    o.finish(&[])?;
    TenantId::parse(&raw).map_err(|e| ApiError::BadRequest(format!("`customer.tenantId`: {e}")))
}

/// Reads `accessContainer` (`{"accessContainerId": …, "accessContainerType": "securityGroup"}`).
pub fn access_container(mut o: Obj, unknown_members: bool) -> ApiResult<GroupId> {
    use gdap_domain::enums::{AccessContainerType, GraphEnum};
    let raw = o.require_str("accessContainerId")?;
    let kind = o.require_str("accessContainerType")?;
    o.finish(&[])?;
    let kind = AccessContainerType::parse_wire(&kind, unknown_members)
        .map_err(|e| ApiError::BadRequest(format!("`accessContainer.accessContainerType`: {e}")))?;
    if kind != AccessContainerType::SecurityGroup {
        return Err(ApiError::BadRequest(
            "`accessContainer.accessContainerType` must be `securityGroup`".into(),
        ));
    }
    GroupId::parse(&raw)
        .map_err(|e| ApiError::BadRequest(format!("`accessContainer.accessContainerId`: {e}")))
}
