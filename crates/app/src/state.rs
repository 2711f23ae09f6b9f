//! Shared state of the HTTP layer.

use std::sync::Arc;

use gdap_auth::KeySet;
use gdap_domain::Timings;
use gdap_store::{DirectoryBatch, Lifecycle, Store};
use tokio::sync::{Mutex, Notify};

use crate::clock::{Clock, DevClock};

/// The names of this machine's loopback interface.
pub const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Settings the HTTP layer needs.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Externally visible base URL (`https://gdap.example.com`): every link and token issuer is
    /// built from it. When absent (an embedding that does not know its address), from the
    /// request's `Host`, which is then one of [`ApiConfig::allowed_hosts`].
    pub public_url: Option<String>,
    /// Host names requests may name besides the public URL's; a request naming another is
    /// refused with 421 before anything is done.
    pub allowed_hosts: Vec<String>,
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
    /// For deployments that serve real customers: sign-ins answer an unknown account exactly as
    /// a wrong password (`AADSTS50126`), where Entra itself says `AADSTS50034`.
    pub hardened: bool,
    /// How the pages present the product: its name, logo and brand colour.
    pub look: Look,
    /// Whether a reseller relationship link that asks for DAP grants it (the providers' manuals)
    /// or not (Microsoft since 9 October 2023, the default).
    pub reseller_links_grant_dap: bool,
    /// Whether a partner user needs a GDAP role beside its Azure role for a Resource Manager token
    /// in a customer (Microsoft's current guidance) or not (the default, as seed 003 describes).
    pub azure_requires_gdap: bool,
    /// The bearer token that opens `/metrics` on the main address outside development mode.
    pub metrics_token: Option<crate::metrics::MetricsToken>,
    /// Requests allowed per ten seconds to each application and each tenant.
    pub rate_limits: crate::rate::RateLimits,
    /// The first wait before a failed webhook delivery is retried (doubling after each attempt).
    pub webhook_retry: time::Duration,
}

/// How the pages present the product, as the operator configures it. The pages never claim to
/// be Microsoft's unless the operator names the product so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Look {
    /// The name in the top bar and the window titles.
    pub product_name: String,
    /// A logo (its bytes and content type), shown before the name.
    pub logo: Option<(Vec<u8>, &'static str)>,
    /// The brand colour, `#rrggbb`.
    pub brand_color: Option<String>,
}

impl Default for Look {
    fn default() -> Self {
        Self {
            product_name: "gdap".into(),
            logo: None,
            brand_color: None,
        }
    }
}

impl ApiConfig {
    /// The origin links built outside a request name (mails and webhooks sent by the worker): the
    /// public URL without its trailing slash, or `http://localhost` for an embedding without one.
    pub fn origin(&self) -> &str {
        self.public_url
            .as_deref()
            .map_or("http://localhost", |u| u.trim_end_matches('/'))
    }

    /// Every host name a request may name: the public URL's and [`ApiConfig::allowed_hosts`].
    pub fn hosts(&self) -> Vec<String> {
        let mut hosts: Vec<String> = self
            .allowed_hosts
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        if let Some(h) = self
            .public_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| {
                u.host_str()
                    .map(|h| h.trim_matches(['[', ']']).to_ascii_lowercase())
            })
        {
            hosts.push(h);
        }
        hosts
    }
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            public_url: None,
            allowed_hosts: LOOPBACK_HOSTS.iter().map(|h| (*h).to_owned()).collect(),
            tls: false,
            dev: false,
            timings: Timings::default(),
            token_lifetime_secs: 3600,
            authz_reload: None,
            hardened: false,
            look: Look::default(),
            reseller_links_grant_dap: false,
            azure_requires_gdap: false,
            metrics_token: None,
            rate_limits: crate::rate::RateLimits::default(),
            webhook_retry: time::Duration::seconds(30),
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
    pub verified: Arc<crate::caller::VerifiedTokens>,
    /// The SMTP relay the outbox is delivered through, when one is configured.
    pub mailer: Option<Arc<dyn crate::mailer::MailTransport>>,
    /// Failed sign-in counting.
    pub throttle: Arc<crate::throttle::SignInThrottle>,
    /// Password and secret hashing, bounded in concurrency.
    pub hasher: Arc<crate::hashing::Hasher>,
    /// Tenants and approvers read from the store, kept until written.
    pub directory: Arc<crate::cache::DirectoryCache>,
    /// The authorization index of this node (kept current by observing the store).
    pub authz: Arc<crate::authz::Authz>,
    /// Requests allowed to each application and tenant.
    pub rate: Arc<crate::rate::RequestRate>,
    /// Wakes the webhook delivery loop when an event is queued.
    pub webhooks_wake: Arc<Notify>,
    /// The webhook signing key and certificates, read or made once.
    pub webhook_signer: Arc<tokio::sync::OnceCell<Arc<crate::webhook_signer::Signer>>>,
    /// Validation events asked for, per partner.
    pub webhook_validations: Arc<crate::webhooks::ValidationRate>,
    /// When the renewal notices were last swept for.
    pub renewal_sweep: Arc<crate::renewals::Sweep>,
    /// What operators scrape.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Settings.
    pub config: Arc<ApiConfig>,
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
        let directory = Arc::new(crate::cache::DirectoryCache::default());
        store.observe(directory.clone());
        // Nodes sharing a database share their counts of failed sign-ins.
        let throttle = Arc::new(if store.shared() {
            crate::throttle::SignInThrottle::shared(store.clone())
        } else {
            crate::throttle::SignInThrottle::in_memory()
        });
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
            throttle,
            hasher: Arc::new(crate::hashing::Hasher::default()),
            verified: Arc::new(crate::caller::VerifiedTokens::default()),
            directory,
            mailer: None,
            metrics: Arc::new(crate::metrics::Metrics::default()),
            renewal_sweep: Arc::new(crate::renewals::Sweep::default()),
            webhooks_wake: Arc::new(Notify::new()),
            webhook_signer: Arc::new(tokio::sync::OnceCell::new()),
            webhook_validations: Arc::new(crate::webhooks::ValidationRate::default()),
            rate: Arc::new(crate::rate::RequestRate::new(config.rate_limits)),
            config: Arc::new(config),
        }))
    }

    /// A tenant by id, through the cache.
    pub async fn tenant(
        &self,
        id: gdap_domain::ids::TenantId,
    ) -> Result<Option<gdap_domain::directory::Tenant>, gdap_store::StoreError> {
        self.directory
            .tenants
            .get_or_load(id, || self.store.tenant(id))
            .await
    }

    /// The display names of tenants, each looked up once (a tenant that is gone keeps its id).
    pub async fn tenant_names(
        &self,
        ids: Vec<gdap_domain::ids::TenantId>,
    ) -> Result<std::collections::HashMap<gdap_domain::ids::TenantId, String>, gdap_store::StoreError>
    {
        let mut names = std::collections::HashMap::new();
        for id in ids {
            if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(id) {
                let name = self
                    .tenant(id)
                    .await?
                    .map_or_else(|| id.to_string(), |t| t.display_name);
                slot.insert(name);
            }
        }
        Ok(names)
    }

    /// The users of a tenant who can approve its partner relationships (enabled Global
    /// Administrators and Customer Delegated Admin Relationship Administrators), by sign-in name,
    /// through the cache.
    pub async fn approvers(
        &self,
        tenant: gdap_domain::ids::TenantId,
    ) -> Result<Arc<Vec<gdap_domain::directory::User>>, gdap_store::StoreError> {
        let load = || async {
            let users = self.store.users_of(tenant).await?;
            Ok(Arc::new(
                users
                    .into_iter()
                    .filter(crate::mailer::is_approver)
                    .collect(),
            ))
        };
        self.directory.approvers.get_or_load(tenant, load).await
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
        // A run asked for a given time (the development clock moved) sweeps for renewal notices
        // at once; the worker's runs do so once a minute, which is as often as a day's thresholds
        // need.
        let sweep = until.is_some() || self.renewal_sweep.due();
        let until = until.unwrap_or_else(|| self.now());
        let report = self.lifecycle.run_until(until).await?;
        if report.total() > 0 {
            // Steps raise webhook events too.
            self.webhooks_wake.notify_one();
        }
        if sweep {
            // Notices follow the steps: a relationship that just expired is told so.
            crate::renewals::send_due(self, until).await?;
        }
        Ok(report)
    }
}
