//! `AuthzSource` over SQL: the directory's facts in four queries, the relationships by pages of their
//! primary key.

use std::collections::HashMap;

use async_trait::async_trait;
use gdap_domain::ids::{GroupId, RelationshipId, UserId};
use gdap_domain::relationship::Relationship;
use gdap_store::{AuthzSnapshot, AuthzSource, PortalStore, StoreError};

use crate::rows::{self, ASG_COLS, REL_COLS};
use crate::sql::Sql;
use crate::SqlStore;

fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("corrupt {what}"))
}

#[async_trait]
impl AuthzSource for SqlStore {
    async fn authz_relationships(
        &self,
        after: Option<RelationshipId>,
        limit: u32,
    ) -> Result<Vec<Relationship>, StoreError> {
        // By the primary key: each page a range of its index, whatever the database's collation.
        let mut q = Sql::new(&format!(
            "SELECT {REL_COLS} FROM relationships WHERE customer_id IS NOT NULL"
        ));
        if let Some(a) = after {
            q.push(" AND id > ").text(a.to_string());
        }
        q.push(" ORDER BY id LIMIT ").int(i64::from(limit));
        self.fetch_all(q, rows::relationship).await
    }

    async fn authz_directory(&self) -> Result<AuthzSnapshot, StoreError> {
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
            relationships: Vec::new(),
            assignments,
            links,
        })
    }
}
