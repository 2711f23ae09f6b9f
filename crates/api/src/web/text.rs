//! Every word of the pages, in Japanese (as the provider manual words it) and English. One struct
//! per language, so a missing translation does not compile.

use gdap_domain::enums::RelationshipStatus as S;
use gdap_domain::mail::Language;
use time::{OffsetDateTime, UtcOffset};

/// The words of one language.
#[derive(Debug)]
pub struct Text {
    pub lang_name: &'static str,
    pub skip_to_content: &'static str,
    pub sign_in: &'static str,
    pub sign_in_title: &'static str,
    pub sign_in_intro: &'static str,
    pub upn: &'static str,
    pub password: &'static str,
    pub sign_out: &'static str,
    pub signed_in_as: &'static str,
    pub bad_credentials: &'static str,
    pub throttled: &'static str,
    pub forbidden_form: &'static str,
    pub language: &'static str,
    pub change: &'static str,
    pub settings: &'static str,
    pub partner_relationships: &'static str,
    pub partner_portal: &'static str,
    pub next: &'static str,
    pub accept: &'static str,
    pub approve: &'static str,
    pub close: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub invitation_title: &'static str,
    pub invitation_intro: &'static str,
    pub invitation_caution: &'static str,
    pub partner: &'static str,
    pub relationship_name: &'static str,
    pub roles: &'static str,
    pub duration: &'static str,
    pub auto_extend: &'static str,
    pub auto_extend_on: &'static str,
    pub auto_extend_off: &'static str,
    pub link_valid_until: &'static str,
    pub agreement_title: &'static str,
    pub agreement_intro: &'static str,
    pub agreement_check: &'static str,
    pub agreement_required: &'static str,
    pub roles_title: &'static str,
    pub roles_intro: &'static str,
    pub review_title: &'static str,
    pub review_intro: &'static str,
    pub accepted_title: &'static str,
    pub accepted_body: &'static str,
    pub accepted_wait: &'static str,
    pub permission_title: &'static str,
    pub permission_body: &'static str,
    pub foreign_title: &'static str,
    pub foreign_body: &'static str,
    pub expired_title: &'static str,
    pub expired_body: &'static str,
    pub reused_title: &'static str,
    pub reused_body: &'static str,
    pub withdrawn_title: &'static str,
    pub withdrawn_body: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub changed_meanwhile: &'static str,
    pub partners_intro: &'static str,
    pub partners_newest_hint: &'static str,
    pub filter_current: &'static str,
    pub filter_expired: &'static str,
    pub no_partners: &'static str,
    pub types: &'static str,
    pub status: &'static str,
    pub start_date: &'static str,
    pub end_date: &'static str,
    pub details: &'static str,
    pub more_relationships: &'static str,
    pub type_reseller: &'static str,
    pub type_dap: &'static str,
    pub type_gdap: &'static str,
    pub dap_roles: &'static str,
    pub activation_progress: &'static str,
    pub remove_roles: &'static str,
    pub remove_roles_question: &'static str,
    pub remove_roles_body: &'static str,
    pub roles_removed: &'static str,
    pub nothing_to_remove: &'static str,
    pub activity: &'static str,
    pub no_activity: &'static str,
    pub act_agreement: &'static str,
    pub act_approved: &'static str,
    pub act_removed: &'static str,
    pub back: &'static str,
    pub portal_intro: &'static str,
    pub new_relationship: &'static str,
    pub customer: &'static str,
    pub customer_hint: &'static str,
    pub any_customer: &'static str,
    pub duration_days: &'static str,
    pub auto_extend_label: &'static str,
    pub send_for_approval: &'static str,
    pub create: &'static str,
    pub approval_link: &'static str,
    pub copy_link: &'static str,
    pub copied: &'static str,
    pub mail_preview: &'static str,
    pub request_approval: &'static str,
    pub branding: &'static str,
    pub service_name: &'static str,
    pub contact: &'static str,
    pub help_url: &'static str,
    pub save: &'static str,
    pub saved: &'static str,
    pub no_relationships: &'static str,
    pub portal_forbidden: &'static str,
    pub outbox_title: &'static str,
    pub outbox_intro: &'static str,
    pub outbox_empty: &'static str,
    pub to: &'static str,
    pub sent: &'static str,
    pub pending: &'static str,
}

/// Japanese.
pub static JA: Text = Text {
    lang_name: "日本語",
    skip_to_content: "本文へ移動",
    sign_in: "サインイン",
    sign_in_title: "サインイン",
    sign_in_intro: "組織の管理者アカウントでサインインしてください。",
    upn: "ユーザー名（メール アドレス）",
    password: "パスワード",
    sign_out: "サインアウト",
    signed_in_as: "サインイン中",
    bad_credentials: "ユーザー名またはパスワードが正しくありません。",
    throttled: "サインインの失敗が続いたため、しばらく時間をおいてから再度お試しください。",
    forbidden_form: "このフォームは期限切れか、別のページから送信されました。ページを開き直してから、もう一度お試しください。",
    language: "言語",
    change: "変更",
    settings: "設定",
    partner_relationships: "パートナー関係",
    partner_portal: "パートナー ポータル",
    next: "次へ",
    accept: "承諾",
    approve: "承諾",
    close: "閉じる",
    yes: "はい",
    no: "いいえ",
    invitation_title: "パートナーからの管理者リレーションシップの要求",
    invitation_intro: "次のパートナーが、お客様の組織を管理するためのアクセス許可を要求しています。アクセス許可に関する注意をご確認の上、[次へ] をクリックしてください。",
    invitation_caution: "承諾すると、パートナーは下記のロールの範囲で、期間中お客様の組織を管理できます。承諾後も、[パートナー関係] ページからいつでもロールを削除できます。",
    partner: "パートナー",
    relationship_name: "リレーションシップ名",
    roles: "ロール",
    duration: "期間",
    auto_extend: "自動延長",
    auto_extend_on: "有効",
    auto_extend_off: "無効",
    link_valid_until: "このリンクの有効期限",
    agreement_title: "Microsoft 顧客契約の承諾",
    agreement_intro: "パートナー関係を承諾する前に、Microsoft 顧客契約の内容をご確認ください。",
    agreement_check: "Microsoft 顧客契約の内容を確認し、同意します。",
    agreement_required: "続行するには、チェック ボックスをオンにしてください。",
    roles_title: "パートナーに付与するロール",
    roles_intro: "パートナーが使用できるロールと、各ロールでできることです。内容をご確認の上、[次へ] をクリックしてください。",
    review_title: "パートナー ロールの承諾",
    review_intro: "以下の内容でパートナー関係を承諾します。[承諾] をクリックしてください。",
    accepted_title: "パートナー関係を受け入れました",
    accepted_body: "パートナーは、リレーションシップがアクティブになった後、付与されたロールでお客様の組織を管理できます。",
    accepted_wait: "[閉じる] をクリック後、次の画面に切り替わるまで時間がかかる場合がございます。",
    permission_title: "アクセス許可が必要です",
    permission_body: "このリクエストを承諾するには、グローバル管理者 または 顧客委任管理者リレーションシップ管理者（Customer Delegated Admin Relationship Administrator）のロールが必要です。これらのロールを持つアカウントでサインインし直してください。",
    foreign_title: "このリンクは別の組織向けです",
    foreign_body: "このリンクは、現在サインインしている組織向けではありません。メールの宛先の組織の管理者アカウントでサインインし直してください。",
    expired_title: "このリンクの有効期限が切れています",
    expired_body: "承認用リンクは、送付から90日を過ぎると使用できません。新しいリンクの送付をパートナーにご依頼ください。",
    reused_title: "このリクエストは承諾済みです",
    reused_body: "このリンクのパートナー関係はすでに承諾されています。リンクは一度しか使用できません。状態は [パートナー関係] ページでご確認ください。",
    withdrawn_title: "このリクエストは取り消されました",
    withdrawn_body: "パートナーがこのリクエストを取り消したため、承諾できません。必要な場合はパートナーにお問い合わせください。",
    not_found_title: "リクエストが見つかりません",
    not_found_body: "リンクが正しくないか、リクエストが削除されています。メールに記載のURLをそのままご使用ください。",
    changed_meanwhile: "表示中にパートナーがリクエストを変更しました。内容をもう一度ご確認ください。",
    partners_intro: "お客様の組織と関係のあるパートナーです。行を選択すると詳細が表示されます。",
    partners_newest_hint: "リレーションシップが複数ある場合は、有効期限（終了日）が新しいものが先頭に表示されます。",
    filter_current: "現在",
    filter_expired: "期限切れ",
    no_partners: "表示するパートナーはありません。",
    types: "種類",
    status: "状態",
    start_date: "開始日",
    end_date: "終了日",
    details: "詳細",
    more_relationships: "件のリレーションシップ",
    type_reseller: "リセラー",
    type_dap: "委任された管理者 (DAP)",
    type_gdap: "きめ細かい委任管理者特権 (GDAP)",
    dap_roles: "グローバル管理者、ヘルプデスク管理者 (DAP)",
    activation_progress: "処理中です（アクティブ化または終了）。このページは自動的に更新されます。",
    remove_roles: "ロールの削除",
    remove_roles_question: "ロールを削除しますか?",
    remove_roles_body: "このパートナーの管理者ロール（GDAP と DAP）をすべて削除し、管理者リレーションシップを終了します。リセラー関係は削除されません。",
    roles_removed: "ロールを削除しました。リレーションシップは終了処理中です。",
    nothing_to_remove: "削除できるロールはありません。",
    activity: "アクティビティ",
    no_activity: "記録はありません。",
    act_agreement: "Microsoft 顧客契約を承諾",
    act_approved: "リレーションシップを承諾",
    act_removed: "ロールを削除",
    back: "戻る",
    portal_intro: "お客様との管理者リレーションシップの一覧です。",
    new_relationship: "新しいリレーションシップ",
    customer: "顧客",
    customer_hint: "顧客のドメイン（contoso.onmicrosoft.com）またはテナント ID。空欄の場合はリンクを開いた組織が承諾できます。",
    any_customer: "（未指定）",
    duration_days: "期間（日数、1〜730）",
    auto_extend_label: "180日ごとに自動延長する（グローバル管理者を含む場合は不可）",
    send_for_approval: "作成後すぐに承認を依頼する（顧客の管理者にメールを送信）",
    create: "作成",
    approval_link: "承認用リンク",
    copy_link: "リンクをコピー",
    copied: "コピーしました",
    mail_preview: "承認依頼メールのプレビュー",
    request_approval: "承認を依頼",
    branding: "メールの差出人情報",
    service_name: "サービス名",
    contact: "お問い合わせ先",
    help_url: "手順のページ (URL)",
    save: "保存",
    saved: "保存しました。",
    no_relationships: "リレーションシップはまだありません。",
    portal_forbidden: "パートナー ポータルは、パートナー組織の AdminAgents グループのメンバーまたはグローバル管理者が使用できます。",
    outbox_title: "送信メール（開発用）",
    outbox_intro: "gdap が送信した（または送信待ちの）メールです。承認用リンクをクリックして手順をお試しください。",
    outbox_empty: "メールはまだありません。",
    to: "宛先",
    sent: "送信済み",
    pending: "送信待ち",
};

/// English.
pub static EN: Text = Text {
    lang_name: "English",
    skip_to_content: "Skip to content",
    sign_in: "Sign in",
    sign_in_title: "Sign in",
    sign_in_intro: "Sign in with your organization's administrator account.",
    upn: "User name (e-mail address)",
    password: "Password",
    sign_out: "Sign out",
    signed_in_as: "Signed in as",
    bad_credentials: "The user name or password is incorrect.",
    throttled: "Too many failed sign-ins. Wait a few minutes and try again.",
    forbidden_form: "This form has expired or was sent from another page. Open the page again and retry.",
    language: "Language",
    change: "Change",
    settings: "Settings",
    partner_relationships: "Partner relationships",
    partner_portal: "Partner portal",
    next: "Next",
    accept: "Accept",
    approve: "Approve",
    close: "Close",
    yes: "Yes",
    no: "No",
    invitation_title: "Admin relationship request from a partner",
    invitation_intro: "The partner below asks for permission to administer your organization. Review the notice about permissions, then select Next.",
    invitation_caution: "If you approve, the partner can administer your organization within the roles below for the duration shown. You can remove its roles at any time on the Partner relationships page.",
    partner: "Partner",
    relationship_name: "Relationship name",
    roles: "Roles",
    duration: "Duration",
    auto_extend: "Auto-extend",
    auto_extend_on: "On",
    auto_extend_off: "Off",
    link_valid_until: "This link works until",
    agreement_title: "Accept the Microsoft Customer Agreement",
    agreement_intro: "Before you accept a partner relationship, review the Microsoft Customer Agreement.",
    agreement_check: "I have read and agree to the Microsoft Customer Agreement.",
    agreement_required: "Select the check box to continue.",
    roles_title: "Roles the partner gets",
    roles_intro: "The roles the partner can use and what each one allows. Review them, then select Next.",
    review_title: "Approve partner roles",
    review_intro: "You are about to approve this partner relationship. Select Approve.",
    accepted_title: "Partner relationship accepted",
    accepted_body: "Once the relationship is active, the partner can administer your organization with the roles granted.",
    accepted_wait: "After you select Close, the next page can take a moment to appear.",
    permission_title: "Permission required",
    permission_body: "Approving this request needs the Global Administrator or Customer Delegated Admin Relationship Administrator role. Sign in again with an account that has one of these roles.",
    foreign_title: "This link is for another organization",
    foreign_body: "This link is not for the organization you are signed in to. Sign in again with an administrator account of the organization the e-mail was sent to.",
    expired_title: "This link has expired",
    expired_body: "Approval links stop working 90 days after they are sent. Ask the partner to send a new link.",
    reused_title: "This request was already accepted",
    reused_body: "The partner relationship of this link has already been accepted; a link can be used only once. Check its status on the Partner relationships page.",
    withdrawn_title: "This request was withdrawn",
    withdrawn_body: "The partner withdrew this request, so it cannot be accepted. Contact the partner if you need it.",
    not_found_title: "Request not found",
    not_found_body: "The link is wrong or the request was deleted. Use the URL exactly as it appears in the e-mail.",
    changed_meanwhile: "The partner changed the request while you were reviewing it. Review it again.",
    partners_intro: "The partners your organization works with. Select a row to see the details.",
    partners_newest_hint: "When a partner has several relationships, the one with the newest end date comes first.",
    filter_current: "Current",
    filter_expired: "Expired",
    no_partners: "No partners to show.",
    types: "Type",
    status: "Status",
    start_date: "Start date",
    end_date: "End date",
    details: "Details",
    more_relationships: "relationships",
    type_reseller: "Reseller",
    type_dap: "Delegated administrator (DAP)",
    type_gdap: "Granular delegated admin privileges (GDAP)",
    dap_roles: "Global Administrator, Helpdesk Administrator (DAP)",
    activation_progress: "In progress (activating or ending). This page refreshes by itself.",
    remove_roles: "Remove roles",
    remove_roles_question: "Remove roles?",
    remove_roles_body: "This removes every admin role of this partner (GDAP and DAP) and ends its admin relationships. The reseller relationship is not removed.",
    roles_removed: "Roles removed. The relationships are being terminated.",
    nothing_to_remove: "There are no roles to remove.",
    activity: "Activity",
    no_activity: "Nothing recorded.",
    act_agreement: "Accepted the Microsoft Customer Agreement",
    act_approved: "Approved a relationship",
    act_removed: "Removed roles",
    back: "Back",
    portal_intro: "Your admin relationships with customers.",
    new_relationship: "New relationship",
    customer: "Customer",
    customer_hint: "The customer's domain (contoso.onmicrosoft.com) or tenant id. Leave empty to let whichever organization opens the link approve it.",
    any_customer: "(not set)",
    duration_days: "Duration (days, 1–730)",
    auto_extend_label: "Auto-extend by 180 days (not with Global Administrator)",
    send_for_approval: "Request approval right away (e-mails the customer's administrators)",
    create: "Create",
    approval_link: "Approval link",
    copy_link: "Copy link",
    copied: "Copied",
    mail_preview: "Approval e-mail preview",
    request_approval: "Request approval",
    branding: "How your e-mails present you",
    service_name: "Service name",
    contact: "Contact",
    help_url: "Instructions page (URL)",
    save: "Save",
    saved: "Saved.",
    no_relationships: "No relationships yet.",
    portal_forbidden: "The partner portal is for members of the partner organization's AdminAgents group and its Global Administrators.",
    outbox_title: "Sent mail (development)",
    outbox_intro: "Mail gdap sent or is about to send. Select an approval link to try the flow.",
    outbox_empty: "No mail yet.",
    to: "To",
    sent: "Sent",
    pending: "Waiting",
};

/// The words of a language.
pub fn text(lang: Language) -> &'static Text {
    match lang {
        Language::Ja => &JA,
        Language::En => &EN,
    }
}

/// A relationship status as customers read it.
pub fn status(lang: Language, s: S) -> &'static str {
    match (lang, s) {
        (Language::Ja, S::Active) => "アクティブ",
        (Language::Ja, S::ApprovalPending) => "承認待ち",
        (Language::Ja, S::Approved) => "承認済み",
        (Language::Ja, S::Activating) => "アクティブ化中",
        (Language::Ja, S::Created) => "作成済み",
        (Language::Ja, S::Expired) => "期限切れ",
        (Language::Ja, S::Expiring) => "期限切れ処理中",
        (Language::Ja, S::Terminated) => "終了",
        (Language::Ja, S::Terminating) => "終了処理中",
        (Language::Ja, S::TerminationRequested) => "終了要求済み",
        (Language::Ja, S::UnknownFutureValue) => "不明",
        (Language::En, S::Active) => "Active",
        (Language::En, S::ApprovalPending) => "Approval pending",
        (Language::En, S::Approved) => "Approved",
        (Language::En, S::Activating) => "Activating",
        (Language::En, S::Created) => "Created",
        (Language::En, S::Expired) => "Expired",
        (Language::En, S::Expiring) => "Expiring",
        (Language::En, S::Terminated) => "Terminated",
        (Language::En, S::Terminating) => "Terminating",
        (Language::En, S::TerminationRequested) => "Termination requested",
        (Language::En, S::UnknownFutureValue) => "Unknown",
    }
}

/// A date and time: Japan time for Japanese readers, UTC otherwise, always with the zone.
pub fn datetime(lang: Language, t: OffsetDateTime) -> String {
    match lang {
        Language::Ja => {
            let jst = UtcOffset::from_hms(9, 0, 0).unwrap_or(UtcOffset::UTC);
            let t = t.to_offset(jst);
            format!(
                "{}年{}月{}日 {:02}:{:02} (JST)",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        }
        Language::En => format!(
            "{} {} {} {:02}:{:02} UTC",
            t.day(),
            t.month(),
            t.year(),
            t.hour(),
            t.minute()
        ),
    }
}

/// A date only.
pub fn date(lang: Language, t: OffsetDateTime) -> String {
    match lang {
        Language::Ja => {
            let jst = UtcOffset::from_hms(9, 0, 0).unwrap_or(UtcOffset::UTC);
            let t = t.to_offset(jst);
            format!("{}/{:02}/{:02}", t.year(), u8::from(t.month()), t.day())
        }
        Language::En => format!("{} {} {}", t.day(), t.month(), t.year()),
    }
}

/// A number of days.
pub fn days(lang: Language, n: i64) -> String {
    match lang {
        Language::Ja => format!("{n}日"),
        Language::En if n == 1 => "1 day".to_owned(),
        Language::En => format!("{n} days"),
    }
}

/// Japanese names of the roles partners request most, as the Japanese admin center shows them.
const ROLE_NAMES_JA: &[(&str, &str)] = &[
    ("Global Administrator", "グローバル管理者"),
    ("Global Reader", "グローバル閲覧者"),
    ("Helpdesk Administrator", "ヘルプデスク管理者"),
    ("User Administrator", "ユーザー管理者"),
    ("Password Administrator", "パスワード管理者"),
    ("Exchange Administrator", "Exchange 管理者"),
    ("SharePoint Administrator", "SharePoint 管理者"),
    ("Teams Administrator", "Teams 管理者"),
    ("Security Administrator", "セキュリティ管理者"),
    ("Security Reader", "セキュリティ閲覧者"),
    ("Billing Administrator", "課金管理者"),
    ("License Administrator", "ライセンス管理者"),
    ("Service Support Administrator", "サービス サポート管理者"),
    ("Privileged Role Administrator", "特権ロール管理者"),
    ("Privileged Authentication Administrator", "特権認証管理者"),
    ("Authentication Administrator", "認証管理者"),
    ("Application Administrator", "アプリケーション管理者"),
    (
        "Cloud Application Administrator",
        "クラウド アプリケーション管理者",
    ),
    ("Intune Administrator", "Intune 管理者"),
    ("Conditional Access Administrator", "条件付きアクセス管理者"),
    ("Directory Readers", "ディレクトリ閲覧者"),
    ("Directory Writers", "ディレクトリ ライター"),
    ("Reports Reader", "レポート閲覧者"),
    ("Compliance Administrator", "コンプライアンス管理者"),
    ("Groups Administrator", "グループ管理者"),
    ("Cloud Device Administrator", "クラウド デバイス管理者"),
    ("Message Center Reader", "メッセージ センター閲覧者"),
];

/// A role's name for readers of `lang`: the Japanese name with the English one beside it when
/// known, else the English name.
pub fn role_name(lang: Language, english: &str) -> String {
    match lang {
        Language::Ja => ROLE_NAMES_JA
            .iter()
            .find(|(en, _)| *en == english)
            .map_or_else(|| english.to_owned(), |(_, ja)| format!("{ja} ({english})")),
        Language::En => english.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn japanese_readers_see_japan_time_and_english_readers_utc() {
        let t = datetime!(2026-11-22 20:30 UTC);
        assert_eq!(datetime(Language::Ja, t), "2026年11月23日 05:30 (JST)");
        assert_eq!(datetime(Language::En, t), "22 November 2026 20:30 UTC");
    }

    #[test]
    fn known_roles_have_japanese_names_with_the_english_name_beside() {
        assert_eq!(
            role_name(Language::Ja, "Global Administrator"),
            "グローバル管理者 (Global Administrator)"
        );
        assert_eq!(role_name(Language::Ja, "Some New Role"), "Some New Role");
        assert_eq!(
            role_name(Language::En, "Global Administrator"),
            "Global Administrator"
        );
    }
}
