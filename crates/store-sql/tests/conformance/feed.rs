//! The change feed, its subscribers, the audit chain and billing.

use crate::directory::directory;
use crate::support::*;

async fn a_shared_database_numbers_every_write_in_its_change_feed(store: SqlStore) {
    let w = world(&store).await;
    let before = store.last_change().await.unwrap();
    let rel = insert(
        &store,
        Relationship::create(
            w.partner,
            draft("feed", Some(w.customer)),
            Catalogue::builtin(),
            now(),
        )
        .unwrap(),
    )
    .await;
    let after = store.changes_after(before, 100).await.unwrap();
    if store.shared() {
        assert!(store.subscribe().await.unwrap().is_some());
        assert_eq!(after.len(), 1);
        assert!(after[0].0 > before);
        assert_eq!(after[0].1.relationships, vec![rel.id]);
        assert!(after[0].1.own, "written through this store");
        assert_eq!(store.last_change().await.unwrap(), after[0].0);
        store
            .prune_changes(now() + time::Duration::days(36_500))
            .await
            .unwrap();
        assert!(store.changes_after(0, 100).await.unwrap().is_empty());
    } else {
        // One process owns an SQLite file: nothing to follow.
        assert!(after.is_empty());
        assert!(store.subscribe().await.unwrap().is_none());
    }
}

/// Followers are woken by an announcement after each committed write, not only by their poll.
async fn a_committed_write_is_announced_to_subscribers(store: SqlStore) {
    let w = world(&store).await;
    let Some(mut sub) = store.subscribe().await.unwrap() else {
        assert!(
            !store.shared(),
            "a shared database must announce its writes"
        );
        return;
    };
    // Whatever earlier writes announced is taken first.
    sub.wait(std::time::Duration::from_millis(300))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    insert(
        &store,
        Relationship::create(
            w.partner,
            draft("announced", Some(w.customer)),
            Catalogue::builtin(),
            now(),
        )
        .unwrap(),
    )
    .await;
    // `wait` returns at the announcement, or after the whole 20 s without one.
    sub.wait(std::time::Duration::from_secs(20)).await.unwrap();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "no announcement arrived"
    );
}

async fn audit_entries_are_sealed_once_in_order_into_a_chain_that_verifies(store: SqlStore) {
    let w = world(&store).await;
    let entry = |n: usize, customer| gdap_domain::audit::AuditEntry {
        at: now(),
        actor: format!("actor{n}"),
        actor_tenant: Some(w.partner),
        partner: Some(w.partner),
        customer,
        relationship: None,
        assignment: None,
        role: None,
        action: "delegatedAdminRelationship.create".into(),
        target: format!("t{n}"),
        result: "success".into(),
    };
    for n in 0..6 {
        store
            .commit(Changes {
                audit: vec![entry(n, Some(w.customer)), entry(n + 100, None)],
                ..Changes::default()
            })
            .await
            .unwrap();
    }
    assert_eq!(store.audit_unsealed().await.unwrap(), 12);
    assert_eq!(store.seal_audit(5).await.unwrap(), 5);
    // Two sealers at once: each entry is sealed exactly once.
    let (a, b) = tokio::join!(store.seal_audit(100), store.seal_audit(100));
    assert_eq!(a.unwrap() + b.unwrap(), 7);
    assert_eq!(store.audit_unsealed().await.unwrap(), 0);
    let chain = store.audit_chain(0, 100).await.unwrap();
    assert_eq!(gdap_domain::audit::verify(chain.clone()), Ok(12));
    assert_eq!(chain[0].entry.actor, "actor0");
    assert_eq!(chain[1].entry.actor, "actor100");
    let mine = store
        .audit_of(w.customer, Some(w.partner), 0, 100)
        .await
        .unwrap();
    assert_eq!(mine.len(), 6);
    assert_eq!(mine[0].actor, "actor5");
}

async fn purchases_invoices_billing_settings_and_created_groups_round_trip(store: SqlStore) {
    use gdap_domain::billing;
    use gdap_store::{BillingStore, BillingWrite};
    let w = world(&store).await;
    let mut bought = Vec::new();
    for (n, sku) in ["SPB", "SPE_E3", "SPB"].iter().enumerate() {
        let at = now() + time::Duration::minutes(n as i64);
        let (sub, inv) = billing::purchase(w.customer, sku, 3, "ga@customer", true, at).unwrap();
        bought.push((sub.clone(), inv.clone()));
        store
            .commit(Changes {
                billing: vec![BillingWrite::Purchase(sub, inv)],
                ..Changes::default()
            })
            .await
            .unwrap();
    }
    let subs = store.subscriptions_of(w.customer).await.unwrap();
    assert_eq!(
        subs,
        bought.iter().map(|(s, _)| s.clone()).collect::<Vec<_>>()
    );
    let invoices = store.invoices_of(w.customer).await.unwrap();
    assert_eq!(invoices.len(), 3);
    assert_eq!(invoices[0], bought[2].1, "newest first");
    assert!(store.subscriptions_of(w.partner).await.unwrap().is_empty());
    // A failed change set writes no purchase.
    let (sub, inv) = billing::purchase(w.customer, "SPB", 1, "x", true, now()).unwrap();
    let dup = bought[0].1.clone();
    let failed = store
        .commit(Changes {
            billing: vec![
                BillingWrite::Purchase(sub, inv),
                BillingWrite::Purchase(bought[0].0.clone(), dup),
            ],
            ..Changes::default()
        })
        .await;
    assert!(failed.is_err());
    assert_eq!(store.subscriptions_of(w.customer).await.unwrap().len(), 3);
    // Notification settings: none, then set, then replaced whole.
    assert_eq!(store.billing_notifications(w.customer).await.unwrap(), None);
    for (to, lang) in [(vec!["a@c.example".to_owned()], "ja"), (vec![], "en")] {
        let n = billing::notifications(w.customer, to, lang, false).unwrap();
        store
            .commit(Changes {
                billing: vec![BillingWrite::Notifications(n.clone())],
                ..Changes::default()
            })
            .await
            .unwrap();
        assert_eq!(
            store.billing_notifications(w.customer).await.unwrap(),
            Some(n)
        );
    }
    // Groups: created empty, deleted with their members, only in their own tenant.
    let g = Group {
        id: GroupId::new_random(),
        tenant: w.partner,
        display_name: "Tier 2".into(),
        members: vec![],
    };
    directory(&store, DirectoryWrite::AddGroup(g.clone()))
        .await
        .unwrap();
    assert_eq!(store.group(w.partner, g.id).await.unwrap(), Some(g.clone()));
    let elsewhere = Group {
        tenant: w.customer,
        ..g.clone()
    };
    assert!(matches!(
        directory(&store, DirectoryWrite::DeleteGroup(elsewhere)).await,
        Err(gdap_store::StoreError::VersionConflict)
    ));
    let admin = store
        .group(w.partner, w.group)
        .await
        .unwrap()
        .unwrap()
        .members[0];
    let added = directory(
        &store,
        DirectoryWrite::Membership {
            group: g.clone(),
            user: admin,
            add: true,
        },
    )
    .await
    .unwrap();
    // The committed change names the group as it is now, for observers.
    assert!(matches!(
        &added.directory[..],
        [DirectoryWrite::Membership { group, .. }] if group.members == vec![admin]
    ));
    directory(&store, DirectoryWrite::DeleteGroup(g.clone()))
        .await
        .unwrap();
    assert_eq!(store.group(w.partner, g.id).await.unwrap(), None);
    assert_eq!(
        store.groups_of_user(w.partner, admin).await.unwrap().len(),
        1
    );
}

suite!(
    a_shared_database_numbers_every_write_in_its_change_feed,
    a_committed_write_is_announced_to_subscribers,
    audit_entries_are_sealed_once_in_order_into_a_chain_that_verifies,
    purchases_invoices_billing_settings_and_created_groups_round_trip,
);
