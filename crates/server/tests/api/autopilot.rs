//! Windows Autopilot device deployment at Partner Center's paths, called over plain HTTP as
//! Microsoft's samples call it: a batch, its job status, its devices page by page, a profile
//! assigned, a device deleted; every per-device error code from a real conflicting input; and
//! the consent and roles that decide which partner may manage which device.

use base64::Engine;
use gdap_domain::customer::{LinkType, PartnerLink};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

/// A 4K hardware hash (base64 of 4,000 bytes) unique to `seed`.
pub fn hash(seed: u32) -> String {
    let bytes: Vec<u8> = (0..4000_u32)
        .map(|i| {
            (i.wrapping_mul(31)
                .wrapping_add(seed.wrapping_mul(2_654_435_761))
                >> 3) as u8
        })
        .chain(seed.to_le_bytes())
        .collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A 13-digit Windows Product ID unique to `n`.
pub fn pkid(n: u64) -> String {
    format!("{:013}", 3_000_000_000_000 + n)
}

/// Makes `upn` a member of its tenant's group `group`, as the tenant's Global Administrator does
/// through Graph.
pub async fn join(app: &TestApp, admin: (&str, &str), group: &str, upn: &str) {
    let token = app.user_token(admin.0, admin.1, GRAPH_SCOPE).await;
    let groups = app.get("/v1.0/groups", &token).await;
    assert_eq!(groups.status, 200, "{}", groups.text);
    let id = groups.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["displayName"] == group)
        .unwrap_or_else(|| panic!("no {group} in {}", groups.text))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let user = app.get(&format!("/v1.0/users/{upn}"), &token).await;
    assert_eq!(user.status, 200, "{}", user.text);
    let r = app
        .post(
            &format!("/v1.0/groups/{id}/members/$ref"),
            &token,
            json!({ "@odata.id": format!("{}/v1.0/directoryObjects/{}", app.base, user.body["id"].as_str().unwrap()) }),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
}

/// Partner One's Admin Agent, for Partner Center.
pub async fn agent(app: &TestApp) -> String {
    app.user_token("agent@partnerone.onmicrosoft.com", "Agent-Pass-1", PC_SCOPE)
        .await
}

pub async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Res {
    app.send(method, path, Some(token), body, &[]).await
}

/// Posts a batch and returns its finished job (read at the `Location` the 202 names).
pub async fn batch(
    app: &TestApp,
    token: &str,
    customer: &str,
    name: &str,
    devices: Value,
) -> Value {
    let r = send(
        app,
        Method::POST,
        &format!("/v1/customers/{customer}/deviceBatches"),
        token,
        Some(json!({ "batchId": name, "devices": devices, "attributes": { "objectType": "DeviceBatchCreationRequest" } })),
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(r.header("content-length").as_deref(), Some("0"));
    let location = r.header("location").unwrap();
    assert!(
        location.starts_with(&format!("/customers/{customer}/batchJobStatus/")),
        "{location}"
    );
    let job = app.get(&format!("/v1{location}"), token).await;
    assert_eq!(job.status, 200, "{}", job.text);
    job.body
}

pub fn tie_reseller(customer: &str, partner: &str) -> PartnerLink {
    PartnerLink {
        reseller: true,
        ..partner_link(customer, partner)
    }
}

#[tokio::test]
async fn a_batch_is_registered_its_job_read_its_devices_paged_a_profile_assigned_and_a_device_deleted(
) {
    let app = spawn_app().await;
    app.tie(vec![tie_reseller(CUSTOMER_A, PARTNER)]).await;
    let token = agent(&app).await;
    // 250 devices: by product key, by hash and serial, and by the tuple.
    let mut devices: Vec<Value> = (0..200).map(|n| json!({ "productKey": pkid(n) })).collect();
    devices.extend(
        (0..25).map(|n| json!({ "hardwareHash": hash(n), "serialNumber": format!("HS-{n}") })),
    );
    devices.extend((0..25).map(|n| json!({ "serialNumber": format!("T-{n}"), "oemManufacturerName": "Microsoft Corporation", "modelName": "Surface Laptop 5" })));
    let job = batch(&app, &token, CUSTOMER_A, "Test batch", json!(devices)).await;
    assert_eq!(job["status"], "finished", "{job}");
    assert_eq!(job["attributes"]["objectType"], "BatchUploadDetails");
    let statuses = job["devicesStatus"].as_array().unwrap();
    assert_eq!(statuses.len(), 250);
    assert!(statuses
        .iter()
        .all(|d| d["status"] == "finished" && d["errorCode"].is_null()));

    let batches = app
        .get(&format!("/v1/customers/{CUSTOMER_A}/deviceBatches"), &token)
        .await;
    assert_eq!(batches.status, 200, "{}", batches.text);
    let b = &batches.body["items"][0];
    assert_eq!(
        (b["id"].as_str(), b["devicesCount"].as_u64()),
        (Some("Test batch"), Some(250))
    );
    assert_eq!(b["createdBy"], "Partner One");
    let devices_uri = b["devicesLink"]["uri"].as_str().unwrap().to_owned();
    assert_eq!(
        devices_uri,
        format!("/customers/{CUSTOMER_A}/deviceBatches/Test%20batch/devices")
    );

    // 100 a page, the next asked with the continuation token as a header.
    let path = format!("/v1/customers/{CUSTOMER_A}/deviceBatches/Test%20batch/devices");
    let mut seen = std::collections::BTreeSet::new();
    let mut token_header: Option<String> = None;
    let mut sizes = Vec::new();
    loop {
        let headers: Vec<(&str, &str)> = token_header
            .as_deref()
            .map(|t| vec![("MS-ContinuationToken", t)])
            .unwrap_or_default();
        let page = app
            .send(Method::GET, &path, Some(&token), None, &headers)
            .await;
        assert_eq!(page.status, 200, "{}", page.text);
        let items = page.body["items"].as_array().unwrap();
        sizes.push(items.len());
        for d in items {
            assert_eq!(d["attributes"]["objectType"], "Device");
            assert_eq!(d["allowedOperations"], json!(["GET", "PATCH", "DELETE"]));
            assert!(seen.insert(d["id"].as_str().unwrap().to_owned()));
        }
        match page.body["continuationToken"].as_str() {
            Some(t) => {
                assert_eq!(
                    page.body["links"]["next"]["headers"][0]["key"],
                    "MS-ContinuationToken"
                );
                token_header = Some(t.to_owned());
            }
            None => break,
        }
    }
    assert_eq!(sizes, [100, 100, 50]);
    let bad = app
        .send(
            Method::GET,
            &path,
            Some(&token),
            None,
            &[("MS-ContinuationToken", "not-a-token")],
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert_eq!(bad.body["errorName"], "BadRequest");

    // A profile, assigned to two devices.
    let policy = send(
        &app,
        Method::POST,
        &format!("/v1/customers/{CUSTOMER_A}/policies"),
        &token,
        Some(json!({ "name": "Kiosk", "description": "Front desk", "category": "o_o_b_e", "policySettings": ["skip_eula", "remove_oem_preinstalls", "oobe_user_not_local_admin"] })),
    )
    .await;
    assert_eq!(policy.status, 200, "{}", policy.text);
    assert_eq!(
        policy.body["attributes"]["objectType"],
        "ConfigurationPolicy"
    );
    assert_eq!(
        policy.body["policySettings"],
        json!([
            "remove_oem_preinstalls",
            "oobe_user_not_local_admin",
            "skip_eula"
        ])
    );
    let policy_id = policy.body["id"].as_str().unwrap().to_owned();
    let two: Vec<&String> = seen.iter().take(2).collect();
    let update = send(
        &app,
        Method::PATCH,
        &format!("/v1/customers/{CUSTOMER_A}/DevicePolicyUpdates"),
        &token,
        Some(json!({ "devices": two.iter().map(|id| json!({ "id": id, "policies": [{ "key": "o_o_b_e", "value": policy_id }] })).collect::<Vec<_>>() })),
    )
    .await;
    assert_eq!(update.status, 202, "{}", update.text);
    let job = app
        .get(
            &format!("/v1{}", update.header("location").unwrap()),
            &token,
        )
        .await;
    assert_eq!(job.body["status"], "finished", "{}", job.text);
    let read = app
        .get(
            &format!("/v1/customers/{CUSTOMER_A}/policies/{policy_id}"),
            &token,
        )
        .await;
    assert_eq!(read.body["devicesAssignedCount"], 2, "{}", read.text);
    let page = app.get(&path, &token).await;
    let assigned = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == *two[0])
        .unwrap()
        .clone();
    assert_eq!(
        assigned["policies"],
        json!([{ "key": "o_o_b_e", "value": policy_id }])
    );
    // A profile that is not the customer's is refused whole.
    let foreign = send(
        &app,
        Method::PATCH,
        &format!("/v1/customers/{CUSTOMER_A}/DevicePolicyUpdates"),
        &token,
        Some(json!({ "devices": [{ "id": two[0], "policies": [{ "key": "o_o_b_e", "value": uuid::Uuid::new_v4() }] }] })),
    )
    .await;
    assert_eq!(foreign.status, 400, "{}", foreign.text);

    // Delete a device: 204, then 404; the batch counts one fewer.
    let gone = format!("{path}/{}", two[1]);
    let del = send(&app, Method::DELETE, &gone, &token, None).await;
    assert_eq!(del.status, 204, "{}", del.text);
    let again = send(&app, Method::DELETE, &gone, &token, None).await;
    assert_eq!(again.status, 404, "{}", again.text);
    let batches = app
        .get(&format!("/v1/customers/{CUSTOMER_A}/deviceBatches"), &token)
        .await;
    assert_eq!(batches.body["items"][0]["devicesCount"], 249);
    // Deleting the profile takes it off its devices.
    let del = send(
        &app,
        Method::DELETE,
        &format!("/v1/customers/{CUSTOMER_A}/policies/{policy_id}"),
        &token,
        None,
    )
    .await;
    assert_eq!(del.status, 204, "{}", del.text);
    let list = app
        .get(&format!("/v1/customers/{CUSTOMER_A}/policies"), &token)
        .await;
    assert_eq!(list.body["totalCount"], 0, "{}", list.text);
}

#[tokio::test]
async fn every_per_device_error_code_comes_from_a_real_conflicting_input() {
    let app = spawn_app().await;
    app.tie(vec![
        tie_reseller(CUSTOMER_A, PARTNER),
        tie_reseller(CUSTOMER_B, PARTNER),
    ])
    .await;
    let token = agent(&app).await;
    let first = batch(
        &app,
        &token,
        CUSTOMER_A,
        "first",
        json!([{ "hardwareHash": hash(7), "productKey": pkid(7) }]),
    )
    .await;
    assert_eq!(first["status"], "finished", "{first}");
    let truncated = &hash(8)[..1000];
    let job = batch(
        &app,
        &token,
        CUSTOMER_B,
        "second",
        json!([
            { "hardwareHash": hash(7), "serialNumber": "SAME-HASH" },
            { "hardwareHash": truncated, "serialNumber": "TRUNCATED" },
            { "oemManufacturerName": "Contoso", "modelName": "Laptop 1" },
            { "serialNumber": "SERIAL-ONLY" },
            { "productKey": pkid(9) },
            { "productKey": pkid(9), "serialNumber": "" },
        ]),
    )
    .await;
    assert_eq!(job["status"], "finished_with_errors", "{job}");
    let codes: Vec<(Value, Value)> = job["devicesStatus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["errorCode"].clone(), d["errorDescription"].clone()))
        .collect();
    assert_eq!(
        codes,
        [
            (json!("808"), json!("ZtdDeviceAssignedToOtherTenant")),
            (json!("802"), json!("InvalidZtdHardwareHash")),
            (json!("803"), json!("MissingZtdSerialNumberAndProductKey")),
            (json!("801"), json!("InvalidZtdRequestBody")),
            (Value::Null, Value::Null),
            (json!("806"), json!("ZtdDeviceAlreadyAssigned")),
        ]
    );
    // The same device again in its own tenant: 806, by the product key this time.
    let again = batch(
        &app,
        &token,
        CUSTOMER_A,
        "third",
        json!([{ "productKey": pkid(7) }]),
    )
    .await;
    assert_eq!(again["devicesStatus"][0]["errorCode"], "806", "{again}");
    // Only the device that checked landed in B.
    let b = app
        .get(
            &format!("/v1/customers/{CUSTOMER_B}/deviceBatches/second/devices"),
            &token,
        )
        .await;
    assert_eq!(b.body["totalCount"], 1, "{}", b.text);
    // Bad requests are refused whole, in Partner Center's envelope.
    for (body, status) in [
        (json!({ "batchId": "x", "devices": [] }), 400),
        (json!({ "devices": [{ "productKey": pkid(1) }] }), 400),
        (
            json!({ "batchId": "first", "devices": [{ "productKey": pkid(2) }] }),
            409,
        ),
        (json!({ "batchId": "y", "devices": "nope" }), 400),
    ] {
        let r = send(
            &app,
            Method::POST,
            &format!("/v1/customers/{CUSTOMER_A}/deviceBatches"),
            &token,
            Some(body.clone()),
        )
        .await;
        assert_eq!(r.status, status, "{body}: {}", r.text);
        assert!(
            r.body["description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{}",
            r.text
        );
    }
    let missing = send(
        &app,
        Method::POST,
        &format!("/v1/customers/{CUSTOMER_A}/deviceBatches/nope/devices"),
        &token,
        Some(json!([{ "productKey": pkid(3) }])),
    )
    .await;
    assert_eq!(missing.status, 404, "{}", missing.text);
}

#[tokio::test]
async fn consent_and_agent_roles_decide_which_partner_manages_which_device() {
    let app = spawn_app().await;
    // Partner One resells to A; Partner Two holds only DAP in A, then becomes its reseller too.
    app.tie(vec![
        tie_reseller(CUSTOMER_A, PARTNER),
        PartnerLink {
            dap: true,
            ..partner_link(CUSTOMER_A, PARTNER_TWO)
        },
    ])
    .await;
    join(
        &app,
        ("admin@partnertwo.onmicrosoft.com", "Admin-Two-1"),
        "AdminAgents",
        "admin@partnertwo.onmicrosoft.com",
    )
    .await;
    join(
        &app,
        ("admin@partnerone.onmicrosoft.com", "Admin-Pass-1"),
        "SalesAgents",
        "tech@partnerone.onmicrosoft.com",
    )
    .await;
    let one = agent(&app).await;
    let two = app
        .user_token("admin@partnertwo.onmicrosoft.com", "Admin-Two-1", PC_SCOPE)
        .await;
    let sales = app
        .user_token("tech@partnerone.onmicrosoft.com", "Tech-Pass-1", PC_SCOPE)
        .await;
    let nobody = app
        .user_token("admin@partnerone.onmicrosoft.com", "Admin-Pass-1", PC_SCOPE)
        .await;
    let batches = format!("/v1/customers/{CUSTOMER_A}/deviceBatches");

    // DAP alone is no consent.
    let r = send(&app, Method::GET, &batches, &two, None).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(
        r.body["description"]
            .as_str()
            .unwrap()
            .contains("reseller relationship"),
        "{}",
        r.text
    );
    // Sales Agents add devices; they do not create profiles; a user in neither group does nothing.
    let job = batch(
        &app,
        &sales,
        CUSTOMER_A,
        "sales",
        json!([{ "productKey": pkid(1) }, { "productKey": pkid(2) }]),
    )
    .await;
    assert_eq!(job["status"], "finished", "{job}");
    let r = send(
        &app,
        Method::POST,
        &format!("/v1/customers/{CUSTOMER_A}/policies"),
        &sales,
        Some(json!({ "name": "x" })),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(
        r.body["description"]
            .as_str()
            .unwrap()
            .contains("Admin Agents"),
        "{}",
        r.text
    );
    let r = send(&app, Method::GET, &batches, &nobody, None).await;
    assert_eq!(r.status, 403, "{}", r.text);

    // Once Partner Two resells to A too, it manages what Partner One added.
    app.tie(vec![PartnerLink {
        reseller: true,
        dap: true,
        ..partner_link(CUSTOMER_A, PARTNER_TWO)
    }])
    .await;
    let devices = app.get(&format!("{batches}/sales/devices"), &two).await;
    assert_eq!(devices.status, 200, "{}", devices.text);
    let id = devices.body["items"][0]["id"].as_str().unwrap().to_owned();
    let del = send(
        &app,
        Method::DELETE,
        &format!("{batches}/sales/devices/{id}"),
        &two,
        None,
    )
    .await;
    assert_eq!(del.status, 204, "{}", del.text);

    // The customer's "Remove roles" ends DAP and keeps consent; the partner ending its reseller
    // relationship ends it.
    let admin = app.customer_a_admin().await;
    let removed = app
        .send(
            Method::POST,
            &format!("/admincenter/v1/partners/{PARTNER_TWO}/removeRoles"),
            Some(&admin),
            None,
            &[],
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.text);
    assert_eq!(app.get(&batches, &two).await.status, 200);
    let ended = app
        .send(
            Method::PATCH,
            &format!("/v1/customers/{CUSTOMER_A}"),
            Some(&two),
            Some(json!({ "relationshipToPartner": "none", "attributes": { "objectType": "Customer" } })),
            &[],
        )
        .await;
    assert_eq!(ended.status, 200, "{}", ended.text);
    let r = app.get(&batches, &two).await;
    assert_eq!(r.status, 403, "{}", r.text);
    // A customer that is no tenant is not found.
    let r = app
        .get(
            &format!("/v1/customers/{}/deviceBatches", uuid::Uuid::new_v4()),
            &one,
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
}

#[tokio::test]
async fn an_indirect_reseller_registers_only_by_upload_and_its_provider_by_the_api() {
    let app = spawn_app().await;
    let provider = "55555555-5555-4555-8555-555555555555";
    app.tie(vec![
        PartnerLink {
            other_types: vec![LinkType::IndirectReseller],
            ..partner_link(CUSTOMER_A, PARTNER)
        },
        PartnerLink {
            reseller: true,
            associated_partner: Some(gdap_domain::ids::TenantId::parse(PARTNER).unwrap()),
            ..partner_link(CUSTOMER_A, provider)
        },
    ])
    .await;
    let r = send(
        &app,
        Method::POST,
        &format!("/v1/customers/{CUSTOMER_A}/deviceBatches"),
        &agent(&app).await,
        Some(json!({ "batchId": "api", "devices": [{ "productKey": pkid(1) }] })),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(
        r.body["description"]
            .as_str()
            .unwrap()
            .contains("CSV upload"),
        "{}",
        r.text
    );
    join(
        &app,
        ("admin@indirectprovider.onmicrosoft.com", "Provider-Pass-1"),
        "AdminAgents",
        "admin@indirectprovider.onmicrosoft.com",
    )
    .await;
    let token = app
        .user_token(
            "admin@indirectprovider.onmicrosoft.com",
            "Provider-Pass-1",
            PC_SCOPE,
        )
        .await;
    let job = batch(
        &app,
        &token,
        CUSTOMER_A,
        "api",
        json!([{ "productKey": pkid(1) }]),
    )
    .await;
    assert_eq!(job["status"], "finished", "{job}");
}

#[tokio::test]
async fn a_device_the_customer_imports_itself_is_never_a_partners_to_manage() {
    let app = spawn_app().await;
    app.tie(vec![
        tie_reseller(CUSTOMER_A, PARTNER),
        tie_reseller(CUSTOMER_B, PARTNER),
    ])
    .await;
    let token = agent(&app).await;
    let ga = app.customer_a_admin_graph().await;
    let import = |hash: String| json!({ "serialNumber": "OWN-1", "hardwareIdentifier": hash });
    let own = app
        .post(
            "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities",
            &ga,
            import(hash(40)),
        )
        .await;
    assert_eq!(own.status, 201, "{}", own.text);
    assert_eq!(
        own.body["state"]["deviceImportStatus"], "complete",
        "{}",
        own.text
    );
    let own_id = own.body["state"]["deviceRegistrationId"]
        .as_str()
        .unwrap()
        .to_owned();
    // The same device again: Intune's import reports it as already assigned.
    let again = app
        .post(
            "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities",
            &ga,
            import(hash(40)),
        )
        .await;
    assert_eq!(
        again.body["state"]["deviceImportStatus"], "error",
        "{}",
        again.text
    );
    assert_eq!(again.body["state"]["deviceErrorCode"], 806);
    // A partner cannot register it for another tenant, nor assign it a profile, nor delete it.
    let job = batch(
        &app,
        &token,
        CUSTOMER_B,
        "theirs",
        json!([{ "hardwareHash": hash(40) }]),
    )
    .await;
    assert_eq!(job["devicesStatus"][0]["errorCode"], "808", "{job}");
    batch(
        &app,
        &token,
        CUSTOMER_A,
        "partner",
        json!([{ "productKey": pkid(40) }]),
    )
    .await;
    let policy = send(
        &app,
        Method::POST,
        &format!("/v1/customers/{CUSTOMER_A}/policies"),
        &token,
        Some(json!({ "name": "Std" })),
    )
    .await;
    let update = send(
        &app,
        Method::PATCH,
        &format!("/v1/customers/{CUSTOMER_A}/DevicePolicyUpdates"),
        &token,
        Some(json!({ "devices": [{ "id": own_id, "policies": [{ "key": "o_o_b_e", "value": policy.body["id"] }] }] })),
    )
    .await;
    assert_eq!(update.status, 202, "{}", update.text);
    let job = app
        .get(
            &format!("/v1{}", update.header("location").unwrap()),
            &token,
        )
        .await;
    assert_eq!(job.body["status"], "finished_with_errors", "{}", job.text);
    assert_eq!(
        job.body["devicesStatus"][0]["errorDescription"],
        "DeviceNotManagedByPartner"
    );
    let del = send(
        &app,
        Method::DELETE,
        &format!("/v1/customers/{CUSTOMER_A}/deviceBatches/partner/devices/{own_id}"),
        &token,
        None,
    )
    .await;
    assert_eq!(del.status, 404, "{}", del.text);
    // The customer sees both, its own and its partner's.
    let list = app
        .get(
            "/v1.0/deviceManagement/windowsAutopilotDeviceIdentities",
            &ga,
        )
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(
        list.body["value"].as_array().unwrap().len(),
        2,
        "{}",
        list.text
    );
    // A user without an Intune role imports nothing.
    let user = app
        .user_token("user@customera.onmicrosoft.com", "User-Pass-1", GRAPH_SCOPE)
        .await;
    let r = app
        .post(
            "/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities",
            &user,
            import(hash(41)),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
}

#[tokio::test]
async fn the_check_api_explains_autopilot_decisions_with_their_reason() {
    let app = spawn_app().await;
    app.tie(vec![tie_reseller(CUSTOMER_A, PARTNER)]).await;
    let admin = app
        .user_token(
            "admin@partnerone.onmicrosoft.com",
            "Admin-Pass-1",
            "https://admin.microsoft.com/.default",
        )
        .await;
    let job = batch(
        &app,
        &agent(&app).await,
        CUSTOMER_A,
        "b",
        json!([{ "productKey": pkid(5) }]),
    )
    .await;
    let device = job["devicesStatus"][0]["deviceId"]
        .as_str()
        .unwrap()
        .to_owned();
    let ga = app.customer_a_admin_graph().await;
    let own = app
        .post(
            "/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities",
            &ga,
            json!({ "productKey": pkid(6) }),
        )
        .await;
    let own = own.body["state"]["deviceRegistrationId"]
        .as_str()
        .unwrap()
        .to_owned();
    let ask = |body: Value| {
        let (app, admin) = (&app, &admin);
        async move {
            app.send(
                Method::POST,
                "/authz/v1/check",
                Some(admin),
                Some(body),
                &[],
            )
            .await
        }
    };
    let agent_upn = "agent@partnerone.onmicrosoft.com";
    let r = ask(json!({ "userPrincipalName": agent_upn, "tenantId": CUSTOMER_A, "action": "autopilot/devices/delete", "deviceId": device })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["decision"], "allow", "{}", r.text);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("reseller relationship"),
        "{}",
        r.text
    );
    let cases = [
        (
            json!({ "userPrincipalName": agent_upn, "tenantId": CUSTOMER_A, "action": "autopilot/devices/delete", "deviceId": own }),
            "autopilotCustomerDevice",
        ),
        (
            json!({ "userPrincipalName": "tech@partnerone.onmicrosoft.com", "tenantId": CUSTOMER_A, "action": "autopilot/devices/create" }),
            "autopilotRoleMissing",
        ),
        (
            json!({ "userPrincipalName": agent_upn, "tenantId": CUSTOMER_B, "action": "autopilot/devices/read" }),
            "autopilotNoConsent",
        ),
    ];
    for (body, reason) in cases {
        let r = ask(body.clone()).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            (r.body["decision"].as_str(), r.body["reason"].as_str()),
            (Some("deny"), Some(reason)),
            "{body}: {}",
            r.text
        );
        assert!(r.body["message"].as_str().is_some_and(|m| m.len() > 40));
    }
    // In a batch, beside an Entra action.
    let r = ask(json!({ "requests": [
        { "userPrincipalName": agent_upn, "tenantId": CUSTOMER_A, "action": "autopilot/profiles/update" },
        { "userPrincipalName": agent_upn, "tenantId": CUSTOMER_A, "action": "autopilot/devices/create", "channel": "csvUpload" },
    ] }))
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["value"][0]["decision"], "allow", "{}", r.text);
    assert_eq!(r.body["value"][1]["decision"], "allow", "{}", r.text);
    let r = ask(json!({ "userPrincipalName": agent_upn, "tenantId": CUSTOMER_A, "action": "autopilot/devices/read", "channel": "fax" })).await;
    assert_eq!(r.status, 400, "{}", r.text);
}
