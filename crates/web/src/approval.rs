//! The approval pages of an invitation link, in the order of the provider manual: the permissions
//! notice → Next; the Microsoft Customer Agreement (only until the tenant accepted it) → Accept;
//! the roles → Next; Approve; "Partner relationship accepted" → Close.

use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use gdap_domain::customer::{
    invitation_state, InvitationState, Refusal, CUSTOMER_AGREEMENT_VERSION,
};
use gdap_domain::ids::RelationshipId;
use gdap_domain::relationship::Relationship;
use maud::{html, Markup};

use super::context::{FormData, Page, SignedIn, Web};
use super::layout::{self, csrf};
use super::text;
use gdap_http::dto;
use gdap_http::error::ApiError;
use gdap_http::extract::IfMatch;

/// The steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Notice,
    Agreement,
    Roles,
    Review,
    Accepted,
    Decline,
    Declined,
}

impl Step {
    fn parse(s: Option<&str>) -> Self {
        match s {
            Some("agreement") => Self::Agreement,
            Some("roles") => Self::Roles,
            Some("review") => Self::Review,
            Some("accepted") => Self::Accepted,
            Some("decline") => Self::Decline,
            Some("declined") => Self::Declined,
            _ => Self::Notice,
        }
    }
}

#[derive(serde::Deserialize)]
pub struct StepQuery {
    step: Option<String>,
    changed: Option<String>,
}

/// The link of an invitation (as in the e-mail), optionally at a step.
fn link(id: &str, step: Option<&str>) -> String {
    let base = format!("/adminportal/partners/invitation/granularAdminRelationships/{id}");
    match step {
        Some(s) => format!("{base}?step={s}"),
        None => base,
    }
}

/// The invitation (a relationship sent for approval) with its refusal, if it was declined.
async fn load(web: &Web, raw: &str) -> Result<Option<(Relationship, Option<Refusal>)>, Response> {
    let Ok(id) = RelationshipId::parse(raw) else {
        return Ok(None);
    };
    let store = &web.state.store;
    let rel = web.or_failure(store.relationship_by_id(id).await)?;
    let Some(rel) = rel.filter(|r| r.locked_at.is_some()) else {
        return Ok(None);
    };
    let refusal = web.or_failure(store.refusal(id).await)?;
    Ok(Some((rel, refusal)))
}

async fn agreed(web: &Web, me: &SignedIn) -> Result<bool, Response> {
    gdap_app::agreements::customer_agreement_in_place(&web.state, me.tenant.id)
        .await
        .map_err(|e| web.failure(&e))
}

fn button_link(href: &str, label: &str) -> Markup {
    html! { a.button.primary href=(href) { (label) } }
}

/// Cancel: the way to decline instead of approving, beside each step's button.
fn cancel_link(web: &Web, id: &str) -> Markup {
    html! { " " a.button.cancel href=(link(id, Some("decline"))) { (web.t.cancel) } }
}

async fn summary(web: &Web, rel: &Relationship) -> Markup {
    let t = web.t;
    let partner = web.state.tenant(rel.partner).await.ok().flatten();
    let until = rel.invitation_expires_at(&web.state.config.timings);
    html! {
        dl.summary {
            dt { (t.partner) }
            dd.partner-name {
                @match &partner {
                    Some(p) => { (p.display_name) " (" (p.domain) ")" },
                    None => { (rel.partner.to_string()) },
                }
            }
            dt { (t.relationship_name) }
            dd { (rel.display_name) }
            dt { (t.roles) }
            dd { (layout::roles(web.lang, &rel.roles, false)) }
            dt { (t.duration) }
            dd { (layout::duration(web, rel)) }
            dt { (t.auto_extend) }
            dd { (layout::auto_extend(web, rel.auto_extend)) }
            @if let Some(u) = until {
                dt { (t.link_valid_until) }
                dd { (text::datetime(web.lang, u)) }
            }
        }
    }
}

/// The steps, always the same four: the agreement step of a tenant that accepted it already is
/// shown as done rather than left out, so that the list never changes length on the way.
fn steps_nav(web: &Web, current: Step, agreed: bool) -> Markup {
    let t = web.t;
    let names = [
        (Step::Notice, t.invitation_title),
        (Step::Agreement, t.agreement_title),
        (Step::Roles, t.roles_title),
        (Step::Review, t.review_title),
    ];
    html! {
        ol.steps {
            @for (s, n) in names {
                li aria-current=[(s == current).then_some("step")] {
                    (n)
                    @if s == Step::Agreement && agreed && current != Step::Agreement {
                        " " span.hint { "(" (t.agreement_done) ")" }
                    }
                }
            }
        }
    }
}

/// `GET …/granularAdminRelationships/{id}[?step=…]`.
pub async fn page(web: Web, Path(id): Path<String>, Query(q): Query<StepQuery>) -> Page {
    let me = web.signed_in()?.clone();
    let t = web.t;
    let Some((rel, refusal)) = load(&web, &id).await? else {
        return Err(web.message(StatusCode::NOT_FOUND, t.not_found_title, t.not_found_body));
    };
    let step = Step::parse(q.step.as_deref());
    let now = web.state.now();
    let timings = &web.state.config.timings;
    Ok(match invitation_state(&rel, me.tenant.id, now, timings, refusal.as_ref()) {
        InvitationState::Foreign => web.page(
            StatusCode::FORBIDDEN,
            t.foreign_title,
            html! {
                h1 { (t.foreign_title) }
                p.notice { (t.foreign_body) }
                p { (t.signed_in_as) ": " (me.user.user_principal_name) " (" (me.tenant.display_name) ")" }
                (layout::another_account(&web))
            },
        ),
        InvitationState::Declined(_) => declined_page(&web, &rel, refusal.as_ref(), step),
        InvitationState::Expired(at) => web.page(
            StatusCode::GONE,
            t.expired_title,
            html! {
                h1 { (t.expired_title) }
                p.notice { (t.expired_body) }
                p { (t.link_valid_until) ": " (text::datetime(web.lang, at)) }
            },
        ),
        InvitationState::Withdrawn => {
            web.message(StatusCode::GONE, t.withdrawn_title, t.withdrawn_body)
        }
        // Back after approving lands on the review step again: it shows the accepted state.
        InvitationState::AlreadyAccepted if matches!(step, Step::Accepted | Step::Review) => {
            accepted_page(&web, &rel)
        }
        InvitationState::AlreadyAccepted => web.page(
            StatusCode::CONFLICT,
            t.reused_title,
            html! {
                h1 { (t.reused_title) }
                p.notice { (t.reused_body) }
                p { a.button href="/adminportal/settings/partners" { (t.partner_relationships) } }
            },
        ),
        InvitationState::Open => {
            let actor = web.actor();
            if !actor.is_some_and(|a| a.is_approver()) {
                return Err(web.page(
                    StatusCode::FORBIDDEN,
                    t.permission_title,
                    html! {
                        h1 { (t.permission_title) }
                        p.notice { (t.permission_body) }
                        p { (t.signed_in_as) ": " (me.user.user_principal_name) }
                        (layout::another_account(&web))
                    },
                ));
            }
            let agreed = agreed(&web, &me).await?;
            open_step(&web, &rel, step, agreed, q.changed.is_some(), None).await
        }
    })
}

async fn open_step(
    web: &Web,
    rel: &Relationship,
    step: Step,
    agreed: bool,
    changed: bool,
    error: Option<&str>,
) -> Response {
    let t = web.t;
    let id = rel.id.to_string();
    let after_notice = if agreed { "roles" } else { "agreement" };
    let (title, body) = match step {
        Step::Notice | Step::Accepted | Step::Declined => (
            t.invitation_title,
            html! {
                h1 { (t.invitation_title) }
                @if changed { p.error role="alert" { (t.changed_meanwhile) } }
                p { (t.invitation_intro) }
                (summary(web, rel).await)
                p.notice { (t.invitation_caution) }
                p.actions { (button_link(&link(&id, Some(after_notice)), t.next)) (cancel_link(web, &id)) }
            },
        ),
        Step::Decline => (
            t.decline_question,
            html! {
                div role="alertdialog" aria-labelledby="confirm-title" aria-describedby="confirm-body" {
                    h1 id="confirm-title" { (t.decline_question) }
                    (summary(web, rel).await)
                    p id="confirm-body" { (t.decline_body) }
                    form method="post" action=(format!("{}/decline", link(&id, None))) {
                        (csrf(web))
                        p.actions {
                            button.danger type="submit" { (t.decline_yes) }
                            " "
                            a.button href=(link(&id, None)) { (t.back) }
                        }
                    }
                }
            },
        ),
        Step::Agreement if agreed => return web.redirect(&link(&id, Some("roles"))),
        Step::Agreement => (
            t.agreement_title,
            html! {
                h1 { (t.agreement_title) }
                p { (t.agreement_intro) }
                div.agreement tabindex="0" {
                    p { (t.agreement_name) " (" (CUSTOMER_AGREEMENT_VERSION) ")" }
                    p { a href="https://www.microsoft.com/licensing/docs/customeragreement" rel="noopener noreferrer" { "https://www.microsoft.com/licensing/docs/customeragreement" } }
                }
                @if let Some(e) = error { p.error role="alert" { (e) } }
                form method="post" action=(format!("{}/agreement", link(&id, None))) {
                    (csrf(web))
                    p {
                        input id="agree" type="checkbox" name="agree" value="yes";
                        " "
                        label for="agree" { (t.agreement_check) }
                    }
                    p.actions { button.primary type="submit" { (t.accept) } (cancel_link(web, &id)) }
                }
            },
        ),
        Step::Roles => (
            t.roles_title,
            html! {
                h1 { (t.roles_title) }
                p { (t.roles_intro) }
                (layout::roles(web.lang, &rel.roles, true))
                p.actions { (button_link(&link(&id, Some("review")), t.next)) (cancel_link(web, &id)) }
            },
        ),
        Step::Review if !agreed => return web.redirect(&link(&id, Some("agreement"))),
        Step::Review => (
            t.review_title,
            html! {
                h1 { (t.review_title) }
                p { (t.review_intro) }
                (summary(web, rel).await)
                form method="post" action=(format!("{}/approve", link(&id, None))) {
                    (csrf(web))
                    input type="hidden" name="etag" value=(dto::relationship_etag(rel));
                    p.actions { button.primary type="submit" { (t.approve) } (cancel_link(web, &id)) }
                }
            },
        ),
    };
    let body = html! {
        @if step != Step::Decline { (steps_nav(web, step, agreed)) }
        (body)
    };
    web.page(
        if error.is_some() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        },
        title,
        body,
    )
}

fn accepted_page(web: &Web, rel: &Relationship) -> Response {
    let t = web.t;
    web.page(
        StatusCode::OK,
        t.accepted_title,
        html! {
            div.done role="status" {
                h1 { (t.accepted_title) }
                p { (t.accepted_body) }
                p { (rel.display_name) }
                p.hint { (t.accepted_wait) }
            }
            p.actions { a.button.primary href="/adminportal/settings/partners" { (t.close) } }
        },
    )
}

/// A declined invitation: "you declined" right after, and who declined and when on any later
/// visit (the link no longer works).
fn declined_page(web: &Web, rel: &Relationship, refusal: Option<&Refusal>, step: Step) -> Response {
    let t = web.t;
    let (status, title) = if step == Step::Declined {
        (StatusCode::OK, t.declined_title)
    } else {
        (StatusCode::GONE, t.declined_link_title)
    };
    web.page(
        status,
        title,
        html! {
            div.done role="status" {
                h1 { (title) }
                p { (t.declined_body) }
                p { (rel.display_name) }
                @if let Some(x) = refusal {
                    p.hint { (t.declined_by) ": " (x.by_upn) " — " (text::datetime(web.lang, x.at)) }
                }
            }
            p.actions { a.button.primary href="/adminportal/settings/partners" { (t.close) } }
        },
    )
}

/// Common checks of the forms: the CSRF token, a session, an open invitation and an approver.
async fn open_invitation(
    web: &Web,
    id: &str,
    form: &FormData,
) -> Result<(SignedIn, Relationship), Response> {
    web.check_form(form)?;
    let me = web.signed_in()?.clone();
    let (rel, refusal) = load(web, id)
        .await?
        .ok_or_else(|| web.redirect(&link(id, None)))?;
    let open = invitation_state(
        &rel,
        me.tenant.id,
        web.state.now(),
        &web.state.config.timings,
        refusal.as_ref(),
    ) == InvitationState::Open;
    if !open || !web.actor().is_some_and(|a| a.is_approver()) {
        // The page explains why (foreign, expired, accepted, permission).
        return Err(web.redirect(&link(id, None)));
    }
    Ok((me, rel))
}

/// `POST …/{id}/agreement`: records the tenant's acceptance of the Microsoft Customer Agreement
/// (who, when, which version).
pub async fn accept_agreement(
    web: Web,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Page {
    let form = FormData(form);
    let (_, rel) = open_invitation(&web, &id, &form).await?;
    if form.get("agree") != Some("yes") {
        return Ok(open_step(
            &web,
            &rel,
            Step::Agreement,
            false,
            false,
            Some(web.t.agreement_required),
        )
        .await);
    }
    let Some(actor) = web.actor() else {
        return Err(web.redirect(&link(&id, None)));
    };
    web.or_failure(
        gdap_app::agreements::accept_customer_agreement(
            &web.state,
            &actor,
            Some((rel.partner, rel.id)),
        )
        .await,
    )?;
    Ok(web.redirect(&link(&id, Some("roles"))))
}

/// `POST …/{id}/approve`: "Approve" (承諾), with the ETag the customer reviewed.
pub async fn approve(
    web: Web,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Page {
    let form = FormData(form);
    let (me, _) = open_invitation(&web, &id, &form).await?;
    if !agreed(&web, &me).await? {
        return Err(web.redirect(&link(&id, Some("agreement"))));
    }
    let Some(actor) = web.actor() else {
        return Err(web.redirect(&link(&id, None)));
    };
    let if_match = IfMatch(Some(form.get("etag").unwrap_or("").to_owned()));
    Ok(
        match gdap_app::customer::approve(
            &web.state,
            &actor,
            &id,
            &if_match.precondition(),
            &web.origin,
        )
        .await
        .map_err(ApiError::from)
        {
            Ok(_) => web.redirect(&link(&id, Some("accepted"))),
            Err(ApiError::PreconditionFailed(_)) => {
                web.redirect(&format!("{}&changed=1", link(&id, Some("notice"))))
            }
            Err(ApiError::Internal(e)) => web.failure(&e),
            Err(_) => web.redirect(&link(&id, None)),
        },
    )
}

/// `POST …/{id}/decline`: Cancel → "Yes, decline". Records the refusal; the partner is told.
pub async fn decline(
    web: Web,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Page {
    let form = FormData(form);
    open_invitation(&web, &id, &form).await?;
    let Some(actor) = web.actor() else {
        return Err(web.redirect(&link(&id, None)));
    };
    Ok(
        match gdap_app::customer::decline(&web.state, &actor, &id, &web.origin)
            .await
            .map_err(ApiError::from)
        {
            Ok(_) => web.redirect(&link(&id, Some("declined"))),
            Err(ApiError::Internal(e)) => web.failure(&e),
            // Approved or declined meanwhile: the link's page says which.
            Err(_) => web.redirect(&link(&id, None)),
        },
    )
}
