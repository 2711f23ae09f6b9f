//! Relationships and their assignments: round trips, unique names, versions, listing, filters, due work.

use crate::support::*;

async fn a_relationship_round_trips_unchanged(store: SqlStore) {
    let w = world(&store).await;
    let rel = Relationship::create(
        w.partner,
        draft("Round trip", Some(w.customer)),
        Catalogue::builtin(),
        now(),
    )
    .unwrap();
    let stored = insert(&store, rel.clone()).await;
    assert_eq!(stored, rel);
    let read = store
        .relationship(w.partner, rel.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read, rel);
    assert!(
        store
            .relationship(w.customer, rel.id)
            .await
            .unwrap()
            .is_none(),
        "another tenant must not see it"
    );
}

async fn display_names_are_unique_per_partner_ignoring_case(store: SqlStore) {
    let w = world(&store).await;
    insert(
        &store,
        Relationship::create(
            w.partner,
            draft("Same name", None),
            Catalogue::builtin(),
            now(),
        )
        .unwrap(),
    )
    .await;
    let dup = Relationship::create(
        w.partner,
        draft("SAME name", None),
        Catalogue::builtin(),
        now(),
    )
    .unwrap();
    let err = store
        .commit(Changes {
            relationships: vec![Write::Insert(dup)],
            ..Changes::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err, StoreError::DuplicateDisplayName("SAME name".into()));
    let other = world(&store).await;
    insert(
        &store,
        Relationship::create(
            other.partner,
            draft("Same name", None),
            Catalogue::builtin(),
            now(),
        )
        .unwrap(),
    )
    .await;
}

async fn a_stale_version_is_refused_and_changes_nothing(store: SqlStore) {
    let w = world(&store).await;
    let rel = insert(
        &store,
        Relationship::create(
            w.partner,
            draft("Versions", None),
            Catalogue::builtin(),
            now(),
        )
        .unwrap(),
    )
    .await;
    let mut a = rel.clone();
    a.display_name = "First".into();
    let saved = store
        .commit(Changes {
            relationships: vec![Write::Update(a)],
            ..Changes::default()
        })
        .await
        .unwrap();
    assert_eq!(saved.relationships[0].get().version, rel.version + 1);
    let mut b = rel.clone();
    b.display_name = "Second".into();
    let req = RelationshipRequest::new(
        rel.id,
        w.partner,
        RequestAction::LockForApproval,
        now(),
        &Timings::default(),
    );
    let err = store
        .commit(Changes {
            relationships: vec![Write::Update(b)],
            requests: vec![Write::Insert(req.clone())],
            ..Changes::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err, StoreError::VersionConflict);
    let read = store
        .relationship(w.partner, rel.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.display_name, "First");
    assert!(
        store.request(rel.id, req.id).await.unwrap().is_none(),
        "the whole change set must roll back"
    );
}

async fn listing_pages_through_every_item_once_in_order(store: SqlStore) {
    let w = world(&store).await;
    for n in 0..25 {
        let mut rel = Relationship::create(
            w.partner,
            draft(&format!("Rel {n:02}"), None),
            Catalogue::builtin(),
            now(),
        )
        .unwrap();
        rel.created_at = now() + time::Duration::seconds(n % 7);
        if n % 3 == 0 {
            rel.status = RelationshipStatus::Active;
        }
        insert(&store, rel).await;
    }
    for (order, filter) in [
        (None, None),
        (Some("displayName desc"), None),
        (
            Some("createdDateTime desc,displayName"),
            Some("status eq 'active'"),
        ),
    ] {
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut pairs = vec![("$top", "4".to_owned()), ("$count", "true".to_owned())];
            if let Some(o) = order {
                pairs.push(("$orderby", o.to_owned()));
            }
            if let Some(f) = filter {
                pairs.push(("$filter", f.to_owned()));
            }
            if let Some(t) = &token {
                pairs.push(("$skiptoken", t.clone()));
            }
            let p: Vec<(&str, &str)> = pairs.iter().map(|(a, b)| (*a, b.as_str())).collect();
            let page = store
                .list_relationships(w.partner, &query(&p))
                .await
                .unwrap();
            let expected = if filter.is_some() { 9 } else { 25 };
            assert_eq!(page.count, Some(expected));
            assert!(page.items.len() <= 4);
            seen.extend(page.items.iter().map(|r| r.display_name.clone()));
            match page.next {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        let expected = if filter.is_some() { 9 } else { 25 };
        assert_eq!(seen.len(), expected, "order {order:?}");
        let mut dedup = seen.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), expected, "no item twice");
        if order == Some("displayName desc") {
            let mut sorted = seen.clone();
            sorted.sort_by(|a, b| b.cmp(a));
            assert_eq!(seen, sorted);
        }
    }
    let err = store
        .list_relationships(w.partner, &query(&[("$skiptoken", "garbage")]))
        .await
        .unwrap_err();
    assert_eq!(err, StoreError::BadSkipToken);
}

async fn filters_select_the_right_relationships(store: SqlStore) {
    let w = world(&store).await;
    let mut a = Relationship::create(
        w.partner,
        draft("Alpha", Some(w.customer)),
        Catalogue::builtin(),
        now(),
    )
    .unwrap();
    a.status = RelationshipStatus::Active;
    a.end_at = Some(datetime!(2027-01-01 0:00 UTC));
    insert(&store, a).await;
    insert(
        &store,
        Relationship::create(
            w.partner,
            draft("Beta 100%", None),
            Catalogue::builtin(),
            now(),
        )
        .unwrap(),
    )
    .await;
    let names = |p: &[(&str, &str)]| {
        let q = query(p);
        let store = store.clone();
        async move {
            let mut v: Vec<String> = store
                .list_relationships(w.partner, &q)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|r| r.display_name)
                .collect();
            v.sort();
            v
        }
    };
    assert_eq!(names(&[("$filter", "status eq 'active'")]).await, ["Alpha"]);
    assert_eq!(
        names(&[("$filter", "status ne 'active'")]).await,
        ["Beta 100%"]
    );
    assert_eq!(
        names(&[(
            "$filter",
            &format!(
                "customer/tenantId eq '{}'",
                w.customer.to_string().to_uppercase()
            )
        )])
        .await,
        ["Alpha"]
    );
    assert_eq!(
        names(&[("$filter", "customer/tenantId eq null")]).await,
        ["Beta 100%"]
    );
    assert_eq!(
        names(&[("$filter", "displayName eq 'ALPHA'")]).await,
        ["Alpha"]
    );
    assert_eq!(
        names(&[("$filter", "startswith(displayName, 'be')")]).await,
        ["Beta 100%"]
    );
    assert_eq!(
        names(&[("$filter", "contains(displayName, '0%')")]).await,
        ["Beta 100%"]
    );
    assert_eq!(
        names(&[("$filter", "contains(displayName, '_')")]).await,
        Vec::<String>::new()
    );
    assert_eq!(
        names(&[("$filter", "status in ('active', 'created')")]).await,
        ["Alpha", "Beta 100%"]
    );
    assert_eq!(
        names(&[(
            "$filter",
            "endDateTime lt 2027-06-01T00:00:00Z and status eq 'active'"
        )])
        .await,
        ["Alpha"]
    );
    assert_eq!(
        names(&[(
            "$filter",
            "endDateTime gt 2030-01-01T00:00:00Z or displayName eq 'beta 100%'"
        )])
        .await,
        ["Beta 100%"]
    );
    assert_eq!(
        names(&[("$filter", "not (status eq 'active')")]).await,
        ["Beta 100%"]
    );
}

async fn one_live_assignment_per_group_and_customers_follow_active_relationships(store: SqlStore) {
    let w = world(&store).await;
    let mut rel = Relationship::create(
        w.partner,
        draft("Assign", Some(w.customer)),
        Catalogue::builtin(),
        now(),
    )
    .unwrap();
    rel.status = RelationshipStatus::Active;
    let rel = insert(&store, rel).await;
    let page = store
        .list_customers(w.partner, &Default::default())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].tenant_id, w.customer);
    assert_eq!(page.items[0].display_name, "Customer");
    assert!(store
        .list_customers(w.customer, &Default::default())
        .await
        .unwrap()
        .items
        .is_empty());
    let t = Timings::default();
    let a = AccessAssignment::create(
        &rel,
        w.group,
        vec![RoleDefinitionId::parse(HELPDESK).unwrap()],
        now(),
        &t,
    )
    .unwrap();
    store
        .commit(Changes {
            assignments: vec![Write::Insert(a.clone())],
            ..Changes::default()
        })
        .await
        .unwrap();
    let b = AccessAssignment::create(
        &rel,
        w.group,
        vec![RoleDefinitionId::parse(HELPDESK).unwrap()],
        now(),
        &t,
    )
    .unwrap();
    let err = store
        .commit(Changes {
            assignments: vec![Write::Insert(b.clone())],
            ..Changes::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err, StoreError::DuplicateAssignment);
    let mut gone = a.clone();
    gone.status = AssignmentStatus::Deleted;
    store
        .commit(Changes {
            assignments: vec![Write::Update(gone)],
            ..Changes::default()
        })
        .await
        .unwrap();
    store
        .commit(Changes {
            assignments: vec![Write::Insert(b)],
            ..Changes::default()
        })
        .await
        .unwrap();
    assert_eq!(store.assignments_of(rel.id).await.unwrap().len(), 2);
}

async fn due_work_is_found_in_due_order(store: SqlStore) {
    let w = world(&store).await;
    let t = Timings::default();
    let mut late =
        Relationship::create(w.partner, draft("Late", None), Catalogue::builtin(), now()).unwrap();
    late.lock_for_approval(now() + time::Duration::days(2), &t)
        .unwrap();
    let mut early =
        Relationship::create(w.partner, draft("Early", None), Catalogue::builtin(), now()).unwrap();
    early.lock_for_approval(now(), &t).unwrap();
    insert(&store, late).await;
    insert(&store, early).await;
    let due = store
        .due_relationships(now() + time::Duration::days(91), 10)
        .await
        .unwrap();
    assert_eq!(
        due.iter()
            .map(|r| r.display_name.as_str())
            .collect::<Vec<_>>(),
        ["Early"]
    );
    let due = store
        .due_relationships(now() + time::Duration::days(100), 10)
        .await
        .unwrap();
    assert_eq!(
        due.iter()
            .map(|r| r.display_name.as_str())
            .collect::<Vec<_>>(),
        ["Early", "Late"]
    );
}

suite!(
    a_relationship_round_trips_unchanged,
    display_names_are_unique_per_partner_ignoring_case,
    a_stale_version_is_refused_and_changes_nothing,
    listing_pages_through_every_item_once_in_order,
    filters_select_the_right_relationships,
    one_live_assignment_per_group_and_customers_follow_active_relationships,
    due_work_is_found_in_due_order,
);
