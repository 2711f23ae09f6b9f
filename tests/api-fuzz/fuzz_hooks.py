"""Fuzzer hooks: who calls each operation, which real objects its path may name, and a record of every call.

GDAP_FUZZ_WORLD names the file world.py wrote; each call is appended to GDAP_FUZZ_LOG as a JSON line.
"""

import json
import os

import schemathesis
from hypothesis import strategies as st

with open(os.environ["GDAP_FUZZ_WORLD"]) as f:
    WORLD = json.load(f)
LOG = open(os.environ["GDAP_FUZZ_LOG"], "a", buffering=1)
REMOVE_ROLES = "/admincenter/v1/partners/{partner_id}/removeRoles"
DIRECTORY = ("/v1.0/users", "/v1.0/groups", "/v1.0/roleManagement/", "/v1.0/organization", "/v1.0/subscribedSkus",
             "/v1.0/deviceManagement/")


def token_for(path):
    """The partner's application on the GDAP and check APIs; a customer's administrator in its directory and
    in the admin center. Removing a partner's roles ends relationships, so it is done in Northwind, apart
    from Fabrikam's."""
    if path == REMOVE_ROLES:
        return WORLD["removal"]
    if path.startswith(DIRECTORY):
        return WORLD["directory"]
    if path.startswith("/admincenter/"):
        return WORLD["customer"]
    if path.startswith(("/v1.0/", "/beta/", "/authz/")):
        return WORLD["partner"]
    return None


@schemathesis.auth(refresh_interval=None)
class Tokens:
    def get(self, case, ctx):
        return token_for(case.operation.path)

    def set(self, case, token, ctx):
        if token is not None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    """Half of the generated paths name objects that exist."""
    names = set(path_parameters or {})
    known = [p for p in WORLD["parameters"] if set(p) == names]
    return st.one_of(st.just(path_parameters), st.sampled_from(known)) if known else st.just(path_parameters)


@schemathesis.hook
def flatmap_headers(context, headers):
    """Half of the conditional writes send `If-Match: *`, which matches any current version."""
    if not any(p.name.lower() == "if-match" for p in context.operation.headers):
        return st.just(headers)
    return st.one_of(st.just(headers), st.just({**(headers or {}), "If-Match": "*"}))


@schemathesis.hook
def after_call(context, case, response):
    request = response.request
    body = request.body.decode(errors="replace") if isinstance(request.body, bytes) else request.body
    LOG.write(json.dumps({
        "operation": f"{case.operation.method.upper()} {case.operation.path}",
        "status": response.status_code,
        "request": f"{request.method} {request.url}",
        "body": (body or "")[:300],
        "response": response.content.decode(errors="replace")[:300],
    }) + "\n")
