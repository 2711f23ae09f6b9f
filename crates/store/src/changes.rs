//! An atomic set of writes, applied by [`RelationshipStore::commit`](crate::RelationshipStore::commit).

use gdap_domain::assignment::AccessAssignment;
use gdap_domain::directory::{Application, Group, User};
use gdap_domain::ids::{RelationshipId, TenantId, UserId};
use gdap_domain::relationship::Relationship;
use gdap_domain::request::{Operation, RelationshipRequest};

use crate::traits::DirectoryBatch;

/// One write of an object.
#[derive(Debug, Clone)]
pub enum Write<T> {
    /// A new object (its version must be 1).
    Insert(T),
    /// A changed object; its `version` is the one read, and the store bumps it by one.
    Update(T),
}

impl<T> Write<T> {
    /// The object written.
    pub fn get(&self) -> &T {
        match self {
            Self::Insert(t) | Self::Update(t) => t,
        }
    }

    /// The object written, owned.
    pub fn into_inner(self) -> T {
        match self {
            Self::Insert(t) | Self::Update(t) => t,
        }
    }
}

/// Writes that succeed or fail together.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// Relationship writes.
    pub relationships: Vec<Write<Relationship>>,
    /// Relationships to delete, with the version read.
    pub deleted_relationships: Vec<(RelationshipId, u64)>,
    /// Request writes.
    pub requests: Vec<Write<RelationshipRequest>>,
    /// Access assignment writes.
    pub assignments: Vec<Write<AccessAssignment>>,
    /// Operation writes.
    pub operations: Vec<Write<Operation>>,
    /// E-mails to queue with the change.
    pub mail: Vec<crate::traits::OutboxMail>,
    /// Agreement acceptances to record (an acceptance already recorded is kept as it was).
    pub agreements: Vec<gdap_domain::customer::AgreementAcceptance>,
    /// Reseller/DAP ties to write (inserted, or replaced whole).
    pub partner_links: Vec<gdap_domain::customer::PartnerLink>,
    /// Actions to record.
    pub activity: Vec<gdap_domain::customer::Activity>,
    /// Invitations a customer declined (each relationship at most once).
    pub refusals: Vec<gdap_domain::customer::Refusal>,
    /// Partners' attestations of a customer's acceptance of an agreement.
    pub attestations: Vec<gdap_domain::agreement::Attestation>,
    /// Audit entries to append (sealed into the hash chain shortly after).
    pub audit: Vec<gdap_domain::audit::AuditEntry>,
    /// Purchases and billing settings to write.
    pub billing: Vec<BillingWrite>,
    /// Users, groups and memberships to write.
    pub directory: Vec<DirectoryWrite>,
    /// Consents given to applications, or taken back.
    pub consents: Vec<ConsentWrite>,
    /// Renewal notices sent (or superseded) with this change set's mail.
    pub notices: Vec<crate::notices::NoticeMark>,
}

/// A consent given to an application, or taken back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentWrite {
    /// `client` gets the delegated permissions `scopes` for `principal` (kept with those it had).
    Grant {
        /// The application.
        client: gdap_domain::ids::ClientId,
        /// A user or a tenant ([`crate::consent::user_principal`], [`crate::consent::tenant_principal`]).
        principal: String,
        /// The permissions.
        scopes: Vec<String>,
        /// When.
        at: time::OffsetDateTime,
    },
    /// Every permission `client` holds for `principal` ends (`VersionConflict` when it held none).
    Revoke {
        /// The application.
        client: gdap_domain::ids::ClientId,
        /// Whose consent ends.
        principal: String,
    },
}

/// A write to a tenant's directory. Each names the object whole, so that observers of the commit
/// see it as it is afterwards (see [`DirectoryWrite::observed`]).
#[derive(Debug, Clone)]
pub enum DirectoryWrite {
    /// A new tenant (`Duplicate` when its id or domain is taken); its users follow it in the same
    /// change set.
    AddTenant(gdap_domain::directory::Tenant),
    /// A new user (`Duplicate` when its principal name is taken).
    AddUser(User),
    /// A user's display name, password hash, directory roles and whether it may sign in, replaced
    /// (`VersionConflict` when the user is gone). When the password changes or the user may no
    /// longer sign in, its browser sessions end in the same transaction.
    UpdateUser(User),
    /// A user deleted with its group memberships, named as it was read (`VersionConflict` when it
    /// is already gone).
    DeleteUser(User),
    /// A new security group, with no members.
    AddGroup(Group),
    /// A security group deleted with its memberships, named as it was read (`VersionConflict` when
    /// it is already gone). Access assignments that name it no longer give anyone access.
    DeleteGroup(Group),
    /// A new application registration (`Duplicate` when its client id is taken).
    AddApplication(Application),
    /// An application's name, redirect URIs, public-client status and secret, replaced
    /// (`VersionConflict` when it is gone).
    UpdateApplication(Application),
    /// An application registration deleted (`VersionConflict` when it is already gone).
    DeleteApplication(Application),
    /// A member added (`add`) or removed; adding a present member or removing an absent one
    /// changes nothing. `group` is the group as it was read; once committed, as it is then
    /// (`VersionConflict` when the group is gone; a new member must be a user of its tenant).
    Membership {
        /// The group.
        group: Group,
        /// The member.
        user: UserId,
        /// Add (true) or remove.
        add: bool,
    },
}

impl DirectoryWrite {
    /// The tenant written to.
    pub fn tenant(&self) -> TenantId {
        match self {
            Self::AddTenant(t) => t.id,
            Self::AddUser(u) | Self::UpdateUser(u) | Self::DeleteUser(u) => u.tenant,
            Self::AddGroup(g) | Self::DeleteGroup(g) | Self::Membership { group: g, .. } => {
                g.tenant
            }
            Self::AddApplication(a) | Self::UpdateApplication(a) | Self::DeleteApplication(a) => {
                a.tenant
            }
        }
    }
}

impl Changes {
    /// The directory objects as they are once this change set is committed, for observers: a
    /// deleted user as one that can no longer act, a deleted group as one without members, a
    /// group whose membership changed as the store read it after the commit.
    pub fn directory_observed(&self) -> DirectoryBatch {
        let mut batch = DirectoryBatch::default();
        for w in &self.directory {
            match w {
                DirectoryWrite::AddTenant(t) => batch.tenants.push(t.clone()),
                DirectoryWrite::AddUser(u) | DirectoryWrite::UpdateUser(u) => {
                    batch.users.push(u.clone())
                }
                DirectoryWrite::DeleteUser(u) => batch.users.push(User {
                    account_enabled: false,
                    ..u.clone()
                }),
                DirectoryWrite::AddGroup(g) | DirectoryWrite::Membership { group: g, .. } => {
                    batch.groups.push(g.clone())
                }
                DirectoryWrite::DeleteGroup(g) => batch.groups.push(Group {
                    members: Vec::new(),
                    ..g.clone()
                }),
                // Nothing observes applications: sign-in reads them from the store.
                DirectoryWrite::AddApplication(_)
                | DirectoryWrite::UpdateApplication(_)
                | DirectoryWrite::DeleteApplication(_) => {}
            }
        }
        batch
    }
}

/// A write to a tenant's billing area.
#[derive(Debug, Clone)]
pub enum BillingWrite {
    /// A new subscription and its first invoice.
    Purchase(
        gdap_domain::billing::Subscription,
        gdap_domain::billing::Invoice,
    ),
    /// A tenant's billing notification settings (replaced whole).
    Notifications(gdap_domain::billing::BillingNotifications),
}

impl Changes {
    /// The audit entries of this change set made by `actor` (of `actor_tenant`): one per
    /// relationship, request, access assignment, partner tie and agreement written. Each is dated
    /// `at`, or, when `None`, at the instant the object itself was changed (automatic lifecycle
    /// steps are dated at their due instant).
    pub fn audit_entries(
        &self,
        actor: &str,
        actor_tenant: Option<gdap_domain::ids::TenantId>,
        at: Option<time::OffsetDateTime>,
    ) -> Vec<gdap_domain::audit::AuditEntry> {
        use gdap_domain::audit::AuditEntry;
        let base = |when: time::OffsetDateTime, action: String, target: String| AuditEntry {
            at: at.unwrap_or(when),
            actor: actor.to_owned(),
            actor_tenant,
            partner: None,
            customer: None,
            relationship: None,
            assignment: None,
            role: None,
            action,
            target,
            result: "success".into(),
        };
        let verb = |w: bool| if w { "create" } else { "update" };
        let mut out = Vec::new();
        for w in &self.relationships {
            let r = w.get();
            out.push(AuditEntry {
                partner: Some(r.partner),
                customer: r.customer.as_ref().map(|c| c.tenant_id),
                relationship: Some(r.id),
                result: format!("success: {}", r.status),
                ..base(
                    r.last_modified_at,
                    format!(
                        "delegatedAdminRelationship.{}",
                        verb(matches!(w, Write::Insert(_)))
                    ),
                    r.id.to_string(),
                )
            });
        }
        let latest = out
            .first()
            .map(|e| e.at)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        for (id, _) in &self.deleted_relationships {
            out.push(AuditEntry {
                relationship: Some(*id),
                ..base(
                    latest,
                    "delegatedAdminRelationship.delete".into(),
                    id.to_string(),
                )
            });
        }
        for w in &self.requests {
            let q = w.get();
            out.push(AuditEntry {
                relationship: Some(q.relationship_id),
                partner: Some(q.partner),
                ..base(
                    q.last_modified_at,
                    format!("delegatedAdminRelationshipRequest.{}", q.action),
                    q.id.to_string(),
                )
            });
        }
        for w in &self.assignments {
            let a = w.get();
            out.push(AuditEntry {
                partner: Some(a.partner),
                relationship: Some(a.relationship_id),
                assignment: Some(a.id),
                result: format!("success: {}", a.status),
                ..base(
                    a.last_modified_at,
                    format!(
                        "delegatedAdminAccessAssignment.{}",
                        verb(matches!(w, Write::Insert(_)))
                    ),
                    a.group.to_string(),
                )
            });
        }
        for l in &self.partner_links {
            out.push(AuditEntry {
                partner: Some(l.partner),
                customer: Some(l.customer),
                result: format!("success: dap {}", if l.dap { "on" } else { "off" }),
                ..base(
                    l.dap_removed_at.unwrap_or(l.since),
                    "partnerLink.update".into(),
                    l.partner.to_string(),
                )
            });
        }
        for a in &self.agreements {
            out.push(AuditEntry {
                customer: Some(a.tenant),
                ..base(
                    a.accepted_at,
                    format!("agreement.accept {}", a.version),
                    a.agreement.clone(),
                )
            });
        }
        for a in &self.attestations {
            out.push(AuditEntry {
                partner: Some(a.partner),
                customer: Some(a.customer),
                ..base(
                    a.recorded_at,
                    "agreement.attest".into(),
                    a.agreement_type.clone(),
                )
            });
        }
        for x in &self.refusals {
            out.push(AuditEntry {
                partner: Some(x.partner),
                customer: Some(x.customer),
                relationship: Some(x.relationship),
                ..base(
                    x.at,
                    "delegatedAdminRelationship.decline".into(),
                    x.relationship.to_string(),
                )
            });
        }
        // Requests and assignments of a relationship in the same set take its customer.
        let rels: Vec<(
            gdap_domain::ids::RelationshipId,
            Option<gdap_domain::ids::TenantId>,
        )> = self
            .relationships
            .iter()
            .map(|w| (w.get().id, w.get().customer.as_ref().map(|c| c.tenant_id)))
            .collect();
        for e in out.iter_mut().filter(|e| e.customer.is_none()) {
            if let Some((_, c)) = rels.iter().find(|(id, _)| Some(*id) == e.relationship) {
                e.customer = *c;
            }
        }
        out
    }
}
