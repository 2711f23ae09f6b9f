//! A use case's refusal in the words of the page's reader: what to change, with roles by their
//! names. Refusals the pages cannot cause keep the API's own sentence.

use gdap_app::error::AppError;
use gdap_domain::error::DomainError;
use gdap_domain::ids::RoleDefinitionId;
use gdap_domain::mail::Language;
use gdap_domain::roles::Catalogue;
use gdap_store::StoreError;

fn role(lang: Language, r: &RoleDefinitionId) -> String {
    Catalogue::builtin()
        .get(r)
        .map_or_else(|| r.to_string(), |x| super::role_name(lang, x))
}

/// `e` as the reader should read it.
pub fn explain(lang: Language, e: &AppError) -> String {
    let ja = lang == Language::Ja;
    let say = |j: &str, en: &str| if ja { j.to_owned() } else { en.to_owned() };
    match e {
        AppError::Domain(d) => match d {
            DomainError::DisplayNameLength(_) => say(
                "リレーションシップ名は 1 ～ 50 文字で入力してください。",
                "Enter a relationship name of 1 to 50 characters.",
            ),
            DomainError::DisplayNameCharacters => say(
                "リレーションシップ名に改行やタブは使用できません。",
                "The relationship name cannot contain line breaks or tabs.",
            ),
            DomainError::DurationOutOfRange(_) => say(
                "期間は 1 ～ 730 日の範囲で指定してください。",
                "Choose a duration of 1 to 730 days.",
            ),
            DomainError::AutoExtendForbidden { role: r, .. } => {
                let r = role(lang, r);
                if ja {
                    format!("{r} を含むリレーションシップは自動延長できません。自動延長をオフにするか、このロールを外してください。")
                } else {
                    format!("A relationship with {r} cannot be extended automatically: turn auto-extend off or leave out this role.")
                }
            }
            DomainError::NoRoles => say(
                "ロールを 1 つ以上選択してください。",
                "Choose at least one role.",
            ),
            DomainError::UnknownRole(r) | DomainError::IneligibleRole { role: r, .. } => {
                let r = role(lang, r);
                if ja {
                    format!("{r} は GDAP では付与できないロールです。選択を外してください。")
                } else {
                    format!("{r} cannot be granted through GDAP: leave it out.")
                }
            }
            DomainError::DuplicateRole(r) => {
                let r = role(lang, r);
                if ja {
                    format!("{r} が 2 回選択されています。")
                } else {
                    format!("{r} is chosen twice.")
                }
            }
            DomainError::CustomerIsPartner => say(
                "顧客には自社以外のテナントを指定してください。",
                "The customer must be a tenant other than your own.",
            ),
            DomainError::RoleNotInRelationship(r) => {
                let r = role(lang, r);
                if ja {
                    format!("{r} はこのリレーションシップのロールではありません。リレーションシップのロールから選択してください。")
                } else {
                    format!("{r} is not one of this relationship's roles: choose among them.")
                }
            }
            DomainError::RelationshipNotActive(_) => say(
                "セキュリティ グループは、アクティブなリレーションシップにのみ割り当てられます。",
                "Security groups can be assigned only on an active relationship.",
            ),
            DomainError::ActionNotAllowed { .. } => say(
                "リレーションシップの現在の状態では、この操作はできません。ページを再読み込みしてください。",
                "This cannot be done in the relationship's current state. Reload the page.",
            ),
            other => other.to_string(),
        },
        AppError::Store(StoreError::DuplicateDisplayName(name)) => {
            if ja {
                format!("「{name}」という名前のリレーションシップが既にあります。別の名前を入力してください。")
            } else {
                format!("A relationship named “{name}” already exists. Choose another name.")
            }
        }
        AppError::Store(StoreError::DuplicateAssignment) => say(
            "このセキュリティ グループには既に割り当てがあります。既存の割り当てを削除してから、もう一度割り当ててください。",
            "This security group already has an assignment on this relationship. Remove it first, then assign again.",
        ),
        AppError::Store(StoreError::VersionConflict) => say(
            "ほかのユーザーが同時に変更しました。ページを再読み込みして、もう一度お試しください。",
            "Someone else changed this at the same time. Reload the page and try again.",
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_the_role_and_what_to_change_in_the_readers_language() {
        let ga = RoleDefinitionId::parse(gdap_domain::roles::GLOBAL_ADMINISTRATOR).unwrap();
        let e = AppError::Domain(DomainError::AutoExtendForbidden {
            role: ga,
            reason: "x".into(),
        });
        let en = explain(Language::En, &e);
        assert!(
            en.contains("Global Administrator") && !en.contains(&ga.to_string()),
            "{en}"
        );
        let ja = explain(Language::Ja, &e);
        assert!(
            ja.starts_with("グローバル管理者 (Global Administrator) を含む"),
            "{ja}"
        );
        let dup = AppError::Store(StoreError::DuplicateDisplayName("Support".into()));
        assert!(explain(Language::Ja, &dup).contains("「Support」"));
    }
}
