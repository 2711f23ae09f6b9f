//! Sending the invitation once a relationship is locked.
//!
//! Microsoft sends no e-mail on `lockForApproval`: the partner sends the approval link itself. The
//! tool mails the provider's invitation (the same words gdap's own mail uses) through an SMTP
//! relay, or writes the links to a file for another system to send; against gdap, whose own
//! invitation mail goes out on the lock, it can leave the mailing to the service.

use std::io::Write;
use std::path::Path;

use async_trait::async_trait;
use gdap_domain::mail::{invitation_mail, Branding, Composed, Language};
use time::OffsetDateTime;
use tokio::sync::Mutex;

use crate::input::Customer;

/// The invitation of one customer.
#[derive(Debug, Clone)]
pub struct Invitation<'a> {
    /// The customer.
    pub customer: &'a Customer,
    /// The locked relationship.
    pub relationship_id: &'a str,
    /// The approval link.
    pub link: &'a str,
    /// When the link stops working (90 days after the lock).
    pub expires_at: OffsetDateTime,
}

/// Sends (or records) invitations.
#[async_trait]
pub trait Inviter: Send + Sync {
    /// Sends one; an error fails the row, which a later run tries again.
    async fn invite(&self, inv: &Invitation<'_>) -> Result<(), String>;

    /// Whether each row needs an `adminEmail`.
    fn needs_address(&self) -> bool {
        false
    }
}

/// The service mails the invitation itself (gdap does on the lock).
pub struct ServiceMails;

#[async_trait]
impl Inviter for ServiceMails {
    async fn invite(&self, _: &Invitation<'_>) -> Result<(), String> {
        Ok(())
    }
}

/// Writes `tenantId,customerName,adminEmail,link,expires` lines (CSV) to a file.
pub struct LinksFile(Mutex<std::fs::File>);

impl LinksFile {
    /// Opens the file for appending, writing the header line when it is new.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let fresh = std::fs::metadata(path).map_or(true, |m| m.len() == 0);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        if fresh {
            file.write_all(b"tenantId,customerName,adminEmail,link,expires\n")?;
        }
        Ok(Self(Mutex::new(file)))
    }
}

/// One CSV field, quoted when it needs to be.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

#[async_trait]
impl Inviter for LinksFile {
    async fn invite(&self, inv: &Invitation<'_>) -> Result<(), String> {
        let c = inv.customer;
        let expires = inv
            .expires_at
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| e.to_string())?;
        let line = format!(
            "{},{},{},{},{}\n",
            c.tenant_id,
            field(c.name.as_deref().unwrap_or_default()),
            field(c.admin_email.as_deref().unwrap_or_default()),
            field(inv.link),
            expires
        );
        self.0
            .lock()
            .await
            .write_all(line.as_bytes())
            .map_err(|e| e.to_string())
    }
}

/// Hands a composed mail to a relay.
#[async_trait]
pub trait MailSender: Send + Sync {
    /// Sends `mail` to `to`.
    async fn send(&self, to: &str, mail: &Composed) -> Result<(), String>;
}

/// Mails the provider's invitation to each row's `adminEmail`.
pub struct Mailer<S> {
    /// How the partner presents itself.
    pub branding: Branding,
    /// The language of rows that name none.
    pub language: Language,
    /// The relay.
    pub sender: S,
}

#[async_trait]
impl<S: MailSender> Inviter for Mailer<S> {
    async fn invite(&self, inv: &Invitation<'_>) -> Result<(), String> {
        let c = inv.customer;
        let to = c
            .admin_email
            .as_deref()
            .ok_or("the row has no adminEmail to mail the invitation to")?;
        let lang = c.language.unwrap_or(self.language);
        let mail = invitation_mail(
            &gdap_domain::mail::Invitation {
                branding: &self.branding,
                admin_account: to,
                approval_url: inv.link,
                customer_domain: c.domain.as_deref().unwrap_or("—"),
                expires_at: inv.expires_at,
            },
            lang,
        );
        self.sender.send(to, &mail).await
    }

    fn needs_address(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_links_field_is_quoted_only_when_it_must_be() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("Contoso, \"Inc\""), "\"Contoso, \"\"Inc\"\"\"");
    }
}
