"""The official Microsoft Graph SDK for Python, unmodified, against gdap over HTTPS.

The SDK and azure-identity are configured only through their public options: the credential's
authority, the request adapter's base URL and the authentication provider's allowed hosts.
"""

import asyncio
from datetime import timedelta
from urllib.parse import urlparse

import httpx
import pytest
from azure.core.credentials import AccessToken
from azure.identity import ClientSecretCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.delegated_admin_access_assignment import DelegatedAdminAccessAssignment
from msgraph.generated.models.delegated_admin_access_container import DelegatedAdminAccessContainer
from msgraph.generated.models.delegated_admin_access_container_type import DelegatedAdminAccessContainerType
from msgraph.generated.models.delegated_admin_access_details import DelegatedAdminAccessDetails
from msgraph.generated.models.delegated_admin_relationship import DelegatedAdminRelationship
from msgraph.generated.models.delegated_admin_relationship_customer_participant import (
    DelegatedAdminRelationshipCustomerParticipant,
)
from msgraph.generated.models.delegated_admin_relationship_request import DelegatedAdminRelationshipRequest
from msgraph.generated.models.delegated_admin_relationship_request_action import DelegatedAdminRelationshipRequestAction
from msgraph.generated.models.delegated_admin_relationship_status import DelegatedAdminRelationshipStatus
from msgraph.generated.models.delegated_admin_access_assignment_status import DelegatedAdminAccessAssignmentStatus
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.password_profile import PasswordProfile
from msgraph.generated.models.unified_role import UnifiedRole
from msgraph.generated.models.user import User
from msgraph_core.tasks.page_iterator import PageIterator

PARTNER = "11111111-1111-4111-8111-111111111111"
CUSTOMER_A = "33333333-3333-4333-8333-333333333333"
HELPDESK_AGENTS = "11111111-aaaa-4aaa-8aaa-000000000002"
HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"
WRITER = ("11111111-cccc-4ccc-8ccc-000000000001", "writer-secret")


def client_for(gdap):
    credential = ClientSecretCredential(
        PARTNER, WRITER[0], WRITER[1], authority=gdap["base"], disable_instance_discovery=True
    )
    host = urlparse(gdap["base"]).hostname
    auth = AzureIdentityAuthenticationProvider(
        credential, scopes=["https://graph.microsoft.com/.default"], allowed_hosts=[host]
    )
    adapter = GraphRequestAdapter(auth)
    adapter.base_url = gdap["base"] + "/v1.0"
    return GraphServiceClient(request_adapter=adapter)


def relationship(name, duration="P730D", auto_extend="P180D", roles=(HELPDESK, USER_ADMIN)):
    rel = DelegatedAdminRelationship(
        display_name=name,
        customer=DelegatedAdminRelationshipCustomerParticipant(tenant_id=CUSTOMER_A),
        access_details=DelegatedAdminAccessDetails(unified_roles=[UnifiedRole(role_definition_id=r) for r in roles]),
    )
    # msgraph-sdk-python issue 1262: the model's timedelta is written as "730 days, 0:00:00", which Graph
    # refuses; the documented workaround sends the ISO 8601 strings as additional data.
    rel.additional_data = {"duration": duration, "autoExtendDuration": auto_extend}
    return rel


def if_match(etag):
    config = RequestConfiguration()
    config.headers.add("If-Match", etag)
    return config


async def customer_approves(gdap, relationship_id):
    async with httpx.AsyncClient(verify=gdap["ca"]) as http:
        token = await http.post(
            f"{gdap['base']}/customera.onmicrosoft.com/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "client_id": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
                "username": "ga@customera.onmicrosoft.com",
                "password": "Ga-Pass-1",
                "scope": "https://admin.microsoft.com/.default",
            },
        )
        token.raise_for_status()
        headers = {"Authorization": "Bearer " + token.json()["access_token"]}
        r = await http.post(f"{gdap['base']}/admincenter/v1/customerAgreement", headers=headers)
        assert r.status_code == 200, r.text
        r = await http.post(
            f"{gdap['base']}/admincenter/v1/gdapInvitations/{relationship_id}/approve",
            headers=headers,
        )
        assert r.status_code == 200, r.text


async def wait_for(fetch, predicate, what, seconds=20):
    for _ in range(int(seconds / 0.1)):
        value = await fetch()
        if predicate(value):
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_sdk_runs_the_canonical_gdap_sequence(gdap):
    asyncio.run(canonical_sequence(gdap))


async def canonical_sequence(gdap):
    client = client_for(gdap)
    rels = client.tenant_relationships.delegated_admin_relationships

    # 1. Create.
    created = await rels.post(relationship("SDK canonical"))
    assert created.status == DelegatedAdminRelationshipStatus.Created
    assert created.duration == timedelta(days=730)
    assert created.id.endswith(PARTNER)
    item = rels.by_delegated_admin_relationship_id(created.id)

    # 2. Fix a field while created, with If-Match.
    etag = created.additional_data["@odata.etag"]
    patch = DelegatedAdminRelationship(display_name="SDK canonical (renamed)")
    patched = await item.patch(patch, request_configuration=if_match(etag))
    assert patched.display_name == "SDK canonical (renamed)"

    # 3. Lock for approval.
    request = await item.requests.post(
        DelegatedAdminRelationshipRequest(action=DelegatedAdminRelationshipRequestAction.LockForApproval)
    )
    assert request.action == DelegatedAdminRelationshipRequestAction.LockForApproval
    assert (await item.get()).status == DelegatedAdminRelationshipStatus.ApprovalPending

    # 4-5. The customer approves; poll until active.
    await customer_approves(gdap, created.id)
    active = await wait_for(item.get, lambda r: r.status == DelegatedAdminRelationshipStatus.Active, "active")
    assert active.activated_date_time is not None
    assert active.end_date_time - active.activated_date_time == timedelta(days=730)
    customers = await client.tenant_relationships.delegated_admin_customers.get()
    assert [c.tenant_id for c in customers.value] == [CUSTOMER_A]

    # 6. Access assignment: pending -> active.
    assignment = await item.access_assignments.post(
        DelegatedAdminAccessAssignment(
            access_container=DelegatedAdminAccessContainer(
                access_container_id=HELPDESK_AGENTS,
                access_container_type=DelegatedAdminAccessContainerType.SecurityGroup,
            ),
            access_details=DelegatedAdminAccessDetails(unified_roles=[UnifiedRole(role_definition_id=HELPDESK)]),
        )
    )
    assert assignment.status == DelegatedAdminAccessAssignmentStatus.Pending
    a_item = item.access_assignments.by_delegated_admin_access_assignment_id(assignment.id)
    active_a = await wait_for(a_item.get, lambda a: a.status == DelegatedAdminAccessAssignmentStatus.Active, "assignment")

    # 7. Later changes: assignment roles (202 + operation), auto-extend toggle.
    change = DelegatedAdminAccessAssignment(
        access_details=DelegatedAdminAccessDetails(
            unified_roles=[UnifiedRole(role_definition_id=HELPDESK), UnifiedRole(role_definition_id=USER_ADMIN)]
        )
    )
    await a_item.patch(change, request_configuration=if_match(active_a.additional_data["@odata.etag"]))
    ops = await wait_for(
        item.operations.get,
        lambda o: o.value and all(op.status.value == "succeeded" for op in o.value),
        "operation",
    )
    assert len(ops.value) == 1
    toggled = DelegatedAdminRelationship()
    toggled.additional_data = {"autoExtendDuration": "PT0S"}
    current = await item.get()
    off = await item.patch(toggled, request_configuration=if_match(current.additional_data["@odata.etag"]))
    assert off.auto_extend_duration == timedelta(0)

    # 8. End: terminate.
    await item.requests.post(DelegatedAdminRelationshipRequest(action=DelegatedAdminRelationshipRequestAction.Terminate))
    await wait_for(item.get, lambda r: r.status == DelegatedAdminRelationshipStatus.Terminated, "terminated")
    assignments = await item.access_assignments.get()
    assert [a.status for a in assignments.value] == [DelegatedAdminAccessAssignmentStatus.Deleted]


def test_the_sdk_pages_through_relationships_with_next_links(gdap):
    asyncio.run(paging(gdap))


async def paging(gdap):
    client = client_for(gdap)
    rels = client.tenant_relationships.delegated_admin_relationships
    for i in range(7):
        await rels.post(relationship(f"SDK page {i}", auto_extend="PT0S"))

    params = rels.DelegatedAdminRelationshipsRequestBuilderGetQueryParameters(
        top=3, filter="startswith(displayName,'SDK page')", count=True
    )
    first = await rels.get(request_configuration=RequestConfiguration(query_parameters=params))
    assert first.odata_count == 7
    assert len(first.value) == 3 and first.odata_next_link
    assert first.odata_next_link.startswith(gdap["base"] + "/v1.0/"), first.odata_next_link
    names = []

    def collect(rel):
        names.append(rel.display_name)
        return True

    iterator = PageIterator(first, client.request_adapter)
    await iterator.iterate(collect)
    assert sorted(names) == sorted(f"SDK page {i}" for i in range(7))


def test_a_timedelta_duration_is_refused_with_the_iso_form(gdap):
    asyncio.run(timedelta_refused(gdap))


async def timedelta_refused(gdap):
    client = client_for(gdap)
    rel = relationship("SDK timedelta")
    rel.additional_data = {}
    rel.duration = timedelta(days=730)
    with pytest.raises(ODataError) as err:
        await client.tenant_relationships.delegated_admin_relationships.post(rel)
    assert err.value.response_status_code == 400
    assert "P730D" in err.value.error.message


class TechnicianCredential:
    """The partner's technician signed in to Customer A with its partner credentials (a token from
    gdap's token endpoint, handed to the SDK through azure-core's credential interface)."""

    def __init__(self, gdap):
        self.gdap = gdap

    async def get_token(self, *scopes, **kwargs):
        async with httpx.AsyncClient(verify=self.gdap["ca"]) as http:
            r = await http.post(
                f"{self.gdap['base']}/customera.onmicrosoft.com/oauth2/v2.0/token",
                data={
                    "grant_type": "password",
                    "client_id": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
                    "username": "tech@partnerone.onmicrosoft.com",
                    "password": "Tech-Pass-1",
                    "scope": "https://graph.microsoft.com/.default",
                },
            )
            r.raise_for_status()
            body = r.json()
            return AccessToken(body["access_token"], int(body["expires_in"]))


def technician_client(gdap):
    host = urlparse(gdap["base"]).hostname
    auth = AzureIdentityAuthenticationProvider(
        TechnicianCredential(gdap), scopes=["https://graph.microsoft.com/.default"], allowed_hosts=[host]
    )
    adapter = GraphRequestAdapter(auth)
    adapter.base_url = gdap["base"] + "/v1.0"
    return GraphServiceClient(request_adapter=adapter)


def test_a_technicians_refused_directory_call_raises_the_sdks_error_with_graphs_code(gdap):
    asyncio.run(technician_refused(gdap))


async def technician_refused(gdap):
    client = client_for(gdap)
    rels = client.tenant_relationships.delegated_admin_relationships
    created = await rels.post(relationship("SDK technician", roles=(HELPDESK,)))
    item = rels.by_delegated_admin_relationship_id(created.id)
    await item.requests.post(
        DelegatedAdminRelationshipRequest(action=DelegatedAdminRelationshipRequestAction.LockForApproval)
    )
    await customer_approves(gdap, created.id)
    await wait_for(item.get, lambda r: r.status == DelegatedAdminRelationshipStatus.Active, "active")
    assignment = await item.access_assignments.post(
        DelegatedAdminAccessAssignment(
            access_container=DelegatedAdminAccessContainer(
                access_container_id=HELPDESK_AGENTS,
                access_container_type=DelegatedAdminAccessContainerType.SecurityGroup,
            ),
            access_details=DelegatedAdminAccessDetails(unified_roles=[UnifiedRole(role_definition_id=HELPDESK)]),
        )
    )
    a_item = item.access_assignments.by_delegated_admin_access_assignment_id(assignment.id)
    await wait_for(a_item.get, lambda a: a.status == DelegatedAdminAccessAssignmentStatus.Active, "assignment")

    tech = technician_client(gdap)
    user = tech.users.by_user_id("user@customera.onmicrosoft.com")
    # Helpdesk Administrator resets a non-administrator's password...
    await user.patch(User(password_profile=PasswordProfile(password="Sdk-Reset-123")))
    # ...but may not rename the user: Graph's directory code and sentence, through the SDK's error.
    with pytest.raises(ODataError) as err:
        await user.patch(User(display_name="Renamed by the technician"))
    assert err.value.response_status_code == 403
    assert err.value.error.code == "Authorization_RequestDenied"
    assert err.value.error.message == "Insufficient privileges to complete the operation."
    assert "users/basic/update" in err.value.error.details[0].message

    await item.requests.post(DelegatedAdminRelationshipRequest(action=DelegatedAdminRelationshipRequestAction.Terminate))
    await wait_for(item.get, lambda r: r.status == DelegatedAdminRelationshipStatus.Terminated, "terminated")
