"""A real `gdap serve --dev` with mail to a local SMTP server (aiosmtpd), and headless Debian
Chromium driven through ChromeDriver. Screenshots of every step go to target/browser/."""

import email
import email.policy
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests
from aiosmtpd.controller import Controller
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
WORLD = ROOT / "tests" / "web" / "world.json"
SHOTS = ROOT / "target" / "browser"

PARTNER = "11111111-1111-4111-8111-111111111111"
EVIL_PARTNER = "22222222-2222-4222-8222-222222222222"
FABRIKAM = "33333333-3333-4333-8333-333333333333"
NORTHWIND = "44444444-4444-4444-8444-444444444444"
TAILSPIN = "55555555-5555-4555-8555-555555555555"
HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"
RELS = "/v1.0/tenantRelationships/delegatedAdminRelationships"


def replaced(old):
    """Whether a page element is gone with its page. ChromeDriver reports a node of a document
    being replaced either as stale or, racing the replacement, as not belonging to the document."""
    try:
        return staleness_of(old)(None)
    except WebDriverException as e:
        if "does not belong to the document" in str(e):
            return True
        raise


class Inbox:
    """Collects every mail the SMTP server receives."""

    def __init__(self):
        self.mails = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",)).get_content()
        with self.lock:
            self.mails.append({"to": envelope.rcpt_tos, "subject": str(msg["subject"]),
                               "headers": dict(msg.items()), "body": body})
        return "250 OK"

    def wait_for(self, predicate, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                found = [m for m in self.mails if predicate(m)]
            if found:
                return found
            time.sleep(0.1)
        raise AssertionError("no such mail arrived; got: " + repr([m["subject"] for m in self.mails]))


@pytest.fixture(scope="session")
def inbox():
    box = Inbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        box.port = s.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture(scope="session")
def gdap(inbox):
    binary = os.environ.get("GDAP_BIN", str(ROOT / "target" / "debug" / "gdap"))
    tmp = Path(tempfile.mkdtemp(prefix="gdap-web-"))
    proc = subprocess.Popen(
        [binary, "serve", "--dev", "--seed", str(WORLD), "--listen", "127.0.0.1:0",
         "--db", str(tmp / "gdap.db"), "--step-seconds", "0.2", "--log", "warn",
         "--smtp", f"smtp://127.0.0.1:{inbox.port}", "--mail-from", "no-reply@gdap.example"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        # Reseller links grant DAP as the seeds describe (Microsoft stopped in October 2023).
        env={**os.environ, "GDAP_RESELLER_LINKS_GRANT_DAP": "true"},
    )
    base = None
    deadline = time.time() + 30
    lines = []
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"listening on (http://\S+)", line)
        if m:
            base = m.group(1)
            break
    if base is None:
        proc.kill()
        raise RuntimeError("gdap did not start:\n" + "".join(lines))
    yield Gdap(base, binary, tmp / "gdap.db")
    proc.terminate()
    proc.wait(timeout=30)


class Gdap:
    """The partner's side through the Graph API, and the development controls."""

    def __init__(self, base, binary, db):
        self.base = base
        self.binary = binary
        self.db = db
        self.http = requests.Session()

    def check(self, user, tenant, action):
        """`gdap check` against the server's database, as an operator runs it."""
        out = subprocess.run([self.binary, "check", "--db", str(self.db), "--user", user,
                              "--tenant", tenant, "--action", action],
                             capture_output=True, text=True, timeout=60)
        return out.stdout + out.stderr

    def token(self, tenant, client_id, secret):
        r = self.http.post(f"{self.base}/{tenant}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret,
            "scope": "https://graph.microsoft.com/.default"})
        r.raise_for_status()
        return r.json()["access_token"]

    def user_token(self, upn, password, scope, tenant=None):
        """A user's token (password grant, the Azure CLI's public client) for `scope`, issued by
        the user's own tenant or by `tenant` (a partner user's token for a customer)."""
        r = self.http.post(f"{self.base}/{tenant or upn.split('@')[1]}/oauth2/v2.0/token", data={
            "grant_type": "password", "client_id": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
            "username": upn, "password": password, "scope": scope})
        return r

    def partner_token(self):
        return self.token(PARTNER, "11111111-cccc-4ccc-8ccc-000000000001", "writer-secret")

    def invite(self, customer, name, roles=(HELPDESK, USER_ADMIN), token=None):
        """Creates a relationship and locks it for approval (which mails the customer's admins)."""
        token = token or self.partner_token()
        h = {"Authorization": f"Bearer {token}"}
        r = self.http.post(self.base + RELS, headers=h, json={
            "displayName": name, "duration": "P730D",
            "customer": {"tenantId": customer} if customer else None,
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": r} for r in roles]}})
        assert r.status_code == 201, r.text
        rid = r.json()["id"]
        r = self.http.post(f"{self.base}{RELS}/{rid}/requests", headers=h, json={"action": "lockForApproval"})
        assert r.status_code == 201, r.text
        return rid

    def approve(self, upn, password, relationship_id):
        """The customer's administrator approves through the admin-center API (what the pages do)."""
        domain = upn.split("@")[1]
        token = self.http.post(f"{self.base}/{domain}/oauth2/v2.0/token", data={
            "grant_type": "password", "client_id": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
            "username": upn, "password": password,
            "scope": "https://admin.microsoft.com/.default"}).json()["access_token"]
        h = {"Authorization": f"Bearer {token}"}
        r = self.http.post(f"{self.base}/admincenter/v1/customerAgreement", headers=h)
        assert r.status_code == 200, r.text
        r = self.http.post(f"{self.base}/admincenter/v1/gdapInvitations/{relationship_id}/approve", headers=h)
        assert r.status_code == 200, r.text

    def advance(self, iso):
        r = self.http.post(f"{self.base}/_gdap/clock", json={"advance": iso})
        r.raise_for_status()


@pytest.fixture(scope="session")
def chrome_service():
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium download anything
    return Service(executable_path="/usr/bin/chromedriver")


def make_browser(service, lang):
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--window-size=1280,1100", f"--lang={lang}"):
        opts.add_argument(a)
    opts.add_experimental_option("prefs", {"intl.accept_languages": lang})
    driver = webdriver.Chrome(service=service, options=opts)
    driver.set_page_load_timeout(30)
    return driver


class RowText:
    """The text of a table row read at one instant (the page may reload itself afterwards)."""

    def __init__(self, text):
        self.text = text


class Browser:
    """A browser with helpers that act the way a person does: by visible labels."""

    def __init__(self, driver, prefix):
        self.d = driver
        self.prefix = prefix
        self.n = 0
        SHOTS.mkdir(parents=True, exist_ok=True)

    def open(self, url):
        self.d.get(url)

    def shot(self, name):
        self.n += 1
        self.d.save_screenshot(str(SHOTS / f"{self.prefix}-{self.n:02d}-{name}.png"))

    def click(self, label):
        xp = (f"//a[normalize-space()='{label}'] | //button[normalize-space()='{label}'] | "
              f"//input[@type='submit' and @value='{label}']")
        els = [e for e in self.d.find_elements(By.XPATH, xp) if e.is_displayed()]
        assert els, f"no visible button or link labelled {label!r} on {self.d.current_url}:\n{self.text()}"
        old = self.d.find_element(By.TAG_NAME, "html")
        els[0].click()
        # Every button and link here leads to a new page: wait until it replaced this one.
        WebDriverWait(self.d, 30, poll_frequency=0.05).until(lambda _: replaced(old))

    def press(self, label):
        """Clicks a visible button or link that does not lead to a new page (it opens a dialog)."""
        xp = f"//a[normalize-space()='{label}'] | //button[normalize-space()='{label}']"
        els = [e for e in self.d.find_elements(By.XPATH, xp) if e.is_displayed()]
        assert els, f"no visible button or link labelled {label!r}"
        els[0].click()

    def phone(self):
        """A phone's viewport: 390 CSS pixels wide."""
        self.d.set_window_size(390, 844)
        self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})

    def sideways_scroll(self):
        """How many CSS pixels the page is wider than the viewport."""
        return self.d.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")

    def fill(self, label, value):
        el = self.d.find_element(By.XPATH, f"//label[normalize-space()='{label}']")
        target = self.d.find_element(By.ID, el.get_attribute("for"))
        target.clear()
        target.send_keys(value)

    def check(self, label):
        el = self.d.find_element(By.XPATH, f"//label[normalize-space()='{label}']")
        self.d.find_element(By.ID, el.get_attribute("for")).click()

    def text(self):
        return self.d.find_element(By.TAG_NAME, "body").text

    def h1(self):
        return self.d.find_element(By.TAG_NAME, "h1").text

    def wait_text(self, needle, timeout=30):
        def found(d):
            try:
                return needle in d.find_element(By.TAG_NAME, "body").text
            except WebDriverException:  # the page was reloading
                return False

        WebDriverWait(self.d, timeout, poll_frequency=0.2).until(found)

    def wait_status(self, partner, status, timeout=30):
        """Waits (the page refreshes itself) until the partner's row shows a status."""
        css = f"tr[data-partner='{partner}'] .status[data-status='{status}']"
        row = f"tr[data-partner='{partner}']"

        def shown(d):
            try:
                if d.find_elements(By.CSS_SELECTOR, css):
                    return d.find_element(By.CSS_SELECTOR, row).text
            except WebDriverException:  # the page was reloading
                return None
            return None

        text = WebDriverWait(self.d, timeout, poll_frequency=0.2).until(shown)
        return RowText(text)

    def sign_in(self, upn, password, label):
        self.fill(self.label_upn, upn)
        self.fill(self.label_password, password)
        self.click(label)


@pytest.fixture
def browser_factory(chrome_service, request):
    drivers = []

    def make(lang):
        d = make_browser(chrome_service, lang)
        drivers.append(d)
        b = Browser(d, f"{request.node.name}-{lang}")
        b.label_upn = "ユーザー名（メール アドレス）" if lang == "ja" else "User name (e-mail address)"
        b.label_password = "パスワード" if lang == "ja" else "Password"
        return b

    yield make
    for d in drivers:
        d.quit()


def approval_link(mail):
    m = re.search(r"(https?://\S+/adminportal/partners/invitation/granularAdminRelationships/\S+)", mail["body"])
    assert m, mail["body"]
    return m.group(1)
