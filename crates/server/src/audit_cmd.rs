//! `gdap audit verify` and `gdap audit export`: the tamper-evident audit record, from the database.

use anyhow::Context;
use clap::{Args, Subcommand};
use gdap_domain::audit::{canonical, verify};
use gdap_store::AuditStore;
use gdap_store_sql::SqlStore;

/// Arguments of `gdap audit`.
#[derive(Args)]
pub struct AuditArgs {
    /// Database (as for `gdap serve`).
    #[arg(long, env = "GDAP_DB", default_value = "./gdap.db", global = true)]
    db: String,
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain from its first entry; exit status 1 when it is broken.
    Verify,
    /// Print the sealed entries as JSON lines (position, hash, entry).
    Export,
}

const PAGE: u32 = 5_000;

/// Runs the command; `false` when the chain is broken.
pub async fn run(args: AuditArgs) -> anyhow::Result<bool> {
    let store = SqlStore::connect(&args.db)
        .await
        .with_context(|| "opening the database")?;
    // Seal what is waiting first, so that the check covers every entry.
    while store.seal_audit(PAGE).await? > 0 {}
    let mut chain = Vec::new();
    let mut after = 0;
    loop {
        let page = store.audit_chain(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.position;
        chain.extend(page);
    }
    match args.command {
        AuditCommand::Export => {
            for s in &chain {
                println!(
                    "{{\"position\":{},\"hash\":\"{}\",\"entry\":{}}}",
                    s.position,
                    s.hash,
                    canonical(&s.entry)
                );
            }
            Ok(true)
        }
        AuditCommand::Verify => match verify(chain) {
            Ok(n) => {
                println!("the audit record is intact: {n} entries");
                Ok(true)
            }
            Err(e) => {
                println!("{e}");
                Ok(false)
            }
        },
    }
}
