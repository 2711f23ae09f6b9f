//! The built-in Entra role catalogue and the GDAP eligibility rules, both embedded data.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::ids::RoleDefinitionId;

/// Global Administrator, the role that forbids auto-extension.
pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";
/// Helpdesk Administrator (granted to Helpdesk Agents under DAP).
pub const HELPDESK_ADMINISTRATOR: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
/// Customer Delegated Admin Relationship Administrator: may approve GDAP in a customer tenant.
pub const CUSTOMER_DELEGATED_ADMIN_RELATIONSHIP_ADMINISTRATOR: &str =
    "fc8ad4e2-40e4-4724-8317-bcda7503ecbf";

const ROLES_JSON: &str = include_str!("../../../data/entra-roles.json");
const ELIGIBILITY_JSON: &str = include_str!("../../../data/gdap-eligibility.json");

/// One built-in role of the catalogue.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    /// Role template id.
    pub id: RoleDefinitionId,
    /// English display name.
    pub display_name: String,
    /// One-line description.
    pub description: String,
    /// Whether Entra labels the role privileged.
    pub is_privileged: bool,
    /// Resource actions the role grants (may contain wildcards such as `allTasks`).
    pub resource_actions: Vec<String>,
    /// Why GDAP refuses the role, when it does.
    #[serde(skip)]
    pub gdap_refusal: Option<String>,
    /// Why a relationship holding the role cannot auto-extend, when it cannot.
    #[serde(skip)]
    pub no_auto_extend: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Eligibility {
    forbidden: Vec<Rule>,
    no_auto_extend: Vec<Rule>,
}

#[derive(Deserialize)]
struct Rule {
    id: RoleDefinitionId,
    reason: String,
}

/// The catalogue: every built-in role by id, in the order of the source data.
#[derive(Debug)]
pub struct Catalogue {
    roles: Vec<Role>,
    by_id: HashMap<RoleDefinitionId, usize>,
}

impl Catalogue {
    /// The embedded catalogue, parsed once.
    pub fn builtin() -> &'static Catalogue {
        static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
        CATALOGUE.get_or_init(|| {
            // INVARIANT: both files are embedded at build time and checked by the tests below,
            // so a parse failure is a build defect, not a runtime condition.
            let roles: Vec<Role> = serde_json::from_str(ROLES_JSON).unwrap_or_default();
            let rules: Eligibility =
                serde_json::from_str(ELIGIBILITY_JSON).unwrap_or(Eligibility {
                    forbidden: Vec::new(),
                    no_auto_extend: Vec::new(),
                });
            Catalogue::new(roles, rules)
        })
    }

    fn new(mut roles: Vec<Role>, rules: Eligibility) -> Self {
        let by_id: HashMap<_, _> = roles.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
        for rule in rules.forbidden {
            if let Some(&i) = by_id.get(&rule.id) {
                roles[i].gdap_refusal = Some(rule.reason);
            }
        }
        for rule in rules.no_auto_extend {
            if let Some(&i) = by_id.get(&rule.id) {
                roles[i].no_auto_extend = Some(rule.reason);
            }
        }
        Self { roles, by_id }
    }

    /// The role with this template id.
    pub fn get(&self, id: &RoleDefinitionId) -> Option<&Role> {
        self.by_id.get(id).map(|&i| &self.roles[i])
    }

    /// All roles, in catalogue order.
    pub fn all(&self) -> &[Role] {
        &self.roles
    }

    /// The roles a partner may request in a relationship.
    pub fn gdap_eligible(&self) -> impl Iterator<Item = &Role> {
        self.roles.iter().filter(|r| r.gdap_refusal.is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_catalogue_holds_every_built_in_role() {
        let c = Catalogue::builtin();
        assert_eq!(c.all().len(), 136);
        let ga = c
            .get(&RoleDefinitionId::parse(GLOBAL_ADMINISTRATOR).unwrap())
            .unwrap();
        assert_eq!(ga.display_name, "Global Administrator");
        assert!(ga.no_auto_extend.is_some());
        assert!(ga.gdap_refusal.is_none());
    }

    #[test]
    fn the_eligibility_rules_refer_to_catalogue_roles() {
        let rules: Eligibility = serde_json::from_str(ELIGIBILITY_JSON).unwrap();
        let c = Catalogue::builtin();
        for r in rules.forbidden.iter().chain(&rules.no_auto_extend) {
            assert!(c.get(&r.id).is_some(), "{} is not in the catalogue", r.id);
        }
        let cdara =
            RoleDefinitionId::parse(CUSTOMER_DELEGATED_ADMIN_RELATIONSHIP_ADMINISTRATOR).unwrap();
        assert!(c.get(&cdara).unwrap().gdap_refusal.is_some());
        assert_eq!(c.gdap_eligible().count(), 132);
    }
}
