//! The authorization index against the plain reference evaluator: over random worlds and random
//! sequences of events (approve, assign, remove a member, terminate, remove DAP, disable a user,
//! advance time across end dates, change a user's roles), every decision of the index — allowed or
//! not, the reason and the path — equals the reference's, for actions on a target user too (whose
//! roles decide the sensitive ones).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly on broken assumptions"
)]

use gdap_domain::assignment::AccessAssignment;
use gdap_domain::authz::index::AuthzIndex;
use gdap_domain::authz::reference::{evaluate, Facts};
use gdap_domain::authz::{CheckRequest, Decision, DenyReason, Via};
use gdap_domain::customer::PartnerLink;
use gdap_domain::directory::{Group, User};
use gdap_domain::enums::{AssignmentStatus, RelationshipStatus as S};
use gdap_domain::ids::{AssignmentId, GroupId, RoleDefinitionId, TenantId, UserId};
use gdap_domain::relationship::{CustomerParticipant, Relationship, RelationshipDraft};
use gdap_domain::roles::Catalogue;
use gdap_domain::Timings;
use proptest::prelude::*;
use time::{Duration, OffsetDateTime};

const ROLES: [&str; 7] = [
    "62e90394-69f5-4237-9190-012177145e10", // Global Administrator
    "729827e3-9c14-49f7-bb1b-9608f156bbb8", // Helpdesk Administrator
    "fe930be7-5e62-47db-91af-98c3a49a38b1", // User Administrator
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451", // Global Reader
    "29232cdf-9323-42fd-ade2-1d097af3e4de", // Exchange Administrator
    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13", // Privileged Authentication Administrator
    "88d8e3e3-8f55-4a1e-953a-9b9898b8876b", // Directory Readers
];

const ACTIONS: [&str; 11] = [
    "microsoft.directory/users/password/update",
    "microsoft.directory/users/disable",
    "microsoft.directory/users/delete",
    "microsoft.directory/users/create",
    "microsoft.directory/users/standard/read",
    "microsoft.directory/groups/members/update",
    "microsoft.office365.serviceHealth/incidents/read",
    "microsoft.commerce.billing/purchases/create",
    "microsoft.commerce.billing/licenses/standard/read",
    "microsoft.exchange/mailboxes/allProperties/read",
    "microsoft.unknown/things/do",
];

const GROUP_NAMES: [&str; 4] = ["AdminAgents", "HelpdeskAgents", "Tier1", "Tier2"];

fn tenant(n: u8) -> TenantId {
    TenantId::parse(&format!("00000000-0000-4000-8000-0000000000{n:02x}")).unwrap()
}
fn user_id(t: u8, n: u8) -> UserId {
    UserId::parse(&format!("10000000-00{t:02x}-4000-8000-0000000000{n:02x}")).unwrap()
}
fn group_id(t: u8, n: u8) -> GroupId {
    GroupId::parse(&format!("20000000-00{t:02x}-4000-8000-0000000000{n:02x}")).unwrap()
}
fn role(i: usize) -> RoleDefinitionId {
    RoleDefinitionId::parse(ROLES[i % ROLES.len()]).unwrap()
}

/// Partners are tenants 1 and 2, customers 3 and 4.
const PARTNERS: [u8; 2] = [1, 2];
const CUSTOMERS: [u8; 2] = [3, 4];

#[derive(Debug, Clone)]
struct World {
    users: Vec<User>,
    groups: Vec<Group>,
    relationships: Vec<Relationship>,
    assignments: Vec<AccessAssignment>,
    links: Vec<PartnerLink>,
}

fn base() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + Duration::days(20_000)
}

#[derive(Debug, Clone)]
struct RelSpec {
    partner: usize,
    customer: usize,
    roles: Vec<usize>,
    status: usize,
    end_hours: i64,
}

#[derive(Debug, Clone)]
struct AsgSpec {
    rel: usize,
    group: usize,
    roles: Vec<usize>,
    status: usize,
}

#[derive(Debug, Clone)]
enum Event {
    ToggleMember {
        partner: usize,
        group: usize,
        user: usize,
    },
    SetRelationshipStatus {
        rel: usize,
        status: usize,
    },
    SetAssignmentStatus {
        asg: usize,
        status: usize,
    },
    AddAssignment(AsgSpec),
    SetDap {
        partner: usize,
        customer: usize,
        dap: bool,
    },
    ToggleUser {
        tenant: usize,
        user: usize,
    },
    SetOwnRoles {
        tenant: usize,
        user: usize,
        roles: Vec<usize>,
    },
    Advance {
        hours: i64,
    },
}

const REL_STATUSES: [S; 6] = [
    S::Active,
    S::Active,
    S::ApprovalPending,
    S::Terminated,
    S::Expired,
    S::TerminationRequested,
];
const ASG_STATUSES: [AssignmentStatus; 4] = [
    AssignmentStatus::Active,
    AssignmentStatus::Active,
    AssignmentStatus::Pending,
    AssignmentStatus::Deleted,
];

fn rel_spec() -> impl Strategy<Value = RelSpec> {
    (
        0..2usize,
        0..2usize,
        prop::collection::vec(0..ROLES.len(), 1..4),
        0..REL_STATUSES.len(),
        1..200i64,
    )
        .prop_map(|(partner, customer, roles, status, end_hours)| RelSpec {
            partner,
            customer,
            roles,
            status,
            end_hours,
        })
}

fn asg_spec() -> impl Strategy<Value = AsgSpec> {
    (
        0..8usize,
        0..8usize,
        prop::collection::vec(0..ROLES.len(), 1..4),
        0..ASG_STATUSES.len(),
    )
        .prop_map(|(rel, group, roles, status)| AsgSpec {
            rel,
            group,
            roles,
            status,
        })
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        (0..2usize, 0..4usize, 0..4usize).prop_map(|(partner, group, user)| Event::ToggleMember {
            partner,
            group,
            user
        }),
        (0..8usize, 0..REL_STATUSES.len())
            .prop_map(|(rel, status)| Event::SetRelationshipStatus { rel, status }),
        (0..12usize, 0..ASG_STATUSES.len())
            .prop_map(|(asg, status)| Event::SetAssignmentStatus { asg, status }),
        asg_spec().prop_map(Event::AddAssignment),
        (0..2usize, 0..2usize, any::<bool>()).prop_map(|(partner, customer, dap)| Event::SetDap {
            partner,
            customer,
            dap
        }),
        (0..4usize, 0..4usize).prop_map(|(tenant, user)| Event::ToggleUser { tenant, user }),
        (
            0..4usize,
            0..4usize,
            prop::collection::vec(0..ROLES.len(), 0..3)
        )
            .prop_map(|(tenant, user, roles)| Event::SetOwnRoles {
                tenant,
                user,
                roles
            }),
        (1..100i64).prop_map(|hours| Event::Advance { hours }),
    ]
}

fn build(
    rels: &[RelSpec],
    asgs: &[AsgSpec],
    members: &[bool],
    own_roles: &[usize],
    daps: &[bool],
) -> World {
    let catalogue = Catalogue::builtin();
    let mut users = Vec::new();
    for (ti, t) in PARTNERS.iter().chain(CUSTOMERS.iter()).enumerate() {
        for n in 0..4u8 {
            let r = own_roles[(ti * 4 + n as usize) % own_roles.len()];
            users.push(User {
                id: user_id(*t, n),
                tenant: tenant(*t),
                user_principal_name: format!("u{n}@t{t}.example"),
                display_name: format!("U{n}"),
                password_hash: None,
                roles: if r < ROLES.len() {
                    vec![role(r)]
                } else {
                    vec![]
                },
                preferred_language: None,
                account_enabled: true,
            });
        }
    }
    let mut groups = Vec::new();
    for (pi, p) in PARTNERS.iter().enumerate() {
        for (gi, name) in GROUP_NAMES.iter().enumerate() {
            let members = (0..4u8)
                .filter(|n| members[(pi * 16 + gi * 4 + *n as usize) % members.len()])
                .map(|n| user_id(*p, n))
                .collect();
            groups.push(Group {
                id: group_id(*p, gi as u8),
                tenant: tenant(*p),
                display_name: (*name).to_owned(),
                members,
            });
        }
    }
    let mut relationships = Vec::new();
    for (i, s) in rels.iter().enumerate() {
        let partner = tenant(PARTNERS[s.partner]);
        let customer = tenant(CUSTOMERS[s.customer]);
        let roles: Vec<RoleDefinitionId> = {
            let mut v: Vec<RoleDefinitionId> = s.roles.iter().map(|r| role(*r)).collect();
            v.dedup();
            v
        };
        let mut r = Relationship::create(
            partner,
            RelationshipDraft {
                display_name: format!("r{i}"),
                duration: "P730D".into(),
                auto_extend: None,
                roles: vec![role(1)],
                customer: Some(CustomerParticipant {
                    tenant_id: customer,
                    display_name: None,
                }),
            },
            catalogue,
            base(),
        )
        .unwrap();
        r.roles = roles;
        r.status = REL_STATUSES[s.status];
        r.end_at = Some(base() + Duration::hours(s.end_hours));
        relationships.push(r);
    }
    let mut world = World {
        users,
        groups,
        relationships,
        assignments: Vec::new(),
        links: Vec::new(),
    };
    for a in asgs {
        add_assignment(&mut world, a);
    }
    for (i, dap) in daps.iter().enumerate().take(4) {
        world.links.push(PartnerLink {
            customer: tenant(CUSTOMERS[i % 2]),
            partner: tenant(PARTNERS[i / 2]),
            reseller: true,
            dap: *dap,
            since: base(),
            dap_removed_at: None,
            other_types: Vec::new(),
            associated_partner: None,
        });
    }
    world
}

fn add_assignment(w: &mut World, a: &AsgSpec) -> Option<usize> {
    if w.relationships.is_empty() {
        return None;
    }
    let rel = &w.relationships[a.rel % w.relationships.len()];
    // Mostly the relationship's partner's groups; sometimes another partner's (never valid).
    let g = &w.groups[a.group % w.groups.len()];
    w.assignments.push(AccessAssignment {
        id: AssignmentId::new_random(),
        relationship_id: rel.id,
        partner: rel.partner,
        group: g.id,
        roles: a.roles.iter().map(|r| role(*r)).collect(),
        status: ASG_STATUSES[a.status],
        created_at: base(),
        last_modified_at: base(),
        due_at: None,
        version: 1,
    });
    Some(w.assignments.len() - 1)
}

fn index_of(w: &World) -> AuthzIndex {
    let mut ix = AuthzIndex::new(Catalogue::builtin(), ACTIONS.iter().copied());
    // Arbitrary order: assignments before their relationships, groups before users.
    for a in &w.assignments {
        ix.put_assignment(a);
    }
    for g in &w.groups {
        ix.put_group(g);
    }
    ix.load(&Facts {
        users: &w.users,
        groups: &[],
        relationships: &w.relationships,
        assignments: &[],
        links: &w.links,
    });
    ix
}

fn compare(w: &World, ix: &AuthzIndex, now: OffsetDateTime) -> Result<(), TestCaseError> {
    let facts = Facts {
        users: &w.users,
        groups: &w.groups,
        relationships: &w.relationships,
        assignments: &w.assignments,
        links: &w.links,
    };
    let catalogue = Catalogue::builtin();
    for u in &w.users {
        for t in PARTNERS.iter().chain(CUSTOMERS.iter()) {
            for a in ACTIONS {
                let req = CheckRequest {
                    user: u.id,
                    tenant: tenant(*t),
                    action: a.to_owned(),
                    target: None,
                };
                let expected = evaluate(&facts, catalogue, &req, now);
                let got = ix.check(&req, now);
                prop_assert_eq!(&got, &expected, "{:?} at {}", req, now);
            }
            // The sensitive actions on each user of the tenant, and on a user of another one.
            for a in &ACTIONS[..3] {
                for target in (0..4u8)
                    .map(|n| user_id(*t, n))
                    .chain([user_id(PARTNERS[0], 1)])
                {
                    let req = CheckRequest {
                        user: u.id,
                        tenant: tenant(*t),
                        action: (*a).to_owned(),
                        target: Some(target),
                    };
                    let expected = evaluate(&facts, catalogue, &req, now);
                    let got = ix.check(&req, now);
                    prop_assert_eq!(&got, &expected, "{:?} at {}", req, now);
                }
            }
        }
    }
    Ok(())
}

fn apply(w: &mut World, ix: &mut AuthzIndex, now: &mut OffsetDateTime, e: &Event) {
    match e {
        Event::ToggleMember {
            partner,
            group,
            user,
        } => {
            let gid = group_id(PARTNERS[*partner], *group as u8);
            let uid = user_id(PARTNERS[*partner], *user as u8);
            let g = w.groups.iter_mut().find(|g| g.id == gid).unwrap();
            if let Some(pos) = g.members.iter().position(|m| *m == uid) {
                g.members.remove(pos);
            } else {
                g.members.push(uid);
            }
            ix.put_group(g);
        }
        Event::SetRelationshipStatus { rel, status } => {
            if !w.relationships.is_empty() {
                let n = w.relationships.len();
                let r = &mut w.relationships[rel % n];
                r.status = REL_STATUSES[*status];
                ix.put_relationship(r);
            }
        }
        Event::SetAssignmentStatus { asg, status } => {
            if !w.assignments.is_empty() {
                let n = w.assignments.len();
                let a = &mut w.assignments[asg % n];
                a.status = ASG_STATUSES[*status];
                if a.status == AssignmentStatus::Deleted && asg % 3 == 0 {
                    // Sometimes a deleted assignment leaves the store altogether.
                    let id = a.id;
                    w.assignments.retain(|x| x.id != id);
                    ix.remove_assignment(id);
                } else {
                    ix.put_assignment(a);
                }
            }
        }
        Event::AddAssignment(spec) => {
            if let Some(i) = add_assignment(w, spec) {
                ix.put_assignment(&w.assignments[i]);
            }
        }
        Event::SetDap {
            partner,
            customer,
            dap,
        } => {
            let (p, c) = (tenant(PARTNERS[*partner]), tenant(CUSTOMERS[*customer]));
            let l = w
                .links
                .iter_mut()
                .find(|l| l.partner == p && l.customer == c)
                .unwrap();
            l.dap = *dap;
            ix.put_link(l);
        }
        Event::ToggleUser { tenant: t, user } => {
            let all: Vec<u8> = PARTNERS.iter().chain(CUSTOMERS.iter()).copied().collect();
            let uid = user_id(all[*t], *user as u8);
            let u = w.users.iter_mut().find(|u| u.id == uid).unwrap();
            u.account_enabled = !u.account_enabled;
            ix.put_user(u);
        }
        Event::SetOwnRoles {
            tenant: t,
            user,
            roles,
        } => {
            let all: Vec<u8> = PARTNERS.iter().chain(CUSTOMERS.iter()).copied().collect();
            let uid = user_id(all[*t], *user as u8);
            let u = w.users.iter_mut().find(|u| u.id == uid).unwrap();
            u.roles = roles.iter().map(|r| role(*r)).collect();
            u.roles.dedup();
            ix.put_user(u);
        }
        Event::Advance { hours } => *now += Duration::hours(*hours),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn the_index_always_agrees_with_the_reference_evaluator(
        rels in prop::collection::vec(rel_spec(), 0..8),
        asgs in prop::collection::vec(asg_spec(), 0..10),
        members in prop::collection::vec(any::<bool>(), 32),
        own_roles in prop::collection::vec(0..ROLES.len() + 2, 16),
        daps in prop::collection::vec(any::<bool>(), 4),
        events in prop::collection::vec(event(), 0..25),
    ) {
        let mut w = build(&rels, &asgs, &members, &own_roles, &daps);
        let mut ix = index_of(&w);
        let mut now = base();
        compare(&w, &ix, now)?;
        for e in &events {
            apply(&mut w, &mut ix, &mut now, e);
            compare(&w, &ix, now)?;
        }
    }
}

/// A world with one active relationship (Helpdesk Administrator) assigned to Tier1, whose only
/// member is partner user 0.
fn simple() -> (World, AuthzIndex) {
    let w = build(
        &[RelSpec {
            partner: 0,
            customer: 0,
            roles: vec![1],
            status: 0,
            end_hours: 10,
        }],
        &[AsgSpec {
            rel: 0,
            group: 2,
            roles: vec![1],
            status: 0,
        }],
        &[false],
        &[ROLES.len()],
        &[false],
    );
    let mut w = w;
    w.groups[2].members = vec![user_id(1, 0)];
    let ix = index_of(&w);
    (w, ix)
}

/// Partner user 0 resetting a password in the customer of [`simple`].
fn tier1_request() -> CheckRequest {
    CheckRequest {
        user: user_id(1, 0),
        tenant: tenant(3),
        action: ACTIONS[0].to_owned(),
        target: None,
    }
}

#[test]
fn the_end_date_is_exact_allowed_a_millisecond_before_and_denied_at_it() {
    let (w, ix) = simple();
    let end = w.relationships[0].end_at.unwrap();
    let req = tier1_request();
    let before = ix.check(&req, end - Duration::milliseconds(1));
    match &before {
        Decision::Allow(g) => {
            assert!(matches!(g.via, Via::Gdap { .. }));
            assert_eq!(g.role, role(1));
            assert_eq!(
                g.resource_action,
                "microsoft.directory/users/password/update"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        ix.check(&req, end),
        Decision::Deny(DenyReason::Expired {
            relationship: w.relationships[0].id,
            at: end
        })
    );
}

#[test]
fn a_terminated_relationship_or_a_removed_member_takes_effect_at_the_next_check() {
    let (mut w, mut ix) = simple();
    let now = base();
    let req = tier1_request();
    assert!(ix.check(&req, now).allowed());
    w.groups[2].members.clear();
    ix.put_group(&w.groups[2]);
    assert_eq!(
        ix.check(&req, now),
        Decision::Deny(DenyReason::NoAssignmentForGroups)
    );
    w.groups[2].members = vec![user_id(1, 0)];
    ix.put_group(&w.groups[2]);
    assert!(ix.check(&req, now).allowed());
    let timings = Timings::default();
    w.relationships[0]
        .request_termination(now, &timings)
        .unwrap();
    ix.put_relationship(&w.relationships[0]);
    assert_eq!(
        ix.check(&req, now),
        Decision::Deny(DenyReason::RelationshipNotActive {
            relationship: w.relationships[0].id,
            status: S::TerminationRequested
        })
    );
}

#[test]
fn an_older_version_of_a_relationship_does_not_replace_a_newer_one() {
    let (mut w, mut ix) = simple();
    let now = base();
    let req = tier1_request();
    let active = w.relationships[0].clone();
    w.relationships[0]
        .request_termination(now, &Timings::default())
        .unwrap();
    w.relationships[0].version = active.version + 1;
    ix.put_relationship(&w.relationships[0]);
    // The active version arrives late: the termination stands.
    ix.put_relationship(&active);
    assert!(!ix.check(&req, now).allowed());
    // A newer version still replaces it.
    let mut later = w.relationships[0].clone();
    later.status = S::Active;
    later.version += 1;
    ix.put_relationship(&later);
    assert!(ix.check(&req, now).allowed());
}

#[test]
fn aobo_is_refused_even_to_a_global_administrator() {
    let (mut w, _) = simple();
    w.relationships[0].roles = vec![role(0)];
    w.assignments[0].roles = vec![role(0)];
    let ix = index_of(&w);
    let req = |a: &str| CheckRequest {
        user: user_id(1, 0),
        tenant: tenant(3),
        action: a.to_owned(),
        target: None,
    };
    assert_eq!(
        ix.check(&req("microsoft.commerce.billing/purchases/create"), base()),
        Decision::Deny(DenyReason::AoboRestricted)
    );
    assert!(ix
        .check(
            &req("microsoft.commerce.billing/licenses/standard/read"),
            base()
        )
        .allowed());
    // The customer's own Global Administrator is not acting on behalf of anyone.
    let mut w2 = w.clone();
    w2.users
        .iter_mut()
        .find(|u| u.id == user_id(3, 0))
        .unwrap()
        .roles = vec![role(0)];
    let ix2 = index_of(&w2);
    let own = CheckRequest {
        user: user_id(3, 0),
        tenant: tenant(3),
        action: "microsoft.commerce.billing/purchases/create".into(),
        target: None,
    };
    assert!(ix2.check(&own, base()).allowed());
}

#[test]
fn gdap_takes_precedence_over_dap_for_a_user_in_both() {
    let (mut w, _) = simple();
    // User 0 is also an Admin Agent, and the customer keeps DAP for the partner.
    w.groups[0].members = vec![user_id(1, 0)];
    w.links[0].dap = true;
    let ix = index_of(&w);
    let create = CheckRequest {
        user: user_id(1, 0),
        tenant: tenant(3),
        action: "microsoft.directory/users/create".into(),
        target: None,
    };
    // Helpdesk Administrator (GDAP) cannot create users; DAP's Global Administrator could.
    assert_eq!(
        ix.check(&create, base()),
        Decision::Deny(DenyReason::RoleLacksAction)
    );
    // Another Admin Agent without GDAP assignments acts through DAP.
    w.groups[0].members.push(user_id(1, 1));
    let ix = index_of(&w);
    let other = CheckRequest {
        user: user_id(1, 1),
        ..create
    };
    match ix.check(&other, base()) {
        Decision::Allow(g) => assert!(matches!(g.via, Via::Dap { .. })),
        d => panic!("{d:?}"),
    }
}

#[test]
fn an_action_learned_after_construction_is_decided_as_before_and_junk_is_not_learned() {
    let (w, mut ix) = simple();
    let req = |a: &str| CheckRequest {
        user: user_id(1, 0),
        tenant: tenant(3),
        action: a.to_owned(),
        target: None,
    };
    // Helpdesk Administrator grants `microsoft.azure.serviceHealth/allEntities/allTasks`.
    let novel = "microsoft.azure.serviceHealth/incidents/read";
    assert!(ix.actions().get(novel).is_none());
    let before = ix.check(&req(novel), base());
    assert!(before.allowed());
    assert!(ix.learn_action(novel).is_some());
    assert_eq!(ix.check(&req(novel), base()), before);
    let denied = "microsoft.directory/applications/create";
    let before = ix.check(&req(denied), base());
    ix.learn_action(denied);
    assert_eq!(ix.check(&req(denied), base()), before);
    assert!(ix.learn_action("not an action <script>").is_none());
    let _ = w;
}
