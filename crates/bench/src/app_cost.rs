//! The application's own cost per request, without the network: the same requests as the wrk
//! runs (`GET /healthz` and the rotation of checks, same headers), handed straight to the
//! application `gdap serve` runs, on the same database, one at a time on this thread. Over
//! loopback half the server's time is the kernel's and the machine's noise is large; this is the
//! part gdap itself decides.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use axum::body::Body;
use axum::http::Request;
use gdap_api::{ApiConfig, AppState};
use gdap_auth::{KeySet, SigningKey};
use gdap_store::{AdminStore, Store};
use gdap_store_sql::SqlStore;
use tower::ServiceExt;

/// Requests per pass.
const PER_PASS: usize = 100_000;
/// Passes per request kind, alternating; the fastest counts (noise only ever adds time).
const PASSES: usize = 9;

/// Microseconds per request for `GET /healthz` and for the checks, fastest pass of each.
pub async fn measure(db: &str, token: &str, bodies: &[String]) -> anyhow::Result<(f64, f64)> {
    let store = SqlStore::connect(db).await?;
    let keys = store
        .signing_keys()
        .await?
        .iter()
        .map(|k| SigningKey::from_pkcs8(&k.kid, &k.pkcs8).map_err(|e| anyhow::anyhow!("{e}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let store: Arc<dyn Store> = Arc::new(store);
    let state = AppState::new(store, KeySet::new(keys), None, None, ApiConfig::default());
    state.authz.reload(state.store.as_ref()).await?;
    let app = gdap_api::app(state);
    let bearer = format!("Bearer {token}");
    let mut best = [f64::MAX; 2];
    for _ in 0..PASSES {
        for (k, (method, path)) in [("GET", "/healthz"), ("POST", "/authz/v1/check")]
            .into_iter()
            .enumerate()
        {
            let started = Instant::now();
            for i in 0..PER_PASS {
                let req = Request::builder()
                    .method(method)
                    .uri(path)
                    .header("host", "127.0.0.1")
                    .header("content-type", "application/json")
                    .header("authorization", &bearer)
                    .body(Body::from(bodies[i % bodies.len()].clone()))?;
                let res = app.clone().oneshot(req).await.context("infallible")?;
                anyhow::ensure!(
                    res.status().is_success(),
                    "{path} answered {}",
                    res.status()
                );
                axum::body::to_bytes(res.into_body(), 1 << 16).await?;
            }
            let micros = started.elapsed().as_secs_f64() * 1e6 / PER_PASS as f64;
            best[k] = best[k].min(micros);
        }
    }
    Ok((best[0], best[1]))
}
