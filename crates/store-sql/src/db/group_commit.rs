//! Group commit on PostgreSQL. Every durable commit waits for a flush of the write-ahead log, and
//! concurrent requests each committing on their own spend much of the database's time on those
//! flushes and on one round trip each. Writes made only of inserts and version-checked updates
//! are queued instead; a writer task takes everything waiting, sorts it by shape (the same
//! statements with other values) and commits each group of 16, 8, 4, 2 or 1 writes of one shape
//! as a single statement, so that one round trip and one flush cover them all while the set of
//! distinct statements stays small enough to be prepared once per connection. At most a few
//! groups are in flight; a lone write goes out at once, as before; under load the groups grow by
//! themselves.
//!
//! If the database refuses a group (a version conflict, a duplicate), nothing of it was written,
//! and each of its writes is run again on its own so that each gets its own answer. If the
//! connection fails or the server ends it, the outcome is unknown and every write of the group
//! gets that error, as a lone write would.

use std::collections::HashMap;
use std::sync::Arc;

use gdap_store::StoreError;
use sqlx::postgres::{PgDatabaseError, PgPool, PgSeverity};
use tokio::sync::{mpsc, oneshot, Semaphore};

use super::combine::{combine, foldable, self_contained, MAX_CLAUSES};
use super::postgres::{bind, err_ref, execute};
use super::Step;

/// How many grouped statements may be in flight at once (per process). The rest of the pool stays
/// free for reads and for writes that are not grouped; while every slot is busy, writes queue up
/// and the next batch is larger.
const IN_FLIGHT: usize = 4;
/// The most writes one batch takes.
const MAX_WRITES: usize = 64;
/// How many writes may wait before callers wait to queue.
const QUEUE: usize = 1024;
/// Group sizes, largest first (few sizes, so that few distinct statements are ever prepared).
const SIZES: [usize; 5] = [16, 8, 4, 2, 1];

/// A write waiting for its batch.
struct Pending {
    steps: Vec<Step>,
    done: oneshot::Sender<Result<(), StoreError>>,
}

/// The queue of writes and the writer task that commits them.
pub struct GroupCommit {
    queue: mpsc::Sender<Pending>,
}

/// Whether a transaction can share a statement with others: not too long, inserts,
/// version-checked updates and plain selects only, none of which depends on another of its own statements (an unchecked update
/// of a row another write of the group also touches would be lost silently; a checked one fails
/// and the group is run again write by write).
pub fn joinable(steps: &[Step]) -> bool {
    !steps.is_empty()
        && steps.len() <= MAX_CLAUSES
        && self_contained(steps)
        && steps
            .iter()
            .all(|s| foldable(&s.sql.text) && (s.checked || !s.sql.text.starts_with("UPDATE ")))
}

fn stopped() -> StoreError {
    StoreError::Unavailable("the database writer has stopped".into())
}

impl GroupCommit {
    /// Starts the writer task on the current runtime; it stops when this is dropped.
    pub fn start(pool: PgPool) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE);
        tokio::spawn(writer(pool, rx));
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

async fn writer(pool: PgPool, mut rx: mpsc::Receiver<Pending>) {
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    loop {
        // A free slot first, then everything queued by then.
        let Ok(mut slot) = slots.clone().acquire_owned().await else {
            return;
        };
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
        let mut groups = groups_of(batch).into_iter();
        while let Some(group) = groups.next() {
            let pool = pool.clone();
            tokio::spawn(async move {
                commit_group(&pool, group).await;
                drop(slot);
            });
            if groups.len() == 0 {
                break;
            }
            slot = match slots.clone().acquire_owned().await {
                Ok(s) => s,
                Err(_) => return,
            };
        }
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

/// A batch split into groups of one shape and of one of [`SIZES`], each small enough to fold.
fn groups_of(batch: Vec<Pending>) -> Vec<Vec<Pending>> {
    let mut by_shape: HashMap<u64, Vec<Pending>> = HashMap::new();
    for p in batch {
        by_shape.entry(shape(&p.steps)).or_default().push(p);
    }
    let mut groups = Vec::new();
    for (_, mut same) in by_shape {
        while !same.is_empty() {
            let clauses = same[0].steps.len().max(1);
            let size = SIZES
                .into_iter()
                .find(|n| *n <= same.len() && n * clauses <= MAX_CLAUSES)
                .unwrap_or(1);
            groups.push(same.drain(..size).collect());
        }
    }
    groups
}

/// Whether a failed statement certainly wrote nothing: the server answered with an error (a
/// failed version check, a duplicate, a row touched twice, a deadlock …), which rolls the
/// statement back. A lost connection or a fatal error may have come after the commit.
fn rolled_back(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.try_downcast_ref::<PgDatabaseError>())
        .is_some_and(|d| d.severity() == PgSeverity::Error)
}

/// Commits writes of one shape as one statement, or each on its own where the group failed.
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
                // Rolled back as a whole: each write is run again on its own below.
                Err(e) if rolled_back(&e) => {}
                Err(e) => {
                    let e = err_ref(&e);
                    for p in group {
                        let _ = p.done.send(Err(e.clone()));
                    }
                    return;
                }
            }
        }
    }
    for p in group {
        let r = execute(pool, &p.steps).await;
        let _ = p.done.send(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::Sql;

    fn write(statements: usize) -> Pending {
        let steps = (0..statements)
            .map(|i| Step::plain(Sql::new(&format!("INSERT INTO t{i} (x) VALUES (1)"))))
            .collect();
        Pending {
            steps,
            done: oneshot::channel().0,
        }
    }

    #[test]
    fn writes_of_one_shape_are_grouped_by_the_largest_size_that_still_folds() {
        let sizes = |statements: usize, writes: usize| {
            let mut s: Vec<usize> = groups_of((0..writes).map(|_| write(statements)).collect())
                .iter()
                .map(Vec::len)
                .collect();
            s.sort_unstable_by(|a, b| b.cmp(a));
            s
        };
        assert_eq!(sizes(3, 21), vec![16, 4, 1]);
        // Ten statements each: a group of sixteen would make a statement of 160 clauses.
        assert_eq!(sizes(10, 21), vec![8, 8, 4, 1]);
        // A write too long to share a statement goes alone.
        assert_eq!(sizes(MAX_CLAUSES, 2), vec![1, 1]);
    }
}
