//! `POST /v1/customers`: a partner creates a customer tenant with its first administrator, as
//! Partner Center's samples send it (PascalCase or camelCase), optionally with the default GDAP
//! relationship (`enableGDAPByDefault`) and, for an indirect provider, the indirect reseller it
//! comes through (`associatedPartnerId`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use gdap_app::new_customer::{self, NewCustomer, ADMIN_NAME};
use gdap_app::state::AppState;
use gdap_domain::ids::TenantId;
use serde_json::{json, Map, Value};

use crate::customers::field;
use crate::error::{PcError, PcResult};
use crate::PcCaller;

/// A required text property of `o` (`what` names it in errors), trimmed, at most `max` characters.
fn text<'a>(o: &'a Map<String, Value>, name: &str, what: &str, max: usize) -> PcResult<&'a str> {
    match field(o, name) {
        Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= max => Ok(s.trim()),
        _ => Err(PcError::bad_request(format!(
            "`{what}` is required: text of 1 to {max} characters"
        ))),
    }
}

/// An object property of `o`.
fn object<'a>(
    o: &'a Map<String, Value>,
    name: &str,
    what: &str,
) -> PcResult<&'a Map<String, Value>> {
    field(o, name)
        .and_then(Value::as_object)
        .ok_or_else(|| PcError::bad_request(format!("`{what}` is required")))
}

/// The billing profile as Partner Center requires it: e-mail, culture, language, company name and
/// the default address (country, first line, city), returned normalized.
fn billing_profile(o: &Map<String, Value>) -> PcResult<Value> {
    let email = text(o, "Email", "billingProfile.email", 256)?;
    let valid_email = email
        .split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.contains('@'));
    if !valid_email || email.chars().any(char::is_whitespace) {
        return Err(PcError::bad_request(
            "`billingProfile.email` must be an e-mail address",
        ));
    }
    let culture = text(o, "Culture", "billingProfile.culture", 16)?;
    let culture = match culture.split_once('-') {
        Some((l, r))
            if l.len() == 2
                && r.len() == 2
                && culture.chars().all(|c| c.is_ascii_alphabetic() || c == '-') =>
        {
            format!("{}-{}", l.to_ascii_lowercase(), r.to_ascii_uppercase())
        }
        _ => {
            return Err(PcError::bad_request(
                "`billingProfile.culture` must be a culture such as en-US or ja-JP",
            ))
        }
    };
    let language = text(o, "Language", "billingProfile.language", 2)?;
    if language.len() != 2 || !language.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(PcError::bad_request(
            "`billingProfile.language` must be a two-letter language code such as en or ja",
        ));
    }
    let company = text(o, "CompanyName", "billingProfile.companyName", 256)?;
    let address = object(o, "DefaultAddress", "billingProfile.defaultAddress")?;
    let country = text(
        address,
        "Country",
        "billingProfile.defaultAddress.country",
        2,
    )?;
    if country.len() != 2 || !country.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(PcError::bad_request(
            "`billingProfile.defaultAddress.country` must be a two-letter country code",
        ));
    }
    let line = text(
        address,
        "AddressLine1",
        "billingProfile.defaultAddress.addressLine1",
        256,
    )?;
    let city = text(address, "City", "billingProfile.defaultAddress.city", 128)?;
    let optional = |name: &str| {
        field(address, name)
            .and_then(Value::as_str)
            .map(|s| s.chars().take(256).collect::<String>())
    };
    Ok(json!({
        "id": uuid::Uuid::new_v4(),
        "email": email,
        "culture": culture,
        "language": language.to_ascii_lowercase(),
        "companyName": company,
        "defaultAddress": {
            "country": country.to_ascii_uppercase(),
            "city": city,
            "state": optional("State"),
            "addressLine1": line,
            "postalCode": optional("PostalCode"),
            "firstName": optional("FirstName"),
            "lastName": optional("LastName"),
            "phoneNumber": optional("PhoneNumber").unwrap_or_default(),
        },
        "attributes": { "objectType": "CustomerBillingProfile" },
    }))
}

/// `POST /v1/customers`.
pub async fn create(
    State(state): State<AppState>,
    PcCaller(partner): PcCaller,
    body: axum::body::Bytes,
) -> PcResult<Response> {
    let v: Value = serde_json::from_slice(&body)
        .map_err(|_| PcError::bad_request("the body must be a Customer object"))?;
    let o = v
        .as_object()
        .ok_or_else(|| PcError::bad_request("the body must be a Customer object"))?;
    let company = object(o, "CompanyProfile", "companyProfile")?;
    let domain = text(company, "Domain", "companyProfile.domain", 256)?;
    let billing = billing_profile(object(o, "BillingProfile", "billingProfile")?)?;
    let gdap = match field(o, "enableGDAPByDefault") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(PcError::bad_request(
                "`enableGDAPByDefault` must be true or false",
            ))
        }
    };
    let associated = match field(o, "AssociatedPartnerId") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(TenantId::parse(s).map_err(|_| {
            PcError::bad_request("`associatedPartnerId` must be the indirect reseller's tenant id")
        })?),
        Some(_) => {
            return Err(PcError::bad_request(
                "`associatedPartnerId` must be the indirect reseller's tenant id",
            ))
        }
    };
    let input = NewCustomer {
        domain: domain.to_owned(),
        company_name: billing["companyName"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        language: billing["language"].as_str().map(str::to_owned),
        associated_partner: associated,
        enable_gdap_by_default: gdap,
    };
    let created = new_customer::create_customer(&state, &partner, input).await?;
    let id = created.tenant.id;
    let body = json!({
        "id": id,
        "commerceId": uuid::Uuid::new_v4(),
        "companyProfile": {
            "tenantId": id,
            "domain": created.tenant.domain,
            "companyName": created.tenant.display_name,
            "attributes": { "objectType": "CustomerCompanyProfile" },
        },
        "billingProfile": billing,
        "relationshipToPartner": "reseller",
        "associatedPartnerId": created.link.associated_partner,
        "allowDelegatedAccess": created.link.dap,
        "userCredentials": {
            "userName": ADMIN_NAME,
            "password": created.password,
            "attributes": { "objectType": "UserCredentials" },
        },
        "links": { "self": { "uri": format!("/customers/{id}"), "method": "GET", "headers": [] } },
        "attributes": { "objectType": "Customer" },
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
