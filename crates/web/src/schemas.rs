//! What the admin-center API answers, as the OpenAPI document describes it.

use gdap_http::dto::SubscribedSkuJson;
use serde::Serialize;
use utoipa::ToSchema;

/// A list of items.
#[derive(Serialize, ToSchema)]
pub struct Values<T> {
    /// The items.
    pub value: Vec<T>,
}

/// A role of a relationship, with its name.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleJson {
    /// The role's id.
    pub role_definition_id: String,
    /// Its name.
    pub display_name: Option<String>,
    /// What it allows.
    pub description: Option<String>,
}

/// A tenant named in an invitation.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TenantRef {
    /// The tenant id.
    pub tenant_id: String,
    /// Its name.
    pub display_name: Option<String>,
    /// Its domain (the partner only).
    pub domain: Option<String>,
}

/// An invitation as the customer sees it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvitationJson {
    /// The relationship's ETag, for `If-Match`.
    #[serde(rename = "@odata.etag")]
    pub etag: String,
    /// The relationship id.
    pub id: String,
    /// Its name.
    pub display_name: String,
    /// Its status.
    pub status: String,
    /// Who asks.
    pub partner: TenantRef,
    /// The customer it names, if any.
    pub customer: Option<TenantRef>,
    /// ISO 8601.
    pub duration: String,
    /// `P180D` or `PT0S`.
    pub auto_extend_duration: String,
    /// The roles, with names.
    pub roles: Vec<RoleJson>,
    /// When it was sent.
    pub invitation_date_time: Option<String>,
    /// When the link lapses (90 days).
    pub invitation_expires_date_time: Option<String>,
    /// When it became active.
    pub activated_date_time: Option<String>,
    /// When it ends.
    pub end_date_time: Option<String>,
    /// Whether the caller may approve it now.
    pub approvable: bool,
    /// Who declined it and when, if its customer declined it.
    pub declined: Option<RefusalJson>,
}

/// A customer's refusal of an invitation.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefusalJson {
    /// The user who declined.
    pub by_user_principal_name: String,
    /// When.
    pub declined_date_time: String,
}

/// A partner relationship on the Partner relationships page.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartnerRelationshipJson {
    /// The relationship id.
    pub id: String,
    /// Its name.
    pub display_name: String,
    /// `granularDelegatedAdminPrivileges`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its status.
    pub status: String,
    /// Its roles.
    pub roles: Vec<RoleJson>,
    /// When it was created.
    pub created_date_time: String,
    /// When it became active.
    pub activated_date_time: Option<String>,
    /// When it ends.
    pub end_date_time: Option<String>,
    /// `P180D` or `PT0S`.
    pub auto_extend_duration: String,
}

/// A partner of the customer, with its ties and relationships.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartnerJson {
    /// The partner's tenant.
    pub partner_tenant_id: String,
    /// Its name.
    pub display_name: Option<String>,
    /// Its domain.
    pub domain: Option<String>,
    /// Whether this row holds ended relationships.
    pub expired: bool,
    /// The partner's kinds (`reseller`, `delegatedAdministrator`, `granularDelegatedAdminPrivileges`, `indirectReseller`, …).
    pub types: Vec<String>,
    /// Newest end date first.
    pub relationships: Vec<PartnerRelationshipJson>,
}

/// What "Remove roles" ended.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RemovedRolesJson {
    /// The relationships being terminated.
    pub terminated_relationship_ids: Vec<String>,
}

/// An amount of money.
#[derive(Serialize, ToSchema)]
pub struct Money {
    /// Decimal text (`12.50`).
    pub amount: String,
    /// ISO 4217 (`JPY`, `USD`).
    pub currency: String,
}

/// An offer of *Purchase services*.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OfferJson {
    /// The SKU.
    pub sku_id: String,
    /// Its part number.
    pub sku_part_number: String,
    /// Its name.
    pub display_name: String,
    /// Monthly, per seat.
    pub unit_price: Money,
    /// `monthly`.
    pub billing_frequency: String,
    /// `user`.
    pub unit: String,
}

/// A subscription of *Your products*.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductJson {
    /// The subscription id.
    pub id: String,
    /// The SKU.
    pub sku_id: String,
    /// Its part number.
    pub sku_part_number: Option<String>,
    /// Its name.
    pub display_name: Option<String>,
    /// Seats.
    pub quantity: i64,
    /// `active`.
    pub status: String,
    /// When it was bought.
    pub created_date_time: String,
    /// Who bought it.
    pub purchased_by: String,
}

/// An invoice of *Bills & payments*.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceJson {
    /// The invoice id.
    pub id: String,
    /// The subscription it bills.
    pub subscription_id: String,
    /// When it was issued.
    pub issued_date_time: String,
    /// How much.
    pub total_amount: Money,
    /// What for.
    pub description: String,
    /// `due`.
    pub status: String,
}

/// A purchase: the subscription and its first invoice.
#[derive(Serialize, ToSchema)]
pub struct PurchaseJson {
    /// The new subscription.
    pub subscription: ProductJson,
    /// Its first invoice.
    pub invoice: InvoiceJson,
}

/// The billing notification settings.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationsJson {
    /// Who receives invoices by e-mail.
    pub recipients: Vec<String>,
    /// `ja` or `en`.
    pub language: String,
    /// Whether invoices come as PDF attachments.
    pub attach_invoice_pdf: bool,
}

/// The licenses of the tenant.
pub type Licenses = Values<SubscribedSkuJson>;

/// A tenant's acceptance of the Microsoft Customer Agreement.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerAgreementJson {
    /// `MicrosoftCustomerAgreement`.
    pub agreement: String,
    /// The version accepted.
    pub version: String,
    /// Who accepted (user principal name).
    pub accepted_by: String,
    /// When.
    pub accepted_date_time: String,
}
