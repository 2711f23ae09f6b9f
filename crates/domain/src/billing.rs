//! A customer's billing area (the admin center's *Billing* menu): the offers it can buy
//! (*Purchase services*), its subscriptions (*Your products*), its invoices (*Bills & payments*),
//! the licenses those subscriptions give (*Licenses*, Graph `subscribedSkus`) and who receives
//! billing e-mail (*Billing notifications*).
//!
//! Partners acting on behalf of the customer are kept out of purchases, products and bills by the
//! authorization rules ([`crate::authz::aobo_restricted`]); licenses and billing notifications
//! stay readable to them.

use std::sync::OnceLock;

use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::ids::TenantId;

const OFFERS_JSON: &str = include_str!("../../../data/offers.json");

/// Most seats one purchase may add.
pub const MAX_QUANTITY: u32 = 10_000;
/// Most recipients of billing e-mail besides the billing administrators.
pub const MAX_RECIPIENTS: usize = 20;
/// The currency of the sample price list.
pub const CURRENCY: &str = "USD";

/// A product that can be bought, with its per-seat monthly list price.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Offer {
    /// The SKU's GUID (`skuId` in Graph `subscribedSku`).
    pub sku_id: Uuid,
    /// The SKU's part number (`skuPartNumber`).
    pub sku_part_number: String,
    /// The product's name.
    pub display_name: String,
    /// Price of one seat for one month, in cents of [`CURRENCY`].
    pub unit_price_cents: u64,
}

/// The offers gdap sells (embedded from `data/offers.json`).
pub fn offers() -> &'static [Offer] {
    static OFFERS: OnceLock<Vec<Offer>> = OnceLock::new();
    OFFERS.get_or_init(|| serde_json::from_str(OFFERS_JSON).unwrap_or_default())
}

/// The offer of a SKU, by GUID or part number (case-insensitive).
pub fn offer(sku: &str) -> Option<&'static Offer> {
    let sku = sku.trim();
    offers().iter().find(|o| {
        o.sku_part_number.eq_ignore_ascii_case(sku)
            || Uuid::try_parse(sku).is_ok_and(|id| id == o.sku_id)
    })
}

/// A subscription the customer bought: seats of one offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Subscription id.
    pub id: Uuid,
    /// The customer tenant.
    pub tenant: TenantId,
    /// The SKU bought.
    pub sku_id: Uuid,
    /// Seats.
    pub quantity: u32,
    /// When it was bought.
    pub created_at: OffsetDateTime,
    /// Who bought it (principal name).
    pub purchased_by: String,
}

/// An invoice (*Bills & payments*): one per purchase, for its first month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    /// Invoice number (`G` and nine digits, as Microsoft's).
    pub id: String,
    /// The customer tenant.
    pub tenant: TenantId,
    /// The subscription billed.
    pub subscription: Uuid,
    /// When it was issued.
    pub issued_at: OffsetDateTime,
    /// Amount in cents of [`Invoice::currency`].
    pub amount_cents: u64,
    /// Currency code.
    pub currency: String,
    /// What was billed.
    pub description: String,
}

/// Who receives billing e-mail and in which form (*Billing notifications*).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingNotifications {
    /// The customer tenant.
    pub tenant: TenantId,
    /// Extra recipients besides the tenant's billing administrators.
    pub recipients: Vec<String>,
    /// Language of invoices and billing e-mail (`ja-JP`, `en-US`).
    pub language: String,
    /// Whether invoices are attached as PDF.
    pub attach_invoice_pdf: bool,
}

impl BillingNotifications {
    /// What a tenant that never changed them has: English, PDF attached, no extra recipients.
    pub fn default_for(tenant: TenantId) -> Self {
        Self {
            tenant,
            recipients: Vec::new(),
            language: "en-US".into(),
            attach_invoice_pdf: true,
        }
    }
}

/// Why a billing request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BillingError {
    /// No offer has that SKU.
    #[error("no offer has SKU `{0}`; the offers are listed at /admincenter/v1/billing/offers")]
    UnknownSku(String),
    /// A quantity out of range.
    #[error("`quantity` must be a whole number from 1 to {MAX_QUANTITY}")]
    Quantity,
    /// The customer has not accepted the Microsoft Customer Agreement.
    #[error("The customer must accept the Microsoft Customer Agreement in the admin center before this purchase can be completed (13605)")]
    AgreementNotAccepted,
    /// A recipient address that is not an e-mail address.
    #[error("`{0}` is not an e-mail address")]
    Recipient(String),
    /// Too many recipients.
    #[error("at most {MAX_RECIPIENTS} recipients can be added")]
    TooManyRecipients,
    /// An unsupported language.
    #[error("`language` must be `ja-JP` or `en-US`")]
    Language,
}

/// A purchase of `quantity` seats of `sku` by `buyer` at `now`: the subscription and the first
/// month's invoice. `agreement_accepted` is whether the tenant accepted the customer agreement.
pub fn purchase(
    tenant: TenantId,
    sku: &str,
    quantity: i64,
    buyer: &str,
    agreement_accepted: bool,
    now: OffsetDateTime,
) -> Result<(Subscription, Invoice), BillingError> {
    let offer = offer(sku).ok_or_else(|| BillingError::UnknownSku(one_line(sku)))?;
    let quantity = u32::try_from(quantity)
        .ok()
        .filter(|q| (1..=MAX_QUANTITY).contains(q))
        .ok_or(BillingError::Quantity)?;
    if !agreement_accepted {
        return Err(BillingError::AgreementNotAccepted);
    }
    let sub = Subscription {
        id: Uuid::new_v4(),
        tenant,
        sku_id: offer.sku_id,
        quantity,
        created_at: now,
        purchased_by: buyer.to_owned(),
    };
    let number = sub.id.as_u128() % 1_000_000_000;
    let invoice = Invoice {
        id: format!("G{number:09}"),
        tenant,
        subscription: sub.id,
        issued_at: now,
        amount_cents: offer.unit_price_cents * u64::from(quantity),
        currency: CURRENCY.into(),
        description: format!("{} × {quantity}, first month", offer.display_name),
    };
    Ok((sub, invoice))
}

/// Validated billing notification settings.
pub fn notifications(
    tenant: TenantId,
    recipients: Vec<String>,
    language: &str,
    attach_invoice_pdf: bool,
) -> Result<BillingNotifications, BillingError> {
    if recipients.len() > MAX_RECIPIENTS {
        return Err(BillingError::TooManyRecipients);
    }
    let mut clean: Vec<String> = Vec::with_capacity(recipients.len());
    for r in recipients {
        let r = r.trim().to_lowercase();
        let ok = r.len() <= 254
            && r.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
            })
            && r.chars()
                .all(|c| c.is_ascii_graphic() && !"<>,;\"()[]\\".contains(c));
        if !ok {
            return Err(BillingError::Recipient(one_line(&r)));
        }
        if !clean.contains(&r) {
            clean.push(r);
        }
    }
    let language = match language {
        l if l.eq_ignore_ascii_case("ja-JP") || l.eq_ignore_ascii_case("ja") => "ja-JP",
        l if l.eq_ignore_ascii_case("en-US") || l.eq_ignore_ascii_case("en") => "en-US",
        _ => return Err(BillingError::Language),
    };
    Ok(BillingNotifications {
        tenant,
        recipients: clean,
        language: language.into(),
        attach_invoice_pdf,
    })
}

/// One SKU's seats across a tenant's subscriptions (Graph `subscribedSku`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct License {
    /// The offer.
    pub offer: &'static Offer,
    /// Seats bought.
    pub enabled: u64,
    /// The subscriptions that give them, oldest first.
    pub subscriptions: Vec<Uuid>,
}

/// The licenses a tenant's subscriptions give, one per SKU, in catalogue order.
pub fn licenses(subscriptions: &[Subscription]) -> Vec<License> {
    offers()
        .iter()
        .filter_map(|offer| {
            let mine: Vec<&Subscription> = subscriptions
                .iter()
                .filter(|s| s.sku_id == offer.sku_id)
                .collect();
            (!mine.is_empty()).then(|| License {
                offer,
                enabled: mine.iter().map(|s| u64::from(s.quantity)).sum(),
                subscriptions: mine.iter().map(|s| s.id).collect(),
            })
        })
        .collect()
}

/// Text given by a caller, cut to one short line for an error message.
fn one_line(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant() -> TenantId {
        TenantId::new_random()
    }

    #[test]
    fn the_catalogue_loads_with_unique_skus() {
        let o = offers();
        assert!(o.len() >= 5);
        for (i, a) in o.iter().enumerate() {
            assert!(o[i + 1..].iter().all(|b| b.sku_id != a.sku_id));
            assert!(a.unit_price_cents > 0);
        }
        assert_eq!(
            offer("spb").map(|o| o.display_name.as_str()),
            Some("Microsoft 365 Business Premium")
        );
        assert_eq!(
            offer("CBDC14AB-D96C-4C30-B9F4-6ADA7CDC1D46").map(|o| o.sku_part_number.as_str()),
            Some("SPB")
        );
    }

    #[test]
    fn a_purchase_bills_the_first_month_of_every_seat() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let (sub, inv) = purchase(tenant(), "SPE_E3", 3, "a@b.c", true, now).unwrap();
        assert_eq!(sub.quantity, 3);
        assert_eq!(inv.amount_cents, 3 * 3600);
        assert_eq!(inv.subscription, sub.id);
        assert!(inv.id.starts_with('G') && inv.id.len() == 10);
    }

    #[test]
    fn a_purchase_needs_the_agreement_a_known_sku_and_a_sane_quantity() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let t = tenant();
        assert_eq!(
            purchase(t, "SPB", 1, "x", false, now).unwrap_err(),
            BillingError::AgreementNotAccepted
        );
        assert!(matches!(
            purchase(t, "NOPE", 1, "x", true, now),
            Err(BillingError::UnknownSku(_))
        ));
        for q in [0, -1, i64::from(MAX_QUANTITY) + 1, i64::MAX] {
            assert_eq!(
                purchase(t, "SPB", q, "x", true, now).unwrap_err(),
                BillingError::Quantity
            );
        }
    }

    #[test]
    fn licenses_add_up_the_seats_of_each_sku() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let t = tenant();
        let subs: Vec<Subscription> = [("SPB", 2), ("SPE_E3", 5), ("SPB", 3)]
            .iter()
            .map(|(s, q)| purchase(t, s, *q, "x", true, now).unwrap().0)
            .collect();
        let l = licenses(&subs);
        assert_eq!(l.len(), 2);
        let spb = l.iter().find(|l| l.offer.sku_part_number == "SPB").unwrap();
        assert_eq!(spb.enabled, 5);
    }

    #[test]
    fn notification_settings_refuse_bad_addresses_and_languages() {
        let t = tenant();
        let ok = notifications(
            t,
            vec![" Billing@Contoso.com ".into(), "billing@contoso.com".into()],
            "ja",
            false,
        )
        .unwrap();
        assert_eq!(ok.recipients, vec!["billing@contoso.com"]);
        assert_eq!(ok.language, "ja-JP");
        for bad in ["nobody", "a@b", "a@b.c\r\nBcc: x@y.z", "<a@b.c>"] {
            assert!(matches!(
                notifications(t, vec![bad.into()], "en-US", true),
                Err(BillingError::Recipient(_))
            ));
        }
        assert_eq!(
            notifications(t, vec![], "fr-FR", true).unwrap_err(),
            BillingError::Language
        );
        let many = (0..=MAX_RECIPIENTS)
            .map(|i| format!("u{i}@c.com"))
            .collect();
        assert_eq!(
            notifications(t, many, "en-US", true).unwrap_err(),
            BillingError::TooManyRecipients
        );
    }
}
