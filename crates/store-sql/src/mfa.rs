//! `MfaStore` over SQL.

use async_trait::async_trait;
use gdap_domain::ids::{TenantId, UserId};
use gdap_domain::timefmt::to_micros;
use gdap_store::{MfaMethod, MfaStore, StoreError};
use time::OffsetDateTime;

use crate::db::Step;
use crate::sql::Sql;
use crate::SqlStore;

#[async_trait]
impl MfaStore for SqlStore {
    async fn mfa_method(&self, user: UserId) -> Result<Option<MfaMethod>, StoreError> {
        let mut q = Sql::new("SELECT secret, last_step FROM mfa_methods WHERE user_id = ");
        q.text(user.to_string());
        self.fetch_optional(q, |r| {
            Ok(MfaMethod {
                secret: r.text("secret")?,
                last_step: r.int("last_step")?,
            })
        })
        .await
    }

    async fn enrol_mfa(
        &self,
        tenant: TenantId,
        user: UserId,
        secret: &str,
        step: i64,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut q = Sql::new(
            "INSERT INTO mfa_methods (user_id, tenant_id, secret, last_step, created_at) VALUES (",
        );
        q.text(user.to_string())
            .push(", ")
            .text(tenant.to_string())
            .push(", ")
            .text(secret)
            .push(", ")
            .int(step)
            .push(", ")
            .int(to_micros(now))
            .push(") ON CONFLICT (user_id) DO NOTHING");
        self.exactly_one(q).await
    }

    async fn use_mfa_step(&self, user: UserId, step: i64) -> Result<bool, StoreError> {
        let mut q = Sql::new("UPDATE mfa_methods SET last_step = ");
        q.int(step)
            .push(" WHERE user_id = ")
            .text(user.to_string())
            .push(" AND last_step < ")
            .int(step);
        self.exactly_one(q).await
    }

    async fn remove_mfa(&self, user: UserId) -> Result<(), StoreError> {
        let mut q = Sql::new("DELETE FROM mfa_methods WHERE user_id = ");
        q.text(user.to_string());
        self.transaction(vec![Step::plain(q)]).await
    }
}
