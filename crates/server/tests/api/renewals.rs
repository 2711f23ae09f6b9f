//! Renewal notices: warnings 30, 7 and 1 days before a relationship ends, one when it has ended,
//! and reminders of invitations nearing their 90-day limit, each sent once to both sides.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

/// The renewal notices about relationship `id` in the outbox, as (recipient, subject), sorted.
async fn notices(app: &TestApp, id: &str) -> Vec<(String, String)> {
    let outbox = app
        .send(Method::GET, "/_gdap/outbox", None, None, &[])
        .await;
    let mut out: Vec<(String, String)> = outbox.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["relationshipId"] == id)
        .map(|m| {
            (
                m["to"].as_str().unwrap().to_owned(),
                m["subject"].as_str().unwrap().to_owned(),
            )
        })
        .filter(|(_, s)| {
            s.contains("終了")
                || s.contains("有効期限")
                || s.contains("ends within")
                || s.contains("has ended")
                || s.contains("expires within")
        })
        .collect();
    out.sort();
    out
}

/// The relationship's notices whose subject contains `needle`, per recipient.
async fn count(app: &TestApp, id: &str, needle: &str) -> Vec<String> {
    notices(app, id)
        .await
        .into_iter()
        .filter(|(_, s)| s.contains(needle))
        .map(|(to, _)| to)
        .collect()
}

const READERS: [&str; 3] = [
    "agent@partnerone.onmicrosoft.com",
    "cdara@customera.onmicrosoft.com",
    "ga@customera.onmicrosoft.com",
];

fn id(rel: &Value) -> String {
    rel["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn each_side_is_warned_thirty_seven_and_one_days_ahead_and_told_once_of_the_end() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let body = |name: &str, auto: Option<&str>| {
        relationship_body(name, Some(CUSTOMER_A), &[HELPDESK], "P60D", auto)
    };
    let ending = id(&app.active_relationship(&p, body("Ending", None)).await);
    let extending = id(&app
        .active_relationship(&p, body("Extending", Some("P180D")))
        .await);
    let ended = id(&app.active_relationship(&p, body("Terminated", None)).await);
    let t = app
        .post(
            &format!("{RELS}/{ended}/requests"),
            &p,
            json!({"action": "terminate"}),
        )
        .await;
    assert_eq!(t.status, StatusCode::CREATED, "{}", t.text);
    app.advance("PT10S").await;
    assert!(
        notices(&app, &ending).await.is_empty(),
        "nothing 60 days ahead"
    );

    app.advance("P31D").await;
    let first = notices(&app, &ending).await;
    assert_eq!(first.len(), 3, "{first:?}");
    let ja = &first
        .iter()
        .find(|(to, _)| to.starts_with("ga@"))
        .unwrap()
        .1;
    assert!(ja.contains("あと30日で終了します"), "{ja}");
    let en = &first
        .iter()
        .find(|(to, _)| to.starts_with("agent@"))
        .unwrap()
        .1;
    assert!(en.ends_with("ends within 30 days"), "{en}");
    // Another sweep at the same time sends nothing new.
    app.advance("PT1M").await;
    assert_eq!(notices(&app, &ending).await.len(), 3);

    app.advance("P23D").await;
    assert_eq!(count(&app, &ending, "7").await, READERS);
    app.advance("P5D").await;
    assert_eq!(count(&app, &ending, "1 day").await.len(), 2, "in English");
    assert_eq!(count(&app, &ending, "あと1日").await.len(), 1);
    assert_eq!(notices(&app, &ending).await.len(), 9);

    app.advance("P1D").await;
    assert_eq!(app.relationship(&p, &ending).await["status"], "expired");
    let end = notices(&app, &ending).await;
    let told: Vec<&(String, String)> = end
        .iter()
        .filter(|(_, s)| s.contains("has ended") || s.contains("は終了しました"))
        .collect();
    assert_eq!(told.len(), 3, "{end:?}");
    app.advance("P2D").await;
    assert_eq!(
        notices(&app, &ending).await.len(),
        12,
        "the end is told once"
    );

    assert!(
        notices(&app, &extending).await.is_empty(),
        "it extends itself"
    );
    assert!(notices(&app, &ended).await.is_empty(), "it was terminated");
}

#[tokio::test]
async fn a_clock_that_jumps_past_several_thresholds_sends_only_the_nearest_and_never_the_others() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let rel = id(&app
        .active_relationship(
            &p,
            relationship_body("Jump", Some(CUSTOMER_A), &[HELPDESK], "P40D", None),
        )
        .await);
    app.advance("P38D").await;
    let got = notices(&app, &rel).await;
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(
        got.iter().all(|(_, s)| s.contains('7')),
        "the 7-day warning only: {got:?}"
    );
    app.advance("P1DT12H").await;
    assert_eq!(notices(&app, &rel).await.len(), 6, "then the 1-day warning");
    app.advance("P5D").await;
    let all = notices(&app, &rel).await;
    assert_eq!(all.len(), 9, "and the end, never the 30-day one: {all:?}");
    assert!(!all.iter().any(|(_, s)| s.contains("30")), "{all:?}");
}

#[tokio::test]
async fn an_invitation_nearing_its_limit_reminds_the_customer_with_its_link_and_the_partner() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let rel = app.create_default(&p, "Waiting").await;
    let rel = id(&rel);
    app.lock(&p, &rel).await;
    app.advance("P82D").await;
    assert!(notices(&app, &rel).await.is_empty(), "8 days are left");
    app.advance("P1DT1H").await;
    let got = notices(&app, &rel).await;
    assert_eq!(
        got.iter().map(|(to, _)| to.as_str()).collect::<Vec<_>>(),
        READERS,
        "{got:?}"
    );
    let outbox = app
        .send(Method::GET, "/_gdap/outbox", None, None, &[])
        .await;
    let reminder = outbox.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| {
            m["to"] == "ga@customera.onmicrosoft.com"
                && m["subject"].as_str().unwrap().contains("有効期限")
        })
        .unwrap()
        .clone();
    assert!(
        reminder["body"].as_str().unwrap().contains(&format!(
            "/adminportal/partners/invitation/granularAdminRelationships/{rel}?lang=ja"
        )),
        "{}",
        reminder["body"]
    );
    app.advance("P6D").await;
    assert_eq!(notices(&app, &rel).await.len(), 6, "and a day before");
    app.advance("P2D").await;
    assert_eq!(
        notices(&app, &rel).await.len(),
        6,
        "nothing once it has lapsed"
    );
}

#[tokio::test]
async fn a_notice_already_recorded_is_not_sent_again_and_the_others_still_go() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let body = |name: &str| relationship_body(name, Some(CUSTOMER_A), &[HELPDESK], "P40D", None);
    let taken = id(&app.active_relationship(&p, body("Taken")).await);
    let free = id(&app.active_relationship(&p, body("Free")).await);
    // As if another node had sent the 30-day notice of one of them before.
    app.state
        .store
        .commit(gdap_store::Changes {
            notices: vec![gdap_store::NoticeMark {
                subject: gdap_domain::ids::RelationshipId::parse(&taken).unwrap(),
                kind: "end-30".into(),
                at: time::OffsetDateTime::now_utc(),
            }],
            ..gdap_store::Changes::default()
        })
        .await
        .unwrap();
    app.advance("P15D").await;
    assert!(notices(&app, &taken).await.is_empty());
    assert_eq!(notices(&app, &free).await.len(), 3);
}
