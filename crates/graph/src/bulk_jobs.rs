//! gdap's bulk jobs API under `/bulk/v1/jobs`: `gdap bulk` and `gdap apply` carried out by the
//! server, for an application of the partner, with Graph's error envelope.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use gdap_app::bulk_jobs::{self, JobRequest, JobView};
use gdap_app::state::AppState;
use gdap_http::auth::GraphCaller;
use gdap_http::error::{ApiError, ApiResult};
use gdap_http::extract::{origin, LargeJsonBody};
use gdap_http::schema::Refusals;
use serde::Deserialize;
use serde_json::{json, Value};

/// A bulk job request, as documented.
#[derive(utoipa::ToSchema)]
#[schema(as = BulkJobRequest)]
#[allow(
    dead_code,
    reason = "the document's schema; requests are read into the application's type"
)]
#[serde(rename_all = "camelCase")]
#[derive(serde::Serialize)]
struct JobRequestSchema {
    /// `onboard` (create, lock, invite, assign once approved) or `apply` (mend assignments,
    /// renew what needs a new approval).
    mode: Option<String>,
    /// The customers: an array of objects (`tenantId`, `customerName`, `adminEmail`, `domain`,
    /// `language`, `template`), or CSV text with a header line naming those fields.
    #[schema(value_type = Object)]
    customers: Value,
    /// One role template, or an array of them.
    #[schema(value_type = Object)]
    templates: Value,
    /// The template of rows that name none.
    template: Option<String>,
    /// How long the job watches for approvals (1–90 days, default 90).
    approval_wait_days: Option<u32>,
    /// How often it looks at relationships awaiting approval (1–86400 s, default 300).
    poll_seconds: Option<u64>,
    /// Customers worked on at once (1–32, default 8).
    concurrency: Option<u32>,
}

/// A bulk job, as documented.
#[derive(utoipa::ToSchema, serde::Serialize)]
#[schema(as = BulkJob)]
#[allow(
    dead_code,
    reason = "the document's schema; answers are written from the application's type"
)]
#[serde(rename_all = "camelCase")]
struct JobSchema {
    /// Its id.
    id: String,
    /// `running`, `completed` or `cancelled`.
    status: String,
    /// `onboard` or `apply`.
    mode: String,
    /// The application it acts as.
    client_id: String,
    /// When it was asked for.
    created_date_time: String,
    /// When its status last changed.
    last_modified_date_time: String,
    /// Customers in it.
    rows: u64,
    /// Rows by the last step each reached (on a job read by its id).
    #[schema(value_type = Object)]
    steps: Option<Value>,
    /// The summary of its last pass, once it ended.
    #[schema(value_type = Object)]
    summary: Option<Value>,
}

/// A collection of bulk jobs.
#[derive(utoipa::ToSchema, serde::Serialize)]
#[schema(as = BulkJobCollection)]
#[allow(dead_code, reason = "the document's schema")]
struct JobsSchema {
    /// The jobs.
    value: Vec<JobSchema>,
}

/// A page of a job's result records.
#[derive(utoipa::ToSchema, serde::Serialize)]
#[schema(as = BulkJobRecords)]
#[allow(dead_code, reason = "the document's schema")]
struct RecordsSchema {
    /// Records as the bulk tool's result file has them (`row`, `tenantId`, `step`,
    /// `relationshipId`, `field`, `error`, `at`).
    #[schema(value_type = Vec<Object>)]
    value: Vec<Value>,
    /// The next page.
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

/// The routes (paths in lower case: requests are matched case-insensitively).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/bulk/v1/jobs", get(list_jobs).post(create_job))
        .route("/bulk/v1/jobs/{id}", get(get_job).delete(cancel_job))
        .route("/bulk/v1/jobs/{id}/records", get(job_records))
}

fn job_json(base: &str, j: &JobView) -> Value {
    let mut v = serde_json::to_value(j).unwrap_or(Value::Null);
    v["@odata.context"] = json!(format!("{base}/bulk/v1/$metadata#jobs/$entity"));
    v
}

/// `POST /bulk/v1/jobs`: starts a job (an application with `DelegatedAdminRelationship.ReadWrite.All`).
/// `202 Accepted`, its `Location`, and the job.
#[utoipa::path(post, path = "/bulk/v1/jobs", tag = "bulk",
    request_body(content = JobRequestSchema, content_type = "application/json"),
    responses((status = 202, description = "The job, started", body = JobSchema), Refusals))]
pub async fn create_job(
    State(state): State<AppState>,
    GraphCaller(principal): GraphCaller,
    parts: axum::http::request::Parts,
    LargeJsonBody(body): LargeJsonBody,
) -> ApiResult<Response> {
    let request: JobRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::BadRequest(format!(
            "the bulk job request is not valid: {}",
            e.to_string().chars().take(300).collect::<String>()
        ))
    })?;
    let job = bulk_jobs::submit(&state, &principal, request).await?;
    let base = origin(&state, &parts);
    let location = format!("{base}/bulk/v1/jobs/{}", job.id);
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(job_json(&base, &job)),
    )
        .into_response())
}

/// `GET /bulk/v1/jobs`: the partner's jobs, newest first (at most 100).
#[utoipa::path(get, path = "/bulk/v1/jobs", tag = "bulk",
    responses((status = 200, description = "The partner's jobs", body = JobsSchema), Refusals))]
pub async fn list_jobs(
    State(state): State<AppState>,
    GraphCaller(principal): GraphCaller,
    parts: axum::http::request::Parts,
) -> ApiResult<Response> {
    let jobs = bulk_jobs::list(&state, &principal).await?;
    let base = origin(&state, &parts);
    let value: Vec<Value> = jobs.iter().map(|j| job_json(&base, j)).collect();
    Ok(Json(json!({
        "@odata.context": format!("{base}/bulk/v1/$metadata#jobs"),
        "value": value,
    }))
    .into_response())
}

/// `GET /bulk/v1/jobs/{id}`: a job, its progress by step, and its summary once it ended.
#[utoipa::path(get, path = "/bulk/v1/jobs/{id}", tag = "bulk",
    params(("id" = String, Path)),
    responses((status = 200, description = "The job", body = JobSchema), Refusals))]
pub async fn get_job(
    State(state): State<AppState>,
    GraphCaller(principal): GraphCaller,
    Path(id): Path<String>,
    parts: axum::http::request::Parts,
) -> ApiResult<Response> {
    let job = bulk_jobs::get(&state, &principal, &id).await?;
    Ok(Json(job_json(&origin(&state, &parts), &job)).into_response())
}

/// `DELETE /bulk/v1/jobs/{id}`: stops a running job (`409` once it ended).
#[utoipa::path(delete, path = "/bulk/v1/jobs/{id}", tag = "bulk",
    params(("id" = String, Path)),
    responses((status = 200, description = "The job, cancelled", body = JobSchema), Refusals))]
pub async fn cancel_job(
    State(state): State<AppState>,
    GraphCaller(principal): GraphCaller,
    Path(id): Path<String>,
    parts: axum::http::request::Parts,
) -> ApiResult<Response> {
    let job = bulk_jobs::cancel(&state, &principal, &id).await?;
    Ok(Json(job_json(&origin(&state, &parts), &job)).into_response())
}

/// Where a page of records starts.
#[derive(Debug, Deserialize)]
pub struct RecordsQuery {
    #[serde(rename = "$skiptoken")]
    skiptoken: Option<String>,
}

/// `GET /bulk/v1/jobs/{id}/records`: the job's result records (the lines of `gdap bulk`'s result
/// file), 1,000 a page, the next page at `@odata.nextLink`.
#[utoipa::path(get, path = "/bulk/v1/jobs/{id}/records", tag = "bulk",
    params(("id" = String, Path), ("$skiptoken" = Option<String>, Query)),
    responses((status = 200, description = "A page of result records", body = RecordsSchema), Refusals))]
pub async fn job_records(
    State(state): State<AppState>,
    GraphCaller(principal): GraphCaller,
    Path(id): Path<String>,
    Query(q): Query<RecordsQuery>,
    parts: axum::http::request::Parts,
) -> ApiResult<Response> {
    let after = match q.skiptoken.as_deref() {
        None => 0,
        Some(t) => t
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| ApiError::BadRequest("`$skiptoken` is not valid".into()))?,
    };
    let page = bulk_jobs::records(&state, &principal, &id, after).await?;
    let base = origin(&state, &parts);
    let mut out = json!({
        "@odata.context": format!("{base}/bulk/v1/$metadata#records"),
        "value": page.records,
    });
    if let Some(next) = page.next {
        out["@odata.nextLink"] = json!(format!(
            "{base}/bulk/v1/jobs/{}/records?$skiptoken={next}",
            id.chars().take(40).collect::<String>()
        ));
    }
    Ok(Json(out).into_response())
}
