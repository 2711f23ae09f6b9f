//! Directory objects of a tenant: the tenant itself, users, security groups and applications.

use time::OffsetDateTime;

use crate::ids::{ApplicationId, ClientId, GroupId, RoleDefinitionId, TenantId, UserId};

/// Partner program types of a partner tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PartnerType {
    /// CSP direct-bill partner.
    CspDirect,
    /// CSP indirect provider.
    IndirectProvider,
    /// CSP indirect reseller.
    IndirectReseller,
    /// Managed service provider outside CSP.
    Msp,
    /// Device manufacturer (Autopilot).
    Oem,
    /// Advisor.
    Advisor,
}

/// What a partner tenant says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PartnerProfile {
    /// Partner (MPN) id.
    pub mpn_id: Option<String>,
    /// Program types.
    pub types: Vec<PartnerType>,
    /// The service named in customer e-mails (defaults to the partner's name).
    pub service_name: Option<String>,
    /// Where customers ask for help (address, form URL or phone number).
    pub contact: Option<String>,
    /// A page with step-by-step approval instructions.
    pub help_url: Option<String>,
    /// The partner's users must sign in with a second factor to manage relationships (Microsoft
    /// requires it of every partner).
    pub require_mfa: bool,
    /// For an indirect reseller: the indirect providers it sells through.
    pub indirect_providers: Vec<TenantId>,
}

/// An Entra tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// Tenant id.
    pub id: TenantId,
    /// Organisation name.
    pub display_name: String,
    /// Default domain, e.g. `contoso.onmicrosoft.com` (lower case).
    pub domain: String,
    /// Present for partner tenants.
    pub partner: Option<PartnerProfile>,
    /// Creation instant.
    pub created_at: OffsetDateTime,
}

impl Tenant {
    /// Whether the tenant is a partner of the program `kind`.
    pub fn is_partner_of(&self, kind: PartnerType) -> bool {
        self.partner
            .as_ref()
            .is_some_and(|p| p.types.contains(&kind))
    }

    /// Whether the tenant is an indirect reseller selling through `provider`.
    pub fn resells_through(&self, provider: TenantId) -> bool {
        self.is_partner_of(PartnerType::IndirectReseller)
            && self
                .partner
                .as_ref()
                .is_some_and(|p| p.indirect_providers.contains(&provider))
    }
}

/// A user of a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Object id.
    pub id: UserId,
    /// Home tenant.
    pub tenant: TenantId,
    /// Sign-in name (lower case), unique across all tenants.
    pub user_principal_name: String,
    /// Display name.
    pub display_name: String,
    /// Argon2 PHC string; `None` for accounts that cannot sign in with a password.
    pub password_hash: Option<String>,
    /// Directory roles held in the home tenant (role template ids).
    pub roles: Vec<RoleDefinitionId>,
    /// Preferred language (`ja`, `en` …), when set.
    pub preferred_language: Option<String>,
    /// Whether sign-in is allowed.
    pub account_enabled: bool,
}

/// A security group of a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Object id.
    pub id: GroupId,
    /// Owning tenant.
    pub tenant: TenantId,
    /// Display name (`AdminAgents`, `HelpdeskAgents`, `SalesAgents` are the partner's built-in groups).
    pub display_name: String,
    /// Member users.
    pub members: Vec<UserId>,
}

/// An application registration with a client secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    /// Object id (Graph's `id`).
    pub id: ApplicationId,
    /// Client (application) id (Graph's `appId`).
    pub client_id: ClientId,
    /// Home tenant.
    pub tenant: TenantId,
    /// Display name.
    pub display_name: String,
    /// Argon2 PHC string of the client secret.
    pub secret_hash: Option<String>,
    /// Granted application permissions, e.g. `DelegatedAdminRelationship.ReadWrite.All`.
    pub permissions: Vec<String>,
    /// Where sign-ins may send the user back with a code (`http://localhost` matches any port).
    pub redirect_uris: Vec<String>,
    /// A public client (a desktop or command-line application) has no secret and proves its
    /// code redemption with PKCE alone.
    pub public_client: bool,
}

/// Name of the partner group whose members manage GDAP (Partner Center's *Admin agent*).
pub const ADMIN_AGENTS: &str = "AdminAgents";
/// Name of the partner group of helpdesk technicians.
pub const HELPDESK_AGENTS: &str = "HelpdeskAgents";
/// Name of the partner group of sales staff.
pub const SALES_AGENTS: &str = "SalesAgents";
