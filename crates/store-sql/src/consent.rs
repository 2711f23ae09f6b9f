//! `ConsentStore` over SQL: one row per application, principal and permission.

use async_trait::async_trait;
use gdap_domain::ids::ClientId;
use gdap_domain::timefmt::to_micros;
use gdap_store::{ConsentStore, ConsentWrite, StoreError};
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
        self.transaction(grant_steps(client, principal, scopes, now))
            .await
    }
}

/// The inserts of a consent, one row per permission.
fn grant_steps(
    client: ClientId,
    principal: &str,
    scopes: &[String],
    now: OffsetDateTime,
) -> Vec<Step> {
    scopes
        .iter()
        .map(|s| {
            let mut q =
                Sql::new("INSERT INTO consents (client_id, principal, scope, created_at) VALUES (");
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
        .collect()
}

/// The steps of a consent given or taken back, within a change set.
pub(crate) fn steps(w: &ConsentWrite) -> Vec<Step> {
    match w {
        ConsentWrite::Grant {
            client,
            principal,
            scopes,
            at,
        } => grant_steps(*client, principal, scopes, *at),
        ConsentWrite::Revoke { client, principal } => {
            // Every permission but one goes first; the last one's delete then affects exactly one
            // row when there was a consent, and none (a conflict) when there was not.
            let whose = |q: &mut Sql| {
                q.text(client.to_string())
                    .push(" AND principal = ")
                    .text(principal.clone());
            };
            let mut rest = Sql::new("DELETE FROM consents WHERE client_id = ");
            whose(&mut rest);
            rest.push(" AND scope <> (SELECT MIN(scope) FROM consents WHERE client_id = ");
            whose(&mut rest);
            rest.push(")");
            let mut last = Sql::new("DELETE FROM consents WHERE client_id = ");
            whose(&mut last);
            vec![
                Step::plain(rest),
                Step {
                    sql: last,
                    checked: true,
                    on_unique: None,
                },
            ]
        }
    }
}
