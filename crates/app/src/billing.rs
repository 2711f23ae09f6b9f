//! The customer's billing use cases, authorized against their `microsoft.commerce.billing` action
//! by the authorization index (so a partner acting on behalf of the customer is refused a
//! purchase whatever its roles): buy a subscription, and change who receives billing e-mail.

use gdap_domain::authz::operations::billing::{PURCHASE, UPDATE_NOTIFICATIONS};
use gdap_domain::billing::{self, BillingError, BillingNotifications, Invoice, Subscription};
use gdap_domain::ids::TenantId;
use gdap_store::{BillingWrite, Changes};
use time::OffsetDateTime;

use crate::caller::Principal;
use crate::directory::{authorize_any, change_entry};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The refusal a billing rule stands for: the customer agreement is a permission (403), the rest
/// are wrong input (400).
fn refused(e: &BillingError) -> AppError {
    match e {
        BillingError::AgreementNotAccepted => AppError::Forbidden(e.to_string()),
        _ => AppError::Invalid(e.to_string()),
    }
}

/// A tenant's billing notification settings, or the defaults.
pub async fn notifications_of(app: &AppState, tenant: TenantId) -> AppResult<BillingNotifications> {
    Ok(app
        .store
        .billing_notifications(tenant)
        .await?
        .unwrap_or_else(|| BillingNotifications::default_for(tenant)))
}

/// Buys seats of an offer: a subscription and its first invoice, once the tenant has accepted the
/// Microsoft Customer Agreement.
#[derive(Debug, Clone)]
pub struct Purchase {
    /// The offer, by SKU id or part number.
    pub sku: String,
    /// Seats, 1 to 10,000.
    pub quantity: i64,
}

impl Purchase {
    /// Buys: the subscription and its invoice, as recorded.
    pub async fn execute(
        self,
        app: &AppState,
        caller: &Principal,
        now: OffsetDateTime,
    ) -> AppResult<(Subscription, Invoice)> {
        authorize_any(app, caller, &[PURCHASE], &self.sku, &[]).await?;
        let tenant = caller.tenant;
        // The customer's acceptance or a partner's attestation of it, as Partner Center takes either.
        let accepted = crate::agreements::customer_agreement_in_place(app, tenant).await?;
        let (sub, invoice) = billing::purchase(
            tenant,
            &self.sku,
            self.quantity,
            &caller.actor_name(),
            accepted,
            now,
        )
        .map_err(|e| refused(&e))?;
        let entry = change_entry(
            app,
            caller,
            "billing.purchase".into(),
            format!("{} {}", sub.id, invoice.description),
        );
        app.commit(
            Changes {
                billing: vec![BillingWrite::Purchase(sub.clone(), invoice.clone())],
                audit: vec![entry],
                ..Changes::default()
            },
            &caller.actor,
        )
        .await?;
        Ok((sub, invoice))
    }
}

/// Changes who receives invoices by e-mail, in which language, with or without the PDF; what is
/// not sent stays as it was.
#[derive(Debug, Clone)]
pub struct UpdateNotifications {
    /// The recipients.
    pub recipients: Option<Vec<String>>,
    /// `ja` or `en`.
    pub language: Option<String>,
    /// Whether invoices come as PDF attachments.
    pub attach_invoice_pdf: Option<bool>,
}

impl UpdateNotifications {
    /// Changes them: the settings as saved.
    pub async fn execute(
        self,
        app: &AppState,
        caller: &Principal,
    ) -> AppResult<BillingNotifications> {
        authorize_any(
            app,
            caller,
            &[UPDATE_NOTIFICATIONS],
            "billingNotifications",
            &[],
        )
        .await?;
        let tenant = caller.tenant;
        let old = notifications_of(app, tenant).await?;
        let new = billing::notifications(
            tenant,
            self.recipients.unwrap_or(old.recipients),
            self.language.as_deref().unwrap_or(&old.language),
            self.attach_invoice_pdf.unwrap_or(old.attach_invoice_pdf),
        )
        .map_err(|e| refused(&e))?;
        let entry = change_entry(
            app,
            caller,
            "billing.notifications.update".into(),
            "billingNotifications".into(),
        );
        app.commit(
            Changes {
                billing: vec![BillingWrite::Notifications(new.clone())],
                audit: vec![entry],
                ..Changes::default()
            },
            &caller.actor,
        )
        .await?;
        Ok(new)
    }
}
