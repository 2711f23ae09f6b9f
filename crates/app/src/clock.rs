//! The one clock the lifecycle reads: the system clock, or in development mode a clock that can be
//! moved forward.

use std::sync::atomic::{AtomicI64, Ordering};

use time::{Duration, OffsetDateTime};

/// A source of the current instant.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> OffsetDateTime;
}

/// Wall-clock time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// Wall-clock time plus an offset that only grows, so development mode can jump ahead
/// (90-day invitations, 2-year relationships) while time keeps flowing.
#[derive(Debug, Default)]
pub struct DevClock {
    offset_micros: AtomicI64,
}

/// A clock change that would move time backwards.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the clock only moves forward; {0} is in the past")]
pub struct BackwardsError(pub String);

impl DevClock {
    /// Moves the clock forward by `d` (which must not be negative) and returns the new now.
    pub fn advance(&self, d: Duration) -> Result<OffsetDateTime, BackwardsError> {
        if d.is_negative() {
            return Err(BackwardsError(format!("an advance of {d}")));
        }
        let us = i64::try_from(d.whole_microseconds()).unwrap_or(i64::MAX);
        self.offset_micros.fetch_add(us, Ordering::SeqCst);
        Ok(self.now())
    }

    /// Sets the clock to `t`, which must not be before now.
    pub fn set(&self, t: OffsetDateTime) -> Result<OffsetDateTime, BackwardsError> {
        let now = self.now();
        if t < now {
            return Err(BackwardsError(gdap_domain::timefmt::format_graph(t)));
        }
        self.advance(t - now)
    }

    /// Adopts a larger offset seen elsewhere (another node moved the shared clock).
    pub fn observe(&self, offset: Duration) {
        let us = i64::try_from(offset.whole_microseconds()).unwrap_or(i64::MAX);
        self.offset_micros.fetch_max(us, Ordering::SeqCst);
    }

    /// The current offset from wall-clock time.
    pub fn offset(&self) -> Duration {
        Duration::microseconds(self.offset_micros.load(Ordering::SeqCst))
    }
}

impl Clock for DevClock {
    fn now(&self) -> OffsetDateTime {
        gdap_domain::timefmt::truncate_micros(OffsetDateTime::now_utc() + self.offset())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_development_clock_only_moves_forward() {
        let c = DevClock::default();
        let before = c.now();
        let after = c.advance(Duration::days(90)).unwrap();
        assert!(after - before >= Duration::days(90));
        assert!(c.advance(Duration::seconds(-1)).is_err());
        assert!(c.set(before).is_err());
        let target = after + Duration::days(1);
        assert!(c.set(target).unwrap() >= target);
    }
}
