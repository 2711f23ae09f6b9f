"""Partner Center's face driven the way Microsoft's documented samples drive it (plain HTTP with an
App+User token), the customer's side in Chromium: the reseller relationship request, the customer's
"Accept agreement & authorize partner" with and without delegated admin privileges in Japanese and
English, the user without Global Administrator, the customer in the partner's list and on its
Customers page, DAP removed by PATCH and the technician's next directory call denied; and every kind
of partner on the customer's Partner relationships page."""

import uuid

import pytest
from selenium.webdriver.common.by import By

from conftest import PARTNER, TAILSPIN

PC = "https://api.partnercenter.microsoft.com/.default"
GRAPH = "https://graph.microsoft.com/.default"
ADATUM = "88888888-8888-4888-8888-888888888888"
ADVENTURE_WORKS = "99999999-9999-4999-8999-999999999999"
PROSEWARE = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
LAMNA = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"


class PartnerCenter:
    """Partner Center's REST API as its samples call it: a bearer token, a request id and a
    correlation id on every call, JSON in and out."""

    def __init__(self, gdap):
        r = gdap.user_token("apps@contosopartner.onmicrosoft.com", "Apps-Pass-1", PC)
        assert r.status_code == 200, r.text
        self.token = r.json()["access_token"]
        self.gdap = gdap
        self.correlation = str(uuid.uuid4())

    def call(self, method, path, body=None):
        request_id = str(uuid.uuid4())
        r = self.gdap.http.request(method, self.gdap.base + path, json=body, headers={
            "Authorization": f"Bearer {self.token}", "Accept": "application/json",
            "MS-RequestId": request_id, "MS-CorrelationId": self.correlation})
        assert r.headers.get("MS-RequestId") == request_id, r.headers
        assert r.headers.get("MS-CorrelationId") == self.correlation, r.headers
        return r

    def invitation_url(self, dap):
        r = self.call("GET", "/v1/customers/relationshiprequests")
        assert r.status_code == 200, r.text
        assert r.json()["attributes"]["objectType"] == "RelationshipRequest"
        url = r.json()["url"]
        assert url.startswith(self.gdap.base + "/Adminportal/Home?invType=ResellerRelationship")
        return url if dap else url.replace("&DAP=true", "")

    def customer(self, tenant):
        r = self.call("GET", f"/v1/customers/{tenant}")
        assert r.status_code == 200, r.text
        return r.json()

    def customers(self):
        r = self.call("GET", "/v1/customers?size=500")
        assert r.status_code == 200, r.text
        return {c["id"]: c for c in r.json()["items"]}


def technician_token(gdap, customer_domain):
    """The partner's technician (Admin Agents) signs in to the customer: the token response."""
    return gdap.user_token("agent@contosopartner.onmicrosoft.com", "Agent-Pass-1", GRAPH, customer_domain)


def directory_call(gdap, token):
    """The technician lists the customer's users; the status code."""
    r = gdap.http.get(gdap.base + "/v1.0/users", headers={"Authorization": f"Bearer {token}"})
    return r.status_code


def authorize(b, url, yes, accept):
    """Opens an invitation, ticks Yes and presses Accept."""
    b.open(url)
    b.check(yes)
    b.click(accept)


def test_a_partner_center_client_invites_the_customer_lists_it_and_takes_dap_away(gdap, browser_factory):
    pc = PartnerCenter(gdap)
    assert LAMNA not in pc.customers()
    # No tie yet: the technician cannot even sign in to the customer.
    refused = technician_token(gdap, "lamna.onmicrosoft.com")
    assert refused.status_code == 400 and "AADSTS" in refused.json()["error_description"], refused.text

    b = browser_factory("en")
    b.open(pc.invitation_url(dap=True))
    assert b.h1() == "Sign in"
    b.sign_in("admin@lamna.onmicrosoft.com", "Lamna-Pass-1", "Sign in")
    assert b.h1() == "Accept agreement & authorize partner"
    assert "Contoso Partner" in b.text()
    assert "Global Administrator" in b.text() and "Helpdesk Administrator" in b.text()
    b.shot("invitation-with-dap")
    # Accept without Yes is refused with the reason, nothing changed.
    b.click("Accept")
    assert "Select the Yes check box" in b.text()
    assert LAMNA not in pc.customers()
    b.check("Yes")
    b.click("Accept")
    assert b.h1() == "Partner authorized"
    b.shot("authorized")

    assert pc.customers()[LAMNA]["relationshipToPartner"] == "reseller"
    customer = pc.customer(LAMNA)
    assert customer["allowDelegatedAccess"] is True
    assert customer["companyProfile"]["companyName"] == "Lamna Healthcare"
    assert customer["attributes"]["objectType"] == "Customer"
    # Through DAP the Admin Agents are Global Administrators of the customer.
    t = technician_token(gdap, "lamna.onmicrosoft.com")
    assert t.status_code == 200, t.text
    tech = t.json()["access_token"]
    assert directory_call(gdap, tech) == 200

    # The partner's Customers page: the tie and the admin portal of each service.
    p = browser_factory("en")
    p.open(gdap.base + "/partner/customers")
    p.sign_in("apps@contosopartner.onmicrosoft.com", "Apps-Pass-1", "Sign in")
    row = p.d.find_element(By.CSS_SELECTOR, f"[data-customer='{LAMNA}']")
    assert "Reseller" in row.text and "Advisor (DAP)" in row.text
    links = [a.get_attribute("href") for a in row.find_elements(By.TAG_NAME, "a")]
    assert any("delegatedOrg=lamna.onmicrosoft.com" in h for h in links), links
    assert any(f"CTID={LAMNA}" in h for h in links), links
    p.shot("customers")

    # DAP removed as Partner Center's samples write it (PascalCase); the reseller tie stays.
    r = pc.call("PATCH", f"/v1/customers/{LAMNA}", {"AllowDelegatedAccess": False,
                                                  "Attributes": {"ObjectType": "Customer"}})
    assert r.status_code == 200, r.text
    assert r.json()["allowDelegatedAccess"] is False
    assert pc.customers()[LAMNA]["relationshipToPartner"] == "reseller"
    # The technician's next call with the token it holds is denied, and it gets no new one.
    assert directory_call(gdap, tech) == 403
    assert technician_token(gdap, "lamna.onmicrosoft.com").status_code == 400

    # The link is single-use now that the customer has both ties it offered.
    b.open(pc.invitation_url(dap=False))
    assert b.h1() == "This partner is already authorized"


def test_a_partner_center_client_gets_its_errors_in_partner_centers_shape(gdap):
    pc = PartnerCenter(gdap)
    before = pc.customers()
    cases = [
        ("PATCH", f"/v1/customers/{LAMNA}", {"allowDelegatedAccess": False, "favouriteColour": "red"}, 400),
        ("PATCH", f"/v1/customers/{LAMNA}", {"allowDelegatedAccess": True}, 400),
        ("PATCH", f"/v1/customers/{TAILSPIN}", {"allowDelegatedAccess": False}, 404),  # no customer of Contoso
        ("GET", f"/v1/customers/{ADATUM}", None, 404),
        ("GET", "/v1/customers/not-a-tenant", None, 404),
    ]
    for method, path, body, status in cases:
        r = pc.call(method, path, body)
        assert r.status_code == status, (path, r.text)
        e = r.json()
        assert isinstance(e["code"], int) and e["description"] and e["isRetryable"] is False, e
    assert pc.customers() == before
    # Without a token, or with a Graph token, Partner Center answers 401 in its own shape.
    r = gdap.http.get(gdap.base + "/v1/customers")
    assert r.status_code == 401 and r.json()["errorName"] == "Unauthorized"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_reseller_invitation_with_and_without_dap_in_the_readers_language(gdap, browser_factory, lang):
    pc = PartnerCenter(gdap)
    w = {
        "ja": dict(customer=ADVENTURE_WORKS, domain="adventureworks.onmicrosoft.com", password="Adventure-Pass-1",
                   sign_in="サインイン", title="契約に同意してパートナーを承認する", yes="はい", accept="同意する",
                   done="パートナーを承認しました", permission="グローバル管理者の権限が必要です",
                   reseller="リセラー", relationships="パートナー関係", kinds="パートナーの種類について",
                   ga="グローバル管理者", advisor="アドバイザー (DAP)", already="すでにお客様の組織のリセラーです", mca="Microsoft 顧客契約"),
        "en": dict(customer=PROSEWARE, domain="proseware.onmicrosoft.com", password="Proseware-Pass-1",
                   sign_in="Sign in", title="Accept agreement & authorize partner", yes="Yes", accept="Accept",
                   done="Partner authorized", permission="needs the Global Administrator role",
                   reseller="Reseller", relationships="Partner relationships", kinds="About the kinds of partner",
                   ga="Global Administrator", advisor="Advisor (DAP)", already="is already your organization's reseller",
                   mca="Microsoft Customer Agreement"),
    }[lang]

    # A user without Global Administrator is told which role authorizing needs.
    staff = browser_factory(lang)
    staff.open(pc.invitation_url(dap=True))
    staff.sign_in(f"staff@{w['domain']}", "Staff-Pass-1", w["sign_in"])
    assert w["permission"] in staff.text()
    assert not staff.d.find_elements(By.CSS_SELECTOR, "input[name=yes]")
    staff.shot("not-an-administrator")

    # Without DAP: no roles offered; the partner becomes the reseller only.
    b = browser_factory(lang)
    b.open(pc.invitation_url(dap=False))
    b.sign_in(f"admin@{w['domain']}", w["password"], w["sign_in"])
    assert b.h1() == w["title"]
    assert w["ga"] not in b.text() and w["already"] not in b.text()
    assert b.d.find_element(By.LINK_TEXT, w["mca"]).get_attribute("href").startswith("https://www.microsoft.com/")
    b.shot("without-dap")
    b.check(w["yes"])
    b.click(w["accept"])
    assert b.h1() == w["done"]
    b.shot("authorized-without-dap")
    assert pc.customer(w["customer"])["allowDelegatedAccess"] is False

    # With DAP: Global Administrator and Helpdesk Administrator offered, and granted.
    authorize_page = pc.invitation_url(dap=True)
    b.open(authorize_page)
    assert w["ga"] in b.text() and w["already"] in b.text()
    b.shot("with-dap")
    b.check(w["yes"])
    b.click(w["accept"])
    assert b.h1() == w["done"]
    assert pc.customer(w["customer"])["allowDelegatedAccess"] is True

    # The Partner relationships page: Contoso as reseller and Advisor (DAP), Adatum with its six
    # other kinds; the nine kinds explained below the list.
    b.open(gdap.base + "/adminportal/settings/partners")
    assert b.h1() == w["relationships"]
    contoso = b.d.find_element(By.CSS_SELECTOR, f"tr[data-partner='{PARTNER}']").text
    assert w["reseller"] in contoso and w["advisor"] in contoso
    adatum = b.d.find_element(By.CSS_SELECTOR, f"tr[data-partner='{ADATUM}']").text
    assert "OEM" in adatum and "MPSA" in adatum and "GDAP" not in adatum
    b.d.find_element(By.CSS_SELECTOR, "details.types summary").click()
    assert len([e for e in b.d.find_elements(By.CSS_SELECTOR, "details.types dt") if e.is_displayed()]) == 9
    b.shot("partner-kinds")
    b.click("Adatum Devices")
    kinds = [e.get_attribute("data-kind") for e in b.d.find_elements(By.CSS_SELECTOR, "dl.kinds dt")]
    assert kinds == ["indirectReseller", "isv", "lineOfBusiness", "mpsa", "oem", "partner"]
    assert "Windows Autopilot" in b.text()
    b.shot("adatum-kinds")


FOURTH_COFFEE = "cccccccc-cccc-4ccc-8ccc-cccccccccccc"
RELECLOUD = "dddddddd-dddd-4ddd-8ddd-dddddddddddd"
RELS = "/v1.0/tenantRelationships/delegatedAdminRelationships"


def test_an_indirect_reseller_and_its_provider_are_authorized_then_the_provider_sets_up_gdap(
        gdap, inbox, browser_factory):
    from conftest import HELPDESK, approval_link

    # The indirect reseller (Contoso) asks Partner Center for the link through its provider.
    pc = PartnerCenter(gdap)
    r = pc.call("GET", f"/v1/customers/relationshiprequests?indirectProviderId={FOURTH_COFFEE}")
    assert r.status_code == 200, r.text
    url = r.json()["url"]
    assert "invType=IndirectResellerRelationship" in url and f"indirectCSPId={FOURTH_COFFEE}" in url

    # The customer authorizes both at once, in Japanese.
    c = browser_factory("ja")
    c.open(url.replace("&DAP=true", ""))
    c.sign_in("admin@relecloud.onmicrosoft.com", "Relecloud-Pass-1", "サインイン")
    assert c.h1() == "契約に同意してパートナーを承認する"
    assert "間接リセラーの Contoso Partner と、その間接プロバイダーである Fourth Coffee Distribution" in c.text()
    c.shot("indirect-invitation")
    c.check("はい")
    c.click("同意する")
    assert c.h1() == "パートナーを承認しました"
    c.shot("indirect-authorized")

    # The provider has the customer, through the reseller; the reseller has it too.
    provider_pc = gdap.user_token("admin@fourthcoffee.onmicrosoft.com", "Fourth-Pass-1", PC).json()["access_token"]
    r = gdap.http.get(gdap.base + "/v1/customers", headers={"Authorization": f"Bearer {provider_pc}"})
    item = {c["id"]: c for c in r.json()["items"]}[RELECLOUD]
    assert item["relationshipToPartner"] == "reseller" and item["associatedPartnerId"] == PARTNER
    assert pc.customers()[RELECLOUD]["relationshipToPartner"] == "reseller"

    # The provider creates the reseller's GDAP relationship; the reseller approves it; only then is the
    # customer asked, and it approves from the e-mail.
    provider = gdap.token(FOURTH_COFFEE, "cccccccc-cccc-4ccc-8ccc-000000000001", "fourth-secret")
    r = gdap.http.post(gdap.base + RELS, headers={"Authorization": f"Bearer {provider}"}, json={
        "@odata.type": "#microsoft.graph.resellerDelegatedAdminRelationship",
        "displayName": "Relecloud helpdesk (indirect)", "duration": "P730D",
        "partner": {"tenantId": PARTNER}, "customer": {"tenantId": RELECLOUD},
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]}})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert r.json()["isPartnerConsentPending"] is True
    reseller = {"Authorization": f"Bearer {gdap.partner_token()}"}
    r = gdap.http.post(f"{gdap.base}{RELS}/{rid}/requests", headers=reseller, json={"action": "approve"})
    assert r.status_code == 201, r.text
    mail = inbox.wait_for(lambda m: "admin@relecloud.onmicrosoft.com" in m["to"] and rid in m["body"])[0]
    c.open(approval_link(mail))
    c.click("次へ")
    c.click("次へ")
    c.click("承諾")
    assert c.h1() == "パートナー関係を受け入れました"
    gdap.advance("PT5S")
    r = gdap.http.get(f"{gdap.base}{RELS}/{rid}", headers=reseller)
    assert r.json()["status"] == "active" and r.json()["indirectProviderTenantId"] == FOURTH_COFFEE

    # The customer's page: the reseller as indirect reseller with GDAP, the provider as reseller.
    c.open(gdap.base + "/adminportal/settings/partners")
    contoso = c.wait_status(PARTNER, "active").text
    assert "間接リセラー" in contoso and "GDAP アクセス権を持つパートナー" in contoso
    fourth = c.d.find_element(By.CSS_SELECTOR, f"tr[data-partner='{FOURTH_COFFEE}']").text
    assert "リセラー" in fourth and "間接" not in fourth
    c.shot("indirect-partners")


FIELD_APP = "11111111-cccc-4ccc-8ccc-000000000002"


def field_app_token(gdap, customer_domain):
    """The Admin Agent signs in to the customer through the partner's own public client, asking
    to read users: the token response."""
    return gdap.http.post(f"{gdap.base}/{customer_domain}/oauth2/v2.0/token", data={
        "grant_type": "password", "client_id": FIELD_APP,
        "username": "agent@contosopartner.onmicrosoft.com", "password": "Agent-Pass-1",
        "scope": "https://graph.microsoft.com/User.Read.All"})


def test_a_partner_creates_a_customer_consents_its_application_and_the_new_administrator_sees_it(
        gdap, browser_factory):
    pc = PartnerCenter(gdap)
    # The create-a-customer sample's body (PascalCase), with the default GDAP relationship.
    r = pc.call("POST", "/v1/customers", {
        "enableGDAPByDefault": True,
        "CompanyProfile": {"Domain": "wingtiptoysjp.onmicrosoft.com"},
        "BillingProfile": {
            "Culture": "ja-JP", "Email": "tanaka@wingtiptoys.example", "Language": "ja",
            "CompanyName": "ウイングティップ トイズ",
            "DefaultAddress": {"FirstName": "太郎", "LastName": "田中", "AddressLine1": "港南 2-16-3",
                               "City": "港区", "State": "東京都", "PostalCode": "108-0075",
                               "Country": "JP", "PhoneNumber": "0312345678"}},
        "Attributes": {"ObjectType": "Customer"}})
    assert r.status_code == 201, r.text
    created = r.json()
    tenant, password = created["id"], created["userCredentials"]["password"]
    assert created["userCredentials"]["userName"] == "admin"
    assert pc.customers()[tenant]["relationshipToPartner"] == "reseller"
    gdap.advance("PT2S")

    # The partner consents its application into the new customer, for the whole organization
    # (whether its users consented at home as well depends on the other tests of the session).
    r = pc.call("POST", f"/v1/customers/{tenant}/applicationconsents", {
        "ApplicationId": FIELD_APP, "DisplayName": "Contoso Field App",
        "ApplicationGrants": [{"EnterpriseApplicationId": "00000003-0000-0000-c000-000000000000",
                               "Scope": "User.Read.All,Directory.Read.All"}]})
    assert r.status_code == 201, r.text
    t = field_app_token(gdap, "wingtiptoysjp.onmicrosoft.com")
    assert t.status_code == 200, t.text
    assert directory_call(gdap, t.json()["access_token"]) == 200

    # The new administrator signs in with the password the partner handed on and finds the
    # partner as its reseller with GDAP access.
    b = browser_factory("ja")
    b.open(gdap.base + "/adminportal/settings/partners")
    b.sign_in("admin@wingtiptoysjp.onmicrosoft.com", password, "サインイン")
    assert b.h1() == "パートナー関係"
    contoso = b.d.find_element(By.CSS_SELECTOR, f"tr[data-partner='{PARTNER}']").text
    assert "リセラー" in contoso and "GDAP アクセス権を持つパートナー" in contoso, contoso
    b.shot("created-customer-partners")
