//! Consent at sign-in: the page that lists the permissions an application asks for and has not
//! been granted, where the user accepts (an administrator may accept for the whole organization)
//! or cancels; and, when only an administrator may grant them, the page that says so. The answer
//! goes back through the authorization request, which then issues the code or tells the
//! application that consent was declined.

use axum::extract::{Form, Path};
use axum::http::StatusCode;
use axum::response::Response;
use gdap_domain::consent::{may_consent_for_organization, DelegatedPermission, OPENID};
use gdap_domain::directory::{Application, User};
use gdap_domain::ids::ClientId;
use gdap_domain::mail::Language;
use maud::{html, Markup};

use super::context::{safe_return, FormData, Page, Web};
use super::layout::csrf;
use super::session::onward_to_application;

fn words(web: &Web, p: &DelegatedPermission) -> &'static str {
    match web.lang {
        Language::Ja => p.ja,
        Language::En => p.en,
    }
}

fn list(web: &Web, scope: &str, missing: &[&'static DelegatedPermission]) -> Markup {
    let openid = OPENID
        .iter()
        .filter(|p| scope.split(' ').any(|s| s == p.name));
    html! {
        ul.permissions {
            @for p in openid.chain(missing.iter().copied()) {
                li { (words(web, p)) }
            }
        }
    }
}

/// The consent page for `application`, or the page saying an administrator must grant it.
pub fn ask(
    web: &Web,
    application: &Application,
    user: &User,
    scope: &str,
    missing: &[&'static DelegatedPermission],
) -> Response {
    let t = web.t.apps;
    let admin = may_consent_for_organization(&user.roles);
    let needs_admin = !admin && missing.iter().any(|p| p.admin_only);
    let back = web.path.clone();
    let title = if needs_admin {
        t.consent_admin_title
    } else {
        t.consent_title
    };
    let body = html! {
        h1 { (title) }
        p { strong { (application.display_name) } }
        @if needs_admin {
            p { (t.consent_admin_body.replace("{app}", &application.display_name)) }
            (list(web, scope, missing))
            form.actions method="post" action=(consent_action(&back)) {
                (csrf(web))
                input type="hidden" name="return" value=(back);
                button type="submit" name="answer" value="decline" { (t.consent_return) }
            }
        } @else {
            p { (t.consent_intro) }
            (list(web, scope, missing))
            form method="post" action=(consent_action(&back)) {
                (csrf(web))
                input type="hidden" name="return" value=(back);
                @if admin {
                    label.check for="organization" {
                        input id="organization" name="organization" type="checkbox" value="1";
                        " " (t.consent_org)
                    }
                }
                p.hint { (t.consent_caution) }
                div.actions {
                    button.primary type="submit" name="answer" value="accept" { (web.t.accept) }
                    button type="submit" name="answer" value="decline" { (t.cancel) }
                }
            }
        }
    };
    web.page(StatusCode::OK, title, body)
}

/// Where the consent form posts: the authorization endpoint of the request's tenant.
fn consent_action(back: &str) -> String {
    back.split('?').next().unwrap_or("/").to_owned()
}

/// `POST /{tenant}/oauth2/v2.0/authorize`: the answer of the consent page. Accepting grants the
/// missing permissions and goes back to the authorization request; cancelling goes back to it
/// saying so, and it tells the application.
pub async fn answer(
    web: Web,
    Path(segment): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Page {
    let form = FormData(form);
    web.check_form(&form)?;
    let me = web.signed_in()?;
    let back = safe_return(form.get("return").unwrap_or("/"));
    let prefix = format!("/{segment}/oauth2/v2.0/authorize?");
    if !back.starts_with(&prefix) {
        return Ok(web.redirect("/"));
    }
    if form.get("answer") != Some("accept") {
        return Ok(onward_to_application(
            &web,
            &format!("{back}&consent=declined"),
        ));
    }
    let query: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(&back.as_bytes()[prefix.len()..])
            .into_owned()
            .collect();
    let client = query.get("client_id").and_then(|c| ClientId::parse(c).ok());
    let application = match client {
        Some(c) => web.or_failure(web.state.store.application(c).await)?,
        None => None,
    };
    if let Some(application) = application {
        let scope = query.get("scope").map(String::as_str).unwrap_or_default();
        let org = form.get("organization") == Some("1");
        match gdap_app::consent::grant(&web.state, &application, &me.user, scope, org).await {
            Ok(()) => {
                tracing::info!(client = %application.client_id, organization = org, "consent granted")
            }
            Err(gdap_app::error::AppError::Forbidden(_)) => {
                return Ok(web.message(
                    StatusCode::FORBIDDEN,
                    web.t.apps.consent_title,
                    web.t.apps.consent_refused,
                ))
            }
            Err(e) => return Err(web.failure(&e)),
        }
    }
    Ok(onward_to_application(&web, &back))
}
