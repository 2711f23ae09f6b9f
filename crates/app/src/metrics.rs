//! What an operator scrapes: requests by route and status with their latency, the outbox's depth,
//! the renewal notices sent and the size of the authorization index, in Prometheus' text format.
//!
//! Labels are bounded whatever clients send: the route is the template the request matched (or
//! `unmatched`), the method one of the standard ones (or `other`), the status a number.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::state::AppState;

/// The route label of a request that matched no route.
pub const UNMATCHED: &str = "unmatched";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

type Latency = Family<RouteLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 100 µs to about 13 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 18))
}

/// This node's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Latency,
    notices: Counter,
    outbox: Gauge,
    webhooks: Gauge,
    index: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: Latency = Family::new_with_constructor(latency_histogram);
        let notices = Counter::default();
        let outbox = Gauge::default();
        let webhooks = Gauge::default();
        let index = Gauge::default();
        let mut registry = Registry::with_prefix("gdap");
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route",
            latency.clone(),
        );
        registry.register(
            "renewal_notices_sent",
            "Renewal notices sent by this node (one per relationship and kind)",
            notices.clone(),
        );
        registry.register(
            "outbox_depth",
            "E-mails queued and not yet accepted by the relay",
            outbox.clone(),
        );
        registry.register(
            "webhook_queue_depth",
            "Webhook deliveries waiting (not delivered, not offline)",
            webhooks.clone(),
        );
        registry.register(
            "authz_index_bytes",
            "Estimated heap held by this node's authorization index",
            index.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            notices,
            outbox,
            webhooks,
            index,
        }
    }
}

/// The method's label: a standard method's name, or `other`.
fn method_label(method: &str) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "TRACE",
    ];
    KNOWN
        .iter()
        .find(|m| **m == method)
        .copied()
        .unwrap_or("other")
}

impl Metrics {
    /// Counts a request answered with `status` after `seconds`, on the route template it matched.
    pub fn record_request(&self, method: &str, route: Option<&str>, status: u16, seconds: f64) {
        let route = route.unwrap_or(UNMATCHED).to_owned();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.clone(),
            })
            .observe(seconds);
        self.requests
            .get_or_create(&RequestLabels {
                method: method_label(method),
                route,
                status,
            })
            .inc();
    }

    /// Counts renewal notices sent.
    pub fn notices_sent(&self, n: u32) {
        self.notices.inc_by(u64::from(n));
    }

    /// The text exposition, with the gauges read now.
    pub async fn render(&self, state: &AppState) -> Result<String, gdap_store::StoreError> {
        let depth = state.store.outbox_depth().await?;
        self.outbox.set(i64::try_from(depth).unwrap_or(i64::MAX));
        let waiting = state.store.webhook_queue_depth().await?;
        self.webhooks
            .set(i64::try_from(waiting).unwrap_or(i64::MAX));
        self.index
            .set(i64::try_from(state.authz.heap_bytes()).unwrap_or(i64::MAX));
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .map_err(|e| gdap_store::StoreError::Internal(format!("encoding metrics: {e}")))?;
        Ok(out)
    }
}

/// The bearer token that opens `/metrics` on the main address; never printed.
#[derive(Clone)]
pub struct MetricsToken(String);

impl MetricsToken {
    /// A token, when it is long enough to resist guessing (16 characters or more).
    pub fn new(token: String) -> Option<Self> {
        (token.chars().count() >= 16).then_some(Self(token))
    }

    /// Whether `given` is this token, in time that does not depend on where they differ.
    pub fn matches(&self, given: &str) -> bool {
        let digest = |t: &str| ring::digest::digest(&ring::digest::SHA256, t.as_bytes());
        let (a, b) = (digest(given), digest(&self.0));
        a.as_ref()
            .iter()
            .zip(b.as_ref())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_beyond_the_standard_ones_share_one_label() {
        assert_eq!(method_label("PATCH"), "PATCH");
        assert_eq!(method_label("BREW"), "other");
        assert_eq!(method_label("get"), "other");
    }

    #[test]
    fn only_the_configured_token_opens_the_metrics_and_it_is_never_printed() {
        let t = MetricsToken::new("s3cret-token-0123".into()).unwrap();
        assert!(t.matches("s3cret-token-0123"));
        assert!(!t.matches("s3cret-token-0124"));
        assert!(!t.matches(""));
        assert!(!format!("{t:?}").contains("s3cret"));
        assert!(MetricsToken::new("short".into()).is_none());
    }
}
