//! Guessing at the token endpoint: secrets and passwords are throttled per account and per source
//! (so a stranger cannot lock an administrator out), and an unknown account costs the time a wrong
//! password costs.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::*;

const WRITER: &str = "11111111-cccc-4ccc-8ccc-000000000001";

/// A client whose requests come from `ip` (any address of 127.0.0.0/8 reaches the server).
fn from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

async fn token_from(
    app: &TestApp,
    client: &reqwest::Client,
    tenant: &str,
    form: &[(&str, &str)],
) -> Res {
    let r = client
        .post(format!("{}/{tenant}/oauth2/v2.0/token", app.base))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    Res {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or_default(),
        text,
    }
}

fn secret_form(secret: &str) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "client_credentials".into()),
        ("client_id", WRITER.into()),
        ("client_secret", secret.into()),
        ("scope", "https://graph.microsoft.com/.default".into()),
    ]
}

fn password_form<'a>(upn: &'a str, password: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("grant_type", "password"),
        ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
        ("username", upn),
        ("password", password),
        ("scope", "https://graph.microsoft.com/.default"),
    ]
}

fn borrowed<'a>(f: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    f.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test]
async fn guessing_a_client_secret_is_throttled_for_the_guesser_but_not_for_the_application() {
    let app = spawn_app().await;
    let (home, stranger) = (from("127.0.0.1"), from("127.0.0.2"));
    let ok = token_from(
        &app,
        &home,
        PARTNER,
        &borrowed(&secret_form("writer-secret")),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    let mut last = None;
    for _ in 0..12 {
        last = Some(token_from(&app, &stranger, PARTNER, &borrowed(&secret_form("guess"))).await);
    }
    let last = last.unwrap();
    assert_eq!(last.status, StatusCode::TOO_MANY_REQUESTS, "{}", last.text);
    assert!(last.header("retry-after").is_some());
    assert!(last.text.contains("AADSTS"), "{}", last.text);
    // Even the right secret is refused to the guesser while it waits...
    let blocked = token_from(
        &app,
        &stranger,
        PARTNER,
        &borrowed(&secret_form("writer-secret")),
    )
    .await;
    assert_eq!(
        blocked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        blocked.text
    );
    // ...while the application itself, from where it signs in, goes on working.
    let ok = token_from(
        &app,
        &home,
        PARTNER,
        &borrowed(&secret_form("writer-secret")),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
}

#[tokio::test]
async fn a_stranger_cannot_lock_a_global_administrator_out() {
    let app = spawn_app().await;
    let (home, stranger) = (from("127.0.0.1"), from("127.0.0.2"));
    let upn = "ga@customera.onmicrosoft.com";
    let tenant = "customera.onmicrosoft.com";
    let ok = token_from(&app, &home, tenant, &password_form(upn, "Ga-Pass-1")).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    let mut last = None;
    for _ in 0..12 {
        last = Some(token_from(&app, &stranger, tenant, &password_form(upn, "wrong-guess")).await);
    }
    let last = last.unwrap();
    assert!(last.text.contains("AADSTS50053"), "{}", last.text);
    // The stranger is locked out; the administrator, from where it signs in, is not.
    let ok = token_from(&app, &home, tenant, &password_form(upn, "Ga-Pass-1")).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
}

/// The median time of five answers.
async fn median_time(app: &TestApp, upn: &str) -> (Duration, Res) {
    let client = from("127.0.0.4");
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let start = Instant::now();
        let r = token_from(
            app,
            &client,
            "customera.onmicrosoft.com",
            &password_form(upn, "Wrong-Pass-9"),
        )
        .await;
        times.push(start.elapsed());
        last = Some(r);
    }
    times.sort();
    (times[2], last.unwrap())
}

#[tokio::test]
async fn an_unknown_user_costs_the_time_of_a_wrong_password_and_gets_entras_own_code() {
    let app = spawn_app().await;
    let (known, wrong) = median_time(&app, "user@customera.onmicrosoft.com").await;
    let (unknown, missing) = median_time(&app, "nobody@customera.onmicrosoft.com").await;
    assert!(
        unknown * 2 >= known,
        "an unknown user answered in {unknown:?}, a wrong password in {known:?}"
    );
    assert!(wrong.text.contains("AADSTS50126"), "{}", wrong.text);
    assert!(missing.text.contains("AADSTS50034"), "{}", missing.text);
}

#[tokio::test]
async fn hardened_an_unknown_account_is_answered_exactly_as_a_wrong_password() {
    let app = spawn_with(Options {
        hardened: true,
        ..Options::default()
    })
    .await;
    let (_, wrong) = median_time(&app, "user@customera.onmicrosoft.com").await;
    let (_, missing) = median_time(&app, "nobody@customera.onmicrosoft.com").await;
    for r in [&wrong, &missing] {
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.text.contains("AADSTS50126"), "{}", r.text);
        assert!(!r.text.contains("nobody"), "{}", r.text);
    }
}
