//! HTTPS material: given PEM files, or a development CA and a server certificate made at start.

use std::path::Path;

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};

/// A certificate chain and key in PEM.
pub struct TlsMaterial {
    /// Server certificate followed by its CA.
    pub cert_pem: String,
    /// Server private key.
    pub key_pem: String,
}

/// Makes a development CA (written to `ca_out`) and a server certificate for `localhost`,
/// `127.0.0.1`, `::1` and any extra host names.
pub fn generate(ca_out: &Path, extra_hosts: &[String]) -> anyhow::Result<TlsMaterial> {
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "gdap development CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca.self_signed(&ca_key)?;

    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    names.extend(extra_hosts.iter().cloned());
    let mut leaf = CertificateParams::new(names)?;
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf.use_authority_key_identifier_extension = true;
    let leaf_key = KeyPair::generate()?;
    let leaf_cert = leaf.signed_by(&leaf_key, &ca_cert, &ca_key)?;

    std::fs::write(ca_out, ca_cert.pem())
        .with_context(|| format!("writing the CA certificate to {}", ca_out.display()))?;
    Ok(TlsMaterial {
        cert_pem: format!("{}{}", leaf_cert.pem(), ca_cert.pem()),
        key_pem: leaf_key.serialize_pem(),
    })
}

/// Reads given PEM files.
pub fn load(cert: &Path, key: &Path) -> anyhow::Result<TlsMaterial> {
    Ok(TlsMaterial {
        cert_pem: std::fs::read_to_string(cert)
            .with_context(|| format!("reading {}", cert.display()))?,
        key_pem: std::fs::read_to_string(key)
            .with_context(|| format!("reading {}", key.display()))?,
    })
}
