//! `PortalStore` over SQL: sessions, agreements, partner ties and the activity record.

use async_trait::async_trait;
use gdap_domain::agreement::{Attestation, Contact};
use gdap_domain::customer::{Activity, ActivityKind, AgreementAcceptance, PartnerLink, Refusal};
use gdap_domain::directory::{PartnerProfile, Tenant};
use gdap_domain::ids::{RelationshipId, TenantId, UserId};
use gdap_domain::timefmt::{from_micros, to_micros};
use gdap_store::{CustomerFilter, PortalStore, Session, StoreError};

use crate::db::{Row, Step};
use crate::rows::{self, opt_micros};
use crate::sql::{Param, Sql};
use crate::SqlStore;

fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("corrupt {what}"))
}

fn tenant(r: &Row, col: &str) -> Result<TenantId, StoreError> {
    TenantId::parse(&r.text(col)?).map_err(|_| corrupt(col))
}

fn user(r: &Row, col: &str) -> Result<UserId, StoreError> {
    UserId::parse(&r.text(col)?).map_err(|_| corrupt(col))
}

/// Records an acceptance; one already recorded for the same version stays as it was.
pub(crate) fn agreement_step(a: &AgreementAcceptance) -> Step {
    let mut q = Sql::new("INSERT INTO agreements (tenant_id, agreement, version, accepted_by, accepted_by_upn, accepted_at) VALUES (");
    q.text(a.tenant.to_string())
        .push(", ")
        .text(a.agreement.clone())
        .push(", ")
        .text(a.version.clone())
        .push(", ");
    q.text(a.accepted_by.to_string())
        .push(", ")
        .text(a.accepted_by_upn.clone())
        .push(", ")
        .int(to_micros(a.accepted_at))
        .push(") ON CONFLICT (tenant_id, agreement, version) DO NOTHING");
    Step::plain(q)
}

/// A `LIKE` pattern for values starting with `prefix`, its own wildcards escaped with `\`.
fn like_prefix(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Inserts or replaces a customer's tie with a partner.
pub(crate) fn link_step(l: &PartnerLink) -> Step {
    let mut q = Sql::new(
        "INSERT INTO partner_links (customer_id, partner_id, reseller, dap, since, dap_removed_at, other_types, associated_partner_id) VALUES (",
    );
    q.text(l.customer.to_string())
        .push(", ")
        .text(l.partner.to_string())
        .push(", ")
        .int(i64::from(l.reseller))
        .push(", ");
    q.int(i64::from(l.dap))
        .push(", ")
        .int(to_micros(l.since))
        .push(", ")
        .bind(Param::OptInt(opt_micros(l.dap_removed_at)))
        .push(", ")
        .text(gdap_domain::ties::join(&l.other_types))
        .push(", ")
        .bind(Param::OptText(l.associated_partner.map(|t| t.to_string())));
    q.push(
        ") ON CONFLICT (customer_id, partner_id) DO UPDATE SET reseller = excluded.reseller, \
         dap = excluded.dap, since = excluded.since, dap_removed_at = excluded.dap_removed_at, \
         other_types = excluded.other_types, associated_partner_id = excluded.associated_partner_id",
    );
    Step::plain(q)
}

/// Records an action.
pub(crate) fn activity_step(a: &Activity) -> Step {
    let rels: Vec<String> = a.relationships.iter().map(ToString::to_string).collect();
    let mut q = Sql::new("INSERT INTO activity (id, customer_id, partner_id, actor, actor_upn, kind, relationships, at) VALUES (");
    q.text(a.id.to_string())
        .push(", ")
        .text(a.customer.to_string())
        .push(", ")
        .bind(Param::OptText(a.partner.map(|p| p.to_string())))
        .push(", ");
    q.text(a.actor.to_string())
        .push(", ")
        .text(a.actor_upn.clone())
        .push(", ")
        .text(a.kind.as_str())
        .push(", ");
    q.text(serde_json::to_string(&rels).unwrap_or_else(|_| "[]".into()))
        .push(", ")
        .int(to_micros(a.at))
        .push(")");
    Step::plain(q)
}

/// Records a refusal; a second one for the same relationship is a version conflict (the first
/// stands).
pub(crate) fn refusal_step(x: &Refusal) -> Step {
    let mut q = Sql::new("INSERT INTO refusals (relationship_id, relationship_name, partner_id, customer_id, declined_by, declined_by_upn, declined_at) VALUES (");
    q.text(x.relationship.to_string())
        .push(", ")
        .text(x.relationship_name.clone())
        .push(", ")
        .text(x.partner.to_string())
        .push(", ");
    q.text(x.customer.to_string())
        .push(", ")
        .text(x.by.to_string())
        .push(", ")
        .text(x.by_upn.clone())
        .push(", ")
        .int(to_micros(x.at))
        .push(")");
    Step {
        sql: q,
        checked: true,
        on_unique: Some(StoreError::VersionConflict),
    }
}

fn refusal(r: &Row) -> Result<Refusal, StoreError> {
    Ok(Refusal {
        relationship: RelationshipId::parse(&r.text("relationship_id")?)
            .map_err(|_| corrupt("relationship_id"))?,
        relationship_name: r.text("relationship_name")?,
        partner: tenant(r, "partner_id")?,
        customer: tenant(r, "customer_id")?,
        by: user(r, "declined_by")?,
        by_upn: r.text("declined_by_upn")?,
        at: from_micros(r.int("declined_at")?),
    })
}

/// Records a partner's attestation.
pub(crate) fn attestation_step(a: &Attestation) -> Step {
    let mut q = Sql::new("INSERT INTO attestations (id, customer_id, partner_id, user_id, agreement_type, template_id, first_name, last_name, email, phone, date_agreed, recorded_at) VALUES (");
    q.text(a.id.to_string())
        .push(", ")
        .text(a.customer.to_string())
        .push(", ")
        .text(a.partner.to_string())
        .push(", ");
    q.text(a.user.to_string())
        .push(", ")
        .text(a.agreement_type.clone())
        .push(", ")
        .text(a.template_id.clone())
        .push(", ");
    q.text(a.contact.first_name.clone())
        .push(", ")
        .text(a.contact.last_name.clone())
        .push(", ")
        .text(a.contact.email.clone())
        .push(", ")
        .bind(Param::OptText(a.contact.phone.clone()));
    q.push(", ")
        .int(to_micros(a.date_agreed))
        .push(", ")
        .int(to_micros(a.recorded_at))
        .push(")");
    Step {
        sql: q,
        checked: true,
        on_unique: Some(StoreError::VersionConflict),
    }
}

fn attestation(r: &Row) -> Result<Attestation, StoreError> {
    Ok(Attestation {
        id: r
            .text("id")?
            .parse()
            .map_err(|_| corrupt("attestation id"))?,
        customer: tenant(r, "customer_id")?,
        partner: tenant(r, "partner_id")?,
        user: user(r, "user_id")?,
        agreement_type: r.text("agreement_type")?,
        template_id: r.text("template_id")?,
        contact: Contact {
            first_name: r.text("first_name")?,
            last_name: r.text("last_name")?,
            email: r.text("email")?,
            phone: r.opt_text("phone")?,
        },
        date_agreed: from_micros(r.int("date_agreed")?),
        recorded_at: from_micros(r.int("recorded_at")?),
    })
}

fn session(r: &Row) -> Result<Session, StoreError> {
    Ok(Session {
        id_hash: r.text("id_hash")?,
        tenant: tenant(r, "tenant_id")?,
        user: user(r, "user_id")?,
        csrf: r.text("csrf")?,
        created_at: from_micros(r.int("created_at")?),
        expires_at: from_micros(r.int("expires_at")?),
        mfa: r.int("mfa")? != 0,
    })
}

fn agreement(r: &Row) -> Result<AgreementAcceptance, StoreError> {
    Ok(AgreementAcceptance {
        tenant: tenant(r, "tenant_id")?,
        agreement: r.text("agreement")?,
        version: r.text("version")?,
        accepted_by: user(r, "accepted_by")?,
        accepted_by_upn: r.text("accepted_by_upn")?,
        accepted_at: from_micros(r.int("accepted_at")?),
    })
}

fn link(r: &Row) -> Result<PartnerLink, StoreError> {
    Ok(PartnerLink {
        customer: tenant(r, "customer_id")?,
        partner: tenant(r, "partner_id")?,
        reseller: r.int("reseller")? != 0,
        dap: r.int("dap")? != 0,
        since: from_micros(r.int("since")?),
        dap_removed_at: r.opt_int("dap_removed_at")?.map(from_micros),
        other_types: gdap_domain::ties::split(&r.text("other_types")?)
            .ok_or_else(|| corrupt("partner_links.other_types"))?,
        associated_partner: r
            .opt_text("associated_partner_id")?
            .map(|p| TenantId::parse(&p).map_err(|_| corrupt("associated_partner_id")))
            .transpose()?,
    })
}

fn activity(r: &Row) -> Result<Activity, StoreError> {
    let rels: Vec<String> =
        serde_json::from_str(&r.text("relationships")?).map_err(|_| corrupt("activity"))?;
    Ok(Activity {
        id: r.text("id")?.parse().map_err(|_| corrupt("activity id"))?,
        customer: tenant(r, "customer_id")?,
        partner: r
            .opt_text("partner_id")?
            .map(|p| TenantId::parse(&p).map_err(|_| corrupt("partner_id")))
            .transpose()?,
        actor: user(r, "actor")?,
        actor_upn: r.text("actor_upn")?,
        kind: ActivityKind::parse(&r.text("kind")?).ok_or_else(|| corrupt("activity kind"))?,
        relationships: rels
            .iter()
            .map(|s| RelationshipId::parse(s).map_err(|_| corrupt("activity relationship")))
            .collect::<Result<_, _>>()?,
        at: from_micros(r.int("at")?),
    })
}

#[async_trait]
impl PortalStore for SqlStore {
    async fn create_session(&self, s: Session) -> Result<(), StoreError> {
        let mut purge = Sql::new("DELETE FROM sessions WHERE expires_at < ");
        purge.int(to_micros(s.created_at));
        let mut q = Sql::new("INSERT INTO sessions (id_hash, tenant_id, user_id, csrf, created_at, expires_at, mfa) VALUES (");
        q.text(s.id_hash)
            .push(", ")
            .text(s.tenant.to_string())
            .push(", ")
            .text(s.user.to_string())
            .push(", ");
        q.text(s.csrf)
            .push(", ")
            .int(to_micros(s.created_at))
            .push(", ")
            .int(to_micros(s.expires_at))
            .push(", ")
            .int(i64::from(s.mfa))
            .push(")");
        self.transaction(vec![Step::plain(purge), Step::plain(q)])
            .await
    }

    async fn session(&self, id_hash: &str) -> Result<Option<Session>, StoreError> {
        let mut q = Sql::new("SELECT * FROM sessions WHERE id_hash = ");
        q.text(id_hash);
        self.fetch_optional(q, session).await
    }

    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        let mut q = Sql::new("DELETE FROM sessions WHERE id_hash = ");
        q.text(id_hash);
        self.transaction(vec![Step::plain(q)]).await
    }

    async fn delete_sessions_of(&self, user: UserId) -> Result<(), StoreError> {
        let mut q = Sql::new("DELETE FROM sessions WHERE user_id = ");
        q.text(user.to_string());
        self.transaction(vec![Step::plain(q)]).await
    }

    async fn agreement(
        &self,
        tenant: TenantId,
        agreement_name: &str,
    ) -> Result<Option<AgreementAcceptance>, StoreError> {
        let mut q = Sql::new("SELECT * FROM agreements WHERE tenant_id = ");
        q.text(tenant.to_string())
            .push(" AND agreement = ")
            .text(agreement_name)
            .push(" ORDER BY accepted_at DESC LIMIT 1");
        self.fetch_optional(q, agreement).await
    }

    async fn partner_links(&self, customer: TenantId) -> Result<Vec<PartnerLink>, StoreError> {
        let mut q = Sql::new("SELECT * FROM partner_links WHERE customer_id = ");
        q.text(customer.to_string()).push(" ORDER BY partner_id");
        self.fetch_all(q, link).await
    }

    async fn attestations_of(&self, customer: TenantId) -> Result<Vec<Attestation>, StoreError> {
        let mut q = Sql::new("SELECT * FROM attestations WHERE customer_id = ");
        q.text(customer.to_string())
            .push(" ORDER BY recorded_at, id");
        self.fetch_all(q, attestation).await
    }

    async fn activity_of(
        &self,
        customer: TenantId,
        partner: Option<TenantId>,
        limit: u32,
    ) -> Result<Vec<Activity>, StoreError> {
        let mut q = Sql::new("SELECT * FROM activity WHERE customer_id = ");
        q.text(customer.to_string());
        if let Some(p) = partner {
            q.push(" AND partner_id = ").text(p.to_string());
        }
        q.push(" ORDER BY at DESC, id DESC LIMIT ")
            .int(i64::from(limit));
        self.fetch_all(q, activity).await
    }

    async fn customers_of_partner(
        &self,
        partner: TenantId,
        after: Option<TenantId>,
        limit: u32,
        filter: Option<&CustomerFilter>,
    ) -> Result<Vec<(PartnerLink, Tenant)>, StoreError> {
        let mut q = Sql::new(
            "SELECT l.*, t.id, t.display_name, t.domain, t.partner_json, t.created_at \
             FROM partner_links l JOIN tenants t ON t.id = l.customer_id WHERE l.partner_id = ",
        );
        q.text(partner.to_string()).push(
            " AND (l.reseller <> 0 OR l.dap <> 0 OR l.other_types LIKE '%indirectReseller%')",
        );
        if let Some(a) = after {
            q.push(" AND l.customer_id > ").text(a.to_string());
        }
        if let Some(f) = filter {
            let (column, prefix) = match f {
                CustomerFilter::CompanyName(p) => ("t.display_name", p),
                CustomerFilter::Domain(p) => ("t.domain", p),
            };
            // Both sides folded by the database, so that SQLite (ASCII only) and PostgreSQL
            // (Unicode) each compare what they fold alike.
            q.push(&format!(" AND lower({column}) LIKE lower("))
                .text(like_prefix(prefix))
                .push(") ESCAPE '\\'");
        }
        q.push(" ORDER BY l.customer_id LIMIT ")
            .int(i64::from(limit));
        self.fetch_all(q, |r| Ok((link(r)?, crate::rows::tenant(r)?)))
            .await
    }

    async fn refusal(&self, relationship: RelationshipId) -> Result<Option<Refusal>, StoreError> {
        let mut q = Sql::new("SELECT * FROM refusals WHERE relationship_id = ");
        q.text(relationship.to_string());
        self.fetch_optional(q, refusal).await
    }

    async fn refusals_of(&self, tenant: TenantId, limit: u32) -> Result<Vec<Refusal>, StoreError> {
        let id = tenant.to_string();
        let mut q = Sql::new("SELECT * FROM refusals WHERE customer_id = ");
        q.text(id.clone())
            .push(" OR partner_id = ")
            .text(id)
            .push(" ORDER BY declined_at DESC, relationship_id LIMIT ")
            .int(i64::from(limit));
        self.fetch_all(q, refusal).await
    }

    async fn set_partner_profile(
        &self,
        tenant_id: TenantId,
        profile: PartnerProfile,
    ) -> Result<(), StoreError> {
        let mut q = Sql::new("UPDATE tenants SET partner_json = ");
        q.bind(Param::OptText(rows::partner_json(&Some(profile))))
            .push(" WHERE id = ")
            .text(tenant_id.to_string());
        let mut steps = vec![Step {
            sql: q,
            checked: true,
            on_unique: None,
        }];
        steps.extend(self.feed_steps(&gdap_store::ChangeRefs {
            tenants: vec![tenant_id],
            ..gdap_store::ChangeRefs::default()
        }));
        self.transaction(steps).await
    }

    async fn set_preferred_language(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        language: &str,
    ) -> Result<(), StoreError> {
        let mut q = Sql::new("UPDATE users SET preferred_language = ");
        q.text(language)
            .push(" WHERE tenant_id = ")
            .text(tenant_id.to_string())
            .push(" AND id = ")
            .text(user_id.to_string());
        let mut steps = vec![Step {
            sql: q,
            checked: true,
            on_unique: None,
        }];
        // Other nodes' caches hold the language an approver's invitations are written in.
        steps.extend(self.feed_steps(&gdap_store::ChangeRefs {
            users: vec![(tenant_id, user_id)],
            ..gdap_store::ChangeRefs::default()
        }));
        self.transaction(steps).await
    }
}
