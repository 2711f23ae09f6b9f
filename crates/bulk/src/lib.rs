//! Work on many customers at once through the Graph GDAP API.
//!
//! `gdap bulk` reads a file of customers, and for each creates an admin relationship from a named
//! role template, locks it for approval, sends (or writes) the invitation, and once the customer
//! approved, gives the template's security groups their roles. It uses only the Graph calls that
//! Microsoft documents for GDAP, so the same run works against gdap and against Microsoft Graph.
//!
//! Graph has no idempotency key: a run is made resumable by its result file (a line per step of
//! each row, written before the step's effect is relied on) and by a look-up before each create
//! (`$filter=customer/tenantId eq …`, then the unique display name's `409`). Throttling is
//! honoured: a `429` pauses every request of the run until its `Retry-After` has passed.

mod advance;
pub mod apply;
pub mod graph;
pub mod input;
pub mod invite;
pub mod journal;
pub mod run;

pub use graph::{Auth, GraphClient, GraphError};
pub use input::{Customer, InputError, RowError};
pub use run::{Mode, Options, Outcome, Run, Summary};
