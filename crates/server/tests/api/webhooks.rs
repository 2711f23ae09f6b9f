//! Partner Center webhooks: registration, signed deliveries of a full lifecycle in order, the
//! validation event, retries past a receiver that was down, and the offline queue's replay.

use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

const HOOKS: &str = "/webhooks/v1/registration";

/// A delivery as the receiver got it.
#[derive(Clone, Debug)]
struct Got {
    id: String,
    body: Value,
    /// The header the signature came in.
    signed_in: &'static str,
}

/// A real HTTP receiver on a fixed port that can go down and come back, verifying every
/// delivery's signature against the certificate its `X-MS-Certificate-Url` names.
struct Receiver {
    port: u16,
    got: Arc<Mutex<Vec<Got>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Receiver {
    async fn start(port: u16, got: Arc<Mutex<Vec<Got>>>, answer: Arc<AtomicU16>) -> Self {
        Self::slow(port, got, answer, Arc::new(AtomicU64::new(0))).await
    }

    /// A receiver that takes `delay_ms` to answer each delivery.
    async fn slow(
        port: u16,
        got: Arc<Mutex<Vec<Got>>>,
        answer: Arc<AtomicU16>,
        delay_ms: Arc<AtomicU64>,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (g, a, d) = (got.clone(), answer.clone(), delay_ms);
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                    let (g, a, d) = (g.clone(), a.clone(), d.clone());
                    async move {
                        verify(&headers, &body).await;
                        let delay = Duration::from_millis(d.load(Ordering::SeqCst));
                        tokio::time::sleep(delay).await;
                        let status = a.load(Ordering::SeqCst);
                        if status == 200 {
                            g.lock().unwrap().push(Got {
                                id: headers["x-gdap-delivery-id"].to_str().unwrap().to_owned(),
                                body: serde_json::from_slice(&body).unwrap(),
                                signed_in: if headers.contains_key("ms-signature") {
                                    "MS-Signature"
                                } else {
                                    "Authorization"
                                },
                            });
                        }
                        axum::http::StatusCode::from_u16(status).unwrap()
                    }
                },
            ),
        );
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        Self {
            port,
            got,
            stop: Some(tx),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    fn down(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }

    fn events(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }
}

/// Checks the delivery as a Partner Center receiver does: the headers, the certificate at
/// `X-MS-Certificate-Url` chaining to gdap's webhook CA, and the RSA-SHA256 signature of the body.
async fn verify(headers: &axum::http::HeaderMap, body: &[u8]) {
    let h = |n: &str| headers[n].to_str().unwrap().to_owned();
    assert_eq!(h("x-ms-signature-algorithm"), "rsa-sha256");
    // In `Authorization`, or alone in `MS-Signature` when the registration asked for it.
    let auth = match headers.get("ms-signature") {
        Some(_) => {
            assert!(
                !headers.contains_key("authorization"),
                "one signature header"
            );
            h("ms-signature")
        }
        None => h("authorization"),
    };
    let sig = auth.strip_prefix("Signature ").expect("Signature scheme");
    let sig = base64::engine::general_purpose::STANDARD
        .decode(sig)
        .unwrap();
    let cert_url = h("x-ms-certificate-url");
    let http = reqwest::Client::new();
    let cert = http
        .get(&cert_url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let ca = http
        .get(format!("{cert_url}/ca"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let cert_der = rustls::pki_types::CertificateDer::from(cert.to_vec());
    let ca_der = rustls::pki_types::CertificateDer::from(ca.to_vec());
    let ee = webpki::EndEntityCert::try_from(&cert_der).unwrap();
    let anchor = webpki::anchor_from_trusted_cert(&ca_der).unwrap();
    ee.verify_for_usage(
        &[
            webpki::ring::ECDSA_P256_SHA256,
            webpki::ring::RSA_PKCS1_2048_8192_SHA256,
        ],
        &[anchor],
        &[],
        rustls::pki_types::UnixTime::now(),
        webpki::KeyUsage::client_auth(),
        None,
        None,
    )
    .expect("the certificate chains to gdap's webhook CA");
    ee.verify_signature(webpki::ring::RSA_PKCS1_2048_8192_SHA256, body, &sig)
        .expect("the signature verifies");
}

async fn register(app: &TestApp, pc: &str, url: &str, events: Value) -> Res {
    app.send(
        Method::POST,
        HOOKS,
        Some(pc),
        Some(json!({"WebhookUrl": url, "WebhookEvents": events})),
        &[],
    )
    .await
}

/// Waits until `n` deliveries arrived; returns them.
async fn wait_for(r: &Receiver, n: usize, secs: u64) -> Vec<Got> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let got = r.events();
        if got.len() >= n {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {n} deliveries: {got:?}",
            got.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn names(got: &[Got]) -> Vec<String> {
    got.iter()
        .map(|g| g.body["EventName"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_receiver_gets_every_event_of_a_lifecycle_in_order_signed_as_partner_center_signs() {
    let app = spawn_with(Options {
        public_url: true,
        ..Options::default()
    })
    .await;
    let pc = app.partner_center().await;
    let r = Receiver::start(0, Arc::default(), Arc::new(AtomicU16::new(200))).await;
    let all: Vec<&str> = gdap_domain::webhook::EVENTS.to_vec();
    let made = register(&app, &pc, &r.url(), json!(all)).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text);
    assert_eq!(made.body["WebhookUrl"], r.url());
    assert!(made.body["SubscriberId"].is_string());
    let listed = app.get("/webhooks/v1/registration/events", &pc).await;
    assert!(listed
        .body
        .as_array()
        .unwrap()
        .contains(&json!("granular-admin-relationship-expired")));

    let p = app.partner().await;
    let rel = app
        .active_relationship(
            &p,
            relationship_body(
                "Hooked",
                Some(CUSTOMER_A),
                &[HELPDESK, USER_ADMIN],
                "P30D",
                None,
            ),
        )
        .await;
    let id = rel["id"].as_str().unwrap().to_owned();
    let created = app
        .post(&format!("{RELS}/{id}/accessAssignments"), &p, json!({
            "accessContainer": {"accessContainerId": HELPDESK_AGENTS, "accessContainerType": "securityGroup"},
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]},
        }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let aid = created.body["id"].as_str().unwrap().to_owned();
    app.advance("PT5S").await;
    let a = app
        .get(&format!("{RELS}/{id}/accessAssignments/{aid}"), &p)
        .await;
    let patched = app
        .patch(&format!("{RELS}/{id}/accessAssignments/{aid}"), &p, &a.etag(), json!({"accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}, {"roleDefinitionId": USER_ADMIN}]}}))
        .await;
    assert_eq!(patched.status, StatusCode::ACCEPTED, "{}", patched.text);
    app.advance("PT30S").await;
    let t = app
        .post(
            &format!("{RELS}/{id}/requests"),
            &p,
            json!({"action": "terminate"}),
        )
        .await;
    assert_eq!(t.status, StatusCode::CREATED, "{}", t.text);
    app.advance("PT30S").await;

    let got = wait_for(&r, 7, 20).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got_now = r.events();
    assert_eq!(
        got_now.len(),
        got.len(),
        "nothing more: {:?}",
        names(&got_now)
    );
    assert_eq!(
        names(&got),
        [
            "granular-admin-relationship-approved",
            "granular-admin-relationship-activated",
            "granular-admin-access-assignment-created",
            "granular-admin-access-assignment-activated",
            "granular-admin-access-assignment-updated",
            "granular-admin-access-assignment-deleted",
            "granular-admin-relationship-terminated",
        ]
    );
    let first = &got[0].body;
    assert_eq!(first["ResourceName"], "GranularAdminRelationship");
    assert!(first["ResourceUri"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/granularAdminRelationships/{id}")));
    assert!(first["AuditUri"].is_null() && first["ResourceChangeUtcDate"].is_string());
    assert!(got[2].body["ResourceUri"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/accessAssignments/{aid}")));
    let mut ids: Vec<&str> = got.iter().map(|g| g.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), got.len(), "each delivery has its own id");

    // The validation event: queued, delivered, and its attempts reported.
    let v = app
        .send(
            Method::POST,
            "/webhooks/v1/registration/validationEvents",
            Some(&pc),
            None,
            &[],
        )
        .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text);
    let correlation = v.body["correlationId"].as_str().unwrap().to_owned();
    let test = wait_for(&r, 8, 10).await;
    assert_eq!(test[7].body["EventName"], "test-created");
    assert!(test[7].body["ResourceUri"]
        .as_str()
        .unwrap()
        .ends_with(&format!(
            "/webhooks/v1/registration/validationEvents/{correlation}"
        )));
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        let s = app
            .get(
                &format!("/webhooks/v1/registration/validationEvents/{correlation}"),
                &pc,
            )
            .await;
        if s.body["status"] == "completed" || Instant::now() > deadline {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(status.body["status"], "completed", "{}", status.text);
    assert_eq!(status.body["results"][0]["responseCode"], "OK");
    assert_eq!(status.body["callbackUrl"], r.url());
    // A second and a third within the minute: Partner Center allows two.
    let second = app
        .send(
            Method::POST,
            "/webhooks/v1/registration/validationEvents",
            Some(&pc),
            None,
            &[],
        )
        .await;
    assert_eq!(second.status, StatusCode::OK);
    let third = app
        .send(
            Method::POST,
            "/webhooks/v1/registration/validationEvents",
            Some(&pc),
            None,
            &[],
        )
        .await;
    assert_eq!(
        third.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        third.text
    );
}

#[tokio::test]
async fn a_receiver_that_was_down_gets_every_missed_event_once_in_order() {
    let app = spawn_with(Options {
        webhook_retry: time::Duration::milliseconds(300),
        public_url: true,
        ..Options::default()
    })
    .await;
    let pc = app.partner_center().await;
    let got: Arc<Mutex<Vec<Got>>> = Arc::default();
    let answer = Arc::new(AtomicU16::new(200));
    let mut r = Receiver::start(0, got.clone(), answer.clone()).await;
    let port = r.port;
    let made = register(
        &app,
        &pc,
        &r.url(),
        json!([
            "granular-admin-relationship-approved",
            "granular-admin-relationship-activated"
        ]),
    )
    .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text);
    r.down();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let p = app.partner().await;
    let mut rels = Vec::new();
    for n in 0..3 {
        let rel = app
            .active_relationship(
                &p,
                relationship_body(
                    &format!("Missed {n}"),
                    Some(CUSTOMER_A),
                    &[HELPDESK],
                    "P30D",
                    None,
                ),
            )
            .await;
        rels.push(rel["id"].as_str().unwrap().to_owned());
    }
    // Down for a while: several attempts fail.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(got.lock().unwrap().is_empty());
    let waiting = app.get("/webhooks/v1/registration/deliveries", &pc).await;
    assert_eq!(waiting.body["totalCount"], 6, "{}", waiting.text);
    assert!(waiting.body["items"][0]["attempts"].as_u64().unwrap() >= 1);
    let r = Receiver::start(port, got.clone(), answer).await;
    let all = wait_for(&r, 6, 30).await;
    let mut ids: Vec<&str> = all.iter().map(|g| g.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 6, "every missed event, each once: {all:?}");
    for id in &rels {
        let order: Vec<String> = all
            .iter()
            .filter(|g| {
                g.body["ResourceUri"]
                    .as_str()
                    .unwrap()
                    .ends_with(id.as_str())
            })
            .map(|g| g.body["EventName"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            order,
            [
                "granular-admin-relationship-approved",
                "granular-admin-relationship-activated"
            ]
        );
    }
}

#[tokio::test]
async fn deliveries_that_fail_ten_times_wait_offline_until_replayed() {
    let app = spawn_with(Options {
        webhook_retry: time::Duration::milliseconds(5),
        public_url: true,
        ..Options::default()
    })
    .await;
    let pc = app.partner_center().await;
    let answer = Arc::new(AtomicU16::new(500));
    let r = Receiver::start(0, Arc::default(), answer.clone()).await;
    let made = register(&app, &pc, &r.url(), json!(["test-created"])).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text);
    let v = app
        .send(
            Method::POST,
            "/webhooks/v1/registration/validationEvents",
            Some(&pc),
            None,
            &[],
        )
        .await;
    let correlation = v.body["correlationId"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    let offline = loop {
        let o = app
            .get("/webhooks/v1/registration/deliveries?state=offline", &pc)
            .await;
        if o.body["totalCount"] == 1 {
            break o;
        }
        assert!(Instant::now() < deadline, "{}", o.text);
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(offline.body["items"][0]["attempts"], 10);
    assert_eq!(offline.body["items"][0]["deliveryId"], correlation.as_str());
    let status = app
        .get(
            &format!("/webhooks/v1/registration/validationEvents/{correlation}"),
            &pc,
        )
        .await;
    assert_eq!(status.body["results"].as_array().unwrap().len(), 10);
    assert_eq!(
        status.body["results"][0]["responseCode"],
        "InternalServerError"
    );
    answer.store(200, Ordering::SeqCst);
    let replayed = app
        .send(
            Method::POST,
            "/webhooks/v1/registration/deliveries/replay",
            Some(&pc),
            None,
            &[],
        )
        .await;
    assert_eq!(replayed.body["replayed"], 1, "{}", replayed.text);
    let got = wait_for(&r, 1, 10).await;
    assert_eq!(got[0].id, correlation);
}

#[tokio::test]
async fn bad_registrations_are_refused_with_the_field_named() {
    let app = spawn_with(Options {
        dev: false,
        ..Options::default()
    })
    .await;
    let pc = app.partner_center().await;
    let plain = register(
        &app,
        &pc,
        "http://hooks.example/cb",
        json!(["test-created"]),
    )
    .await;
    assert_eq!(plain.status, StatusCode::BAD_REQUEST, "{}", plain.text);
    assert!(plain.text.contains("https"), "{}", plain.text);
    let private = register(&app, &pc, "https://10.0.0.8/cb", json!(["test-created"])).await;
    assert_eq!(private.status, StatusCode::BAD_REQUEST, "{}", private.text);
    let unknown = register(
        &app,
        &pc,
        "https://hooks.example/cb",
        json!(["invoice-ready"]),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.text.contains("invoice-ready"), "{}", unknown.text);
    let none = app.get(HOOKS, &pc).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    let ok = register(
        &app,
        &pc,
        "https://hooks.example/cb",
        json!(["test-created"]),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    let again = register(
        &app,
        &pc,
        "https://hooks.example/cb",
        json!(["test-created"]),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    let put = app
        .send(Method::PUT, HOOKS, Some(&pc), Some(json!({"WebhookUrl": "https://hooks.example/v2", "WebhookEvents": ["test-created", "granular-admin-relationship-expired"]})), &[])
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    assert_eq!(
        put.body["SubscriberId"], ok.body["SubscriberId"],
        "the subscriber stays"
    );
    assert_eq!(
        app.get(HOOKS, &pc).await.body["WebhookUrl"],
        "https://hooks.example/v2"
    );
    let gone = app.send(Method::DELETE, HOOKS, Some(&pc), None, &[]).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(HOOKS, &pc).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_receiver_that_answers_slowly_holds_up_no_other_partner() {
    let app = spawn_with(Options {
        public_url: true,
        ..Options::default()
    })
    .await;
    let one = app.partner_center().await;
    let two = app
        .user_token("admin@partnertwo.onmicrosoft.com", "Admin-Two-1", PC_SCOPE)
        .await;
    let slow = Receiver::slow(
        0,
        Arc::default(),
        Arc::new(AtomicU16::new(200)),
        Arc::new(AtomicU64::new(5_000)),
    )
    .await;
    let fast = Receiver::start(0, Arc::default(), Arc::new(AtomicU16::new(200))).await;
    for (pc, r) in [(&one, &slow), (&two, &fast)] {
        let made = register(&app, pc, &r.url(), json!(["test-created"])).await;
        assert_eq!(made.status, StatusCode::OK, "{}", made.text);
    }
    for pc in [&one, &one, &two] {
        let v = app
            .send(
                Method::POST,
                "/webhooks/v1/registration/validationEvents",
                Some(pc),
                None,
                &[],
            )
            .await;
        assert_eq!(v.status, StatusCode::OK, "{}", v.text);
    }
    let started = Instant::now();
    wait_for(&fast, 1, 10).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the other partner's event came after {:?}",
        started.elapsed()
    );
    assert!(
        slow.events().is_empty(),
        "the slow receiver is still answering"
    );
    // The API answers meanwhile.
    let asked = Instant::now();
    assert_eq!(app.get(HOOKS, &one).await.status, StatusCode::OK);
    assert!(asked.elapsed() < Duration::from_secs(1));
    wait_for(&slow, 2, 15).await;
}

#[tokio::test]
async fn a_registration_may_ask_for_the_signature_in_ms_signature_instead_of_authorization() {
    let app = spawn_with(Options {
        public_url: true,
        ..Options::default()
    })
    .await;
    let pc = app.partner_center().await;
    let r = Receiver::start(0, Arc::default(), Arc::new(AtomicU16::new(200))).await;
    let body = |flag: Value| {
        json!({"WebhookUrl": r.url(), "WebhookEvents": ["test-created"],
               "SignatureTokenToMsSignatureHeader": flag})
    };
    let made = app
        .send(Method::POST, HOOKS, Some(&pc), Some(body(json!(true))), &[])
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text);
    assert_eq!(made.body["SignatureTokenToMsSignatureHeader"], true);
    assert_eq!(
        app.get(HOOKS, &pc).await.body["SignatureTokenToMsSignatureHeader"],
        true
    );
    let validate = || {
        app.send(
            Method::POST,
            "/webhooks/v1/registration/validationEvents",
            Some(&pc),
            None,
            &[],
        )
    };
    assert_eq!(validate().await.status, StatusCode::OK);
    let got = wait_for(&r, 1, 10).await;
    assert_eq!(got[0].signed_in, "MS-Signature");

    // Turned off again: back in `Authorization`. Not a boolean: refused, naming the field.
    let bad = app
        .send(Method::PUT, HOOKS, Some(&pc), Some(body(json!("yes"))), &[])
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
    assert!(
        bad.text.contains("SignatureTokenToMsSignatureHeader"),
        "{}",
        bad.text
    );
    let put = app
        .send(Method::PUT, HOOKS, Some(&pc), Some(body(json!(false))), &[])
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    assert_eq!(validate().await.status, StatusCode::OK);
    let got = wait_for(&r, 2, 10).await;
    assert_eq!(got[1].signed_in, "Authorization");
}
