//! `/v1/customers`: the reseller relationship request link, and the partner's customers (paged by
//! `MS-ContinuationToken`, filtered by company name or domain as Partner Center takes it).

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use base64::Engine;
use gdap_app::partner_center::{self, Customer, CustomerChange, CustomerFilter};
use gdap_app::state::AppState;
use gdap_domain::ids::TenantId;
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

fn customer_json(c: &Customer, with_access: bool) -> Value {
    let id = c.tenant.id.to_string();
    let relationship = if c.link.reseller
        || c.link
            .other_types
            .contains(&gdap_domain::customer::LinkType::IndirectReseller)
    {
        "reseller"
    } else {
        "advisor"
    };
    let mut v = json!({
        "id": id,
        "companyProfile": {
            "tenantId": id,
            "domain": c.tenant.domain,
            "companyName": c.tenant.display_name,
            "attributes": { "objectType": "CustomerCompanyProfile" },
        },
        "relationshipToPartner": relationship,
        "links": { "self": { "uri": format!("/customers/{id}"), "method": "GET", "headers": [] } },
        "attributes": { "objectType": "Customer" },
    });
    if let Some(reseller) = c.link.associated_partner {
        v["associatedPartnerId"] = Value::String(reseller.to_string());
    }
    if with_access {
        // Partner Center gives `allowDelegatedAccess` only when a customer is read by id.
        v["allowDelegatedAccess"] = Value::Bool(c.link.dap);
    }
    v
}

/// Reads an object's keys whatever their case (Partner Center's samples send PascalCase).
fn field<'a>(o: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
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
) -> PcResult<Json<Value>> {
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
    let items: Vec<Value> = page.items.iter().map(|c| customer_json(c, false)).collect();
    let mut links = json!({});
    if let Some(next) = page.next_after {
        links["next"] = json!({
            "uri": format!("/customers?size={size}&seekOperation=Next"),
            "method": "GET",
            "headers": [{ "key": "MS-ContinuationToken", "value": token_of(next, filter.as_ref()) }],
        });
    }
    Ok(Json(json!({
        "totalCount": items.len(),
        "items": items,
        "links": links,
        "attributes": { "objectType": "Collection" },
    })))
}

/// `GET /v1/customers/{id}`: one customer of the partner, with `allowDelegatedAccess`.
pub async fn get_one(
    State(state): State<AppState>,
    PcCaller(partner): PcCaller,
    Path(id): Path<String>,
) -> PcResult<Json<Value>> {
    let id = TenantId::parse(&id).map_err(|_| {
        PcError::not_found(format!(
            "Customer {} was not found.",
            id.chars().take(80).collect::<String>()
        ))
    })?;
    let c = partner_center::customer(&state, &partner, id).await?;
    Ok(Json(customer_json(&c, true)))
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
) -> PcResult<Json<Value>> {
    let id = TenantId::parse(&id).map_err(|_| {
        PcError::not_found(format!(
            "Customer {} was not found.",
            id.chars().take(80).collect::<String>()
        ))
    })?;
    let change = read_change(&body)?;
    let c = partner_center::update_customer(&state, &partner, id, change).await?;
    let mut v = customer_json(&c, true);
    if !c.link.reseller {
        v["relationshipToPartner"] = Value::String("none".into());
    }
    Ok(Json(v))
}
