//! The customer's Autopilot pages: the page an OEM's invitation link opens ("Accept partner
//! invitation": Yes, then Accept; a user without Global Administrator is told so), and the
//! tenant's Windows Autopilot devices with who registered each.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use gdap_app::autopilot::{customer, oem};
use gdap_app::customer::Actor;
use gdap_app::error::AppError;
use gdap_domain::ids::TenantId;
use maud::html;

use super::context::{FormData, Page, Web};
use super::layout::csrf;
use super::text::oem::text;

/// Devices on one page of the devices view.
const PAGE: u32 = 100;

fn global_admin(web: &Web) -> Result<Actor, Response> {
    super::reseller::global_admin_or(web, text(web.lang).permission_body)
}

fn offer_page(web: &Web, offer: &oem::OemOffer, error: Option<&str>) -> Response {
    let o = text(web.lang);
    let name = &offer.oem.display_name;
    web.page(
        if error.is_some() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        },
        o.title,
        html! {
            h1 { (o.title) }
            p.partner-name { strong { (name) " (" (offer.oem.domain) ")" } }
            p { (o.intro.replace("{oem}", name)) }
            p.notice { (o.no_admin_permissions) }
            p.hint { (o.not_removable.replace("{oem}", name)) }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            form method="post" action="/adminportal/home" {
                (csrf(web))
                input type="hidden" name="invType" value="OemRelationship";
                input type="hidden" name="partnerId" value=(offer.oem.id.to_string());
                p {
                    input id="yes" type="checkbox" name="yes" value="yes";
                    " " label for="yes" { (o.yes.replace("{oem}", name)) }
                }
                p.actions { button.primary type="submit" { (o.accept) } }
            }
        },
    )
}

fn already_page(web: &Web) -> Response {
    let o = text(web.lang);
    web.page(
        StatusCode::CONFLICT,
        o.already_title,
        html! {
            h1 { (o.already_title) }
            p.notice { (o.already_body) }
            p { a.button href="/adminportal/settings/partners" { (web.t.partner_relationships) } }
        },
    )
}

async fn read_offer(
    web: &Web,
    actor: &Actor,
    partner: TenantId,
) -> Result<oem::OemOffer, Response> {
    match oem::offer(&web.state, actor, partner).await {
        Ok(o) => Ok(o),
        Err(AppError::NotFound(_)) => Err(super::reseller::invalid(web)),
        Err(e) => Err(web.failure(&e)),
    }
}

/// `GET /adminportal/home?invType=OemRelationship&partnerId=…`.
pub async fn page(web: &Web, partner: TenantId) -> Page {
    let actor = global_admin(web)?;
    let offer = read_offer(web, &actor, partner).await?;
    if offer.already {
        return Ok(already_page(web));
    }
    Ok(offer_page(web, &offer, None))
}

/// `POST /adminportal/home` for an OEM's invitation: Yes ticked and Accept.
pub async fn accept(web: &Web, form: &FormData, partner: TenantId) -> Page {
    let actor = global_admin(web)?;
    let o = text(web.lang);
    let offer = read_offer(web, &actor, partner).await?;
    if offer.already {
        return Ok(already_page(web));
    }
    if form.get("yes") != Some("yes") {
        return Ok(offer_page(web, &offer, Some(o.yes_required)));
    }
    match oem::accept(&web.state, &actor, &offer).await {
        Ok(_) => Ok(web.page(
            StatusCode::OK,
            o.done_title,
            html! {
                div.done role="status" {
                    h1 { (o.done_title) }
                    p { (o.done_body.replace("{oem}", &offer.oem.display_name)) }
                }
                p.actions { a.button.primary href=(format!("/adminportal/settings/partners/{}", offer.oem.id)) { (web.t.close) } }
            },
        )),
        Err(AppError::Conflict(_)) => Ok(already_page(web)),
        Err(e) => Err(web.failure(&e)),
    }
}

/// The page of the devices view after a device id.
#[derive(serde::Deserialize)]
pub struct DevicesPage {
    after: Option<String>,
}

/// `GET /adminportal/devices/autopilot`: the tenant's Windows Autopilot devices, its own and
/// its partners', with who registered each.
pub async fn devices(web: Web, Query(q): Query<DevicesPage>) -> Page {
    let (me, _) = super::partners::viewer(&web)?;
    let o = text(web.lang);
    let after = q
        .after
        .as_deref()
        .and_then(|a| a.parse::<uuid::Uuid>().ok());
    let mut list =
        web.or_failure(customer::devices_of(&web.state, me.tenant.id, after, PAGE + 1).await)?;
    let next = (list.len() > PAGE as usize)
        .then(|| {
            list.truncate(PAGE as usize);
            list.last().map(|d| d.id)
        })
        .flatten();
    let names = web.or_failure(
        web.state
            .tenant_names(list.iter().filter_map(|d| d.added_by).collect())
            .await,
    )?;
    let by = |p: Option<TenantId>| match p {
        None => o.this_organization.to_owned(),
        Some(p) => names.get(&p).cloned().unwrap_or_else(|| p.to_string()),
    };
    let body = html! {
        p { a href="/adminportal/settings/partners" { "‹ " (web.t.partner_relationships) } }
        h1 { (o.devices_title) }
        p { (o.devices_intro) }
        @if list.is_empty() {
            p { (o.devices_none) }
        } @else {
            table.partners {
                thead { tr {
                    th scope="col" { (o.serial) }
                    th scope="col" { (o.product_id) }
                    th scope="col" { (o.model) }
                    th scope="col" { (o.registered_by) }
                    th scope="col" { (o.registered) }
                } }
                tbody {
                    @for d in &list {
                        tr data-device=(d.id.to_string()) data-added-by=(d.added_by.map(|t| t.to_string()).unwrap_or_default()) {
                            th scope="row" { (d.serial_number.as_deref().unwrap_or("—")) }
                            td data-label=(o.product_id) { (d.product_key.as_deref().unwrap_or("—")) }
                            td data-label=(o.model) { (d.manufacturer.as_deref().unwrap_or("—")) " / " (d.model.as_deref().unwrap_or("—")) }
                            td data-label=(o.registered_by) { (by(d.added_by)) }
                            td data-label=(o.registered) { (super::text::date(web.lang, d.uploaded_at)) }
                        }
                    }
                }
            }
        }
        @if let Some(after) = next {
            p { a rel="next" href=(format!("/adminportal/devices/autopilot?after={after}")) { (o.next_page) } }
        }
    };
    Ok(web.page(StatusCode::OK, o.devices_title, body))
}
