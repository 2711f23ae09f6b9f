//! OData query options and server-driven paging.

use reqwest::StatusCode;

use crate::helpers::*;

async fn seeded(app: &TestApp, p: &str, n: usize) {
    for i in 0..n {
        let customer = if i % 2 == 0 { Some(CUSTOMER_A) } else { None };
        let r = app
            .create(
                p,
                relationship_body(&format!("Rel {i:03}"), customer, &[HELPDESK], "P30D", None),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        if i % 3 == 0 {
            app.lock(p, r.body["id"].as_str().unwrap()).await;
        }
    }
}

#[tokio::test]
async fn next_links_page_through_every_relationship_exactly_once() {
    let app = spawn_app().await;
    let p = app.partner().await;
    seeded(&app, &p, 23).await;
    let mut url = format!("{RELS}?$top=5&$count=true&$orderby=displayName desc");
    let mut names = Vec::new();
    loop {
        let r = app.get(&url, &p).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["@odata.count"], 23);
        assert!(r.body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#delegatedAdminRelationships"));
        names.extend(
            r.body["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["displayName"].as_str().unwrap().to_owned()),
        );
        match r.body["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(
                    next.starts_with(&app.base),
                    "next links are absolute: {next}"
                );
                url = next.to_owned();
            }
            None => break,
        }
    }
    let mut expected: Vec<String> = (0..23).map(|i| format!("Rel {i:03}")).collect();
    expected.reverse();
    assert_eq!(names, expected);
}

#[tokio::test]
async fn filters_select_by_status_customer_name_and_dates() {
    let app = spawn_app().await;
    let p = app.partner().await;
    seeded(&app, &p, 12).await;
    let count = |q: String| {
        let app = &app;
        let p = p.clone();
        async move {
            let r = app
                .get(&format!("{RELS}?$count=true&$filter={}", urlencode(&q)), &p)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text);
            r.body["@odata.count"].as_u64().unwrap()
        }
    };
    assert_eq!(count("status eq 'approvalPending'".into()).await, 4);
    assert_eq!(count("status ne 'approvalPending'".into()).await, 8);
    assert_eq!(
        count("status in ('created','approvalPending')".into()).await,
        12
    );
    assert_eq!(
        count(format!("customer/tenantId eq '{CUSTOMER_A}'")).await,
        6
    );
    assert_eq!(
        count(format!(
            "status eq 'approvalPending' and customer/tenantId eq '{CUSTOMER_A}'"
        ))
        .await,
        2
    );
    assert_eq!(
        count("displayName eq 'Rel 001' or displayName eq 'Rel 002'".into()).await,
        2
    );
    assert_eq!(count("startswith(displayName,'Rel 00')".into()).await, 10);
    assert_eq!(
        count("createdDateTime gt 2000-01-01T00:00:00Z".into()).await,
        12
    );
    assert_eq!(count("endDateTime lt 2000-01-01T00:00:00Z".into()).await, 0);
    let r = app
        .get(
            &format!("{RELS}?$filter={}", urlencode("status eq 'asleep'")),
            &p,
        )
        .await;
    r.assert_error(400, "not a valid relationship status");
}

#[tokio::test]
async fn select_returns_only_the_chosen_properties() {
    let app = spawn_app().await;
    let p = app.partner().await;
    let rel = app.create_default(&p, "Select").await;
    let r = app
        .get(&format!("{RELS}?$select=displayName,@odata.etag"), &p)
        .await;
    let item = r.body["value"][0].as_object().unwrap();
    let mut keys: Vec<_> = item.keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["@odata.etag", "@odata.type", "displayName"]);
    let one = app
        .get(
            &format!("{RELS}/{}?$select=status", rel["id"].as_str().unwrap()),
            &p,
        )
        .await;
    assert_eq!(one.body["status"], "created");
    assert!(one.body.get("displayName").is_none());
    app.get(&format!("{RELS}?$top=301"), &p)
        .await
        .assert_error(400, "1 to 300");
    app.get(&format!("{RELS}?$search=x"), &p)
        .await
        .assert_error(400, "not supported");
    let r = app
        .get(
            &format!(
                "{RELS}/{}/requests?$orderby=status",
                rel["id"].as_str().unwrap()
            ),
            &p,
        )
        .await;
    r.assert_error(400, "not supported");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
