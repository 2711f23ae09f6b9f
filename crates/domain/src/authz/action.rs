//! Entra resource actions (`microsoft.directory/users/password/update`) and the wildcard semantics
//! of role grants: `allEntities` stands for any one entity, `allProperties` for any one property
//! set (or none), and a trailing `allTasks` for whatever follows.

use rustc_hash::FxHashMap;

const ALL_ENTITIES: &str = "allEntities";
const ALL_PROPERTIES: &str = "allProperties";
const ALL_TASKS: &str = "allTasks";

/// Whether a role's resource action `grant` allows the action `action` (both in the
/// `namespace/entity/…/task` form, compared case-insensitively as Entra does).
pub fn grant_matches(grant: &str, action: &str) -> bool {
    let mut g = grant.split('/');
    let mut a = action.split('/');
    // The namespace is never a wildcard.
    match (g.next(), a.next()) {
        (Some(x), Some(y)) if x.eq_ignore_ascii_case(y) => segments_match(g, a),
        _ => false,
    }
}

type Segments<'a> = std::str::Split<'a, char>;

fn segments_match(mut g: Segments<'_>, mut a: Segments<'_>) -> bool {
    let Some(s) = g.next() else {
        return a.next().is_none();
    };
    if s == ALL_TASKS && g.clone().next().is_none() {
        return a.next().is_some();
    }
    let before = a.clone();
    if a.next().is_none() {
        return false;
    }
    match s {
        // `allProperties` may also stand for no property set: `users/allProperties/allTasks`
        // covers `users/create`.
        ALL_PROPERTIES => segments_match(g.clone(), a) || segments_match(g, before),
        ALL_ENTITIES => segments_match(g, a),
        _ => {
            before
                .clone()
                .next()
                .is_some_and(|t| s.eq_ignore_ascii_case(t))
                && segments_match(g, a)
        }
    }
}

/// Whether a grant names exactly one action (no wildcard segment).
pub fn is_literal(grant: &str) -> bool {
    !grant
        .split('/')
        .skip(1)
        .any(|s| s == ALL_ENTITIES || s == ALL_PROPERTIES || s == ALL_TASKS)
}

/// A dense number for an action, so that role grants become bit sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActionId(pub u32);

/// The actions gdap knows by number: every literal action of the role catalogue and every action
/// an endpoint needs. Lookups are case-insensitive.
#[derive(Debug, Clone, Default)]
pub struct ActionTable {
    names: Vec<String>,
    ids: FxHashMap<String, ActionId>,
}

impl ActionTable {
    /// Adds an action (once) and returns its number.
    pub fn intern(&mut self, action: &str) -> ActionId {
        let key = action.to_ascii_lowercase();
        if let Some(id) = self.ids.get(&key) {
            return *id;
        }
        let id = ActionId(u32::try_from(self.names.len()).unwrap_or(u32::MAX));
        self.names.push(action.to_owned());
        self.ids.insert(key, id);
        id
    }

    /// The number of a known action.
    pub fn get(&self, action: &str) -> Option<ActionId> {
        if let Some(id) = self.ids.get(action) {
            return Some(*id);
        }
        self.ids.get(&action.to_ascii_lowercase()).copied()
    }

    /// The name of a numbered action.
    pub fn name(&self, id: ActionId) -> &str {
        self.names.get(id.0 as usize).map_or("", String::as_str)
    }

    /// How many actions are known.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no action is known.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Every known action with its number.
    pub fn iter(&self) -> impl Iterator<Item = (ActionId, &str)> {
        self.names
            .iter()
            .enumerate()
            .map(|(i, n)| (ActionId(i as u32), n.as_str()))
    }
}

/// A set of action numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionSet {
    words: Vec<u64>,
}

impl ActionSet {
    /// Adds an action.
    pub fn insert(&mut self, a: ActionId) {
        let (w, b) = (a.0 as usize / 64, a.0 % 64);
        if self.words.len() <= w {
            self.words.resize(w + 1, 0);
        }
        self.words[w] |= 1 << b;
    }

    /// Whether the set holds an action.
    #[inline]
    pub fn contains(&self, a: ActionId) -> bool {
        let (w, b) = (a.0 as usize / 64, a.0 % 64);
        self.words.get(w).is_some_and(|x| x & (1 << b) != 0)
    }

    /// How many actions the set holds.
    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    /// Bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.words.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_grants_match_only_themselves() {
        let g = "microsoft.directory/users/password/update";
        assert!(grant_matches(
            g,
            "microsoft.directory/users/password/update"
        ));
        assert!(grant_matches(
            g,
            "Microsoft.Directory/Users/Password/Update"
        ));
        assert!(!grant_matches(g, "microsoft.directory/users/basic/update"));
        assert!(!grant_matches(g, "microsoft.directory/users/password"));
        assert!(!grant_matches(
            g,
            "microsoft.directory/users/password/update/x"
        ));
        assert!(!grant_matches(g, "microsoft.other/users/password/update"));
    }

    #[test]
    fn wildcards_stand_for_one_entity_one_property_set_or_every_task() {
        let all = "microsoft.directory/allEntities/allProperties/allTasks";
        for a in [
            "microsoft.directory/users/create",
            "microsoft.directory/users/password/update",
            "microsoft.directory/groups/members/update",
        ] {
            assert!(grant_matches(all, a), "{a}");
        }
        assert!(!grant_matches(all, "microsoft.directory/users"));
        assert!(grant_matches(
            "microsoft.commerce.billing/allEntities/allProperties/allTasks",
            "microsoft.commerce.billing/purchases/create"
        ));
        assert!(!grant_matches(all, "microsoft.exchange/users/create"));
        let read = "microsoft.directory/users/allProperties/read";
        assert!(grant_matches(
            read,
            "microsoft.directory/users/standard/read"
        ));
        assert!(grant_matches(
            read,
            "microsoft.directory/users/manager/read"
        ));
        assert!(!grant_matches(
            read,
            "microsoft.directory/users/basic/update"
        ));
        assert!(!grant_matches(
            read,
            "microsoft.directory/groups/standard/read"
        ));
        let tasks = "microsoft.azure.serviceHealth/allEntities/allTasks";
        assert!(grant_matches(
            tasks,
            "microsoft.azure.serviceHealth/incidents/read"
        ));
        assert!(grant_matches(
            tasks,
            "microsoft.azure.serviceHealth/incidents/x/y/z"
        ));
        assert!(!grant_matches(
            tasks,
            "microsoft.azure.serviceHealth/incidents"
        ));
    }

    #[test]
    fn literal_grants_are_told_apart_from_patterns() {
        assert!(is_literal("microsoft.directory/users/password/update"));
        assert!(!is_literal("microsoft.directory/users/allProperties/read"));
        assert!(!is_literal("microsoft.directory/allEntities/allTasks"));
    }

    #[test]
    fn action_sets_hold_what_was_added() {
        let mut t = ActionTable::default();
        let a = t.intern("microsoft.directory/users/create");
        let b = t.intern("microsoft.directory/users/delete");
        assert_eq!(t.intern("Microsoft.Directory/Users/Create"), a);
        assert_eq!(t.get("MICROSOFT.DIRECTORY/USERS/DELETE"), Some(b));
        let mut s = ActionSet::default();
        s.insert(b);
        assert!(s.contains(b) && !s.contains(a));
        assert!(!s.contains(ActionId(10_000)));
        assert_eq!(s.len(), 1);
    }
}
