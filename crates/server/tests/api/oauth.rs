//! The authorization code flow with PKCE: a user signs in on gdap's page, the application gets a
//! code at a redirect URI it registered, and redeems it once, with its verifier, for tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

use crate::helpers::*;
use crate::visitor::Visitor;

const TOOL: &str = "11111111-cccc-4ccc-8ccc-000000000004";
const WEB_APP: &str = "11111111-cccc-4ccc-8ccc-000000000005";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-and-some-more-entropy";

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn authorize_path(tenant: &str, client: &str, redirect: &str, extra: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("client_id", client)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", redirect)
        .append_pair(
            "scope",
            "openid profile offline_access https://graph.microsoft.com/User.ReadWrite.All",
        )
        .append_pair("state", "st-123")
        .append_pair("nonce", "n-456");
    for (k, v) in extra {
        q.append_pair(k, v);
    }
    format!("/{tenant}/oauth2/v2.0/authorize?{}", q.finish())
}

fn query_of(location: &str) -> std::collections::HashMap<String, String> {
    let url = url::Url::parse(location).expect("an absolute redirect");
    url.query_pairs().into_owned().collect()
}

/// Signs `upn` in through the page the authorize request leads to, and returns the redirect
/// gdap sends the browser to at the end.
async fn sign_in_for_code(v: &mut Visitor, path: &str, upn: &str, password: &str) -> String {
    let first = v.get(path).await;
    assert_eq!(first.status, 303, "{}", first.body);
    let to_sign_in = first.location.expect("to the sign-in page");
    assert!(to_sign_in.starts_with("/signin?"), "{to_sign_in}");
    let back: String =
        url::form_urlencoded::parse(to_sign_in.split_once('?').unwrap().1.as_bytes())
            .find(|(k, _)| k == "return")
            .map(|(_, v)| v.into_owned())
            .unwrap();
    let signed = v.sign_in_to(upn, password, &back).await;
    let again = v.get(&onward(&signed)).await;
    assert_eq!(again.status, 302, "{}", again.body);
    again.location.expect("back to the application")
}

/// Where the page after signing in for an application moves on to: not a redirect (the sign-in
/// form's `form-action 'self'` would cover the redirect to the application), but a page that
/// refreshes to the authorization endpoint, with a link.
fn onward(signed: &crate::visitor::Page) -> String {
    assert_eq!(signed.status, 200, "{}", signed.body);
    assert!(signed.location.is_none());
    let refresh = signed.headers["refresh"].to_str().unwrap();
    let to = refresh
        .strip_prefix("0;url=")
        .expect("refresh at once")
        .to_owned();
    assert!(to.contains("/oauth2/v2.0/authorize?"), "{to}");
    assert!(
        signed
            .body
            .contains(&format!("href=\"{}\"", to.replace('&', "&amp;"))),
        "{}",
        signed.body
    );
    to
}

async fn redeem(app: &TestApp, tenant: &str, form: &[(&str, &str)]) -> Res {
    app.form_token(tenant, form).await
}

#[tokio::test]
async fn a_public_client_signs_a_user_in_with_pkce_and_redeems_the_code_once() {
    let app = spawn_app().await;
    let mut v = Visitor::new(&app);
    let redirect = "http://localhost:53117";
    let path = authorize_path(
        "partnerone.onmicrosoft.com",
        TOOL,
        redirect,
        &[
            ("code_challenge", &challenge(VERIFIER)),
            ("code_challenge_method", "S256"),
        ],
    );
    let back = sign_in_for_code(
        &mut v,
        &path,
        "admin@partnerone.onmicrosoft.com",
        "Admin-Pass-1",
    )
    .await;
    assert!(back.starts_with("http://localhost:53117/?"), "{back}");
    let q = query_of(&back);
    assert_eq!(q["state"], "st-123");
    let code = q["code"].clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", TOOL),
        ("code", code.as_str()),
        ("redirect_uri", redirect),
        ("code_verifier", VERIFIER),
        ("client_info", "1"),
        (
            "scope",
            "openid profile offline_access https://graph.microsoft.com/User.ReadWrite.All",
        ),
    ];
    let t = redeem(&app, "partnerone.onmicrosoft.com", &form).await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.text);
    // The access token works at Graph as the user.
    let access = t.body["access_token"].as_str().unwrap().to_owned();
    let me = app
        .get("/v1.0/users/admin@partnerone.onmicrosoft.com", &access)
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    // The ID token is for the application, with the nonce of the sign-in.
    let id = t.body["id_token"].as_str().unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(id.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["aud"], TOOL);
    assert_eq!(claims["nonce"], "n-456");
    assert_eq!(
        claims["preferred_username"],
        "admin@partnerone.onmicrosoft.com"
    );
    assert_eq!(claims["tid"], PARTNER);
    assert!(claims["iss"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/{PARTNER}/v2.0")));
    assert!(t.body["client_info"].is_string());
    // An ID token is not an access token.
    app.get("/v1.0/users", id).await.assert_error(401, "");
    // The same code again: spent.
    let again = redeem(&app, "partnerone.onmicrosoft.com", &form).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.text);
    assert_eq!(again.body["error"], "invalid_grant");
    assert!(again.text.contains("AADSTS70008"), "{}", again.text);
}

#[tokio::test]
async fn a_wrong_verifier_redirect_or_client_is_refused_with_entras_code_and_spends_the_code() {
    let app = spawn_app().await;
    let mut v = Visitor::new(&app);
    let redirect = "https://tool.example/callback";
    let path = authorize_path(
        "partnerone.onmicrosoft.com",
        TOOL,
        redirect,
        &[
            ("code_challenge", &challenge(VERIFIER)),
            ("code_challenge_method", "S256"),
        ],
    );
    let back = sign_in_for_code(
        &mut v,
        &path,
        "admin@partnerone.onmicrosoft.com",
        "Admin-Pass-1",
    )
    .await;
    let code = query_of(&back)["code"].clone();
    let base = |verifier: &'static str, redirect: &'static str, client: &'static str| {
        vec![
            ("grant_type", "authorization_code"),
            ("client_id", client),
            ("redirect_uri", redirect),
            ("code_verifier", verifier),
            ("scope", "https://graph.microsoft.com/.default"),
        ]
    };
    let mut wrong = base(
        "x-wrong-verifier-wrong-verifier-wrong-verifier-00",
        redirect,
        TOOL,
    );
    wrong.push(("code", &code));
    let r = redeem(&app, "partnerone.onmicrosoft.com", &wrong).await;
    assert!(r.text.contains("AADSTS50148"), "{}", r.text);
    // Each refusal above took the code: a refused redemption cannot be retried with another
    // guess (Entra's codes are single use too).
    let mut right = base(VERIFIER, redirect, TOOL);
    right.push(("code", &code));
    let r = redeem(&app, "partnerone.onmicrosoft.com", &right).await;
    assert!(r.text.contains("AADSTS70008"), "{}", r.text);
    // A fresh code, redeemed at another redirect URI or by another client.
    let back = v.get(&path).await.location.unwrap();
    let code = query_of(&back)["code"].clone();
    let mut elsewhere = base(VERIFIER, "https://tool.example/other", TOOL);
    elsewhere.push(("code", &code));
    let r = redeem(&app, "partnerone.onmicrosoft.com", &elsewhere).await;
    assert!(r.text.contains("AADSTS500112"), "{}", r.text);
    let back = v.get(&path).await.location.unwrap();
    let code = query_of(&back)["code"].clone();
    let mut other_client = base(VERIFIER, redirect, "04b07795-8ddb-461a-bbee-02f9e1bf7b46");
    other_client.push(("code", &code));
    let r = redeem(&app, "partnerone.onmicrosoft.com", &other_client).await;
    assert!(r.text.contains("AADSTS70000"), "{}", r.text);
}

#[tokio::test]
async fn an_unregistered_redirect_is_never_followed_and_other_mistakes_go_back_to_the_application()
{
    let app = spawn_app().await;
    let mut v = Visitor::new(&app);
    v.sign_in("admin@partnerone.onmicrosoft.com", "Admin-Pass-1")
        .await;
    // Not registered: a page here, no redirect anywhere.
    for (client, redirect) in [
        (TOOL, "https://evil.example/callback"),
        (TOOL, "http://localhost.evil.example/"),
        (WEB_APP, "http://localhost:8080"),
        ("11111111-cccc-4ccc-8ccc-00000000ffff", "http://localhost"),
    ] {
        let p = v
            .get(&authorize_path(
                "partnerone.onmicrosoft.com",
                client,
                redirect,
                &[],
            ))
            .await;
        assert_eq!(p.status, 400, "{client} {redirect}: {}", p.body);
        assert!(p.location.is_none());
        assert!(
            p.body.contains("AADSTS50011") || p.body.contains("AADSTS700016"),
            "{}",
            p.body
        );
    }
    // A public client without PKCE, a wrong response type, an unknown challenge method: back to
    // the application with Entra's error and the state.
    let cases: [(&[(&str, &str)], &str); 2] = [
        (&[], "AADSTS9002325"),
        (
            &[
                ("code_challenge", "abc"),
                ("code_challenge_method", "plain"),
            ],
            "AADSTS501481",
        ),
    ];
    for (extra, code) in cases {
        let p = v
            .get(&authorize_path(
                "partnerone.onmicrosoft.com",
                TOOL,
                "http://localhost:9",
                extra,
            ))
            .await;
        assert_eq!(p.status, 302, "{}", p.body);
        let q = query_of(p.location.as_deref().unwrap());
        assert_eq!(q["error"], "invalid_request");
        assert!(q["error_description"].starts_with(code), "{q:?}");
        assert_eq!(q["state"], "st-123");
    }
    // A partner's user asking for a customer where it has no delegated access.
    let p = v
        .get(&authorize_path(
            "customera.onmicrosoft.com",
            WEB_APP,
            "https://web.example/signin-oidc",
            &[],
        ))
        .await;
    let q = query_of(p.location.as_deref().unwrap());
    assert!(q["error_description"].starts_with("AADSTS50020"), "{q:?}");
    // `prompt=none` without a session says so instead of showing a page.
    let mut stranger = Visitor::new(&app);
    let p = stranger
        .get(&authorize_path(
            "partnerone.onmicrosoft.com",
            WEB_APP,
            "https://web.example/signin-oidc",
            &[("prompt", "none")],
        ))
        .await;
    assert_eq!(
        query_of(p.location.as_deref().unwrap())["error"],
        "login_required"
    );
}

#[tokio::test]
async fn a_confidential_client_must_prove_its_secret_and_may_do_without_pkce() {
    let app = spawn_app().await;
    let mut v = Visitor::new(&app);
    let redirect = "https://web.example/signin-oidc";
    let path = authorize_path(
        "partnerone.onmicrosoft.com",
        WEB_APP,
        redirect,
        &[("response_mode", "form_post")],
    );
    let first = v.get(&path).await;
    let back: String = url::form_urlencoded::parse(
        first
            .location
            .unwrap()
            .split_once('?')
            .unwrap()
            .1
            .as_bytes(),
    )
    .find(|(k, _)| k == "return")
    .map(|(_, v)| v.into_owned())
    .unwrap();
    let signed = v
        .sign_in_to("admin@partnerone.onmicrosoft.com", "Admin-Pass-1", &back)
        .await;
    let page = v.get(&onward(&signed)).await;
    // form_post: a form to the application's address, which the page's policy allows.
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("action=\"https://web.example/signin-oidc\""),
        "{}",
        page.body
    );
    let csp = page.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("form-action 'self' https://web.example"),
        "{csp}"
    );
    let at = page.body.find("name=\"code\" value=\"").unwrap() + 19;
    let code = page.body[at..at + page.body[at..].find('"').unwrap()].to_owned();
    let form = |secret: &'static str| {
        vec![
            ("grant_type", "authorization_code"),
            ("client_id", WEB_APP),
            ("client_secret", secret),
            ("redirect_uri", redirect),
            ("scope", "https://graph.microsoft.com/User.Read.All"),
        ]
    };
    let mut bad = form("not-the-secret");
    bad.push(("code", &code));
    let r = redeem(&app, "partnerone.onmicrosoft.com", &bad).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    // The code was not spent by a client that could not prove itself.
    let mut good = form("web-secret");
    good.push(("code", &code));
    let r = redeem(&app, "partnerone.onmicrosoft.com", &good).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["scope"], "https://graph.microsoft.com/User.Read.All");
}

#[tokio::test]
async fn a_code_left_for_more_than_ten_minutes_has_expired() {
    let app = spawn_app().await;
    let mut v = Visitor::new(&app);
    v.sign_in("admin@partnerone.onmicrosoft.com", "Admin-Pass-1")
        .await;
    let t = crate::flows::authorize_path(
        "partnerone.onmicrosoft.com",
        TOOL,
        crate::flows::LOOPBACK,
        "openid User.ReadWrite.All",
    );
    let code = query_of(&v.get(&t).await.location.unwrap())["code"].clone();
    app.advance("PT11M").await;
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", TOOL),
        ("code", code.as_str()),
        ("redirect_uri", crate::flows::LOOPBACK),
        ("code_verifier", crate::flows::VERIFIER),
    ];
    let r = redeem(&app, "partnerone.onmicrosoft.com", &form).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(r.text.contains("AADSTS70008"), "{}", r.text);
}
