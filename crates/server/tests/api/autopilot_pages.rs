//! The customer's and the partner's Autopilot pages, as a browser uses them (without one): the
//! partner portal's CSV upload with its per-row results, and an OEM's invitation accepted on the
//! customer's "Accept partner invitation" page, with the consent and devices the customer sees.

use gdap_domain::customer::{LinkType, PartnerLink};
use reqwest::Method;
use serde_json::json;

use crate::autopilot::{agent, batch, hash, pkid, send, tie_reseller};
use crate::helpers::*;

/// A device list as `Get-WindowsAutoPilotInfo.ps1 -Partner` writes it.
pub fn device_csv(rows: &[[&str; 5]]) -> String {
    let mut csv = String::from(
        "Device Serial Number,Windows Product ID,Hardware Hash,Manufacturer name,Device model\r\n",
    );
    for r in rows {
        csv.push_str(&r.join(","));
        csv.push_str("\r\n");
    }
    csv
}

#[tokio::test]
async fn an_indirect_reseller_uploads_a_device_list_and_reads_each_rows_result() {
    use crate::visitor::Visitor;
    let app = spawn_app().await;
    app.tie(vec![
        PartnerLink {
            other_types: vec![LinkType::IndirectReseller],
            ..partner_link(CUSTOMER_A, PARTNER)
        },
        tie_reseller(CUSTOMER_B, PARTNER),
    ])
    .await;
    // A device of another tenant, to meet 808 in the list.
    batch(
        &app,
        &agent(&app).await,
        CUSTOMER_B,
        "b",
        json!([{ "productKey": pkid(80) }]),
    )
    .await;
    let mut v = Visitor::new(&app);
    v.sign_in("agent@partnerone.onmicrosoft.com", "Agent-Pass-1")
        .await;
    let page = v.get("/partner/customers").await;
    assert!(
        page.body
            .contains(&format!("/partner/customers/{CUSTOMER_A}/devices")),
        "{}",
        page.body
    );
    let devices = format!("/partner/customers/{CUSTOMER_A}/devices");
    let page = v.get(&devices).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    let csrf = Visitor::csrf_of(&page);
    let h = hash(81);
    let p80 = pkid(80);
    let p82 = pkid(82);
    let csv = device_csv(&[
        ["SN-1", "", "", "Microsoft Corporation", "Surface Laptop"],
        ["", &p80, "", "", ""],
        ["SN-3", "", &h, "", ""],
        ["SN-4", "", &h[..200], "", ""],
        ["", &p82, "", "", ""],
    ]);
    let up = v
        .post_file(
            &devices,
            &[("csrf", &csrf), ("name", "Spring order")],
            ("file", "AutoPilotHWID.csv", csv.as_bytes()),
        )
        .await;
    assert_eq!(up.status, 303, "{}", up.body);
    let results = v.get(up.location.as_deref().unwrap()).await;
    assert_eq!(results.status, 200, "{}", results.body);
    assert!(
        results
            .body
            .contains("3 devices were registered. 2 could not be registered."),
        "{}",
        results.body
    );
    assert!(
        results.body.contains("data-code=\"808\""),
        "{}",
        results.body
    );
    assert!(
        results.body.contains("data-code=\"802\""),
        "{}",
        results.body
    );
    assert!(results.body.contains("registered to another organization"));
    // The list is there, by name, with its devices.
    let page = v.get(&devices).await;
    assert!(
        page.body.contains("data-list=\"Spring order\""),
        "{}",
        page.body
    );
    let list = v.get(&format!("{devices}/lists/Spring%20order")).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(
        list.body.matches("data-device=").count(),
        3,
        "{}",
        list.body
    );
    // A file that is not a device list is refused whole, with the reason; nothing is registered.
    let bad = v
        .post_file(
            &devices,
            &[("csrf", &csrf), ("name", "Bad")],
            ("file", "x.csv", b"Serial,Hash\r\nA,B\r\n"),
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(
        bad.body.contains("The first line is not the header"),
        "{}",
        bad.body
    );
    let short = v
        .post_file(
            &devices,
            &[("csrf", &csrf), ("name", "Short")],
            (
                "file",
                "x.csv",
                device_csv(&[["SN-9", "", ""]].map(|r| [r[0], r[1], r[2], "", ""]))
                    .replace(",,\r\n", "\r\n")
                    .as_bytes(),
            ),
        )
        .await;
    assert_eq!(short.status, 400, "{}", short.body);
    assert!(
        short.body.contains("Line 2 has 3 columns"),
        "{}",
        short.body
    );
    // The same name again, and a form without its CSRF token.
    let again = v
        .post_file(
            &devices,
            &[("csrf", &csrf), ("name", "Spring order")],
            (
                "file",
                "x.csv",
                device_csv(&[["", &pkid(83), "", "", ""]]).as_bytes(),
            ),
        )
        .await;
    assert_eq!(again.status, 409, "{}", again.body);
    let forged = v
        .post_file(
            &devices,
            &[("name", "Forged")],
            ("file", "x.csv", csv.as_bytes()),
        )
        .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    // Without consent in B… Partner One resells to B, so use Partner Two, which has none.
    let mut two = Visitor::new(&app);
    two.sign_in("admin@partnertwo.onmicrosoft.com", "Admin-Two-1")
        .await;
    let refused = two.get(&devices).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
}

const OEM: &str = "66666666-6666-4666-8666-666666666666";

#[tokio::test]
async fn an_oem_is_accepted_through_its_own_link_validates_consent_registers_and_is_not_removable_by_the_customer(
) {
    use crate::visitor::Visitor;
    let app = spawn_app().await;
    let oem = app
        .user_token("oem@contosodevices.onmicrosoft.com", "Oem-Pass-1", PC_SCOPE)
        .await;
    let validate = |token: String| {
        let app = &app;
        async move {
            send(app, Method::POST, &format!("/v1/customers/{CUSTOMER_A}/deviceBatches/validate"), &token, Some(json!({ "devices": [{ "hardwareHash": hash(90) }, { "hardwareHash": &hash(91)[..100] }] }))).await
        }
    };
    let before = validate(oem.clone()).await;
    assert_eq!(before.status, 200, "{}", before.text);
    assert_eq!(before.body["consentGranted"], false, "{}", before.text);
    let r = send(
        &app,
        Method::POST,
        &format!("/v1/customers/{CUSTOMER_A}/deviceBatches"),
        &oem,
        Some(json!({ "batchId": "oem", "devices": [{ "hardwareHash": hash(90) }] })),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text);

    // The OEM's link, opened by someone who is not a Global Administrator: the permission message.
    let link = gdap_app::autopilot::oem::invitation_url(
        &app.base,
        gdap_domain::ids::TenantId::parse(OEM).unwrap(),
    );
    let path = link
        .strip_prefix(&app.base)
        .unwrap()
        .split('#')
        .next()
        .unwrap()
        .to_owned();
    let mut user = Visitor::new(&app);
    user.sign_in("user@customera.onmicrosoft.com", "User-Pass-1")
        .await;
    let refused = user.get(&path).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("sign in with a Global Administrator account"),
        "{}",
        refused.body
    );
    // The Global Administrator: Accept partner invitation, Yes, Accept.
    let mut ga = Visitor::new(&app);
    ga.sign_in("ga@customera.onmicrosoft.com", "Ga-Pass-1")
        .await;
    let page = ga.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    // Customer A's Global Administrator reads Japanese.
    assert!(
        page.body.contains("パートナーの招待を受け入れる") && page.body.contains("Contoso Devices"),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains("委任された管理者のアクセス許可は付与されません"));
    let csrf = Visitor::csrf_of(&page);
    let without_yes = ga
        .post(
            "/adminportal/home",
            &[
                ("csrf", &csrf),
                ("invType", "OemRelationship"),
                ("partnerId", OEM),
            ],
        )
        .await;
    assert_eq!(without_yes.status, 400, "{}", without_yes.body);
    let done = ga
        .post(
            "/adminportal/home",
            &[
                ("csrf", &csrf),
                ("invType", "OemRelationship"),
                ("partnerId", OEM),
                ("yes", "yes"),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("招待を受け入れました"), "{}", done.body);
    // A link naming a tenant that is no OEM is not an invitation.
    let fake = ga
        .get(&format!(
            "/Adminportal/Home?invType=OemRelationship&partnerId={PARTNER_TWO}"
        ))
        .await;
    assert_eq!(fake.status, 404, "{}", fake.body);

    // Consent is there at once: the check passes, devices land, profiles stay out of reach.
    let after = validate(oem.clone()).await;
    assert_eq!(after.body["consentGranted"], true, "{}", after.text);
    assert_eq!(after.body["devicesStatus"][0]["status"], "valid");
    assert_eq!(after.body["devicesStatus"][1]["errorCode"], "802");
    let job = batch(
        &app,
        &oem,
        CUSTOMER_A,
        "oem",
        json!([{ "hardwareHash": hash(90) }]),
    )
    .await;
    assert_eq!(job["status"], "finished", "{job}");
    let r = send(
        &app,
        Method::POST,
        &format!("/v1/customers/{CUSTOMER_A}/policies"),
        &oem,
        Some(json!({ "name": "x" })),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(
        r.body["description"].as_str().unwrap().contains("OEM"),
        "{}",
        r.text
    );

    // The customer sees the OEM, its consent, and the device it registered; it cannot remove it.
    let list = ga.get("/adminportal/settings/partners").await;
    let row_at = list
        .body
        .find(&format!("data-partner=\"{OEM}\""))
        .expect("the OEM is listed");
    let row = &list.body[row_at..row_at + list.body[row_at..].find("</tr>").unwrap()];
    assert!(row.contains("data-autopilot=\"true\""), "{row}");
    let detail = ga
        .get(&format!("/adminportal/settings/partners/{OEM}"))
        .await;
    assert!(
        detail.body.contains("OEM に依頼してください"),
        "{}",
        detail.body
    );
    assert!(!detail.body.contains("removeRoles"), "{}", detail.body);
    let devices = ga.get("/adminportal/devices/autopilot").await;
    assert_eq!(devices.status, 200, "{}", devices.body);
    assert!(
        devices.body.contains(&format!("data-added-by=\"{OEM}\"")),
        "{}",
        devices.body
    );
    assert!(devices.body.contains("Contoso Devices"));

    // gdap's operators remove it; the OEM's next call is refused.
    let removed = gdap_app::autopilot::oem::remove(
        app.state.store.as_ref(),
        gdap_domain::ids::TenantId::parse(CUSTOMER_A).unwrap(),
        gdap_domain::ids::TenantId::parse(OEM).unwrap(),
        time::OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    assert!(removed);
    let r = app
        .get(&format!("/v1/customers/{CUSTOMER_A}/deviceBatches"), &oem)
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
}
