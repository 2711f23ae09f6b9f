//! The role picker of the partner portal and the customer's audit view, over HTTP: search in
//! both languages, least-privileged suggestions, Global Administrator's effect said before
//! sending; who did what in words, a page at a time, and the exports for auditors.

use crate::helpers::*;
use crate::visitor::Visitor;

const PASSWORD_ADMIN: &str = "966707d0-3269-4727-9be2-8c3a10f19b9d";

async fn partner_admin(app: &TestApp) -> Visitor {
    let mut v = Visitor::new(app);
    v.sign_in("admin@partnerone.onmicrosoft.com", "Admin-Pass-1")
        .await;
    v
}

/// The ids of the roles offered as checkboxes (chosen or not).
fn offered(body: &str) -> Vec<String> {
    body.match_indices("data-role=\"")
        .map(|(i, m)| body[i + m.len()..i + m.len() + 36].to_owned())
        .collect()
}

#[tokio::test]
async fn the_role_search_finds_a_role_by_its_japanese_or_english_name_or_a_task() {
    let app = spawn_app().await;
    let mut v = partner_admin(&app).await;
    let all = v.get("/partner/relationships/new").await;
    assert_eq!(all.status, 200);
    let everything = offered(&all.body);
    assert!(everything.contains(&GA.to_owned()));
    for q in [
        "パスワード管理者",
        "password admin",
        "ＰＡＳＳＷＯＲＤ",
        "非管理者のパスワード",
    ] {
        let enc: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
        let found = v.get(&format!("/partner/relationships/new?q={enc}")).await;
        let ids = offered(&found.body);
        assert!(ids.contains(&PASSWORD_ADMIN.to_owned()), "{q} finds it");
        assert!(!ids.contains(&EXCHANGE.to_owned()), "{q} leaves others out");
        assert!(ids.len() < everything.len() / 4, "{q}: {}", ids.len());
    }
    let none = v
        .get("/partner/relationships/new?q=zzzz-no-such-role")
        .await;
    assert!(offered(&none.body).is_empty());
}

#[tokio::test]
async fn searching_keeps_what_was_entered_and_the_roles_chosen() {
    let app = spawn_app().await;
    let mut v = partner_admin(&app).await;
    let page = v.get("/partner/relationships/new").await;
    let csrf = Visitor::csrf_of(&page);
    let p = v
        .post(
            "/partner/relationships/new",
            &[
                ("csrf", &csrf),
                ("name", "Kept name"),
                ("days", "365"),
                ("role", HELPDESK),
                ("q", "Exchange"),
                ("search", "1"),
            ],
        )
        .await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("value=\"Kept name\""));
    assert!(p.body.contains("value=\"365\""));
    let chosen = format!("id=\"role-chosen-{HELPDESK}\"");
    let at = p.body.find(&chosen).expect("the chosen role stays chosen");
    assert!(p.body[at..at + 200].contains("checked"));
    assert!(offered(&p.body).contains(&EXCHANGE.to_owned()));
    // Without the token the search is refused like any form.
    let forged = v
        .post("/partner/relationships/new", &[("q", "Exchange")])
        .await;
    assert_eq!(forged.status, 403);
}

#[tokio::test]
async fn global_administrator_is_marked_and_its_effect_on_auto_extend_is_said_before_sending() {
    let app = spawn_app().await;
    let mut v = partner_admin(&app).await;
    let plain = v
        .get(&format!("/partner/relationships/new?role={HELPDESK}"))
        .await;
    assert!(!plain.body.contains("data-warning=\"ga-auto-extend\""));
    let ga = v
        .get(&format!("/partner/relationships/new?role={GA}"))
        .await;
    assert!(ga.body.contains("data-warning=\"ga-auto-extend\""));
    let at = ga.body.find(&format!("data-role=\"{GA}\"")).unwrap();
    assert!(ga.body[at..at + 900].contains("privileged"));
    // Partner Center's least-privileged suggestion for a task is offered beside the task.
    let all = v.get("/partner/relationships/new").await;
    assert!(all.body.contains("Reset password for nonadmin"));
}

#[tokio::test]
async fn the_audit_view_names_people_in_words_and_pages_through_the_record() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let rel = app.create_default(&p, "Audited").await;
    let id = rel["id"].as_str().unwrap();
    app.lock(&p, id).await;
    let admin = app.customer_a_admin().await;
    assert_eq!(app.approve(&admin, id).await.status, 200);
    app.advance("PT2S").await;
    let mut v = Visitor::new(&app);
    // The customer's Global Administrator reads Japanese (the account's saved choice).
    v.sign_in("ga@customera.onmicrosoft.com", "Ga-Pass-1").await;
    let page = v
        .get(&format!("/adminportal/settings/partners/{PARTNER}/audit"))
        .await;
    assert_eq!(page.status, 200);
    for words in [
        "監査ログ",
        "日時",
        "実行者",
        "A Global Admin",
        "自動処理",
        "リレーションシップが有効になりました",
    ] {
        assert!(page.body.contains(words), "{words} missing");
    }
    for raw in [
        "delegatedAdminRelationship",
        "success:",
        "microsoft.directory",
    ] {
        assert!(!page.body.contains(raw), "{raw} shown");
    }
    // The detail page shows the newest entries in the same words, with a link to the rest.
    let detail = v
        .get(&format!("/adminportal/settings/partners/{PARTNER}"))
        .await;
    assert!(detail.body.contains("/audit\""));
    assert!(!detail.body.contains("delegatedAdminRelationship"));
    // A second page exists only when there is more.
    assert!(!page.body.contains("rel=\"next\""));
    let far = v
        .get(&format!(
            "/adminportal/settings/partners/{PARTNER}/audit?page=9"
        ))
        .await;
    assert!(far.body.contains("rel=\"prev\""));
}

#[tokio::test]
async fn auditors_export_the_record_as_csv_and_json_with_the_recorded_actions() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let rel = app.create_default(&p, "Exported").await;
    let id = rel["id"].as_str().unwrap();
    app.lock(&p, id).await;
    let admin = app.customer_a_admin().await;
    assert_eq!(app.approve(&admin, id).await.status, 200);
    let mut v = Visitor::new(&app);
    v.sign_in("ga@customera.onmicrosoft.com", "Ga-Pass-1").await;
    let csv = v
        .get(&format!(
            "/adminportal/settings/partners/{PARTNER}/audit.csv"
        ))
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(csv.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert!(
        csv.body.starts_with("\u{feff}\"dateTime\"") || csv.body.starts_with("\u{feff}dateTime")
    );
    assert!(csv.body.contains("delegatedAdminRelationship.update"));
    assert!(csv.body.contains("A Global Admin"));
    let json = v
        .get(&format!(
            "/adminportal/settings/partners/{PARTNER}/audit.json"
        ))
        .await;
    let body: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    let rows = body["value"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["relationshipId"] == id));
    assert!(rows
        .iter()
        .all(|r| r["what"].as_str().is_some_and(|w| !w.is_empty())));
    // Another tenant's administrator gets nothing of it.
    let mut other = Visitor::new(&app);
    other
        .sign_in("ga@customerb.onmicrosoft.com", "Gb-Pass-1")
        .await;
    let theirs = other
        .get(&format!(
            "/adminportal/settings/partners/{PARTNER}/audit.json"
        ))
        .await;
    let body: serde_json::Value = serde_json::from_str(&theirs.body).unwrap_or_default();
    assert!(!theirs.body.contains(id), "{body}");
}

/// The items of the page's step list.
fn steps(body: &str) -> usize {
    let at = body.find("<ol class=\"steps\">").expect("a step list");
    let end = at + body[at..].find("</ol>").unwrap();
    body[at..end].matches("<li").count()
}

#[tokio::test]
async fn the_step_list_keeps_its_length_once_the_agreement_is_accepted() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let rel = app.create_default(&p, "Steps").await;
    let id = rel["id"].as_str().unwrap();
    app.lock(&p, id).await;
    let link = format!("/adminportal/partners/invitation/granularAdminRelationships/{id}");
    let mut v = Visitor::new(&app);
    v.sign_in("ga@customera.onmicrosoft.com", "Ga-Pass-1").await;
    let notice = v.get(&link).await;
    assert_eq!(steps(&notice.body), 4);
    let csrf = Visitor::csrf_of(&notice);
    v.post(
        &format!("{link}/agreement"),
        &[("csrf", &csrf), ("agree", "yes")],
    )
    .await;
    for step in ["", "?step=roles", "?step=review"] {
        let page = v.get(&format!("{link}{step}")).await;
        assert_eq!(steps(&page.body), 4, "{step}");
    }
    let roles = v.get(&format!("{link}?step=roles")).await;
    assert!(
        roles.body.contains("承諾済み"),
        "the agreement step shows as done"
    );
}

#[tokio::test]
async fn the_operator_names_the_product_and_sets_its_logo_and_colour() {
    let plain = spawn_app().await;
    let page = Visitor::new(&plain).get("/signin").await;
    assert!(page.body.contains("– gdap</title>"));
    assert!(!page.body.contains("/assets/look.css"));
    assert!(!page.body.contains("Microsoft 365 admin center"));
    let app = spawn_with(Options {
        look: gdap_app::state::Look {
            product_name: "Contoso 管理センター".into(),
            logo: Some((
                b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
                "image/svg+xml",
            )),
            brand_color: Some("#8a2be2".into()),
        },
        ..Options::default()
    })
    .await;
    let page = Visitor::new(&app).get("/signin").await;
    assert!(
        page.body.contains("Contoso 管理センター</a>")
            || page.body.contains("Contoso 管理センター")
    );
    assert!(page.body.contains("– Contoso 管理センター</title>"));
    assert!(page.body.contains("src=\"/assets/logo\""));
    let css = app
        .send(reqwest::Method::GET, "/assets/look.css", None, None, &[])
        .await;
    assert!(css.text.contains("--brand: #8a2be2"));
    let logo = app
        .send(reqwest::Method::GET, "/assets/logo", None, None, &[])
        .await;
    assert_eq!(
        logo.header("content-type").as_deref(),
        Some("image/svg+xml")
    );
    assert!(logo
        .header("content-security-policy")
        .is_some_and(|c| c.contains("sandbox")));
}
