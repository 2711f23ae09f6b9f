//! The generated data of the authorization benchmarks: one partner, 10,000 customer tenants with one
//! relationship each (about 85 % active, 5 roles each, 3 access assignments each), 50 partner
//! security groups, 20,000 partner users in 5 groups each, 300 distinct actions, and a workload of
//! checks half aimed at a grant. Deterministic (a fixed seed), and depending only on `gdap-domain`,
//! so that the comparison with other engines (`benches/compare`) decides on exactly the same data.

use gdap_domain::assignment::AccessAssignment;
use gdap_domain::authz::index::AuthzIndex;
use gdap_domain::authz::{aobo_restricted, grant_matches};
use gdap_domain::directory::{Group, User};
use gdap_domain::enums::{AssignmentStatus, RelationshipStatus};
use gdap_domain::ids::{AssignmentId, GroupId, RoleDefinitionId, TenantId, UserId};
use gdap_domain::relationship::{CustomerParticipant, Relationship, RelationshipDraft};
use gdap_domain::roles::Catalogue;

pub const CUSTOMERS: usize = 10_000;
pub const GROUPS: usize = 50;
pub const USERS: usize = 20_000;
pub const GROUPS_PER_USER: usize = 5;
pub const ACTIONS: usize = 300;

/// The roles relationships draw their five from.
pub const ROLE_POOL: [&str; 10] = [
    "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    "fe930be7-5e62-47db-91af-98c3a49a38b1",
    "29232cdf-9323-42fd-ade2-1d097af3e4de",
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
    "69091246-20e8-4a56-aa4d-066075b2a7a8",
    "3a2c62db-5318-420d-8d74-23affee5d9d5",
    "194ae4cb-b126-40b2-bd5b-6091b380977d",
    "b0f54661-2d74-4c50-afa3-1ec803f12efe",
    "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
];

/// A small deterministic generator (xorshift), so every run measures the same data.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn uuid(prefix: u32, n: usize) -> String {
    uuid::Uuid::from_u128(((prefix as u128) << 96) | 0x4000_8000_0000_0000_0000 | n as u128)
        .to_string()
}

/// The world and the workload.
pub struct Data {
    /// The partner tenant (read by the comparison in `benches/compare`).
    #[allow(dead_code, reason = "read by the comparison with other engines")]
    pub partner: TenantId,
    /// The roles relationships draw from (read by the comparison in `benches/compare`).
    #[allow(dead_code, reason = "read by the comparison with other engines")]
    pub pool: Vec<RoleDefinitionId>,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub customers: Vec<TenantId>,
    pub relationships: Vec<Relationship>,
    pub assignments: Vec<AccessAssignment>,
    /// The 300 actions (none of them a billing action, which other engines would not model).
    pub actions: Vec<String>,
    /// Checks as (user, customer, action) positions.
    pub work: Vec<(usize, usize, usize)>,
    pub now: time::OffsetDateTime,
}

/// Generates the data with `checks` checks.
pub fn generate(checks: usize) -> Data {
    let catalogue = Catalogue::builtin();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let parse_t = |s: String| TenantId::parse(&s).unwrap_or_else(|_| unreachable!("valid id"));
    let partner = parse_t(uuid(1, 0));
    let pool: Vec<RoleDefinitionId> = ROLE_POOL
        .iter()
        .filter_map(|r| RoleDefinitionId::parse(r).ok())
        .collect();
    let mut actions: Vec<String> = pool
        .iter()
        .filter_map(|r| catalogue.get(r))
        .flat_map(|r| r.resource_actions.iter().cloned())
        .filter(|a| gdap_domain::authz::action::is_literal(a) && !aobo_restricted(a))
        .collect();
    actions.sort();
    actions.dedup();
    actions.truncate(ACTIONS - 30);
    for i in 0..(ACTIONS - actions.len()) {
        actions.push(format!("microsoft.directory/benchEntity{i}/standard/read"));
    }
    let now = time::OffsetDateTime::now_utc();
    let users: Vec<User> = (0..USERS)
        .map(|u| User {
            id: UserId::parse(&uuid(3, u)).unwrap_or_else(|_| unreachable!("valid id")),
            tenant: partner,
            user_principal_name: format!("tech{u}@benchpartner.onmicrosoft.com"),
            display_name: String::new(),
            password_hash: None,
            roles: Vec::new(),
            preferred_language: None,
            account_enabled: true,
        })
        .collect();
    let mut members: Vec<Vec<UserId>> = vec![Vec::new(); GROUPS];
    for u in &users {
        let mut chosen = Vec::new();
        while chosen.len() < GROUPS_PER_USER {
            let g = rng.below(GROUPS);
            if !chosen.contains(&g) {
                chosen.push(g);
                members[g].push(u.id);
            }
        }
    }
    let groups: Vec<Group> = members
        .into_iter()
        .enumerate()
        .map(|(g, m)| Group {
            id: GroupId::parse(&uuid(2, g)).unwrap_or_else(|_| unreachable!("valid id")),
            tenant: partner,
            display_name: format!("Tier {g}"),
            members: m,
        })
        .collect();
    let mut customers = Vec::with_capacity(CUSTOMERS);
    let mut relationships = Vec::with_capacity(CUSTOMERS);
    let mut assignments = Vec::with_capacity(CUSTOMERS * 3);
    // (customer, group, roles) of every assignment in force, to aim half the checks at grants.
    let mut live: Vec<(usize, usize, [RoleDefinitionId; 2])> = Vec::new();
    for c in 0..CUSTOMERS {
        let customer = parse_t(uuid(4, c));
        customers.push(customer);
        let mut roles: Vec<RoleDefinitionId> = Vec::new();
        while roles.len() < 5 {
            let r = pool[rng.below(pool.len())];
            if !roles.contains(&r) {
                roles.push(r);
            }
        }
        let Ok(mut r) = Relationship::create(
            partner,
            RelationshipDraft {
                display_name: format!("Customer {c}"),
                duration: "P730D".into(),
                auto_extend: None,
                roles: roles.clone(),
                customer: Some(CustomerParticipant {
                    tenant_id: customer,
                    display_name: None,
                }),
            },
            catalogue,
            now - time::Duration::days(10),
        ) else {
            unreachable!("a valid relationship")
        };
        let active = rng.below(100) < 85;
        r.status = if active {
            RelationshipStatus::Active
        } else {
            RelationshipStatus::Terminated
        };
        for _ in 0..3 {
            let g = rng.below(GROUPS);
            let granted = [roles[rng.below(5)], roles[rng.below(5)]];
            if active {
                live.push((c, g, granted));
            }
            assignments.push(AccessAssignment {
                id: AssignmentId::new_random(),
                relationship_id: r.id,
                partner,
                group: groups[g].id,
                roles: granted.to_vec(),
                status: AssignmentStatus::Active,
                created_at: now,
                last_modified_at: now,
                due_at: None,
                version: 1,
            });
        }
        relationships.push(r);
    }
    let grants_of = |role: &RoleDefinitionId| -> Vec<usize> {
        let grants = catalogue
            .get(role)
            .map(|r| r.resource_actions.clone())
            .unwrap_or_default();
        actions
            .iter()
            .enumerate()
            .filter(|(_, a)| grants.iter().any(|g| grant_matches(g, a)))
            .map(|(i, _)| i)
            .collect()
    };
    let role_actions: Vec<(RoleDefinitionId, Vec<usize>)> =
        pool.iter().map(|r| (*r, grants_of(r))).collect();
    let positions: std::collections::HashMap<UserId, usize> =
        users.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
    let user_pos = |id: UserId| positions.get(&id).copied().unwrap_or(0);
    // Half the checks: a member of an assigned group, in that customer, doing something one of
    // the assignment's roles grants. The other half: anyone, anywhere, anything.
    let work = (0..checks)
        .map(|i| {
            if i % 2 == 0 {
                let (c, g, granted) = live[rng.below(live.len())];
                let role = granted[rng.below(2)];
                let acts = role_actions
                    .iter()
                    .find(|(r, _)| *r == role)
                    .map(|(_, a)| a.as_slice())
                    .unwrap_or_default();
                let m = &groups[g].members;
                let a = if acts.is_empty() {
                    0
                } else {
                    acts[rng.below(acts.len())]
                };
                (user_pos(m[rng.below(m.len())]), c, a)
            } else {
                (rng.below(USERS), rng.below(CUSTOMERS), rng.below(ACTIONS))
            }
        })
        .collect();
    Data {
        partner,
        pool,
        users,
        groups,
        customers,
        relationships,
        assignments,
        actions,
        work,
        now,
    }
}

/// The gdap index over the data.
pub fn index_of(d: &Data) -> AuthzIndex {
    let mut ix = AuthzIndex::new(Catalogue::builtin(), d.actions.iter().map(String::as_str));
    ix.load(&gdap_domain::authz::reference::Facts {
        users: &d.users,
        groups: &d.groups,
        relationships: &d.relationships,
        assignments: &d.assignments,
        links: &[],
    });
    ix
}
