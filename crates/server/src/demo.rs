//! `gdap demo`: development mode on a fresh SQLite file with a built-in world, and a banner that
//! tells a newcomer what to do.

use gdap_api::world::{parse_world, DEMO_WORLD};

use crate::config::Config;
use crate::serve::{self, Seed};

/// Starts the demo.
pub async fn run(listen: String, db: String) -> anyhow::Result<()> {
    crate::init_logging("warn");
    let config = Config {
        db,
        listen,
        dev: true,
        step_seconds: 1.0,
        ..Config::default()
    };
    let world = parse_world(DEMO_WORLD, time::OffsetDateTime::now_utc())?;
    serve::run(config, Seed::Fresh(world), |ready| {
        println!("{}", banner(&ready.base_url))
    })
    .await
}

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

Try it (paste into a shell):

  TOKEN=$(curl -s {base}/contosopartner.onmicrosoft.com/oauth2/v2.0/token \
    -d grant_type=client_credentials -d client_id=2f0c6f5e-3c1a-4b7e-9d2a-6a1b0c9d8e01 \
    -d client_secret=demo-automation-secret -d scope=https://graph.microsoft.com/.default | sed 's/.*"access_token":"\([^"]*\)".*/\1/')

  curl -s {base}/v1.0/tenantRelationships/delegatedAdminRelationships -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d '{{"displayName":"Fabrikam support","duration":"P730D",
    "customer":{{"tenantId":"4fdbff88-9d6b-42e0-9713-45c922ba8001"}},
    "accessDetails":{{"unifiedRoles":[{{"roleDefinitionId":"729827e3-9c14-49f7-bb1b-9608f156bbb8"}}]}}}}'

Then POST {{"action":"lockForApproval"}} to …/delegatedAdminRelationships/{{id}}/requests, approve it as the customer
(POST {base}/admincenter/v1/gdapInvitations/{{id}}/approve with a token of admin@fabrikam.onmicrosoft.com),
and watch it become active. Move time with: curl -s {base}/_gdap/clock -H 'Content-Type: application/json' -d '{{"advance":"P730D"}}'
API description: {base}/openapi.json
"#
    )
}
