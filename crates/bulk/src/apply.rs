//! `plan` and `apply`: each customer's relationships and access assignments compared with its
//! template, and mended.
//!
//! What access assignments can mend is mended at once (a missing assignment created, one with other
//! roles updated, one naming a group that is gone deleted). What needs the customer's approval
//! starts a **renewal**: a new relationship from the template, locked and sent; once the customer
//! approved and it is active, its groups get their roles, and only then the relationship it
//! replaces is ended. A renewal goes on over runs through the result file.

use std::collections::HashSet;

use gdap_domain::enums::{AssignmentStatus, GraphEnum, RelationshipStatus};
use gdap_domain::ids::{AssignmentId, GroupId, RelationshipId, RoleDefinitionId};
use gdap_domain::relationship::AutoExtend;
use gdap_domain::template::{plan, AssignmentFacts, Drift, RelationshipFacts, Template};
use gdap_domain::timefmt::parse_rfc3339;
use serde_json::Value;
use time::OffsetDateTime;

use crate::advance::{advance, would, Ctx, Failure};
use crate::graph::GraphError;
use crate::input::Customer;
use crate::journal::{Record, Step};
use crate::run::Outcome;

/// The name of a renewal's relationship: the template's first six characters, the day it began and
/// the customer's tenant (50 characters at most, unique per customer and day).
pub fn renewal_name(template: &str, tenant: &str, day: time::Date) -> String {
    let prefix: String = template.trim().chars().take(6).collect();
    format!(
        "{prefix}-{:02}{:02}{:02}_{tenant}",
        day.year() % 100,
        u8::from(day.month()),
        day.day()
    )
}

fn roles_of(v: &Value) -> Vec<RoleDefinitionId> {
    v.pointer("/accessDetails/unifiedRoles")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| RoleDefinitionId::parse(r["roleDefinitionId"].as_str()?).ok())
        .collect()
}

/// A relationship's facts from Graph's representation.
fn relationship_facts(v: &Value) -> Option<RelationshipFacts> {
    Some(RelationshipFacts {
        id: RelationshipId::parse(v["id"].as_str()?).ok()?,
        status: RelationshipStatus::from_name(v["status"].as_str()?)?,
        roles: roles_of(v),
        end_at: v["endDateTime"].as_str().and_then(parse_rfc3339),
        auto_extend: v["autoExtendDuration"]
            .as_str()
            .and_then(|d| AutoExtend::parse(d).ok())
            .unwrap_or(AutoExtend::Off),
    })
}

/// An assignment's facts and its etag, from Graph's representation.
fn assignment_facts(v: &Value, relationship: RelationshipId) -> Option<(AssignmentFacts, String)> {
    Some((
        AssignmentFacts {
            id: AssignmentId::parse(v["id"].as_str()?).ok()?,
            relationship_id: relationship,
            group: GroupId::parse(v.pointer("/accessContainer/accessContainerId")?.as_str()?)
                .ok()?,
            roles: roles_of(v),
            status: AssignmentStatus::from_name(v["status"].as_str()?)?,
        },
        v["@odata.etag"].as_str().unwrap_or("*").to_owned(),
    ))
}

/// What the plan reads of one customer: its relationships and their assignments (with etags).
async fn facts(
    ctx: &Ctx,
    tenant: &str,
) -> Result<(Vec<RelationshipFacts>, Vec<(AssignmentFacts, String)>), GraphError> {
    let rels: Vec<RelationshipFacts> = ctx
        .client
        .relationships_json(&format!("customer/tenantId eq '{tenant}'"))
        .await?
        .iter()
        .filter_map(relationship_facts)
        .collect();
    let mut assignments = Vec::new();
    for r in rels
        .iter()
        .filter(|r| r.status == RelationshipStatus::Active)
    {
        let id = r.id.to_string();
        assignments.extend(
            ctx.client
                .assignments_json(&id)
                .await?
                .iter()
                .filter_map(|a| assignment_facts(a, r.id)),
        );
    }
    Ok((rels, assignments))
}

/// Whether a drift needs the customer's approval (a renewal) rather than assignments.
fn needs_renewal(d: &Drift) -> bool {
    matches!(
        d,
        Drift::NoRelationship
            | Drift::GlobalAdministrator(_)
            | Drift::Ending(..)
            | Drift::RolesMissing(..)
            | Drift::RolesBeyond(..)
    )
}

fn strings(roles: &[RoleDefinitionId]) -> Vec<String> {
    roles.iter().map(ToString::to_string).collect()
}

/// Mends one drift that assignments can mend.
async fn mend(ctx: &Ctx, d: &Drift, etags: &[(AssignmentFacts, String)]) -> Result<(), Failure> {
    let etag = |id: &AssignmentId| {
        etags
            .iter()
            .find(|(a, _)| a.id == *id)
            .map_or("*", |(_, e)| e.as_str())
    };
    let done = match d {
        Drift::MissingAssignment(rel, group, roles) => {
            ctx.client
                .assign(&rel.to_string(), &group.to_string(), &strings(roles))
                .await
        }
        Drift::AssignmentRoles(rel, id, roles) => {
            ctx.client
                .update_assignment(&rel.to_string(), &id.to_string(), etag(id), &strings(roles))
                .await
        }
        Drift::GroupGone(rel, id, _) => {
            ctx.client
                .delete_assignment(&rel.to_string(), &id.to_string(), etag(id))
                .await
        }
        _ => return Ok(()),
    };
    done.map_err(|e| Failure {
        field: None,
        error: format!("{d}: {e}"),
    })?;
    ctx.assignments
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Ok(())
}

/// Carries a renewal on: the new relationship advanced as onboarding does; once it is done, the
/// relationship it replaces is ended.
async fn renew(
    ctx: &Ctx,
    c: &Customer,
    t: &Template,
    name: &str,
    replaces: Option<&str>,
) -> Result<Outcome, Failure> {
    let outcome = advance(ctx, c, t, name).await?;
    let Outcome::Done { relationship_id } = &outcome else {
        return Ok(outcome);
    };
    if let Some(old) = replaces {
        let still = ctx.client.relationship(old).await?;
        if still.is_some_and(|r| r.status == "active") {
            ctx.client.terminate(old).await?;
        }
    }
    ctx.record(c, Step::Replaced, Some(relationship_id)).await?;
    Ok(outcome)
}

/// Plans one customer, and (unless a dry run) mends what assignments can mend and starts or
/// carries on the renewal the rest needs.
pub(crate) async fn apply(
    ctx: &Ctx,
    c: &Customer,
    t: &Template,
    groups: &HashSet<GroupId>,
) -> Result<Outcome, Failure> {
    if let Some(r) = ctx.last(&c.tenant_id).filter(Record::renewing) {
        if ctx.opts.dry_run {
            return would("go on with the renewal under way");
        }
        let name = r.name.clone().unwrap_or_default();
        return renew(ctx, c, t, &name, r.replaces.as_deref()).await;
    }
    let now = OffsetDateTime::now_utc();
    let (rels, assignments) = facts(ctx, &c.tenant_id).await?;
    let facts: Vec<AssignmentFacts> = assignments.iter().map(|(a, _)| a.clone()).collect();
    let drifts = plan(t, &rels, &facts, groups, now);
    let current = rels
        .iter()
        .filter(|r| r.status == RelationshipStatus::Active)
        .max_by_key(|r| r.end_at)
        .map(|r| r.id.to_string());
    if drifts.is_empty() {
        return Ok(Outcome::Done {
            relationship_id: current.unwrap_or_default(),
        });
    }
    if ctx.opts.dry_run {
        let steps: Vec<String> = drifts
            .iter()
            .map(|d| {
                let what = if d.fixable() {
                    "mend"
                } else if needs_renewal(d) {
                    "renew"
                } else {
                    "cannot mend"
                };
                format!("{d} ({what})")
            })
            .collect();
        return would(&steps.join("; "));
    }
    for d in drifts.iter().filter(|d| d.fixable()) {
        mend(ctx, d, &assignments).await?;
    }
    if drifts.iter().any(needs_renewal) {
        let name = renewal_name(&t.name, &c.tenant_id, now.date());
        let mut start = Record::new(c.row, &c.tenant_id, Step::Creating, None);
        start.renewal = true;
        start.name = Some(name.clone());
        start.replaces.clone_from(&current);
        ctx.write(c, start).await?;
        return renew(ctx, c, t, &name, current.as_deref()).await;
    }
    if let Some(Drift::TemplateGroupGone(g)) = drifts
        .iter()
        .find(|d| matches!(d, Drift::TemplateGroupGone(_)))
    {
        return Err(Failure {
            field: Some("template".into()),
            error: format!("the template's group {g} no longer exists: mend the template"),
        });
    }
    Ok(Outcome::Done {
        relationship_id: current.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_renewal_name_fits_fifty_characters_and_names_its_day() {
        let t = "4b827261-d21f-4aa9-b7db-7fa1f56fb163";
        let day = time::macros::date!(2027 - 03 - 09);
        let n = renewal_name("agencies", t, day);
        assert_eq!(n, format!("agenci-270309_{t}"));
        assert_eq!(n.chars().count(), 50);
    }

    #[test]
    fn graphs_representations_give_the_facts_a_plan_reads() {
        let rel = json!({"id": "5a6666c9-7282-0a41-67aa-25a5a3fbf339-4b827261-d21f-4aa9-b7db-7fa1f56fb163",
            "status": "active", "endDateTime": "2027-03-01T00:00:00Z", "autoExtendDuration": "P180D",
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"}]}});
        let f = relationship_facts(&rel).unwrap();
        assert_eq!(f.status, RelationshipStatus::Active);
        assert_eq!(f.auto_extend, AutoExtend::SixMonths);
        assert_eq!(f.roles.len(), 1);
        assert!(f.end_at.is_some());
        let a = json!({"id": "869713c9-0b28-4d08-8949-ae07ae1bf528", "status": "active", "@odata.etag": "W/\"x\"",
            "accessContainer": {"accessContainerId": "11111111-aaaa-4aaa-8aaa-000000000002"},
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"}]}});
        let (facts, etag) = assignment_facts(&a, f.id).unwrap();
        assert_eq!(etag, "W/\"x\"");
        assert!(facts.status.is_live());
        assert!(relationship_facts(&json!({"id": "x"})).is_none());
    }
}
