//! `GET /v1/agreementtemplates/{id}/document`: the Microsoft Customer Agreement's document for a
//! customer's country and language, as a preview link and a download link that works for five
//! minutes. The two links are served here too, without a token, as a browser opens them.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use gdap_app::agreement_document::{self, AgreementDocument, DownloadLink};
use gdap_app::state::AppState;
use gdap_domain::customer::{CUSTOMER_AGREEMENT_TEMPLATE, CUSTOMER_AGREEMENT_VERSION};
use serde_json::{json, Value};

use crate::error::{PcError, PcResult};
use crate::{PcCaller, PcOrigin};

/// Where Microsoft publishes the agreement's binding text.
const PUBLISHED: &str = "https://www.microsoft.com/licensing/docs/customeragreement";

/// A query parameter by name in any case.
fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `GET /v1/agreementtemplates/{id}/document[?language=…&country=…]`.
pub async fn document(
    State(state): State<AppState>,
    PcCaller(_): PcCaller,
    PcOrigin(origin): PcOrigin,
    Path(template): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> PcResult<Json<Value>> {
    let doc = agreement_document::resolve(&template, param(&q, "country"), param(&q, "language"))?;
    let base = format!("{origin}/v1/agreementtemplates/{CUSTOMER_AGREEMENT_TEMPLATE}/document");
    let download = agreement_document::download_query(&state, &doc)?;
    Ok(Json(json!({
        "templateId": CUSTOMER_AGREEMENT_TEMPLATE,
        "country": doc.country,
        "language": doc.language,
        "displayUri": format!("{base}/view?country={}&language={}", doc.country, doc.language),
        "downloadUri": format!("{base}/download?{download}"),
        "versionRank": 0,
        "attributes": { "objectType": "AgreementDocument" },
    })))
}

/// The document as a page: the agreement named, for its country and language, with where its
/// binding text is published.
fn page(doc: &AgreementDocument) -> String {
    let ja = doc.language == "ja-JP";
    let (lang, title, body, fields) = if ja {
        (
            "ja",
            "Microsoft 顧客契約",
            "パートナー関係を承諾する前に、組織の管理者はこの契約に同意します。契約の正式な本文は、Microsoft が次の場所で公開しています。",
            ["テンプレート ID", "国または地域", "言語", "版"],
        )
    } else {
        (
            "en",
            "Microsoft Customer Agreement",
            "An organization's administrator accepts this agreement before accepting a partner relationship. Microsoft publishes the agreement's binding text at:",
            ["Template ID", "Country or region", "Language", "Version"],
        )
    };
    let values = [
        CUSTOMER_AGREEMENT_TEMPLATE,
        doc.country.as_str(),
        doc.language.as_str(),
        CUSTOMER_AGREEMENT_VERSION,
    ];
    let rows: String = fields
        .iter()
        .zip(values)
        .map(|(f, v)| format!("<dt>{f}</dt><dd>{v}</dd>"))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><dl>{rows}</dl><p>{body}</p><p><a href=\"{PUBLISHED}\">{PUBLISHED}</a></p></body></html>\n"
    )
}

fn html(doc: &AgreementDocument, attachment: bool) -> Response {
    let mut res = (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page(doc),
    )
        .into_response();
    if attachment {
        let name = format!(
            "attachment; filename=\"MicrosoftCustomerAgreement_{}_{}.html\"",
            doc.country, doc.language
        );
        if let Ok(v) = name.parse() {
            res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
    }
    res
}

/// The template of a link's path, which must be the agreement's.
fn check_template(template: &str) -> PcResult<()> {
    agreement_document::resolve(template, None, None)?;
    Ok(())
}

/// `GET …/document/view?country=…&language=…`: the preview (`displayUri`).
pub async fn view(
    Path(template): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> PcResult<Response> {
    check_template(&template)?;
    let doc = agreement_document::resolve(&template, param(&q, "country"), param(&q, "language"))?;
    Ok(html(&doc, false))
}

/// `GET …/document/download?…`: the download (`downloadUri`), while its signature holds and for
/// five minutes.
pub async fn download(
    State(state): State<AppState>,
    Path(template): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> PcResult<Response> {
    check_template(&template)?;
    let link = DownloadLink {
        country: param(&q, "country").unwrap_or_default(),
        language: param(&q, "language").unwrap_or_default(),
        expires: param(&q, "expires")
            .and_then(|e| e.parse().ok())
            .ok_or_else(|| PcError::bad_request("the download link is incomplete"))?,
        kid: param(&q, "kid").unwrap_or_default(),
        sig: param(&q, "sig").unwrap_or_default(),
    };
    let doc = agreement_document::open_download(&state, &link)?;
    Ok(html(&doc, true))
}
