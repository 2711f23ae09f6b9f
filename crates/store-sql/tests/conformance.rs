//! One conformance suite for the storage traits, run against every backend.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly on broken assumptions"
)]
//!
//! SQLite runs always (a private in-memory database per test). PostgreSQL runs when
//! `GDAP_TEST_POSTGRES` names a server URL; each test then works in a fresh database it drops.

use gdap_domain::assignment::AccessAssignment;
use gdap_domain::customer::{
    Activity, ActivityKind, AgreementAcceptance, PartnerLink, CUSTOMER_AGREEMENT,
};
use gdap_domain::directory::{Group, PartnerProfile, PartnerType, Tenant, User};
use gdap_domain::enums::{AssignmentStatus, RelationshipStatus, RequestAction};
use gdap_domain::ids::{GroupId, RoleDefinitionId, TenantId, UserId};
use gdap_domain::query::{parse_list_query, schemas, RawQuery};
use gdap_domain::relationship::{CustomerParticipant, Relationship, RelationshipDraft};
use gdap_domain::request::RelationshipRequest;
use gdap_domain::roles::Catalogue;
use gdap_domain::timefmt::truncate_micros;
use gdap_domain::Timings;
use gdap_store::{
    AuditStore, ChangeFeed, Changes, DirectoryBatch, DirectoryStore, DirectoryWrite, GrantStore,
    MfaMethod, MfaStore, NewGrant, PortalStore, RelationshipStore, Session, StoreError,
    ThrottleStore, Write,
};
use gdap_store_sql::SqlStore;
use time::macros::datetime;
use time::OffsetDateTime;

const HELPDESK: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
const USER_ADMIN: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";

fn now() -> OffsetDateTime {
    truncate_micros(datetime!(2026-01-05 09:00:00.123456 UTC))
}

struct World {
    partner: TenantId,
    customer: TenantId,
    group: GroupId,
}

async fn world(store: &SqlStore) -> World {
    let partner = TenantId::new_random();
    let customer = TenantId::new_random();
    let user = UserId::new_random();
    let group = GroupId::new_random();
    let tag = &partner.to_string()[..8];
    store
        .insert_directory(DirectoryBatch {
            tenants: vec![
                Tenant {
                    id: partner,
                    display_name: "Partner".into(),
                    domain: format!("partner{tag}.onmicrosoft.com"),
                    partner: Some(PartnerProfile {
                        mpn_id: Some("1".into()),
                        types: vec![PartnerType::CspDirect],
                        ..PartnerProfile::default()
                    }),
                    created_at: now(),
                },
                Tenant {
                    id: customer,
                    display_name: "Customer".into(),
                    domain: format!("customer{tag}.onmicrosoft.com"),
                    partner: None,
                    created_at: now(),
                },
            ],
            users: vec![User {
                id: user,
                tenant: partner,
                user_principal_name: format!("Admin@partner{tag}.onmicrosoft.com"),
                display_name: "Admin".into(),
                password_hash: None,
                roles: vec![],
                preferred_language: None,
                account_enabled: true,
            }],
            groups: vec![Group {
                id: group,
                tenant: partner,
                display_name: "AdminAgents".into(),
                members: vec![user],
            }],
            applications: vec![],
            partner_links: vec![],
            agreements: vec![],
        })
        .await
        .unwrap();
    World {
        partner,
        customer,
        group,
    }
}

fn draft(name: &str, customer: Option<TenantId>) -> RelationshipDraft {
    RelationshipDraft {
        display_name: name.into(),
        duration: "P730D".into(),
        auto_extend: None,
        roles: vec![
            RoleDefinitionId::parse(HELPDESK).unwrap(),
            RoleDefinitionId::parse(USER_ADMIN).unwrap(),
        ],
        customer: customer.map(|t| CustomerParticipant {
            tenant_id: t,
            display_name: Some("Customer".into()),
        }),
    }
}

async fn insert(store: &SqlStore, rel: Relationship) -> Relationship {
    let c = store
        .commit(Changes {
            relationships: vec![Write::Insert(rel)],
            ..Changes::default()
        })
        .await
        .unwrap();
    c.relationships.into_iter().next().unwrap().into_inner()
}

fn query(pairs: &[(&str, &str)]) -> gdap_domain::query::ListQuery {
    let raw = RawQuery {
        pairs: pairs
            .iter()
            .map(|(a, b)| ((*a).into(), (*b).into()))
            .collect(),
    };
    parse_list_query(&schemas::RELATIONSHIPS, &raw, false).unwrap()
}

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

/// Commits one directory write.
async fn directory(store: &SqlStore, write: DirectoryWrite) -> Result<Changes, StoreError> {
    store
        .commit(Changes {
            directory: vec![write],
            ..Changes::default()
        })
        .await
}

async fn update_user(store: &SqlStore, user: &User) {
    directory(store, DirectoryWrite::UpdateUser(user.clone()))
        .await
        .unwrap();
}

async fn directory_writes_land_with_the_rest_of_their_change_set_or_not_at_all(store: SqlStore) {
    let w = world(&store).await;
    let rel = Relationship::create(
        w.partner,
        draft("Dir", Some(w.customer)),
        Catalogue::builtin(),
        now(),
    )
    .unwrap();
    let rel = insert(&store, rel).await;
    let domain = store.tenant(w.partner).await.unwrap().unwrap().domain;
    let user = User {
        id: UserId::new_random(),
        tenant: w.partner,
        user_principal_name: format!("tech@{domain}"),
        display_name: "Tech".into(),
        password_hash: None,
        roles: vec![],
        preferred_language: None,
        account_enabled: true,
    };
    // A stale relationship beside a new user: neither is written.
    let stale = Relationship {
        version: rel.version + 7,
        ..rel.clone()
    };
    let refused = store
        .commit(Changes {
            relationships: vec![Write::Update(stale)],
            directory: vec![DirectoryWrite::AddUser(user.clone())],
            ..Changes::default()
        })
        .await;
    assert!(matches!(refused, Err(StoreError::VersionConflict)));
    assert_eq!(store.user(w.partner, user.id).await.unwrap(), None);
    // With the relationship current, both land, and the audit entry with them.
    let entry = gdap_domain::audit::AuditEntry {
        at: now(),
        actor: "admin".into(),
        actor_tenant: None,
        partner: None,
        customer: Some(w.partner),
        relationship: None,
        assignment: None,
        role: None,
        action: "user.create".into(),
        target: user.id.to_string(),
        result: "success".into(),
    };
    let done = store
        .commit(Changes {
            relationships: vec![Write::Update(rel.clone())],
            directory: vec![DirectoryWrite::AddUser(user.clone())],
            audit: vec![entry],
            ..Changes::default()
        })
        .await
        .unwrap();
    assert_eq!(
        store.user(w.partner, user.id).await.unwrap(),
        Some(user.clone())
    );
    assert_eq!(
        gdap_store::ChangeRefs::of(&done).users,
        vec![(w.partner, user.id)]
    );
    let audit = store.audit_of(w.partner, None, 100).await.unwrap();
    assert!(audit
        .iter()
        .any(|e| e.action == "user.create" && e.target == user.id.to_string()));
    // The same principal name again is a duplicate.
    let twin = User {
        id: UserId::new_random(),
        ..user.clone()
    };
    assert!(matches!(
        directory(&store, DirectoryWrite::AddUser(twin)).await,
        Err(StoreError::Duplicate(_))
    ));
    // A member from another tenant is never added; a deleted user leaves its groups.
    let group = store.group(w.partner, w.group).await.unwrap().unwrap();
    let outsider = User {
        id: UserId::new_random(),
        tenant: w.customer,
        user_principal_name: format!(
            "x@{}",
            store.tenant(w.customer).await.unwrap().unwrap().domain
        ),
        ..user.clone()
    };
    directory(&store, DirectoryWrite::AddUser(outsider.clone()))
        .await
        .unwrap();
    for member in [outsider.id, user.id] {
        directory(
            &store,
            DirectoryWrite::Membership {
                group: group.clone(),
                user: member,
                add: true,
            },
        )
        .await
        .unwrap();
    }
    let members = store
        .group(w.partner, w.group)
        .await
        .unwrap()
        .unwrap()
        .members;
    assert!(members.contains(&user.id) && !members.contains(&outsider.id));
    directory(&store, DirectoryWrite::DeleteUser(user.clone()))
        .await
        .unwrap();
    let members = store
        .group(w.partner, w.group)
        .await
        .unwrap()
        .unwrap()
        .members;
    assert!(!members.contains(&user.id));
    // Writing to a user that is gone changes nothing and says so.
    assert!(matches!(
        directory(&store, DirectoryWrite::UpdateUser(user.clone())).await,
        Err(StoreError::VersionConflict)
    ));
    assert!(matches!(
        directory(&store, DirectoryWrite::DeleteUser(user)).await,
        Err(StoreError::VersionConflict)
    ));
}

fn grant<'a>(hash: &'a str, kind: &'a str, body: &'a str, until: OffsetDateTime) -> NewGrant<'a> {
    NewGrant {
        hash,
        kind,
        body,
        subject: None,
        session: None,
        expires_at: until,
    }
}

async fn a_sign_in_grant_is_taken_once_of_its_kind_and_never_after_it_expires(store: SqlStore) {
    let t0 = now();
    let later = t0 + time::Duration::minutes(10);
    store
        .put_grant(grant("h1", "code", "{\"a\":1}", later), t0)
        .await
        .unwrap();
    // Another kind does not find it; the right kind takes it once.
    assert_eq!(store.take_grant("h1", "refresh", t0).await.unwrap(), None);
    assert_eq!(
        store.take_grant("h1", "code", t0).await.unwrap().as_deref(),
        Some("{\"a\":1}")
    );
    assert_eq!(store.take_grant("h1", "code", t0).await.unwrap(), None);
    // Expired: not taken, and swept away by the next grant.
    store
        .put_grant(grant("h2", "code", "b", later), t0)
        .await
        .unwrap();
    assert_eq!(store.take_grant("h2", "code", later).await.unwrap(), None);
    store
        .put_grant(
            grant("h3", "code", "c", later + time::Duration::minutes(10)),
            later,
        )
        .await
        .unwrap();
    assert_eq!(store.take_grant("h2", "code", t0).await.unwrap(), None);
    // Two redemptions at once: exactly one gets it.
    store
        .put_grant(grant("h4", "code", "d", later), t0)
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        store.take_grant("h4", "code", t0),
        store.take_grant("h4", "code", t0)
    );
    let got = [a.unwrap(), b.unwrap()];
    assert_eq!(got.iter().filter(|g| g.is_some()).count(), 1, "{got:?}");
}

async fn a_grant_is_read_in_place_and_replaced_only_from_the_body_it_had(store: SqlStore) {
    let t0 = now();
    let later = t0 + time::Duration::minutes(15);
    store
        .put_grant(grant("d1", "device", "pending", later), t0)
        .await
        .unwrap();
    assert_eq!(
        store.grant("d1", "device", t0).await.unwrap().as_deref(),
        Some("pending")
    );
    assert_eq!(store.grant("d1", "code", t0).await.unwrap(), None);
    assert_eq!(store.live_grants("device", t0).await.unwrap(), 1);
    // Two answers at once from the same reading: exactly one lands.
    let (a, b) = tokio::join!(
        store.replace_grant("d1", "device", "pending", "approved", t0),
        store.replace_grant("d1", "device", "pending", "declined", t0)
    );
    assert!(a.unwrap() ^ b.unwrap());
    let now_body = store.grant("d1", "device", t0).await.unwrap().unwrap();
    assert!(
        now_body == "approved" || now_body == "declined",
        "{now_body}"
    );
    // Expired: neither read, replaced nor counted.
    assert_eq!(store.grant("d1", "device", later).await.unwrap(), None);
    assert!(!store
        .replace_grant("d1", "device", &now_body, "x", later)
        .await
        .unwrap());
    assert_eq!(store.live_grants("device", later).await.unwrap(), 0);
}

async fn a_users_refresh_grants_are_revoked_by_session_or_all_together(store: SqlStore) {
    let t0 = now();
    let later = t0 + time::Duration::days(90);
    let of = |hash: &'static str, subject: &'static str, session: Option<&'static str>| NewGrant {
        subject: Some(subject),
        session,
        ..grant(hash, "refresh", hash, later)
    };
    for g in [
        of("r1", "alice", Some("s1")),
        of("r2", "alice", Some("s2")),
        of("r3", "alice", None),
        of("r4", "bob", Some("s1")),
    ] {
        store.put_grant(g, t0).await.unwrap();
    }
    store
        .put_grant(
            NewGrant {
                subject: Some("alice"),
                ..grant("c1", "code", "c", later)
            },
            t0,
        )
        .await
        .unwrap();
    // One session of one user.
    store
        .revoke_grants("refresh", "alice", Some("s1"))
        .await
        .unwrap();
    let live = |h: &'static str| {
        let store = &store;
        async move { store.grant(h, "refresh", t0).await.unwrap().is_some() }
    };
    assert!(!live("r1").await);
    assert!(live("r2").await && live("r3").await && live("r4").await);
    // All of the user's refresh grants, and only those of that kind.
    store.revoke_grants("refresh", "alice", None).await.unwrap();
    assert!(!live("r2").await && !live("r3").await);
    assert!(live("r4").await);
    assert!(store.grant("c1", "code", t0).await.unwrap().is_some());
    assert_eq!(store.live_grants("refresh", t0).await.unwrap(), 1);
}

async fn a_second_factor_is_enrolled_once_and_each_step_accepted_once(store: SqlStore) {
    let w = world(&store).await;
    let user = store.users_of(w.partner).await.unwrap().pop().unwrap().id;
    assert_eq!(store.mfa_method(user).await.unwrap(), None);
    assert!(store
        .enrol_mfa(w.partner, user, "SECRETONE", 100, now())
        .await
        .unwrap());
    // A second enrolment (another browser, racing) does not replace the first.
    assert!(!store
        .enrol_mfa(w.partner, user, "SECRETTWO", 101, now())
        .await
        .unwrap());
    assert_eq!(
        store.mfa_method(user).await.unwrap(),
        Some(MfaMethod {
            secret: "SECRETONE".into(),
            last_step: 100
        })
    );
    // The enrolling code's step, or an earlier one, is not accepted again; a later one once.
    assert!(!store.use_mfa_step(user, 100).await.unwrap());
    assert!(!store.use_mfa_step(user, 99).await.unwrap());
    let (a, b) = tokio::join!(store.use_mfa_step(user, 101), store.use_mfa_step(user, 101));
    assert!(a.unwrap() ^ b.unwrap());
    store.remove_mfa(user).await.unwrap();
    assert_eq!(store.mfa_method(user).await.unwrap(), None);
    assert!(!store.use_mfa_step(user, 200).await.unwrap());
}

async fn application_registrations_are_added_changed_listed_and_deleted(store: SqlStore) {
    use gdap_domain::directory::Application;
    use gdap_domain::ids::{ApplicationId, ClientId};
    let w = world(&store).await;
    let registered = Application {
        id: ApplicationId::new_random(),
        client_id: ClientId::new_random(),
        tenant: w.customer,
        display_name: "Tool".into(),
        secret_hash: None,
        permissions: Vec::new(),
        redirect_uris: vec!["http://localhost".into()],
        public_client: true,
    };
    directory(&store, DirectoryWrite::AddApplication(registered.clone()))
        .await
        .unwrap();
    // The same client id again is a duplicate, and changes nothing.
    assert!(matches!(
        directory(&store, DirectoryWrite::AddApplication(registered.clone())).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(
        store.applications_of(w.customer).await.unwrap(),
        vec![registered.clone()]
    );
    let changed = Application {
        display_name: "Tool 2".into(),
        secret_hash: Some("hash".into()),
        redirect_uris: vec!["https://tool.example/cb".into()],
        public_client: false,
        ..registered.clone()
    };
    directory(&store, DirectoryWrite::UpdateApplication(changed.clone()))
        .await
        .unwrap();
    assert_eq!(
        store.application(registered.client_id).await.unwrap(),
        Some(changed.clone())
    );
    assert!(store.applications_of(w.partner).await.unwrap().is_empty());
    directory(&store, DirectoryWrite::DeleteApplication(changed.clone()))
        .await
        .unwrap();
    assert_eq!(store.application(registered.client_id).await.unwrap(), None);
    // Gone: changing or deleting it again says so.
    assert!(matches!(
        directory(&store, DirectoryWrite::UpdateApplication(changed.clone())).await,
        Err(StoreError::VersionConflict)
    ));
    assert!(matches!(
        directory(&store, DirectoryWrite::DeleteApplication(changed)).await,
        Err(StoreError::VersionConflict)
    ));
}

async fn consents_add_up_per_principal_and_are_read_together(store: SqlStore) {
    use gdap_domain::ids::ClientId;
    use gdap_store::ConsentStore;
    let client = ClientId::new_random();
    let other = ClientId::new_random();
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    store
        .add_consent(client, "user:a", &s(&["User.Read"]), now())
        .await
        .unwrap();
    // Granted again with more: kept once each.
    store
        .add_consent(
            client,
            "user:a",
            &s(&["User.Read", "Group.Read.All"]),
            now(),
        )
        .await
        .unwrap();
    store
        .add_consent(client, "tenant:t", &s(&["User.Read.All"]), now())
        .await
        .unwrap();
    store
        .add_consent(other, "user:a", &s(&["Directory.Read.All"]), now())
        .await
        .unwrap();
    assert_eq!(
        store
            .consented(client, &s(&["user:a", "tenant:t"]))
            .await
            .unwrap(),
        s(&["Group.Read.All", "User.Read", "User.Read.All"])
    );
    assert_eq!(
        store.consented(client, &s(&["user:b"])).await.unwrap(),
        Vec::<String>::new()
    );
    assert!(store.consented(client, &[]).await.unwrap().is_empty());
}

async fn a_password_change_or_a_disabled_account_ends_the_users_sessions(store: SqlStore) {
    let w = world(&store).await;
    let mut user = store.users_of(w.partner).await.unwrap().pop().unwrap();
    let session = |hash: &str| Session {
        id_hash: hash.to_owned(),
        tenant: w.partner,
        user: user.id,
        csrf: format!("csrf-{hash}"),
        created_at: now(),
        expires_at: now() + time::Duration::hours(8),
        mfa: false,
    };
    store.create_session(session("s1")).await.unwrap();
    // A new display name leaves the session alone.
    user.display_name = "Renamed".into();
    update_user(&store, &user).await;
    assert!(store.session("s1").await.unwrap().is_some());
    // A new password ends it.
    user.password_hash = Some("$argon2id$new".into());
    update_user(&store, &user).await;
    assert!(store.session("s1").await.unwrap().is_none());
    // The same password again keeps the next session; disabling the account ends it.
    store.create_session(session("s2")).await.unwrap();
    update_user(&store, &user).await;
    assert!(store.session("s2").await.unwrap().is_some());
    user.account_enabled = false;
    update_user(&store, &user).await;
    assert!(store.session("s2").await.unwrap().is_none());
}

async fn failures_count_per_key_within_their_window_and_familiar_sources_are_kept_recent(
    store: SqlStore,
) {
    let window = time::Duration::minutes(5);
    store
        .count_failures(&["a", "b"], now(), window)
        .await
        .unwrap();
    store
        .count_failures(&["a"], now() + time::Duration::minutes(1), window)
        .await
        .unwrap();
    assert_eq!(
        store.failures(&["a", "b", "c"]).await.unwrap(),
        vec![Some((2, now())), Some((1, now())), None]
    );
    // Once the window of its first failure has passed, a key starts again.
    let later = now() + window;
    store.count_failures(&["a"], later, window).await.unwrap();
    assert_eq!(
        store.failures(&["a"]).await.unwrap(),
        vec![Some((1, later))]
    );
    store.clear_failures("a").await.unwrap();
    assert_eq!(store.failures(&["a"]).await.unwrap(), vec![None]);
    store.purge_failures(later).await.unwrap();
    assert_eq!(store.failures(&["b"]).await.unwrap(), vec![None]);

    for (i, source) in ["s1", "s2", "s3"].iter().enumerate() {
        let at = now() + time::Duration::seconds(i as i64);
        store.remember_source("acct", source, at, 2).await.unwrap();
    }
    assert!(!store.is_familiar("acct", "s1").await.unwrap());
    assert!(store.is_familiar("acct", "s2").await.unwrap());
    assert!(store.is_familiar("acct", "s3").await.unwrap());
    assert!(!store.is_familiar("other", "s3").await.unwrap());
}

async fn agreements_partner_ties_and_the_activity_record_round_trip(store: SqlStore) {
    let w = world(&store).await;
    let user = UserId::new_random();
    let acceptance = AgreementAcceptance {
        tenant: w.customer,
        agreement: CUSTOMER_AGREEMENT.into(),
        version: "2024-10".into(),
        accepted_by: user,
        accepted_by_upn: "admin@customer".into(),
        accepted_at: now(),
    };
    let link = PartnerLink {
        customer: w.customer,
        partner: w.partner,
        reseller: true,
        dap: true,
        since: now(),
        dap_removed_at: None,
    };
    let act = |kind, at, partner| Activity {
        id: uuid::Uuid::new_v4(),
        customer: w.customer,
        partner,
        actor: user,
        actor_upn: "admin@customer".into(),
        kind,
        relationships: vec![],
        at,
    };
    let first = act(ActivityKind::AgreementAccepted, now(), Some(w.partner));
    let second = act(
        ActivityKind::RolesRemoved,
        now() + time::Duration::minutes(1),
        Some(w.partner),
    );
    let other = act(ActivityKind::InvitationApproved, now(), None);
    store
        .commit(Changes {
            agreements: vec![acceptance.clone()],
            partner_links: vec![link.clone()],
            activity: vec![first.clone(), second.clone(), other],
            ..Changes::default()
        })
        .await
        .unwrap();
    // Accepting again keeps the first record; the tie is replaced whole.
    let mut again = acceptance.clone();
    again.accepted_at = now() + time::Duration::days(1);
    let mut removed = link.clone();
    removed.dap = false;
    removed.dap_removed_at = Some(now() + time::Duration::days(1));
    store
        .commit(Changes {
            agreements: vec![again],
            partner_links: vec![removed.clone()],
            ..Changes::default()
        })
        .await
        .unwrap();
    assert_eq!(
        store
            .agreement(w.customer, CUSTOMER_AGREEMENT)
            .await
            .unwrap(),
        Some(acceptance)
    );
    assert!(store
        .agreement(w.partner, CUSTOMER_AGREEMENT)
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store.partner_links(w.customer).await.unwrap(),
        vec![removed]
    );
    assert!(store.partner_links(w.partner).await.unwrap().is_empty());
    let log = store
        .activity_of(w.customer, Some(w.partner), 10)
        .await
        .unwrap();
    assert_eq!(log, vec![second, first]);
    assert_eq!(
        store.activity_of(w.customer, None, 10).await.unwrap().len(),
        3
    );
}

async fn partner_profiles_and_preferred_languages_can_be_changed(store: SqlStore) {
    let w = world(&store).await;
    let profile = PartnerProfile {
        mpn_id: Some("1".into()),
        types: vec![PartnerType::CspDirect],
        service_name: Some("損保クラウド".into()),
        contact: Some("support@example.jp".into()),
        help_url: Some("https://example.jp/help".into()),
        require_mfa: true,
    };
    store
        .set_partner_profile(w.partner, profile.clone())
        .await
        .unwrap();
    assert_eq!(
        store.tenant(w.partner).await.unwrap().unwrap().partner,
        Some(profile)
    );
    let user = store.users_of(w.partner).await.unwrap().pop().unwrap();
    store
        .set_preferred_language(w.partner, user.id, "ja")
        .await
        .unwrap();
    assert_eq!(
        store
            .user(w.partner, user.id)
            .await
            .unwrap()
            .unwrap()
            .preferred_language
            .as_deref(),
        Some("ja")
    );
    // A user of another tenant is not changed through this one.
    assert!(store
        .set_preferred_language(w.customer, user.id, "en")
        .await
        .is_err());
}

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
        .audit_of(w.customer, Some(w.partner), 100)
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

macro_rules! suite {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(gdap_store_sql::SqlStore::in_memory().await.unwrap()).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = super::pg::fresh().await else { return };
                    super::$name(db.store.clone()).await;
                    db.drop().await;
                }
            )+
        }
    };
}

suite!(
    a_relationship_round_trips_unchanged,
    display_names_are_unique_per_partner_ignoring_case,
    a_stale_version_is_refused_and_changes_nothing,
    a_long_change_set_lands_whole_or_not_at_all,
    listing_pages_through_every_item_once_in_order,
    filters_select_the_right_relationships,
    one_live_assignment_per_group_and_customers_follow_active_relationships,
    due_work_is_found_in_due_order,
    concurrent_commits_succeed_or_fail_each_on_their_own,
    concurrent_updates_of_one_relationship_let_exactly_one_win_beside_unrelated_writes,
    relationships_are_read_back_by_a_list_of_ids_skipping_unknown_ones,
    a_queued_mail_is_claimed_by_one_sender_at_a_time_and_survives_a_failed_attempt,
    nodes_starting_together_agree_on_one_signing_key,
    sessions_are_found_by_hash_ended_by_sign_out_and_purged_once_over,
    a_password_change_or_a_disabled_account_ends_the_users_sessions,
    a_second_factor_is_enrolled_once_and_each_step_accepted_once,
    application_registrations_are_added_changed_listed_and_deleted,
    consents_add_up_per_principal_and_are_read_together,
    directory_writes_land_with_the_rest_of_their_change_set_or_not_at_all,
    a_sign_in_grant_is_taken_once_of_its_kind_and_never_after_it_expires,
    a_grant_is_read_in_place_and_replaced_only_from_the_body_it_had,
    a_users_refresh_grants_are_revoked_by_session_or_all_together,
    failures_count_per_key_within_their_window_and_familiar_sources_are_kept_recent,
    agreements_partner_ties_and_the_activity_record_round_trip,
    partner_profiles_and_preferred_languages_can_be_changed,
    a_shared_database_numbers_every_write_in_its_change_feed,
    a_committed_write_is_announced_to_subscribers,
    audit_entries_are_sealed_once_in_order_into_a_chain_that_verifies,
    purchases_invoices_billing_settings_and_created_groups_round_trip,
);

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
    let Some(db) = pg::fresh().await else { return };
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

mod pg {
    use gdap_store_sql::SqlStore;

    pub struct FreshDb {
        pub store: SqlStore,
        pub url: String,
        admin_url: String,
        name: String,
    }

    /// A new database on the server named by `GDAP_TEST_POSTGRES`, or `None` when unset.
    pub async fn fresh() -> Option<FreshDb> {
        let admin_url = std::env::var("GDAP_TEST_POSTGRES").ok()?;
        let name = format!("gdap_test_{}", uuid::Uuid::new_v4().simple());
        admin(&admin_url, &format!("CREATE DATABASE {name}")).await;
        let base = admin_url
            .rsplit_once('/')
            .map(|(b, _)| b.to_owned())
            .unwrap_or(admin_url.clone());
        let url = format!("{base}/{name}");
        let store = SqlStore::connect(&url)
            .await
            .expect("connect to the fresh database");
        Some(FreshDb {
            store,
            url,
            admin_url,
            name,
        })
    }

    async fn admin(url: &str, sql: &str) {
        let pool = sqlx::PgPool::connect(url)
            .await
            .expect("connect to GDAP_TEST_POSTGRES");
        sqlx::query(sql).execute(&pool).await.expect(sql);
        pool.close().await;
    }

    impl FreshDb {
        pub async fn drop(self) {
            let FreshDb {
                store,
                url: _,
                admin_url,
                name,
            } = self;
            drop(store);
            admin(
                &admin_url,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await;
        }
    }
}
