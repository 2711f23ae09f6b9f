//! Renewal notices: before a relationship ends (30, 7 and 1 days ahead), once it has ended, and
//! before an invitation's link stops working, both sides hear of it by e-mail — the partner's
//! Admin Agents and the customer's administrators, each in their language.
//!
//! Each notice is queued in the outbox in the same transaction that records it, so that it is
//! sent exactly once across nodes and restarts: a node that finds it already recorded drops its
//! own copy. Relationships that extend themselves get no warning; terminated ones none at all.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use gdap_domain::directory::{User, ADMIN_AGENTS};
use gdap_domain::ids::TenantId;
use gdap_domain::relationship::Relationship;
use gdap_domain::renewal::{
    renewal_mail, Audience, RenewalKind, RenewalNotice, ENDING_DAYS, EXPIRED_GRACE, INVITATION_DAYS,
};
use gdap_store::{Changes, NoticeDue, NoticeMark, NoticeQuery, StoreError};
use time::{Duration, OffsetDateTime};

use crate::audit::Who;
use crate::state::AppState;

/// How many relationships one query of the sweep reads.
const BATCH: u32 = 500;

/// How many notices one transaction records (with their mails).
const COMMIT_SET: usize = 100;

/// How often the worker sweeps for notices.
pub const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// When the worker last swept.
#[derive(Debug, Default)]
pub struct Sweep(std::sync::Mutex<Option<std::time::Instant>>);

impl Sweep {
    /// Whether a sweep is due (none yet, or the last one [`SWEEP_EVERY`] ago); marks it done.
    pub fn due(&self) -> bool {
        let mut last = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match *last {
            Some(t) if t.elapsed() < SWEEP_EVERY => false,
            _ => {
                *last = Some(std::time::Instant::now());
                true
            }
        }
    }
}

/// The searches of one sweep at `now`, nearest deadline first: each threshold's window ends at
/// its own distance and starts at the next nearer one's, so that a relationship is found only for
/// the notice it is due now.
fn searches(now: OffsetDateTime, ttl: Duration) -> Vec<(NoticeQuery, RenewalKind)> {
    let mut out = vec![(
        NoticeQuery {
            due: NoticeDue::Expired,
            kind: RenewalKind::Expired.key(),
            after: now - EXPIRED_GRACE,
            until: now,
        },
        RenewalKind::Expired,
    )];
    let mut bands = |series: &[i64], due: NoticeDue, kind: fn(i64) -> RenewalKind| {
        let mut days: Vec<i64> = series.to_vec();
        days.sort_unstable();
        let mut nearer = 0;
        for d in days {
            out.push((
                NoticeQuery {
                    due,
                    kind: kind(d).key(),
                    after: now + Duration::days(nearer),
                    until: now + Duration::days(d),
                },
                kind(d),
            ));
            nearer = d;
        }
    };
    bands(&ENDING_DAYS, NoticeDue::Ending, RenewalKind::Ending);
    bands(
        &INVITATION_DAYS,
        NoticeDue::InvitationEnding { ttl },
        RenewalKind::InvitationEnding,
    );
    out
}

/// Who reads the notices of one tenant, read once per sweep.
#[derive(Default)]
struct Readers(HashMap<(TenantId, bool), Vec<User>>);

impl Readers {
    /// The partner's Admin Agents (its Global Administrators when that group is empty), or the
    /// customer's administrators who approve invitations.
    async fn of(
        &mut self,
        state: &AppState,
        tenant: TenantId,
        partner: bool,
    ) -> Result<&[User], StoreError> {
        let users = match self.0.entry((tenant, partner)) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(load_readers(state, tenant, partner).await?),
        };
        Ok(users.as_slice())
    }
}

async fn load_readers(
    state: &AppState,
    tenant: TenantId,
    partner: bool,
) -> Result<Vec<User>, StoreError> {
    if partner {
        let members: Vec<_> = state
            .store
            .groups_of(tenant)
            .await?
            .into_iter()
            .filter(|g| g.display_name.eq_ignore_ascii_case(ADMIN_AGENTS))
            .flat_map(|g| g.members)
            .collect();
        let agents: Vec<User> = state
            .store
            .users_of(tenant)
            .await?
            .into_iter()
            .filter(|u| u.account_enabled && members.contains(&u.id))
            .collect();
        if !agents.is_empty() {
            return Ok(agents);
        }
    }
    Ok(state.approvers(tenant).await?.as_ref().clone())
}

/// Queues every renewal notice due at `now`; returns how many notices (one per relationship and
/// kind) were sent.
pub async fn send_due(state: &AppState, now: OffsetDateTime) -> Result<u32, StoreError> {
    let origin = state.config.origin();
    let mut readers = Readers::default();
    let mut sent = 0;
    for (query, kind) in searches(now, state.config.timings.invitation_ttl) {
        loop {
            let due = state.store.due_for_notice(&query, BATCH).await?;
            let full = due.len() == BATCH as usize;
            let mut each = Vec::with_capacity(due.len());
            for rel in &due {
                each.push(Changes {
                    mail: mails(state, &mut readers, rel, kind, origin, now).await?,
                    notices: vec![NoticeMark {
                        subject: rel.id,
                        kind: kind.key(),
                        at: now,
                    }],
                    ..Changes::default()
                });
            }
            sent += commit_all(state, each).await?;
            if !full {
                break;
            }
        }
    }
    state.metrics.notices_sent(sent);
    Ok(sent)
}

/// Commits the notices `each` in sets of [`COMMIT_SET`], one transaction per set; a set that
/// another node partly sent already (`Duplicate`) is committed notice by notice, so each is sent
/// once. Returns how many this node sent.
async fn commit_all(state: &AppState, each: Vec<Changes>) -> Result<u32, StoreError> {
    let mut sent = 0;
    for set in each.chunks(COMMIT_SET) {
        let mut whole = Changes::default();
        for c in set {
            whole.mail.extend(c.mail.iter().cloned());
            whole.notices.extend(c.notices.iter().cloned());
        }
        match state.commit(whole, &Who::system()).await {
            Ok(_) => sent += u32::try_from(set.len()).unwrap_or(u32::MAX),
            Err(StoreError::Duplicate(_)) => {
                for c in set {
                    match state.commit(c.clone(), &Who::system()).await {
                        Ok(_) => sent += 1,
                        // Another node sent it first.
                        Err(StoreError::Duplicate(_)) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(sent)
}

/// The mails of one notice, to both sides.
async fn mails(
    state: &AppState,
    readers: &mut Readers,
    rel: &Relationship,
    kind: RenewalKind,
    origin: &str,
    now: OffsetDateTime,
) -> Result<Vec<gdap_store::OutboxMail>, StoreError> {
    let Some(partner) = state.tenant(rel.partner).await? else {
        return Ok(Vec::new());
    };
    let customer = match &rel.customer {
        Some(c) => state.tenant(c.tenant_id).await?,
        None => None,
    };
    let deadline = match kind {
        RenewalKind::InvitationEnding(_) => rel.invitation_expires_at(&state.config.timings),
        RenewalKind::Ending(_) | RenewalKind::Expired => rel.end_at,
    }
    .unwrap_or(now);
    let mut out = Vec::new();
    let mut sides = vec![(Audience::Partner, partner.id, format!("{origin}/partner"))];
    if let Some(c) = &customer {
        let url = match kind {
            RenewalKind::InvitationEnding(_) => crate::mailer::approval_url(origin, rel),
            _ => format!("{origin}/adminportal/settings/partners/{}", rel.partner),
        };
        sides.push((Audience::Customer, c.id, url));
    }
    for (audience, tenant, url) in sides {
        for u in readers
            .of(state, tenant, audience == Audience::Partner)
            .await?
        {
            let lang = crate::mailer::language_of(u);
            let url = if matches!(
                (audience, kind),
                (Audience::Customer, RenewalKind::InvitationEnding(_))
            ) {
                format!("{url}?lang={}", lang.tag())
            } else {
                url.clone()
            };
            let m = renewal_mail(
                &RenewalNotice {
                    kind,
                    audience,
                    partner_name: &partner.display_name,
                    customer_name: customer.as_ref().map_or("—", |c| c.display_name.as_str()),
                    customer_domain: customer.as_ref().map_or("—", |c| c.domain.as_str()),
                    relationship: &rel.display_name,
                    deadline,
                    url: &url,
                },
                lang,
            );
            out.push(crate::mailer::queued(
                &u.user_principal_name,
                m,
                Some(rel.id),
                now,
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn mark(rel: gdap_domain::ids::RelationshipId) -> Changes {
        Changes {
            notices: vec![NoticeMark {
                subject: rel,
                kind: "end-7".into(),
                at: datetime!(2027-01-01 0:00 UTC),
            }],
            ..Changes::default()
        }
    }

    #[tokio::test]
    async fn a_set_another_node_partly_sent_is_committed_notice_by_notice() {
        let store = gdap_store_sql::SqlStore::in_memory().await.unwrap();
        let (key, _) = gdap_auth::SigningKey::generate().unwrap();
        let state = AppState::new(
            std::sync::Arc::new(store),
            gdap_auth::KeySet::new(vec![key]),
            None,
            None,
            crate::ApiConfig::default(),
        );
        let rels: Vec<_> = (0..3)
            .map(|_| {
                gdap_domain::ids::RelationshipId::new_for(gdap_domain::ids::TenantId::new_random())
            })
            .collect();
        // Another node sent the second one between this node's query and its commit.
        state.store.commit(mark(rels[1])).await.unwrap();
        let sent = commit_all(&state, rels.iter().map(|r| mark(*r)).collect())
            .await
            .unwrap();
        assert_eq!(sent, 2);
        let again = commit_all(&state, rels.iter().map(|r| mark(*r)).collect())
            .await
            .unwrap();
        assert_eq!(again, 0, "each is recorded once");
    }

    #[test]
    fn the_windows_of_one_series_follow_each_other_without_overlap() {
        let now = datetime!(2027-01-01 0:00 UTC);
        let s = searches(now, Duration::days(90));
        let ending: Vec<_> = s
            .iter()
            .filter(|(q, _)| q.due == NoticeDue::Ending)
            .map(|(q, k)| {
                (
                    (q.after - now).whole_days(),
                    (q.until - now).whole_days(),
                    *k,
                )
            })
            .collect();
        assert_eq!(
            ending,
            [
                (0, 1, RenewalKind::Ending(1)),
                (1, 7, RenewalKind::Ending(7)),
                (7, 30, RenewalKind::Ending(30))
            ]
        );
        let expired = &s[0].0;
        assert_eq!((expired.until, expired.kind.as_str()), (now, "expired"));
        assert_eq!(s.len(), 1 + ENDING_DAYS.len() + INVITATION_DAYS.len());
    }
}
