//! Two `gdap serve` processes on one PostgreSQL database: any node serves any request.
//!
//! Runs when `GDAP_TEST_POSTGRES` names a PostgreSQL server (`./scripts/test` and CI set it); each
//! test creates a fresh database and drops it afterwards.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly on broken assumptions"
)]

#[path = "../common/mod.rs"]
mod common;
mod consistency;
mod helpers;
mod renewals;
mod sessions;
mod webhooks;
