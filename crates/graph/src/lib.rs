//! The Graph GDAP API under `/v1.0` and `/beta` (`tenantRelationships/...`).

pub mod assignments;
pub mod bulk_jobs;
pub mod customers;
pub mod directory;
pub mod input;
pub mod operations;
pub mod relationships;
pub mod requests;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use gdap_domain::ids::RelationshipId;
use gdap_domain::relationship::Relationship;
use gdap_http::extract::relationship_id;
use gdap_store::Page;
use serde::Serialize;
use serde_json::{Map, Value};

use gdap_app::caller::Authorized;
use gdap_app::state::AppState;
use gdap_http::error::{ApiError, ApiResult, GRAPH_JSON};
use gdap_http::extract::Base;

/// Routes of one API version (paths in lower case: requests are matched case-insensitively).
pub fn routes() -> Router<AppState> {
    let rel = "/tenantrelationships/delegatedadminrelationships";
    crate::directory::routes()
        .route(
            rel,
            get(relationships::list_relationships).post(relationships::create_relationship),
        )
        .route(
            &format!("{rel}/{{id}}"),
            get(relationships::get_relationship)
                .patch(relationships::update_relationship)
                .delete(relationships::delete_relationship),
        )
        .route(
            &format!("{rel}/{{id}}/requests"),
            get(requests::list_requests).post(requests::create_request),
        )
        .route(
            &format!("{rel}/{{id}}/requests/{{request_id}}"),
            get(requests::get_request),
        )
        .route(
            &format!("{rel}/{{id}}/accessassignments"),
            get(assignments::list_assignments).post(assignments::create_assignment),
        )
        .route(
            &format!("{rel}/{{id}}/accessassignments/{{assignment_id}}"),
            get(assignments::get_assignment)
                .patch(assignments::update_assignment)
                .delete(assignments::delete_assignment),
        )
        .route(
            &format!("{rel}/{{id}}/operations"),
            get(operations::list_operations),
        )
        .route(
            &format!("{rel}/{{id}}/operations/{{operation_id}}"),
            get(operations::get_operation),
        )
        .route(
            "/tenantrelationships/delegatedadmincustomers",
            get(customers::list_customers),
        )
        .route(
            "/tenantrelationships/delegatedadmincustomers/{customer_id}",
            get(customers::get_customer),
        )
        .route(
            "/tenantrelationships/delegatedadmincustomers/{customer_id}/servicemanagementdetails",
            get(customers::list_service_management_details),
        )
}

/// A JSON response with Graph's media type.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut res = (status, body.to_string()).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(GRAPH_JSON));
    res
}

/// A single entity with its `@odata.context`, optionally with a `Location`.
pub fn entity(
    status: StatusCode,
    context: String,
    item: impl Serialize,
    location: Option<String>,
) -> Response {
    let mut m = Map::new();
    m.insert("@odata.context".into(), Value::String(context));
    m.extend(gdap_http::dto::to_map(&item));
    let mut res = json_response(status, &Value::Object(m));
    if let Some(loc) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        res.headers_mut().insert(header::LOCATION, loc);
    }
    res
}

/// A collection page with `@odata.count` and `@odata.nextLink` when they apply. Items are written
/// straight into the body, without an intermediate JSON tree.
pub fn collection<T>(
    base: &Base,
    context: String,
    page: Page<T>,
    render: impl Fn(&T, &mut Vec<u8>) -> serde_json::Result<()>,
) -> Response {
    let mut out: Vec<u8> = Vec::with_capacity(256 + page.items.len() * 900);
    out.extend_from_slice(b"{\"@odata.context\":");
    let _ = serde_json::to_writer(&mut out, &context);
    if let Some(n) = page.count {
        out.extend_from_slice(format!(",\"@odata.count\":{n}").as_bytes());
    }
    if let Some(token) = &page.next {
        out.extend_from_slice(b",\"@odata.nextLink\":");
        let _ = serde_json::to_writer(&mut out, &base.next_link(token));
    }
    out.extend_from_slice(b",\"value\":[");
    for (i, item) in page.items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if render(item, &mut out).is_err() {
            return ApiError::Internal("an item could not be rendered".into()).into_response();
        }
    }
    out.extend_from_slice(b"]}");
    let mut res = (StatusCode::OK, out).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(GRAPH_JSON));
    res
}

/// 202 Accepted for a long-running operation.
pub fn accepted(location: String) -> Response {
    let mut res = json_response(StatusCode::ACCEPTED, &Value::Object(Map::new()));
    if let Ok(loc) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, loc);
    }
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
    res
}

/// Loads a relationship of the calling partner; another partner's ids are simply not found.
pub async fn load_relationship<C>(
    state: &AppState,
    caller: &Authorized<C>,
    raw_id: &str,
) -> ApiResult<Relationship> {
    Ok(gdap_app::relationships::load(state, caller, raw_id).await?)
}

/// Loads a relationship the caller may read: its own, or one it created for an indirect reseller.
pub async fn read_relationship<C>(
    state: &AppState,
    caller: &Authorized<C>,
    raw_id: &str,
) -> ApiResult<Relationship> {
    Ok(gdap_app::relationships::load_readable(state, caller, raw_id).await?)
}

/// `{root}/tenantRelationships/delegatedAdminRelationships/{id}`.
pub fn relationship_url(base: &Base, id: &RelationshipId) -> String {
    format!(
        "{}/tenantRelationships/delegatedAdminRelationships/{id}",
        base.root()
    )
}
