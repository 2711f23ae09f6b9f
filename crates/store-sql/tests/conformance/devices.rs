//! The Autopilot device database: a key belongs to one tenant, a racing registration fails whole,
//! devices page by id within a customer and a batch, and profiles count their devices.

use gdap_store::devices::{Device, DeviceBatch, DeviceJob, DeviceProfile, DeviceStore, NewDevice};
use gdap_store::StoreError;

use crate::support::*;

fn new_device(customer: TenantId, partner: TenantId, batch: &str, key: &str) -> NewDevice {
    NewDevice {
        device: Device {
            id: uuid::Uuid::new_v4(),
            customer,
            batch: Some(batch.into()),
            added_by: Some(partner),
            serial_number: Some(format!("SN-{key}")),
            product_key: None,
            has_hash: true,
            manufacturer: None,
            model: None,
            profile: None,
            uploaded_at: now(),
        },
        keys: vec![format!("hash:{key}")],
    }
}

fn job(customer: TenantId, partner: TenantId) -> DeviceJob {
    DeviceJob {
        id: uuid::Uuid::new_v4(),
        customer,
        partner,
        status: "finished".into(),
        started_at: now(),
        completed_at: Some(now()),
        results: "[]".into(),
    }
}

fn audit() -> gdap_domain::audit::AuditEntry {
    gdap_domain::audit::AuditEntry {
        at: now(),
        actor: "agent@partner.example".into(),
        actor_tenant: None,
        partner: None,
        customer: None,
        relationship: None,
        assignment: None,
        role: None,
        action: "autopilot-test".into(),
        target: "device".into(),
        result: "success".into(),
    }
}

fn batch(customer: TenantId, partner: TenantId, id: &str) -> DeviceBatch {
    DeviceBatch {
        customer,
        id: id.into(),
        created_by: partner,
        created_at: now(),
        device_count: 0,
    }
}

async fn a_device_key_belongs_to_one_tenant_and_a_racing_batch_fails_whole(store: SqlStore) {
    let (a, b, p) = (
        TenantId::new_random(),
        TenantId::new_random(),
        TenantId::new_random(),
    );
    let first: Vec<_> = (0..3)
        .map(|i| new_device(a, p, "one", &format!("k{i}")))
        .collect();
    let j = job(a, p);
    store
        .register_devices(Some(&batch(a, p, "one")), &first, Some(&j), &audit())
        .await
        .unwrap();
    assert_eq!(store.device_job(a, j.id).await.unwrap().as_ref(), Some(&j));
    assert_eq!(store.device_job(b, j.id).await.unwrap(), None);
    let owners = store
        .device_key_owners(&["hash:k1".into(), "hash:zz".into()])
        .await
        .unwrap();
    assert_eq!(owners, vec![("hash:k1".to_owned(), a)]);
    // Another tenant registering a taken key fails whole: nothing of it lands.
    let racing = vec![
        new_device(b, p, "two", "fresh"),
        new_device(b, p, "two", "k2"),
    ];
    assert_eq!(
        store
            .register_devices(
                Some(&batch(b, p, "two")),
                &racing,
                Some(&job(b, p)),
                &audit()
            )
            .await,
        Err(StoreError::DeviceKeyTaken)
    );
    assert!(store.devices(b, None, None, 10).await.unwrap().is_empty());
    assert_eq!(store.device_batch(b, "two").await.unwrap(), None);
    assert!(!store.has_device_batch(b, "two").await.unwrap());
    assert!(store.has_device_batch(a, "one").await.unwrap());
    assert!(store
        .device_key_owners(&["hash:fresh".into()])
        .await
        .unwrap()
        .is_empty());
    // A batch name is the customer's once.
    assert!(matches!(
        store
            .register_devices(Some(&batch(a, p, "one")), &[], Some(&job(a, p)), &audit())
            .await,
        Err(StoreError::Duplicate(_))
    ));
    // Deleting frees the device's keys for any tenant.
    let gone = first[2].device.id;
    assert!(store.delete_device(a, gone, &audit()).await.unwrap());
    assert!(!store.delete_device(a, gone, &audit()).await.unwrap());
    store
        .register_devices(
            None,
            &[new_device(b, p, "two", "k2")],
            Some(&job(b, p)),
            &audit(),
        )
        .await
        .unwrap();
    assert_eq!(
        store.device_key_owners(&["hash:k2".into()]).await.unwrap(),
        vec![("hash:k2".to_owned(), b)]
    );
}

async fn devices_page_by_id_within_a_customer_and_a_batch(store: SqlStore) {
    let (a, p) = (TenantId::new_random(), TenantId::new_random());
    let x: Vec<_> = (0..5)
        .map(|i| new_device(a, p, "x", &format!("x{i}")))
        .collect();
    let y: Vec<_> = (0..3)
        .map(|i| new_device(a, p, "y", &format!("y{i}")))
        .collect();
    store
        .register_devices(Some(&batch(a, p, "x")), &x, Some(&job(a, p)), &audit())
        .await
        .unwrap();
    store
        .register_devices(Some(&batch(a, p, "y")), &y, Some(&job(a, p)), &audit())
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store.devices(a, Some("x"), after, 2).await.unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().map(|d| d.id);
        seen.extend(page.into_iter().map(|d| d.id));
    }
    let mut want: Vec<_> = x.iter().map(|n| n.device.id).collect();
    want.sort();
    assert_eq!(seen, want);
    assert_eq!(store.devices(a, None, None, 100).await.unwrap().len(), 8);
    let batches = store.device_batches(a).await.unwrap();
    assert_eq!(
        batches
            .iter()
            .map(|b| (b.id.as_str(), b.device_count))
            .collect::<Vec<_>>(),
        [("x", 5), ("y", 3)]
    );
    let stored = store.devices_by_ids(a, &[y[0].device.id]).await.unwrap();
    assert_eq!(stored, vec![y[0].device.clone()]);
    assert!(store
        .devices_by_ids(TenantId::new_random(), &[y[0].device.id])
        .await
        .unwrap()
        .is_empty());
}

async fn profiles_count_their_devices_and_deleting_one_unassigns_them(store: SqlStore) {
    let (a, p) = (TenantId::new_random(), TenantId::new_random());
    let devices: Vec<_> = (0..2)
        .map(|i| new_device(a, p, "b", &format!("p{i}")))
        .collect();
    store
        .register_devices(
            Some(&batch(a, p, "b")),
            &devices,
            Some(&job(a, p)),
            &audit(),
        )
        .await
        .unwrap();
    let mut profile = DeviceProfile {
        id: uuid::Uuid::new_v4(),
        customer: a,
        name: "Kiosk".into(),
        description: None,
        settings: vec!["skip_eula".into()],
        created_at: now(),
        modified_at: now(),
        devices_assigned: 0,
    };
    store.put_device_profile(&profile, &audit()).await.unwrap();
    profile.name = "Kiosk 2".into();
    store.put_device_profile(&profile, &audit()).await.unwrap();
    store
        .assign_profiles(
            a,
            &[(devices[0].device.id, Some(profile.id))],
            &job(a, p),
            &audit(),
        )
        .await
        .unwrap();
    let read = store.device_profile(a, profile.id).await.unwrap().unwrap();
    assert_eq!((read.name.as_str(), read.devices_assigned), ("Kiosk 2", 1));
    assert_eq!(store.device_profiles(a).await.unwrap().len(), 1);
    assert_eq!(
        store
            .device_profile(TenantId::new_random(), profile.id)
            .await
            .unwrap(),
        None
    );
    assert!(store
        .delete_device_profile(a, profile.id, &audit())
        .await
        .unwrap());
    assert!(!store
        .delete_device_profile(a, profile.id, &audit())
        .await
        .unwrap());
    let d = store
        .devices_by_ids(a, &[devices[0].device.id])
        .await
        .unwrap();
    assert_eq!(d[0].profile, None);
}

suite!(
    a_device_key_belongs_to_one_tenant_and_a_racing_batch_fails_whole,
    devices_page_by_id_within_a_customer_and_a_batch,
    profiles_count_their_devices_and_deleting_one_unassigns_them,
);
