"""MSAL for Python, unmodified, signing users in to gdap through its public options only."""

import asyncio
import http.server
import os
import threading
import time
from urllib.parse import parse_qsl, urlparse

import httpx
import msal
import pytest
from azure.core.credentials import AccessToken
from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.password_profile import PasswordProfile
from msgraph.generated.models.user import User
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"


def public_client(gdap, tenant):
    return msal.PublicClientApplication(
        AZURE_CLI, authority=f"{gdap['base']}/{tenant}", instance_discovery=False
    )


def test_the_username_and_password_flow_asks_the_user_realm_and_gets_a_token(gdap):
    app = public_client(gdap, "customera.onmicrosoft.com")
    result = app.acquire_token_by_username_password(
        "ga@customera.onmicrosoft.com", "Ga-Pass-1", scopes=["https://graph.microsoft.com/.default"]
    )
    assert "access_token" in result, result
    # MSAL asked port 443 for the realm and got an answer (on a 404 it notes the host as one
    # without user realms and goes on; a refused connection fails the flow).
    assert "127.0.0.1" not in msal.authority.Authority._domains_without_user_realm_discovery


def test_the_user_realm_names_managed_accounts_of_known_tenants_only(gdap):
    with httpx.Client(verify=gdap["ca"]) as http:
        known = http.get("https://127.0.0.1/common/userrealm/anyone@customera.onmicrosoft.com?api-version=1.0")
        assert known.status_code == 200, known.text
        assert known.json()["account_type"] == "Managed"
        assert known.json()["domain_name"] == "customera.onmicrosoft.com"
        other = http.get(f"{gdap['base']}/common/userrealm/someone@elsewhere.example?api-version=1.0")
        assert other.json()["account_type"] == "Unknown"
        assert "domain_name" not in other.json()


def test_a_wrong_password_is_refused_with_entras_code(gdap):
    app = public_client(gdap, "customera.onmicrosoft.com")
    result = app.acquire_token_by_username_password(
        "ga@customera.onmicrosoft.com", "wrong", scopes=["https://graph.microsoft.com/.default"]
    )
    assert result.get("error") == "invalid_grant", result
    assert 50126 in result.get("error_codes", []), result


PARTNER_TOOL = "11111111-cccc-4ccc-8ccc-000000000004"


class Catcher(http.server.BaseHTTPRequestHandler):
    """The application's loopback redirect URI: keeps the query the browser brings back."""

    caught = None

    def do_GET(self):
        query = dict(parse_qsl(urlparse(self.path).query))
        if "code" in query or "error" in query:  # not the browser's favicon request
            Catcher.caught = query
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"signed in")

    def log_message(self, *args):
        pass


def chromium():
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium download anything
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    # The page is served over gdap's development CA, which this browser does not know.
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--ignore-certificate-errors", "--lang=en"):
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=opts)
    driver.set_page_load_timeout(30)
    return driver


def test_the_authorization_code_flow_with_pkce_signs_in_through_the_page(gdap):
    server = http.server.HTTPServer(("127.0.0.1", 0), Catcher)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    redirect = f"http://localhost:{server.server_address[1]}"
    app = msal.PublicClientApplication(
        PARTNER_TOOL, authority=f"{gdap['base']}/partnerone.onmicrosoft.com", instance_discovery=False
    )
    flow = app.initiate_auth_code_flow(
        ["https://graph.microsoft.com/User.ReadWrite.All"], redirect_uri=redirect,
        login_hint="admin@partnerone.onmicrosoft.com",
    )
    assert "code_challenge_method=S256" in flow["auth_uri"]
    driver = chromium()
    try:
        driver.get(flow["auth_uri"])
        # gdap's own sign-in page, the account filled in from the hint.
        upn = driver.find_element(By.ID, "upn")
        assert upn.get_attribute("value") == "admin@partnerone.onmicrosoft.com"
        driver.find_element(By.ID, "password").send_keys("Admin-Pass-1")
        driver.find_element(By.CSS_SELECTOR, "form[action='/signin'] button[type=submit]").click()
        WebDriverWait(driver, 20).until(lambda d: Catcher.caught is not None)
    finally:
        driver.quit()
        server.shutdown()
    # A redirect carrying another sign-in's state is refused by MSAL before the code is redeemed.
    with pytest.raises(ValueError):
        app.acquire_token_by_auth_code_flow(flow, {**Catcher.caught, "state": "a-foreign-state"})
    result = app.acquire_token_by_auth_code_flow(flow, Catcher.caught)
    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == "admin@partnerone.onmicrosoft.com"
    assert result["id_token_claims"]["tid"] == "11111111-1111-4111-8111-111111111111"
    # MSAL cached the account from the sign-in.
    accounts = app.get_accounts()
    assert [a["username"] for a in accounts] == ["admin@partnerone.onmicrosoft.com"]
    # The token acts at Graph as the user.
    with httpx.Client(verify=gdap["ca"]) as http_client:
        me = http_client.get(
            f"{gdap['base']}/v1.0/users/admin@partnerone.onmicrosoft.com",
            headers={"Authorization": "Bearer " + result["access_token"]},
        )
        assert me.status_code == 200, me.text


GRAPH = ["https://graph.microsoft.com/.default"]
CUSTOMER_A = "33333333-3333-4333-8333-333333333333"


def test_a_device_code_approved_in_the_browser_gives_the_device_its_tokens(gdap):
    app = public_client(gdap, "organizations")
    flow = app.initiate_device_flow(scopes=GRAPH)
    assert flow["verification_uri"] == f"{gdap['base']}/devicelogin", flow
    assert flow["user_code"] in flow["message"]
    result = {}
    # MSAL polls (every five seconds, as told) while the user answers in the browser.
    poller = threading.Thread(target=lambda: result.update(app.acquire_token_by_device_flow(flow)))
    poller.start()
    driver = chromium()
    try:
        driver.get(flow["verification_uri"])
        driver.find_element(By.ID, "upn").send_keys("admin@partnerone.onmicrosoft.com")
        driver.find_element(By.ID, "password").send_keys("Admin-Pass-1")
        driver.find_element(By.CSS_SELECTOR, "form[action='/signin'] button[type=submit]").click()
        WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.ID, "otc"))
        driver.find_element(By.ID, "otc").send_keys(flow["user_code"])
        driver.find_element(By.CSS_SELECTOR, "form[action='/devicelogin'] button[type=submit]").click()
        WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "button[value=approve]"))
        driver.find_element(By.CSS_SELECTOR, "button[value=approve]").click()
        WebDriverWait(driver, 20).until(lambda d: "Microsoft Azure CLI application" in d.page_source)
    finally:
        driver.quit()
    poller.join(timeout=60)
    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == "admin@partnerone.onmicrosoft.com"
    assert "refresh_token" in result
    # The device's code gave its tokens once.
    with httpx.Client(verify=gdap["ca"]) as http:
        again = http.post(f"{gdap['base']}/organizations/oauth2/v2.0/token", data={
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": AZURE_CLI,
            "device_code": flow["device_code"]})
    assert again.json()["error"] == "invalid_grant", again.text


def technician_in_customer_a(gdap):
    """An active relationship with Customer A in which Partner One's Helpdesk Agents (the
    technician) hold Helpdesk Administrator; returns its id."""
    from test_graph_sdk import HELPDESK, HELPDESK_AGENTS, PARTNER, WRITER, customer_approves

    async def run():
        async with httpx.AsyncClient(verify=gdap["ca"]) as http:
            tok = (await http.post(f"{gdap['base']}/{PARTNER}/oauth2/v2.0/token", data={
                "grant_type": "client_credentials", "client_id": WRITER[0], "client_secret": WRITER[1],
                "scope": "https://graph.microsoft.com/.default"})).json()["access_token"]
            h = {"Authorization": "Bearer " + tok}
            rels = f"{gdap['base']}/v1.0/tenantRelationships/delegatedAdminRelationships"
            rel = await http.post(rels, headers=h, json={
                "displayName": "MSAL technician", "duration": "P30D",
                "customer": {"tenantId": CUSTOMER_A},
                "accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]}})
            assert rel.status_code == 201, rel.text
            rid = rel.json()["id"]
            lock = await http.post(f"{rels}/{rid}/requests", headers=h, json={"action": "lockForApproval"})
            assert lock.status_code == 201, lock.text
            await customer_approves(gdap, rid)
            for _ in range(200):
                if (await http.get(f"{rels}/{rid}", headers=h)).json()["status"] == "active":
                    break
                await asyncio.sleep(0.1)
            a = await http.post(f"{rels}/{rid}/accessAssignments", headers=h, json={
                "accessContainer": {"accessContainerId": HELPDESK_AGENTS, "accessContainerType": "securityGroup"},
                "accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]}})
            assert a.status_code == 201, a.text
            for _ in range(200):
                got = await http.get(f"{rels}/{rid}/accessAssignments/{a.json()['id']}", headers=h)
                if got.json()["status"] == "active":
                    return rid
                await asyncio.sleep(0.1)
            raise AssertionError("the access assignment did not become active")

    return asyncio.run(run())


class StaticCredential:
    """A token MSAL acquired, handed to the Graph SDK through azure-core's credential interface."""

    def __init__(self, token):
        self.token = token

    async def get_token(self, *scopes, **kwargs):
        return AccessToken(self.token, int(time.time()) + 3600)


def graph_client(gdap, token):
    auth = AzureIdentityAuthenticationProvider(
        StaticCredential(token), scopes=GRAPH, allowed_hosts=[urlparse(gdap["base"]).hostname]
    )
    adapter = GraphRequestAdapter(auth)
    adapter.base_url = gdap["base"] + "/v1.0"
    return GraphServiceClient(request_adapter=adapter)


def test_a_refresh_token_reaches_customers_only_through_gdap_rotates_and_ends_with_remove_roles(gdap):
    technician_in_customer_a(gdap)
    home = public_client(gdap, "partnerone.onmicrosoft.com")
    first = home.acquire_token_by_username_password("tech@partnerone.onmicrosoft.com", "Tech-Pass-1", scopes=GRAPH)
    rt = first["refresh_token"]
    # Customer B has no relationship with the partner: Entra's answer, and the token stays usable.
    refused = public_client(gdap, "customerb.onmicrosoft.com").acquire_token_by_refresh_token(rt, scopes=GRAPH)
    assert refused.get("error") == "invalid_grant" and 50020 in refused["error_codes"], refused
    customer_a = public_client(gdap, "customera.onmicrosoft.com")
    there = customer_a.acquire_token_by_refresh_token(rt, scopes=GRAPH)
    assert "access_token" in there, there
    assert there["id_token_claims"]["tid"] == CUSTOMER_A
    # Rotation: the redeemed token is spent, its successor is not.
    assert there["refresh_token"] != rt
    spent = customer_a.acquire_token_by_refresh_token(rt, scopes=GRAPH)
    assert 70008 in spent.get("error_codes", []), spent
    # The Graph SDK acts with the token: what Helpdesk Administrator allows succeeds, the rest
    # raises the SDK's error with Graph's code and message.
    asyncio.run(helpdesk_calls(gdap, there["access_token"]))
    # The customer removes the partner's roles: the refresh token no longer leads there.
    ga = public_client(gdap, "customera.onmicrosoft.com").acquire_token_by_username_password(
        "ga@customera.onmicrosoft.com", "Ga-Pass-1", scopes=["https://admin.microsoft.com/.default"])
    with httpx.Client(verify=gdap["ca"]) as http:
        from test_graph_sdk import PARTNER
        r = http.post(f"{gdap['base']}/admincenter/v1/partners/{PARTNER}/removeRoles",
                      headers={"Authorization": "Bearer " + ga["access_token"]})
        assert r.status_code == 200, r.text
    ended = customer_a.acquire_token_by_refresh_token(there["refresh_token"], scopes=GRAPH)
    assert ended.get("error") == "invalid_grant" and 50020 in ended["error_codes"], ended


async def helpdesk_calls(gdap, token):
    user = graph_client(gdap, token).users.by_user_id("user@customera.onmicrosoft.com")
    await user.patch(User(password_profile=PasswordProfile(password="Msal-Reset-123")))
    with pytest.raises(ODataError) as err:
        await user.patch(User(display_name="Renamed through a refresh token"))
    assert err.value.response_status_code == 403
    assert err.value.error.code == "Authorization_RequestDenied"
    assert err.value.error.message == "Insufficient privileges to complete the operation."


WEB_APP = ("11111111-cccc-4ccc-8ccc-000000000005", "web-secret")


def test_a_confidential_client_keeps_a_refresh_token_and_redeems_it_with_its_secret(gdap):
    partner = msal.ConfidentialClientApplication(
        WEB_APP[0], client_credential=WEB_APP[1], authority=f"{gdap['base']}/partnerone.onmicrosoft.com",
        instance_discovery=False,
    )
    signed = partner.acquire_token_by_username_password(
        "admin@partnerone.onmicrosoft.com", "Admin-Pass-1", scopes=["User.Read.All"])
    assert "refresh_token" in signed, signed
    # Another confidential client with a wrong secret cannot redeem it.
    wrong = msal.ConfidentialClientApplication(
        WEB_APP[0], client_credential="not-the-secret", authority=f"{gdap['base']}/partnerone.onmicrosoft.com",
        instance_discovery=False,
    ).acquire_token_by_refresh_token(signed["refresh_token"], scopes=["User.Read.All"])
    assert wrong.get("error") == "invalid_client", wrong
    again = partner.acquire_token_by_refresh_token(signed["refresh_token"], scopes=["User.Read.All"])
    assert "access_token" in again, again
    assert again["refresh_token"] != signed["refresh_token"]
