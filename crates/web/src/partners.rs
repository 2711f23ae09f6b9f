//! Settings › Partner relationships: one row per partner (types, roles, status, dates,
//! auto-extend; the newest end date first), an Expired filter, a detail page per partner, and
//! Remove roles with a confirmation.

use std::collections::HashMap;

use super::text::oem::{consent as oem_consent, text as oem_text};
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use gdap_domain::customer::{
    newest_end_first, partner_rows, Activity, ActivityKind, LinkType, PartnerFilter, PartnerLink,
    Refusal,
};
use gdap_domain::directory::Tenant;
use gdap_domain::enums::RelationshipStatus as S;
use gdap_domain::ids::TenantId;
use gdap_domain::relationship::Relationship;
use gdap_domain::ties::Carries;
use maud::{html, Markup};

use super::context::{FormData, Page, SignedIn, Web};
use super::layout::{self, csrf};
use super::text::{self, Text};
use gdap_app::customer::{self, Actor};

#[derive(serde::Deserialize)]
pub struct ListQuery {
    filter: Option<String>,
    removed: Option<String>,
}

/// The signed-in customer administrator who may see the page.
pub(crate) fn viewer(web: &Web) -> Result<(SignedIn, Actor), Response> {
    let me = web.signed_in()?.clone();
    let actor = web
        .actor()
        .filter(Actor::may_view_partners)
        .ok_or_else(|| {
            web.page(
                StatusCode::FORBIDDEN,
                web.t.permission_title,
                html! {
                    h1 { (web.t.permission_title) }
                    p.notice { (web.t.partners_permission_body) }
                },
            )
        })?;
    Ok((me, actor))
}

struct Data {
    rels: Vec<Relationship>,
    links: Vec<PartnerLink>,
    /// The invitations this customer declined.
    refusals: Vec<Refusal>,
}

impl Data {
    fn declined(&self) -> Vec<gdap_domain::ids::RelationshipId> {
        self.refusals.iter().map(|x| x.relationship).collect()
    }

    fn refusal(&self, r: &Relationship) -> Option<&Refusal> {
        self.refusals.iter().find(|x| x.relationship == r.id)
    }

    /// A relationship's status as the customer reads it: a declined invitation says so.
    fn status(&self, web: &Web, r: &Relationship) -> Markup {
        match self.refusal(r) {
            Some(_) if r.activated_at.is_none() => html! {
                span.status.ended data-status="declined" { (web.t.status_declined) }
            },
            _ => layout::status(web.lang, r.status),
        }
    }
}

async fn data(web: &Web, customer: TenantId) -> Result<Data, Response> {
    let store = &web.state.store;
    let rels = store
        .relationships_of_customer(customer)
        .await
        .map_err(|e| web.failure(&e))?;
    let links = store
        .partner_links(customer)
        .await
        .map_err(|e| web.failure(&e))?;
    let mut refusals = web.or_failure(store.refusals_of(customer, 1000).await)?;
    refusals.retain(|x| x.customer == customer);
    Ok(Data {
        rels,
        links,
        refusals,
    })
}

async fn partner_tenant(web: &Web, id: TenantId) -> Option<Tenant> {
    web.state.tenant(id).await.ok().flatten()
}

fn type_name(web: &Web, l: LinkType) -> &'static str {
    text::types::describe(web.lang, l).name
}

/// A partner's kinds with what each does and the roles it carries, as its detail page lists them.
fn kinds(web: &Web, kinds: &[LinkType]) -> Markup {
    html! {
        dl.kinds {
            @for k in kinds {
                @let about = text::types::describe(web.lang, *k);
                dt data-kind=(k.as_str()) { (about.name) }
                dd {
                    (about.description) " "
                    span.hint { (web.t.type_roles) ": "
                        @match k.carries() {
                            Carries::DapRoles => (dap_roles(web)),
                            Carries::AnyRole if *k == LinkType::Gdap => (web.t.gdap_roles_below),
                            _ => (about.roles),
                        }
                    }
                }
            }
        }
    }
}

/// The Autopilot consent a partner's tie gives it (by the partner portal, where every kind may
/// register).
fn autopilot_consent(link: Option<&PartnerLink>) -> Option<gdap_domain::autopilot::Consent> {
    link.and_then(|l| {
        gdap_domain::autopilot::consent(l, gdap_domain::autopilot::Channel::CsvUpload).ok()
    })
}

fn date_or_dash(web: &Web, d: Option<time::OffsetDateTime>) -> String {
    d.map_or_else(|| "—".to_owned(), |d| text::date(web.lang, d))
}

/// `GET /adminportal/settings/partners[?filter=expired]`.
pub async fn list(web: Web, Query(q): Query<ListQuery>) -> Page {
    let (me, _) = viewer(&web)?;
    let t = web.t;
    let filter = if q.filter.as_deref() == Some("expired") {
        PartnerFilter::Expired
    } else {
        PartnerFilter::Current
    };
    let d = data(&web, me.tenant.id).await?;
    let declined = d.declined();
    let rows = partner_rows(&d.rels, &d.links, filter, &declined);
    let mut named = Vec::with_capacity(rows.len());
    for row in rows {
        let name = partner_tenant(&web, row.partner)
            .await
            .map_or_else(|| row.partner.to_string(), |p| p.display_name);
        named.push((name, row));
    }
    named.sort_by_key(|(name, _)| name.to_lowercase());
    let progressing = named
        .iter()
        .any(|(_, r)| r.relationships.iter().any(|x| layout::in_progress(x)));
    let body = html! {
        h1 { (t.partner_relationships) }
        p { (t.partners_intro) " " (t.partners_newest_hint) }
        @if q.removed.is_some() {
            // Said as it is: ending while a relationship still ends, ended after.
            p.ok role="status" { (if progressing { t.roles_removed } else { t.roles_removed_done }) }
        }
        nav.filters aria-label=(t.status) {
            a href="/adminportal/settings/partners" aria-current=[(filter == PartnerFilter::Current).then_some("page")] { (t.filter_current) }
            a href="/adminportal/settings/partners?filter=expired" aria-current=[(filter == PartnerFilter::Expired).then_some("page")] { (t.filter_expired) }
        }
        @if progressing { p.progress role="status" { progress {} " " (t.activation_progress) } }
        @if named.is_empty() {
            p { (t.no_partners) }
        } @else {
            table.partners {
                thead { tr {
                    th scope="col" { (t.partner) }
                    th scope="col" { (t.types) }
                    th scope="col" { (t.roles) }
                    th scope="col" { (t.status) }
                    th scope="col" { (t.start_date) }
                    th scope="col" { (t.end_date) }
                    th scope="col" { (t.auto_extend) }
                    th scope="col" { (oem_text(web.lang).autopilot) }
                } }
                tbody {
                    @for (name, row) in &named {
                        tr data-partner=(row.partner.to_string()) {
                            th scope="row" {
                                a href=(format!("/adminportal/settings/partners/{}", row.partner)) { (name) }
                                @if row.relationships.len() > 1 {
                                    br; small { (row.relationships.len()) " " (t.more_relationships) }
                                }
                            }
                            td data-label=(t.types) { (text::list(web.lang, &row.types.iter().map(|k| type_name(&web, *k)).collect::<Vec<_>>())) }
                            @if let Some(lead) = row.lead() {
                                td data-label=(t.roles) {
                                    (layout::roles(web.lang, &lead.roles, false))
                                    // DAP beside GDAP: its Global Administrator is not hidden behind the relationship.
                                    @if row.link.is_some_and(|l| l.dap) { p.dap { (dap_roles(&web)) } }
                                }
                                td data-label=(t.status) { (d.status(&web, lead)) }
                                td data-label=(t.start_date) { (date_or_dash(&web, lead.activated_at)) }
                                td data-label=(t.end_date) { (date_or_dash(&web, lead.end_at.filter(|_| lead.activated_at.is_some()))) }
                                td data-label=(t.auto_extend) { (layout::auto_extend(&web, lead.auto_extend)) }
                            } @else {
                                td data-label=(t.roles) { @if row.link.is_some_and(|l| l.dap) { (dap_roles(&web)) } @else { "—" } }
                                td data-label=(t.status) { (layout::status(web.lang, S::Active)) }
                                td data-label=(t.start_date) { (date_or_dash(&web, row.link.map(|l| l.since))) }
                                td data-label=(t.end_date) { "—" }
                                td data-label=(t.auto_extend) { "—" }
                            }
                            td data-label=(oem_text(web.lang).autopilot) data-autopilot=(autopilot_consent(row.link).is_some()) {
                                @if autopilot_consent(row.link).is_some() { (oem_text(web.lang).autopilot_short) } @else { "—" }
                            }
                        }
                    }
                }
            }
        }
    };
    let body = html! {
        (body)
        p { a href="/adminportal/devices/autopilot" { (oem_text(web.lang).devices_link) " ›" } }
        (partner_types(&web))
    };
    Ok(web.page_with(
        StatusCode::OK,
        t.partner_relationships,
        body,
        progressing.then_some(3),
    ))
}

/// What each kind of partner does, as Microsoft describes them, folded away below the list.
fn partner_types(web: &Web) -> Markup {
    html! {
        details.types {
            summary { (web.t.partner_types_title) }
            dl {
                @for k in text::types::partner_types(web.lang) {
                    dt id=(format!("kind-{}", k.kind.as_str())) { (k.name) }
                    dd { (k.description) " " span.hint { (web.t.type_roles) ": " (k.roles) } }
                }
            }
        }
    }
}

fn activity_text(t: &Text, k: ActivityKind) -> &'static str {
    match k {
        ActivityKind::AgreementAccepted => t.act_agreement,
        ActivityKind::InvitationApproved => t.act_approved,
        ActivityKind::RolesRemoved => t.act_removed,
        ActivityKind::InvitationDeclined => t.act_declined,
        ActivityKind::ResellerAccepted => t.act_reseller,
    }
}

/// Your organization's actions with this partner, each with who by name.
fn activity_list(web: &Web, entries: &[Activity], actors: &HashMap<String, String>) -> Markup {
    let t = web.t;
    html! {
        h2 { (t.activity) }
        @if entries.is_empty() {
            p { (t.no_activity) }
        } @else {
            ul.activity {
                @for a in entries {
                    li { (text::datetime(web.lang, a.at)) " — " (activity_text(t, a.kind)) " — " (actors.get(&a.actor_upn).map_or(a.actor_upn.as_str(), String::as_str)) }
                }
            }
        }
    }
}

/// The roles DAP gives, Global Administrator marked as the most privileged.
fn dap_roles(web: &Web) -> Markup {
    html! { (web.t.dap_roles) " " mark.privileged { (web.t.most_privileged) } }
}

/// Whether "Remove roles" has anything to remove.
fn removable(rels: &[&Relationship], link: Option<&PartnerLink>) -> bool {
    rels.iter().any(|r| r.status == S::Active) || link.is_some_and(|l| l.dap)
}

/// `GET /adminportal/settings/partners/{partner}`.
pub async fn detail(web: Web, Path(partner): Path<String>, Query(q): Query<ListQuery>) -> Page {
    let (me, actor) = viewer(&web)?;
    let t = web.t;
    let Ok(partner) = TenantId::parse(&partner) else {
        return Ok(web.message(StatusCode::NOT_FOUND, t.not_found_title, t.no_partners));
    };
    let d = data(&web, me.tenant.id).await?;
    let mut rels: Vec<&Relationship> = d
        .rels
        .iter()
        .filter(|r| r.partner == partner && r.locked_at.is_some() && r.status != S::Created)
        .collect();
    rels.sort_by(|a, b| newest_end_first(a, b));
    let link = d.links.iter().find(|l| l.partner == partner);
    if rels.is_empty() && link.is_none() {
        return Ok(web.message(StatusCode::NOT_FOUND, t.not_found_title, t.no_partners));
    }
    let p = partner_tenant(&web, partner).await;
    let name = p
        .as_ref()
        .map_or_else(|| partner.to_string(), |p| p.display_name.clone());
    let entries = web.or_failure(
        web.state
            .store
            .activity_of(me.tenant.id, Some(partner), 50)
            .await,
    )?;
    let audit = web.or_failure(
        web.state
            .store
            .audit_of(me.tenant.id, Some(partner), 0, 10)
            .await,
    )?;
    let audit = super::auditlog::lines(&web, audit).await;
    let upns: Vec<&str> = entries.iter().map(|e| e.actor_upn.as_str()).collect();
    let actors = super::auditlog::names(&web, &upns).await;
    let progressing = rels.iter().any(|r| layout::in_progress(r));
    let mut types = link.map(PartnerLink::types).unwrap_or_default();
    if !rels.is_empty() {
        types.push(LinkType::Gdap);
        types.sort();
    }
    let body = html! {
        p { a href="/adminportal/settings/partners" { "‹ " (t.partner_relationships) } }
        h1 { (name) }
        @if let Some(p) = &p { p { (p.domain) } }
        @if q.removed.is_some() {
            // Said as it is: ending while a relationship still ends, ended after.
            p.ok role="status" { (if progressing { t.roles_removed } else { t.roles_removed_done }) }
        }
        @if progressing { p.progress role="status" { progress {} " " (t.activation_progress) } }
        @if !types.is_empty() {
            h2 { (t.types) }
            (kinds(&web, &types))
        }
        @if let Some(l) = link {
            section.autopilot {
                h2 { (oem_text(web.lang).autopilot) }
                @match autopilot_consent(Some(l)) {
                    Some(c) => p data-autopilot="true" { (oem_consent(web.lang, c)) },
                    None => p data-autopilot="false" { (oem_text(web.lang).autopilot_none) },
                }
                @if l.other_types.contains(&LinkType::Oem) { p.notice { (oem_text(web.lang).oem_ask) } }
                p { a href="/adminportal/devices/autopilot" { (oem_text(web.lang).devices_link) " ›" } }
            }
        }
        @for r in &rels {
            section.relationship data-relationship=(r.id.to_string()) {
                h2 { (r.display_name) }
                dl.summary {
                    dt { (t.status) } dd { (d.status(&web, r)) }
                    @if let Some(x) = d.refusal(r) {
                        dt { (t.declined_by) } dd { (x.by_upn) " — " (text::datetime(web.lang, x.at)) }
                    }
                    dt { (t.roles) } dd { (layout::roles(web.lang, &r.roles, false)) }
                    dt { (t.start_date) } dd { (date_or_dash(&web, r.activated_at)) }
                    dt { (t.end_date) } dd { (date_or_dash(&web, r.end_at.filter(|_| r.activated_at.is_some()))) }
                    dt { (t.duration) } dd { (layout::duration(&web, r)) }
                    dt { (t.auto_extend) } dd { (layout::auto_extend(&web, r.auto_extend)) }
                }
                // An invitation still waiting (one left after Remove roles, say) can be reviewed or declined here.
                @if r.status == S::ApprovalPending && d.refusal(r).is_none() && actor.is_approver() {
                    @let href = format!("/adminportal/partners/invitation/granularAdminRelationships/{}", r.id);
                    p.actions {
                        a.button.primary href=(href) { (t.review_invitation) }
                        " "
                        a.button.cancel href=(format!("{href}?step=decline")) { (t.cancel) }
                    }
                }
            }
        }
        @if actor.is_approver() && removable(&rels, link) {
            p.actions { a.button.danger href=(format!("/adminportal/settings/partners/{partner}/removeRoles")) data-dialog="remove-roles" { (t.remove_roles) } }
            // Where the browser has <dialog> (and gdap.js runs), the same question in a dialog.
            dialog #remove-roles aria-labelledby="dialog-title" {
                h2 #dialog-title { (t.remove_roles_question) }
                p.partner-name { (name) }
                p { (t.remove_roles_body) }
                form method="post" action=(format!("/adminportal/settings/partners/{partner}/removeRoles")) {
                    (csrf(&web))
                    p.actions {
                        button.danger type="submit" { (t.yes) }
                        " "
                        button type="submit" formmethod="dialog" formnovalidate { (t.no) }
                    }
                }
            }
        }
        (activity_list(&web, &entries, &actors))
        h2 { (t.partner_actions) }
        @if audit.is_empty() {
            p { (t.no_activity) }
        } @else {
            (super::auditlog::table(&web, &audit))
        }
        p { a href=(format!("/adminportal/settings/partners/{partner}/audit")) { (text::audit::text(web.lang).view_all) " ›" } }
    };
    Ok(web.page_with(StatusCode::OK, &name, body, progressing.then_some(3)))
}

/// `GET …/{partner}/removeRoles`: "Remove roles?" with Yes and No.
pub async fn confirm_remove(web: Web, Path(partner): Path<String>) -> Page {
    let (me, actor) = viewer(&web)?;
    let t = web.t;
    if !actor.is_approver() {
        return Ok(web.message(
            StatusCode::FORBIDDEN,
            t.permission_title,
            t.remove_permission_body,
        ));
    }
    let Ok(partner) = TenantId::parse(&partner) else {
        return Ok(web.message(StatusCode::NOT_FOUND, t.not_found_title, t.no_partners));
    };
    let name = partner_tenant(&web, partner)
        .await
        .map_or_else(|| partner.to_string(), |p| p.display_name);
    let _ = me;
    let back = format!("/adminportal/settings/partners/{partner}");
    Ok(web.page(
        StatusCode::OK,
        t.remove_roles_question,
        html! {
            div role="alertdialog" aria-labelledby="confirm-title" aria-describedby="confirm-body" {
                h1 id="confirm-title" { (t.remove_roles_question) }
                p.partner-name { (name) }
                p id="confirm-body" { (t.remove_roles_body) }
                form method="post" action=(format!("{back}/removeRoles")) {
                    (csrf(&web))
                    p.actions {
                        button.danger type="submit" { (t.yes) }
                        " "
                        a.button href=(back) { (t.no) }
                    }
                }
            }
        },
    ))
}

/// `POST …/{partner}/removeRoles`: Yes. Ends the partner's GDAP relationships and DAP; the
/// reseller relationship stays; both sides are told and the action recorded.
pub async fn remove(
    web: Web,
    Path(partner): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Page {
    let form = FormData(form);
    web.check_form(&form)?;
    let (_, actor) = viewer(&web)?;
    let t = web.t;
    let Ok(partner) = TenantId::parse(&partner) else {
        return Ok(web.message(StatusCode::NOT_FOUND, t.not_found_title, t.no_partners));
    };
    match customer::remove_partner_roles(&web.state, &actor, partner, &web.origin)
        .await
        .map_err(gdap_http::error::ApiError::from)
    {
        Ok(_) => Ok(web.redirect(&format!(
            "/adminportal/settings/partners/{partner}?removed=1"
        ))),
        Err(gdap_http::error::ApiError::Forbidden(_)) => Ok(web.message(
            StatusCode::FORBIDDEN,
            t.permission_title,
            t.remove_permission_body,
        )),
        Err(gdap_http::error::ApiError::NotFound(_)) => {
            Ok(web.message(StatusCode::NOT_FOUND, t.not_found_title, t.no_partners))
        }
        Err(e) => Ok(web.failure(&e)),
    }
}
