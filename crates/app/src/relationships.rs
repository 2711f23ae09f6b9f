//! The partner's use cases on its relationships, whichever face they come through (the Graph API
//! or the partner portal): create, update and delete one, and submit a request on it (lock for
//! approval, terminate, and a reseller's approve or reject).

use gdap_domain::directory::PartnerType;
use gdap_domain::enums::RequestAction;
use gdap_domain::ids::{RelationshipId, RoleDefinitionId, TenantId};
use gdap_domain::mail::Language;
use gdap_domain::query::{self, schemas, ListQuery};
use gdap_domain::relationship::{
    CustomerParticipant, PatchOutcome, Relationship, RelationshipDraft, RelationshipPatch,
};
use gdap_domain::request::{Operation, OperationChange, RelationshipRequest};
use gdap_domain::roles::Catalogue;
use gdap_domain::DomainError;
use gdap_store::{Changes, Write};
use time::OffsetDateTime;

use crate::caller::{Authorized, GdapWrite};
use crate::error::{AppError, AppResult};
use crate::mailer::invitation_mails;
use crate::state::AppState;

/// Where the approval request of a lock goes: the approval page's origin (the configured public
/// URL) and, besides the customer's administrators, the contact the partner gave and its language.
#[derive(Debug, Clone)]
pub struct ApprovalMail {
    /// The origin approval links are built from.
    pub origin: String,
    /// An address to send the approval request to as well, in a language.
    pub contact: Option<(String, Language)>,
}

/// Creates a relationship in `created`, and locks it for approval at once when `lock` says where
/// the approval request goes.
#[derive(Debug, Clone)]
pub struct CreateRelationship {
    /// Its display name, unique among the partner's relationships.
    pub display_name: String,
    /// Its duration, ISO 8601 (`P730D`).
    pub duration: String,
    /// `P180D` to extend it automatically, or `PT0S`/none.
    pub auto_extend: Option<String>,
    /// The roles asked for.
    pub roles: Vec<RoleDefinitionId>,
    /// The customer, when the partner names one.
    pub customer: Option<TenantId>,
    /// Lock it for approval in the same change.
    pub lock: Option<ApprovalMail>,
    /// The indirect reseller it is for, when the caller, an indirect provider, creates it for
    /// one (it then starts awaiting the reseller's review).
    pub for_reseller: Option<TenantId>,
}

impl CreateRelationship {
    /// Creates it: the relationship as stored.
    pub async fn execute(
        self,
        app: &AppState,
        caller: &Authorized<GdapWrite>,
        now: OffsetDateTime,
    ) -> AppResult<Relationship> {
        let customer = match self.customer {
            Some(t) if t == caller.partner => return Err(DomainError::CustomerIsPartner.into()),
            Some(t) => Some(customer_participant(app, t).await?),
            None => None,
        };
        let draft = RelationshipDraft {
            display_name: self.display_name,
            duration: self.duration,
            auto_extend: self.auto_extend,
            roles: self.roles,
            customer,
        };
        if let Some(reseller) = self.for_reseller {
            return create_for_reseller(app, caller, reseller, draft, now).await;
        }
        let rel = Relationship::create(caller.partner, draft, Catalogue::builtin(), now)?;
        let changes = match &self.lock {
            Some(invitation) => lock(app, rel, invitation, now, true).await?,
            None => Changes {
                relationships: vec![Write::Insert(rel)],
                ..Changes::default()
            },
        };
        let rel = save_new(app, caller, changes).await?;
        tracing::info!(relationship = %rel.id, partner = %rel.partner, "relationship created");
        Ok(rel)
    }
}

/// Commits the change that creates a relationship and returns it as stored.
async fn save_new(
    app: &AppState,
    caller: &Authorized<GdapWrite>,
    changes: Changes,
) -> AppResult<Relationship> {
    let saved = app.commit(changes, &caller.who).await?;
    app.scheduled();
    saved
        .relationships
        .into_iter()
        .next()
        .map(Write::into_inner)
        .ok_or_else(|| AppError::Internal("the new relationship was not saved".into()))
}

/// An indirect provider's relationship for one of its indirect resellers: the caller must be an
/// indirect provider and the reseller must sell through it. Nothing is mailed until the reseller
/// approves it.
async fn create_for_reseller(
    app: &AppState,
    caller: &Authorized<GdapWrite>,
    reseller: TenantId,
    draft: RelationshipDraft,
    now: OffsetDateTime,
) -> AppResult<Relationship> {
    let provider = app.tenant(caller.partner).await?;
    if !provider.is_some_and(|t| t.is_partner_of(PartnerType::IndirectProvider)) {
        return Err(AppError::Forbidden(
            "only an indirect provider creates relationships for indirect resellers".into(),
        ));
    }
    if !app
        .tenant(reseller)
        .await?
        .is_some_and(|t| t.resells_through(caller.partner))
    {
        return Err(AppError::Invalid(format!(
            "`partner.tenantId`: tenant `{reseller}` is not an indirect reseller that sells through you"
        )));
    }
    let rel = Relationship::create_for_reseller(
        caller.partner,
        reseller,
        draft,
        Catalogue::builtin(),
        now,
        &app.config.timings,
    )?;
    let rel = save_new(
        app,
        caller,
        Changes {
            relationships: vec![Write::Insert(rel)],
            ..Changes::default()
        },
    )
    .await?;
    tracing::info!(relationship = %rel.id, provider = %caller.partner, reseller = %reseller, "relationship created for an indirect reseller");
    Ok(rel)
}

/// Parses a relationship id (`{guid}-{partnerTenantId}`), with Graph's message.
pub fn relationship_id(raw: &str) -> AppResult<RelationshipId> {
    RelationshipId::parse(raw).map_err(|_| {
        AppError::Invalid(format!(
            "The passed in delegatedAdminRelationshipId is invalid: `{}` is not of the form `{{guid}}-{{partnerTenantId}}`.",
            raw.chars().take(80).collect::<String>()
        ))
    })
}

/// The customer a relationship names, by tenant id: its display name as the directory has it.
pub async fn customer_participant(
    app: &AppState,
    tenant: TenantId,
) -> AppResult<CustomerParticipant> {
    let t = app.tenant(tenant).await?.ok_or_else(|| {
        AppError::Invalid(format!(
            "`customer.tenantId`: tenant `{tenant}` does not exist"
        ))
    })?;
    Ok(CustomerParticipant {
        tenant_id: t.id,
        display_name: Some(t.display_name),
    })
}

/// Submits a request on a relationship of the caller: lock it for approval (queuing the approval
/// request), terminate it, or, as its indirect reseller, approve or reject it.
#[derive(Debug, Clone)]
pub struct SubmitRequest {
    /// The relationship as last read (its version is checked when written).
    pub relationship: Relationship,
    /// What is asked.
    pub action: RequestAction,
    /// Where a lock's approval request goes.
    pub invitation: ApprovalMail,
}

impl SubmitRequest {
    /// Applies it: the request as recorded.
    pub async fn execute(
        self,
        app: &AppState,
        caller: &Authorized<GdapWrite>,
        now: OffsetDateTime,
    ) -> AppResult<RelationshipRequest> {
        let mut rel = self.relationship;
        if rel.partner != caller.partner {
            return Err(AppError::not_found(
                "delegatedAdminRelationship",
                &rel.id.to_string(),
            ));
        }
        let timings = app.config.timings;
        let changes = match self.action {
            RequestAction::LockForApproval => lock(app, rel, &self.invitation, now, false).await?,
            action => {
                match action {
                    RequestAction::Terminate => rel.request_termination(now, &timings)?,
                    RequestAction::Approve => rel.review_as_reseller(true, now)?,
                    RequestAction::Reject => rel.review_as_reseller(false, now)?,
                    _ => {
                        return Err(AppError::Invalid(
                            "`action` cannot be `unknownFutureValue`".into(),
                        ))
                    }
                }
                let request = RelationshipRequest::new(rel.id, rel.partner, action, now, &timings);
                // The reseller's approval is what sends the customer its invitation.
                let mail = if action == RequestAction::Approve {
                    invitation_mails(app, &rel, &self.invitation.origin, None).await?
                } else {
                    Vec::new()
                };
                Changes {
                    relationships: vec![Write::Update(rel)],
                    requests: vec![Write::Insert(request)],
                    mail,
                    ..Changes::default()
                }
            }
        };
        let saved = app.commit(changes, &caller.who).await?;
        app.scheduled();
        let request = saved
            .requests
            .into_iter()
            .next()
            .map(Write::into_inner)
            .ok_or_else(|| AppError::Internal("the request was not saved".into()))?;
        tracing::info!(relationship = %request.relationship_id, action = %self.action, "relationship request");
        Ok(request)
    }
}

/// The change that locks `rel` for approval: the relationship, the request and the approval
/// mails.
async fn lock(
    app: &AppState,
    mut rel: Relationship,
    invitation: &ApprovalMail,
    now: OffsetDateTime,
    insert: bool,
) -> AppResult<Changes> {
    let timings = app.config.timings;
    rel.lock_for_approval(now, &timings)?;
    let request = RelationshipRequest::new(
        rel.id,
        rel.partner,
        RequestAction::LockForApproval,
        now,
        &timings,
    );
    let contact = invitation
        .contact
        .as_ref()
        .map(|(to, lang)| (to.as_str(), *lang));
    let mail = invitation_mails(app, &rel, &invitation.origin, contact).await?;
    Ok(Changes {
        relationships: vec![if insert {
            Write::Insert(rel)
        } else {
            Write::Update(rel)
        }],
        requests: vec![Write::Insert(request)],
        mail,
        ..Changes::default()
    })
}

/// What a change that may run as a long-running operation did.
#[derive(Debug, Clone)]
pub enum Changed<T> {
    /// Nothing needed changing: the object as it is.
    Unchanged(T),
    /// Changed at once: the object as stored.
    Saved(T),
    /// Started as an operation (Graph answers 202 with its `Location`).
    Started(Operation),
}

/// Applies a PATCH to a relationship of the caller (its `If-Match` already checked against this
/// copy, whose version the store checks again). Removing Global Administrator from an active
/// relationship runs as an operation; `describe` renders the relationship as it will be, for the
/// operation's `data`.
#[derive(Debug, Clone)]
pub struct UpdateRelationship {
    /// The relationship as read.
    pub relationship: Relationship,
    /// The properties sent.
    pub patch: RelationshipPatch,
    /// A new customer, by tenant id.
    pub customer: Option<TenantId>,
}

impl UpdateRelationship {
    /// Applies it.
    pub async fn execute(
        self,
        app: &AppState,
        caller: &Authorized<GdapWrite>,
        now: OffsetDateTime,
        describe: impl Fn(&Relationship) -> String,
    ) -> AppResult<Changed<Relationship>> {
        let mut rel = self.relationship;
        let mut patch = self.patch;
        if let Some(t) = self.customer {
            if t == rel.partner {
                return Err(DomainError::CustomerIsPartner.into());
            }
            patch.customer = Some(customer_participant(app, t).await?);
        }
        let before = rel.clone();
        match rel.apply_patch(patch, Catalogue::builtin(), now)? {
            PatchOutcome::Unchanged => Ok(Changed::Unchanged(before)),
            PatchOutcome::Updated => {
                let saved = app
                    .commit(
                        Changes {
                            relationships: vec![Write::Update(rel)],
                            ..Changes::default()
                        },
                        &caller.who,
                    )
                    .await?;
                saved
                    .relationships
                    .into_iter()
                    .next()
                    .map(|w| Changed::Saved(w.into_inner()))
                    .ok_or_else(|| AppError::Internal("the relationship was not saved".into()))
            }
            PatchOutcome::RemoveGlobalAdministrator { remaining } => {
                let busy = ListQuery {
                    filter: Some(
                        query::check(
                            &schemas::OPERATIONS,
                            query::parse_filter("status in ('notStarted', 'running')")
                                .map_err(|e| AppError::Internal(e.to_string()))?,
                        )
                        .map_err(|e| AppError::Internal(e.to_string()))?,
                    ),
                    top: 1,
                    ..ListQuery::default()
                };
                if !app
                    .store
                    .list_operations(rel.id, &busy)
                    .await?
                    .items
                    .is_empty()
                {
                    return Err(AppError::Conflict(
                        "an update of this relationship is still in progress; wait for its operation to finish".into(),
                    ));
                }
                let mut target = rel.clone();
                target.roles = remaining.clone();
                let data = describe(&target);
                let changes = Changes {
                    relationships: vec![Write::Update(rel.clone())],
                    ..Changes::default()
                };
                let op = start_operation(
                    app,
                    &rel,
                    OperationChange::RelationshipRoles(remaining),
                    data,
                    changes,
                    caller,
                    now,
                )
                .await?;
                Ok(Changed::Started(op))
            }
        }
    }
}

/// Deletes a relationship of the caller, allowed only while it is `created`.
#[derive(Debug, Clone)]
pub struct DeleteRelationship {
    /// The relationship as read.
    pub relationship: Relationship,
}

impl DeleteRelationship {
    /// Deletes it.
    pub async fn execute(self, app: &AppState, caller: &Authorized<GdapWrite>) -> AppResult<()> {
        let rel = self.relationship;
        rel.ensure_deletable()?;
        app.commit(
            Changes {
                deleted_relationships: vec![(rel.id, rel.version)],
                ..Changes::default()
            },
            &caller.who,
        )
        .await?;
        Ok(())
    }
}

/// Records a long-running operation on `rel` together with `changes`; `data` is the object as it
/// will be once the operation succeeds.
pub async fn start_operation(
    app: &AppState,
    rel: &Relationship,
    change: OperationChange,
    data: String,
    mut changes: Changes,
    caller: &Authorized<GdapWrite>,
    now: OffsetDateTime,
) -> AppResult<Operation> {
    let op = Operation::new(rel.id, rel.partner, change, data, now, &app.config.timings);
    changes.operations.push(Write::Insert(op.clone()));
    app.commit(changes, &caller.who).await?;
    app.scheduled();
    Ok(op)
}

/// A relationship of the caller, by the id of a path; another partner's ids are simply not found.
pub async fn load<C>(
    app: &AppState,
    caller: &Authorized<C>,
    raw_id: &str,
) -> AppResult<Relationship> {
    let id = relationship_id(raw_id)?;
    app.store
        .relationship(caller.partner, id)
        .await?
        .ok_or_else(|| AppError::not_found("delegatedAdminRelationship", raw_id))
}

/// Loads a relationship the caller may read: its own, or one it created as the indirect provider
/// of the reseller that owns it (which it reads and nothing more).
pub async fn load_readable<C>(
    app: &AppState,
    caller: &Authorized<C>,
    raw_id: &str,
) -> AppResult<Relationship> {
    let id = relationship_id(raw_id)?;
    if let Some(rel) = app.store.relationship(caller.partner, id).await? {
        return Ok(rel);
    }
    app.store
        .relationship_by_id(id)
        .await?
        .filter(|r| r.indirect_provider() == Some(caller.partner))
        .ok_or_else(|| AppError::not_found("delegatedAdminRelationship", raw_id))
}
