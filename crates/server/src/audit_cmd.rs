//! `gdap audit verify` and `gdap audit export`: the tamper-evident audit record, from the database.

use anyhow::Context;
use clap::{Args, Subcommand};
use gdap_domain::audit::{canonical, verify_with, Checkpoint};
use gdap_store::{AuditStore, Store};
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
    /// Check the hash chain from its first entry and against its signed checkpoint; exit status 1
    /// when it is broken, rewritten or cut.
    Verify,
    /// Print the sealed entries as JSON lines (position, hash, entry), then the signed checkpoint
    /// of the chain's head (`{"checkpoint": …}`).
    Export,
}

const PAGE: u32 = 5_000;

/// Runs the command; `false` when the chain is broken.
pub async fn run(args: AuditArgs) -> anyhow::Result<bool> {
    let store = SqlStore::connect(&args.db)
        .await
        .with_context(|| "opening the database")?;
    let keys = crate::serve::keys(&store).await?;
    // Seal what is waiting first, so that the check covers every entry, and sign the head (a
    // checkpoint only moves forward: a cut chain cannot sign itself a shorter one).
    while store.seal_audit(PAGE).await? > 0 {}
    let store: std::sync::Arc<dyn Store> = std::sync::Arc::new(store);
    gdap_app::audit::advance_checkpoint(store.as_ref(), &keys).await?;
    let checkpoint: Option<Checkpoint> = match store.audit_checkpoint().await? {
        Some(json) => Some(
            serde_json::from_str(&json)
                .with_context(|| "the stored audit checkpoint is unreadable")?,
        ),
        None => None,
    };
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
            if let Some(c) = &checkpoint {
                println!("{}", serde_json::json!({ "checkpoint": c }));
            }
            Ok(true)
        }
        AuditCommand::Verify => match verify_with(chain, checkpoint.as_ref(), |c| {
            keys.verify_detached(&c.kid, c.signed_text().as_bytes(), &c.signature)
        }) {
            Ok(n) => {
                println!(
                    "the audit record is intact: {n} entries{}",
                    checkpoint.map_or_else(String::new, |c| format!(
                        ", its checkpoint of {} entries signed at {}",
                        c.position, c.at
                    ))
                );
                Ok(true)
            }
            Err(e) => {
                println!("{e}");
                Ok(false)
            }
        },
    }
}
