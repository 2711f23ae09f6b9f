//! Black-box tests of gdap over HTTP on an ephemeral port, with a fresh SQLite file per test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly on broken assumptions"
)]

mod agreement_document;
mod agreements;
mod application_consents;
mod applications;
mod authz;
mod autopilot;
mod autopilot_pages;
mod azure;
mod bad_input;
mod billing;
mod consent;
mod decline;
mod device;
mod directory;
mod flows;
mod helpers;
mod host;
mod indirect;
mod isolation;
mod japanese;
mod lifecycle;
mod mail;
mod mfa;
mod new_customers;
mod oauth;
mod odata;
mod pages;
mod partner_center;
mod partner_kinds;
mod portal_access;
mod privilege;
mod refresh;
mod renewals;
mod reseller;
mod revocation;
mod rules;
mod security;
mod sign_in;
mod surface;
mod tempdir;
mod throttling;
mod views;
mod visitor;
mod webhooks;
