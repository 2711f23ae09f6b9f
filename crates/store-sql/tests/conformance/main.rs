//! One conformance suite for the storage traits, run against every backend, one part per area.
//!
//! SQLite runs always (a private in-memory database per test). PostgreSQL runs when
//! `GDAP_TEST_POSTGRES` names a server URL; each test then works in a fresh database it drops.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly on broken assumptions"
)]

/// Runs each named test against SQLite and, when configured, PostgreSQL.
macro_rules! suite {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(gdap_store_sql::SqlStore::in_memory().await.unwrap()).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = crate::support::pg::fresh().await else { return };
                    super::$name(db.store.clone()).await;
                    db.drop().await;
                }
            )+
        }
    };
}

mod authz_source;
mod azure;
mod bulk_jobs;
mod concurrency;
mod devices;
mod directory;
mod feed;
mod nodes;
mod notices;
mod portal;
mod relationships;
mod signin;
mod support;
mod webhooks;
