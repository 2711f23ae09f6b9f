//! Directory writes: users, groups, applications, and what a password change ends.

use crate::support::*;

/// Commits one directory write.
pub async fn directory(store: &SqlStore, write: DirectoryWrite) -> Result<Changes, StoreError> {
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
    let audit = store.audit_of(w.partner, None, 0, 100).await.unwrap();
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

async fn a_new_tenant_lands_with_its_first_user_and_a_taken_domain_writes_neither(store: SqlStore) {
    let w = world(&store).await;
    let taken = store.tenant(w.customer).await.unwrap().unwrap().domain;
    let tenant = |domain: &str| Tenant {
        id: TenantId::new_random(),
        display_name: "Wingtip Toys".into(),
        domain: domain.into(),
        partner: None,
        created_at: now(),
    };
    let admin = |t: &Tenant| User {
        id: UserId::new_random(),
        tenant: t.id,
        user_principal_name: format!("admin@{}", t.domain),
        display_name: "Administrator".into(),
        password_hash: None,
        roles: vec![],
        preferred_language: Some("ja".into()),
        account_enabled: true,
    };
    let both = |t: &Tenant, u: &User| Changes {
        directory: vec![
            DirectoryWrite::AddTenant(t.clone()),
            DirectoryWrite::AddUser(u.clone()),
        ],
        ..Changes::default()
    };
    // The customer's domain is taken: neither the tenant nor its user is written.
    let twin = tenant(&taken);
    let twin_admin = User {
        user_principal_name: "first@wingtip-twin.example".into(),
        ..admin(&twin)
    };
    let refused = store.commit(both(&twin, &twin_admin)).await;
    assert!(
        matches!(refused, Err(StoreError::Duplicate(_))),
        "{refused:?}"
    );
    assert_eq!(store.tenant(twin.id).await.unwrap(), None);
    assert_eq!(
        store
            .user_by_upn(&twin_admin.user_principal_name)
            .await
            .unwrap(),
        None
    );
    // A free domain: both land, found by id and by domain.
    let fresh = tenant("wingtipnew.onmicrosoft.com");
    let first = admin(&fresh);
    store.commit(both(&fresh, &first)).await.unwrap();
    assert_eq!(store.tenant(fresh.id).await.unwrap().as_ref(), Some(&fresh));
    assert_eq!(
        store
            .tenant_by_domain("wingtipnew.onmicrosoft.com")
            .await
            .unwrap()
            .map(|t| t.id),
        Some(fresh.id)
    );
    assert_eq!(store.user(fresh.id, first.id).await.unwrap(), Some(first));
}

suite!(
    a_new_tenant_lands_with_its_first_user_and_a_taken_domain_writes_neither,
    directory_writes_land_with_the_rest_of_their_change_set_or_not_at_all,
    application_registrations_are_added_changed_listed_and_deleted,
    a_password_change_or_a_disabled_account_ends_the_users_sessions,
);
