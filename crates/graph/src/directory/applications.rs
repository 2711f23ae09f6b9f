//! Application registrations: list, get, register, change (name, redirect URIs, public client),
//! add a secret, delete. gdap keeps one list of redirect URIs per application and whether it is a
//! public client: the URIs are shown under `publicClient` for a public client and under `web`
//! otherwise, and any of `web`, `publicClient` and `spa` set them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gdap_app::applications::{
    AddPassword, CreateApplication, DeleteApplication, UpdateApplication,
};
use gdap_app::state::AppState;
use gdap_domain::directory::Application;
use gdap_http::auth::GraphCaller;
use gdap_http::body::{Body, GraphBody};
use gdap_http::dto::Collection;
use gdap_http::extract::{Base, JsonObject};
use gdap_http::schema::Refusals;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::error::DirectoryResult;
use crate::entity;

/// Redirect URIs of one platform.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RedirectUris {
    /// Where sign-ins may return.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
}

/// An `application`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationJson {
    /// Object id.
    pub id: String,
    /// Client (application) id.
    pub app_id: String,
    /// Display name.
    pub display_name: String,
    /// `AzureADMyOrg`.
    pub sign_in_audience: &'static str,
    /// Whether the application is a public client.
    pub is_fallback_public_client: bool,
    /// A public client's redirect URIs.
    pub public_client: RedirectUris,
    /// A web application's redirect URIs.
    pub web: RedirectUris,
    /// One entry when the application has a secret (its text is never shown again).
    pub password_credentials: Vec<serde_json::Value>,
}

impl ApplicationJson {
    /// A registration as Graph shows it.
    pub fn of(a: &Application) -> Self {
        let uris = RedirectUris {
            redirect_uris: a.redirect_uris.clone(),
        };
        let (public_client, web) = if a.public_client {
            (uris, RedirectUris::default())
        } else {
            (RedirectUris::default(), uris)
        };
        Self {
            id: a.id.to_string(),
            app_id: a.client_id.to_string(),
            display_name: a.display_name.clone(),
            sign_in_audience: "AzureADMyOrg",
            is_fallback_public_client: a.public_client,
            public_client,
            web,
            password_credentials: a
                .secret_hash
                .iter()
                .map(|_| json!({"displayName": "Client secret"}))
                .collect(),
        }
    }
}

/// The answer of `addPassword`: the new secret, its text shown this once.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasswordCredentialJson {
    /// `…/$metadata#microsoft.graph.passwordCredential`.
    #[serde(rename = "@odata.context")]
    pub odata_context: String,
    /// `Client secret`.
    pub display_name: &'static str,
    /// The secret's first three characters.
    pub hint: String,
    /// The secret.
    pub secret_text: String,
}

/// The body of `POST /applications` and `PATCH /applications/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(example = json!({"displayName": "Partner tool", "isFallbackPublicClient": true, "publicClient": {"redirectUris": ["http://localhost"]}}))]
pub struct ApplicationBody {
    /// 1 to 256 characters (required to register).
    pub display_name: Option<String>,
    /// Whether the application is a public client.
    pub is_fallback_public_client: Option<bool>,
    /// A public client's redirect URIs.
    pub public_client: Option<RedirectUris>,
    /// A web application's redirect URIs.
    pub web: Option<RedirectUris>,
    /// A single-page application's redirect URIs.
    pub spa: Option<RedirectUris>,
    /// Accepted: `AzureADMyOrg` only.
    pub sign_in_audience: Option<String>,
}

impl GraphBody for ApplicationBody {
    const TYPE: &'static str = "application";
    const READ_ONLY: &'static [&'static str] = &["id", "appId", "passwordCredentials"];
}

impl ApplicationBody {
    /// The redirect URIs of every platform the body names; `None` when it names none.
    fn redirect_uris(&self) -> Option<Vec<String>> {
        let named: Vec<&RedirectUris> = [&self.public_client, &self.web, &self.spa]
            .into_iter()
            .flatten()
            .collect();
        (!named.is_empty()).then(|| {
            named
                .iter()
                .flat_map(|p| p.redirect_uris.iter().cloned())
                .collect()
        })
    }

    fn audience(&self) -> DirectoryResult<()> {
        match self.sign_in_audience.as_deref() {
            None | Some("AzureADMyOrg") => Ok(()),
            Some(other) => Err(gdap_app::error::AppError::Invalid(format!(
                "`signInAudience` `{}` is not supported: gdap's applications sign in their own tenant's users and its customers' through delegated access (`AzureADMyOrg`)",
                other.chars().take(40).collect::<String>()
            ))
            .into()),
        }
    }
}

fn entity_of(base: &Base, status: StatusCode, a: &Application) -> Response {
    entity(
        status,
        format!("{}/$metadata#applications/$entity", base.root()),
        ApplicationJson::of(a),
        (status == StatusCode::CREATED).then(|| format!("{}/applications/{}", base.root(), a.id)),
    )
}

/// `GET /applications`: the tenant's registrations, by display name.
#[utoipa::path(get, path = "/v1.0/applications", tag = "directory",
    responses((status = 200, body = Collection<ApplicationJson>), Refusals))]
pub async fn list_applications(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
) -> DirectoryResult<Response> {
    let all = gdap_app::applications::list(&state, &caller).await?;
    let value: Vec<ApplicationJson> = all.iter().map(ApplicationJson::of).collect();
    Ok(axum::Json(json!({
        "@odata.context": format!("{}/$metadata#applications", base.root()),
        "value": value,
    }))
    .into_response())
}

/// `GET /applications/{id}` (the object id).
#[utoipa::path(get, path = "/v1.0/applications/{id}", tag = "directory",
    params(("id" = String, Path, description = "Object id")),
    responses((status = 200, body = ApplicationJson), Refusals))]
pub async fn get_application(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    Path(id): Path<String>,
) -> DirectoryResult<Response> {
    let a = gdap_app::applications::get(&state, &caller, &id).await?;
    Ok(entity_of(&base, StatusCode::OK, &a))
}

/// `POST /applications`: registers an application (no permissions and no secret yet).
#[utoipa::path(post, path = "/v1.0/applications", tag = "directory", request_body = ApplicationBody,
    responses((status = 201, body = ApplicationJson), Refusals))]
pub async fn create_application(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    JsonObject(body): JsonObject,
) -> DirectoryResult<Response> {
    let Body(body) = Body::<ApplicationBody>::read(body)?;
    body.audience()?;
    let a = CreateApplication {
        display_name: body.display_name.clone().ok_or_else(|| {
            gdap_app::error::AppError::Invalid("`displayName` is required".into())
        })?,
        redirect_uris: body.redirect_uris().unwrap_or_default(),
        public_client: body.is_fallback_public_client.unwrap_or(false),
    }
    .execute(&state, &caller)
    .await?;
    Ok(entity_of(&base, StatusCode::CREATED, &a))
}

/// `PATCH /applications/{id}`: `displayName`; the redirect URIs (`web`, `publicClient`, `spa`) and
/// `isFallbackPublicClient`.
#[utoipa::path(patch, path = "/v1.0/applications/{id}", tag = "directory",
    params(("id" = String, Path)), request_body = ApplicationBody,
    responses((status = 204, description = "Changed"), Refusals))]
pub async fn update_application(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> DirectoryResult<StatusCode> {
    let Body(body) = Body::<ApplicationBody>::read(body)?;
    body.audience()?;
    UpdateApplication {
        id,
        display_name: body.display_name.clone(),
        redirect_uris: body.redirect_uris(),
        public_client: body.is_fallback_public_client,
    }
    .execute(&state, &caller)
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /applications/{id}/addPassword`: a new client secret, replacing the one it had; its text
/// is in this answer only.
#[utoipa::path(post, path = "/v1.0/applications/{id}/addPassword", tag = "directory",
    params(("id" = String, Path)),
    responses((status = 200, body = PasswordCredentialJson), Refusals))]
pub async fn add_password(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    base: Base,
    Path(id): Path<String>,
) -> DirectoryResult<Response> {
    let secret = AddPassword { id }.execute(&state, &caller).await?;
    Ok(axum::Json(PasswordCredentialJson {
        odata_context: format!(
            "{}/$metadata#microsoft.graph.passwordCredential",
            base.root()
        ),
        display_name: "Client secret",
        hint: secret.chars().take(3).collect(),
        secret_text: secret,
    })
    .into_response())
}

/// `DELETE /applications/{id}`.
#[utoipa::path(delete, path = "/v1.0/applications/{id}", tag = "directory",
    params(("id" = String, Path)), responses((status = 204, description = "Deleted"), Refusals))]
pub async fn delete_application(
    State(state): State<AppState>,
    GraphCaller(caller): GraphCaller,
    Path(id): Path<String>,
) -> DirectoryResult<StatusCode> {
    DeleteApplication { id }.execute(&state, &caller).await?;
    Ok(StatusCode::NO_CONTENT)
}
