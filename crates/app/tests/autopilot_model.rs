//! A model of Autopilot consent: over random sequences of consents (reseller, OEM, DAP alone),
//! removals, uploads, deletions and devices the customers import themselves, run through the
//! application layer against a real store, no partner ever manages a device it may not, and no
//! device is ever in two tenants.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly on broken assumptions"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use gdap_app::autopilot::{self, BatchTarget, DevicePartner, Registration};
use gdap_app::partner_center::PartnerUser;
use gdap_app::{ApiConfig, AppError, AppState};
use gdap_domain::audit::AuditEntry;
use gdap_domain::autopilot::manage::AgentRoles;
use gdap_domain::autopilot::{Channel, DeviceInput};
use gdap_domain::customer::{LinkType, PartnerLink};
use gdap_domain::ids::TenantId;
use gdap_store::devices::{Device, NewDevice};
use gdap_store::{Changes, DirectoryStore, Store};
use proptest::prelude::*;
use time::OffsetDateTime;

const PARTNERS: usize = 3;
const CUSTOMERS: usize = 3;
/// Distinct devices (by product key) that the sequences register, delete and fight over.
const DEVICES: u8 = 8;

fn tenant_id(kind: u8, n: usize) -> TenantId {
    TenantId::parse(&format!(
        "{kind}{kind}{kind}{kind}{kind}{kind}{kind}{n}-0000-4000-8000-00000000000{n}"
    ))
    .unwrap()
}

fn world() -> String {
    let mut tenants = Vec::new();
    for p in 0..PARTNERS {
        tenants.push(serde_json::json!({
            "id": tenant_id(1, p).to_string(), "displayName": format!("Partner {p}"),
            "domain": format!("p{p}.onmicrosoft.com"), "partner": { "types": ["cspDirect", "oem"] },
            "users": [{ "id": format!("1111111{p}-1111-4000-8000-00000000000{p}"), "userPrincipalName": format!("agent@p{p}.onmicrosoft.com"), "displayName": "Agent", "password": "Agent-Pass-1" }],
            "groups": [{ "id": format!("1111111{p}-aaaa-4aaa-8aaa-00000000000{p}"), "displayName": "AdminAgents", "members": [format!("agent@p{p}.onmicrosoft.com")] }],
        }));
    }
    for c in 0..CUSTOMERS {
        tenants.push(serde_json::json!({
            "id": tenant_id(3, c).to_string(), "displayName": format!("Customer {c}"),
            "domain": format!("c{c}.onmicrosoft.com"), "users": [],
        }));
    }
    serde_json::json!({ "tenants": tenants }).to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tie {
    Reseller,
    Oem,
    DapOnly,
}

#[derive(Debug, Clone)]
enum Op {
    Consent {
        c: usize,
        p: usize,
        tie: Tie,
    },
    Remove {
        c: usize,
        p: usize,
    },
    Upload {
        c: usize,
        p: usize,
        devices: Vec<u8>,
    },
    Delete {
        c: usize,
        p: usize,
        pick: usize,
    },
    Unassign {
        c: usize,
        p: usize,
        pick: usize,
    },
    Own {
        c: usize,
        device: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let c = 0..CUSTOMERS;
    let p = 0..PARTNERS;
    prop_oneof![
        (
            c.clone(),
            p.clone(),
            prop_oneof![Just(Tie::Reseller), Just(Tie::Oem), Just(Tie::DapOnly)]
        )
            .prop_map(|(c, p, tie)| Op::Consent { c, p, tie }),
        (c.clone(), p.clone()).prop_map(|(c, p)| Op::Remove { c, p }),
        (
            c.clone(),
            p.clone(),
            prop::collection::vec(0..DEVICES, 1..4)
        )
            .prop_map(|(c, p, devices)| Op::Upload { c, p, devices }),
        (c.clone(), p.clone(), 0..16_usize).prop_map(|(c, p, pick)| Op::Delete { c, p, pick }),
        (c.clone(), p.clone(), 0..16_usize).prop_map(|(c, p, pick)| Op::Unassign { c, p, pick }),
        (c, 0..DEVICES).prop_map(|(c, device)| Op::Own { c, device }),
    ]
}

fn pkid(n: u8) -> String {
    format!("{:013}", 5_000_000_000_000_u64 + u64::from(n))
}

struct Harness {
    state: AppState,
    partners: Vec<DevicePartner>,
    /// The tie each (customer, partner) has in the model.
    ties: BTreeMap<(usize, usize), Tie>,
    batches: usize,
}

async fn harness() -> Harness {
    let store = gdap_store_sql::SqlStore::in_memory().await.unwrap();
    let batch = gdap_app::world::parse_world(&world(), OffsetDateTime::now_utc()).unwrap();
    store.insert_directory(batch).await.unwrap();
    let (key, _) = gdap_auth::SigningKey::generate().unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    let state = AppState::new(
        store,
        gdap_auth::KeySet::new(vec![key]),
        None,
        None,
        ApiConfig::default(),
    );
    let mut partners = Vec::new();
    for p in 0..PARTNERS {
        let tenant = state.tenant(tenant_id(1, p)).await.unwrap().unwrap();
        let user = state.store.users_of(tenant.id).await.unwrap().remove(0);
        let who = Arc::new(gdap_app::audit::Who {
            actor: user.user_principal_name.clone(),
            tenant: Some(tenant.id),
        });
        let partner = DevicePartner::of(
            &state,
            PartnerUser {
                partner: tenant,
                user,
                who,
            },
        )
        .await
        .unwrap();
        assert_eq!(
            partner.roles,
            AgentRoles {
                admin_agent: true,
                sales_agent: false
            }
        );
        partners.push(partner);
    }
    Harness {
        state,
        partners,
        ties: BTreeMap::new(),
        batches: 0,
    }
}

fn link(c: usize, p: usize, tie: Option<Tie>) -> PartnerLink {
    PartnerLink {
        customer: tenant_id(3, c),
        partner: tenant_id(1, p),
        reseller: tie == Some(Tie::Reseller),
        dap: tie == Some(Tie::DapOnly),
        since: OffsetDateTime::now_utc(),
        dap_removed_at: None,
        other_types: if tie == Some(Tie::Oem) {
            vec![LinkType::Oem]
        } else {
            Vec::new()
        },
        associated_partner: None,
    }
}

async fn all_devices(state: &AppState) -> Vec<Device> {
    let mut out = Vec::new();
    for c in 0..CUSTOMERS {
        out.extend(
            state
                .store
                .devices(tenant_id(3, c), None, None, 1000)
                .await
                .unwrap(),
        );
    }
    out
}

impl Harness {
    /// Whether the partner may register and delete the customer's devices: a reseller or an OEM.
    fn consent(&self, c: usize, p: usize) -> bool {
        matches!(self.ties.get(&(c, p)), Some(Tie::Reseller | Tie::Oem))
    }

    async fn apply(&mut self, op: &Op, registered: &mut BTreeSet<uuid::Uuid>) {
        match op {
            Op::Consent { c, p, tie } => {
                let changes = Changes {
                    partner_links: vec![link(*c, *p, Some(*tie))],
                    ..Changes::default()
                };
                self.state.store.commit(changes).await.unwrap();
                self.ties.insert((*c, *p), *tie);
            }
            Op::Remove { c, p } => {
                let changes = Changes {
                    partner_links: vec![link(*c, *p, None)],
                    ..Changes::default()
                };
                self.state.store.commit(changes).await.unwrap();
                self.ties.remove(&(*c, *p));
            }
            Op::Upload { c, p, devices } => {
                self.batches += 1;
                let reg = Registration {
                    customer: tenant_id(3, *c),
                    target: BatchTarget::New(format!("batch {}", self.batches)),
                    devices: devices
                        .iter()
                        .map(|d| {
                            (
                                None,
                                DeviceInput {
                                    product_key: Some(pkid(*d)),
                                    ..DeviceInput::default()
                                },
                            )
                        })
                        .collect(),
                    channel: Channel::Api,
                };
                let allowed = self.consent(*c, *p);
                match autopilot::register(&self.state, &self.partners[*p], reg).await {
                    Ok(job) => {
                        assert!(
                            allowed,
                            "partner {p} registered in customer {c} without consent"
                        );
                        let results: Vec<autopilot::DeviceResult> =
                            serde_json::from_str(&job.results).unwrap();
                        registered.extend(results.iter().filter_map(|r| r.device_id));
                    }
                    Err(AppError::Forbidden(_)) => {
                        assert!(!allowed, "partner {p} refused in customer {c} with consent")
                    }
                    Err(e) => panic!("{e}"),
                }
            }
            Op::Delete { c, p, pick } => {
                let devices = self
                    .state
                    .store
                    .devices(tenant_id(3, *c), None, None, 1000)
                    .await
                    .unwrap();
                let Some(d) = devices.get(pick % devices.len().max(1)) else {
                    return;
                };
                let allowed = self.consent(*c, *p) && d.added_by.is_some();
                let batch = d.batch.clone().unwrap_or_default();
                match autopilot::delete_device(
                    &self.state,
                    &self.partners[*p],
                    tenant_id(3, *c),
                    &batch,
                    d.id,
                    Channel::Api,
                )
                .await
                {
                    Ok(()) => assert!(allowed, "partner {p} deleted {d:?} it may not"),
                    Err(AppError::Forbidden(_) | AppError::NotFound(_)) => {
                        assert!(!allowed, "partner {p} refused deleting {d:?}")
                    }
                    Err(e) => panic!("{e}"),
                }
            }
            Op::Unassign { c, p, pick } => {
                // Taking a device's profile off is managing it too.
                let devices = self
                    .state
                    .store
                    .devices(tenant_id(3, *c), None, None, 1000)
                    .await
                    .unwrap();
                let Some(d) = devices.get(pick % devices.len().max(1)) else {
                    return;
                };
                // An OEM touches no profiles.
                let consent = self.ties.get(&(*c, *p)) == Some(&Tie::Reseller);
                match autopilot::profiles::assign(
                    &self.state,
                    &self.partners[*p],
                    tenant_id(3, *c),
                    &[(d.id, None)],
                )
                .await
                {
                    Ok(job) => {
                        assert!(
                            consent,
                            "partner {p} changed devices of customer {c} without consent"
                        );
                        let results: Vec<autopilot::DeviceResult> =
                            serde_json::from_str(&job.results).unwrap();
                        assert_eq!(
                            results[0].error_code.is_none(),
                            d.added_by.is_some(),
                            "{d:?}: {results:?}"
                        );
                    }
                    Err(AppError::Forbidden(_)) => {
                        assert!(!consent, "partner {p} refused in customer {c} with consent")
                    }
                    Err(e) => panic!("{e}"),
                }
            }
            Op::Own { c, device } => {
                let customer = tenant_id(3, *c);
                let key = format!("pkid:{}", pkid(*device));
                if !self
                    .state
                    .store
                    .device_key_owners(std::slice::from_ref(&key))
                    .await
                    .unwrap()
                    .is_empty()
                {
                    return;
                }
                let d = Device {
                    id: uuid::Uuid::new_v4(),
                    customer,
                    batch: None,
                    added_by: None,
                    serial_number: None,
                    product_key: Some(pkid(*device)),
                    has_hash: false,
                    manufacturer: None,
                    model: None,
                    profile: None,
                    uploaded_at: OffsetDateTime::now_utc(),
                };
                let audit = AuditEntry {
                    at: OffsetDateTime::now_utc(),
                    actor: "ga".into(),
                    actor_tenant: Some(customer),
                    partner: None,
                    customer: Some(customer),
                    relationship: None,
                    assignment: None,
                    role: None,
                    action: "autopilot-device-imported".into(),
                    target: d.id.to_string(),
                    result: "success".into(),
                };
                self.state
                    .store
                    .register_devices(
                        None,
                        &[NewDevice {
                            device: d,
                            keys: vec![key],
                        }],
                        None,
                        &audit,
                    )
                    .await
                    .unwrap();
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn no_partner_manages_a_device_it_may_not_and_no_device_is_in_two_tenants(ops in prop::collection::vec(op(), 1..30)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let mut h = harness().await;
            let mut registered = BTreeSet::new();
            for op in &ops {
                h.apply(op, &mut registered).await;
                let devices = all_devices(&h.state).await;
                // One tenant per device.
                let mut owner: BTreeMap<String, TenantId> = BTreeMap::new();
                for d in &devices {
                    let key = d.product_key.clone().unwrap();
                    if let Some(t) = owner.insert(key.clone(), d.customer) {
                        panic!("{key} is in {t} and {}", d.customer);
                    }
                }
                // Every partner's device came from an upload the partner was allowed.
                for d in devices.iter().filter(|d| d.added_by.is_some()) {
                    assert!(registered.contains(&d.id), "{d:?} was never allowed");
                }
            }
        });
    }
}
