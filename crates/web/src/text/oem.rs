//! The words of the customer's Autopilot pages: an OEM's "Accept partner invitation" page, the
//! Autopilot consent each partner holds on the Partner relationships pages, and the devices view,
//! in Japanese and English.

use gdap_domain::autopilot::Consent;
use gdap_domain::mail::Language;

/// The words of one language.
#[derive(Debug)]
pub struct OemText {
    pub title: &'static str,
    /// `{oem}` stands for the OEM's name.
    pub intro: &'static str,
    pub no_admin_permissions: &'static str,
    /// `{oem}` stands for the OEM's name.
    pub yes: &'static str,
    pub accept: &'static str,
    pub yes_required: &'static str,
    /// `{oem}` stands for the OEM's name.
    pub not_removable: &'static str,
    pub permission_body: &'static str,
    pub done_title: &'static str,
    /// `{oem}` stands for the OEM's name.
    pub done_body: &'static str,
    pub already_title: &'static str,
    pub already_body: &'static str,
    pub autopilot: &'static str,
    pub autopilot_none: &'static str,
    pub autopilot_short: &'static str,
    pub oem_ask: &'static str,
    pub devices_title: &'static str,
    pub devices_intro: &'static str,
    pub devices_none: &'static str,
    pub devices_link: &'static str,
    pub serial: &'static str,
    pub product_id: &'static str,
    pub model: &'static str,
    pub registered_by: &'static str,
    pub registered: &'static str,
    pub this_organization: &'static str,
    pub next_page: &'static str,
}

/// Japanese.
pub static JA: OemText = OemText {
    title: "パートナーの招待を受け入れる",
    intro: "{oem} が、この組織の Windows Autopilot デバイスを登録する許可を求めています。受け入れると、{oem} はこの組織のデバイスを Windows Autopilot に登録し、登録を解除できるようになります。",
    no_admin_permissions: "OEM には、委任された管理者のアクセス許可は付与されません。OEM はデバイスのハードウェア ハッシュを Microsoft が管理するデータベースに登録するだけで、この組織のテナントにはアクセスしません。",
    yes: "はい。{oem} がこの組織のデバイスを登録することを許可します。",
    accept: "同意",
    yes_required: "受け入れるには [はい] チェック ボックスをオンにしてください。",
    not_removable: "受け入れた後は、この組織の管理者が {oem} を削除することはできません。削除するには {oem} に依頼してください。",
    permission_body: "この招待を受け入れるには、この組織のグローバル管理者のアカウントでサインインする必要があります。グローバル管理者に依頼するか、別のアカウントでサインインしてください。",
    done_title: "招待を受け入れました",
    done_body: "{oem} は、この組織のデバイスを Windows Autopilot に登録できるようになりました。委任された管理者のアクセス許可は付与されていません。",
    already_title: "この招待は受け入れ済みです",
    already_body: "この OEM は既に、この組織のデバイスを登録できます。",
    autopilot: "Windows Autopilot",
    autopilot_none: "このパートナーには、この組織のデバイスを登録する許可がありません。",
    autopilot_short: "デバイスを登録可能",
    oem_ask: "OEM はこのページから削除できません。削除するには、OEM に依頼してください。",
    devices_title: "Windows Autopilot デバイス",
    devices_intro: "この組織のデバイスのうち、Windows Autopilot に登録されているものです。パートナーが登録したデバイスには、登録したパートナーが表示されます。",
    devices_none: "Windows Autopilot に登録されているデバイスはありません。",
    devices_link: "Windows Autopilot デバイスを表示",
    serial: "シリアル番号",
    product_id: "Windows プロダクト ID",
    model: "製造元 / モデル",
    registered_by: "登録元",
    registered: "登録日",
    this_organization: "この組織 (Intune)",
    next_page: "次のページ",
};

/// English.
pub static EN: OemText = OemText {
    title: "Accept partner invitation",
    intro: "{oem} asks permission to register your organization's Windows Autopilot devices. If you accept, {oem} can register your organization's devices with Windows Autopilot and deregister them.",
    no_admin_permissions: "An OEM is given no delegated admin permissions. It only writes your devices' hardware hashes to a database Microsoft runs; it has no access to your tenant.",
    yes: "Yes, allow {oem} to register devices for my organization.",
    accept: "Accept",
    yes_required: "Select the Yes check box to accept.",
    not_removable: "Once you accept, your organization's admins can't remove {oem}. To remove it, ask {oem}.",
    permission_body: "You need permission: sign in with a Global Administrator account of your organization to accept this invitation, or ask a Global Administrator to.",
    done_title: "Invitation accepted",
    done_body: "{oem} can now register your organization's devices with Windows Autopilot. It was given no delegated admin permissions.",
    already_title: "Invitation already accepted",
    already_body: "This OEM can already register your organization's devices.",
    autopilot: "Windows Autopilot",
    autopilot_none: "This partner may not register your organization's devices.",
    autopilot_short: "Can register devices",
    oem_ask: "An OEM can't be removed from this page. To remove it, ask the OEM.",
    devices_title: "Windows Autopilot devices",
    devices_intro: "Your organization's devices registered with Windows Autopilot. Devices a partner registered name that partner.",
    devices_none: "No devices are registered with Windows Autopilot.",
    devices_link: "View Windows Autopilot devices",
    serial: "Serial number",
    product_id: "Windows Product ID",
    model: "Manufacturer / model",
    registered_by: "Registered by",
    registered: "Registered",
    this_organization: "Your organization (Intune)",
    next_page: "Next page",
};

/// The words of `lang`.
pub fn text(lang: Language) -> &'static OemText {
    match lang {
        Language::Ja => &JA,
        Language::En => &EN,
    }
}

/// What a partner's Autopilot consent lets it do, and what gives it.
pub fn consent(lang: Language, c: Consent) -> &'static str {
    match (lang, c) {
        (Language::Ja, Consent::DirectCsp) => "この組織のデバイスを登録できます (リセラー関係の承認による)。",
        (Language::Ja, Consent::IndirectProvider) => "この組織のデバイスを登録できます (間接リセラーとのリセラー関係の承認による)。",
        (Language::Ja, Consent::IndirectReseller) => "この組織のデバイスを登録できます (リセラー関係の承認による。登録はパートナー センターでの CSV アップロードのみ)。",
        (Language::Ja, Consent::Oem) => "この組織のデバイスを登録できます (OEM の招待の承認による)。",
        (Language::En, Consent::DirectCsp) => "Can register your organization's devices (you accepted its reseller relationship).",
        (Language::En, Consent::IndirectProvider) => "Can register your organization's devices (you accepted its indirect reseller's relationship).",
        (Language::En, Consent::IndirectReseller) => "Can register your organization's devices (you accepted its reseller relationship; it registers by CSV upload only).",
        (Language::En, Consent::Oem) => "Can register your organization's devices (you accepted its OEM invitation).",
    }
}
