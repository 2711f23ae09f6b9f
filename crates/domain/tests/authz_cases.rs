//! Authorization cases as data: every `tests/authz_cases/*.json` file holds a world (by names),
//! checks and their expected decisions. Each check runs through the reference evaluator and the
//! index; both must give the expected answer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly on broken assumptions"
)]

use std::collections::HashMap;

use gdap_domain::assignment::AccessAssignment;
use gdap_domain::authz::index::AuthzIndex;
use gdap_domain::authz::reference::{evaluate, Facts};
use gdap_domain::authz::{CheckRequest, Decision, DenyReason, Protection, Via};
use gdap_domain::customer::PartnerLink;
use gdap_domain::directory::{Group, User};
use gdap_domain::enums::{AssignmentStatus, GraphEnum, RelationshipStatus};
use gdap_domain::ids::{AssignmentId, GroupId, RelationshipId, RoleDefinitionId, TenantId, UserId};
use gdap_domain::relationship::{CustomerParticipant, Relationship, RelationshipDraft};
use gdap_domain::roles::Catalogue;
use gdap_domain::timefmt::parse_rfc3339;
use serde_json::Value;

/// Names become ids, the same name always the same id.
#[derive(Default)]
struct Names(HashMap<String, uuid::Uuid>);

impl Names {
    fn id(&mut self, name: &str) -> String {
        let n = self.0.len() as u128 + 1;
        self.0
            .entry(name.to_owned())
            .or_insert_with(|| uuid::Uuid::from_u128((0x1000_0000_0000_4000_8000_u128 << 48) | n))
            .to_string()
    }
}

fn role(name: &str) -> RoleDefinitionId {
    Catalogue::builtin()
        .all()
        .iter()
        .find(|r| r.display_name == name)
        .unwrap_or_else(|| panic!("no built-in role named {name}"))
        .id
}

fn roles(v: &Value) -> Vec<RoleDefinitionId> {
    v.as_array()
        .map(|a| a.iter().map(|r| role(r.as_str().unwrap())).collect())
        .unwrap_or_default()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str()
        .unwrap_or_else(|| panic!("`{k}` missing in {v}"))
}

struct World {
    users: Vec<User>,
    groups: Vec<Group>,
    relationships: Vec<Relationship>,
    assignments: Vec<AccessAssignment>,
    links: Vec<PartnerLink>,
}

fn world(w: &Value, names: &mut Names) -> World {
    let list = |k: &str| w[k].as_array().cloned().unwrap_or_default();
    let users = list("users")
        .iter()
        .map(|u| User {
            id: UserId::parse(&names.id(s(u, "name"))).unwrap(),
            tenant: TenantId::parse(&names.id(s(u, "tenant"))).unwrap(),
            user_principal_name: format!("{}@example", s(u, "name")),
            display_name: s(u, "name").to_owned(),
            password_hash: None,
            roles: roles(&u["roles"]),
            preferred_language: None,
            account_enabled: u["enabled"].as_bool().unwrap_or(true),
        })
        .collect();
    let groups = list("groups")
        .iter()
        .map(|g| Group {
            id: GroupId::parse(&names.id(s(g, "name"))).unwrap(),
            tenant: TenantId::parse(&names.id(s(g, "tenant"))).unwrap(),
            display_name: s(g, "name").to_owned(),
            members: g["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| UserId::parse(&names.id(m.as_str().unwrap())).unwrap())
                .collect(),
        })
        .collect();
    let relationships = list("relationships")
        .iter()
        .map(|r| {
            let partner = TenantId::parse(&names.id(s(r, "partner"))).unwrap();
            let at = parse_rfc3339("2026-01-01T00:00:00Z").unwrap();
            let mut rel = Relationship::create(
                partner,
                RelationshipDraft {
                    display_name: s(r, "name").to_owned(),
                    duration: "P730D".into(),
                    auto_extend: None,
                    roles: roles(&r["roles"]),
                    customer: Some(CustomerParticipant {
                        tenant_id: TenantId::parse(&names.id(s(r, "customer"))).unwrap(),
                        display_name: None,
                    }),
                },
                Catalogue::builtin(),
                at,
            )
            .unwrap();
            rel.id =
                RelationshipId::parse(&format!("{}-{partner}", names.id(s(r, "name")))).unwrap();
            rel.status = RelationshipStatus::parse_wire(s(r, "status"), true).unwrap();
            rel.end_at = Some(parse_rfc3339(s(r, "endDateTime")).unwrap());
            rel.activated_at = Some(at);
            rel
        })
        .collect::<Vec<_>>();
    let assignments = list("assignments")
        .iter()
        .map(|a| {
            let rel: &Relationship = relationships
                .iter()
                .find(|r| r.display_name == s(a, "relationship"))
                .unwrap();
            AccessAssignment {
                id: AssignmentId::parse(&names.id(s(a, "name"))).unwrap(),
                relationship_id: rel.id,
                partner: rel.partner,
                group: GroupId::parse(&names.id(s(a, "group"))).unwrap(),
                roles: roles(&a["roles"]),
                status: AssignmentStatus::parse_wire(s(a, "status"), true).unwrap(),
                created_at: rel.created_at,
                last_modified_at: rel.created_at,
                due_at: None,
                version: 1,
            }
        })
        .collect();
    let links = list("links")
        .iter()
        .map(|l| PartnerLink {
            customer: TenantId::parse(&names.id(s(l, "customer"))).unwrap(),
            partner: TenantId::parse(&names.id(s(l, "partner"))).unwrap(),
            reseller: true,
            dap: l["dap"].as_bool().unwrap_or(false),
            since: parse_rfc3339("2020-01-01T00:00:00Z").unwrap(),
            dap_removed_at: None,
            other_types: Vec::new(),
            associated_partner: None,
        })
        .collect();
    World {
        users,
        groups,
        relationships,
        assignments,
        links,
    }
}

fn verify(file: &str, c: &Value, d: &Decision, names: &mut Names) {
    let what = format!("{file}: {c}");
    match (s(c, "expect"), d) {
        ("allow", Decision::Allow(g)) => {
            if let Some(via) = c["via"].as_str() {
                let got = match &g.via {
                    Via::OwnRole => "ownRole",
                    Via::Gdap { .. } => "gdap",
                    Via::Dap { .. } => "dap",
                };
                assert_eq!(got, via, "{what}");
            }
            if let Some(r) = c["role"].as_str() {
                assert_eq!(g.role, role(r), "{what}");
            }
            let named = |k: &str, names: &mut Names| c[k].as_str().map(|n| names.id(n));
            match &g.via {
                Via::Gdap {
                    relationship,
                    assignment,
                    group,
                } => {
                    if let Some(r) = named("relationship", names) {
                        assert!(relationship.to_string().starts_with(&r), "{what}");
                    }
                    if let Some(a) = named("assignment", names) {
                        assert_eq!(assignment.to_string(), a, "{what}");
                    }
                    if let Some(gr) = named("group", names) {
                        assert_eq!(group.to_string(), gr, "{what}");
                    }
                }
                Via::Dap { group } => {
                    if let Some(gr) = named("group", names) {
                        assert_eq!(group.to_string(), gr, "{what}");
                    }
                }
                Via::OwnRole => {}
            }
        }
        ("deny", Decision::Deny(r)) => {
            if let Some(reason) = c["reason"].as_str() {
                assert_eq!(r.code(), reason, "{what}");
            }
            if let DenyReason::TargetProtected {
                actor_role,
                protection,
                ..
            } = r
            {
                if let Some(a) = c["actorRole"].as_str() {
                    assert_eq!(*actor_role, role(a), "{what}");
                }
                match (c.get("protectedBy"), protection) {
                    (None, _) => {}
                    (Some(Value::Null), Protection::NoRole) => {}
                    (Some(Value::String(t)), Protection::Role(p)) => {
                        assert_eq!(*p, role(t), "{what}");
                    }
                    (want, got) => panic!("{what}: protected by {want:?}, got {got:?}"),
                }
            }
        }
        (want, got) => panic!("{what}: expected {want}, got {got:?}"),
    }
}

#[test]
fn every_case_file_decides_as_written() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/authz_cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "case files are missing");
    let mut checks = 0;
    for path in files {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut names = Names::default();
        let w = world(&doc["world"], &mut names);
        let facts = Facts {
            users: &w.users,
            groups: &w.groups,
            relationships: &w.relationships,
            assignments: &w.assignments,
            links: &w.links,
        };
        let mut ix = AuthzIndex::new(Catalogue::builtin(), std::iter::empty());
        ix.load(&facts);
        let now = parse_rfc3339(s(&doc, "now")).unwrap();
        for c in doc["checks"].as_array().unwrap() {
            let req = CheckRequest {
                user: UserId::parse(&names.id(s(c, "user"))).unwrap(),
                tenant: TenantId::parse(&names.id(s(c, "tenant"))).unwrap(),
                action: s(c, "action").to_owned(),
                target: c["target"]
                    .as_str()
                    .map(|t| UserId::parse(&names.id(t)).unwrap()),
            };
            let at = c["at"].as_str().map_or(now, |t| parse_rfc3339(t).unwrap());
            let reference = evaluate(&facts, Catalogue::builtin(), &req, at);
            let indexed = ix.check(&req, at);
            assert_eq!(indexed, reference, "{file}: {c}");
            verify(&file, c, &indexed, &mut names);
            checks += 1;
        }
    }
    assert!(checks >= 200);
}
