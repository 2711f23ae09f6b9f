//! `/signin/mfa`: the second step of signing in. A user who enrolled types the current code of
//! their authenticator app; a user whose organization requires the second step and has none yet
//! adds the key shown here to an authenticator app and types its first code, which enrols them.
//! Wrong codes are throttled per user, as wrong passwords are, and each code is accepted once.

use axum::extract::Form;
use axum::http::{header, HeaderValue, StatusCode};
use axum_extra::extract::cookie::CookieJar;
use gdap_app::mfa::{self, Pending};
use gdap_http::extract::ClientIp;
use maud::{html, Markup};
use time::OffsetDateTime;

use super::context::{FormData, Page, Web};
use super::layout::csrf;
use super::session::{start_session, MFA_COOKIE};

/// The sign-in waiting for its second step in this browser, or a way back to the sign-in page.
async fn waiting(
    web: &Web,
    jar: &CookieJar,
) -> Result<(String, Pending), axum::response::Response> {
    let token = jar
        .get(MFA_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    let pending =
        web.or_failure(mfa::pending(&web.state, &token, OffsetDateTime::now_utc()).await)?;
    pending
        .map(|p| (token, p))
        .ok_or_else(|| web.redirect("/signin"))
}

/// The key in groups of four, as authenticator apps show it.
fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn body(web: &Web, pending: &Pending, upn: &str, error: Option<&str>) -> (String, Markup) {
    let t = web.t;
    let title = if pending.new_secret.is_some() {
        t.apps.mfa_setup_title
    } else {
        t.apps.mfa_title
    };
    let markup = html! {
        h1 { (title) }
        @if let Some(secret) = &pending.new_secret {
            p { (t.apps.mfa_setup_intro) }
            dl {
                dt { (t.upn) }
                dd { (upn) }
                dt { (t.apps.mfa_setup_key) }
                dd { code #totp-secret data-secret=(secret) { (grouped(secret)) } }
            }
            p { a href=(mfa::otpauth_uri("gdap", upn, secret)) { (t.apps.mfa_setup_open) } }
        } @else {
            p { (t.apps.mfa_intro) }
        }
        @if let Some(e) = error {
            p.error role="alert" { (e) }
        }
        form.stack method="post" action="/signin/mfa" {
            (csrf(web))
            label for="otp" { (t.apps.device_code) }
            input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code"
                pattern="[0-9 ]{6,7}" maxlength="7" required;
            button.primary type="submit" { (t.apps.mfa_verify) }
        }
    };
    (title.to_owned(), markup)
}

/// The user the waiting sign-in is for, if still enabled.
async fn user_of(
    web: &Web,
    pending: &Pending,
) -> Result<gdap_domain::directory::User, axum::response::Response> {
    web.or_failure(web.state.store.user(pending.tenant, pending.user).await)?
        .filter(|u| u.account_enabled)
        .ok_or_else(|| web.redirect("/signin"))
}

/// `GET /signin/mfa`.
pub async fn page(web: Web, jar: CookieJar) -> Page {
    let (_, pending) = waiting(&web, &jar).await?;
    let user = user_of(&web, &pending).await?;
    let (title, markup) = body(&web, &pending, &user.user_principal_name, None);
    Ok(web.page(StatusCode::OK, &title, markup))
}

/// `POST /signin/mfa`: checks the code (or enrols with it) and starts the session.
pub async fn verify(
    web: Web,
    jar: CookieJar,
    ClientIp(source): ClientIp,
    Form(form): Form<Vec<(String, String)>>,
) -> Page {
    let form = FormData(form);
    web.check_form(&form)?;
    let (token, pending) = waiting(&web, &jar).await?;
    let user = user_of(&web, &pending).await?;
    let state = &web.state;
    let now = OffsetDateTime::now_utc();
    let t = web.t;
    let refuse = |status: StatusCode, msg: &str| {
        let (title, markup) = body(&web, &pending, &user.user_principal_name, Some(msg));
        web.page(status, &title, markup)
    };
    let account = format!("mfa:{}", user.id);
    if state.throttle.check(&account, source, now).await.is_err() {
        return Ok(refuse(StatusCode::TOO_MANY_REQUESTS, t.throttled));
    }
    let typed = form.get("otp").unwrap_or_default();
    let accepted = match &pending.new_secret {
        Some(secret) => {
            web.or_failure(mfa::enrol(state, user.tenant, user.id, secret, typed, now).await)?
        }
        None => web.or_failure(mfa::verify(state, user.id, typed, now).await)?,
    };
    if !accepted {
        state.throttle.fail(&account, source, now).await;
        tracing::info!(user = %user.id, "failed second sign-in step");
        return Ok(refuse(StatusCode::UNAUTHORIZED, t.apps.mfa_wrong));
    }
    state.throttle.succeed(&account, source, now).await;
    if !web.or_failure(mfa::finish(state, &token, now).await)? {
        return Ok(web.redirect("/signin"));
    }
    let mut res = start_session(&web, &user, &pending.back, true, now).await?;
    if let Ok(v) = HeaderValue::from_str(&web.cookie(MFA_COOKIE, "", Some(0))) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}
