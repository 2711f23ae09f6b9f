//! The Microsoft Customer Agreement's document: a preview link, and a download link that is new
//! on every request, signed, and works for five minutes.

use reqwest::Method;

use crate::helpers::*;

const MCA_TEMPLATE: &str = "117a77b0-9360-443b-8795-c6dedc750cf9";
const CLOUD_TEMPLATE: &str = "998b88de-aa99-4388-a42c-1b3517d49490";

async fn document(app: &TestApp, token: &str, query: &str) -> Res {
    app.get(
        &format!("/v1/agreementtemplates/{MCA_TEMPLATE}/document{query}"),
        token,
    )
    .await
}

#[tokio::test]
async fn a_customers_document_is_previewed_and_downloaded_through_a_five_minute_link() {
    let app = spawn_app().await;
    let pc = app.partner_center().await;
    let r = document(&app, &pc, "?language=ja-JP&country=JP").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["attributes"]["objectType"], "AgreementDocument");
    assert_eq!(r.body["country"], "JP");
    assert_eq!(r.body["language"], "ja-JP");
    let view = r.body["displayUri"].as_str().unwrap().to_owned();
    let download = r.body["downloadUri"].as_str().unwrap().to_owned();
    assert!(view.starts_with(&app.base) && download.starts_with(&app.base));
    // Each request gives a new download link.
    let again = document(&app, &pc, "?language=ja-JP&country=JP").await;
    assert_ne!(again.body["downloadUri"], r.body["downloadUri"]);

    // A browser opens both without a token.
    let page = app.send(Method::GET, &view, None, None, &[]).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Microsoft 顧客契約"), "{}", page.text);
    assert!(page.header("content-disposition").is_none());
    let file = app.send(Method::GET, &download, None, None, &[]).await;
    assert_eq!(file.status, 200, "{}", file.text);
    assert!(file.text.contains("<html lang=\"ja\">"));
    assert_eq!(
        file.header("content-disposition").as_deref(),
        Some("attachment; filename=\"MicrosoftCustomerAgreement_JP_ja-JP.html\"")
    );

    // A link changed by hand is refused; after five minutes the genuine one is too.
    let tampered = download.replace("country=JP", "country=US");
    let r = app.send(Method::GET, &tampered, None, None, &[]).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(r.body["description"]
        .as_str()
        .unwrap()
        .contains("not valid"));
    app.advance("PT5M").await;
    let late = app.send(Method::GET, &download, None, None, &[]).await;
    assert_eq!(late.status, 403, "{}", late.text);
    assert!(late.body["description"]
        .as_str()
        .unwrap()
        .contains("expired"));
    assert_eq!(
        app.send(Method::GET, &view, None, None, &[]).await.status,
        200
    );
}

#[tokio::test]
async fn a_document_defaults_to_the_us_in_english_and_refuses_what_partner_center_refuses() {
    let app = spawn_app().await;
    let pc = app.partner_center().await;
    let r = document(&app, &pc, "").await;
    assert_eq!(
        (r.body["country"].as_str(), r.body["language"].as_str()),
        (Some("US"), Some("en-US"))
    );
    // Japanese is no language of the US document: English instead.
    let r = document(&app, &pc, "?language=ja-JP").await;
    assert_eq!(r.body["language"], "en-US", "{}", r.text);
    let r = document(&app, &pc, "?country=jp").await;
    assert_eq!(r.status, 400, "{}", r.text);
    for template in [CLOUD_TEMPLATE, &MCA_TEMPLATE.to_uppercase()] {
        let r = app
            .get(&format!("/v1/agreementtemplates/{template}/document"), &pc)
            .await;
        assert_eq!(r.status, 404, "{}", r.text);
    }
    let r = app
        .send(
            Method::GET,
            &format!("/v1/agreementtemplates/{MCA_TEMPLATE}/document"),
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    let r = app
        .send(
            Method::GET,
            &format!(
                "/v1/agreementtemplates/{MCA_TEMPLATE}/document/download?country=US&language=en-US"
            ),
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
}
