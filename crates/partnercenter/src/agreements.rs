//! Agreements (`/v1/agreements`, `/v1/customers/{id}/agreements`, the direct-signed status): the
//! metadata of the agreements Partner Center knows, and a customer's acceptance of the Microsoft
//! Customer Agreement — the record the approval and reseller pages write when its administrator
//! accepts it.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use gdap_app::agreements::{self, Attest, AttestRefused};
use gdap_app::partner_center;
use gdap_app::state::AppState;
use gdap_domain::agreement::{Attestation, AttestationError, Contact};
use gdap_domain::customer::CUSTOMER_AGREEMENT;
use gdap_domain::timefmt::format_graph;
use serde_json::{json, Value};

use crate::customers::{customer_id, field};
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
        gdap_domain::customer::CUSTOMER_AGREEMENT_TEMPLATE,
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
    // Partners' attestations of the types asked for, oldest first.
    let attested = state
        .store
        .attestations_of(id)
        .await
        .map_err(gdap_app::error::AppError::from)?;
    items.extend(
        attested
            .iter()
            // Each partner reads its own attestations; another partner's contact is not its business.
            .filter(|a| a.partner == partner.partner.id)
            .filter(|a| wanted.iter().any(|w| w.0 == a.agreement_type))
            .map(attestation_json),
    );
    Ok(collection(items))
}

/// An attestation as Partner Center writes an `Agreement`.
fn attestation_json(a: &Attestation) -> Value {
    let link = AGREEMENTS
        .iter()
        .find(|x| x.0 == a.agreement_type)
        .map_or("", |x| x.2);
    let mut contact = json!({
        "firstName": a.contact.first_name,
        "lastName": a.contact.last_name,
        "email": a.contact.email,
    });
    if let Some(p) = &a.contact.phone {
        contact["phoneNumber"] = Value::String(p.clone());
    }
    json!({
        "userId": a.user.to_string(),
        "primaryContact": contact,
        "dateAgreed": format_graph(a.date_agreed),
        "templateId": a.template_id,
        "type": a.agreement_type,
        "agreementLink": link,
        "attributes": { "objectType": "Agreement" },
    })
}

/// Reads the body of an attestation: `primaryContact`, `dateAgreed`, `templateId` and `type`
/// (names in any case; `userId`, `agreementLink` and `attributes` are read-only and ignored).
fn read_attestation(body: &[u8]) -> PcResult<Attest> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|_| PcError::bad_request("the body must be a JSON object"))?;
    let o = v
        .as_object()
        .ok_or_else(|| PcError::bad_request("the body must be a JSON object"))?;
    const KNOWN: [&str; 7] = [
        "primaryContact",
        "dateAgreed",
        "templateId",
        "type",
        "userId",
        "agreementLink",
        "attributes",
    ];
    if let Some(k) = o
        .keys()
        .find(|k| !KNOWN.iter().any(|n| k.eq_ignore_ascii_case(n)))
    {
        return Err(PcError::bad_request(format!(
            "`{}` is not a property of an agreement",
            k.chars().take(80).collect::<String>()
        )));
    }
    let text = |o: &serde_json::Map<String, Value>, name: &str| -> PcResult<String> {
        field(o, name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| PcError::bad_request(format!("`{name}` is required")))
    };
    let agreement_type = text(o, "type")?;
    let template_id = text(o, "templateId")?;
    let Some((name, template, _)) = AGREEMENTS
        .iter()
        .find(|(name, _, _)| name.eq_ignore_ascii_case(&agreement_type))
    else {
        return Err(PcError::bad_request(
            "`type` must be MicrosoftCloudAgreement or MicrosoftCustomerAgreement",
        ));
    };
    // Template ids are compared exactly, as Partner Center does.
    if template_id != *template {
        return Err(PcError::bad_request(format!(
            "`templateId` is not the template of {name}; read it from GET /v1/agreements?agreementType={name}"
        )));
    }
    let contact = field(o, "primaryContact")
        .and_then(Value::as_object)
        .ok_or_else(|| PcError::bad_request("`primaryContact` is required"))?;
    let contact = Contact {
        first_name: text(contact, "firstName")?,
        last_name: text(contact, "lastName")?,
        email: text(contact, "email")?,
        phone: field(contact, "phoneNumber")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
            .map(str::to_owned),
    };
    let raw = text(o, "dateAgreed")?;
    let date_agreed = parse_date(&raw).ok_or_else(|| {
        PcError::bad_request(
            "`dateAgreed` must be a UTC date and time, such as 2026-12-01T09:00:00Z",
        )
    })?;
    Ok(Attest {
        agreement_type: (*name).to_owned(),
        template_id,
        contact,
        date_agreed,
    })
}

/// An ISO 8601 date and time with its offset, or a date alone (midnight UTC).
fn parse_date(raw: &str) -> Option<time::OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::parse(raw, &Rfc3339).ok().or_else(|| {
        let f = time::macros::format_description!("[year]-[month]-[day]");
        time::Date::parse(raw, &f)
            .ok()
            .map(|d| d.midnight().assume_utc())
    })
}

/// `POST /v1/customers/{id}/agreements`: the partner attests that the customer accepted an
/// agreement. The same contact attesting the same agreement again → `600061`.
pub async fn attest(
    State(state): State<AppState>,
    PcCaller(partner): PcCaller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> PcResult<(StatusCode, Json<Value>)> {
    let id = customer_id(&id)?;
    let input = read_attestation(&body)?;
    match agreements::attest(&state, &partner, id, input).await {
        Ok(a) => Ok((StatusCode::CREATED, Json(attestation_json(&a)))),
        Err(AttestRefused::Attestation(e @ AttestationError::Duplicate)) => Err(PcError::new(
            StatusCode::CONFLICT,
            600_061,
            "PartnerConfirmedAgreementAlreadyExists",
            e.to_string(),
        )),
        Err(AttestRefused::Attestation(e)) => Err(PcError::bad_request(e.to_string())),
        Err(AttestRefused::App(e)) => Err(e.into()),
    }
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
