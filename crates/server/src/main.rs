//! `gdap`: a self-hostable partner delegated administration service (GDAP).

mod audit_cmd;
mod check_cmd;
mod config;
mod demo;
mod serve;
mod tls;
mod token_cmd;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// A request allocates many small, short-lived buffers (headers, JSON, the answer) on whichever
/// runtime thread runs it; mimalloc's per-thread free lists serve them without the locking and
/// consolidation passes of the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Makes the allocator hand memory it no longer uses back to the system at once. By default
/// mimalloc keeps freed pages for a second and only looks at them again on later allocator calls,
/// so a server under steady load stays resident with about a second of request garbage, and one
/// that has gone quiet keeps whatever it last freed (the start-up load of the authorization index
/// included).
#[allow(
    unsafe_code,
    reason = "mimalloc's options are set through its C API; there is no safe wrapper"
)]
fn return_freed_memory_promptly() {
    // SAFETY: `mi_option_set` may be called at any time from any thread; the purge delay takes
    // any value in milliseconds, 0 meaning at once.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}

/// `mi_option_purge_delay` in mimalloc's option enum (`mimalloc.h`), which the sys crate does not
/// name: the option just before `use_numa_nodes`.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

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
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// SQLite file for the demo (emptied at start).
        #[arg(long, default_value = "./gdap-demo.db")]
        db: String,
    },
    /// Print an access token for an application or a user, for scripts.
    Token(token_cmd::TokenArgs),
    /// Explain whether a user may perform an action in a tenant, and why (exit status 1 when not).
    Check(check_cmd::CheckArgs),
    /// Verify or export the tamper-evident audit record.
    Audit(audit_cmd::AuditArgs),
    /// Print the OpenAPI document.
    Openapi,
}

fn init_logging(filter: &str) {
    let filter =
        EnvFilter::try_from_env("GDAP_LOG_FILTER").unwrap_or_else(|_| EnvFilter::new(filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    return_freed_memory_promptly();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { config, overrides } => {
            let config = config::load(config.as_ref(), &overrides)?;
            init_logging(&config.log);
            let seed = match &config.seed {
                Some(path) => {
                    let json = std::fs::read_to_string(path)
                        .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
                    serve::Seed::IfAbsent(gdap_api::world::parse_world(
                        &json,
                        time::OffsetDateTime::now_utc(),
                    )?)
                }
                None => serve::Seed::None,
            };
            serve::run(config, seed, |ready| {
                println!("gdap listening on {}", ready.base_url);
                if let Some(ca) = &ready.ca_file {
                    println!("development CA written to {}", ca.display());
                }
            })
            .await
        }
        Command::Demo { listen, db } => demo::run(listen, db).await,
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
        Command::Openapi => {
            print!("{}", gdap_api::openapi::document());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MI_OPTION_PURGE_DELAY;

    #[test]
    fn the_purge_delay_option_sits_where_mimalloc_numbers_it() {
        assert_eq!(
            libmimalloc_sys::mi_option_use_numa_nodes - 1,
            MI_OPTION_PURGE_DELAY
        );
    }
}
