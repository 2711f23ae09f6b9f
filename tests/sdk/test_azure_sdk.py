"""Azure Resource Manager through Microsoft's own Azure SDK for Python (azure-mgmt-resource,
azure-mgmt-authorization, azure-identity), unmodified, pointed at gdap: a CSP partner creates a
customer and orders it an Azure plan through Partner Center; its Admin Agent signs in to the customer
and, as Owner through the partner's Admin Agents group, lists the subscription, creates a resource
group and reads the role assignments; the customer's Global Administrator elevates access and
deletes the partner's assignment; the technician's next call is refused."""

import pytest
import requests
from azure.core.exceptions import HttpResponseError
from azure.identity import UsernamePasswordCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.resource import ResourceManagementClient, SubscriptionClient

AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
ARM = ["https://management.azure.com/.default"]
PC = "https://api.partnercenter.microsoft.com/.default"
DOMAIN = "azureplan.onmicrosoft.com"


def token(gdap, tenant, upn, password, scope):
    r = requests.post(f"{gdap['base']}/{tenant}/oauth2/v2.0/token", data={
        "grant_type": "password", "client_id": AZURE_CLI, "username": upn, "password": password, "scope": scope})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def credential(gdap, tenant, upn, password):
    return UsernamePasswordCredential(AZURE_CLI, upn, password, tenant_id=tenant, authority=gdap["base"],
                                      disable_instance_discovery=True)


@pytest.fixture(scope="module")
def customer(gdap):
    """A customer Partner One creates, whose administrator accepts the customer agreement, and the
    Azure plan's subscription Partner One orders for it."""
    ga = token(gdap, "partnerone.onmicrosoft.com", "admin@partnerone.onmicrosoft.com", "Admin-Pass-1", PC)
    r = requests.post(gdap["base"] + "/v1/customers", headers={"Authorization": f"Bearer {ga}"}, json={
        "companyProfile": {"domain": DOMAIN},
        "billingProfile": {"email": "it@azureplan.example", "culture": "en-US", "language": "en",
                           "companyName": "Azure Plan Customer",
                           "defaultAddress": {"country": "US", "addressLine1": "1 Main St", "city": "Redmond"}},
    })
    assert r.status_code == 201, r.text
    tenant, password = r.json()["id"], r.json()["userCredentials"]["password"]
    admin = token(gdap, DOMAIN, f"admin@{DOMAIN}", password, "https://admin.microsoft.com/.default")
    r = requests.post(gdap["base"] + "/admincenter/v1/customerAgreement", headers={"Authorization": f"Bearer {admin}"})
    assert r.status_code == 200, r.text
    agent = token(gdap, "partnerone.onmicrosoft.com", "agent@partnerone.onmicrosoft.com", "Agent-Pass-1", PC)
    r = requests.post(f"{gdap['base']}/v1/customers/{tenant}/orders", headers={"Authorization": f"Bearer {agent}"}, json={
        "referenceCustomerId": tenant,
        "lineItems": [{"lineItemNumber": 0, "offerId": "DZH318Z0BPS6:0001", "friendlyName": "Production", "quantity": 1}]})
    assert r.status_code == 201, r.text
    return {"tenant": tenant, "password": password, "subscription": r.json()["lineItems"][0]["subscriptionId"]}


def test_the_azure_sdk_manages_a_csp_subscription_until_the_customer_removes_the_partner(gdap, customer):
    sub = customer["subscription"]
    tech = credential(gdap, DOMAIN, "agent@partnerone.onmicrosoft.com", "Agent-Pass-1")
    subscriptions = [s.subscription_id for s in SubscriptionClient(tech, base_url=gdap["base"]).subscriptions.list()]
    assert subscriptions == [sub]

    resources = ResourceManagementClient(tech, sub, base_url=gdap["base"])
    group = resources.resource_groups.create_or_update("web-prod", {"location": "japaneast"})
    assert group.name == "web-prod" and group.properties.provisioning_state == "Succeeded"
    assert [g.name for g in resources.resource_groups.list()] == ["web-prod"]

    auth = AuthorizationManagementClient(tech, sub, base_url=gdap["base"])
    owners = list(auth.role_assignments.list_for_subscription())
    assert len(owners) == 1
    owner = owners[0]
    assert owner.principal_type == "ForeignGroup"
    assert owner.role_definition_id.endswith("8e3af657-a8ff-443c-a75c-2fe8c4bcb635")

    # The customer's Global Administrator: no role on the CSP subscription until it elevates access.
    admin = credential(gdap, DOMAIN, f"admin@{DOMAIN}", customer["password"])
    customer_auth = AuthorizationManagementClient(admin, sub, base_url=gdap["base"])
    with pytest.raises(HttpResponseError) as refused:
        customer_auth.role_assignments.delete(f"subscriptions/{sub}", owner.name)
    assert refused.value.status_code == 403 and refused.value.error.code == "AuthorizationFailed"
    customer_auth.global_administrator.elevate_access()
    deleted = customer_auth.role_assignments.delete(f"subscriptions/{sub}", owner.name)
    assert deleted.name == owner.name

    # The technician's next call, with the token it holds, is refused.
    with pytest.raises(HttpResponseError) as after:
        list(resources.resource_groups.list())
    assert after.value.status_code == 403 and after.value.error.code == "AuthorizationFailed"
