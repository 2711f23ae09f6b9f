//! Drift cases as data: each names a template, a customer's relationships and access
//! assignments and the partner's groups, and the plan expected; one test runs them all.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly on broken assumptions"
)]

use std::collections::{HashMap, HashSet};

use gdap_domain::assignment::AccessAssignment;
use gdap_domain::enums::{AssignmentStatus, GraphEnum, RelationshipStatus};
use gdap_domain::ids::{AssignmentId, GroupId, RoleDefinitionId, TenantId};
use gdap_domain::relationship::{AutoExtend, CustomerParticipant, Relationship, RelationshipDraft};
use gdap_domain::roles::Catalogue;
use gdap_domain::template::{plan, AssignmentFacts, Drift, RelationshipFacts, Template};
use serde_json::Value;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const CASES: &str = include_str!("drift_cases.json");
const NOW: OffsetDateTime = datetime!(2027-03-01 0:00 UTC);

/// Group aliases of the cases (`g1` …) and their ids.
fn group(alias: &str) -> GroupId {
    let n: u32 = alias.trim_start_matches('g').parse().unwrap();
    GroupId::parse(&format!("11111111-aaaa-4aaa-8aaa-{n:012}")).unwrap()
}

fn role(name: &str) -> RoleDefinitionId {
    Catalogue::builtin()
        .all()
        .iter()
        .find(|r| r.display_name.eq_ignore_ascii_case(name))
        .unwrap_or_else(|| panic!("no role {name}"))
        .id
}

fn roles(v: &Value) -> Vec<RoleDefinitionId> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| role(r.as_str().unwrap()))
        .collect()
}

/// A drift in the cases' words: its kind, group aliases and role names.
fn describe(
    d: &Drift,
    names: &HashMap<String, String>,
    aliases: &HashMap<GroupId, String>,
) -> String {
    let role_names = |r: &[RoleDefinitionId]| {
        let catalogue = Catalogue::builtin();
        let mut n: Vec<String> = r
            .iter()
            .map(|id| catalogue.get(id).unwrap().display_name.clone())
            .collect();
        n.sort();
        n.join(", ")
    };
    let rel = |id: &gdap_domain::ids::RelationshipId| names[&id.to_string()].clone();
    match d {
        Drift::NoRelationship => "noRelationship".into(),
        Drift::GlobalAdministrator(r) => format!("globalAdministrator {}", rel(r)),
        Drift::Ending(r, _) => format!("ending {}", rel(r)),
        Drift::RolesMissing(r, x) => format!("rolesMissing {}: {}", rel(r), role_names(x)),
        Drift::RolesBeyond(r, x) => format!("rolesBeyond {}: {}", rel(r), role_names(x)),
        Drift::MissingAssignment(r, g, x) => {
            format!(
                "missingAssignment {} {}: {}",
                rel(r),
                aliases[g],
                role_names(x)
            )
        }
        Drift::AssignmentRoles(r, _, x) => format!("assignmentRoles {}: {}", rel(r), role_names(x)),
        Drift::GroupGone(r, _, g) => format!("groupGone {} {}", rel(r), aliases[g]),
        Drift::TemplateGroupGone(g) => format!("templateGroupGone {}", aliases[g]),
    }
}

#[test]
fn every_drift_case_plans_as_expected() {
    let cases: Vec<Value> = serde_json::from_str(CASES).unwrap();
    assert!(cases.len() >= 10);
    let partner = TenantId::new_random();
    let customer = TenantId::new_random();
    for c in &cases {
        let name = c["case"].as_str().unwrap();
        let mut template = c["template"].clone();
        let listed = template
            .get_mut("assignments")
            .and_then(Value::as_array_mut);
        for a in listed.into_iter().flatten() {
            a["group"] = Value::String(group(a["group"].as_str().unwrap()).to_string());
        }
        let t = Template::parse(&template.to_string()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let groups: HashSet<GroupId> = c["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| group(g.as_str().unwrap()))
            .collect();
        let mut aliases: HashMap<GroupId, String> = HashMap::new();
        for n in 1..10 {
            aliases.insert(group(&format!("g{n}")), format!("g{n}"));
        }
        let mut names = HashMap::new();
        let mut by_name = HashMap::new();
        let mut rels = Vec::new();
        for r in c["relationships"].as_array().unwrap() {
            let rel_name = r["name"].as_str().unwrap();
            let mut rel = Relationship::create(
                partner,
                RelationshipDraft {
                    display_name: rel_name.into(),
                    duration: "P730D".into(),
                    auto_extend: None,
                    roles: roles(&r["roles"]),
                    customer: Some(CustomerParticipant {
                        tenant_id: customer,
                        display_name: None,
                    }),
                },
                Catalogue::builtin(),
                NOW - Duration::days(100),
            )
            .unwrap();
            rel.status = RelationshipStatus::from_name(r["status"].as_str().unwrap()).unwrap();
            rel.end_at = r["endInDays"].as_i64().map(|d| NOW + Duration::days(d));
            if r["autoExtend"] == true {
                rel.auto_extend = AutoExtend::SixMonths;
            }
            names.insert(rel.id.to_string(), rel_name.to_owned());
            by_name.insert(rel_name.to_owned(), rel.id);
            rels.push(rel);
        }
        let assignments: Vec<AccessAssignment> = c["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| AccessAssignment {
                id: AssignmentId::new_random(),
                relationship_id: by_name[a["relationship"].as_str().unwrap()],
                partner,
                group: group(a["group"].as_str().unwrap()),
                roles: roles(&a["roles"]),
                status: AssignmentStatus::from_name(a["status"].as_str().unwrap_or("active"))
                    .unwrap(),
                created_at: NOW,
                last_modified_at: NOW,
                due_at: None,
                version: 1,
            })
            .collect();
        let rels: Vec<RelationshipFacts> = rels.iter().map(Into::into).collect();
        let assignments: Vec<AssignmentFacts> = assignments.iter().map(Into::into).collect();
        let got: Vec<String> = plan(&t, &rels, &assignments, &groups, NOW)
            .iter()
            .map(|d| describe(d, &names, &aliases))
            .collect();
        let want: Vec<String> = c["expected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(got, want, "case: {name}");
    }
}
