//! Any node serves any request: writes, concurrency, crashes and authorization across nodes.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common;
use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relationship_created_on_one_node_is_locked_approved_and_seen_active_on_the_other() {
    let Some(db) = Database::fresh().await else {
        return;
    };
    let one = node(&db.url);
    let two = node(&db.url);
    let http = reqwest::Client::new();
    let t1 = partner_token(&http, &one.base).await;
    let created = create(&http, &one.base, &t1, "Two nodes").await;
    let id = created["id"].as_str().unwrap().to_owned();
    // A token issued by node one is accepted by node two.
    let lock = http
        .post(format!("{}{RELS}/{id}/requests", two.base))
        .bearer_auth(&t1)
        .json(&json!({"action": "lockForApproval"}))
        .send()
        .await
        .unwrap();
    assert_eq!(lock.status(), 201);
    let customer =
        customer_admin_token(&http, &two.base, "https://admin.microsoft.com/.default").await;
    accept_agreement(&http, &one.base, &customer).await;
    let approve = http
        .post(format!(
            "{}/admincenter/v1/gdapInvitations/{id}/approve",
            one.base
        ))
        .bearer_auth(&customer)
        .send()
        .await
        .unwrap();
    assert_eq!(approve.status(), 200);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let rel: Value = http
            .get(format!("{}{RELS}/{id}", two.base))
            .bearer_auth(&t1)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if rel["status"] == "active" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still {} on node two",
            rel["status"]
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop((one, two));
    db.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_patches_with_one_etag_over_two_nodes_let_exactly_one_win() {
    let Some(db) = Database::fresh().await else {
        return;
    };
    let one = node(&db.url);
    let two = node(&db.url);
    let http = reqwest::Client::new();
    let t = partner_token(&http, &one.base).await;
    let created = create(&http, &one.base, &t, "Race").await;
    let id = created["id"].as_str().unwrap().to_owned();
    let etag = created["@odata.etag"].as_str().unwrap().to_owned();
    let mut tasks = Vec::new();
    for n in 0..50 {
        let base = if n % 2 == 0 {
            one.base.clone()
        } else {
            two.base.clone()
        };
        let (http, t, id, etag) = (http.clone(), t.clone(), id.clone(), etag.clone());
        tasks.push(tokio::spawn(async move {
            http.patch(format!("{base}{RELS}/{id}"))
                .bearer_auth(t)
                .header("If-Match", etag)
                .json(&json!({"displayName": format!("Winner {n}")}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 412).count(),
        49,
        "{statuses:?}"
    );
    drop((one, two));
    db.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_while_creating_loses_no_acknowledged_relationship_and_carries_on_after_restart(
) {
    let Some(db) = Database::fresh().await else {
        return;
    };
    let mut one = node(&db.url);
    let http = reqwest::Client::new();
    let t = partner_token(&http, &one.base).await;
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut tasks = Vec::new();
    for w in 0..16 {
        let (http, t, base, acked) = (
            http.clone(),
            t.clone(),
            one.base.clone(),
            acknowledged.clone(),
        );
        tasks.push(tokio::spawn(async move {
            for n in 0..(5000 / 16) {
                let Ok(res) = http
                    .post(format!("{base}{RELS}"))
                    .bearer_auth(&t)
                    .json(&body(&format!("Kill {w}-{n}")))
                    .send()
                    .await
                else {
                    return;
                };
                if res.status() != 201 {
                    return;
                }
                let Ok(v) = res.json::<Value>().await else {
                    return;
                };
                acked
                    .lock()
                    .unwrap()
                    .push(v["id"].as_str().unwrap().to_owned());
            }
        }));
    }
    // Kill the node with SIGKILL while the clients are busy.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.lock().unwrap().len() < 500 {
        assert!(Instant::now() < deadline, "the node did not get going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    one.child.kill().unwrap();
    one.child.wait().unwrap();
    for task in tasks {
        task.await.unwrap();
    }
    let acked = acknowledged.lock().unwrap().clone();
    assert!(
        acked.len() < 4992,
        "the kill came too late to prove anything"
    );

    let again = node(&db.url);
    let t = partner_token(&http, &again.base).await;
    let mut stored = std::collections::HashSet::new();
    let mut url = format!(
        "{}{RELS}?$top=300&$filter=startswith(displayName,'Kill')",
        again.base
    );
    loop {
        let page: Value = http
            .get(&url)
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for r in page["value"].as_array().unwrap() {
            assert_eq!(r["status"], "created", "nothing half-written");
            assert_eq!(
                r["accessDetails"]["unifiedRoles"].as_array().unwrap().len(),
                1
            );
            stored.insert(r["id"].as_str().unwrap().to_owned());
        }
        match page["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    for id in &acked {
        assert!(
            stored.contains(id),
            "relationship {id} was acknowledged with 201 but is gone"
        );
    }
    let carry_on = http
        .post(format!("{}{RELS}", again.base))
        .bearer_auth(&t)
        .json(&body("After the restart"))
        .send()
        .await
        .unwrap();
    assert_eq!(carry_on.status(), 201);
    drop(again);
    drop(one);
    db.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_on_one_node_reaches_the_other_nodes_authorization_decisions_within_milliseconds()
{
    let Some(db) = Database::fresh().await else {
        return;
    };
    let one = node(&db.url);
    let two = node(&db.url);
    let http = reqwest::Client::new();
    let partner = partner_token(&http, &one.base).await;
    let customer =
        customer_admin_token(&http, &one.base, "https://admin.microsoft.com/.default").await;
    const SAMPLES: usize = 12;
    let mut ids = Vec::new();
    for n in 0..SAMPLES {
        ids.push(
            technician_relationship(&http, &one.base, &partner, &customer, &format!("Feed {n}"))
                .await,
        );
    }
    // The decision path on node two names the first relationship (by id) still in force.
    let path_on_two = || async {
        let v: Value = http
            .post(format!("{}/authz/v1/check", two.base))
            .bearer_auth(&customer)
            .json(
                &json!({"userPrincipalName": "tech@partnerone.onmicrosoft.com",
                          "tenantId": "33333333-3333-4333-8333-333333333333",
                          "action": "microsoft.directory/users/password/update"}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["path"]["relationshipId"].as_str().map(str::to_owned)
    };
    // Wait until every assignment is active and node two knows it.
    ids.sort();
    let deadline = Instant::now() + Duration::from_secs(20);
    while path_on_two().await.as_deref() != Some(ids[0].as_str()) {
        assert!(
            Instant::now() < deadline,
            "node two never allowed the technician"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut delays = Vec::new();
    for id in &ids[..SAMPLES - 1] {
        assert_eq!(path_on_two().await.as_deref(), Some(id.as_str()));
        let started = Instant::now();
        let r = http
            .post(format!("{}{RELS}/{id}/requests", one.base))
            .bearer_auth(&partner)
            .json(&json!({"action": "terminate"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        while path_on_two().await.as_deref() == Some(id.as_str()) {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "the termination never reached node two"
            );
        }
        delays.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    delays.sort_by(f64::total_cmp);
    println!(
        "propagation from node one's commit to node two's decisions over {} changes: p50 {:.1} ms, max {:.1} ms",
        delays.len(),
        delays[delays.len() / 2],
        delays[delays.len() - 1]
    );
    assert!(delays[delays.len() - 1] < 1000.0, "{delays:?}");
    drop((one, two));
    db.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_appointed_on_one_node_receives_the_next_invitation_sent_by_the_other() {
    let Some(db) = Database::fresh().await else {
        return;
    };
    let one = node(&db.url);
    let two = node(&db.url);
    let http = reqwest::Client::new();
    let partner = partner_token(&http, &two.base).await;
    // Creates and locks a relationship on node two; returns to whom its invitation went.
    let invite = |name: String| {
        let (http, base, partner) = (http.clone(), two.base.clone(), partner.clone());
        async move {
            let created = create(&http, &base, &partner, &name).await;
            let id = created["id"].as_str().unwrap().to_owned();
            let lock = http
                .post(format!("{base}{RELS}/{id}/requests"))
                .bearer_auth(&partner)
                .json(&json!({"action": "lockForApproval"}))
                .send()
                .await
                .unwrap();
            assert_eq!(lock.status(), 201);
            let outbox = common::outbox(&http, &base).await;
            let mut to: Vec<String> = outbox["value"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|m| m["relationshipId"] == id.as_str())
                .map(|m| m["to"].as_str().unwrap().to_owned())
                .collect();
            to.sort();
            to
        }
    };
    let new_admin = "user@customera.onmicrosoft.com".to_owned();
    // Node two learns the customer's approvers.
    assert!(!invite("Before".into()).await.contains(&new_admin));
    let ga = customer_admin_token(&http, &one.base, "https://graph.microsoft.com/.default").await;
    let grant = http
        .post(format!(
            "{}/v1.0/roleManagement/directory/roleAssignments",
            one.base
        ))
        .bearer_auth(&ga)
        .json(&json!({"roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10",
                      "principalId": "33333333-0000-4000-8000-000000000002", "directoryScopeId": "/"}))
        .send()
        .await
        .unwrap();
    assert_eq!(grant.status(), 201);
    // Node two hears of the appointment through the change feed, well before its cache would
    // have expired by itself.
    let started = Instant::now();
    let mut n = 0;
    while !invite(format!("After {n}")).await.contains(&new_admin) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "node two kept inviting the old approvers only"
        );
        n += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop((one, two));
    db.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_sent_to_one_node_right_after_a_change_on_the_other_starts_from_the_change() {
    let Some(db) = Database::fresh().await else {
        return;
    };
    let one = node(&db.url);
    let two = node(&db.url);
    let http = reqwest::Client::new();
    let t = partner_token(&http, &one.base).await;
    let rels = |base: &str| format!("{base}{RELS}");
    for n in 0..10 {
        // Node two writes it, so node two holds a copy of version one.
        let created = create(&http, &two.base, &t, &format!("Fresh {n}")).await;
        let id = created["id"].as_str().unwrap().to_owned();
        let etag = created["@odata.etag"].as_str().unwrap().to_owned();
        // Node one renames it; node two locks it at once, before it has likely heard of the rename.
        let renamed = http
            .patch(format!("{}/{id}", rels(&one.base)))
            .bearer_auth(&t)
            .header("If-Match", &etag)
            .json(&json!({"displayName": format!("Renamed {n}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(renamed.status(), 200);
        let renamed: Value = renamed.json().await.unwrap();
        // The lock names the version node one wrote: it must be judged against that one.
        let lock = http
            .post(format!("{}/{id}/requests", rels(&two.base)))
            .bearer_auth(&t)
            .header("If-Match", renamed["@odata.etag"].as_str().unwrap())
            .json(&json!({"action": "lockForApproval"}))
            .send()
            .await
            .unwrap();
        assert_eq!(lock.status(), 201, "{}", lock.text().await.unwrap());
        let stored: Value = http
            .get(format!("{}/{id}", rels(&one.base)))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            stored["displayName"],
            format!("Renamed {n}"),
            "the rename survives"
        );
        assert_eq!(stored["status"], "approvalPending");
        // A stale tag is still refused, whichever copy the node starts from.
        let stale = http
            .post(format!("{}/{id}/requests", rels(&two.base)))
            .bearer_auth(&t)
            .header("If-Match", &etag)
            .json(&json!({"action": "terminate"}))
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), 412);
    }
    drop((one, two));
    db.drop_now().await;
}
