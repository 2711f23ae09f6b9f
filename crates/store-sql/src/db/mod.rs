//! The two engines behind one small interface: run a query and get owned rows; run statements in
//! one transaction. SQLite goes through rusqlite on blocking threads (no per-row hand-off between
//! threads), PostgreSQL through sqlx's pool.

mod combine;
mod group_commit;
mod postgres;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use gdap_store::StoreError;

pub use postgres::PostgresDb;
pub use sqlite::SqliteDb;

use crate::sql::{Param, Sql};

/// A column value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
}

/// One result row, with its columns looked up by name.
#[derive(Debug, Clone)]
pub struct Row {
    names: Arc<Vec<String>>,
    values: Vec<Value>,
}

impl Row {
    pub(crate) fn new(names: Arc<Vec<String>>, values: Vec<Value>) -> Self {
        Self { names, values }
    }

    fn get(&self, col: &str) -> Result<&Value, StoreError> {
        self.names
            .iter()
            .position(|n| n == col)
            .and_then(|i| self.values.get(i))
            .ok_or_else(|| StoreError::Internal(format!("no column `{col}` in the result")))
    }

    /// A non-null text column.
    pub fn text(&self, col: &str) -> Result<String, StoreError> {
        self.opt_text(col)?
            .ok_or_else(|| StoreError::Internal(format!("column `{col}` is null")))
    }

    /// A nullable text column.
    pub fn opt_text(&self, col: &str) -> Result<Option<String>, StoreError> {
        match self.get(col)? {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s.clone())),
            Value::Int(n) => Ok(Some(n.to_string())),
        }
    }

    /// A non-null integer column.
    pub fn int(&self, col: &str) -> Result<i64, StoreError> {
        self.opt_int(col)?
            .ok_or_else(|| StoreError::Internal(format!("column `{col}` is null")))
    }

    /// A nullable integer column.
    pub fn opt_int(&self, col: &str) -> Result<Option<i64>, StoreError> {
        match self.get(col)? {
            Value::Null => Ok(None),
            Value::Int(n) => Ok(Some(*n)),
            Value::Text(s) => s
                .parse()
                .map(Some)
                .map_err(|_| StoreError::Internal(format!("column `{col}` is not an integer"))),
        }
    }
}

/// A statement of a write transaction.
#[derive(Debug, Clone)]
pub struct Step {
    /// The statement.
    pub sql: Sql,
    /// Whether exactly one row must be affected (a version-checked update or delete).
    pub checked: bool,
    /// The error a unique-constraint violation stands for.
    pub on_unique: Option<StoreError>,
}

impl Step {
    /// A statement whose effect is not checked.
    pub fn plain(sql: Sql) -> Self {
        Self {
            sql,
            checked: false,
            on_unique: None,
        }
    }
}

/// An SQL engine.
#[async_trait]
pub trait Db: Send + Sync {
    /// Subscribes to a notification channel (`LISTEN`); `None` where the engine has none.
    async fn listen(
        &self,
        _channel: &str,
    ) -> Result<Option<Box<dyn gdap_store::ChangeWait>>, StoreError> {
        Ok(None)
    }
    /// Announces on a notification channel (`NOTIFY`), soon and outside any write transaction;
    /// announcements made while one is on its way are sent as one. Nothing where the engine has
    /// no channels.
    fn announce(&self) {}
    /// Runs a query and returns every row.
    async fn query(&self, sql: Sql) -> Result<Vec<Row>, StoreError>;
    /// Runs statements in one transaction: all or nothing. A checked statement that does not
    /// affect exactly one row aborts with `VersionConflict`.
    async fn transaction(&self, steps: Vec<Step>) -> Result<(), StoreError>;
}

/// Maps a failed step to the store's error.
pub(crate) fn step_error(step: &Step, unique: bool, detail: String) -> StoreError {
    match (&step.on_unique, unique) {
        (Some(e), true) => e.clone(),
        (None, true) => StoreError::Duplicate(detail),
        _ => StoreError::Internal(detail),
    }
}

/// Parameters as plain values.
pub(crate) fn values(params: &[Param]) -> Vec<Value> {
    params
        .iter()
        .map(|p| match p {
            Param::Text(s) | Param::OptText(Some(s)) => Value::Text(s.clone()),
            Param::Int(n) | Param::OptInt(Some(n)) => Value::Int(*n),
            Param::OptText(None) | Param::OptInt(None) => Value::Null,
        })
        .collect()
}
