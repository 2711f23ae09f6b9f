//! The Graph request bodies of the GDAP API, as types (read by [`Body`], described in the OpenAPI
//! document), and their reading into domain inputs.

use gdap_domain::enums::{AccessContainerType, GraphEnum};
use gdap_domain::ids::{GroupId, RoleDefinitionId, TenantId};
use gdap_domain::relationship::RelationshipPatch;
use gdap_http::body::GraphBody;
use gdap_http::error::{ApiError, ApiResult};
use serde::Deserialize;
use utoipa::ToSchema;

/// Properties of `delegatedAdminRelationship` that clients may echo back but cannot set.
const RELATIONSHIP_READ_ONLY: &[&str] = &[
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
const ASSIGNMENT_READ_ONLY: &[&str] = &["id", "status", "createdDateTime", "lastModifiedDateTime"];

/// Most roles one request may name.
const MAX_ROLES: usize = 500;

/// `delegatedAdminAccessDetails`: the roles asked for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AccessDetailsBody {
    /// The roles, by role definition id.
    pub unified_roles: Vec<UnifiedRoleBody>,
}

/// `unifiedRole`: one role, by its definition id.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UnifiedRoleBody {
    /// The Entra built-in role's id (a GUID).
    pub role_definition_id: String,
}

/// `delegatedAdminRelationshipCustomerParticipant`: the customer, by tenant id (its display name
/// comes from the directory).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CustomerBody {
    /// The customer's tenant id.
    pub tenant_id: String,
    /// Ignored: the directory's name is used.
    pub display_name: Option<String>,
}

/// The indirect reseller a provider creates a `resellerDelegatedAdminRelationship` for, by tenant
/// id (the `partner` participant of Graph's early beta; no create call is documented).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PartnerBody {
    /// The indirect reseller's tenant id.
    pub tenant_id: String,
}

impl PartnerBody {
    /// The reseller tenant.
    pub fn tenant(&self) -> ApiResult<TenantId> {
        TenantId::parse(&self.tenant_id)
            .map_err(|e| ApiError::BadRequest(format!("`partner.tenantId`: {e}")))
    }
}

/// `delegatedAdminAccessContainer`: a security group of the partner.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AccessContainerBody {
    /// The group's object id.
    pub access_container_id: String,
    /// `securityGroup`.
    pub access_container_type: String,
}

/// The body of `POST …/delegatedAdminRelationships`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(example = json!({"displayName": "Fabrikam helpdesk", "duration": "P730D", "autoExtendDuration": "P180D", "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"}]}, "customer": {"tenantId": "4fdbff88-9d6b-42e0-9713-45c922ba8001"}}))]
pub struct NewRelationshipBody {
    /// Unique among the partner's relationships; at most 50 characters.
    pub display_name: String,
    /// ISO 8601 duration, `P1D` to `P730D`.
    pub duration: String,
    /// `P180D` to extend automatically, `PT0S` not to.
    pub auto_extend_duration: Option<String>,
    /// The roles asked for.
    pub access_details: AccessDetailsBody,
    /// The customer; without one, any customer may approve.
    pub customer: Option<CustomerBody>,
    /// With `@odata.type` `#microsoft.graph.resellerDelegatedAdminRelationship`: the indirect
    /// reseller an indirect provider creates it for.
    pub partner: Option<PartnerBody>,
}

impl GraphBody for NewRelationshipBody {
    const TYPE: &'static str = "delegatedAdminRelationship";
    const READ_ONLY: &'static [&'static str] = RELATIONSHIP_READ_ONLY;
}

/// The body of `PATCH …/delegatedAdminRelationships/{id}`: the properties to change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(example = json!({"displayName": "Fabrikam helpdesk (renamed)"}))]
pub struct RelationshipPatchBody {
    /// A new display name.
    pub display_name: Option<String>,
    /// A new duration (only while `created`).
    pub duration: Option<String>,
    /// `P180D` or `PT0S`.
    pub auto_extend_duration: Option<String>,
    /// New roles (only while `created`, or removing Global Administrator when `active`).
    pub access_details: Option<AccessDetailsBody>,
    /// A new customer (only while `created`).
    pub customer: Option<CustomerBody>,
}

impl GraphBody for RelationshipPatchBody {
    const TYPE: &'static str = "delegatedAdminRelationship";
    const READ_ONLY: &'static [&'static str] = RELATIONSHIP_READ_ONLY;
}

/// The body of `POST …/{id}/requests`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(example = json!({"action": "lockForApproval"}))]
pub struct RequestBody {
    /// `lockForApproval`, `terminate`, `approve`, `reject`.
    pub action: String,
}

impl GraphBody for RequestBody {
    const TYPE: &'static str = "delegatedAdminRelationshipRequest";
    const READ_ONLY: &'static [&'static str] =
        &["id", "status", "createdDateTime", "lastModifiedDateTime"];
}

/// The body of `POST …/{id}/accessAssignments`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(example = json!({"accessContainer": {"accessContainerId": "869713c9-0b28-4d08-8949-ae07ae1bf528", "accessContainerType": "securityGroup"}, "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"}]}}))]
pub struct NewAssignmentBody {
    /// The partner's security group.
    pub access_container: AccessContainerBody,
    /// Roles of the relationship.
    pub access_details: AccessDetailsBody,
}

impl GraphBody for NewAssignmentBody {
    const TYPE: &'static str = "delegatedAdminAccessAssignment";
    const READ_ONLY: &'static [&'static str] = ASSIGNMENT_READ_ONLY;
}

/// The body of `PATCH …/{id}/accessAssignments/{assignmentId}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(example = json!({"accessDetails": {"unifiedRoles": [{"roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"}]}}))]
pub struct AssignmentPatchBody {
    /// The same group as before (it cannot change).
    pub access_container: Option<AccessContainerBody>,
    /// The new roles.
    pub access_details: Option<AccessDetailsBody>,
}

impl GraphBody for AssignmentPatchBody {
    const TYPE: &'static str = "delegatedAdminAccessAssignment";
    const READ_ONLY: &'static [&'static str] = ASSIGNMENT_READ_ONLY;
}

impl AccessDetailsBody {
    /// The role ids.
    pub fn roles(self) -> ApiResult<Vec<RoleDefinitionId>> {
        if self.unified_roles.len() > MAX_ROLES {
            return Err(ApiError::BadRequest(
                "`accessDetails.unifiedRoles` has too many items".into(),
            ));
        }
        self.unified_roles
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                RoleDefinitionId::parse(&r.role_definition_id).map_err(|e| {
                    ApiError::BadRequest(format!(
                        "`accessDetails.unifiedRoles[{i}].roleDefinitionId`: {e}"
                    ))
                })
            })
            .collect()
    }
}

impl CustomerBody {
    /// The customer's tenant id.
    pub fn tenant(&self) -> ApiResult<TenantId> {
        TenantId::parse(&self.tenant_id)
            .map_err(|e| ApiError::BadRequest(format!("`customer.tenantId`: {e}")))
    }
}

impl AccessContainerBody {
    /// The group, which must be a security group.
    pub fn group(&self, unknown_members: bool) -> ApiResult<GroupId> {
        let kind = AccessContainerType::parse_wire(&self.access_container_type, unknown_members)
            .map_err(|e| {
                ApiError::BadRequest(format!("`accessContainer.accessContainerType`: {e}"))
            })?;
        if kind != AccessContainerType::SecurityGroup {
            return Err(ApiError::BadRequest(
                "`accessContainer.accessContainerType` must be `securityGroup`".into(),
            ));
        }
        GroupId::parse(&self.access_container_id)
            .map_err(|e| ApiError::BadRequest(format!("`accessContainer.accessContainerId`: {e}")))
    }
}

impl RelationshipPatchBody {
    /// The patch, and the new customer's tenant when one is named.
    pub fn into_patch(self) -> ApiResult<(RelationshipPatch, Option<TenantId>)> {
        let customer = self
            .customer
            .as_ref()
            .map(CustomerBody::tenant)
            .transpose()?;
        Ok((
            RelationshipPatch {
                display_name: self.display_name,
                duration: self.duration,
                auto_extend: self.auto_extend_duration,
                roles: self
                    .access_details
                    .map(AccessDetailsBody::roles)
                    .transpose()?,
                customer: None,
            },
            customer,
        ))
    }
}
