//! The authorization index's source: relationships naming a customer, page after page by id.

use gdap_store::AuthzSource;

use crate::support::*;

async fn relationships_come_page_by_page_each_once_and_only_those_naming_a_customer(
    store: SqlStore,
) {
    let w = world(&store).await;
    let mut made = Vec::new();
    for i in 0..25 {
        let r = Relationship::create(
            w.partner,
            draft(&format!("paged {i}"), Some(w.customer)),
            Catalogue::builtin(),
            now(),
        )
        .unwrap();
        made.push(insert(&store, r).await.id);
    }
    for i in 0..2 {
        let r = Relationship::create(
            w.partner,
            draft(&format!("open {i}"), None),
            Catalogue::builtin(),
            now(),
        )
        .unwrap();
        insert(&store, r).await;
    }
    let mut read = Vec::new();
    let mut after = None;
    loop {
        let page = store.authz_relationships(after, 7).await.unwrap();
        assert!(page.len() <= 7);
        after = page.last().map(|r| r.id);
        read.extend(page.iter().map(|r| r.id));
        if page.len() < 7 {
            break;
        }
    }
    let mut expected = made.clone();
    expected.sort();
    let mut got = read.clone();
    got.sort();
    assert_eq!(got, expected, "each once, none without a customer");
    assert_eq!(read.len(), 25);
    let snapshot = store.authz_snapshot().await.unwrap();
    assert_eq!(snapshot.relationships.len(), 25);
    assert!(store
        .authz_directory()
        .await
        .unwrap()
        .relationships
        .is_empty());
}

suite!(relationships_come_page_by_page_each_once_and_only_those_naming_a_customer);
