//! Request throttling as Microsoft Graph does it: each application, across all tenants, and each
//! application in one tenant (Graph's *application + tenant pair*) may make so many requests per
//! ten seconds; beyond that a request is answered `429 Too Many Requests` with `Retry-After`.
//!
//! The limits are generic cell rate buckets (governor's GCRA): a full ten seconds' worth may come
//! at once, and the allowance refills evenly. Keys are the ids of callers whose tokens verified, so
//! the tables hold only real applications and tenants; idle ones are dropped by the worker. Each
//! node counts its own requests.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// The window the limits are counted over, as Graph's limits are.
pub const WINDOW: Duration = Duration::from_secs(10);

/// How many requests per ten seconds; `0` for no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// One application, across all tenants (Graph: 130,000).
    pub per_app: u32,
    /// One application in one tenant (Graph's directory limit for a large tenant: 8,000).
    pub per_app_tenant: u32,
}

impl Default for RateLimits {
    /// Graph's documented figures.
    fn default() -> Self {
        Self {
            per_app: 130_000,
            per_app_tenant: 8_000,
        }
    }
}

impl RateLimits {
    /// No limit at all.
    pub const OFF: Self = Self {
        per_app: 0,
        per_app_tenant: 0,
    };
}

fn limiter(per_window: u32) -> Option<DefaultKeyedRateLimiter<String>> {
    let n = NonZeroU32::new(per_window)?;
    let quota = Quota::with_period(WINDOW / n.get())?.allow_burst(n);
    Some(RateLimiter::dashmap(quota))
}

/// The request allowances of this node.
pub struct RequestRate {
    apps: Option<DefaultKeyedRateLimiter<String>>,
    pairs: Option<DefaultKeyedRateLimiter<String>>,
    clock: DefaultClock,
}

impl RequestRate {
    /// Allowances for `limits`.
    pub fn new(limits: RateLimits) -> Self {
        Self {
            apps: limiter(limits.per_app),
            pairs: limiter(limits.per_app_tenant),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one request from the allowances of application `app`, and of `app` in `tenant`, or
    /// says how long to wait when either is spent.
    pub fn check(&self, app: &str, tenant: &str) -> Result<(), Duration> {
        let wait = |l: &Option<DefaultKeyedRateLimiter<String>>, key: &str| -> Option<Duration> {
            let l = l.as_ref()?;
            l.check_key(&key.to_owned())
                .err()
                .map(|not_until| not_until.wait_time_from(self.clock.now()))
        };
        if let Some(d) = wait(&self.apps, app) {
            return Err(d);
        }
        match wait(&self.pairs, &format!("{app}/{tenant}")) {
            Some(d) => Err(d),
            None => Ok(()),
        }
    }

    /// Forgets the callers whose allowance is full again.
    pub fn retain_recent(&self) {
        for l in [&self.apps, &self.pairs].into_iter().flatten() {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

/// `Retry-After` in whole seconds, at least one.
pub fn retry_after_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_application_gets_its_burst_and_then_waits_while_others_go_on() {
        let rate = RequestRate::new(RateLimits {
            per_app: 5,
            per_app_tenant: 0,
        });
        for _ in 0..5 {
            assert!(rate.check("app-1", "t").is_ok());
        }
        let wait = rate.check("app-1", "t").unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(2),
            "{wait:?}"
        );
        assert!(
            rate.check("app-2", "t").is_ok(),
            "another application goes on"
        );
    }

    #[test]
    fn an_application_is_limited_in_each_tenant_apart() {
        let rate = RequestRate::new(RateLimits {
            per_app: 0,
            per_app_tenant: 3,
        });
        for _ in 0..3 {
            assert!(rate.check("a", "tenant-1").is_ok());
        }
        assert!(rate.check("a", "tenant-1").is_err());
        assert!(rate.check("a", "tenant-2").is_ok(), "another tenant");
        assert!(rate.check("b", "tenant-1").is_ok(), "another application");
    }

    #[test]
    fn no_limit_means_no_limit() {
        let rate = RequestRate::new(RateLimits::OFF);
        for _ in 0..10_000 {
            assert!(rate.check("a", "t").is_ok());
        }
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_seconds(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_seconds(Duration::from_millis(2100)), 3);
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
    }
}
