//! The authorization rules stated as plainly as possible, over lists of facts. Slow and obviously
//! right: the yardstick the index is measured against.

use std::cmp::Ordering;

use time::OffsetDateTime;

use super::privilege::{sensitivity, PrivilegeRules};
use super::{aobo_restricted, grant_matches, CheckRequest, Decision, DenyReason, Grant, Via};
use crate::assignment::AccessAssignment;
use crate::customer::PartnerLink;
use crate::directory::{Group, User, ADMIN_AGENTS, HELPDESK_AGENTS};
use crate::enums::{AssignmentStatus, RelationshipStatus as S};
use crate::ids::RoleDefinitionId;
use crate::relationship::Relationship;
use crate::roles::{Catalogue, GLOBAL_ADMINISTRATOR, HELPDESK_ADMINISTRATOR};

/// Everything a decision depends on.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// Users of every tenant.
    pub users: &'a [User],
    /// Security groups of every tenant, with members.
    pub groups: &'a [Group],
    /// Relationships of every partner.
    pub relationships: &'a [Relationship],
    /// Access assignments of every relationship.
    pub assignments: &'a [AccessAssignment],
    /// Reseller and DAP ties.
    pub links: &'a [PartnerLink],
}

/// Whether a relationship is in force at `now`: active and before its end date.
pub fn in_force(r: &Relationship, now: OffsetDateTime) -> bool {
    r.status == S::Active && r.end_at.is_none_or(|end| now < end)
}

/// The first of a role's resource actions that covers `action`.
fn covering(
    catalogue: &'static Catalogue,
    role: &RoleDefinitionId,
    action: &str,
) -> Option<&'static str> {
    catalogue
        .get(role)?
        .resource_actions
        .iter()
        .find(|g| grant_matches(g, action))
        .map(String::as_str)
}

/// Entra's privilege rules for a role that grants the action: `None` when they let the role act
/// on the target (or do not apply), otherwise the refusal.
fn protected(
    action: &str,
    target_roles: Option<&[RoleDefinitionId]>,
    role: &RoleDefinitionId,
) -> Option<DenyReason> {
    let (s, target_roles) = (sensitivity(action)?, target_roles?);
    let protection = PrivilegeRules::builtin()
        .permits(s, role, target_roles)
        .err()?;
    Some(DenyReason::TargetProtected {
        actor_role: *role,
        protection,
        sensitivity: s,
    })
}

fn by_id<T>(key: impl Fn(&T) -> String) -> impl Fn(&&T, &&T) -> Ordering {
    move |a, b| key(a).cmp(&key(b))
}

/// Decides a request at `now`.
pub fn evaluate(
    f: &Facts<'_>,
    catalogue: &'static Catalogue,
    req: &CheckRequest,
    now: OffsetDateTime,
) -> Decision {
    let Some(user) = f
        .users
        .iter()
        .find(|u| u.id == req.user && u.account_enabled)
    else {
        return Decision::Deny(DenyReason::UnknownPrincipal);
    };
    let target_roles = match req.target {
        None => None,
        Some(t) => match f.users.iter().find(|u| u.id == t && u.tenant == req.tenant) {
            Some(u) => Some(u.roles.as_slice()),
            None => return Decision::Deny(DenyReason::UnknownTarget),
        },
    };
    // The first role that grants the action but may not use it on the target.
    let mut blocked: Option<DenyReason> = None;
    let refuse = |blocked: Option<DenyReason>| {
        Decision::Deny(blocked.unwrap_or(DenyReason::RoleLacksAction))
    };
    if user.tenant == req.tenant {
        for role in &user.roles {
            if let Some(ra) = covering(catalogue, role, &req.action) {
                if let Some(p) = protected(&req.action, target_roles, role) {
                    blocked.get_or_insert(p);
                    continue;
                }
                return Decision::Allow(Grant {
                    via: Via::OwnRole,
                    role: *role,
                    resource_action: ra,
                });
            }
        }
        return refuse(blocked);
    }
    let (partner, customer) = (user.tenant, req.tenant);
    let my_groups: Vec<&Group> = f
        .groups
        .iter()
        .filter(|g| g.tenant == partner && g.members.contains(&user.id))
        .collect();
    let mut rels: Vec<&Relationship> = f
        .relationships
        .iter()
        .filter(|r| {
            r.partner == partner && r.customer.as_ref().is_some_and(|c| c.tenant_id == customer)
        })
        .collect();
    rels.sort_by(by_id(|r: &Relationship| r.id.to_string()));
    let live: Vec<&Relationship> = rels.iter().copied().filter(|r| in_force(r, now)).collect();
    let allow = |grant: Grant| {
        if aobo_restricted(&req.action) {
            Decision::Deny(DenyReason::AoboRestricted)
        } else {
            Decision::Allow(grant)
        }
    };

    // GDAP: the user's assignments in relationships in force.
    let mut governing: Vec<(&Relationship, &AccessAssignment)> = Vec::new();
    for r in &live {
        let mut mine: Vec<&AccessAssignment> = f
            .assignments
            .iter()
            .filter(|a| {
                a.relationship_id == r.id
                    && a.status == AssignmentStatus::Active
                    && my_groups.iter().any(|g| g.id == a.group)
            })
            .collect();
        mine.sort_by(by_id(|a: &AccessAssignment| a.id.to_string()));
        governing.extend(mine.into_iter().map(|a| (*r, a)));
    }
    if !governing.is_empty() {
        for (r, a) in governing {
            for role in a.roles.iter().filter(|x| r.roles.contains(x)) {
                if let Some(ra) = covering(catalogue, role, &req.action) {
                    if let Some(p) = protected(&req.action, target_roles, role) {
                        blocked.get_or_insert(p);
                        continue;
                    }
                    return allow(Grant {
                        via: Via::Gdap {
                            relationship: r.id,
                            assignment: a.id,
                            group: a.group,
                        },
                        role: *role,
                        resource_action: ra,
                    });
                }
            }
        }
        return refuse(blocked);
    }

    // DAP, where the customer keeps it and GDAP does not govern.
    let dap = f
        .links
        .iter()
        .any(|l| l.partner == partner && l.customer == customer && l.dap);
    if dap {
        let mut dap_groups: Vec<(&Group, &str)> = Vec::new();
        for (name, role) in [
            (ADMIN_AGENTS, GLOBAL_ADMINISTRATOR),
            (HELPDESK_AGENTS, HELPDESK_ADMINISTRATOR),
        ] {
            let mut gs: Vec<&&Group> = my_groups
                .iter()
                .filter(|g| g.display_name.eq_ignore_ascii_case(name))
                .collect();
            gs.sort_by_key(|g| g.id.to_string());
            dap_groups.extend(gs.into_iter().map(|g| (*g, role)));
        }
        if !dap_groups.is_empty() {
            for (g, role) in dap_groups {
                let Ok(role) = RoleDefinitionId::parse(role) else {
                    continue;
                };
                if let Some(ra) = covering(catalogue, &role, &req.action) {
                    if let Some(p) = protected(&req.action, target_roles, &role) {
                        blocked.get_or_insert(p);
                        continue;
                    }
                    return allow(Grant {
                        via: Via::Dap { group: g.id },
                        role,
                        resource_action: ra,
                    });
                }
            }
            return refuse(blocked);
        }
    }

    // Nothing governs: say why.
    if !live.is_empty() || dap {
        return Decision::Deny(DenyReason::NoAssignmentForGroups);
    }
    let ended = rels
        .iter()
        .filter(|r| matches!(r.status, S::Active | S::Expiring | S::Expired))
        .filter_map(|r| r.end_at.filter(|end| *end <= now).map(|end| (end, *r)))
        .max_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| b.1.id.to_string().cmp(&a.1.id.to_string()))
        });
    if let Some((at, r)) = ended {
        return Decision::Deny(DenyReason::Expired {
            relationship: r.id,
            at,
        });
    }
    match rels
        .iter()
        .min_by(|a, b| crate::customer::newest_end_first(a, b))
    {
        Some(r) => Decision::Deny(DenyReason::RelationshipNotActive {
            relationship: r.id,
            status: r.status,
        }),
        None => Decision::Deny(DenyReason::NoRelationship),
    }
}
