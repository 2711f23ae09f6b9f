//! The node's authorization index, kept current by observing every write of the store, and the
//! check-and-explain API (`POST /authz/v1/check`).

use std::sync::{Arc, Mutex, RwLock};

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use gdap_domain::authz::index::AuthzIndex;
use gdap_domain::authz::reference::Facts;
use gdap_domain::authz::{CheckRequest, Decision, DenyReason, Via};
use gdap_domain::ids::{AssignmentId, GroupId, RelationshipId, RoleDefinitionId, TenantId, UserId};
use gdap_domain::roles::Catalogue;
use gdap_domain::timefmt::{format_graph, parse_rfc3339};
use gdap_store::{
    AuthzSnapshot, ChangeObserver, ChangeRefs, Changes, DirectoryBatch, Store, StoreError, Write,
};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::auth::AdminCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonObject;
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
    Cleared,
}

fn empty_index() -> AuthzIndex {
    // The actions of the directory and billing APIs are numbered from the start (wildcard grants
    // cover some of them).
    AuthzIndex::new(
        Catalogue::builtin(),
        crate::directory::ACTIONS
            .iter()
            .chain(crate::billing::ACTIONS)
            .flat_map(|(_, a)| a.iter().copied()),
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
        }
        Event::Inserted(b) => ix.load(&Facts {
            users: &b.users,
            groups: &b.groups,
            relationships: &[],
            assignments: &[],
            links: &b.partner_links,
        }),
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
        let snapshot = store.authz_snapshot().await;
        let seen = self
            .replay
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
            .unwrap_or_default();
        let mut fresh = index_of(&snapshot?);
        for e in &seen {
            apply(&mut fresh, e);
        }
        *self
            .index
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh;
        Ok(())
    }

    /// The home tenant of a user the index knows.
    pub fn home_of(&self, user: UserId) -> Option<TenantId> {
        self.index
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .home_of(user)
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

/// Routes under `/authz/v1`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/authz/v1/check", post(check))
}

/// The path of an allowed check.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PathOut {
    via: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    relationship_id: Option<RelationshipId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_assignment_id: Option<AssignmentId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    security_group_id: Option<GroupId>,
    role_definition_id: RoleDefinitionId,
    role_display_name: Option<&'static str>,
    resource_action: &'static str,
}

/// The answer to one check: `decision`, and `path` or `reason` with a sentence.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckAnswer<'a> {
    user_id: UserId,
    tenant_id: TenantId,
    action: &'a str,
    at: String,
    decision: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<PathOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    relationship_id: Option<RelationshipId>,
}

/// Renders a decision.
pub fn answer<'a>(d: &Decision, req: &'a CheckRequest, at: OffsetDateTime) -> CheckAnswer<'a> {
    let base = |decision| CheckAnswer {
        user_id: req.user,
        tenant_id: req.tenant,
        action: &req.action,
        at: format_graph(at),
        decision,
        path: None,
        reason: None,
        message: None,
        relationship_id: None,
    };
    match d {
        Decision::Allow(g) => {
            let (via, relationship_id, access_assignment_id, security_group_id) = match &g.via {
                Via::OwnRole => ("ownRole", None, None, None),
                Via::Gdap {
                    relationship,
                    assignment,
                    group,
                } => ("gdap", Some(*relationship), Some(*assignment), Some(*group)),
                Via::Dap { group } => ("dap", None, None, Some(*group)),
            };
            CheckAnswer {
                path: Some(PathOut {
                    via,
                    relationship_id,
                    access_assignment_id,
                    security_group_id,
                    role_definition_id: g.role,
                    role_display_name: Catalogue::builtin()
                        .get(&g.role)
                        .map(|r| r.display_name.as_str()),
                    resource_action: g.resource_action,
                }),
                ..base("allow")
            }
        }
        Decision::Deny(r) => CheckAnswer {
            reason: Some(r.code()),
            message: Some(explain(r)),
            relationship_id: match r {
                DenyReason::Expired { relationship, .. }
                | DenyReason::RelationshipNotActive { relationship, .. } => Some(*relationship),
                _ => None,
            },
            ..base("deny")
        },
    }
}

/// A decision as a JSON value (for the command line).
pub fn decision_json(d: &Decision, req: &CheckRequest, at: OffsetDateTime) -> Value {
    serde_json::to_value(answer(d, req, at)).unwrap_or(Value::Null)
}

/// One sentence for a refusal.
pub fn explain(r: &DenyReason) -> String {
    match r {
        DenyReason::UnknownPrincipal => "The user does not exist or is disabled.".into(),
        DenyReason::NoRelationship => {
            "The user's organization has no delegated admin relationship (nor DAP) with this tenant."
                .into()
        }
        DenyReason::RelationshipNotActive { relationship, status } => format!(
            "The relationship {relationship} is {status}, not active."
        ),
        DenyReason::Expired { relationship, at } => format!(
            "The relationship {relationship} expired at {}.",
            format_graph(*at)
        ),
        DenyReason::NoAssignmentForGroups => {
            "No active access assignment names a security group the user belongs to.".into()
        }
        DenyReason::RoleLacksAction => {
            "None of the roles the user holds there grants this action.".into()
        }
        DenyReason::AoboRestricted => {
            "A partner acting on behalf of a customer cannot use purchase, product or billing operations."
                .into()
        }
    }
}

/// Reads one check of a request body: a user (`userId` or `userPrincipalName`), a tenant
/// (`tenantId` or `domain`), an action, and optionally the instant `at`.
async fn read_check(
    state: &AppState,
    o: &Map<String, Value>,
) -> ApiResult<(CheckRequest, Option<OffsetDateTime>)> {
    let text = |k: &str| -> ApiResult<Option<&str>> {
        match o.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(ApiError::BadRequest(format!("`{k}` must be a string"))),
        }
    };
    for k in o.keys() {
        if ![
            "userId",
            "userPrincipalName",
            "tenantId",
            "domain",
            "action",
            "at",
        ]
        .contains(&k.as_str())
        {
            return Err(ApiError::BadRequest(format!(
                "`{}` is not a property of a check",
                k.chars().take(60).collect::<String>()
            )));
        }
    }
    let user = match (text("userId")?, text("userPrincipalName")?) {
        (Some(id), _) => UserId::parse(id)?,
        (None, Some(upn)) => state
            .store
            .user_by_upn(upn)
            .await?
            .map(|u| u.id)
            .ok_or_else(|| ApiError::not_found("user", upn))?,
        (None, None) => {
            return Err(ApiError::BadRequest(
                "a check needs `userId` or `userPrincipalName`".into(),
            ))
        }
    };
    let tenant = match (text("tenantId")?, text("domain")?) {
        (Some(id), _) => TenantId::parse(id)?,
        (None, Some(d)) => state
            .store
            .tenant_by_domain(d)
            .await?
            .map(|t| t.id)
            .ok_or_else(|| ApiError::not_found("tenant", d))?,
        (None, None) => {
            return Err(ApiError::BadRequest(
                "a check needs `tenantId` or `domain`".into(),
            ))
        }
    };
    let action = text("action")?
        .filter(|a| !a.trim().is_empty() && a.len() <= 300)
        .ok_or_else(|| {
            ApiError::BadRequest("a check needs an `action` (at most 300 characters)".into())
        })?
        .to_owned();
    let at = text("at")?
        .map(|t| {
            parse_rfc3339(t).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "`at` must be an ISO 8601 date and time, not `{}`",
                    t.chars().take(40).collect::<String>()
                ))
            })
        })
        .transpose()?;
    Ok((
        CheckRequest {
            user,
            tenant,
            action,
        },
        at,
    ))
}

/// `POST /authz/v1/check`: the decision for one check (`{userId|userPrincipalName, tenantId|domain,
/// action, at?}`) or for a batch (`{"requests": [ … ]}`), with the path when allowed and the reason
/// when denied. A caller may ask about its own tenant's users, or about anyone acting in its
/// tenant.
#[utoipa::path(post, path = "/authz/v1/check", tag = "authz",
    request_body(content = serde_json::Value, description = "{\"userPrincipalName\": \"tech@partner…\", \"domain\": \"customer…\", \"action\": \"microsoft.directory/users/password/update\"}"),
    responses((status = 200, description = "`decision` allow with `path` (relationship → access assignment → group → role → resource action), or deny with `reason`"),
              (status = 400), (status = 401), (status = 403, description = "The caller's tenant is neither the user's nor the target")))]
pub async fn check(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    JsonObject(body): JsonObject,
) -> ApiResult<axum::response::Response> {
    let (items, batch) = match body.get("requests") {
        Some(Value::Array(list)) => {
            if list.len() > MAX_BATCH {
                return Err(ApiError::BadRequest(format!(
                    "a batch holds at most {MAX_BATCH} checks"
                )));
            }
            let mut items = Vec::with_capacity(list.len());
            for v in list {
                match v {
                    Value::Object(o) => items.push(o.clone()),
                    _ => {
                        return Err(ApiError::BadRequest(
                            "each of `requests` must be an object".into(),
                        ))
                    }
                }
            }
            (items, true)
        }
        Some(_) => return Err(ApiError::BadRequest("`requests` must be an array".into())),
        None => (vec![body], false),
    };
    let now = state.now();
    let mut checks = Vec::with_capacity(items.len());
    for o in &items {
        let (req, at) = read_check(&state, o).await?;
        if caller.tenant != req.tenant && state.authz.home_of(req.user) != Some(caller.tenant) {
            return Err(ApiError::Forbidden(
                "A check may ask about the caller's own users, or about anyone acting in the caller's tenant.".into(),
            ));
        }
        let at = at.unwrap_or(now);
        let d = state.authz.check(&req, at);
        checks.push((req, at, d));
    }
    let answers: Vec<CheckAnswer<'_>> = checks.iter().map(|(r, at, d)| answer(d, r, *at)).collect();
    let body = if batch {
        serde_json::to_vec(&serde_json::json!({ "value": answers }))
    } else {
        serde_json::to_vec(&answers[0])
    }
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

/// The shortest time between two reads of the change feed.
const COALESCE: std::time::Duration = std::time::Duration::from_millis(5);

/// How long a missing change number is waited for (a transaction still committing) before it is
/// taken as rolled back.
const GAP_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

impl Authz {
    fn with(&self, f: impl FnOnce(&mut AuthzIndex)) {
        let mut ix = self
            .index
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut ix);
    }
}

/// Reads the objects a change touched again and puts their current state into this node's index
/// and caches (deleted ones are removed).
async fn follow_one(state: &AppState, refs: &ChangeRefs) -> Result<(), StoreError> {
    let store = &state.store;
    if refs.cleared {
        state.authz.with(|ix| *ix = empty_index());
        state.tenants.clear();
    }
    for t in &refs.tenants {
        state.tenants.forget(*t);
    }
    // One read for every relationship of the batch; those gone were deleted.
    let found = store.relationships_by_ids(&refs.relationships).await?;
    state.authz.with(|ix| {
        for r in &found {
            ix.put_relationship(r);
        }
        for id in &refs.relationships {
            if !found.iter().any(|r| r.id == *id) {
                ix.remove_relationship(*id);
            }
        }
    });
    for (rel, id) in &refs.assignments {
        let a = store.assignment(*rel, *id).await?;
        state.authz.with(|ix| match &a {
            Some(a) => ix.put_assignment(a),
            None => ix.remove_assignment(*id),
        });
    }
    for (customer, partner) in &refs.links {
        let links = store.partner_links(*customer).await?;
        state.authz.with(|ix| {
            for l in links.iter().filter(|l| l.partner == *partner) {
                ix.put_link(l);
            }
        });
    }
    for (tenant, id) in &refs.users {
        let u = store.user(*tenant, *id).await?;
        state.authz.with(|ix| match &u {
            Some(u) => ix.put_user(u),
            None => ix.remove_user(*id),
        });
    }
    for (tenant, id) in &refs.groups {
        let g = store.group(*tenant, *id).await?;
        state.authz.with(|ix| match &g {
            Some(g) => ix.put_group(g),
            None => ix.remove_group(*id),
        });
    }
    Ok(())
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
        if since < COALESCE {
            tokio::time::sleep(COALESCE - since).await;
        }
        last_read = std::time::Instant::now();
        let batch = match state.store.changes_after(floor, 1000).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "reading the change feed failed");
                continue;
            }
        };
        // This node's own writes reached its index when they were committed; the others of the
        // batch are applied together (each object read once, as it is now).
        let fresh: Vec<(i64, ChangeRefs)> = batch
            .into_iter()
            .filter(|(seq, _)| !seen.contains(seq))
            .collect();
        let merged = ChangeRefs::merged(fresh.iter().filter(|(_, r)| !r.own).map(|(_, r)| r));
        match follow_one(&state, &merged).await {
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
