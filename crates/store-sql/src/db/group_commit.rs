//! Group commit on PostgreSQL. Every durable commit waits for a flush of the write-ahead log, and
//! concurrent requests each committing on their own spend much of the database's time on those
//! flushes and on one round trip each. Writes made only of inserts and version-checked updates
//! are queued instead; a few writer tasks each take everything waiting, sort it by shape (the same
//! statements with other values) and commit each group of 16, 8, 4, 2 or 1 writes of one shape
//! as a single statement, so that one round trip and one flush cover them all while the set of
//! distinct statements stays small enough to be prepared once per connection. A lone write goes
//! out at once, as before; under load the groups grow by themselves.
//!
//! If a group fails in the database (a version conflict, a duplicate), nothing of it was written,
//! and each of its writes is run again on its own so that each gets its own answer. If the
//! connection fails, the outcome is unknown and every write of the group gets that error, as a
//! lone write would.

use std::sync::Arc;

use gdap_store::StoreError;
use sqlx::postgres::PgPool;
use tokio::sync::{mpsc, oneshot, Mutex};

use super::combine::combine;
use super::postgres::{bind, err_ref, execute};
use super::Step;

/// How many writer tasks take batches from the queue (per process).
const WRITERS: usize = 2;
/// The most writes one batch takes.
const MAX_WRITES: usize = 64;
/// How many writes may wait before callers wait to queue.
const QUEUE: usize = 1024;

/// A write waiting for its batch.
struct Pending {
    steps: Vec<Step>,
    done: oneshot::Sender<Result<(), StoreError>>,
}

/// The queue of writes and the writer tasks that commit them.
pub struct GroupCommit {
    queue: mpsc::Sender<Pending>,
}

/// Whether a transaction can share a statement with others: inserts, version-checked updates and
/// plain selects only (an unchecked update of a row another write of the batch also touches
/// would be lost silently; a checked one fails and is run again alone).
pub fn joinable(steps: &[Step]) -> bool {
    !steps.is_empty()
        && steps.iter().all(|s| {
            let t = &s.sql.text;
            t.starts_with("INSERT ")
                || t.starts_with("SELECT ")
                || (s.checked && t.starts_with("UPDATE "))
        })
}

fn stopped() -> StoreError {
    StoreError::Unavailable("the database writer has stopped".into())
}

impl GroupCommit {
    /// Starts the writer tasks on the current runtime; they stop when this is dropped.
    pub fn start(pool: PgPool) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..WRITERS {
            tokio::spawn(writer(pool.clone(), rx.clone()));
        }
        Self { queue }
    }

    /// Commits `steps` as one transaction, possibly in one statement with other writes.
    pub async fn commit(&self, steps: Vec<Step>) -> Result<(), StoreError> {
        let (done, answer) = oneshot::channel();
        self.queue
            .send(Pending { steps, done })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn writer(pool: PgPool, rx: Arc<Mutex<mpsc::Receiver<Pending>>>) {
    loop {
        let batch = {
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else {
                return;
            };
            let mut batch = vec![first];
            while batch.len() < MAX_WRITES {
                match rx.try_recv() {
                    Ok(p) => batch.push(p),
                    Err(_) => break,
                }
            }
            batch
        };
        apply(&pool, batch).await;
    }
}

/// The shape of a write: its statements' text and checks (writes of one shape combine into a
/// statement whose text depends only on the shape and their number, so it is prepared once).
fn shape(steps: &[Step]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for s in steps {
        s.sql.text.hash(&mut h);
        s.checked.hash(&mut h);
    }
    h.finish()
}

async fn apply(pool: &PgPool, batch: Vec<Pending>) {
    let mut by_shape: std::collections::HashMap<u64, Vec<Pending>> =
        std::collections::HashMap::new();
    for p in batch {
        by_shape.entry(shape(&p.steps)).or_default().push(p);
    }
    let mut running = tokio::task::JoinSet::new();
    for (_, mut same) in by_shape {
        // Groups of 8, 4, 2 and 1, so that few distinct statements are ever prepared.
        while !same.is_empty() {
            let size = [16, 8, 4, 2, 1]
                .into_iter()
                .find(|n| *n <= same.len())
                .unwrap_or(1);
            let group: Vec<Pending> = same.drain(..size).collect();
            let pool = pool.clone();
            running.spawn(async move { commit_group(&pool, group).await });
        }
    }
    while running.join_next().await.is_some() {}
}

/// Commits writes of one shape as one statement, or each on its own where that fails.
async fn commit_group(pool: &PgPool, group: Vec<Pending>) {
    if group.len() > 1 {
        let all: Vec<Step> = group.iter().flat_map(|p| p.steps.iter().cloned()).collect();
        if let Some(sql) = combine(&all) {
            match bind(&sql).execute(pool).await {
                Ok(_) => {
                    for p in group {
                        let _ = p.done.send(Ok(()));
                    }
                    return;
                }
                Err(e) if e.as_database_error().is_none() => {
                    let e = err_ref(&e);
                    for p in group {
                        let _ = p.done.send(Err(e.clone()));
                    }
                    return;
                }
                // Rolled back as a whole: each write is run again on its own below.
                Err(_) => {}
            }
        }
    }
    for p in group {
        let r = execute(pool, &p.steps).await;
        let _ = p.done.send(r);
    }
}
