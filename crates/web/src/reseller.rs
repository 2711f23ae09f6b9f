//! The page a reseller relationship link opens, at the path Partner Center's links name
//! (`/Adminportal/Home?invType=ResellerRelationship&partnerId=…&msppId=…&DAP=…`, and an indirect
//! reseller's `invType=IndirectResellerRelationship&…&indirectCSPId=…`): "Accept
//! agreement & authorize partner" — the partner, the roles DAP would grant when it is asked and
//! granted, the agreement, a Yes check box and Accept. Authorization is instantaneous. A user
//! without Global Administrator is told so.

use axum::extract::{Form, Query};
use axum::http::StatusCode;
use gdap_app::customer::Actor;
use gdap_app::error::AppError;
use gdap_app::reseller::{self, ResellerOffer};
use gdap_domain::ids::{RoleDefinitionId, TenantId};
use gdap_domain::roles::{GLOBAL_ADMINISTRATOR, HELPDESK_ADMINISTRATOR};
use maud::html;

use super::context::{FormData, Page, Web};
use super::layout::{self, csrf};
use super::text::reseller::text;

/// The link's query.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkQuery {
    inv_type: Option<String>,
    partner_id: Option<String>,
    #[serde(rename = "DAP")]
    dap: Option<String>,
    #[serde(rename = "indirectCSPId")]
    indirect_csp_id: Option<String>,
}

/// What a link names: the partner inviting, whether it asks for DAP, and for an indirect
/// reseller's link (`invType=IndirectResellerRelationship`) the indirect provider.
#[derive(Debug, Clone, Copy)]
struct Link {
    partner: TenantId,
    dap: bool,
    provider: Option<TenantId>,
}

pub(crate) fn invalid(web: &Web) -> axum::response::Response {
    let r = text(web.lang);
    web.message(StatusCode::NOT_FOUND, r.invalid_title, r.invalid_body)
}

/// What the link names; `None` for a link that is not a reseller link.
fn read_link(
    invitation: Option<&str>,
    partner: Option<&str>,
    dap: Option<&str>,
    provider: Option<&str>,
) -> Option<Link> {
    let invitation = invitation?;
    let provider = if invitation.eq_ignore_ascii_case("IndirectResellerRelationship") {
        Some(TenantId::parse(provider?).ok()?)
    } else if invitation.eq_ignore_ascii_case("ResellerRelationship") {
        None
    } else {
        return None;
    };
    Some(Link {
        partner: TenantId::parse(partner?).ok()?,
        dap: dap.is_some_and(|d| d.eq_ignore_ascii_case("true")),
        provider,
    })
}

/// The OEM an OEM's invitation link (`invType=OemRelationship&partnerId=…`) names.
fn oem_link(invitation: Option<&str>, partner: Option<&str>) -> Option<TenantId> {
    invitation
        .filter(|i| i.eq_ignore_ascii_case("OemRelationship"))
        .and(partner)
        .and_then(|p| TenantId::parse(p).ok())
}

/// The signed-in customer's actor, or the page that says why not.
fn global_admin(web: &Web) -> Result<Actor, axum::response::Response> {
    global_admin_or(web, text(web.lang).permission_body)
}

/// The signed-in customer's Global Administrator, or the permission page saying `why` (an
/// invitation's own words for it).
pub(crate) fn global_admin_or(web: &Web, why: &str) -> Result<Actor, axum::response::Response> {
    web.signed_in()?;
    let actor = web.actor().ok_or_else(|| invalid(web))?;
    if reseller::require_global_admin(&actor).is_err() {
        let t = web.t;
        return Err(web.page(
            StatusCode::FORBIDDEN,
            t.permission_title,
            html! {
                h1 { (t.permission_title) }
                p.notice { (why) }
                (layout::another_account(web))
            },
        ));
    }
    Ok(actor)
}

fn offer_page(
    web: &Web,
    offer: &ResellerOffer,
    link: Link,
    error: Option<&str>,
) -> axum::response::Response {
    let r = text(web.lang);
    let name = format!("{} ({})", offer.partner.display_name, offer.partner.domain);
    let dap_roles: Vec<RoleDefinitionId> = [GLOBAL_ADMINISTRATOR, HELPDESK_ADMINISTRATOR]
        .iter()
        .filter_map(|r| RoleDefinitionId::parse(r).ok())
        .collect();
    web.page(
        if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK },
        r.title,
        html! {
            h1 { (r.title) }
            p.partner-name { strong { (name) } }
            @if let Some((provider, _)) = &offer.provider {
                p.partner-name { strong { (provider.display_name) " (" (provider.domain) ")" } }
                p { (r.intro_indirect.replace("{partner}", &offer.partner.display_name).replace("{provider}", &provider.display_name)) }
            } @else {
                @let already_reseller = offer.link.as_ref().is_some_and(|l| l.reseller);
                p { (if already_reseller { r.reseller_already } else { r.intro }.replace("{partner}", &offer.partner.display_name)) }
            }
            @if offer.grants_dap {
                p.notice { (r.dap_intro) }
                (layout::roles(web.lang, &dap_roles, true))
            }
            @if offer.dap_not_granted { p.hint { (r.dap_not_granted) } }
            p {
                (r.agreement) " "
                a href="https://www.microsoft.com/licensing/docs/customeragreement" rel="noopener noreferrer" { (web.t.agreement_name) }
            }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            form method="post" action="/adminportal/home" {
                (csrf(web))
                input type="hidden" name="invType" value=(if link.provider.is_some() { "IndirectResellerRelationship" } else { "ResellerRelationship" });
                input type="hidden" name="partnerId" value=(link.partner.to_string());
                @if let Some(p) = link.provider { input type="hidden" name="indirectCSPId" value=(p.to_string()); }
                input type="hidden" name="DAP" value=(if link.dap { "true" } else { "false" });
                p {
                    input id="yes" type="checkbox" name="yes" value="yes";
                    " " label for="yes" { (r.yes) }
                }
                p.actions { button.primary type="submit" { (r.accept) } }
            }
        },
    )
}

fn already_page(web: &Web) -> axum::response::Response {
    let r = text(web.lang);
    web.page(
        StatusCode::CONFLICT,
        r.already_title,
        html! {
            h1 { (r.already_title) }
            p.notice { (r.already_body) }
            p { a.button href="/adminportal/settings/partners" { (web.t.partner_relationships) } }
        },
    )
}

/// `GET /adminportal/home?invType=ResellerRelationship&partnerId=…&DAP=…` (or
/// `invType=IndirectResellerRelationship` with `indirectCSPId`).
pub async fn page(web: Web, Query(q): Query<LinkQuery>) -> Page {
    if let Some(oem) = oem_link(q.inv_type.as_deref(), q.partner_id.as_deref()) {
        return super::oem::page(&web, oem).await;
    }
    let Some(link) = read_link(
        q.inv_type.as_deref(),
        q.partner_id.as_deref(),
        q.dap.as_deref(),
        q.indirect_csp_id.as_deref(),
    ) else {
        return Ok(invalid(&web));
    };
    let actor = global_admin(&web)?;
    let offer =
        match reseller::offer(&web.state, &actor, link.partner, link.dap, link.provider).await {
            Ok(o) => o,
            Err(AppError::NotFound(_)) => return Ok(invalid(&web)),
            Err(e) => return Err(web.failure(&e)),
        };
    if offer.already {
        return Ok(already_page(&web));
    }
    Ok(offer_page(&web, &offer, link, None))
}

/// `POST /adminportal/home`: Yes ticked and Accept.
pub async fn accept(web: Web, Form(form): Form<Vec<(String, String)>>) -> Page {
    let form = FormData(form);
    web.check_form(&form)?;
    if let Some(oem) = oem_link(form.get("invType"), form.get("partnerId")) {
        return super::oem::accept(&web, &form, oem).await;
    }
    let Some(link) = read_link(
        form.get("invType"),
        form.get("partnerId"),
        form.get("DAP"),
        form.get("indirectCSPId"),
    ) else {
        return Ok(invalid(&web));
    };
    let actor = global_admin(&web)?;
    let r = text(web.lang);
    let offer =
        match reseller::offer(&web.state, &actor, link.partner, link.dap, link.provider).await {
            Ok(o) => o,
            Err(AppError::NotFound(_)) => return Ok(invalid(&web)),
            Err(e) => return Err(web.failure(&e)),
        };
    if form.get("yes") != Some("yes") {
        return Ok(offer_page(&web, &offer, link, Some(r.yes_required)));
    }
    match reseller::accept(&web.state, &actor, &offer).await {
        Ok(_) => Ok(web.page(
            StatusCode::OK,
            r.done_title,
            html! {
                div.done role="status" {
                    h1 { (r.done_title) }
                    @if let Some((provider, _)) = &offer.provider {
                        p { (r.done_body_indirect.replace("{partner}", &offer.partner.display_name).replace("{provider}", &provider.display_name)) }
                    } @else {
                        p { (r.done_body.replace("{partner}", &offer.partner.display_name)) }
                    }
                }
                p.actions { a.button.primary href=(format!("/adminportal/settings/partners/{}", link.partner)) { (web.t.close) } }
            },
        )),
        Err(AppError::Conflict(_)) => Ok(already_page(&web)),
        Err(e) => Err(web.failure(&e)),
    }
}
