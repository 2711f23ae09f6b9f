//! Throttling of failed sign-ins and secret guesses, in the manner of Entra's smart lockout:
//!
//! - **per account and kind of source**: a source the account has signed in from before is
//!   *familiar*, and failures from familiar sources are counted apart from failures from all
//!   others, so that a stranger's guesses lock the stranger's side out and never the account's
//!   owner at its usual place;
//! - **per source**: one address failing across many accounts is stopped too.
//!
//! Keys are SHA-256 digests of the normalized names (trimmed, lower case), so an entry costs the
//! same whatever a client sends as a name, and the table holds at most [`MAX_ENTRIES`] entries. A
//! failure is only ever recorded after a password hash (the bounded, costly step), which also
//! bounds how fast anyone can add entries.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use ring::digest::{digest, SHA256};
use time::{Duration, OffsetDateTime};

/// Failures allowed for an account from one kind of source within the window.
pub const MAX_FAILURES: u32 = 10;
/// Failures allowed from one source address, across all accounts, within the window.
pub const MAX_SOURCE_FAILURES: u32 = 100;
/// The window; a lock lasts until the window of its first failure ends.
pub const WINDOW: Duration = Duration::minutes(5);
/// Most counters kept at once.
pub const MAX_ENTRIES: usize = 100_000;
/// Most familiar sources remembered per account (the most recent ones).
pub const MAX_FAMILIAR: usize = 8;

type Key = [u8; 16];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Familiar,
    Unfamiliar,
    Source,
}

fn key(kind: Kind, name: &[u8]) -> Key {
    let tag = match kind {
        Kind::Familiar => b'f',
        Kind::Unfamiliar => b'u',
        Kind::Source => b's',
    };
    let mut input = Vec::with_capacity(name.len() + 1);
    input.push(tag);
    input.extend_from_slice(name);
    let d = digest(&SHA256, &input);
    let mut k = [0u8; 16];
    k.copy_from_slice(&d.as_ref()[..16]);
    k
}

fn account_name(account: &str) -> Vec<u8> {
    account.trim().to_lowercase().into_bytes()
}

fn source_name(source: IpAddr) -> Vec<u8> {
    match source {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

#[derive(Debug, Clone, Copy)]
struct Counter {
    failures: u32,
    since: OffsetDateTime,
}

#[derive(Debug, Default)]
struct Table {
    counters: HashMap<Key, Counter>,
    /// Per account: digests of the sources it signed in from lately, most recent last.
    familiar: HashMap<Key, Vec<Key>>,
}

impl Table {
    fn familiar(&self, account: &Key, source: &Key) -> bool {
        self.familiar
            .get(account)
            .is_some_and(|list| list.contains(source))
    }

    /// How long until `key` unlocks, if it is locked at `now`.
    fn locked(&self, key: &Key, limit: u32, now: OffsetDateTime) -> Option<Duration> {
        let c = self.counters.get(key)?;
        let left = WINDOW - (now - c.since);
        (c.failures >= limit && left > Duration::ZERO).then_some(left)
    }

    fn count(&mut self, key: Key, now: OffsetDateTime) {
        if self.counters.len() >= MAX_ENTRIES && !self.counters.contains_key(&key) {
            self.counters.retain(|_, c| now - c.since < WINDOW);
            if self.counters.len() >= MAX_ENTRIES {
                // Still full within one window: forget the oldest half.
                let mut ages: Vec<OffsetDateTime> =
                    self.counters.values().map(|c| c.since).collect();
                ages.sort_unstable();
                let cut = ages[ages.len() / 2];
                self.counters.retain(|_, c| c.since > cut);
            }
        }
        let c = self.counters.entry(key).or_insert(Counter {
            failures: 0,
            since: now,
        });
        if now - c.since >= WINDOW {
            *c = Counter {
                failures: 0,
                since: now,
            };
        }
        c.failures = c.failures.saturating_add(1);
    }
}

/// Counts failures per account (by kind of source) and per source.
#[derive(Debug, Default)]
pub struct SignInThrottle {
    table: Mutex<Table>,
}

/// The keys of one attempt.
struct Attempt {
    account: Key,
    source: Key,
}

impl Attempt {
    fn new(account: &str, source: IpAddr) -> Self {
        Self {
            account: key(Kind::Familiar, &account_name(account)),
            source: key(Kind::Source, &source_name(source)),
        }
    }

    /// The counter this attempt's account failures go to.
    fn account_counter(&self, t: &Table, account: &str) -> Key {
        let kind = if t.familiar(&self.account, &self.source) {
            Kind::Familiar
        } else {
            Kind::Unfamiliar
        };
        match kind {
            Kind::Familiar => self.account,
            _ => key(kind, &account_name(account)),
        }
    }
}

impl SignInThrottle {
    fn table(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `Err` with the time left when `account` may not be tried from `source` at `now`.
    pub fn check(
        &self,
        account: &str,
        source: IpAddr,
        now: OffsetDateTime,
    ) -> Result<(), Duration> {
        let a = Attempt::new(account, source);
        let t = self.table();
        if let Some(left) = t.locked(&a.source, MAX_SOURCE_FAILURES, now) {
            return Err(left);
        }
        match t.locked(&a.account_counter(&t, account), MAX_FAILURES, now) {
            Some(left) => Err(left),
            None => Ok(()),
        }
    }

    /// Records a failure of `account` from `source`.
    pub fn fail(&self, account: &str, source: IpAddr, now: OffsetDateTime) {
        let a = Attempt::new(account, source);
        let mut t = self.table();
        let counter = a.account_counter(&t, account);
        t.count(counter, now);
        t.count(a.source, now);
    }

    /// Records a success: `source` becomes familiar to `account`, and the failures counted for
    /// that kind of source are forgotten.
    pub fn succeed(&self, account: &str, source: IpAddr) {
        let a = Attempt::new(account, source);
        let mut t = self.table();
        let counter = a.account_counter(&t, account);
        t.counters.remove(&counter);
        if t.familiar.len() >= MAX_ENTRIES && !t.familiar.contains_key(&a.account) {
            t.familiar.clear();
        }
        let list = t.familiar.entry(a.account).or_default();
        list.retain(|s| *s != a.source);
        if list.len() >= MAX_FAMILIAR {
            list.remove(0);
        }
        list.push(a.source);
    }

    /// How many counters and familiar-source lists the table holds.
    pub fn len(&self) -> usize {
        let t = self.table();
        t.counters.len() + t.familiar.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The address a request came from: the peer of its connection (the unspecified address when
/// the server runs without connection information, as in-process embeddings may).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// The client address of a request's parts.
    pub fn of(parts: &Parts) -> Self {
        Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip()),
        )
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse()
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn an_account_locks_for_a_stranger_after_repeated_failures_but_not_at_home() {
        let t = SignInThrottle::default();
        let now = OffsetDateTime::UNIX_EPOCH;
        let (home, stranger) = (ip("192.0.2.1"), ip("198.51.100.7"));
        t.succeed("a@x", home);
        for _ in 0..MAX_FAILURES {
            assert!(t.check("A@x", stranger, now).is_ok());
            t.fail("a@X ", stranger, now);
        }
        assert_eq!(t.check("a@x", stranger, now), Err(WINDOW));
        assert!(t.check("a@x", ip("203.0.113.9"), now).is_err());
        assert!(t.check("a@x", home, now).is_ok());
        assert!(t.check("a@x", stranger, now + WINDOW).is_ok());
    }

    #[test]
    fn failures_at_home_lock_home_until_a_success() {
        let t = SignInThrottle::default();
        let now = OffsetDateTime::UNIX_EPOCH;
        let home = ip("192.0.2.1");
        t.succeed("a@x", home);
        for _ in 0..MAX_FAILURES {
            t.fail("a@x", home, now);
        }
        assert!(t.check("a@x", home, now).is_err());
        assert!(t.check("a@x", ip("198.51.100.7"), now).is_ok());
        t.succeed("a@x", home);
        assert!(t.check("a@x", home, now).is_ok());
    }

    #[test]
    fn one_source_failing_across_many_accounts_is_stopped() {
        let t = SignInThrottle::default();
        let now = OffsetDateTime::UNIX_EPOCH;
        let sprayer = ip("198.51.100.7");
        for n in 0..MAX_SOURCE_FAILURES {
            t.fail(&format!("user{n}@x"), sprayer, now);
        }
        assert!(t.check("someone-else@x", sprayer, now).is_err());
        assert!(t.check("someone-else@x", ip("192.0.2.1"), now).is_ok());
    }

    #[test]
    fn the_table_stays_bounded_whatever_names_are_sent() {
        let t = SignInThrottle::default();
        let now = OffsetDateTime::UNIX_EPOCH;
        let long = "n".repeat(1_000);
        for n in 0..(MAX_ENTRIES + 10) {
            t.fail(&format!("{n}{long}"), ip("192.0.2.1"), now);
        }
        assert!(t.len() <= MAX_ENTRIES);
    }
}
