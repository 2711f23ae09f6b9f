//! `gdap token`: asks a running gdap for an access token and prints it.

use std::path::PathBuf;

use anyhow::Context;

/// Azure CLI's public client id, used for user sign-in when no client is given.
const AZURE_CLI: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/// Arguments of `gdap token`.
#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    /// Base URL of the running gdap.
    #[arg(long, env = "GDAP_URL", default_value = "http://127.0.0.1:8080")]
    server: String,
    /// Tenant id or domain (default: the domain of --username).
    #[arg(long)]
    tenant: Option<String>,
    /// Application (client) id.
    #[arg(long)]
    client_id: Option<String>,
    /// Client secret (application token).
    #[arg(long, env = "GDAP_CLIENT_SECRET")]
    client_secret: Option<String>,
    /// User principal name (user token).
    #[arg(long)]
    username: Option<String>,
    /// User password.
    #[arg(long, env = "GDAP_PASSWORD")]
    password: Option<String>,
    /// Scope (default `https://graph.microsoft.com/.default`).
    #[arg(long, default_value = "https://graph.microsoft.com/.default")]
    scope: String,
    /// CA certificate to trust (for a server started with --tls).
    #[arg(long)]
    ca_file: Option<PathBuf>,
}

/// Requests the token and prints it.
pub async fn run(a: TokenArgs) -> anyhow::Result<()> {
    let mut builder = reqwest::Client::builder();
    if let Some(ca) = &a.ca_file {
        let pem = std::fs::read(ca).with_context(|| format!("reading {}", ca.display()))?;
        builder = builder.add_root_certificate(reqwest::Certificate::from_pem(&pem)?);
    }
    let client = builder.build()?;
    let (tenant, form): (String, Vec<(&str, String)>) = match (&a.username, &a.client_secret) {
        (Some(user), _) => {
            let password = a
                .password
                .clone()
                .context("--password (or GDAP_PASSWORD) is needed with --username")?;
            let tenant = a
                .tenant
                .clone()
                .or_else(|| user.split('@').nth(1).map(str::to_owned))
                .context("--tenant is needed")?;
            (
                tenant,
                vec![
                    ("grant_type", "password".into()),
                    (
                        "client_id",
                        a.client_id.clone().unwrap_or_else(|| AZURE_CLI.into()),
                    ),
                    ("username", user.clone()),
                    ("password", password),
                    ("scope", a.scope.clone()),
                ],
            )
        }
        (None, Some(secret)) => (
            a.tenant
                .clone()
                .context("--tenant is needed for an application token")?,
            vec![
                ("grant_type", "client_credentials".into()),
                (
                    "client_id",
                    a.client_id.clone().context("--client-id is needed")?,
                ),
                ("client_secret", secret.clone()),
                ("scope", a.scope.clone()),
            ],
        ),
        (None, None) => {
            anyhow::bail!("give --username and --password, or --client-id and --client-secret")
        }
    };
    let url = format!(
        "{}/{tenant}/oauth2/v2.0/token",
        a.server.trim_end_matches('/')
    );
    let res = client
        .post(&url)
        .form(&form)
        .send()
        .await
        .with_context(|| format!("calling {url}"))?;
    let status = res.status();
    let body: serde_json::Value = res.json().await.context("reading the token response")?;
    match body.get("access_token").and_then(|t| t.as_str()) {
        Some(t) if status.is_success() => {
            println!("{t}");
            Ok(())
        }
        _ => anyhow::bail!(
            "{}",
            body.get("error_description")
                .and_then(|d| d.as_str())
                .unwrap_or("the token request failed")
        ),
    }
}
