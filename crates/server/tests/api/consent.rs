//! Consent at sign-in: a registered application gets only the permissions granted to it; a user
//! consents to what users may grant, an administrator also for the organization, and a user is told
//! when only an administrator may; the application hears of a refusal in Entra's words.

use reqwest::StatusCode;
use serde_json::json;

use crate::flows::{authorize_path, claims, LOOPBACK, VERIFIER};
use crate::helpers::*;
use crate::visitor::{Page, Visitor};

const USER: (&str, &str) = ("user@customera.onmicrosoft.com", "User-Pass-1");
const GA: (&str, &str) = ("ga@customera.onmicrosoft.com", "Ga-Pass-1");

/// A public client registered in Customer A with nothing granted; its client id.
async fn register(app: &TestApp) -> String {
    let ga = app.customer_a_admin_graph().await;
    let created = app
        .post(
            "/v1.0/applications",
            &ga,
            json!({"displayName": "Field <b>tool</b>", "isFallbackPublicClient": true,
                   "publicClient": {"redirectUris": ["http://localhost"]}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    created.body["appId"].as_str().unwrap().to_owned()
}

async fn signed_in(app: &TestApp, (upn, password): (&str, &str)) -> Visitor {
    let mut v = Visitor::new(app);
    v.sign_in(upn, password).await;
    v
}

/// Answers the consent page `page` (whose request was `path`) and follows back to the request.
async fn answer(v: &mut Visitor, path: &str, page: &Page, answer: &str, org: bool) -> Page {
    let csrf = Visitor::csrf_of(page);
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("return", path),
        ("answer", answer),
    ];
    if org {
        form.push(("organization", "1"));
    }
    let action = path.split('?').next().unwrap();
    let onward = v.post(action, &form).await;
    assert_eq!(onward.status, 200, "{}", onward.body);
    let to = onward.headers["refresh"]
        .to_str()
        .unwrap()
        .strip_prefix("0;url=")
        .unwrap()
        .to_owned();
    v.get(&to).await
}

fn query_of(page: &Page) -> std::collections::HashMap<String, String> {
    assert_eq!(page.status, 302, "{}", page.body);
    url::Url::parse(page.location.as_deref().unwrap())
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

async fn scopes_of(app: &TestApp, client: &str, code: &str) -> String {
    let t = app
        .form_token(
            "customera.onmicrosoft.com",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", client),
                ("code", code),
                ("redirect_uri", LOOPBACK),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.text);
    claims(t.body["access_token"].as_str().unwrap())["scp"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_user_consents_once_to_what_users_may_grant() {
    let app = spawn_app().await;
    let client = register(&app).await;
    let mut v = signed_in(&app, USER).await;
    let path = authorize_path(
        "customera.onmicrosoft.com",
        &client,
        LOOPBACK,
        "openid User.Read",
    );
    let page = v.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Permissions requested"));
    assert!(page.body.contains("Field &lt;b&gt;tool&lt;/b&gt;"));
    assert!(page.body.contains("Sign you in"));
    assert!(page.body.contains("Sign in and read user profile"));
    assert!(!page.body.contains("on behalf of your organization"));
    let back = answer(&mut v, &path, &page, "accept", false).await;
    let code = query_of(&back)["code"].clone();
    assert_eq!(scopes_of(&app, &client, &code).await, "User.Read");
    // Asked again, the consent stands: straight back to the application.
    assert!(query_of(&v.get(&path).await).contains_key("code"));
    // Silent sign-in for more than was granted: Entra's consent_required.
    let silent = authorize_path(
        "customera.onmicrosoft.com",
        &client,
        LOOPBACK,
        "openid Group.Read.All",
    ) + "&prompt=none";
    let q = query_of(&v.get(&silent).await);
    assert_eq!(q["error"], "consent_required");
    assert!(q["error_description"].starts_with("AADSTS65001"));
}

#[tokio::test]
async fn only_an_administrator_grants_what_needs_one_and_may_grant_it_for_everyone() {
    let app = spawn_app().await;
    let client = register(&app).await;
    let path = authorize_path(
        "customera.onmicrosoft.com",
        &client,
        LOOPBACK,
        "openid User.Read.All",
    );
    // A user is told an administrator must grant it, and may only go back without it.
    let mut user = signed_in(&app, USER).await;
    let page = user.get(&path).await;
    assert!(page.body.contains("Need admin approval"), "{}", page.body);
    assert!(
        page.body.contains("Read all users' full profiles"),
        "{}",
        page.body
    );
    let forged = {
        let csrf = Visitor::csrf_of(&page);
        let action = path.split('?').next().unwrap();
        user.post(
            action,
            &[("csrf", &csrf), ("return", &path), ("answer", "accept")],
        )
        .await
    };
    assert_eq!(forged.status, 403, "{}", forged.body);
    let back = answer(&mut user, &path, &page, "decline", false).await;
    let q = query_of(&back);
    assert_eq!(q["error"], "access_denied");
    assert!(q["error_description"].starts_with("AADSTS65004"));
    // The administrator consents for the organization...
    let mut ga = signed_in(&app, GA).await;
    let page = ga.get(&path).await;
    // (The administrator reads Japanese: 組織の代理として同意する.)
    assert!(page.body.contains("name=\"organization\""), "{}", page.body);
    let back = answer(&mut ga, &path, &page, "accept", true).await;
    assert!(query_of(&back).contains_key("code"));
    // ...and the user signs in without being asked.
    let code = query_of(&user.get(&path).await)["code"].clone();
    assert_eq!(scopes_of(&app, &client, &code).await, "User.Read.All");
}
