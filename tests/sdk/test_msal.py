"""MSAL for Python, unmodified, signing users in to gdap through its public options only."""

import httpx
import msal

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
