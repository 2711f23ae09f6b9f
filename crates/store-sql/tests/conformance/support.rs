//! What every part of the suite shares: imports, a world of two tenants, drafts, and fresh
//! PostgreSQL databases.

pub use gdap_domain::assignment::AccessAssignment;
pub use gdap_domain::customer::{
    Activity, ActivityKind, AgreementAcceptance, LinkType, PartnerLink, Refusal, CUSTOMER_AGREEMENT,
};
pub use gdap_domain::directory::{Group, PartnerProfile, PartnerType, Tenant, User};
pub use gdap_domain::enums::{AssignmentStatus, RelationshipStatus, RequestAction};
pub use gdap_domain::ids::{GroupId, RoleDefinitionId, TenantId, UserId};
pub use gdap_domain::query::{parse_list_query, schemas, RawQuery};
pub use gdap_domain::relationship::{CustomerParticipant, Relationship, RelationshipDraft};
pub use gdap_domain::request::RelationshipRequest;
pub use gdap_domain::roles::Catalogue;
pub use gdap_domain::timefmt::truncate_micros;
pub use gdap_domain::Timings;
pub use gdap_store::{
    AuditStore, ChangeFeed, Changes, CustomerFilter, DirectoryBatch, DirectoryStore,
    DirectoryWrite, GrantStore, MfaMethod, MfaStore, NewGrant, PortalStore, RelationshipStore,
    Session, StoreError, ThrottleStore, Write,
};
pub use gdap_store_sql::SqlStore;
pub use time::macros::datetime;
pub use time::OffsetDateTime;

pub const HELPDESK: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
pub const USER_ADMIN: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";

pub fn now() -> OffsetDateTime {
    truncate_micros(datetime!(2026-01-05 09:00:00.123456 UTC))
}

pub struct World {
    pub partner: TenantId,
    pub customer: TenantId,
    pub group: GroupId,
}

pub async fn world(store: &SqlStore) -> World {
    let partner = TenantId::new_random();
    let customer = TenantId::new_random();
    let user = UserId::new_random();
    let group = GroupId::new_random();
    let tag = &partner.to_string()[..8];
    store
        .insert_directory(DirectoryBatch {
            tenants: vec![
                Tenant {
                    id: partner,
                    display_name: "Partner".into(),
                    domain: format!("partner{tag}.onmicrosoft.com"),
                    partner: Some(PartnerProfile {
                        mpn_id: Some("1".into()),
                        types: vec![PartnerType::CspDirect],
                        ..PartnerProfile::default()
                    }),
                    created_at: now(),
                },
                Tenant {
                    id: customer,
                    display_name: "Customer".into(),
                    domain: format!("customer{tag}.onmicrosoft.com"),
                    partner: None,
                    created_at: now(),
                },
            ],
            users: vec![User {
                id: user,
                tenant: partner,
                user_principal_name: format!("Admin@partner{tag}.onmicrosoft.com"),
                display_name: "Admin".into(),
                password_hash: None,
                roles: vec![],
                preferred_language: None,
                account_enabled: true,
            }],
            groups: vec![Group {
                id: group,
                tenant: partner,
                display_name: "AdminAgents".into(),
                members: vec![user],
            }],
            applications: vec![],
            partner_links: vec![],
            agreements: vec![],
        })
        .await
        .unwrap();
    World {
        partner,
        customer,
        group,
    }
}

pub fn draft(name: &str, customer: Option<TenantId>) -> RelationshipDraft {
    RelationshipDraft {
        display_name: name.into(),
        duration: "P730D".into(),
        auto_extend: None,
        roles: vec![
            RoleDefinitionId::parse(HELPDESK).unwrap(),
            RoleDefinitionId::parse(USER_ADMIN).unwrap(),
        ],
        customer: customer.map(|t| CustomerParticipant {
            tenant_id: t,
            display_name: Some("Customer".into()),
        }),
    }
}

pub async fn insert(store: &SqlStore, rel: Relationship) -> Relationship {
    let c = store
        .commit(Changes {
            relationships: vec![Write::Insert(rel)],
            ..Changes::default()
        })
        .await
        .unwrap();
    c.relationships.into_iter().next().unwrap().into_inner()
}

pub fn query(pairs: &[(&str, &str)]) -> gdap_domain::query::ListQuery {
    let raw = RawQuery {
        pairs: pairs
            .iter()
            .map(|(a, b)| ((*a).into(), (*b).into()))
            .collect(),
    };
    parse_list_query(&schemas::RELATIONSHIPS, &raw, false).unwrap()
}

pub mod pg {
    use gdap_store_sql::SqlStore;

    pub struct FreshDb {
        pub store: SqlStore,
        pub url: String,
        admin_url: String,
        name: String,
    }

    /// A new database on the server named by `GDAP_TEST_POSTGRES`, or `None` when unset.
    pub async fn fresh() -> Option<FreshDb> {
        let admin_url = std::env::var("GDAP_TEST_POSTGRES").ok()?;
        let name = format!("gdap_test_{}", uuid::Uuid::new_v4().simple());
        admin(&admin_url, &format!("CREATE DATABASE {name}")).await;
        let base = admin_url
            .rsplit_once('/')
            .map(|(b, _)| b.to_owned())
            .unwrap_or(admin_url.clone());
        let url = format!("{base}/{name}");
        let store = SqlStore::connect(&url)
            .await
            .expect("connect to the fresh database");
        Some(FreshDb {
            store,
            url,
            admin_url,
            name,
        })
    }

    async fn admin(url: &str, sql: &str) {
        let pool = sqlx::PgPool::connect(url)
            .await
            .expect("connect to GDAP_TEST_POSTGRES");
        sqlx::query(sql).execute(&pool).await.expect(sql);
        pool.close().await;
    }

    impl FreshDb {
        pub async fn drop(self) {
            let FreshDb {
                store,
                url: _,
                admin_url,
                name,
            } = self;
            drop(store);
            admin(
                &admin_url,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await;
        }
    }
}
