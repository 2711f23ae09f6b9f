//! The words of the partner portal's Customers page, in Japanese and English.

use gdap_domain::mail::Language;

/// The words of one language.
#[derive(Debug)]
pub struct CustomersText {
    pub title: &'static str,
    pub intro: &'static str,
    pub none: &'static str,
    pub domain: &'static str,
    pub ties: &'static str,
    pub needs: &'static str,
    pub services: &'static str,
    pub service_links: &'static str,
    /// `{n}` stands for the number of active relationships.
    pub gdap_active: &'static str,
    pub nothing_needed: &'static str,
}

/// Japanese.
pub static JA: CustomersText = CustomersText {
    title: "顧客",
    intro: "リセラー関係、委任された管理者特権 (DAP)、GDAP のいずれかでつながっている顧客です。各サービスの管理ポータルへのリンクから、顧客の代わりに管理できます。",
    none: "まだ顧客はいません。リセラー関係の招待を送るか、GDAP リレーションシップを作成してください。",
    domain: "ドメイン",
    ties: "関係",
    needs: "対応が必要な項目",
    services: "サービス管理",
    service_links: "管理ポータルを開く",
    gdap_active: "GDAP (有効 {n} 件)",
    nothing_needed: "なし",
};

/// English.
pub static EN: CustomersText = CustomersText {
    title: "Customers",
    intro: "Customers tied to you as their reseller, through delegated admin privileges (DAP) or through GDAP. The links open each service's admin portal on the customer's behalf.",
    none: "No customers yet. Send a reseller relationship invitation or create a GDAP relationship.",
    domain: "Domain",
    ties: "Relationship",
    needs: "Needs attention",
    services: "Service management",
    service_links: "Open an admin portal",
    gdap_active: "GDAP ({n} active)",
    nothing_needed: "Nothing",
};

/// The words of `lang`.
pub fn text(lang: Language) -> &'static CustomersText {
    match lang {
        Language::Ja => &JA,
        Language::En => &EN,
    }
}
