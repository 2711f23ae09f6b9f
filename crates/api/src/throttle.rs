//! Throttling of repeated failed sign-ins, per account name.

use std::collections::HashMap;
use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

/// Failures allowed within the window before the account is locked for the window.
pub const MAX_FAILURES: u32 = 10;
/// The window.
pub const WINDOW: Duration = Duration::minutes(5);

/// Counts failures per key (lower-cased user name).
#[derive(Debug, Default)]
pub struct SignInThrottle {
    failures: Mutex<HashMap<String, (u32, OffsetDateTime)>>,
}

impl SignInThrottle {
    /// True when the key is locked out at `now`.
    pub fn is_locked(&self, key: &str, now: OffsetDateTime) -> bool {
        let map = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(&key.to_lowercase())
            .is_some_and(|(n, since)| *n >= MAX_FAILURES && now - *since < WINDOW)
    }

    /// Records a failure.
    pub fn fail(&self, key: &str, now: OffsetDateTime) {
        let mut map = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() > 100_000 {
            map.retain(|_, (_, since)| now - *since < WINDOW);
        }
        let e = map.entry(key.to_lowercase()).or_insert((0, now));
        if now - e.1 >= WINDOW {
            *e = (0, now);
        }
        e.0 += 1;
    }

    /// Forgets failures after a success.
    pub fn succeed(&self, key: &str) {
        let mut map = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.remove(&key.to_lowercase());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_locks_after_repeated_failures_and_unlocks_after_the_window() {
        let t = SignInThrottle::default();
        let now = OffsetDateTime::UNIX_EPOCH;
        for _ in 0..MAX_FAILURES {
            assert!(!t.is_locked("A@x", now));
            t.fail("a@X", now);
        }
        assert!(t.is_locked("a@x", now));
        assert!(!t.is_locked("a@x", now + WINDOW));
        t.succeed("a@x");
        assert!(!t.is_locked("a@x", now));
    }
}
