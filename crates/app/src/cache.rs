//! Read-through caches of directory facts that nearly every write request needs and that rarely
//! change: tenants, and the users of a tenant who can approve its partner relationships.
//!
//! Entries are dropped when this node writes what they hold (the caches observe the store) and
//! when another node does (the change feed's follower forgets them), so they can live long; the
//! time limit only bounds the damage of an invalidation that never arrived. A read from the store
//! that overlaps an invalidation is not kept, since it may predate the write.

use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use gdap_domain::directory::{Tenant, User};
use gdap_domain::ids::{RelationshipId, TenantId};
use gdap_domain::relationship::Relationship;
use gdap_store::{ChangeObserver, Changes, DirectoryBatch, DirectoryWrite};
use moka::ops::compute::Op;
use moka::sync::Cache;

/// How long an entry is reused at most.
pub const TTL: Duration = Duration::from_secs(60);
/// How many entries a cache holds at most (the least used go first).
const CAPACITY: u64 = 50_000;

/// Values read from the store, each kept for a time at most. A read that overlapped an
/// invalidation is not kept: every invalidation counts a generation, and a value is put only if
/// none happened since its read began (the count is taken and compared under one lock with the
/// insert and the invalidation, so none slips between them).
#[derive(Debug)]
pub struct ReadCache<K, V>
where
    K: Eq + Hash + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    map: Cache<K, V>,
    /// Counts invalidations.
    generation: Mutex<u64>,
}

/// Where a read began, to hand back to [`ReadCache::put`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadStart(u64);

impl<K, V> ReadCache<K, V>
where
    K: Eq + Hash + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// An empty cache whose entries live `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self {
            map: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(ttl)
                .build(),
            generation: Mutex::new(0),
        }
    }

    fn generation(&self) -> std::sync::MutexGuard<'_, u64> {
        self.generation
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The value for `key` if one is held and young enough; otherwise where a read of it from
    /// the store begins.
    pub fn get(&self, key: &K) -> Result<V, ReadStart> {
        let start = ReadStart(*self.generation());
        self.map.get(key).ok_or(start)
    }

    /// Keeps `value`, read from the store since `start`, unless something was invalidated
    /// meanwhile.
    pub fn put(&self, key: K, value: V, start: ReadStart) {
        let generation = self.generation();
        if *generation == start.0 {
            self.map.insert(key, value);
        }
    }

    /// The value for `key`, from the cache or else from `load` (and then kept).
    pub async fn get_or_load<E, F, L>(&self, key: K, load: L) -> Result<V, E>
    where
        L: FnOnce() -> F,
        F: std::future::Future<Output = Result<V, E>>,
    {
        let start = match self.get(&key) {
            Ok(v) => return Ok(v),
            Err(start) => start,
        };
        let v = load().await?;
        self.put(key, v.clone(), start);
        Ok(v)
    }

    /// Drops the entries of `keys`.
    pub fn forget(&self, keys: impl IntoIterator<Item = K>) {
        let mut generation = self.generation();
        *generation += 1;
        for k in keys {
            self.map.invalidate(&k);
        }
    }

    /// Drops everything.
    pub fn clear(&self) {
        let mut generation = self.generation();
        *generation += 1;
        self.map.invalidate_all();
    }
}

/// Relationships this node wrote or saw written lately, by id, newest version kept: where a
/// request that changes a relationship may start instead of reading it. The store checks every
/// write's version, so a copy that is not the latest only costs the request a second attempt from
/// the store; nothing is ever answered from it.
#[derive(Debug)]
pub struct RecentRelationships {
    map: Cache<RelationshipId, Relationship>,
}

/// How many relationships [`RecentRelationships`] holds at most.
const RECENT: u64 = 10_000;

impl Default for RecentRelationships {
    fn default() -> Self {
        Self {
            map: Cache::new(RECENT),
        }
    }
}

impl RecentRelationships {
    /// The copy held of relationship `id` of `partner`, if any.
    pub fn get(&self, partner: TenantId, id: RelationshipId) -> Option<Relationship> {
        self.map.get(&id).filter(|r| r.partner == partner)
    }

    /// Keeps `r` unless a newer version is held.
    pub fn put(&self, r: &Relationship) {
        self.map.entry(r.id).and_compute_with(|held| match held {
            Some(h) if h.value().version > r.version => Op::Nop,
            _ => Op::Put(r.clone()),
        });
    }

    /// Drops the copies of `ids`.
    pub fn forget(&self, ids: &[RelationshipId]) {
        for id in ids {
            self.map.invalidate(id);
        }
    }

    /// Drops everything.
    pub fn clear(&self) {
        self.map.invalidate_all();
    }
}

/// The directory caches of one node.
#[derive(Debug)]
pub struct DirectoryCache {
    /// Tenants by id (`None`: no such tenant).
    pub tenants: ReadCache<TenantId, Option<Tenant>>,
    /// The users of a tenant who can approve its partner relationships.
    pub approvers: ReadCache<TenantId, Arc<Vec<User>>>,
    /// Relationships written lately, where changes may start.
    pub relationships: RecentRelationships,
}

impl Default for DirectoryCache {
    fn default() -> Self {
        Self {
            tenants: ReadCache::new(TTL),
            approvers: ReadCache::new(TTL),
            relationships: RecentRelationships::default(),
        }
    }
}

impl DirectoryCache {
    /// Forgets what a change to these tenants and these tenants' users makes stale.
    pub fn changed(&self, tenants: &[TenantId], users_of: &[TenantId]) {
        if !tenants.is_empty() {
            self.tenants.forget(tenants.iter().copied());
        }
        if !users_of.is_empty() {
            self.approvers.forget(users_of.iter().copied());
        }
    }

    /// Forgets everything (after a reset).
    pub fn clear(&self) {
        self.tenants.clear();
        self.approvers.clear();
        self.relationships.clear();
    }
}

impl ChangeObserver for DirectoryCache {
    fn committed(&self, changes: &Changes) {
        for w in &changes.relationships {
            self.relationships.put(w.get());
        }
        let gone: Vec<RelationshipId> = changes
            .deleted_relationships
            .iter()
            .map(|(id, _)| *id)
            .collect();
        self.relationships.forget(&gone);
        let users_of: Vec<TenantId> = changes
            .directory
            .iter()
            .filter(|w| {
                matches!(
                    w,
                    DirectoryWrite::AddUser(_)
                        | DirectoryWrite::UpdateUser(_)
                        | DirectoryWrite::DeleteUser(_)
                )
            })
            .map(DirectoryWrite::tenant)
            .collect();
        let tenants: Vec<TenantId> = changes
            .directory
            .iter()
            .filter(|w| matches!(w, DirectoryWrite::AddTenant(_)))
            .map(DirectoryWrite::tenant)
            .collect();
        if !users_of.is_empty() || !tenants.is_empty() {
            self.changed(&tenants, &users_of);
        }
    }

    fn directory_inserted(&self, batch: &DirectoryBatch) {
        let tenants: Vec<TenantId> = batch.tenants.iter().map(|t| t.id).collect();
        let users_of: Vec<TenantId> = batch.users.iter().map(|u| u.tenant).collect();
        self.changed(&tenants, &users_of);
    }

    fn cleared(&self) {
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> ReadCache<u32, &'static str> {
        ReadCache::new(Duration::from_secs(60))
    }

    #[test]
    fn a_value_put_is_served_until_its_time_runs_out() {
        let c = ReadCache::new(Duration::from_millis(300));
        let start = c.get(&1).expect_err("empty");
        c.put(1, "one", start);
        assert_eq!(c.get(&1), Ok("one"));
        std::thread::sleep(Duration::from_millis(400));
        assert!(c.get(&1).is_err());
    }

    #[test]
    fn a_read_that_overlapped_an_invalidation_is_not_kept() {
        let c = cache();
        let start = c.get(&1).expect_err("empty");
        // A write lands while the read is on its way: what the read found may predate it.
        c.forget([1]);
        c.put(1, "stale", start);
        assert!(c.get(&1).is_err());
        let again = c.get(&1).expect_err("still empty");
        c.put(1, "fresh", again);
        assert_eq!(c.get(&1), Ok("fresh"));
    }

    #[test]
    fn forgetting_one_key_keeps_the_others_and_clearing_drops_all() {
        let c = cache();
        for k in [1, 2] {
            let s = c.get(&k).expect_err("empty");
            c.put(k, "v", s);
        }
        c.forget([1]);
        assert!(c.get(&1).is_err());
        assert_eq!(c.get(&2), Ok("v"));
        c.clear();
        assert!(c.get(&2).is_err());
    }

    #[test]
    fn a_recent_relationship_is_replaced_only_by_a_newer_version_and_shown_only_to_its_partner() {
        let partner = TenantId::new_random();
        let rel = Relationship::create(
            partner,
            gdap_domain::relationship::RelationshipDraft {
                display_name: "Recent".into(),
                duration: "P30D".into(),
                auto_extend: None,
                roles: gdap_domain::ids::RoleDefinitionId::parse(
                    "729827e3-9c14-49f7-bb1b-9608f156bbb8",
                )
                .into_iter()
                .collect(),
                customer: None,
            },
            gdap_domain::roles::Catalogue::builtin(),
            time::OffsetDateTime::UNIX_EPOCH,
        );
        let Ok(mut rel) = rel else {
            panic!("a valid draft");
        };
        let recent = RecentRelationships::default();
        rel.version = 3;
        recent.put(&rel);
        let mut older = rel.clone();
        older.version = 2;
        older.display_name = "Older".into();
        recent.put(&older);
        assert_eq!(
            recent.get(partner, rel.id).map(|r| r.display_name),
            Some("Recent".into())
        );
        assert!(recent.get(TenantId::new_random(), rel.id).is_none());
        recent.forget(&[rel.id]);
        assert!(recent.get(partner, rel.id).is_none());
    }

    #[test]
    fn users_written_drop_their_tenants_approvers_and_tenants_written_drop_the_tenant() {
        let d = DirectoryCache::default();
        let (a, b) = (TenantId::new_random(), TenantId::new_random());
        for t in [a, b] {
            let s = d.approvers.get(&t).expect_err("empty");
            d.approvers.put(t, Arc::new(Vec::new()), s);
            let s = d.tenants.get(&t).expect_err("empty");
            d.tenants.put(t, None, s);
        }
        d.changed(&[b], &[a]);
        assert!(d.approvers.get(&a).is_err());
        assert!(d.approvers.get(&b).is_ok());
        assert!(d.tenants.get(&a).is_ok());
        assert!(d.tenants.get(&b).is_err());
        d.cleared();
        assert!(d.approvers.get(&b).is_err());
        assert!(d.tenants.get(&a).is_err());
    }
}
