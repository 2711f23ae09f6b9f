//! The tenant's application registrations, written on behalf of a caller: register, rename, set the
//! redirect URIs and whether the application is a public client, add a secret (shown once), and
//! delete — each authorized against its Entra action.

use gdap_domain::authz::operations::directory::{
    CREATE_APPLICATION, DELETE_APPLICATION, READ_APPLICATIONS, UPDATE_APPLICATION_AUTHENTICATION,
    UPDATE_APPLICATION_BASICS, UPDATE_APPLICATION_CREDENTIALS,
};
use gdap_domain::directory::Application;
use gdap_domain::ids::{ApplicationId, ClientId};
use gdap_store::DirectoryWrite;

use crate::caller::Principal;
use crate::directory::{authorize, change_entry, commit_directory};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// At most this many redirect URIs per application (Entra: 256).
pub const MAX_REDIRECT_URIS: usize = 256;

/// The tenant's application registrations, for a caller who may read them.
pub async fn list(app: &AppState, caller: &Principal) -> AppResult<Vec<Application>> {
    authorize(app, caller, READ_APPLICATIONS, "applications").await?;
    Ok(app.store.applications_of(caller.tenant).await?)
}

/// One registration of the caller's tenant by its object id, for a caller who may read it.
pub async fn get(app: &AppState, caller: &Principal, id: &str) -> AppResult<Application> {
    authorize(app, caller, READ_APPLICATIONS, id).await?;
    find(app, caller, id).await
}

async fn find(app: &AppState, caller: &Principal, raw: &str) -> AppResult<Application> {
    let id = ApplicationId::parse(raw).map_err(|_| AppError::not_found("application", raw))?;
    app.store
        .applications_of(caller.tenant)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or_else(|| AppError::not_found("application", raw))
}

fn check_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 256 {
        return Err(AppError::Invalid(
            "`displayName` must have 1 to 256 characters".into(),
        ));
    }
    Ok(name.to_owned())
}

/// Checks redirect URIs as Entra does: absolute, at most 256 characters, no fragment; `https`, or
/// `http` only for `localhost` and `127.0.0.1`; a public client may also name its own scheme
/// (`msal{appId}://auth`).
pub fn check_redirect_uris(uris: &[String], public_client: bool) -> AppResult<Vec<String>> {
    if uris.len() > MAX_REDIRECT_URIS {
        return Err(AppError::Invalid(format!(
            "An application has at most {MAX_REDIRECT_URIS} redirect URIs"
        )));
    }
    let mut out: Vec<String> = Vec::new();
    for u in uris {
        let bad = || {
            AppError::Invalid(format!(
            "The redirect URI `{}` is not valid: it must be an absolute `https://` URI without a fragment (`http://` only for localhost), at most 256 characters",
            u.chars().take(100).collect::<String>()
        ))
        };
        let parsed = url::Url::parse(u).map_err(|_| bad())?;
        let ok = u.len() <= 256
            && parsed.fragment().is_none()
            && match parsed.scheme() {
                "https" => parsed.host_str().is_some(),
                "http" => matches!(parsed.host_str(), Some("localhost" | "127.0.0.1")),
                "javascript" | "data" | "file" | "vbscript" => false,
                _ => public_client,
            };
        if !ok {
            return Err(bad());
        }
        if !out.contains(u) {
            out.push(u.clone());
        }
    }
    Ok(out)
}

/// Registers an application in the caller's tenant.
#[derive(Debug, Clone)]
pub struct CreateApplication {
    /// 1 to 256 characters.
    pub display_name: String,
    /// Where sign-ins may return.
    pub redirect_uris: Vec<String>,
    /// A public client (no secret; PKCE).
    pub public_client: bool,
}

impl CreateApplication {
    /// Registers it: the registration as stored (no permissions, no secret yet).
    pub async fn execute(self, app: &AppState, caller: &Principal) -> AppResult<Application> {
        authorize(app, caller, CREATE_APPLICATION, "applications").await?;
        let registered = Application {
            id: ApplicationId::new_random(),
            client_id: ClientId::new_random(),
            tenant: caller.tenant,
            display_name: check_name(&self.display_name)?,
            secret_hash: None,
            permissions: Vec::new(),
            redirect_uris: check_redirect_uris(&self.redirect_uris, self.public_client)?,
            public_client: self.public_client,
        };
        let id = registered.id.to_string();
        let entry = change_entry(app, caller, "application.create".into(), id.clone());
        let write = DirectoryWrite::AddApplication(registered.clone());
        commit_directory(app, caller, write, entry, ("application", &id)).await?;
        Ok(registered)
    }
}

/// Changes a registration: each property needs its own action, all must be allowed.
#[derive(Debug, Clone)]
pub struct UpdateApplication {
    /// The object id.
    pub id: String,
    /// A new display name.
    pub display_name: Option<String>,
    /// New redirect URIs (all of them).
    pub redirect_uris: Option<Vec<String>>,
    /// Whether it is a public client.
    pub public_client: Option<bool>,
}

impl UpdateApplication {
    /// Changes the registration.
    pub async fn execute(self, app: &AppState, caller: &Principal) -> AppResult<Application> {
        let mut a = get(app, caller, &self.id).await?;
        let target = a.id.to_string();
        if let Some(n) = &self.display_name {
            authorize(app, caller, UPDATE_APPLICATION_BASICS, &target).await?;
            a.display_name = check_name(n)?;
        }
        if self.redirect_uris.is_some() || self.public_client.is_some() {
            authorize(app, caller, UPDATE_APPLICATION_AUTHENTICATION, &target).await?;
            a.public_client = self.public_client.unwrap_or(a.public_client);
            let uris = self
                .redirect_uris
                .unwrap_or_else(|| a.redirect_uris.clone());
            a.redirect_uris = check_redirect_uris(&uris, a.public_client)?;
        }
        let entry = change_entry(app, caller, "application.update".into(), target.clone());
        let write = DirectoryWrite::UpdateApplication(a.clone());
        commit_directory(app, caller, write, entry, ("application", &target)).await?;
        Ok(a)
    }
}

/// A new client secret for a registration, replacing the one it had (gdap keeps one secret per
/// application).
#[derive(Debug, Clone)]
pub struct AddPassword {
    /// The object id.
    pub id: String,
}

impl AddPassword {
    /// Adds the secret: its text, shown this once.
    pub async fn execute(self, app: &AppState, caller: &Principal) -> AppResult<String> {
        let mut a = get(app, caller, &self.id).await?;
        let target = a.id.to_string();
        authorize(app, caller, UPDATE_APPLICATION_CREDENTIALS, &target).await?;
        let secret = crate::signin::random_secret()?;
        a.secret_hash = Some(app.hasher.hash(&secret).await?);
        let entry = change_entry(
            app,
            caller,
            "application.addPassword".into(),
            target.clone(),
        );
        let write = DirectoryWrite::UpdateApplication(a);
        commit_directory(app, caller, write, entry, ("application", &target)).await?;
        Ok(secret)
    }
}

/// Deletes a registration: its tokens already issued stay valid until they expire, no new ones are
/// issued.
#[derive(Debug, Clone)]
pub struct DeleteApplication {
    /// The object id.
    pub id: String,
}

impl DeleteApplication {
    /// Deletes it.
    pub async fn execute(self, app: &AppState, caller: &Principal) -> AppResult<()> {
        let a = match find(app, caller, &self.id).await {
            Ok(a) => a,
            Err(e) => {
                authorize(app, caller, DELETE_APPLICATION, &self.id).await?;
                return Err(e);
            }
        };
        let target = a.id.to_string();
        authorize(app, caller, DELETE_APPLICATION, &target).await?;
        let entry = change_entry(app, caller, "application.delete".into(), target.clone());
        commit_directory(
            app,
            caller,
            DirectoryWrite::DeleteApplication(a),
            entry,
            ("application", &target),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uris(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn redirect_uris_are_https_loopback_or_a_public_clients_own_scheme() {
        let ok = uris(&[
            "https://app.example/cb",
            "http://localhost",
            "http://127.0.0.1:8400/cb",
        ]);
        assert_eq!(check_redirect_uris(&ok, false).unwrap(), ok);
        for bad in [
            "http://app.example/cb",
            "https://app.example/cb#frag",
            "javascript:alert(1)",
            "relative/path",
            "msal123://auth",
        ] {
            assert!(check_redirect_uris(&uris(&[bad]), false).is_err(), "{bad}");
        }
        assert!(check_redirect_uris(&uris(&["msal123://auth"]), true).is_ok());
        assert!(check_redirect_uris(&uris(&["data:text/html,x"]), true).is_err());
        let long = format!("https://app.example/{}", "a".repeat(250));
        assert!(check_redirect_uris(&[long], false).is_err());
        let dup = uris(&["https://a.example/", "https://a.example/"]);
        assert_eq!(check_redirect_uris(&dup, false).unwrap().len(), 1);
    }
}
