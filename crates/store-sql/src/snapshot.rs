//! `AuthzSource` over SQL: every fact of the authorization index in five queries.

use std::collections::HashMap;

use async_trait::async_trait;
use gdap_domain::ids::{GroupId, UserId};
use gdap_store::{AuthzSnapshot, AuthzSource, PortalStore, StoreError};

use crate::rows::{self, ASG_COLS, REL_COLS};
use crate::sql::Sql;
use crate::SqlStore;

fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("corrupt {what}"))
}

#[async_trait]
impl AuthzSource for SqlStore {
    async fn authz_snapshot(&self) -> Result<AuthzSnapshot, StoreError> {
        let users = self
            .fetch_all(Sql::new("SELECT * FROM users"), rows::user)
            .await?;
        let mut members: HashMap<GroupId, Vec<UserId>> = HashMap::new();
        for row in self
            .db
            .query(Sql::new(
                "SELECT group_id, user_id FROM group_members ORDER BY group_id, user_id",
            ))
            .await?
        {
            let g: GroupId = row
                .text("group_id")?
                .parse()
                .map_err(|_| corrupt("member"))?;
            let u: UserId = row
                .text("user_id")?
                .parse()
                .map_err(|_| corrupt("member"))?;
            members.entry(g).or_default().push(u);
        }
        let mut groups = Vec::new();
        for row in self
            .db
            .query(Sql::new(
                "SELECT id, tenant_id, display_name FROM security_groups",
            ))
            .await?
        {
            let id: GroupId = row.text("id")?.parse().map_err(|_| corrupt("group id"))?;
            groups.push(rows::group(&row, members.remove(&id).unwrap_or_default())?);
        }
        let relationships = self
            .fetch_all(
                Sql::new(&format!(
                    "SELECT {REL_COLS} FROM relationships WHERE customer_id IS NOT NULL"
                )),
                rows::relationship,
            )
            .await?;
        let assignments = self
            .fetch_all(
                Sql::new(&format!(
                    "SELECT {ASG_COLS} FROM assignments WHERE status <> 'deleted'"
                )),
                rows::assignment,
            )
            .await?;
        let mut links = Vec::new();
        let customers: Vec<String> = self
            .db
            .query(Sql::new("SELECT DISTINCT customer_id FROM partner_links"))
            .await?
            .iter()
            .map(|r| r.text("customer_id"))
            .collect::<Result<_, _>>()?;
        for c in customers {
            let id = c.parse().map_err(|_| corrupt("partner link"))?;
            links.extend(self.partner_links(id).await?);
        }
        Ok(AuthzSnapshot {
            users,
            groups,
            relationships,
            assignments,
            links,
        })
    }
}
