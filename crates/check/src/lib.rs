//! The check-and-explain API (`POST /authz/v1/check`): who may do what in which tenant, and why
//! not. A single well-formed check is read straight into its fields; a batch, or a body with a
//! mistake, is read as a JSON object so that each mistake gets its own message.

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use gdap_domain::authz::{CheckRequest, Decision, DenyReason, Via};
use gdap_domain::autopilot::manage::{Allowed, DeviceAction, Refusal};
use gdap_domain::autopilot::Channel;
use gdap_domain::azure::Denial;
use gdap_domain::ids::{AssignmentId, GroupId, RelationshipId, RoleDefinitionId, TenantId, UserId};
use gdap_domain::roles::Catalogue;
use gdap_domain::timefmt::{format_graph, parse_rfc3339};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use gdap_app::authz::MAX_BATCH;
use gdap_app::caller::Principal;
use gdap_app::state::AppState;
use gdap_http::auth::AdminCaller;
use gdap_http::error::{ApiError, ApiResult};
use gdap_http::extract::{JsonBody, JsonObject};
use gdap_http::schema::Refusals;

mod json;

/// One question: may this user perform this action in this tenant (on this target), and why?
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"userPrincipalName": "helpdesk@contosopartner.onmicrosoft.com", "domain": "fabrikam.onmicrosoft.com", "action": "microsoft.directory/users/password/update", "targetUserPrincipalName": "staff@fabrikam.onmicrosoft.com"}))]
pub struct CheckQuestion {
    /// The user's object id (or `userPrincipalName`).
    pub user_id: Option<String>,
    /// The user's sign-in name (or `userId`).
    pub user_principal_name: Option<String>,
    /// The tenant acted in (or `domain`).
    pub tenant_id: Option<String>,
    /// The tenant's domain (or `tenantId`).
    pub domain: Option<String>,
    /// An Entra resource action (`microsoft.directory/users/password/update`).
    pub action: String,
    /// The instant to decide at (default now), RFC 3339.
    pub at: Option<String>,
    /// The user acted on (or `targetUserPrincipalName`).
    pub target_user_id: Option<String>,
    /// The user acted on, by sign-in name.
    pub target_user_principal_name: Option<String>,
    /// For an Autopilot action (`autopilot/devices/delete` …): the customer's device acted on.
    pub device_id: Option<String>,
    /// For an Autopilot action: `api` (the default) or `csvUpload`.
    pub channel: Option<String>,
    /// For an Azure action (`Microsoft.Resources/subscriptions/resourceGroups/write` …): the
    /// Resource Manager scope (`/subscriptions/{id}` …), decided by the tenant's role assignments.
    pub scope: Option<String>,
}

/// Up to 1,000 questions at once.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct CheckBatch {
    /// The questions.
    pub requests: Vec<CheckQuestion>,
}

/// One question or a batch.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum CheckInput {
    /// One question.
    One(Box<CheckQuestion>),
    /// A batch.
    Batch(CheckBatch),
}

/// The answers to a batch, in its order.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CheckAnswers<'a> {
    /// The answers.
    pub value: Vec<CheckAnswer<'a>>,
}

/// The answer to one question or to a batch.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum CheckOutput<'a> {
    /// To one question.
    One(Box<CheckAnswer<'a>>),
    /// To a batch.
    Batch(CheckAnswers<'a>),
}

/// Routes under `/authz/v1`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/authz/v1/check", post(check))
}

/// The path of an allowed check.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PathOut {
    via: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    relationship_id: Option<RelationshipId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    access_assignment_id: Option<AssignmentId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    security_group_id: Option<GroupId>,
    #[schema(value_type = String)]
    role_definition_id: RoleDefinitionId,
    role_display_name: Option<&'static str>,
    resource_action: &'static str,
}

/// The answer to one check: `decision`, and `path` or `reason` with a sentence.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckAnswer<'a> {
    #[schema(value_type = String)]
    user_id: UserId,
    #[schema(value_type = String)]
    tenant_id: TenantId,
    action: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    target_user_id: Option<UserId>,
    at: String,
    decision: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<PathOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    relationship_id: Option<RelationshipId>,
}

/// Renders a decision.
pub fn answer<'a>(d: &Decision, req: &'a CheckRequest, at: OffsetDateTime) -> CheckAnswer<'a> {
    let base = |decision| CheckAnswer {
        user_id: req.user,
        tenant_id: req.tenant,
        action: &req.action,
        target_user_id: req.target,
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
            message: Some(r.explain()),
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

/// The properties of one check, as sent. Read straight from the body only when no string needs
/// unescaping (borrowed, without copying); otherwise from the parsed object.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CheckFields<'a> {
    #[serde(borrow, default)]
    user_id: Option<&'a str>,
    #[serde(borrow, default)]
    user_principal_name: Option<&'a str>,
    #[serde(borrow, default)]
    tenant_id: Option<&'a str>,
    #[serde(borrow, default)]
    domain: Option<&'a str>,
    #[serde(borrow, default)]
    action: Option<&'a str>,
    #[serde(borrow, default)]
    at: Option<&'a str>,
    #[serde(borrow, default)]
    target_user_id: Option<&'a str>,
    #[serde(borrow, default)]
    target_user_principal_name: Option<&'a str>,
    #[serde(borrow, default)]
    device_id: Option<&'a str>,
    #[serde(borrow, default)]
    channel: Option<&'a str>,
    #[serde(borrow, default)]
    scope: Option<&'a str>,
}

const CHECK_PROPERTIES: [&str; 11] = [
    "scope",
    "userId",
    "userPrincipalName",
    "tenantId",
    "domain",
    "action",
    "at",
    "targetUserId",
    "targetUserPrincipalName",
    "deviceId",
    "channel",
];

/// The fields of one check of a JSON object, with a message for an unknown property or one that
/// is not a string.
fn fields_of(o: &Map<String, Value>) -> ApiResult<CheckFields<'_>> {
    if let Some(k) = o.keys().find(|k| !CHECK_PROPERTIES.contains(&k.as_str())) {
        return Err(ApiError::BadRequest(format!(
            "`{}` is not a property of a check",
            k.chars().take(60).collect::<String>()
        )));
    }
    let text = |k: &str| -> ApiResult<Option<&str>> {
        match o.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(ApiError::BadRequest(format!("`{k}` must be a string"))),
        }
    };
    Ok(CheckFields {
        user_id: text("userId")?,
        user_principal_name: text("userPrincipalName")?,
        tenant_id: text("tenantId")?,
        domain: text("domain")?,
        action: text("action")?,
        at: text("at")?,
        target_user_id: text("targetUserId")?,
        target_user_principal_name: text("targetUserPrincipalName")?,
        device_id: text("deviceId")?,
        channel: text("channel")?,
        scope: text("scope")?,
    })
}

/// Resolves one check: a user (`userId` or `userPrincipalName`), a tenant (`tenantId` or
/// `domain`), an action, optionally the instant `at`, and optionally the user acted on
/// (`targetUserId` or `targetUserPrincipalName`), whose roles decide the sensitive actions.
async fn read_check(
    state: &AppState,
    caller: &Principal,
    f: &CheckFields<'_>,
) -> ApiResult<(CheckRequest, Option<OffsetDateTime>)> {
    let tenant = match (f.tenant_id, f.domain) {
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
    // The user, among those the caller may ask about: its own users, and (in its own tenant) the
    // users of partners with delegated reach there. Anyone else is answered exactly as a user
    // who does not exist.
    let own_tenant = tenant == caller.tenant;
    let visible = |home: TenantId| {
        home == caller.tenant || (own_tenant && state.authz.reaches(home, caller.tenant))
    };
    let hidden = |name: &str| {
        if own_tenant {
            ApiError::not_found("user", name)
        } else {
            ApiError::Forbidden(
                "A check may ask about the caller's own users, or about anyone acting in the caller's tenant.".into(),
            )
        }
    };
    let user = match (f.user_id, f.user_principal_name) {
        (Some(raw), _) => {
            let id = UserId::parse(raw)?;
            state
                .authz
                .home_of(id)
                .filter(|h| visible(*h))
                .map(|_| id)
                .ok_or_else(|| hidden(raw))?
        }
        (None, Some(upn)) => state
            .store
            .user_by_upn(upn)
            .await?
            .filter(|u| visible(u.tenant))
            .map(|u| u.id)
            .ok_or_else(|| hidden(upn))?,
        (None, None) => {
            return Err(ApiError::BadRequest(
                "a check needs `userId` or `userPrincipalName`".into(),
            ))
        }
    };
    let action = f
        .action
        .filter(|a| !a.trim().is_empty() && a.len() <= 300)
        .ok_or_else(|| {
            ApiError::BadRequest("a check needs an `action` (at most 300 characters)".into())
        })?
        .to_owned();
    let at =
        f.at.map(|t| {
            parse_rfc3339(t).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "`at` must be an ISO 8601 date and time, not `{}`",
                    t.chars().take(40).collect::<String>()
                ))
            })
        })
        .transpose()?;
    // The user acted on, looked up in the tenant acted in only: a name in another tenant is
    // not found, exactly as a name that does not exist. A caller learns of a tenant's users only
    // in its own tenant or where it has delegated reach.
    let reach = own_tenant || state.authz.reaches(caller.tenant, tenant);
    if let Some(name) = f.target_user_id.or(f.target_user_principal_name) {
        if !reach {
            return Err(ApiError::not_found("user", name));
        }
    }
    let target = match (f.target_user_id, f.target_user_principal_name) {
        (Some(id), _) => Some(UserId::parse(id)?),
        (None, Some(upn)) => Some(
            state
                .store
                .user_by_upn(upn)
                .await?
                .filter(|u| u.tenant == tenant)
                .map(|u| u.id)
                .ok_or_else(|| ApiError::not_found("user", upn))?,
        ),
        (None, None) => None,
    };
    Ok((
        CheckRequest {
            user,
            tenant,
            action,
            target,
        },
        at,
    ))
}

/// A decision: on an Entra resource action, or on a customer's Autopilot devices.
enum Outcome {
    Entra(Decision),
    Autopilot(Result<Allowed, Refusal>),
    Azure(Result<String, Denial>),
}

/// Decides one check the caller may ask about.
async fn decide(
    state: &AppState,
    caller: &Principal,
    f: &CheckFields<'_>,
    now: OffsetDateTime,
) -> ApiResult<(CheckRequest, OffsetDateTime, Outcome)> {
    let (req, at) = read_check(state, caller, f).await?;
    let at = at.unwrap_or(now);
    if let Some(scope) = f.scope {
        let home = state
            .authz
            .home_of(req.user)
            .ok_or_else(|| ApiError::not_found("user", &req.user.to_string()))?;
        let d = gdap_app::azure::decision_for_user(
            state,
            req.user,
            home,
            req.tenant,
            &req.action,
            scope,
        )
        .await?
        .map(|(role, a)| {
            format!(
                "allowed: {role} at `{}`, assigned to {} {} (assignment {})",
                a.scope,
                a.principal_type.as_str(),
                a.principal,
                a.id
            )
        });
        return Ok((req, at, Outcome::Azure(d)));
    }
    if let Some(action) = DeviceAction::parse(&req.action) {
        let outcome = autopilot(state, &req, action, f).await?;
        return Ok((req, at, outcome));
    }
    let d = state.authz.check(&req, at);
    Ok((req, at, Outcome::Entra(d)))
}

/// Decides an Autopilot action: the user's partner's consent in the tenant, its agent roles and,
/// with `deviceId`, who added the device.
async fn autopilot(
    state: &AppState,
    req: &CheckRequest,
    action: DeviceAction,
    f: &CheckFields<'_>,
) -> ApiResult<Outcome> {
    let channel = match f.channel {
        None | Some("api") => Channel::Api,
        Some("csvUpload") => Channel::CsvUpload,
        Some(_) => {
            return Err(ApiError::BadRequest(
                "`channel` is `api` or `csvUpload`".into(),
            ))
        }
    };
    let device = f
        .device_id
        .map(|d| {
            d.parse::<uuid::Uuid>()
                .map_err(|_| ApiError::not_found("device", d))
        })
        .transpose()?;
    let home = state
        .authz
        .home_of(req.user)
        .ok_or_else(|| ApiError::not_found("user", &req.user.to_string()))?;
    let decision = gdap_app::autopilot::decision_for_user(
        state, req.user, home, req.tenant, action, channel, device,
    )
    .await?
    .ok_or_else(|| match f.device_id {
        Some(d) => ApiError::not_found("device", d),
        None => ApiError::not_found("tenant", &req.tenant.to_string()),
    })?;
    Ok(Outcome::Autopilot(decision))
}

/// Renders a decision on a customer's Autopilot devices: allowed with the consent it rides on,
/// or denied with the reason.
fn autopilot_answer<'a>(
    d: &Result<Allowed, Refusal>,
    req: &'a CheckRequest,
    at: OffsetDateTime,
) -> CheckAnswer<'a> {
    let (decision, reason, message) = match d {
        Ok(a) => ("allow", None, a.reason.clone()),
        Err(r) => ("deny", Some(r.code()), r.reason()),
    };
    explained(req, at, decision, reason, message)
}

/// An answer explained in a sentence rather than by a path of grants.
fn explained<'a>(
    req: &'a CheckRequest,
    at: OffsetDateTime,
    decision: &'static str,
    reason: Option<&'static str>,
    message: String,
) -> CheckAnswer<'a> {
    CheckAnswer {
        user_id: req.user,
        tenant_id: req.tenant,
        action: &req.action,
        target_user_id: None,
        at: format_graph(at),
        decision,
        path: None,
        reason,
        message: Some(message),
        relationship_id: None,
    }
}

fn render<'a>(o: &Outcome, req: &'a CheckRequest, at: OffsetDateTime) -> CheckAnswer<'a> {
    match o {
        Outcome::Entra(d) => answer(d, req, at),
        Outcome::Autopilot(d) => autopilot_answer(d, req, at),
        Outcome::Azure(d) => {
            let (decision, reason, message) = match d {
                Ok(m) => ("allow", None, m.clone()),
                Err(r) => ("deny", Some(r.code()), r.reason().to_owned()),
            };
            explained(req, at, decision, reason, message)
        }
    }
}

/// `POST /authz/v1/check`: the decision for one check (`{userId|userPrincipalName, tenantId|domain,
/// action, at?}`) or for a batch (`{"requests": [ … ]}`), with the path when allowed and the reason
/// when denied. A caller may ask about its own tenant's users, or about anyone acting in its
/// tenant.
#[utoipa::path(post, path = "/authz/v1/check", tag = "authz",
    request_body = CheckInput,
    responses((status = 200, description = "`decision` allow with `path` (relationship → access assignment → group → role → resource action), or deny with `reason`", body = CheckOutput),
              Refusals))]
pub async fn check(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    JsonBody(bytes): JsonBody,
) -> ApiResult<axum::response::Response> {
    let now = state.now();
    if let Ok(f) = serde_json::from_slice::<CheckFields<'_>>(&bytes) {
        let (req, at, d) = decide(&state, &caller, &f, now).await?;
        // One allocation: an answer is about 450 bytes.
        let mut out = Vec::with_capacity(640);
        json::write_answer(&mut out, &render(&d, &req, at));
        return respond(Ok(out));
    }
    let JsonObject(body) = JsonObject::parse(&bytes)?;
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
                    Value::Object(o) => items.push(o),
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
        None => (vec![&body], false),
    };
    let mut checks = Vec::with_capacity(items.len());
    for o in items {
        checks.push(decide(&state, &caller, &fields_of(o)?, now).await?);
    }
    let answers: Vec<CheckAnswer<'_>> = checks.iter().map(|(r, at, d)| render(d, r, *at)).collect();
    if batch {
        respond(serde_json::to_vec(&serde_json::json!({ "value": answers })))
    } else {
        respond(serde_json::to_vec(&answers[0]))
    }
}

/// A JSON answer.
fn respond(body: Result<Vec<u8>, serde_json::Error>) -> ApiResult<axum::response::Response> {
    let body = body.map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}
