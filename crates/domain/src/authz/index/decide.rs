//! How the index decides: the roles granting an action, the privilege rules on a target, GDAP before DAP, and why a refusal.

use super::*;

impl AuthzIndex {
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
            .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.rel.id.cmp(&a.1.rel.id)));
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
            .then_with(|| a.rel.id.cmp(&b.rel.id))
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
}
