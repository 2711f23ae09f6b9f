//! Delivering queued webhook events: signed as Partner Center signs them, retried with a back-off
//! ten times and then moved to the offline queue, in order per relationship, and at least once
//! (each delivery carries its id in `X-Gdap-Delivery-Id`, the same on every attempt, so a receiver
//! drops duplicates).
//!
//! Each partner's receiver has its own worker with a few deliveries in flight, so a slow or dead
//! receiver holds up nobody else, and never the API: events are queued by the changes themselves
//! and delivered from here.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use gdap_domain::ids::TenantId;
use gdap_domain::webhook::{backoff, payload, Registration, MAX_ATTEMPTS};
use gdap_store::{AttemptOutcome, StoreError, WebhookAttempt, WebhookEvent};
use time::OffsetDateTime;

use crate::state::AppState;
use crate::webhook_signer::Signer;

/// The gdap header that names a delivery, the same on each of its attempts.
pub const DELIVERY_ID_HEADER: &str = "X-Gdap-Delivery-Id";

/// Deliveries of one receiver in flight at once.
const PER_RECEIVER: u32 = 4;

/// How long an attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a claimed event stays hidden from other nodes.
const CLAIM_LEASE: time::Duration = time::Duration::seconds(60);

/// How often the queue is looked at when nothing wakes the loop.
const TICK: Duration = Duration::from_millis(250);

/// What an attempt's receiver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// An HTTP status and the start of the body.
    Status(u16, String),
    /// No answer: connection refused, timeout, TLS failure.
    Unreachable(String),
}

/// Posts one signed delivery.
#[async_trait]
pub trait WebhookTransport: Send + Sync {
    /// Posts `body` with `headers` to `url`.
    async fn post(&self, url: &str, headers: &[(&str, String)], body: String) -> Answer;
}

/// Deliveries over HTTPS (and HTTP in development mode), trusting the system's roots and any
/// extra CA given.
pub struct HttpTransport(reqwest::Client);

impl HttpTransport {
    /// A client trusting the CA bundle at `SSL_CERT_FILE` (or the system's) and `extra_ca` (PEM).
    pub fn new(extra_ca: Option<&[u8]>) -> Result<Self, String> {
        let mut b = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("gdap-webhooks");
        for cert in trusted_roots(extra_ca)? {
            b = b.add_root_certificate(cert);
        }
        b.build().map(Self).map_err(|e| e.to_string())
    }
}

/// The certificates an outgoing HTTPS client trusts: the CA bundle at `SSL_CERT_FILE` (or the
/// system's) and `extra_ca` (PEM).
pub fn trusted_roots(extra_ca: Option<&[u8]>) -> Result<Vec<reqwest::Certificate>, String> {
    let bundle = std::env::var_os("SSL_CERT_FILE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "/etc/ssl/certs/ca-certificates.crt".into());
    let mut pems: Vec<Vec<u8>> = Vec::new();
    if let Ok(b) = std::fs::read(&bundle) {
        pems.push(b);
    }
    if let Some(extra) = extra_ca {
        pems.push(extra.to_vec());
    }
    let mut out = Vec::new();
    for pem in pems {
        out.extend(reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| e.to_string())?);
    }
    Ok(out)
}

#[async_trait]
impl WebhookTransport for HttpTransport {
    async fn post(&self, url: &str, headers: &[(&str, String)], body: String) -> Answer {
        let mut req = self.0.post(url).body(body);
        for (name, value) in headers {
            req = req.header(*name, value);
        }
        match req.send().await {
            Ok(res) => {
                let status = res.status().as_u16();
                let text = res.text().await.unwrap_or_default();
                Answer::Status(status, text.chars().take(500).collect())
            }
            Err(e) => Answer::Unreachable(e.to_string()),
        }
    }
}

/// Partner Center's name of an HTTP status (`OK`, `NotFound` …), as its validation results show.
fn status_name(status: u16) -> String {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map_or_else(|| status.to_string(), |r| r.replace([' ', '-'], ""))
}

/// Delivers until `shutdown` completes: one worker per partner with events due.
pub async fn run(
    state: AppState,
    transport: Arc<dyn WebhookTransport>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut workers: HashMap<TenantId, tokio::task::JoinHandle<()>> = HashMap::new();
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            () = state.webhooks_wake.notified() => {}
            () = tokio::time::sleep(TICK) => {}
        }
        workers.retain(|_, w| !w.is_finished());
        let due = match state
            .store
            .partners_with_due_events(OffsetDateTime::now_utc())
            .await
        {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "reading the webhook queue failed; retrying");
                continue;
            }
        };
        for partner in due {
            if workers.contains_key(&partner) {
                continue;
            }
            let (state, transport) = (state.clone(), transport.clone());
            workers.insert(
                partner,
                tokio::spawn(async move {
                    if let Err(e) = drain(&state, &transport, partner).await {
                        tracing::warn!(error = %e, %partner, "webhook delivery failed; retrying");
                    }
                }),
            );
        }
    }
    for (_, w) in workers {
        w.abort();
    }
}

/// Delivers the partner's due events, a few at a time, until none is due.
async fn drain(
    state: &AppState,
    transport: &Arc<dyn WebhookTransport>,
    partner: TenantId,
) -> Result<(), StoreError> {
    loop {
        let now = OffsetDateTime::now_utc();
        let events = state
            .store
            .claim_webhook_events(partner, now, CLAIM_LEASE, PER_RECEIVER)
            .await?;
        if events.is_empty() {
            return Ok(());
        }
        let Some(reg) = state.store.registration(partner).await? else {
            return Ok(());
        };
        let signer = crate::webhook_signer::shared(state).await?;
        let mut set = tokio::task::JoinSet::new();
        for e in events {
            let (state, transport, signer, reg) = (
                state.clone(),
                transport.clone(),
                signer.clone(),
                reg.clone(),
            );
            set.spawn(async move { attempt(&state, transport.as_ref(), &signer, &reg, &e).await });
        }
        while let Some(done) = set.join_next().await {
            done.map_err(|e| StoreError::Internal(format!("webhook attempt: {e}")))??;
        }
    }
}

/// The header that carries a delivery's signature: `Authorization`, or `MS-Signature` when the
/// registration asks for it (`SignatureTokenToMsSignatureHeader`).
pub fn signature_header(reg: &Registration) -> &'static str {
    if reg.ms_signature_header {
        "MS-Signature"
    } else {
        "Authorization"
    }
}

/// One signed attempt to deliver `e` to the registration's receiver, and its outcome recorded.
async fn attempt(
    state: &AppState,
    transport: &dyn WebhookTransport,
    signer: &Signer,
    reg: &Registration,
    e: &WebhookEvent,
) -> Result<(), StoreError> {
    let url = reg.url.as_str();
    let base = state.config.origin();
    let body = payload(&e.event, base, e.path.as_deref(), e.change_at);
    let headers = [
        ("Content-Type", "application/json".to_owned()),
        (
            signature_header(reg),
            format!("Signature {}", signer.sign(body.as_bytes())?),
        ),
        (
            "X-MS-Certificate-Url",
            format!("{base}/webhooks/v1/certificate"),
        ),
        ("X-MS-Signature-Algorithm", "rsa-sha256".to_owned()),
        (DELIVERY_ID_HEADER, e.id.to_string()),
    ];
    let answer = transport.post(url, &headers, body).await;
    let at = OffsetDateTime::now_utc();
    let (code, message, system_error, ok) = match answer {
        Answer::Status(s, text) => (status_name(s), text, false, (200..300).contains(&s)),
        Answer::Unreachable(err) => ("ServiceUnavailable".to_owned(), err, true, false),
    };
    let attempts = e.attempts + 1;
    let outcome = if ok {
        AttemptOutcome::Delivered
    } else if attempts >= MAX_ATTEMPTS {
        tracing::warn!(event = %e.event, id = %e.id, "webhook delivery moved to the offline queue");
        AttemptOutcome::Offline
    } else {
        AttemptOutcome::Retry(at + backoff(state.config.webhook_retry, attempts))
    };
    state
        .store
        .record_webhook_attempt(
            &WebhookAttempt {
                event: e.id,
                at,
                response_code: code,
                response_message: message,
                system_error,
            },
            outcome,
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_named_as_partner_center_names_them() {
        assert_eq!(status_name(200), "OK");
        assert_eq!(status_name(404), "NotFound");
        assert_eq!(status_name(500), "InternalServerError");
        assert_eq!(status_name(599), "599");
    }
}
