//! Conversions between rows and domain objects.

use gdap_domain::assignment::AccessAssignment;
use gdap_domain::directory::{Application, Group, PartnerProfile, PartnerType, Tenant, User};
use gdap_domain::duration::IsoDuration;
use gdap_domain::enums::GraphEnum;
use gdap_domain::ids::{
    AssignmentId, ClientId, GroupId, OperationId, RelationshipId, RequestId, RoleDefinitionId,
    TenantId, UserId,
};
use gdap_domain::relationship::{AutoExtend, CustomerParticipant, Relationship, RelationshipKind};
use gdap_domain::request::{Operation, OperationChange, RelationshipRequest};
use gdap_domain::timefmt::{from_micros, to_micros};
use gdap_store::StoreError;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::db::Row;

fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("corrupt stored {what}"))
}

/// An instant stored as microseconds since the epoch.
fn instant(row: &Row, col: &str) -> Result<OffsetDateTime, StoreError> {
    row.int(col).map(from_micros)
}

/// An optional instant stored as microseconds since the epoch.
fn opt_instant(row: &Row, col: &str) -> Result<Option<OffsetDateTime>, StoreError> {
    row.opt_int(col).map(|v| v.map(from_micros))
}

fn version(row: &Row) -> Result<u64, StoreError> {
    u64::try_from(row.int("version")?).map_err(|_| corrupt("version"))
}

fn parse<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, StoreError> {
    text.parse().map_err(|_| corrupt(what))
}

fn enum_of<E: GraphEnum>(text: &str) -> Result<E, StoreError> {
    E::from_name(text).ok_or_else(|| corrupt(E::KIND))
}

/// Roles as a JSON array of ids.
pub(crate) fn roles_json(roles: &[RoleDefinitionId]) -> String {
    serde_json::to_string(roles).unwrap_or_else(|_| "[]".to_owned())
}

fn roles_from(text: &str) -> Result<Vec<RoleDefinitionId>, StoreError> {
    serde_json::from_str(text).map_err(|_| corrupt("roles"))
}

/// An optional instant as microseconds since the epoch (how instants are stored).
pub(crate) fn opt_micros(t: Option<OffsetDateTime>) -> Option<i64> {
    t.map(to_micros)
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KindJson {
    indirect_provider_tenant_id: TenantId,
    is_partner_consent_pending: bool,
}

pub(crate) fn kind_json(k: &RelationshipKind) -> Option<String> {
    match k {
        RelationshipKind::Direct => None,
        RelationshipKind::Reseller {
            indirect_provider_tenant_id,
            is_partner_consent_pending,
        } => serde_json::to_string(&KindJson {
            indirect_provider_tenant_id: *indirect_provider_tenant_id,
            is_partner_consent_pending: *is_partner_consent_pending,
        })
        .ok(),
    }
}

/// Columns of `relationships`, in the order the mappers expect.
pub(crate) const REL_COLS: &str = "id, partner_id, display_name, duration, auto_extend, roles, customer_id, customer_name, status, kind_json, created_at, last_modified_at, activated_at, end_at, locked_at, due_at, version";

pub(crate) fn relationship(row: &Row) -> Result<Relationship, StoreError> {
    let customer = match row.opt_text("customer_id")? {
        Some(id) => Some(CustomerParticipant {
            tenant_id: parse(&id, "customer id")?,
            display_name: row.opt_text("customer_name")?,
        }),
        None => None,
    };
    let kind = match row.opt_text("kind_json")? {
        Some(j) => {
            let k: KindJson = serde_json::from_str(&j).map_err(|_| corrupt("relationship kind"))?;
            RelationshipKind::Reseller {
                indirect_provider_tenant_id: k.indirect_provider_tenant_id,
                is_partner_consent_pending: k.is_partner_consent_pending,
            }
        }
        None => RelationshipKind::Direct,
    };
    Ok(Relationship {
        id: RelationshipId::parse(&row.text("id")?).map_err(|_| corrupt("relationship id"))?,
        partner: parse(&row.text("partner_id")?, "partner id")?,
        display_name: row.text("display_name")?,
        duration: IsoDuration::parse(&row.text("duration")?).map_err(|_| corrupt("duration"))?,
        auto_extend: AutoExtend::parse(&row.text("auto_extend")?)
            .map_err(|_| corrupt("auto extend"))?,
        roles: roles_from(&row.text("roles")?)?,
        customer,
        status: enum_of(&row.text("status")?)?,
        kind,
        created_at: instant(row, "created_at")?,
        last_modified_at: instant(row, "last_modified_at")?,
        activated_at: opt_instant(row, "activated_at")?,
        end_at: opt_instant(row, "end_at")?,
        locked_at: opt_instant(row, "locked_at")?,
        due_at: opt_instant(row, "due_at")?,
        version: version(row)?,
    })
}

pub(crate) const REQ_COLS: &str = "id, relationship_id, partner_id, action, status, created_at, last_modified_at, due_at, version";

pub(crate) fn request(row: &Row) -> Result<RelationshipRequest, StoreError> {
    Ok(RelationshipRequest {
        id: parse::<RequestId>(&row.text("id")?, "request id")?,
        relationship_id: RelationshipId::parse(&row.text("relationship_id")?)
            .map_err(|_| corrupt("relationship id"))?,
        partner: parse(&row.text("partner_id")?, "partner id")?,
        action: enum_of(&row.text("action")?)?,
        status: enum_of(&row.text("status")?)?,
        created_at: instant(row, "created_at")?,
        last_modified_at: instant(row, "last_modified_at")?,
        due_at: opt_instant(row, "due_at")?,
        version: version(row)?,
    })
}

pub(crate) const ASG_COLS: &str = "id, relationship_id, partner_id, group_id, roles, status, created_at, last_modified_at, due_at, version";

pub(crate) fn assignment(row: &Row) -> Result<AccessAssignment, StoreError> {
    Ok(AccessAssignment {
        id: parse::<AssignmentId>(&row.text("id")?, "assignment id")?,
        relationship_id: RelationshipId::parse(&row.text("relationship_id")?)
            .map_err(|_| corrupt("relationship id"))?,
        partner: parse(&row.text("partner_id")?, "partner id")?,
        group: parse::<GroupId>(&row.text("group_id")?, "group id")?,
        roles: roles_from(&row.text("roles")?)?,
        status: enum_of(&row.text("status")?)?,
        created_at: instant(row, "created_at")?,
        last_modified_at: instant(row, "last_modified_at")?,
        due_at: opt_instant(row, "due_at")?,
        version: version(row)?,
    })
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum ChangeJson {
    RelationshipRoles {
        roles: Vec<RoleDefinitionId>,
    },
    AssignmentRoles {
        assignment: AssignmentId,
        roles: Vec<RoleDefinitionId>,
    },
}

pub(crate) fn change_json(c: &OperationChange) -> String {
    let j = match c {
        OperationChange::RelationshipRoles(roles) => ChangeJson::RelationshipRoles {
            roles: roles.clone(),
        },
        OperationChange::AssignmentRoles { assignment, roles } => ChangeJson::AssignmentRoles {
            assignment: *assignment,
            roles: roles.clone(),
        },
    };
    serde_json::to_string(&j).unwrap_or_default()
}

pub(crate) const OP_COLS: &str = "id, relationship_id, partner_id, operation_type, change_json, data, status, created_at, last_modified_at, due_at, version";

pub(crate) fn operation(row: &Row) -> Result<Operation, StoreError> {
    let change = match serde_json::from_str::<ChangeJson>(&row.text("change_json")?)
        .map_err(|_| corrupt("operation change"))?
    {
        ChangeJson::RelationshipRoles { roles } => OperationChange::RelationshipRoles(roles),
        ChangeJson::AssignmentRoles { assignment, roles } => {
            OperationChange::AssignmentRoles { assignment, roles }
        }
    };
    Ok(Operation {
        id: parse::<OperationId>(&row.text("id")?, "operation id")?,
        relationship_id: RelationshipId::parse(&row.text("relationship_id")?)
            .map_err(|_| corrupt("relationship id"))?,
        partner: parse(&row.text("partner_id")?, "partner id")?,
        operation_type: enum_of(&row.text("operation_type")?)?,
        change,
        data: row.text("data")?,
        status: enum_of(&row.text("status")?)?,
        created_at: instant(row, "created_at")?,
        last_modified_at: instant(row, "last_modified_at")?,
        due_at: opt_instant(row, "due_at")?,
        version: version(row)?,
    })
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PartnerJson {
    mpn_id: Option<String>,
    types: Vec<PartnerType>,
    #[serde(default)]
    service_name: Option<String>,
    #[serde(default)]
    contact: Option<String>,
    #[serde(default)]
    help_url: Option<String>,
    #[serde(default)]
    require_mfa: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    indirect_providers: Vec<TenantId>,
}

pub(crate) fn partner_json(p: &Option<PartnerProfile>) -> Option<String> {
    p.as_ref().and_then(|p| {
        serde_json::to_string(&PartnerJson {
            mpn_id: p.mpn_id.clone(),
            types: p.types.clone(),
            service_name: p.service_name.clone(),
            contact: p.contact.clone(),
            help_url: p.help_url.clone(),
            require_mfa: p.require_mfa,
            indirect_providers: p.indirect_providers.clone(),
        })
        .ok()
    })
}

pub(crate) fn tenant(row: &Row) -> Result<Tenant, StoreError> {
    let partner = match row.opt_text("partner_json")? {
        Some(j) => {
            let p: PartnerJson =
                serde_json::from_str(&j).map_err(|_| corrupt("partner profile"))?;
            Some(PartnerProfile {
                mpn_id: p.mpn_id,
                types: p.types,
                service_name: p.service_name,
                contact: p.contact,
                help_url: p.help_url,
                require_mfa: p.require_mfa,
                indirect_providers: p.indirect_providers,
            })
        }
        None => None,
    };
    Ok(Tenant {
        id: parse::<TenantId>(&row.text("id")?, "tenant id")?,
        display_name: row.text("display_name")?,
        domain: row.text("domain")?,
        partner,
        created_at: instant(row, "created_at")?,
    })
}

pub(crate) fn user(row: &Row) -> Result<User, StoreError> {
    Ok(User {
        id: parse::<UserId>(&row.text("id")?, "user id")?,
        tenant: parse(&row.text("tenant_id")?, "tenant id")?,
        user_principal_name: row.text("upn")?,
        display_name: row.text("display_name")?,
        password_hash: row.opt_text("password_hash")?,
        roles: roles_from(&row.text("roles")?)?,
        preferred_language: row.opt_text("preferred_language")?,
        account_enabled: row.int("account_enabled")? != 0,
    })
}

pub(crate) fn group(row: &Row, members: Vec<UserId>) -> Result<Group, StoreError> {
    Ok(Group {
        id: parse::<GroupId>(&row.text("id")?, "group id")?,
        tenant: parse(&row.text("tenant_id")?, "tenant id")?,
        display_name: row.text("display_name")?,
        members,
    })
}

pub(crate) fn application(row: &Row) -> Result<Application, StoreError> {
    let client_id = row.text("client_id")?;
    Ok(Application {
        id: parse(
            &row.opt_text("object_id")?
                .unwrap_or_else(|| client_id.clone()),
            "application id",
        )?,
        client_id: parse::<ClientId>(&client_id, "client id")?,
        tenant: parse(&row.text("tenant_id")?, "tenant id")?,
        display_name: row.text("display_name")?,
        secret_hash: row.opt_text("secret_hash")?,
        permissions: serde_json::from_str(&row.text("permissions")?)
            .map_err(|_| corrupt("permissions"))?,
        redirect_uris: serde_json::from_str(&row.text("redirect_uris")?)
            .map_err(|_| corrupt("redirect uris"))?,
        public_client: row.int("public_client")? != 0,
    })
}
