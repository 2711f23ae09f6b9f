//! What gdap's HTTP faces share, and nothing of any one face: the Graph error envelope
//! ([`ApiError`]), the extractors of request parts and bodies, the caller's bearer token, the Graph
//! representations of relationships that both the Graph API and the admin-center API render, the
//! request ids, and the step in front of every request ([`front::Front`]).

pub mod auth;
pub mod body;
pub mod dto;
pub mod error;
pub mod extract;
pub mod front;
pub mod request_id;
pub mod schema;

pub use error::{ApiError, ApiResult};
