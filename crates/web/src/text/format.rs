//! Statuses, dates, durations and role names as each language writes them.

use gdap_domain::enums::RelationshipStatus as S;
use gdap_domain::mail::Language;
use time::{OffsetDateTime, UtcOffset};

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
