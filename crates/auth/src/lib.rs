//! Credentials and tokens for gdap: argon2 password and secret hashing, ES256-signed JWTs in the
//! shape Entra ID issues them, and the JWKS that lets any client verify them.

pub mod jwt;
pub mod password;

pub use jwt::{Claims, KeySet, SigningKey, TokenError};
pub use password::{hash_secret, verify_secret};
