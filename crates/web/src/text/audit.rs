//! Audit entries as sentences in the reader's language: what was done, never the API's own names
//! (those stay in the export for auditors).

use gdap_domain::mail::Language;

/// The words of the audit view.
#[derive(Debug)]
pub struct AuditText {
    pub title: &'static str,
    pub intro: &'static str,
    pub when: &'static str,
    pub who: &'static str,
    pub what: &'static str,
    pub result: &'static str,
    pub automatic: &'static str,
    pub application: &'static str,
    pub succeeded: &'static str,
    pub refused: &'static str,
    pub newer: &'static str,
    pub older: &'static str,
    /// `{n}` stands for the page number.
    pub page: &'static str,
    pub export: &'static str,
    pub view_all: &'static str,
}

/// Japanese.
pub static JA: AuditText = AuditText {
    title: "監査ログ",
    intro: "このパートナーとお客様の管理者が行った操作の記録です (新しい順)。記録は改ざんを検出できる形で保存されています。",
    when: "日時",
    who: "実行者",
    what: "操作",
    result: "結果",
    automatic: "自動処理",
    application: "アプリケーション",
    succeeded: "成功",
    refused: "拒否",
    newer: "新しい記録",
    older: "古い記録",
    page: "{n} ページ",
    export: "エクスポート",
    view_all: "監査ログをすべて表示",
};

/// English.
pub static EN: AuditText = AuditText {
    title: "Audit log",
    intro: "What this partner and your administrators did, newest first. The record is kept so that any tampering is detected.",
    when: "Date",
    who: "By",
    what: "Action",
    result: "Result",
    automatic: "Automatic",
    application: "application",
    succeeded: "Succeeded",
    refused: "Refused",
    newer: "Newer",
    older: "Older",
    page: "Page {n}",
    export: "Export",
    view_all: "View the whole audit log",
};

/// The words of `lang`.
pub fn text(lang: Language) -> &'static AuditText {
    match lang {
        Language::Ja => &JA,
        Language::En => &EN,
    }
}

/// A relationship's status after a change, as what happened to it.
fn relationship_change(status: &str) -> (&'static str, &'static str) {
    match status {
        "created" => (
            "リレーションシップを作成しました",
            "Created the relationship",
        ),
        "approvalPending" => (
            "お客様に承認を依頼しました",
            "Sent the relationship for approval",
        ),
        "approved" => (
            "お客様がリレーションシップを承認しました",
            "The customer approved the relationship",
        ),
        "activating" => (
            "リレーションシップを有効化しています",
            "The relationship is being activated",
        ),
        "active" => (
            "リレーションシップが有効になりました",
            "The relationship became active",
        ),
        "terminationRequested" => (
            "リレーションシップの終了を要求しました",
            "Requested the relationship's end",
        ),
        "terminating" => (
            "リレーションシップを終了しています",
            "The relationship is ending",
        ),
        "terminated" => ("リレーションシップが終了しました", "The relationship ended"),
        "expired" => (
            "リレーションシップの期限が切れました",
            "The relationship expired",
        ),
        _ => (
            "リレーションシップを更新しました",
            "Updated the relationship",
        ),
    }
}

/// What a directory or billing action did.
fn resource_action(action: &str) -> (&'static str, &'static str) {
    match action.to_ascii_lowercase().as_str() {
        "microsoft.directory/users/create" => ("ユーザーを作成", "Create a user"),
        "microsoft.directory/users/delete" => ("ユーザーを削除", "Delete a user"),
        "microsoft.directory/users/restore" | "microsoft.directory/deleteditems.users/restore" => {
            ("削除したユーザーを復元", "Restore a deleted user")
        }
        "microsoft.directory/users/password/update" => {
            ("ユーザーのパスワードをリセット", "Reset a user's password")
        }
        "microsoft.directory/users/basic/update"
        | "microsoft.directory/users/userprincipalname/update" => {
            ("ユーザーのプロパティを更新", "Update a user's properties")
        }
        "microsoft.directory/users/enable" => {
            ("ユーザーのサインインを許可", "Enable a user's sign-in")
        }
        "microsoft.directory/users/disable" => {
            ("ユーザーのサインインをブロック", "Block a user's sign-in")
        }
        "microsoft.directory/users/invalidateallrefreshtokens" => {
            ("ユーザーのセッションを取り消し", "Revoke a user's sessions")
        }
        "microsoft.directory/groups/create" | "microsoft.directory/groups.security/create" => {
            ("グループを作成", "Create a group")
        }
        "microsoft.directory/groups/delete" | "microsoft.directory/groups.security/delete" => {
            ("グループを削除", "Delete a group")
        }
        "microsoft.directory/groups/members/update" => {
            ("グループのメンバーを変更", "Change a group's members")
        }
        "microsoft.directory/roleassignments/create" => (
            "ユーザーに管理者ロールを割り当て",
            "Assign an admin role to a user",
        ),
        "microsoft.directory/roleassignments/delete" => (
            "ユーザーの管理者ロールを削除",
            "Remove an admin role from a user",
        ),
        "microsoft.directory/applications/create" => ("アプリを登録", "Register an application"),
        "microsoft.directory/applications/delete" => {
            ("アプリの登録を削除", "Delete an application registration")
        }
        "microsoft.directory/applications/credentials/update" => {
            ("アプリのシークレットを追加", "Add an application secret")
        }
        "microsoft.directory/applications/basic/update"
        | "microsoft.directory/applications/authentication/update" => {
            ("アプリの登録を更新", "Update an application registration")
        }
        "microsoft.commerce.billing/purchases/create" => {
            ("サブスクリプションを購入", "Buy a subscription")
        }
        a if a.contains("/read") => ("ディレクトリの情報を参照", "Read directory information"),
        a if a.starts_with("microsoft.directory/") => {
            ("ディレクトリを変更", "Change the directory")
        }
        _ => ("管理操作", "An admin action"),
    }
}

/// The entry's action as a sentence; `result` is the entry's result (`success: active` …).
pub fn describe(lang: Language, action: &str, result: &str) -> String {
    let ja = lang == Language::Ja;
    let pick = |(j, e): (&str, &str)| if ja { j.to_owned() } else { e.to_owned() };
    let status = result.strip_prefix("success: ").unwrap_or("");
    match action {
        "delegatedAdminRelationship.create" => pick(relationship_change("created")),
        "delegatedAdminRelationship.update" => pick(relationship_change(status)),
        "delegatedAdminRelationship.delete" => pick((
            "リレーションシップを削除しました",
            "Deleted the relationship",
        )),
        "delegatedAdminRelationship.decline" => pick((
            "お客様が招待をキャンセルしました",
            "The customer declined the invitation",
        )),
        "delegatedAdminRelationshipRequest.lockForApproval" => pick((
            "承認の依頼を送信しました",
            "Requested the customer's approval",
        )),
        "delegatedAdminRelationshipRequest.terminate" => pick((
            "リレーションシップの終了を要求しました",
            "Requested the relationship's end",
        )),
        "delegatedAdminRelationshipRequest.approve" => {
            pick(("リセラーとして承認しました", "Approved as the reseller"))
        }
        "delegatedAdminRelationshipRequest.reject" => {
            pick(("リセラーとして拒否しました", "Rejected as the reseller"))
        }
        "delegatedAdminAccessAssignment.create" => pick((
            "セキュリティ グループにロールを割り当てました",
            "Assigned roles to a security group",
        )),
        "delegatedAdminAccessAssignment.update" if status == "deleted" || status == "deleting" => {
            pick((
                "セキュリティ グループの割り当てを削除しました",
                "Removed a security group's assignment",
            ))
        }
        "delegatedAdminAccessAssignment.update" => pick((
            "セキュリティ グループの割り当てを更新しました",
            "Updated a security group's assignment",
        )),
        "partnerLink.update" if status == "dap off" => pick((
            "委任された管理者 (DAP) のロールを削除しました",
            "Removed the delegated admin (DAP) roles",
        )),
        "partnerLink.update" => pick((
            "パートナーとの関係を更新しました",
            "Updated the partner tie",
        )),
        "reseller-relationship-accepted-by-customer" => pick((
            "お客様がリセラー関係を承認しました",
            "The customer accepted the reseller relationship",
        )),
        "dap-admin-relationship-approved" => pick((
            "お客様が委任された管理者 (DAP) を承認しました",
            "The customer approved delegated admin (DAP)",
        )),
        a if a.starts_with("agreement.accept") => pick((
            "Microsoft 顧客契約に同意しました",
            "Accepted the Microsoft Customer Agreement",
        )),
        a => pick(resource_action(a)),
    }
}

/// Whether an entry's result is a success.
pub fn succeeded(result: &str) -> bool {
    result == "success" || result.starts_with("success:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_read_as_sentences_without_api_names() {
        for (action, result) in [
            ("delegatedAdminRelationship.update", "success: active"),
            ("delegatedAdminRelationship.decline", "success"),
            ("microsoft.directory/users/password/update", "success"),
            ("microsoft.directory/something/new", "success"),
            ("something.else", "denied"),
        ] {
            for lang in [Language::Ja, Language::En] {
                let s = describe(lang, action, result);
                assert!(!s.contains('.') && !s.contains('/'), "{s}");
            }
        }
        assert_eq!(
            describe(
                Language::Ja,
                "delegatedAdminRelationship.update",
                "success: active"
            ),
            "リレーションシップが有効になりました"
        );
        assert_eq!(
            describe(
                Language::En,
                "microsoft.directory/users/password/update",
                "success"
            ),
            "Reset a user's password"
        );
    }
}
