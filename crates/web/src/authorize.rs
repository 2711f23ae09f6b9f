//! `GET /{tenant}/oauth2/v2.0/authorize`: the authorization code flow with PKCE, as Entra serves
//! it to MSAL, the SDKs and the admin tools. The user signs in on gdap's own sign-in page (or is
//! signed in already); the application gets a code at a redirect URI it registered, redeemable
//! once at the token endpoint with the verifier of its challenge.
//!
//! Until the application and its redirect URI are known to belong together, nothing is sent
//! anywhere: the error is a page here (so the endpoint can never redirect to an address the
//! application did not register). After that, errors go back to the application as Entra sends
//! them: `error`, `error_description` with the AADSTS code, and the `state` it gave.

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gdap_app::signin::{is_first_party, FIRST_PARTY_REDIRECTS};
use gdap_domain::directory::Tenant;
use gdap_domain::ids::{ClientId, TenantId};
use gdap_domain::oauth::{pkce_form, redirect_allowed, CodeGrant};
use maud::html;

use super::context::{Page, Web};

/// Where and how the answer goes back to the application.
struct Reply {
    redirect_uri: String,
    mode: Mode,
    state: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Query,
    Fragment,
    FormPost,
}

impl Reply {
    /// Sends `pairs` (with the application's `state`) to the redirect URI.
    fn send(&self, web: &Web, mut pairs: Vec<(&str, String)>) -> Response {
        if let Some(s) = &self.state {
            pairs.push(("state", s.clone()));
        }
        let Ok(mut url) = url::Url::parse(&self.redirect_uri) else {
            return web.message(
                StatusCode::BAD_REQUEST,
                web.t.app_sign_in_failed,
                "AADSTS50011",
            );
        };
        match self.mode {
            Mode::Query => {
                url.query_pairs_mut().extend_pairs(&pairs);
            }
            Mode::Fragment => {
                let encoded = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(&pairs)
                    .finish();
                url.set_fragment(Some(&encoded));
            }
            Mode::FormPost => return self.form_post(web, &pairs),
        }
        let mut res = StatusCode::FOUND.into_response();
        if let Ok(v) = HeaderValue::from_str(url.as_str()) {
            res.headers_mut().insert(header::LOCATION, v);
        }
        web.finish(res)
    }

    /// A form that posts the answer to the application (a button, so no script is needed).
    fn form_post(&self, web: &Web, pairs: &[(&str, String)]) -> Response {
        let body = html! {
            h1 { (web.t.sign_in_title) }
            form method="post" action=(self.redirect_uri) {
                @for (k, v) in pairs {
                    input type="hidden" name=(k) value=(v);
                }
                button.primary type="submit" { (web.t.app_sign_in_continue) }
            }
        };
        let mut res = web.page(StatusCode::OK, web.t.sign_in_title, body);
        // The form goes to the application's own address.
        let origin = url::Url::parse(&self.redirect_uri)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default();
        let csp = format!(
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self' {origin}; frame-ancestors 'none'"
        );
        if let Ok(v) = HeaderValue::from_str(&csp) {
            res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
        }
        res
    }

    /// An OAuth error, as Entra sends it back.
    fn error(&self, web: &Web, error: &str, code: u32, description: &str) -> Response {
        self.send(
            web,
            vec![
                ("error", error.to_owned()),
                ("error_description", format!("AADSTS{code}: {description}")),
            ],
        )
    }
}

/// An error shown here, where nothing may be sent back.
fn stop(web: &Web, code: u32, description: &str) -> Response {
    let body = html! {
        h1 { (web.t.app_sign_in_failed) }
        p.error role="alert" { "AADSTS" (code) ": " (description) }
    };
    web.page(StatusCode::BAD_REQUEST, web.t.app_sign_in_failed, body)
}

/// The tenant a path names (id or domain), or `None` for `organizations` and `common`.
async fn tenant_of(web: &Web, segment: &str) -> Result<Option<Tenant>, Response> {
    let seg = segment.to_ascii_lowercase();
    if seg == "organizations" || seg == "common" {
        return Ok(None);
    }
    let found = match TenantId::parse(&seg) {
        Ok(id) => web.or_failure(web.state.tenant(id).await)?,
        Err(_) => web.or_failure(web.state.store.tenant_by_domain(&seg).await)?,
    };
    match found {
        Some(t) => Ok(Some(t)),
        None => Err(stop(
            web,
            90002,
            &format!(
                "Tenant '{}' not found. Check to make sure you have the correct tenant ID.",
                seg.chars().take(80).collect::<String>()
            ),
        )),
    }
}

/// `GET /{tenant}/oauth2/v2.0/authorize`.
#[utoipa::path(get, path = "/{tenant}/oauth2/v2.0/authorize", tag = "token",
    params(("tenant" = String, Path, description = "Tenant id, domain, `organizations` or `common`"),
           ("client_id" = String, Query), ("response_type" = String, Query, description = "`code`"),
           ("redirect_uri" = String, Query, description = "One the application registered (`http://localhost` on any port)"),
           ("scope" = String, Query), ("state" = Option<String>, Query), ("nonce" = Option<String>, Query),
           ("code_challenge" = Option<String>, Query), ("code_challenge_method" = Option<String>, Query, description = "`S256`"),
           ("prompt" = Option<String>, Query, description = "`login`, `none`, `select_account`"),
           ("login_hint" = Option<String>, Query), ("response_mode" = Option<String>, Query, description = "`query`, `fragment` or `form_post`")),
    responses(
        (status = 302, description = "Back to the application's redirect URI with `code` and `state`, or with `error`, `error_description` (AADSTS code) and `state`"),
        (status = 303, description = "To the sign-in page, which comes back here"),
        (status = 400, description = "The application or its redirect URI is unknown: an error page, nothing is sent anywhere", content_type = "text/html", body = String)))]
pub async fn authorize(
    web: Web,
    Path(segment): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Page {
    let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let tenant = tenant_of(&web, &segment).await?;
    // The application and its redirect URI, before anything is sent anywhere.
    let client_raw = get("client_id").unwrap_or_default();
    let Ok(client_id) = ClientId::parse(client_raw) else {
        return Err(stop(
            &web,
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        ));
    };
    let (registered, public, application) = if is_first_party(client_raw) {
        let uris = FIRST_PARTY_REDIRECTS
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        (uris, true, None)
    } else {
        match web.or_failure(web.state.store.application(client_id).await)? {
            Some(a) => (a.redirect_uris.clone(), a.public_client, Some(a)),
            None => {
                return Err(stop(
                    &web,
                    700016,
                    &format!(
                        "Application with identifier '{client_id}' was not found in the directory."
                    ),
                ))
            }
        }
    };
    let redirect_uri = get("redirect_uri").unwrap_or_default();
    if redirect_uri.len() > 1000 || !redirect_allowed(&registered, redirect_uri) {
        return Err(stop(
            &web,
            50011,
            &format!(
                "The redirect URI '{}' specified in the request does not match the redirect URIs configured for the application '{client_id}'.",
                redirect_uri.chars().take(200).collect::<String>()
            ),
        ));
    }
    let mode = match get("response_mode") {
        None | Some("query") => Mode::Query,
        Some("fragment") => Mode::Fragment,
        Some("form_post") => Mode::FormPost,
        Some(_) => Mode::Query,
    };
    let reply = Reply {
        redirect_uri: redirect_uri.to_owned(),
        mode,
        state: get("state").map(|s| s.chars().take(2000).collect()),
    };
    // From here on, errors go back to the application.
    if get("response_type") != Some("code") {
        return Ok(reply.error(
            &web,
            "unsupported_response_type",
            700054,
            "response_type must be 'code': gdap issues tokens at the token endpoint only.",
        ));
    }
    let Some(scope) = get("scope").filter(|s| s.len() <= 2000) else {
        return Ok(reply.error(
            &web,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        ));
    };
    let challenge = get("code_challenge");
    match (challenge, get("code_challenge_method")) {
        (None, _) if public => {
            return Ok(reply.error(
                &web,
                "invalid_request",
                9002325,
                "Proof Key for Code Exchange is required for a public client.",
            ))
        }
        (Some(c), Some("S256")) if pkce_form(c) => {}
        (Some(_), Some("S256")) => {
            return Ok(reply.error(
                &web,
                "invalid_request",
                501491,
                "Invalid size of Code_Challenge parameter.",
            ))
        }
        (Some(_), _) => {
            return Ok(reply.error(
                &web,
                "invalid_request",
                501481,
                "The Code_Verifier does not match the code_challenge supplied in the authorization request: only the S256 method is accepted.",
            ))
        }
        (None, _) => {}
    }
    let prompt = get("prompt");
    let me = match (&web.me, prompt) {
        (Some(_), Some("login")) | (None, _) => {
            if prompt == Some("none") {
                return Ok(reply.error(
                    &web,
                    "login_required",
                    50058,
                    "A silent sign-in request was sent but no user is signed in.",
                ));
            }
            // Back here after signing in, without asking for the sign-in again.
            let back = web.path.replace("prompt=login", "prompt=select_account");
            let mut to = url::form_urlencoded::Serializer::new(String::new());
            to.append_pair("return", &back);
            if let Some(hint) = get("login_hint") {
                to.append_pair("login_hint", hint);
            }
            if prompt == Some("login") {
                to.append_pair("prompt", "login");
            }
            return Ok(web.redirect(&format!("/signin?{}", to.finish())));
        }
        (Some(me), _) => me,
    };
    // The user gets tokens in its own tenant, or in a customer where it has delegated access.
    let target = tenant.as_ref().map_or(me.user.tenant, |t| t.id);
    let now = web.state.now();
    if target != me.user.tenant
        && !web
            .state
            .authz
            .has_delegated_access(me.user.id, target, now)
    {
        return Ok(reply.error(
            &web,
            "invalid_request",
            50020,
            &format!(
                "User account '{}' from identity provider does not exist in tenant '{}' and cannot access the application '{client_id}' in that tenant.",
                me.user.user_principal_name,
                tenant.as_ref().map_or("", |t| t.display_name.as_str())
            ),
        ));
    }
    // A registered application gets only the permissions it was granted: what is missing is asked.
    if let Some(application) = &application {
        let missing = web.or_failure(
            gdap_app::consent::missing(&web.state, application, &me.user, target, scope).await,
        )?;
        if !missing.is_empty() {
            if get("consent") == Some("declined") {
                return Ok(reply.error(
                    &web,
                    "access_denied",
                    65004,
                    "The user declined to consent to access the app.",
                ));
            }
            if prompt == Some("none") {
                return Ok(reply.error(
                    &web,
                    "consent_required",
                    65001,
                    &format!("The user or administrator has not consented to use the application with ID '{client_id}'."),
                ));
            }
            return Ok(super::consent::ask(
                &web,
                application,
                &me.user,
                scope,
                &missing,
            ));
        }
    }
    let grant = CodeGrant {
        client_id,
        tenant: target,
        user: me.user.id,
        home_tenant: me.user.tenant,
        redirect_uri: redirect_uri.to_owned(),
        scope: scope.to_owned(),
        code_challenge: challenge.map(str::to_owned),
        nonce: get("nonce").map(|n| n.chars().take(500).collect()),
        auth_time: me.session.created_at,
        session: Some(me.session.id_hash.clone()),
        mfa: me.session.mfa,
    };
    let code =
        web.or_failure(gdap_app::signin::issue_code(&web.state, &grant, web.state.now()).await)?;
    Ok(reply.send(&web, vec![("code", code)]))
}
