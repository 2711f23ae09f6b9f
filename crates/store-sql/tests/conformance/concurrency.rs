//! Concurrent and long change sets: each lands whole or not at all.

use crate::support::*;

async fn concurrent_commits_succeed_or_fail_each_on_their_own(store: SqlStore) {
    let w = world(&store).await;
    let mut tasks = Vec::new();
    for n in 0..40 {
        let store = store.clone();
        // Every name is used twice: exactly one of each pair can land.
        let rel = Relationship::create(
            w.partner,
            draft(&format!("Concurrent {}", n / 2), None),
            Catalogue::builtin(),
            now(),
        )
        .unwrap();
        tasks.push(tokio::spawn(async move {
            store
                .commit(Changes {
                    relationships: vec![Write::Insert(rel)],
                    ..Changes::default()
                })
                .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert!(matches!(e, StoreError::DuplicateDisplayName(_)), "{e}"),
        }
    }
    assert_eq!(ok, 20);
    let all = store
        .list_relationships(w.partner, &query(&[("$count", "true")]))
        .await
        .unwrap();
    assert_eq!(all.count, Some(20));
}

async fn concurrent_updates_of_one_relationship_let_exactly_one_win_beside_unrelated_writes(
    store: SqlStore,
) {
    let w = world(&store).await;
    let create = |name: &str| {
        Relationship::create(w.partner, draft(name, None), Catalogue::builtin(), now()).unwrap()
    };
    let rel = insert(&store, create("Contended")).await;
    let mut tasks = Vec::new();
    for n in 0..40 {
        let store = store.clone();
        // Even: the same version of one relationship, renamed; odd: a new relationship. Written
        // together, they may share a statement; each must still get its own answer.
        let changes = if n % 2 == 0 {
            let mut r = rel.clone();
            r.display_name = format!("Contended {n}");
            Changes {
                relationships: vec![Write::Update(r)],
                ..Changes::default()
            }
        } else {
            Changes {
                relationships: vec![Write::Insert(create(&format!("Beside {n}")))],
                ..Changes::default()
            }
        };
        tasks.push(tokio::spawn(async move { store.commit(changes).await }));
    }
    let (mut won, mut inserted) = (0, 0);
    for (n, t) in tasks.into_iter().enumerate() {
        match (n % 2, t.await.unwrap()) {
            (0, Ok(_)) => won += 1,
            (0, Err(e)) => assert!(matches!(e, StoreError::VersionConflict), "{e}"),
            (_, r) => {
                r.unwrap();
                inserted += 1;
            }
        }
    }
    assert_eq!((won, inserted), (1, 20));
    let stored = store
        .relationship(w.partner, rel.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, rel.version + 1);
    assert!(stored.display_name.starts_with("Contended "));
    let all = store
        .list_relationships(w.partner, &query(&[("$count", "true")]))
        .await
        .unwrap();
    assert_eq!(all.count, Some(21));
}

async fn relationships_are_read_back_by_a_list_of_ids_skipping_unknown_ones(store: SqlStore) {
    let w = world(&store).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let rel = Relationship::create(
            w.partner,
            draft(&format!("By id {n}"), None),
            Catalogue::builtin(),
            now(),
        )
        .unwrap();
        ids.push(insert(&store, rel).await.id);
    }
    assert!(store.relationships_by_ids(&[]).await.unwrap().is_empty());
    let unknown = Relationship::create(
        w.partner,
        draft("Never stored", None),
        Catalogue::builtin(),
        now(),
    )
    .unwrap()
    .id;
    let mut asked = vec![ids[2], unknown, ids[0]];
    let mut found: Vec<_> = store
        .relationships_by_ids(&asked)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    found.sort();
    asked.retain(|id| *id != unknown);
    asked.sort();
    assert_eq!(found, asked);
}

/// Change sets far longer than one statement holds (a lifecycle run applies hundreds at once):
/// they land whole, and a stale version or a duplicate anywhere in them leaves nothing written
/// and names what failed.
async fn a_long_change_set_lands_whole_or_not_at_all(store: SqlStore) {
    let w = world(&store).await;
    let make = |i: usize| {
        Relationship::create(
            w.partner,
            draft(&format!("Long {i:03}"), Some(w.customer)),
            Catalogue::builtin(),
            now(),
        )
        .unwrap()
    };
    let rels: Vec<Relationship> = (0..150).map(make).collect();
    let saved = store
        .commit(Changes {
            relationships: rels.iter().cloned().map(Write::Insert).collect(),
            ..Changes::default()
        })
        .await
        .unwrap();
    assert_eq!(saved.relationships.len(), 150);
    let ids: Vec<_> = rels.iter().map(|r| r.id).collect();
    assert_eq!(store.relationships_by_ids(&ids).await.unwrap().len(), 150);

    // Every one renamed, but the last one's version is stale: nothing changes.
    let renamed = |stale_last: bool| -> Vec<Write<Relationship>> {
        rels.iter()
            .enumerate()
            .map(|(i, r)| {
                let mut r = r.clone();
                r.display_name = format!("Renamed {i:03}");
                if stale_last && i == rels.len() - 1 {
                    r.version += 7;
                }
                Write::Update(r)
            })
            .collect()
    };
    let err = store
        .commit(Changes {
            relationships: renamed(true),
            ..Changes::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err, StoreError::VersionConflict);
    let first = store
        .relationship(w.partner, ids[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        first.display_name, "Long 000",
        "the whole change set must roll back"
    );

    // A duplicate display name deep inside a long insert: named, and nothing of it written.
    let mut fresh: Vec<Relationship> = (150..290).map(make).collect();
    fresh.push(
        Relationship::create(
            w.partner,
            draft("LONG 007", Some(w.customer)),
            Catalogue::builtin(),
            now(),
        )
        .unwrap(),
    );
    let err = store
        .commit(Changes {
            relationships: fresh.iter().cloned().map(Write::Insert).collect(),
            ..Changes::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err, StoreError::DuplicateDisplayName("LONG 007".into()));
    let fresh_ids: Vec<_> = fresh.iter().map(|r| r.id).collect();
    assert!(store
        .relationships_by_ids(&fresh_ids)
        .await
        .unwrap()
        .is_empty());

    // The rename without the stale version lands whole.
    store
        .commit(Changes {
            relationships: renamed(false),
            ..Changes::default()
        })
        .await
        .unwrap();
    let all = store.relationships_by_ids(&ids).await.unwrap();
    assert!(all.iter().all(|r| r.display_name.starts_with("Renamed ")));
}

suite!(
    concurrent_commits_succeed_or_fail_each_on_their_own,
    concurrent_updates_of_one_relationship_let_exactly_one_win_beside_unrelated_writes,
    relationships_are_read_back_by_a_list_of_ids_skipping_unknown_ones,
    a_long_change_set_lands_whole_or_not_at_all,
);
