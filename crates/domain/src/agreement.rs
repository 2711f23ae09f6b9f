//! A partner's attestation that a customer accepted an agreement (Partner Center's "partner
//! confirmed agreement"): who at the customer accepted, when, and which partner user attests it.
//! The customer's own acceptance is [`crate::customer::AgreementAcceptance`]; either satisfies the
//! Microsoft Customer Agreement.

use time::OffsetDateTime;

use crate::ids::{TenantId, UserId};

/// The person at the customer who accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// E-mail address.
    pub email: String,
    /// Phone number, when given.
    pub phone: Option<String>,
}

impl Contact {
    /// Whether two contacts are the same person as Partner Center compares them (a new
    /// attestation is allowed when a name, the e-mail or the phone changes): case-insensitively
    /// for the e-mail, exactly otherwise.
    pub fn same_as(&self, other: &Contact) -> bool {
        self.first_name == other.first_name
            && self.last_name == other.last_name
            && self.email.eq_ignore_ascii_case(&other.email)
            && self.phone == other.phone
    }
}

/// A partner's attestation of a customer's acceptance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attestation {
    /// Unique id.
    pub id: uuid::Uuid,
    /// The customer tenant.
    pub customer: TenantId,
    /// The attesting partner.
    pub partner: TenantId,
    /// The partner user who attested (from the App+User token).
    pub user: UserId,
    /// The agreement type (`MicrosoftCustomerAgreement`).
    pub agreement_type: String,
    /// Its template id.
    pub template_id: String,
    /// Who at the customer accepted.
    pub contact: Contact,
    /// When the customer accepted, as the partner states it.
    pub date_agreed: OffsetDateTime,
    /// When the attestation was recorded.
    pub recorded_at: OffsetDateTime,
}

/// Why an attestation cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttestationError {
    /// A required contact field is empty or a value is over-long.
    #[error("`primaryContact.{0}` is required, at most 256 characters")]
    Contact(&'static str),
    /// The e-mail address has no `@` with text on both sides.
    #[error("`primaryContact.email` must be an e-mail address")]
    Email,
    /// The stated date lies in the future.
    #[error("`dateAgreed` cannot be in the future")]
    FutureDate,
    /// The same contact already attested the same agreement for the customer.
    #[error("A partner confirmed agreement already exists for the customer.")]
    Duplicate,
}

/// Checks a new attestation against the time and the customer's earlier ones of the same type.
pub fn check(
    new: &Attestation,
    earlier: &[Attestation],
    now: OffsetDateTime,
) -> Result<(), AttestationError> {
    let c = &new.contact;
    for (name, value) in [
        ("firstName", c.first_name.as_str()),
        ("lastName", c.last_name.as_str()),
        ("email", c.email.as_str()),
    ] {
        if value.trim().is_empty()
            || value.chars().count() > 256
            || value.chars().any(char::is_control)
        {
            return Err(AttestationError::Contact(name));
        }
    }
    if c.phone
        .as_ref()
        .is_some_and(|p| p.chars().count() > 64 || p.chars().any(char::is_control))
    {
        return Err(AttestationError::Contact("phoneNumber"));
    }
    match c.email.split_once('@') {
        Some((local, domain)) if !local.is_empty() && domain.contains('.') => {}
        _ => return Err(AttestationError::Email),
    }
    if new.date_agreed > now {
        return Err(AttestationError::FutureDate);
    }
    if earlier
        .iter()
        .any(|e| e.agreement_type == new.agreement_type && e.contact.same_as(c))
    {
        return Err(AttestationError::Duplicate);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attestation(first: &str, email: &str, at: OffsetDateTime) -> Attestation {
        Attestation {
            id: uuid::Uuid::new_v4(),
            customer: TenantId::new_random(),
            partner: TenantId::new_random(),
            user: UserId::new_random(),
            agreement_type: "MicrosoftCustomerAgreement".into(),
            template_id: "117a77b0-9360-443b-8795-c6dedc750cf9".into(),
            contact: Contact {
                first_name: first.into(),
                last_name: "Sato".into(),
                email: email.into(),
                phone: None,
            },
            date_agreed: at,
            recorded_at: at,
        }
    }

    #[test]
    fn the_same_contact_cannot_attest_twice_but_a_changed_one_can() {
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(10);
        let first = attestation("Ken", "ken@contoso.example", now);
        assert_eq!(check(&first, &[], now), Ok(()));
        let again = attestation("Ken", "KEN@contoso.example", now);
        assert_eq!(
            check(&again, std::slice::from_ref(&first), now),
            Err(AttestationError::Duplicate)
        );
        let renamed = attestation("Kenji", "ken@contoso.example", now);
        assert_eq!(check(&renamed, &[first], now), Ok(()));
    }

    #[test]
    fn a_future_date_a_missing_name_and_a_bad_address_are_refused() {
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(10);
        let future = attestation("Ken", "ken@contoso.example", now + time::Duration::days(1));
        assert_eq!(check(&future, &[], now), Err(AttestationError::FutureDate));
        let nameless = attestation(" ", "ken@contoso.example", now);
        assert_eq!(
            check(&nameless, &[], now),
            Err(AttestationError::Contact("firstName"))
        );
        let bad = attestation("Ken", "ken.contoso.example", now);
        assert_eq!(check(&bad, &[], now), Err(AttestationError::Email));
    }
}
