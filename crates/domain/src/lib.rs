//! The pure domain of gdap: identifiers, durations, Graph enumerations, the built-in role catalogue,
//! and the state machines of relationships, requests, access assignments and operations with every
//! rule the Graph GDAP API enforces.
//!
//! Nothing here reads a clock or does I/O: every operation takes `now` as a parameter.

pub mod agreement;
pub mod assignment;
pub mod attention;
pub mod audit;
pub mod authz;
pub mod autopilot;
pub mod azure;
pub mod billing;
pub mod consent;
pub mod customer;
pub mod directory;
pub mod duration;
pub mod enums;
pub mod error;
pub mod ids;
pub mod mail;
pub mod oauth;
pub mod query;
pub mod relationship;
pub mod renewal;
pub mod request;
pub mod roles;
pub mod tasks;
pub mod template;
pub mod ties;
pub mod timefmt;
pub mod webhook;

pub use error::DomainError;

use time::Duration;

/// How long the automatic lifecycle steps take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timings {
    /// Length of each provisioning step (`approved → activating → active`, `pending → active`,
    /// request and operation steps, `terminationRequested → terminating → terminated`).
    pub step: Duration,
    /// How long an invitation can be approved after `lockForApproval` (90 days).
    pub invitation_ttl: Duration,
}

impl Default for Timings {
    fn default() -> Self {
        Self {
            step: Duration::seconds(1),
            invitation_ttl: Duration::days(90),
        }
    }
}
