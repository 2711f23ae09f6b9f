//! Sign-in (the password, then the second step where there is one), sessions, sign-out and the
//! language switcher.

use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use base64::Engine;
use gdap_domain::directory::User;
use gdap_domain::mail::Language;
use gdap_store::{Session, StoreError};
use maud::html;
use ring::rand::{SecureRandom, SystemRandom};
use time::{Duration, OffsetDateTime};

use super::context::{safe_return, FormData, Page, SignedIn, Web, LANG_COOKIE};
use super::layout::csrf;
use gdap_app::hashing::RETRY_AFTER_SECS;
use gdap_app::mfa;
use gdap_app::signin::secret_hash;
use gdap_app::state::AppState;
use gdap_http::extract::ClientIp;

/// The session cookie.
pub const SESSION_COOKIE: &str = "gdap_session";
/// The cookie of a sign-in waiting for its second step.
pub const MFA_COOKIE: &str = "gdap_mfa";
/// How long a session lasts after sign-in, whatever happens (wall clock).
pub const SESSION_LIFETIME: Duration = Duration::hours(8);

/// 32 random bytes, base64url.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    if SystemRandom::new().fill(&mut b).is_err() {
        // ring's generator does not fail on supported systems; should it, draw from the one
        // behind uuid instead (also the operating system's).
        b[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        b[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// The signed-in visitor of a session cookie, if the session is live and its user still enabled.
pub async fn load(state: &AppState, raw: &str) -> Result<Option<SignedIn>, StoreError> {
    if raw.len() != 43 {
        return Ok(None);
    }
    let Some(session) = state.store.session(&secret_hash(raw)).await? else {
        return Ok(None);
    };
    if session.expires_at <= OffsetDateTime::now_utc() {
        return Ok(None);
    }
    let Some(user) = state
        .store
        .user(session.tenant, session.user)
        .await?
        .filter(|u| u.account_enabled)
    else {
        return Ok(None);
    };
    let Some(tenant) = state.tenant(session.tenant).await? else {
        return Ok(None);
    };
    Ok(Some(SignedIn {
        session,
        user,
        tenant,
    }))
}

/// `GET /`: the visitor's start page.
pub async fn home(web: Web) -> Page {
    Ok(match &web.me {
        None => web.redirect("/signin"),
        Some(m) if m.tenant.partner.is_some() => web.redirect("/partner"),
        Some(_) => web.redirect("/adminportal/settings/partners"),
    })
}

#[derive(serde::Deserialize)]
pub struct ReturnQuery {
    #[serde(rename = "return")]
    back: Option<String>,
    /// The account an application expects (its `login_hint`), filled in.
    login_hint: Option<String>,
    /// `login`: the application asks for the sign-in again, even with a live session.
    prompt: Option<String>,
}

fn sign_in_form(web: &Web, back: &str, upn: &str, error: Option<&str>) -> maud::Markup {
    let t = web.t;
    html! {
        h1 { (t.sign_in_title) }
        p { (t.sign_in_intro) }
        @if let Some(e) = error {
            p.error role="alert" { (e) }
        }
        form.stack method="post" action="/signin" {
            (csrf(web))
            input type="hidden" name="return" value=(back);
            label for="upn" { (t.upn) }
            input id="upn" name="upn" type="email" autocomplete="username" required value=(upn);
            label for="password" { (t.password) }
            input id="password" name="password" type="password" autocomplete="current-password" required;
            button.primary type="submit" { (t.sign_in) }
        }
    }
}

/// `GET /signin?return=…`.
pub async fn sign_in_page(web: Web, Query(q): Query<ReturnQuery>) -> Page {
    let back = safe_return(q.back.as_deref().unwrap_or("/"));
    if web.me.is_some() && q.prompt.as_deref() != Some("login") {
        return Ok(web.redirect(&back));
    }
    let hint: String = q.login_hint.unwrap_or_default().chars().take(256).collect();
    Ok(web.page(
        StatusCode::OK,
        web.t.sign_in_title,
        sign_in_form(&web, &back, &hint, None),
    ))
}

/// `POST /signin`: checks the password (argon2, through the bounded hasher; a made-up name is
/// checked against a decoy so that it costs what a wrong password costs), throttles repeated
/// failures per account and source, and starts a session.
pub async fn sign_in(
    web: Web,
    ClientIp(source): ClientIp,
    Form(form): Form<Vec<(String, String)>>,
) -> Page {
    let form = FormData(form);
    web.check_form(&form)?;
    let t = web.t;
    let back = safe_return(form.get("return").unwrap_or("/"));
    let upn = form.get("upn").unwrap_or("").trim().to_lowercase();
    let password = form.get("password").unwrap_or("").to_owned();
    let state = &web.state;
    let now = OffsetDateTime::now_utc();
    let refuse = |status: StatusCode, msg: &str| {
        web.page(
            status,
            t.sign_in_title,
            sign_in_form(&web, &back, &upn, Some(msg)),
        )
    };
    if upn.len() > 256 || password.len() > 256 {
        return Ok(refuse(StatusCode::UNAUTHORIZED, t.bad_credentials));
    }
    if let Err(left) = state.throttle.check(&upn, source, now).await {
        return Ok(with_retry_after(
            refuse(StatusCode::TOO_MANY_REQUESTS, t.throttled),
            u64::try_from(left.whole_seconds()).unwrap_or(1),
        ));
    }
    let user = web.or_failure(state.store.user_by_upn(&upn).await)?;
    let checked = match user.as_ref().and_then(|u| u.password_hash.as_deref()) {
        Some(h) => state.hasher.verify(&password, h).await,
        None => state.hasher.verify_decoy(&password).await,
    };
    let Ok(matches) = checked else {
        return Ok(with_retry_after(
            refuse(StatusCode::SERVICE_UNAVAILABLE, t.busy),
            RETRY_AFTER_SECS,
        ));
    };
    let user = match user.filter(|u| matches && u.account_enabled && u.password_hash.is_some()) {
        Some(u) => u,
        None => {
            state.throttle.fail(&upn, source, now).await;
            tracing::info!("failed sign-in");
            return Ok(refuse(StatusCode::UNAUTHORIZED, t.bad_credentials));
        }
    };
    state.throttle.succeed(&upn, source, now).await;
    // A second step for users who enrolled one, and enrolment where the tenant requires it.
    let tenant = web.or_failure(state.tenant(user.tenant).await)?;
    let enrolled = web.or_failure(mfa::enrolled(state, user.id).await)?;
    if enrolled || tenant.as_ref().is_some_and(mfa::required_for) {
        let new_secret = if enrolled {
            None
        } else {
            Some(web.or_failure(mfa::new_secret())?)
        };
        let pending = mfa::Pending {
            tenant: user.tenant,
            user: user.id,
            back,
            new_secret,
        };
        let token = web.or_failure(mfa::begin(state, &pending, now).await)?;
        let mut res = web.redirect("/signin/mfa");
        let cookie = web.cookie(
            MFA_COOKIE,
            &token,
            Some(mfa::PENDING_LIFETIME.whole_seconds()),
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
        return Ok(res);
    }
    start_session(&web, &user, &back, false, now).await
}

/// Starts the session of a user who has signed in (with a second factor when `mfa`), and goes on
/// to `back`.
pub(crate) async fn start_session(
    web: &Web,
    user: &User,
    back: &str,
    mfa: bool,
    now: OffsetDateTime,
) -> Page {
    let raw = random_token();
    let session = Session {
        id_hash: secret_hash(&raw),
        tenant: user.tenant,
        user: user.id,
        csrf: random_token(),
        created_at: now,
        expires_at: now + SESSION_LIFETIME,
        mfa,
    };
    web.or_failure(web.state.store.create_session(session).await)?;
    tracing::info!(upn = %user.user_principal_name, tenant = %user.tenant, mfa, "signed in");
    let mut res = if back.contains("/oauth2/v2.0/authorize") {
        onward_to_application(web, back)
    } else {
        web.redirect(back)
    };
    let cookie = web.cookie(SESSION_COOKIE, &raw, Some(SESSION_LIFETIME.whole_seconds()));
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// After signing in for an application, the way back to it: not a redirect, since the sign-in
/// form's policy (`form-action 'self'`) also covers the redirects that follow a submission, and
/// the authorization endpoint goes on to the application's own address. A page that moves on by
/// itself (`Refresh`, no script) starts a fresh navigation, with a link for browsers that do not.
pub(crate) fn onward_to_application(web: &Web, back: &str) -> Response {
    let body = html! {
        h1 { (web.t.sign_in_title) }
        p { a href=(back) { (web.t.app_sign_in_continue) } }
    };
    let mut res = web.page(StatusCode::OK, web.t.sign_in_title, body);
    if let Ok(v) = HeaderValue::from_str(&format!("0;url={back}")) {
        res.headers_mut().insert(header::REFRESH, v);
    }
    res
}

/// `POST /signout`: ends the session here and in the store, and revokes the refresh tokens of the
/// applications signed in through it.
pub async fn sign_out(web: Web, Form(form): Form<Vec<(String, String)>>) -> Page {
    let form = FormData(form);
    web.check_form(&form)?;
    if let Some(me) = &web.me {
        web.or_failure(
            gdap_app::signin::revoke_refresh(&web.state, me.user.id, Some(&me.session.id_hash))
                .await,
        )?;
        web.or_failure(web.state.store.delete_session(&me.session.id_hash).await)?;
    }
    // "Sign in with another account" keeps the page the user was on (an invitation link).
    let to = match form.get("return").map(safe_return) {
        Some(back) if back != "/" => {
            let back: String = url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
            format!("/signin?return={back}")
        }
        _ => "/signin".to_owned(),
    };
    let mut res = web.redirect(&to);
    if let Ok(v) = HeaderValue::from_str(&web.cookie(SESSION_COOKIE, "", Some(0))) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// `POST /language`: the switcher. Remembered in a cookie, and as the user's setting when signed in.
pub async fn set_language(
    web: Web,
    State(state): State<AppState>,
    Form(form): Form<Vec<(String, String)>>,
) -> Page {
    let form = FormData(form);
    web.check_form(&form)?;
    let Some(lang) = form.get("lang").and_then(Language::parse) else {
        return Ok(web.redirect(form.get("return").unwrap_or("/")));
    };
    if let Some(me) = &web.me {
        web.or_failure(
            state
                .store
                .set_preferred_language(me.tenant.id, me.user.id, lang.tag())
                .await,
        )?;
        // The language an approver's invitations are written in.
        state.directory.changed(&[], &[me.tenant.id]);
    }
    let mut res = web.redirect(form.get("return").unwrap_or("/"));
    let cookie = web.cookie(LANG_COOKIE, lang.tag(), Some(365 * 86_400));
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// A response with `Retry-After: secs`.
fn with_retry_after(mut res: Response, secs: u64) -> Response {
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
    res
}
