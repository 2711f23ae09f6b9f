//! Entra's privilege rules on users: who may reset whose password, and who may perform the other
//! sensitive actions (disable, enable, delete or restore a user, change its sign-in name, phones or
//! alternate e-mail) on whom. They depend on the roles the **target** holds: a Helpdesk
//! Administrator resets the passwords of users without an administrator role or with one of a
//! short list of limited roles; only a Privileged Authentication Administrator or a Global
//! Administrator acts on a Global Administrator.
//!
//! The two tables are embedded data (`data/entra-sensitive-actions.json`, Microsoft's tables as
//! published). Their reading:
//!
//! - a target with no role is governed by the row "a user with no administrator role";
//! - a target with roles is protected by the strictest of them: the actor's role must be allowed
//!   for **every** role the target holds;
//! - a role the tables do not list (any other administrator role, or a custom role) is governed by
//!   the row "a user holding any custom role": Privileged Authentication Administrator and Global
//!   Administrator only;
//! - the deprecated Partner Tier2 Support resets anyone's password and Partner Tier1 Support only
//!   the passwords of users without an administrator role (the tables' note).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::ids::RoleDefinitionId;

const RULES_JSON: &str = include_str!("../../../../data/entra-sensitive-actions.json");

/// Partner Tier1 Support (deprecated): resets the passwords of non-administrators.
const PARTNER_TIER1_SUPPORT: &str = "4ba39ca4-527c-499a-b93d-d9b492c50246";
/// Partner Tier2 Support (deprecated): resets the passwords of anyone.
const PARTNER_TIER2_SUPPORT: &str = "e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8";

/// Which of Entra's two tables governs an action on a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sensitivity {
    /// "Who can reset passwords" (also invalidating refresh tokens).
    PasswordReset,
    /// "Who can perform sensitive actions" (disable, enable, delete, restore, sign-in name,
    /// phones, alternate e-mail, on-premises immutable id).
    SensitiveAction,
}

impl Sensitivity {
    /// The verb of a refusal's sentence: "… which Helpdesk Administrator may not {verb}".
    pub fn verb(self) -> &'static str {
        match self {
            Self::PasswordReset => "reset",
            Self::SensitiveAction => "disable, enable, delete or change the sign-in details of",
        }
    }
}

/// The resource actions on a user that the tables govern, and which table governs each.
const SENSITIVE_ACTIONS: &[(&str, Sensitivity)] = &[
    (
        "microsoft.directory/users/password/update",
        Sensitivity::PasswordReset,
    ),
    (
        "microsoft.directory/users/invalidateAllRefreshTokens",
        Sensitivity::PasswordReset,
    ),
    (
        "microsoft.directory/users/disable",
        Sensitivity::SensitiveAction,
    ),
    (
        "microsoft.directory/users/enable",
        Sensitivity::SensitiveAction,
    ),
    (
        "microsoft.directory/users/delete",
        Sensitivity::SensitiveAction,
    ),
    (
        "microsoft.directory/users/restore",
        Sensitivity::SensitiveAction,
    ),
    (
        "microsoft.directory/deletedItems.users/restore",
        Sensitivity::SensitiveAction,
    ),
    (
        "microsoft.directory/users/userPrincipalName/update",
        Sensitivity::SensitiveAction,
    ),
];

/// Which table governs `action` on a user, if any (case-insensitive, as actions are).
pub fn sensitivity(action: &str) -> Option<Sensitivity> {
    SENSITIVE_ACTIONS
        .iter()
        .find(|(a, _)| a.eq_ignore_ascii_case(action))
        .map(|(_, s)| *s)
}

/// What protects a target from an actor's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// The target holds this role, on which the actor's role may not act.
    Role(RoleDefinitionId),
    /// The target holds no administrator role, but the actor's role may act on nobody.
    NoRole,
}

/// One table: for each listed target role, the roles that may act on it.
#[derive(Debug, Default)]
struct Table {
    by_target: HashMap<RoleDefinitionId, Vec<RoleDefinitionId>>,
    no_role: Vec<RoleDefinitionId>,
    /// For targets holding a role the table does not list (the custom-role row).
    unlisted: Vec<RoleDefinitionId>,
}

impl Table {
    fn allowed_on(&self, target_role: &RoleDefinitionId) -> &[RoleDefinitionId] {
        self.by_target
            .get(target_role)
            .map_or(self.unlisted.as_slice(), Vec::as_slice)
    }
}

/// Both tables, parsed from the embedded data.
#[derive(Debug)]
pub struct PrivilegeRules {
    password: Table,
    sensitive: Table,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RulesFile {
    who_can_perform_sensitive_actions: Vec<Row>,
    who_can_reset_passwords: PasswordRules,
}

#[derive(Deserialize)]
struct PasswordRules {
    rules: Vec<Row>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    #[serde(default)]
    target_role_id: Option<RoleDefinitionId>,
    #[serde(default)]
    target: Option<String>,
    allowed_actors: Vec<Actor>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Actor {
    actor_role_id: RoleDefinitionId,
}

fn table(rows: Vec<Row>) -> Table {
    let mut t = Table::default();
    for row in rows {
        let actors: Vec<RoleDefinitionId> =
            row.allowed_actors.iter().map(|a| a.actor_role_id).collect();
        match (row.target_role_id, row.target.as_deref()) {
            (Some(role), _) => {
                t.by_target.insert(role, actors);
            }
            (None, Some("a user with no administrator role")) => t.no_role = actors,
            (None, Some("a user holding any custom role")) => t.unlisted = actors,
            // Role-assignable groups and restricted administrative units are not modelled.
            _ => {}
        }
    }
    t
}

impl PrivilegeRules {
    /// The embedded tables, parsed once.
    pub fn builtin() -> &'static PrivilegeRules {
        static RULES: OnceLock<PrivilegeRules> = OnceLock::new();
        RULES.get_or_init(|| {
            // INVARIANT: the file is embedded at build time and checked by the tests below; an
            // empty table would refuse every sensitive action, never allow one.
            let file: Option<RulesFile> = serde_json::from_str(RULES_JSON).ok();
            let (sensitive, password) = file.map_or_else(
                || (Vec::new(), Vec::new()),
                |f| {
                    (
                        f.who_can_perform_sensitive_actions,
                        f.who_can_reset_passwords.rules,
                    )
                },
            );
            let mut password = table(password);
            // The tables' note on the deprecated partner support roles.
            if let (Ok(tier1), Ok(tier2)) = (
                RoleDefinitionId::parse(PARTNER_TIER1_SUPPORT),
                RoleDefinitionId::parse(PARTNER_TIER2_SUPPORT),
            ) {
                password.no_role.extend([tier1, tier2]);
                password.unlisted.push(tier2);
                for actors in password.by_target.values_mut() {
                    actors.push(tier2);
                }
            }
            PrivilegeRules {
                password,
                sensitive: table(sensitive),
            }
        })
    }

    fn table(&self, s: Sensitivity) -> &Table {
        match s {
            Sensitivity::PasswordReset => &self.password,
            Sensitivity::SensitiveAction => &self.sensitive,
        }
    }

    /// Whether a holder of `actor` may perform an action of kind `s` on a user holding
    /// `target_roles` (in the target's order); when not, the first of the target's roles that
    /// protects it.
    pub fn permits(
        &self,
        s: Sensitivity,
        actor: &RoleDefinitionId,
        target_roles: &[RoleDefinitionId],
    ) -> Result<(), Protection> {
        let t = self.table(s);
        if target_roles.is_empty() {
            return if t.no_role.contains(actor) {
                Ok(())
            } else {
                Err(Protection::NoRole)
            };
        }
        match target_roles
            .iter()
            .find(|r| !t.allowed_on(r).contains(actor))
        {
            Some(r) => Err(Protection::Role(*r)),
            None => Ok(()),
        }
    }

    /// Whether an application acting on its own (no signed-in user, no directory role of its own)
    /// may perform a sensitive action on a user holding `target_roles`: only on users without an
    /// administrator role, as Entra requires a privileged role of the application for the rest.
    pub fn permits_application(&self, target_roles: &[RoleDefinitionId]) -> Result<(), Protection> {
        match target_roles.first() {
            Some(r) => Err(Protection::Role(*r)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roles::{Catalogue, GLOBAL_ADMINISTRATOR, HELPDESK_ADMINISTRATOR};

    fn id(s: &str) -> RoleDefinitionId {
        RoleDefinitionId::parse(s).unwrap_or_else(|_| panic!("bad id {s}"))
    }

    const USER_ADMIN: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";
    const PAA: &str = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13";
    const EXCHANGE: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
    const DIRECTORY_READERS: &str = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b";

    #[test]
    fn the_embedded_tables_name_only_catalogue_roles_and_fill_every_row_used() {
        let rules = PrivilegeRules::builtin();
        for t in [&rules.password, &rules.sensitive] {
            assert!(t.by_target.len() >= 12);
            assert!(!t.no_role.is_empty() && !t.unlisted.is_empty());
            for (target, actors) in &t.by_target {
                assert!(Catalogue::builtin().get(target).is_some(), "{target}");
                for a in actors {
                    assert!(Catalogue::builtin().get(a).is_some(), "{a}");
                }
            }
        }
    }

    #[test]
    fn helpdesk_resets_ordinary_users_and_limited_roles_but_not_administrators() {
        let r = PrivilegeRules::builtin();
        let hd = id(HELPDESK_ADMINISTRATOR);
        let pw = Sensitivity::PasswordReset;
        assert_eq!(r.permits(pw, &hd, &[]), Ok(()));
        assert_eq!(r.permits(pw, &hd, &[id(DIRECTORY_READERS)]), Ok(()));
        assert_eq!(r.permits(pw, &hd, &[hd]), Ok(()));
        assert_eq!(
            r.permits(pw, &hd, &[id(GLOBAL_ADMINISTRATOR)]),
            Err(Protection::Role(id(GLOBAL_ADMINISTRATOR)))
        );
        assert_eq!(
            r.permits(pw, &hd, &[id(USER_ADMIN)]),
            Err(Protection::Role(id(USER_ADMIN)))
        );
        // An unlisted administrator role protects like a custom role.
        assert_eq!(
            r.permits(pw, &hd, &[id(EXCHANGE)]),
            Err(Protection::Role(id(EXCHANGE)))
        );
        // The strictest of several roles decides.
        assert_eq!(
            r.permits(pw, &hd, &[id(DIRECTORY_READERS), id(GLOBAL_ADMINISTRATOR)]),
            Err(Protection::Role(id(GLOBAL_ADMINISTRATOR)))
        );
        // Helpdesk Administrator performs no other sensitive action, on anyone.
        assert_eq!(
            r.permits(Sensitivity::SensitiveAction, &hd, &[]),
            Err(Protection::NoRole)
        );
    }

    #[test]
    fn only_privileged_authentication_and_global_administrators_act_on_a_global_administrator() {
        let r = PrivilegeRules::builtin();
        let ga = [id(GLOBAL_ADMINISTRATOR)];
        for s in [Sensitivity::PasswordReset, Sensitivity::SensitiveAction] {
            assert_eq!(r.permits(s, &id(PAA), &ga), Ok(()));
            assert_eq!(r.permits(s, &id(GLOBAL_ADMINISTRATOR), &ga), Ok(()));
            assert!(r.permits(s, &id(USER_ADMIN), &ga).is_err());
            assert_eq!(r.permits(s, &id(USER_ADMIN), &[]), Ok(()));
        }
    }

    #[test]
    fn sensitive_actions_are_recognised_whatever_their_case() {
        assert_eq!(
            sensitivity("microsoft.directory/users/Password/Update"),
            Some(Sensitivity::PasswordReset)
        );
        assert_eq!(
            sensitivity("microsoft.directory/users/delete"),
            Some(Sensitivity::SensitiveAction)
        );
        assert_eq!(sensitivity("microsoft.directory/users/basic/update"), None);
    }

    #[test]
    fn applications_act_only_on_users_without_an_administrator_role() {
        let r = PrivilegeRules::builtin();
        assert_eq!(r.permits_application(&[]), Ok(()));
        assert!(r
            .permits_application(&[id(HELPDESK_ADMINISTRATOR)])
            .is_err());
    }
}
