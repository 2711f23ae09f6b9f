//! Worlds to seed a store from: the JSON file of `gdap serve --seed` and the built-in demo world.

use std::collections::{HashMap, HashSet};

use gdap_auth::hash_secret;
use gdap_domain::customer::{
    AgreementAcceptance, LinkType, PartnerLink, CUSTOMER_AGREEMENT, CUSTOMER_AGREEMENT_VERSION,
};
use gdap_domain::directory::{
    Application, Group, PartnerProfile, PartnerType, Tenant, User, ADMIN_AGENTS, HELPDESK_AGENTS,
    SALES_AGENTS,
};
use gdap_domain::ids::{ApplicationId, ClientId, GroupId, RoleDefinitionId, TenantId, UserId};
use gdap_domain::roles::Catalogue;
use gdap_store::DirectoryBatch;
use serde::Deserialize;
use time::OffsetDateTime;

/// The demo world of `gdap demo`: a partner and three customer tenants.
pub const DEMO_WORLD: &str = include_str!("../../../data/demo-world.json");

/// A world file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WorldError {
    /// Not valid JSON of the expected shape.
    #[error("the world file is not valid: {0}")]
    Format(String),
    /// Valid shape, inconsistent content.
    #[error("the world file is inconsistent: {0}")]
    Content(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WorldFile {
    tenants: Vec<TenantFile>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TenantFile {
    id: Option<TenantId>,
    display_name: String,
    domain: String,
    partner: Option<PartnerFile>,
    #[serde(default)]
    users: Vec<UserFile>,
    #[serde(default)]
    groups: Vec<GroupFile>,
    #[serde(default)]
    applications: Vec<AppFile>,
    /// This customer's reseller and DAP ties, by partner domain.
    #[serde(default)]
    partners: Vec<TieFile>,
    /// Whether this customer already accepted the Microsoft Customer Agreement.
    #[serde(default)]
    customer_agreement_accepted: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TieFile {
    domain: String,
    #[serde(default)]
    reseller: bool,
    #[serde(default)]
    dap: bool,
    /// Its other kinds (indirect reseller, ISV, line of business, MPSA, OEM, partner).
    #[serde(default)]
    types: Vec<LinkType>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PartnerFile {
    mpn_id: Option<String>,
    #[serde(default)]
    types: Vec<PartnerType>,
    service_name: Option<String>,
    contact: Option<String>,
    help_url: Option<String>,
    #[serde(default)]
    require_mfa: bool,
    /// For an indirect reseller: the indirect providers it sells through, by domain.
    #[serde(default)]
    indirect_providers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UserFile {
    id: Option<UserId>,
    user_principal_name: String,
    display_name: String,
    password: Option<String>,
    #[serde(default)]
    roles: Vec<RoleDefinitionId>,
    preferred_language: Option<String>,
    account_enabled: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GroupFile {
    id: Option<GroupId>,
    display_name: String,
    #[serde(default)]
    members: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AppFile {
    id: Option<ApplicationId>,
    client_id: Option<ClientId>,
    display_name: String,
    secret: Option<String>,
    #[serde(default)]
    permissions: Vec<String>,
    /// Where sign-ins may return with a code.
    #[serde(default)]
    redirect_uris: Vec<String>,
    /// A public client (no secret; PKCE proves its redemptions).
    #[serde(default)]
    public_client: bool,
}

fn content(msg: String) -> WorldError {
    WorldError::Content(msg)
}

/// Parses a world file into directory objects (passwords and secrets hashed with argon2).
/// Partner tenants get the Admin Agents, Helpdesk Agents and Sales Agents groups if they lack them.
pub fn parse_world(json: &str, now: OffsetDateTime) -> Result<DirectoryBatch, WorldError> {
    let file: WorldFile =
        serde_json::from_str(json).map_err(|e| WorldError::Format(e.to_string()))?;
    let mut batch = DirectoryBatch::default();
    let mut domains = HashSet::new();
    let mut upns = HashSet::new();
    let catalogue = Catalogue::builtin();
    let mut ties: Vec<(TenantId, TieFile)> = Vec::new();
    let mut providers: Vec<(TenantId, Vec<String>)> = Vec::new();
    for t in file.tenants {
        let id = t.id.unwrap_or_else(TenantId::new_random);
        let domain = t.domain.trim().to_lowercase();
        if domain.is_empty() || !domain.contains('.') || !domains.insert(domain.clone()) {
            return Err(content(format!(
                "tenant `{}` needs a unique domain such as `contoso.onmicrosoft.com`",
                t.display_name
            )));
        }
        let is_partner = t.partner.is_some();
        batch.tenants.push(Tenant {
            id,
            display_name: t.display_name.clone(),
            domain: domain.clone(),
            partner: t.partner.map(|p| {
                if !p.indirect_providers.is_empty() {
                    providers.push((id, p.indirect_providers));
                }
                PartnerProfile {
                    mpn_id: p.mpn_id,
                    types: p.types,
                    service_name: p.service_name,
                    contact: p.contact,
                    help_url: p.help_url,
                    require_mfa: p.require_mfa,
                    indirect_providers: Vec::new(),
                }
            }),
            created_at: now,
        });
        let mut by_upn: HashMap<String, UserId> = HashMap::new();
        for u in t.users {
            let upn = u.user_principal_name.trim().to_lowercase();
            if upn.split('@').nth(1) != Some(domain.as_str()) {
                return Err(content(format!(
                    "user `{upn}` must be in the domain of its tenant, `{domain}`"
                )));
            }
            if !upns.insert(upn.clone()) {
                return Err(content(format!("user `{upn}` appears twice")));
            }
            for r in &u.roles {
                if catalogue.get(r).is_none() {
                    return Err(content(format!(
                        "user `{upn}` has role `{r}`, which is not a built-in role"
                    )));
                }
            }
            let uid = u.id.unwrap_or_else(UserId::new_random);
            by_upn.insert(upn.clone(), uid);
            batch.users.push(User {
                id: uid,
                tenant: id,
                user_principal_name: upn,
                display_name: u.display_name,
                password_hash: u.password.as_deref().map(hash_secret),
                roles: u.roles,
                preferred_language: u.preferred_language,
                account_enabled: u.account_enabled.unwrap_or(true),
            });
        }
        let mut names = HashSet::new();
        for g in t.groups {
            let mut members = Vec::new();
            for m in &g.members {
                let uid = by_upn.get(&m.trim().to_lowercase()).ok_or_else(|| {
                    content(format!(
                        "group `{}` lists `{m}`, who is not a user of tenant `{domain}`",
                        g.display_name
                    ))
                })?;
                if !members.contains(uid) {
                    members.push(*uid);
                }
            }
            names.insert(g.display_name.to_lowercase());
            batch.groups.push(Group {
                id: g.id.unwrap_or_else(GroupId::new_random),
                tenant: id,
                display_name: g.display_name,
                members,
            });
        }
        if is_partner {
            for name in [ADMIN_AGENTS, HELPDESK_AGENTS, SALES_AGENTS] {
                if !names.contains(&name.to_lowercase()) {
                    batch.groups.push(Group {
                        id: GroupId::new_random(),
                        tenant: id,
                        display_name: name.to_owned(),
                        members: Vec::new(),
                    });
                }
            }
        }
        for a in t.applications {
            batch.applications.push(Application {
                id: a.id.unwrap_or_else(ApplicationId::new_random),
                client_id: a.client_id.unwrap_or_else(ClientId::new_random),
                tenant: id,
                display_name: a.display_name,
                secret_hash: a.secret.as_deref().map(hash_secret),
                permissions: a.permissions,
                redirect_uris: a.redirect_uris,
                public_client: a.public_client,
            });
        }
        if t.customer_agreement_accepted {
            let by = batch
                .users
                .iter()
                .find(|u| u.tenant == id)
                .ok_or_else(|| {
                    content(format!(
                        "tenant `{domain}` accepted the customer agreement but has no user to have accepted it"
                    ))
                })?;
            batch.agreements.push(AgreementAcceptance {
                tenant: id,
                agreement: CUSTOMER_AGREEMENT.to_owned(),
                version: CUSTOMER_AGREEMENT_VERSION.to_owned(),
                accepted_by: by.id,
                accepted_by_upn: by.user_principal_name.clone(),
                accepted_at: now,
            });
        }
        ties.extend(t.partners.into_iter().map(|tie| (id, tie)));
    }
    for (reseller, domains) in providers {
        let mut ids = Vec::new();
        for d in domains {
            let d = d.trim().to_lowercase();
            let provider = batch
                .tenants
                .iter()
                .find(|t| t.domain == d && t.is_partner_of(PartnerType::IndirectProvider))
                .ok_or_else(|| {
                    content(format!(
                        "an indirect reseller names `{d}`, which is not an indirect provider of this world"
                    ))
                })?;
            ids.push(provider.id);
        }
        if let Some(p) = batch
            .tenants
            .iter_mut()
            .find(|t| t.id == reseller)
            .and_then(|t| t.partner.as_mut())
        {
            p.indirect_providers = ids;
        }
    }
    for (customer, tie) in ties {
        let domain = tie.domain.trim().to_lowercase();
        let partner = batch
            .tenants
            .iter()
            .find(|t| t.domain == domain && t.partner.is_some())
            .ok_or_else(|| {
                content(format!(
                    "a customer names partner `{domain}`, which is not a partner tenant of this world"
                ))
            })?;
        if let Some(k) = tie.types.iter().find(|k| !LinkType::DECLARED.contains(k)) {
            return Err(content(format!(
                "a tie with `{domain}` names the kind `{}`; say `reseller` or `dap`, and give GDAP as relationships",
                k.as_str()
            )));
        }
        let mut other_types = tie.types;
        other_types.sort();
        other_types.dedup();
        batch.partner_links.push(PartnerLink {
            customer,
            partner: partner.id,
            reseller: tie.reseller,
            dap: tie.dap,
            since: now,
            dap_removed_at: None,
            other_types,
            associated_partner: None,
        });
    }
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_world_parses_with_a_partner_and_three_customers() {
        let b = parse_world(DEMO_WORLD, OffsetDateTime::UNIX_EPOCH).unwrap();
        assert_eq!(b.tenants.iter().filter(|t| t.partner.is_some()).count(), 1);
        assert_eq!(b.tenants.iter().filter(|t| t.partner.is_none()).count(), 3);
        assert!(b
            .groups
            .iter()
            .any(|g| g.display_name == ADMIN_AGENTS && !g.members.is_empty()));
    }

    #[test]
    fn inconsistent_worlds_are_refused_with_the_reason() {
        let e = parse_world(r#"{"tenants":[{"displayName":"A","domain":"a.onmicrosoft.com","groups":[{"displayName":"G","members":["x@a.onmicrosoft.com"]}]}]}"#, OffsetDateTime::UNIX_EPOCH).unwrap_err();
        assert!(e.to_string().contains("`x@a.onmicrosoft.com`"), "{e}");
        let e = parse_world(r#"{"tenants":[{"displayName":"A","domain":"a.onmicrosoft.com","users":[{"userPrincipalName":"u@b.com","displayName":"U"}]}]}"#, OffsetDateTime::UNIX_EPOCH).unwrap_err();
        assert!(e.to_string().contains("domain"), "{e}");
        let e = parse_world(
            r#"{"tenants":[{"displayName":"A","domain":"a.onmicrosoft.com","colour":"red"}]}"#,
            OffsetDateTime::UNIX_EPOCH,
        )
        .unwrap_err();
        assert!(matches!(e, WorldError::Format(_)));
    }

    #[test]
    fn a_tie_declares_the_other_kinds_of_partner_but_not_those_gdap_creates() {
        let world = |types: &str| {
            format!(
                r#"{{"tenants":[{{"displayName":"P","domain":"p.onmicrosoft.com","partner":{{}}}},
                {{"displayName":"C","domain":"c.onmicrosoft.com","partners":[{{"domain":"p.onmicrosoft.com","types":{types}}}]}}]}}"#
            )
        };
        let b = parse_world(&world(r#"["oem","isv","oem"]"#), OffsetDateTime::UNIX_EPOCH).unwrap();
        assert_eq!(
            b.partner_links[0].other_types,
            vec![LinkType::Isv, LinkType::Oem]
        );
        let e = parse_world(&world(r#"["gdap"]"#), OffsetDateTime::UNIX_EPOCH).unwrap_err();
        assert!(e.to_string().contains("`gdap`"), "{e}");
        let e = parse_world(&world(r#"["wizard"]"#), OffsetDateTime::UNIX_EPOCH).unwrap_err();
        assert!(matches!(e, WorldError::Format(_)));
    }
}
