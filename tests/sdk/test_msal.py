"""MSAL for Python, unmodified, signing users in to gdap through its public options only."""

import http.server
import os
import threading
from urllib.parse import parse_qsl, urlparse

import httpx
import msal
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
