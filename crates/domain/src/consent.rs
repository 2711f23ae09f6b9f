//! Consent: the delegated permissions of Microsoft Graph that gdap knows, what each lets an
//! application do (in the words of Entra's consent screen, Japanese and English), whether only an
//! administrator may grant it, and which of those an application asks for at sign-in.

use crate::ids::RoleDefinitionId;
use crate::roles::GLOBAL_ADMINISTRATOR;

/// A delegated permission of Microsoft Graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DelegatedPermission {
    /// Its name in scopes (`User.Read`).
    pub name: &'static str,
    /// Only an administrator may grant it (for the whole organization).
    pub admin_only: bool,
    /// What it lets the application do, in English.
    pub en: &'static str,
    /// The same, in Japanese.
    pub ja: &'static str,
}

const fn p(
    name: &'static str,
    admin_only: bool,
    en: &'static str,
    ja: &'static str,
) -> DelegatedPermission {
    DelegatedPermission {
        name,
        admin_only,
        en,
        ja,
    }
}

/// The delegated permissions gdap knows and can grant.
pub const DELEGATED: &[DelegatedPermission] = &[
    p(
        "DelegatedAdminRelationship.Read.All",
        true,
        "Read Delegated Admin relationships with customers",
        "顧客との委任された管理者リレーションシップの読み取り",
    ),
    p(
        "DelegatedAdminRelationship.ReadWrite.All",
        true,
        "Manage Delegated Admin relationships with customers",
        "顧客との委任された管理者リレーションシップの管理",
    ),
    p(
        "Directory.Read.All",
        true,
        "Read directory data",
        "ディレクトリ データの読み取り",
    ),
    p(
        "Directory.ReadWrite.All",
        true,
        "Read and write directory data",
        "ディレクトリ データの読み取りと書き込み",
    ),
    p(
        "User.Read",
        false,
        "Sign in and read user profile",
        "サインインとユーザー プロファイルの読み取り",
    ),
    p(
        "User.Read.All",
        true,
        "Read all users' full profiles",
        "すべてのユーザーの完全なプロファイルの読み取り",
    ),
    p(
        "User.ReadWrite.All",
        true,
        "Read and write all users' full profiles",
        "すべてのユーザーの完全なプロファイルの読み取りと書き込み",
    ),
    p(
        "Group.Read.All",
        true,
        "Read all groups",
        "すべてのグループの読み取り",
    ),
    p(
        "Group.ReadWrite.All",
        true,
        "Read and write all groups",
        "すべてのグループの読み取りと書き込み",
    ),
    p(
        "GroupMember.ReadWrite.All",
        true,
        "Read and write group memberships",
        "グループ メンバーシップの読み取りと書き込み",
    ),
    p(
        "Organization.Read.All",
        true,
        "Read organization information",
        "組織情報の読み取り",
    ),
    p(
        "RoleManagement.Read.Directory",
        true,
        "Read role management data for your company's directory",
        "会社のディレクトリのロール管理データの読み取り",
    ),
    p(
        "RoleManagement.ReadWrite.Directory",
        true,
        "Read and write role management data for your company's directory",
        "会社のディレクトリのロール管理データの読み取りと書き込み",
    ),
    p(
        "UserAuthenticationMethod.ReadWrite.All",
        true,
        "Read and write all users' authentication methods",
        "すべてのユーザーの認証方法の読み取りと書き込み",
    ),
];

/// What the OpenID scopes let an application do, shown with the permissions.
pub const OPENID: &[DelegatedPermission] = &[
    p("openid", false, "Sign you in", "サインイン"),
    p(
        "profile",
        false,
        "View your basic profile",
        "基本的なプロファイルの表示",
    ),
    p(
        "offline_access",
        false,
        "Maintain access to data you have given it access to",
        "アクセス権を付与したデータへのアクセスを維持する",
    ),
];

/// Roles whose holders may consent for their whole organization: Global Administrator,
/// Application Administrator and Cloud Application Administrator.
pub const CONSENTING_ROLES: &[&str] = &[
    GLOBAL_ADMINISTRATOR,
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    "158c047a-c907-4556-b7ef-446551a6b5f7",
];

/// Whether a user holding `roles` may consent for the organization.
pub fn may_consent_for_organization(roles: &[RoleDefinitionId]) -> bool {
    roles
        .iter()
        .any(|r| CONSENTING_ROLES.contains(&r.to_string().as_str()))
}

/// The permission named `name` (any case).
pub fn find(name: &str) -> Option<&'static DelegatedPermission> {
    DELEGATED.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

/// The known Graph permissions a sign-in's `scope` asks for (`User.Read` or
/// `https://graph.microsoft.com/User.Read`); `.default`, OpenID scopes, other resources' scopes
/// and unknown names are not asked for here.
pub fn requested(scope: &str) -> Vec<&'static DelegatedPermission> {
    let mut out: Vec<&'static DelegatedPermission> = Vec::new();
    for s in scope.split(' ').filter(|s| !s.is_empty()) {
        let name = match s.rsplit_once('/') {
            Some((res, name))
                if matches!(
                    res.trim_end_matches('/'),
                    "https://graph.microsoft.com" | "00000003-0000-0000-c000-000000000000"
                ) =>
            {
                name
            }
            Some(_) => continue,
            None => s,
        };
        if let Some(found) = find(name) {
            if !out.contains(&found) {
                out.push(found);
            }
        }
    }
    out
}

/// Of `asked`, the permissions not yet `granted` (names, any case).
pub fn missing(
    asked: &[&'static DelegatedPermission],
    granted: &[String],
) -> Vec<&'static DelegatedPermission> {
    asked
        .iter()
        .filter(|p| !granted.iter().any(|g| g.eq_ignore_ascii_case(p.name)))
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sign_in_asks_for_the_known_graph_permissions_of_its_scope_only() {
        let asked = requested(
            "openid offline_access User.Read https://graph.microsoft.com/user.read.all \
             https://graph.microsoft.com/.default https://admin.microsoft.com/Foo Unknown.Perm",
        );
        let names: Vec<&str> = asked.iter().map(|p| p.name).collect();
        assert_eq!(names, ["User.Read", "User.Read.All"]);
        let missing = missing(&asked, &["user.read".to_owned()]);
        assert_eq!(missing.len(), 1);
        assert!(missing[0].admin_only);
    }

    #[test]
    fn administrators_of_applications_consent_for_the_organization() {
        let ga = RoleDefinitionId::parse(GLOBAL_ADMINISTRATOR).unwrap();
        let helpdesk = RoleDefinitionId::parse("729827e3-9c14-49f7-bb1b-9608f156bbb8").unwrap();
        assert!(may_consent_for_organization(&[helpdesk, ga]));
        assert!(!may_consent_for_organization(&[helpdesk]));
    }
}
