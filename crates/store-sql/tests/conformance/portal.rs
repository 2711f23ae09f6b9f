//! The pages' records: agreements, partner ties, activity, refusals, profiles and languages.

use crate::support::*;

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
        other_types: vec![LinkType::IndirectReseller, LinkType::Oem, LinkType::Partner],
        associated_partner: None,
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
    removed.other_types = LinkType::DECLARED.to_vec();
    removed.associated_partner = Some(TenantId::new_random());
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

async fn a_refusal_is_recorded_once_and_found_from_either_side(store: SqlStore) {
    let w = world(&store).await;
    let rel = Relationship::create(
        w.partner,
        draft("Declined", Some(w.customer)),
        Catalogue::builtin(),
        now(),
    )
    .unwrap();
    let rel = insert(&store, rel).await;
    let refusal = Refusal {
        relationship: rel.id,
        relationship_name: rel.display_name.clone(),
        partner: w.partner,
        customer: w.customer,
        by: UserId::new_random(),
        by_upn: "admin@customer".into(),
        at: now(),
    };
    assert!(store.refusal(rel.id).await.unwrap().is_none());
    store
        .commit(Changes {
            refusals: vec![refusal.clone()],
            ..Changes::default()
        })
        .await
        .unwrap();
    assert_eq!(store.refusal(rel.id).await.unwrap(), Some(refusal.clone()));
    assert_eq!(
        store.refusals_of(w.customer, 10).await.unwrap(),
        vec![refusal.clone()]
    );
    assert_eq!(
        store.refusals_of(w.partner, 10).await.unwrap(),
        vec![refusal.clone()]
    );
    assert!(store
        .refusals_of(TenantId::new_random(), 10)
        .await
        .unwrap()
        .is_empty());
    // A second refusal of the same invitation is refused and leaves the first.
    let mut again = refusal.clone();
    again.by_upn = "someone@customer".into();
    let second = store
        .commit(Changes {
            refusals: vec![again],
            ..Changes::default()
        })
        .await;
    assert!(
        matches!(second, Err(StoreError::VersionConflict)),
        "{second:?}"
    );
    assert_eq!(store.refusal(rel.id).await.unwrap(), Some(refusal));
}

async fn a_partners_customers_are_read_in_order_after_a_cursor_and_by_name(store: SqlStore) {
    let w = world(&store).await;
    let names = [
        "Alpine Ski",
        "alpine_ski_2",
        "Bluebird 100%",
        "Contoso",
        "アルプス商事",
    ];
    let tenants: Vec<Tenant> = names
        .iter()
        .map(|name| {
            let id = TenantId::new_random();
            Tenant {
                id,
                display_name: (*name).into(),
                domain: format!("c{}.onmicrosoft.com", &id.to_string()[..8]),
                partner: None,
                created_at: now(),
            }
        })
        .collect();
    // An OEM tie and one with nothing left make no customer; an indirect reseller's does.
    let (oem, gone) = (TenantId::new_random(), TenantId::new_random());
    let mut others: Vec<Tenant> = [oem, gone]
        .iter()
        .map(|id| Tenant {
            id: *id,
            display_name: "Alpine Other".into(),
            domain: format!("o{}.onmicrosoft.com", &id.to_string()[..8]),
            partner: None,
            created_at: now(),
        })
        .collect();
    others.extend(tenants.iter().cloned());
    store
        .insert_directory(DirectoryBatch {
            tenants: others,
            ..DirectoryBatch::default()
        })
        .await
        .unwrap();
    let link = |c: TenantId, reseller: bool, dap: bool| PartnerLink {
        customer: c,
        partner: w.partner,
        reseller,
        dap,
        since: now(),
        dap_removed_at: None,
        other_types: Vec::new(),
        associated_partner: None,
    };
    let mut links: Vec<PartnerLink> = tenants.iter().map(|t| link(t.id, true, false)).collect();
    links[4].reseller = false;
    links[4].other_types = vec![LinkType::IndirectReseller, LinkType::Isv];
    let mut oem_tie = link(oem, false, false);
    oem_tie.other_types = vec![LinkType::Oem];
    links.push(oem_tie);
    links.push(link(gone, false, false));
    store
        .commit(Changes {
            partner_links: links,
            ..Changes::default()
        })
        .await
        .unwrap();
    let mut customers: Vec<TenantId> = tenants.iter().map(|t| t.id).collect();
    customers.sort_by_key(ToString::to_string);
    let ids = |v: Vec<(PartnerLink, Tenant)>| {
        v.into_iter()
            .map(|(l, t)| {
                assert_eq!(l.customer, t.id);
                l.customer
            })
            .collect::<Vec<_>>()
    };
    let all = store
        .customers_of_partner(w.partner, None, 10, None)
        .await
        .unwrap();
    assert_eq!(ids(all), customers);
    let page = store
        .customers_of_partner(w.partner, Some(customers[1]), 2, None)
        .await
        .unwrap();
    assert_eq!(ids(page), customers[2..4]);
    assert!(store
        .customers_of_partner(w.customer, None, 10, None)
        .await
        .unwrap()
        .is_empty());
    // By name, case-insensitively, with `_` and `%` taken as themselves; by domain.
    let named = |f: CustomerFilter| {
        let store = store.clone();
        let partner = w.partner;
        async move {
            let mut got: Vec<String> = store
                .customers_of_partner(partner, None, 10, Some(&f))
                .await
                .unwrap()
                .into_iter()
                .map(|(_, t)| t.display_name)
                .collect();
            got.sort();
            got
        }
    };
    assert_eq!(
        named(CustomerFilter::CompanyName("ALPINE".into())).await,
        ["Alpine Ski", "alpine_ski_2"]
    );
    assert_eq!(
        named(CustomerFilter::CompanyName("alpine_".into())).await,
        ["alpine_ski_2"]
    );
    assert_eq!(
        named(CustomerFilter::CompanyName("Bluebird 100%".into())).await,
        ["Bluebird 100%"]
    );
    assert!(named(CustomerFilter::CompanyName("Bluebird 10%0".into()))
        .await
        .is_empty());
    assert_eq!(
        named(CustomerFilter::CompanyName("アルプス".into())).await,
        ["アルプス商事"]
    );
    assert_eq!(
        named(CustomerFilter::Domain(
            tenants[3].domain[..5].to_uppercase()
        ))
        .await,
        ["Contoso"]
    );
}

async fn partner_attestations_are_kept_per_customer_oldest_first(store: SqlStore) {
    use gdap_domain::agreement::{Attestation, Contact};
    let w = world(&store).await;
    let attest = |phone: Option<&str>, minutes: i64| Attestation {
        id: uuid::Uuid::new_v4(),
        customer: w.customer,
        partner: w.partner,
        user: UserId::new_random(),
        agreement_type: "MicrosoftCustomerAgreement".into(),
        template_id: "117a77b0-9360-443b-8795-c6dedc750cf9".into(),
        contact: Contact {
            first_name: "健".into(),
            last_name: "佐藤".into(),
            email: "ken@customer.example".into(),
            phone: phone.map(str::to_owned),
        },
        date_agreed: now() - time::Duration::days(1),
        recorded_at: now() + time::Duration::minutes(minutes),
    };
    let (later, earlier) = (attest(Some("+81 3 1234 5678"), 5), attest(None, 0));
    store
        .commit(Changes {
            attestations: vec![later.clone(), earlier.clone()],
            ..Changes::default()
        })
        .await
        .unwrap();
    assert_eq!(
        store.attestations_of(w.customer).await.unwrap(),
        vec![earlier, later]
    );
    assert!(store.attestations_of(w.partner).await.unwrap().is_empty());
}

async fn partner_profiles_and_preferred_languages_can_be_changed(store: SqlStore) {
    let w = world(&store).await;
    let profile = PartnerProfile {
        mpn_id: Some("1".into()),
        types: vec![PartnerType::CspDirect, PartnerType::IndirectReseller],
        service_name: Some("損保クラウド".into()),
        contact: Some("support@example.jp".into()),
        help_url: Some("https://example.jp/help".into()),
        require_mfa: true,
        indirect_providers: vec![TenantId::new_random()],
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

suite!(
    a_partners_customers_are_read_in_order_after_a_cursor_and_by_name,
    partner_attestations_are_kept_per_customer_oldest_first,
    a_refusal_is_recorded_once_and_found_from_either_side,
    agreements_partner_ties_and_the_activity_record_round_trip,
    partner_profiles_and_preferred_languages_can_be_changed,
);
