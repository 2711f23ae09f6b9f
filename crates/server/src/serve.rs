//! Starting a server: store, keys, world, clock, worker, listener.

use std::sync::Arc;

use anyhow::Context;
use gdap_api::{ApiConfig, AppState};
use gdap_app::clock::DevClock;
use gdap_auth::{KeySet, SigningKey};
use gdap_domain::Timings;
use gdap_store::{AdminStore, DirectoryBatch, DirectoryStore, Store, StoredKey};
use gdap_store_sql::SqlStore;
use tokio::sync::watch;

use crate::config::Config;
use crate::tls;

/// What the server was started with, for banners.
pub struct Ready {
    /// The public URL: what links and token issuers name.
    pub base_url: String,
    /// `http(s)://host:port` of the address listened on.
    pub local_url: String,
    /// Where the development CA was written, when one was generated.
    pub ca_file: Option<std::path::PathBuf>,
}

/// How to treat the world at start.
pub enum Seed {
    /// No world.
    None,
    /// Insert unless its first tenant already exists.
    IfAbsent(DirectoryBatch),
    /// Wipe the store and insert (the demo).
    Fresh(DirectoryBatch),
}

/// Loads the signing keys, creating the first one on a new database.
pub async fn keys(store: &SqlStore) -> anyhow::Result<KeySet> {
    let mut stored = store.signing_keys().await?;
    if stored.is_empty() {
        let (k, bytes) = SigningKey::generate().map_err(|e| anyhow::anyhow!("{e}"))?;
        store
            .add_signing_key(
                StoredKey {
                    kid: k.kid().to_owned(),
                    pkcs8: bytes,
                    created_at: time::OffsetDateTime::now_utc(),
                },
                true,
            )
            .await?;
        // Another node may have added its key first: use what the store holds.
        stored = store.signing_keys().await?;
    }
    let keys = stored
        .iter()
        .map(|k| {
            SigningKey::from_pkcs8(&k.kid, &k.pkcs8)
                .map_err(|e| anyhow::anyhow!("signing key {}: {e}", k.kid))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(KeySet::new(keys))
}

async fn seed(store: &SqlStore, seed: &Seed) -> anyhow::Result<()> {
    match seed {
        Seed::None => {}
        Seed::IfAbsent(batch) => {
            let present = match batch.tenants.first() {
                Some(t) => store.tenant_by_domain(&t.domain).await?.is_some(),
                None => true,
            };
            if present {
                tracing::info!("the seed world is already in the database");
            } else {
                match store.insert_directory(batch.clone()).await {
                    Ok(()) => {}
                    // Another node seeded the same world at the same moment.
                    Err(gdap_store::StoreError::Duplicate(_)) => {
                        tracing::info!("the seed world was inserted by another node");
                    }
                    Err(e) => return Err(anyhow::Error::new(e).context("seeding the world")),
                }
            }
        }
        Seed::Fresh(batch) => {
            store.reset().await?;
            store
                .insert_directory(batch.clone())
                .await
                .context("seeding the world")?;
        }
    }
    Ok(())
}

/// Runs the server until Ctrl-C or SIGTERM. `on_ready` is called once it listens.
pub async fn run(
    config: Config,
    seed_world: Seed,
    on_ready: impl FnOnce(&Ready),
) -> anyhow::Result<()> {
    let store = SqlStore::connect(&config.db)
        .await
        .with_context(|| "opening the database")?;
    let keys = keys(&store).await?;
    seed(&store, &seed_world).await?;
    let world = match seed_world {
        Seed::None => None,
        Seed::IfAbsent(b) | Seed::Fresh(b) => Some(b),
    };
    let listener = std::net::TcpListener::bind(&config.listen)
        .with_context(|| format!("listening on {}", config.listen))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let also = match &config.also_listen {
        Some(a) => {
            let l = std::net::TcpListener::bind(a).with_context(|| format!("listening on {a}"))?;
            l.set_nonblocking(true)?;
            Some(l)
        }
        None => None,
    };
    let scheme = if config.tls { "https" } else { "http" };
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        addr.ip().to_string()
    };
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host
    };
    // Every link and token issuer is built from the public URL: the configured one, or the
    // address listened on.
    let base_url = config
        .public_url
        .clone()
        .map(|u| u.trim_end_matches('/').to_owned())
        .unwrap_or_else(|| format!("{scheme}://{host}:{}", addr.port()));
    let local_url = format!("{scheme}://{host}:{}", addr.port());
    // Requests may name the public URL's host, and the loopback names when listening there.
    let allowed_hosts: Vec<String> = if addr.ip().is_loopback() || addr.ip().is_unspecified() {
        gdap_app::state::LOOPBACK_HOSTS
            .iter()
            .map(|h| (*h).to_owned())
            .collect()
    } else {
        Vec::new()
    };

    let dev_clock = config.dev.then(|| Arc::new(DevClock::default()));
    let timings = Timings {
        step: time::Duration::seconds_f64(config.step_seconds),
        ..Timings::default()
    };
    let api_config = ApiConfig {
        public_url: Some(base_url.clone()),
        allowed_hosts,
        tls: config.tls,
        dev: config.dev,
        timings,
        // Several nodes may share a PostgreSQL database: the change feed carries their writes;
        // a full rebuild now and then is the safety net.
        authz_reload: store_is_shared(&config.db).then(|| std::time::Duration::from_secs(300)),
        hardened: config.hardened,
        look: gdap_app::state::Look {
            product_name: config.product_name.clone(),
            logo: config
                .logo
                .as_deref()
                .map(crate::config::read_logo)
                .transpose()?,
            brand_color: config.brand_color.clone(),
        },
        reseller_links_grant_dap: config.reseller_links_grant_dap,
        azure_requires_gdap: config.azure_requires_gdap,
        metrics_token: config
            .metrics_token
            .clone()
            .and_then(gdap_app::metrics::MetricsToken::new),
        webhook_retry: time::Duration::seconds_f64(config.webhook_retry_seconds),
        rate_limits: gdap_app::rate::RateLimits {
            per_app: config.rate_limit_app,
            per_app_tenant: config.rate_limit_app_tenant,
        },
        ..ApiConfig::default()
    };
    let store: Arc<dyn Store> = Arc::new(store);
    let mut state = AppState::new(store, keys, dev_clock, world, api_config);
    if let Some(url) = &config.smtp {
        let relay = gdap_app::mailer::SmtpRelay::new(url, &config.mail_from)
            .map_err(|e| anyhow::anyhow!("smtp: {e}"))?;
        state = state.with_mailer(Arc::new(relay));
    }
    // Changes numbered after this are followed from the feed (re-applying one the snapshot
    // already holds is harmless).
    let feed_from = state.store.last_change().await?;
    state
        .authz
        .reload(state.store.as_ref())
        .await
        .context("building the authorization index")?;
    let app = gdap_api::app(state.clone());
    let metrics = match &config.metrics_listen {
        Some(a) => {
            let l = tokio::net::TcpListener::bind(a)
                .await
                .with_context(|| format!("listening for metrics on {a}"))?;
            let ops = gdap_api::ops::metrics_app(state.clone());
            Some(tokio::spawn(async move {
                axum::serve(l, ops)
                    .with_graceful_shutdown(shutdown_signal())
                    .await
            }))
        }
        None => None,
    };

    let (stop_tx, stop_rx) = watch::channel(false);
    let worker = {
        let state = state.clone();
        let mut rx = stop_rx.clone();
        tokio::spawn(gdap_app::worker::run(state, async move {
            let _ = rx.wait_for(|s| *s).await;
        }))
    };
    let extra_ca = match &config.webhook_ca_file {
        Some(f) => Some(
            std::fs::read(f).with_context(|| format!("reading webhook_ca_file {}", f.display()))?,
        ),
        None => None,
    };
    let transport = gdap_app::webhook_delivery::HttpTransport::new(extra_ca.as_deref())
        .map_err(|e| anyhow::anyhow!("webhook client: {e}"))?;
    let hooks = {
        let state = state.clone();
        let mut rx = stop_rx.clone();
        tokio::spawn(gdap_app::webhook_delivery::run(
            state,
            Arc::new(transport),
            async move {
                let _ = rx.wait_for(|s| *s).await;
            },
        ))
    };
    let follower = {
        let state = state.clone();
        let mut rx = stop_rx.clone();
        tokio::spawn(gdap_app::authz::follow(state, feed_from, async move {
            let _ = rx.wait_for(|s| *s).await;
        }))
    };

    let bulk;
    if config.tls {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (material, ca_file) = match (&config.tls_cert, &config.tls_key) {
            (Some(c), Some(k)) => (tls::load(c, k)?, None),
            _ => {
                let extra: Vec<String> = config
                    .public_url
                    .as_deref()
                    .and_then(|u| u.split("://").nth(1))
                    .map(|h| h.split(['/', ':']).next().unwrap_or_default().to_owned())
                    .into_iter()
                    .filter(|h| !h.is_empty())
                    .collect();
                (
                    tls::generate(&config.tls_ca_out, &extra)?,
                    Some(config.tls_ca_out.clone()),
                )
            }
        };
        let tls = crate::listen::tls_config(&material.cert_pem, &material.key_pem)
            .context("loading the TLS certificate")?;
        let own_ca = match &ca_file {
            Some(f) => Some(std::fs::read(f).with_context(|| format!("reading {}", f.display()))?),
            None => None,
        };
        bulk = Some(spawn_bulk_jobs(&state, own_ca.as_deref(), stop_rx.clone())?);
        on_ready(&Ready {
            base_url,
            local_url,
            ca_file,
        });
        serve_on(listener, also, Some(tls), app).await?;
    } else {
        bulk = Some(spawn_bulk_jobs(&state, None, stop_rx.clone())?);
        on_ready(&Ready {
            base_url,
            local_url,
            ca_file: None,
        });
        serve_on(listener, also, None, app).await?;
    }
    let _ = stop_tx.send(true);
    if let Some(m) = metrics {
        m.abort();
    }
    let _ = worker.await;
    let _ = hooks.await;
    let _ = follower.await;
    if let Some(b) = bulk {
        let _ = b.await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// Starts carrying out bulk jobs, through this server's public URL (its own CA trusted).
fn spawn_bulk_jobs(
    state: &AppState,
    own_ca: Option<&[u8]>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let mut b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("gdap-bulk-jobs/", env!("CARGO_PKG_VERSION")));
    for cert in gdap_app::webhook_delivery::trusted_roots(own_ca)
        .map_err(|e| anyhow::anyhow!("bulk jobs' client: {e}"))?
    {
        b = b.add_root_certificate(cert);
    }
    let http = b.build().context("bulk jobs' client")?;
    Ok(tokio::spawn(gdap_app::bulk_runner::run(
        state.clone(),
        http,
        async move {
            let _ = stop.wait_for(|s| *s).await;
        },
    )))
}

/// Serves `app` on `listener`, and on `also` when given, until the shutdown signal.
async fn serve_on(
    listener: std::net::TcpListener,
    also: Option<std::net::TcpListener>,
    tls: Option<Arc<rustls::ServerConfig>>,
    app: gdap_http::front::Front,
) -> anyhow::Result<()> {
    let limits = crate::listen::Limits::default;
    let main = crate::listen::serve(
        tokio::net::TcpListener::from_std(listener)?,
        tls.clone(),
        app.clone(),
        limits(),
        shutdown_signal(),
    );
    match also {
        None => main.await?,
        Some(l) => {
            let second = crate::listen::serve(
                tokio::net::TcpListener::from_std(l)?,
                tls,
                app,
                limits(),
                shutdown_signal(),
            );
            tokio::try_join!(main, second)?;
        }
    }
    Ok(())
}

/// Whether other nodes may write to the same database.
fn store_is_shared(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down");
}
