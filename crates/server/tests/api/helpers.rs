//! `spawn_app` and typed helpers over a real gdap server on an ephemeral port.

use std::sync::Arc;

use gdap_api::{ApiConfig, AppState};
use gdap_app::clock::DevClock;
use gdap_domain::customer::PartnerLink;
use gdap_domain::ids::TenantId;
use gdap_domain::Timings;
use gdap_store::{AdminStore, DirectoryStore, Store, StoredKey};
use gdap_store_sql::SqlStore;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub const WORLD: &str = include_str!("world.json");

pub const PARTNER: &str = "11111111-1111-4111-8111-111111111111";
pub const PARTNER_TWO: &str = "22222222-2222-4222-8222-222222222222";
pub const CUSTOMER_A: &str = "33333333-3333-4333-8333-333333333333";
pub const CUSTOMER_B: &str = "44444444-4444-4444-8444-444444444444";
pub const ADMIN_AGENTS: &str = "11111111-aaaa-4aaa-8aaa-000000000001";
pub const HELPDESK_AGENTS: &str = "11111111-aaaa-4aaa-8aaa-000000000002";

pub const GA: &str = "62e90394-69f5-4237-9190-012177145e10";
pub const HELPDESK: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
pub const USER_ADMIN: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";
pub const EXCHANGE: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";

pub const RELS: &str = "/v1.0/tenantRelationships/delegatedAdminRelationships";
/// The audience of Partner Center's tokens.
pub const PC_SCOPE: &str = "https://api.partnercenter.microsoft.com/.default";

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    _dir: TempDir,
}

use crate::tempdir::TempDir;

/// Options for [`spawn_with`].
pub struct Options {
    pub dev: bool,
    pub step_seconds: i64,
    pub hardened: bool,
    pub look: gdap_app::state::Look,
    pub reseller_links_grant_dap: bool,
    pub rate_limits: gdap_app::rate::RateLimits,
    pub webhook_retry: time::Duration,
    /// Links (and webhook certificate URLs) name the address listened on.
    pub public_url: bool,
    /// A Resource Manager token in a customer needs a GDAP role beside the Azure role.
    pub azure_requires_gdap: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            dev: true,
            step_seconds: 1,
            hardened: false,
            look: gdap_app::state::Look::default(),
            reseller_links_grant_dap: false,
            rate_limits: gdap_app::rate::RateLimits::default(),
            webhook_retry: time::Duration::seconds(30),
            public_url: false,
            azure_requires_gdap: false,
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_with(Options::default()).await
}

pub async fn spawn_with(opts: Options) -> TestApp {
    let dir = TempDir::new();
    let db = dir.0.join("gdap.db");
    let store = SqlStore::connect(db.to_str().expect("utf-8 path"))
        .await
        .expect("open store");
    let (key, pkcs8) = gdap_auth::SigningKey::generate().expect("key");
    store
        .add_signing_key(
            StoredKey {
                kid: key.kid().to_owned(),
                pkcs8,
                created_at: time::OffsetDateTime::now_utc(),
            },
            false,
        )
        .await
        .expect("store key");
    let keys = gdap_auth::KeySet::new(vec![key]);
    let world =
        gdap_app::world::parse_world(WORLD, time::OffsetDateTime::now_utc()).expect("world");
    store.insert_directory(world.clone()).await.expect("seed");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let config = ApiConfig {
        public_url: opts.public_url.then(|| format!("http://{addr}")),
        dev: opts.dev,
        hardened: opts.hardened,
        look: opts.look,
        reseller_links_grant_dap: opts.reseller_links_grant_dap,
        azure_requires_gdap: opts.azure_requires_gdap,
        rate_limits: opts.rate_limits,
        webhook_retry: opts.webhook_retry,
        timings: Timings {
            step: time::Duration::seconds(opts.step_seconds),
            ..Timings::default()
        },
        ..ApiConfig::default()
    };
    let dev_clock = opts.dev.then(|| Arc::new(DevClock::default()));
    let store: Arc<dyn Store> = Arc::new(store);
    let state = AppState::new(store, keys, dev_clock, Some(world), config);
    state
        .authz
        .reload(state.store.as_ref())
        .await
        .expect("authorization index");
    let app = gdap_api::app(state.clone());
    let transport = gdap_app::webhook_delivery::HttpTransport::new(None).expect("webhook client");
    tokio::spawn(gdap_app::webhook_delivery::run(
        state.clone(),
        Arc::new(transport),
        std::future::pending::<()>(),
    ));
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    TestApp {
        base: format!("http://{addr}"),
        client: reqwest::Client::new(),
        state,
        _dir: dir,
    }
}

pub struct Res {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Res {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    pub fn etag(&self) -> String {
        self.body["@odata.etag"].as_str().expect("etag").to_owned()
    }

    pub fn message(&self) -> String {
        self.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The message, followed by the messages of the error's `details` (where the directory's
    /// errors carry gdap's own explanation beside Graph's sentence).
    pub fn explanation(&self) -> String {
        let mut out = self.message();
        for d in self.body["error"]["details"]
            .as_array()
            .into_iter()
            .flatten()
        {
            out.push('\n');
            out.push_str(d["message"].as_str().unwrap_or_default());
        }
        out
    }

    /// Asserts a Graph error envelope with this status, whose message or details contain `needle`.
    #[track_caller]
    pub fn assert_error(&self, status: u16, needle: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        assert!(
            self.body["error"]["code"].is_string(),
            "not a Graph error envelope: {}",
            self.text
        );
        assert!(
            self.body["error"]["innerError"]["request-id"].is_string(),
            "no request id: {}",
            self.text
        );
        assert!(
            self.explanation()
                .to_lowercase()
                .contains(&needle.to_lowercase()),
            "message {:?} lacks {needle:?}",
            self.explanation()
        );
    }
}

impl TestApp {
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Res {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        let mut rb = self.client.request(method, url);
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        if let Some(b) = body {
            rb = rb
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let r = rb.send().await.expect("request");
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Res {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Res {
        self.send(Method::GET, path, Some(token), None, &[]).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Res {
        self.send(Method::POST, path, Some(token), Some(body), &[])
            .await
    }

    pub async fn patch(&self, path: &str, token: &str, etag: &str, body: Value) -> Res {
        self.send(
            Method::PATCH,
            path,
            Some(token),
            Some(body),
            &[("If-Match", etag)],
        )
        .await
    }

    pub async fn delete(&self, path: &str, token: &str, etag: &str) -> Res {
        self.send(
            Method::DELETE,
            path,
            Some(token),
            None,
            &[("If-Match", etag)],
        )
        .await
    }

    pub async fn form_token(&self, tenant: &str, form: &[(&str, &str)]) -> Res {
        let r = self
            .client
            .post(format!("{}/{tenant}/oauth2/v2.0/token", self.base))
            .form(form)
            .send()
            .await
            .expect("token request");
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.expect("body");
        Res {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
        }
    }

    pub async fn app_token(&self, tenant: &str, client_id: &str, secret: &str) -> String {
        let r = self
            .form_token(
                tenant,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", client_id),
                    ("client_secret", secret),
                    ("scope", "https://graph.microsoft.com/.default"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.body["access_token"].as_str().expect("token").to_owned()
    }

    pub async fn user_token(&self, upn: &str, password: &str, scope: &str) -> String {
        let tenant = upn.split('@').nth(1).expect("domain");
        let r = self
            .form_token(
                tenant,
                &[
                    ("grant_type", "password"),
                    ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
                    ("username", upn),
                    ("password", password),
                    ("scope", scope),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.body["access_token"].as_str().expect("token").to_owned()
    }

    /// Makes Partner One's Helpdesk Agents (the technician `tech@partnerone…`) hold `roles` in
    /// Customer A through an active GDAP relationship and returns the technician's Graph token
    /// for Customer A.
    pub async fn technician_in_customer_a(&self, roles: &[&str]) -> String {
        let p = self.partner().await;
        let rel = self
            .active_relationship(
                &p,
                relationship_body("Directory", Some(CUSTOMER_A), roles, "P30D", None),
            )
            .await;
        let id = rel["id"].as_str().unwrap();
        let unified: Vec<Value> = roles
            .iter()
            .map(|r| json!({"roleDefinitionId": r}))
            .collect();
        let a = self
        .post(
            &format!("{RELS}/{id}/accessAssignments"),
            &p,
            json!({"accessContainer": {"accessContainerId": HELPDESK_AGENTS, "accessContainerType": "securityGroup"},
                   "accessDetails": {"unifiedRoles": unified}}),
        )
        .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
        self.advance("PT2S").await;
        self.technician_token().await
    }

    /// The technician `tech@partnerone…` signs in to Customer A with its partner credentials.
    pub async fn technician_token(&self) -> String {
        self.try_technician_token()
            .await
            .expect("the technician signs in to Customer A")
    }

    /// The technician's token for Customer A, if it may sign in there.
    pub async fn try_technician_token(&self) -> Option<String> {
        let t = self
            .form_token(
                "customera.onmicrosoft.com",
                &[
                    ("grant_type", "password"),
                    ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
                    ("username", "tech@partnerone.onmicrosoft.com"),
                    ("password", "Tech-Pass-1"),
                    ("scope", "https://graph.microsoft.com/.default"),
                ],
            )
            .await;
        t.body["access_token"].as_str().map(str::to_owned)
    }

    /// Partner One's Global Administrator, for Partner Center (App+User).
    pub async fn partner_center(&self) -> String {
        self.user_token("admin@partnerone.onmicrosoft.com", "Admin-Pass-1", PC_SCOPE)
            .await
    }

    /// Partner One's writer application.
    pub async fn partner(&self) -> String {
        self.app_token(
            PARTNER,
            "11111111-cccc-4ccc-8ccc-000000000001",
            "writer-secret",
        )
        .await
    }

    /// Partner Two's writer application.
    pub async fn partner_two(&self) -> String {
        self.app_token(
            PARTNER_TWO,
            "22222222-cccc-4ccc-8ccc-000000000001",
            "two-secret",
        )
        .await
    }

    /// Customer A's Global Administrator (admin-center audience).
    pub async fn customer_a_admin(&self) -> String {
        self.user_token(
            "ga@customera.onmicrosoft.com",
            "Ga-Pass-1",
            "https://admin.microsoft.com/.default",
        )
        .await
    }

    /// Customer A's Global Administrator (Graph audience).
    pub async fn customer_a_admin_graph(&self) -> String {
        self.user_token(
            "ga@customera.onmicrosoft.com",
            "Ga-Pass-1",
            "https://graph.microsoft.com/.default",
        )
        .await
    }

    pub async fn customer_b_admin(&self) -> String {
        self.user_token(
            "ga@customerb.onmicrosoft.com",
            "Gb-Pass-1",
            "https://admin.microsoft.com/.default",
        )
        .await
    }

    /// Customer B's Global Administrator (Graph audience).
    pub async fn customer_b_admin_graph(&self) -> String {
        self.user_token(
            "ga@customerb.onmicrosoft.com",
            "Gb-Pass-1",
            "https://graph.microsoft.com/.default",
        )
        .await
    }

    pub async fn create(&self, token: &str, body: Value) -> Res {
        self.post(RELS, token, body).await
    }

    /// Creates a relationship for Customer A with Helpdesk and User Administrator; returns the body.
    pub async fn create_default(&self, token: &str, name: &str) -> Value {
        let r = self
            .create(
                token,
                relationship_body(
                    name,
                    Some(CUSTOMER_A),
                    &[HELPDESK, USER_ADMIN],
                    "P730D",
                    None,
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body
    }

    pub async fn lock(&self, token: &str, id: &str) -> Res {
        self.post(
            &format!("{RELS}/{id}/requests"),
            token,
            json!({"action": "lockForApproval"}),
        )
        .await
    }

    /// The customer's administrator accepts the Microsoft Customer Agreement (if not yet) and
    /// approves the invitation, as the approval pages do.
    pub async fn approve(&self, customer_token: &str, id: &str) -> Res {
        self.send(
            Method::POST,
            "/admincenter/v1/customerAgreement",
            Some(customer_token),
            None,
            &[],
        )
        .await;
        self.approve_only(customer_token, id).await
    }

    /// Approves an invitation without accepting the agreement first.
    pub async fn approve_only(&self, customer_token: &str, id: &str) -> Res {
        self.send(
            Method::POST,
            &format!("/admincenter/v1/gdapInvitations/{id}/approve"),
            Some(customer_token),
            None,
            &[],
        )
        .await
    }

    pub async fn advance(&self, iso: &str) -> Value {
        let r = self
            .send(
                Method::POST,
                "/_gdap/clock",
                None,
                Some(json!({"advance": iso})),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.body
    }

    pub async fn relationship(&self, token: &str, id: &str) -> Value {
        let r = self.get(&format!("{RELS}/{id}"), token).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.body
    }

    /// Create, lock, approve by Customer A's admin, and provision: returns the active relationship.
    pub async fn active_relationship(&self, token: &str, body: Value) -> Value {
        let r = self.create(token, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let id = r.body["id"].as_str().expect("id").to_owned();
        assert_eq!(self.lock(token, &id).await.status, StatusCode::CREATED);
        let admin = self.customer_a_admin().await;
        let a = self.approve(&admin, &id).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        self.advance("PT5S").await;
        let rel = self.relationship(token, &id).await;
        assert_eq!(rel["status"], "active");
        rel
    }
}

/// A tie of `customer` with `partner` since now, of no kind yet (set the kinds on it).
pub fn partner_link(customer: &str, partner: &str) -> PartnerLink {
    PartnerLink {
        customer: TenantId::parse(customer).unwrap(),
        partner: TenantId::parse(partner).unwrap(),
        reseller: false,
        dap: false,
        since: time::OffsetDateTime::now_utc(),
        dap_removed_at: None,
        other_types: Vec::new(),
        associated_partner: None,
    }
}

impl TestApp {
    /// Writes customer ties straight into the store.
    pub async fn tie(&self, links: Vec<PartnerLink>) {
        self.state
            .store
            .commit(gdap_store::Changes {
                partner_links: links,
                ..gdap_store::Changes::default()
            })
            .await
            .unwrap();
    }
}

pub fn relationship_body(
    name: &str,
    customer: Option<&str>,
    roles: &[&str],
    duration: &str,
    auto_extend: Option<&str>,
) -> Value {
    let mut b = json!({
        "displayName": name,
        "duration": duration,
        "accessDetails": {"unifiedRoles": roles.iter().map(|r| json!({"roleDefinitionId": r})).collect::<Vec<_>>()},
    });
    if let Some(c) = customer {
        b["customer"] = json!({"tenantId": c});
    }
    if let Some(a) = auto_extend {
        b["autoExtendDuration"] = json!(a);
    }
    b
}

pub fn ts(v: &Value) -> time::OffsetDateTime {
    gdap_domain::timefmt::parse_rfc3339(v.as_str().expect("timestamp")).expect("rfc3339")
}
