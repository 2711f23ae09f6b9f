//! Configuration: defaults, then `gdap.toml` (or `--config`), then `GDAP_*` environment variables,
//! then command-line flags.

use std::path::PathBuf;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

/// Settings of `gdap serve` (and `gdap demo`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Database: an SQLite file path, a `sqlite:` URL or a `postgres://` URL.
    pub db: String,
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    pub listen: String,
    /// Another address serving the same (links and issuers still name the first): port 443 on
    /// loopback for clients that look up the user realm there whatever port the authority names
    /// (MSAL's username/password flow).
    pub also_listen: Option<String>,
    /// Externally visible base URL, when behind a proxy.
    pub public_url: Option<String>,
    /// Development mode: clock and reset controls, seeding.
    pub dev: bool,
    /// World file to seed at start (development mode).
    pub seed: Option<PathBuf>,
    /// Serve HTTPS.
    pub tls: bool,
    /// Certificate chain (PEM) for HTTPS; generated with a development CA when absent.
    pub tls_cert: Option<PathBuf>,
    /// Private key (PEM) for HTTPS.
    pub tls_key: Option<PathBuf>,
    /// Where the generated development CA certificate is written.
    pub tls_ca_out: PathBuf,
    /// Seconds per automatic lifecycle step (provisioning, deprovisioning, operations).
    pub step_seconds: f64,
    /// Log filter (`info`, `gdap=debug` …).
    pub log: String,
    /// Log lines as `text` (for people) or `json` (one object per line, for collectors).
    pub log_format: String,
    /// A separate address serving `/metrics`, `/livez` and `/readyz` only (kept private).
    pub metrics_listen: Option<String>,
    /// A bearer token (16 characters or more) that opens `/metrics` on the main address outside
    /// development mode. Set it in the file or `GDAP_METRICS_TOKEN`, not on the command line.
    pub metrics_token: Option<String>,
    /// Graph requests allowed per ten seconds to one application across tenants (`0`: no limit).
    pub rate_limit_app: u32,
    /// Graph requests allowed per ten seconds to one application in one tenant (`0`: no limit).
    pub rate_limit_app_tenant: u32,
    /// Seconds before a failed webhook delivery is retried the first time (doubling after each of
    /// its ten attempts, at most an hour).
    pub webhook_retry_seconds: f64,
    /// A CA certificate (PEM) trusted for webhook receivers beside the system's.
    pub webhook_ca_file: Option<PathBuf>,
    /// SMTP relay for the outbox (`smtp://host:port`); without one, mails wait in the outbox.
    pub smtp: Option<String>,
    /// Sender address of outgoing mail (a no-reply address).
    pub mail_from: String,
    /// For deployments that serve real customers: sign-ins answer an unknown account exactly as a
    /// wrong password (`AADSTS50126`), where Entra itself says `AADSTS50034`.
    pub hardened: bool,
    /// The product's name on the pages (top bar, window titles).
    pub product_name: String,
    /// A logo for the top bar: an SVG or PNG file of at most 256 KiB.
    pub logo: Option<PathBuf>,
    /// The pages' brand colour, `#rrggbb` (Fluent's blue by default).
    pub brand_color: Option<String>,
    /// Reseller relationship links that ask for DAP grant it, as the providers' manuals describe;
    /// off by default, as Microsoft grants none since 9 October 2023.
    pub reseller_links_grant_dap: bool,
    /// A partner user gets a token for Azure Resource Manager in a customer only with a GDAP role
    /// there too, as Microsoft's current guidance has it; off by default, as seed 003 describes
    /// (an Azure role assignment is enough).
    pub azure_requires_gdap: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            db: "./gdap.db".into(),
            listen: "127.0.0.1:8080".into(),
            also_listen: None,
            public_url: None,
            dev: false,
            seed: None,
            tls: false,
            tls_cert: None,
            tls_key: None,
            tls_ca_out: "./gdap-ca.pem".into(),
            step_seconds: 1.0,
            log: "info".into(),
            log_format: "text".into(),
            metrics_listen: None,
            metrics_token: None,
            rate_limit_app: gdap_app::rate::RateLimits::default().per_app,
            rate_limit_app_tenant: gdap_app::rate::RateLimits::default().per_app_tenant,
            webhook_retry_seconds: 30.0,
            webhook_ca_file: None,
            smtp: None,
            mail_from: "gdap <no-reply@gdap.invalid>".into(),
            hardened: false,
            product_name: "gdap".into(),
            logo: None,
            brand_color: None,
            reseller_links_grant_dap: false,
            azure_requires_gdap: false,
        }
    }
}

/// Flags that override the configuration when given.
#[derive(Debug, Clone, Default, Serialize, clap::Args)]
pub struct Overrides {
    /// Database: SQLite file path (default `./gdap.db`), `sqlite:` URL or `postgres://` URL.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db: Option<String>,
    /// Address to listen on, e.g. `127.0.0.1:8080` (port 0 picks a free one).
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// Another address serving the same, e.g. `127.0.0.1:443` for MSAL's user-realm lookup.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub also_listen: Option<String>,
    /// Externally visible base URL.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// Development mode (clock and reset controls).
    #[arg(long)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dev: bool,
    /// World file to seed at start.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<PathBuf>,
    /// Serve HTTPS (with a generated development CA unless --tls-cert/--tls-key are given).
    #[arg(long)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub tls: bool,
    /// Certificate chain (PEM).
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<PathBuf>,
    /// Private key (PEM).
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<PathBuf>,
    /// Where to write the generated CA certificate.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_ca_out: Option<PathBuf>,
    /// Seconds per automatic lifecycle step.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_seconds: Option<f64>,
    /// Log filter.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
    /// Log format: `text` or `json`.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<String>,
    /// A separate address for `/metrics`, `/livez` and `/readyz`, e.g. `127.0.0.1:9090`.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_listen: Option<String>,
    /// Graph requests per ten seconds for one application in one tenant (`0`: no limit).
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit_app_tenant: Option<u32>,
    /// Seconds before a failed webhook delivery is first retried.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_retry_seconds: Option<f64>,
    /// SMTP relay for outgoing mail, e.g. `smtp://127.0.0.1:25`.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp: Option<String>,
    /// Sender address of outgoing mail.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_from: Option<String>,
    /// Answer an unknown account at sign-in exactly as a wrong password.
    #[arg(long)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub hardened: bool,
}

/// Merges defaults, the config file, `GDAP_*` variables and flags; validates once.
pub fn load(file: Option<&PathBuf>, overrides: &Overrides) -> anyhow::Result<Config> {
    let mut fig = Figment::from(Serialized::defaults(Config::default()));
    match file {
        Some(f) => {
            anyhow::ensure!(f.exists(), "config file {} does not exist", f.display());
            fig = fig.merge(Toml::file(f));
        }
        None => fig = fig.merge(Toml::file("gdap.toml")),
    }
    let config: Config = fig
        .merge(Env::prefixed("GDAP_").only(&[
            "db",
            "listen",
            "also_listen",
            "public_url",
            "dev",
            "seed",
            "tls",
            "tls_cert",
            "tls_key",
            "tls_ca_out",
            "step_seconds",
            "log",
            "log_format",
            "metrics_listen",
            "metrics_token",
            "rate_limit_app",
            "rate_limit_app_tenant",
            "webhook_retry_seconds",
            "webhook_ca_file",
            "smtp",
            "mail_from",
            "hardened",
            "product_name",
            "logo",
            "brand_color",
            "reseller_links_grant_dap",
            "azure_requires_gdap",
        ]))
        .merge(Serialized::globals(overrides))
        .extract()
        .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
    anyhow::ensure!(
        config.step_seconds.is_finite() && (0.0..=3600.0).contains(&config.step_seconds),
        "step_seconds must be between 0 and 3600"
    );
    anyhow::ensure!(
        config.tls_cert.is_some() == config.tls_key.is_some(),
        "give both tls_cert and tls_key, or neither"
    );
    anyhow::ensure!(
        config.seed.is_none() || config.dev,
        "seeding a world needs development mode (--dev)"
    );
    anyhow::ensure!(
        (1..=60).contains(&config.product_name.chars().count())
            && !config.product_name.chars().any(char::is_control),
        "product_name must be 1 to 60 characters on one line"
    );
    anyhow::ensure!(
        config.brand_color.as_deref().is_none_or(|c| {
            c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|x| x.is_ascii_hexdigit())
        }),
        "brand_color must be #rrggbb"
    );
    anyhow::ensure!(
        config.webhook_retry_seconds.is_finite()
            && (0.1..=3600.0).contains(&config.webhook_retry_seconds),
        "webhook_retry_seconds must be between 0.1 and 3600"
    );
    anyhow::ensure!(
        matches!(config.log_format.as_str(), "text" | "json"),
        "log_format must be `text` or `json`"
    );
    anyhow::ensure!(
        config
            .metrics_token
            .as_ref()
            .is_none_or(|t| gdap_app::metrics::MetricsToken::new(t.clone()).is_some()),
        "metrics_token must be 16 characters or more"
    );
    Ok(config)
}

/// Reads the configured logo: an SVG or PNG file of at most 256 KiB.
pub fn read_logo(path: &std::path::Path) -> anyhow::Result<(Vec<u8>, &'static str)> {
    let kind = match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("svg") => "image/svg+xml",
        Some(e) if e.eq_ignore_ascii_case("png") => "image/png",
        _ => anyhow::bail!("logo {} must be an .svg or .png file", path.display()),
    };
    let bytes = std::fs::read(path)
        .map_err(|e| anyhow::anyhow!("cannot read logo {}: {e}", path.display()))?;
    anyhow::ensure!(
        bytes.len() <= 256 * 1024,
        "logo {} is over 256 KiB",
        path.display()
    );
    Ok((bytes, kind))
}

#[cfg(test)]
#[allow(
    clippy::result_large_err,
    reason = "figment's test jail returns its own large error type"
)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_environment_which_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("GDAP_DB", "/tmp/env.db");
            jail.set_env("GDAP_LISTEN", "127.0.0.1:9999");
            jail.set_env("GDAP_TEST_POSTGRES", "postgres://elsewhere");
            let c = load(
                None,
                &Overrides {
                    listen: Some("127.0.0.1:1".into()),
                    ..Overrides::default()
                },
            )
            .unwrap();
            assert_eq!(c.db, "/tmp/env.db");
            assert_eq!(c.listen, "127.0.0.1:1");
            assert!(!c.dev);
            Ok(())
        });
    }

    #[test]
    fn a_config_file_is_read_and_bad_values_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("gdap.toml", "dev = true\nstep_seconds = 0.5\n")?;
            let c = load(None, &Overrides::default()).unwrap();
            assert!(c.dev);
            assert!((c.step_seconds - 0.5).abs() < f64::EPSILON);
            jail.create_file("bad.toml", "colour = \"red\"\n")?;
            assert!(load(Some(&"bad.toml".into()), &Overrides::default()).is_err());
            jail.create_file(
                "look.toml",
                "product_name = \"Contoso 管理センター\"\nbrand_color = \"#8a2be2\"\n",
            )?;
            let c = load(Some(&"look.toml".into()), &Overrides::default()).unwrap();
            assert_eq!(c.product_name, "Contoso 管理センター");
            jail.create_file("badcolour.toml", "brand_color = \"red; }\"\n")?;
            assert!(load(Some(&"badcolour.toml".into()), &Overrides::default()).is_err());
            Ok(())
        });
    }
}
