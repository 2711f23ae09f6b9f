//! The key and certificate webhook deliveries are signed with, as Partner Center signs them:
//! RSA-SHA256 over the body, with an RSA 2048 key whose certificate gdap serves and which chains
//! to gdap's own webhook signing CA (served too). Made once, on first use, and kept in the store so
//! that every node signs with the same key and a receiver's cached certificate stays good.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use rsa::pkcs8::EncodePrivateKey;

use gdap_store::StoreError;

/// The signing key with its certificate and the CA's.
pub struct Signer {
    key: RsaKeyPair,
    /// The signing certificate (DER), served at `/webhooks/v1/certificate`.
    pub certificate: Vec<u8>,
    /// The CA certificate (DER), served at `/webhooks/v1/certificate/ca`.
    pub ca: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(…)")
    }
}

fn failed(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("webhook signing material: {what}: {e}"))
}

/// Makes new material: PEM of the RSA key (PKCS#8), its certificate, and the CA certificate.
pub fn generate() -> Result<String, StoreError> {
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(|e| failed("CA", e))?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.distinguished_name
        .push(DnType::CommonName, "gdap webhook signing CA");
    ca.distinguished_name.push(DnType::OrganizationName, "gdap");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().map_err(|e| failed("CA key", e))?;
    let ca_cert = ca.self_signed(&ca_key).map_err(|e| failed("CA", e))?;

    let rsa = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)
        .map_err(|e| failed("RSA key", e))?;
    let der = rsa.to_pkcs8_der().map_err(|e| failed("RSA key", e))?;
    let key = KeyPair::try_from(der.as_bytes()).map_err(|e| failed("RSA key", e))?;
    let mut leaf = CertificateParams::new(Vec::<String>::new()).map_err(|e| failed("leaf", e))?;
    leaf.distinguished_name
        .push(DnType::CommonName, "gdap webhook signing");
    leaf.distinguished_name
        .push(DnType::OrganizationName, "gdap");
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.use_authority_key_identifier_extension = true;
    let leaf_cert = leaf
        .signed_by(&key, &ca_cert, &ca_key)
        .map_err(|e| failed("leaf", e))?;
    Ok(format!(
        "{}{}{}",
        key.serialize_pem(),
        leaf_cert.pem(),
        ca_cert.pem()
    ))
}

/// The DER contents of each PEM block of `label` in `pem`, in order.
fn blocks(pem: &str, label: &str) -> Vec<Vec<u8>> {
    use base64::Engine;
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    pem.split(&begin)
        .skip(1)
        .filter_map(|rest| rest.split(&end).next())
        .filter_map(|b64| {
            let clean: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD.decode(clean).ok()
        })
        .collect()
}

impl Signer {
    /// Reads material made by [`generate`].
    pub fn from_pem(pem: &str) -> Result<Self, StoreError> {
        let key = blocks(pem, "PRIVATE KEY")
            .into_iter()
            .next()
            .ok_or_else(|| failed("key", "missing"))?;
        let certs = blocks(pem, "CERTIFICATE");
        let (Some(certificate), Some(ca)) = (certs.first(), certs.get(1)) else {
            return Err(failed("certificates", "missing"));
        };
        Ok(Self {
            key: RsaKeyPair::from_pkcs8(&key).map_err(|e| failed("key", e))?,
            certificate: certificate.clone(),
            ca: ca.clone(),
        })
    }

    /// The base64 RSA-SHA256 signature of `body`.
    pub fn sign(&self, body: &[u8]) -> Result<String, StoreError> {
        use base64::Engine;
        let mut sig = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                body,
                &mut sig,
            )
            .map_err(|e| failed("signing", e))?;
        Ok(base64::engine::general_purpose::STANDARD.encode(sig))
    }
}

/// This node's signer: read from the store (or made and stored) once, whoever asks first — the
/// delivery loop or a client fetching the certificate — while the others wait for it, so at most
/// one key is ever generated at a time.
pub async fn shared(state: &crate::state::AppState) -> Result<std::sync::Arc<Signer>, StoreError> {
    state
        .webhook_signer
        .get_or_try_init(|| async { load(state.store.as_ref()).await.map(std::sync::Arc::new) })
        .await
        .cloned()
}

/// The signer of this deployment, made and stored on first use.
pub async fn load(store: &dyn gdap_store::Store) -> Result<Signer, StoreError> {
    if let Some(pem) = store.webhook_signer().await? {
        return Signer::from_pem(&pem);
    }
    let made = tokio::task::spawn_blocking(generate)
        .await
        .map_err(|e| failed("generating", e))??;
    store.put_webhook_signer_if_none(&made).await?;
    // Another node may have stored its own first: use what the store holds.
    let pem = store
        .webhook_signer()
        .await?
        .ok_or_else(|| failed("stored", "missing"))?;
    Signer::from_pem(&pem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn material_round_trips_and_signs_verifiably() {
        let pem = generate().unwrap();
        let signer = Signer::from_pem(&pem).unwrap();
        let sig = signer.sign(b"{\"EventName\":\"test-created\"}").unwrap();
        use base64::Engine;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(sig)
            .unwrap();
        assert_eq!(raw.len(), 256, "RSA 2048");
        let public = signer.key.public().as_ref().to_vec();
        let key = ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            public,
        );
        assert!(key
            .verify(b"{\"EventName\":\"test-created\"}", &raw)
            .is_ok());
        assert!(key.verify(b"{\"EventName\":\"other\"}", &raw).is_err());
        assert_ne!(signer.certificate, signer.ca);
    }
}
