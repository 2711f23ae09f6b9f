//! `/v1/customers`: the reseller relationship request link, and the partner's customers (paged by
//! `MS-ContinuationToken`, filtered by company name or domain as Partner Center takes it).

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use gdap_app::partner_center::{self, Customer, CustomerChange, CustomerFilter};
use gdap_app::state::AppState;
use gdap_domain::ids::TenantId;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::error::{PcError, PcResult};
use crate::{PcCaller, PcOrigin};

/// Partner Center's default page size of customers.
const DEFAULT_SIZE: u32 = 200;

/// `GET /v1/customers/relationshiprequests[?indirectProviderId=…]`: the link that invites a
/// customer to a reseller relationship with the calling partner (and, for an indirect reseller,
/// its indirect provider).
pub async fn relationship_request(
    State(state): State<AppState>,
    PcCaller(partner): PcCaller,
    PcOrigin(origin): PcOrigin,
    Query(q): Query<Vec<(String, String)>>,
) -> PcResult<Json<Value>> {
    // An indirect reseller names the indirect provider it sells through (gdap's own parameter;
    // Partner Center asks for it in its UI).
    let provider = q
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("indirectProviderId"))
        .map(|(_, v)| v.as_str());
    let provider = match provider {
        Some(p) => Some(TenantId::parse(p).map_err(|_| {
            PcError::bad_request("`indirectProviderId` must be the indirect provider's tenant id")
        })?),
        None => None,
    };
    let url = partner_center::relationship_request_url(&state, &origin, &partner, provider).await?;
    Ok(Json(
        json!({ "url": url, "attributes": { "objectType": "RelationshipRequest" } }),
    ))
}

/// `attributes` of a Partner Center resource.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Attributes {
    object_type: &'static str,
}

/// A link of a resource (`links.self`).
#[derive(Serialize)]
struct Link {
    uri: String,
    method: &'static str,
    headers: [(); 0],
}

#[derive(Serialize)]
struct SelfLink {
    #[serde(rename = "self")]
    this: Link,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CompanyProfile<'a> {
    tenant_id: TenantId,
    domain: &'a str,
    company_name: &'a str,
    attributes: Attributes,
}

/// A `Customer` as Partner Center writes it; typed, as a page holds hundreds.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CustomerOut<'a> {
    id: TenantId,
    company_profile: CompanyProfile<'a>,
    relationship_to_partner: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    associated_partner_id: Option<TenantId>,
    /// Only when a customer is read by id, as Partner Center gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    allow_delegated_access: Option<bool>,
    links: SelfLink,
    attributes: Attributes,
}

fn customer_json(c: &Customer, with_access: bool) -> CustomerOut<'_> {
    let id = c.tenant.id;
    let relationship = if !c.link.is_customer_tie() {
        "none"
    } else if c.link.reseller
        || c.link
            .other_types
            .contains(&gdap_domain::customer::LinkType::IndirectReseller)
    {
        "reseller"
    } else {
        "advisor"
    };
    CustomerOut {
        id,
        company_profile: CompanyProfile {
            tenant_id: id,
            domain: &c.tenant.domain,
            company_name: &c.tenant.display_name,
            attributes: Attributes {
                object_type: "CustomerCompanyProfile",
            },
        },
        relationship_to_partner: relationship,
        associated_partner_id: c.link.associated_partner,
        allow_delegated_access: with_access.then_some(c.link.dap),
        links: SelfLink {
            this: Link {
                uri: format!("/customers/{id}"),
                method: "GET",
                headers: [],
            },
        },
        attributes: Attributes {
            object_type: "Customer",
        },
    }
}

/// Reads an object's keys whatever their case (Partner Center's samples send PascalCase).
/// A customer id from a path; one that is no tenant id is a customer not found.
pub(crate) fn customer_id(raw: &str) -> PcResult<TenantId> {
    TenantId::parse(raw).map_err(|_| {
        PcError::not_found(format!(
            "Customer {} was not found.",
            raw.chars().take(80).collect::<String>()
        ))
    })
}

/// A property of a body by name in any case, as Partner Center reads them.
pub(crate) fn field<'a>(o: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    o.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// `filter={"Field":"CompanyName"|"Domain","Value":"…","Operator":"starts_with"}`.
fn parse_filter(raw: &str) -> PcResult<CustomerFilter> {
    let bad = || {
        PcError::bad_request(
            "filter must be {\"Field\":\"CompanyName\" or \"Domain\",\"Value\":\"…\",\"Operator\":\"starts_with\"}",
        )
    };
    let v: Value = serde_json::from_str(raw).map_err(|_| bad())?;
    let o = v.as_object().ok_or_else(bad)?;
    let text = |n: &str| field(o, n).and_then(Value::as_str);
    let value = text("Value").filter(|v| !v.is_empty() && v.chars().count() <= 256);
    let operator = text("Operator").unwrap_or("starts_with");
    if !operator.eq_ignore_ascii_case("starts_with") {
        return Err(bad());
    }
    match (text("Field"), value) {
        (Some(f), Some(v)) if f.eq_ignore_ascii_case("CompanyName") => {
            Ok(CustomerFilter::CompanyName(v.to_owned()))
        }
        (Some(f), Some(v)) if f.eq_ignore_ascii_case("Domain") => {
            Ok(CustomerFilter::Domain(v.to_owned()))
        }
        _ => Err(bad()),
    }
}

/// The continuation of a listing: where it stopped and its filter.
fn token_of(after: TenantId, filter: Option<&CustomerFilter>) -> String {
    let f = match filter {
        Some(CustomerFilter::CompanyName(v)) => json!({"Field": "CompanyName", "Value": v}),
        Some(CustomerFilter::Domain(v)) => json!({"Field": "Domain", "Value": v}),
        None => Value::Null,
    };
    let raw = json!({ "after": after.to_string(), "filter": f }).to_string();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn read_token(raw: &str) -> PcResult<(TenantId, Option<CustomerFilter>)> {
    let bad = || PcError::bad_request("the continuation token is not one this server issued");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw.trim())
        .map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let after = v["after"]
        .as_str()
        .and_then(|a| TenantId::parse(a).ok())
        .ok_or_else(bad)?;
    let filter = match &v["filter"] {
        Value::Null => None,
        f => Some(parse_filter(&f.to_string())?),
    };
    Ok((after, filter))
}

/// `GET /v1/customers[?size=n][&filter=…]`, and `?seekOperation=Next` with `MS-ContinuationToken`.
pub async fn list(
    State(state): State<AppState>,
    PcCaller(partner): PcCaller,
    Query(q): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> PcResult<Response> {
    let param = |n: &str| {
        q.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_str())
    };
    let size = match param("size") {
        None | Some("0") => DEFAULT_SIZE,
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=partner_center::MAX_PAGE).contains(n))
            .ok_or_else(|| PcError::bad_request("size must be a number from 1 to 500"))?,
    };
    let (after, filter) = match param("seekOperation") {
        Some(op) if op.eq_ignore_ascii_case("next") => {
            let token = headers
                .get("ms-continuationtoken")
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| {
                    PcError::bad_request("seekOperation=Next needs the MS-ContinuationToken header")
                })?;
            let (a, f) = read_token(token)?;
            (Some(a), f)
        }
        Some(_) => return Err(PcError::bad_request("seekOperation must be Next")),
        None => (None, param("filter").map(parse_filter).transpose()?),
    };
    let page = partner_center::customers(&state, &partner, after, size, filter.as_ref()).await?;
    let items: Vec<CustomerOut<'_>> = page.items.iter().map(|c| customer_json(c, false)).collect();
    let mut links = json!({});
    if let Some(next) = page.next_after {
        links["next"] = json!({
            "uri": format!("/customers?size={size}&seekOperation=Next"),
            "method": "GET",
            "headers": [{ "key": "MS-ContinuationToken", "value": token_of(next, filter.as_ref()) }],
        });
    }
    Ok(Json(Collection {
        total_count: items.len(),
        items,
        links,
        attributes: Attributes {
            object_type: "Collection",
        },
    })
    .into_response())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Collection<T> {
    total_count: usize,
    items: Vec<T>,
    links: Value,
    attributes: Attributes,
}

/// `GET /v1/customers/{id}`: one customer of the partner, with `allowDelegatedAccess`.
pub async fn get_one(
    State(state): State<AppState>,
    PcCaller(partner): PcCaller,
    Path(id): Path<String>,
) -> PcResult<Response> {
    let id = customer_id(&id)?;
    let c = partner_center::customer(&state, &partner, id).await?;
    Ok(Json(customer_json(&c, true)).into_response())
}

/// The one change a `PATCH` body asks for: `{"relationshipToPartner": "none"}` or
/// `{"allowDelegatedAccess": false}`, property names in any case, `attributes` allowed.
fn read_change(body: &[u8]) -> PcResult<CustomerChange> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|_| PcError::bad_request("the body must be a JSON object"))?;
    let o = v
        .as_object()
        .ok_or_else(|| PcError::bad_request("the body must be a JSON object"))?;
    if let Some((k, _)) = o.iter().find(|(k, _)| {
        ![
            "relationshipToPartner",
            "allowDelegatedAccess",
            "attributes",
        ]
        .iter()
        .any(|n| k.eq_ignore_ascii_case(n))
    }) {
        return Err(PcError::bad_request(format!(
            "`{}` cannot be changed here; send relationshipToPartner \"none\" or allowDelegatedAccess false",
            k.chars().take(80).collect::<String>()
        )));
    }
    match (field(o, "relationshipToPartner"), field(o, "allowDelegatedAccess")) {
        (Some(Value::String(r)), None) if r.eq_ignore_ascii_case("none") => {
            Ok(CustomerChange::EndRelationship)
        }
        (None, Some(Value::Bool(false))) => Ok(CustomerChange::RemoveDap),
        (None, Some(_)) => Err(PcError::bad_request(
            "allowDelegatedAccess can only be set to false: delegated access is granted by the customer",
        )),
        (Some(_), None) => Err(PcError::bad_request(
            "relationshipToPartner can only be set to \"none\"",
        )),
        _ => Err(PcError::bad_request(
            "send either relationshipToPartner \"none\" or allowDelegatedAccess false",
        )),
    }
}

/// `PATCH /v1/customers/{id}`: removes DAP, or ends the reseller relationship (and DAP with it).
pub async fn update(
    State(state): State<AppState>,
    PcCaller(partner): PcCaller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> PcResult<Response> {
    let id = customer_id(&id)?;
    let change = read_change(&body)?;
    let c = partner_center::update_customer(&state, &partner, id, change).await?;
    Ok(Json(customer_json(&c, true)).into_response())
}
