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

mod update;

mod decide;

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
    /// Between [`AuthzIndex::begin_load`] and [`AuthzIndex::finish_load`]: relationships are
    /// appended to their pair's list, which is put in order once at the end.
    loading: bool,
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
            loading: false,
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
        self.begin_load();
        for r in f.relationships {
            self.put_relationship(r);
        }
        self.finish_load();
        for a in f.assignments {
            self.put_assignment(a);
        }
        for l in f.links {
            self.put_link(l);
        }
    }

    /// Starts loading many relationships at once (in any order, each once, before their access
    /// assignments): each is appended to its pair's list, and [`AuthzIndex::finish_load`] puts
    /// every list in order. Checks in between may miss relationships.
    pub fn begin_load(&mut self) {
        self.loading = true;
    }

    /// Ends a load: every pair's relationships in id order, as changes keep them.
    pub fn finish_load(&mut self) {
        self.loading = false;
        for pair in self.pairs.values_mut() {
            // Already in order when the store gave them so: then a single pass.
            pair.rels.sort_by_key(|r| r.id);
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
