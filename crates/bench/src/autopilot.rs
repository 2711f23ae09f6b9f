//! Windows Autopilot in process on an SQLite file: a 10,000-device list (each with its 4K
//! hardware hash) read and registered as the partner portal's upload does, its job read back;
//! then 100,000 devices of one customer listed page by page (100 a page) as Partner Center's
//! device API lists them, and the resident memory those devices add.

use std::sync::Arc;
use std::time::Instant;

use base64::Engine;
use gdap_api::ApiConfig;
use gdap_app::autopilot::{self, BatchTarget, DevicePartner, Registration};
use gdap_app::partner_center::PartnerUser;
use gdap_domain::autopilot::csv::{parse, HEADER};
use gdap_domain::autopilot::{Channel, DeviceInput};
use gdap_domain::customer::PartnerLink;
use gdap_domain::ids::TenantId;
use gdap_store::{Changes, DirectoryStore, Store};
use gdap_store_sql::SqlStore;

const PARTNER: &str = "7a11ce00-0000-4000-8000-000000000001";
const CUSTOMER: &str = "7a11ce00-0000-4000-8000-0000000000c1";
/// Devices in the uploaded list.
const LIST: usize = 10_000;
/// Devices of the customer listed page by page.
const LISTED: usize = 100_000;

fn world() -> String {
    serde_json::json!({ "tenants": [
        { "id": PARTNER, "displayName": "Device Partner", "domain": "devicepartner.onmicrosoft.com",
          "partner": { "types": ["cspDirect"] },
          "users": [{ "id": "7a11ce00-0000-4000-8000-0000000000a1", "userPrincipalName": "agent@devicepartner.onmicrosoft.com", "displayName": "Agent", "password": "Agent-Pass-1" }],
          "groups": [{ "id": "7a11ce00-0000-4000-8000-0000000000a2", "displayName": "AdminAgents", "members": ["agent@devicepartner.onmicrosoft.com"] }] },
        { "id": CUSTOMER, "displayName": "Device Customer", "domain": "devicecustomer.onmicrosoft.com", "users": [] },
    ] })
    .to_string()
}

/// A 4K hardware hash (4,000 bytes, base64) unique to `n`.
fn hash(n: usize) -> String {
    let mut bytes: Vec<u8> = (0..4000_usize)
        .map(|i| (i.wrapping_mul(131) ^ n.wrapping_mul(7919)) as u8)
        .collect();
    bytes[..8].copy_from_slice(&(n as u64).to_le_bytes());
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn rss_mb() -> f64 {
    crate::server::rss_mb(std::process::id()).0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

/// Runs the measurement in `dir` and returns its Markdown report.
pub async fn run(dir: &std::path::Path) -> anyhow::Result<String> {
    let path = dir.join("autopilot.db");
    let store = SqlStore::connect(path.to_str().unwrap_or("autopilot.db")).await?;
    let now = time::OffsetDateTime::now_utc();
    store
        .insert_directory(gdap_app::world::parse_world(&world(), now)?)
        .await?;
    let (key, _) = gdap_auth::SigningKey::generate().map_err(|e| anyhow::anyhow!("{e}"))?;
    let store: Arc<dyn Store> = Arc::new(store);
    let state = gdap_api::AppState::new(
        store,
        gdap_auth::KeySet::new(vec![key]),
        None,
        None,
        ApiConfig::default(),
    );
    let customer = TenantId::parse(CUSTOMER)?;
    let partner = TenantId::parse(PARTNER)?;
    state
        .store
        .commit(Changes {
            partner_links: vec![PartnerLink {
                customer,
                partner,
                reseller: true,
                dap: false,
                since: now,
                dap_removed_at: None,
                other_types: Vec::new(),
                associated_partner: None,
            }],
            ..Changes::default()
        })
        .await?;
    let tenant = state
        .tenant(partner)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no partner"))?;
    let user = state.store.users_of(partner).await?.remove(0);
    let who = Arc::new(gdap_app::audit::Who {
        actor: user.user_principal_name.clone(),
        tenant: Some(partner),
    });
    let caller = DevicePartner::of(
        &state,
        PartnerUser {
            partner: tenant,
            user,
            who,
        },
    )
    .await?;

    // 100,000 devices of the customer in one batch (product keys), then listed page by page.
    let rss_before = rss_mb();
    let fill = Instant::now();
    let mut registered = 0;
    let mut n = 0_u64;
    let mut first = true;
    while registered < LISTED {
        let take = (LISTED - registered).min(LIST);
        let devices = (0..take)
            .map(|_| {
                n += 1;
                (
                    None,
                    DeviceInput {
                        product_key: Some(format!("{:013}", 1_000_000_000_000 + n)),
                        ..DeviceInput::default()
                    },
                )
            })
            .collect();
        let target = if first {
            BatchTarget::New("fleet".into())
        } else {
            BatchTarget::Existing("fleet".into())
        };
        first = false;
        autopilot::register(
            &state,
            &caller,
            Registration {
                customer,
                target,
                devices,
                channel: Channel::Api,
            },
        )
        .await?;
        registered += take;
    }
    let filled = fill.elapsed().as_secs_f64();
    let rss_filled = rss_mb();
    let mut times = Vec::new();
    let mut token: Option<String> = None;
    let mut seen = 0;
    loop {
        let t = Instant::now();
        let (page, next) = autopilot::batch_devices(
            &state,
            &caller,
            customer,
            "fleet",
            token.as_deref(),
            Channel::Api,
        )
        .await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        seen += page.len();
        match next {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    anyhow::ensure!(seen == LISTED, "listed {seen} devices");
    let rss_listed = rss_mb();
    // The list, as Get-WindowsAutoPilotInfo.ps1 -Partner writes it.
    let mut csv = HEADER.join(",");
    csv.push_str("\r\n");
    for n in 0..LIST {
        csv.push_str(&format!("SN-{n:08},,{},,\r\n", hash(n)));
    }
    let started = Instant::now();
    let rows = parse(csv.as_bytes()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let parsed = started.elapsed().as_secs_f64();
    let job = autopilot::register(
        &state,
        &caller,
        Registration {
            customer,
            target: BatchTarget::New("upload".into()),
            devices: rows.into_iter().map(|r| (Some(r.line), r.device)).collect(),
            channel: Channel::CsvUpload,
        },
    )
    .await?;
    let read = autopilot::job(&state, &caller, customer, job.id, Channel::CsvUpload).await?;
    let upload = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        read.status == "finished",
        "the upload finished as {}",
        read.status
    );
    let csv_mb = csv.len() as f64 / 1_048_576.0;

    times.sort_by(f64::total_cmp);
    let db_mb = std::fs::metadata(&path)
        .map(|m| m.len() as f64 / 1_048_576.0)
        .unwrap_or(f64::NAN);
    Ok(format!(
        "## Windows Autopilot: a 10,000-device upload and 100,000 devices listed (SQLite, in process)\n\n\
| measure | result | target |\n|---|---|---|\n\
| 100,000 devices of one customer registered in one batch, 10,000 a call (product keys) | {filled:.1} s | — |\n\
| one page of 100 of those devices ({} pages, each after the last one's continuation token): p50 / p95 / max | {:.3} / {:.3} / {:.3} ms | p50 ≤ 2 ms |\n\
| resident memory: before the 100,000 → after registering them → after listing them all | {rss_before:.0} → {rss_filled:.0} → {rss_listed:.0} MB | stated |\n\
| then a 10,000-device CSV ({csv_mb:.0} MB, each row a 4K hash and a serial) read | {parsed:.2} s | — |\n\
| the same list read, validated against the 100,000, registered, its job read back (`finished`) | {upload:.2} s | ≤ 10 s |\n\
| the database file holding them | {db_mb:.0} MB | — |\n",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        times.last().copied().unwrap_or(f64::NAN),
    ))
}
