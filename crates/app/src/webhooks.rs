//! Partner Center's webhook registration, as partners' automation calls it: one registration per
//! partner (its receiver and the events it wants), the list of events, the `test-created`
//! validation event (at most two a minute) and the results of its delivery attempts; beyond
//! Partner Center, the queue of every delivery is visible and its offline part can be replayed.

use std::num::NonZeroU32;

use gdap_domain::webhook::{Registration, RegistrationError, TEST_CREATED};
use gdap_store::{EventState, WebhookAttempt, WebhookEvent};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::{AppError, AppResult};
use crate::partner_center::{require_admin_agent, PartnerUser};
use crate::state::AppState;

/// Most deliveries listed at once.
pub const MAX_LISTED: u32 = 500;

/// Validation events a partner may ask for per minute, as Partner Center allows.
pub struct ValidationRate(DefaultKeyedRateLimiter<gdap_domain::ids::TenantId>);

impl Default for ValidationRate {
    fn default() -> Self {
        let two = NonZeroU32::new(2).unwrap_or(NonZeroU32::MIN);
        Self(RateLimiter::dashmap(Quota::per_minute(two)))
    }
}

impl From<RegistrationError> for AppError {
    fn from(e: RegistrationError) -> Self {
        AppError::Invalid(e.to_string())
    }
}

fn no_registration() -> AppError {
    AppError::NotFound(
        "No webhook registration exists for this partner; create one with POST /webhooks/v1/registration".into(),
    )
}

/// The partner's registration.
pub async fn registration(state: &AppState, partner: &PartnerUser) -> AppResult<Registration> {
    state
        .store
        .registration(partner.partner.id)
        .await?
        .ok_or_else(no_registration)
}

/// Creates (`create`) or replaces the partner's registration. A receiver must use https outside
/// development mode, and may not be this machine or a private address then.
pub async fn register(
    state: &AppState,
    partner: &PartnerUser,
    url: &str,
    events: &[String],
    ms_signature_header: bool,
    create: bool,
) -> AppResult<Registration> {
    require_admin_agent(partner, "registering webhooks")?;
    let existing = state.store.registration(partner.partner.id).await?;
    match (&existing, create) {
        (Some(_), true) => {
            return Err(AppError::Conflict(
                "A webhook registration already exists for this partner; update it with PUT".into(),
            ))
        }
        (None, false) => return Err(no_registration()),
        _ => {}
    }
    let dev = state.config.dev;
    let mut reg = Registration::checked(
        partner.partner.id,
        existing
            .as_ref()
            .map_or_else(uuid::Uuid::new_v4, |r| r.subscriber_id),
        url,
        events,
        dev,
        state.now(),
    )?;
    reg.ms_signature_header = ms_signature_header;
    if !dev && private_host(&reg.url) {
        return Err(AppError::Invalid(
            "`WebhookUrl` must name a public host: this machine and private addresses are refused"
                .into(),
        ));
    }
    state.store.put_registration(&reg).await?;
    Ok(reg)
}

/// Whether a URL names this machine or a private, link-local or unspecified address.
fn private_host(url: &str) -> bool {
    let Some(host) = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host().map(|h| h.to_owned()))
    else {
        return true;
    };
    match host {
        url::Host::Domain(d) => {
            let d = d.to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        url::Host::Ipv4(ip) => {
            ip.is_private() || ip.is_loopback() || ip.is_link_local() || ip.is_unspecified()
        }
        url::Host::Ipv6(ip) => {
            ip.is_loopback()
                || ip.is_unspecified()
                || (ip.segments()[0] & 0xfe00) == 0xfc00
                || (ip.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Removes the partner's registration and the deliveries still waiting.
pub async fn unregister(state: &AppState, partner: &PartnerUser) -> AppResult<()> {
    require_admin_agent(partner, "removing the webhook registration")?;
    if state.store.delete_registration(partner.partner.id).await? {
        Ok(())
    } else {
        Err(no_registration())
    }
}

/// Queues a `test-created` event; returns its correlation id.
pub async fn validation_event(state: &AppState, partner: &PartnerUser) -> AppResult<uuid::Uuid> {
    let reg = registration(state, partner).await?;
    if !reg.wants(TEST_CREATED) {
        return Err(AppError::Invalid(
            "Register for the `test-created` event before asking for a validation event".into(),
        ));
    }
    if state
        .webhook_validations
        .0
        .check_key(&partner.partner.id)
        .is_err()
    {
        // At most two a minute, as Partner Center allows.
        return Err(AppError::TooManyRequests(30));
    }
    let correlation = uuid::Uuid::new_v4();
    state
        .store
        .queue_test_event(
            partner.partner.id,
            correlation,
            time::OffsetDateTime::now_utc(),
        )
        .await?;
    state.webhooks_wake.notify_one();
    Ok(correlation)
}

/// A validation event and the attempts to deliver it, with the receiver it went to.
pub async fn validation_status(
    state: &AppState,
    partner: &PartnerUser,
    correlation: uuid::Uuid,
) -> AppResult<(WebhookEvent, Vec<WebhookAttempt>, Option<String>)> {
    let event = state
        .store
        .webhook_event(partner.partner.id, correlation)
        .await?
        .filter(|e| e.event == TEST_CREATED)
        .ok_or_else(|| AppError::not_found("validation event", &correlation.to_string()))?;
    let attempts = state.store.webhook_attempts(correlation).await?;
    let url = state
        .store
        .registration(partner.partner.id)
        .await?
        .map(|r| r.url);
    Ok((event, attempts, url))
}

/// The partner's deliveries in `which` state, oldest first.
pub async fn deliveries(
    state: &AppState,
    partner: &PartnerUser,
    which: EventState,
) -> AppResult<Vec<WebhookEvent>> {
    Ok(state
        .store
        .webhook_events(partner.partner.id, which, MAX_LISTED)
        .await?)
}

/// Puts the partner's offline deliveries back in the queue; returns how many.
pub async fn replay(state: &AppState, partner: &PartnerUser) -> AppResult<u64> {
    require_admin_agent(partner, "replaying webhook deliveries")?;
    let n = state
        .store
        .replay_offline(partner.partner.id, time::OffsetDateTime::now_utc())
        .await?;
    state.webhooks_wake.notify_one();
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_machine_and_private_addresses_are_not_public_receivers() {
        for url in [
            "https://localhost/x",
            "https://127.0.0.1/x",
            "https://10.1.2.3/x",
            "https://192.168.0.1/x",
            "https://169.254.169.254/latest",
            "https://[::1]/x",
            "https://[fd00::1]/x",
            "https://0.0.0.0/x",
        ] {
            assert!(private_host(url), "{url}");
        }
        assert!(!private_host("https://hooks.example.com/x"));
        assert!(!private_host("https://8.8.8.8/x"));
    }
}
