"""Brings the demo world into the states the API's operations act on, and writes what the fuzzer needs.

Usage: world.py BASE_URL OUT.json, with the tokens in GDAP_PARTNER_TOKEN (the partner's application),
GDAP_CUSTOMER_TOKEN (Fabrikam's Global Administrator, for the admin center), GDAP_DIRECTORY_TOKEN (the same
administrator, for Graph's directory) and GDAP_REMOVAL_TOKEN (Northwind's).

Fabrikam's pending relationship is approved and given an access assignment; Fabrikam gets one more
relationship waiting for approval and one still `created`; Northwind gets an approved relationship whose
Global Administrator role is then removed, which leaves a long-running operation. OUT.json holds the
tokens and, as `parameters`, sets of path parameters naming these objects.
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request

CONTOSO = "8777b240-c6f0-4469-9e98-a3205431b836"
FABRIKAM = "4fdbff88-9d6b-42e0-9713-45c922ba8001"
NORTHWIND = "4fdbff88-9d6b-42e0-9713-45c922ba8002"
HELPDESK_AGENTS = "869713c9-0b28-4d08-8949-ae07ae1bf529"
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
HELPDESK_ADMIN = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
RELATIONSHIPS = "/v1.0/tenantRelationships/delegatedAdminRelationships"

base, out = sys.argv[1], sys.argv[2]
partner = os.environ["GDAP_PARTNER_TOKEN"]
customer = os.environ["GDAP_CUSTOMER_TOKEN"]
removal = os.environ["GDAP_REMOVAL_TOKEN"]
directory = os.environ["GDAP_DIRECTORY_TOKEN"]


def call(method, path, token, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            return json.loads(text) if text else {}, response.headers
    except urllib.error.HTTPError as e:
        sys.exit(f"{method} {path}: {e.code} {e.read().decode()[:500]}")


def create(tenant, name, roles, auto_extend="P180D"):
    body = {"displayName": name, "duration": "P730D", "autoExtendDuration": auto_extend,
            "customer": {"tenantId": tenant},
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": r} for r in roles]}}
    return call("POST", RELATIONSHIPS, partner, body)[0]["id"]


def lock(rel):
    return call("POST", f"{RELATIONSHIPS}/{rel}/requests", partner, {"action": "lockForApproval"})[0]["id"]


def approve(rel, token):
    call("POST", "/admincenter/v1/customerAgreement", token)
    call("POST", f"/admincenter/v1/gdapInvitations/{rel}/approve", token)


def wait_active(rel):
    deadline = time.time() + 60
    while True:
        found = call("GET", f"{RELATIONSHIPS}/{rel}", partner)[0]
        if found["status"] == "active":
            return found
        if time.time() > deadline:
            sys.exit(f"relationship {rel} stayed {found['status']}")
        time.sleep(0.5)


pending = [r for r in call("GET", RELATIONSHIPS, partner)[0]["value"] if r["status"] == "approvalPending"]
if len(pending) != 1:
    sys.exit(f"expected the demo's one pending relationship, found {len(pending)}")
active = pending[0]["id"]
active_request = call("GET", f"{RELATIONSHIPS}/{active}/requests", partner)[0]["value"][0]["id"]
approve(active, customer)

waiting = create(FABRIKAM, "Fabrikam waiting", [HELPDESK_ADMIN])
waiting_request = lock(waiting)
created = create(FABRIKAM, "Fabrikam draft", [HELPDESK_ADMIN])

northwind = create(NORTHWIND, "Northwind with GA", [GLOBAL_ADMIN, HELPDESK_ADMIN], auto_extend="PT0S")
lock(northwind)
approve(northwind, removal)

wait_active(active)
assignment = call("POST", f"{RELATIONSHIPS}/{active}/accessAssignments", partner, {
    "accessContainer": {"accessContainerId": HELPDESK_AGENTS, "accessContainerType": "securityGroup"},
    "accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK_ADMIN}]},
})[0]["id"]

etag = wait_active(northwind)["@odata.etag"]
_, headers = call("PATCH", f"{RELATIONSHIPS}/{northwind}", partner,
                  {"accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK_ADMIN}]}}, {"If-Match": etag})
operation = headers["Location"].rstrip("/").rsplit("/", 1)[1]

# Not the administrator whose token the directory calls carry: a generated PATCH could disable it, and its
# token would be refused from then on.
users = [u for u in call("GET", "/v1.0/users", directory)[0]["value"]
         if not u["userPrincipalName"].startswith("admin@")]
groups = call("GET", "/v1.0/groups", directory)[0]["value"]
roles = call("GET", "/v1.0/roleManagement/directory/roleAssignments", directory)[0]["value"]
skus = call("GET", "/v1.0/subscribedSkus", directory)[0]["value"]
parameters = (
    [{"id": r} for r in (active, waiting, created, northwind)]
    + [{"id": o["id"]} for o in users[:3] + groups[:3] + roles[:3] + skus[:1]]
    + [{"id": g["id"], "member": u["id"]} for g in groups[:2] for u in users[:2]]
    + [{"id": active, "assignment_id": assignment},
       {"id": active, "request_id": active_request},
       {"id": waiting, "request_id": waiting_request},
       {"id": northwind, "operation_id": operation}]
    + [{"customer_id": c} for c in (FABRIKAM, NORTHWIND)]
    + [{"partner_id": CONTOSO}]
    + [{"tenant": t} for t in ("contosopartner.onmicrosoft.com", FABRIKAM, "organizations", "common")]
)
with open(out, "w") as f:
    json.dump({"partner": partner, "customer": customer, "removal": removal, "directory": directory,
               "parameters": parameters}, f)
print(f"world: relationships {active} (active), {waiting} (approvalPending), {created} (created), "
      f"{northwind} (Northwind); assignment {assignment}; operation {operation}")
