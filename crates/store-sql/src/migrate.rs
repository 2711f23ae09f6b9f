//! Embedded per-dialect migrations, applied in order at start.

use gdap_store::StoreError;

use crate::db::Step;
use crate::sql::Sql;
use crate::{Dialect, SqlStore};

const SQLITE: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_init.sql")),
    (2, include_str!("../migrations/sqlite/0002_outbox.sql")),
    (3, include_str!("../migrations/sqlite/0003_settings.sql")),
    (4, include_str!("../migrations/sqlite/0004_portal.sql")),
    (5, include_str!("../migrations/sqlite/0005_change_log.sql")),
    (6, include_str!("../migrations/sqlite/0006_audit.sql")),
    (7, include_str!("../migrations/sqlite/0007_billing.sql")),
    (8, include_str!("../migrations/sqlite/0008_leases.sql")),
    (10, include_str!("../migrations/sqlite/0010_throttle.sql")),
    (
        11,
        include_str!("../migrations/sqlite/0011_sign_in_grants.sql"),
    ),
    (
        12,
        include_str!("../migrations/sqlite/0012_grant_subjects.sql"),
    ),
    (13, include_str!("../migrations/sqlite/0013_mfa.sql")),
    (
        14,
        include_str!("../migrations/sqlite/0014_application_objects.sql"),
    ),
    (15, include_str!("../migrations/sqlite/0015_consents.sql")),
    (16, include_str!("../migrations/sqlite/0016_refusals.sql")),
    (
        17,
        include_str!("../migrations/sqlite/0017_partner_customers.sql"),
    ),
    (
        18,
        include_str!("../migrations/sqlite/0018_partner_link_types.sql"),
    ),
    (
        19,
        include_str!("../migrations/sqlite/0019_attestations.sql"),
    ),
    (20, include_str!("../migrations/sqlite/0020_notices.sql")),
    (21, include_str!("../migrations/sqlite/0021_webhooks.sql")),
    (22, include_str!("../migrations/sqlite/0022_bulk_jobs.sql")),
    (
        23,
        include_str!("../migrations/sqlite/0023_ms_signature_header.sql"),
    ),
    (24, include_str!("../migrations/sqlite/0024_autopilot.sql")),
    (25, include_str!("../migrations/sqlite/0025_azure.sql")),
];
const POSTGRES: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_init.sql")),
    (2, include_str!("../migrations/postgres/0002_outbox.sql")),
    (3, include_str!("../migrations/postgres/0003_settings.sql")),
    (4, include_str!("../migrations/postgres/0004_portal.sql")),
    (
        5,
        include_str!("../migrations/postgres/0005_change_log.sql"),
    ),
    (6, include_str!("../migrations/postgres/0006_audit.sql")),
    (7, include_str!("../migrations/postgres/0007_billing.sql")),
    (8, include_str!("../migrations/postgres/0008_leases.sql")),
    (
        9,
        include_str!("../migrations/postgres/0009_expect_one.sql"),
    ),
    (10, include_str!("../migrations/postgres/0010_throttle.sql")),
    (
        11,
        include_str!("../migrations/postgres/0011_sign_in_grants.sql"),
    ),
    (
        12,
        include_str!("../migrations/postgres/0012_grant_subjects.sql"),
    ),
    (13, include_str!("../migrations/postgres/0013_mfa.sql")),
    (
        14,
        include_str!("../migrations/postgres/0014_application_objects.sql"),
    ),
    (15, include_str!("../migrations/postgres/0015_consents.sql")),
    (16, include_str!("../migrations/postgres/0016_refusals.sql")),
    (
        17,
        include_str!("../migrations/postgres/0017_partner_customers.sql"),
    ),
    (
        18,
        include_str!("../migrations/postgres/0018_partner_link_types.sql"),
    ),
    (
        19,
        include_str!("../migrations/postgres/0019_attestations.sql"),
    ),
    (20, include_str!("../migrations/postgres/0020_notices.sql")),
    (21, include_str!("../migrations/postgres/0021_webhooks.sql")),
    (
        22,
        include_str!("../migrations/postgres/0022_bulk_jobs.sql"),
    ),
    (
        23,
        include_str!("../migrations/postgres/0023_ms_signature_header.sql"),
    ),
    (
        24,
        include_str!("../migrations/postgres/0024_autopilot.sql"),
    ),
    (25, include_str!("../migrations/postgres/0025_azure.sql")),
];

/// Splits a migration file into statements (on `;` at the end of a line).
fn statements(sql: &str) -> impl Iterator<Item = String> + '_ {
    sql.split(";\n")
        .map(|s| s.trim().trim_end_matches(';').trim().to_owned())
        .filter(|s| !s.is_empty())
}

pub(crate) async fn run(store: &SqlStore) -> Result<(), StoreError> {
    store
        .transaction(vec![Step::plain(Sql::new(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        ))])
        .await?;
    let applied = store
        .fetch_all(Sql::new("SELECT version FROM schema_migrations"), |r| {
            r.int("version")
        })
        .await?;
    let migrations = match store.dialect {
        Dialect::Sqlite => SQLITE,
        Dialect::Postgres => POSTGRES,
    };
    for (version, text) in migrations {
        if applied.contains(version) {
            continue;
        }
        let mut steps: Vec<Step> = statements(text)
            .map(|s| Step::plain(Sql::new(&s)))
            .collect();
        let mut record = Sql::new("INSERT INTO schema_migrations (version, applied_at) VALUES (");
        record
            .int(*version)
            .push(", ")
            .int(time::OffsetDateTime::now_utc().unix_timestamp())
            .push(")");
        steps.push(Step::plain(record));
        store.transaction(steps).await?;
        tracing::info!(version, "applied database migration");
    }
    Ok(())
}
