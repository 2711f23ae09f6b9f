//! `request-id` / `client-request-id` headers, also quoted in every error body.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// The ids of the request being served.
#[derive(Debug, Clone, Default)]
pub struct RequestIds {
    /// Generated per request.
    pub request_id: String,
    /// Echoed from the client's `client-request-id` (or the generated id).
    pub client_request_id: String,
}

tokio::task_local! {
    static CURRENT: RequestIds;
}

impl RequestIds {
    /// The ids of the request this task serves (empty outside a request).
    pub fn current() -> RequestIds {
        CURRENT.try_with(Clone::clone).unwrap_or_default()
    }
}

/// Middleware: assigns ids, makes them available to error rendering, and sets the response headers
/// (`request-id`, `client-request-id`, `server-timing`).
pub async fn layer(req: Request, next: Next) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let client_request_id = req
        .headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 100 && v.chars().all(|c| c.is_ascii_graphic()))
        .map_or_else(|| request_id.clone(), str::to_owned);
    let ids = RequestIds {
        request_id,
        client_request_id,
    };
    let started = std::time::Instant::now();
    let mut res = CURRENT.scope(ids.clone(), next.run(req)).await;
    let micros = started.elapsed().as_micros();
    let h = res.headers_mut();
    // W3C Server-Timing: how long gdap spent on the request, for clients and benchmarks.
    if let Ok(v) = HeaderValue::from_str(&format!("app;dur={}.{:03}", micros / 1000, micros % 1000))
    {
        h.insert("server-timing", v);
    }
    if let Ok(v) = HeaderValue::from_str(&ids.request_id) {
        h.insert("request-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(&ids.client_request_id) {
        h.insert("client-request-id", v);
    }
    res
}
