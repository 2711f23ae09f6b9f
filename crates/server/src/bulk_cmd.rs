//! `gdap bulk`: onboards many customers from a file through the Graph GDAP API, against gdap or
//! Microsoft Graph alike.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use gdap_bulk::invite::{Inviter, LinksFile, MailSender, Mailer, ServiceMails};
use gdap_bulk::journal::Journal;
use gdap_bulk::run::{Mode, Options, Outcome, RowReport, Summary};
use gdap_bulk::{Auth, GraphClient};
use gdap_domain::mail::{Branding, Composed, Language};

/// Microsoft's approval page; the relationship id follows.
const MICROSOFT_LINK: &str =
    "https://admin.microsoft.com/AdminPortal/Home#/partners/invitation/granularAdminRelationships/";

/// How invitations go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InviteMode {
    /// The service mails them itself (gdap does on the lock; Microsoft does not).
    Service,
    /// The tool mails the provider's invitation through `--smtp`.
    Smtp,
    /// The tool writes the links to `--links` for another system to send.
    Links,
}

/// Arguments of `gdap bulk`.
#[derive(Debug, clap::Args)]
pub struct BulkArgs {
    /// The customers: CSV with a header line (tenantId, customerName, adminEmail, domain,
    /// language, template), or a JSON array of objects with those fields.
    #[arg(long)]
    customers: PathBuf,
    /// The role templates: one template (JSON), or an array of them.
    #[arg(long)]
    templates: PathBuf,
    /// The template of rows that name none (needless when the file holds one).
    #[arg(long)]
    template: Option<String>,
    /// The result file (a JSON line per step of each row); a run resumes from it.
    #[arg(long)]
    results: PathBuf,
    /// A gdap server: its Graph API, token service and approval pages.
    #[arg(long, env = "GDAP_URL")]
    server: Option<String>,
    /// Graph's base URL (default: --server, else https://graph.microsoft.com).
    #[arg(long)]
    graph_url: Option<String>,
    /// The token service (default: --server, else https://login.microsoftonline.com).
    #[arg(long)]
    login_url: Option<String>,
    /// The partner tenant (with --client-id and --client-secret).
    #[arg(long)]
    tenant: Option<String>,
    /// The partner's application (client) id.
    #[arg(long)]
    client_id: Option<String>,
    /// Its secret.
    #[arg(long, env = "GDAP_CLIENT_SECRET", hide_env_values = true)]
    client_secret: Option<String>,
    /// An access token obtained beforehand, instead of client credentials.
    #[arg(long, env = "GDAP_ACCESS_TOKEN", hide_env_values = true)]
    access_token: Option<String>,
    /// How invitations go out (default: `service` with --server; otherwise give one).
    #[arg(long, value_enum)]
    invite: Option<InviteMode>,
    /// The SMTP relay for `--invite smtp` (smtp://host:port).
    #[arg(long)]
    smtp: Option<String>,
    /// The sender of invitation mails.
    #[arg(long, default_value = "no-reply@localhost")]
    mail_from: String,
    /// The file of links for `--invite links` (CSV, appended to).
    #[arg(long)]
    links: Option<PathBuf>,
    /// The partner's name in the mail.
    #[arg(long, default_value = "")]
    partner_name: String,
    /// The service the customers use, in the mail (default: the partner's name).
    #[arg(long)]
    service_name: Option<String>,
    /// Where customers ask for help, in the mail.
    #[arg(long, default_value = "")]
    contact: String,
    /// A page of step-by-step instructions, in the mail.
    #[arg(long)]
    help_url: Option<String>,
    /// The language of mails for rows that name none (`ja` or `en`).
    #[arg(long, default_value = "ja")]
    language: String,
    /// The approval link before the relationship id (default: gdap's page with --server, else
    /// Microsoft's).
    #[arg(long)]
    link_base: Option<String>,
    /// Customers worked on at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Wait this many seconds for the customers' approvals, assigning as they come.
    #[arg(long)]
    wait: Option<u64>,
    /// While waiting, look again every this many seconds.
    #[arg(long, default_value_t = 30)]
    poll: u64,
    /// Only read, and show what a run would do.
    #[arg(long)]
    dry_run: bool,
    /// Print the summary as JSON (and no progress bar).
    #[arg(long)]
    json: bool,
    /// A CA certificate to trust (for a gdap started with --tls).
    #[arg(long)]
    ca_file: Option<PathBuf>,
}

/// Sends the tool's invitations through gdap's SMTP relay client.
struct Relay(gdap_app::mailer::SmtpRelay);

#[async_trait::async_trait]
impl MailSender for Relay {
    async fn send(&self, to: &str, mail: &Composed) -> Result<(), String> {
        use gdap_app::mailer::MailTransport;
        let queued =
            gdap_app::mailer::queued(to, mail.clone(), None, time::OffsetDateTime::now_utc());
        self.0.send(&queued).await
    }
}

fn inviter(a: &BulkArgs) -> anyhow::Result<Arc<dyn Inviter>> {
    let mode = match (a.invite, &a.server) {
        (Some(m), _) => m,
        (None, Some(_)) => InviteMode::Service,
        (None, None) => anyhow::bail!(
            "Microsoft sends no invitation mail on the lock: give --invite smtp or --invite links"
        ),
    };
    Ok(match mode {
        InviteMode::Service => Arc::new(ServiceMails),
        InviteMode::Links => {
            let path = a
                .links
                .as_ref()
                .context("--invite links needs --links FILE")?;
            Arc::new(LinksFile::open(path).with_context(|| format!("opening {}", path.display()))?)
        }
        InviteMode::Smtp => {
            let url = a
                .smtp
                .as_deref()
                .context("--invite smtp needs --smtp URL")?;
            let relay = gdap_app::mailer::SmtpRelay::new(url, &a.mail_from)
                .map_err(|e| anyhow::anyhow!("--smtp: {e}"))?;
            let language = Language::parse(&a.language).context("--language: `ja` or `en`")?;
            Arc::new(Mailer {
                branding: Branding {
                    partner_name: a.partner_name.clone(),
                    service_name: a
                        .service_name
                        .clone()
                        .unwrap_or_else(|| a.partner_name.clone()),
                    contact: a.contact.clone(),
                    help_url: a.help_url.clone(),
                },
                language,
                sender: Relay(relay),
            })
        }
    })
}

fn auth(a: &BulkArgs, login: &str) -> anyhow::Result<Auth> {
    if let Some(t) = &a.access_token {
        return Ok(Auth::Token(t.clone()));
    }
    match (&a.tenant, &a.client_id, &a.client_secret) {
        (Some(tenant), Some(client_id), Some(secret)) => Ok(Auth::ClientCredentials {
            login: login.to_owned(),
            tenant: tenant.clone(),
            client_id: client_id.clone(),
            secret: secret.clone(),
        }),
        _ => anyhow::bail!(
            "give --tenant, --client-id and --client-secret (or GDAP_CLIENT_SECRET), or --access-token"
        ),
    }
}

fn http_client(ca: Option<&PathBuf>) -> anyhow::Result<reqwest::Client> {
    let extra = match ca {
        Some(ca) => Some(std::fs::read(ca).with_context(|| format!("reading {}", ca.display()))?),
        None => None,
    };
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("gdap-bulk/", env!("CARGO_PKG_VERSION")))
        .pool_max_idle_per_host(64);
    for cert in gdap_app::webhook_delivery::trusted_roots(extra.as_deref())
        .map_err(|e| anyhow::anyhow!("the trusted certificates: {e}"))?
    {
        builder = builder.add_root_certificate(cert);
    }
    Ok(builder.build()?)
}

fn describe(r: &RowReport) -> String {
    let tenant = r.tenant_id.as_deref().unwrap_or("-");
    match &r.outcome {
        Outcome::Failed {
            field: Some(f),
            error,
        } => format!("row {} ({tenant}): `{f}`: {error}", r.row),
        Outcome::Failed { field: None, error } => format!("row {} ({tenant}): {error}", r.row),
        Outcome::WouldDo { steps } => format!("row {} ({tenant}): {steps}", r.row),
        other => format!("row {} ({tenant}): {other:?}", r.row),
    }
}

fn print_summary(s: &Summary) {
    for r in &s.would_do {
        println!("{}", describe(r));
    }
    for r in &s.failures {
        eprintln!("{}", describe(r));
    }
    println!(
        "{} customers: {} done, {} awaiting approval, {} failed{}",
        s.rows,
        s.done,
        s.awaiting_approval,
        s.failed,
        if s.interrupted { " (interrupted)" } else { "" }
    );
    println!(
        "this run: relationships created: {}, invitations: {}, access assignments: {}; requests: {}, throttled: {}",
        s.created, s.invited, s.assignments, s.requests, s.throttled
    );
}

/// Runs `bulk`, `plan` (`apply` that only reads) or `apply`, and exits with its status.
pub async fn command(mut a: BulkArgs, mode: Mode, plan_only: bool) -> anyhow::Result<()> {
    crate::init_logging("warn", false);
    a.dry_run |= plan_only;
    match run(a, mode).await? {
        0 => Ok(()),
        code => std::process::exit(code),
    }
}

/// Runs the command; the exit status: 0 when no row failed (nor, for a plan, drifted), 2 when
/// some did, 130 when stopped.
async fn run(a: BulkArgs, mode: Mode) -> anyhow::Result<i32> {
    let server = a
        .server
        .as_deref()
        .map(|s| s.trim_end_matches('/').to_owned());
    let graph = a
        .graph_url
        .clone()
        .or_else(|| server.clone())
        .unwrap_or_else(|| "https://graph.microsoft.com".into());
    let login = a
        .login_url
        .clone()
        .or_else(|| server.clone())
        .unwrap_or_else(|| "https://login.microsoftonline.com".into());
    let link_base = a.link_base.clone().unwrap_or_else(|| match &server {
        Some(s) => format!("{s}/adminportal/partners/invitation/granularAdminRelationships/"),
        None => MICROSOFT_LINK.into(),
    });
    let text = std::fs::read_to_string(&a.customers)
        .with_context(|| format!("reading {}", a.customers.display()))?;
    let rows = gdap_bulk::input::parse(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", a.customers.display()))?;
    let text = std::fs::read_to_string(&a.templates)
        .with_context(|| format!("reading {}", a.templates.display()))?;
    let templates = gdap_bulk::input::templates(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", a.templates.display()))?;
    // A file of one template needs no --template.
    let default_template = a.template.clone().or_else(|| templates.only());
    let gdap_bulk::input::Templates { checked, broken } = templates;
    for (name, e) in &broken {
        eprintln!("template `{name}`: {e}");
    }
    let inviter = inviter(&a)?;
    let client = Arc::new(GraphClient::new(
        http_client(a.ca_file.as_ref())?,
        &graph,
        auth(&a, &login)?,
    ));
    let (journal, progress) = if a.dry_run {
        (Journal::none(), Journal::read(&a.results)?)
    } else {
        Journal::open(&a.results).with_context(|| format!("opening {}", a.results.display()))?
    };
    let stop = Arc::new(AtomicBool::new(false));
    let on_signal = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_signal.store(true, Ordering::SeqCst);
        }
    });
    let bar = if a.json {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(rows.len() as u64)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {bar:40} {pos}/{len} customers ({per_sec}, {eta} left) {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let shown = bar.clone();
    let counted = std::sync::Mutex::new(std::collections::HashSet::new());
    let report = move |r: &RowReport| {
        if matches!(r.outcome, Outcome::Failed { .. }) {
            shown.println(describe(r));
        }
        // A row waiting for approval is reported again on each look; counted once.
        if counted.lock().is_ok_and(|mut c| c.insert(r.row)) {
            shown.inc(1);
        }
        if let Outcome::AwaitingApproval { .. } = r.outcome {
            shown.set_message("waiting for approvals");
        }
    };
    let opts = Options {
        templates: checked,
        broken_templates: broken,
        default_template,
        link_base,
        concurrency: a.concurrency,
        wait: a.wait.map(Duration::from_secs),
        poll: Duration::from_secs(a.poll.max(1)),
        dry_run: a.dry_run,
        mode,
    };
    let setup = gdap_bulk::Run {
        client,
        journal: Arc::new(journal),
        progress,
        inviter,
        options: opts,
        stop,
    };
    let summary = gdap_bulk::run::run(setup, rows, &report).await;
    bar.finish_and_clear();
    if a.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_summary(&summary);
    }
    Ok(if summary.interrupted {
        130
    } else if summary.failed > 0 || (mode == Mode::Apply && !summary.would_do.is_empty()) {
        // A plan that finds drift exits as a run with failed rows does.
        2
    } else {
        0
    })
}
