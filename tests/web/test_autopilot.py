"""Windows Autopilot consent as the seed on customer consent describes it, for each kind of partner, with
the customer's steps in Chromium in Japanese and English: a direct CSP partner's reseller link (and the
message a user without Global Administrator sees), the partner's CSV upload in its portal and the device
API; an indirect reseller that registers by upload only while its indirect provider uses the API; and an
OEM's own link ("Accept partner invitation"), its consent check, its devices, and the customer who cannot
remove it. Partner Center's device API is called over plain HTTP as its samples call it."""

import base64
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from conftest import PARTNER

PC = "https://api.partnercenter.microsoft.com/.default"
ADATUM = "88888888-8888-4888-8888-888888888888"
FOURTH_COFFEE = "cccccccc-cccc-4ccc-8ccc-cccccccccccc"
HEADER = "Device Serial Number,Windows Product ID,Hardware Hash,Manufacturer name,Device model"


def hardware_hash(seed):
    """A 4K hardware hash (4,000 bytes, base64) unique to `seed`."""
    data = bytes(((i * 31 + seed * 97) >> 2) & 0xFF for i in range(4000)) + seed.to_bytes(4, "little")
    return base64.b64encode(data).decode()


def device_csv(rows):
    """A device list as Get-WindowsAutoPilotInfo.ps1 -Partner writes it."""
    path = Path(tempfile.mkdtemp(prefix="gdap-devices-")) / "AutoPilotHWID.csv"
    path.write_text(HEADER + "\r\n" + "".join(",".join(r) + "\r\n" for r in rows), encoding="utf-8")
    return str(path)


def pc_token(gdap, upn, password):
    r = gdap.user_token(upn, password, PC)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def pc(gdap, token, method, path, body=None):
    return gdap.http.request(method, gdap.base + path, json=body, headers={
        "Authorization": f"Bearer {token}", "Accept": "application/json",
        "MS-RequestId": str(uuid.uuid4()), "MS-CorrelationId": str(uuid.uuid4())})


def register_by_api(gdap, token, customer, name, devices):
    """POST deviceBatches, then the job at the Location it names; the response and the job."""
    r = pc(gdap, token, "POST", f"/v1/customers/{customer}/deviceBatches",
           {"batchId": name, "devices": devices, "attributes": {"objectType": "DeviceBatchCreationRequest"}})
    if r.status_code != 202:
        return r, None
    job = pc(gdap, token, "GET", "/v1" + r.headers["Location"])
    assert job.status_code == 200, job.text
    return r, job.json()


def upload(b, customer, name, path, w):
    """The partner's portal: the customer's Devices page, a list name and a CSV file, Upload."""
    b.open(f"{b.base}/partner/customers/{customer}/devices")
    assert b.h1() == w["devices_title"]
    b.fill(w["list_name"], name)
    label = b.d.find_element(By.XPATH, f"//label[normalize-space()='{w['file']}']")
    b.d.find_element(By.ID, label.get_attribute("for")).send_keys(path)
    b.shot("add-devices")
    b.click(w["upload"])


def accept_reseller_link(browser_factory, url, lang, domain, w):
    """The user without Global Administrator is told so; the Global Administrator authorizes."""
    staff = browser_factory(lang)
    staff.open(url)
    staff.sign_in(f"staff@{domain}", "Staff-Pass-1", w["sign_in"])
    assert w["permission"] in staff.text()
    assert not staff.d.find_elements(By.CSS_SELECTOR, "input[name=yes]")
    staff.shot("not-an-administrator")
    c = browser_factory(lang)
    c.open(url)
    c.sign_in(f"admin@{domain}", "Admin-Pass-1", w["sign_in"])
    assert c.h1() == w["authorize_title"]
    c.shot("authorize-partner")
    c.check(w["yes"])
    c.click(w["accept"])
    assert c.h1() == w["authorized"]
    c.shot("authorized")
    return c


WORDS = {
    "ja": dict(sign_in="サインイン", permission="グローバル管理者の権限が必要です",
               authorize_title="契約に同意してパートナーを承認する", yes="はい", accept="同意する",
               authorized="パートナーを承認しました", devices_title="{customer} のデバイス",
               list_name="デバイス リストの名前", file="CSV ファイル", upload="アップロード",
               results="アップロードの結果", summary="2 台のデバイスを登録しました。登録できなかったデバイスは 1 台です。",
               bad_hash="ハードウェア ハッシュが正しくありません", relationships="パートナー関係",
               bad_file="ファイルを読み取れませんでした", bad_line="2 行目の列の数が 2 個です",
               can_register="デバイスを登録可能", devices_view="Windows Autopilot デバイス",
               oem_title="パートナーの招待を受け入れる", oem_yes="はい。Adatum Devices がこの組織のデバイスを登録することを許可します。",
               oem_accept="同意", oem_done="招待を受け入れました", oem_permission="グローバル管理者のアカウントでサインインする必要があります",
               oem_ask="OEM に依頼してください", no_admin="委任された管理者のアクセス許可は付与されません"),
    "en": dict(sign_in="Sign in", permission="needs the Global Administrator role",
               authorize_title="Accept agreement & authorize partner", yes="Yes", accept="Accept",
               authorized="Partner authorized", devices_title="Devices of {customer}",
               list_name="Device list name", file="CSV file", upload="Upload",
               results="Upload results", summary="2 devices were registered. 1 could not be registered.",
               bad_hash="The hardware hash is not valid", relationships="Partner relationships",
               bad_file="The file could not be read", bad_line="Line 2 has 2 columns",
               can_register="Can register devices", devices_view="Windows Autopilot devices",
               oem_title="Accept partner invitation", oem_yes="Yes, allow Adatum Devices to register devices for my organization.",
               oem_accept="Accept", oem_done="Invitation accepted", oem_permission="sign in with a Global Administrator account",
               oem_ask="ask the OEM", no_admin="no delegated admin permissions"),
}


@pytest.mark.parametrize("lang,customer,name,domain", [
    ("ja", "eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee", "Wingtip Toys", "wingtiptoys.onmicrosoft.com"),
    ("en", "ffffffff-ffff-4fff-8fff-ffffffffffff", "Alpine Ski House", "alpineskihouse.onmicrosoft.com"),
], ids=["ja", "en"])
def test_a_direct_csp_partner_is_authorized_without_dap_and_registers_by_upload_and_api(
        gdap, browser_factory, lang, customer, name, domain):
    w = WORDS[lang]
    agent = pc_token(gdap, "agent@contosopartner.onmicrosoft.com", "Agent-Pass-1")
    # Before the customer authorizes, the partner registers nothing.
    refused, _ = register_by_api(gdap, agent, customer, "early", [{"productKey": "1000000000001"}])
    assert refused.status_code in (403, 404), refused.text

    # Partner Center's link, without delegated admin privileges (the newer DAP-free process).
    r = pc(gdap, agent, "GET", "/v1/customers/relationshiprequests")
    url = r.json()["url"].replace("&DAP=true", "")
    c = accept_reseller_link(browser_factory, url, lang, domain, w)

    # The partner's Sales Agent uploads a device list in its portal; each row has its result.
    b = browser_factory(lang)
    b.base = gdap.base
    b.open(f"{gdap.base}/partner/customers/{customer}/devices")
    b.sign_in("devices@contosopartner.onmicrosoft.com", "Devices-Pass-1", w["sign_in"])
    seed = 100 if lang == "ja" else 200
    good = hardware_hash(seed)
    path = device_csv([[f"SN-{seed}", "", good, "", ""],
                       [f"SN-{seed + 1}", "", "", "Microsoft Corporation", "Surface Laptop 5"],
                       [f"SN-{seed + 2}", "", good[:300], "", ""]])
    w_devices = dict(w, devices_title=w["devices_title"].replace("{customer}", name))
    upload(b, customer, "Spring order", path, w_devices)
    assert b.h1() == w["results"]
    assert w["summary"] in b.text() and w["bad_hash"] in b.text()
    b.shot("upload-results")
    b.open(f"{gdap.base}/partner/customers/{customer}/devices")
    assert b.d.find_elements(By.CSS_SELECTOR, "tr[data-list='Spring order']")
    b.shot("device-lists")
    b.click("Spring order")
    assert len(b.d.find_elements(By.CSS_SELECTOR, "tr[data-device]")) == 2
    b.shot("device-list")
    # A file that is not a device list is refused whole, with the line at fault.
    upload(b, customer, "Broken", device_csv([["SN-1", ""]]), w_devices)
    assert b.h1() == w["bad_file"] and w["bad_line"] in b.text(), b.text()
    b.shot("not-a-device-list")

    # The device API: a batch, its job, its devices; the same hash again is 806.
    _, job = register_by_api(gdap, agent, customer, "API batch", [{"productKey": f"{3000000000000 + seed}"}, {"hardwareHash": good}])
    codes = [d["errorCode"] for d in job["devicesStatus"]]
    assert job["status"] == "finished_with_errors" and codes == [None, "806"], job
    devices = pc(gdap, agent, "GET", f"/v1/customers/{customer}/deviceBatches/API%20batch/devices")
    assert devices.json()["totalCount"] == 1, devices.text

    # The customer sees the partner's consent and the devices it registered.
    c.open(gdap.base + "/adminportal/settings/partners")
    row = c.d.find_element(By.CSS_SELECTOR, f"tr[data-partner='{PARTNER}']").text
    assert w["can_register"] in row, row
    c.shot("partner-relationships")
    c.open(gdap.base + "/adminportal/devices/autopilot")
    assert c.h1() == w["devices_view"]
    assert len(c.d.find_elements(By.CSS_SELECTOR, f"tr[data-added-by='{PARTNER}']")) == 3
    c.shot("devices")


@pytest.mark.parametrize("lang,customer,name,domain", [
    ("ja", "12121212-1212-4212-8212-121212121212", "Trey Research", "treyresearch.onmicrosoft.com"),
    ("en", "15151515-1515-4515-8515-151515151515", "Lucerne Publishing", "lucernepublishing.onmicrosoft.com"),
], ids=["ja", "en"])
def test_an_indirect_reseller_registers_by_upload_only_and_its_provider_by_the_api(
        gdap, browser_factory, lang, customer, name, domain):
    w = WORDS[lang]
    agent = pc_token(gdap, "agent@contosopartner.onmicrosoft.com", "Agent-Pass-1")
    r = pc(gdap, agent, "GET", f"/v1/customers/relationshiprequests?indirectProviderId={FOURTH_COFFEE}")
    url = r.json()["url"].replace("&DAP=true", "")
    accept_reseller_link(browser_factory, url, lang, domain, w)

    # The indirect reseller: the API refuses it, the portal's upload takes its list.
    n = 4000000000000 if lang == "ja" else 4100000000000
    refused, _ = register_by_api(gdap, agent, customer, "api", [{"productKey": f"{n + 1}"}])
    assert refused.status_code == 403 and "CSV upload" in refused.json()["description"], refused.text
    b = browser_factory(lang)
    b.base = gdap.base
    b.open(f"{gdap.base}/partner/customers/{customer}/devices")
    b.sign_in("devices@contosopartner.onmicrosoft.com", "Devices-Pass-1", w["sign_in"])
    path = device_csv([["", f"{n + 2}", "", "", ""], ["", f"{n + 3}", "", "", ""], ["SN-X", "", "", "", ""]])
    list_name = "間接リセラーの注文" if lang == "ja" else "Indirect order"
    upload(b, customer, list_name, path, dict(w, devices_title=w["devices_title"].replace("{customer}", name)))
    assert b.h1() == w["results"]
    assert w["summary"] in b.text()
    b.shot("indirect-reseller-upload")

    # The indirect provider registers by the API, implicitly authorized through its reseller.
    provider = pc_token(gdap, "admin@fourthcoffee.onmicrosoft.com", "Fourth-Pass-1")
    r, job = register_by_api(gdap, provider, customer, "provider", [{"productKey": f"{n + 4}"}])
    assert r.status_code == 202 and job["status"] == "finished", r.text


@pytest.mark.parametrize("lang,customer,domain", [
    ("ja", "13131313-1313-4313-8313-131313131313", "cohowinery.onmicrosoft.com"),
    ("en", "14141414-1414-4414-8414-141414141414", "margiestravel.onmicrosoft.com"),
], ids=["ja", "en"])
def test_an_oem_is_accepted_through_its_own_link_registers_and_cannot_be_removed_by_the_customer(
        gdap, browser_factory, lang, customer, domain):
    w = WORDS[lang]
    oem = pc_token(gdap, "oem@adatum.onmicrosoft.com", "Oem-Pass-1")
    devices = [{"hardwareHash": hardware_hash(300 if lang == "ja" else 400)}]
    before = pc(gdap, oem, "POST", f"/v1/customers/{customer}/deviceBatches/validate", {"devices": devices})
    assert before.status_code == 200 and before.json()["consentGranted"] is False, before.text

    # gdap's operators hand the OEM its link, which it e-mails to its customer.
    out = subprocess.run([gdap.binary, "oem", "link", "--oem", "adatum.onmicrosoft.com",
                          "--public-url", gdap.base, "--db", str(gdap.db)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    link = out.stdout.strip()

    staff = browser_factory(lang)
    staff.open(link)
    staff.sign_in(f"staff@{domain}", "Staff-Pass-1", w["sign_in"])
    assert w["oem_permission"] in staff.text(), staff.text()
    staff.shot("oem-not-an-administrator")
    c = browser_factory(lang)
    c.open(link)
    c.sign_in(f"admin@{domain}", "Admin-Pass-1", w["sign_in"])
    assert c.h1() == w["oem_title"]
    assert w["no_admin"] in c.text()
    c.shot("accept-partner-invitation")
    c.check(w["oem_yes"])
    c.click(w["oem_accept"])
    assert c.h1() == w["oem_done"]
    c.shot("oem-accepted")

    # At once: the OEM's check passes and its devices land.
    after = pc(gdap, oem, "POST", f"/v1/customers/{customer}/deviceBatches/validate", {"devices": devices})
    assert after.json()["consentGranted"] is True and after.json()["devicesStatus"][0]["status"] == "valid", after.text
    r, job = register_by_api(gdap, oem, customer, "factory", devices)
    assert r.status_code == 202 and job["status"] == "finished", r.text

    # The customer sees the OEM with its consent; it cannot remove it, and is told whom to ask.
    c.open(gdap.base + "/adminportal/settings/partners")
    row = c.d.find_element(By.CSS_SELECTOR, f"tr[data-partner='{ADATUM}']").text
    assert w["can_register"] in row, row
    c.open(f"{gdap.base}/adminportal/settings/partners/{ADATUM}")
    assert w["oem_ask"] in c.text()
    assert not c.d.find_elements(By.CSS_SELECTOR, "a[href$='removeRoles']")
    c.shot("oem-not-removable")
    c.open(gdap.base + "/adminportal/devices/autopilot")
    assert c.d.find_elements(By.CSS_SELECTOR, f"tr[data-added-by='{ADATUM}']")
    c.shot("oem-devices")
