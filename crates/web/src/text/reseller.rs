//! The words of the reseller relationship page ("Accept agreement & authorize partner"), in
//! Japanese and English.

use gdap_domain::mail::Language;

/// The words of one language.
#[derive(Debug)]
pub struct ResellerText {
    pub title: &'static str,
    /// `{partner}` stands for the partner's name.
    pub intro: &'static str,
    /// `{partner}` stands for the indirect reseller's name, `{provider}` for its indirect provider's.
    pub intro_indirect: &'static str,
    /// `{partner}` stands for the partner's name; said when only DAP is new.
    pub reseller_already: &'static str,
    pub dap_intro: &'static str,
    pub dap_not_granted: &'static str,
    pub agreement: &'static str,
    pub yes: &'static str,
    pub yes_required: &'static str,
    pub accept: &'static str,
    pub done_title: &'static str,
    /// `{partner}` stands for the partner's name.
    pub done_body: &'static str,
    /// `{partner}` and `{provider}` as in `intro_indirect`.
    pub done_body_indirect: &'static str,
    pub already_title: &'static str,
    pub already_body: &'static str,
    pub permission_body: &'static str,
    pub invalid_title: &'static str,
    pub invalid_body: &'static str,
}

/// Japanese.
pub static JA: ResellerText = ResellerText {
    title: "契約に同意してパートナーを承認する",
    intro: "{partner} が、お客様の組織のリセラー (Microsoft 製品を販売するパートナー) になることを求めています。承認すると、このパートナーからサブスクリプションを購入し、その管理を任せることができます。",
    intro_indirect: "間接リセラーの {partner} と、その間接プロバイダーである {provider} が、お客様の組織のリセラーになることを求めています。承認すると、{provider} がお客様への請求を行い、{partner} がサブスクリプションの購入と管理を支援します。",
    reseller_already: "{partner} はすでにお客様の組織のリセラーです。",
    dap_intro: "このパートナーは委任された管理者特権 (DAP) も求めています。承認すると、パートナーの Admin Agents グループには次のロールのうちグローバル管理者が、Helpdesk Agents グループにはヘルプデスク管理者が付与されます。DAP は [パートナー関係] ページからいつでも削除できます。",
    dap_not_granted: "このリンクは委任された管理者特権 (DAP) も求めていますが、リセラー関係で DAP は付与されません。管理者ロールが必要な場合、パートナーはきめ細かい委任管理者特権 (GDAP) を別途要求します。",
    agreement: "承認すると、Microsoft 顧客契約に同意したことになります。",
    yes: "はい",
    yes_required: "承認するには [はい] チェック ボックスをオンにしてください。",
    accept: "同意する",
    done_title: "パートナーを承認しました",
    done_body: "{partner} はお客様の組織のリセラーになりました。",
    done_body_indirect: "{partner} (間接リセラー) と {provider} (間接プロバイダー) はお客様の組織のリセラーになりました。",
    already_title: "このパートナーは承認済みです",
    already_body: "このリンクは使用済みです。パートナーとの関係は [パートナー関係] ページで確認できます。",
    permission_body: "パートナーを承認するには、グローバル管理者の権限が必要です。グローバル管理者のアカウントでサインインし直してください。",
    invalid_title: "このリンクは無効です",
    invalid_body: "リンクのパートナーが見つかりません。メールに記載されたリンクを変更せずに開いてください。",
};

/// English.
pub static EN: ResellerText = ResellerText {
    title: "Accept agreement & authorize partner",
    intro: "{partner} asks to become your organization's reseller (a partner that sells you Microsoft products). Once you authorize it, you can buy subscriptions from it and have it manage them.",
    intro_indirect: "{partner}, an indirect reseller, and {provider}, its indirect provider, ask to become your organization's resellers. Once you authorize them, {provider} bills you and {partner} helps you buy and manage subscriptions.",
    reseller_already: "{partner} is already your organization's reseller.",
    dap_intro: "This partner also asks for delegated admin privileges (DAP). If you authorize it, the partner's Admin Agents group gets Global Administrator of the roles below and its Helpdesk Agents group Helpdesk Administrator. You can remove DAP at any time on the Partner relationships page.",
    dap_not_granted: "This link also asks for delegated admin privileges (DAP), but reseller relationships grant none. A partner that needs admin roles asks for granular delegated admin privileges (GDAP) separately.",
    agreement: "By authorizing the partner you accept the Microsoft Customer Agreement.",
    yes: "Yes",
    yes_required: "Select the Yes check box to authorize the partner.",
    accept: "Accept",
    done_title: "Partner authorized",
    done_body: "{partner} is now your organization's reseller.",
    done_body_indirect: "{partner} (indirect reseller) and {provider} (indirect provider) are now your organization's resellers.",
    already_title: "This partner is already authorized",
    already_body: "This link was used before. See the relationship with the partner on the Partner relationships page.",
    permission_body: "Authorizing a partner needs the Global Administrator role. Sign in again with a Global Administrator account.",
    invalid_title: "This link is not valid",
    invalid_body: "The link's partner was not found. Open the link exactly as the e-mail gives it.",
};

/// The words of `lang`.
pub fn text(lang: Language) -> &'static ResellerText {
    match lang {
        Language::Ja => &JA,
        Language::En => &EN,
    }
}
