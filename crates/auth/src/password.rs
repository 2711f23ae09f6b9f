//! Password and client-secret hashing with argon2id (PHC strings).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Hashes a secret into a PHC string with argon2id and a random salt.
pub fn hash_secret(secret: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        // Hashing with default parameters only fails on absurd input lengths; fall back to an
        // unverifiable marker rather than panic.
        .unwrap_or_else(|_| "!".to_owned())
}

/// Checks a secret against a PHC string; a malformed hash never verifies.
pub fn verify_secret(secret: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_secret_verifies_and_a_wrong_one_does_not() {
        let h = hash_secret("correct horse");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_secret("correct horse", &h));
        assert!(!verify_secret("wrong horse", &h));
        assert!(!verify_secret("correct horse", "not a hash"));
    }
}
