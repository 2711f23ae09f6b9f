//! `gdap`: a self-hostable partner delegated administration service (GDAP).

mod allocator;
mod audit_cmd;
mod bulk_cmd;
mod check_cmd;
mod config;
mod demo;
mod listen;
mod oem_cmd;
mod serve;
mod tls;
mod token_cmd;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// Self-hostable GDAP: the Microsoft Graph delegated admin API, customer approval and a token service.
#[derive(Parser)]
#[command(name = "gdap", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (configuration from gdap.toml, GDAP_* variables and flags).
    Serve {
        /// Configuration file (default: ./gdap.toml when present).
        #[arg(long)]
        config: Option<PathBuf>,
        #[command(flatten)]
        overrides: config::Overrides,
    },
    /// Run the demo: development mode with a partner and three customer tenants.
    Demo(demo::DemoArgs),
    /// Print an access token for an application or a user, for scripts.
    Token(token_cmd::TokenArgs),
    /// Explain whether a user may perform an action in a tenant, and why (exit status 1 when not).
    Check(check_cmd::CheckArgs),
    /// Verify or export the tamper-evident audit record.
    Audit(audit_cmd::AuditArgs),
    /// Onboard many customers from a file: create, lock, invite and assign from a role template,
    /// resumably, against gdap or Microsoft Graph.
    Bulk(Box<bulk_cmd::BulkArgs>),
    /// Compare each customer's relationships and access assignments with its role template
    /// (exit status 2 when any differs); the same arguments as `bulk`.
    Plan(Box<bulk_cmd::BulkArgs>),
    /// Mend what `plan` finds: access assignments at once, and a renewal (new relationship,
    /// invitation, assignments, then the old one ended) for what needs the customer's approval.
    Apply(Box<bulk_cmd::BulkArgs>),
    /// An OEM's invitation link, and removing an OEM from a customer (which the customer cannot).
    Oem(oem_cmd::OemArgs),
    /// Print the OpenAPI document.
    Openapi,
}

pub(crate) fn init_logging(filter: &str, json: bool) {
    let filter =
        EnvFilter::try_from_env("GDAP_LOG_FILTER").unwrap_or_else(|_| EnvFilter::new(filter));
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    let _ = if json {
        fmt.json().flatten_event(true).try_init()
    } else {
        fmt.try_init()
    };
}

/// Most threads of the blocking pool: SQLite readers and password hashing run there, each
/// bounded by its own pool or semaphore; this caps whatever else might pile up.
const MAX_BLOCKING_THREADS: usize = 64;

fn main() -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .build()?
        .block_on(run())
}

async fn run() -> anyhow::Result<()> {
    allocator::return_freed_memory();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { config, overrides } => {
            let config = config::load(config.as_ref(), &overrides)?;
            init_logging(&config.log, config.log_format == "json");
            let seed = match &config.seed {
                Some(path) => {
                    let json = std::fs::read_to_string(path)
                        .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
                    serve::Seed::IfAbsent(gdap_app::world::parse_world(
                        &json,
                        time::OffsetDateTime::now_utc(),
                    )?)
                }
                None => serve::Seed::None,
            };
            serve::run(config, seed, |ready| {
                // One write, whose failure is ignored: whoever started the server may have
                // read the first line and closed the pipe.
                let mut banner = format!("gdap listening on {}\n", ready.local_url);
                if ready.base_url != ready.local_url {
                    banner.push_str(&format!("public URL {}\n", ready.base_url));
                }
                if let Some(ca) = &ready.ca_file {
                    banner.push_str(&format!("development CA written to {}\n", ca.display()));
                }
                let mut out = std::io::stdout().lock();
                let _ = std::io::Write::write_all(&mut out, banner.as_bytes());
                let _ = std::io::Write::flush(&mut out);
            })
            .await
        }
        Command::Demo(args) => demo::run(args).await,
        Command::Token(args) => token_cmd::run(args).await,
        Command::Audit(args) => {
            if audit_cmd::run(args).await? {
                Ok(())
            } else {
                std::process::exit(1)
            }
        }
        Command::Check(args) => {
            if check_cmd::run(args).await? {
                Ok(())
            } else {
                std::process::exit(1)
            }
        }
        Command::Bulk(args) => bulk_cmd::command(*args, gdap_bulk::Mode::Onboard, false).await,
        Command::Plan(args) => bulk_cmd::command(*args, gdap_bulk::Mode::Apply, true).await,
        Command::Apply(args) => bulk_cmd::command(*args, gdap_bulk::Mode::Apply, false).await,
        Command::Oem(args) => oem_cmd::run(args).await,
        Command::Openapi => {
            print!("{}", gdap_api::openapi::document());
            Ok(())
        }
    }
}
