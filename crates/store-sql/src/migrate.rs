//! Embedded per-dialect migrations, applied in order at start.

use gdap_store::StoreError;
use sqlx::Row;

use crate::{db_err, Dialect, SqlStore};

const SQLITE: &[(i64, &str)] = &[(1, include_str!("../migrations/sqlite/0001_init.sql"))];
const POSTGRES: &[(i64, &str)] = &[(1, include_str!("../migrations/postgres/0001_init.sql"))];

/// Splits a migration file into statements (on `;` at the end of a line).
fn statements(sql: &str) -> impl Iterator<Item = String> + '_ {
    sql.split(";\n")
        .map(|s| s.trim().trim_end_matches(';').trim().to_owned())
        .filter(|s| !s.is_empty())
}

pub(crate) async fn run(store: &SqlStore) -> Result<(), StoreError> {
    let pool = &store.pool;
    sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
        .execute(pool)
        .await
        .map_err(db_err)?;
    let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
        .fetch_all(pool)
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| r.try_get::<i64, _>("version"))
        .collect::<Result<_, _>>()
        .map_err(db_err)?;
    let migrations = match store.dialect {
        Dialect::Sqlite => SQLITE,
        Dialect::Postgres => POSTGRES,
    };
    for (version, text) in migrations {
        if applied.contains(version) {
            continue;
        }
        let version = *version;
        let text = *text;
        store
            .write(move |tx| {
                Box::pin(async move {
                    for stmt in statements(text) {
                        sqlx::query(&stmt)
                            .execute(&mut **tx)
                            .await
                            .map_err(db_err)?;
                    }
                    let now = time::OffsetDateTime::now_utc().unix_timestamp();
                    sqlx::query(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                    )
                    .bind(version)
                    .bind(now)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_err)?;
                    Ok(())
                })
            })
            .await?;
        tracing::info!(version, "applied database migration");
    }
    Ok(())
}
