//! `gdap check`: "why can't this technician do X in tenant Y", answered from the database with
//! the same index the server uses.

use anyhow::Context;
use clap::Args;
use gdap_app::authz::index_of;
use gdap_check::decision_json;
use gdap_domain::authz::CheckRequest;
use gdap_domain::ids::{TenantId, UserId};
use gdap_store::{AdminStore, AuthzSource, DirectoryStore};
use gdap_store_sql::SqlStore;

/// Arguments of `gdap check`.
#[derive(Args)]
pub struct CheckArgs {
    /// Database (as for `gdap serve`).
    #[arg(long, env = "GDAP_DB", default_value = "./gdap.db")]
    db: String,
    /// The acting user: principal name or object id.
    #[arg(long)]
    user: String,
    /// The tenant acted in: default domain or tenant id.
    #[arg(long)]
    tenant: String,
    /// The resource action, e.g. `microsoft.directory/users/password/update`.
    #[arg(long)]
    action: String,
    /// The instant to decide at (RFC 3339; default now, on the development clock if one was moved).
    #[arg(long)]
    at: Option<String>,
    /// The user acted on (principal name or object id): the sensitive actions (password reset,
    /// disable, delete) also depend on the roles it holds.
    #[arg(long)]
    target: Option<String>,
}

/// Prints the decision as JSON; the exit status is 0 when allowed and 1 when denied.
pub async fn run(args: CheckArgs) -> anyhow::Result<bool> {
    let store = SqlStore::connect(&args.db)
        .await
        .with_context(|| "opening the database")?;
    let user = match UserId::parse(&args.user) {
        Ok(id) => id,
        Err(_) => {
            store
                .user_by_upn(&args.user)
                .await?
                .with_context(|| format!("no user `{}`", args.user))?
                .id
        }
    };
    let tenant = match TenantId::parse(&args.tenant) {
        Ok(id) => id,
        Err(_) => {
            store
                .tenant_by_domain(&args.tenant)
                .await?
                .with_context(|| format!("no tenant `{}`", args.tenant))?
                .id
        }
    };
    let target = match args.target.as_deref() {
        None => None,
        Some(t) => Some(match UserId::parse(t) {
            Ok(id) => id,
            Err(_) => {
                store
                    .user_by_upn(t)
                    .await?
                    .with_context(|| format!("no user `{t}`"))?
                    .id
            }
        }),
    };
    let at = match &args.at {
        Some(t) => gdap_domain::timefmt::parse_rfc3339(t)
            .with_context(|| format!("`{t}` is not an RFC 3339 date and time"))?,
        None => {
            time::OffsetDateTime::now_utc()
                + time::Duration::microseconds(store.clock_offset().await?)
        }
    };
    let index = index_of(&store.authz_snapshot().await?);
    let req = CheckRequest {
        user,
        tenant,
        action: args.action,
        target,
    };
    let decision = index.check(&req, at);
    println!(
        "{}",
        serde_json::to_string_pretty(&decision_json(&decision, &req, at))?
    );
    Ok(decision.allowed())
}
