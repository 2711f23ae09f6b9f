//! `delegatedAdminCustomers`: the partner's customers with an active relationship, and their
//! service management links.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use gdap_domain::ids::TenantId;
use gdap_domain::query::{parse_item_query, parse_list_query, schemas};
use gdap_http::auth::Authorize;
use gdap_store::Page;

use super::relationships::reject_options;
use super::{collection, entity};
use gdap_app::caller::{Authorized, GdapRead};
use gdap_app::state::AppState;
use gdap_http::dto::{self, *};
use gdap_http::error::{ApiError, ApiResult};
use gdap_http::extract::{Base, OData};
use gdap_http::schema::Refusals;

/// `GET …/delegatedAdminCustomers` (Read.All).
#[utoipa::path(get, path = "/v1.0/tenantRelationships/delegatedAdminCustomers", tag = "delegatedAdminCustomers",
    params(("$filter" = Option<String>, Query), ("$orderby" = Option<String>, Query), ("$select" = Option<String>, Query), ("$top" = Option<u32>, Query), ("$count" = Option<bool>, Query), ("$skiptoken" = Option<String>, Query)),
    responses((status = 200, body = Collection<CustomerJson>), Refusals))]
pub async fn list_customers(
    State(state): State<AppState>,
    Authorize(caller): Authorize<GdapRead>,
    OData(raw): OData,
    base: Base,
) -> ApiResult<Response> {
    let partner = caller.partner;
    let q = parse_list_query(&schemas::CUSTOMERS, &raw, false)?;
    let page = state.store.list_customers(partner, &q).await?;
    Ok(collection(
        &base,
        base.context("delegatedAdminCustomers"),
        page,
        |c, out| dto::write(out, dto::select(dto::customer(c), &q.select)),
    ))
}

async fn load(
    state: &AppState,
    caller: &Authorized<GdapRead>,
    raw: &str,
) -> ApiResult<gdap_store::CustomerSummary> {
    let partner = caller.partner;
    let id = TenantId::parse(raw)?;
    state
        .store
        .customer(partner, id)
        .await?
        .ok_or_else(|| ApiError::not_found("delegatedAdminCustomer", raw))
}

/// `GET …/delegatedAdminCustomers/{customerId}` (Read.All).
#[utoipa::path(get, path = "/v1.0/tenantRelationships/delegatedAdminCustomers/{customer_id}", tag = "delegatedAdminCustomers",
    params(("customer_id" = String, Path), ("$select" = Option<String>, Query)),
    responses((status = 200, body = CustomerJson), Refusals))]
pub async fn get_customer(
    State(state): State<AppState>,
    Authorize(caller): Authorize<GdapRead>,
    Path(customer_id): Path<String>,
    OData(raw): OData,
    base: Base,
) -> ApiResult<Response> {
    let select = parse_item_query(&schemas::CUSTOMERS, &raw, false)?;
    let c = load(&state, &caller, &customer_id).await?;
    Ok(entity(
        StatusCode::OK,
        base.context("delegatedAdminCustomers/$entity"),
        dto::select(dto::customer(&c), &select),
        None,
    ))
}

/// `GET …/delegatedAdminCustomers/{customerId}/serviceManagementDetails` (Read.All; no query options).
#[utoipa::path(get, path = "/v1.0/tenantRelationships/delegatedAdminCustomers/{customer_id}/serviceManagementDetails", tag = "delegatedAdminCustomers",
    params(("customer_id" = String, Path)),
    responses((status = 200, body = Collection<ServiceManagementDetail>), Refusals))]
pub async fn list_service_management_details(
    State(state): State<AppState>,
    Authorize(caller): Authorize<GdapRead>,
    Path(customer_id): Path<String>,
    OData(raw): OData,
    base: Base,
) -> ApiResult<Response> {
    reject_options(&raw)?;
    let c = load(&state, &caller, &customer_id).await?;
    let page = Page {
        items: dto::service_management_details(&c),
        next: None,
        count: None,
    };
    Ok(collection(
        &base,
        base.context(&format!(
            "delegatedAdminCustomers/{}/serviceManagementDetails",
            c.tenant_id
        )),
        page,
        |m, out| dto::write(out, m),
    ))
}
