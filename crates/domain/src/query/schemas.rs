//! The queryable properties of each GDAP collection.

use super::{is_member, Field, FieldKind, Schema};
use crate::enums::{
    AssignmentStatus, OperationStatus, OperationType, RelationshipStatus, RequestAction,
    RequestStatus,
};

const RELATIONSHIP_FIELDS: &[Field] = &[
    Field::new("id", FieldKind::Id),
    Field::new("displayName", FieldKind::Text),
    Field::new(
        "status",
        FieldKind::Enum("relationship status", is_member::<RelationshipStatus>),
    ),
    Field::new("customer/tenantId", FieldKind::Id),
    Field::new("customer/displayName", FieldKind::Text),
    Field::new("autoExtendDuration", FieldKind::Text),
    Field::new("duration", FieldKind::Text),
    Field::new("createdDateTime", FieldKind::DateTime),
    Field::new("lastModifiedDateTime", FieldKind::DateTime),
    Field::new("activatedDateTime", FieldKind::DateTime),
    Field::new("endDateTime", FieldKind::DateTime),
];

/// `delegatedAdminRelationships`.
pub const RELATIONSHIPS: Schema = Schema {
    fields: RELATIONSHIP_FIELDS,
    selectable: &[
        "id",
        "displayName",
        "duration",
        "customer",
        "accessDetails",
        "status",
        "autoExtendDuration",
        "createdDateTime",
        "lastModifiedDateTime",
        "activatedDateTime",
        "endDateTime",
        "@odata.etag",
    ],
    orderby: true,
    max_top: super::MAX_TOP,
};

const ASSIGNMENT_FIELDS: &[Field] = &[
    Field::new("id", FieldKind::Id),
    Field::new(
        "status",
        FieldKind::Enum("access assignment status", is_member::<AssignmentStatus>),
    ),
    Field::new("accessContainer/accessContainerId", FieldKind::Id),
    Field::new("createdDateTime", FieldKind::DateTime),
    Field::new("lastModifiedDateTime", FieldKind::DateTime),
];

/// `accessAssignments`.
pub const ASSIGNMENTS: Schema = Schema {
    fields: ASSIGNMENT_FIELDS,
    selectable: &[
        "id",
        "accessContainer",
        "accessDetails",
        "status",
        "createdDateTime",
        "lastModifiedDateTime",
        "@odata.etag",
    ],
    orderby: true,
    max_top: super::MAX_TOP,
};

const REQUEST_FIELDS: &[Field] = &[
    Field::new("id", FieldKind::Id),
    Field::new(
        "action",
        FieldKind::Enum("request action", is_member::<RequestAction>),
    ),
    Field::new(
        "status",
        FieldKind::Enum("request status", is_member::<RequestStatus>),
    ),
    Field::new("createdDateTime", FieldKind::DateTime),
    Field::new("lastModifiedDateTime", FieldKind::DateTime),
];

/// `requests` (no `$orderby`, as documented).
pub const REQUESTS: Schema = Schema {
    fields: REQUEST_FIELDS,
    selectable: &[
        "id",
        "action",
        "status",
        "createdDateTime",
        "lastModifiedDateTime",
        "@odata.etag",
    ],
    orderby: false,
    max_top: super::MAX_TOP,
};

const OPERATION_FIELDS: &[Field] = &[
    Field::new("id", FieldKind::Id),
    Field::new(
        "operationType",
        FieldKind::Enum("operation type", is_member::<OperationType>),
    ),
    Field::new(
        "status",
        FieldKind::Enum("operation status", is_member::<OperationStatus>),
    ),
    Field::new("createdDateTime", FieldKind::DateTime),
    Field::new("lastModifiedDateTime", FieldKind::DateTime),
];

/// `operations` (`$orderby` on status is documented; all listed fields are accepted).
pub const OPERATIONS: Schema = Schema {
    fields: OPERATION_FIELDS,
    selectable: &[
        "id",
        "operationType",
        "data",
        "status",
        "createdDateTime",
        "lastModifiedDateTime",
        "@odata.etag",
    ],
    orderby: true,
    max_top: super::MAX_TOP,
};

const CUSTOMER_FIELDS: &[Field] = &[
    Field::new("id", FieldKind::Id),
    Field::new("tenantId", FieldKind::Id),
    Field::new("displayName", FieldKind::Text),
];

/// `delegatedAdminCustomers`.
pub const CUSTOMERS: Schema = Schema {
    fields: CUSTOMER_FIELDS,
    selectable: &["id", "tenantId", "displayName", "@odata.etag"],
    orderby: true,
    max_top: super::MAX_TOP,
};

const USER_FIELDS: &[Field] = &[
    Field::new("id", FieldKind::Id),
    Field::new("userPrincipalName", FieldKind::Text),
    Field::new("displayName", FieldKind::Text),
    Field::new("accountEnabled", FieldKind::Bool),
];

/// `users` of a tenant's directory.
pub const USERS: Schema = Schema {
    fields: USER_FIELDS,
    selectable: &[
        "id",
        "userPrincipalName",
        "displayName",
        "accountEnabled",
        "preferredLanguage",
    ],
    orderby: true,
    max_top: 999,
};
