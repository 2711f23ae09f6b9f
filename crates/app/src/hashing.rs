//! Password and secret hashing, bounded. Every argon2 run takes about 19 MiB and a core for tens of
//! milliseconds, and anyone can ask for one (a sign-in with a made-up name is checked against a
//! decoy hash so that it costs what a wrong password costs). So hashes run on the blocking pool,
//! never on the async workers, at most one per core at a time; a few more wait their turn, and
//! beyond that the caller is told to come back later (`503` with `Retry-After`) instead of the
//! server growing a thread and 19 MiB for each.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use gdap_auth::{hash_secret, verify_secret};
use tokio::sync::Semaphore;

/// How many hashes may wait for a core, per core.
const WAITING_PER_CORE: usize = 8;

/// How long a refused caller is asked to wait, in seconds.
pub const RETRY_AFTER_SECS: u64 = 1;

/// The hasher is at capacity: the caller should retry after [`RETRY_AFTER_SECS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("password hashing is at capacity; retry in {RETRY_AFTER_SECS} s")]
pub struct Busy;

/// Runs argon2 hashes and verifications, bounded in concurrency and in waiting callers.
#[derive(Debug)]
pub struct Hasher {
    running: Arc<Semaphore>,
    /// Callers admitted (running or waiting).
    admitted: AtomicUsize,
    capacity: usize,
}

impl Default for Hasher {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::new(cores, cores * WAITING_PER_CORE)
    }
}

/// Gives the admission back when a call ends, however it ends.
struct Admission<'a>(&'a AtomicUsize);

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Hasher {
    /// A hasher running `parallel` hashes at once with up to `waiting` more in line.
    pub fn new(parallel: usize, waiting: usize) -> Self {
        Self {
            running: Arc::new(Semaphore::new(parallel.max(1))),
            admitted: AtomicUsize::new(0),
            capacity: parallel.max(1) + waiting,
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        if self.admitted.fetch_add(1, Ordering::AcqRel) >= self.capacity {
            self.admitted.fetch_sub(1, Ordering::AcqRel);
            return Err(Busy);
        }
        let _admission = Admission(&self.admitted);
        let permit = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Busy)?;
        tokio::task::spawn_blocking(move || {
            let out = work();
            drop(permit);
            out
        })
        .await
        .map_err(|_| Busy)
    }

    /// Whether `secret` matches the argon2 PHC string `hash`.
    pub async fn verify(&self, secret: &str, hash: &str) -> Result<bool, Busy> {
        let (secret, hash) = (secret.to_owned(), hash.to_owned());
        self.run(move || verify_secret(&secret, &hash)).await
    }

    /// Checks a secret when there is no hash to check it against (an unknown account), at the
    /// same cost as a real check; always `false`.
    pub async fn verify_decoy(&self, secret: &str) -> Result<bool, Busy> {
        let secret = secret.to_owned();
        self.run(move || {
            let _ = verify_secret(&secret, decoy_hash());
            false
        })
        .await
    }

    /// `secret`'s argon2 PHC string.
    pub async fn hash(&self, secret: &str) -> Result<String, Busy> {
        let secret = secret.to_owned();
        self.run(move || hash_secret(&secret)).await
    }
}

/// A hash to verify against when the account does not exist, so that a wrong name costs as much
/// time as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_secret("gdap decoy password"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn callers_beyond_the_running_and_waiting_ones_are_refused_at_once() {
        let h = Arc::new(Hasher::new(1, 2));
        let mut calls = Vec::new();
        for _ in 0..8 {
            let h = h.clone();
            calls.push(tokio::spawn(async move { h.verify_decoy("guess").await }));
        }
        let mut busy = 0;
        for c in calls {
            if c.await.unwrap_or(Err(Busy)).is_err() {
                busy += 1;
            }
        }
        assert!(busy >= 5, "only {busy} of 8 callers were refused");
        // Once the line is empty, callers are served again.
        assert_eq!(h.verify_decoy("guess").await, Ok(false));
        let hash = h.hash("Some-Pass-1").await.unwrap_or_default();
        assert_eq!(h.verify("Some-Pass-1", &hash).await, Ok(true));
    }
}
