//! Webhooks: registrations, events queued with the changes that raise them, and their delivery
//! bookkeeping.

use gdap_domain::webhook::Registration;
use gdap_store::{AttemptOutcome, EventState, WebhookAttempt, WebhookStore};

use crate::support::*;

fn registration(partner: TenantId, events: &[&str]) -> Registration {
    let events: Vec<String> = events.iter().map(|e| (*e).to_owned()).collect();
    Registration::checked(
        partner,
        uuid::Uuid::new_v4(),
        "https://hooks.example/cb",
        &events,
        false,
        now(),
    )
    .unwrap()
}

async fn update_status(
    store: &SqlStore,
    rel: &Relationship,
    status: RelationshipStatus,
) -> Relationship {
    let mut r = rel.clone();
    r.status = status;
    let c = store
        .commit(Changes {
            relationships: vec![Write::Update(r)],
            ..Changes::default()
        })
        .await
        .unwrap();
    c.relationships.into_iter().next().unwrap().into_inner()
}

async fn a_status_change_queues_its_event_for_a_registered_partner_once(store: SqlStore) {
    let w = world(&store).await;
    let rel = insert(
        &store,
        Relationship::create(
            w.partner,
            draft("Hooked", Some(w.customer)),
            Catalogue::builtin(),
            now(),
        )
        .unwrap(),
    )
    .await;
    // Not registered yet: nothing is queued.
    let rel = update_status(&store, &rel, RelationshipStatus::Approved).await;
    assert!(store
        .webhook_events(w.partner, EventState::Pending, 10)
        .await
        .unwrap()
        .is_empty());
    let mut reg = registration(w.partner, &["granular-admin-relationship-activated"]);
    reg.ms_signature_header = true;
    store.put_registration(&reg).await.unwrap();
    let header = |r: Option<gdap_domain::webhook::Registration>| r.map(|r| r.ms_signature_header);
    assert_eq!(
        header(store.registration(w.partner).await.unwrap()),
        Some(true)
    );
    // Replaced: the header choice with the rest.
    reg.ms_signature_header = false;
    store.put_registration(&reg).await.unwrap();
    assert_eq!(
        header(store.registration(w.partner).await.unwrap()),
        Some(false)
    );
    let rel = update_status(&store, &rel, RelationshipStatus::Active).await;
    // A write that keeps the status raises nothing more.
    let rel = update_status(&store, &rel, RelationshipStatus::Active).await;
    // An event the partner did not register for is not queued.
    update_status(&store, &rel, RelationshipStatus::Terminated).await;
    let queued = store
        .webhook_events(w.partner, EventState::Pending, 10)
        .await
        .unwrap();
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].event, "granular-admin-relationship-activated");
    assert_eq!(
        queued[0].path.as_deref(),
        Some(format!("/granularAdminRelationships/{}", rel.id).as_str())
    );
    assert_eq!(store.webhook_queue_depth().await.unwrap(), 1);
    let other = world(&store).await;
    assert!(store
        .webhook_events(other.partner, EventState::Pending, 10)
        .await
        .unwrap()
        .is_empty());
}

async fn only_the_oldest_waiting_event_of_a_key_is_claimed_and_offline_ones_replay(
    store: SqlStore,
) {
    let w = world(&store).await;
    store
        .put_registration(&registration(
            w.partner,
            &[
                "granular-admin-relationship-approved",
                "granular-admin-relationship-activated",
            ],
        ))
        .await
        .unwrap();
    let rel = insert(
        &store,
        Relationship::create(
            w.partner,
            draft("Ordered", Some(w.customer)),
            Catalogue::builtin(),
            now(),
        )
        .unwrap(),
    )
    .await;
    let rel = update_status(&store, &rel, RelationshipStatus::Approved).await;
    update_status(&store, &rel, RelationshipStatus::Active).await;
    let wall = time::OffsetDateTime::now_utc() + time::Duration::seconds(1);
    assert_eq!(
        store.partners_with_due_events(wall).await.unwrap(),
        [w.partner]
    );
    let lease = time::Duration::seconds(60);
    let first = store
        .claim_webhook_events(w.partner, wall, lease, 10)
        .await
        .unwrap();
    assert_eq!(first.len(), 1, "the head only");
    assert_eq!(first[0].event, "granular-admin-relationship-approved");
    assert!(
        store
            .claim_webhook_events(w.partner, wall, lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "claimed, and the next waits behind it"
    );
    let attempt = |outcome_at| WebhookAttempt {
        event: first[0].id,
        at: outcome_at,
        response_code: "InternalServerError".into(),
        response_message: "boom".into(),
        system_error: false,
    };
    store
        .record_webhook_attempt(&attempt(wall), AttemptOutcome::Offline)
        .await
        .unwrap();
    let next = store
        .claim_webhook_events(w.partner, wall, lease, 10)
        .await
        .unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(
        next[0].event, "granular-admin-relationship-activated",
        "an offline event does not hold the key"
    );
    assert_eq!(store.webhook_attempts(first[0].id).await.unwrap().len(), 1);
    assert_eq!(
        store
            .webhook_events(w.partner, EventState::Offline, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(store.replay_offline(w.partner, wall).await.unwrap(), 1);
    let pending = store
        .webhook_events(w.partner, EventState::Pending, 10)
        .await
        .unwrap();
    assert_eq!(pending.len(), 2);
    assert_eq!(pending[0].attempts, 0);
    assert!(store.delete_registration(w.partner).await.unwrap());
    assert!(store
        .webhook_events(w.partner, EventState::Pending, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(!store.delete_registration(w.partner).await.unwrap());
}

suite!(
    a_status_change_queues_its_event_for_a_registered_partner_once,
    only_the_oldest_waiting_event_of_a_key_is_claimed_and_offline_ones_replay,
);
