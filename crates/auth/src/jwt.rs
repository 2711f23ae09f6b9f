//! ES256 JSON Web Tokens and key sets.
//!
//! Entra ID signs with RS256; gdap signs with ES256 (P-256), which every JWT library and the
//! Microsoft identity libraries accept, and which keeps keys small and signing fast. Only `ES256`
//! is accepted on verification: `alg: none`, HMAC algorithms and anything else are refused.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{
    self, EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING,
};
use serde::{Deserialize, Serialize};

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Not three base64url parts of JSON.
    #[error("the access token is malformed")]
    Malformed,
    /// Signed with something other than ES256 (including `none`).
    #[error("the token's signing algorithm `{0}` is not accepted")]
    Algorithm(String),
    /// Unknown `kid`.
    #[error("the token was signed with an unknown key")]
    UnknownKey,
    /// Signature does not verify.
    #[error("the token signature is invalid")]
    Signature,
    /// Past `exp`.
    #[error("the token has expired")]
    Expired,
    /// Before `nbf`.
    #[error("the token is not valid yet")]
    NotYetValid,
    /// Audience not accepted here.
    #[error("the token's audience `{0}` is not accepted by this API")]
    Audience(String),
    /// Issuer does not match the tenant.
    #[error("the token's issuer is not valid")]
    Issuer,
    /// Key material could not be used.
    #[error("signing key error")]
    Key,
}

/// The claims gdap puts in an access token (a subset of Entra's v2 access token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// Audience (resource), e.g. `https://graph.microsoft.com`.
    pub aud: String,
    /// Issuer, `{base}/{tenantId}/v2.0`.
    pub iss: String,
    /// Issued at (seconds).
    pub iat: i64,
    /// Not before (seconds).
    pub nbf: i64,
    /// Expiry (seconds).
    pub exp: i64,
    /// Tenant the token is for.
    pub tid: String,
    /// Object id of the principal (user or service principal).
    pub oid: String,
    /// Subject.
    pub sub: String,
    /// Client that asked for the token.
    pub azp: String,
    /// `app` for application tokens, `user` for user tokens.
    pub idtyp: String,
    /// Application permissions (app tokens).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// Delegated scopes, space-separated (user tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    /// Sign-in name (user tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    /// Display name (user tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Identity provider of a foreign (partner) principal: its home tenant's issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp: Option<String>,
    /// Home tenant of a foreign principal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_tid: Option<String>,
    /// How the user signed in (`pwd`, and `mfa` after a second factor); user tokens.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amr: Vec<String>,
    /// Token version.
    pub ver: String,
    /// Unique token id.
    pub uti: String,
}

#[derive(Serialize, Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    typ: Option<String>,
}

/// One P-256 signing key.
pub struct SigningKey {
    kid: String,
    pair: EcdsaKeyPair,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({})", self.kid)
    }
}

impl SigningKey {
    /// Generates a new key; returns it with its PKCS#8 bytes for storage.
    pub fn generate() -> Result<(Self, Vec<u8>), TokenError> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| TokenError::Key)?;
        let bytes = pkcs8.as_ref().to_vec();
        let kid = {
            let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
            URL_SAFE_NO_PAD.encode(&digest.as_ref()[..12])
        };
        Ok((Self::from_pkcs8(&kid, &bytes)?, bytes))
    }

    /// Loads a stored key.
    pub fn from_pkcs8(kid: &str, pkcs8: &[u8]) -> Result<Self, TokenError> {
        let pair = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            pkcs8,
            &SystemRandom::new(),
        )
        .map_err(|_| TokenError::Key)?;
        Ok(Self {
            kid: kid.to_owned(),
            pair,
        })
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    fn jwk(&self) -> serde_json::Value {
        // Uncompressed point: 0x04 || X (32) || Y (32).
        let public = self.pair.public_key().as_ref();
        let (x, y) = public
            .get(1..33)
            .zip(public.get(33..65))
            .unwrap_or((&[], &[]));
        serde_json::json!({
            "kty": "EC", "use": "sig", "crv": "P-256", "alg": "ES256",
            "kid": self.kid, "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y),
        })
    }
}

/// The keys in use: the newest signs, all verify.
#[derive(Debug, Default)]
pub struct KeySet {
    keys: BTreeMap<String, SigningKey>,
    newest: Option<String>,
}

impl KeySet {
    /// A key set from keys ordered oldest first.
    pub fn new(keys: Vec<SigningKey>) -> Self {
        let newest = keys.last().map(|k| k.kid.clone());
        Self {
            keys: keys.into_iter().map(|k| (k.kid.clone(), k)).collect(),
            newest,
        }
    }

    /// Signs claims with the newest key (an access token's [`Claims`], or an ID token's).
    pub fn sign<C: Serialize>(&self, claims: &C) -> Result<String, TokenError> {
        let key = self
            .newest
            .as_ref()
            .and_then(|k| self.keys.get(k))
            .ok_or(TokenError::Key)?;
        let header = Header {
            alg: "ES256".into(),
            kid: Some(key.kid.clone()),
            typ: Some("JWT".into()),
        };
        let h = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).map_err(|_| TokenError::Key)?);
        let c = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).map_err(|_| TokenError::Key)?);
        let input = format!("{h}.{c}");
        let sig = key
            .pair
            .sign(&SystemRandom::new(), input.as_bytes())
            .map_err(|_| TokenError::Key)?;
        let sig = low_s::normalize(sig.as_ref()).ok_or(TokenError::Key)?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig)))
    }

    /// Signs `message` with the newest key: its key id and the ES256 signature (base64url).
    pub fn sign_detached(&self, message: &[u8]) -> Result<(String, String), TokenError> {
        let key = self
            .newest
            .as_ref()
            .and_then(|k| self.keys.get(k))
            .ok_or(TokenError::Key)?;
        let sig = key
            .pair
            .sign(&SystemRandom::new(), message)
            .map_err(|_| TokenError::Key)?;
        let sig = low_s::normalize(sig.as_ref()).ok_or(TokenError::Key)?;
        Ok((key.kid.clone(), URL_SAFE_NO_PAD.encode(sig)))
    }

    /// Whether `signature` (base64url) is the key `kid`'s signature of `message`.
    pub fn verify_detached(&self, kid: &str, message: &[u8], signature: &str) -> bool {
        let (Some(key), Ok(sig)) = (self.keys.get(kid), URL_SAFE_NO_PAD.decode(signature)) else {
            return false;
        };
        low_s::is_low(&sig)
            && signature::UnparsedPublicKey::new(
                &ECDSA_P256_SHA256_FIXED,
                key.pair.public_key().as_ref(),
            )
            .verify(message, &sig)
            .is_ok()
    }

    /// Verifies the signature and the time window (against `now_unix`, seconds, with 60 s leeway),
    /// and returns the claims. Audience and issuer are checked by the caller.
    pub fn verify(&self, token: &str, now_unix: i64) -> Result<Claims, TokenError> {
        if token.len() > 16 * 1024 {
            return Err(TokenError::Malformed);
        }
        let mut parts = token.split('.');
        let (Some(h), Some(c), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let header: Header = URL_SAFE_NO_PAD
            .decode(h)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(TokenError::Malformed)?;
        if header.alg != "ES256" {
            return Err(TokenError::Algorithm(header.alg.chars().take(20).collect()));
        }
        let key = header
            .kid
            .as_ref()
            .and_then(|k| self.keys.get(k))
            .ok_or(TokenError::UnknownKey)?;
        let sig = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| TokenError::Malformed)?;
        // Of the two valid signatures (r, s) and (r, n − s) only the low one is gdap's: the other
        // would be a second text for the same token.
        if !low_s::is_low(&sig) {
            return Err(TokenError::Signature);
        }
        let public = signature::UnparsedPublicKey::new(
            &ECDSA_P256_SHA256_FIXED,
            key.pair.public_key().as_ref(),
        );
        public
            .verify(format!("{h}.{c}").as_bytes(), &sig)
            .map_err(|_| TokenError::Signature)?;
        let claims: Claims = URL_SAFE_NO_PAD
            .decode(c)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(TokenError::Malformed)?;
        if now_unix >= claims.exp + 60 {
            return Err(TokenError::Expired);
        }
        if now_unix + 60 < claims.nbf {
            return Err(TokenError::NotYetValid);
        }
        Ok(claims)
    }

    /// The public keys as a JWKS document.
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({ "keys": self.keys.values().map(SigningKey::jwk).collect::<Vec<_>>() })
    }
}

/// ECDSA P-256 signatures in their low-S form (`s ≤ n/2`), the one canonical form of the two
/// valid signatures `(r, s)` and `(r, n − s)`.
mod low_s {
    /// The order n of P-256, big-endian.
    const ORDER: [u8; 32] = [
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63,
        0x25, 0x51,
    ];
    /// ⌊n/2⌋, big-endian.
    const HALF_ORDER: [u8; 32] = [
        0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31,
        0x92, 0xa8,
    ];

    /// Whether a fixed-size signature (`r ‖ s`, 64 bytes) has `s ≤ n/2`.
    pub fn is_low(sig: &[u8]) -> bool {
        sig.len() == 64 && sig[32..] <= HALF_ORDER[..]
    }

    /// The low-S form of a fixed-size signature; `None` when it is not 64 bytes.
    pub fn normalize(sig: &[u8]) -> Option<Vec<u8>> {
        if sig.len() != 64 {
            return None;
        }
        let mut out = sig.to_vec();
        if !is_low(sig) {
            let mut borrow = 0u16;
            for i in (0..32).rev() {
                let (n, s) = (u16::from(ORDER[i]), u16::from(sig[32 + i]) + borrow);
                let (d, b) = if n >= s { (n - s, 0) } else { (n + 256 - s, 1) };
                out[32 + i] = u8::try_from(d).ok()?;
                borrow = b;
            }
        }
        Some(out)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_high_s_becomes_n_minus_s_and_a_low_s_stays() {
            let mut high = [0u8; 64];
            high[32..].copy_from_slice(&ORDER);
            high[63] -= 1; // s = n − 1
            let low = normalize(&high).unwrap_or_default();
            assert_eq!(low[32..63], [0u8; 31]);
            assert_eq!(low[63], 1);
            assert!(!is_low(&high) && is_low(&low));
            assert_eq!(normalize(&low), Some(low.clone()));
            let mut half = [0u8; 64];
            half[32..].copy_from_slice(&HALF_ORDER);
            assert!(is_low(&half));
            assert!(!is_low(&[0u8; 63]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            aud: "https://graph.microsoft.com".into(),
            iss: "https://gdap.test/t/v2.0".into(),
            iat: 1000,
            nbf: 1000,
            exp,
            tid: "t".into(),
            oid: "o".into(),
            sub: "o".into(),
            azp: "c".into(),
            idtyp: "app".into(),
            roles: vec!["DelegatedAdminRelationship.ReadWrite.All".into()],
            scp: None,
            upn: None,
            name: None,
            idp: None,
            home_tid: None,
            amr: Vec::new(),
            ver: "2.0".into(),
            uti: "u".into(),
        }
    }

    fn keys() -> KeySet {
        KeySet::new(vec![SigningKey::generate().unwrap().0])
    }

    #[test]
    fn a_signed_token_verifies_with_its_claims() {
        let k = keys();
        let t = k.sign(&claims(5000)).unwrap();
        assert_eq!(k.verify(&t, 2000).unwrap(), claims(5000));
    }

    #[test]
    fn expired_forged_and_unsigned_tokens_are_refused() {
        let k = keys();
        let t = k.sign(&claims(5000)).unwrap();
        assert_eq!(k.verify(&t, 6000), Err(TokenError::Expired));
        assert_eq!(k.verify(&t, 100), Err(TokenError::NotYetValid));
        // Another key set with the same kid shape cannot verify it.
        assert_eq!(keys().verify(&t, 2000), Err(TokenError::UnknownKey));
        // Tampered claims.
        let parts: Vec<&str> = t.split('.').collect();
        let mut c = claims(5000);
        c.tid = "other".into();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap()),
            parts[2]
        );
        assert_eq!(k.verify(&forged, 2000), Err(TokenError::Signature));
        // alg none.
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let unsigned = format!("{none_header}.{}.", parts[1]);
        assert_eq!(
            k.verify(&unsigned, 2000),
            Err(TokenError::Algorithm("none".into()))
        );
        let hs = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        assert!(matches!(
            k.verify(&format!("{hs}.{}.{}", parts[1], parts[2]), 2000),
            Err(TokenError::Algorithm(_))
        ));
        assert_eq!(k.verify("a.b", 2000), Err(TokenError::Malformed));
        assert_eq!(k.verify("!!.??.**", 2000), Err(TokenError::Malformed));
    }

    #[test]
    fn the_jwks_publishes_every_key_as_an_ec_jwk() {
        let k = keys();
        let jwks = k.jwks();
        let key = &jwks["keys"][0];
        assert_eq!(key["kty"], "EC");
        assert_eq!(key["crv"], "P-256");
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(key["x"].as_str().unwrap())
                .unwrap()
                .len(),
            32
        );
    }
}
