//! The partner portal: relationships with status and end date, a form to create one (roles from the
//! catalogue by name), the approval link to copy, the e-mail preview, and the partner's branding.
//! Also the development sent-mail page.

use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use gdap_domain::attention::{attention, Attention};
use gdap_domain::directory::PartnerProfile;
use gdap_domain::enums::{RelationshipStatus as S, RequestAction};
use gdap_domain::ids::{RelationshipId, RoleDefinitionId, TenantId};
use gdap_domain::mail::{invitation_mail, one_line, Branding, Invitation, Language};
use gdap_domain::query::ListQuery;
use gdap_domain::relationship::{CustomerParticipant, Relationship};
use maud::{html, Markup};

use super::context::{safe_return, FormData, Page, SignedIn, Web};
use super::layout::{self, csrf};
use super::text::{self, Text};
use gdap_app::caller::{Authorized, GdapWrite};
use gdap_app::mailer::approval_url;
use gdap_app::relationships::{ApprovalMail, CreateRelationship, SubmitRequest};
use gdap_app::AppError;
use gdap_store::StoreError;

/// A session from before the partner required the second sign-in step signs in again, with it.
pub(crate) fn second_step(web: &Web, me: &SignedIn) -> Result<(), Response> {
    if gdap_app::mfa::required_for(&me.tenant) && !me.session.mfa {
        let back = url::form_urlencoded::byte_serialize(safe_return(&web.path).as_bytes())
            .collect::<String>();
        return Err(web.redirect(&format!("/signin?prompt=login&return={back}")));
    }
    Ok(())
}

/// The signed-in partner user allowed to use the portal: a member of Admin Agents or a Global
/// Administrator of a partner tenant.
pub(crate) async fn partner_user(web: &Web) -> Result<(SignedIn, Authorized<GdapWrite>), Response> {
    let me = web.signed_in()?.clone();
    second_step(web, &me)?;
    match Authorized::signed_in(&web.state, &me.tenant, &me.user).await {
        Ok(caller) => Ok((me, caller)),
        Err(AppError::Forbidden(_)) => Err(web.message(
            StatusCode::FORBIDDEN,
            web.t.permission_title,
            web.t.portal_forbidden,
        )),
        Err(e) => Err(web.failure(&e)),
    }
}

/// `GET /partner`: the partner's relationships with status and end date.
#[derive(serde::Deserialize)]
pub struct ListFilter {
    /// One kind of [`Attention`]: only the relationships that need it.
    attention: Option<String>,
}

/// What each of the partner's relationships needs from it, in the order given.
pub(crate) async fn needs_of(
    web: &Web,
    me: &SignedIn,
    rels: &[Relationship],
) -> Result<Vec<Vec<Attention>>, Response> {
    // What each relationship needs from the partner.
    let now = web.state.now();
    let timings = &web.state.config.timings;
    let declined: Vec<RelationshipId> = web
        .or_failure(web.state.store.refusals_of(me.tenant.id, 1000).await)?
        .into_iter()
        .filter(|x| x.partner == me.tenant.id)
        .map(|x| x.relationship)
        .collect();
    let mut needs: Vec<Vec<Attention>> = Vec::with_capacity(rels.len());
    for r in rels {
        let assigned = r.status != S::Active
            || super::access::current(web, r)
                .await?
                .iter()
                .any(|a| a.status.is_live());
        needs.push(attention(
            r,
            assigned,
            declined.contains(&r.id),
            now,
            timings,
        ));
    }
    Ok(needs)
}

/// A kind of attention in the reader's words.
pub(crate) fn attention_words(t: &Text, a: Attention) -> &'static str {
    match a {
        Attention::EndingSoon => t.attention_ending,
        Attention::NoAssignment => t.access_missing,
        Attention::PendingApproval => t.attention_pending,
        Attention::InvitationExpiring => t.attention_invitation,
        Attention::Declined => t.attention_declined,
    }
}

pub async fn list(web: Web, Query(filter): Query<ListFilter>) -> Page {
    let (me, _) = partner_user(&web).await?;
    let t = web.t;
    let q = ListQuery {
        top: 300,
        ..ListQuery::default()
    };
    let page = web.or_failure(web.state.store.list_relationships(me.tenant.id, &q).await)?;
    let mut rels = page.items;
    rels.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    let needs = needs_of(&web, &me, &rels).await?;
    let chosen = filter.attention.as_deref().and_then(Attention::parse);
    let count = |a: Attention| needs.iter().filter(|n| n.contains(&a)).count();
    let shown: Vec<(&Relationship, &Vec<Attention>)> = rels
        .iter()
        .zip(&needs)
        .filter(|(_, n)| chosen.is_none_or(|c| n.contains(&c)))
        .collect();
    let body = html! {
        h1 { (t.partner_portal) " — " (me.tenant.display_name) }
        p { (t.portal_intro) }
        @if !rels.is_empty() {
            nav.filters aria-label=(t.attention_title) {
                @if chosen.is_none() { strong { (t.attention_all) " (" (rels.len()) ")" } }
                @else { a href="/partner" { (t.attention_all) " (" (rels.len()) ")" } }
                @for a in Attention::ALL {
                    @let label = format!("{} ({})", attention_words(t, a), count(a));
                    @if chosen == Some(a) { strong data-attention-filter=(a.tag()) { (label) } }
                    @else { a href=(format!("/partner?attention={}", a.tag())) data-attention-filter=(a.tag()) { (label) } }
                }
            }
        }
        @if rels.is_empty() {
            p { (t.no_relationships) }
        } @else {
            table.partners {
                thead { tr {
                    th scope="col" { (t.relationship_name) }
                    th scope="col" { (t.customer) }
                    th scope="col" { (t.status) }
                    th scope="col" { (t.end_date) }
                } }
                tbody {
                    @for (r, need) in &shown {
                        tr {
                            th scope="row" { a href=(format!("/partner/relationships/{}", r.id)) { (r.display_name) } }
                            td data-label=(t.customer) { (r.customer.as_ref().map_or_else(|| t.any_customer.to_owned(), |c| c.display_name.clone().unwrap_or_else(|| c.tenant_id.to_string()))) }
                            td data-label=(t.status) {
                                (layout::status(web.lang, r.status))
                                @for a in need.iter() {
                                    br;
                                    span.attention data-attention=(a.tag()) { (attention_words(t, *a)) }
                                }
                            }
                            td data-label=(t.end_date) { (r.end_at.map_or_else(|| "—".to_owned(), |d| text::date(web.lang, d))) }
                        }
                    }
                }
            }
        }
    };
    Ok(web.page(StatusCode::OK, t.partner_portal, body))
}

fn new_form_body(web: &Web, form: &FormData, error: Option<&str>) -> Markup {
    let t = web.t;
    html! {
        h1 { (t.new_relationship) }
        @if let Some(e) = error { p.error role="alert" { (e) } }
        form.stack method="post" action="/partner/relationships" {
            (csrf(web))
            label for="name" { (t.relationship_name) }
            input id="name" name="name" required maxlength="50" value=(form.get("name").unwrap_or(""));
            label for="customer" { (t.customer) }
            input id="customer" name="customer" value=(form.get("customer").unwrap_or("")) aria-describedby="customer-hint";
            small id="customer-hint" { (t.customer_hint) }
            label for="days" { (t.duration_days) }
            input id="days" name="days" type="number" min="1" max="730" required value=(form.get("days").unwrap_or("730"));
            p { input id="autoextend" type="checkbox" name="autoExtend" value="yes" checked[form.get("autoExtend").is_some()]; " " label for="autoextend" { (t.auto_extend_label) } }
            p { input id="lock" type="checkbox" name="lock" value="yes" checked[form.get("lock").is_some() || form.0.is_empty()]; " " label for="lock" { (t.send_for_approval) } }
            label for="contact" { (t.contact_email) }
            input id="contact" name="contact" type="email" maxlength="254" value=(form.get("contact").unwrap_or(""));
            label for="contact-lang" { (t.mail_language) }
            select id="contact-lang" name="contactLang" {
                option value="ja" selected[form.get("contactLang").map_or(web.lang == Language::Ja, |l| l == "ja")] { "日本語" }
                option value="en" selected[form.get("contactLang").map_or(web.lang == Language::En, |l| l == "en")] { "English" }
            }
            (super::picker::Picker::new(web, form.all("role"), form.get("q").unwrap_or("")).render())
            button.primary type="submit" { (t.create) }
        }
    }
}

/// `GET /partner/relationships/new[?q=…&role=…]`.
pub async fn new_form(web: Web, Query(q): Query<Vec<(String, String)>>) -> Page {
    partner_user(&web).await?;
    let form = FormData(
        q.into_iter()
            .filter(|(k, _)| k == "q" || k == "role")
            .collect(),
    );
    Ok(web.page(
        StatusCode::OK,
        web.t.new_relationship,
        new_form_body(&web, &form, None),
    ))
}

/// `POST /partner/relationships/new`: the role search; the form comes back as it was entered,
/// its roles filtered by the search.
pub async fn search_roles(web: Web, Form(form): Form<Vec<(String, String)>>) -> Page {
    let form = FormData(form);
    web.check_form(&form)?;
    partner_user(&web).await?;
    Ok(web.page(
        StatusCode::OK,
        web.t.new_relationship,
        new_form_body(&web, &form, None),
    ))
}

async fn customer_of(web: &Web, raw: &str) -> Result<Option<CustomerParticipant>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let found = if let Ok(id) = TenantId::parse(raw) {
        web.state.tenant(id).await
    } else {
        web.state.store.tenant_by_domain(raw).await
    };
    match found {
        Ok(Some(t)) => Ok(Some(CustomerParticipant {
            tenant_id: t.id,
            display_name: Some(t.display_name),
        })),
        Ok(None) => Err(match web.lang {
            Language::Ja => format!("顧客「{}」が見つかりません。", one_line(raw, 100)),
            Language::En => format!("No customer `{}` was found.", one_line(raw, 100)),
        }),
        Err(e) => Err(e.to_string()),
    }
}

/// `POST /partner/relationships`: creates a relationship (and locks it for approval when asked).
pub async fn create(web: Web, Form(form): Form<Vec<(String, String)>>) -> Page {
    let form = FormData(form);
    web.check_form(&form)?;
    let (_, caller) = partner_user(&web).await?;
    let bad = |msg: &str| {
        web.page(
            StatusCode::BAD_REQUEST,
            web.t.new_relationship,
            new_form_body(&web, &form, Some(msg)),
        )
    };
    let customer = customer_of(&web, form.get("customer").unwrap_or(""))
        .await
        .map_err(|e| bad(&e))?;
    let days: i64 = form
        .get("days")
        .unwrap_or("")
        .trim()
        .parse()
        .map_err(|_| bad(web.t.duration_days))?;
    let roles = form
        .all("role")
        .map(RoleDefinitionId::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(&e.to_string()))?;
    let contact = form.get("contact").map(str::trim).filter(|c| !c.is_empty());
    if contact.is_some_and(|c| {
        c.len() > 254
            || c.chars()
                .any(|ch| ch.is_whitespace() || ch.is_control() || "<>\",;".contains(ch))
            || c.split('@').count() != 2
            || c.starts_with('@')
            || c.ends_with('@')
    }) {
        return Ok(bad(web.t.contact_email));
    }
    let contact_lang = form
        .get("contactLang")
        .and_then(Language::parse)
        .unwrap_or(web.lang);
    let command = CreateRelationship {
        display_name: form.get("name").unwrap_or("").to_owned(),
        duration: format!("P{days}D"),
        auto_extend: form.get("autoExtend").map(|_| "P180D".to_owned()),
        roles,
        customer: customer.map(|c| c.tenant_id),
        lock: form.get("lock").is_some().then(|| ApprovalMail {
            origin: web.origin.clone(),
            contact: contact.map(|c| (c.to_owned(), contact_lang)),
        }),
        for_reseller: None,
    };
    let id = match command.execute(&web.state, &caller, web.state.now()).await {
        Ok(rel) => rel.id,
        Err(
            e @ (AppError::Domain(_)
            | AppError::Invalid(_)
            | AppError::Store(StoreError::DuplicateDisplayName(_))),
        ) => return Ok(bad(&text::errors::explain(web.lang, &e))),
        Err(e) => return Err(web.failure(&e)),
    };
    Ok(web.redirect(&format!("/partner/relationships/{id}")))
}

pub(crate) async fn own_relationship(
    web: &Web,
    me: &SignedIn,
    raw: &str,
) -> Result<Relationship, Response> {
    let not_found = || {
        web.message(
            StatusCode::NOT_FOUND,
            web.t.not_found_title,
            web.t.not_found_body,
        )
    };
    let id = RelationshipId::parse(raw).map_err(|_| not_found())?;
    web.state
        .store
        .relationship(me.tenant.id, id)
        .await
        .map_err(|e| web.failure(&e))?
        .ok_or_else(not_found)
}

fn branding_of(me: &SignedIn) -> Branding {
    let profile = me.tenant.partner.clone().unwrap_or_default();
    Branding {
        partner_name: me.tenant.display_name.clone(),
        service_name: profile
            .service_name
            .unwrap_or_else(|| me.tenant.display_name.clone()),
        contact: profile.contact.unwrap_or_else(|| me.tenant.domain.clone()),
        help_url: profile.help_url,
    }
}

/// `GET /partner/relationships/{id}`: status, the approval link to copy, the e-mail preview.
pub async fn detail(web: Web, Path(id): Path<String>) -> Page {
    let (me, _) = partner_user(&web).await?;
    let rel = own_relationship(&web, &me, &id).await?;
    let t = web.t;
    let url = approval_url(&web.origin, &rel);
    let customer_domain = match &rel.customer {
        Some(c) => web
            .state
            .tenant(c.tenant_id)
            .await
            .ok()
            .flatten()
            .map_or_else(|| c.tenant_id.to_string(), |t| t.domain),
        None => "—".to_owned(),
    };
    let branding = branding_of(&me);
    let expires = rel
        .invitation_expires_at(&web.state.config.timings)
        .unwrap_or_else(|| web.state.now() + web.state.config.timings.invitation_ttl);
    let previews: Vec<(Language, gdap_domain::mail::Composed)> = [Language::Ja, Language::En]
        .into_iter()
        .map(|lang| {
            (
                lang,
                invitation_mail(
                    &Invitation {
                        branding: &branding,
                        admin_account: &format!("admin@{customer_domain}"),
                        approval_url: &url,
                        customer_domain: &customer_domain,
                        expires_at: expires,
                    },
                    lang,
                ),
            )
        })
        .collect();
    let access = super::access::section(&web, &me, &rel).await?;
    let refusal = web.or_failure(web.state.store.refusal(rel.id).await)?;
    let waiting = rel.status == S::ApprovalPending && refusal.is_none();
    let body = html! {
        p { a href="/partner" { "‹ " (t.partner_portal) } }
        h1 { (rel.display_name) }
        @if let Some(x) = &refusal {
            p.error role="status" data-attention="declined" {
                (t.attention_declined) ": " (x.by_upn) " — " (text::datetime(web.lang, x.at))
            }
        }
        dl.summary {
            dt { (t.status) } dd { (layout::status(web.lang, rel.status)) }
            dt { (t.customer) } dd { (rel.customer.as_ref().map_or_else(|| t.any_customer.to_owned(), |c| c.display_name.clone().unwrap_or_else(|| c.tenant_id.to_string()))) }
            dt { (t.roles) } dd { (layout::roles(web.lang, &rel.roles, false)) }
            dt { (t.duration) } dd { (layout::duration(&web, &rel)) }
            dt { (t.auto_extend) } dd { (layout::auto_extend(&web, rel.auto_extend)) }
            dt { (t.end_date) } dd { (rel.end_at.map_or_else(|| "—".to_owned(), |d| text::date(web.lang, d))) }
        }
        @if rel.status == S::Created {
            form method="post" action=(format!("/partner/relationships/{}/lock", rel.id)) {
                (csrf(&web))
                button.primary type="submit" { (t.request_approval) }
            }
        }
        (access)
        @if waiting {
            h2 { label for="approval-link" { (t.approval_link) } }
            p.copy {
                input id="approval-link" readonly value=(url) size="80";
                " "
                button type="button" data-copy="approval-link" data-copied=(t.copied) hidden { (t.copy_link) }
            }
        }
        @if rel.status == S::Created || waiting {
            h2 { (t.mail_preview) }
            @for (lang, m) in &previews {
                section.mail lang=(lang.tag()) {
                    p.subject { strong { (m.subject) } }
                    pre { (m.body) }
                }
            }
        }
    };
    Ok(web.page(StatusCode::OK, &rel.display_name, body))
}

/// `POST /partner/relationships/{id}/lock`: requests approval (sends the e-mail).
pub async fn lock(
    web: Web,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Page {
    let form = FormData(form);
    web.check_form(&form)?;
    let (me, caller) = partner_user(&web).await?;
    let rel = own_relationship(&web, &me, &id).await?;
    let rid = rel.id;
    let command = SubmitRequest {
        relationship: rel,
        action: RequestAction::LockForApproval,
        invitation: ApprovalMail {
            origin: web.origin.clone(),
            contact: None,
        },
    };
    match command.execute(&web.state, &caller, web.state.now()).await {
        Ok(_) => {}
        Err(
            e @ (AppError::Domain(_)
            | AppError::Invalid(_)
            | AppError::Store(StoreError::VersionConflict)),
        ) => {
            return Ok(web.message(
                StatusCode::CONFLICT,
                web.t.request_approval,
                &text::errors::explain(web.lang, &e),
            ))
        }
        Err(e) => return Err(web.failure(&e)),
    }
    Ok(web.redirect(&format!("/partner/relationships/{rid}")))
}

#[derive(serde::Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

fn settings_body(web: &Web, me: &SignedIn, saved: bool, error: Option<&str>) -> Markup {
    let t = web.t;
    let p = me.tenant.partner.clone().unwrap_or_default();
    html! {
        h1 { (t.branding) }
        @if saved { p.ok role="status" { (t.saved) } }
        @if let Some(e) = error { p.error role="alert" { (e) } }
        form.stack method="post" action="/partner/settings" {
            (csrf(web))
            label for="service" { (t.service_name) }
            input id="service" name="serviceName" maxlength="80" value=(p.service_name.unwrap_or_default());
            label for="contact" { (t.contact) }
            input id="contact" name="contact" maxlength="200" value=(p.contact.unwrap_or_default());
            label for="help" { (t.help_url) }
            input id="help" name="helpUrl" type="url" maxlength="2000" value=(p.help_url.unwrap_or_default());
            label.check for="require-mfa" {
                input id="require-mfa" name="requireMfa" type="checkbox" value="1" checked[p.require_mfa];
                " " (t.require_mfa)
            }
            button.primary type="submit" { (t.save) }
        }
    }
}

/// `GET /partner/settings`: service name, contact and help link used in customer e-mails.
pub async fn settings(web: Web, Query(q): Query<SavedQuery>) -> Page {
    let (me, _) = partner_user(&web).await?;
    Ok(web.page(
        StatusCode::OK,
        web.t.branding,
        settings_body(&web, &me, q.saved.is_some(), None),
    ))
}

/// `POST /partner/settings`.
pub async fn save_settings(web: Web, Form(form): Form<Vec<(String, String)>>) -> Page {
    let form = FormData(form);
    web.check_form(&form)?;
    let (me, _) = partner_user(&web).await?;
    let field = |name: &str, max: usize| {
        let v = one_line(form.get(name).unwrap_or(""), max);
        (!v.is_empty()).then_some(v)
    };
    let help = field("helpUrl", 2000);
    if help
        .as_deref()
        .is_some_and(|h| !(h.starts_with("https://") || h.starts_with("http://")))
    {
        return Ok(web.page(
            StatusCode::BAD_REQUEST,
            web.t.branding,
            settings_body(&web, &me, false, Some(web.t.help_url)),
        ));
    }
    let old = me.tenant.partner.clone().unwrap_or_default();
    let profile = PartnerProfile {
        service_name: field("serviceName", 80),
        contact: field("contact", 200),
        help_url: help,
        require_mfa: form.get("requireMfa") == Some("1"),
        ..old
    };
    web.or_failure(
        web.state
            .store
            .set_partner_profile(me.tenant.id, profile)
            .await,
    )?;
    web.state.directory.changed(&[me.tenant.id], &[]);
    Ok(web.redirect("/partner/settings?saved=1"))
}

/// `GET /_gdap/mail` (development mode): the outbox as a page, so a demo user can open the
/// approval e-mail and click its link. Only links to this gdap are made clickable.
pub async fn outbox_page(web: Web) -> Page {
    let t = web.t;
    let mails = web.or_failure(web.state.store.outbox(200).await)?;
    let body = html! {
        h1 { (t.outbox_title) }
        p { (t.outbox_intro) }
        @if mails.is_empty() { p { (t.outbox_empty) } }
        @for m in &mails {
            article.mail {
                p.subject { strong { (m.subject) } }
                p { (t.to) ": " (m.to) " — " (text::datetime(web.lang, m.created_at)) " — "
                    @if m.sent_at.is_some() { (t.sent) } @else { (t.pending) } }
                pre { (linkify(&m.body, &web.origin)) }
            }
        }
    };
    Ok(web.page(StatusCode::OK, t.outbox_title, body))
}

/// Plain text with this server's own links made clickable; everything else stays text.
fn linkify(body: &str, origin: &str) -> Markup {
    html! {
        @for (i, line) in body.split('\n').enumerate() {
            @if i > 0 { "\n" }
            @let trimmed = line.trim();
            @if trimmed.starts_with(&format!("{origin}/")) && !trimmed.contains(char::is_whitespace) {
                a href=(trimmed) { (trimmed) }
            } @else {
                (line)
            }
        }
    }
}
