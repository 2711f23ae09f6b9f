//! Who calls: the principal a verified token names, the actor the audit record names, and what
//! the caller is authorized for (capabilities such as [`GdapWrite`], checked once into an
//! [`Authorized`]).

use std::collections::HashMap;
use std::sync::Arc;

use gdap_auth::{Claims, TokenError};
use gdap_domain::directory::{Tenant, User, ADMIN_AGENTS};
use gdap_domain::ids::{ClientId, TenantId, UserId};
use gdap_domain::roles::GLOBAL_ADMINISTRATOR;

use crate::audit::Who;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Audiences Graph accepts.
pub const GRAPH_AUDIENCES: &[&str] = &[
    "https://graph.microsoft.com",
    "https://graph.microsoft.com/",
    "00000003-0000-0000-c000-000000000000",
];
/// Audience of the admin-center (customer) API.
pub const ADMIN_AUDIENCE: &str = "https://admin.microsoft.com";
/// Audience of Partner Center's API (tokens for it are issued; Partner Center's application id
/// names it too).
pub const PARTNER_CENTER_AUDIENCE: &str = "https://api.partnercenter.microsoft.com";
/// Audiences the admin-center API accepts: its own and Graph's.
pub const ADMIN_AUDIENCES: &[&str] = &[
    GRAPH_AUDIENCES[0],
    GRAPH_AUDIENCES[1],
    GRAPH_AUDIENCES[2],
    ADMIN_AUDIENCE,
];

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
        roles: Arc<[String]>,
    },
    /// A signed-in user.
    User {
        /// Object id.
        id: UserId,
        /// Delegated scopes.
        scopes: Arc<[String]>,
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
    pub claims: Arc<Claims>,
    /// The caller as the audit record names it.
    pub actor: Arc<crate::audit::Who>,
}

impl Principal {
    /// Verifies a token for one of the accepted audiences.
    pub fn from_token(state: &AppState, token: &str, audiences: &[&str]) -> AppResult<Self> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let verified = match state.verified.get(token, now) {
            Some(v) => v,
            None => {
                let claims = state.keys.verify(token, now).map_err(|e| {
                    AppError::Unauthenticated(match e {
                        TokenError::Expired => {
                            "Lifetime validation failed, the token is expired.".to_owned()
                        }
                        other => format!("Access token validation failure: {other}."),
                    })
                })?;
                let v = Arc::new(Verified::of(claims)?);
                state.verified.put(token, v.clone());
                v
            }
        };
        let claims = &verified.principal.claims;
        if !audiences.contains(&claims.aud.as_str()) {
            return Err(AppError::Unauthenticated(format!(
                "Access token validation failure. Invalid audience `{}`.",
                claims.aud.chars().take(80).collect::<String>()
            )));
        }
        if let PrincipalKind::User { id, .. } = &verified.principal.kind {
            if !state.authz.user_active(*id) {
                return Err(AppError::Unauthenticated(
                    "The user account is disabled or no longer exists.".into(),
                ));
            }
        }
        Ok(verified.principal.clone())
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
    async fn require_gdap(&self, state: &AppState, write: bool) -> AppResult<TenantId> {
        let needed = if write { GDAP_WRITE } else { GDAP_READ };
        let has = self.has_permission(GDAP_WRITE) || (!write && self.has_permission(GDAP_READ));
        if !has {
            return Err(AppError::Forbidden(format!(
                "{NOT_PERMITTED} The token lacks the `{needed}` permission."
            )));
        }
        let tenant = state.tenant(self.tenant).await?.ok_or_else(|| {
            AppError::Forbidden(format!("{NOT_PERMITTED} The tenant no longer exists."))
        })?;
        if tenant.partner.is_none() {
            return Err(AppError::Forbidden(format!(
                "{NOT_PERMITTED} Only partner tenants manage delegated admin relationships."
            )));
        }
        if let PrincipalKind::User {
            id, home_tenant, ..
        } = &self.kind
        {
            if home_tenant.is_some() {
                return Err(AppError::Forbidden(format!(
                    "{NOT_PERMITTED} A partner user acting in another tenant cannot manage its relationships."
                )));
            }
            if crate::mfa::required_for(&tenant) && !self.claims.amr.iter().any(|m| m == "mfa") {
                return Err(AppError::Forbidden(format!(
                    "{NOT_PERMITTED} The partner requires its users to sign in with multifactor authentication."
                )));
            }
            let user = state.store.user(self.tenant, *id).await?;
            if !user.is_some_and(|u| u.account_enabled) {
                return Err(AppError::Forbidden(format!(
                    "{NOT_PERMITTED} The user account is disabled or gone."
                )));
            }
            let groups = state.store.groups_of_user(self.tenant, *id).await?;
            if !groups
                .iter()
                .any(|g| g.display_name.eq_ignore_ascii_case(ADMIN_AGENTS))
            {
                return Err(AppError::Forbidden(format!(
                    "{NOT_PERMITTED} The user must be a member of the partner's Admin Agents group."
                )));
            }
        }
        Ok(self.tenant)
    }
}

/// A capability the partner-side GDAP API checks before a handler runs.
pub trait Capability: Send + Sync + 'static {
    /// Whether it changes relationships (`DelegatedAdminRelationship.ReadWrite.All`).
    const WRITE: bool;
}

/// Reading the partner's GDAP relationships, assignments, requests, operations and customers.
#[derive(Debug, Clone, Copy)]
pub struct GdapRead;

impl Capability for GdapRead {
    const WRITE: bool = false;
}

/// Changing them.
#[derive(Debug, Clone, Copy)]
pub struct GdapWrite;

impl Capability for GdapWrite {
    const WRITE: bool = true;
}

/// A caller authorized for capability `C` of a partner's GDAP relationships: through the Graph
/// API (the permission, the partner tenant and, for users, Admin Agents membership) or signed in
/// to the partner portal. Commands that change relationships take one, so a face that forgets to
/// authorize does not compile; `partner` is the only tenant its queries may name.
#[derive(Debug, Clone)]
pub struct Authorized<C> {
    /// The calling partner tenant.
    pub partner: TenantId,
    /// Who acts, as the audit record names it.
    pub who: Arc<Who>,
    capability: std::marker::PhantomData<C>,
}

impl<C: Capability> Authorized<C> {
    /// Checks that a Graph caller holds capability `C` of the partner-side GDAP API.
    pub async fn of(state: &AppState, principal: &Principal) -> AppResult<Self> {
        let partner = principal.require_gdap(state, C::WRITE).await?;
        Ok(Self {
            partner,
            who: principal.actor.clone(),
            capability: std::marker::PhantomData,
        })
    }

    /// Checks that a user signed in to the partner portal may manage its partner's relationships:
    /// an enabled user of a partner tenant, Global Administrator or in Admin Agents.
    pub async fn signed_in(state: &AppState, tenant: &Tenant, user: &User) -> AppResult<Self> {
        let refused = || {
            AppError::Forbidden(format!(
                "{NOT_PERMITTED} Only a partner's Global Administrators and Admin Agents manage its relationships."
            ))
        };
        if tenant.partner.is_none() || !user.account_enabled || user.tenant != tenant.id {
            return Err(refused());
        }
        let ga = user
            .roles
            .iter()
            .any(|r| r.to_string() == GLOBAL_ADMINISTRATOR);
        let agent = || async {
            Ok::<_, AppError>(
                state
                    .store
                    .groups_of_user(tenant.id, user.id)
                    .await?
                    .iter()
                    .any(|g| g.display_name.eq_ignore_ascii_case(ADMIN_AGENTS)),
            )
        };
        if !ga && !agent().await? {
            return Err(refused());
        }
        Ok(Self {
            partner: tenant.id,
            who: Arc::new(Who {
                actor: user.user_principal_name.clone(),
                tenant: Some(tenant.id),
            }),
            capability: std::marker::PhantomData,
        })
    }
}

/// How many verified tokens are remembered.
const VERIFIED_CAPACITY: usize = 10_000;

/// A token whose signature, issuer and subject have been checked: the caller it names.
#[derive(Debug)]
pub struct Verified {
    principal: Principal,
}

impl Verified {
    /// The caller named by verified claims (any audience).
    fn of(claims: Claims) -> AppResult<Self> {
        let tenant = TenantId::parse(&claims.tid).map_err(|_| {
            AppError::Unauthenticated("Access token validation failure: bad tenant.".into())
        })?;
        if !claims.iss.ends_with(&format!("/{tenant}/v2.0")) {
            return Err(AppError::Unauthenticated(
                "Access token validation failure: bad issuer.".into(),
            ));
        }
        let kind = if claims.idtyp == "app" {
            PrincipalKind::App {
                client_id: ClientId::parse(&claims.azp).map_err(|_| {
                    AppError::Unauthenticated("Access token validation failure: bad client.".into())
                })?,
                roles: claims.roles.iter().cloned().collect(),
            }
        } else {
            PrincipalKind::User {
                id: UserId::parse(&claims.oid).map_err(|_| {
                    AppError::Unauthenticated(
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
        let actor = Arc::new(crate::audit::Who {
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
            principal: Principal {
                tenant,
                kind,
                claims: Arc::new(claims),
                actor,
            },
        })
    }
}

/// Tokens whose signature has been checked, with the callers they name. Lifetimes are still
/// checked on every use; the cache is emptied when full.
#[derive(Debug, Default)]
pub struct VerifiedTokens {
    map: std::sync::Mutex<HashMap<String, Arc<Verified>, TokenHashing>>,
}

impl VerifiedTokens {
    /// A token verified before and still within its lifetime.
    pub fn get(&self, token: &str, now: i64) -> Option<Arc<Verified>> {
        let map = self
            .map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(token)
            .filter(|v| {
                let c = &v.principal.claims;
                now < c.exp + 60 && now + 60 >= c.nbf
            })
            .cloned()
    }

    /// Remembers a verified token.
    pub fn put(&self, token: &str, verified: Arc<Verified>) {
        let mut map = self
            .map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= VERIFIED_CAPACITY {
            map.clear();
        }
        map.insert(token.to_owned(), verified);
    }
}

/// Hashes a token by its last bytes only, keyed per process. A token ends with its signature,
/// which nobody without the signing key can choose, so its tail spreads tokens as well as the
/// whole would; hashing the whole of a 1 KB token was a tenth of the cost of a check with the
/// standard hasher. Equal hashes still compare whole tokens. Kept over a library hasher by
/// measurement: `rustc_hash`'s FxHash over the whole token cost 291 more instructions per check
/// under callgrind (45,480 against 45,189), which took the ratio of a check to an empty request
/// from 1.577 to 1.586, above the 1.583 the application layer had to stay under (BENCHMARKS.md).
#[derive(Debug, Clone, Copy)]
struct TokenHashing(u64);

impl Default for TokenHashing {
    fn default() -> Self {
        use std::hash::BuildHasher;
        Self(std::collections::hash_map::RandomState::new().hash_one(0u8))
    }
}

impl std::hash::BuildHasher for TokenHashing {
    type Hasher = TailHasher;

    fn build_hasher(&self) -> TailHasher {
        TailHasher(self.0)
    }
}

/// The hasher of [`TokenHashing`].
#[derive(Debug)]
struct TailHasher(u64);

impl std::hash::Hasher for TailHasher {
    fn write(&mut self, bytes: &[u8]) {
        let tail = &bytes[bytes.len().saturating_sub(24)..];
        let mut h = self.0 ^ (bytes.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        for chunk in tail.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            h = mix(h ^ u64::from_le_bytes(word));
        }
        self.0 = h;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// SplitMix64's finaliser: a bijection on `u64` that spreads every input bit.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENANT: &str = "8777b240-c6f0-4469-9e98-a3205431b836";
    const USER: &str = "2f0c6f5e-3c1a-4b7e-9d2a-6a1b0c9d8e01";

    fn claims(exp: i64) -> Claims {
        Claims {
            aud: GRAPH_AUDIENCES[0].into(),
            iss: format!("https://login.microsoftonline.com/{TENANT}/v2.0"),
            iat: 0,
            nbf: 0,
            exp,
            tid: TENANT.into(),
            oid: USER.into(),
            sub: USER.into(),
            azp: "client".into(),
            idtyp: "user".into(),
            roles: Vec::new(),
            scp: Some("DelegatedAdminRelationship.Read.All  User.Read".into()),
            upn: Some("tech@partner.example".into()),
            name: None,
            idp: None,
            home_tid: None,
            amr: Vec::new(),
            ver: "2.0".into(),
            uti: "u".into(),
        }
    }

    #[test]
    fn a_verified_user_token_names_the_user_its_scopes_and_its_actor() {
        let v = Verified::of(claims(100)).expect("verified");
        assert_eq!(v.principal.tenant.to_string(), TENANT);
        let PrincipalKind::User { id, scopes, .. } = &v.principal.kind else {
            panic!("a user")
        };
        assert_eq!(id.to_string(), USER);
        assert_eq!(
            &scopes[..],
            ["DelegatedAdminRelationship.Read.All", "User.Read"]
        );
        assert_eq!(v.principal.actor.actor, "tech@partner.example");
    }

    #[test]
    fn a_token_whose_issuer_is_another_tenant_is_refused() {
        let mut c = claims(100);
        c.iss =
            "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/v2.0".into();
        assert!(matches!(Verified::of(c), Err(AppError::Unauthenticated(_))));
    }

    #[test]
    fn the_cache_answers_only_the_same_whole_token_within_its_lifetime() {
        let cache = VerifiedTokens::default();
        let tail = "x".repeat(40);
        let token = format!("header.payload.{tail}");
        cache.put(
            &token,
            Arc::new(Verified::of(claims(1_000)).expect("verified")),
        );
        assert!(cache.get(&token, 500).is_some());
        // Same signature bytes, different token: same hash, still not the same token.
        assert!(cache.get(&format!("header.forged.{tail}"), 500).is_none());
        assert!(
            cache.get(&token, 1_060).is_none(),
            "expired beyond the skew"
        );
        assert!(
            cache.get(&token, 1_059).is_some(),
            "within the minute of skew"
        );
    }

    #[test]
    fn tokens_differing_in_their_signature_spread_over_hashes() {
        use std::hash::BuildHasher;
        let hashing = TokenHashing::default();
        let hashes: std::collections::HashSet<u64> = (0..10_000)
            .map(|i| hashing.hash_one(format!("header.payload.signature{i:08}")))
            .collect();
        assert_eq!(hashes.len(), 10_000);
    }
}
