//! Keeping the index current: each write of a user, group, relationship, access assignment or partner tie updates it in place.

use super::*;

impl AuthzIndex {
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
        let pair = self.pairs.entry(pair_key).or_default();
        if self.loading {
            pair.rels.push(hot);
            return;
        }
        // The pair's relationships are kept in id order: its place is found by binary search (a
        // scan of the pair per change made start-up quadratic in a pair's size); a relationship
        // held already is just before it.
        // An id's order is its text's: both GUIDs compare byte by byte as their lowercase hex.
        let at = pair.rels.partition_point(|r| r.id <= id);
        match at.checked_sub(1).filter(|&i| pair.rels[i].id == id) {
            Some(i) => pair.rels[i] = hot,
            None => pair.rels.insert(at, hot),
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
}
