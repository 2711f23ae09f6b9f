//! Agreements (`/v1/agreements`, `/v1/customers/{id}/agreements`, the direct-signed status): the
//! metadata of the agreements Partner Center knows, and a customer's acceptance of the Microsoft
//! Customer Agreement — the record the approval and reseller pages write when its administrator
//! accepts it.

use axum::extract::{Path, Query, State};
use axum::Json;
use gdap_app::partner_center;
use gdap_app::state::AppState;
use gdap_domain::customer::CUSTOMER_AGREEMENT;
use gdap_domain::ids::TenantId;
use gdap_domain::timefmt::format_graph;
use serde_json::{json, Value};

use crate::error::{PcError, PcResult};
use crate::PcCaller;

/// The agreements, as Partner Center's metadata names them: `(type, templateId, link)`.
const AGREEMENTS: [(&str, &str, &str); 2] = [
    (
        "MicrosoftCloudAgreement",
        "998b88de-aa99-4388-a42c-1b3517d49490",
        "https://docs.microsoft.com/partner-center/agreements",
    ),
    (
        "MicrosoftCustomerAgreement",
        "117a77b0-9360-443b-8795-c6dedc750cf9",
        "https://aka.ms/customeragreement",
    ),
];

/// The agreement types a query names: `agreementType` absent means the Microsoft Cloud Agreement,
/// as Partner Center answers; `*` means all.
fn types(
    q: &[(String, String)],
) -> PcResult<Vec<&'static (&'static str, &'static str, &'static str)>> {
    let asked = q
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("agreementType"))
        .map(|(_, v)| v.as_str());
    match asked {
        None => Ok(vec![&AGREEMENTS[0]]),
        Some("*") => Ok(AGREEMENTS.iter().collect()),
        Some(t) => AGREEMENTS
            .iter()
            .find(|(name, _, _)| name.eq_ignore_ascii_case(t))
            .map(|a| vec![a])
            .ok_or_else(|| {
                PcError::bad_request(
                    "agreementType must be MicrosoftCloudAgreement, MicrosoftCustomerAgreement or *",
                )
            }),
    }
}

fn collection(items: Vec<Value>) -> Json<Value> {
    Json(json!({
        "totalCount": items.len(),
        "items": items,
        "links": {},
        "attributes": { "objectType": "Collection" },
    }))
}

/// `GET /v1/agreements[?agreementType=…]`: the agreements' metadata.
pub async fn metadata(
    PcCaller(_): PcCaller,
    Query(q): Query<Vec<(String, String)>>,
) -> PcResult<Json<Value>> {
    let items = types(&q)?
        .into_iter()
        .map(|(name, template, link)| {
            json!({
                "templateId": template,
                "agreementType": name,
                "agreementLink": link,
                "versionRank": 0,
                "attributes": { "objectType": "AgreementMetaData" },
            })
        })
        .collect();
    Ok(collection(items))
}

fn customer_id(raw: &str) -> PcResult<TenantId> {
    TenantId::parse(raw).map_err(|_| {
        PcError::not_found(format!(
            "Customer {} was not found.",
            raw.chars().take(80).collect::<String>()
        ))
    })
}

/// `GET /v1/customers/{id}/agreements[?agreementType=…]`: the customer's acceptances.
pub async fn of_customer(
    State(state): State<AppState>,
    PcCaller(partner): PcCaller,
    Path(id): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> PcResult<Json<Value>> {
    let id = customer_id(&id)?;
    let wanted = types(&q)?;
    partner_center::customer(&state, &partner, id).await?;
    let mut items = Vec::new();
    let mca = &AGREEMENTS[1];
    if wanted.iter().any(|a| a.0 == mca.0) {
        if let Some(a) = state
            .store
            .agreement(id, CUSTOMER_AGREEMENT)
            .await
            .map_err(gdap_app::error::AppError::from)?
        {
            items.push(json!({
                "userId": a.accepted_by.to_string(),
                "primaryContact": { "email": a.accepted_by_upn },
                "dateAgreed": format_graph(a.accepted_at),
                "templateId": mca.1,
                "type": mca.0,
                "agreementLink": mca.2,
                "attributes": { "objectType": "Agreement" },
            }));
        }
    }
    Ok(collection(items))
}

/// `GET /v1/customers/{id}/directSignedMicrosoftCustomerAgreementStatus`: whether the customer's
/// administrator accepted the Microsoft Customer Agreement itself.
pub async fn direct_signed(
    State(state): State<AppState>,
    PcCaller(partner): PcCaller,
    Path(id): Path<String>,
) -> PcResult<Json<Value>> {
    let id = customer_id(&id)?;
    partner_center::customer(&state, &partner, id).await?;
    let signed = state
        .store
        .agreement(id, CUSTOMER_AGREEMENT)
        .await
        .map_err(gdap_app::error::AppError::from)?
        .is_some();
    Ok(Json(json!({
        "isSigned": signed,
        "attributes": { "objectType": "DirectSignedMicrosoftCustomerAgreementStatus" },
    })))
}
