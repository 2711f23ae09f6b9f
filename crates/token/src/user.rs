//! Tokens for a signed-in user: the tenant they may be for, the scopes the application may have,
//! the access token, and for OpenID Connect sign-ins the ID token and MSAL's `client_info`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use gdap_domain::directory::{Application, Tenant, User};
use gdap_domain::ids::{ClientId, TenantId};
use gdap_domain::oauth::RefreshGrant;
use serde_json::{json, Value};
use time::OffsetDateTime;

use gdap_app::azure::ARM_AUDIENCE;
use gdap_app::caller::{ADMIN_AUDIENCE, PARTNER_CENTER_AUDIENCE};
use gdap_app::state::AppState;

use super::error::{OAuthError, OAuthResult};
use super::{audience_of, internal, sign, split_scope, DELEGATED_PERMISSIONS, OIDC_SCOPES};

/// What an OpenID Connect sign-in adds to the token answer.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extras {
    /// `openid` was asked for: an ID token comes with the access token.
    pub openid: bool,
    /// MSAL's `client_info=1`: the user's and its tenant's ids, for its account cache.
    pub client_info: bool,
    /// The client's nonce from the sign-in, echoed in the ID token.
    pub nonce: Option<String>,
    /// When the user signed in, for the ID token and the refresh token (now, when not said).
    pub auth_time: Option<OffsetDateTime>,
    /// `offline_access` was asked for (or a refresh token redeemed): a refresh token comes too.
    pub offline: bool,
    /// The browser session of the sign-in, for the refresh token.
    pub session: Option<String>,
    /// The refresh token this redemption spends, once everything else has been checked.
    pub spends: Option<String>,
    /// The user signed in with a second factor (`amr` says `mfa`).
    pub mfa: bool,
}

impl Extras {
    /// The extras a token request asks for, with the nonce of its sign-in.
    pub fn of(f: &std::collections::HashMap<String, String>, nonce: Option<String>) -> Self {
        Self {
            openid: f.get("scope").is_some_and(|s| asks(s, "openid")),
            client_info: f.get("client_info").is_some_and(|v| v == "1"),
            nonce,
            auth_time: None,
            offline: f.get("scope").is_some_and(|s| asks(s, "offline_access")),
            session: None,
            spends: None,
            mfa: false,
        }
    }
}

impl Extras {
    /// How the user signed in, as the `amr` claim says it.
    fn amr(&self) -> Vec<String> {
        let mut amr = vec!["pwd".to_owned()];
        if self.mfa {
            amr.push("mfa".to_owned());
        }
        amr
    }
}

/// Whether the space-separated `scope` asks for `name`.
pub(crate) fn asks(scope: &str, name: &str) -> bool {
    scope.split(' ').any(|s| s == name)
}

/// The user a stored grant speaks for, while it may still sign in (`AADSTS50057` otherwise).
pub(crate) async fn enabled_user(
    state: &AppState,
    home_tenant: TenantId,
    user: gdap_domain::ids::UserId,
) -> OAuthResult<User> {
    state
        .store
        .user(home_tenant, user)
        .await
        .map_err(internal)?
        .filter(|u| u.account_enabled)
        .ok_or_else(|| OAuthError::bad("invalid_grant", 50057, "The user account is disabled."))
}

/// The claims of an ID token (what MSAL reads and checks: issuer, audience, nonce, lifetime).
#[derive(serde::Serialize)]
struct IdClaims<'a> {
    aud: String,
    iss: String,
    iat: i64,
    nbf: i64,
    exp: i64,
    sub: String,
    oid: String,
    tid: String,
    preferred_username: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_time: Option<i64>,
    amr: Vec<String>,
    ver: &'static str,
}

/// An ID token of `user` for `client_id`, in `tenant`.
fn id_token(
    state: &AppState,
    issuer: &str,
    tenant: TenantId,
    user: &User,
    client_id: ClientId,
    extras: &Extras,
) -> OAuthResult<String> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = IdClaims {
        aud: client_id.to_string(),
        iss: format!("{issuer}/{tenant}/v2.0"),
        iat: now,
        nbf: now,
        exp: now + state.config.token_lifetime_secs,
        sub: user.id.to_string(),
        oid: user.id.to_string(),
        tid: tenant.to_string(),
        preferred_username: &user.user_principal_name,
        name: &user.display_name,
        nonce: extras.nonce.as_deref(),
        auth_time: extras.auth_time.map(OffsetDateTime::unix_timestamp),
        amr: extras.amr(),
        ver: "2.0",
    };
    state.keys.sign(&claims).map_err(internal)
}

/// The tokens of `user`, signed in through `client_id` (`app` when registered), for `tenant` (its
/// home tenant when `None`) and `scope`.
#[allow(
    clippy::too_many_arguments,
    reason = "one call per grant type; each argument is a distinct fact of the sign-in"
)]
pub(crate) async fn user_token(
    state: &AppState,
    issuer: &str,
    tenant: Option<Tenant>,
    user: &User,
    client_id: ClientId,
    app: Option<&Application>,
    scope: &str,
    extras: &Extras,
) -> OAuthResult<Value> {
    let mut resource: Option<&str> = None;
    let mut wanted: Vec<&str> = Vec::new();
    for s in scope
        .split(' ')
        .filter(|s| !s.is_empty() && !OIDC_SCOPES.contains(s))
    {
        let (res, perm) = split_scope(s);
        if resource.is_some_and(|r| audience_of(r) != audience_of(res)) {
            return Err(OAuthError::bad(
                "invalid_scope",
                28000,
                "Provide scopes for one resource at a time.",
            ));
        }
        resource = Some(res);
        wanted.push(perm);
    }
    let resource = resource.unwrap_or("https://graph.microsoft.com");
    let aud = audience_of(resource).ok_or_else(|| {
        OAuthError::bad(
            "invalid_resource",
            500011,
            format!("The resource principal named {resource} was not found."),
        )
    })?;
    // A partner's user signs in to a customer tenant with its own credentials, and gets a token
    // there only while it has some delegated access (GDAP or DAP) — or, for Azure Resource
    // Manager, an Azure role assignment there (with GDAP too where the deployment asks).
    let foreign = match tenant.as_ref().filter(|t| t.id != user.tenant) {
        Some(t) if aud == ARM_AUDIENCE => gdap_app::azure::token_for(state, user, t.id)
            .await
            .map_err(internal)?
            .is_ok()
            .then_some(t.id),
        Some(t) => state
            .authz
            .has_delegated_access(user.id, t.id, state.now())
            .then_some(t.id),
        None => None,
    };
    if let Some(t) = tenant.as_ref().filter(|_| foreign.is_none()) {
        if t.id != user.tenant {
            return Err(OAuthError::bad(
                "invalid_grant",
                50020,
                format!(
                    "User account '{}' from identity provider does not exist in tenant '{}'.",
                    user.user_principal_name, t.display_name
                ),
            ));
        }
    }
    let grantable: Vec<String> = match app {
        // Partner Center has one delegated permission, which every partner application has.
        _ if aud == PARTNER_CENTER_AUDIENCE || aud == ARM_AUDIENCE => {
            vec!["user_impersonation".to_owned()]
        }
        Some(a) => gdap_app::consent::granted(state, a, user, foreign.unwrap_or(user.tenant))
            .await
            .map_err(internal)?,
        None => DELEGATED_PERMISSIONS
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
    };
    let mut granted: Vec<String> = Vec::new();
    for w in &wanted {
        if *w == ".default" {
            granted.extend(grantable.iter().cloned());
        } else if let Some(g) = grantable.iter().find(|g| g.eq_ignore_ascii_case(w)) {
            granted.push(g.clone());
        } else if aud != ADMIN_AUDIENCE {
            return Err(OAuthError::bad("invalid_grant", 65001, format!("The user or administrator has not consented to use the application with ID '{client_id}'. The permission '{w}' is not granted.")));
        }
    }
    granted.sort();
    granted.dedup();
    let mut claims = gdap_app::signin::access_claims(
        state,
        aud,
        foreign.unwrap_or(user.tenant).to_string(),
        user.id.to_string(),
        client_id.to_string(),
        "user",
    );
    if foreign.is_some() {
        claims.home_tid = Some(user.tenant.to_string());
        claims.idp = Some(format!("https://sts.windows.net/{}/", user.tenant));
    }
    claims.scp = Some(granted.join(" "));
    claims.amr = extras.amr();
    claims.upn = Some(user.user_principal_name.clone());
    claims.name = Some(user.display_name.clone());
    let scope_out = granted
        .iter()
        .map(|g| format!("{aud}/{g}"))
        .collect::<Vec<_>>()
        .join(" ");
    let refresh = finish_sign_in(state, user, client_id, scope, extras).await?;
    let mut out = sign(state, issuer, claims, Some(scope_out))?;
    if let Some(r) = refresh {
        out["refresh_token"] = Value::String(r);
    }
    if extras.openid {
        let id = id_token(
            state,
            issuer,
            foreign.unwrap_or(user.tenant),
            user,
            client_id,
            extras,
        )?;
        out["id_token"] = Value::String(id);
    }
    if extras.client_info {
        let info = json!({"uid": user.id.to_string(), "utid": user.tenant.to_string()});
        out["client_info"] = Value::String(URL_SAFE_NO_PAD.encode(info.to_string()));
    }
    Ok(out)
}

/// Everything about the sign-in has been checked: spends the refresh token being redeemed (a
/// second redemption of it loses here), and issues the next one when the sign-in asked for it.
async fn finish_sign_in(
    state: &AppState,
    user: &User,
    client_id: ClientId,
    scope: &str,
    extras: &Extras,
) -> OAuthResult<Option<String>> {
    let now = state.now();
    if let Some(old) = &extras.spends {
        if !gdap_app::signin::spend_refresh(state, old, now)
            .await
            .map_err(internal)?
        {
            return Err(super::code::spent_grant());
        }
    }
    if !extras.offline {
        return Ok(None);
    }
    let grant = RefreshGrant {
        client_id,
        user: user.id,
        home_tenant: user.tenant,
        scope: scope.to_owned(),
        auth_time: extras.auth_time.unwrap_or_else(OffsetDateTime::now_utc),
        session: extras.session.clone(),
        password_stamp: gdap_app::signin::password_stamp(user),
        mfa: extras.mfa,
    };
    gdap_app::signin::issue_refresh(state, &grant, now)
        .await
        .map(Some)
        .map_err(internal)
}
