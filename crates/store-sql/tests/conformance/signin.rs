//! Sign-in state: grants, second factors, consents and the failure counters.

use crate::support::*;

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

async fn a_consent_given_in_a_change_set_is_taken_back_whole_and_once(store: SqlStore) {
    use gdap_domain::ids::ClientId;
    use gdap_store::{ConsentStore, ConsentWrite};
    let client = ClientId::new_random();
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    let write = |w: ConsentWrite| {
        store.commit(Changes {
            consents: vec![w],
            ..Changes::default()
        })
    };
    let grant = |scopes: &[&str]| ConsentWrite::Grant {
        client,
        principal: "tenant:c".into(),
        scopes: s(scopes),
        at: now(),
    };
    write(grant(&[
        "User.Read.All",
        "Directory.Read.All",
        "Group.Read.All",
    ]))
    .await
    .unwrap();
    store
        .add_consent(client, "tenant:other", &s(&["User.Read"]), now())
        .await
        .unwrap();
    let revoke = || ConsentWrite::Revoke {
        client,
        principal: "tenant:c".into(),
    };
    write(revoke()).await.unwrap();
    assert!(store
        .consented(client, &s(&["tenant:c"]))
        .await
        .unwrap()
        .is_empty());
    // Another principal's consent stays; a second revoke finds nothing.
    assert_eq!(
        store
            .consented(client, &s(&["tenant:other"]))
            .await
            .unwrap(),
        s(&["User.Read"])
    );
    assert!(matches!(
        write(revoke()).await,
        Err(StoreError::VersionConflict)
    ));
    // One permission alone is taken back as well.
    write(grant(&["User.Read.All"])).await.unwrap();
    write(revoke()).await.unwrap();
    assert!(store
        .consented(client, &s(&["tenant:c"]))
        .await
        .unwrap()
        .is_empty());
}

suite!(
    a_consent_given_in_a_change_set_is_taken_back_whole_and_once,
    a_sign_in_grant_is_taken_once_of_its_kind_and_never_after_it_expires,
    a_grant_is_read_in_place_and_replaced_only_from_the_body_it_had,
    a_users_refresh_grants_are_revoked_by_session_or_all_together,
    a_second_factor_is_enrolled_once_and_each_step_accepted_once,
    consents_add_up_per_principal_and_are_read_together,
    failures_count_per_key_within_their_window_and_familiar_sources_are_kept_recent,
);
