//! `accessAssignments` of a relationship.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use gdap_domain::assignment::AccessAssignment;
use gdap_domain::ids::AssignmentId;
use gdap_domain::query::{parse_item_query, parse_list_query, schemas};
use gdap_http::auth::Authorize;

use super::input::{AccessDetailsBody, AssignmentPatchBody, NewAssignmentBody};
use super::relationships::reject_options;
use super::{accepted, collection, entity, load_relationship, relationship_url};
use gdap_app::assignments::{Assign, ChangeRoles, Unassign};
use gdap_app::caller::{Authorized, GdapRead, GdapWrite};
use gdap_app::relationships::Changed;
use gdap_app::state::AppState;
use gdap_http::body::Body;
use gdap_http::dto::{self, *};
use gdap_http::error::{ApiError, ApiResult};
use gdap_http::extract::{Base, IfMatch, JsonObject, OData, Prefer};
use gdap_http::schema::Refusals;

/// `GET …/{id}/accessAssignments` (Read.All).
#[utoipa::path(get, path = "/v1.0/tenantRelationships/delegatedAdminRelationships/{id}/accessAssignments", tag = "accessAssignments",
    params(("id" = String, Path), ("$filter" = Option<String>, Query), ("$orderby" = Option<String>, Query), ("$select" = Option<String>, Query), ("$top" = Option<u32>, Query), ("$count" = Option<bool>, Query), ("$skiptoken" = Option<String>, Query)),
    responses((status = 200, body = Collection<AssignmentJson>), Refusals))]
pub async fn list_assignments(
    State(state): State<AppState>,
    Authorize(caller): Authorize<GdapRead>,
    Path(id): Path<String>,
    OData(raw): OData,
    base: Base,
) -> ApiResult<Response> {
    let rel = load_relationship(&state, &caller, &id).await?;
    let q = parse_list_query(&schemas::ASSIGNMENTS, &raw, false)?;
    let page = state.store.list_assignments(rel.id, &q).await?;
    Ok(collection(
        &base,
        base.context("accessAssignments"),
        page,
        |a, out| dto::write(out, dto::select(dto::assignment(a), &q.select)),
    ))
}

async fn load<C>(
    state: &AppState,
    caller: &Authorized<C>,
    id: &str,
    aid: &str,
) -> ApiResult<(gdap_domain::relationship::Relationship, AccessAssignment)> {
    let rel = load_relationship(state, caller, id).await?;
    let assignment_id = AssignmentId::parse(aid)?;
    let a = state
        .store
        .assignment(rel.id, assignment_id)
        .await?
        .ok_or_else(|| ApiError::not_found("delegatedAdminAccessAssignment", aid))?;
    Ok((rel, a))
}

/// `GET …/{id}/accessAssignments/{assignmentId}` (Read.All).
#[utoipa::path(get, path = "/v1.0/tenantRelationships/delegatedAdminRelationships/{id}/accessAssignments/{assignment_id}", tag = "accessAssignments",
    params(("id" = String, Path), ("assignment_id" = String, Path), ("$select" = Option<String>, Query)),
    responses((status = 200, body = AssignmentJson), Refusals))]
pub async fn get_assignment(
    State(state): State<AppState>,
    Authorize(caller): Authorize<GdapRead>,
    Path((id, aid)): Path<(String, String)>,
    OData(raw): OData,
    base: Base,
) -> ApiResult<Response> {
    let select = parse_item_query(&schemas::ASSIGNMENTS, &raw, false)?;
    let (_, a) = load(&state, &caller, &id, &aid).await?;
    Ok(entity(
        StatusCode::OK,
        base.context("accessAssignments/$entity"),
        dto::select(dto::assignment(&a), &select),
        None,
    ))
}

/// `POST …/{id}/accessAssignments` (ReadWrite.All): a partner security group gets a subset of the
/// relationship's roles; the relationship must be `active`, one live assignment per group.
#[utoipa::path(post, path = "/v1.0/tenantRelationships/delegatedAdminRelationships/{id}/accessAssignments", tag = "accessAssignments",
    params(("id" = String, Path)), request_body = NewAssignmentBody,
    responses((status = 201, description = "The assignment, pending until provisioned; Location names it", body = AssignmentJson), Refusals))]
pub async fn create_assignment(
    State(state): State<AppState>,
    Authorize(caller): Authorize<GdapWrite>,
    Path(id): Path<String>,
    prefer: Prefer,
    base: Base,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let rel = load_relationship(&state, &caller, &id).await?;
    let Body(body) = Body::<NewAssignmentBody>::read(body)?;
    let group = body.access_container.group(prefer.unknown_members)?;
    let roles = body.access_details.roles()?;
    let a = Assign {
        relationship: rel,
        group,
        roles,
    }
    .execute(&state, &caller, state.now())
    .await?;
    let location = format!(
        "{}/accessAssignments/{}",
        relationship_url(&base, &a.relationship_id),
        a.id
    );
    let body = dto::to_map(&dto::assignment(&a));
    Ok(entity(
        StatusCode::CREATED,
        base.context("accessAssignments/$entity"),
        body,
        Some(location),
    ))
}

/// `PATCH …/{id}/accessAssignments/{assignmentId}` with `If-Match` (ReadWrite.All): new roles are
/// applied by a long-running operation (202); identical roles return 200 and the object.
#[utoipa::path(patch, path = "/v1.0/tenantRelationships/delegatedAdminRelationships/{id}/accessAssignments/{assignment_id}", tag = "accessAssignments",
    params(("id" = String, Path), ("assignment_id" = String, Path), ("If-Match" = String, Header)),
    request_body = AssignmentPatchBody,
    responses((status = 200, description = "The same roles: the assignment unchanged", body = AssignmentJson),
              (status = 202, description = "New roles: Location names the operation; Retry-After: 10", body = Object),
              Refusals))]
pub async fn update_assignment(
    State(state): State<AppState>,
    Authorize(caller): Authorize<GdapWrite>,
    Path((id, aid)): Path<(String, String)>,
    if_match: IfMatch,
    prefer: Prefer,
    base: Base,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let (rel, a) = load(&state, &caller, &id, &aid).await?;
    if_match.check(&dto::assignment_etag(&a))?;
    let Body(body) = Body::<AssignmentPatchBody>::read(body)?;
    if let Some(c) = &body.access_container {
        if c.group(prefer.unknown_members)? != a.group {
            return Err(ApiError::BadRequest(
                "`accessContainer` cannot be changed; create a new access assignment instead"
                    .into(),
            ));
        }
    }
    let roles = body
        .access_details
        .map(AccessDetailsBody::roles)
        .transpose()?;
    let command = ChangeRoles {
        relationship: rel,
        assignment: a,
        roles,
    };
    let outcome = command
        .execute(&state, &caller, state.now(), |target| {
            serde_json::to_string(&dto::assignment(target)).unwrap_or_default()
        })
        .await?;
    match outcome {
        Changed::Unchanged(a) | Changed::Saved(a) => Ok(entity(
            StatusCode::OK,
            base.context("accessAssignments/$entity"),
            dto::assignment(&a),
            None,
        )),
        Changed::Started(op) => Ok(accepted(format!(
            "{}/operations/{}",
            relationship_url(&base, &op.relationship_id),
            op.id
        ))),
    }
}

/// `DELETE …/{id}/accessAssignments/{assignmentId}` with `If-Match` (ReadWrite.All): the assignment
/// moves to `deleting`, then `deleted`, and stays listable.
#[utoipa::path(delete, path = "/v1.0/tenantRelationships/delegatedAdminRelationships/{id}/accessAssignments/{assignment_id}", tag = "accessAssignments",
    params(("id" = String, Path), ("assignment_id" = String, Path), ("If-Match" = String, Header)),
    responses((status = 204, description = "Deleting; it stays listable as deleted"), Refusals))]
pub async fn delete_assignment(
    State(state): State<AppState>,
    Authorize(caller): Authorize<GdapWrite>,
    Path((id, aid)): Path<(String, String)>,
    if_match: IfMatch,
    OData(raw): OData,
) -> ApiResult<StatusCode> {
    reject_options(&raw)?;
    let (_, a) = load(&state, &caller, &id, &aid).await?;
    if_match.check(&dto::assignment_etag(&a))?;
    Unassign { assignment: a }
        .execute(&state, &caller, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
