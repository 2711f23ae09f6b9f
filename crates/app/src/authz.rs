//! The node's authorization index, kept current by observing every write of the store and, with
//! several nodes, by following the change feed of the others (the API over it is in
//! [`crate::check`]).

use std::sync::{Arc, Mutex, RwLock};

use gdap_domain::authz::index::AuthzIndex;
use gdap_domain::authz::reference::Facts;
use gdap_domain::authz::{CheckRequest, Decision};
use gdap_domain::ids::{TenantId, UserId};
use gdap_domain::roles::Catalogue;
use gdap_store::{
    AuthzSnapshot, ChangeObserver, ChangeRefs, Changes, DirectoryBatch, Store, StoreError, Write,
    AUTHZ_PAGE,
};
use time::OffsetDateTime;

use crate::state::AppState;

/// Most checks in one batch.
pub const MAX_BATCH: usize = 1000;

/// The authorization index of this node.
pub struct Authz {
    index: RwLock<AuthzIndex>,
    /// Writes seen while a reload reads the store, replayed onto the new index.
    replay: Mutex<Option<Vec<Event>>>,
}

#[derive(Clone)]
enum Event {
    Committed(Box<Changes>),
    Inserted(Box<DirectoryBatch>),
    Followed(Box<Followed>),
    Cleared,
}

fn empty_index() -> AuthzIndex {
    // The actions of the directory and billing APIs are numbered from the start (wildcard grants
    // cover some of them).
    AuthzIndex::new(
        Catalogue::builtin(),
        gdap_domain::authz::operations::checked_actions(),
    )
}

fn apply(ix: &mut AuthzIndex, e: &Event) {
    match e {
        Event::Committed(c) => {
            for (id, _) in &c.deleted_relationships {
                ix.remove_relationship(*id);
            }
            for r in &c.relationships {
                ix.put_relationship(r.get());
            }
            for a in &c.assignments {
                ix.put_assignment(Write::get(a));
            }
            for l in &c.partner_links {
                ix.put_link(l);
            }
            if !c.directory.is_empty() {
                let observed = c.directory_observed();
                ix.load(&Facts {
                    users: &observed.users,
                    groups: &observed.groups,
                    relationships: &[],
                    assignments: &[],
                    links: &[],
                });
            }
        }
        Event::Inserted(b) => ix.load(&Facts {
            users: &b.users,
            groups: &b.groups,
            relationships: &[],
            assignments: &[],
            links: &b.partner_links,
        }),
        Event::Followed(f) => f.apply(ix),
        Event::Cleared => *ix = empty_index(),
    }
}

/// Builds an index from a snapshot of the store.
pub fn index_of(s: &AuthzSnapshot) -> AuthzIndex {
    let mut ix = empty_index();
    ix.load(&Facts {
        users: &s.users,
        groups: &s.groups,
        relationships: &s.relationships,
        assignments: &s.assignments,
        links: &s.links,
    });
    ix
}

/// The index built from the store, the relationships read page by page into it, so that only a
/// page of them is ever held besides the index (at a million relationships, the list of all of
/// them would outweigh the index itself).
async fn build_streamed(store: &dyn Store) -> Result<AuthzIndex, StoreError> {
    let d = store.authz_directory().await?;
    let mut ix = empty_index();
    ix.load(&Facts {
        users: &d.users,
        groups: &d.groups,
        relationships: &[],
        assignments: &[],
        links: &[],
    });
    ix.begin_load();
    let mut after = None;
    loop {
        let page = store.authz_relationships(after, AUTHZ_PAGE).await?;
        for r in &page {
            ix.put_relationship(r);
        }
        after = page.last().map(|r| r.id);
        if page.len() < AUTHZ_PAGE as usize {
            break;
        }
    }
    ix.finish_load();
    ix.load(&Facts {
        users: &[],
        groups: &[],
        relationships: &[],
        assignments: &d.assignments,
        links: &d.links,
    });
    Ok(ix)
}

impl Default for Authz {
    fn default() -> Self {
        Self {
            index: RwLock::new(empty_index()),
            replay: Mutex::new(None),
        }
    }
}

impl Authz {
    fn on(&self, e: Event) {
        {
            let mut replay = self
                .replay
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(buf) = replay.as_mut() {
                buf.push(e.clone());
            }
        }
        let mut ix = self
            .index
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        apply(&mut ix, &e);
    }

    /// Rebuilds the index from the store; writes made meanwhile are replayed onto it.
    pub async fn reload(&self, store: &dyn Store) -> Result<(), StoreError> {
        *self
            .replay
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Vec::new());
        let built = build_streamed(store).await;
        let seen = self
            .replay
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
            .unwrap_or_default();
        let mut fresh = built?;
        for e in &seen {
            apply(&mut fresh, e);
        }
        tracing::info!(
            heap_mb = fresh.heap_bytes() / 1_000_000,
            "authorization index built"
        );
        *self
            .index
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh;
        Ok(())
    }

    /// An estimate of the heap the index holds, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.index
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .heap_bytes()
    }

    /// The home tenant of a user the index knows.
    pub fn home_of(&self, user: UserId) -> Option<TenantId> {
        self.index
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .home_of(user)
    }

    /// Whether a user exists and may act: checked on every call made with a user's token, so
    /// that disabling or deleting a user takes effect at its next call.
    pub fn user_active(&self, user: UserId) -> bool {
        self.index
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .user_active(user)
    }

    /// Whether `partner` has a relationship or a reseller tie with `customer`.
    pub fn reaches(&self, partner: TenantId, customer: TenantId) -> bool {
        self.index
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .reaches(partner, customer)
    }

    /// Whether a user has delegated access in another tenant at `now`.
    pub fn has_delegated_access(
        &self,
        user: UserId,
        tenant: TenantId,
        now: OffsetDateTime,
    ) -> bool {
        self.index
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .has_delegated_access(user, tenant, now)
    }

    /// Decides at `now`. An action met for the first time is numbered first, so that its later
    /// checks take the fast path.
    pub fn check(&self, req: &CheckRequest, now: OffsetDateTime) -> Decision {
        {
            let ix = self
                .index
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if ix.actions().get(&req.action).is_some() {
                return ix.check(req, now);
            }
        }
        let mut ix = self
            .index
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        ix.learn_action(&req.action);
        ix.check(req, now)
    }
}

impl ChangeObserver for Authz {
    fn committed(&self, changes: &Changes) {
        self.on(Event::Committed(Box::new(changes.clone())));
    }

    fn directory_inserted(&self, batch: &DirectoryBatch) {
        self.on(Event::Inserted(Box::new(batch.clone())));
    }

    fn cleared(&self) {
        self.on(Event::Cleared);
    }
}

/// Registers the index as an observer of the store; call [`Authz::reload`] before serving.
pub fn attach(store: &Arc<dyn Store>) -> Arc<Authz> {
    let authz = Arc::new(Authz::default());
    store.observe(authz.clone());
    authz
}

/// The shortest time between two reads of the change feed while changes come one by one.
const COALESCE: std::time::Duration = std::time::Duration::from_millis(5);

/// The shortest time between two reads of the change feed under a stream of writes (the last
/// read found more than [`BUSY`] changes): each read then gathers this long of them, since every
/// read costs the shared database two statements for each node.
const COALESCE_BUSY: std::time::Duration = std::time::Duration::from_millis(20);

/// How many changes in one read make the feed busy.
const BUSY: usize = 4;

/// How long a missing change number is waited for (a transaction still committing) before it is
/// taken as rolled back.
const GAP_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

/// The current state of the objects changes on other nodes touched, read from the store: what
/// exists is put into the index, what is gone is removed.
#[derive(Clone, Default)]
struct Followed {
    relationships: Vec<gdap_domain::relationship::Relationship>,
    relationships_gone: Vec<gdap_domain::ids::RelationshipId>,
    assignments: Vec<gdap_domain::assignment::AccessAssignment>,
    assignments_gone: Vec<gdap_domain::ids::AssignmentId>,
    links: Vec<gdap_domain::customer::PartnerLink>,
    users: Vec<gdap_domain::directory::User>,
    users_gone: Vec<UserId>,
    groups: Vec<gdap_domain::directory::Group>,
    groups_gone: Vec<gdap_domain::ids::GroupId>,
}

impl Followed {
    fn apply(&self, ix: &mut AuthzIndex) {
        for r in &self.relationships {
            ix.put_relationship(r);
        }
        for id in &self.relationships_gone {
            ix.remove_relationship(*id);
        }
        for a in &self.assignments {
            ix.put_assignment(a);
        }
        for id in &self.assignments_gone {
            ix.remove_assignment(*id);
        }
        for l in &self.links {
            ix.put_link(l);
        }
        for u in &self.users {
            ix.put_user(u);
        }
        for id in &self.users_gone {
            ix.remove_user(*id);
        }
        for g in &self.groups {
            ix.put_group(g);
        }
        for id in &self.groups_gone {
            ix.remove_group(*id);
        }
    }
}

/// Reads the objects changes on other nodes touched and puts their current state into this
/// node's index (through the same path as local writes, so a rebuild running meanwhile replays
/// it) and caches. After a reset anywhere, the whole index is rebuilt.
async fn follow_changes(state: &AppState, refs: &ChangeRefs) -> Result<(), StoreError> {
    let store = &state.store;
    if refs.cleared {
        state.directory.clear();
        return state.authz.reload(store.as_ref()).await;
    }
    let users_of: Vec<_> = refs.users.iter().map(|(t, _)| *t).collect();
    state.directory.changed(&refs.tenants, &users_of);
    let mut f = Followed {
        // One read for every relationship of the batch; those not found were deleted.
        relationships: store.relationships_by_ids(&refs.relationships).await?,
        ..Followed::default()
    };
    f.relationships_gone = refs
        .relationships
        .iter()
        .filter(|id| !f.relationships.iter().any(|r| r.id == **id))
        .copied()
        .collect();
    for r in &f.relationships {
        state.directory.relationships.put(r);
    }
    state.directory.relationships.forget(&f.relationships_gone);
    for (rel, id) in &refs.assignments {
        match store.assignment(*rel, *id).await? {
            Some(a) => f.assignments.push(a),
            None => f.assignments_gone.push(*id),
        }
    }
    for (customer, partner) in &refs.links {
        let links = store.partner_links(*customer).await?;
        f.links
            .extend(links.into_iter().filter(|l| l.partner == *partner));
    }
    for (tenant, id) in &refs.users {
        match store.user(*tenant, *id).await? {
            Some(u) => f.users.push(u),
            None => f.users_gone.push(*id),
        }
    }
    for (tenant, id) in &refs.groups {
        match store.group(*tenant, *id).await? {
            Some(g) => f.groups.push(g),
            None => f.groups_gone.push(*id),
        }
    }
    state.authz.on(Event::Followed(Box::new(f)));
    Ok(())
}

/// The changes after `floor` not applied yet: a page of the feed, or the next page with anything
/// new when a gap below (a write still committing) keeps a whole page of applied ones in front.
async fn unseen_changes(
    state: &AppState,
    floor: i64,
    seen: &std::collections::BTreeSet<i64>,
) -> Result<Vec<(i64, ChangeRefs)>, StoreError> {
    const PAGE: u32 = 1000;
    let mut from = floor;
    loop {
        let batch = state.store.changes_after(from, PAGE).await?;
        let full = batch.len() == PAGE as usize;
        let last = batch.last().map(|(seq, _)| *seq);
        let fresh: Vec<(i64, ChangeRefs)> = batch
            .into_iter()
            .filter(|(seq, _)| !seen.contains(seq))
            .collect();
        match last {
            Some(last) if full && fresh.is_empty() => from = last,
            _ => return Ok(fresh),
        }
    }
}

/// Follows the change feed of a database shared with other nodes, from change number `from`:
/// each announced change (or, without announcements, each half second) is read and applied. A
/// change number that is missing while later ones arrived is waited for, then skipped.
pub async fn follow(state: AppState, from: i64, shutdown: impl std::future::Future<Output = ()>) {
    if !state.store.shared() {
        return;
    }
    tokio::pin!(shutdown);
    let mut sub = match state.store.subscribe().await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "no change notifications; polling the change feed");
            None
        }
    };
    let mut floor = from;
    let mut seen: std::collections::BTreeSet<i64> = std::collections::BTreeSet::new();
    let mut gap_since: Option<std::time::Instant> = None;
    let mut pruned = std::time::Instant::now();
    let mut last_read = std::time::Instant::now();
    let mut pause = COALESCE;
    loop {
        let tick = std::time::Duration::from_millis(500);
        let waited = async {
            match sub.as_mut() {
                Some(s) => s.wait(tick).await,
                None => {
                    tokio::time::sleep(tick).await;
                    Ok(())
                }
            }
        };
        tokio::select! {
            () = &mut shutdown => return,
            r = waited => if let Err(e) = r {
                tracing::warn!(error = %e, "change notifications lost; resubscribing");
                sub = state.store.subscribe().await.ok().flatten();
            },
        }
        // Under a stream of writes, gather a few milliseconds of them into one read.
        let since = last_read.elapsed();
        if since < pause {
            tokio::time::sleep(pause - since).await;
        }
        last_read = std::time::Instant::now();
        let fresh = match unseen_changes(&state, floor, &seen).await {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(error = %e, "reading the change feed failed");
                continue;
            }
        };
        pause = if fresh.len() > BUSY {
            COALESCE_BUSY
        } else {
            COALESCE
        };
        // This node's own writes reached its index when they were committed; the others of the
        // batch are applied together (each object read once, as it is now).
        let merged = ChangeRefs::merged(fresh.iter().filter(|(_, r)| !r.own).map(|(_, r)| r));
        match follow_changes(&state, &merged).await {
            Ok(()) => seen.extend(fresh.iter().map(|(seq, _)| *seq)),
            Err(e) => tracing::warn!(error = %e, "applying changes failed; retrying"),
        }
        while seen.remove(&(floor + 1)) {
            floor += 1;
        }
        match (seen.first(), gap_since) {
            (None, _) => gap_since = None,
            (Some(_), None) => gap_since = Some(std::time::Instant::now()),
            (Some(first), Some(since)) if since.elapsed() >= GAP_PATIENCE => {
                tracing::debug!(
                    from = floor + 1,
                    to = first - 1,
                    "skipping change numbers never committed"
                );
                floor = first - 1;
                while seen.remove(&(floor + 1)) {
                    floor += 1;
                }
                gap_since = None;
            }
            _ => {}
        }
        if pruned.elapsed() >= std::time::Duration::from_secs(600) {
            pruned = std::time::Instant::now();
            let before = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
            if let Err(e) = state.store.prune_changes(before).await {
                tracing::warn!(error = %e, "pruning the change feed failed");
            }
        }
    }
}
