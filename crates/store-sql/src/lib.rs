//! The SQL implementation of gdap's storage traits: SQLite (the default, one file) and PostgreSQL,
//! through one code path with runtime-checked queries and per-dialect migrations.

mod admin;
mod directory;
mod list;
mod migrate;
mod relationships;
mod rows;
mod sql;

use std::sync::Arc;

use gdap_store::StoreError;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor};
use tokio::sync::Mutex;

/// Which SQL engine is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite, one file (or shared memory for tests).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A store over an SQL database.
#[derive(Clone)]
pub struct SqlStore {
    pool: AnyPool,
    dialect: Dialect,
    /// SQLite allows one writer; writers queue here instead of failing with `SQLITE_BUSY`.
    write_lock: Arc<Mutex<()>>,
}

pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            StoreError::Unavailable(e.to_string())
        }
        _ => StoreError::Internal(e.to_string()),
    }
}

/// True when the error is a unique-constraint violation.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.is_unique_violation() || d.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

/// Turns what a user gives as `--db` into a connection URL: PostgreSQL URLs and `sqlite:` URLs
/// pass through, anything else is an SQLite file path (created if missing).
pub fn database_url(db: &str) -> String {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") || db.starts_with("sqlite:")
    {
        db.to_owned()
    } else {
        format!("sqlite://{db}?mode=rwc")
    }
}

impl SqlStore {
    /// Connects, applies pending migrations, and returns the store.
    pub async fn connect(db: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let url = database_url(db);
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else {
            Dialect::Postgres
        };
        let mut options = AnyPoolOptions::new().acquire_timeout(std::time::Duration::from_secs(10));
        if dialect == Dialect::Sqlite {
            let memory = url.contains("mode=memory") || url.contains(":memory:");
            options = options
                .max_connections(if memory { 1 } else { 8 })
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .after_connect(move |conn, _meta| {
                    Box::pin(async move {
                        // The busy timeout first: recovering a database left by a killed process
                        // holds a lock that the other pragmas must wait for.
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        if !memory {
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                        }
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        Ok(())
                    })
                });
        } else {
            options = options.max_connections(16);
        }
        let pool = options.connect(&url).await.map_err(|e| {
            StoreError::Unavailable(format!("{url_safe}: {e}", url_safe = redact(&url)))
        })?;
        let store = Self {
            pool,
            dialect,
            write_lock: Arc::new(Mutex::new(())),
        };
        migrate::run(&store).await?;
        Ok(store)
    }

    /// A private in-memory SQLite database, for tests.
    pub async fn in_memory() -> Result<Self, StoreError> {
        Self::connect("sqlite::memory:").await
    }

    /// The engine behind the store.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Runs `f` inside a transaction, serialised with other writers on SQLite.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: for<'c> FnOnce(
            &'c mut sqlx::Transaction<'static, sqlx::Any>,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<T, StoreError>> + Send + 'c>,
        >,
    {
        let _guard = match self.dialect {
            Dialect::Sqlite => Some(self.write_lock.lock().await),
            Dialect::Postgres => None,
        };
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let out = f(&mut tx).await;
        match out {
            Ok(v) => {
                tx.commit().await.map_err(db_err)?;
                Ok(v)
            }
            Err(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }

    pub(crate) async fn fetch_optional<T>(
        &self,
        sql: &sql::Sql,
        map: impl Fn(&AnyRow) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        let row = sql
            .query()
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(map).transpose()
    }

    pub(crate) async fn fetch_all<T>(
        &self,
        sql: &sql::Sql,
        map: impl Fn(&AnyRow) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let rows = sql.query().fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter().map(map).collect()
    }
}

/// Hides a password in a connection URL.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***{}", &url[..s], &url[at..]),
        _ => url.to_owned(),
    }
}
