//! Shared state of the HTTP layer.

use std::sync::Arc;

use gdap_auth::KeySet;
use gdap_domain::Timings;
use gdap_store::{DirectoryBatch, Lifecycle, Store};
use tokio::sync::{Mutex, Notify};

use crate::clock::{Clock, DevClock};

/// Settings the HTTP layer needs.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Externally visible base URL (`https://gdap.example.com`); when absent it is derived from
    /// the `Host` header and whether TLS is on.
    pub public_url: Option<String>,
    /// Whether the server itself terminates TLS (for derived URLs).
    pub tls: bool,
    /// Development mode: clock and reset controls.
    pub dev: bool,
    /// Lifecycle step timings.
    pub timings: Timings,
    /// Access token lifetime in seconds.
    pub token_lifetime_secs: i64,
    /// How often to rebuild the authorization index from the store, when other nodes share it.
    pub authz_reload: Option<std::time::Duration>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            public_url: None,
            tls: false,
            dev: false,
            timings: Timings::default(),
            token_lifetime_secs: 3600,
            authz_reload: None,
        }
    }
}

/// Everything handlers share: one pointer, so that handing it to each request costs one
/// reference count.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] points to.
#[derive(Clone)]
pub struct Shared {
    /// Storage.
    pub store: Arc<dyn Store>,
    /// Token signing keys.
    pub keys: Arc<KeySet>,
    /// The lifecycle clock.
    pub clock: Arc<dyn Clock>,
    /// The same clock, when it can be moved (development mode).
    pub dev_clock: Option<Arc<DevClock>>,
    /// Lifecycle engine.
    pub lifecycle: Lifecycle,
    /// One lifecycle run at a time.
    pub lifecycle_lock: Arc<Mutex<()>>,
    /// Wakes the background worker after a change that starts a lifecycle step.
    pub wake: Arc<Notify>,
    /// The world to restore on reset (development mode).
    pub world: Option<Arc<DirectoryBatch>>,
    /// Tokens already verified, so a client's repeated calls skip the signature check.
    pub verified: Arc<crate::auth::VerifiedTokens>,
    /// The SMTP relay the outbox is delivered through, when one is configured.
    pub mailer: Option<Arc<dyn crate::mailer::MailTransport>>,
    /// Failed sign-in counting.
    pub throttle: Arc<crate::throttle::SignInThrottle>,
    /// Recently read tenants (they change only when seeded or reset).
    pub tenants: Arc<TenantCache>,
    /// The authorization index of this node (kept current by observing the store).
    pub authz: Arc<crate::authz::Authz>,
    /// Settings.
    pub config: Arc<ApiConfig>,
}

/// How long a tenant read from the store is reused.
pub const TENANT_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// A short-lived cache of tenants by id, so that every request does not read its tenant again.
#[derive(Debug, Default)]
pub struct TenantCache {
    map: std::sync::Mutex<
        std::collections::HashMap<
            gdap_domain::ids::TenantId,
            (std::time::Instant, Option<gdap_domain::directory::Tenant>),
        >,
    >,
}

impl TenantCache {
    fn get(
        &self,
        id: &gdap_domain::ids::TenantId,
    ) -> Option<Option<gdap_domain::directory::Tenant>> {
        let map = self
            .map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(id)
            .filter(|(at, _)| at.elapsed() < TENANT_CACHE_TTL)
            .map(|(_, t)| t.clone())
    }

    fn put(&self, id: gdap_domain::ids::TenantId, t: Option<gdap_domain::directory::Tenant>) {
        let mut map = self
            .map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= 10_000 {
            map.clear();
        }
        map.insert(id, (std::time::Instant::now(), t));
    }

    /// Forgets one tenant (after this node changed it).
    pub fn forget(&self, id: gdap_domain::ids::TenantId) {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&id);
    }

    /// Forgets everything (after a reset).
    pub fn clear(&self) {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }
}

impl AppState {
    /// Builds the state; `dev_clock` is used as the clock when given.
    pub fn new(
        store: Arc<dyn Store>,
        keys: KeySet,
        dev_clock: Option<Arc<DevClock>>,
        world: Option<DirectoryBatch>,
        config: ApiConfig,
    ) -> Self {
        let clock: Arc<dyn Clock> = match &dev_clock {
            Some(c) => c.clone(),
            None => Arc::new(crate::clock::SystemClock),
        };
        Self(Arc::new(Shared {
            authz: crate::authz::attach(&store),
            lifecycle: Lifecycle::new(store.clone(), config.timings),
            store,
            keys: Arc::new(keys),
            clock,
            dev_clock,
            lifecycle_lock: Arc::new(Mutex::new(())),
            wake: Arc::new(Notify::new()),
            world: world.map(Arc::new),
            throttle: Arc::new(crate::throttle::SignInThrottle::default()),
            verified: Arc::new(crate::auth::VerifiedTokens::default()),
            tenants: Arc::new(TenantCache::default()),
            mailer: None,
            config: Arc::new(config),
        }))
    }

    /// A tenant by id, through the short-lived cache.
    pub async fn tenant(
        &self,
        id: gdap_domain::ids::TenantId,
    ) -> Result<Option<gdap_domain::directory::Tenant>, gdap_store::StoreError> {
        if let Some(t) = self.tenants.get(&id) {
            return Ok(t);
        }
        let t = self.store.tenant(id).await?;
        self.tenants.put(id, t.clone());
        Ok(t)
    }

    /// Delivers the outbox through `mailer`.
    pub fn with_mailer(mut self, mailer: Arc<dyn crate::mailer::MailTransport>) -> Self {
        Arc::make_mut(&mut self.0).mailer = Some(mailer);
        self
    }

    /// Adopts the development clock offset shared through the store (another node may have moved
    /// it). Does nothing outside development mode.
    pub async fn sync_clock(&self) -> Result<(), gdap_store::StoreError> {
        if let Some(clock) = &self.dev_clock {
            clock.observe(time::Duration::microseconds(
                self.store.clock_offset().await?,
            ));
        }
        Ok(())
    }

    /// Called after a change that scheduled a lifecycle step. The worker looks every tick anyway;
    /// only steps of zero length are worth waking it early for.
    pub fn scheduled(&self) {
        if self.config.timings.step.is_zero() {
            self.wake.notify_one();
        }
    }

    /// Now, by the lifecycle clock (whole microseconds, as stored).
    pub fn now(&self) -> time::OffsetDateTime {
        gdap_domain::timefmt::truncate_micros(self.clock.now())
    }

    /// Runs the lifecycle up to now (or `until`), one run at a time.
    pub async fn run_lifecycle(
        &self,
        until: Option<time::OffsetDateTime>,
    ) -> Result<gdap_store::RunReport, gdap_store::StoreError> {
        let _guard = self.lifecycle_lock.lock().await;
        let until = until.unwrap_or_else(|| self.now());
        self.lifecycle.run_until(until).await
    }
}
