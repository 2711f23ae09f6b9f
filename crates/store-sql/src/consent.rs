//! `ConsentStore` over SQL: one row per application, principal and permission.

use async_trait::async_trait;
use gdap_domain::ids::ClientId;
use gdap_domain::timefmt::to_micros;
use gdap_store::{ConsentStore, StoreError};
use time::OffsetDateTime;

use crate::db::Step;
use crate::sql::Sql;
use crate::SqlStore;

#[async_trait]
impl ConsentStore for SqlStore {
    async fn consented(
        &self,
        client: ClientId,
        principals: &[String],
    ) -> Result<Vec<String>, StoreError> {
        if principals.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Sql::new("SELECT DISTINCT scope FROM consents WHERE client_id = ");
        q.text(client.to_string()).push(" AND principal IN (");
        for (i, p) in principals.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.text(p.clone());
        }
        q.push(") ORDER BY scope");
        self.fetch_all(q, |r| r.text("scope")).await
    }

    async fn add_consent(
        &self,
        client: ClientId,
        principal: &str,
        scopes: &[String],
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let steps = scopes
            .iter()
            .map(|s| {
                let mut q = Sql::new(
                    "INSERT INTO consents (client_id, principal, scope, created_at) VALUES (",
                );
                q.text(client.to_string())
                    .push(", ")
                    .text(principal)
                    .push(", ")
                    .text(s.clone())
                    .push(", ")
                    .int(to_micros(now))
                    .push(") ON CONFLICT (client_id, principal, scope) DO NOTHING");
                Step::plain(q)
            })
            .collect();
        self.transaction(steps).await
    }
}
