//! The renewal-notice sweep over many relationships, in process on an SQLite file: the first
//! sweep (every relationship within 30 days of its end is warned), the sweeps that follow in the
//! same minute (nothing new), and the sweep a day later (the relationships that crossed a
//! threshold that day). Each notice composes and queues its two mails (the partner's admin agent,
//! the customer's administrator) with its mark. The worker sweeps once a minute; the target is at
//! most a second a pass.

use std::time::Instant;

use gdap_api::ApiConfig;
use gdap_domain::enums::RelationshipStatus;
use gdap_domain::ids::{RoleDefinitionId, TenantId};
use gdap_domain::relationship::{AutoExtend, CustomerParticipant, Relationship, RelationshipDraft};
use gdap_domain::roles::Catalogue;
use gdap_store::{Changes, DirectoryStore, RelationshipStore, Write};
use gdap_store_sql::SqlStore;

/// Relationships written per commit while filling.
const FILL_BATCH: usize = 10_000;

/// The partner (one admin agent) and its customers (one Global Administrator each, half of them
/// reading Japanese), so that each notice composes its mails as in use.
async fn directory(store: &SqlStore, now: time::OffsetDateTime) -> anyhow::Result<()> {
    use gdap_domain::directory::{Group, PartnerProfile, Tenant, User, ADMIN_AGENTS};
    use gdap_domain::ids::{GroupId, UserId};
    let partner = TenantId::parse(crate::PARTNER)?;
    let ga = RoleDefinitionId::parse(gdap_domain::roles::GLOBAL_ADMINISTRATOR)?;
    let user = |tenant, upn: String, lang: Option<&str>| User {
        id: UserId::new_random(),
        tenant,
        user_principal_name: upn,
        display_name: "Admin".into(),
        password_hash: None,
        roles: vec![ga],
        preferred_language: lang.map(str::to_owned),
        account_enabled: true,
    };
    let agent = user(partner, "agent@renewalpartner.onmicrosoft.com".into(), None);
    let mut batch = gdap_store::DirectoryBatch {
        tenants: vec![Tenant {
            id: partner,
            display_name: "Renewal Partner".into(),
            domain: "renewalpartner.onmicrosoft.com".into(),
            partner: Some(PartnerProfile::default()),
            created_at: now,
        }],
        groups: vec![Group {
            id: GroupId::new_random(),
            tenant: partner,
            display_name: ADMIN_AGENTS.into(),
            members: vec![agent.id],
        }],
        users: vec![agent],
        ..Default::default()
    };
    for c in 0..crate::CUSTOMERS {
        let id = TenantId::parse(&crate::customer_id(c))?;
        batch.tenants.push(Tenant {
            id,
            display_name: format!("Agency {c}"),
            domain: format!("agency{c}.onmicrosoft.com"),
            partner: None,
            created_at: now,
        });
        let lang = (c % 2 == 0).then_some("ja");
        batch
            .users
            .push(user(id, format!("admin@agency{c}.onmicrosoft.com"), lang));
    }
    store.insert_directory(batch).await?;
    Ok(())
}

/// Fills `n` active relationships of one partner whose end dates spread evenly over the next two
/// years; one in ten extends itself.
async fn fill(store: &SqlStore, n: usize, now: time::OffsetDateTime) -> anyhow::Result<()> {
    let partner = TenantId::parse(crate::PARTNER)?;
    let roles = vec![RoleDefinitionId::parse(crate::ROLES[0])?];
    let mut batch = Changes::default();
    for i in 0..n {
        // Activated between two years ago and now: the end is between now and two years ahead.
        let ago = time::Duration::seconds((i as i64 * 730 * 86_400) / n as i64);
        let mut r = Relationship::create(
            partner,
            RelationshipDraft {
                display_name: format!("Renewal {i}"),
                duration: "P730D".into(),
                auto_extend: None,
                roles: roles.clone(),
                customer: Some(CustomerParticipant {
                    tenant_id: TenantId::parse(&crate::customer_id(i % crate::CUSTOMERS))?,
                    display_name: None,
                }),
            },
            Catalogue::builtin(),
            gdap_domain::timefmt::truncate_micros(now - ago),
        )?;
        r.status = RelationshipStatus::Active;
        r.locked_at = Some(r.created_at);
        r.activated_at = Some(r.created_at);
        r.end_at = Some(r.created_at + time::Duration::days(730));
        if i % 10 == 0 {
            r.auto_extend = AutoExtend::SixMonths;
        }
        batch.relationships.push(Write::Insert(r));
        if batch.relationships.len() == FILL_BATCH {
            store.commit(std::mem::take(&mut batch)).await?;
        }
    }
    store.commit(batch).await?;
    Ok(())
}

/// Runs the sweeps; returns the report.
pub async fn run(dir: &std::path::Path, n: usize) -> anyhow::Result<String> {
    let db = dir.join("renewals.db");
    let _ = std::fs::remove_file(&db);
    let store = SqlStore::connect(db.to_str().unwrap_or("renewals.db")).await?;
    let now = time::OffsetDateTime::now_utc();
    let t = Instant::now();
    directory(&store, now).await?;
    fill(&store, n, now).await?;
    eprintln!(
        "filled {n} relationships in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let state = crate::server::in_process(store, ApiConfig::default())?;
    let mut report = format!(
        "### Renewal-notice sweep over {n} relationships (SQLite, in process)\n\n| sweep | notices | time |\n|---|---|---|\n"
    );
    let mut sweep = |label: &str, sent: u32, secs: f64| {
        report.push_str(&format!("| {label} | {sent} | {:.3} s |\n", secs));
    };
    let t = Instant::now();
    let sent = gdap_app::renewals::send_due(&state, now).await?;
    sweep(
        "first (every relationship within 30 days of its end)",
        sent,
        t.elapsed().as_secs_f64(),
    );
    let mut steady = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let sent = gdap_app::renewals::send_due(&state, now).await?;
        anyhow::ensure!(sent == 0, "a repeated sweep sent {sent}");
        steady.push(t.elapsed().as_secs_f64());
    }
    steady.sort_by(f64::total_cmp);
    sweep("the next ones, nothing new (median of 5)", 0, steady[2]);
    let t = Instant::now();
    let sent = gdap_app::renewals::send_due(&state, now + time::Duration::days(1)).await?;
    sweep("a day later", sent, t.elapsed().as_secs_f64());
    Ok(report)
}
