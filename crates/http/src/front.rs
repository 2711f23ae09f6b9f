//! What every request passes through before it is routed, in one step rather than a stack of
//! middleware: the request ids, the place for the caller's identity in the audit record, the time
//! limit, the lower-casing of Graph paths, the `request-id`, `client-request-id` and
//! `server-timing` headers, one log line per request (at debug; server errors at error), and the
//! request's count and latency in the metrics, by the route it matched.
//!
//! Why not tower-http's layers: the same steps as five layers (trace, request id, timeout, the
//! audit actor, path normalisation) behind a second router made the empty request cost 6.1–7.1 µs in
//! process against 2.2 µs here, and a check 10.5 µs against 3.9–4.3 µs, each layer boxing and moving
//! the request's future again.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::{Service, ServiceExt};

use crate::error::ApiError;
use crate::extract::ClientUri;
use crate::request_id::{RequestIds, CURRENT};

/// How long one request may take before it is answered with 503.
pub const REQUEST_TIME_LIMIT: Duration = Duration::from_secs(60);

/// How long a request's body may pause before the request is answered with 408.
pub const BODY_PAUSE_LIMIT: Duration = Duration::from_secs(10);

/// The operations endpoints, answered whatever host a request names.
const OPERATIONS: [&str; 4] = ["/healthz", "/livez", "/readyz", "/metrics"];

/// Path prefixes matched case-insensitively, as Graph does.
const CASE_INSENSITIVE: [&str; 4] = ["/v1.0/", "/beta/", "/admincenter/", "/adminportal/"];

/// The whole application: the routes behind the steps every request shares. Served, each
/// connection gets a copy that knows the connection's peer and hands it to every request as
/// axum's `ConnectInfo` (what throttles count failures by).
#[derive(Clone)]
pub struct Front {
    routes: Router,
    peer: Option<SocketAddr>,
    /// The host names requests may name (lower case).
    hosts: Arc<[String]>,
    /// Where requests are counted.
    metrics: Arc<gdap_app::metrics::Metrics>,
}

impl Front {
    /// Puts the shared steps in front of `routes`, for requests naming one of `hosts`, counting
    /// each in `metrics`.
    pub fn new(
        hosts: Vec<String>,
        routes: Router,
        metrics: Arc<gdap_app::metrics::Metrics>,
    ) -> Self {
        Self {
            routes,
            peer: None,
            hosts: hosts.into(),
            metrics,
        }
    }

    /// A copy for one connection, whose requests carry `peer` as axum's `ConnectInfo`.
    pub fn for_peer(&self, peer: SocketAddr) -> Self {
        Self {
            routes: self.routes.clone(),
            peer: Some(peer),
            hosts: self.hosts.clone(),
            metrics: self.metrics.clone(),
        }
    }
}

impl<B> Service<axum::http::Request<B>> for Front
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + Unpin + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut req: axum::http::Request<B>) -> Self::Future {
        if let Some(peer) = self.peer {
            req.extensions_mut().insert(ConnectInfo(peer));
        }
        let stalled = Arc::new(AtomicBool::new(false));
        let req = req.map(|b| axum::body::Body::new(PausingBody::new(b, stalled.clone())));
        // A load balancer's health checks and a scraper may name the node by its address; they
        // build no link.
        let foreign = if OPERATIONS.contains(&req.uri().path()) {
            None
        } else {
            foreign_host(&req, &self.hosts)
        };
        Box::pin(serve(
            self.routes.clone(),
            req,
            stalled,
            foreign,
            self.metrics.clone(),
        ))
    }
}

/// Lets `axum::serve` take the application as it is: every connection gets a copy.
impl<L> Service<axum::serve::IncomingStream<'_, L>> for Front
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    type Response = Self;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Self, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, stream: axum::serve::IncomingStream<'_, L>) -> Self::Future {
        std::future::ready(Ok(self.for_peer(*stream.remote_addr())))
    }
}

/// The same for servers that name a connection by its peer's address.
impl Service<SocketAddr> for Front {
    type Response = Self;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Self, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, peer: SocketAddr) -> Self::Future {
        std::future::ready(Ok(self.for_peer(peer)))
    }
}

async fn serve(
    routes: Router,
    mut req: Request,
    stalled: Arc<AtomicBool>,
    foreign: Option<String>,
    metrics: Arc<gdap_app::metrics::Metrics>,
) -> Result<Response, Infallible> {
    let started = Instant::now();
    let ids = RequestIds::of(req.headers());
    let method = req.method().clone();
    let client_uri = normalize_path(&mut req);
    let handled = async move {
        if let Some(host) = foreign {
            return ApiError::MisdirectedRequest(format!(
                "This server does not answer for the host `{host}`; use its configured address."
            ))
            .into_response();
        }
        match tokio::time::timeout(REQUEST_TIME_LIMIT, routes.oneshot(req)).await {
            Ok(Ok(res)) => res,
            Ok(Err(never)) => match never {},
            Err(_) => ApiError::Unavailable("the request took longer than 60 seconds".into())
                .into_response(),
        }
    };
    let mut res = CURRENT.scope(ids.clone(), handled).await;
    if stalled.load(Ordering::Relaxed) {
        // Whatever the handler made of a body that stopped arriving, the client hears why.
        res = CURRENT
            .scope(
                ids.clone(),
                std::future::ready(
                    ApiError::RequestTimeout(format!(
                        "the request body stopped arriving for {} seconds",
                        BODY_PAUSE_LIMIT.as_secs()
                    ))
                    .into_response(),
                ),
            )
            .await;
    }
    let elapsed = started.elapsed();
    let micros = elapsed.as_micros();
    let status = res.status();
    let route = res.extensions().get::<axum::extract::MatchedPath>();
    metrics.record_request(
        method.as_str(),
        route.map(axum::extract::MatchedPath::as_str),
        status.as_u16(),
        elapsed.as_secs_f64(),
    );
    if status.is_server_error() {
        tracing::error!(request_id = %ids.request_id, %method, path = client_uri.path(), status = status.as_u16(), micros, "request failed");
    } else {
        tracing::debug!(request_id = %ids.request_id, %method, path = client_uri.path(), status = status.as_u16(), micros, "request");
    }
    let h = res.headers_mut();
    // W3C Server-Timing: how long gdap spent on the request, for clients and benchmarks.
    let mut timing = [0u8; 32];
    if let Some(v) = server_timing(micros, &mut timing) {
        h.insert("server-timing", v);
    }
    ids.set_headers(h);
    Ok(res)
}

/// The host a request names (its `Host` header, or the authority of its URI), when it is not one
/// of `hosts`: links and issuers built for it would point elsewhere.
fn foreign_host<B>(req: &axum::http::Request<B>, hosts: &[String]) -> Option<String> {
    let named = match req.headers().get(axum::http::header::HOST) {
        Some(h) => h.to_str().unwrap_or("\u{fffd}"),
        None => req.uri().authority()?.as_str(),
    };
    let name = match named.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => named.rsplit_once(':').map_or(named, |(n, _)| n),
    };
    if hosts.iter().any(|h| h.eq_ignore_ascii_case(name)) {
        None
    } else {
        Some(named.chars().take(100).collect())
    }
}

/// `app;dur=<milliseconds with three decimals>`, written without allocating.
fn server_timing(micros: u128, buf: &mut [u8; 32]) -> Option<HeaderValue> {
    use std::io::Write;
    let mut w = &mut buf[..];
    write!(w, "app;dur={}.{:03}", micros / 1000, micros % 1000).ok()?;
    let left = w.len();
    HeaderValue::from_bytes(&buf[..32 - left]).ok()
}

/// Lower-cases Graph and admin-center paths and drops a trailing slash, and records the URI as the
/// client sent it (for links); returns that URI.
fn normalize_path(req: &mut Request) -> Uri {
    let original = req.uri().clone();
    let path = original.path();
    let api = CASE_INSENSITIVE.iter().any(|p| {
        path.len() >= p.len() && path.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
    });
    let trailing = path.len() > 1 && path.ends_with('/');
    let upper = path.bytes().any(|b| b.is_ascii_uppercase());
    // Clients that percent-encode every `$` send `members/%24ref`; Graph reads it as `$ref`.
    let encoded_dollar = path.contains("%24");
    if api && (trailing || upper || encoded_dollar) {
        let mut new_path = path.to_ascii_lowercase().replace("%24", "$");
        while new_path.len() > 1 && new_path.ends_with('/') {
            new_path.pop();
        }
        let pq = match original.query() {
            Some(q) => format!("{new_path}?{q}"),
            None => new_path,
        };
        // Keep scheme and authority: over HTTP/2 the authority is the only record of the host.
        let mut parts = original.clone().into_parts();
        if let Ok(p) = pq.parse() {
            parts.path_and_query = Some(p);
            if let Ok(u) = Uri::from_parts(parts) {
                *req.uri_mut() = u;
            }
        }
    }
    req.extensions_mut().insert(ClientUri(original.clone()));
    original
}

/// A request body that fails when it pauses for longer than [`BODY_PAUSE_LIMIT`] (a client
/// trickling a body, or stopping halfway), and says so in `stalled`. The timer is only set when
/// the body first has to be waited for, so a body that came with its headers costs nothing.
struct PausingBody<B> {
    inner: B,
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
    stalled: Arc<AtomicBool>,
}

impl<B> PausingBody<B> {
    fn new(inner: B, stalled: Arc<AtomicBool>) -> Self {
        Self {
            inner,
            pause: None,
            stalled,
        }
    }
}

impl<B> http_body::Body for PausingBody<B>
where
    B: http_body::Body<Data = axum::body::Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = axum::body::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                self.pause = None;
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                let pause = self
                    .pause
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(BODY_PAUSE_LIMIT)));
                if pause.as_mut().poll(cx).is_ready() {
                    self.stalled.store(true, Ordering::Relaxed);
                    return Poll::Ready(Some(Err("the request body stopped arriving".into())));
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(uri: &str) -> (String, String) {
        let mut req = Request::builder()
            .uri(uri)
            .body(axum::body::Body::empty())
            .expect("request");
        let original = normalize_path(&mut req);
        let kept = req
            .extensions()
            .get::<ClientUri>()
            .expect("client uri")
            .0
            .clone();
        assert_eq!(kept, original);
        (req.uri().to_string(), original.to_string())
    }

    #[test]
    fn graph_paths_are_lower_cased_without_a_trailing_slash_and_keep_their_query() {
        assert_eq!(
            normalized("/V1.0/TenantRelationships/DelegatedAdminRelationships/?$top=5"),
            (
                "/v1.0/tenantrelationships/delegatedadminrelationships?$top=5".into(),
                "/V1.0/TenantRelationships/DelegatedAdminRelationships/?$top=5".into()
            )
        );
        assert_eq!(normalized("/beta/x//").0, "/beta/x");
        assert_eq!(
            normalized("/v1.0/groups/g/members/u/%24ref").0,
            "/v1.0/groups/g/members/u/$ref"
        );
        assert_eq!(
            normalized("/AdminCenter/v1/Partners").0,
            "/admincenter/v1/partners"
        );
    }

    #[test]
    fn other_paths_are_left_as_sent() {
        assert_eq!(normalized("/Portal/Partners/").0, "/Portal/Partners/");
        assert_eq!(normalized("/v1.0/users").0, "/v1.0/users");
        assert_eq!(normalized("/").0, "/");
    }

    #[test]
    fn server_timing_is_milliseconds_with_three_decimals() {
        let mut buf = [0u8; 32];
        assert_eq!(
            server_timing(1_234_567, &mut buf).expect("value"),
            "app;dur=1234.567"
        );
        assert_eq!(server_timing(42, &mut buf).expect("value"), "app;dur=0.042");
    }
}
