//! What nodes share: the mail outbox, signing keys, sessions and the lifecycle lease.

use crate::support::*;

async fn a_queued_mail_is_claimed_by_one_sender_at_a_time_and_survives_a_failed_attempt(
    store: SqlStore,
) {
    use gdap_store::{Delivery, OutboxMail, OutboxStore};
    let mail = OutboxMail {
        id: uuid::Uuid::new_v4(),
        to: "admin@customer.example".into(),
        subject: "【重要】subject".into(),
        body: "body".into(),
        relationship_id: None,
        created_at: now(),
        attempts: 0,
        next_attempt_at: Some(now()),
        sent_at: None,
        last_error: None,
    };
    store
        .commit(Changes {
            mail: vec![mail.clone()],
            ..Changes::default()
        })
        .await
        .unwrap();
    let lease = time::Duration::minutes(2);
    let (a, b) = tokio::join!(
        store.claim_mail(now(), lease, 10),
        store.claim_mail(now(), lease, 10)
    );
    assert_eq!(
        a.unwrap().len() + b.unwrap().len(),
        1,
        "exactly one claimer gets the mail"
    );
    assert!(
        store
            .claim_mail(now() + time::Duration::minutes(1), lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "hidden during the lease"
    );
    store
        .record_delivery(
            mail.id,
            Delivery::Failed {
                error: "relay down".into(),
                retry_at: now() + time::Duration::seconds(5),
            },
        )
        .await
        .unwrap();
    let again = store
        .claim_mail(now() + time::Duration::seconds(5), lease, 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 1);
    assert_eq!(again[0].last_error.as_deref(), Some("relay down"));
    assert_eq!(again[0].subject, "【重要】subject");
    store
        .record_delivery(mail.id, Delivery::Sent(now()))
        .await
        .unwrap();
    assert!(
        store
            .claim_mail(now() + time::Duration::days(1), lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "sent mail is done"
    );
    assert_eq!(store.outbox(10).await.unwrap()[0].sent_at, Some(now()));
}

async fn nodes_starting_together_agree_on_one_signing_key(store: SqlStore) {
    use gdap_store::{AdminStore, StoredKey};
    let key = |kid: &str| StoredKey {
        kid: kid.into(),
        pkcs8: vec![1, 2, 3],
        created_at: now(),
    };
    let (a, b) = tokio::join!(
        store.add_signing_key(key("a"), true),
        store.add_signing_key(key("b"), true)
    );
    a.unwrap();
    b.unwrap();
    assert_eq!(store.signing_keys().await.unwrap().len(), 1);
    store.add_signing_key(key("rotated"), false).await.unwrap();
    let keys = store.signing_keys().await.unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[1].pkcs8, vec![1, 2, 3]);
}

async fn sessions_are_found_by_hash_ended_by_sign_out_and_purged_once_over(store: SqlStore) {
    let w = world(&store).await;
    let user = store.users_of(w.partner).await.unwrap().pop().unwrap().id;
    let session = |hash: &str, created: OffsetDateTime| Session {
        id_hash: hash.to_owned(),
        tenant: w.partner,
        user,
        csrf: format!("csrf-{hash}"),
        created_at: created,
        expires_at: created + time::Duration::hours(8),
        mfa: hash == "a",
    };
    store.create_session(session("old", now())).await.unwrap();
    store
        .create_session(session("a", now() + time::Duration::hours(1)))
        .await
        .unwrap();
    assert_eq!(
        store.session("a").await.unwrap(),
        Some(session("a", now() + time::Duration::hours(1)))
    );
    assert!(store.session("old").await.unwrap().is_some());
    store.delete_session("a").await.unwrap();
    assert!(store.session("a").await.unwrap().is_none());
    // A session created after another one ended sweeps the ended one away.
    store
        .create_session(session("b", now() + time::Duration::hours(9)))
        .await
        .unwrap();
    assert!(store.session("old").await.unwrap().is_none());
    assert!(store.session("b").await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_node_at_a_time_holds_a_lease_until_its_holder_falls_silent() {
    use gdap_store::AdminStore;
    use std::time::Duration;
    // SQLite has one node, which always holds it.
    let single = SqlStore::in_memory().await.unwrap();
    assert!(single
        .try_lease("lifecycle", Duration::from_secs(10))
        .await
        .unwrap());
    let Some(db) = crate::support::pg::fresh().await else {
        return;
    };
    let other = SqlStore::connect(&db.url).await.unwrap();
    let short = Duration::from_millis(400);
    assert!(db.store.try_lease("lifecycle", short).await.unwrap());
    assert!(!other.try_lease("lifecycle", short).await.unwrap());
    // Renewing keeps it; another lease name is independent.
    assert!(db.store.try_lease("lifecycle", short).await.unwrap());
    assert!(other.try_lease("another", short).await.unwrap());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(other
        .try_lease("lifecycle", Duration::from_secs(10))
        .await
        .unwrap());
    assert!(!db.store.try_lease("lifecycle", short).await.unwrap());
    drop(other);
    db.drop().await;
}

suite!(
    a_queued_mail_is_claimed_by_one_sender_at_a_time_and_survives_a_failed_attempt,
    nodes_starting_together_agree_on_one_signing_key,
    sessions_are_found_by_hash_ended_by_sign_out_and_purged_once_over,
);
