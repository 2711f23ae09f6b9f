//! `BillingStore` over SQL: subscriptions, invoices and billing notification settings.

use async_trait::async_trait;
use gdap_domain::billing::{BillingNotifications, Invoice, Subscription};
use gdap_domain::ids::TenantId;
use gdap_domain::timefmt::{from_micros, to_micros};
use gdap_store::{BillingStore, BillingWrite, StoreError};
use uuid::Uuid;

use crate::db::{Row, Step};
use crate::sql::Sql;
use crate::SqlStore;

fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("corrupt {what}"))
}

fn uuid(r: &Row, col: &str) -> Result<Uuid, StoreError> {
    Uuid::try_parse(&r.text(col)?).map_err(|_| corrupt(col))
}

fn tenant(r: &Row) -> Result<TenantId, StoreError> {
    TenantId::parse(&r.text("tenant_id")?).map_err(|_| corrupt("tenant_id"))
}

fn non_negative(r: &Row, col: &str) -> Result<u64, StoreError> {
    u64::try_from(r.int(col)?).map_err(|_| corrupt(col))
}

/// The statements of one billing write.
pub(crate) fn steps(w: &BillingWrite) -> Vec<Step> {
    match w {
        BillingWrite::Purchase(s, i) => {
            let mut sub = Sql::new("INSERT INTO subscriptions (id, tenant_id, sku_id, quantity, created_at, purchased_by) VALUES (");
            sub.text(s.id.to_string())
                .push(", ")
                .text(s.tenant.to_string())
                .push(", ")
                .text(s.sku_id.to_string())
                .push(", ");
            sub.int(i64::from(s.quantity))
                .push(", ")
                .int(to_micros(s.created_at))
                .push(", ")
                .text(s.purchased_by.clone())
                .push(")");
            let mut inv = Sql::new("INSERT INTO invoices (id, tenant_id, subscription_id, issued_at, amount_cents, currency, description) VALUES (");
            inv.text(i.id.clone())
                .push(", ")
                .text(i.tenant.to_string())
                .push(", ")
                .text(i.subscription.to_string())
                .push(", ");
            inv.int(to_micros(i.issued_at))
                .push(", ")
                .int(i64::try_from(i.amount_cents).unwrap_or(i64::MAX))
                .push(", ")
                .text(i.currency.clone())
                .push(", ")
                .text(i.description.clone())
                .push(")");
            vec![Step::plain(sub), Step::plain(inv)]
        }
        BillingWrite::Notifications(n) => {
            let mut q = Sql::new("INSERT INTO billing_notifications (tenant_id, recipients, language, attach_invoice_pdf) VALUES (");
            q.text(n.tenant.to_string())
                .push(", ")
                .text(serde_json::to_string(&n.recipients).unwrap_or_else(|_| "[]".into()))
                .push(", ")
                .text(n.language.clone())
                .push(", ");
            q.int(i64::from(n.attach_invoice_pdf)).push(
                ") ON CONFLICT (tenant_id) DO UPDATE SET recipients = excluded.recipients, \
                 language = excluded.language, attach_invoice_pdf = excluded.attach_invoice_pdf",
            );
            vec![Step::plain(q)]
        }
    }
}

fn subscription(r: &Row) -> Result<Subscription, StoreError> {
    Ok(Subscription {
        id: uuid(r, "id")?,
        tenant: tenant(r)?,
        sku_id: uuid(r, "sku_id")?,
        quantity: u32::try_from(r.int("quantity")?).map_err(|_| corrupt("quantity"))?,
        created_at: from_micros(r.int("created_at")?),
        purchased_by: r.text("purchased_by")?,
    })
}

fn invoice(r: &Row) -> Result<Invoice, StoreError> {
    Ok(Invoice {
        id: r.text("id")?,
        tenant: tenant(r)?,
        subscription: uuid(r, "subscription_id")?,
        issued_at: from_micros(r.int("issued_at")?),
        amount_cents: non_negative(r, "amount_cents")?,
        currency: r.text("currency")?,
        description: r.text("description")?,
    })
}

fn notifications(r: &Row) -> Result<BillingNotifications, StoreError> {
    Ok(BillingNotifications {
        tenant: tenant(r)?,
        recipients: serde_json::from_str(&r.text("recipients")?)
            .map_err(|_| corrupt("recipients"))?,
        language: r.text("language")?,
        attach_invoice_pdf: r.int("attach_invoice_pdf")? != 0,
    })
}

#[async_trait]
impl BillingStore for SqlStore {
    async fn subscriptions_of(&self, t: TenantId) -> Result<Vec<Subscription>, StoreError> {
        let mut q = Sql::new("SELECT * FROM subscriptions WHERE tenant_id = ");
        q.text(t.to_string()).push(" ORDER BY created_at, id");
        self.fetch_all(q, subscription).await
    }

    async fn invoices_of(&self, t: TenantId) -> Result<Vec<Invoice>, StoreError> {
        let mut q = Sql::new("SELECT * FROM invoices WHERE tenant_id = ");
        q.text(t.to_string())
            .push(" ORDER BY issued_at DESC, id DESC");
        self.fetch_all(q, invoice).await
    }

    async fn billing_notifications(
        &self,
        t: TenantId,
    ) -> Result<Option<BillingNotifications>, StoreError> {
        let mut q = Sql::new("SELECT * FROM billing_notifications WHERE tenant_id = ");
        q.text(t.to_string());
        self.fetch_optional(q, notifications).await
    }
}
