//! The gdap authorization index beside Cedar (`cedar-policy`) and casbin, each modelling the same
//! GDAP decision over the same generated data (`crates/bench/src/authz_data.rs`), in one run.
//!
//! ```text
//! cd benches/compare && cargo run --release
//! ```
//!
//! The models, each as its authors would write it:
//! - Cedar: one policy per role, `permit(principal, action in Action::"role-N", resource is Tenant)
//!   when { resource.active && context.now < resource.end && principal in resource.rN }`, where a
//!   tenant's `rN` is the set of partner groups holding role N there; users are members of their
//!   groups; each action is a member of the roles that grant it.
//! - casbin: `p = group, customer, role` rows for assignments in force, `g = user, group`,
//!   `g2 = action, role`, matcher `r.dom == p.dom && g2(r.act, p.role) && g(r.sub, p.sub)`.
//!
//! Cedar is measured twice: with the whole policy set on every request, and with the set sliced per
//! action (only the policies of the roles granting the requested action), as Cedar's authors advise
//! for large policy sets. Beside them, a floor: the same lookups a check makes (the user's groups,
//! the customer's relationship, the action's roles) in plain `HashMap`s, with no decision.
//!
//! Terminated relationships are absent from the casbin rows and marked inactive for Cedar. Every
//! sampled decision of each engine is compared with gdap's.

#[path = "../../../crates/bench/src/authz_data.rs"]
#[allow(dead_code, reason = "shared with gdap-bench, which uses other parts")]
mod authz_data;

use std::collections::{BTreeSet, HashMap};
use std::str::FromStr;
use std::time::Instant;

use casbin::prelude::*;
use cedar_policy::{
    Authorizer, Context, Decision as CedarDecision, Entities, EntityUid, PolicySet, Request,
    RestrictedExpression,
};
use gdap_domain::authz::grant_matches;
use gdap_domain::enums::{AssignmentStatus, RelationshipStatus};
use gdap_domain::roles::Catalogue;
use serde_json::{json, Value};

const CHECKS: usize = 200_000;

fn uid(t: &str, id: &str) -> Value {
    json!({"type": t, "id": id})
}

fn main() {
    let data = authz_data::generate(CHECKS);
    let catalogue = Catalogue::builtin();
    let role_of: HashMap<_, _> = data.pool.iter().enumerate().map(|(i, r)| (*r, i)).collect();
    // For each action, the pool roles that grant it.
    let granting: Vec<Vec<usize>> = data
        .actions
        .iter()
        .map(|a| {
            data.pool
                .iter()
                .enumerate()
                .filter(|(_, r)| {
                    catalogue.get(r).is_some_and(|role| {
                        role.resource_actions.iter().any(|g| grant_matches(g, a))
                    })
                })
                .map(|(i, _)| i)
                .collect()
        })
        .collect();
    // Per customer: for each role, the groups holding it through an active assignment.
    let mut holders: Vec<Vec<BTreeSet<usize>>> =
        vec![vec![BTreeSet::new(); data.pool.len()]; data.customers.len()];
    let rel_customer: HashMap<_, _> = data
        .relationships
        .iter()
        .enumerate()
        .map(|(c, r)| (r.id, c))
        .collect();
    let group_pos: HashMap<_, _> = data
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.id, i))
        .collect();
    for a in data
        .assignments
        .iter()
        .filter(|a| a.status == AssignmentStatus::Active)
    {
        let c = rel_customer[&a.relationship_id];
        for r in &a.roles {
            if data.relationships[c].roles.contains(r) {
                holders[c][role_of[r]].insert(group_pos[&a.group]);
            }
        }
    }

    // gdap.
    let t = Instant::now();
    let ix = authz_data::index_of(&data);
    let gdap_build = t.elapsed();
    let action_ids: Vec<_> = data.actions.iter().map(|a| ix.actions().get(a)).collect();
    let decide = |(u, c, a): (usize, usize, usize)| {
        ix.check_known(
            data.users[u].id,
            data.customers[c],
            action_ids[a],
            &data.actions[a],
            data.now,
        )
        .allowed()
    };
    let t = Instant::now();
    let mut gdap_allowed = Vec::with_capacity(CHECKS);
    for w in &data.work {
        gdap_allowed.push(decide(*w));
    }
    let gdap_time = t.elapsed();

    // The floor: the lookups of a check in plain hash maps, no decision.
    let groups_of_user: HashMap<_, Vec<usize>> = data
        .users
        .iter()
        .map(|u| {
            let gs = data
                .groups
                .iter()
                .enumerate()
                .filter(|(_, g)| g.members.contains(&u.id))
                .map(|(i, _)| i)
                .collect();
            (u.id, gs)
        })
        .collect();
    let rel_of_customer: HashMap<_, usize> = data
        .customers
        .iter()
        .enumerate()
        .map(|(i, c)| (*c, i))
        .collect();
    let roles_of_action: HashMap<&str, &Vec<usize>> = data
        .actions
        .iter()
        .map(String::as_str)
        .zip(&granting)
        .collect();
    let t = Instant::now();
    let mut found = 0usize;
    for (u, c, a) in &data.work {
        let g = groups_of_user.get(&data.users[*u].id).map_or(0, Vec::len);
        let r = rel_of_customer.get(&data.customers[*c]).copied().unwrap_or(0);
        let x = roles_of_action.get(data.actions[*a].as_str()).map_or(0, |v| v.len());
        found = found.wrapping_add(std::hint::black_box(g + r + x));
    }
    let floor_time = t.elapsed();
    std::hint::black_box(found);

    // Cedar.
    let t = Instant::now();
    let policy_text = |i: usize| {
        format!(
            "permit(principal, action in Action::\"role-{i}\", resource is Tenant) when {{ resource.active && context.now < resource.end && principal in resource.r{i} }};\n"
        )
    };
    let mut policies = String::new();
    for i in 0..data.pool.len() {
        policies.push_str(&policy_text(i));
    }
    let policies = PolicySet::from_str(&policies).expect("policies");
    // Sliced: per action, the policies of the roles that grant it (an empty set denies).
    let sliced: Vec<PolicySet> = granting
        .iter()
        .map(|roles| {
            let text: String = roles.iter().map(|i| policy_text(*i)).collect();
            PolicySet::from_str(&text).expect("sliced policies")
        })
        .collect();
    let mut entities: Vec<Value> = Vec::new();
    for g in &data.groups {
        entities.push(json!({"uid": uid("Group", &g.id.to_string()), "attrs": {}, "parents": []}));
    }
    let mut groups_of: HashMap<_, Vec<Value>> = HashMap::new();
    for g in &data.groups {
        for m in &g.members {
            groups_of
                .entry(*m)
                .or_default()
                .push(uid("Group", &g.id.to_string()));
        }
    }
    for u in &data.users {
        entities.push(json!({"uid": uid("User", &u.id.to_string()), "attrs": {}, "parents": groups_of.remove(&u.id).unwrap_or_default()}));
    }
    for (c, r) in data.relationships.iter().enumerate() {
        let mut attrs = serde_json::Map::new();
        attrs.insert(
            "active".into(),
            json!(r.status == RelationshipStatus::Active),
        );
        attrs.insert(
            "end".into(),
            json!(r.end_at.map_or(i64::MAX, |e| e.unix_timestamp())),
        );
        for (i, hs) in holders[c].iter().enumerate() {
            let set: Vec<Value> = hs
                .iter()
                .map(|g| json!({"__entity": uid("Group", &data.groups[*g].id.to_string())}))
                .collect();
            attrs.insert(format!("r{i}"), Value::Array(set));
        }
        entities.push(json!({"uid": uid("Tenant", &data.customers[c].to_string()), "attrs": attrs, "parents": []}));
    }
    for i in 0..data.pool.len() {
        entities
            .push(json!({"uid": uid("Action", &format!("role-{i}")), "attrs": {}, "parents": []}));
    }
    for (a, roles) in data.actions.iter().zip(&granting) {
        let parents: Vec<Value> = roles
            .iter()
            .map(|i| uid("Action", &format!("role-{i}")))
            .collect();
        entities.push(json!({"uid": uid("Action", a), "attrs": {}, "parents": parents}));
    }
    let entities = Entities::from_json_value(Value::Array(entities), None).expect("entities");
    let cedar_build = t.elapsed();
    let authorizer = Authorizer::new();
    let users: Vec<EntityUid> = data
        .users
        .iter()
        .map(|u| EntityUid::from_str(&format!("User::\"{}\"", u.id)).expect("uid"))
        .collect();
    let tenants: Vec<EntityUid> = data
        .customers
        .iter()
        .map(|c| EntityUid::from_str(&format!("Tenant::\"{c}\"")).expect("uid"))
        .collect();
    let actions: Vec<EntityUid> = data
        .actions
        .iter()
        .map(|a| EntityUid::from_str(&format!("Action::\"{a}\"")).expect("uid"))
        .collect();
    let now = data.now.unix_timestamp();
    let cedar_n = 20_000;
    let t = Instant::now();
    let mut cedar_agree = 0;
    for (i, (u, c, a)) in data.work.iter().take(cedar_n).enumerate() {
        let ctx = Context::from_pairs([("now".to_owned(), RestrictedExpression::new_long(now))])
            .expect("context");
        let req = Request::new(
            users[*u].clone(),
            actions[*a].clone(),
            tenants[*c].clone(),
            ctx,
            None,
        )
        .expect("request");
        let allowed = authorizer
            .is_authorized(&req, &policies, &entities)
            .decision()
            == CedarDecision::Allow;
        cedar_agree += usize::from(allowed == gdap_allowed[i]);
    }
    let cedar_time = t.elapsed();
    let t = Instant::now();
    let mut sliced_agree = 0;
    for (i, (u, c, a)) in data.work.iter().take(cedar_n).enumerate() {
        let ctx = Context::from_pairs([("now".to_owned(), RestrictedExpression::new_long(now))])
            .expect("context");
        let req = Request::new(
            users[*u].clone(),
            actions[*a].clone(),
            tenants[*c].clone(),
            ctx,
            None,
        )
        .expect("request");
        let allowed = authorizer
            .is_authorized(&req, &sliced[*a], &entities)
            .decision()
            == CedarDecision::Allow;
        sliced_agree += usize::from(allowed == gdap_allowed[i]);
    }
    let sliced_time = t.elapsed();

    // casbin.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let t = Instant::now();
    let enforcer = rt.block_on(async {
        let model = DefaultModel::from_str(
            "[request_definition]\nr = sub, dom, act\n\n[policy_definition]\np = sub, dom, role\n\n\
             [role_definition]\ng = _, _\ng2 = _, _\n\n[policy_effect]\ne = some(where (p.eft == allow))\n\n\
             [matchers]\nm = r.dom == p.dom && g2(r.act, p.role) && g(r.sub, p.sub)\n",
        )
        .await
        .expect("model");
        let mut e = Enforcer::new(model, MemoryAdapter::default()).await.expect("enforcer");
        let mut p = Vec::new();
        for (c, r) in data.relationships.iter().enumerate() {
            if r.status != RelationshipStatus::Active {
                continue;
            }
            for (i, hs) in holders[c].iter().enumerate() {
                for g in hs {
                    p.push(vec![data.groups[*g].id.to_string(), data.customers[c].to_string(), format!("role-{i}")]);
                }
            }
        }
        e.add_policies(p).await.expect("p");
        let g: Vec<Vec<String>> = data
            .groups
            .iter()
            .flat_map(|gr| gr.members.iter().map(move |m| vec![m.to_string(), gr.id.to_string()]))
            .collect();
        e.add_grouping_policies(g).await.expect("g");
        let g2: Vec<Vec<String>> = data
            .actions
            .iter()
            .zip(&granting)
            .flat_map(|(a, roles)| roles.iter().map(move |i| vec![a.clone(), format!("role-{i}")]))
            .collect();
        e.add_named_grouping_policies("g2", g2).await.expect("g2");
        e
    });
    let casbin_build = t.elapsed();
    let casbin_n = 200;
    let t = Instant::now();
    let mut casbin_agree = 0;
    for (i, (u, c, a)) in data.work.iter().take(casbin_n).enumerate() {
        let allowed = enforcer
            .enforce((
                data.users[*u].id.to_string(),
                data.customers[*c].to_string(),
                data.actions[*a].clone(),
            ))
            .expect("enforce");
        casbin_agree += usize::from(allowed == gdap_allowed[i]);
    }
    let casbin_time = t.elapsed();

    let per = |d: std::time::Duration, n: usize| d.as_secs_f64() / n as f64;
    let g = per(gdap_time, CHECKS);
    println!("| engine | checks timed | checks/s (one core) | mean per check | time per check ÷ gdap's | agrees with gdap | build |");
    println!("|---|---|---|---|---|---|---|");
    for (name, n, d, agree, build) in [
        (
            "HashMap floor (lookups only, no decision)",
            CHECKS,
            floor_time,
            CHECKS,
            std::time::Duration::ZERO,
        ),
        ("gdap index", CHECKS, gdap_time, CHECKS, gdap_build),
        ("Cedar 4.14", cedar_n, cedar_time, cedar_agree, cedar_build),
        (
            "Cedar 4.14, policies sliced per action",
            cedar_n,
            sliced_time,
            sliced_agree,
            cedar_build,
        ),
        (
            "casbin 2.20",
            casbin_n,
            casbin_time,
            casbin_agree,
            casbin_build,
        ),
    ] {
        let p = per(d, n);
        println!(
            "| {name} | {n} | {:.0} | {} | {:.2}× | {agree} of {n} | {:.2} s |",
            1.0 / p,
            if p < 1e-6 {
                format!("{:.0} ns", p * 1e9)
            } else if p < 1e-3 {
                format!("{:.1} µs", p * 1e6)
            } else {
                format!("{:.1} ms", p * 1e3)
            },
            p / g,
            build.as_secs_f64()
        );
    }
}
