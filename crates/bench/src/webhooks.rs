//! Webhook deliveries while one receiver is slow: five partners, events queued at 200 a second
//! spread over them, one partner's receiver taking 5 seconds per delivery; the others' delivery
//! latency (from the change to the receiver) is measured. In process: the delivery loop
//! `gdap serve` runs, on an SQLite file, with real HTTP receivers on loopback.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gdap_api::ApiConfig;
use gdap_domain::directory::{PartnerProfile, Tenant};
use gdap_domain::ids::TenantId;
use gdap_domain::webhook::Registration;
use gdap_store::{DirectoryStore, WebhookStore};
use gdap_store_sql::SqlStore;

/// Events queued per second, over all partners.
const RATE: u64 = 200;
/// How long events are queued.
const SECONDS: u64 = 30;
/// Partners; the first one's receiver is slow.
const PARTNERS: usize = 5;

/// A receiver recording each delivery's latency (ms) from its `ResourceChangeUtcDate`.
async fn receiver(delay: Duration, lat: Arc<Mutex<Vec<f64>>>) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: axum::body::Bytes| {
            let lat = lat.clone();
            async move {
                tokio::time::sleep(delay).await;
                let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                if let Some(at) = v["ResourceChangeUtcDate"]
                    .as_str()
                    .and_then(gdap_domain::timefmt::parse_rfc3339)
                {
                    let ms = (time::OffsetDateTime::now_utc() - at).as_seconds_f64() * 1000.0;
                    lat.lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(ms);
                }
                "ok"
            }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(url)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Runs the measurement; returns the report.
pub async fn run(dir: &std::path::Path) -> anyhow::Result<String> {
    let db = dir.join("webhooks.db");
    let store = SqlStore::connect(db.to_str().unwrap_or("webhooks.db")).await?;
    let now = time::OffsetDateTime::now_utc();
    let partners: Vec<TenantId> = (0..PARTNERS).map(|_| TenantId::new_random()).collect();
    let fast = Arc::new(Mutex::new(Vec::new()));
    let slow = Arc::new(Mutex::new(Vec::new()));
    let mut batch = gdap_store::DirectoryBatch::default();
    for (i, p) in partners.iter().enumerate() {
        batch.tenants.push(Tenant {
            id: *p,
            display_name: format!("Partner {i}"),
            domain: format!("hookpartner{i}.onmicrosoft.com"),
            partner: Some(PartnerProfile::default()),
            created_at: now,
        });
    }
    store.insert_directory(batch).await?;
    for (i, p) in partners.iter().enumerate() {
        let url = if i == 0 {
            receiver(Duration::from_secs(5), slow.clone()).await?
        } else {
            receiver(Duration::ZERO, fast.clone()).await?
        };
        store
            .put_registration(&Registration::checked(
                *p,
                uuid::Uuid::new_v4(),
                &url,
                &["test-created".to_owned()],
                true,
                now,
            )?)
            .await?;
    }
    let state = crate::server::in_process(
        store,
        ApiConfig {
            dev: true,
            public_url: Some("http://127.0.0.1".into()),
            ..ApiConfig::default()
        },
    )?;
    let transport =
        gdap_app::webhook_delivery::HttpTransport::new(None).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let delivery = tokio::spawn(gdap_app::webhook_delivery::run(
        state.clone(),
        Arc::new(transport),
        async {
            let _ = stop_rx.await;
        },
    ));
    // The signing material is made before the clock starts.
    gdap_app::webhook_signer::shared(&state).await?;
    let started = Instant::now();
    let total = RATE * SECONDS;
    let mut queued_fast = 0usize;
    for n in 0..total {
        let due = Duration::from_micros(n * 1_000_000 / RATE);
        if let Some(wait) = due.checked_sub(started.elapsed()) {
            tokio::time::sleep(wait).await;
        }
        let partner = partners[(n as usize) % PARTNERS];
        if partner != partners[0] {
            queued_fast += 1;
        }
        state
            .store
            .queue_test_event(
                partner,
                uuid::Uuid::new_v4(),
                time::OffsetDateTime::now_utc(),
            )
            .await?;
    }
    let queued_in = started.elapsed().as_secs_f64();
    let deadline = Instant::now() + Duration::from_secs(30);
    while fast.lock().map(|l| l.len()).unwrap_or(0) < queued_fast && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = stop_tx.send(());
    let _ = delivery.await;
    let mut lat = fast.lock().map(|l| l.clone()).unwrap_or_default();
    lat.sort_by(f64::total_cmp);
    let slow_done = slow.lock().map(|l| l.len()).unwrap_or(0);
    Ok(format!(
        "### Webhook deliveries with one slow receiver (SQLite, in process)\n\n\
         {total} events queued in {queued_in:.1} s ({RATE}/s target) over {PARTNERS} partners; one receiver takes 5 s a delivery.\n\n\
         | | deliveries | p50 | p99 | max |\n|---|---|---|---|---|\n\
         | the other partners | {} of {queued_fast} | {:.0} ms | {:.0} ms | {:.0} ms |\n\
         | the slow partner | {slow_done} of {} (4 at a time) | | | |\n",
        lat.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(f64::NAN),
        total as usize - queued_fast,
    ))
}
