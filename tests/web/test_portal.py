"""The partner portal finishing the job and the customer's ways out, in a real browser: a partner
creates and sends through the portal only, finds roles by their Japanese names, assigns two
security groups after the customer's approval, and `gdap check` then allows the technician; a
customer declines; a wrong account switches and lands back on the invitation; Back after
approving; the audit view in Japanese; every screen in both languages and on a phone."""

from selenium.webdriver.common.by import By

from conftest import HELPDESK, PARTNER, USER_ADMIN, approval_link

WOODGROVE = "66666666-6666-4666-8666-666666666666"
LITWARE = "77777777-7777-4777-8777-777777777777"
FOURTH_COFFEE = "cccccccc-cccc-4ccc-8ccc-cccccccccccc"
ADMIN_AGENTS = "11111111-aaaa-4aaa-8aaa-000000000001"
HELPDESK_AGENTS = "11111111-aaaa-4aaa-8aaa-000000000002"


def mail_for(inbox, to, relationship_id):
    return inbox.wait_for(lambda m: to in m["to"] and relationship_id in m["body"])[0]


def tick_role(b, role_id):
    """Ticks a role in the picker (the first offer of it on the page)."""
    boxes = [e for e in b.d.find_elements(By.CSS_SELECTOR, f"input[name=role][value='{role_id}']")
             if e.is_displayed()]
    assert boxes, f"{role_id} is not offered"
    if not boxes[0].is_selected():
        boxes[0].click()


def test_the_partner_finishes_the_job_in_the_portal_and_the_technician_is_allowed(gdap, inbox, browser_factory):
    p = browser_factory("ja")
    p.open(gdap.base + "/partner/relationships/new")
    p.sign_in("apps@contosopartner.onmicrosoft.com", "Apps-Pass-1", "サインイン")
    assert p.h1() == "新しいリレーションシップ"
    p.fill("リレーションシップ名", "Woodgrove 運用支援")
    p.fill("顧客", "woodgrove.onmicrosoft.com")
    # The role search finds a role by its Japanese name.
    p.fill("ロールを検索", "ヘルプデスク")
    p.click("検索")
    assert "ヘルプデスク管理者 (Helpdesk Administrator)" in p.text()
    assert "Exchange 管理者" not in p.text()
    assert p.d.find_element(By.ID, "name").get_attribute("value") == "Woodgrove 運用支援"
    p.shot("role-search")
    tick_role(p, HELPDESK)
    p.fill("ロールを検索", "ユーザー管理者")
    p.click("検索")
    tick_role(p, USER_ADMIN)
    p.fill("ロールを検索", "")
    p.click("検索")
    assert "選択したロール (2)" in p.text()
    p.shot("roles-chosen")
    p.click("作成")
    assert p.h1() == "Woodgrove 運用支援"
    rid = p.d.current_url.rsplit("/", 1)[1]
    assert p.d.find_elements(By.ID, "approval-link")
    p.shot("sent")

    # The customer approves from the e-mail, in Japanese.
    mail = mail_for(inbox, "admin@woodgrove.onmicrosoft.com", rid)
    c = browser_factory("ja")
    c.open(approval_link(mail))
    c.sign_in("admin@woodgrove.onmicrosoft.com", "Woodgrove-Pass-1", "サインイン")
    c.click("次へ")
    c.check("Microsoft 顧客契約の内容を確認し、同意します。")
    c.click("承諾")
    c.click("次へ")
    c.click("承諾")
    assert c.h1() == "パートナー関係を受け入れました"
    # Back after approving shows the accepted state, not the Approve button.
    c.d.back()
    c.wait_text("パートナー関係を受け入れました")
    assert c.h1() == "パートナー関係を受け入れました"
    assert not c.d.find_elements(By.XPATH, "//form[contains(@action, '/approve')]")
    c.shot("back-after-approving")
    gdap.advance("PT5S")

    # The partner assigns two groups to roles of the relationship, from the portal.
    p.open(f"{gdap.base}/partner/relationships/{rid}")
    p.wait_text("アクティブ")
    assert p.d.find_elements(By.ID, "no-assignment")
    assert not p.d.find_elements(By.ID, "approval-link")
    for group, role in ((HELPDESK_AGENTS, HELPDESK), (ADMIN_AGENTS, USER_ADMIN)):
        p.d.find_element(By.CSS_SELECTOR, f"select#group option[value='{group}']").click()
        p.d.find_element(By.CSS_SELECTOR, f"form.stack input[name=role][value='{role}']").click()
        p.click("割り当て")
    gdap.advance("PT3S")
    p.open(f"{gdap.base}/partner/relationships/{rid}")
    assert len(p.d.find_elements(By.CSS_SELECTOR, "tr[data-group] .status[data-status=active]")) == 2
    assert not p.d.find_elements(By.ID, "no-assignment")
    p.shot("two-groups-assigned")
    out = gdap.check("tech@contosopartner.onmicrosoft.com", "woodgrove.onmicrosoft.com",
                     "microsoft.directory/users/password/update")
    assert "allow" in out.lower(), out

    # The customer's audit view, in Japanese: a person's name, sentences, no API names.
    c.open(f"{gdap.base}/adminportal/settings/partners/{PARTNER}/audit")
    assert c.h1().startswith("監査ログ")
    text = c.text()
    assert "山田 花子" in text and "自動処理" in text
    assert "リレーションシップが有効になりました" in text
    for raw in ("delegatedAdmin", "success", "microsoft.directory"):
        assert raw not in text, raw
    c.shot("audit-ja")


def test_a_customer_declines_and_the_partner_is_told(gdap, inbox, browser_factory):
    rid = gdap.invite(LITWARE, "Litware support")
    mail = mail_for(inbox, "admin@litware.onmicrosoft.com", rid)
    c = browser_factory("en")
    c.open(approval_link(mail))
    c.sign_in("admin@litware.onmicrosoft.com", "Litware-Pass-1", "Sign in")
    c.click("Cancel")
    assert c.h1() == "Decline this invitation?"
    c.shot("decline-question")
    c.click("Decline invitation")
    assert c.h1() == "Invitation declined"
    c.shot("declined")
    c.open(approval_link(mail))
    assert c.h1() == "This invitation was declined"
    assert "admin@litware.onmicrosoft.com" in c.text()
    c.open(gdap.base + "/adminportal/settings/partners?filter=expired")
    assert c.d.find_elements(By.CSS_SELECTOR, "[data-status=declined]")
    c.shot("declined-in-list")
    inbox.wait_for(lambda m: "agent@contosopartner.onmicrosoft.com" in m["to"] and "declined" in m["subject"])
    p = browser_factory("en")
    p.open(f"{gdap.base}/partner/relationships/{rid}")
    p.sign_in("agent@contosopartner.onmicrosoft.com", "Agent-Pass-1", "Sign in")
    assert p.d.find_elements(By.CSS_SELECTOR, "[data-attention=declined]")
    assert not p.d.find_elements(By.ID, "approval-link")
    p.shot("partner-sees-declined")


def test_a_wrong_account_switches_and_lands_back_on_the_invitation(gdap, inbox, browser_factory):
    rid = gdap.invite(WOODGROVE, "Woodgrove second")
    mail = mail_for(inbox, "admin@woodgrove.onmicrosoft.com", rid)
    b = browser_factory("ja")
    b.open(approval_link(mail))
    b.sign_in("admin@litware.onmicrosoft.com", "Litware-Pass-1", "サインイン")
    assert b.h1() == "This link is for another organization"  # Litware's admin reads English
    b.shot("wrong-organization")
    b.click("Sign in with another account")
    assert "/signin" in b.d.current_url
    b.sign_in("admin@woodgrove.onmicrosoft.com", "Woodgrove-Pass-1", "サインイン")
    assert b.h1() == "パートナーからの管理者リレーションシップの要求"
    assert rid in b.d.current_url
    b.shot("back-on-the-invitation")


def test_every_screen_in_both_languages_and_on_a_phone_without_sideways_scroll(gdap, inbox, browser_factory):
    rid = gdap.invite(WOODGROVE, "Woodgrove screens")
    elsewhere = gdap.invite(LITWARE, "Litware screens")
    screens = {
        "customer": ("admin@woodgrove.onmicrosoft.com", "Woodgrove-Pass-1", [
            "/adminportal/settings/partners",
            "/adminportal/settings/partners?filter=expired",
            f"/adminportal/settings/partners/{PARTNER}",
            f"/adminportal/settings/partners/{PARTNER}/audit",
            f"/adminportal/settings/partners/{PARTNER}/removeRoles",
            f"/adminportal/partners/invitation/granularAdminRelationships/{rid}",
            f"/adminportal/partners/invitation/granularAdminRelationships/{rid}?step=roles",
            f"/adminportal/partners/invitation/granularAdminRelationships/{rid}?step=decline",
            f"/adminportal/partners/invitation/granularAdminRelationships/{elsewhere}",
            f"/Adminportal/Home?invType=ResellerRelationship&partnerId={PARTNER}&msppId=1000001&DAP=true",
            f"/Adminportal/Home?invType=IndirectResellerRelationship&partnerId={PARTNER}&msppId=1000001"
            f"&indirectCSPId={FOURTH_COFFEE}&DAP=true",
        ]),
        "partner": ("apps@contosopartner.onmicrosoft.com", "Apps-Pass-1", [
            "/partner",
            "/partner?attention=pendingApproval",
            "/partner/customers",
            "/partner/relationships/new",
            f"/partner/relationships/new?role=62e90394-69f5-4237-9190-012177145e10&q=global",
            f"/partner/relationships/{rid}",
            "/partner/settings",
        ]),
    }
    for lang in ("ja", "en"):
        for side, (upn, password, paths) in screens.items():
            for phone in (False, True):
                b = browser_factory(lang)
                if phone:
                    b.phone()
                b.open(gdap.base + "/signin")
                b.shot(f"{side}-signin-{'phone' if phone else 'desktop'}")
                b.sign_in(upn, password, "サインイン" if lang == "ja" else "Sign in")
                # The switcher sets the page language for the account, as a person would.
                b.d.find_element(By.CSS_SELECTOR, f"#lang-select option[value='{lang}']").click()
                b.click("変更" if b.d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja" else "Change")
                assert b.d.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
                for i, path in enumerate(paths):
                    b.open(gdap.base + path)
                    width = "phone" if phone else "desktop"
                    b.shot(f"{side}-{i}-{width}")
                    if phone:
                        assert b.sideways_scroll() <= 0, f"{path} scrolls sideways on a phone ({lang})"
