//! Renewal notices: which relationships are due one, and each notice recorded once.

use gdap_store::{NoticeDue, NoticeMark, NoticeQuery, NoticeStore, OutboxMail, OutboxStore};
use time::Duration;

use crate::support::*;

/// An active relationship of the world's partner ending `days` from now.
async fn ending(store: &SqlStore, w: &World, name: &str, days: i64, extends: bool) -> Relationship {
    let mut rel = Relationship::create(
        w.partner,
        draft(name, Some(w.customer)),
        Catalogue::builtin(),
        now(),
    )
    .unwrap();
    rel.status = RelationshipStatus::Active;
    rel.activated_at = Some(now());
    rel.end_at = Some(now() + Duration::days(days));
    if extends {
        rel.auto_extend = gdap_domain::relationship::AutoExtend::SixMonths;
    }
    insert(store, rel).await
}

fn window(kind: &str, from_days: i64, to_days: i64) -> NoticeQuery {
    NoticeQuery {
        due: NoticeDue::Ending,
        kind: kind.into(),
        after: now() + Duration::days(from_days),
        until: now() + Duration::days(to_days),
    }
}

fn mail(rel: &Relationship) -> OutboxMail {
    OutboxMail {
        id: uuid::Uuid::new_v4(),
        to: "admin@example.com".into(),
        subject: "ends".into(),
        body: "ends".into(),
        relationship_id: Some(rel.id),
        created_at: now(),
        attempts: 0,
        next_attempt_at: Some(now()),
        sent_at: None,
        last_error: None,
    }
}

async fn relationships_ending_in_a_window_are_due_until_their_notice_is_recorded(store: SqlStore) {
    let w = world(&store).await;
    let late = ending(&store, &w, "Late", 20, false).await;
    let soon = ending(&store, &w, "Soon", 10, false).await;
    ending(&store, &w, "Near", 3, false).await;
    ending(&store, &w, "Far", 45, false).await;
    ending(&store, &w, "Extends", 12, true).await;
    let names = |rels: Vec<Relationship>| -> Vec<String> {
        rels.into_iter().map(|r| r.display_name).collect()
    };
    let q = window("end-30", 7, 30);
    assert_eq!(
        names(store.due_for_notice(&q, 10).await.unwrap()),
        ["Soon", "Late"],
        "nearest end first, neither the nearer, the farther nor the self-extending"
    );
    assert_eq!(names(store.due_for_notice(&q, 1).await.unwrap()), ["Soon"]);
    let mark = NoticeMark {
        subject: soon.id,
        kind: "end-30".into(),
        at: now(),
    };
    store
        .commit(Changes {
            mail: vec![mail(&soon)],
            notices: vec![mark.clone()],
            ..Changes::default()
        })
        .await
        .unwrap();
    assert_eq!(names(store.due_for_notice(&q, 10).await.unwrap()), ["Late"]);
    assert_eq!(
        names(
            store
                .due_for_notice(&window("end-7", 1, 30), 10)
                .await
                .unwrap()
        ),
        ["Near", "Soon", "Late"],
        "another kind is still due"
    );
    // A second sending of the same notice fails whole: its mail is not queued.
    let err = store
        .commit(Changes {
            mail: vec![mail(&soon)],
            notices: vec![mark],
            ..Changes::default()
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    assert_eq!(store.outbox(100).await.unwrap().len(), 1);
    let _ = late;
}

async fn only_relationships_that_were_active_are_due_an_expiry_notice(store: SqlStore) {
    let w = world(&store).await;
    let mut ended = ending(&store, &w, "Ended", -2, false).await;
    ended.status = RelationshipStatus::Expired;
    let mut lapsed = Relationship::create(
        w.partner,
        draft("Lapsed", Some(w.customer)),
        Catalogue::builtin(),
        now(),
    )
    .unwrap();
    lapsed.status = RelationshipStatus::Expired;
    lapsed.end_at = Some(now() - Duration::days(1));
    insert(&store, lapsed).await;
    store
        .commit(Changes {
            relationships: vec![Write::Update(ended)],
            ..Changes::default()
        })
        .await
        .unwrap();
    let q = NoticeQuery {
        due: NoticeDue::Expired,
        kind: "expired".into(),
        after: now() - Duration::days(30),
        until: now(),
    };
    let due = store.due_for_notice(&q, 10).await.unwrap();
    assert_eq!(
        due.iter()
            .map(|r| r.display_name.as_str())
            .collect::<Vec<_>>(),
        ["Ended"]
    );
}

suite!(
    relationships_ending_in_a_window_are_due_until_their_notice_is_recorded,
    only_relationships_that_were_active_are_due_an_expiry_notice,
);
