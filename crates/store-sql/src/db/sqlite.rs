//! SQLite through rusqlite: a few reader connections on Tokio's blocking threads (WAL lets readers
//! run beside the writer), and one writer thread that commits concurrent transactions together
//! (group commit), each in its own savepoint so one failure does not undo the others.

use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use gdap_store::StoreError;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::{step_error, values, Db, Row, Step, Value};
use crate::sql::Sql;

const READERS: usize = 4;

/// Most transactions committed together.
const GROUP: usize = 64;

type Job = (
    Vec<Step>,
    tokio::sync::oneshot::Sender<Result<(), StoreError>>,
);

/// An SQLite database file (or a private in-memory database).
pub struct SqliteDb {
    path: Option<String>,
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Mutex<Vec<Connection>>>,
    jobs: std::sync::mpsc::Sender<Job>,
}

fn open(path: &str) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| StoreError::Unavailable(format!("{path}: {e}")))?;
    // The busy timeout first: recovering a database left by a killed process holds a lock the
    // other pragmas must wait for.
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(err)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(err)?;
    configure(&conn)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(err)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(err)?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(())
}

fn err(e: rusqlite::Error) -> StoreError {
    StoreError::Internal(e.to_string())
}

fn is_unique(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}

/// `$n` placeholders as SQLite's explicit `?n`.
fn sqlite_text(sql: &str) -> String {
    sql.replace('$', "?")
}

fn to_sql(v: &Value) -> rusqlite::types::Value {
    match v {
        Value::Null => rusqlite::types::Value::Null,
        Value::Int(n) => rusqlite::types::Value::Integer(*n),
        Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
    }
}

fn run_query(conn: &Connection, sql: &Sql) -> Result<Vec<Row>, StoreError> {
    let mut stmt = conn.prepare_cached(&sqlite_text(&sql.text)).map_err(err)?;
    let names: Arc<Vec<String>> = Arc::new(stmt.column_names().map(str::to_owned).collect());
    let params: Vec<rusqlite::types::Value> = values(&sql.params).iter().map(to_sql).collect();
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params))
        .map_err(err)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(err)? {
        let mut vals = Vec::with_capacity(names.len());
        for i in 0..names.len() {
            vals.push(match r.get_ref(i).map_err(err)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(n) => Value::Int(n),
                ValueRef::Real(f) => Value::Int(f as i64),
                ValueRef::Text(t) | ValueRef::Blob(t) => {
                    Value::Text(String::from_utf8_lossy(t).into_owned())
                }
            });
        }
        out.push(Row::new(names.clone(), vals));
    }
    Ok(out)
}

fn run_steps(conn: &Connection, steps: &[Step]) -> Result<(), StoreError> {
    for step in steps {
        let mut stmt = conn
            .prepare_cached(&sqlite_text(&step.sql.text))
            .map_err(err)?;
        let params: Vec<rusqlite::types::Value> =
            values(&step.sql.params).iter().map(to_sql).collect();
        let n = stmt
            .execute(rusqlite::params_from_iter(params))
            .map_err(|e| step_error(step, is_unique(&e), e.to_string()))?;
        if step.checked && n != 1 {
            return Err(StoreError::VersionConflict);
        }
    }
    Ok(())
}

/// Commits a group of jobs in one transaction, each inside a savepoint; returns each job's outcome.
fn commit_group(
    conn: &Connection,
    jobs: &[Vec<Step>],
) -> Result<Vec<Result<(), StoreError>>, StoreError> {
    conn.execute_batch("BEGIN IMMEDIATE").map_err(err)?;
    let mut outcomes = Vec::with_capacity(jobs.len());
    for steps in jobs {
        let outcome = conn
            .execute_batch("SAVEPOINT job")
            .map_err(err)
            .and_then(|()| run_steps(conn, steps));
        match outcome {
            Ok(()) => {
                conn.execute_batch("RELEASE job").map_err(err)?;
                outcomes.push(Ok(()));
            }
            Err(e) => {
                conn.execute_batch("ROLLBACK TO job; RELEASE job")
                    .map_err(err)?;
                outcomes.push(Err(e));
            }
        }
    }
    match conn.execute_batch("COMMIT") {
        Ok(()) => Ok(outcomes),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(err(e))
        }
    }
}

/// The writer thread: waits for a job, takes whatever else is queued, commits them together.
fn writer_loop(conn: Arc<Mutex<Connection>>, jobs: std::sync::mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let (steps, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
        let conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
        match commit_group(&conn, &steps) {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(outcome);
                }
            }
            Err(e) => {
                for reply in replies {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }
}

impl SqliteDb {
    /// Opens (creating if needed) a database file; `None` opens a private in-memory database.
    pub fn open(path: Option<&str>) -> Result<Self, StoreError> {
        let writer = match path {
            Some(p) => open(p)?,
            None => {
                let c = Connection::open_in_memory().map_err(err)?;
                configure(&c)?;
                c
            }
        };
        let writer = Arc::new(Mutex::new(writer));
        let (jobs, queue) = std::sync::mpsc::channel();
        let conn = writer.clone();
        std::thread::Builder::new()
            .name("gdap-sqlite-writer".into())
            .spawn(move || writer_loop(conn, queue))
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        Ok(Self {
            path: path.map(str::to_owned),
            writer,
            readers: Arc::new(Mutex::new(Vec::new())),
            jobs,
        })
    }
}

#[async_trait]
impl Db for SqliteDb {
    async fn query(&self, sql: Sql) -> Result<Vec<Row>, StoreError> {
        let Some(path) = self.path.clone() else {
            // One in-memory connection serves reads and writes.
            let writer = self.writer.clone();
            return tokio::task::spawn_blocking(move || {
                let conn = writer.lock().unwrap_or_else(PoisonError::into_inner);
                run_query(&conn, &sql)
            })
            .await
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        };
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let conn = readers.lock().unwrap_or_else(PoisonError::into_inner).pop();
            let conn = match conn {
                Some(c) => c,
                None => open(&path)?,
            };
            let out = run_query(&conn, &sql);
            let mut pool = readers.lock().unwrap_or_else(PoisonError::into_inner);
            if pool.len() < READERS {
                pool.push(conn);
            }
            out
        })
        .await
        .map_err(|e| StoreError::Internal(e.to_string()))?
    }

    async fn transaction(&self, steps: Vec<Step>) -> Result<(), StoreError> {
        let (reply, outcome) = tokio::sync::oneshot::channel();
        self.jobs
            .send((steps, reply))
            .map_err(|_| StoreError::Unavailable("the SQLite writer has stopped".into()))?;
        outcome
            .await
            .map_err(|_| StoreError::Unavailable("the SQLite writer has stopped".into()))?
    }
}
