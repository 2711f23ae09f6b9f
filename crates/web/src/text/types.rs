//! The kinds of partner a customer may work with, as Microsoft's page on managing partner
//! relationships describes them (its Japanese wording, with the machine translation's slips
//! mended), for the explanation on the Partner relationships page.

use gdap_domain::customer::LinkType;
use gdap_domain::mail::Language;

/// One kind: its name, what such a partner does, and the roles it gets.
#[derive(Debug)]
pub struct PartnerType {
    /// Which kind.
    pub kind: LinkType,
    /// The name.
    pub name: &'static str,
    /// What it does for the customer.
    pub description: &'static str,
    /// The roles it may hold.
    pub roles: &'static str,
}

const JA: [PartnerType; 9] = [
    PartnerType {
        kind: LinkType::Advisor,
        name: "アドバイザー (DAP)",
        description: "パスワードのリセットやサポート インシデントの対応を行えるパートナー。委任された管理者特権 (DAP) により、パートナーの Admin Agents グループにはグローバル管理者が、Helpdesk Agents グループにはヘルプデスク管理者が付与されます。",
        roles: "グローバル管理者、ヘルプデスク管理者",
    },
    PartnerType {
        kind: LinkType::Isv,
        name: "独立系ソフトウェア ベンダー",
        description: "1 つ以上のコンピューター ハードウェアまたはオペレーティング システムのプラットフォームで動作するソフトウェア製品を開発・販売するパートナー。",
        roles: "ロールは割り当てられません。",
    },
    PartnerType {
        kind: LinkType::IndirectReseller,
        name: "間接リセラー",
        description: "組織または学校の製品とサービスを管理するパートナー。",
        roles: "ロールは割り当てられません。",
    },
    PartnerType {
        kind: LinkType::LineOfBusiness,
        name: "基幹業務 (LOB) パートナー",
        description: "組織または学校に固有の LOB アプリを開発、提出、管理できるパートナー。",
        roles: "割り当てには使用できません。",
    },
    PartnerType {
        kind: LinkType::Mpsa,
        name: "Microsoft Products & Services Agreement (MPSA) パートナー",
        description: "MPSA プログラムで複数のパートナーと取引している場合、パートナーどうしで互いの購入を確認できます。",
        roles: "ロールは割り当てられません。",
    },
    PartnerType {
        kind: LinkType::Oem,
        name: "オリジナル機器メーカー (OEM)",
        description: "Windows Autopilot のデバイス登録を行うパートナー。OEM はハードウェア ハッシュを Microsoft が管理するデータベースに登録するため、お客様のテナントへのアクセス許可は付与されず、必要もありません。",
        roles: "ロールは割り当てられません。",
    },
    PartnerType {
        kind: LinkType::Partner,
        name: "パートナー",
        description: "テナント内のユーザー アカウントをパートナーに付与し、他の Microsoft サービスと連携します。",
        roles: "任意の Microsoft Entra ロール",
    },
    PartnerType {
        kind: LinkType::Gdap,
        name: "GDAP アクセス権を持つパートナー",
        description: "組織または学校の製品やサービスを管理しますが、Microsoft 365 管理センターで行える操作は制限されているパートナー。きめ細かい委任管理者特権 (GDAP) により、グローバル管理者のアクセス許可なしでタスクを完了できます。必要最小限のロールだけを付与することで、組織のリスクを抑えられます。",
        roles: "任意の Microsoft Entra ロール",
    },
    PartnerType {
        kind: LinkType::Reseller,
        name: "リセラー",
        description: "組織または学校に Microsoft 製品を販売するパートナー。",
        roles: "ロールは割り当てられません。",
    },
];

const EN: [PartnerType; 9] = [
    PartnerType {
        kind: LinkType::Advisor,
        name: "Advisor (DAP)",
        description: "Partners who can reset passwords and handle support incidents. Delegated admin privileges (DAP) give the partner's Admin Agents group Global Administrator and its Helpdesk Agents group Helpdesk Administrator.",
        roles: "Global Administrator, Helpdesk Administrator",
    },
    PartnerType {
        kind: LinkType::Isv,
        name: "Independent software vendor",
        description: "Partners who develop and sell software products that run on one or more computer hardware or operating system platforms.",
        roles: "No roles are assigned.",
    },
    PartnerType {
        kind: LinkType::IndirectReseller,
        name: "Indirect reseller",
        description: "Partners who manage products and services for your organization or school.",
        roles: "No roles are assigned.",
    },
    PartnerType {
        kind: LinkType::LineOfBusiness,
        name: "Line-of-business (LOB) partner",
        description: "Partners who develop, submit and manage line-of-business apps specific to your organization or school.",
        roles: "Not available for assignment.",
    },
    PartnerType {
        kind: LinkType::Mpsa,
        name: "Microsoft Products & Services Agreement (MPSA) partner",
        description: "If you work with several partners through the MPSA program, they can see each other's purchases.",
        roles: "No roles are assigned.",
    },
    PartnerType {
        kind: LinkType::Oem,
        name: "Original equipment manufacturer (OEM)",
        description: "Partners who register Windows Autopilot devices. An OEM writes hardware hashes to a database Microsoft runs, so it is given, and needs, no permissions in your tenant.",
        roles: "No roles are assigned.",
    },
    PartnerType {
        kind: LinkType::Partner,
        name: "Partner",
        description: "You give the partner user accounts in your tenant to work with other Microsoft services.",
        roles: "Any Microsoft Entra role",
    },
    PartnerType {
        kind: LinkType::Gdap,
        name: "Partner with GDAP access",
        description: "Partners who manage products and services for your organization or school with limited access to what they can do in the Microsoft 365 admin center. Granular delegated admin privileges (GDAP) let them complete tasks without Global Administrator permissions; giving only the roles they need keeps your organization's risk low.",
        roles: "Any Microsoft Entra role",
    },
    PartnerType {
        kind: LinkType::Reseller,
        name: "Reseller",
        description: "Partners who sell Microsoft products to your organization or school.",
        roles: "No roles are assigned.",
    },
];

/// The nine kinds in the reader's language.
pub fn partner_types(lang: Language) -> &'static [PartnerType; 9] {
    match lang {
        Language::Ja => &JA,
        Language::En => &EN,
    }
}

/// One kind in the reader's language.
pub fn describe(lang: Language, kind: LinkType) -> &'static PartnerType {
    let at = match kind {
        LinkType::Advisor => 0,
        LinkType::Isv => 1,
        LinkType::IndirectReseller => 2,
        LinkType::LineOfBusiness => 3,
        LinkType::Mpsa => 4,
        LinkType::Oem => 5,
        LinkType::Partner => 6,
        LinkType::Gdap => 7,
        LinkType::Reseller => 8,
    };
    &partner_types(lang)[at]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_describe_every_kind_where_it_is_looked_up() {
        for lang in [Language::Ja, Language::En] {
            for k in LinkType::ALL {
                assert_eq!(describe(lang, k).kind, k);
            }
        }
    }
}
