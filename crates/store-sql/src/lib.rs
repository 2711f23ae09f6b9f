//! The SQL implementation of gdap's storage traits: SQLite (the default, one file) and PostgreSQL,
//! through one code path with runtime-checked queries and per-dialect migrations.

mod admin;
mod audit;
mod azure;
mod billing;
mod bulk_jobs;
mod consent;
mod db;
mod devices;
mod directory;
mod feed;
mod grants;
mod list;
mod mfa;
mod migrate;
mod notices;
mod outbox;
mod portal;
mod relationships;
mod rows;
mod snapshot;
mod sql;
mod throttle;
mod webhooks;

use std::sync::Arc;

use gdap_store::StoreError;

use db::{Db, Row, Step};

/// Which SQL engine is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite, one file (or memory for tests).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A store over an SQL database.
#[derive(Clone)]
pub struct SqlStore {
    db: Arc<dyn Db>,
    dialect: Dialect,
    observers: Arc<std::sync::RwLock<Vec<Arc<dyn gdap_store::ChangeObserver>>>>,
    /// Names this process's writes in the change feed.
    node: Arc<str>,
}

/// Turns what a user gives as `--db` into an engine and a location: PostgreSQL URLs, `sqlite:`
/// URLs (`sqlite::memory:`, `sqlite://path`), or a plain SQLite file path.
fn parse_location(db: &str) -> (Dialect, Option<String>) {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        return (Dialect::Postgres, Some(db.to_owned()));
    }
    match db.strip_prefix("sqlite:") {
        Some(rest) if rest.starts_with(":memory:") || rest.is_empty() => (Dialect::Sqlite, None),
        Some(rest) => {
            let path = rest.trim_start_matches("//");
            let path = path.split('?').next().unwrap_or(path);
            (Dialect::Sqlite, Some(path.to_owned()))
        }
        None => (Dialect::Sqlite, Some(db.to_owned())),
    }
}

impl SqlStore {
    /// Connects, applies pending migrations, and returns the store.
    pub async fn connect(db: &str) -> Result<Self, StoreError> {
        let (dialect, location) = parse_location(db);
        let engine: Arc<dyn Db> = match (dialect, location) {
            (Dialect::Postgres, Some(url)) => Arc::new(db::PostgresDb::connect(&url).await?),
            (_, path) => {
                let path = path.clone();
                Arc::new(
                    tokio::task::spawn_blocking(move || db::SqliteDb::open(path.as_deref()))
                        .await
                        .map_err(|e| StoreError::Internal(e.to_string()))??,
                )
            }
        };
        let store = Self {
            db: engine,
            dialect,
            observers: Arc::default(),
            node: Arc::from(uuid::Uuid::new_v4().simple().to_string()),
        };
        migrate::run(&store).await?;
        Ok(store)
    }

    /// A private in-memory SQLite database, for tests.
    pub async fn in_memory() -> Result<Self, StoreError> {
        Self::connect("sqlite::memory:").await
    }

    /// Tells every observer about a durable write.
    pub(crate) fn notify(&self, f: impl Fn(&dyn gdap_store::ChangeObserver)) {
        let observers = self
            .observers
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for o in observers.iter() {
            f(o.as_ref());
        }
    }

    /// The engine behind the store.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub(crate) async fn fetch_optional<T>(
        &self,
        sql: sql::Sql,
        map: impl Fn(&Row) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        self.db.query(sql).await?.first().map(map).transpose()
    }

    /// The `n` of a `SELECT COUNT(*) AS n …`.
    pub(crate) async fn count(&self, sql: sql::Sql) -> Result<u64, StoreError> {
        let n = self.fetch_optional(sql, |r| r.int("n")).await?.unwrap_or(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }

    pub(crate) async fn fetch_all<T>(
        &self,
        sql: sql::Sql,
        map: impl Fn(&Row) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        self.db.query(sql).await?.iter().map(map).collect()
    }

    pub(crate) async fn transaction(&self, steps: Vec<Step>) -> Result<(), StoreError> {
        if steps.is_empty() {
            return Ok(());
        }
        let announce = feed::records_change(&steps);
        self.db.transaction(steps).await?;
        if announce {
            self.db.announce();
        }
        Ok(())
    }

    /// One statement that must touch exactly one row, as a compare-and-set: `false` when it
    /// touched none (another writer got there first, or there was nothing to touch).
    pub(crate) async fn exactly_one(&self, sql: sql::Sql) -> Result<bool, StoreError> {
        self.exactly_one_among(Vec::new(), sql, Vec::new()).await
    }

    /// [`exactly_one`](Self::exactly_one) in one transaction with the statements `before` and
    /// `after` it (an audit entry, say): nothing is written when it touched no row.
    pub(crate) async fn exactly_one_among(
        &self,
        before: Vec<Step>,
        sql: sql::Sql,
        after: Vec<Step>,
    ) -> Result<bool, StoreError> {
        let checked = Step {
            sql,
            checked: true,
            on_unique: None,
        };
        let steps = before
            .into_iter()
            .chain(std::iter::once(checked))
            .chain(after)
            .collect();
        match self.transaction(steps).await {
            Ok(()) => Ok(true),
            Err(StoreError::VersionConflict) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// Hides a password in a connection URL.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***{}", &url[..s], &url[at..]),
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_locations_are_recognised() {
        assert_eq!(
            parse_location("./gdap.db"),
            (Dialect::Sqlite, Some("./gdap.db".into()))
        );
        assert_eq!(
            parse_location("sqlite://data/g.db?mode=rwc"),
            (Dialect::Sqlite, Some("data/g.db".into()))
        );
        assert_eq!(parse_location("sqlite::memory:"), (Dialect::Sqlite, None));
        assert_eq!(parse_location("postgres://u@h/db").0, Dialect::Postgres);
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://***@h/db");
    }
}
