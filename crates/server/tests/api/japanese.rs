//! Every page read in Japanese carries none of the English sentences of the translations: a
//! missed translation, a hard-coded English word or a page that ignores the reader's language
//! shows up here. Role names stay in English beside the Japanese ones and are not sentences of the
//! translations, so they pass.

use gdap_domain::mail::Language;

use crate::helpers::*;
use crate::visitor::Visitor;

/// Every string of the English words, from their `Debug` form (nested structs included).
fn english_strings() -> Vec<String> {
    let debug = gdap_web::translations(Language::En);
    let japanese = gdap_web::translations(Language::Ja);
    let mut out = Vec::new();
    let mut rest = debug.as_str();
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        let mut end = 0;
        let mut escaped = false;
        for (i, c) in after.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = i;
                    break;
                }
                _ => escaped = false,
            }
        }
        out.push(after[..end].replace("\\\"", "\"").replace("\\'", "'"));
        rest = &after[end + 1..];
    }
    // Sentences: three words or more, and not the same in both languages (brand names).
    out.retain(|s| {
        s.split_whitespace()
            .filter(|w| w.chars().any(char::is_alphabetic))
            .count()
            >= 3
            && !s.contains('{')
            && !japanese.contains(s.as_str())
    });
    out.sort();
    out.dedup();
    out
}

/// The text a reader sees: the page without its tags, scripts and attributes.
fn visible(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

fn assert_japanese(path: &str, body: &str, english: &[String]) {
    let text = visible(body);
    for s in english {
        assert!(
            !text.contains(s.as_str()),
            "{path} shows the English sentence {s:?}"
        );
    }
}

#[tokio::test]
async fn no_page_read_in_japanese_shows_an_english_sentence_of_the_translations() {
    let english = english_strings();
    assert!(english.len() > 80, "{}", english.len());
    let app = spawn_app().await;
    let p = app.partner().await;
    let pending = app.create_default(&p, "Pending one").await;
    let pending = pending["id"].as_str().unwrap().to_owned();
    app.lock(&p, &pending).await;
    // The customer's Global Administrator reads Japanese (the account's saved choice), first
    // the agreement step, while the tenant has not accepted the agreement.
    let mut c = Visitor::new(&app);
    c.sign_in("ga@customera.onmicrosoft.com", "Ga-Pass-1").await;
    let link = |id: &str, step: &str| {
        format!("/adminportal/partners/invitation/granularAdminRelationships/{id}{step}")
    };
    check_pages(&mut c, &[link(&pending, "?step=agreement")], &english).await;
    let active = app.create_default(&p, "Active one").await;
    let active = active["id"].as_str().unwrap().to_owned();
    app.lock(&p, &active).await;
    let admin = app.customer_a_admin().await;
    assert_eq!(app.approve(&admin, &active).await.status, 200);
    app.advance("PT5S").await;

    let mut customer_pages = vec![
        "/adminportal/settings/partners".to_owned(),
        "/adminportal/settings/partners?filter=expired".to_owned(),
        format!("/adminportal/settings/partners/{PARTNER}"),
        format!("/adminportal/settings/partners/{PARTNER}/audit"),
        format!("/adminportal/settings/partners/{PARTNER}/removeRoles"),
        link(&active, ""),
        link(&active, "?step=accepted"),
    ];
    customer_pages.push(link(&pending, ""));
    // The reseller relationship link Partner Center gives the partner.
    let pc = app.partner_center().await;
    let request = app.get("/v1/customers/relationshiprequests", &pc).await;
    let url = request.body["url"].as_str().unwrap();
    customer_pages.push(
        url.strip_prefix(&app.base)
            .unwrap()
            .split('#')
            .next()
            .unwrap()
            .to_owned(),
    );
    check_pages(&mut c, &customer_pages, &english).await;
    // After the agreement, the remaining steps.
    let notice = c.get(&link(&pending, "")).await;
    let csrf = Visitor::csrf_of(&notice);
    let agreed = c
        .post(
            &format!("{}/agreement", link(&pending, "")),
            &[("csrf", &csrf), ("agree", "yes")],
        )
        .await;
    assert_eq!(agreed.status, 303);
    let steps: Vec<String> = ["?step=roles", "?step=review", "?step=decline"]
        .iter()
        .map(|s| link(&pending, s))
        .collect();
    check_pages(&mut c, &steps, &english).await;

    // The partner's administrator chooses Japanese with the switcher.
    let mut v = Visitor::new(&app);
    v.sign_in("admin@partnerone.onmicrosoft.com", "Admin-Pass-1")
        .await;
    let home = v.get("/partner").await;
    let csrf = Visitor::csrf_of(&home);
    v.post(
        "/language",
        &[("csrf", &csrf), ("lang", "ja"), ("return", "/partner")],
    )
    .await;
    for path in [
        "/partner".to_owned(),
        "/partner?attention=pendingApproval".to_owned(),
        "/partner/relationships/new".to_owned(),
        "/partner/relationships/new?q=%E3%83%91%E3%82%B9%E3%83%AF%E3%83%BC%E3%83%89".to_owned(),
        format!("/partner/relationships/new?role={GA}"),
        format!("/partner/relationships/{pending}"),
        format!("/partner/relationships/{active}"),
        "/partner/settings".to_owned(),
        "/partner/customers".to_owned(),
    ] {
        let page = v.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        assert_japanese(&path, &page.body, &english);
    }

    // The sign-in page in Japanese for a browser that asks for it.
    let anon = reqwest::Client::new()
        .get(format!("{}/signin", app.base))
        .header("accept-language", "ja")
        .send()
        .await
        .unwrap();
    let body = anon.text().await.unwrap();
    assert_japanese("/signin", &body, &english);
}

/// Each page answers in Japanese (or says why not, in Japanese) and shows no English sentence.
async fn check_pages(c: &mut Visitor, paths: &[String], english: &[String]) {
    for path in paths {
        let page = c.get(path).await;
        assert!(
            matches!(page.status, 200 | 403 | 409 | 410),
            "{path}: {} {:?}",
            page.status,
            page.location
        );
        assert_eq!(
            page.headers["content-language"].to_str().unwrap(),
            "ja",
            "{path}"
        );
        assert_japanese(path, &page.body, english);
    }
}
