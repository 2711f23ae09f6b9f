//! Azure role-based access control as data (`azure_cases.json`), beside the GDAP cases: the
//! Owner a partner's Admin Agents get on a subscription it provisions, what "Remove roles" leaves,
//! the customer's Global Administrator elevating access and deleting the partner's assignment, the
//! built-in roles' limits, and when a partner user gets a token for Azure Resource Manager.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly on broken assumptions"
)]

use gdap_domain::azure::{arm_token, decide, ArmTokenRefusal, Assignment, Caller};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Decision {
    name: String,
    assignments: Vec<Assignment>,
    caller: Caller,
    action: String,
    scope: String,
    expect: String,
    role: Option<String>,
    via: Option<uuid::Uuid>,
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Token {
    name: String,
    azure_role: bool,
    gdap_role: bool,
    require_gdap: bool,
    expect: String,
}

#[derive(Deserialize)]
struct Cases {
    decisions: Vec<Decision>,
    tokens: Vec<Token>,
}

fn cases() -> Cases {
    serde_json::from_str(include_str!("azure_cases.json")).unwrap()
}

#[test]
fn every_azure_decision_case_holds() {
    let cases = cases();
    assert!(cases.decisions.len() >= 15);
    for c in &cases.decisions {
        let got = decide(&c.caller, &c.assignments, &c.action, &c.scope);
        match (c.expect.as_str(), got) {
            ("allow", Ok(g)) => {
                assert_eq!(Some(g.role.name), c.role.as_deref(), "{}", c.name);
                assert_eq!(Some(g.assignment.id), c.via, "{}", c.name);
            }
            ("deny", Err(d)) => assert_eq!(Some(d.code()), c.reason.as_deref(), "{}", c.name),
            (want, got) => panic!("{}: expected {want}, got {got:?}", c.name),
        }
    }
}

#[test]
fn every_arm_token_case_holds() {
    for c in cases().tokens {
        let got = match arm_token(c.azure_role, c.gdap_role, c.require_gdap) {
            Ok(()) => "issued",
            Err(ArmTokenRefusal::NoAzureRole) => "noAzureRole",
            Err(ArmTokenRefusal::NoGdapRole) => "noGdapRole",
        };
        assert_eq!(got, c.expect, "{}", c.name);
    }
}
