//! Every kind of partner of Microsoft's page on partner relationships on the customer's Partner
//! relationships page: the list names a partner's kinds, its detail page says what each does and
//! which roles it carries, and Remove roles ends only DAP and GDAP.

use gdap_domain::customer::{LinkType, PartnerLink};
use gdap_domain::ids::TenantId;
use reqwest::Method;

use crate::helpers::*;
use crate::visitor::Visitor;

/// Ties Customer A to Partner One as every kind of partner but GDAP, then gives it a GDAP
/// relationship: all nine kinds.
async fn every_kind(app: &TestApp) {
    app.tie(vec![PartnerLink {
        reseller: true,
        dap: true,
        other_types: LinkType::DECLARED.to_vec(),
        ..partner_link(CUSTOMER_A, PARTNER)
    }])
    .await;
    let partner = app.partner().await;
    app.active_relationship(
        &partner,
        relationship_body("kinds", Some(CUSTOMER_A), &[HELPDESK], "P730D", None),
    )
    .await;
}

const JA_NAMES: [&str; 9] = [
    "リセラー",
    "アドバイザー (DAP)",
    "GDAP アクセス権を持つパートナー",
    "間接リセラー",
    "独立系ソフトウェア ベンダー",
    "基幹業務 (LOB) パートナー",
    "Microsoft Products &amp; Services Agreement (MPSA) パートナー",
    "オリジナル機器メーカー (OEM)",
    "パートナー",
];

#[tokio::test]
async fn the_list_names_all_nine_kinds_of_a_partner_in_order() {
    let app = spawn_app().await;
    every_kind(&app).await;
    let mut v = Visitor::new(&app);
    v.sign_in("ga@customera.onmicrosoft.com", "Ga-Pass-1").await;
    let list = v.get("/adminportal/settings/partners").await;
    assert_eq!(list.status, 200);
    let row_at = list
        .body
        .find(&format!("data-partner=\"{PARTNER}\""))
        .unwrap();
    let row = &list.body[row_at..row_at + list.body[row_at..].find("</tr>").unwrap()];
    let cell = row
        .split("data-label=\"種類\"")
        .nth(1)
        .expect("a kinds cell");
    let cell = &cell[..cell.find("</td>").unwrap()];
    // Listed as Japanese lists things, with 「、」.
    assert!(
        cell.contains("リセラー、アドバイザー (DAP)、GDAP"),
        "{cell}"
    );
    let mut at = 0;
    for name in JA_NAMES {
        let i = cell[at..]
            .find(name)
            .unwrap_or_else(|| panic!("{name} missing or out of order in {cell}"));
        at += i + name.len();
    }
}

#[tokio::test]
async fn the_detail_page_says_what_each_kind_does_and_which_roles_it_carries() {
    let app = spawn_app().await;
    every_kind(&app).await;
    let mut v = Visitor::new(&app);
    v.sign_in("ga@customera.onmicrosoft.com", "Ga-Pass-1").await;
    let page = v
        .get(&format!("/adminportal/settings/partners/{PARTNER}"))
        .await;
    assert_eq!(page.status, 200);
    let kinds: Vec<&str> = page
        .body
        .split("data-kind=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert_eq!(
        kinds,
        LinkType::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>()
    );
    let about = |kind: &str| {
        let at = page.body.find(&format!("data-kind=\"{kind}\"")).unwrap();
        let dd = &page.body[at..];
        dd[..dd.find("</dd>").unwrap()].to_owned()
    };
    assert!(about("advisor").contains("グローバル管理者、ヘルプデスク管理者 (DAP)"));
    assert!(about("gdap").contains("下記の各リレーションシップのロール"));
    assert!(
        about("oem").contains("Windows Autopilot")
            && about("oem").contains("ロールは割り当てられません")
    );
    assert!(about("lineOfBusiness").contains("割り当てには使用できません"));
    assert!(about("partner").contains("任意の Microsoft Entra ロール"));

    // The admin center's own API names the kinds the same way.
    let admin = app.customer_a_admin().await;
    let r = app
        .send(
            Method::GET,
            "/admincenter/v1/partners",
            Some(&admin),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let row = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["partnerTenantId"] == PARTNER)
        .unwrap()
        .clone();
    assert_eq!(row["types"].as_array().unwrap().len(), 9, "{row}");
}

#[tokio::test]
async fn remove_roles_ends_dap_and_gdap_and_keeps_every_other_kind() {
    let app = spawn_app().await;
    every_kind(&app).await;
    let admin = app.customer_a_admin().await;
    let r = app
        .send(
            Method::POST,
            &format!("/admincenter/v1/partners/{PARTNER}/removeroles"),
            Some(&admin),
            None,
            &[],
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    app.advance("PT5S").await;
    let links = app
        .state
        .store
        .partner_links(TenantId::parse(CUSTOMER_A).unwrap())
        .await
        .unwrap();
    let types = links[0].types();
    assert!(!types.contains(&LinkType::Advisor));
    assert!(types.contains(&LinkType::Reseller));
    assert_eq!(types.len(), 7, "{types:?}");
}
