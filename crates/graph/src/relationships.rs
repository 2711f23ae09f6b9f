//! `delegatedAdminRelationships`: list, create, get, update, delete.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use gdap_domain::query::{parse_item_query, parse_list_query, schemas, RawQuery};
use gdap_http::auth::Authorize;

use super::input::{CustomerBody, NewRelationshipBody, RelationshipPatchBody};
use super::{accepted, collection, entity, load_relationship, read_relationship, relationship_url};
use gdap_app::caller::{GdapRead, GdapWrite};
use gdap_app::relationships::{
    Changed, CreateRelationship, DeleteRelationship, UpdateRelationship,
};
use gdap_app::state::AppState;
use gdap_http::body::Body;
use gdap_http::dto::{self, *};
use gdap_http::error::{ApiError, ApiResult};
use gdap_http::extract::{Base, IfMatch, JsonObject, OData};
use gdap_http::schema::Refusals;

/// `GET …/delegatedAdminRelationships`: the partner's relationships (Read.All; Admin Agents for users).
#[utoipa::path(get, path = "/v1.0/tenantRelationships/delegatedAdminRelationships", tag = "delegatedAdminRelationships",
    params(("$filter" = Option<String>, Query), ("$orderby" = Option<String>, Query), ("$select" = Option<String>, Query), ("$top" = Option<u32>, Query), ("$count" = Option<bool>, Query), ("$skiptoken" = Option<String>, Query)),
    responses((status = 200, description = "A page of the partner's relationships", body = Collection<RelationshipJson>), Refusals))]
pub async fn list_relationships(
    State(state): State<AppState>,
    Authorize(caller): Authorize<GdapRead>,
    OData(raw): OData,
    base: Base,
) -> ApiResult<Response> {
    let partner = caller.partner;
    let q = parse_list_query(&schemas::RELATIONSHIPS, &raw, false)?;
    let page = state.store.list_relationships(partner, &q).await?;
    Ok(collection(
        &base,
        base.context("delegatedAdminRelationships"),
        page,
        |r, out| dto::write(out, dto::select(dto::relationship(r), &q.select)),
    ))
}

/// `POST …/delegatedAdminRelationships`: creates a relationship in `created` (ReadWrite.All).
#[utoipa::path(post, path = "/v1.0/tenantRelationships/delegatedAdminRelationships", tag = "delegatedAdminRelationships",
    request_body = NewRelationshipBody,
    responses((status = 201, description = "The new relationship; Location names it", body = RelationshipJson), Refusals))]
pub async fn create_relationship(
    State(state): State<AppState>,
    Authorize(caller): Authorize<GdapWrite>,
    base: Base,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let reseller_type = match body.get("@odata.type").and_then(|t| t.as_str()) {
        None | Some("#microsoft.graph.delegatedAdminRelationship") => false,
        Some("#microsoft.graph.resellerDelegatedAdminRelationship") => true,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "`@odata.type` `{}` cannot be created here; send `#microsoft.graph.delegatedAdminRelationship` or `#microsoft.graph.resellerDelegatedAdminRelationship`",
                other.chars().take(80).collect::<String>()
            )))
        }
    };
    let Body(body) = Body::<NewRelationshipBody>::read(body)?;
    let for_reseller = match (&body.partner, reseller_type) {
        (Some(p), true) => Some(p.tenant()?),
        (None, false) => None,
        (None, true) => {
            return Err(ApiError::BadRequest(
                "a resellerDelegatedAdminRelationship needs `partner.tenantId`: the indirect reseller it is for".into(),
            ))
        }
        (Some(_), false) => {
            return Err(ApiError::BadRequest(
                "`partner` is only sent with `@odata.type` `#microsoft.graph.resellerDelegatedAdminRelationship`".into(),
            ))
        }
    };
    let customer_id = body
        .customer
        .as_ref()
        .map(CustomerBody::tenant)
        .transpose()?;
    let roles = body.access_details.roles()?;
    let command = CreateRelationship {
        display_name: body.display_name,
        duration: body.duration,
        auto_extend: body.auto_extend_duration,
        roles,
        customer: customer_id,
        lock: None,
        for_reseller,
    };
    let rel = command.execute(&state, &caller, state.now()).await?;
    Ok(entity(
        StatusCode::CREATED,
        base.context("delegatedAdminRelationships/$entity"),
        dto::relationship(&rel),
        Some(relationship_url(&base, &rel.id)),
    ))
}

/// `GET …/delegatedAdminRelationships/{id}` (Read.All).
#[utoipa::path(get, path = "/v1.0/tenantRelationships/delegatedAdminRelationships/{id}", tag = "delegatedAdminRelationships",
    params(("id" = String, Path, description = "{guid}-{partnerTenantId}"), ("$select" = Option<String>, Query)),
    responses((status = 200, body = RelationshipJson), Refusals))]
pub async fn get_relationship(
    State(state): State<AppState>,
    Authorize(caller): Authorize<GdapRead>,
    Path(id): Path<String>,
    OData(raw): OData,
    base: Base,
) -> ApiResult<Response> {
    let rel = read_relationship(&state, &caller, &id).await?;
    let select = parse_item_query(&schemas::RELATIONSHIPS, &raw, false)?;
    Ok(entity(
        StatusCode::OK,
        base.context("delegatedAdminRelationships/$entity"),
        dto::select(dto::relationship(&rel), &select),
        None,
    ))
}

/// `PATCH …/delegatedAdminRelationships/{id}` with `If-Match` (ReadWrite.All): 200 with the object,
/// or 202 with an operation when Global Administrator is removed from an active relationship.
#[utoipa::path(patch, path = "/v1.0/tenantRelationships/delegatedAdminRelationships/{id}", tag = "delegatedAdminRelationships",
    params(("id" = String, Path), ("If-Match" = String, Header, description = "The current @odata.etag")),
    request_body = RelationshipPatchBody,
    responses((status = 200, description = "The relationship as changed", body = RelationshipJson),
              (status = 202, description = "Removing Global Administrator from an active relationship: Location names the operation; Retry-After: 10", body = Object),
              Refusals))]
pub async fn update_relationship(
    State(state): State<AppState>,
    Authorize(caller): Authorize<GdapWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
    base: Base,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let rel = load_relationship(&state, &caller, &id).await?;
    if_match.check(&dto::relationship_etag(&rel))?;
    let (patch, customer) = Body::<RelationshipPatchBody>::read(body)?.0.into_patch()?;
    let command = UpdateRelationship {
        relationship: rel,
        patch,
        customer,
    };
    let outcome = command
        .execute(&state, &caller, state.now(), |target| {
            serde_json::to_string(&dto::relationship(target)).unwrap_or_default()
        })
        .await?;
    match outcome {
        Changed::Unchanged(rel) | Changed::Saved(rel) => Ok(entity(
            StatusCode::OK,
            base.context("delegatedAdminRelationships/$entity"),
            dto::relationship(&rel),
            None,
        )),
        Changed::Started(op) => Ok(accepted(format!(
            "{}/operations/{}",
            relationship_url(&base, &op.relationship_id),
            op.id
        ))),
    }
}

/// `DELETE …/delegatedAdminRelationships/{id}` with `If-Match` (ReadWrite.All): only in `created`.
#[utoipa::path(delete, path = "/v1.0/tenantRelationships/delegatedAdminRelationships/{id}", tag = "delegatedAdminRelationships",
    params(("id" = String, Path), ("If-Match" = String, Header)),
    responses((status = 204, description = "Deleted"), Refusals))]
pub async fn delete_relationship(
    State(state): State<AppState>,
    Authorize(caller): Authorize<GdapWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
    OData(raw): OData,
) -> ApiResult<StatusCode> {
    reject_options(&raw)?;
    let rel = load_relationship(&state, &caller, &id).await?;
    if_match.check(&dto::relationship_etag(&rel))?;
    DeleteRelationship { relationship: rel }
        .execute(&state, &caller)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Refuses OData options where none apply.
pub fn reject_options(raw: &RawQuery) -> ApiResult<()> {
    match raw.pairs.iter().find(|(k, _)| k.starts_with('$')) {
        Some((k, _)) => Err(ApiError::BadRequest(format!(
            "the query option `{k}` is not supported on this request"
        ))),
        None => Ok(()),
    }
}
