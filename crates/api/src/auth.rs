//! Bearer-token authentication and the permission checks of each API surface.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use gdap_auth::{Claims, TokenError};
use gdap_domain::directory::ADMIN_AGENTS;
use gdap_domain::ids::{ClientId, TenantId, UserId};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Audiences Graph accepts.
pub const GRAPH_AUDIENCES: &[&str] = &[
    "https://graph.microsoft.com",
    "https://graph.microsoft.com/",
    "00000003-0000-0000-c000-000000000000",
];
/// Audience of the admin-center (customer) API.
pub const ADMIN_AUDIENCE: &str = "https://admin.microsoft.com";

/// Graph read permission for GDAP.
pub const GDAP_READ: &str = "DelegatedAdminRelationship.Read.All";
/// Graph write permission for GDAP.
pub const GDAP_WRITE: &str = "DelegatedAdminRelationship.ReadWrite.All";

/// The V14 message Graph gives to callers without the needed rights.
pub const NOT_PERMITTED: &str =
    "The user (principal) does not have the required permissions to perform the specified action on the resource.";

/// Who is calling.
#[derive(Debug, Clone)]
pub enum PrincipalKind {
    /// An application (client credentials).
    App {
        /// Its client id.
        client_id: ClientId,
        /// Granted application permissions.
        roles: Vec<String>,
    },
    /// A signed-in user.
    User {
        /// Object id.
        id: UserId,
        /// Delegated scopes.
        scopes: Vec<String>,
        /// Home tenant when the user is a partner user acting in another tenant.
        home_tenant: Option<TenantId>,
    },
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The tenant the token is for.
    pub tenant: TenantId,
    /// App or user.
    pub kind: PrincipalKind,
    /// All claims (shared with the cache of verified tokens).
    pub claims: std::sync::Arc<Claims>,
}

fn bearer(parts: &Parts) -> ApiResult<&str> {
    let h = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthenticated("Access token is empty.".into()))?;
    let v = h.to_str().map_err(|_| {
        ApiError::Unauthenticated("Access token validation failure. Invalid audience.".into())
    })?;
    let (scheme, token) = v.split_once(' ').unwrap_or((v, ""));
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthenticated(
            "the Authorization header must be `Bearer <access token>`".into(),
        ));
    }
    Ok(token.trim())
}

impl Principal {
    /// Verifies a token for one of the accepted audiences.
    pub fn from_token(state: &AppState, token: &str, audiences: &[&str]) -> ApiResult<Self> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = match state.verified.get(token, now) {
            Some(c) => Ok(c),
            None => state
                .keys
                .verify(token, now)
                .map(std::sync::Arc::new)
                .inspect(|c| state.verified.put(token, c.clone())),
        }
        .map_err(|e| {
            ApiError::Unauthenticated(match e {
                TokenError::Expired => {
                    "Lifetime validation failed, the token is expired.".to_owned()
                }
                other => format!("Access token validation failure: {other}."),
            })
        })?;
        if !audiences.contains(&claims.aud.as_str()) {
            return Err(ApiError::Unauthenticated(format!(
                "Access token validation failure. Invalid audience `{}`.",
                claims.aud.chars().take(80).collect::<String>()
            )));
        }
        let tenant = TenantId::parse(&claims.tid).map_err(|_| {
            ApiError::Unauthenticated("Access token validation failure: bad tenant.".into())
        })?;
        if !claims.iss.ends_with(&format!("/{tenant}/v2.0")) {
            return Err(ApiError::Unauthenticated(
                "Access token validation failure: bad issuer.".into(),
            ));
        }
        let kind = if claims.idtyp == "app" {
            PrincipalKind::App {
                client_id: ClientId::parse(&claims.azp).map_err(|_| {
                    ApiError::Unauthenticated("Access token validation failure: bad client.".into())
                })?,
                roles: claims.roles.clone(),
            }
        } else {
            PrincipalKind::User {
                id: UserId::parse(&claims.oid).map_err(|_| {
                    ApiError::Unauthenticated(
                        "Access token validation failure: bad subject.".into(),
                    )
                })?,
                scopes: claims
                    .scp
                    .as_deref()
                    .unwrap_or_default()
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                home_tenant: claims
                    .home_tid
                    .as_deref()
                    .and_then(|t| TenantId::parse(t).ok()),
            }
        };
        crate::audit::set_actor(crate::audit::Who {
            actor: claims.upn.clone().unwrap_or_else(|| claims.azp.clone()),
            tenant: Some(match &kind {
                PrincipalKind::User {
                    home_tenant: Some(h),
                    ..
                } => *h,
                _ => tenant,
            }),
        });
        Ok(Self {
            tenant,
            kind,
            claims,
        })
    }

    /// The caller as the audit record names it: a user's principal name or an app's client id.
    pub fn actor_name(&self) -> String {
        self.claims
            .upn
            .clone()
            .unwrap_or_else(|| self.claims.azp.clone())
    }

    /// Whether the caller holds a permission (application role or delegated scope).
    pub fn has_permission(&self, permission: &str) -> bool {
        match &self.kind {
            PrincipalKind::App { roles, .. } => {
                roles.iter().any(|r| r.eq_ignore_ascii_case(permission))
            }
            PrincipalKind::User { scopes, .. } => {
                scopes.iter().any(|s| s.eq_ignore_ascii_case(permission))
            }
        }
    }

    /// Checks the caller may use the partner-side GDAP API and returns the partner tenant.
    ///
    /// Apps need `DelegatedAdminRelationship.ReadWrite.All` (or `.Read.All` to read); users need the
    /// same delegated scope and membership of the partner's Admin Agents group.
    pub async fn require_gdap(&self, state: &AppState, write: bool) -> ApiResult<TenantId> {
        let needed = if write { GDAP_WRITE } else { GDAP_READ };
        let has = self.has_permission(GDAP_WRITE) || (!write && self.has_permission(GDAP_READ));
        if !has {
            return Err(ApiError::Forbidden(format!(
                "{NOT_PERMITTED} The token lacks the `{needed}` permission."
            )));
        }
        let tenant = state.tenant(self.tenant).await?.ok_or_else(|| {
            ApiError::Forbidden(format!("{NOT_PERMITTED} The tenant no longer exists."))
        })?;
        if tenant.partner.is_none() {
            return Err(ApiError::Forbidden(format!(
                "{NOT_PERMITTED} Only partner tenants manage delegated admin relationships."
            )));
        }
        if let PrincipalKind::User {
            id, home_tenant, ..
        } = &self.kind
        {
            if home_tenant.is_some() {
                return Err(ApiError::Forbidden(format!(
                    "{NOT_PERMITTED} A partner user acting in another tenant cannot manage its relationships."
                )));
            }
            let user = state.store.user(self.tenant, *id).await?;
            if !user.is_some_and(|u| u.account_enabled) {
                return Err(ApiError::Forbidden(format!(
                    "{NOT_PERMITTED} The user account is disabled or gone."
                )));
            }
            let groups = state.store.groups_of_user(self.tenant, *id).await?;
            if !groups
                .iter()
                .any(|g| g.display_name.eq_ignore_ascii_case(ADMIN_AGENTS))
            {
                return Err(ApiError::Forbidden(format!(
                    "{NOT_PERMITTED} The user must be a member of the partner's Admin Agents group."
                )));
            }
        }
        Ok(self.tenant)
    }
}

/// A caller of the Graph API (audience `https://graph.microsoft.com`).
#[derive(Debug, Clone)]
pub struct GraphCaller(pub Principal);

impl FromRequestParts<AppState> for GraphCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?;
        Principal::from_token(state, token, GRAPH_AUDIENCES).map(Self)
    }
}

/// A caller of the admin-center API (audience `https://admin.microsoft.com` or Graph).
#[derive(Debug, Clone)]
pub struct AdminCaller(pub Principal);

impl FromRequestParts<AppState> for AdminCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?;
        let mut auds: Vec<&str> = GRAPH_AUDIENCES.to_vec();
        auds.push(ADMIN_AUDIENCE);
        Principal::from_token(state, token, &auds).map(Self)
    }
}

/// How many verified tokens are remembered.
const VERIFIED_CAPACITY: usize = 10_000;

/// Tokens whose signature has been checked, with their claims. Lifetimes are still checked on
/// every use; the cache is emptied when full.
#[derive(Debug, Default)]
pub struct VerifiedTokens {
    map: std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<Claims>>>,
}

impl VerifiedTokens {
    /// The claims of a token verified before and still within its lifetime.
    pub fn get(&self, token: &str, now: i64) -> Option<std::sync::Arc<Claims>> {
        let map = self
            .map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(token)
            .filter(|c| now < c.exp + 60 && now + 60 >= c.nbf)
            .cloned()
    }

    /// Remembers a verified token.
    pub fn put(&self, token: &str, claims: std::sync::Arc<Claims>) {
        let mut map = self
            .map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= VERIFIED_CAPACITY {
            map.clear();
        }
        map.insert(token.to_owned(), claims);
    }
}
