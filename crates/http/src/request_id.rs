//! `request-id` / `client-request-id` headers, also quoted in every error body.

use axum::http::{HeaderMap, HeaderValue};

/// The ids of the request being served.
#[derive(Debug, Clone, Default)]
pub struct RequestIds {
    /// Generated per request.
    pub request_id: uuid::Uuid,
    /// The client's `client-request-id`, when it sent a usable one.
    client: Option<HeaderValue>,
}

tokio::task_local! {
    pub(crate) static CURRENT: RequestIds;
}

impl RequestIds {
    /// Fresh ids for a request with these headers.
    pub fn of(headers: &HeaderMap) -> Self {
        let client = headers
            .get("client-request-id")
            .filter(|v| v.len() <= 100 && v.as_bytes().iter().all(u8::is_ascii_graphic))
            .cloned();
        Self {
            request_id: next_request_id(),
            client,
        }
    }

    /// The ids of the request this task serves (empty outside a request).
    pub fn current() -> RequestIds {
        CURRENT.try_with(Clone::clone).unwrap_or_default()
    }

    /// The client's `client-request-id`, or the generated id when it sent none.
    pub fn client_request_id(&self) -> String {
        match self.client.as_ref().and_then(|v| v.to_str().ok()) {
            Some(c) => c.to_owned(),
            None => self.request_id.to_string(),
        }
    }

    /// Sets `request-id` and `client-request-id` on a response.
    pub fn set_headers(&self, headers: &mut HeaderMap) {
        let mut buf = uuid::Uuid::encode_buffer();
        let id = self.request_id.hyphenated().encode_lower(&mut buf);
        if let Ok(v) = HeaderValue::from_str(id) {
            headers.insert(
                "client-request-id",
                self.client.clone().unwrap_or_else(|| v.clone()),
            );
            headers.insert("request-id", v);
        }
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
    bytes[..8].copy_from_slice(&gdap_app::caller::mix(hi ^ n).to_be_bytes());
    bytes[8..].copy_from_slice(&gdap_app::caller::mix(lo.wrapping_add(n)).to_be_bytes());
    uuid::Builder::from_random_bytes(bytes).into_uuid()
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

    #[test]
    fn a_usable_client_request_id_is_echoed_and_a_missing_one_is_the_request_id() {
        let mut sent = HeaderMap::new();
        sent.insert("client-request-id", HeaderValue::from_static("abc-123"));
        let ids = RequestIds::of(&sent);
        let mut h = HeaderMap::new();
        ids.set_headers(&mut h);
        assert_eq!(h["client-request-id"], "abc-123");
        assert_eq!(h["request-id"], ids.request_id.to_string().as_str());
        assert_eq!(ids.client_request_id(), "abc-123");

        sent.insert("client-request-id", HeaderValue::from_static("has space"));
        let ids = RequestIds::of(&sent);
        let mut h = HeaderMap::new();
        ids.set_headers(&mut h);
        assert_eq!(h["client-request-id"], h["request-id"]);
        assert_eq!(ids.client_request_id(), ids.request_id.to_string());
    }
}
