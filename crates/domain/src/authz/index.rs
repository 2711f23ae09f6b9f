//! The in-memory authorization index: every fact a decision needs, arranged so that a check is two
//! hash lookups and a few bit operations. Writes update it in place, so a terminated relationship,
//! a removed member or a passed end date take effect for the very next check; the end date is
//! compared at the instant of the check, to the microsecond.
//!
//! Layout: what every check reads (a user's groups; per partner–customer pair, each relationship's
//! status, end and role set, and each access assignment's group and effective roles) lives inline
//! in two hash tables; roles are bits of a [`RoleMask`], and every known action has the mask of the
//! roles granting it. The rest (ids and names for the explanation) lives apart and is read only to
//! explain a decision.

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use smallvec::SmallVec;
use time::OffsetDateTime;

use super::action::{grant_matches, is_literal, ActionId, ActionTable};
use super::privilege::{sensitivity, PrivilegeRules, Sensitivity};
use super::{aobo_restricted, CheckRequest, Decision, DenyReason, Grant, Via};
use crate::assignment::AccessAssignment;
use crate::customer::{latest_end_then_newest, PartnerLink};
use crate::directory::{Group, User, ADMIN_AGENTS, HELPDESK_AGENTS};
use crate::enums::{AssignmentStatus, RelationshipStatus as S};
use crate::ids::{AssignmentId, GroupId, RelationshipId, RoleDefinitionId, TenantId, UserId};
use crate::relationship::Relationship;
use crate::roles::{Catalogue, GLOBAL_ADMINISTRATOR, HELPDESK_ADMINISTRATOR};
use crate::timefmt::to_micros;

/// A role by its position in the catalogue.
type RoleIx = u16;

/// A set of catalogue roles, one bit each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoleMask([u64; 3]);

impl RoleMask {
    fn insert(&mut self, r: RoleIx) {
        if let Some(w) = self.0.get_mut(r as usize / 64) {
            *w |= 1 << (r % 64);
        }
    }

    fn contains(&self, r: RoleIx) -> bool {
        self.0
            .get(r as usize / 64)
            .is_some_and(|w| w & (1 << (r % 64)) != 0)
    }

    #[inline]
    fn meets(&self, other: &Self) -> bool {
        (self.0[0] & other.0[0]) | (self.0[1] & other.0[1]) | (self.0[2] & other.0[2]) != 0
    }

    fn and(&self, other: &Self) -> Self {
        Self([
            self.0[0] & other.0[0],
            self.0[1] & other.0[1],
            self.0[2] & other.0[2],
        ])
    }
}

const NO_GRANT: u16 = u16::MAX;
const NO_GROUP: u32 = u32::MAX;

#[derive(Debug)]
struct RoleEntry {
    id: RoleDefinitionId,
    grants: &'static [String],
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
    id: GroupId,
    tenant: TenantId,
    kind: GroupKind,
    id_text: String,
    members: Vec<UserId>,
}

#[derive(Debug, Default)]
struct UserEntry {
    home: Option<TenantId>,
    enabled: bool,
    own: RoleMask,
    roles: Vec<RoleIx>,
    /// The user's roles as the directory holds them (custom ones included), for the privilege
    /// rules when the user is the target of a sensitive action.
    role_ids: Vec<RoleDefinitionId>,
    /// Dense numbers of the groups the user belongs to.
    groups: SmallVec<[u32; 6]>,
}

/// What a check reads of an access assignment.
#[derive(Debug, Clone)]
struct HotAssignment {
    group: u32,
    active: bool,
    /// The assignment's roles that the relationship also holds.
    mask: RoleMask,
    /// The same roles in the assignment's order (the order the explanation follows).
    roles: SmallVec<[RoleIx; 4]>,
    id: AssignmentId,
}

/// What a check reads of a relationship.
#[derive(Debug, Clone)]
struct HotRel {
    active: bool,
    end: i64,
    id: RelationshipId,
    assignments: SmallVec<[HotAssignment; 3]>,
}

#[derive(Debug, Default)]
struct Pair {
    dap: bool,
    /// Sorted by relationship id text.
    rels: SmallVec<[HotRel; 1]>,
}

#[derive(Debug, Clone)]
struct ColdAssignment {
    id: AssignmentId,
    id_text: String,
    group: GroupId,
    active: bool,
    roles: Vec<RoleIx>,
}

/// What the index keeps of a relationship: what decisions and explanations read, not the whole
/// object (the index holds every relationship that names a customer).
#[derive(Debug, Clone)]
struct RelFacts {
    id: RelationshipId,
    partner: TenantId,
    customer: Option<TenantId>,
    status: S,
    end_at: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
    version: u64,
}

impl RelFacts {
    fn of(r: &Relationship) -> Self {
        Self {
            id: r.id,
            partner: r.partner,
            customer: r.customer.as_ref().map(|c| c.tenant_id),
            status: r.status,
            end_at: r.end_at,
            created_at: r.created_at,
            version: r.version,
        }
    }
}

#[derive(Debug, Clone)]
struct ColdRel {
    rel: RelFacts,
    id_text: String,
    roles: RoleMask,
    role_list: Vec<RoleIx>,
    /// Sorted by id text.
    assignments: Vec<ColdAssignment>,
}

/// The index. Build it with [`AuthzIndex::new`] and keep it current with the `put_*` and
/// `remove_*` methods on every write.
#[derive(Debug)]
pub struct AuthzIndex {
    actions: ActionTable,
    /// How many actions the table held when built.
    base_actions: usize,
    /// For each known action, the roles granting it.
    action_roles: Vec<RoleMask>,
    roles: Vec<RoleEntry>,
    role_ix: HashMap<RoleDefinitionId, RoleIx>,
    ga: RoleIx,
    helpdesk: RoleIx,
    users: FxHashMap<UserId, UserEntry>,
    group_ix: FxHashMap<GroupId, u32>,
    groups: Vec<Option<GroupEntry>>,
    pairs: FxHashMap<(TenantId, TenantId), Pair>,
    /// Relationships (with a customer) by id, with what only explanations need.
    /// Boxed: the table of a map this large is mostly empty buckets after each doubling.
    cold: FxHashMap<RelationshipId, Box<ColdRel>>,
    /// Assignments whose relationship has not arrived (or names no customer yet).
    waiting: FxHashMap<RelationshipId, Vec<ColdAssignment>>,
    assignment_rel: FxHashMap<AssignmentId, RelationshipId>,
}

impl AuthzIndex {
    /// An empty index over the role catalogue, knowing its literal actions and `extra_actions`
    /// (those the endpoints check) by number.
    pub fn new<'a>(
        catalogue: &'static Catalogue,
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
        let mut action_roles = vec![RoleMask::default(); actions.len()];
        for (i, role) in catalogue.all().iter().enumerate() {
            let ix = RoleIx::try_from(i).unwrap_or(RoleIx::MAX);
            // Literal grants name their action; only wildcards are matched against every action.
            let mut first_grant = vec![NO_GRANT; actions.len()];
            for (pos, g) in role.resource_actions.iter().enumerate() {
                let pos = u16::try_from(pos).unwrap_or(NO_GRANT);
                let mut mark = |a: ActionId| {
                    let slot = &mut first_grant[a.0 as usize];
                    *slot = (*slot).min(pos);
                    action_roles[a.0 as usize].insert(ix);
                };
                if is_literal(g) {
                    if let Some(a) = actions.get(g) {
                        mark(a);
                    }
                } else {
                    for (a, name) in actions.iter() {
                        if grant_matches(g, name) {
                            mark(a);
                        }
                    }
                }
            }
            roles.push(RoleEntry {
                id: role.id,
                grants: &role.resource_actions,
                first_grant,
            });
            role_ix.insert(role.id, ix);
        }
        let find = |id: &str| {
            RoleDefinitionId::parse(id)
                .ok()
                .and_then(|r| role_ix.get(&r).copied())
                .unwrap_or(RoleIx::MAX)
        };
        Self {
            base_actions: actions.len(),
            ga: find(GLOBAL_ADMINISTRATOR),
            helpdesk: find(HELPDESK_ADMINISTRATOR),
            actions,
            action_roles,
            roles,
            role_ix,
            users: FxHashMap::default(),
            group_ix: FxHashMap::default(),
            groups: Vec::new(),
            pairs: FxHashMap::default(),
            cold: FxHashMap::default(),
            waiting: FxHashMap::default(),
            assignment_rel: FxHashMap::default(),
        }
    }

    /// Puts every fact of a world into the index.
    pub fn load(&mut self, f: &super::reference::Facts<'_>) {
        for u in f.users {
            self.put_user(u);
        }
        for g in f.groups {
            self.put_group(g);
        }
        for r in f.relationships {
            self.put_relationship(r);
        }
        for a in f.assignments {
            self.put_assignment(a);
        }
        for l in f.links {
            self.put_link(l);
        }
    }

    /// The actions known by number.
    pub fn actions(&self) -> &ActionTable {
        &self.actions
    }

    /// Most actions learned after construction (clients may send any action text).
    pub const MAX_LEARNED_ACTIONS: usize = 20_000;

    /// Numbers an action met for the first time (computing which roles grant it), so later
    /// checks of it are as fast as those of catalogue actions. `None` when the table is full or
    /// the text is not an action (`namespace/…`, letters, digits and `._-/` only).
    pub fn learn_action(&mut self, name: &str) -> Option<ActionId> {
        if let Some(a) = self.actions.get(name) {
            return Some(a);
        }
        let well_formed = name.len() <= 300
            && name.contains('/')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c));
        if !well_formed || self.actions.len() >= self.base_actions + Self::MAX_LEARNED_ACTIONS {
            return None;
        }
        let a = self.actions.intern(name);
        let mut mask = RoleMask::default();
        for (i, role) in self.roles.iter_mut().enumerate() {
            let pos = role
                .grants
                .iter()
                .position(|g| grant_matches(g, name))
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or(NO_GRANT);
            if pos != NO_GRANT {
                mask.insert(RoleIx::try_from(i).unwrap_or(RoleIx::MAX));
            }
            role.first_grant.push(pos);
        }
        self.action_roles.push(mask);
        Some(a)
    }

    /// The home tenant of a known user.
    pub fn home_of(&self, user: UserId) -> Option<TenantId> {
        self.users.get(&user).and_then(|u| u.home)
    }

    /// Whether a user exists and may act (not disabled, not deleted).
    pub fn user_active(&self, user: UserId) -> bool {
        self.users
            .get(&user)
            .is_some_and(|u| u.enabled && u.home.is_some())
    }

    /// Whether `partner` has ever been given delegated access in `customer`: a relationship with
    /// it (in any state) or a reseller tie. Its users are then within the customer's view.
    pub fn reaches(&self, partner: TenantId, customer: TenantId) -> bool {
        self.pairs.contains_key(&(partner, customer))
    }

    fn role_list(&self, roles: &[RoleDefinitionId]) -> Vec<RoleIx> {
        roles
            .iter()
            .filter_map(|r| self.role_ix.get(r).copied())
            .collect()
    }

    fn mask(list: &[RoleIx]) -> RoleMask {
        let mut m = RoleMask::default();
        for r in list {
            m.insert(*r);
        }
        m
    }

    fn group_number(&mut self, id: GroupId) -> u32 {
        if let Some(n) = self.group_ix.get(&id) {
            return *n;
        }
        let n = u32::try_from(self.groups.len()).unwrap_or(NO_GROUP);
        self.groups.push(None);
        self.group_ix.insert(id, n);
        n
    }

    fn group(&self, n: u32) -> Option<&GroupEntry> {
        self.groups.get(n as usize).and_then(Option::as_ref)
    }

    /// Adds or replaces a user (its own roles and whether it may act).
    pub fn put_user(&mut self, u: &User) {
        let roles = self.role_list(&u.roles);
        let e = self.users.entry(u.id).or_default();
        e.home = Some(u.tenant);
        e.enabled = u.account_enabled;
        e.own = Self::mask(&roles);
        e.roles = roles;
        e.role_ids.clone_from(&u.roles);
    }

    /// Removes a user.
    pub fn remove_user(&mut self, id: UserId) {
        self.users.remove(&id);
    }

    /// Adds or replaces a security group with its members.
    pub fn put_group(&mut self, g: &Group) {
        self.remove_group(g.id);
        let n = self.group_number(g.id);
        let kind = if g.display_name.eq_ignore_ascii_case(ADMIN_AGENTS) {
            GroupKind::AdminAgents
        } else if g.display_name.eq_ignore_ascii_case(HELPDESK_AGENTS) {
            GroupKind::HelpdeskAgents
        } else {
            GroupKind::Other
        };
        for m in &g.members {
            let e = self.users.entry(*m).or_default();
            if !e.groups.contains(&n) {
                e.groups.push(n);
            }
        }
        if let Some(slot) = self.groups.get_mut(n as usize) {
            *slot = Some(GroupEntry {
                id: g.id,
                tenant: g.tenant,
                kind,
                id_text: g.id.to_string(),
                members: g.members.clone(),
            });
        }
    }

    /// Removes a security group (and its memberships).
    pub fn remove_group(&mut self, id: GroupId) {
        let Some(n) = self.group_ix.get(&id).copied() else {
            return;
        };
        if let Some(old) = self.groups.get_mut(n as usize).and_then(Option::take) {
            for m in old.members {
                if let Some(u) = self.users.get_mut(&m) {
                    u.groups.retain(|g| *g != n);
                }
            }
        }
    }

    fn cold_assignment(&self, a: &AccessAssignment) -> ColdAssignment {
        ColdAssignment {
            id: a.id,
            id_text: a.id.to_string(),
            group: a.group,
            active: a.status == AssignmentStatus::Active,
            roles: self.role_list(&a.roles),
        }
    }

    /// Rebuilds the hot entry of a relationship from its cold one and puts it in its pair.
    fn refresh_hot(&mut self, id: RelationshipId) {
        let Some(c) = self.cold.get(&id) else {
            return;
        };
        let Some(customer) = c.rel.customer else {
            return;
        };
        let pair_key = (c.rel.partner, customer);
        let id_text = c.id_text.clone();
        let cold_assignments = c.assignments.clone();
        let rel_roles = c.roles;
        let active = c.rel.status == S::Active;
        let end = c.rel.end_at.map_or(i64::MAX, to_micros);
        let assignments = cold_assignments
            .iter()
            .map(|a| HotAssignment {
                group: self.group_number(a.group),
                active: a.active,
                mask: Self::mask(&a.roles).and(&rel_roles),
                roles: a
                    .roles
                    .iter()
                    .copied()
                    .filter(|r| rel_roles.contains(*r))
                    .collect(),
                id: a.id,
            })
            .collect();
        let hot = HotRel {
            active,
            end,
            id,
            assignments,
        };
        let cold = &self.cold;
        let pair = self.pairs.entry(pair_key).or_default();
        match pair.rels.iter().position(|r| r.id == id) {
            Some(i) => pair.rels[i] = hot,
            None => {
                let at = pair
                    .rels
                    .iter()
                    .position(|r| cold.get(&r.id).is_some_and(|x| x.id_text > id_text))
                    .unwrap_or(pair.rels.len());
                pair.rels.insert(at, hot);
            }
        }
    }

    /// Adds or replaces a relationship (its assignments stay). An older version than the one held
    /// is ignored: news of a write can arrive after news of a later one (another node's change
    /// read back from the database, this node's own commit announced late).
    pub fn put_relationship(&mut self, r: &Relationship) {
        if self
            .cold
            .get(&r.id)
            .is_some_and(|held| held.rel.version > r.version)
        {
            return;
        }
        let kept = self.take_relationship(r.id);
        if r.customer.is_none() {
            self.waiting.insert(r.id, kept);
            return;
        }
        let mut assignments = kept;
        assignments.extend(self.waiting.remove(&r.id).unwrap_or_default());
        assignments.sort_by(|a, b| a.id_text.cmp(&b.id_text));
        let role_list = self.role_list(&r.roles);
        self.cold.insert(
            r.id,
            Box::new(ColdRel {
                rel: RelFacts::of(r),
                id_text: r.id.to_string(),
                roles: Self::mask(&role_list),
                role_list,
                assignments,
            }),
        );
        self.refresh_hot(r.id);
    }

    /// Takes a relationship out, returning its assignments.
    fn take_relationship(&mut self, id: RelationshipId) -> Vec<ColdAssignment> {
        let Some(c) = self.cold.remove(&id) else {
            return self.waiting.remove(&id).unwrap_or_default();
        };
        if let Some(customer) = c.rel.customer {
            let key = (c.rel.partner, customer);
            if let Some(pair) = self.pairs.get_mut(&key) {
                pair.rels.retain(|r| r.id != id);
                if pair.rels.is_empty() && !pair.dap {
                    self.pairs.remove(&key);
                }
            }
        }
        c.assignments
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
        let entry = self.cold_assignment(a);
        self.assignment_rel.insert(a.id, a.relationship_id);
        let list = match self.cold.get_mut(&a.relationship_id) {
            Some(c) => &mut c.assignments,
            None => self.waiting.entry(a.relationship_id).or_default(),
        };
        let at = list.partition_point(|e| e.id_text < entry.id_text);
        list.insert(at, entry);
        self.refresh_hot(a.relationship_id);
    }

    /// Removes an access assignment.
    pub fn remove_assignment(&mut self, id: AssignmentId) {
        let Some(rel) = self.assignment_rel.remove(&id) else {
            return;
        };
        if let Some(c) = self.cold.get_mut(&rel) {
            c.assignments.retain(|e| e.id != id);
            self.refresh_hot(rel);
        } else if let Some(list) = self.waiting.get_mut(&rel) {
            list.retain(|e| e.id != id);
        }
    }

    /// Adds or replaces a customer's tie with a partner (DAP on or off).
    pub fn put_link(&mut self, l: &PartnerLink) {
        self.pairs.entry((l.partner, l.customer)).or_default().dap = l.dap;
    }

    /// The roles granting an action: from the table for known actions, by matching otherwise.
    fn granting(&self, action: Option<ActionId>, name: &str) -> RoleMask {
        match action.and_then(|a| self.action_roles.get(a.0 as usize)) {
            Some(m) => *m,
            None => {
                let mut m = RoleMask::default();
                for (i, r) in self.roles.iter().enumerate() {
                    if r.grants.iter().any(|g| grant_matches(g, name)) {
                        m.insert(RoleIx::try_from(i).unwrap_or(RoleIx::MAX));
                    }
                }
                m
            }
        }
    }

    fn covering(&self, role: RoleIx, action: Option<ActionId>, name: &str) -> Option<&'static str> {
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

    fn grant(&self, via: Via, role: RoleIx, ra: &'static str) -> Grant {
        Grant {
            via,
            role: self.roles[role as usize].id,
            resource_action: ra,
        }
    }

    /// Decides a request at `now` (the same answers as [`super::reference::evaluate`]).
    pub fn check(&self, req: &CheckRequest, now: OffsetDateTime) -> Decision {
        let action = self.actions.get(&req.action);
        self.check_on(req.user, req.tenant, action, &req.action, req.target, now)
    }

    /// Decides for an action already numbered (`name` is its name, used for AOBO and the path),
    /// with no target user.
    pub fn check_known(
        &self,
        user_id: UserId,
        tenant: TenantId,
        action: Option<ActionId>,
        name: &str,
        now: OffsetDateTime,
    ) -> Decision {
        self.check_on(user_id, tenant, action, name, None, now)
    }

    /// The privilege rules that apply to a check: the table and the target's roles, when the
    /// action is a sensitive one on a target user. `Err` when the target is not a user of the
    /// tenant.
    fn target_rules(
        &self,
        tenant: TenantId,
        name: &str,
        target: Option<UserId>,
    ) -> Result<Option<(Sensitivity, &[RoleDefinitionId])>, DenyReason> {
        let Some(target) = target else {
            return Ok(None);
        };
        let roles = self
            .users
            .get(&target)
            .filter(|t| t.home == Some(tenant))
            .map(|t| t.role_ids.as_slice())
            .ok_or(DenyReason::UnknownTarget)?;
        Ok(sensitivity(name).map(|s| (s, roles)))
    }

    /// `None` when `role` may perform the action on the target (or no rule applies), otherwise
    /// the refusal.
    fn protected(
        &self,
        rules: Option<(Sensitivity, &[RoleDefinitionId])>,
        role: RoleIx,
    ) -> Option<DenyReason> {
        let (s, target_roles) = rules?;
        let actor_role = self.roles.get(role as usize)?.id;
        let protection = PrivilegeRules::builtin()
            .permits(s, &actor_role, target_roles)
            .err()?;
        Some(DenyReason::TargetProtected {
            actor_role,
            protection,
            sensitivity: s,
        })
    }

    /// Decides, with the target user of a sensitive action when there is one.
    fn check_on(
        &self,
        user_id: UserId,
        tenant: TenantId,
        action: Option<ActionId>,
        name: &str,
        target: Option<UserId>,
        now: OffsetDateTime,
    ) -> Decision {
        let Some(user) = self.users.get(&user_id).filter(|u| u.enabled) else {
            return Decision::Deny(DenyReason::UnknownPrincipal);
        };
        let Some(home) = user.home else {
            return Decision::Deny(DenyReason::UnknownPrincipal);
        };
        let rules = match self.target_rules(tenant, name, target) {
            Ok(r) => r,
            Err(reason) => return Decision::Deny(reason),
        };
        // The first role that grants the action but may not use it on the target.
        let mut blocked: Option<DenyReason> = None;
        let refuse = |blocked: Option<DenyReason>| {
            Decision::Deny(blocked.unwrap_or(DenyReason::RoleLacksAction))
        };
        let granting = self.granting(action, name);
        if home == tenant {
            if user.own.meets(&granting) {
                for role in &user.roles {
                    if let Some(ra) = self.covering(*role, action, name) {
                        if let Some(p) = self.protected(rules, *role) {
                            blocked.get_or_insert(p);
                            continue;
                        }
                        return Decision::Allow(self.grant(Via::OwnRole, *role, ra));
                    }
                }
            }
            return refuse(blocked);
        }
        let Some(pair) = self.pairs.get(&(home, tenant)) else {
            return Decision::Deny(DenyReason::NoRelationship);
        };
        let now_us = to_micros(now);
        let mut any_live = false;
        let mut governed = false;
        for r in &pair.rels {
            if !r.active || now_us >= r.end {
                continue;
            }
            any_live = true;
            for a in &r.assignments {
                if !a.active || !user.groups.contains(&a.group) {
                    continue;
                }
                let Some(group) = self.group(a.group).filter(|g| g.tenant == home) else {
                    continue;
                };
                governed = true;
                if !a.mask.meets(&granting) {
                    continue;
                }
                for role in &a.roles {
                    if let Some(ra) = self.covering(*role, action, name) {
                        if let Some(p) = self.protected(rules, *role) {
                            blocked.get_or_insert(p);
                            continue;
                        }
                        if aobo_restricted(name) {
                            return Decision::Deny(DenyReason::AoboRestricted);
                        }
                        return Decision::Allow(self.grant(
                            Via::Gdap {
                                relationship: r.id,
                                assignment: a.id,
                                group: group.id,
                            },
                            *role,
                            ra,
                        ));
                    }
                }
            }
        }
        if governed {
            return refuse(blocked);
        }
        if pair.dap {
            if let Some(d) = self.dap_decision(user, home, action, name, rules) {
                return d;
            }
            return Decision::Deny(DenyReason::NoAssignmentForGroups);
        }
        if any_live {
            return Decision::Deny(DenyReason::NoAssignmentForGroups);
        }
        self.why_not_active(pair, now)
    }

    /// DAP for a user not governed by GDAP: `None` when the user is in neither DAP group.
    fn dap_decision(
        &self,
        user: &UserEntry,
        home: TenantId,
        action: Option<ActionId>,
        name: &str,
        rules: Option<(Sensitivity, &[RoleDefinitionId])>,
    ) -> Option<Decision> {
        let mut found = false;
        let mut blocked: Option<DenyReason> = None;
        for (kind, role) in [
            (GroupKind::AdminAgents, self.ga),
            (GroupKind::HelpdeskAgents, self.helpdesk),
        ] {
            let mut gs: Vec<&GroupEntry> = user
                .groups
                .iter()
                .filter_map(|g| self.group(*g))
                .filter(|e| e.kind == kind && e.tenant == home)
                .collect();
            gs.sort_unstable_by(|a, b| a.id_text.cmp(&b.id_text));
            for g in gs {
                found = true;
                if let Some(ra) = self.covering(role, action, name) {
                    if let Some(p) = self.protected(rules, role) {
                        blocked.get_or_insert(p);
                        continue;
                    }
                    let grant = self.grant(Via::Dap { group: g.id }, role, ra);
                    return Some(if aobo_restricted(name) {
                        Decision::Deny(DenyReason::AoboRestricted)
                    } else {
                        Decision::Allow(grant)
                    });
                }
            }
        }
        found.then(|| Decision::Deny(blocked.unwrap_or(DenyReason::RoleLacksAction)))
    }

    /// Why no relationship of a pair grants anything: expired, not active, or none at all.
    fn why_not_active(&self, pair: &Pair, now: OffsetDateTime) -> Decision {
        let rels: Vec<&ColdRel> = pair
            .rels
            .iter()
            .filter_map(|r| self.cold.get(&r.id).map(|c| &**c))
            .collect();
        let ended = rels
            .iter()
            .filter(|c| matches!(c.rel.status, S::Active | S::Expiring | S::Expired))
            .filter_map(|c| c.rel.end_at.filter(|end| *end <= now).map(|end| (end, *c)))
            .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.id_text.cmp(&a.1.id_text)));
        if let Some((at, c)) = ended {
            return Decision::Deny(DenyReason::Expired {
                relationship: c.rel.id,
                at,
            });
        }
        // The relationship the customer's page shows first (as `newest_end_first` orders them).
        let newest_end_first = |a: &&ColdRel, b: &&ColdRel| {
            latest_end_then_newest(
                (a.rel.end_at, a.rel.created_at),
                (b.rel.end_at, b.rel.created_at),
            )
            .then_with(|| a.id_text.cmp(&b.id_text))
        };
        match rels.iter().min_by(|a, b| newest_end_first(a, b)) {
            Some(c) => Decision::Deny(DenyReason::RelationshipNotActive {
                relationship: c.rel.id,
                status: c.rel.status,
            }),
            None => Decision::Deny(DenyReason::NoRelationship),
        }
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
        let Some(pair) = self.pairs.get(&(home, tenant)) else {
            return false;
        };
        let now_us = to_micros(now);
        let own_group = |n: u32| self.group(n).is_some_and(|e| e.tenant == home);
        let gdap = pair
            .rels
            .iter()
            .filter(|r| r.active && now_us < r.end)
            .any(|r| {
                r.assignments
                    .iter()
                    .any(|a| a.active && u.groups.contains(&a.group) && own_group(a.group))
            });
        let dap = pair.dap
            && u.groups.iter().any(|g| {
                self.group(*g).is_some_and(|e| {
                    e.tenant == home
                        && matches!(e.kind, GroupKind::AdminAgents | GroupKind::HelpdeskAgents)
                })
            });
        gdap || dap
    }

    /// An estimate of the heap the index holds, in bytes.
    pub fn heap_bytes(&self) -> usize {
        let roles: usize = self
            .roles
            .iter()
            .map(|r| {
                r.first_grant.capacity() * 2 + r.grants.iter().map(String::capacity).sum::<usize>()
            })
            .sum::<usize>()
            + self.action_roles.capacity() * std::mem::size_of::<RoleMask>();
        let users = self.users.capacity() * (std::mem::size_of::<(UserId, UserEntry)>() + 1)
            + self
                .users
                .values()
                .map(|u| {
                    u.roles.capacity() * 2
                        + if u.groups.spilled() {
                            u.groups.capacity() * 4
                        } else {
                            0
                        }
                })
                .sum::<usize>();
        let groups = self.groups.capacity() * std::mem::size_of::<Option<GroupEntry>>()
            + self
                .groups
                .iter()
                .flatten()
                .map(|g| g.members.capacity() * 16 + g.id_text.capacity())
                .sum::<usize>()
            + self.group_ix.capacity() * 21;
        let pairs =
            self.pairs.capacity() * (std::mem::size_of::<((TenantId, TenantId), Pair)>() + 1);
        let cold = self.cold.capacity()
            * (std::mem::size_of::<(RelationshipId, Box<ColdRel>)>() + 1)
            + self
                .cold
                .values()
                .map(|c| {
                    std::mem::size_of::<ColdRel>()
                        + c.role_list.capacity() * 2
                        + c.id_text.capacity()
                        + c.assignments.capacity() * std::mem::size_of::<ColdAssignment>()
                        + c.assignments
                            .iter()
                            .map(|a| a.roles.capacity() * 2 + a.id_text.capacity())
                            .sum::<usize>()
                })
                .sum::<usize>();
        let maps = self.assignment_rel.capacity() * 41;
        roles + users + groups + pairs + cold + maps
    }
}
