//! `gdap-bench --authz`: the authorization index in process, on generated data of the size a
//! large provider has: 10,000 customer tenants with one relationship each (about 85 % active, 5
//! roles each), 50 partner security groups, 20,000 partner users in 5 groups each, 300 distinct
//! actions, a mixed allow/deny workload. One thread, so the figures are per core.

use std::collections::HashMap;
use std::time::Instant;

use gdap_domain::assignment::AccessAssignment;
use gdap_domain::authz::index::AuthzIndex;
use gdap_domain::authz::CheckRequest;
use gdap_domain::directory::{Group, User};
use gdap_domain::enums::{AssignmentStatus, RelationshipStatus};
use gdap_domain::ids::{AssignmentId, GroupId, RoleDefinitionId, TenantId, UserId};
use gdap_domain::relationship::{CustomerParticipant, Relationship, RelationshipDraft};
use gdap_domain::roles::Catalogue;

use crate::pct;

const CUSTOMERS: usize = 10_000;
const GROUPS: usize = 50;
const USERS: usize = 20_000;
const GROUPS_PER_USER: usize = 5;
const ACTIONS: usize = 300;
const CHECKS: usize = 2_000_000;

/// A small deterministic generator (xorshift), so every run measures the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn id(prefix: u32, n: usize) -> uuid::Uuid {
    uuid::Uuid::from_u128(((prefix as u128) << 96) | 0x4000_8000_0000_0000_0000 | n as u128)
}

/// Runs the benchmark and prints its Markdown rows.
pub fn run() -> anyhow::Result<()> {
    let catalogue = Catalogue::builtin();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let partner = TenantId::parse(&id(1, 0).to_string())?;
    let pool: Vec<RoleDefinitionId> = [
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
    ]
    .iter()
    .map(|r| RoleDefinitionId::parse(r))
    .collect::<Result<_, _>>()?;
    // 300 actions: literal actions the pool's roles grant, and some no role grants.
    let mut actions: Vec<String> = pool
        .iter()
        .filter_map(|r| catalogue.get(r))
        .flat_map(|r| r.resource_actions.iter().cloned())
        .filter(|a| gdap_domain::authz::action::is_literal(a))
        .collect();
    actions.sort();
    actions.dedup();
    actions.truncate(ACTIONS - 30);
    for i in 0..(ACTIONS - actions.len()) {
        actions.push(format!("microsoft.directory/benchEntity{i}/standard/read"));
    }
    let t0 = Instant::now();
    let mut ix = AuthzIndex::new(catalogue, actions.iter().map(String::as_str));
    let groups: Vec<GroupId> = (0..GROUPS)
        .map(|g| GroupId::parse(&id(2, g).to_string()))
        .collect::<Result<_, _>>()?;
    let users: Vec<UserId> = (0..USERS)
        .map(|u| UserId::parse(&id(3, u).to_string()))
        .collect::<Result<_, _>>()?;
    let mut members: Vec<Vec<UserId>> = vec![Vec::new(); GROUPS];
    // (customer, group, roles) of every assignment in force, to aim half the checks at grants.
    let mut live: Vec<(usize, usize, [RoleDefinitionId; 2])> = Vec::new();
    for u in &users {
        ix.put_user(&User {
            id: *u,
            tenant: partner,
            user_principal_name: String::new(),
            display_name: String::new(),
            password_hash: None,
            roles: Vec::new(),
            preferred_language: None,
            account_enabled: true,
        });
        let mut chosen = Vec::new();
        while chosen.len() < GROUPS_PER_USER {
            let g = rng.below(GROUPS);
            if !chosen.contains(&g) {
                chosen.push(g);
                members[g].push(*u);
            }
        }
    }
    for (g, m) in groups.iter().zip(members.iter().cloned()) {
        ix.put_group(&Group {
            id: *g,
            tenant: partner,
            display_name: format!("Tier {g}"),
            members: m,
        });
    }
    let now = time::OffsetDateTime::now_utc();
    let mut customers = Vec::with_capacity(CUSTOMERS);
    for c in 0..CUSTOMERS {
        let customer = TenantId::parse(&id(4, c).to_string())?;
        customers.push(customer);
        let mut roles: Vec<RoleDefinitionId> = Vec::new();
        while roles.len() < 5 {
            let r = pool[rng.below(pool.len())];
            if !roles.contains(&r) {
                roles.push(r);
            }
        }
        let mut r = Relationship::create(
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
        )?;
        let active = rng.below(100) < 85;
        r.status = if active {
            RelationshipStatus::Active
        } else {
            RelationshipStatus::Terminated
        };
        ix.put_relationship(&r);
        for _ in 0..3 {
            let g = rng.below(GROUPS);
            let granted = [roles[rng.below(5)], roles[rng.below(5)]];
            if active {
                live.push((c, g, granted));
            }
            ix.put_assignment(&AccessAssignment {
                id: AssignmentId::new_random(),
                relationship_id: r.id,
                partner,
                group: groups[g],
                roles: granted.to_vec(),
                status: AssignmentStatus::Active,
                created_at: now,
                last_modified_at: now,
                due_at: None,
                version: 1,
            });
        }
    }
    let build = t0.elapsed();
    let action_ids: Vec<_> = actions.iter().map(|a| ix.actions().get(a)).collect();
    // The actions (of the 300) each role grants.
    let grants_of = |role: &RoleDefinitionId| -> Vec<usize> {
        let grants = catalogue
            .get(role)
            .map(|r| r.resource_actions.clone())
            .unwrap_or_default();
        actions
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                grants
                    .iter()
                    .any(|g| gdap_domain::authz::grant_matches(g, a))
            })
            .map(|(i, _)| i)
            .collect()
    };
    let role_actions: HashMap<RoleDefinitionId, Vec<usize>> =
        pool.iter().map(|r| (*r, grants_of(r))).collect();
    // Half the checks: a member of an assigned group, in that customer, doing something one of
    // the assignment's roles grants. The other half: anyone, anywhere, anything.
    let work: Vec<(UserId, TenantId, usize)> = (0..CHECKS)
        .map(|i| {
            if i % 2 == 0 {
                let (c, g, granted) = live[rng.below(live.len())];
                let acts = &role_actions[&granted[rng.below(2)]];
                (
                    members[g][rng.below(members[g].len())],
                    customers[c],
                    acts[rng.below(acts.len())],
                )
            } else {
                (
                    users[rng.below(USERS)],
                    customers[rng.below(CUSTOMERS)],
                    rng.below(ACTIONS),
                )
            }
        })
        .collect();
    // Warm up, then one timed pass with pre-numbered actions and one by action name.
    for (u, c, a) in work.iter().take(100_000) {
        std::hint::black_box(ix.check_known(*u, *c, action_ids[*a], &actions[*a], now));
    }
    // Five timed passes of each kind; the median is reported (the machine is shared).
    let mut allowed = 0usize;
    let mut known_runs = Vec::new();
    let mut name_runs = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        allowed = 0;
        for (u, c, a) in &work {
            allowed += usize::from(
                ix.check_known(*u, *c, action_ids[*a], &actions[*a], now)
                    .allowed(),
            );
        }
        known_runs.push(t.elapsed());
        let t = Instant::now();
        for (u, c, a) in &work {
            let req = CheckRequest {
                user: *u,
                tenant: *c,
                action: actions[*a].clone(),
            };
            std::hint::black_box(ix.check(&req, now));
        }
        name_runs.push(t.elapsed());
    }
    known_runs.sort();
    name_runs.sort();
    let (known, by_name) = (known_runs[2], name_runs[2]);
    let mut lat = Vec::with_capacity(200_000);
    for (u, c, a) in work.iter().take(200_000) {
        let t = Instant::now();
        std::hint::black_box(ix.check_known(*u, *c, action_ids[*a], &actions[*a], now));
        lat.push(t.elapsed().as_nanos() as f64);
    }
    let rate = |d: std::time::Duration| CHECKS as f64 / d.as_secs_f64() / 1e6;
    println!("| index (one core) | checks/s | mean | p50 | p99 | allowed | index memory | build |");
    println!("|---|---|---|---|---|---|---|---|");
    println!(
        "| actions pre-numbered | {:.2} M | {:.0} ns | {:.0} ns | {:.0} ns | {:.1} % | {:.1} MB | {:.2} s |",
        rate(known),
        known.as_nanos() as f64 / CHECKS as f64,
        pct(&mut lat, 0.5),
        pct(&mut lat, 0.99),
        allowed as f64 * 100.0 / CHECKS as f64,
        ix.heap_bytes() as f64 / 1e6,
        build.as_secs_f64()
    );
    println!(
        "| actions by name | {:.2} M | {:.0} ns | | | | | |",
        rate(by_name),
        by_name.as_nanos() as f64 / CHECKS as f64
    );
    Ok(())
}
