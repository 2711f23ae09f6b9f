//! PostgreSQL through sqlx's connection pool.

use std::sync::Arc;

use async_trait::async_trait;
use gdap_store::StoreError;
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::{Column, Row as _, TypeInfo};

use super::combine::{combine, CHUNK, CONFLICT_CODE, MAX_CLAUSES};
use super::group_commit::{self, GroupCommit};
use super::{step_error, Db, Row, Step, Value};
use crate::sql::{Param, Sql};

/// A PostgreSQL database.
pub struct PostgresDb {
    pool: PgPool,
    writes: GroupCommit,
    announcer: tokio::sync::mpsc::Sender<()>,
}

fn err(e: sqlx::Error) -> StoreError {
    err_ref(&e)
}

pub(super) fn err_ref(e: &sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            StoreError::Unavailable(e.to_string())
        }
        _ => StoreError::Internal(e.to_string()),
    }
}

pub(super) fn bind<'q>(
    sql: &'q Sql,
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    let mut q = sqlx::query(&sql.text);
    for p in &sql.params {
        q = match p {
            Param::Text(s) => q.bind(s.as_str()),
            Param::Int(n) => q.bind(*n),
            Param::OptText(s) => q.bind(s.as_deref()),
            Param::OptInt(n) => q.bind(*n),
        };
    }
    q
}

fn row(r: &PgRow, names: &Arc<Vec<String>>) -> Result<Row, StoreError> {
    let mut vals = Vec::with_capacity(names.len());
    for (i, c) in r.columns().iter().enumerate() {
        let v = match c.type_info().name() {
            "INT8" | "INT4" | "INT2" => r
                .try_get::<Option<i64>, _>(i)
                .map_err(err)?
                .map_or(Value::Null, Value::Int),
            "NUMERIC" => r
                .try_get::<Option<String>, _>(i)
                .ok()
                .flatten()
                .and_then(|s| s.parse().ok())
                .map_or(Value::Null, Value::Int),
            _ => r
                .try_get::<Option<String>, _>(i)
                .map_err(err)?
                .map_or(Value::Null, Value::Text),
        };
        vals.push(v);
    }
    Ok(Row::new(names.clone(), vals))
}

impl PostgresDb {
    /// Connects a pool.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // A broken connection shows itself on its next statement; a ping before every
            // statement would double the round trips.
            .test_before_acquire(false)
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|e| StoreError::Unavailable(format!("{}: {e}", crate::redact(url))))?;
        let writes = GroupCommit::start(pool.clone());
        let announcer = start_announcer(pool.clone());
        Ok(Self {
            pool,
            writes,
            announcer,
        })
    }
}

/// The least time between two announcements of one node. Under a stream of writes this makes one
/// announcement cover many (each is a statement and a transaction of its own); followers gather
/// what arrives over a longer pause anyway.
const ANNOUNCE_GAP: std::time::Duration = std::time::Duration::from_millis(5);

/// Starts the task that sends the change feed's `NOTIFY`s and returns its trigger.
///
/// A `NOTIFY` inside a write transaction would serialise every such transaction's commit, log
/// flush included, behind one database-wide lock, so the commits of concurrent writes could never
/// share a flush. The announcement is therefore its own statement, sent after the write has
/// committed: announcements asked for while one is on its way, or within [`ANNOUNCE_GAP`] of the
/// last, are sent as one (the channel holds one), and its commit does not wait for the log, since
/// it carries no data; a lost one only delays the followers until their next poll of the feed.
fn start_announcer(pool: PgPool) -> tokio::sync::mpsc::Sender<()> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<()>(1);
    let text = format!(
        "SELECT set_config('synchronous_commit', 'off', true), pg_notify('{}', '')",
        crate::feed::CHANNEL
    );
    tokio::spawn(async move {
        while rx.recv().await.is_some() {
            if let Err(e) = sqlx::query(&text).execute(&pool).await {
                tracing::warn!(error = %e, "could not announce a change; followers catch up by polling");
            }
            tokio::time::sleep(ANNOUNCE_GAP).await;
        }
    });
    tx
}

/// A `LISTEN` on one channel.
struct PgWait(sqlx::postgres::PgListener);

#[async_trait]
impl gdap_store::ChangeWait for PgWait {
    async fn wait(&mut self, timeout: std::time::Duration) -> Result<(), StoreError> {
        match tokio::time::timeout(timeout, self.0.recv()).await {
            Ok(Ok(_)) => {
                // One read of the feed covers every announcement already here.
                while self.0.next_buffered().is_some() {}
                Ok(())
            }
            Err(_) => Ok(()),
            Ok(Err(e)) => Err(err(e)),
        }
    }
}

#[async_trait]
impl Db for PostgresDb {
    async fn listen(
        &self,
        channel: &str,
    ) -> Result<Option<Box<dyn gdap_store::ChangeWait>>, StoreError> {
        let mut l = sqlx::postgres::PgListener::connect_with(&self.pool)
            .await
            .map_err(err)?;
        l.listen(channel).await.map_err(err)?;
        Ok(Some(Box::new(PgWait(l))))
    }

    fn announce(&self) {
        // A full channel means an announcement is already due, which covers this one too.
        let _ = self.announcer.try_send(());
    }

    async fn query(&self, sql: Sql) -> Result<Vec<Row>, StoreError> {
        let rows = bind(&sql).fetch_all(&self.pool).await.map_err(err)?;
        let Some(first) = rows.first() else {
            return Ok(Vec::new());
        };
        let names: Arc<Vec<String>> = Arc::new(
            first
                .columns()
                .iter()
                .map(|c| c.name().to_owned())
                .collect(),
        );
        rows.iter().map(|r| row(r, &names)).collect()
    }

    async fn transaction(&self, steps: Vec<Step>) -> Result<(), StoreError> {
        if group_commit::joinable(&steps) {
            return self.writes.commit(steps).await;
        }
        execute(&self.pool, &steps).await
    }
}

/// Runs `steps` as one transaction, in as few round trips as they allow.
pub(super) async fn execute(pool: &PgPool, steps: &[Step]) -> Result<(), StoreError> {
    // A single statement is a transaction of its own: one round trip, no BEGIN or COMMIT.
    if let [step] = steps {
        let done = bind(&step.sql)
            .execute(pool)
            .await
            .map_err(|e| failed(Some(step), &e))?;
        if step.checked && done.rows_affected() != 1 {
            return Err(StoreError::VersionConflict);
        }
        return Ok(());
    }
    // A duplicate somewhere in a folded statement, which wrote nothing, leads to running the
    // statements in turn below to learn which one, for its own error.
    if steps.len() > MAX_CLAUSES {
        if in_chunks(pool, steps).await? {
            return Ok(());
        }
    } else if let Some(sql) = combine(steps) {
        match bind(&sql).execute(pool).await {
            Ok(_) => return Ok(()),
            Err(e) if duplicate(&e) => {}
            Err(e) => return Err(failed(None, &e)),
        }
    }
    let mut tx = pool.begin().await.map_err(err)?;
    for step in steps {
        run(&mut tx, step).await?;
    }
    tx.commit().await.map_err(err)
}

fn duplicate(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

/// Runs one statement of a transaction, checking its effect.
async fn run(tx: &mut sqlx::PgConnection, step: &Step) -> Result<(), StoreError> {
    let done = bind(&step.sql)
        .execute(&mut *tx)
        .await
        .map_err(|e| failed(Some(step), &e))?;
    if step.checked && done.rows_affected() != 1 {
        return Err(StoreError::VersionConflict);
    }
    Ok(())
}

/// Runs a long transaction as consecutive folded statements of [`CHUNK`] clauses (a chunk whose
/// statements depend on each other runs statement by statement; later chunks see what earlier
/// ones wrote). `false` when a duplicate stopped it, nothing written.
async fn in_chunks(pool: &PgPool, steps: &[Step]) -> Result<bool, StoreError> {
    let mut tx = pool.begin().await.map_err(err)?;
    for chunk in steps.chunks(CHUNK) {
        match combine(chunk) {
            Some(sql) => match bind(&sql).execute(&mut *tx).await {
                Ok(_) => {}
                Err(e) if duplicate(&e) => return Ok(false),
                Err(e) => return Err(failed(None, &e)),
            },
            None => {
                for step in chunk {
                    run(&mut tx, step).await?;
                }
            }
        }
    }
    tx.commit().await.map_err(err)?;
    Ok(true)
}

/// Maps the failure of a statement (`step`, or several folded into one) to the store's error: a
/// failed version check, a unique violation as the step names it, or the engine's error.
pub(super) fn failed(step: Option<&Step>, e: &sqlx::Error) -> StoreError {
    let Some(d) = e.as_database_error() else {
        return err_ref(e);
    };
    if d.code().as_deref() == Some(CONFLICT_CODE) {
        return StoreError::VersionConflict;
    }
    let unique = d.is_unique_violation();
    match step {
        Some(step) => step_error(step, unique, e.to_string()),
        None if unique => StoreError::Duplicate(e.to_string()),
        None => StoreError::Internal(e.to_string()),
    }
}
