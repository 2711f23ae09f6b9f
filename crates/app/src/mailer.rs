//! E-mail: composing the approval request when a relationship is locked, and delivering the outbox
//! through an SMTP relay with retries.

use async_trait::async_trait;
use gdap_domain::directory::User;
use gdap_domain::ids::RelationshipId;
use gdap_domain::mail::{invitation_mail, Branding, Composed, Invitation, Language};
use gdap_domain::relationship::Relationship;
use gdap_domain::roles::{
    CUSTOMER_DELEGATED_ADMIN_RELATIONSHIP_ADMINISTRATOR, GLOBAL_ADMINISTRATOR,
};
use gdap_store::{Delivery, OutboxMail, StoreError};
use time::{Duration, OffsetDateTime};

use crate::state::AppState;

/// The page where a customer reviews and approves an invitation.
pub fn approval_url(origin: &str, rel: &Relationship) -> String {
    format!(
        "{origin}/adminportal/partners/invitation/granularAdminRelationships/{}",
        rel.id
    )
}

/// The language a user reads mail in: the one they chose, English otherwise.
pub fn language_of(u: &User) -> Language {
    u.preferred_language
        .as_deref()
        .and_then(Language::parse)
        .unwrap_or(Language::En)
}

/// Whether a user can approve invitations for its tenant.
pub fn is_approver(u: &User) -> bool {
    u.account_enabled
        && u.roles.iter().any(|r| {
            let r = r.to_string();
            r == GLOBAL_ADMINISTRATOR || r == CUSTOMER_DELEGATED_ADMIN_RELATIONSHIP_ADMINISTRATOR
        })
}

/// The approval-request mails for a relationship just locked: one to each administrator of the
/// customer who can approve, in that person's language, and one to the contact the partner gave
/// (if any, in the language it chose). None to the administrators when the partner left the customer
/// open.
pub async fn invitation_mails(
    state: &AppState,
    rel: &Relationship,
    origin: &str,
    contact: Option<(&str, Language)>,
) -> Result<Vec<OutboxMail>, StoreError> {
    let Some(partner) = state.tenant(rel.partner).await? else {
        return Ok(Vec::new());
    };
    let customer = match &rel.customer {
        Some(c) => state.tenant(c.tenant_id).await?,
        None => None,
    };
    let profile = partner.partner.clone().unwrap_or_default();
    let branding = Branding {
        partner_name: partner.display_name.clone(),
        service_name: profile
            .service_name
            .clone()
            .unwrap_or_else(|| partner.display_name.clone()),
        contact: profile
            .contact
            .clone()
            .unwrap_or_else(|| partner.domain.clone()),
        help_url: profile.help_url.clone(),
    };
    let url = approval_url(origin, rel);
    let expires_at = rel
        .invitation_expires_at(&state.config.timings)
        .unwrap_or(rel.last_modified_at);
    let now = state.now();
    let domain = customer.as_ref().map_or("—", |t| t.domain.as_str());
    let compose = |to: &str, account: &str, lang: Language| {
        // The link carries the mail's language: the pages use it when the browser names none.
        let url = format!("{url}?lang={}", lang.tag());
        queued(
            to,
            invitation_mail(
                &Invitation {
                    branding: &branding,
                    admin_account: account,
                    approval_url: &url,
                    customer_domain: domain,
                    expires_at,
                },
                lang,
            ),
            Some(rel.id),
            now,
        )
    };
    let mut out = Vec::new();
    if let Some(tenant) = &customer {
        for admin in state.approvers(tenant.id).await?.iter() {
            let lang = language_of(admin);
            out.push(compose(
                &admin.user_principal_name,
                &admin.user_principal_name,
                lang,
            ));
        }
    }
    if let Some((to, lang)) = contact {
        if !out.iter().any(|m| m.to.eq_ignore_ascii_case(to)) {
            let account = customer
                .as_ref()
                .map_or_else(|| to.to_owned(), |t| format!("admin@{}", t.domain));
            out.push(compose(to, &account, lang));
        }
    }
    Ok(out)
}

/// A composed mail, ready for the outbox.
pub fn queued(
    to: &str,
    composed: Composed,
    relationship_id: Option<RelationshipId>,
    now: OffsetDateTime,
) -> OutboxMail {
    OutboxMail {
        id: uuid::Uuid::new_v4(),
        to: to.to_owned(),
        subject: composed.subject,
        body: composed.body,
        relationship_id,
        created_at: now,
        attempts: 0,
        // Delivery follows the wall clock, whatever the development clock says.
        next_attempt_at: Some(OffsetDateTime::now_utc()),
        sent_at: None,
        last_error: None,
    }
}

/// Sends one mail.
#[async_trait]
pub trait MailTransport: Send + Sync {
    /// Hands the mail to the relay; an error is retried later.
    async fn send(&self, mail: &OutboxMail) -> Result<(), String>;
}

/// An SMTP relay (`smtp://host:port`, no TLS: a local relay or a sidecar).
pub struct SmtpRelay {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl SmtpRelay {
    /// A relay at `url` sending as `from`.
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let rest = url
            .strip_prefix("smtp://")
            .ok_or_else(|| format!("`{url}` is not an smtp:// URL"))?;
        let (host, port) = match rest.trim_end_matches('/').rsplit_once(':') {
            Some((h, p)) => (
                h.to_owned(),
                p.parse::<u16>()
                    .map_err(|_| format!("bad port in `{url}`"))?,
            ),
            None => (rest.trim_end_matches('/').to_owned(), 25),
        };
        let transport =
            lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(host)
                .port(port)
                .timeout(Some(std::time::Duration::from_secs(10)))
                .build();
        let from = from
            .parse()
            .map_err(|e| format!("`{from}` is not a mail address: {e}"))?;
        Ok(Self { transport, from })
    }
}

#[async_trait]
impl MailTransport for SmtpRelay {
    async fn send(&self, mail: &OutboxMail) -> Result<(), String> {
        use lettre::AsyncTransport;
        let to = mail
            .to
            .parse()
            .map_err(|e| format!("bad recipient `{}`: {e}", mail.to))?;
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// The wait before attempt `n + 1`: 5 s doubling up to 10 minutes.
pub fn backoff(attempts: u32) -> Duration {
    Duration::seconds((5_i64 << attempts.min(7)).min(600))
}

/// How long a claimed mail stays hidden from other nodes while one tries to send it.
pub const CLAIM_LEASE: Duration = Duration::minutes(2);

/// Delivers every due mail once; returns how many the relay accepted.
pub async fn deliver_due(
    state: &AppState,
    transport: &dyn MailTransport,
) -> Result<usize, StoreError> {
    let now = OffsetDateTime::now_utc();
    let mut sent = 0;
    for mail in state.store.claim_mail(now, CLAIM_LEASE, 100).await? {
        let outcome = match transport.send(&mail).await {
            Ok(()) => {
                sent += 1;
                Delivery::Sent(OffsetDateTime::now_utc())
            }
            Err(error) => {
                tracing::warn!(to = %mail.to, %error, attempts = mail.attempts + 1, "mail delivery failed; will retry");
                Delivery::Failed {
                    error,
                    retry_at: OffsetDateTime::now_utc() + backoff(mail.attempts),
                }
            }
        };
        state.store.record_delivery(mail.id, outcome).await?;
    }
    Ok(sent)
}
