"""An indirect reseller's relationship through the official Graph SDKs for Python, v1.0 and beta,
unmodified: the indirect provider creates a `resellerDelegatedAdminRelationship` for its reseller
(gdap's inferred create call), and the reseller reads it as that type, approves it through its
requests and rejects another with the evolvable `reject`."""

import asyncio
from urllib.parse import urlparse

from azure.identity import ClientSecretCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.delegated_admin_access_details import DelegatedAdminAccessDetails
from msgraph.generated.models.delegated_admin_relationship_customer_participant import (
    DelegatedAdminRelationshipCustomerParticipant,
)
from msgraph.generated.models.delegated_admin_relationship_request import DelegatedAdminRelationshipRequest
from msgraph.generated.models.delegated_admin_relationship_request_action import DelegatedAdminRelationshipRequestAction
from msgraph.generated.models.delegated_admin_relationship_status import DelegatedAdminRelationshipStatus
from msgraph.generated.models.reseller_delegated_admin_relationship import ResellerDelegatedAdminRelationship
from msgraph.generated.models.unified_role import UnifiedRole
from msgraph_beta import GraphRequestAdapter as BetaRequestAdapter
from msgraph_beta import GraphServiceClient as BetaServiceClient
from msgraph_beta.generated.models.delegated_admin_relationship_request import (
    DelegatedAdminRelationshipRequest as BetaRequest,
)
from msgraph_beta.generated.models.delegated_admin_relationship_request_action import (
    DelegatedAdminRelationshipRequestAction as BetaAction,
)
from msgraph_beta.generated.models.reseller_delegated_admin_relationship import (
    ResellerDelegatedAdminRelationship as BetaResellerRelationship,
)

PARTNER = "11111111-1111-4111-8111-111111111111"
PROVIDER = "55555555-5555-4555-8555-555555555555"
CUSTOMER_B = "44444444-4444-4444-8444-444444444444"
HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
WRITER = (PARTNER, "11111111-cccc-4ccc-8ccc-000000000001", "writer-secret")
PROVIDER_APP = (PROVIDER, "55555555-cccc-4ccc-8ccc-000000000001", "provider-secret")


def auth_for(gdap, app):
    tenant, client_id, secret = app
    credential = ClientSecretCredential(tenant, client_id, secret, authority=gdap["base"],
                                        disable_instance_discovery=True)
    return AzureIdentityAuthenticationProvider(
        credential, scopes=["https://graph.microsoft.com/.default"], allowed_hosts=[urlparse(gdap["base"]).hostname])


def client(gdap, app):
    adapter = GraphRequestAdapter(auth_for(gdap, app))
    adapter.base_url = gdap["base"] + "/v1.0"
    return GraphServiceClient(request_adapter=adapter)


def beta_client(gdap, app):
    adapter = BetaRequestAdapter(auth_for(gdap, app))
    adapter.base_url = gdap["base"] + "/beta"
    return BetaServiceClient(request_adapter=adapter)


def for_reseller(name):
    """The provider's relationship for Partner One with Customer B in the SDK's model of the derived
    type (whose `@odata.type` the caller sets, as for any derived type); the reseller and the ISO
    duration as additional data."""
    rel = ResellerDelegatedAdminRelationship(
        odata_type="#microsoft.graph.resellerDelegatedAdminRelationship",
        display_name=name,
        customer=DelegatedAdminRelationshipCustomerParticipant(tenant_id=CUSTOMER_B),
        access_details=DelegatedAdminAccessDetails(unified_roles=[UnifiedRole(role_definition_id=HELPDESK)]),
    )
    rel.additional_data = {"duration": "P730D", "partner": {"tenantId": PARTNER}}
    return rel


def include_unknown_members():
    config = RequestConfiguration()
    config.headers.add("Prefer", "include-unknown-enum-members")
    return config


def test_the_sdks_read_a_resellers_relationship_and_follow_its_requests(gdap):
    asyncio.run(reseller_sequence(gdap))


async def reseller_sequence(gdap):
    provider = client(gdap, PROVIDER_APP).tenant_relationships.delegated_admin_relationships
    created = await provider.post(for_reseller("SDK indirect"))
    assert isinstance(created, ResellerDelegatedAdminRelationship)
    assert created.indirect_provider_tenant_id == PROVIDER
    assert created.is_partner_consent_pending is True
    assert created.status == DelegatedAdminRelationshipStatus.ApprovalPending
    assert created.id.endswith(PARTNER)

    # The reseller lists and reads it as the derived type, with v1.0 and with beta.
    reseller = client(gdap, WRITER).tenant_relationships.delegated_admin_relationships
    page = await reseller.get()
    listed = [r for r in page.value if r.id == created.id]
    assert len(listed) == 1 and isinstance(listed[0], ResellerDelegatedAdminRelationship)
    beta = beta_client(gdap, WRITER).tenant_relationships.delegated_admin_relationships
    read = await beta.by_delegated_admin_relationship_id(created.id).get()
    assert isinstance(read, BetaResellerRelationship)
    assert read.indirect_provider_tenant_id == PROVIDER and read.is_partner_consent_pending is True

    # It approves through the relationship's requests (beta), and v1.0 reads the request back.
    approved = await beta.by_delegated_admin_relationship_id(created.id).requests.post(
        BetaRequest(action=BetaAction.Approve))
    assert approved.action == BetaAction.Approve
    item = reseller.by_delegated_admin_relationship_id(created.id)
    after = await item.get()
    assert after.is_partner_consent_pending is False
    assert after.status == DelegatedAdminRelationshipStatus.ApprovalPending
    requests = await item.requests.get()
    assert [r.action for r in requests.value] == [DelegatedAdminRelationshipRequestAction.Approve]
    one = await item.requests.by_delegated_admin_relationship_request_id(approved.id).get()
    assert one.action == DelegatedAdminRelationshipRequestAction.Approve

    # Another is rejected with the evolvable member, which the SDK sends as it is.
    other = await provider.post(for_reseller("SDK indirect, rejected"))
    rejected = await reseller.by_delegated_admin_relationship_id(other.id).requests.post(
        DelegatedAdminRelationshipRequest(action=DelegatedAdminRelationshipRequestAction.Reject),
        request_configuration=include_unknown_members())
    assert rejected.action == DelegatedAdminRelationshipRequestAction.Reject
    ended = await reseller.by_delegated_admin_relationship_id(other.id).get()
    assert ended.status == DelegatedAdminRelationshipStatus.Terminated
    assert ended.is_partner_consent_pending is False
