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
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use gdap_store::Store;

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
        locked_for(c.failures, c.since, limit, now)
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

/// Where the counters live: in this process (one node, SQLite), or in the shared database when
/// several nodes serve behind one balancer.
enum Backend {
    Memory(Mutex<Table>),
    Shared(Arc<dyn Store>),
}

/// Counts failures per account (by kind of source) and per source.
pub struct SignInThrottle {
    backend: Backend,
}

impl Default for SignInThrottle {
    fn default() -> Self {
        Self::in_memory()
    }
}

impl std::fmt::Debug for SignInThrottle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.backend {
            Backend::Memory(_) => "SignInThrottle(memory)",
            Backend::Shared(_) => "SignInThrottle(shared)",
        })
    }
}

/// The keys of one attempt.
struct Attempt {
    /// The account (also its familiar counter).
    account: Key,
    unfamiliar: Key,
    source: Key,
}

impl Attempt {
    fn new(account: &str, source: IpAddr) -> Self {
        let name = account_name(account);
        Self {
            account: key(Kind::Familiar, &name),
            unfamiliar: key(Kind::Unfamiliar, &name),
            source: key(Kind::Source, &source_name(source)),
        }
    }

    /// The counter this attempt's account failures go to.
    fn counter(&self, familiar: bool) -> Key {
        if familiar {
            self.account
        } else {
            self.unfamiliar
        }
    }
}

fn hex(k: &Key) -> String {
    k.iter().map(|b| format!("{b:02x}")).collect()
}

/// How long until a counter of `failures` since `since` unlocks, if it is locked at `now`.
fn locked_for(
    failures: u32,
    since: OffsetDateTime,
    limit: u32,
    now: OffsetDateTime,
) -> Option<Duration> {
    let left = WINDOW - (now - since);
    (failures >= limit && left > Duration::ZERO).then_some(left)
}

impl SignInThrottle {
    /// Counters kept in this process.
    pub fn in_memory() -> Self {
        Self {
            backend: Backend::Memory(Mutex::default()),
        }
    }

    /// Counters kept in `store`, which every node shares.
    pub fn shared(store: Arc<dyn Store>) -> Self {
        Self {
            backend: Backend::Shared(store),
        }
    }

    fn table(m: &Mutex<Table>) -> std::sync::MutexGuard<'_, Table> {
        m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `Err` with the time left when `account` may not be tried from `source` at `now`. A
    /// database that cannot be read refuses nothing here (the sign-in fails on it anyway).
    pub async fn check(
        &self,
        account: &str,
        source: IpAddr,
        now: OffsetDateTime,
    ) -> Result<(), Duration> {
        let a = Attempt::new(account, source);
        let store = match &self.backend {
            Backend::Memory(m) => {
                let t = Self::table(m);
                if let Some(left) = t.locked(&a.source, MAX_SOURCE_FAILURES, now) {
                    return Err(left);
                }
                let counter = a.counter(t.familiar(&a.account, &a.source));
                return match t.locked(&counter, MAX_FAILURES, now) {
                    Some(left) => Err(left),
                    None => Ok(()),
                };
            }
            Backend::Shared(store) => store,
        };
        let shared = async {
            let familiar = store.is_familiar(&hex(&a.account), &hex(&a.source)).await?;
            let counter = hex(&a.counter(familiar));
            store.failures(&[&hex(&a.source), &counter]).await
        };
        match shared.await {
            Ok(found) => {
                let limits = [MAX_SOURCE_FAILURES, MAX_FAILURES];
                match found
                    .iter()
                    .zip(limits)
                    .filter_map(|(f, limit)| {
                        f.and_then(|(n, since)| locked_for(n, since, limit, now))
                    })
                    .max()
                {
                    Some(left) => Err(left),
                    None => Ok(()),
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "reading the sign-in throttle failed");
                Ok(())
            }
        }
    }

    /// Records a failure of `account` from `source`.
    pub async fn fail(&self, account: &str, source: IpAddr, now: OffsetDateTime) {
        let a = Attempt::new(account, source);
        let store = match &self.backend {
            Backend::Memory(m) => {
                let mut t = Self::table(m);
                let counter = a.counter(t.familiar(&a.account, &a.source));
                t.count(counter, now);
                t.count(a.source, now);
                return;
            }
            Backend::Shared(store) => store,
        };
        let shared = async {
            let familiar = store.is_familiar(&hex(&a.account), &hex(&a.source)).await?;
            let counter = hex(&a.counter(familiar));
            store
                .count_failures(&[&counter, &hex(&a.source)], now, WINDOW)
                .await
        };
        if let Err(e) = shared.await {
            tracing::warn!(error = %e, "counting a failed sign-in failed");
        }
    }

    /// Records a success: `source` becomes familiar to `account`, and the failures counted for
    /// that kind of source are forgotten.
    pub async fn succeed(&self, account: &str, source: IpAddr, now: OffsetDateTime) {
        let a = Attempt::new(account, source);
        let store = match &self.backend {
            Backend::Memory(m) => {
                let mut t = Self::table(m);
                let counter = a.counter(t.familiar(&a.account, &a.source));
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
                return;
            }
            Backend::Shared(store) => store,
        };
        let (account, source) = (hex(&a.account), hex(&a.source));
        let shared = async {
            let familiar = store.is_familiar(&account, &source).await?;
            store.clear_failures(&hex(&a.counter(familiar))).await?;
            let keep = u32::try_from(MAX_FAMILIAR).unwrap_or(u32::MAX);
            store.remember_source(&account, &source, now, keep).await
        };
        if let Err(e) = shared.await {
            tracing::warn!(error = %e, "recording a sign-in failed");
        }
    }

    /// Forgets counters whose window ended before `now`.
    pub async fn purge(&self, now: OffsetDateTime) {
        match &self.backend {
            Backend::Memory(m) => Self::table(m)
                .counters
                .retain(|_, c| now - c.since < WINDOW),
            Backend::Shared(store) => {
                if let Err(e) = store.purge_failures(now - WINDOW).await {
                    tracing::warn!(error = %e, "purging the sign-in throttle failed");
                }
            }
        }
    }

    /// How many counters and familiar-source lists this process holds.
    pub fn len(&self) -> usize {
        match &self.backend {
            Backend::Memory(m) => {
                let t = Self::table(m);
                t.counters.len() + t.familiar.len()
            }
            Backend::Shared(_) => 0,
        }
    }

    /// Whether this process holds no counter.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    #[tokio::test]
    async fn an_account_locks_for_a_stranger_after_repeated_failures_but_not_at_home() {
        let t = SignInThrottle::in_memory();
        let now = OffsetDateTime::UNIX_EPOCH;
        let (home, stranger) = (ip("192.0.2.1"), ip("198.51.100.7"));
        t.succeed("a@x", home, now).await;
        for _ in 0..MAX_FAILURES {
            assert!(t.check("A@x", stranger, now).await.is_ok());
            t.fail("a@X ", stranger, now).await;
        }
        assert_eq!(t.check("a@x", stranger, now).await, Err(WINDOW));
        assert!(t.check("a@x", ip("203.0.113.9"), now).await.is_err());
        assert!(t.check("a@x", home, now).await.is_ok());
        assert!(t.check("a@x", stranger, now + WINDOW).await.is_ok());
    }

    #[tokio::test]
    async fn failures_at_home_lock_home_until_a_success() {
        let t = SignInThrottle::in_memory();
        let now = OffsetDateTime::UNIX_EPOCH;
        let home = ip("192.0.2.1");
        t.succeed("a@x", home, now).await;
        for _ in 0..MAX_FAILURES {
            t.fail("a@x", home, now).await;
        }
        assert!(t.check("a@x", home, now).await.is_err());
        assert!(t.check("a@x", ip("198.51.100.7"), now).await.is_ok());
        t.succeed("a@x", home, now).await;
        assert!(t.check("a@x", home, now).await.is_ok());
    }

    #[tokio::test]
    async fn one_source_failing_across_many_accounts_is_stopped() {
        let t = SignInThrottle::in_memory();
        let now = OffsetDateTime::UNIX_EPOCH;
        let sprayer = ip("198.51.100.7");
        for n in 0..MAX_SOURCE_FAILURES {
            t.fail(&format!("user{n}@x"), sprayer, now).await;
        }
        assert!(t.check("someone-else@x", sprayer, now).await.is_err());
        assert!(t
            .check("someone-else@x", ip("192.0.2.1"), now)
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn the_table_stays_bounded_whatever_names_are_sent() {
        let t = SignInThrottle::in_memory();
        let now = OffsetDateTime::UNIX_EPOCH;
        let long = "n".repeat(1_000);
        for n in 0..(MAX_ENTRIES + 10) {
            t.fail(&format!("{n}{long}"), ip("192.0.2.1"), now).await;
        }
        assert!(t.len() <= MAX_ENTRIES);
    }
}
