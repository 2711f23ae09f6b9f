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

/// A fresh request id: a version-4 GUID made from a random seed drawn once per process and a
/// counter run through a bijective mixer, so ids never repeat within a process and cost no system
/// call (request ids correlate logs; they are not secrets).
fn next_request_id() -> uuid::Uuid {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SEED: std::sync::OnceLock<(u64, u64)> = std::sync::OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let (hi, lo) = *SEED.get_or_init(|| uuid::Uuid::new_v4().as_u64_pair());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&mix(hi ^ n).to_be_bytes());
    bytes[8..].copy_from_slice(&mix(lo.wrapping_add(n)).to_be_bytes());
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// SplitMix64's finaliser: a bijection on `u64` that spreads every input bit.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Middleware: assigns ids, makes them available to error rendering, and sets the response headers
/// (`request-id`, `client-request-id`, `server-timing`).
pub async fn layer(req: Request, next: Next) -> Response {
    let request_id = next_request_id().to_string();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_version_4_guids_that_do_not_repeat() {
        let ids: std::collections::HashSet<uuid::Uuid> =
            (0..10_000).map(|_| next_request_id()).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(ids.iter().all(|u| u.get_version_num() == 4));
    }
}
