//! `gdap demo`: development mode on a fresh SQLite file with a built-in world, and a banner that
//! tells a newcomer what to do.

use gdap_app::world::{parse_world, DEMO_WORLD};

use crate::config::Config;
use crate::serve::{self, Seed};

/// Arguments of `gdap demo`.
#[derive(clap::Args)]
pub struct DemoArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// SQLite file for the demo (emptied at start).
    #[arg(long, default_value = "./gdap-demo.db")]
    db: String,
    /// The URL others reach the demo at (links in mail and the banner name it), when it listens
    /// on an address other machines use, e.g. `http://demo.example.test:8080`.
    #[arg(long)]
    public_url: Option<String>,
    /// Serve HTTPS with a generated development CA (written to `./gdap-ca.pem`), for the Graph
    /// SDKs and MSAL.
    #[arg(long)]
    tls: bool,
}

/// Starts the demo.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    crate::init_logging("warn", false);
    let config = Config {
        db: args.db,
        listen: args.listen,
        public_url: args.public_url,
        tls: args.tls,
        dev: true,
        step_seconds: 1.0,
        // The demo follows the providers' manuals: a reseller link asking for DAP grants it.
        reseller_links_grant_dap: true,
        ..Config::default()
    };
    let world = parse_world(DEMO_WORLD, time::OffsetDateTime::now_utc())?;
    serve::run(config, Seed::Fresh(world), |ready| {
        let (base, local) = (ready.base_url.clone(), ready.local_url.clone());
        let ca = ready.ca_file.clone();
        // The server starts answering as soon as this returns; the invitation is sent through it,
        // the way a partner would (at the address listened on), and the banner follows.
        tokio::spawn(async move {
            let note = match invite(&local, ca.as_deref()).await {
                Ok(()) => String::new(),
                Err(e) => format!("(the sample invitation could not be sent: {e})\n"),
            };
            let mut banner = format!("{note}{}", banner(&base));
            if let Some(ca) = &ca {
                banner.push_str(&format!(
                    "HTTPS: clients trust the development CA written to {} (SSL_CERT_FILE, REQUESTS_CA_BUNDLE).\n",
                    ca.display()
                ));
            }
            let mut out = std::io::stdout().lock();
            let _ = std::io::Write::write_all(&mut out, banner.as_bytes());
            let _ = std::io::Write::flush(&mut out);
        });
    })
    .await
}

/// Contoso Partner's automation creates a relationship with Fabrikam and locks it for approval,
/// which queues the approval e-mail to Fabrikam's administrator.
async fn invite(base: &str, ca: Option<&std::path::Path>) -> anyhow::Result<()> {
    use anyhow::Context;
    let mut http = reqwest::Client::builder();
    if let Some(ca) = ca {
        let pem = std::fs::read(ca).with_context(|| format!("reading {}", ca.display()))?;
        http = http.add_root_certificate(reqwest::Certificate::from_pem(&pem)?);
    }
    let http = http.build()?;
    let token: serde_json::Value = http
        .post(format!("{base}/{PARTNER_DOMAIN}/oauth2/v2.0/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = token["access_token"]
        .as_str()
        .context("no access token")?
        .to_owned();
    let rel: serde_json::Value = http
        .post(format!(
            "{base}/v1.0/tenantRelationships/delegatedAdminRelationships"
        ))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "displayName": "Fabrikam support",
            "duration": "P730D",
            "autoExtendDuration": "P180D",
            "customer": { "tenantId": FABRIKAM },
            "accessDetails": { "unifiedRoles": [
                { "roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8" },
                { "roleDefinitionId": "fe930be7-5e62-47db-91af-98c3a49a38b1" },
                { "roleDefinitionId": "f2ef992c-3afb-46b9-b7cf-a126ee74c451" }
            ] }
        }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let id = rel["id"].as_str().context("no relationship id")?;
    http.post(format!(
        "{base}/v1.0/tenantRelationships/delegatedAdminRelationships/{id}/requests"
    ))
    .bearer_auth(&token)
    .json(&serde_json::json!({ "action": "lockForApproval" }))
    .send()
    .await?
    .error_for_status()?;
    Ok(())
}

const PARTNER_DOMAIN: &str = "contosopartner.onmicrosoft.com";
const DEMO_CLIENT_ID: &str = "2f0c6f5e-3c1a-4b7e-9d2a-6a1b0c9d8e01";
const DEMO_CLIENT_SECRET: &str = "demo-automation-secret";
const FABRIKAM: &str = "4fdbff88-9d6b-42e0-9713-45c922ba8001";

fn banner(base: &str) -> String {
    format!(
        r#"gdap demo is ready at {base}  (development mode; the data is reset at every start)

Partner   Contoso Partner        contosopartner.onmicrosoft.com   tenant 8777b240-c6f0-4469-9e98-a3205431b836
          admin@contosopartner.onmicrosoft.com / Demo-Partner-1!   (Admin Agents)
          app "automation": client id 2f0c6f5e-3c1a-4b7e-9d2a-6a1b0c9d8e01, secret demo-automation-secret
Customers Fabrikam Insurance Agency  admin@fabrikam.onmicrosoft.com / Demo-Customer-1!   (Global Administrator)
                                     staff@fabrikam.onmicrosoft.com / Demo-Customer-2!   (no admin role)
          Northwind Traders          admin@northwind.onmicrosoft.com / Demo-Customer-3!  (Global Administrator)
          Tailspin Toys              relationships@tailspin.onmicrosoft.com / Demo-Customer-4!  (Customer Delegated Admin Relationship Administrator)

See the customer's side in a browser:
  1. Open {base}/_gdap/mail : the approval e-mail Contoso Partner sent to Fabrikam's administrator.
  2. Click its link and sign in as admin@fabrikam.onmicrosoft.com / Demo-Customer-1!
  3. 次へ → (Microsoft 顧客契約) 承諾 → 次へ → 承諾 → 閉じる: the Partner relationships page shows
     the relationship アクティブ (Active) a few seconds later. The language switcher is at the top.
  The partner's side: {base}/partner as admin@contosopartner.onmicrosoft.com / Demo-Partner-1!
  (the partner requires multifactor sign-in: at the first sign-in, add the key shown to an
  authenticator app, or run `oathtool --totp -b KEY`, and type its six-digit code)

Try the API (paste into a shell):

  TOKEN=$(curl -s {base}/contosopartner.onmicrosoft.com/oauth2/v2.0/token \
    -d grant_type=client_credentials -d client_id=2f0c6f5e-3c1a-4b7e-9d2a-6a1b0c9d8e01 \
    -d client_secret=demo-automation-secret -d scope=https://graph.microsoft.com/.default | sed 's/.*"access_token":"\([^"]*\)".*/\1/')

  curl -s {base}/v1.0/tenantRelationships/delegatedAdminRelationships -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d '{{"displayName":"Northwind support","duration":"P730D",
    "customer":{{"tenantId":"4fdbff88-9d6b-42e0-9713-45c922ba8002"}},
    "accessDetails":{{"unifiedRoles":[{{"roleDefinitionId":"729827e3-9c14-49f7-bb1b-9608f156bbb8"}}]}}}}'

Then POST {{"action":"lockForApproval"}} to …/delegatedAdminRelationships/{{id}}/requests, approve it as the customer
(POST {base}/admincenter/v1/gdapInvitations/{{id}}/approve with a token of admin@northwind.onmicrosoft.com),
and watch it become active. Move time with: curl -s {base}/_gdap/clock -H 'Content-Type: application/json' -d '{{"advance":"P730D"}}'
API description: {base}/openapi.json
"#
    )
}
