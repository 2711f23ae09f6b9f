//! `/devicelogin`: where a signed-in user types the code a device shows, confirms the application
//! it is for, and so lets the device sign in as them (or cancels). Wrong codes are throttled per
//! user, as wrong passwords are.

use axum::extract::Form;
use axum::http::StatusCode;
use axum::response::Response;
use gdap_app::device::{self, Waiting};
use gdap_domain::oauth::{normalize_user_code, DeviceAnswer};
use gdap_http::extract::ClientIp;
use maud::html;
use time::OffsetDateTime;

use super::context::{FormData, Page, SignedIn, Web};
use super::layout::csrf;

/// The form that asks for the code.
fn code_form(web: &Web, error: Option<&str>) -> maud::Markup {
    let t = web.t;
    html! {
        h1 { (t.apps.device_title) }
        p { (t.apps.device_intro) }
        @if let Some(e) = error {
            p.error role="alert" { (e) }
        }
        form.stack method="post" action="/devicelogin" {
            (csrf(web))
            label for="otc" { (t.apps.device_code) }
            input id="otc" name="otc" type="text" autocomplete="one-time-code" autocapitalize="characters"
                spellcheck="false" maxlength="20" required;
            button.primary type="submit" { (t.next) }
        }
    }
}

/// `GET /devicelogin`.
pub async fn page(web: Web) -> Page {
    web.signed_in()?;
    Ok(web.page(
        StatusCode::OK,
        web.t.apps.device_title,
        code_form(&web, None),
    ))
}

/// The application's name as the user should see it.
async fn app_name(web: &Web, waiting: &Waiting) -> Result<String, Response> {
    let id = waiting.grant.client_id;
    if let Some(n) = gdap_app::signin::first_party_name(&id.to_string()) {
        return Ok(n.to_owned());
    }
    let app = web.or_failure(web.state.store.application(id).await)?;
    Ok(app.map_or_else(|| id.to_string(), |a| a.display_name))
}

/// The device sign-in the form's code stands for, or the code form again with the reason.
async fn found(
    web: &Web,
    me: &SignedIn,
    source: std::net::IpAddr,
    form: &FormData,
) -> Result<(String, Waiting), Response> {
    let now = OffsetDateTime::now_utc();
    let t = web.t;
    let account = format!("devicelogin:{}", me.user.id);
    if web
        .state
        .throttle
        .check(&account, source, now)
        .await
        .is_err()
    {
        return Err(web.page(
            StatusCode::TOO_MANY_REQUESTS,
            t.apps.device_title,
            code_form(web, Some(t.throttled)),
        ));
    }
    let code = normalize_user_code(form.get("otc").unwrap_or_default());
    let waiting = match &code {
        Some(c) => web.or_failure(device::waiting(&web.state, c, web.state.now()).await)?,
        None => None,
    };
    match (code, waiting) {
        (Some(c), Some(w)) => {
            web.state.throttle.succeed(&account, source, now).await;
            Ok((c, w))
        }
        _ => {
            web.state.throttle.fail(&account, source, now).await;
            Err(web.page(
                StatusCode::BAD_REQUEST,
                t.apps.device_title,
                code_form(web, Some(t.apps.device_bad_code)),
            ))
        }
    }
}

/// `POST /devicelogin`: the code typed; asks whether this is the application the user means.
pub async fn enter(
    web: Web,
    ClientIp(source): ClientIp,
    Form(form): Form<Vec<(String, String)>>,
) -> Page {
    let form = FormData(form);
    web.check_form(&form)?;
    let me = web.signed_in()?;
    let (code, waiting) = found(&web, me, source, &form).await?;
    let name = app_name(&web, &waiting).await?;
    let t = web.t;
    let question = t.apps.device_confirm.replace("{app}", &name);
    let body = html! {
        h1 { (question) }
        p.notice { (t.apps.device_caution) }
        form.actions method="post" action="/devicelogin/confirm" {
            (csrf(&web))
            input type="hidden" name="otc" value=(code);
            button.primary type="submit" name="answer" value="approve" { (t.app_sign_in_continue) }
            button type="submit" name="answer" value="decline" { (t.apps.cancel) }
        }
    };
    Ok(web.page(StatusCode::OK, &question, body))
}

/// `POST /devicelogin/confirm`: the user's answer, recorded once; the device learns it as it
/// polls.
pub async fn confirm(
    web: Web,
    ClientIp(source): ClientIp,
    Form(form): Form<Vec<(String, String)>>,
) -> Page {
    let form = FormData(form);
    web.check_form(&form)?;
    let me = web.signed_in()?;
    let (code, waiting) = found(&web, me, source, &form).await?;
    let name = app_name(&web, &waiting).await?;
    let approve = form.get("answer") == Some("approve");
    let answer = if approve {
        DeviceAnswer::Approved {
            user: me.user.id,
            home_tenant: me.user.tenant,
            auth_time: me.session.created_at,
            session: Some(me.session.id_hash.clone()),
            mfa: me.session.mfa,
        }
    } else {
        DeviceAnswer::Declined
    };
    let now = web.state.now();
    let t = web.t;
    if !web.or_failure(device::answer(&web.state, &waiting, &code, answer, now).await)? {
        return Ok(web.page(
            StatusCode::CONFLICT,
            t.apps.device_title,
            code_form(&web, Some(t.apps.device_bad_code)),
        ));
    }
    tracing::info!(user = %me.user.id, approved = approve, "device sign-in answered");
    let words = if approve {
        t.apps.device_done
    } else {
        t.apps.device_declined
    };
    Ok(web.message(
        StatusCode::OK,
        t.apps.device_title,
        &words.replace("{app}", &name),
    ))
}
