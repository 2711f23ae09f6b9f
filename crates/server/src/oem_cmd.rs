//! `gdap oem link` and `gdap oem remove`: what Microsoft's OEM operations team does for OEMs —
//! hands an OEM its own invitation link, and removes an OEM from a customer on request (the
//! customer cannot remove an OEM itself).

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use gdap_domain::directory::PartnerType;
use gdap_store::DirectoryStore;
use gdap_store_sql::SqlStore;

/// Arguments of `gdap oem`.
#[derive(Args)]
pub struct OemArgs {
    /// Database (as for `gdap serve`).
    #[arg(long, env = "GDAP_DB", default_value = "./gdap.db", global = true)]
    db: String,
    #[command(subcommand)]
    command: OemCommand,
}

#[derive(Subcommand)]
enum OemCommand {
    /// Print an OEM's invitation link, which it e-mails to its customers.
    Link {
        /// The OEM's tenant (id or domain); it must be declared an OEM partner.
        #[arg(long)]
        oem: String,
        /// The address customers reach gdap's admin center at (gdap's public URL).
        #[arg(long, env = "GDAP_PUBLIC_URL")]
        public_url: String,
    },
    /// End an OEM's consent in a customer (other ties with the customer stay).
    Remove {
        /// The customer tenant (id or domain).
        #[arg(long)]
        customer: String,
        /// The OEM's tenant (id or domain).
        #[arg(long)]
        oem: String,
    },
}

async fn tenant(store: &SqlStore, name: &str) -> anyhow::Result<gdap_domain::directory::Tenant> {
    let found = match gdap_domain::ids::TenantId::parse(name) {
        Ok(id) => store.tenant(id).await?,
        Err(_) => store.tenant_by_domain(name).await?,
    };
    found.with_context(|| format!("no tenant `{name}`"))
}

/// Runs the command.
pub async fn run(args: OemArgs) -> anyhow::Result<()> {
    let store = SqlStore::connect(&args.db)
        .await
        .with_context(|| "opening the database")?;
    match args.command {
        OemCommand::Link { oem, public_url } => {
            let oem = tenant(&store, &oem).await?;
            if !oem.is_partner_of(PartnerType::Oem) {
                bail!("{} is not declared an OEM partner", oem.domain);
            }
            let origin = public_url.trim_end_matches('/');
            println!(
                "{}",
                gdap_app::autopilot::oem::invitation_url(origin, oem.id)
            );
        }
        OemCommand::Remove { customer, oem } => {
            let customer = tenant(&store, &customer).await?;
            let oem = tenant(&store, &oem).await?;
            let removed = gdap_app::autopilot::oem::remove(
                &store,
                customer.id,
                oem.id,
                time::OffsetDateTime::now_utc(),
            )
            .await?;
            if removed {
                println!(
                    "{} no longer registers devices for {}",
                    oem.domain, customer.domain
                );
            } else {
                println!("{} had no OEM consent in {}", oem.domain, customer.domain);
            }
        }
    }
    Ok(())
}
