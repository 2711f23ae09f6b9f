//! Partner Center's webhooks: the events a partner registers for, the registration's rules, the
//! payload each delivery carries, and how deliveries are retried.

use time::{Duration, OffsetDateTime};

use crate::ids::TenantId;

/// The test event a partner asks for to check its registration.
pub const TEST_CREATED: &str = "test-created";

/// The events gdap raises, by Partner Center's names.
pub const EVENTS: [&str; 12] = [
    "granular-admin-relationship-approved",
    "granular-admin-relationship-activated",
    "granular-admin-relationship-terminated",
    "granular-admin-relationship-expired",
    "granular-admin-access-assignment-created",
    "granular-admin-access-assignment-activated",
    "granular-admin-access-assignment-updated",
    "granular-admin-access-assignment-deleted",
    "reseller-relationship-accepted-by-customer",
    "dap-admin-relationship-approved",
    "dap-admin-relationship-terminated",
    TEST_CREATED,
];

/// How many times a delivery is attempted before it goes to the offline queue, as Partner Center.
pub const MAX_ATTEMPTS: u32 = 10;

/// Most events one registration names.
const MAX_EVENTS: usize = 64;

/// Longest receiver URL.
const MAX_URL: usize = 2000;

/// Why a registration is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationError {
    /// The URL is missing, not absolute, or too long.
    #[error("`WebhookUrl` must be an absolute https URL of at most 2000 characters")]
    Url,
    /// A plain-http URL where https is required.
    #[error("`WebhookUrl` must use https: deliveries carry customer data")]
    NotHttps,
    /// An event gdap does not raise.
    #[error("`WebhookEvents` names an unknown event `{0}`; GET /webhooks/v1/registration/events lists them")]
    UnknownEvent(String),
    /// No event, or too many.
    #[error("`WebhookEvents` must name between 1 and 64 events")]
    EventCount,
}

/// A partner's registration: where its events go, and which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The partner.
    pub partner: TenantId,
    /// Partner Center's `SubscriberId`.
    pub subscriber_id: uuid::Uuid,
    /// The receiver.
    pub url: String,
    /// The events it receives.
    pub events: Vec<String>,
    /// Partner Center's `SignatureTokenToMsSignatureHeader`: the signature goes in an
    /// `MS-Signature` header instead of `Authorization` (for receivers behind a gateway that
    /// takes `Authorization` for itself).
    pub ms_signature_header: bool,
    /// Last written.
    pub updated_at: OffsetDateTime,
}

impl Registration {
    /// Checks a registration request: an absolute URL (https unless `allow_http`) and known
    /// events, each once (in the order given).
    pub fn checked(
        partner: TenantId,
        subscriber_id: uuid::Uuid,
        url: &str,
        events: &[String],
        allow_http: bool,
        now: OffsetDateTime,
    ) -> Result<Self, RegistrationError> {
        let url = url.trim();
        let parsed = url::Url::parse(url).map_err(|_| RegistrationError::Url)?;
        if url.len() > MAX_URL || parsed.host_str().is_none() || !parsed.username().is_empty() {
            return Err(RegistrationError::Url);
        }
        match parsed.scheme() {
            "https" => {}
            "http" if allow_http => {}
            "http" => return Err(RegistrationError::NotHttps),
            _ => return Err(RegistrationError::Url),
        }
        if events.is_empty() || events.len() > MAX_EVENTS {
            return Err(RegistrationError::EventCount);
        }
        let mut named: Vec<String> = Vec::new();
        for e in events {
            let known = EVENTS
                .iter()
                .find(|k| k.eq_ignore_ascii_case(e.trim()))
                .ok_or_else(|| RegistrationError::UnknownEvent(e.chars().take(80).collect()))?;
            if !named.iter().any(|n| n == known) {
                named.push((*known).to_owned());
            }
        }
        Ok(Self {
            partner,
            subscriber_id,
            url: url.to_owned(),
            events: named,
            ms_signature_header: false,
            updated_at: now,
        })
    }

    /// Whether the registration receives `event`.
    pub fn wants(&self, event: &str) -> bool {
        self.events.iter().any(|e| e == event)
    }
}

/// The resource an event names, as its `ResourceName`.
pub fn resource_name(event: &str) -> &'static str {
    if event.starts_with("granular-admin-relationship-") {
        "GranularAdminRelationship"
    } else if event.starts_with("granular-admin-access-assignment-") {
        "GranularAdminAccessAssignment"
    } else if event.starts_with("reseller-relationship-") {
        "Customer"
    } else if event.starts_with("dap-admin-relationship-") {
        "PartnerCustomerDap"
    } else {
        "test"
    }
}

/// The body of a delivery, as Partner Center writes it: `ResourceUri` is `base` followed by the
/// event's resource path (none for DAP events).
pub fn payload(event: &str, base: &str, path: Option<&str>, at: OffsetDateTime) -> String {
    let body = serde_json::json!({
        "EventName": event,
        "ResourceUri": path.map(|p| format!("{}{p}", base.trim_end_matches('/'))),
        "ResourceName": resource_name(event),
        "AuditUri": null,
        "ResourceChangeUtcDate": crate::timefmt::format_graph(at),
    });
    body.to_string()
}

/// The wait after failed attempt `n` (1-based): `base` doubling, at most an hour.
pub fn backoff(base: Duration, attempts: u32) -> Duration {
    let factor = 1_i32 << attempts.saturating_sub(1).min(16);
    (base * factor).min(Duration::hours(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn check(
        url: &str,
        events: &[&str],
        allow_http: bool,
    ) -> Result<Registration, RegistrationError> {
        let events: Vec<String> = events.iter().map(|e| (*e).to_owned()).collect();
        Registration::checked(
            TenantId::new_random(),
            uuid::Uuid::new_v4(),
            url,
            &events,
            allow_http,
            datetime!(2027-01-01 0:00 UTC),
        )
    }

    #[test]
    fn a_registration_needs_https_and_known_events() {
        let ok = check(
            "https://hooks.example/callback",
            &[
                "test-created",
                "Granular-Admin-Relationship-Approved",
                "test-created",
            ],
            false,
        )
        .unwrap();
        assert_eq!(
            ok.events,
            ["test-created", "granular-admin-relationship-approved"]
        );
        assert!(ok.wants("test-created") && !ok.wants("invoice-ready"));
        assert_eq!(
            check("http://hooks.example/", &["test-created"], false),
            Err(RegistrationError::NotHttps)
        );
        assert!(check("http://127.0.0.1:9/", &["test-created"], true).is_ok());
        assert_eq!(
            check("https://hooks.example/", &["invoice-ready"], false),
            Err(RegistrationError::UnknownEvent("invoice-ready".into()))
        );
        assert_eq!(
            check("hooks.example", &["test-created"], false),
            Err(RegistrationError::Url)
        );
        assert_eq!(
            check("ftp://hooks.example/", &["test-created"], false),
            Err(RegistrationError::Url)
        );
        assert_eq!(
            check("https://user:pw@hooks.example/", &["test-created"], false),
            Err(RegistrationError::Url)
        );
        assert_eq!(
            check("https://hooks.example/", &[], false),
            Err(RegistrationError::EventCount)
        );
    }

    #[test]
    fn the_payload_has_partner_centers_fields_and_names() {
        let body = payload(
            "granular-admin-relationship-activated",
            "https://gdap.example/",
            Some("/granularAdminRelationships/abc"),
            datetime!(2027-01-02 3:04:05 UTC),
        );
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["EventName"], "granular-admin-relationship-activated");
        assert_eq!(
            v["ResourceUri"],
            "https://gdap.example/granularAdminRelationships/abc"
        );
        assert_eq!(v["ResourceName"], "GranularAdminRelationship");
        assert!(v["AuditUri"].is_null());
        assert!(v["ResourceChangeUtcDate"]
            .as_str()
            .unwrap()
            .starts_with("2027-01-02T03:04:05"));
        let dap = payload(
            "dap-admin-relationship-terminated",
            "https://g",
            None,
            datetime!(2027-01-02 0:00 UTC),
        );
        assert!(dap.contains("\"ResourceUri\":null") && dap.contains("PartnerCustomerDap"));
    }

    #[test]
    fn retries_back_off_doubling_up_to_an_hour() {
        let base = Duration::seconds(10);
        assert_eq!(backoff(base, 1), Duration::seconds(10));
        assert_eq!(backoff(base, 2), Duration::seconds(20));
        assert_eq!(backoff(base, 5), Duration::seconds(160));
        assert_eq!(backoff(base, 10), Duration::hours(1));
    }
}
