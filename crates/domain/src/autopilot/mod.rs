//! Windows Autopilot devices as partners register them: the ways a device may be identified, each
//! checked as Partner Center checks it, the error codes of its per-device results, and the keys
//! under which a device is known in the one Autopilot database of the whole system (a device
//! belongs to one tenant at most).

pub mod csv;
pub mod manage;
pub mod profile;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The shortest decoded hardware hash accepted: a "4K" hash is about four kilobytes of data; the
/// 128-byte hashes of Windows 10 1703 and earlier are refused, as Autopilot refuses them.
pub const MIN_HASH_BYTES: usize = 2048;
/// The longest decoded hardware hash accepted.
pub const MAX_HASH_BYTES: usize = 8192;
/// The longest serial number, manufacturer or model.
pub const MAX_TEXT: usize = 256;
/// The most devices one batch (an API call or an uploaded list) holds.
pub const MAX_BATCH_DEVICES: usize = 10_000;

/// A device as a partner sends it (Partner Center's `Device`, or a row of the CSV upload).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceInput {
    /// `hardwareHash`: the 4K hardware hash, base64.
    pub hardware_hash: Option<String>,
    /// `productKey`: the 13-digit Windows Product ID.
    pub product_key: Option<String>,
    /// `serialNumber`.
    pub serial_number: Option<String>,
    /// `oemManufacturerName`, exactly as SMBIOS has it.
    pub manufacturer: Option<String>,
    /// `modelName`, exactly as SMBIOS has it.
    pub model: Option<String>,
}

/// How a device is identified: the six combinations Partner Center accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identification {
    /// Hardware hash and Windows Product ID.
    HashAndProductKey,
    /// Hardware hash and serial number.
    HashAndSerial,
    /// Hardware hash, Windows Product ID and serial number.
    HashProductKeyAndSerial,
    /// Hardware hash only.
    HashOnly,
    /// Windows Product ID only.
    ProductKeyOnly,
    /// Serial number, manufacturer and model: the "tuple" (newer, 4K-hash devices only).
    Tuple,
}

/// Why a device is refused, with Autopilot's code and name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceError {
    /// `801 InvalidZtdRequestBody`: not one of the accepted combinations, or a field malformed.
    InvalidRequestBody,
    /// `802 InvalidZtdHardwareHash`: the hash is not a full 4K hash.
    InvalidHardwareHash,
    /// `803 MissingZtdSerialNumberAndProductKey`: neither hash, serial number nor product key.
    MissingSerialNumberAndProductKey,
    /// `806 ZtdDeviceAlreadyAssigned`: already registered in this tenant.
    AlreadyAssigned,
    /// `808 ZtdDeviceAssignedToOtherTenant`: registered to another tenant.
    AssignedToOtherTenant,
}

impl DeviceError {
    /// The numeric code of the per-device result (`errorCode`).
    pub fn code(self) -> &'static str {
        match self {
            Self::InvalidRequestBody => "801",
            Self::InvalidHardwareHash => "802",
            Self::MissingSerialNumberAndProductKey => "803",
            Self::AlreadyAssigned => "806",
            Self::AssignedToOtherTenant => "808",
        }
    }

    /// The name of the per-device result (`errorDescription`).
    pub fn name(self) -> &'static str {
        match self {
            Self::InvalidRequestBody => "InvalidZtdRequestBody",
            Self::InvalidHardwareHash => "InvalidZtdHardwareHash",
            Self::MissingSerialNumberAndProductKey => "MissingZtdSerialNumberAndProductKey",
            Self::AlreadyAssigned => "ZtdDeviceAlreadyAssigned",
            Self::AssignedToOtherTenant => "ZtdDeviceAssignedToOtherTenant",
        }
    }
}

/// A device that checked: its fields trimmed, how it is identified, and the keys it is known by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedDevice {
    /// The fields as kept.
    pub input: DeviceInput,
    /// Which combination it is.
    pub identification: Identification,
    /// The keys under which the Autopilot database knows it: the hash's digest, the product
    /// key, the tuple; a device matching another by any one of them is that device.
    pub keys: Vec<String>,
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn text_ok(s: &str) -> bool {
    s.len() <= MAX_TEXT && !s.chars().any(char::is_control)
}

/// Checks a hardware hash's form: base64 of a 4K hash. Returns its digest, the key it is known by.
fn hash_key(hash: &str) -> Result<String, DeviceError> {
    let compact: String = hash.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| DeviceError::InvalidHardwareHash)?;
    if !(MIN_HASH_BYTES..=MAX_HASH_BYTES).contains(&bytes.len()) {
        return Err(DeviceError::InvalidHardwareHash);
    }
    let digest = Sha256::digest(&bytes);
    Ok(format!(
        "hash:{}",
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    ))
}

/// Checks a device: one of the six combinations, each field in form.
pub fn check(d: &DeviceInput) -> Result<CheckedDevice, DeviceError> {
    let hash = present(&d.hardware_hash);
    let key = present(&d.product_key);
    let serial = present(&d.serial_number);
    let maker = present(&d.manufacturer);
    let model = present(&d.model);
    if hash.is_none() && key.is_none() && serial.is_none() {
        return Err(DeviceError::MissingSerialNumberAndProductKey);
    }
    let identification = match (hash.is_some(), key.is_some(), serial.is_some()) {
        (true, true, true) => Identification::HashProductKeyAndSerial,
        (true, true, false) => Identification::HashAndProductKey,
        (true, false, true) => Identification::HashAndSerial,
        (true, false, false) => Identification::HashOnly,
        (false, true, false) if maker.is_none() && model.is_none() => {
            Identification::ProductKeyOnly
        }
        (false, false, true) if maker.is_some() && model.is_some() => Identification::Tuple,
        _ => return Err(DeviceError::InvalidRequestBody),
    };
    let mut keys = Vec::new();
    if let Some(h) = hash {
        keys.push(hash_key(h)?);
    }
    if let Some(k) = key {
        if k.len() != 13 || !k.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DeviceError::InvalidRequestBody);
        }
        keys.push(format!("pkid:{k}"));
    }
    for t in [serial, maker, model].into_iter().flatten() {
        if !text_ok(t) {
            return Err(DeviceError::InvalidRequestBody);
        }
    }
    if let (Some(s), Some(m), Some(n)) = (serial, maker, model) {
        // Case-sensitive, as SMBIOS has them.
        keys.push(format!("tuple:{}\u{1f}{}\u{1f}{}", m, n, s));
    }
    let own = |v: Option<&str>| v.map(str::to_owned);
    Ok(CheckedDevice {
        input: DeviceInput {
            hardware_hash: own(hash),
            product_key: own(key),
            serial_number: own(serial),
            manufacturer: own(maker),
            model: own(model),
        },
        identification,
        keys,
    })
}

/// How a partner registers a customer's devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Partner Center's device API (or, for an OEM, its direct API).
    Api,
    /// The CSV upload of the partner portal.
    CsvUpload,
}

/// The partner kind whose consent lets a partner register a customer's devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    /// A direct CSP partner: the customer accepted its reseller relationship.
    DirectCsp,
    /// An indirect provider: implicitly, through its indirect reseller's relationship.
    IndirectProvider,
    /// An indirect reseller: the customer accepted its reseller relationship (CSV upload only).
    IndirectReseller,
    /// An OEM: the customer accepted its own link (no delegated admin permission).
    Oem,
}

/// Why a partner may not register a customer's devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentRefusal {
    /// Nothing the customer accepted lets this partner register devices (DAP or GDAP alone do
    /// not: consent rides on the reseller relationship, or an OEM's own link).
    NoConsent,
    /// An indirect reseller registers through the partner portal's CSV upload only.
    CsvUploadOnly,
}

/// Whether the partner of `tie` may register the customer's devices through `channel`, and
/// under which consent. Consent outlives DAP and GDAP: it rides on the reseller tie (or the OEM's).
pub fn consent(
    tie: &crate::customer::PartnerLink,
    channel: Channel,
) -> Result<Consent, ConsentRefusal> {
    use crate::ties::LinkType;
    let kind = if tie.other_types.contains(&LinkType::IndirectReseller) {
        Consent::IndirectReseller
    } else if tie.reseller && tie.associated_partner.is_some() {
        Consent::IndirectProvider
    } else if tie.reseller {
        Consent::DirectCsp
    } else if tie.other_types.contains(&LinkType::Oem) {
        Consent::Oem
    } else {
        return Err(ConsentRefusal::NoConsent);
    };
    if kind == Consent::IndirectReseller && channel == Channel::Api {
        return Err(ConsentRefusal::CsvUploadOnly);
    }
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(n: usize) -> String {
        STANDARD.encode((0..n).map(|i| (i * 7 % 251) as u8).collect::<Vec<u8>>())
    }

    fn device(
        h: Option<String>,
        k: Option<&str>,
        s: Option<&str>,
        m: Option<&str>,
        n: Option<&str>,
    ) -> DeviceInput {
        DeviceInput {
            hardware_hash: h,
            product_key: k.map(str::to_owned),
            serial_number: s.map(str::to_owned),
            manufacturer: m.map(str::to_owned),
            model: n.map(str::to_owned),
        }
    }

    #[test]
    fn each_of_the_six_combinations_is_accepted_and_named() {
        let h = Some(hash(4000));
        let cases = [
            (
                device(h.clone(), Some("1234567890123"), None, None, None),
                Identification::HashAndProductKey,
            ),
            (
                device(h.clone(), None, Some("SN1"), None, None),
                Identification::HashAndSerial,
            ),
            (
                device(h.clone(), Some("1234567890123"), Some("SN1"), None, None),
                Identification::HashProductKeyAndSerial,
            ),
            (
                device(h.clone(), None, None, None, None),
                Identification::HashOnly,
            ),
            (
                device(None, Some("1234567890123"), None, None, None),
                Identification::ProductKeyOnly,
            ),
            (
                device(
                    None,
                    None,
                    Some("SN1"),
                    Some("Microsoft Corporation"),
                    Some("Surface Laptop"),
                ),
                Identification::Tuple,
            ),
        ];
        for (d, id) in cases {
            assert_eq!(check(&d).map(|c| c.identification), Ok(id), "{d:?}");
        }
    }

    #[test]
    fn a_device_without_hash_serial_or_product_key_is_803_and_other_mixes_801() {
        let none = device(None, None, None, Some("Contoso"), Some("Laptop"));
        assert_eq!(
            check(&none).map(|_| ()),
            Err(DeviceError::MissingSerialNumberAndProductKey)
        );
        assert_eq!(DeviceError::MissingSerialNumberAndProductKey.code(), "803");
        for d in [
            device(None, None, Some("SN1"), None, None),
            device(None, None, Some("SN1"), Some("Contoso"), None),
            device(None, Some("1234567890123"), Some("SN1"), None, None),
            device(
                None,
                Some("1234567890123"),
                None,
                Some("Contoso"),
                Some("Laptop"),
            ),
        ] {
            assert_eq!(
                check(&d).map(|_| ()),
                Err(DeviceError::InvalidRequestBody),
                "{d:?}"
            );
        }
    }

    #[test]
    fn a_hash_must_be_a_whole_4k_hash_and_a_product_key_thirteen_digits() {
        let full = hash(4000);
        let truncated = full[..full.len() / 2 + 1].to_owned();
        for h in [truncated, hash(128), "not base64!".to_owned()] {
            let d = device(Some(h), None, None, None, None);
            assert_eq!(check(&d).map(|_| ()), Err(DeviceError::InvalidHardwareHash));
        }
        assert_eq!(
            DeviceError::InvalidHardwareHash.name(),
            "InvalidZtdHardwareHash"
        );
        for k in ["123456789012", "12345678901234", "12345678901a3"] {
            let d = device(None, Some(k), None, None, None);
            assert_eq!(
                check(&d).map(|_| ()),
                Err(DeviceError::InvalidRequestBody),
                "{k}"
            );
        }
    }

    #[test]
    fn the_same_device_is_known_by_the_same_keys_and_the_tuple_is_case_sensitive() {
        let h = hash(4000);
        let a = check(&device(Some(h.clone()), None, Some("SN1"), None, None)).unwrap();
        // The same hash wrapped over lines, as exported files have it.
        let wrapped: String = h
            .as_bytes()
            .chunks(76)
            .map(|c| format!("{}\n", String::from_utf8_lossy(c)))
            .collect();
        let b = check(&device(
            Some(wrapped),
            Some("1234567890123"),
            None,
            None,
            None,
        ))
        .unwrap();
        assert_eq!(a.keys[0], b.keys[0]);
        let upper = check(&device(
            None,
            None,
            Some("SN1"),
            Some("Contoso"),
            Some("Laptop"),
        ))
        .unwrap();
        let lower = check(&device(
            None,
            None,
            Some("SN1"),
            Some("contoso"),
            Some("Laptop"),
        ))
        .unwrap();
        assert_ne!(upper.keys, lower.keys);
    }

    fn tie(
        reseller: bool,
        dap: bool,
        kinds: &[crate::ties::LinkType],
        provider_of: bool,
    ) -> crate::customer::PartnerLink {
        crate::customer::PartnerLink {
            customer: crate::ids::TenantId::new_random(),
            partner: crate::ids::TenantId::new_random(),
            reseller,
            dap,
            since: time::OffsetDateTime::UNIX_EPOCH,
            dap_removed_at: None,
            other_types: kinds.to_vec(),
            associated_partner: provider_of.then(crate::ids::TenantId::new_random),
        }
    }

    #[test]
    fn consent_follows_the_partner_kind_and_outlives_dap() {
        use crate::ties::LinkType;
        let direct = tie(true, false, &[], false);
        assert_eq!(consent(&direct, Channel::Api), Ok(Consent::DirectCsp));
        assert_eq!(consent(&direct, Channel::CsvUpload), Ok(Consent::DirectCsp));
        let provider = tie(true, false, &[], true);
        assert_eq!(
            consent(&provider, Channel::Api),
            Ok(Consent::IndirectProvider)
        );
        let reseller = tie(false, false, &[LinkType::IndirectReseller], false);
        assert_eq!(
            consent(&reseller, Channel::CsvUpload),
            Ok(Consent::IndirectReseller)
        );
        assert_eq!(
            consent(&reseller, Channel::Api),
            Err(ConsentRefusal::CsvUploadOnly)
        );
        let oem = tie(false, false, &[LinkType::Oem], false);
        assert_eq!(consent(&oem, Channel::Api), Ok(Consent::Oem));
        // DAP alone is no consent; a reseller whose DAP was removed keeps it.
        let dap_only = tie(false, true, &[], false);
        assert_eq!(
            consent(&dap_only, Channel::Api),
            Err(ConsentRefusal::NoConsent)
        );
        let mut removed = tie(true, true, &[], false);
        removed.dap = false;
        assert_eq!(consent(&removed, Channel::Api), Ok(Consent::DirectCsp));
    }
}
