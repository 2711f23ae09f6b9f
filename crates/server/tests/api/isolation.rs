//! A generated matrix of cross-tenant requests: every principal of one tenant against every object
//! of the others, through every endpoint and method, in both API versions and with odd casing. No
//! request may succeed, none may return another tenant's data, and nothing may change.

use std::collections::BTreeMap;
use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

/// One request of the matrix: token, method, path, body, and text that must not come back.
type Probe = (String, Method, String, Option<Value>, Vec<String>);

/// What one tenant owns in the world of the test.
struct Owned {
    /// Relationship ids with their customer, request ids, assignment ids and operation ids.
    relationships: Vec<(String, String, Vec<String>, Vec<String>)>,
}

async fn objects_of(
    app: &TestApp,
    token: &str,
    customer: &str,
    customer_admin: &str,
    n: usize,
    tag: &str,
) -> Owned {
    let mut relationships = Vec::new();
    for i in 0..n {
        let name = format!("{tag} {i}");
        // Alternate states: active with an assignment, awaiting approval, created.
        let (id, requests, assignments) = match i % 3 {
            0 => {
                let r = app
                    .create(
                        token,
                        relationship_body(
                            &name,
                            Some(customer),
                            &[HELPDESK, USER_ADMIN],
                            "P30D",
                            None,
                        ),
                    )
                    .await;
                let id = r.body["id"].as_str().unwrap().to_owned();
                assert_eq!(app.lock(token, &id).await.status, StatusCode::CREATED);
                let a = app.approve(customer_admin, &id).await;
                assert_eq!(a.status, StatusCode::OK, "{}", a.text);
                app.advance("PT5S").await;
                // Partner One's Helpdesk Agents get an assignment (Partner Two's world has no
                // group with a known id, so its relationships have none).
                let a = app
                    .post(
                        &format!("{RELS}/{id}/accessAssignments"),
                        token,
                        json!({"accessContainer": {"accessContainerId": HELPDESK_AGENTS, "accessContainerType": "securityGroup"},
                               "accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]}}),
                    )
                    .await;
                let aid = a.body["id"]
                    .as_str()
                    .map(str::to_owned)
                    .into_iter()
                    .collect();
                let reqs = app.get(&format!("{RELS}/{id}/requests"), token).await;
                let rids = reqs.body["value"]
                    .as_array()
                    .map(|v| {
                        v.iter()
                            .filter_map(|r| r["id"].as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                (id, rids, aid)
            }
            1 => {
                let r = app
                    .create(
                        token,
                        relationship_body(&name, Some(customer), &[HELPDESK], "P30D", None),
                    )
                    .await;
                let id = r.body["id"].as_str().unwrap().to_owned();
                let l = app.lock(token, &id).await;
                (
                    id,
                    vec![l.body["id"].as_str().unwrap().to_owned()],
                    Vec::new(),
                )
            }
            _ => {
                let r = app
                    .create(
                        token,
                        relationship_body(&name, Some(customer), &[HELPDESK], "P30D", None),
                    )
                    .await;
                (
                    r.body["id"].as_str().unwrap().to_owned(),
                    Vec::new(),
                    Vec::new(),
                )
            }
        };
        relationships.push((id, customer.to_owned(), requests, assignments));
    }
    Owned { relationships }
}

/// The requests of the matrix against one relationship of another tenant.
fn requests_against(
    id: &str,
    customer: &str,
    partner: &str,
    requests: &[String],
    assignments: &[String],
) -> Vec<(Method, String, Option<Value>)> {
    let mut out = Vec::new();
    let fake = "11111111-2222-4333-8444-555555555555";
    for v in ["/v1.0", "/beta", "/V1.0", "/BETA"] {
        let base = format!("{v}/tenantRelationships/delegatedAdminRelationships/{id}");
        let upper = format!(
            "{v}/TENANTRELATIONSHIPS/DelegatedAdminRelationships/{}",
            id.to_uppercase()
        );
        out.push((Method::GET, base.clone(), None));
        out.push((Method::GET, upper.clone(), None));
        out.push((Method::GET, format!("{base}/"), None));
        out.push((
            Method::PATCH,
            base.clone(),
            Some(json!({"displayName": "stolen"})),
        ));
        out.push((Method::DELETE, base.clone(), None));
        out.push((Method::GET, format!("{base}/requests"), None));
        out.push((
            Method::POST,
            format!("{base}/requests"),
            Some(json!({"action": "lockForApproval"})),
        ));
        out.push((
            Method::POST,
            format!("{base}/requests"),
            Some(json!({"action": "terminate"})),
        ));
        out.push((Method::GET, format!("{base}/accessAssignments"), None));
        out.push((Method::POST, format!("{base}/accessAssignments"), Some(json!({
            "accessContainer": {"accessContainerId": HELPDESK_AGENTS, "accessContainerType": "securityGroup"},
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]}}))));
        out.push((Method::GET, format!("{base}/operations"), None));
        out.push((Method::GET, format!("{base}/operations/{fake}"), None));
        for r in requests {
            out.push((Method::GET, format!("{base}/requests/{r}"), None));
        }
        for a in assignments {
            out.push((Method::GET, format!("{base}/accessAssignments/{a}"), None));
            out.push((
                Method::PATCH,
                format!("{base}/accessAssignments/{a}"),
                Some(json!({
                "accessDetails": {"unifiedRoles": [{"roleDefinitionId": USER_ADMIN}]}})),
            ));
            out.push((
                Method::DELETE,
                format!("{base}/accessAssignments/{a}"),
                None,
            ));
        }
        out.push((
            Method::GET,
            format!("{v}/tenantRelationships/delegatedAdminRelationships?$filter=id eq '{id}'"),
            None,
        ));
        out.push((
            Method::GET,
            format!("{v}/tenantRelationships/delegatedAdminCustomers/{customer}"),
            None,
        ));
        out.push((Method::GET, format!("{v}/tenantRelationships/delegatedAdminCustomers/{customer}/serviceManagementDetails"), None));
    }
    for path in [
        format!("/admincenter/v1/gdapInvitations/{id}"),
        format!("/AdminCenter/v1/GdapInvitations/{id}"),
    ] {
        out.push((Method::GET, path.clone(), None));
        out.push((Method::POST, format!("{path}/approve"), None));
    }
    out.push((
        Method::POST,
        format!("/admincenter/v1/partners/{partner}/removeRoles"),
        None,
    ));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_cross_tenant_requests_find_no_leak() {
    let app = Arc::new(spawn_app().await);
    let p1 = app.partner().await;
    let p2 = app.partner_two().await;
    let (a_admin, b_admin) = (app.customer_a_admin().await, app.customer_b_admin().await);
    let one = objects_of(&app, &p1, CUSTOMER_A, &a_admin, 15, "One").await;
    let two = objects_of(&app, &p2, CUSTOMER_B, &b_admin, 15, "Two").await;
    // Every principal that is not the owner (nor, for partner-side objects, anyone else).
    let callers: Vec<(&str, String)> = vec![
        ("partner one", p1.clone()),
        (
            "partner one reader",
            app.app_token(
                PARTNER,
                "11111111-cccc-4ccc-8ccc-000000000002",
                "reader-secret",
            )
            .await,
        ),
        ("partner two", p2.clone()),
        ("customer a admin", app.customer_a_admin().await),
        ("customer b admin", app.customer_b_admin().await),
        (
            "customer a app",
            app.app_token(
                CUSTOMER_A,
                "33333333-cccc-4ccc-8ccc-000000000001",
                "customer-secret",
            )
            .await,
        ),
        (
            "customer a user",
            app.user_token(
                "user@customera.onmicrosoft.com",
                "User-Pass-1",
                "https://graph.microsoft.com/.default",
            )
            .await,
        ),
    ];
    // Snapshot of what each owner sees before.
    let before = |token: String| {
        let app = app.clone();
        async move {
            app.get(&format!("{RELS}?$top=300"), &token).await.body["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r["id"].as_str().unwrap().to_owned(),
                        r["@odata.etag"].as_str().unwrap().to_owned(),
                    )
                })
                .collect::<BTreeMap<String, String>>()
        }
    };
    let (seen1, seen2) = (before(p1.clone()).await, before(p2.clone()).await);

    // The owner of each object: partner one owns `one` (customer A), partner two owns `two` (customer B).
    let mut matrix: Vec<Probe> = Vec::new();
    for (owned, partner, customer_caller, foreign_names) in [
        (&one, PARTNER, "customer a", ["One "]),
        (&two, PARTNER_TWO, "customer b", ["Two "]),
    ] {
        for (id, customer, requests, assignments) in &owned.relationships {
            for (name, token) in &callers {
                let is_owner = (partner == PARTNER && name.starts_with("partner one"))
                    || (partner == PARTNER_TWO && name.starts_with("partner two"));
                // The relationship's own customer may see its invitation; skip that pair.
                let is_customer = name.starts_with(customer_caller);
                if is_owner {
                    continue;
                }
                for (m, path, body) in
                    requests_against(id, customer, partner, requests, assignments)
                {
                    if is_customer && (path.to_lowercase().starts_with("/admincenter")) {
                        continue;
                    }
                    // The id is the caller's own input (errors may echo it); the owner's names are not.
                    let needles: Vec<String> = foreign_names
                        .iter()
                        .map(|s| format!("\"displayName\":\"{s}"))
                        .collect();
                    matrix.push((token.clone(), m, path, body, needles));
                }
            }
        }
    }
    // The check API: tenants asking about who acts where they have no business.
    for (token_name, token) in &callers {
        let about_other =
            ["customer b admin"].contains(token_name) || token_name.starts_with("partner two");
        if !about_other {
            continue;
        }
        for u in [
            "tech@partnerone.onmicrosoft.com",
            "agent@partnerone.onmicrosoft.com",
        ] {
            for a in [
                "microsoft.directory/users/password/update",
                "microsoft.directory/users/create",
            ] {
                for _ in 0..5 {
                    matrix.push((
                        token.clone(),
                        Method::POST,
                        "/authz/v1/check".into(),
                        Some(json!({"userPrincipalName": u, "tenantId": CUSTOMER_A, "action": a})),
                        vec!["path".into()],
                    ));
                }
            }
        }
    }
    // The directory: every caller against the users of the other tenants.
    let users = [
        ("agent@partnerone.onmicrosoft.com", "partner one"),
        ("tech@partnerone.onmicrosoft.com", "partner one"),
        ("ga@customera.onmicrosoft.com", "customer a"),
        ("user@customera.onmicrosoft.com", "customer a"),
        ("ga@customerb.onmicrosoft.com", "customer b"),
    ];
    for (name, token) in &callers {
        for (upn, owner) in users {
            if name.starts_with(owner) {
                continue;
            }
            for v in ["/v1.0", "/beta"] {
                let needles = vec![format!("\"userPrincipalName\":\"{upn}\"")];
                matrix.push((
                    token.clone(),
                    Method::GET,
                    format!("{v}/users/{upn}"),
                    None,
                    needles.clone(),
                ));
                matrix.push((
                    token.clone(),
                    Method::PATCH,
                    format!("{v}/users/{upn}"),
                    Some(json!({"displayName": "stolen"})),
                    needles.clone(),
                ));
                matrix.push((
                    token.clone(),
                    Method::PATCH,
                    format!("{v}/users/{upn}"),
                    Some(json!({"passwordProfile": {"password": "Stolen-Pass-1"}})),
                    needles.clone(),
                ));
            }
        }
    }
    // Partner One's security groups: read, deleted, or joined by anyone else.
    for (name, token) in &callers {
        if name.starts_with("partner one") {
            continue;
        }
        for group in [ADMIN_AGENTS, HELPDESK_AGENTS] {
            for v in ["/v1.0", "/beta"] {
                let needles = vec![format!("\"id\":\"{group}\"")];
                matrix.push((
                    token.clone(),
                    Method::GET,
                    format!("{v}/groups/{group}"),
                    None,
                    needles.clone(),
                ));
                matrix.push((
                    token.clone(),
                    Method::GET,
                    format!("{v}/groups/{group}/members"),
                    None,
                    needles.clone(),
                ));
                matrix.push((
                    token.clone(),
                    Method::DELETE,
                    format!("{v}/groups/{group}"),
                    None,
                    needles.clone(),
                ));
                matrix.push((
                    token.clone(),
                    Method::POST,
                    format!("{v}/groups/{group}/members/$ref"),
                    Some(json!({"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/33333333-0000-4000-8000-000000000002"})),
                    needles.clone(),
                ));
            }
        }
    }
    assert!(matrix.len() >= 10_000, "only {} requests", matrix.len());

    let total = matrix.len();
    let chunks: Vec<Vec<_>> = matrix.chunks(total / 8 + 1).map(<[_]>::to_vec).collect();
    let mut tasks = Vec::new();
    for chunk in chunks {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let mut leaks = Vec::new();
            for (token, m, path, body, needles) in chunk {
                let etag = [("If-Match", "W/\"*\"")];
                let headers: &[(&str, &str)] = if m == Method::PATCH || m == Method::DELETE {
                    &etag
                } else {
                    &[]
                };
                let r = app
                    .send(m.clone(), &path, Some(&token), body, headers)
                    .await;
                // Only a listing may succeed, and then it must list nothing of another tenant.
                let ok = r.status.is_client_error()
                    || (path.contains("$filter=")
                        && r.status == StatusCode::OK
                        && r.body["value"].as_array().is_some_and(Vec::is_empty));
                let leaked = needles.iter().any(|n| r.text.contains(n.as_str()));
                if !ok || leaked {
                    leaks.push(format!(
                        "{m} {path} → {} {}",
                        r.status,
                        r.text.chars().take(200).collect::<String>()
                    ));
                }
            }
            leaks
        }));
    }
    let mut leaks = Vec::new();
    for t in tasks {
        leaks.extend(t.await.unwrap());
    }
    assert!(
        leaks.is_empty(),
        "{} of {total} cross-tenant requests leaked, e.g.:\n{}",
        leaks.len(),
        leaks
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Nothing changed for either owner, Partner One's groups included.
    let partner_admin = app
        .user_token(
            "admin@partnerone.onmicrosoft.com",
            "Admin-Pass-1",
            "https://graph.microsoft.com/.default",
        )
        .await;
    for group in [ADMIN_AGENTS, HELPDESK_AGENTS] {
        let members = app
            .get(&format!("/v1.0/groups/{group}/members"), &partner_admin)
            .await;
        assert_eq!(members.status, StatusCode::OK, "{}", members.text);
        assert_eq!(members.body["value"].as_array().unwrap().len(), 1);
    }
    assert_eq!(before(p1).await, seen1);
    assert_eq!(before(p2).await, seen2);
    println!("{total} cross-tenant requests, no leak");
}
