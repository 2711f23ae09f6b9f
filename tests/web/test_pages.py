"""The customer's side in a real browser (headless Debian Chromium): the approval flow of the
provider manual in Japanese and English from the e-mail to 'Active', the pages for links that
cannot be approved, Remove roles, and hostile partner input. Buttons are clicked by their labels."""

import base64
import hashlib
import hmac
import struct
import time

from selenium.webdriver.common.by import By

from conftest import (EVIL_PARTNER, FABRIKAM, HELPDESK, NORTHWIND, PARTNER, TAILSPIN, approval_link)


def mail_for(inbox, to, relationship_id):
    return inbox.wait_for(lambda m: to in m["to"] and relationship_id in m["body"])[0]


def test_the_japanese_flow_runs_from_the_email_to_active(gdap, inbox, browser_factory):
    rid = gdap.invite(FABRIKAM, "Fabrikam support")
    mail = mail_for(inbox, "admin@fabrikam.onmicrosoft.com", rid)
    assert mail["subject"] == "【重要】【損保クラウド】サポートご提供のための権限承認URLのご送付"
    assert "本メール受信日含め90日間" in mail["body"]
    b = browser_factory("ja")
    b.open(approval_link(mail))
    assert b.h1() == "サインイン"
    b.shot("signin")
    b.sign_in("admin@fabrikam.onmicrosoft.com", "Fabrikam-Pass-1", "サインイン")
    assert b.h1() == "パートナーからの管理者リレーションシップの要求"
    body = b.text()
    for part in ("Contoso Partner", "Fabrikam support", "ヘルプデスク管理者 (Helpdesk Administrator)",
                 "ユーザー管理者 (User Administrator)", "730日", "このリンクの有効期限"):
        assert part in body, part
    b.shot("notice")
    b.click("次へ")
    assert b.h1() == "Microsoft 顧客契約の承諾"
    b.shot("agreement")
    b.click("承諾")  # without the check box: refused with a message
    assert "チェック ボックスをオンにしてください" in b.text()
    b.check("Microsoft 顧客契約の内容を確認し、同意します。")
    b.shot("agreement-checked")
    b.click("承諾")
    assert b.h1() == "パートナーに付与するロール"
    b.shot("roles")
    b.click("次へ")
    assert b.h1() == "パートナー ロールの承諾"
    b.shot("review")
    b.click("承諾")
    assert b.h1() == "パートナー関係を受け入れました"
    b.shot("accepted")
    b.click("閉じる")
    assert b.h1() == "パートナー関係"
    b.shot("relationships-progress")
    row = b.wait_status(PARTNER, "active")
    assert "アクティブ" in row.text and "リセラー" in row.text
    assert "GDAP アクセス権を持つパートナー" in row.text
    b.shot("relationships-active")
    # Both sides hear about it.
    inbox.wait_for(lambda m: "agent@contosopartner.onmicrosoft.com" in m["to"] and "approved" in m["subject"])
    # A link is single-use: opening it again says so.
    b.open(approval_link(mail))
    assert b.h1() == "このリクエストは承諾済みです"
    b.shot("reused-link")


def test_the_english_flow_skips_the_agreement_once_the_tenant_accepted_it(gdap, inbox, browser_factory):
    rid = gdap.invite(NORTHWIND, "Northwind support")
    mail = mail_for(inbox, "admin@northwind.onmicrosoft.com", rid)
    assert mail["subject"].startswith("[Important] [損保クラウド]")
    b = browser_factory("en")
    b.open(approval_link(mail))
    assert b.h1() == "Sign in"
    b.sign_in("admin@northwind.onmicrosoft.com", "Northwind-Pass-1", "Sign in")
    assert b.h1() == "Admin relationship request from a partner"
    b.shot("notice")
    b.click("Next")
    assert b.h1() == "Roles the partner gets"  # no agreement step for this tenant
    b.shot("roles")
    b.click("Next")
    assert b.h1() == "Approve partner roles"
    b.shot("review")
    b.click("Approve")
    assert b.h1() == "Partner relationship accepted"
    b.shot("accepted")
    b.click("Close")
    assert b.h1() == "Partner relationships"
    row = b.wait_status(PARTNER, "active")
    assert "Active" in row.text and "Reseller" in row.text and "Advisor (DAP)" in row.text
    b.shot("relationships-active")


def test_a_partner_with_dap_beside_gdap_shows_its_global_administrator(gdap, browser_factory):
    # Northwind has Contoso as reseller with DAP; a GDAP relationship with only Helpdesk
    # Administrator must not hide the Global Administrator that DAP gives.
    rid = gdap.invite(NORTHWIND, "Northwind helpdesk only", roles=(HELPDESK,))
    gdap.approve("admin@northwind.onmicrosoft.com", "Northwind-Pass-1", rid)
    gdap.advance("PT5S")
    b = browser_factory("en")
    b.open(gdap.base + "/adminportal/settings/partners")
    b.sign_in("admin@northwind.onmicrosoft.com", "Northwind-Pass-1", "Sign in")
    row = b.d.find_element(By.CSS_SELECTOR, f"tr[data-partner='{PARTNER}']").text
    assert "Helpdesk Administrator" in row
    assert "Global Administrator, Helpdesk Administrator (DAP)" in row
    assert "most privileged role" in row
    b.shot("dap-beside-gdap")


def test_remove_roles_asks_for_yes_and_ends_gdap_but_keeps_the_reseller(gdap, inbox, browser_factory):
    b = browser_factory("en")
    b.open(gdap.base + "/adminportal/settings/partners")
    b.sign_in("admin@northwind.onmicrosoft.com", "Northwind-Pass-1", "Sign in")
    b.wait_status(PARTNER, "active")
    b.click("Contoso Partner")
    b.shot("partner-detail")
    # Without JavaScript the link leads to a page of its own.
    detail = b.d.current_url
    b.open(detail + "/removeRoles")
    assert b.h1() == "Remove roles?"
    b.shot("confirm")
    b.click("No")
    assert b.h1() == "Contoso Partner"
    # With it, the same question in a dialog over the page.
    b.press("Remove roles")
    dialog = b.d.find_element(By.ID, "remove-roles")
    assert dialog.get_attribute("open") is not None
    b.shot("confirm-dialog")
    b.click("Yes")
    assert "Roles removed" in b.text()
    b.wait_text("Terminated")
    assert "The relationships have ended." in b.text()
    b.shot("removed")
    assert "Removed roles" in b.text()  # the action is on the record
    b.click("‹ Partner relationships")
    row = b.d.find_element(By.CSS_SELECTOR, f"tr[data-partner='{PARTNER}']")
    assert "Reseller" in row.text and "DAP" not in row.text
    b.click("Expired")
    assert "Northwind support" in b.d.find_element(By.TAG_NAME, "main").text or "Contoso Partner" in b.text()
    b.shot("expired-filter")
    inbox.wait_for(lambda m: "agent@contosopartner.onmicrosoft.com" in m["to"] and "removed the roles" in m["subject"])
    inbox.wait_for(lambda m: "admin@northwind.onmicrosoft.com" in m["to"] and "removed the roles" in m["subject"])


def test_a_user_without_an_admin_role_sees_which_role_is_needed(gdap, inbox, browser_factory):
    rid = gdap.invite(FABRIKAM, "Fabrikam second")
    mail = mail_for(inbox, "admin@fabrikam.onmicrosoft.com", rid)
    b = browser_factory("ja")
    b.open(approval_link(mail))
    b.sign_in("staff@fabrikam.onmicrosoft.com", "Staff-Pass-1", "サインイン")
    assert b.h1() == "アクセス許可が必要です"
    assert "グローバル管理者" in b.text()
    assert "Customer Delegated Admin Relationship Administrator" in b.text()
    b.shot("permission-required")


def test_a_link_for_another_tenant_says_so(gdap, inbox, browser_factory):
    rid = gdap.invite(FABRIKAM, "Fabrikam third")
    mail = mail_for(inbox, "admin@fabrikam.onmicrosoft.com", rid)
    b = browser_factory("en")
    b.open(approval_link(mail))
    b.sign_in("admin@tailspin.onmicrosoft.com", "Tailspin-Pass-1", "Sign in")
    assert b.h1() == "This link is for another organization"
    b.shot("foreign-link")


def test_hostile_partner_input_renders_as_text_everywhere(gdap, inbox, browser_factory):
    token = gdap.token(EVIL_PARTNER, "22222222-cccc-4ccc-8ccc-000000000001", "evil-secret")
    rid = gdap.invite(TAILSPIN, "<img src=x onerror=alert(2)>", token=token)
    mail = mail_for(inbox, "admin@tailspin.onmicrosoft.com", rid)
    assert "\n" not in mail["subject"] and "Bcc" not in "".join(mail["headers"].keys())
    assert "X-Injected" not in mail["headers"]
    b = browser_factory("en")
    b.open(approval_link(mail))
    b.sign_in("admin@tailspin.onmicrosoft.com", "Tailspin-Pass-1", "Sign in")
    assert "<script>alert('partner')</script>" in b.text()
    assert not b.d.find_elements(By.CSS_SELECTOR, "main script, main img")
    b.shot("hostile-notice")
    b.click("Next")
    b.click("Next")
    b.click("Approve")
    b.click("Close")
    b.wait_status(EVIL_PARTNER, "active")
    assert "<script>alert('partner')</script>" in b.text()
    assert not b.d.find_elements(By.CSS_SELECTOR, "main script, main img")
    b.shot("hostile-relationships")
    b.open(gdap.base + "/_gdap/mail")
    assert "<img src=x onerror=alert(1)>" in b.text()
    assert not b.d.find_elements(By.CSS_SELECTOR, "main script, main img")


def test_the_language_switcher_changes_every_word(gdap, browser_factory):
    b = browser_factory("ja")
    b.open(gdap.base + "/signin")
    assert b.h1() == "サインイン"
    select = b.d.find_element(By.ID, "lang-select")
    select.find_element(By.CSS_SELECTOR, "option[value='en']").click()
    b.click("変更")
    assert b.h1() == "Sign in"
    b.shot("switched-to-english")


def test_the_partner_portal_creates_a_relationship_and_shows_its_link_and_mail(gdap, inbox, browser_factory):
    b = browser_factory("en")
    b.open(gdap.base + "/partner")
    b.sign_in("agent@contosopartner.onmicrosoft.com", "Agent-Pass-1", "Sign in")
    b.click("New relationship")
    b.fill("Relationship name", "Portal made")
    b.fill("Customer", "tailspin.onmicrosoft.com")
    b.fill("Search roles", "helpdesk")
    b.click("Search")
    b.check("Helpdesk Administrator")
    b.fill("Also send the approval e-mail to (optional e-mail address)", "it-desk@tailspin.example")
    b.shot("new-form")
    b.click("Create")
    assert b.h1() == "Portal made"
    link = b.d.find_element(By.ID, "approval-link").get_attribute("value")
    assert "/adminportal/partners/invitation/granularAdminRelationships/" in link
    assert "【重要】【損保クラウド】" in b.text()
    b.shot("detail")
    inbox.wait_for(lambda m: "admin@tailspin.onmicrosoft.com" in m["to"] and link in m["body"])
    # The contact the partner gave gets it too, in the language chosen (English, the page's).
    extra = inbox.wait_for(lambda m: "it-desk@tailspin.example" in m["to"] and link in m["body"])[0]
    assert extra["subject"].startswith("[Important] [損保クラウド]")


def test_a_link_over_ninety_days_old_has_expired(gdap, inbox, browser_factory):
    rid = gdap.invite(FABRIKAM, "Fabrikam late")
    mail = mail_for(inbox, "admin@fabrikam.onmicrosoft.com", rid)
    gdap.advance("P91D")
    b = browser_factory("ja")
    b.open(approval_link(mail))
    b.sign_in("admin@fabrikam.onmicrosoft.com", "Fabrikam-Pass-1", "サインイン")
    assert b.h1() == "このリンクの有効期限が切れています"
    b.shot("expired-link")


def test_a_device_sign_in_is_confirmed_or_cancelled_on_the_page(gdap, browser_factory):
    cli = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
    for lang, (upn, password), answer, words in (
        ("ja", ("admin@fabrikam.onmicrosoft.com", "Fabrikam-Pass-1"), "続行",
         "デバイスで Microsoft Azure CLI アプリケーションにサインインしました。"),
        ("en", ("agent@contosopartner.onmicrosoft.com", "Agent-Pass-1"), "Cancel",
         "You cancelled the sign-in to Microsoft Azure CLI."),
    ):
        codes = gdap.http.post(f"{gdap.base}/organizations/oauth2/v2.0/devicecode", data={
            "client_id": cli, "scope": "https://graph.microsoft.com/.default offline_access"})
        assert codes.status_code == 200, codes.text
        codes = codes.json()
        b = browser_factory(lang)
        b.open(codes["verification_uri"])
        b.sign_in(upn, password, "サインイン" if lang == "ja" else "Sign in")
        assert b.h1() == ("コードの入力" if lang == "ja" else "Enter code")
        b.fill("コード" if lang == "ja" else "Code", codes["user_code"].lower())
        b.shot("enter-code")
        b.click("次へ" if lang == "ja" else "Next")
        assert b.h1() == ("Microsoft Azure CLI にサインインしようとしていますか?" if lang == "ja"
                          else "Are you trying to sign in to Microsoft Azure CLI?")
        b.shot("confirm")
        b.click(answer)
        assert words in b.text()
        b.shot("done")
        poll = gdap.http.post(f"{gdap.base}/organizations/oauth2/v2.0/token", data={
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": cli,
            "device_code": codes["device_code"]})
        if lang == "ja":
            assert poll.status_code == 200, poll.text
            assert "refresh_token" in poll.json()
        else:
            assert poll.json()["error"] == "authorization_declined", poll.text


def totp(secret, steps_from_now=0):
    """The six-digit code an authenticator app shows for `secret` (RFC 6238)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int(time.time()) // 30 + steps_from_now
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    at = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[at:at + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def test_a_partner_requiring_multifactor_sign_in_has_its_user_enrol_then_asks_for_codes(gdap, browser_factory):
    owner, password = "owner@contosopartner.onmicrosoft.com", "Owner-Pass-1"
    b = browser_factory("ja")
    b.open(gdap.base + "/partner/settings")
    b.sign_in(owner, password, "サインイン")
    b.check("パートナーのユーザーに多要素認証 (MFA) でのサインインを必須にする")
    b.shot("settings-require-mfa")
    b.click("保存")
    # Its own session, from before the requirement, signs in again: with enrolment of the second step.
    assert b.h1() == "サインイン"
    b.sign_in(owner, password, "サインイン")
    assert b.h1() == "多要素認証のセットアップ"
    secret = b.d.find_element(By.ID, "totp-secret").get_attribute("data-secret")
    b.shot("enrol")
    b.fill("コード", totp(secret))
    b.click("検証")
    assert "/partner" in b.d.current_url and b.h1() != "多要素認証のセットアップ"
    # The requirement off again (the other tests' partner users sign in with a password alone);
    # the owner, enrolled, is still asked for a code.
    b.open(gdap.base + "/partner/settings")
    b.check("パートナーのユーザーに多要素認証 (MFA) でのサインインを必須にする")
    b.click("保存")
    en = browser_factory("en")
    en.open(gdap.base + "/partner")
    en.sign_in(owner, password, "Sign in")
    assert en.h1() == "Enter code"
    assert "Enter the code displayed in your authenticator app." in en.text()
    en.shot("code")
    en.fill("Code", totp(secret, 5))
    en.click("Verify")
    assert "That code is wrong." in en.text()
    en.shot("wrong-code")
    en.fill("Code", totp(secret, 1))
    en.click("Verify")
    assert en.h1() != "Enter code"


def test_consent_is_asked_for_what_an_application_lacks_and_an_administrator_is_needed_for_the_rest(
        gdap, browser_factory):
    from urllib.parse import urlencode
    from selenium.webdriver.support.ui import WebDriverWait

    def authorize(scope):
        return gdap.base + "/contosopartner.onmicrosoft.com/oauth2/v2.0/authorize?" + urlencode({
            "client_id": "11111111-cccc-4ccc-8ccc-000000000002", "response_type": "code",
            "redirect_uri": "http://localhost:9", "scope": scope, "state": "s1",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256"})

    def back_at_the_application(b):
        WebDriverWait(b.d, 30).until(lambda d: d.current_url.startswith("http://localhost:9/"))
        return b.d.current_url

    # A user without an administrator role: the permission that needs one cannot be granted.
    en = browser_factory("en")
    en.open(authorize("openid User.Read.All"))
    en.sign_in("tech@contosopartner.onmicrosoft.com", "Tech-Pass-1", "Sign in")
    en.open(authorize("openid User.Read.All"))
    assert en.h1() == "Need admin approval"
    assert "Read all users' full profiles" in en.text()
    en.shot("admin-approval-needed")
    en.d.find_element(By.CSS_SELECTOR, "button[value=decline]").click()
    assert "error=access_denied" in back_at_the_application(en)
    # What users may grant, the user grants.
    en.open(authorize("openid profile User.Read"))
    assert en.h1() == "Permissions requested"
    assert "Sign in and read user profile" in en.text()
    en.shot("consent")
    en.d.find_element(By.CSS_SELECTOR, "button[value=accept]").click()
    assert "code=" in back_at_the_application(en)
    # An administrator, in Japanese, may consent for the whole organization.
    ja = browser_factory("ja")
    ja.open(authorize("openid User.Read.All"))
    ja.sign_in("apps@contosopartner.onmicrosoft.com", "Apps-Pass-1", "サインイン")
    ja.open(authorize("openid User.Read.All"))
    assert ja.h1() == "要求されているアクセス許可"
    assert "すべてのユーザーの完全なプロファイルの読み取り" in ja.text()
    ja.check("組織の代理として同意する")
    ja.shot("consent-for-the-organization")
    ja.d.find_element(By.CSS_SELECTOR, "button[value=accept]").click()
    assert "code=" in back_at_the_application(ja)
    # Now the user is not asked.
    en.open(authorize("openid User.Read.All"))
    assert "code=" in back_at_the_application(en)


def test_an_active_relationship_asks_for_security_groups_and_assigns_them(gdap, browser_factory):
    rid = gdap.invite(NORTHWIND, "Northwind groups", roles=(HELPDESK,))
    gdap.approve("admin@northwind.onmicrosoft.com", "Northwind-Pass-1", rid)
    gdap.advance("PT5S")
    for lang, (upn, password), assign in (
        ("en", ("agent@contosopartner.onmicrosoft.com", "Agent-Pass-1"), "Assign"),
        ("ja", ("apps@contosopartner.onmicrosoft.com", "Apps-Pass-1"), "割り当て"),
    ):
        b = browser_factory(lang)
        b.open(f"{gdap.base}/partner/relationships/{rid}")
        b.sign_in(upn, password, "Sign in" if lang == "en" else "サインイン")
        if lang == "en":
            assert b.d.find_elements(By.ID, "no-assignment")
            assert not b.d.find_elements(By.ID, "approval-link")
            b.shot("no-security-group")
            b.open(f"{gdap.base}/partner?attention=noAssignment")
            assert "Northwind groups" in b.text()
            assert b.d.find_elements(By.CSS_SELECTOR, "[data-attention=noAssignment]")
            b.shot("needs-attention")
            b.open(f"{gdap.base}/partner/relationships/{rid}")
            b.d.find_element(By.CSS_SELECTOR, "select#group option[value='11111111-aaaa-4aaa-8aaa-000000000001']").click()
            b.d.find_element(By.CSS_SELECTOR, f"input[name=role][value='{HELPDESK}']").click()
            b.click(assign)
            assert b.d.find_elements(By.CSS_SELECTOR, "tr[data-group] .status")
        else:
            gdap.advance("PT2S")
            b.open(f"{gdap.base}/partner/relationships/{rid}")
            assert b.d.find_elements(By.CSS_SELECTOR, "tr[data-group] .status[data-status=active]")
            assert not b.d.find_elements(By.ID, "no-assignment")
        b.shot("security-groups")

