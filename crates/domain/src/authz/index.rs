//! The in-memory authorization index: every fact a decision needs, arranged so that a check is a
//! few hash lookups and array reads. Writes update it in place, so a terminated relationship, a
//! removed member or a passed end date take effect for the very next check; the end date is
//! compared at the instant of the check, to the microsecond.

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use time::OffsetDateTime;

use super::action::{grant_matches, is_literal, ActionId, ActionTable};
use super::{aobo_restricted, CheckRequest, Decision, DenyReason, Grant, Via};
use crate::assignment::AccessAssignment;
use crate::customer::{newest_end_first, PartnerLink};
use crate::directory::{Group, User, ADMIN_AGENTS, HELPDESK_AGENTS};
use crate::enums::{AssignmentStatus, RelationshipStatus as S};
use crate::ids::{AssignmentId, GroupId, RelationshipId, RoleDefinitionId, TenantId, UserId};
use crate::relationship::Relationship;
use crate::roles::{Catalogue, GLOBAL_ADMINISTRATOR, HELPDESK_ADMINISTRATOR};

/// A role by its position in the catalogue.
type RoleIx = u16;

const NO_GRANT: u16 = u16::MAX;

#[derive(Debug)]
struct RoleEntry {
    id: RoleDefinitionId,
    grants: Vec<String>,
    /// For each known action, the position in `grants` of the first grant covering it.
    first_grant: Vec<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GroupKind {
    AdminAgents,
    HelpdeskAgents,
    Other,
}

#[derive(Debug)]
struct GroupEntry {
    tenant: TenantId,
    kind: GroupKind,
    id_text: String,
    members: Vec<UserId>,
}

#[derive(Debug, Default)]
struct UserEntry {
    home: Option<TenantId>,
    enabled: bool,
    roles: Vec<RoleIx>,
    /// Groups of the home tenant the user belongs to.
    groups: Vec<GroupId>,
}

#[derive(Debug, Clone)]
struct AssignmentEntry {
    id: AssignmentId,
    id_text: String,
    group: GroupId,
    active: bool,
    roles: Vec<RoleIx>,
}

#[derive(Debug, Clone)]
struct RelEntry {
    rel: Relationship,
    id_text: String,
    roles: Vec<RoleIx>,
    /// Sorted by id text.
    assignments: Vec<AssignmentEntry>,
}

impl RelEntry {
    fn in_force(&self, now: OffsetDateTime) -> bool {
        self.rel.status == S::Active && self.rel.end_at.is_none_or(|end| now < end)
    }
}

/// The index. Build it with [`AuthzIndex::new`] and keep it current with the `put_*` and
/// `remove_*` methods on every write.
#[derive(Debug)]
pub struct AuthzIndex {
    actions: ActionTable,
    roles: Vec<RoleEntry>,
    role_ix: HashMap<RoleDefinitionId, RoleIx>,
    ga: RoleIx,
    helpdesk: RoleIx,
    users: FxHashMap<UserId, UserEntry>,
    groups: FxHashMap<GroupId, GroupEntry>,
    /// Relationships by (partner, customer), sorted by id text.
    pairs: FxHashMap<(TenantId, TenantId), Vec<RelEntry>>,
    rel_pair: FxHashMap<RelationshipId, (TenantId, TenantId)>,
    /// Assignments whose relationship has not arrived (or names no customer yet).
    waiting: FxHashMap<RelationshipId, Vec<AssignmentEntry>>,
    assignment_rel: FxHashMap<AssignmentId, RelationshipId>,
    dap: FxHashMap<(TenantId, TenantId), bool>,
}

impl AuthzIndex {
    /// An empty index over the role catalogue, knowing its literal actions and `extra_actions`
    /// (those the endpoints check) by number.
    pub fn new<'a>(
        catalogue: &Catalogue,
        extra_actions: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut actions = ActionTable::default();
        for role in catalogue.all() {
            for g in role.resource_actions.iter().filter(|g| is_literal(g)) {
                actions.intern(g);
            }
        }
        for a in extra_actions {
            actions.intern(a);
        }
        let mut roles = Vec::with_capacity(catalogue.all().len());
        let mut role_ix = HashMap::new();
        for (i, role) in catalogue.all().iter().enumerate() {
            // Literal grants name their action; only wildcards are matched against every action.
            let mut first_grant = vec![NO_GRANT; actions.len()];
            for (pos, g) in role.resource_actions.iter().enumerate() {
                let pos = u16::try_from(pos).unwrap_or(NO_GRANT);
                if is_literal(g) {
                    if let Some(a) = actions.get(g) {
                        let slot = &mut first_grant[a.0 as usize];
                        *slot = (*slot).min(pos);
                    }
                } else {
                    for (a, name) in actions.iter() {
                        if grant_matches(g, name) {
                            let slot = &mut first_grant[a.0 as usize];
                            *slot = (*slot).min(pos);
                        }
                    }
                }
            }
            roles.push(RoleEntry {
                id: role.id,
                grants: role.resource_actions.clone(),
                first_grant,
            });
            role_ix.insert(role.id, RoleIx::try_from(i).unwrap_or(RoleIx::MAX));
        }
        let find = |id: &str| {
            RoleDefinitionId::parse(id)
                .ok()
                .and_then(|r| role_ix.get(&r).copied())
                .unwrap_or(RoleIx::MAX)
        };
        Self {
            ga: find(GLOBAL_ADMINISTRATOR),
            helpdesk: find(HELPDESK_ADMINISTRATOR),
            actions,
            roles,
            role_ix,
            users: FxHashMap::default(),
            groups: FxHashMap::default(),
            pairs: FxHashMap::default(),
            rel_pair: FxHashMap::default(),
            waiting: FxHashMap::default(),
            assignment_rel: FxHashMap::default(),
            dap: FxHashMap::default(),
        }
    }

    /// The home tenant of a known user.
    pub fn home_of(&self, user: UserId) -> Option<TenantId> {
        self.users.get(&user).and_then(|u| u.home)
    }

    /// Whether a user has any delegated access in a tenant other than its own at `now`: a GDAP
    /// assignment in force for one of its groups, or DAP through Admin Agents or Helpdesk Agents.
    /// Tokens for a customer tenant are issued to partner users only then.
    pub fn has_delegated_access(
        &self,
        user: UserId,
        tenant: TenantId,
        now: OffsetDateTime,
    ) -> bool {
        let Some(u) = self.users.get(&user).filter(|u| u.enabled) else {
            return false;
        };
        let Some(home) = u.home.filter(|h| *h != tenant) else {
            return false;
        };
        let own_group = |g: &GroupId| self.groups.get(g).is_some_and(|e| e.tenant == home);
        let gdap = self.pairs.get(&(home, tenant)).is_some_and(|rels| {
            rels.iter().filter(|r| r.in_force(now)).any(|r| {
                r.assignments
                    .iter()
                    .any(|a| a.active && u.groups.contains(&a.group) && own_group(&a.group))
            })
        });
        let dap = self.dap.get(&(home, tenant)).copied().unwrap_or(false)
            && u.groups.iter().any(|g| {
                self.groups.get(g).is_some_and(|e| {
                    e.tenant == home
                        && matches!(e.kind, GroupKind::AdminAgents | GroupKind::HelpdeskAgents)
                })
            });
        gdap || dap
    }

    /// The actions known by number.
    pub fn actions(&self) -> &ActionTable {
        &self.actions
    }

    fn role_list(&self, roles: &[RoleDefinitionId]) -> Vec<RoleIx> {
        roles
            .iter()
            .filter_map(|r| self.role_ix.get(r).copied())
            .collect()
    }

    /// Adds or replaces a user (its own roles and whether it may act).
    pub fn put_user(&mut self, u: &User) {
        let roles = self.role_list(&u.roles);
        let e = self.users.entry(u.id).or_default();
        e.home = Some(u.tenant);
        e.enabled = u.account_enabled;
        e.roles = roles;
    }

    /// Removes a user.
    pub fn remove_user(&mut self, id: UserId) {
        self.users.remove(&id);
    }

    /// Adds or replaces a security group with its members.
    pub fn put_group(&mut self, g: &Group) {
        self.remove_group(g.id);
        let kind = if g.display_name.eq_ignore_ascii_case(ADMIN_AGENTS) {
            GroupKind::AdminAgents
        } else if g.display_name.eq_ignore_ascii_case(HELPDESK_AGENTS) {
            GroupKind::HelpdeskAgents
        } else {
            GroupKind::Other
        };
        for m in &g.members {
            let e = self.users.entry(*m).or_default();
            if !e.groups.contains(&g.id) {
                e.groups.push(g.id);
            }
        }
        self.groups.insert(
            g.id,
            GroupEntry {
                tenant: g.tenant,
                kind,
                id_text: g.id.to_string(),
                members: g.members.clone(),
            },
        );
    }

    /// Removes a security group (and its memberships).
    pub fn remove_group(&mut self, id: GroupId) {
        if let Some(old) = self.groups.remove(&id) {
            for m in old.members {
                if let Some(u) = self.users.get_mut(&m) {
                    u.groups.retain(|g| *g != id);
                }
            }
        }
    }

    fn assignment_entry(&self, a: &AccessAssignment) -> AssignmentEntry {
        AssignmentEntry {
            id: a.id,
            id_text: a.id.to_string(),
            group: a.group,
            active: a.status == AssignmentStatus::Active,
            roles: self.role_list(&a.roles),
        }
    }

    /// Adds or replaces a relationship (its assignments stay).
    pub fn put_relationship(&mut self, r: &Relationship) {
        let kept = self.take_relationship(r.id);
        let Some(customer) = r.customer.as_ref().map(|c| c.tenant_id) else {
            self.waiting.insert(r.id, kept);
            return;
        };
        let mut assignments = kept;
        assignments.extend(self.waiting.remove(&r.id).unwrap_or_default());
        assignments.sort_by(|a, b| a.id_text.cmp(&b.id_text));
        let entry = RelEntry {
            rel: r.clone(),
            id_text: r.id.to_string(),
            roles: self.role_list(&r.roles),
            assignments,
        };
        let pair = (r.partner, customer);
        self.rel_pair.insert(r.id, pair);
        let list = self.pairs.entry(pair).or_default();
        let at = list.partition_point(|e| e.id_text < entry.id_text);
        list.insert(at, entry);
    }

    /// Takes a relationship out, returning its assignments.
    fn take_relationship(&mut self, id: RelationshipId) -> Vec<AssignmentEntry> {
        let Some(pair) = self.rel_pair.remove(&id) else {
            return self.waiting.remove(&id).unwrap_or_default();
        };
        let mut out = Vec::new();
        if let Some(list) = self.pairs.get_mut(&pair) {
            if let Some(pos) = list.iter().position(|e| e.rel.id == id) {
                out = list.remove(pos).assignments;
            }
            if list.is_empty() {
                self.pairs.remove(&pair);
            }
        }
        out
    }

    /// Removes a relationship and its assignments.
    pub fn remove_relationship(&mut self, id: RelationshipId) {
        for a in self.take_relationship(id) {
            self.assignment_rel.remove(&a.id);
        }
    }

    /// Adds or replaces an access assignment.
    pub fn put_assignment(&mut self, a: &AccessAssignment) {
        self.remove_assignment(a.id);
        let entry = self.assignment_entry(a);
        self.assignment_rel.insert(a.id, a.relationship_id);
        let list = match self.rel_pair.get(&a.relationship_id) {
            Some(pair) => self
                .pairs
                .get_mut(pair)
                .and_then(|l| l.iter_mut().find(|e| e.rel.id == a.relationship_id))
                .map(|e| &mut e.assignments),
            None => Some(self.waiting.entry(a.relationship_id).or_default()),
        };
        if let Some(list) = list {
            let at = list.partition_point(|e| e.id_text < entry.id_text);
            list.insert(at, entry);
        }
    }

    /// Removes an access assignment.
    pub fn remove_assignment(&mut self, id: AssignmentId) {
        let Some(rel) = self.assignment_rel.remove(&id) else {
            return;
        };
        let list = match self.rel_pair.get(&rel) {
            Some(pair) => self
                .pairs
                .get_mut(pair)
                .and_then(|l| l.iter_mut().find(|e| e.rel.id == rel))
                .map(|e| &mut e.assignments),
            None => self.waiting.get_mut(&rel),
        };
        if let Some(list) = list {
            list.retain(|e| e.id != id);
        }
    }

    /// Adds or replaces a customer's tie with a partner (DAP on or off).
    pub fn put_link(&mut self, l: &PartnerLink) {
        self.dap.insert((l.partner, l.customer), l.dap);
    }

    fn covering(&self, role: RoleIx, action: Option<ActionId>, name: &str) -> Option<&str> {
        let r = self.roles.get(role as usize)?;
        let pos = match action {
            Some(a) => {
                let p = *r.first_grant.get(a.0 as usize)?;
                (p != NO_GRANT).then_some(p as usize)?
            }
            None => r.grants.iter().position(|g| grant_matches(g, name))?,
        };
        r.grants.get(pos).map(String::as_str)
    }

    fn grant(&self, via: Via, role: RoleIx, ra: &str) -> Grant {
        Grant {
            via,
            role: self.roles[role as usize].id,
            resource_action: ra.to_owned(),
        }
    }

    /// Decides a request at `now` (the same answers as [`super::reference::evaluate`]).
    pub fn check(&self, req: &CheckRequest, now: OffsetDateTime) -> Decision {
        let action = self.actions.get(&req.action);
        self.check_known(req.user, req.tenant, action, &req.action, now)
    }

    /// Decides for an action already numbered (`action` is its name, used for AOBO and the path).
    pub fn check_known(
        &self,
        user_id: UserId,
        tenant: TenantId,
        action: Option<ActionId>,
        name: &str,
        now: OffsetDateTime,
    ) -> Decision {
        let Some(user) = self.users.get(&user_id).filter(|u| u.enabled) else {
            return Decision::Deny(DenyReason::UnknownPrincipal);
        };
        let Some(home) = user.home else {
            return Decision::Deny(DenyReason::UnknownPrincipal);
        };
        if home == tenant {
            for role in &user.roles {
                if let Some(ra) = self.covering(*role, action, name) {
                    return Decision::Allow(self.grant(Via::OwnRole, *role, ra));
                }
            }
            return Decision::Deny(DenyReason::RoleLacksAction);
        }
        let allow = |g: Grant| {
            if aobo_restricted(name) {
                Decision::Deny(DenyReason::AoboRestricted)
            } else {
                Decision::Allow(g)
            }
        };
        let rels = self
            .pairs
            .get(&(home, tenant))
            .map_or(&[][..], Vec::as_slice);
        let mut any_live = false;
        let mut governed = false;
        for r in rels {
            if !r.in_force(now) {
                continue;
            }
            any_live = true;
            for a in &r.assignments {
                if !a.active
                    || !user.groups.contains(&a.group)
                    || self.groups.get(&a.group).is_none_or(|g| g.tenant != home)
                {
                    continue;
                }
                governed = true;
                for role in a.roles.iter().filter(|x| r.roles.contains(x)) {
                    if let Some(ra) = self.covering(*role, action, name) {
                        return allow(self.grant(
                            Via::Gdap {
                                relationship: r.rel.id,
                                assignment: a.id,
                                group: a.group,
                            },
                            *role,
                            ra,
                        ));
                    }
                }
            }
        }
        if governed {
            return Decision::Deny(DenyReason::RoleLacksAction);
        }
        let dap = self.dap.get(&(home, tenant)).copied().unwrap_or(false);
        if dap {
            let mut found = false;
            for (kind, role) in [
                (GroupKind::AdminAgents, self.ga),
                (GroupKind::HelpdeskAgents, self.helpdesk),
            ] {
                let mut gs: Vec<(&str, GroupId)> = user
                    .groups
                    .iter()
                    .filter_map(|g| self.groups.get(g).map(|e| (e, *g)))
                    .filter(|(e, _)| e.kind == kind && e.tenant == home)
                    .map(|(e, g)| (e.id_text.as_str(), g))
                    .collect();
                gs.sort_unstable();
                for (_, g) in gs {
                    found = true;
                    if let Some(ra) = self.covering(role, action, name) {
                        return allow(self.grant(Via::Dap { group: g }, role, ra));
                    }
                }
            }
            if found {
                return Decision::Deny(DenyReason::RoleLacksAction);
            }
        }
        if any_live || dap {
            return Decision::Deny(DenyReason::NoAssignmentForGroups);
        }
        let ended = rels
            .iter()
            .filter(|r| matches!(r.rel.status, S::Active | S::Expiring | S::Expired))
            .filter_map(|r| r.rel.end_at.filter(|end| *end <= now).map(|end| (end, r)))
            .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.id_text.cmp(&a.1.id_text)));
        if let Some((at, r)) = ended {
            return Decision::Deny(DenyReason::Expired {
                relationship: r.rel.id,
                at,
            });
        }
        match rels.iter().min_by(|a, b| newest_end_first(&a.rel, &b.rel)) {
            Some(r) => Decision::Deny(DenyReason::RelationshipNotActive {
                relationship: r.rel.id,
                status: r.rel.status,
            }),
            None => Decision::Deny(DenyReason::NoRelationship),
        }
    }

    /// An estimate of the heap the index holds, in bytes.
    pub fn heap_bytes(&self) -> usize {
        let roles: usize = self
            .roles
            .iter()
            .map(|r| {
                r.first_grant.capacity() * 2 + r.grants.iter().map(String::capacity).sum::<usize>()
            })
            .sum();
        let users: usize = self.users.capacity() * (std::mem::size_of::<(UserId, UserEntry)>() + 8)
            + self
                .users
                .values()
                .map(|u| u.roles.capacity() * 2 + u.groups.capacity() * 16)
                .sum::<usize>();
        let groups: usize = self.groups.capacity()
            * (std::mem::size_of::<(GroupId, GroupEntry)>() + 8)
            + self
                .groups
                .values()
                .map(|g| g.members.capacity() * 16 + g.id_text.capacity())
                .sum::<usize>();
        let rels: usize = self.pairs.capacity()
            * (std::mem::size_of::<((TenantId, TenantId), Vec<RelEntry>)>() + 8)
            + self
                .pairs
                .values()
                .flat_map(|l| l.iter())
                .map(|r| {
                    std::mem::size_of::<RelEntry>()
                        + r.rel.display_name.capacity()
                        + r.rel.roles.capacity() * 16
                        + r.roles.capacity() * 2
                        + r.id_text.capacity()
                        + r.assignments.capacity() * std::mem::size_of::<AssignmentEntry>()
                        + r.assignments
                            .iter()
                            .map(|a| a.roles.capacity() * 2 + a.id_text.capacity())
                            .sum::<usize>()
                })
                .sum::<usize>();
        let maps =
            (self.rel_pair.capacity() + self.assignment_rel.capacity() + self.dap.capacity()) * 56;
        roles + users + groups + rels + maps
    }
}
