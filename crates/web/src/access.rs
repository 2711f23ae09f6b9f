//! The access assignments of an active relationship in the partner portal (Partner Center's
//! "Assign security groups" step): which of the partner's security groups hold which of the
//! relationship's roles and in what state, assigning a group, changing its roles and removing an
//! assignment. Until a
//! group is assigned, the relationship gives its technicians nothing, and the page says so.

use axum::extract::{Form, Path};
use axum::http::StatusCode;
use axum::response::Response;
use gdap_app::assignments::{Assign, ChangeRoles, Unassign};
use gdap_app::caller::{Authorized, GdapWrite};
use gdap_app::error::AppError;
use gdap_domain::assignment::AccessAssignment;
use gdap_domain::enums::{AssignmentStatus as A, RelationshipStatus as S};
use gdap_domain::ids::{AssignmentId, GroupId, RoleDefinitionId};
use gdap_domain::mail::Language;
use gdap_domain::relationship::Relationship;
use maud::{html, Markup};

use super::context::{FormData, Page, SignedIn, Web};
use super::layout::{self, csrf};
use super::portal::{own_relationship, partner_user};

fn assignment_status(lang: Language, s: A) -> &'static str {
    match (lang, s) {
        (Language::Ja, A::Pending) => "保留中",
        (Language::Ja, A::Active) => "アクティブ",
        (Language::Ja, A::Deleting) => "削除中",
        (Language::Ja, A::Deleted) => "削除済み",
        (Language::Ja, A::Error) => "エラー",
        (Language::Ja, A::UnknownFutureValue) => "不明",
        (Language::En, A::Pending) => "Pending",
        (Language::En, A::Active) => "Active",
        (Language::En, A::Deleting) => "Deleting",
        (Language::En, A::Deleted) => "Deleted",
        (Language::En, A::Error) => "Error",
        (Language::En, A::UnknownFutureValue) => "Unknown",
    }
}

/// The relationship's assignments that are not yet deleted.
pub async fn current(web: &Web, rel: &Relationship) -> Result<Vec<AccessAssignment>, Response> {
    let all = web.or_failure(web.state.store.assignments_of(rel.id).await)?;
    Ok(all.into_iter().filter(|a| a.status != A::Deleted).collect())
}

/// The security-group section of an active relationship's page (nothing for other states).
pub async fn section(web: &Web, me: &SignedIn, rel: &Relationship) -> Result<Markup, Response> {
    if rel.status != S::Active {
        return Ok(html! {});
    }
    let t = web.t;
    let assignments = current(web, rel).await?;
    let groups = web.or_failure(web.state.store.groups_of(me.tenant.id).await)?;
    let name_of = |g: GroupId| {
        groups
            .iter()
            .find(|x| x.id == g)
            .map_or_else(|| g.to_string(), |x| x.display_name.clone())
    };
    let members = |n: usize| t.access_members.replace("{n}", &n.to_string());
    let action = format!("/partner/relationships/{}/accessassignments", rel.id);
    Ok(html! {
        h2 { (t.access_title) }
        @if !assignments.iter().any(|a| a.status.is_live()) {
            p.notice role="status" #no-assignment { (t.access_none) }
        }
        @if !assignments.is_empty() {
            table.partners {
                thead { tr { th scope="col" { (t.access_group) } th scope="col" { (t.roles) } th scope="col" { (t.status) } th scope="col" {} } }
                tbody {
                    @for a in &assignments {
                        tr data-group=(a.group.to_string()) {
                            td data-label=(t.access_group) { (name_of(a.group)) }
                            td data-label=(t.roles) { (layout::roles(web.lang, &a.roles, false)) }
                            td data-label=(t.status) { span.status data-status=(a.status.to_string()) { (assignment_status(web.lang, a.status)) } }
                            td {
                                @if a.status == A::Active {
                                    details.change {
                                        summary { (t.access_change) }
                                        form method="post" action=(format!("{action}/{}/roles", a.id)) {
                                            (csrf(web))
                                            @for r in &rel.roles {
                                                label.check {
                                                    input type="checkbox" name="role" value=(r.to_string()) checked[a.roles.contains(r)];
                                                    " " (layout::role_name(web.lang, r))
                                                }
                                                br;
                                            }
                                            button type="submit" { (t.access_change) }
                                        }
                                    }
                                }
                                @if a.status.is_live() {
                                    form method="post" action=(format!("{action}/{}/remove", a.id)) {
                                        (csrf(web))
                                        button type="submit" { (t.access_remove) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h3 { (t.access_add) }
        form.stack method="post" action=(action) {
            (csrf(web))
            label for="group" { (t.access_group) }
            select id="group" name="group" required {
                @for g in &groups {
                    option value=(g.id.to_string()) { (g.display_name) " (" (members(g.members.len())) ")" }
                }
            }
            fieldset {
                legend { (t.roles) }
                @for r in &rel.roles {
                    label.check {
                        input type="checkbox" name="role" value=(r.to_string());
                        " " (layout::role_name(web.lang, r))
                    }
                }
            }
            button.primary type="submit" { (t.access_assign) }
        }
    })
}

/// Back to the relationship's page once done; a refusal (the rules, the input, a concurrent
/// change) said on a page of its own.
fn answered(web: &Web, done: Result<(), AppError>, back: &str) -> Page {
    match done {
        Ok(()) => Ok(web.redirect(back)),
        Err(e @ (AppError::Domain(_) | AppError::Invalid(_) | AppError::Store(_))) => {
            let words = super::text::errors::explain(web.lang, &e);
            Ok(web.message(StatusCode::BAD_REQUEST, web.t.access_title, &words))
        }
        Err(e) => Err(web.failure(&e)),
    }
}

/// The roles ticked on a form.
fn ticked_roles(form: &FormData) -> Vec<RoleDefinitionId> {
    form.all("role")
        .filter_map(|r| RoleDefinitionId::parse(r).ok())
        .collect()
}

/// What a form about one assignment acts on: the caller, the relationship (the partner's own),
/// the assignment, and the relationship's page to return to.
type Posted = (
    Authorized<GdapWrite>,
    Relationship,
    AccessAssignment,
    String,
);

/// The assignment a form names, after the form's checks; `Ok(Err(page))` leads back to the
/// relationship when the assignment is gone.
async fn posted_assignment(
    web: &Web,
    form: &FormData,
    id: &str,
    assignment: &str,
) -> Result<Result<Posted, Response>, Response> {
    web.check_form(form)?;
    let (me, caller) = partner_user(web).await?;
    let rel = own_relationship(web, &me, id).await?;
    let back = format!("/partner/relationships/{}", rel.id);
    let found = match AssignmentId::parse(assignment) {
        Ok(aid) => web.or_failure(web.state.store.assignment(rel.id, aid).await)?,
        Err(_) => None,
    };
    Ok(match found {
        Some(a) => Ok((caller, rel, a, back)),
        None => Err(web.redirect(&back)),
    })
}

/// `POST /partner/relationships/{id}/accessassignments`: assigns a group the roles ticked.
pub async fn assign(
    web: Web,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Page {
    let form = FormData(form);
    web.check_form(&form)?;
    let (me, caller) = partner_user(&web).await?;
    let rel = own_relationship(&web, &me, &id).await?;
    let back = format!("/partner/relationships/{}", rel.id);
    let group = form.get("group").and_then(|g| GroupId::parse(g).ok());
    let roles = ticked_roles(&form);
    let Some(group) = group.filter(|_| !roles.is_empty()) else {
        return Ok(web.message(
            StatusCode::BAD_REQUEST,
            web.t.access_title,
            web.t.access_pick,
        ));
    };
    let command = Assign {
        relationship: rel,
        group,
        roles,
    };
    let done = command.execute(&web.state, &caller, web.state.now()).await;
    answered(&web, done.map(|_| ()), &back)
}

/// `POST /partner/relationships/{id}/accessassignments/{assignment}/roles`: gives an active
/// assignment the roles ticked (an operation, as Graph's PATCH starts one).
pub async fn change(
    web: Web,
    Path((id, assignment)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Page {
    let form = FormData(form);
    let (caller, rel, a, back) = match posted_assignment(&web, &form, &id, &assignment).await? {
        Ok(found) => found,
        Err(gone) => return Ok(gone),
    };
    let roles = ticked_roles(&form);
    if roles.is_empty() {
        return Ok(web.message(
            StatusCode::BAD_REQUEST,
            web.t.access_title,
            web.t.access_pick,
        ));
    }
    let command = ChangeRoles {
        relationship: rel,
        assignment: a,
        roles: Some(roles),
    };
    let done = command
        .execute(&web.state, &caller, web.state.now(), |target| {
            serde_json::to_string(&gdap_http::dto::assignment(target)).unwrap_or_default()
        })
        .await;
    answered(&web, done.map(|_| ()), &back)
}

/// `POST /partner/relationships/{id}/accessassignments/{assignment}/remove`.
pub async fn remove(
    web: Web,
    Path((id, assignment)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Page {
    let form = FormData(form);
    let (caller, _, a, back) = match posted_assignment(&web, &form, &id, &assignment).await? {
        Ok(found) => found,
        Err(gone) => return Ok(gone),
    };
    let done = (Unassign { assignment: a })
        .execute(&web.state, &caller, web.state.now())
        .await;
    answered(&web, done, &back)
}
