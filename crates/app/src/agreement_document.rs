//! The Microsoft Customer Agreement's document for a customer's country and language (Partner
//! Center's agreement document): where to preview it, and a download link signed with the
//! server's keys that works for five minutes, a new one on every request.

use gdap_domain::customer::CUSTOMER_AGREEMENT_TEMPLATE;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// How long a download link works.
pub const DOWNLOAD_LIFETIME: time::Duration = time::Duration::minutes(5);

/// The languages the document exists in beyond `en-US`, with the countries each serves.
const LANGUAGES: [(&str, &[&str]); 1] = [("ja-JP", &["JP"])];

/// One document: the agreement for a country, in a language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementDocument {
    /// Two upper-case letters (`US` by default).
    pub country: String,
    /// `en-US` or a language the country has the document in.
    pub language: String,
}

/// The document of `template` for `country` and `language` as Partner Center resolves them:
/// country `US` and language `en-US` when not given, `en-US` when the language is not one the
/// country has. Only the Microsoft Customer Agreement has a document; its template id, like the
/// country code, is case-sensitive.
pub fn resolve(
    template: &str,
    country: Option<&str>,
    language: Option<&str>,
) -> AppResult<AgreementDocument> {
    if template != CUSTOMER_AGREEMENT_TEMPLATE {
        return Err(AppError::not_found("agreement template", template));
    }
    let country = country.unwrap_or("US");
    if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(AppError::Invalid(
            "`country` must be a country code of two upper-case letters, such as US or JP".into(),
        ));
    }
    let language = language
        .and_then(|l| {
            LANGUAGES
                .iter()
                .find(|(name, countries)| {
                    name.eq_ignore_ascii_case(l) && countries.contains(&country)
                })
                .map(|(name, _)| *name)
        })
        .unwrap_or("en-US");
    Ok(AgreementDocument {
        country: country.to_owned(),
        language: language.to_owned(),
    })
}

/// The text a download link signs.
fn signed_text(doc: &AgreementDocument, expires: i64) -> String {
    format!(
        "agreement-document\n{CUSTOMER_AGREEMENT_TEMPLATE}\n{}\n{}\n{expires}",
        doc.country, doc.language
    )
}

/// The query of a new download link of `doc`: country, language, expiry, key id and signature.
pub fn download_query(state: &AppState, doc: &AgreementDocument) -> AppResult<String> {
    let expires = (state.now() + DOWNLOAD_LIFETIME).unix_timestamp();
    let (kid, sig) = state
        .keys
        .sign_detached(signed_text(doc, expires).as_bytes())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(format!(
        "country={}&language={}&expires={expires}&kid={kid}&sig={sig}",
        doc.country, doc.language
    ))
}

/// A download link's parts, as its query gives them.
#[derive(Debug, Clone, Default)]
pub struct DownloadLink<'a> {
    /// `country`.
    pub country: &'a str,
    /// `language`.
    pub language: &'a str,
    /// `expires` (Unix seconds).
    pub expires: i64,
    /// `kid`.
    pub kid: &'a str,
    /// `sig`.
    pub sig: &'a str,
}

/// The document a download link names, when the server signed it and it has not expired.
pub fn open_download(state: &AppState, link: &DownloadLink<'_>) -> AppResult<AgreementDocument> {
    let doc = AgreementDocument {
        country: link.country.to_owned(),
        language: link.language.to_owned(),
    };
    let genuine = state.keys.verify_detached(
        link.kid,
        signed_text(&doc, link.expires).as_bytes(),
        link.sig,
    );
    if !genuine {
        return Err(AppError::Forbidden(
            "this download link is not valid; ask Partner Center for a new one".into(),
        ));
    }
    if state.now().unix_timestamp() >= link.expires {
        return Err(AppError::Forbidden(
            "this download link has expired (links work for five minutes); ask Partner Center for a new one".into(),
        ));
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_defaults_to_the_us_in_english_and_falls_back_to_english() {
        let doc = |c, l| resolve(CUSTOMER_AGREEMENT_TEMPLATE, c, l).unwrap();
        assert_eq!(doc(None, None).country, "US");
        assert_eq!(doc(None, None).language, "en-US");
        assert_eq!(doc(Some("JP"), Some("ja-jp")).language, "ja-JP");
        // Japanese is not a language of the US document.
        assert_eq!(doc(Some("US"), Some("ja-JP")).language, "en-US");
        assert!(resolve(CUSTOMER_AGREEMENT_TEMPLATE, Some("jp"), None).is_err());
        assert!(resolve(&CUSTOMER_AGREEMENT_TEMPLATE.to_uppercase(), None, None).is_err());
    }
}
