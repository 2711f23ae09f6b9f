//! Consent at sign-in: which of the permissions an application asks for the user (or an
//! administrator for the organization) has granted it, and granting the rest. Permissions an
//! application was given in the world file count as granted by the organization.

use gdap_domain::consent::{self, DelegatedPermission};
use gdap_domain::directory::{Application, User};
use gdap_domain::ids::TenantId;
use gdap_store::consent::{tenant_principal, user_principal};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The delegated permissions `application` holds for `user` signing in to `tenant`: its own, the
/// user's, its home organization's consent and, in a customer tenant a partner's user signs in to,
/// that organization's consent (a partner's application consented there through Partner Center).
pub async fn granted(
    app: &AppState,
    application: &Application,
    user: &User,
    tenant: TenantId,
) -> AppResult<Vec<String>> {
    let mut all = application.permissions.clone();
    let mut principals = vec![user_principal(user.id), tenant_principal(user.tenant)];
    if tenant != user.tenant {
        principals.push(tenant_principal(tenant));
    }
    all.extend(
        app.store
            .consented(application.client_id, &principals)
            .await?,
    );
    Ok(all)
}

/// What of `scope` the user, signing in to `tenant`, would still have to consent to.
pub async fn missing(
    app: &AppState,
    application: &Application,
    user: &User,
    tenant: TenantId,
    scope: &str,
) -> AppResult<Vec<&'static DelegatedPermission>> {
    let asked = consent::requested(scope);
    if asked.is_empty() {
        return Ok(Vec::new());
    }
    Ok(consent::missing(
        &asked,
        &granted(app, application, user, tenant).await?,
    ))
}

/// Grants `application` the permissions of `scope` that are missing, for the user or, by an
/// administrator who may, for the organization. A user may grant only what users may.
pub async fn grant(
    app: &AppState,
    application: &Application,
    user: &User,
    scope: &str,
    for_organization: bool,
) -> AppResult<()> {
    let wanted = missing(app, application, user, user.tenant, scope).await?;
    let admin = consent::may_consent_for_organization(&user.roles);
    if (for_organization || wanted.iter().any(|p| p.admin_only)) && !admin {
        return Err(AppError::Forbidden(
            "Only an administrator may grant these permissions.".into(),
        ));
    }
    let principal = if for_organization {
        tenant_principal(user.tenant)
    } else {
        user_principal(user.id)
    };
    let names: Vec<String> = wanted.iter().map(|p| p.name.to_owned()).collect();
    Ok(app
        .store
        .add_consent(
            application.client_id,
            &principal,
            &names,
            time::OffsetDateTime::now_utc(),
        )
        .await?)
}
