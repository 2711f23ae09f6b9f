//! Azure role-based access control as Azure Resource Manager decides it, for the subscriptions a
//! CSP partner provisions for its customers: the built-in roles a partner and a customer use
//! (their actions and not-actions), which assignments cover a scope, and whether a caller — a user
//! and the groups it is in, a partner's foreign groups among them — may perform an action there.
//! Also the rule for a partner user's token for Azure Resource Manager in a customer: an Azure
//! role assignment there is what lets it manage the subscription, with or without GDAP (as the
//! partner keeps managing a subscription after the customer removes delegated admin privileges),
//! and Microsoft's current guidance, a GDAP Directory Readers role beside it, is a setting.

/// Owner: every action, role assignments included.
pub const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
/// Contributor: every action but managing access.
pub const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
/// Reader: every read.
pub const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
/// User Access Administrator: reads, and managing access.
pub const USER_ACCESS_ADMINISTRATOR: &str = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";

/// A built-in role definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleDefinition {
    /// Its id (the GUID in `…/roleDefinitions/{id}`).
    pub id: &'static str,
    /// Its name.
    pub name: &'static str,
    /// The actions it allows (`*` matches any run of characters).
    pub actions: &'static [&'static str],
    /// The actions it takes back from those.
    pub not_actions: &'static [&'static str],
}

/// The built-in roles gdap knows.
pub const ROLES: [RoleDefinition; 4] = [
    RoleDefinition {
        id: OWNER,
        name: "Owner",
        actions: &["*"],
        not_actions: &[],
    },
    RoleDefinition {
        id: CONTRIBUTOR,
        name: "Contributor",
        actions: &["*"],
        not_actions: &[
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action",
        ],
    },
    RoleDefinition {
        id: READER,
        name: "Reader",
        actions: &["*/read"],
        not_actions: &[],
    },
    RoleDefinition {
        id: USER_ACCESS_ADMINISTRATOR,
        name: "User Access Administrator",
        actions: &["*/read", "Microsoft.Authorization/*"],
        not_actions: &[],
    },
];

/// A built-in role by id (any case), or by the `…/roleDefinitions/{id}` path that names it.
pub fn role(id_or_path: &str) -> Option<&'static RoleDefinition> {
    let id = id_or_path.rsplit('/').next().unwrap_or(id_or_path);
    ROLES.iter().find(|r| r.id.eq_ignore_ascii_case(id))
}

/// Whether `action` matches `pattern`: case-insensitive, `*` any run of characters.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    let p = pattern.to_ascii_lowercase();
    let a = action.to_ascii_lowercase();
    let parts: Vec<&str> = p.split('*').collect();
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    if parts.len() == 1 {
        return p == a;
    }
    if !a.starts_with(first) || a.len() < first.len() + last.len() || !a.ends_with(last) {
        return false;
    }
    let mut rest = &a[first.len()..a.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

impl RoleDefinition {
    /// Whether the role allows `action`.
    pub fn allows(&self, action: &str) -> bool {
        self.actions.iter().any(|p| action_matches(p, action))
            && !self.not_actions.iter().any(|p| action_matches(p, action))
    }
}

/// Whether an assignment at `assigned` covers `target`: the same scope or an ancestor of it
/// (`/` covers every scope), segment by segment, case-insensitively.
pub fn scope_covers(assigned: &str, target: &str) -> bool {
    let segments = |s: &str| -> Vec<String> {
        s.split('/')
            .filter(|x| !x.is_empty())
            .map(str::to_ascii_lowercase)
            .collect()
    };
    let (a, t) = (segments(assigned), segments(target));
    a.len() <= t.len() && a.iter().zip(&t).all(|(x, y)| x == y)
}

/// Who an assignment names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PrincipalType {
    /// A user of the tenant.
    User,
    /// A group of the tenant.
    Group,
    /// A group of another tenant: a CSP partner's Admin Agents.
    ForeignGroup,
    /// An application.
    ServicePrincipal,
}

impl PrincipalType {
    /// ARM's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::Group => "Group",
            Self::ForeignGroup => "ForeignGroup",
            Self::ServicePrincipal => "ServicePrincipal",
        }
    }

    /// The type of an ARM name (exactly, as ARM's enum).
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::User,
            Self::Group,
            Self::ForeignGroup,
            Self::ServicePrincipal,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

/// A role assignment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assignment {
    /// Its name (a GUID).
    pub id: uuid::Uuid,
    /// Where it applies: `/`, `/subscriptions/{id}`, `/subscriptions/{id}/resourceGroups/{name}`.
    pub scope: String,
    /// The role definition's id.
    pub role: String,
    /// The object id of the principal.
    pub principal: uuid::Uuid,
    /// What the principal is.
    pub principal_type: PrincipalType,
}

/// The caller: a user's object id and the groups it is in (a partner user's partner groups, which
/// a customer's assignments name as foreign groups).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Caller {
    /// The user's object id.
    pub user: uuid::Uuid,
    /// The groups it is in.
    #[serde(default)]
    pub groups: Vec<uuid::Uuid>,
}

/// Why ARM allowed an action: the assignment and its role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant<'a> {
    /// The assignment that allowed it.
    pub assignment: &'a Assignment,
    /// Its role.
    pub role: &'static RoleDefinition,
}

/// Why ARM refused an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// No assignment of the caller (or its groups) covers the scope.
    NoAssignment,
    /// Assignments cover the scope, but none of their roles allows the action.
    ActionNotAllowed,
}

impl Denial {
    /// The check API's reason code.
    pub fn code(self) -> &'static str {
        match self {
            Self::NoAssignment => "azureNoRoleAssignment",
            Self::ActionNotAllowed => "azureActionNotAllowed",
        }
    }

    /// Why, in a sentence.
    pub fn reason(self) -> &'static str {
        match self {
            Self::NoAssignment => "no Azure role assignment of the user or of a group it is in covers this scope (GDAP roles do not reach Azure resources)",
            Self::ActionNotAllowed => "the user's Azure roles at this scope do not allow this action",
        }
    }
}

/// Whether `caller` may perform `action` at `scope`, and through which assignment.
pub fn decide<'a>(
    caller: &Caller,
    assignments: &'a [Assignment],
    action: &str,
    scope: &str,
) -> Result<Grant<'a>, Denial> {
    let mine = assignments.iter().filter(|a| {
        scope_covers(&a.scope, scope)
            && (a.principal == caller.user || caller.groups.contains(&a.principal))
    });
    let mut covered = false;
    for a in mine {
        covered = true;
        if let Some(role) = role(&a.role).filter(|r| r.allows(action)) {
            return Ok(Grant {
                assignment: a,
                role,
            });
        }
    }
    Err(if covered {
        Denial::ActionNotAllowed
    } else {
        Denial::NoAssignment
    })
}

/// ARM's refusal text for an action the caller may not perform.
pub fn authorization_failed(oid: uuid::Uuid, action: &str, scope: &str) -> String {
    format!(
        "The client '{oid}' with object id '{oid}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials."
    )
}

/// Why a partner user gets no token for Azure Resource Manager in a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArmTokenRefusal {
    /// It holds no Azure role assignment in the customer (through its groups or itself).
    NoAzureRole,
    /// The deployment asks for a GDAP role (Directory Readers at least) beside the Azure role,
    /// as Microsoft's current guidance does, and the user has none in the customer.
    NoGdapRole,
}

/// Whether a partner user gets a token for Azure Resource Manager in a customer: it needs an Azure
/// role assignment there; GDAP too only when `require_gdap` is set.
pub fn arm_token(
    has_azure_role: bool,
    has_gdap_role: bool,
    require_gdap: bool,
) -> Result<(), ArmTokenRefusal> {
    if !has_azure_role {
        return Err(ArmTokenRefusal::NoAzureRole);
    }
    if require_gdap && !has_gdap_role {
        return Err(ArmTokenRefusal::NoGdapRole);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_match_with_wildcards_and_in_any_case() {
        assert!(action_matches(
            "*",
            "Microsoft.Resources/subscriptions/resourceGroups/write"
        ));
        assert!(action_matches(
            "*/read",
            "microsoft.resources/subscriptions/resourcegroups/READ"
        ));
        assert!(!action_matches(
            "*/read",
            "Microsoft.Resources/subscriptions/resourceGroups/write"
        ));
        assert!(action_matches(
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/roleAssignments/write"
        ));
        assert!(!action_matches(
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/roleAssignments/read"
        ));
        assert!(action_matches("a*b*c", "a-x-b-y-c") && !action_matches("a*b*c", "a-c-b"));
    }

    #[test]
    fn a_scope_covers_itself_and_what_lies_below_it() {
        assert!(scope_covers("/", "/subscriptions/1"));
        assert!(scope_covers(
            "/subscriptions/1",
            "/Subscriptions/1/resourceGroups/rg"
        ));
        assert!(!scope_covers("/subscriptions/1", "/subscriptions/10"));
        assert!(!scope_covers(
            "/subscriptions/1/resourceGroups/rg",
            "/subscriptions/1"
        ));
    }

    #[test]
    fn contributor_manages_resources_but_not_access() {
        let c = role(CONTRIBUTOR).unwrap();
        assert!(c.allows("Microsoft.Resources/subscriptions/resourceGroups/write"));
        assert!(!c.allows("Microsoft.Authorization/roleAssignments/write"));
        assert!(!c.allows("Microsoft.Authorization/roleAssignments/delete"));
        assert!(role(&format!(
            "/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/{OWNER}"
        ))
        .is_some());
    }

    #[test]
    fn the_arm_token_needs_an_azure_role_and_gdap_only_when_asked() {
        assert_eq!(arm_token(true, false, false), Ok(()));
        assert_eq!(
            arm_token(false, true, false),
            Err(ArmTokenRefusal::NoAzureRole)
        );
        assert_eq!(
            arm_token(true, false, true),
            Err(ArmTokenRefusal::NoGdapRole)
        );
        assert_eq!(arm_token(true, true, true), Ok(()));
    }
}
