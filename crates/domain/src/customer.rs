//! The customer's side of partner relationships: reseller and DAP ties, the Microsoft Customer
//! Agreement, the rows of the *Partner relationships* page, what an invitation link leads to, and
//! the record of what customers and partners did.

use time::OffsetDateTime;

use crate::enums::RelationshipStatus as S;
use crate::ids::{RelationshipId, TenantId, UserId};
use crate::relationship::Relationship;
use crate::Timings;

/// The agreement a customer accepts before its first partner relationship.
pub const CUSTOMER_AGREEMENT: &str = "MicrosoftCustomerAgreement";
/// The Microsoft Customer Agreement's template id in Partner Center.
pub const CUSTOMER_AGREEMENT_TEMPLATE: &str = "117a77b0-9360-443b-8795-c6dedc750cf9";
/// The version of the agreement gdap presents.
pub const CUSTOMER_AGREEMENT_VERSION: &str = "2024-10";

/// A customer's ties with a partner outside GDAP: the reseller (billing) relationship and DAP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerLink {
    /// The customer tenant.
    pub customer: TenantId,
    /// The partner tenant.
    pub partner: TenantId,
    /// The partner resells to the customer; "Remove roles" never ends this.
    pub reseller: bool,
    /// The partner holds DAP (Admin Agents → Global Administrator, Helpdesk Agents → Helpdesk
    /// Administrator) until the customer removes it.
    pub dap: bool,
    /// When the tie began.
    pub since: OffsetDateTime,
    /// When the customer removed DAP, if it did.
    pub dap_removed_at: Option<OffsetDateTime>,
    /// The tie's other kinds (indirect reseller, ISV, line of business, MPSA, OEM, partner), in
    /// [`LinkType`] order; reseller, DAP and GDAP come from the fields above and the relationships.
    pub other_types: Vec<LinkType>,
    /// On an indirect provider's tie: the indirect reseller through which the customer came (Partner
    /// Center's `associatedPartnerId`).
    pub associated_partner: Option<TenantId>,
}

impl PartnerLink {
    /// Whether anything still ties the partner to the customer.
    pub fn is_live(&self) -> bool {
        self.reseller || self.dap || !self.other_types.is_empty()
    }

    /// Whether the partner counts the tenant among its customers (Partner Center's list): it
    /// resells to it directly or as an indirect reseller, or holds DAP.
    pub fn is_customer_tie(&self) -> bool {
        self.reseller || self.dap || self.other_types.contains(&LinkType::IndirectReseller)
    }

    /// The tie's kinds, GDAP aside, in [`LinkType`] order.
    pub fn types(&self) -> Vec<LinkType> {
        let mut v = self.other_types.clone();
        if self.reseller {
            v.push(LinkType::Reseller);
        }
        if self.dap {
            v.push(LinkType::Advisor);
        }
        v.sort();
        v.dedup();
        v
    }
}

/// A tenant's acceptance of the Microsoft Customer Agreement: who, when, which version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementAcceptance {
    /// The accepting tenant.
    pub tenant: TenantId,
    /// The agreement ([`CUSTOMER_AGREEMENT`]).
    pub agreement: String,
    /// Its version.
    pub version: String,
    /// The user who accepted.
    pub accepted_by: UserId,
    /// That user's principal name at the time.
    pub accepted_by_upn: String,
    /// When.
    pub accepted_at: OffsetDateTime,
}

/// What happened, as recorded for the tenants concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    /// The customer accepted the Microsoft Customer Agreement.
    AgreementAccepted,
    /// The customer approved a GDAP invitation.
    InvitationApproved,
    /// The customer removed a partner's roles ("Remove roles" → Yes).
    RolesRemoved,
    /// The customer declined a GDAP invitation (Cancel on the approval pages).
    InvitationDeclined,
    /// The customer accepted a partner's reseller relationship link.
    ResellerAccepted,
}

impl ActivityKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AgreementAccepted => "agreementAccepted",
            Self::InvitationApproved => "invitationApproved",
            Self::RolesRemoved => "rolesRemoved",
            Self::InvitationDeclined => "invitationDeclined",
            Self::ResellerAccepted => "resellerAccepted",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::AgreementAccepted,
            Self::InvitationApproved,
            Self::RolesRemoved,
            Self::InvitationDeclined,
            Self::ResellerAccepted,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One recorded action of a customer or partner user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// Unique id.
    pub id: uuid::Uuid,
    /// The customer tenant concerned.
    pub customer: TenantId,
    /// The partner concerned, when there is one.
    pub partner: Option<TenantId>,
    /// The acting user.
    pub actor: UserId,
    /// That user's principal name at the time.
    pub actor_upn: String,
    /// What was done.
    pub kind: ActivityKind,
    /// The relationships it touched.
    pub relationships: Vec<RelationshipId>,
    /// When.
    pub at: OffsetDateTime,
}

/// A customer's refusal of an invitation: instead of approving, it cancelled. Graph has no
/// declined state, so the relationship stays `approvalPending` for the partner's API until its
/// invitation lapses; the link no longer works and both sides see the refusal on their pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The relationship declined.
    pub relationship: RelationshipId,
    /// Its name when declined.
    pub relationship_name: String,
    /// The partner that sent the invitation.
    pub partner: TenantId,
    /// The customer tenant that declined.
    pub customer: TenantId,
    /// The user who declined.
    pub by: UserId,
    /// That user's principal name at the time.
    pub by_upn: String,
    /// When.
    pub at: OffsetDateTime,
}

pub use crate::ties::LinkType;

/// The admin portal of each service for a customer, as Partner Center's *Customers* page and
/// Graph's `serviceManagementDetails` link them: `(service, url)`.
pub fn service_links(tenant: TenantId, domain: &str) -> Vec<(&'static str, String)> {
    let (t, d) = (tenant, domain);
    vec![
        ("Azure Active Directory", format!("https://aad.portal.azure.com/{d}")),
        ("Microsoft 365 admin center", format!("https://admin.microsoft.com/Partner/BeginClientSession.aspx?CTID={t}&CSDEST=o365admincenter")),
        ("Exchange", format!("https://admin.exchange.microsoft.com/?landingpage=homepage&form=mac_sidebar&delegatedOrg={d}")),
        ("SharePoint", format!("https://admin.microsoft.com/Partner/BeginClientSession.aspx?CTID={t}&CSDEST=SharePoint")),
        ("Teams", format!("https://admin.teams.microsoft.com/?delegatedOrg={d}")),
        ("Microsoft Intune", format!("https://intune.microsoft.com/{d}")),
        ("Microsoft 365 Lighthouse", "https://lighthouse.microsoft.com".to_owned()),
        ("Dynamics 365 Business Central", format!("https://businesscentral.dynamics.com/{t}/admin")),
    ]
}

/// Whether a relationship counts as ended on the page (shown under the "Expired" filter).
pub fn is_ended(status: S) -> bool {
    matches!(status, S::Expired | S::Terminated)
}

/// Which rows the Partner relationships page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PartnerFilter {
    /// Partners with a live tie (the default view).
    #[default]
    Current,
    /// Partners with expired or terminated GDAP relationships, showing those.
    Expired,
}

/// One partner on the Partner relationships page.
#[derive(Debug, Clone)]
pub struct PartnerRow<'a> {
    /// The partner tenant.
    pub partner: TenantId,
    /// Its tie types, in a fixed order.
    pub types: Vec<LinkType>,
    /// Its GDAP relationships under the filter, the newest end date first (not yet active ones,
    /// which have no end date, lead).
    pub relationships: Vec<&'a Relationship>,
    /// The reseller/DAP tie, if any.
    pub link: Option<&'a PartnerLink>,
}

impl PartnerRow<'_> {
    /// The relationship the row summarises: the one with the newest end date.
    pub fn lead(&self) -> Option<&Relationship> {
        self.relationships.first().copied()
    }
}

/// Orders relationships for customers: not yet ended and without an end date first, then the newest
/// end date first, then the newest created.
pub fn newest_end_first(a: &Relationship, b: &Relationship) -> std::cmp::Ordering {
    latest_end_then_newest((a.end_at, a.created_at), (b.end_at, b.created_at))
        .then_with(|| a.id.to_string().cmp(&b.id.to_string()))
}

/// The order of [`newest_end_first`] before the id: by `(end, created)`, no end first, then the
/// latest end, then the newest.
pub fn latest_end_then_newest(
    a: (Option<OffsetDateTime>, OffsetDateTime),
    b: (Option<OffsetDateTime>, OffsetDateTime),
) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a.0, b.0) {
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => y.cmp(&x),
        (None, None) => Ordering::Equal,
    }
    .then_with(|| b.1.cmp(&a.1))
}

/// Groups a customer's relationships and ties into page rows, in the order met. Relationships
/// still being drafted (`created`) or awaiting their indirect reseller's review are the partners'
/// business and never shown; an invitation the
/// customer `declined` counts as ended.
pub fn partner_rows<'a>(
    relationships: &'a [Relationship],
    links: &'a [PartnerLink],
    filter: PartnerFilter,
    declined: &[RelationshipId],
) -> Vec<PartnerRow<'a>> {
    let mut rows: Vec<PartnerRow<'a>> = Vec::new();
    let row_of = |rows: &mut Vec<PartnerRow<'a>>, partner: TenantId| -> usize {
        if let Some(i) = rows.iter().position(|r| r.partner == partner) {
            return i;
        }
        rows.push(PartnerRow {
            partner,
            types: Vec::new(),
            relationships: Vec::new(),
            link: None,
        });
        rows.len() - 1
    };
    for r in relationships {
        if r.status == S::Created || r.locked_at.is_none() || r.awaits_reseller() {
            continue;
        }
        let ended = is_ended(r.status) || declined.contains(&r.id);
        let wanted = match filter {
            PartnerFilter::Current => !ended,
            PartnerFilter::Expired => ended,
        };
        if wanted {
            let i = row_of(&mut rows, r.partner);
            rows[i].relationships.push(r);
        }
    }
    if filter == PartnerFilter::Current {
        for l in links.iter().filter(|l| l.is_live()) {
            let i = row_of(&mut rows, l.partner);
            rows[i].link = Some(l);
        }
    }
    for row in &mut rows {
        row.relationships.sort_by(|a, b| newest_end_first(a, b));
        if let Some(l) = row.link {
            row.types.extend(l.types());
        }
        if !row.relationships.is_empty() {
            row.types.push(LinkType::Gdap);
        }
        row.types.sort();
        row.types.dedup();
    }
    rows
}

/// What an invitation link shows to a signed-in user of `tenant`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    /// The link can be approved now.
    Open,
    /// The link is for another organisation (or the user is the partner's own).
    Foreign,
    /// More than 90 days passed since it was sent (or it lapsed unapproved).
    Expired(OffsetDateTime),
    /// This organisation already accepted it; links are single-use.
    AlreadyAccepted,
    /// The partner withdrew it or it ended before approval (or it was never sent: its indirect
    /// reseller has not approved it yet).
    Withdrawn,
    /// A customer declined it at this instant; the link no longer works.
    Declined(OffsetDateTime),
}

/// Classifies an invitation for a user of `tenant` at `now`, given its refusal if a customer
/// declined it. Acceptance by this tenant is reported as such even after the 90 days, so a customer
/// revisiting the link learns that it is done; a refusal likewise outlives the 90 days.
pub fn invitation_state(
    rel: &Relationship,
    tenant: TenantId,
    now: OffsetDateTime,
    timings: &Timings,
    refusal: Option<&Refusal>,
) -> InvitationState {
    if rel.partner == tenant {
        return InvitationState::Foreign;
    }
    let for_other = rel.customer.as_ref().is_some_and(|c| c.tenant_id != tenant)
        || refusal.is_some_and(|x| x.customer != tenant);
    if for_other {
        return InvitationState::Foreign;
    }
    if rel.awaits_reseller() {
        return InvitationState::Withdrawn;
    }
    if let Some(x) = refusal {
        if matches!(rel.status, S::ApprovalPending | S::Expired) && rel.activated_at.is_none() {
            return InvitationState::Declined(x.at);
        }
    }
    let expires = rel.invitation_expires_at(timings);
    match rel.status {
        S::ApprovalPending => match expires {
            Some(e) if now >= e => InvitationState::Expired(e),
            _ => InvitationState::Open,
        },
        S::Approved
        | S::Activating
        | S::Active
        | S::Expiring
        | S::TerminationRequested
        | S::Terminating => InvitationState::AlreadyAccepted,
        S::Expired | S::Terminated if rel.activated_at.is_some() => {
            InvitationState::AlreadyAccepted
        }
        S::Expired => InvitationState::Expired(expires.unwrap_or(rel.last_modified_at)),
        S::Terminated | S::Created | S::UnknownFutureValue => InvitationState::Withdrawn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relationship::{CustomerParticipant, RelationshipDraft};
    use time::Duration;

    fn t(n: u128) -> TenantId {
        TenantId::parse(&format!("00000000-0000-4000-8000-{n:012}")).unwrap()
    }

    fn rel(partner: TenantId, customer: Option<TenantId>, now: OffsetDateTime) -> Relationship {
        let mut r = Relationship::create(
            partner,
            RelationshipDraft {
                display_name: "r".into(),
                duration: "P730D".into(),
                auto_extend: None,
                roles: vec![crate::relationship::ga_id()],
                customer: customer.map(|c| CustomerParticipant {
                    tenant_id: c,
                    display_name: None,
                }),
            },
            crate::roles::Catalogue::builtin(),
            now,
        )
        .unwrap();
        r.lock_for_approval(now, &Timings::default()).unwrap();
        r
    }

    fn activate(r: &mut Relationship, customer: TenantId, now: OffsetDateTime) {
        let timings = Timings::default();
        r.approve_as_customer(
            CustomerParticipant {
                tenant_id: customer,
                display_name: None,
            },
            now,
            &timings,
        )
        .unwrap();
        for _ in 0..4 {
            r.advance(now + Duration::hours(1), &timings);
        }
        assert_eq!(r.status, S::Active);
    }

    #[test]
    fn an_open_link_is_open_for_its_customer_and_foreign_for_others_and_the_partner() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let timings = Timings::default();
        let r = rel(t(1), Some(t(2)), now);
        assert_eq!(
            invitation_state(&r, t(2), now, &timings, None),
            InvitationState::Open
        );
        assert_eq!(
            invitation_state(&r, t(3), now, &timings, None),
            InvitationState::Foreign
        );
        assert_eq!(
            invitation_state(&r, t(1), now, &timings, None),
            InvitationState::Foreign
        );
        let open = rel(t(1), None, now);
        assert_eq!(
            invitation_state(&open, t(3), now, &timings, None),
            InvitationState::Open
        );
    }

    #[test]
    fn a_link_expires_after_ninety_days_but_an_accepted_one_stays_accepted() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let timings = Timings::default();
        let r = rel(t(1), Some(t(2)), now);
        let later = now + Duration::days(90);
        assert_eq!(
            invitation_state(&r, t(2), later, &timings, None),
            InvitationState::Expired(later)
        );
        let mut accepted = rel(t(1), Some(t(2)), now);
        activate(&mut accepted, t(2), now);
        assert_eq!(
            invitation_state(&accepted, t(2), now + Duration::days(200), &timings, None),
            InvitationState::AlreadyAccepted
        );
        assert_eq!(
            invitation_state(&accepted, t(3), now, &timings, None),
            InvitationState::Foreign
        );
    }

    #[test]
    fn a_declined_link_says_so_to_its_customer_even_after_ninety_days_and_is_foreign_to_others() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let timings = Timings::default();
        let r = rel(t(1), None, now);
        let refusal = Refusal {
            relationship: r.id,
            relationship_name: r.display_name.clone(),
            partner: t(1),
            customer: t(2),
            by: UserId::parse("00000000-0000-4000-8000-000000000099").unwrap(),
            by_upn: "admin@customer.example".into(),
            at: now + Duration::hours(1),
        };
        let declined = InvitationState::Declined(now + Duration::hours(1));
        assert_eq!(
            invitation_state(&r, t(2), now, &timings, Some(&refusal)),
            declined
        );
        assert_eq!(
            invitation_state(
                &r,
                t(2),
                now + Duration::days(120),
                &timings,
                Some(&refusal)
            ),
            declined
        );
        assert_eq!(
            invitation_state(&r, t(3), now, &timings, Some(&refusal)),
            InvitationState::Foreign
        );
        assert_eq!(
            invitation_state(&r, t(2), now, &timings, None),
            InvitationState::Open
        );
    }

    #[test]
    fn rows_put_the_newest_end_date_first_and_the_expired_filter_shows_ended_ones() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let mut old = rel(t(1), Some(t(2)), now);
        activate(&mut old, t(2), now);
        let mut new = rel(t(1), Some(t(2)), now + Duration::days(10));
        activate(&mut new, t(2), now + Duration::days(10));
        let mut ended = rel(t(1), Some(t(2)), now);
        activate(&mut ended, t(2), now);
        ended.status = S::Terminated;
        let rels = vec![old.clone(), ended.clone(), new.clone()];
        let links = vec![PartnerLink {
            customer: t(2),
            partner: t(1),
            reseller: true,
            dap: false,
            since: now,
            dap_removed_at: None,
            other_types: Vec::new(),
            associated_partner: None,
        }];
        let rows = partner_rows(&rels, &links, PartnerFilter::Current, &[]);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].types, vec![LinkType::Reseller, LinkType::Gdap]);
        assert_eq!(rows[0].lead().map(|r| r.id), Some(new.id));
        assert_eq!(rows[0].relationships.len(), 2);
        let expired = partner_rows(&rels, &links, PartnerFilter::Expired, &[]);
        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0].relationships.len(), 1);
        assert_eq!(expired[0].lead().map(|r| r.id), Some(ended.id));
    }

    #[test]
    fn a_declined_invitation_moves_from_the_current_rows_to_the_ended_ones() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let pending = rel(t(1), Some(t(2)), now);
        let rels = vec![pending.clone()];
        assert_eq!(
            partner_rows(&rels, &[], PartnerFilter::Current, &[]).len(),
            1
        );
        assert!(partner_rows(&rels, &[], PartnerFilter::Current, &[pending.id]).is_empty());
        let ended = partner_rows(&rels, &[], PartnerFilter::Expired, &[pending.id]);
        assert_eq!(ended[0].lead().map(|r| r.id), Some(pending.id));
    }

    #[test]
    fn a_reseller_only_partner_has_a_row_without_relationships() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let links = vec![PartnerLink {
            customer: t(2),
            partner: t(5),
            reseller: true,
            dap: true,
            since: now,
            dap_removed_at: None,
            other_types: Vec::new(),
            associated_partner: None,
        }];
        let rows = partner_rows(&[], &links, PartnerFilter::Current, &[]);
        assert_eq!(rows[0].types, vec![LinkType::Reseller, LinkType::Advisor]);
        assert!(rows[0].lead().is_none());
    }
}
